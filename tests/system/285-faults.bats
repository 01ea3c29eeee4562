#!/usr/bin/env bats
# Faults: berth killed with SIGKILL in the middle of `run -d` (create, the
# monitor's start, the sync protocol), of `rm` and of `rm -f` of a running
# container, at delays spread over the time the command takes here. After
# each kill `berth ps -a` and `berth inspect` work, `berth rm -f` of what is
# left succeeds (or says "no such container" when the kill came before the
# record existed), and nothing is left: no record, userdata, runtime state,
# monitor, mount, cgroup or container layer. A half-made container (a record
# without berth.json, as a kill inside create leaves it) is listed and
# removable. Killing the monitor is tested in 220 and 290. Root and rootless.

load helpers
load lib/ctr-leftovers

setup_file() {
        ctr_setup_file
}

setup() {
        ctr_setup
        BASE_LAYERS=$(ctr_layer_count)
}

teardown() {
        ctr_teardown
}

# now_ms: milliseconds since the epoch.
now_ms() {
        echo $(($(date +%s%N) / 1000000))
}

# duration_ms ARGS...: how long `berth ARGS` takes here, in ms.
duration_ms() {
        local t0
        t0=$(now_ms)
        "$BERTH" "$@" >/dev/null 2>&1 || die "berth $* failed while timing it"
        echo $(($(now_ms) - t0))
}

# delays MS: kill delays from 1 ms to a little past MS, spread over it.
delays() {
        local t=$1 f
        echo 1 3
        for f in 5 10 20 30 40 50 60 70 80 90 100 120; do
                echo $(((t * f + 99) / 100))
        done | sort -n -u
}

# kill_after MS ARGS...: start `berth ARGS`, SIGKILL it after MS ms (if it
# still runs), and wait for it.
kill_after() {
        local ms=$1 pid
        shift
        "$BERTH" "$@" >/dev/null 2>&1 &
        pid=$!
        sleep "$(printf '0.%03d' "$ms")"
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
}

# after_fault NAME: ps -a and inspect work, rm -f removes what is left of
# NAME, and nothing stays behind.
after_fault() {
        local name=$1 i
        run_berth ps -a --format '{{.Names}} {{.Status}}'
        refute_output --partial "rror"
        if grep -q "^$name " <<<"$output"; then
                # A run --rm container may go meanwhile (its monitor's cleanup).
                run_berth ? inspect --format '{{.Name}} {{.State.Status}}' "$name"
                if [ "$status" -ne 0 ]; then
                        run_berth ps -a --format '{{.Names}}'
                        refute_line "$name"
                fi
        fi
        run_berth ? rm -f -t 0 "$name"
        case $status in
        0) ;;
        1) assert_output "Error: no container with name or ID \"$name\" found: no such container" ;;
        *) die "rm -f $name after a kill: exit status $status" ;;
        esac
        run_berth ps -a -q
        assert_output ""
        # A monitor that lost its berth ends on its own.
        for i in $(seq 100); do
                ctr_assert_no_leftovers "$BASE_LAYERS" 2>/dev/null && return 0
                sleep 0.1
        done
        ctr_assert_no_leftovers "$BASE_LAYERS"
}

@test "kill -9 of berth during run -d, at delays over the whole command" {
        local t d
        t=$(duration_ms run "${CGP[@]}" -d --name timing "$IMG" sleep 1000)
        run_berth rm -f -t 0 timing
        echo "# run -d takes $t ms here"
        for d in $(delays "$t"); do
                echo "# kill after $d ms"
                kill_after "$d" run "${CGP[@]}" -d --name "f$d" "$IMG" sleep 1000
                after_fault "f$d"
        done
}

@test "kill -9 of berth during run --rm -d and create" {
        local t d
        t=$(duration_ms create "${CGP[@]}" --name timing "$IMG" true)
        run_berth rm timing
        for d in $(delays "$t"); do
                kill_after "$d" create "${CGP[@]}" --name "c$d" "$IMG" true
                after_fault "c$d"
                kill_after "$((d * 2))" run "${CGP[@]}" --rm -d --name "r$d" "$IMG" true
                after_fault "r$d"
        done
}

@test "kill -9 of berth during rm, rm -f of a running container, and rm -f -t waiting" {
        local t d
        run_berth run "${CGP[@]}" -d --name timing "$IMG" sleep 1000
        t=$(duration_ms rm -f -t 0 timing)
        echo "# rm -f takes $t ms here"
        for d in $(delays "$t"); do
                run_berth run "${CGP[@]}" -d --name "k$d" "$IMG" sleep 1000
                kill_after "$d" rm -f -t 0 "k$d"
                after_fault "k$d"
                run_berth create "${CGP[@]}" --name "s$d" "$IMG" true
                kill_after "$d" rm "s$d"
                after_fault "s$d"
        done
        # Killed while stop waits for the timeout: the container runs on
        # (busybox sleep as pid 1 ignores SIGTERM) and rm -f still works.
        run_berth run "${CGP[@]}" -d --name w "$IMG" sleep 1000
        kill_after 500 rm -f -t 5 w
        run_berth inspect --format '{{.Name}} {{.State.Status}}' w
        assert_output "w running"
        after_fault w
}

@test "a half-made container (record without berth.json) is listed, inspectable and removable" {
        run_berth create "${CGP[@]}" --name half "$IMG" true
        local id=$output
        ctr_store_paths
        rm -f "$GRAPH/$DRIVER-containers/$id/userdata/berth.json" \
                "$GRAPH/$DRIVER-containers/$id/userdata/config.json"
        run_berth ps -a --format '{{.ID}} {{.Names}} {{.Status}}'
        assert_output "${id:0:12} half Created"
        run_berth inspect --format '{{.Name}} {{.State.Status}}' half
        assert_output "half created"
        # Starting it fails (no config.json) and leaves no monitor.
        run_berth 125 start half
        assert_output --partial "config.json"
        run_berth rm half
        assert_output "half"
        ctr_assert_no_leftovers "$BASE_LAYERS"
}

@test "a mount killed before it was counted: the store's private bind mount goes with the container" {
        # The driver makes its home a private bind mount before the first
        # layer mount; a kill between the two leaves it with no counted
        # mount. Made here directly so the case does not depend on timing.
        ctr_store_paths
        [ "$DRIVER" = overlay ] || skip "the $DRIVER driver makes no bind mount"
        run_berth create "${CGP[@]}" --name bm "$IMG" true
        local mnt=(mount --bind "$GRAPH/overlay" "$GRAPH/overlay")
        if is_rootless; then
                run_berth unshare "${mnt[@]}"
        else
                "${mnt[@]}"
        fi
        _ctr_mounts | grep -qx "$GRAPH/overlay" || die "the bind mount was not made"
        run_berth rm bm
        ctr_assert_no_leftovers "$BASE_LAYERS"
}

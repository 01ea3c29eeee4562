#!/usr/bin/env bats
# cgroups: limits applied (v1 on this hybrid host, v2 where it is the only
# one), update, ps, pause/resume; rootless, resources are ignored.

load helpers

# cg_value PID V1-CONTROLLER V1-FILE V2-FILE: the content of PID's cgroup
# file, from the v1 controller's hierarchy if it exists, else from the
# unified hierarchy.
cg_value() {
        local d
        d=$(cgroup_v1_dir "$2" "$1")
        if [ -n "$d" ]; then
                cat "$d/$3"
                return
        fi
        d=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
        [ -n "$d" ] || die "no cgroup hierarchy for $2"
        cat "$d$(awk -F: '$1 == "0" { print $3 }' "/proc/$1/cgroup")/$4"
}

@test "cgroups: memory, pids and cpu limits are applied" {
        skip_if_rootless "no cgroup is delegated to users here"
        cfg '.linux.resources.memory = {limit: 67108864}
             | .linux.resources.pids = {limit: 50}
             | .linux.resources.cpu = {shares: 512}'
        payload cgroup sleep 100
        rt_start_bg c1
        pid=$(rt_pid c1)
        assert_equal "$(cg_value "$pid" memory memory.limit_in_bytes memory.max)" 67108864 "memory limit"
        assert_equal "$(cg_value "$pid" pids pids.max pids.max)" 50 "pids limit"
        if [ -n "$(cgroup_v1_dir cpu "$pid")" ]; then
                assert_equal "$(cg_value "$pid" cpu cpu.shares cpu.weight)" 512 "cpu shares"
        fi
        # The cgroup is the one cgroupsPath names, and the process is in it.
        wait_for_line "$(rt_log c1)" "^cgroup=[0-9]+:([a-z_,]*,)?memory(,[a-z_,]*)?:/$RT_CGPARENT/c1\$"
        d=$(cgroup_v1_dir memory "$pid")
        [ -z "$d" ] || grep -qx "$pid" "$d/cgroup.procs" || die "pid $pid is not in $d"
}

@test "cgroups: the init and an exec'd process are in the container's cgroup in every hierarchy" {
        skip_if_rootless "no cgroup is delegated to users here"
        # The init joins its v1 hierarchies itself and is born in the v2 one
        # (clone3 CLONE_INTO_CGROUP): every line of its /proc/PID/cgroup,
        # the unified one too, names the container's cgroup, and so do those
        # of a process it starts.
        payload sleep 100
        rt_start_bg c1
        pid=$(rt_pid c1)
        run cat "/proc/$pid/cgroup"
        local n=${#lines[@]} line
        [ "$n" -gt 0 ] || die "no cgroup lines"
        for line in "${lines[@]}"; do
                [[ $line == *":/$RT_CGPARENT/c1" ]] || die "not in the container's cgroup: $line"
        done
        run_rt exec c1 cat /proc/self/cgroup
        assert_equal "${#lines[@]}" "$n" "lines of an exec'd process"
        for line in "${lines[@]}"; do
                [[ $line == *":/$RT_CGPARENT/c1" ]] || die "exec not in the container's cgroup: $line"
        done
}

@test "cgroups: update changes the limits of a running container" {
        skip_if_rootless "no cgroup is delegated to users here"
        cfg '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 50}'
        payload sleep 100
        rt_start_bg c1
        pid=$(rt_pid c1)
        run_rt update --pids-limit 77 --memory 134217728 c1
        assert_equal "$(cg_value "$pid" pids pids.max pids.max)" 77 "pids limit after update"
        assert_equal "$(cg_value "$pid" memory memory.limit_in_bytes memory.max)" 134217728 \
                "memory limit after update"
}

@test "cgroups: ps lists the container's processes" {
        skip_if_rootless "ps reads the container's cgroup"
        payload sleep 100
        rt_start_bg c1
        pid=$(rt_pid c1)
        run_rt ps --format json c1
        run jq -r '.[]' <<<"$output"
        assert_line "$pid"
}

@test "cgroups rootless: resources are ignored with a warning, the container runs" {
        skip_if_root "as root the limits are applied"
        cfg '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 50}}'
        payload echo ran
        rt_run '?' c1
        if is_runc && [ "$status" -ne 0 ]; then
                skip "runc refuses rootless resources without a delegated cgroup"
        fi
        [ "$status" -eq 0 ] || die "the container did not run"
        assert_line ran
        assert_output --regexp '[Ww][Aa][Rr][Nn]'
}

# tick_count ID: how many tick lines ID has written so far.
tick_count() {
        grep -c '^tick=' "$(rt_log "$1")" || true
}

@test "pause and resume: the process stops making progress, then goes on" {
        skip_if_rootless "the freezer needs the container's cgroup"
        payload tick 20
        rt_start_bg c1
        wait_for_line "$(rt_log c1)" '^tick=3$'

        run_rt pause c1
        assert_equal "$(rt_status c1)" paused "status after pause"
        sleep 0.2
        n1=$(tick_count c1)
        sleep 0.5
        n2=$(tick_count c1)
        assert_equal "$n2" "$n1" "ticks while paused"
        run_rt list --format json
        assert_equal "$(jq -r '.[] | select(.id == "c1") | .status' <<<"$output")" paused "list status"

        run_rt resume c1
        assert_equal "$(rt_status c1)" running "status after resume"
        sleep 0.3
        n3=$(tick_count c1)
        [ "$n3" -gt "$n2" ] || die "no progress after resume ($n2 -> $n3 ticks)"

        # A paused container can be killed and deleted.
        run_rt pause c1
        run_rt delete --force c1
        run_rt '?' state c1
        [ "$status" -ne 0 ] || die "the paused container still exists after delete --force"
}

@test "pause rootless: a clear error, the container keeps running" {
        skip_if_root "as root pause works"
        payload sleep 100
        rt_start_bg c1
        run_rt '?' pause c1
        [ "$status" -ne 0 ] || die "pause without a cgroup succeeded"
        [ -n "$output" ] || die "pause failed without saying why"
        assert_equal "$(rt_status c1)" running "status after the failed pause"
        if is_berth; then
                assert_output --regexp 'cgroup'
        fi
}

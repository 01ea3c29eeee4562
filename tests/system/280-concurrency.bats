#!/usr/bin/env bats
# Concurrency: 16 loops at once run -d / exec / ps / logs / stop / rm -f on
# containers of their own, and also start / kill / restart / inspect on a
# few shared ones, for a bounded time
# (BERTH_CONCURRENCY_SECONDS, default 20). Every command's exit code and
# stderr is recorded; the only errors allowed are the ones a race between
# users legitimately gives (the container was removed or stopped by another
# loop, its name was taken by another loop). Any other error (a lock, a
# state file, a timeout, a crash) fails the test, and afterwards nothing is
# left: no record, userdata, runtime state, monitor, mount, cgroup or
# container layer. There is no database, so podman's "database is locked"
# cannot happen; the test checks that no lock error of any kind does.
# Root and rootless.

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

# op LOG KIND ARGS...: run berth ARGS, append "rc<TAB>KIND<TAB>args<TAB>stderr"
# to LOG. KIND says which errors the race allows (see classify).
op() {
        local log=$1 kind=$2 err rc=0
        shift 2
        err=$(timeout --kill-after=5 90 "$BERTH" "$@" 2>&1 >/dev/null) || rc=$?
        printf '%s\t%s\t%s\t%s\n' "$rc" "$kind" "$*" "$(printf '%s' "$err" | tr '\n\t' '  ')" >>"$log"
}

# worker N END: loop N until the epoch second END.
worker() {
        local n=$1 end=$2 log=$BATS_TEST_TMPDIR/worker-$1.log i=0 own sh
        while [ "$(date +%s)" -lt "$end" ]; do
                i=$((i + 1))
                own=own$n-$i
                sh=shared$((RANDOM % 3))
                op "$log" own run "${CGP[@]}" -d --name "$own" "$IMG" sh -c 'echo hi; sleep 1000'
                op "$log" own exec "$own" sh -c 'echo x'
                op "$log" any ps -a
                op "$log" own logs "$own"
                op "$log" shared-run run "${CGP[@]}" -d --name "$sh" "$IMG" sleep 1000
                op "$log" shared exec "$sh" true
                op "$log" any ps -a --format '{{.Names}} {{.Status}}'
                case $((RANDOM % 8)) in
                0) op "$log" shared stop -t 0 "$sh" ;;
                1) op "$log" shared rm -f -t 0 "$sh" ;;
                2) op "$log" shared logs "$sh" ;;
                3) op "$log" any run "${CGP[@]}" --rm -d "$IMG" true ;;
                4) op "$log" shared start "$sh" ;;
                5) op "$log" shared kill "$sh" ;;
                6) op "$log" shared restart -t 0 "$sh" ;;
                7) op "$log" shared container inspect --format '{{.State.Status}}' "$sh" ;;
                esac
                op "$log" own stop -t 0 "$own"
                op "$log" own rm -f -t 0 "$own"
                # A foreground --rm run races its own monitor's cleanup.
                [ $((i % 3)) -ne 0 ] || op "$log" any run "${CGP[@]}" --rm "$IMG" true
        done
}

# classify: read the workers' logs, print every record that is not allowed.
# Own containers must always work. On shared ones another loop may have
# removed the container (no such container: 125, or podman's 1 for rm),
# stopped it (not running, or an exec killed with it: 137), or taken the
# name first (already in use); a run -d may lose its container to another
# loop's rm -f between create and start.
classify() {
        awk -F'\t' '
        $1 == 0 { next }
        $4 ~ /[Ll]ock|database|timed out|did not answer|EOF|[Pp]anic|corrupt|[Pp]arse|half-made/ { print; next }
        $2 ~ /^shared/ && ($1 == 125 || ($1 == 1 && $3 ~ /^rm /)) &&
                $4 ~ /^Error: no container with name or ID "[0-9a-z]+" found: no such container$/ { next }
        $2 == "shared" && $1 == 125 && $3 ~ /^container inspect / &&
                $4 ~ /^Error: inspecting object: no such container [0-9a-z]+$/ { next }
        $2 == "shared" && $1 == 125 && $3 ~ /^kill / &&
                $4 ~ /^Error: can only kill running containers\. [0-9a-f]+ is in state (exited|created): container state improper$/ { next }
        $2 == "shared" && $1 == 125 && $3 ~ /^exec / &&
                $4 ~ /^Error: can only create exec sessions on running containers: container state improper$/ { next }
        $2 == "shared" && $1 == 137 && $3 ~ /^exec / { next }
        $2 == "shared-run" && $1 == 125 &&
                $4 ~ /^Error: creating container storage: the container name "shared[0-9]+" is already in use by [0-9a-f]+\. You have to remove that container to be able to reuse that name: that name is already in use$/ { next }
        $2 == "shared-run" && $1 == 125 && $4 ~ /^Error: starting container [0-9a-f]+: no container with name or ID/ { next }
        $2 == "shared-run" && $1 == 125 && $4 ~ /^Error: container "shared[0-9]+" was removed by another command while it was being created: no such container$/ { next }
        { print }
        ' "$BATS_TEST_TMPDIR"/worker-*.log
}

@test "16 loops of run -d/exec/ps/logs/stop/rm -f: no lock or state error, no orphans" {
        local secs=${BERTH_CONCURRENCY_SECONDS:-20} end n pids=()
        end=$(($(date +%s) + secs))
        for n in $(seq 16); do
                worker "$n" "$end" &
                pids+=($!)
        done
        local failed=0
        for n in "${pids[@]}"; do
                wait "$n" || failed=1
        done
        [ "$failed" = 0 ] || die "a worker loop failed"

        local total errors
        total=$(cat "$BATS_TEST_TMPDIR"/worker-*.log | wc -l)
        echo "# $total commands in $secs s; exit codes: $(cut -f1 "$BATS_TEST_TMPDIR"/worker-*.log | sort | uniq -c | tr '\n' ' ')"
        [ "$total" -ge 16 ] || die "only $total commands ran"
        errors=$(classify)
        if [ -n "$errors" ]; then
                sed -e 's/^/#| /' <<<"$errors" | head -50 >&2
                die "$(wc -l <<<"$errors") commands failed with an error no race explains"
        fi
        # Own containers: every run -d worked (not just "no error text").
        local own_runs
        own_runs=$(awk -F'\t' '$2 == "own" && $3 ~ /^run / && $1 != 0' "$BATS_TEST_TMPDIR"/worker-*.log)
        [ -z "$own_runs" ] || die "own run -d failed: $own_runs"

        # What the loops leave (the shared containers, a last --rm -d) is
        # consistent: listed, and removed by rm -a -f.
        run_berth ps -a --format '{{.Names}} {{.Status}}'
        refute_output --regexp '^own'
        run_berth rm -a -f -t 0
        # run --rm -d containers still ending are removed by their monitor.
        local i
        for i in $(seq 100); do
                run_berth ps -a -q
                [ -z "$output" ] && break
                sleep 0.2
        done
        assert_output ""
        # The monitors' exit commands may still be finishing.
        for i in $(seq 50); do
                ctr_assert_no_leftovers "$BASE_LAYERS" 2>/dev/null && break
                sleep 0.2
        done
        ctr_assert_no_leftovers "$BASE_LAYERS"
}

@test "parallel create and rm of one name: exactly one wins each round, the store stays whole" {
        local round n pids out
        for round in $(seq 5); do
                pids=()
                for n in $(seq 8); do
                        op "$BATS_TEST_TMPDIR/create.log" shared-run create "${CGP[@]}" --name same "$IMG" true &
                        pids+=($!)
                done
                wait "${pids[@]}"
                out=$(awk -F'\t' '$1 == 0' "$BATS_TEST_TMPDIR/create.log" | wc -l)
                [ "$out" = "$round" ] || die "round $round: $out creates of 'same' succeeded in total, expected $round"
                pids=()
                for n in $(seq 8); do
                        op "$BATS_TEST_TMPDIR/rm.log" shared rm -f same &
                        pids+=($!)
                done
                wait "${pids[@]}"
                out=$(awk -F'\t' '$1 == 0' "$BATS_TEST_TMPDIR/rm.log" | wc -l)
                [ "$out" = "$round" ] || die "round $round: $out rm -f of 'same' succeeded in total, expected $round"
        done
        local bad
        bad=$(awk -F'\t' '
                $1 == 0 { next }
                $3 ~ /^create / && $4 ~ /^Error: creating container storage: the container name "same" is already in use by [0-9a-f]+\./ { next }
                $3 ~ /^rm / && $1 == 1 && $4 ~ /^Error: no container with name or ID "same" found: no such container$/ { next }
                { print }' "$BATS_TEST_TMPDIR/create.log" "$BATS_TEST_TMPDIR/rm.log")
        [ -z "$bad" ] || die "unexpected errors: $bad"
        run_berth ps -a -q
        assert_output ""
        ctr_assert_no_leftovers "$BASE_LAYERS"
}

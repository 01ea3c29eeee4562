#!/usr/bin/env bats
# The container lifecycle: create, state, start, kill, delete, run, list.

load helpers

@test "create, state, start, kill and delete" {
        payload signals
        rt_create c1
        rt_state c1
        run jq -r '[.ociVersion, .id, .status, (.pid | tostring), .bundle] | join(" ")' <<<"$output"
        assert_match "$output" "^1\.[0-9]+\.[0-9]+.* c1 created [1-9][0-9]* $RT_BUNDLE\$" "state fields"
        pid=$(rt_pid c1)
        pid_alive "$pid" || die "pid $pid of the created container does not exist"
        # Created means the user's process has not started yet.
        run grep -c '^signals=ready' "$(rt_log c1)"
        assert_equal "$output" 0 "the payload ran before start"

        run_rt start c1
        wait_for_line "$(rt_log c1)" '^signals=ready$'
        rt_state c1
        assert_equal "$(jq -r .status <<<"$output")" running
        assert_equal "$(jq -r .pid <<<"$output")" "$pid" "pid after start"

        run_rt kill c1 USR1
        wait_for_line "$(rt_log c1)" '^signal=USR1$'
        assert_equal "$(rt_status c1)" running
        # The signal number works like the name.
        run_rt kill c1 15
        wait_for_line "$(rt_log c1)" '^signal=TERM$'
        wait_for_status c1 stopped

        run_rt delete c1
        run_rt '?' state c1
        [ "$status" -ne 0 ] || die "state of a deleted container succeeded"
        wait_pid_gone "$pid" "the container's process"
}

@test "run: the process's exit code is run's exit code" {
        payload echo hello-from-payload exit 7
        rt_run 7 c1
        assert_line hello-from-payload
        # run deletes the container when its process has exited.
        run_rt '?' state c1
        [ "$status" -ne 0 ] || die "the container still exists after run"

        payload exit 0
        rt_run 0 c2
}

@test "run: the process killed by a signal gives 128+N" {
        payload sleep 100
        _rt_prepare_id c1
        "$RUNTIME" --root "$RT_ROOT" run --bundle "$RT_BUNDLE" c1 </dev/null >/dev/null 2>&1 &
        bgpid=$!
        wait_for_status c1 running
        run_rt kill c1 KILL
        rc=0
        wait "$bgpid" || rc=$?
        assert_equal "$rc" 137 "exit status of run"
}

@test "run -d: detached, output to the caller's stdout" {
        payload echo started -- sleep 100
        rt_start_bg c1
        wait_for_line "$(rt_log c1)" '^started$'
        pid=$(rt_pid c1)
        pid_alive "$pid"
        run_rt kill c1 KILL
        wait_for_status c1 stopped
        run_rt delete c1
}

@test "list: table, json and quiet" {
        payload sleep 100
        rt_create c-created
        rt_start_bg c-running

        run_rt list
        assert_match "${lines[0]}" '^ID +PID +STATUS +BUNDLE +CREATED +OWNER' "list header"
        assert_line --regexp "^c-created +[1-9][0-9]* +created +$RT_BUNDLE "
        assert_line --regexp "^c-running +[1-9][0-9]* +running +$RT_BUNDLE "

        run_rt list --format json
        run jq -r 'sort_by(.id) | .[] | [.id, .status, .bundle, (.pid > 0 | tostring)] | join(" ")' \
                <<<"$output"
        assert_success
        assert_equal "$output" "c-created created $RT_BUNDLE true
c-running running $RT_BUNDLE true"

        run_rt list -q
        assert_equal "$(sort <<<"$output")" "c-created
c-running"
}

@test "list: nothing yet gives an empty list" {
        run_rt list --format json
        run jq -r 'if . == null then 0 else length end' <<<"$output"
        assert_equal "$output" 0
        run_rt list -q
        assert_equal "$output" ""
}

@test "delete refuses a running container; delete --force kills it" {
        payload sleep 100
        rt_start_bg c1
        pid=$(rt_pid c1)
        run_rt '?' delete c1
        [ "$status" -ne 0 ] || die "delete of a running container succeeded"
        assert_equal "$(rt_status c1)" running
        pid_alive "$pid"

        run_rt delete --force c1
        run_rt '?' state c1
        [ "$status" -ne 0 ] || die "the container still exists after delete --force"
        wait_pid_gone "$pid" "after delete --force, the container's process"
}

@test "kill --all reaches every process of the container" {
        # kill --all finds the processes through the container's cgroup.
        skip_if_rootless "kill --all needs the container's cgroup (no rootless cgroups here)"
        payload sleep 100
        rt_start_bg c1
        pid=$(rt_pid c1)
        run_rt_detached "$BATS_TEST_TMPDIR/exec.log" exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" \
                c1 /payload sleep 100
        epid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
        pid_alive "$epid"

        run_rt kill --all c1 KILL
        wait_for_status c1 stopped
        wait_pid_gone "$epid" "after kill --all, the exec'd process"
        wait_pid_gone "$pid" "after kill --all, the init process"
}

@test "delete leaves no process, mount, cgroup or state behind" {
        if ! is_rootless; then
                cfg '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 50}'
        fi
        payload sleep 100
        rt_start_bg c1
        pid=$(rt_pid c1)
        cgdirs=()
        if ! is_rootless; then
                mapfile -t cgdirs < <(container_cgroup_dirs "$pid")
                [ "${#cgdirs[@]}" -gt 0 ] || die "no cgroup for pid $pid"
                for d in "${cgdirs[@]}"; do
                        [[ "$d" == */"$RT_CGPARENT"/c1 ]] || die "cgroup $d is not the one cgroupsPath names"
                done
        fi

        run_rt kill c1 KILL
        wait_for_status c1 stopped
        run_rt delete c1

        wait_pid_gone "$pid" "the container's process"
        for p in /proc/[0-9]*; do
                r=$(readlink "$p/root" 2>/dev/null) || continue
                [[ "$r" != "$RT_BUNDLE"* ]] || die "process ${p#/proc/} still has its root in the bundle"
        done
        run grep -F "$RT_BUNDLE" /proc/self/mountinfo
        assert_equal "$output" "" "host mounts under the bundle"
        for d in "${cgdirs[@]}"; do
                [ ! -d "$d" ] || die "cgroup $d still exists"
        done
        run find "$RT_ROOT" -name '*c1*'
        assert_equal "$output" "" "state left in --root"
}

@test "errors: unknown container, duplicate id, start twice" {
        run_rt '?' state no-such-container
        [ "$status" -ne 0 ] || die "state of an unknown container succeeded"
        run_rt '?' kill no-such-container KILL
        [ "$status" -ne 0 ] || die "kill of an unknown container succeeded"

        payload sleep 100
        rt_create c1
        rt_create '?' c1
        [ "$status" -ne 0 ] || die "a second create with the same id succeeded"
        run_rt start c1
        wait_for_status c1 running
        run_rt '?' start c1
        [ "$status" -ne 0 ] || die "start of a running container succeeded"
}

@test "create: a bundle without config.json fails and leaves nothing" {
        rm "$RT_BUNDLE/config.json"
        RT_IDS+=(c1)
        run_rt_detached '?' "$BATS_TEST_TMPDIR/c1.log" create --bundle "$RT_BUNDLE" c1
        [ "$status" -ne 0 ] || die "create without config.json succeeded"
        run_rt list -q
        assert_equal "$output" ""
}

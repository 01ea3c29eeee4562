#!/usr/bin/env bats
# exec into a running container; the console socket; --pid-file;
# --preserve-fds.

load helpers

@test "exec: output and exit code" {
        payload sleep 100
        rt_start_bg c1
        run_rt 5 exec c1 /payload echo from-exec exit 5
        assert_line from-exec
        run_rt exec c1 /payload exit 0
}

@test "exec: the container's namespaces, hostname and environment" {
        cfg '.hostname = "exec-host" | .process.env += ["FROM_CONFIG=yes"]'
        payload sleep 100
        rt_start_bg c1
        pid=$(rt_pid c1)
        run_rt exec --env EXTRA=1 --cwd /tmp c1 /payload ns hostname env FROM_CONFIG env EXTRA cwd pid ids
        for n in mnt pid net ipc uts; do
                is_rootless && [ "$n" = net ] && continue
                assert_equal "$(line_value "ns:$n")" "$(stat -L -c %i "/proc/$pid/ns/$n")" "exec's $n namespace"
        done
        assert_line hostname=exec-host
        assert_line env:FROM_CONFIG=yes
        assert_line env:EXTRA=1
        assert_line cwd=/tmp
        assert_line uid=0
        # In the container's pid namespace, where init is 1.
        [ "$(line_value pid)" != 1 ] || die "exec's process is pid 1"
        [ "$(line_value pid)" -lt 1000 ] || die "exec's pid $(line_value pid) is not in the container's pid namespace"
}

@test "exec: --user and --cap" {
        skip_if_rootless "only uid 0 is mapped in the rootless bundle"
        payload sleep 100
        rt_start_bg c1
        run_rt exec --user 1000:1001 c1 /payload ids caps
        assert_line uid=1000
        assert_line gid=1001
        assert_line CapEff=0000000000000000
        run_rt exec --cap CAP_SYS_ADMIN c1 /payload caps
        mapfile -t caps < <(jq -r '.process.capabilities.bounding[]' "$RT_BUNDLE/config.json")
        mask=$(cap_mask CAP_SYS_ADMIN "${caps[@]}")
        assert_line "CapBnd=$mask"
        assert_line "CapEff=$mask"
}

@test "exec: --process takes a process.json" {
        payload sleep 100
        rt_start_bg c1
        jq '.process | .args = ["/payload", "env", "P", "cwd"] | .env = ["P=from-json"] | .cwd = "/etc"' \
                "$RT_BUNDLE/config.json" >"$BATS_TEST_TMPDIR/process.json"
        run_rt exec --process "$BATS_TEST_TMPDIR/process.json" c1
        assert_line env:P=from-json
        assert_line cwd=/etc
}

@test "exec: into a stopped container or of a missing program fails" {
        payload sleep 100
        rt_start_bg c1
        run_rt '?' exec c1 /no/such/program
        [ "$status" -ne 0 ] || die "exec of a missing program succeeded"
        assert_output --partial /no/such/program

        run_rt kill c1 KILL
        wait_for_status c1 stopped
        run_rt '?' exec c1 /payload exit 0
        [ "$status" -ne 0 ] || die "exec into a stopped container succeeded"
}

@test "exec -d -t without a console socket is refused" {
        payload sleep 100
        rt_start_bg c1
        run_rt_detached '?' "$BATS_TEST_TMPDIR/exec.log" exec -d -t c1 /payload tty
        [ "$status" -ne 0 ] || die "exec -d -t without --console-socket succeeded"
}

# start_console_recv NAME [INPUT]: run the console receiver in the background
# on $BATS_TEST_TMPDIR/NAME.sock; its report goes to NAME.out, what the
# container writes on its terminal to NAME.tty.
start_console_recv() {
        local sock=$BATS_TEST_TMPDIR/$1.sock
        "$BERTH_TEST_CONSOLE_RECV" "$sock" "$BATS_TEST_TMPDIR/$1.tty" "${@:2}" \
                >"$BATS_TEST_TMPDIR/$1.out" 2>&1 &
        RT_BG_PIDS+=($!)
        CONSOLE_PID=$!
        for _ in $(seq 50); do
                [ -S "$sock" ] && return 0
                sleep 0.05
        done
        die "the console receiver did not start: $(cat "$BATS_TEST_TMPDIR/$1.out")"
}

# wait_console NAME: wait for the receiver to finish (the terminal closed).
wait_console() {
        local rc=0
        timeout 15 tail --pid="$CONSOLE_PID" -f /dev/null || die "the console receiver did not finish"
        wait "$CONSOLE_PID" || rc=$?
        echo "# receiver: $(cat "$BATS_TEST_TMPDIR/$1.out")"
        echo "# terminal: $(cat -v "$BATS_TEST_TMPDIR/$1.tty")"
        [ "$rc" -eq 0 ] || die "the console receiver failed ($rc): $(cat "$BATS_TEST_TMPDIR/$1.out")"
}

@test "console socket: create with terminal: true sends a pty master" {
        cfg '.process.terminal = true'
        payload tty echo on-the-terminal cat-stdin
        start_console_recv con $'typed-input\n\x04'
        rt_create c1 --console-socket "$BATS_TEST_TMPDIR/con.sock"
        run_rt start c1
        wait_console con
        run cat "$BATS_TEST_TMPDIR/con.out"
        assert_line --regexp '^console: fd=[0-9]+ ptsname=/dev/pts/[0-9]+$'
        tty=$(tr -d '\r' <"$BATS_TEST_TMPDIR/con.tty")
        assert_match "$tty" $'(^|\n)tty:0=1(\n|$)' "stdin is a terminal"
        assert_match "$tty" $'(^|\n)tty:1=1(\n|$)' "stdout is a terminal"
        assert_match "$tty" $'(^|\n)ttyname=/dev/pts/0(\n|$)' "the container's terminal"
        assert_match "$tty" $'(^|\n)on-the-terminal(\n|$)' "output on the terminal"
        # Once echoed by the terminal, once written back by the payload.
        assert_equal "$(grep -c '^typed-input$' <<<"$tty")" 2 "lines of input seen on the terminal"
        wait_for_status c1 stopped
}

@test "console socket: exec -t into a running container" {
        payload sleep 100
        rt_start_bg c1
        start_console_recv exec
        run_rt_detached "$BATS_TEST_TMPDIR/exec.log" exec -d -t \
                --console-socket "$BATS_TEST_TMPDIR/exec.sock" c1 /payload tty
        wait_console exec
        tty=$(tr -d '\r' <"$BATS_TEST_TMPDIR/exec.tty")
        assert_match "$tty" $'(^|\n)tty:0=1(\n|$)' "stdin is a terminal"
        assert_match "$tty" $'(^|\n)ttyname=/dev/pts/[0-9]+(\n|$)' "the exec's terminal"
}

@test "--pid-file: create and run -d write the container's pid" {
        payload sleep 100
        rt_create c1 --pid-file "$BATS_TEST_TMPDIR/c1.pid"
        assert_equal "$(cat "$BATS_TEST_TMPDIR/c1.pid")" "$(rt_pid c1)" "pid file of create"
        rt_start_bg c2 --pid-file "$BATS_TEST_TMPDIR/c2.pid"
        assert_equal "$(cat "$BATS_TEST_TMPDIR/c2.pid")" "$(rt_pid c2)" "pid file of run -d"
        # A relative path is relative to the caller's directory.
        (cd "$BATS_TEST_TMPDIR" && rt_create c3 --pid-file rel.pid)
        assert_equal "$(cat "$BATS_TEST_TMPDIR/rel.pid")" "$(rt_pid c3)" "relative pid file"
}

@test "--preserve-fds: extra fds reach the process, others do not" {
        echo fd3-content >"$BATS_TEST_TMPDIR/f3"
        echo fd4-content >"$BATS_TEST_TMPDIR/f4"
        payload fds read /proc/self/fd/3 read /proc/self/fd/4
        rt_run c1 --preserve-fds 2 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4"
        assert_line "fds=0 1 2 3 4"
        assert_line 'read:/proc/self/fd/3=ok len=12 data=fd3-content\n'
        assert_line 'read:/proc/self/fd/4=ok len=12 data=fd4-content\n'

        rt_run c2 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4"
        assert_line "fds=0 1 2"
}

@test "--preserve-fds: exec too" {
        payload sleep 100
        rt_start_bg c1
        echo fd3-content >"$BATS_TEST_TMPDIR/f3"
        run_rt exec --preserve-fds 1 c1 /payload fds read /proc/self/fd/3 3<"$BATS_TEST_TMPDIR/f3"
        assert_line "fds=0 1 2 3"
        assert_line 'read:/proc/self/fd/3=ok len=12 data=fd3-content\n'
}

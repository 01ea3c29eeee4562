#!/usr/bin/env bats
# berth-monitor driven directly, the way berth drives it (monitor.h): a
# bundle from tests/runtime/make-bundle.sh, the sync fd and the attach
# socket spoken by tests/system/lib/monitor-client.py. Root and rootless.
#
# Environment: MONITOR (default: berth-monitor of the build dir that holds
# $BERTH), RUNTIME (as in tests/runtime; default berth-runtime): the external
# runtime of the --runtime cases (e.g. RUNTIME=runc). Containers the monitor
# makes in-process are in the runtime library's state format, so the tests
# kill and inspect those with berth-runtime whatever RUNTIME says.

load ../runtime/helpers

MONITOR=${MONITOR:-$_rt_builddir/cmd/berth-monitor/berth-monitor}
MON_EXTERNAL_RUNTIME=$RUNTIME
RUNTIME=$_rt_builddir/cmd/berth-runtime/berth-runtime
MON_CLIENT=$BERTH_TESTS_DIR/lib/monitor-client.py

# The runtime tests' setup and teardown (bundle, state root, cgroup parent),
# wrapped with the monitors this file starts.
eval "rt_setup_base() $(declare -f setup | tail -n +2)"
eval "rt_teardown_base() $(declare -f teardown | tail -n +2)"

setup() {
        [ -x "$MONITOR" ] || die "berth-monitor not found: $MONITOR (build it, or set MONITOR)"
        command -v python3 >/dev/null || skip "python3 is not installed"
        rt_setup_base
        MON_RUNDIRS=()
}

teardown() {
        local r pid
        for r in "${MON_RUNDIRS[@]}"; do
                pid=$(cat "$r/monitor.pid" 2>/dev/null) || continue
                kill -9 "$pid" 2>/dev/null || true
        done
        rt_teardown_base
}

# mon_rundir ID: the run directory (R) of container ID.
mon_rundir() {
        echo "$BATS_TEST_TMPDIR/run-$1"
}

# mon_run [EXPECTED] ID [CLIENT-OPTIONS...] [-- MONITOR-OPTIONS...]: start a
# monitor for ID on $RT_BUNDLE through monitor-client.py run (sync fd:
# created, start byte, started); output and status as run_cmd.
mon_run() {
        local expected=0 id r copts=() mopts=()
        case "${1:-}" in
        '?' | [0-9] | [0-9][0-9] | [0-9][0-9][0-9])
                expected=$1
                shift
                ;;
        esac
        id=$1
        shift
        while [ $# -gt 0 ] && [ "$1" != -- ]; do
                copts+=("$1")
                shift
        done
        [ $# -eq 0 ] || { shift; mopts=("$@"); }
        r=$(mon_rundir "$id")
        mkdir -p "$r"
        MON_RUNDIRS+=("$r")
        _rt_prepare_id "$id"
        run_cmd "$expected" python3 "$MON_CLIENT" run --stderr "$BATS_TEST_TMPDIR/monitor-$id.err" \
                "${copts[@]}" -- "$MONITOR" --id "$id" --bundle "$RT_BUNDLE" --rundir "$r" \
                --runtime-root "$RT_ROOT" "${mopts[@]}"
}

# mon_wait_done ID: wait (10 s) until ID's monitor has exited; it must have
# written exit.json.
mon_wait_done() {
        local r pid
        r=$(mon_rundir "$1")
        pid=$(cat "$r/monitor.pid" 2>/dev/null) || pid=
        for _ in $(seq 100); do
                if [ -e "$r/exit.json" ] && { [ -z "$pid" ] || ! pid_alive "$pid"; } &&
                        [ ! -e "$r/monitor.pid" ]; then
                        return 0
                fi
                sleep 0.1
        done
        die "monitor of $1 did not finish (exit.json: $(cat "$r/exit.json" 2>&1))"
}

# exit_field ID KEY: a field of ID's exit.json.
exit_field() {
        jq -r ".$2" "$(mon_rundir "$1")/exit.json"
}

# sh_payload SCRIPT: the container runs busybox sh -c SCRIPT.
sh_payload() {
        cfg '.process.args = ["/bin/sh", "-c", $s]' --arg s "$1"
}

@test "monitor: links only libc and yajl (its memory is a target)" {
        # libcrypto alone doubled a monitor's private memory; libseccomp is loaded
        # only to compile a filter (bench/README.md)
        run_cmd readelf -d "$MONITOR"
        local needed
        needed=$(printf '%s\n' "$output" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
        [ "$needed" = "libc.so.6 libyajl.so.2 " ] || die "berth-monitor needs: $needed"
}

@test "monitor: created and started on the sync fd, k8s-file log, exit code, state removed" {
        payload echo hello -- exit 3
        mon_run c1
        assert_line --regexp '^created=[0-9]+$'
        assert_line --regexp '^started=[0-9]+$'
        local created=${lines[0]#created=}
        assert_equal "${lines[1]}" "started=$created"
        mon_wait_done c1
        local r
        r=$(mon_rundir c1)
        assert_equal "$(exit_field c1 exit_code)" 3
        assert_equal "$(exit_field c1 signal)" 0
        assert_equal "$(exit_field c1 oom_killed)" false
        assert_equal "$(exit_field c1 restarts)" 0
        assert_match "$(exit_field c1 finished_at)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$'
        assert_equal "$(jq -r .pid "$r/started.json")" "$created"
        assert_match "$(cat "$RT_BUNDLE/ctr.log")" \
                '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}[+-][0-9]{2}:[0-9]{2} stdout F hello$'
        # the runtime state and the attach socket are gone
        run_rt 1 state c1
        [ ! -e "$r/attach" ] || die "attach socket left behind"
}

@test "monitor: partial lines are P records, stderr has its own stream" {
        sh_payload 'printf abc; sleep 0.3; printf "def\nline2\n"; echo oops >&2'
        mon_run c1
        mon_wait_done c1
        run_cmd cut -d' ' -f2- "$RT_BUNDLE/ctr.log"
        assert_equal "${lines[0]}" "stdout P abc"
        assert_equal "${lines[1]}" "stdout F def"
        assert_equal "${lines[2]}" "stdout F line2"
        assert_equal "${lines[3]}" "stderr F oops"
        assert_equal "${#lines[@]}" 4
        assert_equal "$(exit_field c1 exit_code)" 0
}

@test "monitor: json-file log and --log-path" {
        sh_payload 'printf "a \"q\" <b>\n"; printf tail; echo err >&2'
        mon_run c1 -- --log-driver json-file --log-path "$BATS_TEST_TMPDIR/j.log"
        mon_wait_done c1
        [ ! -e "$RT_BUNDLE/ctr.log" ] || die "ctr.log written although --log-path was given"
        run_cmd cat "$BATS_TEST_TMPDIR/j.log"
        assert_equal "${#lines[@]}" 3
        assert_match "${lines[0]}" '^\{"log":"a \\"q\\" \\u003cb\\u003e\\n","stream":"stdout","time":"[0-9T:.-]+Z"\}$'
        assert_equal "$(jq -r .log <<<"${lines[1]}")" tail
        assert_equal "$(jq -c '[.log, .stream]' <<<"${lines[2]}")" '["err\n","stderr"]'
}

@test "monitor: log rotation at --log-max-size keeps --log-max-file files, no line lost" {
        sh_payload 'i=0; while [ $i -lt 60 ]; do echo "line-$i"; i=$((i+1)); done'
        mon_run c1 -- --log-max-size 400 --log-max-file 3
        mon_wait_done c1
        local f size
        for f in "$RT_BUNDLE/ctr.log" "$RT_BUNDLE/ctr.log.1" "$RT_BUNDLE/ctr.log.2"; do
                [ -s "$f" ] || die "$f is missing or empty"
                size=$(stat -c %s "$f")
                [ "$size" -le 400 ] || die "$f has $size bytes, more than --log-max-size 400"
        done
        [ ! -e "$RT_BUNDLE/ctr.log.3" ] || die "more files than --log-max-file 3"
        # The files, oldest first, hold one contiguous run of lines ending at the last one.
        run_cmd sh -c "cat '$RT_BUNDLE/ctr.log.2' '$RT_BUNDLE/ctr.log.1' '$RT_BUNDLE/ctr.log' | awk '{print \$4}'"
        local first=${lines[0]#line-} i
        for i in "${!lines[@]}"; do
                assert_equal "${lines[$i]}" "line-$((first + i))" "line $i of the rotated logs"
        done
        assert_equal "${lines[-1]}" line-59
}

@test "monitor: a reader following ctr.log across rotations loses no line" {
        # a paced writer and max-file 2: a reader that keeps up gets every line
        # (one that falls behind by more than max-file files loses the files
        # deleted before it got to them, as with docker)
        sh_payload 'sleep 0.5; i=0; while [ $i -lt 200 ]; do echo "line-$i"; i=$((i+1)); sleep 0.01; done'
        local r
        r=$(mon_rundir c1)
        mon_run c1 -- --log-max-size 800 --log-max-file 2
        run_cmd python3 "$MON_CLIENT" follow "$RT_BUNDLE/ctr.log" "$r"
        [ -e "$RT_BUNDLE/ctr.log.1" ] || die "the log was not rotated"
        assert_equal "${#lines[@]}" 200
        local i
        for i in "${!lines[@]}"; do
                [ "${lines[$i]}" = "line-$i" ] || die "line $i is '${lines[$i]}'"
        done
}

@test "monitor: an unbounded log (--log-max-size 0), and a bad size" {
        sh_payload 'echo one'
        mon_run c1 -- --log-max-size 0
        mon_wait_done c1
        assert_equal "$(cut -d' ' -f4 "$RT_BUNDLE/ctr.log")" one
        mon_run 1 c2 -- --log-max-size 10q
        assert_output --partial "invalid size '10q'"
}

@test "monitor: exit.json for a container killed by a signal" {
        payload sleep 30
        mon_run c1
        run_rt kill c1 KILL
        mon_wait_done c1
        assert_equal "$(exit_field c1 exit_code)" 137
        assert_equal "$(exit_field c1 signal)" 9
}

@test "monitor: an OOM kill is recorded in exit.json" {
        skip_if_rootless "no cgroup of its own rootless here"
        sh_payload 'x=$(yes abcdefghijklmnop | head -c 200000000); echo survived'
        cfg '.linux.resources.memory = {limit: 20971520}'
        if [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]; then
                cfg '.linux.resources.memory.swap = 20971520'
        fi
        mon_run c1
        mon_wait_done c1
        assert_equal "$(exit_field c1 oom_killed)" true
        assert_equal "$(exit_field c1 exit_code)" 137
        ! grep -q survived "$RT_BUNDLE/ctr.log" || die "the payload was not killed"
}

@test "monitor: restart on-failure:2 restarts twice, then runs the exit command with its args" {
        payload echo run -- exit 3
        local marker=$BATS_TEST_TMPDIR/exit-command.out
        mon_run c1 -- --restart on-failure:2 --exit-command /bin/sh \
                --exit-command-arg -c --exit-command-arg 'echo "$0|$1" >"$2"' \
                --exit-command-arg first --exit-command-arg 'second arg' --exit-command-arg "$marker"
        mon_wait_done c1
        assert_equal "$(exit_field c1 restarts)" 2
        assert_equal "$(exit_field c1 exit_code)" 3
        assert_equal "$(jq -r .restarts "$(mon_rundir c1)/started.json")" 2
        assert_equal "$(grep -c ' stdout F run$' "$RT_BUNDLE/ctr.log")" 3
        for _ in $(seq 50); do
                [ -s "$marker" ] && break
                sleep 0.1
        done
        assert_equal "$(cat "$marker")" "first|second arg"
}

@test "monitor: the exit command runs after the clients leave, unless they removed the container" {
        payload echo done
        local id r marker copts
        for id in c1 c2; do
                r=$(mon_rundir "$id")
                marker=$BATS_TEST_TMPDIR/exit-command-$id
                mkdir -p "$r"
                # c1's client removes R before it closes (berth's run --rm);
                # c2's only closes (berth run, or a run --rm killed first)
                copts=(--attach "$r")
                [ "$id" = c2 ] || copts+=(--rm-rundir)
                mon_run "$id" "${copts[@]}" -- \
                        --exit-command /bin/sh --exit-command-arg -c \
                        --exit-command-arg 'echo ran >"$0"' --exit-command-arg "$marker"
                assert_line "exit=0"
        done
        for _ in $(seq 50); do
                [ -s "$BATS_TEST_TMPDIR/exit-command-c2" ] && break
                sleep 0.1
        done
        assert_equal "$(cat "$BATS_TEST_TMPDIR/exit-command-c2")" ran
        # c1's monitor has gone without running it
        for _ in $(seq 50); do
                pgrep -f -- "--id c1 " >/dev/null || break
                sleep 0.1
        done
        ! pgrep -f -- "--id c1 " >/dev/null || die "c1's monitor is still there"
        [ ! -e "$BATS_TEST_TMPDIR/exit-command-c1" ] || die "the exit command ran for a removed container"
}

@test "monitor: on-failure does not restart a container that exits 0; always stops at stopped-by-user" {
        payload exit 0
        mon_run c1 -- --restart on-failure
        mon_wait_done c1
        assert_equal "$(exit_field c1 restarts)" 0

        payload echo x -- exit 0
        local r
        r=$(mon_rundir c2)
        mon_run c2 -- --restart always
        # let it restart at least once, then say the user stopped it
        for _ in $(seq 100); do
                [ "$(jq -r .restarts "$r/started.json" 2>/dev/null)" -ge 1 ] 2>/dev/null && break
                sleep 0.1
        done
        touch "$r/stopped-by-user"
        mon_wait_done c2
        [ "$(exit_field c2 restarts)" -ge 1 ] || die "restart policy always did not restart"
}

@test "monitor: attach gets output and sends stdin to a cat-like payload" {
        payload echo ready -- cat-stdin -- exit 5
        local r
        r=$(mon_rundir c1)
        mon_run c1 --attach "$r" --stdin $'to the container\nsecond\n' -- --stdin
        assert_line "stdout='ready\\nto the container\\nsecond\\n'"
        assert_line "exit=5"
        mon_wait_done c1
        run_cmd cut -d' ' -f2- "$RT_BUNDLE/ctr.log"
        assert_equal "${lines[1]}" "stdout F to the container"
}

@test "monitor: two attach clients get the same output" {
        payload echo first -- sleep 1.5 -- echo second
        local r
        r=$(mon_rundir c1)
        mon_run c1
        python3 "$MON_CLIENT" attach "$r" >"$BATS_TEST_TMPDIR/a1" &
        python3 "$MON_CLIENT" attach "$r" >"$BATS_TEST_TMPDIR/a2" &
        wait
        for f in a1 a2; do
                run_cmd cat "$BATS_TEST_TMPDIR/$f"
                assert_line "stdout='second\\n'"
                assert_line "exit=0"
        done
}

@test "monitor: a tty container writes to the pty; resize reaches it" {
        cfg '.process.terminal = true | .process.args = ["/bin/sh", "-c", "sleep 0.3; stty size; /payload tty"]'
        local r
        r=$(mon_rundir c1)
        mon_run c1 --attach "$r" --resize '33 101' -- --tty
        assert_output --partial '33 101'
        assert_output --partial 'tty:1=1'
        assert_output --regexp 'ttyname=/dev/pts/[0-9]+'
        assert_line "exit=0"
        mon_wait_done c1
        grep -q 'stdout F tty:0=1' "$RT_BUNDLE/ctr.log" || die "tty output not in the log"
}

@test "monitor: EOF on the sync fd before start deletes the container" {
        payload echo never
        mon_run c1 --eof-before-start
        assert_line closed
        local r
        r=$(mon_rundir c1)
        for _ in $(seq 50); do
                [ -e "$r/monitor.pid" ] || break
                sleep 0.1
        done
        [ ! -e "$r/monitor.pid" ] || die "the monitor is still there"
        run_rt 1 state c1
        [ ! -e "$r/exit.json" ] || die "a container that never started has an exit.json"
        [ ! -s "$RT_BUNDLE/ctr.log" ] || die "the container ran"
}

# mon_wait_no_process ID: wait (5 s) until no process runs with ID's run
# directory on its command line (a monitor, or the helper it forked).
mon_wait_no_process() {
        local r
        r=$(mon_rundir "$1")
        for _ in $(seq 50); do
                pgrep -f -- "--rundir $r( |$)" >/dev/null || return 0
                sleep 0.1
        done
        die "still running for $1: $(pgrep -a -f -- "--rundir $r( |$)")"
}

@test "monitor: started ahead, it creates once berth says the directories exist" {
        payload echo ahead -- exit 3
        mon_run c1 --wait-create
        assert_line --regexp '^created=[0-9]+$'
        assert_line --regexp '^started=[0-9]+$'
        mon_wait_done c1
        assert_equal "$(exit_field c1 exit_code)" 3
        grep -q 'stdout F ahead$' "$RT_BUNDLE/ctr.log" || die "no output logged"
        mon_wait_no_process c1
}

@test "monitor: started ahead, EOF instead of the create byte: it and its helper leave" {
        payload echo never
        mon_run c1 --eof-before-create
        assert_output "closed"
        mon_wait_no_process c1
        run_rt 1 state c1
        local r
        r=$(mon_rundir c1)
        [ ! -e "$r/monitor.pid" ] || die "monitor.pid left"
        [ ! -s "$RT_BUNDLE/ctr.log" ] || die "the container ran"
}

@test "monitor: a log it cannot open deletes what its helper created meanwhile" {
        payload echo never
        mon_run 1 c1 --wait-create -- --log-path /nonexistent/dir/ctr.log
        assert_output --partial "error="
        assert_output --partial "/nonexistent/dir/ctr.log"
        mon_wait_no_process c1
        run_rt 1 state c1
        [ ! -e "$(mon_rundir c1)/monitor.pid" ] || die "monitor.pid left"
}

# started_ns ID: the network namespace of ID's init (mon_run's started=PID).
started_ns() {
        local pid
        pid=$(printf '%s\n' "${lines[@]}" | sed -n 's/^started=//p')
        [ -n "$pid" ] || die "no started= line for $1"
        readlink "/proc/$pid/ns/net"
}

@test "monitor: --new-netns: a namespace made while waiting, each container its own" {
        payload sleep 30
        # Rootless bundles have no network namespace (as runc's rootless
        # spec); their user namespace makes the init clone its own anyway.
        cfg '.linux.namespaces |= (map(select(.type != "network")) + [{"type": "network"}])'
        local host n1 n2 n3
        host=$(readlink /proc/self/ns/net)
        mon_run c1 --wait-create -- --new-netns
        n1=$(started_ns c1)
        mon_run c2 --wait-create -- --new-netns
        n2=$(started_ns c2)
        [ "$n1" != "$host" ] && [ "$n2" != "$host" ] || die "a container in the host's namespace"
        [ "$n1" != "$n2" ] || die "two containers share $n1"
        # A spec without a network namespace of its own: the one made ahead
        # is not used, the container has the host's.
        cfg '.linux.namespaces |= map(select(.type != "network"))'
        mon_run c3 --wait-create -- --new-netns
        n3=$(started_ns c3)
        assert_equal "$n3" "$host"
        local c
        for c in c1 c2 c3; do
                run_rt kill "$c" KILL
                mon_wait_done "$c"
        done
}

@test "monitor: one leaving after a later start took its run directory leaves that start's files" {
        payload sleep 30
        mon_run c1
        local r a b client
        r=$(mon_rundir c1)
        a=$(cat "$r/monitor.pid")
        # A client that stays connected: the first monitor lingers for it
        # (up to 10 s) once its container has ended.
        python3 -c 'import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("/proc/self/fd/%d/attach" % os.open(sys.argv[1], os.O_PATH))
print("connected", flush=True)
time.sleep(30)' "$r" >"$BATS_TEST_TMPDIR/client.out" &
        client=$!
        for _ in $(seq 50); do
                grep -q connected "$BATS_TEST_TMPDIR/client.out" 2>/dev/null && break
                sleep 0.1
        done
        run_rt kill c1 KILL
        # The first monitor deletes the runtime's state, then lingers: a
        # restart starts the next monitor in the same run directory then.
        for _ in $(seq 50); do
                "$RUNTIME" --root "$RT_ROOT" state c1 >/dev/null 2>&1 || break
                sleep 0.1
        done
        pid_alive "$a" || die "the first monitor did not linger"
        mon_run c1
        b=$(cat "$r/monitor.pid")
        [ "$b" != "$a" ] || die "monitor.pid still names the first monitor"
        kill "$client"
        wait "$client" || true
        wait_pid_gone "$a" "the first monitor"
        [ -S "$r/attach" ] || die "the first monitor removed the second's attach socket"
        assert_equal "$(cat "$r/monitor.pid")" "$b"
        run_rt kill c1 KILL
        mon_wait_done c1
}

@test "monitor: SIGKILLed, the container keeps running" {
        payload sleep 30
        mon_run c1
        local r mpid cpid
        r=$(mon_rundir c1)
        mpid=$(cat "$r/monitor.pid")
        cpid=${lines[1]#started=}
        kill -9 "$mpid"
        wait_pid_gone "$mpid" monitor
        sleep 0.3
        pid_alive "$cpid" || die "the container died with its monitor"
        assert_equal "$(rt_status c1)" running
        run_rt kill c1 KILL
        wait_pid_gone "$cpid" container
        run_rt delete --force c1
        [ ! -e "$r/exit.json" ] || die "exit.json written without a monitor"
}

@test "monitor: an external runc-compatible runtime (--runtime)" {
        payload echo external -- exit 4
        mon_run c1 -- --runtime "$MON_EXTERNAL_RUNTIME"
        assert_line --regexp '^started=[0-9]+$'
        mon_wait_done c1
        assert_equal "$(exit_field c1 exit_code)" 4
        grep -q 'stdout F external$' "$RT_BUNDLE/ctr.log" || die "no output logged"
        run_cmd 1 "$MON_EXTERNAL_RUNTIME" --root "$RT_ROOT" state c1
}

@test "monitor: an external runtime with a tty" {
        payload tty
        cfg '.process.terminal = true'
        local r
        r=$(mon_rundir c1)
        mon_run c1 --attach "$r" -- --runtime "$MON_EXTERNAL_RUNTIME" --tty
        assert_output --partial 'tty:1=1'
        assert_line "exit=0"
        mon_wait_done c1
}

@test "monitor: errors reach berth on the sync fd" {
        mon_run 1 c1 -- --restart sometimes
        assert_output --partial "error=--restart: invalid policy 'sometimes'"
        # a create error: the bundle's process does not exist
        cfg '.process.args = ["/no/such/program"]'
        mon_run 1 c2
        assert_line --regexp '^(created=[0-9]+|error=.*)$'
        assert_output --partial 'error='
        run_rt 1 state c2
}

@test "monitor: journald without journald running is a clear error" {
        [ ! -S /run/systemd/journal/socket ] || skip "journald runs here"
        payload echo x
        mon_run 1 c1 -- --log-driver journald
        assert_output --partial "error=log driver journald: journald is not running here"
        run_rt 1 state c1
}

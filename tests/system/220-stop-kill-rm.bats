#!/usr/bin/env bats
# stop, kill, wait, rm and the monitor's cleanup, root and rootless:
# exit codes after a stop (143 when the container handles SIGTERM, 137
# after the SIGKILL), --all, rm -f of a running container, podman's rm exit
# codes, and a container whose monitor was killed (never a hang).

load helpers

setup_file() {
        ctr_setup_file
}

setup() {
        ctr_setup
        # A container that exits 143 on SIGTERM, as a well-behaved service does.
        TERMSH='trap "exit 143" TERM; while :; do sleep 0.1; done'
}

teardown() {
        ctr_teardown
}

@test "stop: SIGTERM, then SIGKILL after the timeout; Exited (143) / (137)" {
        run_berth run "${CGP[@]}" -d --name t $IMG sh -c "$TERMSH"
        run_berth run "${CGP[@]}" -d --name k $IMG sleep 100
        sleep 0.5 # the shell's trap is set
        run_berth stop t
        assert_output "t"
        run_berth ps -a --format '{{.Names}} {{.Status}}' --filter name=t
        assert_output --regexp '^t Exited \(143\) .* ago$'
        # busybox sleep as pid 1 ignores SIGTERM: SIGKILL after -t.
        local t0=$SECONDS
        run_berth stop -t 1 k
        assert_line "k"
        assert_line --partial "StopSignal SIGTERM failed to stop container k in 1 seconds, resorting to SIGKILL"
        [ $((SECONDS - t0)) -lt 8 ] || die "stop -t 1 took $((SECONDS - t0)) s"
        run_berth inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}' k
        assert_output "exited 137 false"
        # Stopping a stopped container is fine; an unknown one is not.
        run_berth stop k
        run_berth 125 stop nosuch
        assert_output 'Error: no container with name or ID "nosuch" found: no such container'
        run_berth stop --ignore nosuch
}

@test "stop --all, --stop-signal and --stop-timeout of the container" {
        run_berth run "${CGP[@]}" -d --name a1 $IMG sh -c "$TERMSH"
        run_berth run "${CGP[@]}" -d --name a2 --stop-signal USR1 \
                $IMG sh -c 'trap "exit 42" USR1; while :; do sleep 0.1; done'
        run_berth run "${CGP[@]}" -d --name a3 --stop-timeout 1 $IMG sleep 100
        sleep 0.5 # the shells' traps are set
        run_berth stop --all
        run_berth ps -a --format '{{.Names}} {{.ExitCode}}'
        assert_output "$(printf 'a3 137\na2 42\na1 143')"
}

@test "kill: -s, the default SIGKILL, --all, and a stopped container" {
        run_berth run "${CGP[@]}" -d --name k1 $IMG sh -c 'trap "exit 10" USR1; while :; do sleep 0.1; done'
        run_berth run "${CGP[@]}" -d --name k2 $IMG sleep 100
        sleep 0.5 # the shell's trap is set
        run_berth kill -s USR1 k1
        assert_output "k1"
        run_berth wait k1
        assert_output "10"
        run_berth kill k2
        run_berth wait k2
        assert_output "137"
        run_berth 125 kill k2
        assert_output --regexp '^Error: can only kill running containers\. [0-9a-f]{64} is in state exited: container state improper$'
        run_berth 125 kill -s NOSIG k2
        run_berth run "${CGP[@]}" -d --name k3 $IMG sleep 100
        run_berth kill --all -s KILL
        run_berth wait k3
        assert_output "137"
}

@test "kill and stop racing restart never reach an instance restart is still starting" {
        # runtime kill goes by container ID: a state read before the restart
        # must not send its signal to the new init before it is started.
        run_berth run "${CGP[@]}" -d --name rk $IMG sleep 1000
        local i out=$BATS_TEST_TMPDIR/restart.out stop=$BATS_TEST_TMPDIR/stop k pids=()
        for k in 1 2 3; do
                (while [ ! -e "$stop" ]; do
                        "$BERTH" kill rk >/dev/null 2>&1 || true
                        "$BERTH" stop -t 0 rk >/dev/null 2>&1 || true
                done) &
                pids+=($!)
        done
        for i in $(seq 20); do
                "$BERTH" restart -t 0 rk >>"$out" 2>&1 || { touch "$stop"; cat "$out"; die "restart failed in round $i"; }
        done
        touch "$stop"
        wait "${pids[@]}"
        run grep -c "exited before it was started" "$out"
        assert_output "0"
        run_berth rm -f -t 0 rk
}

@test "stop: a run that another command started while stop waited is not stopped" {
        # stop waits without its locks (the monitor's exit command takes
        # them), so another command may end the run it signalled and start
        # the next one: that one is not stop's to kill, and stop is done.
        run_berth run "${CGP[@]}" -d --name sr $IMG sh -c 'trap "echo term" TERM; while :; do sleep 0.1; done'
        sleep 0.5 # the trap is set
        "$BERTH" stop -t 30 sr >"$BATS_TEST_TMPDIR/stop.out" 2>&1 &
        local pid=$! i
        for i in $(seq 100); do
                "$BERTH" logs sr 2>/dev/null | grep -q term && break
                sleep 0.1
        done
        sleep 0.2 # past the signal: stop is polling, its lock released
        kill -STOP "$pid"
        run_berth kill sr
        run_berth wait sr
        assert_output "137"
        run_berth start sr
        kill -CONT "$pid"
        local t0=$SECONDS rc=0
        wait "$pid" || rc=$?
        [ "$rc" = 0 ] || die "stop failed ($rc): $(cat "$BATS_TEST_TMPDIR/stop.out")"
        [ $((SECONDS - t0)) -lt 10 ] || die "stop waited $((SECONDS - t0)) s for the new run"
        run_berth inspect --format '{{.State.Status}}' sr
        assert_output "running"
        run_berth rm -f -t 0 sr
}

@test "wait: the exit code, several containers, --condition" {
        run_berth run "${CGP[@]}" -d --name w1 $IMG sh -c 'sleep 0.5; exit 7'
        run_berth create "${CGP[@]}" --name w2 $IMG true
        run_berth wait --condition created w2
        assert_output "0"
        run_berth start w2
        run_berth wait w1 w2
        assert_output "$(printf '7\n0')"
        run_berth run "${CGP[@]}" -d --name w3 $IMG sleep 100
        run_berth wait --condition running w3
        assert_output "0"
        run_berth 125 wait --condition bogus w3
        assert_output --partial 'unknown condition "bogus"'
        run_berth 125 wait nosuch
}

@test "rm: running needs -f (exit 2), unknown exits 1, -a; nothing is left" {
        run_berth run "${CGP[@]}" -d --name r1 $IMG sleep 100
        local id=$output
        run_berth run "${CGP[@]}" --name r2 $IMG true
        run_berth 2 rm r1
        assert_output "Error: cannot remove container $id as it is running - running or paused containers cannot be removed without force: container state improper"
        run_berth 1 rm nosuch
        assert_output 'Error: no container with name or ID "nosuch" found: no such container'
        run_berth rm -i nosuch r2
        assert_output "r2"
        run_berth rm -f -t 0 r1
        assert_output "r1"
        run_berth ps -a -q
        assert_output ""
        run_berth create "${CGP[@]}" $IMG true
        run_berth create "${CGP[@]}" $IMG true
        run_berth rm -a
        [ "${#lines[@]}" -eq 2 ] || die "rm -a did not print two IDs"
        run_berth ps -a -q
        assert_output ""
        # The layers and userdata went with the records; nothing is mounted.
        local graph run driver
        graph=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        run=$("$BERTH" info --format '{{.Store.RunRoot}}')
        driver=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
        run_cmd ls "$graph/$driver-containers"
        assert_output "$(printf 'containers.json\ncontainers.lock')"
        run_cmd ls "$run/berth-runtime"
        assert_output ""
        run_cmd ? findmnt -rn -o TARGET
        refute_output --partial "$graph/"
}

@test "rm --depend: containers that share a namespace go first" {
        run_berth run "${CGP[@]}" -d --name base $IMG sleep 100
        run_berth run "${CGP[@]}" -d --name dep --network container:base $IMG sleep 100
        run_berth 2 rm -f base
        assert_output --partial "has dependent containers which must be removed before it"
        run_berth rm -f -t 0 --depend base
        run_berth ps -a -q
        assert_output ""
        # A dependent removed on its own is one no more.
        run_berth run "${CGP[@]}" -d --name base $IMG sleep 100
        run_berth run "${CGP[@]}" -d --name dep --network container:base $IMG sleep 100
        run_berth rm -f -t 0 dep
        run_berth rm -f -t 0 base
        run_berth ps -a -q
        assert_output ""
}

@test "a killed monitor: ps shows it running, stop and rm still work, the code is unknown" {
        run_berth run "${CGP[@]}" -d --name orphan $IMG sh -c "$TERMSH"
        local id=$output run mpid driver
        run=$("$BERTH" info --format '{{.Store.RunRoot}}')
        driver=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
        mpid=$(cat "$run/$driver-containers/$id/userdata/monitor.pid")
        kill -9 "$mpid"
        run_berth ps --format '{{.Names}} {{.State}}'
        assert_output --regexp '^orphan Up'
        run_berth inspect --format '{{.State.Status}}|{{.State.Error}}' orphan
        assert_output --partial "running|the container's monitor (berth-monitor) is gone"
        run_berth stop -t 5 orphan
        run_berth inspect --format '{{.State.Status}} {{.State.ExitCode}}' orphan
        assert_output "exited -1"
        run_berth wait orphan
        assert_output "-1"
        run_berth rm orphan
        run_berth ps -a -q
        assert_output ""
}

@test "container group: ls, cleanup (hidden), and the same commands" {
        run_berth container run "${CGP[@]}" -d --name g1 $IMG sleep 100
        run_berth container ls --format '{{.Names}}'
        assert_output "g1"
        run_berth container ps -a -q
        run_berth container stop -t 0 g1
        run_berth container cleanup g1
        run_berth container cleanup --rm g1
        run_berth container ls -a -q
        assert_output ""
        # Cleanup of a container that is gone is quiet: the monitor may run it late.
        run_berth container cleanup --rm g1
        run_berth container --help
        refute_output --partial "cleanup"
}

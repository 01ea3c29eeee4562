#!/usr/bin/env bats
# run --pid, --ipc and --uts: the host's namespace, a new one, another
# container's or one named by path; what the container sees, inspect's
# modes, podman's errors, and rm of a container whose namespaces another
# uses. Root and rootless.

load helpers

setup_file() {
        ctr_setup_file
}

setup() {
        ctr_setup
}

teardown() {
        rm -f "/dev/shm/berth-bats-$$"
        ctr_teardown
}

@test "--pid host sees the host's processes; --pid container:X is X's namespace" {
        run_berth run --rm "${CGP[@]}" --pid host $IMG sh -c 'cat /proc/1/comm; echo $$'
        assert_line --index 0 "$(cat /proc/1/comm)"
        [ "${lines[1]}" != 1 ] || die "the shell is pid 1 with --pid host"

        run_berth run -d "${CGP[@]}" --name base $IMG sleep 100
        run_berth run --rm "${CGP[@]}" --pid container:base $IMG \
                sh -c 'tr "\0" " " </proc/1/cmdline; echo; echo $$'
        assert_line --index 0 "sleep 100 "
        [ "${lines[1]}" != 1 ] || die "the shell is pid 1 in base's namespace"
        run_berth create "${CGP[@]}" --pid container:base --name joined $IMG true
        run_berth inspect --format '{{.HostConfig.PidMode}}' joined
        assert_output --regexp '^container:[0-9a-f]{64}$'
        run_berth inspect --format '{{.HostConfig.PidMode}}' base
        assert_output "private"
}

@test "--uts host and container:X: their hostname, in /etc/hostname and \$HOSTNAME too" {
        local host
        host=$(hostname)
        run_berth run --rm "${CGP[@]}" --uts host $IMG \
                sh -c 'hostname; cat /etc/hostname; echo; echo $HOSTNAME'
        assert_output "$(printf '%s\n%s\n%s' "$host" "$host" "$host")"

        run_berth run -d "${CGP[@]}" --hostname basehost --name base $IMG sleep 100
        run_berth run --rm "${CGP[@]}" --uts container:base $IMG \
                sh -c 'hostname; cat /etc/hostname; echo; echo $HOSTNAME'
        assert_output $'basehost\nbasehost\nbasehost'
        run_berth create "${CGP[@]}" --uts host --name uh $IMG true
        run_berth inspect --format '{{.HostConfig.UTSMode}} {{.Config.Hostname}}' uh
        assert_output "host $host"

        run_berth 125 run --rm "${CGP[@]}" --uts host --hostname x $IMG true
        assert_output "Error: cannot set hostname when running in the host UTS namespace: invalid configuration"
        run_berth 125 run --rm "${CGP[@]}" --uts container:base --hostname x $IMG true
        assert_output "Error: cannot set hostname when joining the container's UTS namespace: invalid configuration"
}

@test "--ipc host shares the host's /dev/shm, none has none; container: is refused" {
        echo shared >"/dev/shm/berth-bats-$$"
        run_berth run --rm "${CGP[@]}" --ipc host $IMG cat "/dev/shm/berth-bats-$$"
        assert_output "shared"
        run_berth run --rm "${CGP[@]}" --ipc none $IMG \
                sh -c 'grep -c " /dev/shm " /proc/self/mountinfo || true'
        assert_output "0"
        run_berth run --rm "${CGP[@]}" --ipc shareable $IMG \
                sh -c 'test -e "/dev/shm/berth-bats-'$$'" && echo host || echo own'
        assert_output "own"
        run_berth create "${CGP[@]}" --ipc host --name ih $IMG true
        run_berth inspect --format '{{.HostConfig.IpcMode}}' ih
        assert_output "host"
        run_berth create "${CGP[@]}" --name ip $IMG true
        run_berth inspect --format '{{.HostConfig.IpcMode}}' ip
        assert_output "shareable"

        run_berth 125 run --rm "${CGP[@]}" --ipc container:ip $IMG true
        assert_output --partial "sharing another container's IPC namespace is not supported by berth"
}

@test "namespaces by path; bad modes; rm of a container others share namespaces with" {
        run_berth run -d "${CGP[@]}" --name base $IMG sleep 100
        local id=$output
        run_berth inspect --format '{{.State.Pid}}' base
        local pid=$output
        # base's hostname is its short ID.
        run_berth run --rm "${CGP[@]}" --uts ns:/proc/$pid/ns/uts --pid ns:/proc/$pid/ns/pid $IMG \
                sh -c 'hostname; tr "\0" " " </proc/1/cmdline'
        assert_output "${id:0:12}"$'\n'"sleep 100 "
        run_berth exec base readlink /proc/self/ns/ipc
        local ipc=$output
        run_berth run --rm "${CGP[@]}" --ipc ns:/proc/$pid/ns/ipc $IMG readlink /proc/self/ns/ipc
        assert_output "$ipc"

        run_berth 125 run --rm "${CGP[@]}" --pid bogus $IMG true
        assert_output "Error: --pid: unrecognized namespace mode bogus passed"
        run_berth 125 run --rm "${CGP[@]}" --uts ns:/nonexistent $IMG true
        assert_output "Error: --uts ns:/nonexistent: no such namespace file"
        run_berth create "${CGP[@]}" --name stopped $IMG true
        run_berth 125 run --rm "${CGP[@]}" --pid container:stopped $IMG true
        assert_output "Error: --pid container:stopped: container stopped is not running"

        run_berth run -d "${CGP[@]}" --pid container:base --name dep $IMG sleep 100
        local dep=$output
        run_berth 2 rm -f -t 0 base
        assert_output --partial "has dependent containers which must be removed before it: $dep"
        run_berth rm -f -t 0 --depend base
        run_berth ps -a --format '{{.Names}}'
        assert_output "stopped"
}

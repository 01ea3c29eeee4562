#!/usr/bin/env bats
# berth top, pause/unpause, stats, rename and container prune, root and
# rootless: podman's columns and texts; rootless on a cgroup v1 host pause
# and stats fail with podman's errors; as root the processes of a paused
# container are frozen and run on after unpause, stop/kill/rm -f of a paused
# container work at once, and stats shows the cgroup figures (the -m limit).

load helpers

setup_file() {
        ctr_setup_file
        printf '#!/bin/sh\nexec podman "$@" 2>/dev/null\n' >"$BATS_FILE_TMPDIR/podman-q"
        chmod +x "$BATS_FILE_TMPDIR/podman-q"
}

setup() {
        ctr_setup
}

teardown() {
        ctr_teardown
}

# wait_for SECONDS CMD...: poll CMD until it succeeds, failing after SECONDS.
wait_for() {
        local deadline=$((SECONDS + $1))
        shift
        until "$@"; do
                [ $SECONDS -lt $deadline ] || return 1
                sleep 0.1
        done
}

# The host pid of a container's init.
init_pid() {
        "$BERTH" inspect --format '{{.State.Pid}}' "$1"
}

# counter NAME: a container whose init counts up in /tmp/c every 0.1 s.
counter() {
        run_berth run "${CGP[@]}" -d --name "$1" $IMG \
                sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/c; sleep 0.1; done'
}

# The counter's value, read from the host through /proc (an exec would block
# in a frozen container).
count_of() {
        cat "/proc/$1/root/tmp/c" 2>/dev/null || echo 0
}

# count_above PID N: the counter went past N.
count_above() {
        [ "$(count_of "$1")" -gt "$2" ]
}

@test "top: podman's default columns, descriptors, ps(1) options run in the container" {
        run_berth run "${CGP[@]}" -d --name t1 $IMG sleep 1000
        run_berth exec -d t1 sleep 500
        run_berth top t1
        assert_line --index 0 --regexp '^USER +PID +PPID +%CPU +ELAPSED +TTY +TIME +COMMAND$'
        assert_line --index 1 --regexp '^root +1 +0 +0\.000 +[0-9.]+(ms|s) +\? +0s +sleep 1000 $'
        # The exec'd process: its parent is outside the container, so 0.
        assert_line --index 2 --regexp '^root +[0-9]+ +0 +0\.000 +.* +sleep 500 $'
        [ "${#lines[@]}" -eq 3 ]
        # Descriptors as arguments, comma lists and AIX codes.
        run_berth top t1 pid,user args
        assert_line --index 0 --regexp '^PID +USER +COMMAND$'
        assert_line --index 1 --regexp '^1 +root +sleep 1000 $'
        run_berth container top t1 %p %c hpid state seccomp nice vsz
        assert_line --index 0 --regexp '^PID +COMMAND +HPID +STATE +SECCOMP +NI +VSZ$'
        pid=$(init_pid t1)
        assert_line --index 1 --regexp "^1 +sleep +$pid +S +filter +0 +[0-9]+\$"
        run_berth top t1 capeff capbnd
        assert_line --index 1 --regexp '^CHOWN,.*KILL,.* +CHOWN,.*KILL'
        refute_output --partial SYS_ADMIN
        # Not descriptors: ps(1) runs in the container (busybox's here).
        run_berth top t1 -ef
        assert_line --index 0 --regexp '^ *PID +USER +(TIME +)?COMMAND'
        assert_output --partial "sleep 1000"
        assert_output --partial "ps -ef"
        run_berth top t1 pid bogus
        assert_output --partial "sleep 500"
        # Only running containers.
        run_berth create "${CGP[@]}" --name cr $IMG true
        run_berth 125 top cr
        assert_output "Error: top can only be used on running containers"
        run_berth 125 top nosuch
        assert_output --partial 'no container with name or ID "nosuch" found'
        run_berth 125 top
}

@test "pause: rootless on a cgroup v1 host fails as podman does" {
        skip_if_root "root has the freezer"
        cgroup_v1_host || skip "cgroup v2 host: rootless pause may work"
        run_berth run -d --name p1 $IMG sleep 1000
        run_berth 125 pause p1
        assert_output "Error: can not pause containers on rootless containers with cgroup V1: this container does not have a cgroup"
        run_berth 125 pause -a
        assert_output --partial "can not pause containers on rootless containers"
        run_berth 125 container pause p1
        run_berth ps --format '{{.Names}} {{.Status}}'
        assert_output --regexp '^p1 Up '
        run_berth 125 unpause p1
        assert_output --partial "is not paused, can't unpause: container state improper"
        # A stopped container is refused before the cgroup is looked at.
        run_berth create --name cr $IMG true
        run_berth 125 pause cr
        assert_output "Error: \"created\" is not running, can't pause: container state improper"
}

@test "pause: processes are frozen, state Paused, and run on after unpause" {
        skip_if_rootless "no cgroups for rootless containers on this host"
        counter p1
        pid=$(init_pid p1)
        wait_for 20 count_above "$pid" 0
        run_berth pause p1
        assert_output "p1"
        run_berth ps --format '{{.Names}} {{.Status}}'
        assert_output "p1 Paused"
        run_berth inspect --format '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' p1
        assert_output "paused true false"
        # Frozen: the freezer says so, the init is in D state, and the count stands.
        cg=$(awk -F: '$2 == "freezer" {print $3}' "/proc/$pid/cgroup")
        [ -n "$cg" ] && [ "$cg" != / ]
        wait_for 20 grep -qx FROZEN "/sys/fs/cgroup/freezer$cg/freezer.state"
        grep -q '^State:.*D' "/proc/$pid/status"
        c1=$(count_of "$pid")
        sleep 0.5
        [ "$(count_of "$pid")" = "$c1" ]
        run_berth 125 pause p1
        assert_output --partial "is already paused: container state improper"
        run_berth unpause p1
        assert_output "p1"
        wait_for 20 count_above "$pid" "$c1"
        grep -qx THAWED "/sys/fs/cgroup/freezer$cg/freezer.state"
        run_berth ps --format '{{.Names}} {{.Status}}'
        assert_output --regexp '^p1 Up '
        run_berth 125 unpause p1
        # -a: every running one; unpause -a every paused one.
        counter p2
        run_berth pause -a
        [ "${#lines[@]}" -eq 2 ]
        run_berth ps --format '{{.Names}} {{.Status}}'
        assert_line "p1 Paused"
        assert_line "p2 Paused"
        run_berth container unpause -a
        run_berth ps --format '{{.Status}}'
        refute_output --partial Paused
}

@test "pause: stop, kill and rm -f of a paused container do not wait" {
        skip_if_rootless "no cgroups for rootless containers on this host"
        # An init that ends on SIGTERM: stop must thaw it to deliver it.
        run_berth run "${CGP[@]}" -d --name s1 $IMG \
                sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done'
        run_berth pause s1
        start=$SECONDS
        run_berth stop -t 30 s1
        [ $((SECONDS - start)) -lt 10 ]
        run_berth ps -a --format '{{.Names}} {{.Status}}'
        assert_output --regexp '^s1 Exited \(3\)'
        counter k1
        run_berth pause k1
        run_berth kill k1
        wait_for 30 sh -c "'$BERTH' ps -a --format '{{.Names}} {{.Status}}' | grep -q '^k1 Exited (137)'"
        run_berth run "${CGP[@]}" -d --name r1 $IMG \
                sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done'
        run_berth pause r1
        start=$SECONDS
        run_berth rm -f -t 30 r1
        [ $((SECONDS - start)) -lt 10 ]
        # An init that ignores SIGTERM: SIGKILL after the timeout thaws it.
        counter r2
        run_berth pause r2
        run_berth rm -f -t 1 r2
        run_berth ps -a --format '{{.Names}}'
        refute_line r1
        refute_line r2
}

@test "pause: a container that runc runs: Paused from its freezer, unpause, rm -f" {
        skip_if_rootless "no cgroups for rootless containers on this host"
        require_cmd runc
        # runc's state files are its own: berth reads the freezer.
        run_berth run "${CGP[@]}" -d --runtime runc --name x1 $IMG \
                sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done'
        run_berth pause x1
        run_berth ps --format '{{.Names}} {{.Status}}'
        assert_output "x1 Paused"
        run_berth inspect --format '{{.State.Status}} {{.State.Paused}}' x1
        assert_output "paused true"
        run_berth unpause x1
        run_berth inspect --format '{{.State.Status}} {{.State.Paused}}' x1
        assert_output "running false"
        run_berth pause x1
        start=$SECONDS
        run_berth rm -f -t 30 x1
        [ $((SECONDS - start)) -lt 10 ] || die "rm -f of a paused runc container waited"
        run_berth ps -a --format '{{.Names}}'
        refute_line x1
}

@test "stats: rootless on a cgroup v1 host fails as podman does" {
        skip_if_root "root has cgroups"
        cgroup_v1_host || skip "cgroup v2 host"
        run_berth run -d --name s1 $IMG sleep 1000
        run_berth 125 stats --no-stream
        assert_output "Error: stats is not supported in rootless mode without cgroups v2"
        run_berth 125 stats --no-stream s1
        assert_output "Error: stats is not supported in rootless mode without cgroups v2"
        run_berth 125 container stats --no-stream -a --format json
}

@test "stats --no-stream: podman's columns and the cgroup figures" {
        skip_if_rootless "no cgroups for rootless containers on this host"
        run_berth run "${CGP[@]}" -d -m 64m --name lim $IMG sleep 1000
        run_berth run "${CGP[@]}" -d --name free $IMG \
                sh -c 'dd if=/dev/zero of=/tmp/x bs=1M count=8 2>/dev/null; sleep 1000'
        run_berth create --name cr $IMG true
        id=$("$BERTH" inspect --format '{{.Id}}' lim)
        run_berth stats --no-stream lim
        assert_line --index 0 --regexp '^ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET IO +BLOCK IO +PIDS +CPU TIME +AVG CPU %$'
        assert_line --index 1 --regexp "^${id:0:12} +lim +[0-9.]+% +[0-9.]+[kM]?B / 67.11MB +[0-9.]+% +0B / 0B +[0-9.]+[kMG]?B / [0-9.]+[kMG]?B +1 +[0-9.]+(µs|ms|s) +[0-9.]+%\$"
        # The limit as bytes, the pids, the usage against the cgroup's file.
        run_berth stats --no-stream --format '{{.MemLimit}} {{.PIDs}} {{.PIDS}}' lim
        assert_output "67108864 1 1"
        pid=$(init_pid free)
        cg=$(awk -F: '$2 == "memory" {print $3}' "/proc/$pid/cgroup")
        wait_for 20 sh -c "[ \$(cat /sys/fs/cgroup/memory$cg/memory.usage_in_bytes) -gt 8000000 ]"
        run_berth stats --no-stream --format '{{.MemUsage}}' free
        # No limit: the host's memory, as podman shows it.
        total=$(($(awk '/^MemTotal/ {print $2}' /proc/meminfo) * 1024))
        run_berth stats --no-stream --format '{{.MemLimit}}' free
        assert_output "$total"
        run_berth stats --no-stream --format '{{.MemUsage}}' free
        assert_output --regexp '^([89]|[1-9][0-9])\.[0-9]*MB / '
        # Default: running ones; -a adds the others, all zero.
        run_berth stats --no-stream --format '{{.Name}}'
        assert_line lim
        assert_line free
        refute_line cr
        run_berth container stats --no-stream -a --format '{{.Name}} {{.MemUsage}} {{.PIDS}} {{.UpTime}} {{.CPUPerc}}'
        assert_line "cr 0B / 0B 0 0s 0.00%"
        # --no-trunc, and --format json as podman's keys.
        run_berth stats --no-stream --no-trunc --format '{{.ID}}' lim
        assert_output "$id"
        run_berth stats --no-stream --format json lim
        printf '%s\n' "$output" >"$BERTH_TEST_DIR/stats.json"
        run_cmd jq -r '.[0] | [.id, .name, .pids, (.mem_usage | test("/ 67.11MB$")), (keys | join(","))] | join(" ")' "$BERTH_TEST_DIR/stats.json"
        assert_output "${id:0:12} lim 1 true avg_cpu,block_io,cpu_percent,cpu_time,id,mem_percent,mem_usage,name,net_io,pids"
        run_berth 125 stats --no-stream nosuch
        assert_output --partial 'no container with name or ID "nosuch" found'
}

@test "rename: running and stopped containers; name rules and conflicts" {
        run_berth run "${CGP[@]}" -d --name old $IMG sleep 1000
        id=$("$BERTH" inspect --format '{{.Id}}' old)
        run_berth rename old new
        assert_output ""
        run_berth ps --format '{{.ID}} {{.Names}} {{.Status}}'
        assert_output --regexp "^${id:0:12} new Up "
        run_berth inspect --format '{{.Name}}' new
        assert_output "new"
        run_berth 125 inspect old
        # The container still works under its new name, and knows it.
        run_berth exec new sh -c 'tail -n 1 /etc/hosts'
        assert_output --regexp ' new$'
        run_berth container rename "${id:0:12}" newer
        run_berth stop -t 0 newer
        run_berth rename newer stopped
        run_berth start stopped
        run_berth ps --format '{{.Names}}'
        assert_output "stopped"
        # Same name: nothing to do.
        run_berth rename stopped stopped
        # podman's name rule.
        run_berth 125 rename stopped 'bad name'
        assert_output "Error: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument"
        run_berth 125 rename stopped -lead
        run_berth 125 rename stopped _x
        # A name another container has.
        run_berth create --name other $IMG true
        run_berth 125 rename stopped other
        assert_output "Error: renaming container $id: name other already in use, cannot rename container $id: container already exists"
        run_berth 125 rename nosuch x
        assert_output 'Error: no container with name or ID "nosuch" found: no such container'
        run_berth 125 rename stopped
        assert_output --partial "requires exactly 2 arguments"
}

@test "rename: a name podman's container has is refused; podman's container is not renamed" {
        require_cmd podman
        run_cmd "$BATS_FILE_TMPDIR/podman-q" create --name podmans $IMG true
        run_berth create --name mine $IMG true
        id=$("$BERTH" inspect --format '{{.Id}}' mine)
        run_berth 125 rename mine podmans
        assert_output --partial "name podmans already in use"
        run_berth 125 rename podmans x
        assert_output --partial 'belongs to podman, not to berth'
        run_cmd "$BATS_FILE_TMPDIR/podman-q" ps -a --format '{{.Names}}'
        assert_line podmans
        run_cmd "$BATS_FILE_TMPDIR/podman-q" rm podmans
}

@test "container prune: stopped berth containers only, confirmation, filters" {
        run_berth run "${CGP[@]}" -d --name up $IMG sleep 1000
        run_berth create --name cr --label keep=yes $IMG true
        run_berth 3 run "${CGP[@]}" --name ex $IMG sh -c 'exit 3'
        cr=$("$BERTH" inspect --format '{{.Id}}' cr)
        ex=$("$BERTH" inspect --format '{{.Id}}' ex)
        # No answer (stdin closed) is an error; "n" keeps everything.
        run_berth 125 container prune
        assert_output --partial "WARNING! This will remove all non running containers."
        assert_output --partial "Are you sure you want to continue? [y/N] Error: EOF"
        run_cmd sh -c "echo n | '$BERTH' container prune"
        run_berth ps -a --format '{{.Names}}'
        [ "${#lines[@]}" -eq 3 ]
        # Filters: label=, label!=, until=; others are refused.
        run_berth 125 container prune -f --filter bogus=1
        assert_output "Error: bogus is an invalid filter"
        run_berth 125 container prune -f --filter until=notatime
        run_berth container prune -f --filter until=1h
        assert_output ""
        run_berth container prune -f --filter label=keep=yes
        assert_output "$cr"
        # "y": the exited one goes, the running one stays.
        run_cmd sh -c "echo y | '$BERTH' container prune"
        assert_output --partial "[y/N] $ex"
        run_berth ps -a --format '{{.Names}}'
        assert_output "up"
        run_berth container prune -f
        assert_output ""
}

@test "container prune: never removes podman's containers" {
        require_cmd podman
        run_cmd "$BATS_FILE_TMPDIR/podman-q" create --name podmans $IMG true
        run_berth create --name mine $IMG true
        mine=$("$BERTH" inspect --format '{{.Id}}' mine)
        run_berth container prune -f
        assert_output "$mine"
        run_cmd "$BATS_FILE_TMPDIR/podman-q" ps -a --format '{{.Names}}'
        assert_line podmans
        run_berth ps -a --external --format '{{.Names}}'
        assert_output podmans
        run_cmd "$BATS_FILE_TMPDIR/podman-q" rm podmans
}

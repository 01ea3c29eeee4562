#!/usr/bin/env bats
# berth run and create: output and exit codes, --rm (also when berth is
# killed), names, the options checked from inside the container, stdin, a
# terminal and detaching, and the clear errors for what is not there yet.
# Root and rootless. As root, containers go under a cgroup parent of this
# file's own that teardown removes.

load helpers

setup_file() {
        ctr_setup_file
}

setup() {
        ctr_setup
}

teardown() {
        ctr_teardown
}

# brun [EXPECTED] ARGS...: berth run with this file's cgroup parent.
brun() {
        local expected=0
        case "${1:-}" in
        '?' | [0-9] | [0-9][0-9] | [0-9][0-9][0-9])
                expected=$1
                shift
                ;;
        esac
        run_berth "$expected" run "${CGP[@]}" "$@"
}

@test "run: output, and the container's exit code" {
        brun --rm $IMG echo hello world
        assert_output "hello world"
        brun 3 --rm $IMG sh -c 'echo out; echo err >&2; exit 3'
        assert_line "out"
        assert_line "err"
        # The container's init killed by a signal: 128+N (pid 1 ignores its
        # own kill -9, so a second container's kill does it).
        brun -d --name victim $IMG sleep 100
        run_berth kill -s KILL victim
        run_berth wait victim
        assert_output "137"
}

@test "run: 127 for a missing command, 126 for one that cannot run" {
        brun 127 --name nf $IMG nonexistent-cmd
        assert_output --partial 'executable file not found in $PATH'
        assert_output --partial "not found"
        # The container stays, created, as podman leaves it.
        run_berth ps -a --format '{{.Names}} {{.Status}}'
        assert_output "nf Created"
        brun 126 --rm $IMG /etc/passwd
        brun 127 --rm $IMG /no/such/file
        run_berth ps -a --format '{{.Names}}'
        assert_output "nf"
}

@test "run --rm: no container is left, also when berth is killed after the start" {
        brun --rm --name gone $IMG true
        run_berth ps -a -q
        assert_output ""
        "$BERTH" run "${CGP[@]}" --rm --name killed $IMG sleep 2 &
        local pid=$!
        local i
        for i in $(seq 50); do
                run_berth ps --format '{{.Names}}'
                [ "$output" = killed ] && break
                sleep 0.1
        done
        assert_output "killed"
        kill -9 "$pid"
        wait "$pid" || true
        # The monitor's exit command (container cleanup --rm) removes it.
        for i in $(seq 100); do
                run_berth ps -a -q
                [ -z "$output" ] && break
                sleep 0.1
        done
        assert_output ""
        # Nothing of it stays mounted.
        local graph
        graph=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        run_cmd ? findmnt -rn -o TARGET
        refute_output --partial "$graph/"
}

@test "run --rm: the record is flagged Volatile and the layer mounted volatile, as podman's --rm" {
        local graph driver id
        graph=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        driver=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
        id=$("$BERTH" run "${CGP[@]}" -d --rm $IMG sleep 30)
        run_cmd jq -c --arg id "$id" '.[] | select(.id == $id) | .flags' \
                "$graph/$driver-containers/containers.json"
        assert_output '{"Volatile":true}'
        if [ "$driver" = overlay ] && ! grep -q '^mount_program' "${CONTAINERS_STORAGE_CONF:-/dev/null}" 2>/dev/null; then
                run_berth exec "$id" grep ' / ' /proc/mounts
                assert_output --regexp '(fsync=)?volatile'
        fi
        run_berth rm -f -t 0 "$id"
        # without --rm: no flag, and a mount that syncs
        id=$("$BERTH" run "${CGP[@]}" -d $IMG sleep 30)
        run_cmd jq -c --arg id "$id" '.[] | select(.id == $id) | .flags // {}' \
                "$graph/$driver-containers/containers.json"
        refute_output --partial Volatile
        run_berth exec "$id" grep ' / ' /proc/mounts
        refute_output --partial volatile
        run_berth rm -f -t 0 "$id"
        # a volatile upper directory mounts again: create --rm mounts it to
        # read the image's users, start mounts it again
        id=$("$BERTH" create "${CGP[@]}" --rm $IMG echo again)
        run_berth start -a "$id"
        assert_output again
        run_berth ps -a -q
        assert_output ""
}

@test "run: --name must be unique, with podman's text; generated names are adjective_noun" {
        brun --name dup $IMG true
        brun 125 --name dup $IMG true
        assert_output --regexp '^Error: creating container storage: the container name "dup" is already in use by [0-9a-f]{64}\. You have to remove that container to be able to reuse that name: that name is already in use$'
        brun 125 --name 'bad/name' $IMG true
        assert_output --partial "container name \"bad/name\" is invalid"
        brun $IMG true
        run_berth ps -a --format '{{.Names}}' --filter name=_
        assert_match "$output" '^[a-z]+_[a-z]+[0-9]*$'
}

@test "run: -e -w -u --hostname --read-only --cap-drop, seen from inside" {
        brun --rm -e FOO=bar -e EMPTY= -w /tmp -u 65534:65534 --hostname hh $IMG \
                sh -c 'echo "$FOO|$EMPTY|$(pwd)|$(id -u):$(id -g)|$(hostname)|$HOSTNAME"'
        assert_output "bar||/tmp|65534:65534|hh|hh"
        brun 1 --rm --read-only $IMG touch /x
        assert_output --partial "Read-only file system"
        # --read-only keeps /tmp writable (podman's --read-only-tmpfs).
        brun --rm --read-only $IMG touch /tmp/x
        brun --rm --cap-drop all $IMG grep CapBnd /proc/self/status
        assert_output --regexp 'CapBnd:[[:space:]]+0000000000000000'
        brun 1 --rm --cap-drop chown $IMG sh -c 'touch /f && chown 1 /f'
        assert_output --partial "Operation not permitted"
        brun --rm -u nobody $IMG id -un
        assert_output "nobody"
        printf 'A=1\n# comment\n\nB=two words\n' >"$BERTH_TEST_DIR/envfile"
        brun --rm --env-file "$BERTH_TEST_DIR/envfile" $IMG sh -c 'echo "$A|$B"'
        assert_output "1|two words"
        brun --rm --entrypoint /bin/echo $IMG via entrypoint
        assert_output "via entrypoint"
}

@test "run: /etc/hosts, /etc/hostname, /etc/resolv.conf and /run/.containerenv" {
        brun --rm --name files --hostname hx $IMG sh -c \
                'tail -n1 /etc/hosts; cat /etc/hostname; echo; test -f /etc/resolv.conf && echo resolv || echo no-resolv; test -f /run/.containerenv && echo cenv'
        assert_line --index 0 --regexp '^127\.0\.0\.1[[:space:]]+hx files$'
        assert_line --index 1 "hx"
        # --network none (the default until the network step): none, as podman.
        assert_line --index 2 "no-resolv"
        assert_line --index 3 "cenv"
        brun --rm --privileged $IMG cat /run/.containerenv
        assert_line --regexp '^engine="berth-'
}

@test "run: the default seccomp profile filters; unconfined and --privileged do not" {
        brun --rm $IMG grep '^Seccomp:' /proc/self/status
        assert_output --regexp '^Seccomp:[[:space:]]+2$'
        brun --rm --security-opt seccomp=unconfined $IMG grep '^Seccomp:' /proc/self/status
        assert_output --regexp '^Seccomp:[[:space:]]+0$'
        brun --rm --privileged $IMG grep '^Seccomp:' /proc/self/status
        assert_output --regexp '^Seccomp:[[:space:]]+0$'
        # A profile named on the command line filters even --privileged.
        brun --rm --privileged --security-opt seccomp=/usr/share/containers/seccomp.json $IMG \
                grep '^Seccomp:' /proc/self/status
        assert_output --regexp '^Seccomp:[[:space:]]+2$'
}

@test "run: a damaged or blocked seccomp translation cache changes nothing" {
        local run cache
        run=$("$BERTH" info --format '{{.Store.RunRoot}}')
        cache=$run/berth/seccomp
        rm -rf "$run/berth"
        brun --rm $IMG grep '^Seccomp:' /proc/self/status
        assert_output --regexp '^Seccomp:[[:space:]]+2$'
        run_cmd stat -c '%a' "$cache"
        assert_output "700"
        local entry
        entry=$(find "$cache" -type f)
        [ "$(echo "$entry" | wc -l)" = 1 ] || die "expected one cache entry, got: $entry"
        run_cmd stat -c '%a' "$entry"
        assert_output "600"
        local size
        size=$(stat -c %s "$entry")
        # Cut: the next run translates again and writes it whole.
        truncate -s 100 "$entry"
        brun --rm $IMG grep '^Seccomp:' /proc/self/status
        assert_output --regexp '^Seccomp:[[:space:]]+2$'
        assert_equal "$(stat -c %s "$entry")" "$size"
        # Garbage after a whole key: the same.
        truncate -s "$((size - 40))" "$entry"
        brun --rm $IMG grep '^Seccomp:' /proc/self/status
        assert_output --regexp '^Seccomp:[[:space:]]+2$'
        assert_equal "$(stat -c %s "$entry")" "$size"
        # No cache can be made: containers still get the profile.
        rm -rf "$run/berth"
        echo x >"$run/berth"
        brun --rm $IMG grep '^Seccomp:' /proc/self/status
        assert_output --regexp '^Seccomp:[[:space:]]+2$'
        rm -f "$run/berth"
}

@test "run -i: stdin goes to the container; without -i it does not" {
        run_cmd sh -c "echo piped | '$BERTH' run ${CGP[*]} --rm -i $IMG cat"
        assert_output "piped"
        run_cmd sh -c "echo piped | '$BERTH' run ${CGP[*]} --rm $IMG cat"
        assert_output ""
}

@test "run -d prints the full ID; --cidfile; create then start" {
        brun -d --cidfile "$BERTH_TEST_DIR/cid" --name dd $IMG sleep 100
        assert_match "$output" '^[0-9a-f]{64}$'
        local id=$output
        assert_equal "$(cat "$BERTH_TEST_DIR/cid")" "$id"
        brun 125 --cidfile "$BERTH_TEST_DIR/cid" $IMG true
        assert_output --partial "container id file exists"
        run_berth ps --format '{{.ID}} {{.Names}}'
        assert_output "${id:0:12} dd"
        run_berth create "${CGP[@]}" --name cc $IMG sh -c 'exit 4'
        assert_match "$output" '^[0-9a-f]{64}$'
        run_berth ps -a --format '{{.Names}} {{.Status}}' --filter name=cc
        assert_output "cc Created"
        run_berth start cc
        assert_output "cc"
        run_berth wait cc
        assert_output "4"
        run_berth 4 start -a cc
}

@test "run -t: a terminal, raw while attached; ctrl-p,ctrl-q detaches" {
        require_cmd script
        # script(1) exits with the child's status.
        run_cmd 5 script -qec "$BERTH run ${CGP[*]} --rm -t $IMG sh -c 'tty; exit 5'" /dev/null
        assert_output --partial "/dev/pts/"
        run_cmd sh -c "(sleep 1; printf '\\020\\021') | script -qec \"$BERTH run ${CGP[*]} -it --name det $IMG sh\" /dev/null"
        run_berth ps --format '{{.Names}} {{.State}}'
        assert_output --regexp '^det Up'
        run_berth rm -f -t 0 det
}

@test "run: clear errors for what berth cannot do yet, and for bad input" {
        brun 125 --rm -p 8080:80 $IMG true
        assert_output "Error: port publishing needs the network step, not implemented yet (-p 8080:80)"
        brun 125 --rm --network bridge $IMG true
        assert_output --partial "needs the network step"
        brun 125 --rm -v "$BERTH_TEST_DIR/nonexistent:/x" $IMG true
        assert_output --partial "statfs $BERTH_TEST_DIR/nonexistent: No such file or directory"
        brun 125 --rm --pull=never no/such:image true
        assert_output "Error: no/such:image: image not known"
        # Until the registry step: always is an error that says so, newer
        # (and missing) take the local image.
        brun 125 --rm --pull=always $IMG true
        assert_output "Error: --pull=always: pulling images is not implemented in berth yet (the registry step)"
        brun --rm --pull=newer $IMG true
        brun --rm --pull=missing $IMG true
        brun 125 --rm no/such:image true
        assert_output --partial "image not known"
        brun 125 --rm --memory lots $IMG true
        assert_output --partial 'invalid value "lots" for --memory'
        brun 125 --rm --ulimit nofile=x $IMG true
        brun 125 --rm --restart always $IMG true
        assert_output --partial "the --rm option conflicts with --restart"
        brun 125 --rm --stop-signal NOPE $IMG true
        brun 125 --rm --userns bogus $IMG true
        # Nothing was left behind by any of them.
        run_berth ps -a -q
        assert_output ""
}

@test "run: bind mounts (-v, --mount), --tmpfs" {
        mkdir -p "$BERTH_TEST_DIR/host"
        echo data >"$BERTH_TEST_DIR/host/file"
        brun 1 --rm -v "$BERTH_TEST_DIR/host:/h:ro" $IMG sh -c 'cat /h/file; touch /h/new'
        assert_line "data"
        assert_line --partial "Read-only file system"
        brun --rm -v "$BERTH_TEST_DIR/host:/h" $IMG sh -c 'echo more >/h/new'
        [ -f "$BERTH_TEST_DIR/host/new" ] || die "the bind mount was not writable"
        brun --rm --mount "type=bind,source=$BERTH_TEST_DIR/host,target=/m,readonly" $IMG cat /m/file
        assert_output "data"
        brun --rm --tmpfs /scratch --mount type=tmpfs,destination=/t2 $IMG sh -c \
                'grep -E " /(scratch|t2) " /proc/mounts | cut -d" " -f2,3'
        assert_line "/scratch tmpfs"
        assert_line "/t2 tmpfs"
}

@test "run --userns=keep-id: the user's own id inside (rootless), an error as root" {
        if is_rootless; then
                brun --rm --userns keep-id $IMG id -u
                assert_output "$(id -u)"
        else
                brun 125 --rm --userns keep-id $IMG true
                assert_output --partial "keep-id is only supported in rootless mode"
        fi
}

@test "run: resource limits warn and are ignored rootless on cgroup v1, as podman" {
        is_rootless || skip "root enforces limits"
        local mode
        mode=$(stat -f -c %T /sys/fs/cgroup)
        [ "$mode" != cgroup2fs ] || skip "cgroup v2 host"
        brun --rm -m 64m $IMG true
        assert_output --partial "Resource limits are not supported and ignored on cgroups V1 rootless systems"
        brun --rm --cpuset-cpus 0 --memory-reservation 8m $IMG true
        assert_output --partial "Resource limits are not supported and ignored on cgroups V1 rootless systems"
}

@test "run: /sys/fs/cgroup shows the container's own cgroup in every hierarchy (root, v1)" {
        skip_if_rootless "no cgroups for rootless containers on this host"
        cgroup_v1_host || skip "cgroup v2 host"
        # As runc does: a tmpfs with the container's directory of each
        # hierarchy bound read-only, so its limits read as its own.
        brun --rm -m 64m --pids-limit 99 $IMG sh -c \
                'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
                 ls /sys/fs/cgroup/memory/tasks >/dev/null && touch /sys/fs/cgroup/x 2>&1 || true'
        assert_line --index 0 67108864
        assert_line --index 1 99
        assert_line --index 2 --partial "Read-only file system"
        local h
        for h in /sys/fs/cgroup/*; do
                [ -d "$h" ] && [ ! -L "$h" ] || continue
                brun --rm $IMG test -d "$h"
        done
}

@test "run: --cpuset-cpus, --cpu-period/--cpu-quota, --memory-reservation in the cgroup (root, v1)" {
        skip_if_rootless "no cgroups for rootless containers on this host"
        cgroup_v1_host || skip "cgroup v2 host"
        brun --rm --cpuset-cpus 0 --cpu-period 50000 --cpu-quota 25000 --memory-reservation 20m \
                $IMG sh -c 'cd /sys/fs/cgroup; cat cpuset/cpuset.cpus cpu/cpu.cfs_period_us \
                        cpu/cpu.cfs_quota_us memory/memory.soft_limit_in_bytes'
        assert_output $'0\n50000\n25000\n20971520'
        brun --name rs --cpuset-cpus 0 --cpu-period 50000 --cpu-quota 25000 \
                --memory-reservation 20m --oom-score-adj 300 $IMG true
        run_berth inspect --format \
                '{{.HostConfig.CpusetCpus}} {{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}} {{.HostConfig.MemoryReservation}} {{.HostConfig.OomScoreAdj}}' rs
        assert_output "0 50000 25000 20971520 300"
        run_berth rm rs
}

@test "run: --oom-score-adj; podman's checks of the CPU and memory options" {
        brun --rm --oom-score-adj 300 $IMG cat /proc/self/oom_score_adj
        assert_output "300"
        brun 125 --rm --cpus 1 --cpu-period 1000 $IMG true
        assert_output "Error: --cpu-period and --cpus cannot be set together"
        brun 125 --rm --cpus 1 --cpu-quota 10000 $IMG true
        assert_output "Error: --cpu-quota and --cpus cannot be set together"
        brun 125 --rm --cpu-quota 500 $IMG true
        assert_output "Error: CPU cfs quota cannot be less than 1ms (i.e. 1000)"
        local bad
        for bad in abc 1- -1 1,,2 1,; do
                brun 125 --rm --cpuset-cpus "$bad" $IMG true
                assert_output "Error: invalid value $bad for cpuset cpus"
        done
        brun 125 --rm --cpuset-mems x $IMG true
        assert_output "Error: invalid value x for cpuset mems"
        brun 125 --rm --memory-reservation 1x $IMG true
        assert_output 'Error: invalid value "1x" for --memory-reservation: expected a size such as 512m or 1g'
        brun 125 --rm --oom-score-adj 2000 $IMG true
        assert_output "Error: --oom-score-adj 2000: must be between -1000 and 1000"
        run_berth ps -a -q
        assert_output ""
}

@test "run: the monitor binary missing gives a clear error" {
        BERTH_MONITOR=/nonexistent/berth-monitor run_berth 125 run "${CGP[@]}" --rm $IMG true
        assert_output --partial "BERTH_MONITOR '/nonexistent/berth-monitor'"
}

@test "run: --sig-proxy sends berth's signals to the container; --sig-proxy=false does not" {
        "$BERTH" run "${CGP[@]}" --rm --name sp $IMG \
                sh -c 'trap "echo got-term; exit 9" TERM; while :; do sleep 0.1; done' \
                >"$BERTH_TEST_DIR/out" 2>&1 &
        local pid=$! i rc=0
        for i in $(seq 50); do
                run_berth ps --format '{{.Names}}'
                [ "$output" = sp ] && break
                sleep 0.1
        done
        sleep 0.5 # the shell's trap is set
        kill -TERM "$pid"
        wait "$pid" || rc=$?
        assert_equal "$rc" 9 "berth's exit status"
        assert_equal "$(cat "$BERTH_TEST_DIR/out")" "got-term"
}

@test "run: named and anonymous volumes (-v NAME:/dst, -v /dst, --mount type=volume), rm -v" {
        brun --rm -v vol1:/data $IMG sh -c 'echo kept >/data/f'
        brun --rm --mount type=volume,source=vol1,target=/d2 $IMG cat /d2/f
        assert_output "kept"
        # A new volume is filled from the image's directory (copy-up).
        brun --rm -v vol2:/etc $IMG cat /etc/passwd
        assert_output --partial "root:x:0:0"
        run_berth volume ls --format '{{.Name}}'
        assert_output "$(printf 'vol1\nvol2')"
        brun --name an -v /anon $IMG true
        run_berth volume ls -q
        [ "${#lines[@]}" -eq 3 ] || die "no anonymous volume was made"
        run_berth rm -v an
        run_berth volume ls -q
        assert_output "$(printf 'vol1\nvol2')"
}

@test "run and exec: the process leads a session and process group of its own, as runc's" {
        # pid, process group and session of the container's init...
        run_berth run --rm "${CGP[@]}" $IMG sh -c 'cut -d" " -f1,5,6 /proc/1/stat'
        assert_output "1 1 1"
        # ...and of an exec'd process (its own pid each time).
        run_berth run -d "${CGP[@]}" --name sid $IMG sleep 100
        run_berth exec sid sh -c 'read -r p _ _ _ g s _ </proc/self/stat; [ "$p" = "$g" ] && [ "$p" = "$s" ] && echo leader'
        assert_output "leader"
        run_berth rm -f -t 0 sid
}

@test "run --umask: the process's umask (containers.conf's by default), podman's check" {
        run_berth run --rm "${CGP[@]}" --umask 0077 $IMG sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
        assert_output $'0077\n600'
        run_berth run --rm "${CGP[@]}" $IMG sh -c umask
        assert_output "0022"
        # exec'd processes take the container's.
        run_berth run -d "${CGP[@]}" --umask 027 --name um $IMG sleep 100
        run_berth exec um sh -c umask
        assert_output "0027"
        printf '[containers]\numask = "0002"\n' >"$BERTH_TEST_DIR/umask.conf"
        CONTAINERS_CONF=$BERTH_TEST_DIR/umask.conf run_berth run --rm "${CGP[@]}" $IMG sh -c umask
        assert_output "0002"
        brun 125 --rm --umask 999 $IMG true
        assert_output "Error: invalid umask string 999"
        brun 125 --rm --umask 07777 $IMG true
        assert_output "Error: invalid umask string 07777"
        run_berth rm -f -t 0 um
}

@test "run --replace: a berth container of that name goes first, never another tool's" {
        run_berth run -d "${CGP[@]}" --stop-timeout 0 --name rep $IMG sleep 100
        local old=$output
        run_berth run -d "${CGP[@]}" --replace --name rep $IMG sleep 100
        local new=$output
        [ "$new" != "$old" ] || die "the same container"
        run_berth ps -a --format '{{.ID}} {{.Names}}'
        assert_output "${new:0:12} rep"
        # No such container yet: --replace just creates it.
        run_berth create "${CGP[@]}" --replace --name fresh $IMG true
        run_berth 125 create "${CGP[@]}" --replace $IMG true
        assert_output "Error: cannot replace container without --name being set"
        run_berth rm -f -t 0 rep fresh
}

@test "create --label-file: its lines, then --label over them; ps filters on them" {
        printf '# a comment\n\nteam=db\n  flag\nurl=a=b\r\n' >"$BERTH_TEST_DIR/labels"
        run_berth create "${CGP[@]}" --name lf --label-file "$BERTH_TEST_DIR/labels" \
                --label team=web $IMG true
        run_berth inspect --format '{{json .Config.Labels}}' lf
        assert_output '{"flag":"","team":"web","url":"a=b"}'
        run_berth ps -a --filter label=flag --format '{{.Names}}'
        assert_output "lf"
        printf 'ok=1\n=bad\n' >"$BERTH_TEST_DIR/bad-labels"
        run_berth 125 create "${CGP[@]}" --label-file "$BERTH_TEST_DIR/bad-labels" $IMG true
        assert_output "Error: invalid label \"=bad\" in $BERTH_TEST_DIR/bad-labels"
        run_berth 125 create "${CGP[@]}" --label-file "$BERTH_TEST_DIR/nonexistent" $IMG true
        assert_output --partial "reading --label-file: open '$BERTH_TEST_DIR/nonexistent': No such file or directory"
        run_berth ps -a --format '{{.Names}}'
        assert_output "lf"
        run_berth rm lf
}

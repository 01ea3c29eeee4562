#!/usr/bin/env bats
# berth exec and attach: exec's output, exit codes (the command's, 126/127,
# 125 for a stopped container), -e/--env-file/-w/-u, -d (the process runs
# on, reaped, and goes with the container), -t through script(1); attach to
# a detached container relays its output and exits with its code. Root and
# rootless.

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

# running_in CTR PATTERN: how many processes in CTR have a command line
# starting with PATTERN (busybox here has no pgrep).
running_in() {
        "$BERTH" exec "$1" sh -c 'for p in /proc/[0-9]*; do tr "\0" " " <$p/cmdline 2>/dev/null; echo; done' |
                grep -c "^$2" || true
}

# start_ctr NAME: a running container that sleeps.
start_ctr() {
        run_berth run "${CGP[@]}" -d --name "$1" -e FROMRUN=r $IMG sleep 1000
}

@test "exec: output, exit code, stdin only with -i" {
        start_ctr c1
        run_berth exec c1 echo hello world
        assert_output "hello world"
        run_berth 7 exec c1 sh -c 'echo out; echo err >&2; exit 7'
        assert_line "out"
        assert_line "err"
        # Killed by a signal: 128+N.
        run_berth 137 exec c1 sh -c 'kill -9 $$'
        # Without -i stdin is not passed; with -i it is.
        run_cmd sh -c "echo piped | $BERTH exec c1 cat"
        assert_output ""
        run_cmd sh -c "echo piped | $BERTH exec -i c1 cat"
        assert_output "piped"
        # The exec'd process is in the container: same pid namespace and rootfs.
        run_berth exec c1 sh -c 'cat /proc/1/cmdline | tr "\0" " "'
        assert_output "sleep 1000 "
        run_berth container exec c1 true
}

@test "exec: -e, --env-file, -w, -u" {
        start_ctr c1
        run_berth exec c1 sh -c 'echo $FROMRUN'
        assert_output "r"
        echo "# a comment" >"$BERTH_TEST_DIR/envf"
        printf 'FILEVAR=f1\nFROMRUN=overridden-by-file\n' >>"$BERTH_TEST_DIR/envf"
        run_berth exec --env-file "$BERTH_TEST_DIR/envf" -e X=1 -e FILEVAR=cli c1 \
                sh -c 'echo $X $FILEVAR $FROMRUN'
        assert_output "1 cli overridden-by-file"
        HOSTVAR=fromhost run_berth exec -e HOSTVAR -e UNSETVAR_225 c1 \
                sh -c 'echo "$HOSTVAR:${UNSETVAR_225-unset}"'
        assert_output "fromhost:unset"
        run_berth exec -w /etc c1 pwd
        assert_output "/etc"
        run_berth exec c1 pwd
        assert_output "/"
        run_berth exec -u 1234:5678 c1 id
        assert_output --partial "uid=1234 gid=5678"
        run_berth exec -u nobody c1 sh -c 'id -un; echo $HOME'
        assert_line --index 0 "nobody"
        run_berth 125 exec -u nosuchuser_225 c1 id
        assert_output --partial "unable to find user nosuchuser_225"
        run_berth 125 exec -w relative c1 pwd
}

@test "exec: --privileged gets every capability, the default fewer" {
        start_ctr c1
        run_berth exec c1 sh -c 'grep CapEff /proc/self/status'
        local dflt=${output##*:}
        run_berth exec --privileged c1 sh -c 'grep CapEff /proc/self/status'
        local priv=${output##*:}
        [ "$dflt" != "$priv" ] || die "--privileged did not change CapEff ($priv)"
        # Every capability berth itself has (its bounding set, in the user
        # namespace when rootless).
        if is_rootless; then
                run_berth unshare grep CapBnd /proc/self/status
        else
                run_cmd grep CapBnd /proc/self/status
        fi
        assert_output --partial "$(echo $priv | tr -d ' \t')"
}

@test "exec: 127 for a missing command, 126 for one that cannot run, 125 when stopped" {
        start_ctr c1
        run_berth 127 exec c1 /no/such/cmd
        assert_output --partial "OCI runtime attempted to invoke a command that was not found"
        run_berth 127 exec c1 nosuchcmd_225
        assert_output --partial "nosuchcmd_225"
        run_berth 126 exec c1 /etc
        run_berth 125 exec c1
        assert_output --partial "must provide a non-empty command"
        run_berth 125 exec nosuchctr_225 true
        run_berth stop -t 0 c1
        run_berth 125 exec c1 true
        assert_output "Error: can only create exec sessions on running containers: container state improper"
        run_berth create --name c2 $IMG sleep 10
        run_berth 125 exec c2 true
        assert_output --partial "can only create exec sessions on running containers"
}

@test "exec -d: the process runs on, is reaped, and goes with the container" {
        start_ctr c1
        run_berth exec -d c1 sh -c 'echo started >/tmp/d; exec sleep 777'
        assert_output --regexp '^[0-9a-f]{64}$'
        local i
        for i in $(seq 50); do
                [ "$(running_in c1 'sleep 777')" = 1 ] && break
                sleep 0.1
        done
        [ "$(running_in c1 'sleep 777')" = 1 ] || die "exec -d: sleep 777 is not running"
        run_berth exec c1 cat /tmp/d
        assert_output "started"
        # A detached exec that exits is reaped: no zombie is left on the host.
        run_berth exec -d c1 true
        sleep 0.5
        run_cmd sh -c "ps -eo stat=,comm= | grep '^Z.*true' || true"
        assert_output ""
        # A missing command is still reported with -d.
        run_berth 127 exec -d c1 nosuchcmd_225
        run_berth stop -t 0 c1
        run_cmd sh -c "pgrep -f '^sleep 777' || true"
        assert_output ""
}

@test "exec -t: a terminal, its exit code, and -it with detach keys" {
        require_cmd script
        start_ctr c1
        run_cmd 5 script -qec "$BERTH exec -t c1 sh -c 'tty; exit 5'" /dev/null
        assert_output --regexp "/dev/pts/[0-9]+"
        run_cmd script -qec "$BERTH exec -it c1 sh -c 'test -t 0 && echo stdin-is-tty'" /dev/null
        assert_output --partial "stdin-is-tty"
        # Input reaches the process through the terminal.
        run_cmd 3 sh -c "(sleep 1; printf 'echo typed-\$((40+2))\\rexit 3\\r') | script -qec \"$BERTH exec -it c1 sh\" /dev/null"
        assert_output --partial "typed-42"
        # -it with stdin not a terminal: its end is the terminal's EOF.
        run_cmd 6 sh -c "echo 'echo piped-in; exit 6' | $BERTH exec -it c1 sh"
        assert_output --partial "piped-in"
        # ctrl-p,ctrl-q detaches: berth exits 0, the shell goes on.
        run_cmd sh -c "(sleep 1; printf 'sleep 555\\r'; sleep 1; printf '\\020\\021') | script -qec \"$BERTH exec -it c1 sh\" /dev/null"
        [ "$(running_in c1 'sleep 555')" = 1 ] || die "the detached exec session is gone"
}

@test "exec into a container that runc runs: output, codes, stdin, -e -w -u, -d, -t" {
        require_cmd runc
        run_berth run "${CGP[@]}" -d --runtime runc --name r1 -e FROMRUN=r $IMG sleep 1000
        run_berth exec r1 echo hello world
        assert_output "hello world"
        run_berth 7 exec r1 sh -c 'echo out; echo err >&2; exit 7'
        assert_line "out"
        assert_line "err"
        run_berth 137 exec r1 sh -c 'kill -9 $$'
        run_cmd sh -c "echo piped | $BERTH exec r1 cat"
        assert_output ""
        run_cmd sh -c "echo piped | $BERTH exec -i r1 cat"
        assert_output "piped"
        run_berth exec -e FOO=bar -w /tmp -u 1000:1000 r1 sh -c 'echo $FOO $FROMRUN $(pwd) $(id -u):$(id -g)'
        assert_output "bar r /tmp 1000:1000"
        # the same pid namespace as the container's init
        run_berth exec r1 sh -c 'cat /proc/1/cmdline | tr "\0" " "'
        assert_output "sleep 1000 "
        run_berth 127 exec r1 nosuchcmd_225
        assert_output --partial "OCI runtime attempted to invoke a command that was not found"
        run_berth 126 exec r1 /etc
        run_berth exec -d r1 sh -c 'echo started >/tmp/d; exec sleep 777'
        assert_output --regexp '^[0-9a-f]{64}$'
        local i
        for i in $(seq 50); do
                [ "$(running_in r1 'sleep 777')" = 1 ] && break
                sleep 0.1
        done
        [ "$(running_in r1 'sleep 777')" = 1 ] || die "exec -d: sleep 777 is not running"
        if command -v script >/dev/null; then
                run_cmd 5 script -qec "$BERTH exec -t r1 sh -c 'tty; exit 5'" /dev/null
                assert_output --regexp "/dev/pts/[0-9]+"
        fi
        # nothing of the execs is left in the run directory
        run_cmd sh -c "ls '$("$BERTH" inspect --format '{{.State.Pid}}' r1 >/dev/null; "$BERTH" info --format '{{.Store.RunRoot}}')'/*-containers/*/userdata | grep '^exec-' || true"
        assert_output ""
        # --preserve-fds reaches runc's exec (it closes fds from 3 up otherwise).
        echo via-runc >"$BATS_TEST_TMPDIR/fd3"
        run_cmd sh -c "exec 3<'$BATS_TEST_TMPDIR/fd3'; exec '$BERTH' exec --preserve-fds 1 r1 cat /proc/self/fd/3"
        assert_output "via-runc"
        run_berth rm -f -t 0 r1
}

@test "attach: relays a detached container's output and exits with its code" {
        run_berth run "${CGP[@]}" -d --name a1 $IMG \
                sh -c 'sleep 2; echo line1; echo line2; echo err1 >&2; exit 4'
        run_berth 4 attach a1
        assert_line "line1"
        assert_line "line2"
        assert_line "err1"
        run_berth run "${CGP[@]}" -d --name a2 $IMG sh -c 'sleep 2; echo two; exit 0'
        run_berth container attach --no-stdin a2
        assert_output "two"
        # Not running: podman's error.
        run_berth 125 attach a1
        assert_output "Error: you can only attach to running containers"
        run_berth 125 attach nosuchctr_225
        run_berth 125 attach --detach-keys ctrl-zz a1
}

@test "attach: -it detach keys leave the container running" {
        require_cmd script
        run_berth run "${CGP[@]}" -dit --name a3 $IMG sh
        run_cmd sh -c "(sleep 1; printf 'echo hi-\$((1+1))\\r'; sleep 1; printf '\\020\\021') | script -qec \"$BERTH attach a3\" /dev/null"
        assert_output --partial "hi-2"
        run_berth ps --format '{{.Names}} {{.Status}}'
        assert_output --partial "a3 Up"
}

#!/usr/bin/env bats
# The rootless user namespace that berth shares with podman (one pause
# process per user, recorded in <runtime dir>/libpod/tmp/pause.pid), and
# `berth unshare`. Interop with podman both ways: whoever comes first
# creates the namespace, the other joins it.

load helpers

# userns_setup: isolate the test and give it its own runtime dir, so its
# pause process and pause.pid are its own even where /run/user/UID exists
# (a desktop session's real pause process is never touched). Teardown
# (berth_test_teardown) kills every pause process recorded under the test dir.
userns_setup() {
        berth_isolate
        export XDG_RUNTIME_DIR=$BERTH_TEST_DIR/run
        mkdir -p "$XDG_RUNTIME_DIR"
        chmod 0700 "$XDG_RUNTIME_DIR"
        PAUSE_PID_FILE=$XDG_RUNTIME_DIR/libpod/tmp/pause.pid
        # What Debian's podman needs here (ENVIRONMENT.md), kept per test.
        cat >"$BERTH_TEST_DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF
        export CONTAINERS_CONF=$BERTH_TEST_DIR/containers.conf
}

# require_subids: skip unless this user has /etc/subuid and /etc/subgid ranges.
require_subids() {
        local f
        for f in /etc/subuid /etc/subgid; do
                awk -F: -v n="$(id -un)" -v u="$(id -u)" '($1 == n || $1 == u) && $3 > 0 { ok = 1 }
                        END { exit !ok }' "$f" 2>/dev/null ||
                        skip "no range for $(id -un) in $f"
        done
}

# expected_map FILE ID: the id map podman sets up: "0 ID 1", then the user's
# ranges of FILE (matched by name or uid) by start, numbered on from 1.
expected_map() {
        echo "0 $2 1"
        awk -F: -v n="$(id -un)" -v u="$(id -u)" '($1 == n || $1 == u) && $3 > 0 { print $2, $3 }' \
                "$1" | sort -n | awk 'BEGIN { inside = 1 } { print inside, $1, $2; inside += $2 }'
}

# pause_pid: the pid in this test's pause.pid (fails the test if absent).
pause_pid() {
        [ -f "$PAUSE_PID_FILE" ] || die "no pause.pid at $PAUSE_PID_FILE"
        cat "$PAUSE_PID_FILE"
}

# wait_gone PID: until the process has exited (a zombie counts: its mount
# namespace is gone, so nobody can join it).
wait_gone() {
        local i
        for i in $(seq 100); do
                readlink "/proc/$1/ns/mnt" >/dev/null 2>&1 || return 0
                sleep 0.05
        done
        die "process $1 did not exit"
}

# podman_unshare CMD...: run `podman unshare CMD` and print its stdout only
# (podman warns on stderr here, e.g. that / is not a shared mount); its
# stderr is shown when it fails. Use as out=$(podman_unshare ...).
podman_unshare() {
        local out
        echo "# \$ podman unshare $*" >&2
        out=$(timeout 60 podman unshare "$@" 2>"$BERTH_TEST_DIR/podman.err" 3>&-) ||
                die "podman unshare $* failed: $(cat "$BERTH_TEST_DIR/podman.err")"
        printf '%s\n' "$out"
}

# pause_processes_here: how many running pause processes (podman's catatonit
# or berth's own) were started for this test's runtime dir; they inherit
# XDG_RUNTIME_DIR (podman sets it to the resolved path).
pause_processes_here() {
        local p n=0 real
        real=$(realpath "$XDG_RUNTIME_DIR")
        for p in $(pgrep -u "$(id -u)" -x catatonit) $(pgrep -u "$(id -u)" -x 'berth pause'); do
                tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null |
                        grep -qxF -e "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR" \
                                -e "XDG_RUNTIME_DIR=$real" && n=$((n + 1))
        done
        echo "$n"
}

# ---------------------------------------------------------------- rootless

@test "unshare: root inside, with podman's uid and gid mappings" {
        skip_if_root "rootless only: root has no user namespace to enter"
        require_subids
        userns_setup

        run_berth unshare id -u
        assert_output 0
        run_berth unshare id -g
        assert_output 0

        run_berth unshare cat /proc/self/uid_map
        assert_equal "$(awk '{ print $1, $2, $3 }' <<<"$output")" \
                "$(expected_map /etc/subuid "$(id -u)")" "uid_map"
        run_berth unshare cat /proc/self/gid_map
        assert_equal "$(awk '{ print $1, $2, $3 }' <<<"$output")" \
                "$(expected_map /etc/subgid "$(id -g)")" "gid_map"
}

@test "unshare: the pause process is recorded in pause.pid and joined by later runs" {
        skip_if_root "rootless only"
        require_subids
        userns_setup

        run_berth unshare readlink /proc/self/ns/user
        local ns=$output pid
        [ "$ns" != "$(readlink /proc/self/ns/user)" ] ||
                die "berth unshare ran in the host namespace"
        pid=$(pause_pid)
        # As podman writes it: a bare decimal pid, no newline, mode 0600.
        assert_match "$pid" '^[0-9]+$' "pause.pid content"
        assert_equal "$(wc -c <"$PAUSE_PID_FILE")" "${#pid}" "pause.pid size (no newline)"
        assert_equal "$(stat -c %a "$PAUSE_PID_FILE")" 600 "pause.pid mode"
        kill -0 "$pid" || die "pause process $pid is not running"
        assert_equal "$(stat -c %u "/proc/$pid")" "$(id -u)" "pause process owner"
        assert_match "$(cat "/proc/$pid/comm")" '^(catatonit|berth pause)$' "pause process"
        assert_equal "$(readlink "/proc/$pid/ns/user")" "$ns" "pause process user namespace"
        # It holds nothing of ours: stdio on /dev/null, no inherited fd.
        local fd
        for fd in 0 1 2; do
                assert_equal "$(readlink "/proc/$pid/fd/$fd")" /dev/null "pause process fd $fd"
        done
        [ ! -e "/proc/$pid/fd/4" ] ||
                die "pause process has inherited fds: $(ls -l "/proc/$pid/fd")"

        # Later runs join the same user and mount namespaces.
        run_berth unshare readlink /proc/self/ns/user /proc/self/ns/mnt
        assert_line --index 0 "$ns"
        assert_line --index 1 "$(readlink "/proc/$pid/ns/mnt")"
        assert_equal "$(pause_pid)" "$pid" "pause.pid after the second run"
}

@test "unshare: podman joins the namespace berth created" {
        skip_if_root "rootless only"
        require_subids
        require_cmd podman
        userns_setup

        run_berth unshare readlink /proc/self/ns/user /proc/self/ns/mnt
        local berth_user=${lines[0]} berth_mnt=${lines[1]} pid
        pid=$(pause_pid)

        local out
        out=$(podman_unshare readlink /proc/self/ns/user /proc/self/ns/mnt)
        assert_equal "$out" "$berth_user"$'\n'"$berth_mnt" "podman's namespaces"
        assert_equal "$(pause_pid)" "$pid" "podman kept berth's pause process"
        kill -0 "$pid"

        # So a mount made through one tool is the other's too (and not the
        # host's): what keeps their views of the store's overlay mounts alike.
        local m=$BERTH_TEST_DIR/mnt
        mkdir "$m"
        run_berth unshare mount -t tmpfs berth-test "$m"
        out=$(podman_unshare grep -c " $m " /proc/self/mountinfo)
        assert_equal "$out" 1 "berth's mount seen by podman"
        ! grep -q " $m " /proc/self/mountinfo || die "the mount leaked to the host"
        podman_unshare umount "$m" >/dev/null
        run_berth 1 unshare grep -c " $m " /proc/self/mountinfo
        assert_output 0
}

@test "unshare: berth joins the namespace podman created" {
        skip_if_root "rootless only"
        require_subids
        require_cmd podman
        userns_setup

        podman_unshare true >/dev/null
        local pid
        pid=$(pause_pid)
        assert_equal "$(cat "/proc/$pid/comm")" catatonit "podman's pause process"

        run_berth unshare readlink /proc/self/ns/user /proc/self/ns/mnt
        assert_line --index 0 "$(readlink "/proc/$pid/ns/user")"
        assert_line --index 1 "$(readlink "/proc/$pid/ns/mnt")"
        assert_equal "$(pause_pid)" "$pid" "berth kept podman's pause process"
}

@test "unshare: berth and podman started at once end up in one namespace" {
        skip_if_root "rootless only"
        require_subids
        require_cmd podman
        userns_setup

        local d=$BERTH_TEST_DIR/race i
        mkdir "$d"
        for i in 1 2 3 4; do
                "$BERTH" unshare readlink /proc/self/ns/user >"$d/berth-$i" 2>&1 3>&- &
        done
        for i in 1 2; do
                timeout 60 podman unshare readlink /proc/self/ns/user >"$d/podman-$i" \
                        2>"$d/podman-$i.err" 3>&- &
        done
        wait
        local want
        want=$(readlink "/proc/$(pause_pid)/ns/user")
        for i in "$d"/berth-* "$d"/podman-[0-9]; do
                echo "# $(basename "$i"): $(cat "$i")"
                assert_equal "$(cat "$i")" "$want" "namespace seen by $(basename "$i")"
        done
        # One pause process left: the losers of the race killed theirs.
        for i in $(seq 40); do
                [ "$(pause_processes_here)" -gt 1 ] || break
                sleep 0.05
        done
        assert_equal "$(pause_processes_here)" 1 "pause processes for this runtime dir"
}

@test "unshare: a stale pause.pid is replaced, and podman joins the new namespace" {
        skip_if_root "rootless only"
        require_subids
        userns_setup

        # A pid that went to one of our host processes is no pause process.
        mkdir -p "$(dirname "$PAUSE_PID_FILE")"
        sleep 120 3>&- &
        local sleeper=$!
        printf %s "$sleeper" >"$PAUSE_PID_FILE"
        run_berth unshare readlink /proc/self/ns/user
        local ns=$output pid
        pid=$(pause_pid)
        [ "$pid" != "$sleeper" ] || die "berth kept the stale pause.pid"
        kill -0 "$sleeper" || die "berth harmed the process a stale pause.pid named"
        kill "$sleeper"
        assert_equal "$(readlink "/proc/$pid/ns/user")" "$ns"

        # The pause process died (podman system migrate, a reboot of the
        # session...): the next run starts a new one.
        kill "$pid"
        wait_gone "$pid"
        run_berth unshare readlink /proc/self/ns/user
        local ns2=$output pid2
        pid2=$(pause_pid)
        [ "$pid2" != "$pid" ] || die "pause.pid still names the dead pause process"
        assert_equal "$(readlink "/proc/$pid2/ns/user")" "$ns2"
        if command -v podman >/dev/null; then
                assert_equal "$(podman_unshare readlink /proc/self/ns/user)" "$ns2" "podman's"
        fi

        # Garbage in pause.pid.
        kill "$pid2"
        wait_gone "$pid2"
        printf garbage >"$PAUSE_PID_FILE"
        run_berth unshare id -u
        assert_output 0
        assert_match "$(pause_pid)" '^[0-9]+$'
}

@test "unshare: exit codes pass through; 125, 126, 127 as podman" {
        skip_if_root "rootless only"
        require_subids
        userns_setup

        run_berth 7 unshare sh -c 'exit 7'
        run_berth 127 unshare berth-no-such-command
        assert_output "Error: exec 'berth-no-such-command': executable file not found in \$PATH"
        run_berth 127 unshare /no/such/file
        run_berth 126 unshare /etc
        assert_output --partial "Permission denied"
        run_berth 125 unshare --no-such-flag
        assert_output --partial "unknown flag: --no-such-flag"
        # Options after the command are the command's.
        run_berth unshare echo --help -x
        assert_output "--help -x"
        run_berth unshare -- echo ok
        assert_output ok
}

@test "unshare: the command gets the store paths and podman's variables" {
        skip_if_root "rootless only"
        require_subids
        userns_setup

        run_berth info --format '{{.Store.GraphRoot}}|{{.Store.RunRoot}}'
        local paths=$output
        # shellcheck disable=SC2016 # expanded by the inner shell
        run_berth unshare sh -c 'echo "$CONTAINERS_GRAPHROOT|$CONTAINERS_RUNROOT"'
        assert_output "$paths"
        # shellcheck disable=SC2016 # expanded by the inner shell
        run_berth unshare sh -c 'echo "$_CONTAINERS_USERNS_CONFIGURED" \
                "$_CONTAINERS_ROOTLESS_UID" "$_CONTAINERS_ROOTLESS_GID"'
        assert_output "done $(id -u) $(id -g)"
        # The working directory is kept.
        mkdir "$BERTH_TEST_DIR/wd"
        cd "$BERTH_TEST_DIR/wd"
        run_berth unshare pwd
        assert_output "$BERTH_TEST_DIR/wd"

        if command -v podman >/dev/null; then
                local podman_paths
                # shellcheck disable=SC2016 # expanded by the inner shell
                podman_paths=$(podman_unshare sh -c \
                        'echo "$CONTAINERS_GRAPHROOT|$CONTAINERS_RUNROOT"')
                assert_equal "$podman_paths" "$paths" "podman unshare's paths"
        fi
}

@test "unshare: without a command it runs \$SHELL" {
        skip_if_root "rootless only"
        require_subids
        userns_setup

        # shellcheck disable=SC2016 # the fake shell's own $(id -u)
        printf '#!/bin/sh\necho "shell as $(id -u)"\n' >"$BERTH_TEST_DIR/fake-shell"
        chmod +x "$BERTH_TEST_DIR/fake-shell"
        SHELL=$BERTH_TEST_DIR/fake-shell run_berth unshare
        assert_output "shell as 0"
}

@test "userns: version and help do not enter the namespace; info does" {
        skip_if_root "rootless only"
        require_subids
        userns_setup

        run_berth version
        run_berth help
        run_berth info --help
        run_berth unshare --help
        [ ! -e "$PAUSE_PID_FILE" ] || die "a command without the store created a pause process"
        run_berth info
        pause_pid >/dev/null
}

@test "userns: without XDG_RUNTIME_DIR the pause process is where podman puts it" {
        skip_if_root "rootless only"
        require_subids
        [ ! -d "/run/user/$(id -u)" ] ||
                skip "/run/user/$(id -u) exists: this would share the session's pause process"
        userns_setup
        unset XDG_RUNTIME_DIR
        # $TMPDIR/podman-run-UID, TMPDIR being the test's own (berth_isolate).
        PAUSE_PID_FILE=$TMPDIR/podman-run-$(id -u)/libpod/tmp/pause.pid

        run_berth unshare readlink /proc/self/ns/user
        local ns=$output
        assert_equal "$(readlink "/proc/$(pause_pid)/ns/user")" "$ns"
        if command -v podman >/dev/null; then
                assert_equal "$(podman_unshare readlink /proc/self/ns/user)" "$ns" "podman's"
        fi
}

# ---------------------------------------------------------------- anyone

@test "userns: the built-in pause process ignores signals but SIGTERM" {
        # What runs when catatonit is missing; catatonit -P semantics.
        "$BERTH" --berth-internal-userns-pause 3>&- &
        local pid=$! sig
        BUILTIN_PAUSE_PID=$pid
        local i
        for i in $(seq 50); do
                [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "berth pause" ] && break
                sleep 0.05
        done
        assert_equal "$(cat "/proc/$pid/comm")" "berth pause"
        for sig in HUP USR1 USR2 QUIT ALRM PIPE CHLD; do
                kill -"$sig" "$pid"
        done
        sleep 0.2
        kill -0 "$pid" || die "the pause process died of an ignored signal"
        kill -TERM "$pid"
        local status=0
        wait "$pid" || status=$?
        assert_equal "$status" 0 "exit status after SIGTERM"
}

# ---------------------------------------------------------------- as root

@test "unshare as root is refused, as podman refuses it" {
        skip_if_rootless "root only"
        run_berth 125 unshare true
        assert_output "Error: please use unshare with rootless"
        if command -v podman >/dev/null; then
                run_cmd 125 podman unshare true
                assert_output --partial "please use unshare with rootless"
        fi
}

# user_setup NAME: this test's dirs for NAME (runtime, data, config, tmp,
# home) and a copy of berth it may run; sets USER_ENV and USER_BERTH.
user_setup() {
        local name=$1 d
        userns_setup
        chmod 0755 "$BERTH_TEST_DIR"
        d=$BERTH_TEST_DIR/u-$name
        mkdir -p "$d"/{run,data,config,tmp,home} "$BERTH_TEST_DIR/bin"
        chown -R "$name:" "$d"
        chmod 0700 "$d/run"
        cp "$BERTH" "$BERTH_TEST_DIR/bin/berth"
        chmod 0755 "$BERTH_TEST_DIR/bin" "$BERTH_TEST_DIR/bin/berth"
        USER_BERTH=$BERTH_TEST_DIR/bin/berth
        USER_ENV=(HOME="$d/home" USER="$name" LOGNAME="$name" PATH=/usr/local/bin:/usr/bin:/bin
                XDG_RUNTIME_DIR="$d/run" XDG_DATA_HOME="$d/data" XDG_CONFIG_HOME="$d/config"
                TMPDIR="$d/tmp" CONTAINERS_CONF="$CONTAINERS_CONF")
        # As the user, with only USER_ENV (a login-like environment).
        AS_USER=(setpriv --reuid="$name" --regid="$name" --init-groups -- env -i "${USER_ENV[@]}")
        PAUSE_PID_FILE=$d/run/libpod/tmp/pause.pid
        "${AS_USER[@]}" test -x "$USER_BERTH" ||
                skip "$name cannot reach $BERTH_TEST_DIR (set BERTH_TEST_TMP to a dir it can)"
}

@test "userns: a user without /etc/subuid ranges gets an error that says how to add them" {
        skip_if_rootless "needs root to create a user without subordinate ids"
        require_cmd useradd userdel setpriv
        NOSUB_USER=berth-nosubid
        if ! id "$NOSUB_USER" >/dev/null 2>&1; then
                # A system user: useradd gives it no subordinate ids.
                useradd --system --no-create-home --shell /usr/sbin/nologin "$NOSUB_USER"
                NOSUB_CREATED=1
        fi
        if grep -qE "^($NOSUB_USER|$(id -u "$NOSUB_USER")):" /etc/subuid /etc/subgid \
                2>/dev/null; then
                skip "$NOSUB_USER has subordinate ids"
        fi
        user_setup "$NOSUB_USER"

        run_cmd 125 "${AS_USER[@]}" "$USER_BERTH" unshare id -u
        local range='[0-9]+-[0-9]+'
        assert_output --regexp "^Error: .*no subordinate uids for user '$NOSUB_USER' in /etc/subuid: \
add a range, e\.g\. \`usermod --add-subuids $range --add-subgids $range $NOSUB_USER\`$"
        [ ! -e "$PAUSE_PID_FILE" ] || die "a failed setup left a pause.pid"

        # podman's single mapping, only when asked for, with podman's warning.
        run_cmd "${AS_USER[@]}" BERTH_USERNS_ALLOW_SINGLE_MAPPING=1 "$USER_BERTH" unshare \
                cat /proc/self/uid_map
        assert_line --partial "Using rootless single mapping into the namespace"
        assert_line --regexp "^ +0 +$(id -u "$NOSUB_USER") +1$"
        assert_equal "$(grep -c '^ ' <<<"$output")" 1 "uid_map lines"
}

@test "userns: without catatonit the pause process is berth's own, and podman joins it" {
        skip_if_rootless "needs root to hide catatonit in a private mount namespace"
        require_cmd unshare setpriv
        local name=${BERTH_TEST_USER:-berthtest}
        id "$name" >/dev/null 2>&1 || skip "no test user $name (tests/system/lib/mkuser.sh)"
        grep -qE "^($name|$(id -u "$name")):" /etc/subuid || skip "$name has no subordinate ids"
        user_setup "$name"

        local hide="mount --bind /dev/null /usr/libexec/podman/catatonit 2>/dev/null;"
        local c
        c=$(command -v catatonit || true)
        [ -z "$c" ] || hide="$hide mount --bind /dev/null $c;"
        run_cmd unshare -m --propagation private sh -c "$hide"' exec "$@"' sh \
                "${AS_USER[@]}" "$USER_BERTH" unshare readlink /proc/self/ns/user
        local ns=$output pid
        pid=$(pause_pid)
        assert_equal "$(cat "/proc/$pid/comm")" "berth pause" "pause process"
        assert_equal "$(readlink "/proc/$pid/ns/user")" "$ns"
        if command -v podman >/dev/null; then
                run_cmd "${AS_USER[@]}" podman unshare readlink /proc/self/ns/user
                assert_line "$ns"
        fi
}

teardown() {
        [ -z "${BUILTIN_PAUSE_PID:-}" ] || kill -KILL "$BUILTIN_PAUSE_PID" 2>/dev/null || true
        berth_test_teardown
        if [ "${NOSUB_CREATED:-0}" = 1 ]; then
                userdel -f "$NOSUB_USER" 2>/dev/null || true
        fi
}

# shellcheck shell=bash
# Helpers for the OCI runtime tests (tests/runtime/NNN-topic.bats). They run
# against any runc-compatible runtime: berth-runtime by default, or e.g.
# RUNTIME=runc to check the tests themselves. Load with `load helpers`.
#
# Environment:
#   RUNTIME               the runtime under test (default: berth-runtime of
#                         the build dir that holds $BERTH, else build/)
#   BERTH_TEST_PAYLOAD    the static payload (default: the build dir's
#                         tests/runtime/berth-test-payload, else compiled
#                         from payload.c once per bats run)
#   BERTH_TEST_CONSOLE_RECV  likewise for console-recv.c
#   BERTH_TEST_ROOTFS_TAR the busybox rootfs (default: made once per run)
#
# Every test gets (from setup):
#   RT_ROOT      the runtime's --root (a per-test temp dir)
#   RT_BUNDLE    a fresh bundle (tests/runtime/make-bundle.sh; rootless
#                variant when not root); the process runs `/payload hostname`
#   RT_CGPARENT  the cgroup parent of every container of this test (root):
#                cgroupsPath is /$RT_CGPARENT/ID unless the test sets its own
#
# Commands:
#   run_rt [EXPECTED] ARGS...        $RUNTIME --root $RT_ROOT ARGS (run_cmd rules)
#   run_rt_detached [EXP] LOG ARGS   the same with stdio to the file LOG (for
#                                    create, run -d, exec -d: no pipe to wait on)
#   rt_create [EXPECTED] ID [ARGS]   create --bundle $RT_BUNDLE ARGS ID, the
#                                    container's output to $(rt_log ID)
#   rt_run [EXPECTED] ID [ARGS]      run --bundle $RT_BUNDLE ARGS ID
#   rt_start_bg ID [ARGS]            run -d, output to $(rt_log ID); waits for
#                                    status running
#   payload ARGS...                  set process.args to /payload ARGS
#   cfg JQ-FILTER [JQ-ARGS...]       edit $RT_BUNDLE/config.json in place
#   rt_bundle_public                 move the bundle where every uid can reach it
#   rt_state ID                      state JSON of ID in $output (must succeed)
#   rt_status ID / rt_pid ID         print status / pid of ID
#   wait_for_status ID STATUS        poll state until STATUS (5 s)
#   wait_for_line FILE REGEX         poll FILE until a line matches (5 s)
#   line_value KEY                   the value of the payload's KEY=... line
#   pid_alive PID / wait_pid_gone PID   alive (zombies count as dead) / wait
#   host_ns NAME                     inode of the host's /proc/self/ns/NAME
#   cap_mask CAP...                  the /proc/PID/status hex mask of CAPs
#   json_array WORD...               a JSON array of strings
#   cgroup_v1_dir CTRL PID, container_cgroup_dirs PID   PID's cgroup dirs
#   is_runc / is_berth               which runtime is under test
#   skip_unless_berth WHY            only berth-runtime promises this
#
# As root every container's cgroupsPath is /$RT_CGPARENT/ID (set when it is
# created unless the test gave its own), so that teardown finds and removes
# them all.

# shellcheck source=tests/system/helpers.bash
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../system/helpers.bash"

RT_TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_rt_builddir=$(cd "$(dirname "$BERTH")/../.." 2>/dev/null && pwd || echo "$BERTH_SRC_ROOT/build")
RUNTIME=${RUNTIME:-$_rt_builddir/cmd/berth-runtime/berth-runtime}
# A bare name (RUNTIME=runc) is looked up in PATH.
case "$RUNTIME" in
*/*) ;;
*) RUNTIME=$(command -v "$RUNTIME" || echo "$RUNTIME") ;;
esac
export RUNTIME

# ---------------------------------------------------------------- programs

# _rt_program NAME SOURCE VAR: set VAR to the static program NAME: from the
# environment, the build dir, or compiled once per bats run (flock'd, as
# bats may run files in parallel).
_rt_program() {
        local name=$1 src=$2 var=$3 out
        if [ -n "${!var:-}" ]; then
                return 0
        fi
        if [ -x "$_rt_builddir/tests/runtime/$name" ] &&
                [ "$_rt_builddir/tests/runtime/$name" -nt "$RT_TESTS_DIR/$src" ]; then
                printf -v "$var" '%s' "$_rt_builddir/tests/runtime/$name"
                export "${var?}"
                return 0
        fi
        out=$BATS_RUN_TMPDIR/$name
        (
                flock 9
                [ -x "$out" ] || cc -std=gnu11 -O2 -static -o "$out.tmp" "$RT_TESTS_DIR/$src" &&
                        mv -f "$out.tmp" "$out" 2>/dev/null || [ -x "$out" ]
        ) 9>"$BATS_RUN_TMPDIR/$name.lock" >&2 ||
                die "cannot build $name from $src (is a C compiler with static glibc installed?)"
        printf -v "$var" '%s' "$out"
        export "${var?}"
}

# rt_prepare: the payload, console receiver and busybox rootfs tarball.
rt_prepare() {
        _rt_program berth-test-payload payload.c BERTH_TEST_PAYLOAD
        _rt_program berth-test-console-recv console-recv.c BERTH_TEST_CONSOLE_RECV
        if [ -z "${BERTH_TEST_ROOTFS_TAR:-}" ]; then
                BERTH_TEST_ROOTFS_TAR=$BATS_RUN_TMPDIR/busybox-rootfs.tar
                (
                        flock 9
                        [ -s "$BERTH_TEST_ROOTFS_TAR" ] ||
                                "$BERTH_FIXTURES_DIR/make-busybox-rootfs.sh" "$BERTH_TEST_ROOTFS_TAR"
                ) 9>"$BATS_RUN_TMPDIR/rootfs.lock" >&2 || die "cannot make the busybox rootfs"
                export BERTH_TEST_ROOTFS_TAR
        fi
}

# ---------------------------------------------------------------- setup

setup() {
        # Everything teardown relies on first: it runs even when setup fails.
        RT_ROOT=$BATS_TEST_TMPDIR/state
        RT_BUNDLE=$BATS_TEST_TMPDIR/bundle
        RT_IDS=()
        RT_BG_PIDS=()
        RT_NETNS=()
        RT_PUBLIC_DIRS=()
        RT_AUTO_CGPATH=
        RT_CGPARENT=berth-rtest-${BATS_RUN_TMPDIR##*-}-${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}
        mkdir -p "$RT_ROOT"
        [ -x "$RUNTIME" ] || die "runtime under test not found: $RUNTIME (build it, or set RUNTIME)"
        rt_prepare
        local args=()
        ! is_rootless || args+=(--rootless)
        "$RT_TESTS_DIR/make-bundle.sh" "$RT_BUNDLE" "${args[@]}" >&2 || die "make-bundle.sh failed"
}

# _rt_cgroup_dirs: the cgroup directories of this test's parent, in every
# hierarchy (v1 controllers and the v2 mount, wherever it is).
_rt_cgroup_dirs() {
        local m
        # Without a parent of its own (setup failed early) this would name
        # the root cgroup, and the teardown would kill the whole machine.
        [ -n "${RT_CGPARENT:-}" ] || return 0
        for m in $(awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts); do
                [ -d "$m/$RT_CGPARENT" ] && echo "$m/$RT_CGPARENT"
        done
        return 0
}

teardown() {
        local id pid d p
        [ -n "${RT_ROOT:-}" ] || return 0
        for pid in "${RT_BG_PIDS[@]}"; do
                kill "$pid" 2>/dev/null || true
        done
        # The runtime's own list too: a test may have used ids of its own.
        for id in "${RT_IDS[@]}" $("$RUNTIME" --root "$RT_ROOT" list -q 2>/dev/null); do
                # A paused container cannot die until it is thawed.
                "$RUNTIME" --root "$RT_ROOT" resume "$id" >/dev/null 2>&1 || true
                "$RUNTIME" --root "$RT_ROOT" kill "$id" KILL >/dev/null 2>&1 || true
                timeout 20 "$RUNTIME" --root "$RT_ROOT" delete --force "$id" >/dev/null 2>&1 || true
        done
        if ! is_rootless; then
                # Cgroups the runtime left behind: thaw, kill what is in them, rmdir deepest first.
                for d in $(_rt_cgroup_dirs); do
                        find "$d" -name freezer.state -exec sh -c 'echo THAWED >"$1"' sh {} \; \
                                2>/dev/null || true
                        for p in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do
                                kill -9 "$p" 2>/dev/null || true
                        done
                done
                for d in $(_rt_cgroup_dirs); do
                        for _ in $(seq 30); do
                                find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
                                [ -d "$d" ] || break
                                sleep 0.1
                        done
                done
                for d in "${RT_NETNS[@]}"; do
                        ip netns delete "$d" 2>/dev/null || true
                done
                for d in $(findmnt -rn -o TARGET | grep -F "$BATS_TEST_TMPDIR/" | sort -r); do
                        umount -l "$d" 2>/dev/null || true
                done
        fi
        for d in "${RT_PUBLIC_DIRS[@]}"; do
                rm -rf "$d"
        done
        # BATS_TEST_TMPDIR itself is removed by bats.
}

# ---------------------------------------------------------------- running

# run_rt [EXPECTED] ARGS...: the runtime under test with this test's --root.
run_rt() {
        local expected=0
        case "${1:-}" in
        '?' | [0-9] | [0-9][0-9] | [0-9][0-9][0-9])
                expected=$1
                shift
                ;;
        esac
        run_cmd "$expected" "$RUNTIME" --root "$RT_ROOT" "$@"
}

# _rt_prepare_id ID: remember ID for teardown; as root, put its cgroup under
# this test's parent unless the config names one.
_rt_prepare_id() {
        local cur
        RT_IDS+=("$1")
        is_rootless && return 0
        # Replace the path set for an earlier container too, so that no two share one.
        cur=$(jq -r '.linux.cgroupsPath // ""' "$RT_BUNDLE/config.json")
        if [ -z "$cur" ] || [ "$cur" = "${RT_AUTO_CGPATH:-}" ]; then
                RT_AUTO_CGPATH=/$RT_CGPARENT/$1
                cfg '.linux.cgroupsPath = $p' --arg p "$RT_AUTO_CGPATH"
        fi
}

# _rt_expect ARGS: split an optional EXPECTED exit code off ARGS into rt_exp / rt_args.
_rt_expect() {
        rt_exp=0
        case "${1:-}" in
        '?' | [0-9] | [0-9][0-9] | [0-9][0-9][0-9])
                rt_exp=$1
                shift
                ;;
        esac
        rt_args=("$@")
}

# run_rt_detached [EXPECTED] LOG ARGS...: run_rt with stdin /dev/null and
# stdout/stderr to the file LOG, for commands whose container keeps the
# runtime's stdio (create, run -d, exec -d): a pipe would never close. Sets
# $output, $lines, $status from LOG as run_cmd does.
run_rt_detached() {
        local expected=0 log cmdline
        case "${1:-}" in
        '?' | [0-9] | [0-9][0-9] | [0-9][0-9][0-9])
                expected=$1
                shift
                ;;
        esac
        log=$1
        shift
        cmdline=$(printf '%q ' "$RUNTIME" --root "$RT_ROOT" "$@")
        echo "# \$ ${cmdline% } >$log"
        status=0
        timeout --kill-after=10 "$BERTH_TEST_TIMEOUT" "$RUNTIME" --root "$RT_ROOT" "$@" \
                </dev/null >>"$log" 2>&1 || status=$?
        output=$(cat "$log")
        lines=()
        if [ -n "$output" ]; then
                mapfile -t lines <<<"$output"
                printf '%s\n' "$output" | sed -e 's/^/# /'
        fi
        [ "$status" -eq 0 ] || echo "# [exit status $status]"
        if [ "$expected" != '?' ] && [ "$status" -ne "$expected" ]; then
                echo "#| FAIL: exit status $status, expected $expected: ${cmdline% }" >&2
                return 1
        fi
}

# rt_create [EXPECTED] ID [ARGS...]: create ID from $RT_BUNDLE; the
# container's stdout and stderr go to $(rt_log ID).
rt_create() {
        local rt_exp rt_args
        _rt_expect "$@"
        _rt_prepare_id "${rt_args[0]}"
        run_rt_detached "$rt_exp" "$(rt_log "${rt_args[0]}")" \
                create --bundle "$RT_BUNDLE" "${rt_args[@]:1}" "${rt_args[0]}"
}

# rt_run [EXPECTED] ID [ARGS...]: run ID from $RT_BUNDLE in the foreground.
rt_run() {
        local rt_exp rt_args
        _rt_expect "$@"
        _rt_prepare_id "${rt_args[0]}"
        run_rt "$rt_exp" run --bundle "$RT_BUNDLE" "${rt_args[@]:1}" "${rt_args[0]}"
}

# rt_log ID: the file where ID's output goes (rt_create, rt_start_bg).
rt_log() {
        echo "$BATS_TEST_TMPDIR/$1.log"
}

# rt_start_bg ID [ARGS...]: run -d ID with its stdout and stderr going to
# $(rt_log ID); returns when its state says running.
rt_start_bg() {
        local id=$1
        shift
        _rt_prepare_id "$id"
        run_rt_detached "$(rt_log "$id")" run -d --bundle "$RT_BUNDLE" "$@" "$id"
        wait_for_status "$id" running
}

# rt_bundle_public: move the bundle where any uid can reach it (bats' temp
# dirs are 0700): for containers whose root is a mapped, non-host-root uid.
rt_bundle_public() {
        local d
        d=$(mktemp -d "${TMPDIR:-/tmp}/berth-rtest.XXXXXX")
        RT_PUBLIC_DIRS+=("$d")
        chmod 0711 "$d"
        mv "$RT_BUNDLE" "$d/bundle"
        RT_BUNDLE=$d/bundle
}

# payload ARGS...: the container's process becomes `/payload ARGS`.
payload() {
        cfg '.process.args = ["/payload"] + $a' --argjson a "$(json_array "$@")"
}

# json_array WORD...: a JSON array of the WORDs (jq's --args would drop "--").
json_array() {
        [ $# -gt 0 ] || { echo '[]'; return 0; }
        printf '%s\n' "$@" | jq -R . | jq -sc .
}

# cfg JQ-FILTER [JQ-ARGS...]: edit the bundle's config.json in place (JQ-ARGS
# such as --arg NAME VALUE come after the filter).
cfg() {
        local f=$RT_BUNDLE/config.json filter=$1
        shift
        jq "$filter" "$f" "$@" >"$f.new" || die "jq failed: $filter"
        mv -f "$f.new" "$f"
}

# rt_state ID: `state ID` into $output; it must succeed and be JSON.
rt_state() {
        run_rt state "$1"
        jq -e . <<<"$output" >/dev/null || die "state $1 is not JSON: $output"
}

# rt_status ID: the status field of ID's state (or "gone" if state fails).
rt_status() {
        "$RUNTIME" --root "$RT_ROOT" state "$1" 2>/dev/null | jq -r .status 2>/dev/null || echo gone
}

# rt_pid ID: the pid field of ID's state.
rt_pid() {
        "$RUNTIME" --root "$RT_ROOT" state "$1" | jq -r .pid
}

# wait_for_status ID STATUS: poll until ID has STATUS (5 s).
wait_for_status() {
        local s
        for _ in $(seq 50); do
                s=$(rt_status "$1")
                [ "$s" = "$2" ] && return 0
                sleep 0.1
        done
        die "container $1 is '$s', expected '$2'"
}

# wait_for_line FILE REGEX: poll FILE until a line matches REGEX (5 s).
wait_for_line() {
        for _ in $(seq 50); do
                grep -qE -- "$2" "$1" 2>/dev/null && return 0
                sleep 0.1
        done
        echo "# $1:"
        sed -e 's/^/#   /' "$1" 2>/dev/null
        die "no line matching '$2' in $1"
}

# line_value KEY: the value of the first `KEY=value` line of $output.
line_value() {
        local l
        for l in "${lines[@]}"; do
                if [ "${l%%=*}" = "$1" ]; then
                        echo "${l#*=}"
                        return 0
                fi
        done
        die "no line '$1=...' in the output"
}

# host_ns NAME: the inode of the host's (this shell's) namespace NAME.
host_ns() {
        stat -L -c %i "/proc/self/ns/$1"
}

# is_runc: is the runtime under test runc?
is_runc() {
        [ "$(basename "$RUNTIME")" = runc ]
}

# is_berth: is the runtime under test berth-runtime?
is_berth() {
        [ "$(basename "$RUNTIME")" = berth-runtime ]
}

# skip_unless_berth WHY: a check only berth-runtime promises (wording of its
# errors, hosts where other runtimes fail).
skip_unless_berth() {
        is_berth || skip "berth-runtime only: $1"
}

# cap_mask CAP...: the hex mask (16 digits, as /proc/self/status) of CAPs.
cap_mask() {
        local m=0 c n
        for c in "$@"; do
                n=$(cap_number "$c") || die "unknown capability $c"
                m=$((m | (1 << n)))
        done
        printf '%016x\n' "$m"
}

# cap_number CAP: the number of capability CAP (CAP_ prefix optional).
cap_number() {
        local names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
                LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK
                IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT
                SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE
                AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND
                AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)
        local i
        for i in "${!names[@]}"; do
                if [ "${names[$i]}" = "${1#CAP_}" ]; then
                        echo "$i"
                        return 0
                fi
        done
        return 1
}

# cgroup_v1_dir CONTROLLER PID: the directory of PID's cgroup in CONTROLLER's
# v1 hierarchy (empty when there is no such hierarchy).
cgroup_v1_dir() {
        local path mnt
        path=$(awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' \
                "/proc/$2/cgroup")
        [ -n "$path" ] || return 0
        mnt=$(awk -v c="$1" '$3 == "cgroup" { n = split($4, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $2; exit } }' \
                /proc/self/mounts)
        [ -n "$mnt" ] && echo "$mnt$path"
}

# pid_alive PID: does PID exist as a live process (a zombie, waiting for a
# reaper that may be slow, counts as dead)?
pid_alive() {
        local st
        st=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
        [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# wait_pid_gone PID [WHAT]: poll until PID is dead (3 s), else fail.
wait_pid_gone() {
        for _ in $(seq 30); do
                pid_alive "$1" || return 0
                sleep 0.1
        done
        die "${2:-process} $1 is still alive"
}

# container_cgroup_dirs PID: every cgroup directory PID is in, one per
# hierarchy (v1 controllers, named v1 hierarchies, the v2 one), leaving out
# the roots.
container_cgroup_dirs() {
        local id ctrls path mnt
        while IFS=: read -r id ctrls path; do
                [ -n "$path" ] && [ "$path" != / ] || continue
                if [ -z "$ctrls" ]; then
                        mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
                else
                        mnt=$(awk -v c="${ctrls%%,*}" '$3 == "cgroup" {
                                n = split($4, o, ",")
                                for (i = 1; i <= n; i++) if (o[i] == c) { print $2; exit } }' /proc/self/mounts)
                fi
                [ -n "$mnt" ] && [ -d "$mnt$path" ] && echo "$mnt$path"
        done <"/proc/$1/cgroup"
        return 0
}

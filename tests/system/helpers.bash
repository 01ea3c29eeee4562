# shellcheck shell=bash
# Helpers for berth's bats system tests. Load with `load helpers` at the top
# of every tests/system/NNN-topic.bats file.
#
# Environment:
#   BERTH                 berth binary under test (default: build/cmd/berth/berth
#                         of the tree these tests are in)
#   BERTH_TEST_TIMEOUT    seconds a single command may take (default 120)
#   BERTH_TEST_ISOLATE    set to 1 (at file level, after `load helpers`) to give
#                         every test of the file its own storage, config and
#                         tmp dirs; or call berth_isolate inside one test
#
# Running a command:
#   run_berth [EXPECTED] ARGS...   run $BERTH ARGS, expect exit code EXPECTED
#                                  (default 0; '?' accepts any)
#   run_cmd [EXPECTED] CMD ARGS... the same for any command
# Both set $output (stdout and stderr), $status and $lines, and fail the test,
# showing command, output and status, when the exit code is not EXPECTED.
#
# Checking:
#   assert_output [--partial|--regexp] EXPECTED
#   refute_output [--partial|--regexp] UNEXPECTED
#   assert_line [--index N] [--partial|--regexp] EXPECTED
#   refute_line [--partial|--regexp] UNEXPECTED
#   assert_equal ACTUAL EXPECTED [WHAT]
#   assert_match ACTUAL REGEX [WHAT]        (bash =~ extended regex)
#   assert_success / assert_failure [CODE]  (after bats' own `run`)
#   die MESSAGE
#
# Environment checks: is_rootless, skip_if_rootless [WHY], skip_if_root [WHY],
# cgroup_v1_host.

BERTH_TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BERTH_SRC_ROOT=$(cd "$BERTH_TESTS_DIR/../.." && pwd)
BERTH_FIXTURES_DIR=$BERTH_SRC_ROOT/tests/fixtures
BERTH=${BERTH:-$BERTH_SRC_ROOT/build/cmd/berth/berth}
BERTH_TEST_TIMEOUT=${BERTH_TEST_TIMEOUT:-120}
export BERTH BERTH_TESTS_DIR BERTH_SRC_ROOT BERTH_FIXTURES_DIR

# ---------------------------------------------------------------- failing

# die MESSAGE...: fail the current test with MESSAGE.
die() {
        echo "#/vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv" >&2
        echo "#| FAIL: $*" >&2
        echo "#\\^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^" >&2
        false
}

# _show_output: print $output indented, for failure messages.
_show_output() {
        if [ -z "$output" ]; then
                echo "#| (no output)" >&2
        else
                printf '%s\n' "$output" | sed -e 's/^/#|   /' >&2
        fi
}

# ---------------------------------------------------------------- running

# run_cmd [EXPECTED] CMD ARGS...: run CMD, capture output and status, and
# check the exit code. The command runs under `timeout` with stdin from
# /dev/null, so a hang or a read from the terminal fails instead of blocking.
run_cmd() {
        local expected=0
        case "${1:-}" in
        '?' | [0-9] | [0-9][0-9] | [0-9][0-9][0-9])
                expected=$1
                shift
                ;;
        esac
        [ $# -gt 0 ] || die "run_cmd: no command given"

        local cmdline
        cmdline=$(printf '%q ' "$@")
        echo "# \$ ${cmdline% }"
        status=0
        output=$(timeout --kill-after=10 "$BERTH_TEST_TIMEOUT" "$@" </dev/null 2>&1) || status=$?
        lines=()
        if [ -n "$output" ]; then
                mapfile -t lines <<<"$output"
                printf '%s\n' "$output" | sed -e 's/^/# /'
        fi
        [ "$status" -eq 0 ] || echo "# [exit status $status]"

        if [ "$status" -eq 124 ] && [ "$expected" != 124 ]; then
                echo "#| FAIL: timed out after ${BERTH_TEST_TIMEOUT}s: ${cmdline% }" >&2
                _show_output
                return 1
        fi
        if [ "$expected" != '?' ] && [ "$status" -ne "$expected" ]; then
                echo "#/vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv" >&2
                echo "#| FAIL: exit status $status, expected $expected" >&2
                echo "#| command: ${cmdline% }" >&2
                echo "#| output:" >&2
                _show_output
                echo "#\\^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^" >&2
                return 1
        fi
        return 0
}

# run_berth [EXPECTED] ARGS...: run_cmd for the berth binary under test.
run_berth() {
        local expected=0
        case "${1:-}" in
        '?' | [0-9] | [0-9][0-9] | [0-9][0-9][0-9])
                expected=$1
                shift
                ;;
        esac
        run_cmd "$expected" "$BERTH" "$@"
}

# ---------------------------------------------------------------- asserting

# _matches MODE ACTUAL EXPECTED: exact, partial (substring) or regexp match.
_matches() {
        case "$1" in
        exact) [ "$2" = "$3" ] ;;
        partial) [[ "$2" == *"$3"* ]] ;;
        regexp) [[ "$2" =~ $3 ]] ;;
        esac
}

# _parse_mode ARGS...: sets mode and args (with the option removed).
_parse_mode() {
        mode=exact
        index=
        args=()
        while [ $# -gt 0 ]; do
                case "$1" in
                -p | --partial) mode=partial ;;
                -e | --regexp) mode=regexp ;;
                -n | --index)
                        index=$2
                        shift
                        ;;
                --) shift; args+=("$@"); break ;;
                *) args+=("$1") ;;
                esac
                shift
        done
}

# assert_output [--partial|--regexp] EXPECTED: check all of $output.
assert_output() {
        local mode index args
        _parse_mode "$@"
        if ! _matches "$mode" "$output" "${args[0]}"; then
                echo "#| FAIL: output does not match ($mode)" >&2
                echo "#| expected: ${args[0]}" >&2
                echo "#| actual:" >&2
                _show_output
                return 1
        fi
}

# refute_output [--partial|--regexp] UNEXPECTED: $output must not match.
refute_output() {
        local mode index args
        _parse_mode "$@"
        if _matches "$mode" "$output" "${args[0]}"; then
                echo "#| FAIL: output matches ($mode) what it must not: ${args[0]}" >&2
                _show_output
                return 1
        fi
}

# assert_line [--index N] [--partial|--regexp] EXPECTED: some line (or line
# N, counting from 0) of $output matches.
assert_line() {
        local mode index args l
        _parse_mode "$@"
        if [ -n "$index" ]; then
                if ! _matches "$mode" "${lines[$index]:-}" "${args[0]}"; then
                        echo "#| FAIL: line $index does not match ($mode)" >&2
                        echo "#| expected: ${args[0]}" >&2
                        echo "#| actual:   ${lines[$index]:-<no such line>}" >&2
                        return 1
                fi
                return 0
        fi
        for l in "${lines[@]}"; do
                _matches "$mode" "$l" "${args[0]}" && return 0
        done
        echo "#| FAIL: no line matches ($mode): ${args[0]}" >&2
        _show_output
        return 1
}

# refute_line [--partial|--regexp] UNEXPECTED: no line of $output matches.
refute_line() {
        local mode index args l
        _parse_mode "$@"
        for l in "${lines[@]}"; do
                if _matches "$mode" "$l" "${args[0]}"; then
                        echo "#| FAIL: a line matches ($mode) what it must not: $l" >&2
                        _show_output
                        return 1
                fi
        done
}

# assert_equal ACTUAL EXPECTED [WHAT]
assert_equal() {
        if [ "$1" != "$2" ]; then
                echo "#| FAIL: ${3:-values differ}" >&2
                echo "#| expected: $2" >&2
                echo "#| actual:   $1" >&2
                return 1
        fi
}

# assert_match ACTUAL REGEX [WHAT]: ACTUAL matches the extended REGEX.
assert_match() {
        if ! [[ "$1" =~ $2 ]]; then
                echo "#| FAIL: ${3:-value does not match}" >&2
                echo "#| regex:  $2" >&2
                echo "#| actual: $1" >&2
                return 1
        fi
}

# assert_success: the last bats `run` exited 0.
assert_success() {
        if [ "$status" -ne 0 ]; then
                echo "#| FAIL: exit status $status, expected 0" >&2
                _show_output
                return 1
        fi
}

# assert_failure [CODE]: the last bats `run` failed (with CODE if given).
assert_failure() {
        if [ "$status" -eq 0 ] || { [ $# -gt 0 ] && [ "$status" -ne "$1" ]; }; then
                echo "#| FAIL: exit status $status, expected ${1:-non-zero}" >&2
                _show_output
                return 1
        fi
}

# ---------------------------------------------------------------- environment

# is_rootless: are the tests running as an unprivileged user?
is_rootless() {
        [ "$(id -u)" -ne 0 ]
}

# cgroup_v1_host: the host has cgroup v1 hierarchies (v1 alone, or hybrid
# as this one: v1 plus a v2 mount), not cgroup v2 alone.
cgroup_v1_host() {
        [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]
}

# skip_if_rootless [WHY]
skip_if_rootless() {
        if is_rootless; then
                skip "${1:-not applicable when rootless}"
        fi
}

# skip_if_root [WHY]
skip_if_root() {
        if ! is_rootless; then
                skip "${1:-not applicable as root}"
        fi
}

# require_cmd CMD...: skip the test when a host tool is missing.
require_cmd() {
        local c
        for c in "$@"; do
                command -v "$c" >/dev/null || skip "$c is not installed"
        done
}

# ---------------------------------------------------------------- isolation

# berth_isolate: give this test its own XDG_DATA_HOME, XDG_CONFIG_HOME and
# TMPDIR (so a rootless store and runroot land there), and for root a
# storage.conf (CONTAINERS_STORAGE_CONF) with graphroot and runroot there.
# The tree is removed by teardown. Sets BERTH_TEST_DIR.
berth_isolate() {
        [ -z "${BERTH_TEST_DIR:-}" ] || return 0
        BERTH_TEST_DIR=$(mktemp -d "${BERTH_TEST_TMP:-${TMPDIR:-/tmp}}/berth-test.XXXXXX")
        mkdir -p "$BERTH_TEST_DIR"/{data,config,tmp,root,runroot}
        export BERTH_TEST_DIR
        export XDG_DATA_HOME=$BERTH_TEST_DIR/data
        export XDG_CONFIG_HOME=$BERTH_TEST_DIR/config
        export TMPDIR=$BERTH_TEST_DIR/tmp
        if ! is_rootless; then
                cat >"$BERTH_TEST_DIR/storage.conf" <<EOF
[storage]
graphroot = "$BERTH_TEST_DIR/root"
runroot = "$BERTH_TEST_DIR/runroot"
EOF
                export CONTAINERS_STORAGE_CONF=$BERTH_TEST_DIR/storage.conf
        fi
}

# _berth_rmtree DIR: remove a test tree. Rootless stores hold files owned by
# subordinate ids that only the user namespace may remove.
_berth_rmtree() {
        [ -n "$1" ] && [ -d "$1" ] || return 0
        # podman leaves <graphroot>/overlay bind-mounted onto itself after
        # some errors (STORAGE-FORMAT T14): unmount what is left, deepest first.
        if ! is_rootless; then
                local m
                for m in $(findmnt -rn -o TARGET 2>/dev/null | grep -F "$1/" | sort -r); do
                        umount -l "$m" 2>/dev/null || true
                done
        fi
        rm -rf "$1" 2>/dev/null && return 0
        if is_rootless && [ -x "$BERTH" ]; then
                "$BERTH" unshare rm -rf "$1" 2>/dev/null && return 0
        fi
        chmod -R u+rwx "$1" 2>/dev/null || true
        rm -rf "$1"
}

# berth_test_setup / berth_test_teardown: what the default setup and
# teardown do; call them from a file's own setup/teardown.
berth_test_setup() {
        if [ "${BERTH_TEST_ISOLATE:-0}" = 1 ]; then
                berth_isolate
        fi
}

# _berth_pause_pids DIR: the pids in every pause.pid under DIR: rootless
# pause processes that berth or podman started for a test's own runtime dir.
_berth_pause_pids() {
        find "$1" -name pause.pid -type f -exec sh -c 'cat "$1"; echo' sh {} \; 2>/dev/null |
                grep -E '^[0-9]+$' || true
}

berth_test_teardown() {
        if [ -n "${BERTH_TEST_DIR:-}" ]; then
                local pids pid
                pids=$(_berth_pause_pids "$BERTH_TEST_DIR")
                _berth_rmtree "$BERTH_TEST_DIR"
                # Only now: the removal may have needed the namespace.
                for pid in $pids; do
                        kill "$pid" 2>/dev/null || true
                done
                unset BERTH_TEST_DIR
        fi
}

# ---------------------------------------------------------------- containers

# ctr_setup_file: make this file's busybox rootfs tarball (setup_file).
ctr_setup_file() {
        "$BERTH_FIXTURES_DIR/make-busybox-rootfs.sh" "$BATS_FILE_TMPDIR/rootfs.tar" >/dev/null
}

# ctr_setup: an isolated store with the busybox image as $IMG; as root, CGP
# holds a --cgroup-parent of this file's own that ctr_teardown removes.
ctr_setup() {
        berth_test_setup
        berth_isolate
        run_berth import "$BATS_FILE_TMPDIR/rootfs.tar" bb
        IMG=localhost/bb:latest
        CGP=()
        if ! is_rootless; then
                BERTH_CG_PARENT=/berth-bats-$(basename "$BATS_TEST_FILENAME" .bats)-$$
                CGP=(--cgroup-parent "$BERTH_CG_PARENT")
        fi
}

# ctr_teardown: remove every container, the cgroup parent and the store.
ctr_teardown() {
        "$BERTH" rm -a -f -t 0 >/dev/null 2>&1 || true
        if [ -n "${BERTH_CG_PARENT:-}" ]; then
                # Depth first: podman leaves its conmon cgroup under the
                # parent it is given, busy for a moment while conmon ends.
                local i
                for i in $(seq 50); do
                        find /sys/fs/cgroup/*/"${BERTH_CG_PARENT#/}" -depth -type d \
                                -exec rmdir {} + 2>/dev/null || true
                        ls -d /sys/fs/cgroup/*/"${BERTH_CG_PARENT#/}" >/dev/null 2>&1 || break
                        sleep 0.1
                done
        fi
        berth_test_teardown
}

setup() {
        berth_test_setup
}

teardown() {
        berth_test_teardown
}

#!/bin/bash
# contrib/demo.sh: set up and show what berth can do so far, as a terminal
# session: each command is echoed (`root# berth version`) and then run.
#
#   contrib/demo.sh            everything: as root, then as the demo user
#   contrib/demo.sh --no-user  only as the current user
#
# It installs missing Debian packages (contrib/install-deps.sh), builds
# build/ when needed, creates the unprivileged demo user (BERTH_DEMO_USER,
# default berthtest, with subordinate ids: tests/system/lib/mkuser.sh) and
# runs the steps listed in STEPS below, first as root and then as that user.
# Any failing command stops the demo with a non-zero exit.
#
# Extending it: write a function step_NAME that uses `run CMD ARGS...` (echo,
# then run as the current demo identity) and `note TEXT`, and add NAME to
# STEPS. The goal is ../shared/WALKTHROUGH.txt, one step of the roadmap at a
# time. Steps that only make sense once (e.g. as root) can test `$as_root`.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
exec </dev/null

STEPS=(version info compare_with_podman)

demo_user=${BERTH_DEMO_USER:-berthtest}
with_user=1
case "${1:-}" in
--no-user) with_user=0 ;;
-h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
"") ;;
*) echo "demo.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
esac

# shellcheck source=tests/system/lib/asuser.bash
. tests/system/lib/asuser.bash

if [ -t 1 ]; then
        bold=$'\e[1m' dim=$'\e[2m' reset=$'\e[0m'
else
        bold='' dim='' reset=''
fi

# ---------------------------------------------------------------- setup

setup_log=$(mktemp "${TMPDIR:-/tmp}/berth-demo.XXXXXX")
user_tree=
cleanup() {
        rm -f "$setup_log"
        [ -z "$user_tree" ] || [ "$user_tree" = "$repo" ] || rm -rf "$user_tree"
}
trap cleanup EXIT

# quietly CMD...: run a setup command, showing its output only if it fails.
quietly() {
        if ! "$@" >"$setup_log" 2>&1; then
                cat "$setup_log" >&2
                echo "demo.sh: setup failed: $*" >&2
                exit 1
        fi
}

if [ "$(id -u)" -eq 0 ]; then
        echo "${dim}setting up: contrib/install-deps.sh${reset}"
        contrib/install-deps.sh
else
        with_user=0
        echo "${dim}not root: skipping install-deps and the demo user${reset}"
fi
echo "${dim}building build/${reset}"
if [ ! -f build/meson-private/coredata.dat ]; then
        quietly meson setup build
fi
quietly ninja -C build

berth_dir=$repo/build/cmd/berth
if [ ! -x "$berth_dir/berth" ]; then
        echo "demo.sh: no berth binary at $berth_dir/berth after the build" >&2
        exit 1
fi
if [ "$with_user" = 1 ]; then
        tests/system/lib/mkuser.sh "$demo_user"
        user_tree=$(tree_for_user "$demo_user" "$repo")
fi

# ---------------------------------------------------------------- session

as_root=1 prompt="root# " user_path=$berth_dir:/usr/local/bin:/usr/bin:/bin

# quote ARGS...: the command line as one would type it.
quote() {
        local a out=()
        for a in "$@"; do
                if [[ "$a" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
                        out+=("$a")
                else
                        out+=("'${a//\'/\'\\\'\'}'")
                fi
        done
        printf '%s' "${out[*]}"
}

# run CMD ARGS...: echo the command after the prompt, then run it as the
# current identity (root, or the demo user with a clean login environment).
run() {
        printf '%s%s%s%s\n' "$bold" "$prompt" "$(quote "$@")" "$reset"
        local rc=0
        if [ "$as_root" = 1 ]; then
                PATH=$user_path "$@" || rc=$?
        else
                as_user "$demo_user" PATH="$user_path" "$@" || rc=$?
        fi
        if [ "$rc" -ne 0 ]; then
                echo "demo.sh: '$(quote "$@")' failed with exit status $rc" >&2
                exit "$rc"
        fi
        echo
}

# capture CMD ARGS...: run like `run` but quietly, printing only stdout.
capture() {
        if [ "$as_root" = 1 ]; then
                PATH=$user_path "$@" 2>/dev/null
        else
                as_user "$demo_user" PATH="$user_path" "$@" 2>/dev/null
        fi
}

note() {
        printf '%s# %s%s\n' "$dim" "$*" "$reset"
}

# ---------------------------------------------------------------- steps

step_version() {
        note "Which berth is this?"
        run berth version
        run berth version --format json
}

step_info() {
        note "What berth sees of this host, and where it keeps its data"
        run berth info
        run berth info --format '{{.Store.GraphRoot}} {{.Store.GraphDriverName}}'
}

step_compare_with_podman() {
        local t='{{.Store.GraphRoot}} {{.Store.RunRoot}} {{.Store.GraphDriverName}}' p b
        note "berth and podman agree on storage: same graph root, run root and driver"
        run podman info --format "$t"
        run berth info --format "$t"
        p=$(capture podman info --format "$t")
        b=$(capture berth info --format "$t")
        if [ "$p" = "$b" ]; then
                note "identical"
        else
                note "DIFFERENT: podman '$p', berth '$b'"
        fi
        echo
}

# ---------------------------------------------------------------- main

run_steps() {
        local s
        for s in "${STEPS[@]}"; do
                "step_$s"
        done
}

if [ "$(id -u)" -eq 0 ]; then
        echo
        note "==== as root"
        run_steps
else
        prompt="$(id -un)\$ "
        echo
        note "==== as $(id -un) (rootless)"
        run_steps
fi

if [ "$with_user" = 1 ]; then
        as_root=0 prompt="$demo_user\$ "
        if [ "$user_tree" = "$repo" ]; then
                user_path=$berth_dir:/usr/local/bin:/usr/bin:/bin
        else
                user_path=$user_tree/build/cmd/berth:/usr/local/bin:/usr/bin:/bin
        fi
        echo
        note "==== as $demo_user (rootless: a user namespace mapped with its subordinate ids)"
        run grep "^$demo_user:" /etc/subuid /etc/subgid
        run_steps
fi
note "demo done"

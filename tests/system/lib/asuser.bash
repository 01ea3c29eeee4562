# shellcheck shell=bash
# Sourced by contrib/test.sh and contrib/demo.sh: run commands as the
# unprivileged test user with a clean, login-like environment, the way a
# user who just logged in on these machines would have it (no
# XDG_RUNTIME_DIR: there is no systemd user manager here).

# as_user NAME [VAR=VALUE...] CMD [ARGS...]: run CMD as NAME with only
# HOME, USER, LOGNAME, SHELL, PATH, LANG and the given VAR=VALUE set.
as_user() {
        local name=$1 home
        shift
        home=$(getent passwd "$name" | cut -d: -f6)
        setpriv --reuid="$name" --regid="$name" --init-groups -- \
                env -i HOME="$home" USER="$name" LOGNAME="$name" SHELL=/bin/bash \
                PATH=/usr/local/bin:/usr/bin:/bin:/usr/games LANG=C.UTF-8 \
                ${TERM:+TERM="$TERM"} "$@"
}

# user_can_read NAME PATH...: can NAME reach and read (or execute) every
# PATH? Directories need r and x, files r (x too if executable for us).
user_can_read() {
        local name=$1 p
        shift
        for p in "$@"; do
                if [ -d "$p" ]; then
                        as_user "$name" test -r "$p" -a -x "$p" || return 1
                elif [ -x "$p" ]; then
                        as_user "$name" test -r "$p" -a -x "$p" || return 1
                else
                        as_user "$name" test -r "$p" || return 1
                fi
        done
}

# tree_for_user NAME REPO: print the path of a tree holding REPO's
# build/cmd binaries and tests/system + tests/fixtures that NAME can read:
# REPO itself when NAME can read it there (unless BERTH_TEST_COPY=1), else
# a copy in a new temp dir, which the caller removes when done.
tree_for_user() {
        local name=$1 repo=$2 copy
        if [ "${BERTH_TEST_COPY:-0}" != 1 ] &&
                user_can_read "$name" "$repo" "$repo/tests/system/helpers.bash" \
                        "$repo/tests/fixtures/make-busybox-rootfs.sh" &&
                { [ ! -e "$repo/build/cmd/berth/berth" ] ||
                        user_can_read "$name" "$repo/build/cmd/berth/berth"; }; then
                echo "$repo"
                return 0
        fi
        copy=$(mktemp -d "${TMPDIR:-/tmp}/berth-$name.XXXXXX")
        mkdir -p "$copy/tests" "$copy/build"
        cp -a "$repo/tests/system" "$repo/tests/fixtures" "$copy/tests/"
        rm -rf "$copy/tests/fixtures/out"
        # Every binary of build/cmd, keeping the layout (berth finds its
        # helpers beside itself).
        if [ -d "$repo/build/cmd" ]; then
                (cd "$repo/build" && find cmd -maxdepth 2 -type f -perm -u+x \
                        -exec cp -a --parents {} "$copy/build/" \;)
        fi
        chmod -R a+rX "$copy"
        echo "$copy"
}

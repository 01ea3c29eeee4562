#!/usr/bin/env bats
# OCI hooks: all six kinds run, in order, each with the state on stdin.

load helpers

# setup_hooks: a hook script that appends "KIND STATE-JSON" to $HOOKLOG; the
# host's copy for the hooks that run in the runtime's namespaces (and
# createContainer, which runs before pivot_root), a copy in the rootfs for
# startContainer, which runs in the container. The log directory is
# bind-mounted into the container at /hooklog.
setup_hooks() {
        HOOKDIR=$BATS_TEST_TMPDIR/hooklog
        mkdir -p "$HOOKDIR"
        cat >"$BATS_TEST_TMPDIR/hook.sh" <<'EOF'
#!/bin/sh
state=$(cat | tr -d '\n')
printf '%s %s\n' "$1" "$state" >>"$HOOKLOG"
[ -z "$HOOK_FAIL" ] || exit 3
[ -z "$HOOK_SLEEP" ] || exec sleep "$HOOK_SLEEP"
exit 0
EOF
        chmod 0755 "$BATS_TEST_TMPDIR/hook.sh"
        cp "$BATS_TEST_TMPDIR/hook.sh" "$RT_BUNDLE/rootfs/hook.sh"
        cfg '.mounts += [{destination: "/hooklog", type: "bind", source: $d, options: ["rbind"]}]
             | .hooks = {}' --arg d "$HOOKDIR"
        for k in prestart createRuntime createContainer poststart poststop; do
                add_hook "$k" "$BATS_TEST_TMPDIR/hook.sh" "HOOKLOG=$HOOKDIR/log"
        done
        add_hook startContainer /hook.sh HOOKLOG=/hooklog/log
}

# assert_hook_order: the kinds in $HOOKDIR/log are the six in lifecycle order.
# runc 1.1 runs poststart hooks without waiting for the startContainer hooks
# (which run just before the process is executed): for runc only, those two
# may come in either order.
assert_hook_order() {
        local kinds
        kinds=$(cut -d' ' -f1 "$HOOKDIR/log")
        if is_runc && [ "$kinds" = "prestart
createRuntime
createContainer
poststart
startContainer
poststop" ]; then
                return 0
        fi
        assert_equal "$kinds" "prestart
createRuntime
createContainer
startContainer
poststart
poststop" "hooks and their order"
}

# add_hook KIND PATH ENV... : append a hook of KIND running PATH KIND.
add_hook() {
        local kind=$1 path=$2
        shift 2
        cfg '.hooks[$k] += [{path: $p, args: ["hook", $k], env: $e}]' \
                --arg k "$kind" --arg p "$path" --argjson e "$(json_array "$@")"
}

@test "hooks: all six kinds run in order with the state on stdin" {
        setup_hooks
        payload sleep 100
        rt_create c1
        pid=$(rt_pid c1)
        run_rt start c1
        wait_for_status c1 running
        wait_for_line "$HOOKDIR/log" '^poststart '
        run_rt kill c1 KILL
        wait_for_status c1 stopped
        run_rt delete c1

        assert_hook_order

        # Every line's state: the container's id, bundle and pid, and the status of that moment.
        while read -r kind json; do
                assert_equal "$(jq -r .id <<<"$json")" c1 "$kind: id"
                assert_equal "$(jq -r .bundle <<<"$json")" "$RT_BUNDLE" "$kind: bundle"
                jq -e .ociVersion <<<"$json" >/dev/null || die "$kind: no ociVersion"
                case "$kind" in
                prestart | createRuntime | createContainer)
                        want=creating
                        ;;
                startContainer) want=created ;;
                poststart)
                        want=running
                        # runc 1.1 passes the state read before the process ran.
                        ! is_runc || want=created
                        ;;
                poststop) want=stopped ;;
                esac
                assert_equal "$(jq -r .status <<<"$json")" "$want" "$kind: status"
                got=$(jq -r .pid <<<"$json")
                # runc 1.1 gives the hooks that run in the container their pid
                # as seen there (1), not as the host sees it.
                if is_runc && [ "$got" = 1 ] &&
                        { [ "$kind" = createContainer ] || [ "$kind" = startContainer ]; }; then
                        got=$pid
                fi
                [ "$kind" = poststop ] || assert_equal "$got" "$pid" "$kind: pid"
        done <"$HOOKDIR/log"
}

@test "hooks: run also runs all of them" {
        setup_hooks
        payload echo in-container
        rt_run c1
        assert_line in-container
        assert_hook_order
}

@test "hooks: a failing createRuntime hook fails create and leaves nothing" {
        setup_hooks
        cfg '.hooks.createRuntime[0].env += ["HOOK_FAIL=1"]'
        payload sleep 100
        rt_create '?' c1
        [ "$status" -ne 0 ] || die "create succeeded though a createRuntime hook failed"
        run_rt list -q
        assert_equal "$output" "" "containers after a failed create"
        run cut -d' ' -f1 "$HOOKDIR/log"
        # Nothing after the failed hook but the poststop hooks that clean up.
        refute_line createContainer
        refute_line startContainer
}

@test "hooks: a hook that overruns its timeout fails" {
        setup_hooks
        cfg '.hooks = {createRuntime: [{path: $p, args: ["hook", "createRuntime"],
                                        env: ["HOOKLOG=\($d)/log", "HOOK_SLEEP=10"], timeout: 1}]}' \
                --arg p "$BATS_TEST_TMPDIR/hook.sh" --arg d "$HOOKDIR"
        payload exit 0
        t0=$SECONDS
        rt_run '?' c1
        [ "$status" -ne 0 ] || die "run succeeded though its hook timed out"
        [ $((SECONDS - t0)) -lt 8 ] || die "the hook's timeout was not enforced"
}

@test "hooks: a failing poststop hook does not stop delete" {
        setup_hooks
        cfg '.hooks.poststop[0].env += ["HOOK_FAIL=1"]'
        payload exit 0
        rt_run '?' c1
        run_rt list -q
        assert_equal "$output" "" "containers after run"
        grep -q '^poststop ' "$HOOKDIR/log" || die "the poststop hook did not run"
}

#!/usr/bin/env bats
# Seccomp user notification: SCMP_ACT_NOTIFY rules, the listener fd handed to
# linux.seccomp.listenerPath with the container process state (runtime-spec
# config-linux.md), for the container's init and for exec'd processes. The
# agent (seccomp-agent.c) fails every notified syscall with EXDEV (18) and
# records what it received.

load helpers

# agent_start: run the agent on $AGENT_SOCK, recording into $AGENT_REC.
agent_start() {
        _rt_program berth-test-seccomp-agent seccomp-agent.c BERTH_TEST_SECCOMP_AGENT
        AGENT_SOCK=$BATS_TEST_TMPDIR/agent.sock
        AGENT_REC=$BATS_TEST_TMPDIR/agent.rec
        : >"$AGENT_REC"
        "$BERTH_TEST_SECCOMP_AGENT" "$AGENT_SOCK" "$AGENT_REC" 18 60 </dev/null >/dev/null 2>&1 &
        RT_BG_PIDS+=($!)
        for _ in $(seq 50); do
                [ -S "$AGENT_SOCK" ] && return 0
                sleep 0.1
        done
        die "the seccomp agent did not start"
}

# notify_profile: mkdir/mkdirat go to the agent, everything else is allowed.
notify_profile() {
        cfg '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
               listenerPath: $sock, listenerMetadata: "berth-test-meta",
               syscalls: [{names: ["mkdirat", "mkdir"], action: "SCMP_ACT_NOTIFY"}]}' \
                --arg sock "$AGENT_SOCK"
}

# agent_state N: the Nth (1-based) state message the agent received, as JSON.
agent_state() {
        local s
        s=$(grep '^state ' "$AGENT_REC" | sed -n "${1}p")
        [ -n "$s" ] || die "the agent got no state message number $1: $(cat "$AGENT_REC")"
        echo "${s#state }"
}

@test "seccomp notify: the agent gets the state and the fd, and answers for the init" {
        agent_start
        notify_profile
        payload syscall mkdir /tmp/notified stat /tmp/notified syscall getcwd -
        rt_run c1
        assert_line syscall:mkdir=EXDEV
        assert_line stat:/tmp/notified=ENOENT
        assert_line syscall:getcwd=ok
        ! grep '^error' "$AGENT_REC" || die "the agent saw an error"
        grep -q '^notified ' "$AGENT_REC" || die "no syscall was notified: $(cat "$AGENT_REC")"
        st=$(agent_state 1)
        echo "# $st"
        jq -e '.ociVersion | type == "string"' <<<"$st" >/dev/null
        jq -e '.fds == ["seccompFd"]' <<<"$st" >/dev/null
        jq -e '.metadata == "berth-test-meta"' <<<"$st" >/dev/null
        jq -e '.pid > 0 and .pid == .state.pid' <<<"$st" >/dev/null
        jq -e '.state.id == "c1" and .state.status == "creating"' <<<"$st" >/dev/null
        jq -e --arg b "$RT_BUNDLE" '.state.bundle == $b' <<<"$st" >/dev/null
}

@test "seccomp notify: without no_new_privs too" {
        agent_start
        notify_profile
        cfg '.process.noNewPrivileges = false'
        payload nnp syscall mkdir /tmp/notified
        rt_run c1
        assert_line nnp=0
        assert_line syscall:mkdir=EXDEV
        grep -q '^notified ' "$AGENT_REC" || die "no syscall was notified: $(cat "$AGENT_REC")"
}

@test "seccomp notify: create hands the fd over before start" {
        agent_start
        notify_profile
        payload syscall mkdir /tmp/notified
        rt_create c1
        # The state went to the agent at create, while the init waits for start.
        st=$(agent_state 1)
        jq -e '.state.status == "creating"' <<<"$st" >/dev/null
        [ "$(jq -r .pid <<<"$st")" = "$(rt_pid c1)" ] || die "the state's pid is not the init's"
        run_rt start c1
        wait_for_line "$(rt_log c1)" '^syscall:mkdir='
        run cat "$(rt_log c1)"
        assert_line syscall:mkdir=EXDEV
}

@test "seccomp notify: an exec'd process gets a listener fd of its own" {
        agent_start
        notify_profile
        payload sleep 30
        rt_start_bg c1
        run_rt exec c1 /payload syscall mkdir /tmp/from-exec
        assert_line syscall:mkdir=EXDEV
        st=$(agent_state 2)
        echo "# $st"
        jq -e '.fds == ["seccompFd"] and .state.id == "c1"' <<<"$st" >/dev/null
        jq -e '.state.status == "running"' <<<"$st" >/dev/null
        # The pid is the exec'd process's; the state's the init's.
        jq -e '.pid != .state.pid' <<<"$st" >/dev/null
}

@test "seccomp notify: no agent listening fails the create and leaves nothing" {
        AGENT_SOCK=$BATS_TEST_TMPDIR/nobody.sock
        notify_profile
        rt_run '?' c1
        [ "$status" -ne 0 ] || die "create succeeded without an agent"
        assert_output --partial "nobody.sock"
        run_rt list -q
        assert_output ""
}

@test "seccomp notify: SCMP_ACT_NOTIFY without listenerPath is refused" {
        skip_unless_berth "the wording of the error"
        cfg '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
               syscalls: [{names: ["mkdirat"], action: "SCMP_ACT_NOTIFY"}]}'
        rt_run '?' c1
        [ "$status" -ne 0 ] || die "accepted"
        assert_output --partial "listenerPath"
}

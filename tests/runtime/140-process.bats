#!/usr/bin/env bats
# The container's process: capabilities, no_new_privs, seccomp, rlimits,
# hostname, user and groups, umask, cwd, env, sysctls, oom_score_adj.

load helpers

@test "capabilities: root gets the configured bounding, permitted and effective sets" {
        caps=(CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID)
        cfg '.process.capabilities = {bounding: $c, effective: $c, permitted: $c}' \
                --argjson c "$(json_array "${caps[@]}")"
        payload caps
        rt_run c1
        mask=$(cap_mask "${caps[@]}")
        assert_line "CapBnd=$mask"
        assert_line "CapPrm=$mask"
        assert_line "CapEff=$mask"
        assert_line CapInh=0000000000000000
        assert_line CapAmb=0000000000000000
}

@test "capabilities: the default bundle's set" {
        payload caps
        rt_run c1
        mapfile -t caps < <(jq -r '.process.capabilities.bounding[]' "$RT_BUNDLE/config.json")
        mask=$(cap_mask "${caps[@]}")
        assert_equal "$mask" 00000000a80425fb "the template's capability set"
        assert_line "CapBnd=$mask"
        assert_line "CapEff=$mask"
}

@test "capabilities: a non-root user keeps inheritable and ambient ones" {
        skip_if_rootless "only uid 0 is mapped in the rootless bundle"
        cfg '.process.user = {uid: 1000, gid: 1000}
             | .process.capabilities = {
                 bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"],
                 permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
                 effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
                 inheritable: ["CAP_NET_BIND_SERVICE"],
                 ambient: ["CAP_NET_BIND_SERVICE"]}'
        payload caps ids
        rt_run c1
        assert_line uid=1000
        assert_line "CapBnd=$(cap_mask CHOWN KILL NET_BIND_SERVICE SETUID)"
        # Across execve a non-root process keeps only its ambient capabilities.
        nbs=$(cap_mask NET_BIND_SERVICE)
        assert_line "CapInh=$nbs"
        assert_line "CapAmb=$nbs"
        assert_line "CapPrm=$nbs"
        assert_line "CapEff=$nbs"
}

@test "capabilities: an unknown capability is named in a warning or an error" {
        # The runtime spec (config.md) asks for a warning, not a failure, for a
        # capability that cannot be granted; either way it must be named.
        cfg '.process.capabilities.bounding += ["CAP_NO_SUCH_THING"]'
        payload caps
        rt_run '?' c1
        assert_output --partial CAP_NO_SUCH_THING
        if [ "$status" -eq 0 ]; then
                mapfile -t caps < <(jq -r '.process.capabilities.bounding[] | select(. != "CAP_NO_SUCH_THING")' \
                        "$RT_BUNDLE/config.json")
                assert_line "CapBnd=$(cap_mask "${caps[@]}")"
        fi
}

@test "no_new_privs: set when asked, clear when not" {
        payload nnp status NoNewPrivs
        rt_run c1
        assert_line nnp=1
        cfg '.process.noNewPrivileges = false'
        rt_run c2
        assert_line nnp=0
}

# seccomp_profile: a profile that allows everything but mkdirat (ETXTBSY),
# uname (default errno: EPERM) and kill(99999, ...) (EMLINK, an argument rule).
seccomp_profile() {
        jq -n '{
          defaultAction: "SCMP_ACT_ALLOW",
          syscalls: [
            {names: ["mkdirat", "mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 26},
            {names: ["uname"], action: "SCMP_ACT_ERRNO"},
            {names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 31,
             args: [{index: 0, value: 99999, op: "SCMP_CMP_EQ"}]}
          ]}'
}

@test "seccomp: a denied syscall fails with the configured errno" {
        cfg '.linux.seccomp = $p' --argjson p "$(seccomp_profile)"
        payload status Seccomp syscall mkdir /tmp/newdir syscall uname - syscall getcwd - \
                syscall kill 99999 syscall kill 1 stat /tmp/newdir
        rt_run c1
        assert_line Seccomp=2
        assert_line syscall:mkdir=ETXTBSY
        assert_line syscall:uname=EPERM
        assert_line syscall:getcwd=ok
        assert_line syscall:kill=EMLINK
        # kill(1, 0) is not matched by the argument rule.
        assert_line syscall:kill=ok
        assert_line stat:/tmp/newdir=ENOENT
}

@test "seccomp: applied without no_new_privs too" {
        cfg '.linux.seccomp = $p | .process.noNewPrivileges = false' --argjson p "$(seccomp_profile)"
        payload nnp syscall mkdir /tmp/newdir
        rt_run c1
        assert_line nnp=0
        assert_line syscall:mkdir=ETXTBSY
}

@test "seccomp: an unknown syscall name is skipped, an unknown action is an error" {
        cfg '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
               syscalls: [{names: ["no_such_syscall_berth", "mkdirat"], action: "SCMP_ACT_ERRNO",
                           errnoRet: 26}]}'
        payload syscall mkdir /tmp/x
        rt_run c1
        assert_line syscall:mkdir=ETXTBSY

        cfg '.linux.seccomp.syscalls[0].action = "SCMP_ACT_NO_SUCH_ACTION"'
        rt_run '?' c2
        [ "$status" -ne 0 ] || die "an unknown seccomp action was accepted"
}

@test "rlimits: soft and hard limits below the hard limit are set" {
        hard=$(ulimit -Hn)
        [ "$hard" != unlimited ] || hard=1048576
        cfg '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 100, hard: 200},
                                 {type: "RLIMIT_CORE", soft: 0, hard: 1024},
                                 {type: "RLIMIT_NPROC", soft: 500, hard: 1000}]'
        payload rlimit NOFILE rlimit CORE rlimit NPROC
        rt_run c1
        assert_line "rlimit:NOFILE=100 200"
        assert_line "rlimit:CORE=0 1024"
        assert_line "rlimit:NPROC=500 1000"
}

@test "rlimits: above the hard limit fails and names RLIMIT_NOFILE" {
        hard=$(ulimit -Hn)
        [ "$hard" != unlimited ] || skip "the hard nofile limit is unlimited here"
        # CAP_SYS_RESOURCE is capability 24.
        if [ $(($(awk '$1 == "CapEff:" { print "0x" $2 }' /proc/self/status) >> 24 & 1)) -eq 1 ]; then
                skip "we have CAP_SYS_RESOURCE: the hard limit can be raised"
        fi
        cfg '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: $n, hard: $n}]' \
                --argjson n $((hard + 1000))
        payload exit 0
        rt_run '?' c1
        [ "$status" -ne 0 ] || die "a hard limit above ours was accepted"
        # runc 1.1 says 'error setting rlimit type 7'.
        is_runc || assert_output --partial RLIMIT_NOFILE
}

@test "rlimits: an unknown type is an error" {
        cfg '.process.rlimits = [{type: "RLIMIT_NO_SUCH", soft: 1, hard: 1}]'
        payload exit 0
        rt_run '?' c1
        [ "$status" -ne 0 ] || die "an unknown rlimit type was accepted"
        assert_output --partial RLIMIT_NO_SUCH
}

@test "hostname" {
        cfg '.hostname = "ctr-host"'
        payload hostname
        rt_run c1
        assert_line hostname=ctr-host
        [ "$(hostname)" != ctr-host ] || die "the host's name changed"
}

@test "domainname" {
        # runc learnt domainname in 1.2.
        ! is_runc || skip "runc 1.1 ignores domainname"
        cfg '.hostname = "ctr-host" | .domainname = "example.test"'
        payload hostname domainname
        rt_run c1
        assert_line hostname=ctr-host
        assert_line domainname=example.test
}

@test "hostname without a uts namespace is an error" {
        cfg '.linux.namespaces |= map(select(.type != "uts")) | .hostname = "ctr-host"'
        payload hostname
        rt_run '?' c1
        [ "$status" -ne 0 ] || die "setting a hostname in the host's uts namespace succeeded"
        [ "$(hostname)" != ctr-host ] || die "the host's name changed"
}

@test "user, additionalGids, umask, cwd and env" {
        skip_if_rootless "only uid 0 is mapped in the rootless bundle"
        cfg '.process.user = {uid: 1000, gid: 1001, additionalGids: [10, 20], umask: 63}
             | .process.cwd = "/tmp"
             | .process.env += ["FOO=bar baz", "EMPTY="]'
        payload ids umask cwd env FOO env EMPTY env PATH env HOME env UNSET
        rt_run c1
        assert_line uid=1000
        assert_line euid=1000
        assert_line gid=1001
        assert_line egid=1001
        assert_line "groups=10 20"
        assert_line umask=0077
        assert_line cwd=/tmp
        assert_line "env:FOO=bar baz"
        assert_line env:EMPTY=
        assert_line env:PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        assert_line env:HOME=/root
        assert_line env:UNSET=\<unset\>
}

@test "umask, cwd and env as root (rootless too)" {
        cfg '.process.user.umask = 23 | .process.cwd = "/var" | .process.env = ["ONLY=this"]'
        payload ids umask cwd env ONLY env PATH
        rt_run c1
        assert_line uid=0
        assert_line umask=0027
        assert_line cwd=/var
        assert_line env:ONLY=this
        # The process was found without PATH in its environment.
        assert_line env:PATH=\<unset\>
}

@test "sysctl: a net sysctl in the container's network namespace" {
        skip_if_rootless "the rootless bundle has no network namespace"
        before=$(cat /proc/sys/net/ipv4/ip_forward)
        new=$((1 - before))
        cfg '.linux.sysctl = {"net.ipv4.ip_forward": $v}' --arg v "$new"
        payload sysctl net.ipv4.ip_forward
        rt_run c1
        assert_line "sysctl:net.ipv4.ip_forward=$new"
        assert_equal "$(cat /proc/sys/net/ipv4/ip_forward)" "$before" "the host's ip_forward"
}

@test "sysctl: an ipc sysctl in the container's ipc namespace" {
        before=$(cat /proc/sys/kernel/msgmax)
        cfg '.linux.sysctl = {"kernel.msgmax": "4242"}'
        payload sysctl kernel.msgmax
        rt_run c1
        assert_line sysctl:kernel.msgmax=4242
        assert_equal "$(cat /proc/sys/kernel/msgmax)" "$before" "the host's msgmax"
}

@test "sysctl: a net sysctl without a network namespace is refused" {
        before=$(cat /proc/sys/net/ipv4/ip_forward)
        cfg '.linux.namespaces |= map(select(.type != "network"))
             | .linux.sysctl = {"net.ipv4.ip_forward": $v}' --arg v "$((1 - before))"
        payload exit 0
        rt_run '?' c1
        [ "$status" -ne 0 ] || die "a net sysctl in the host's network namespace was accepted"
        assert_equal "$(cat /proc/sys/net/ipv4/ip_forward)" "$before" "the host's ip_forward"
}

@test "oomScoreAdj" {
        cfg '.process.oomScoreAdj = 512'
        payload oom
        rt_run c1
        assert_line oom_score_adj=512
}

@test "terminal false: stdio is not a tty" {
        payload tty
        rt_run c1
        assert_line tty:0=0
        assert_line tty:1=0
}

#!/usr/bin/env bats
# Bad bundles fail cleanly: a non-zero exit, nothing left behind, and (what
# only berth-runtime promises) an error naming the field and the bad value.

load helpers

# bad_config JQ-FILTER BERTH-MESSAGE: run the bundle changed by JQ-FILTER; it
# must fail and leave no container; berth-runtime's error must contain
# BERTH-MESSAGE.
bad_config() {
        cp "$RT_BUNDLE/config.json" "$BATS_TEST_TMPDIR/good.json"
        cfg "$1"
        rt_run '?' "bad-$RANDOM"
        [ "$status" -ne 0 ] || die "a config changed by '$1' was accepted"
        if is_berth; then
                assert_output --partial "$2"
        fi
        run_rt list -q
        assert_equal "$output" "" "containers left after the failure"
        cp "$BATS_TEST_TMPDIR/good.json" "$RT_BUNDLE/config.json"
}

@test "errors: invalid config.json values are refused" {
        payload exit 0
        bad_config '.process.args = []' 'process.args'
        bad_config '.linux.namespaces += [{type: "bogus"}]' "unknown namespace type 'bogus'"
        bad_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 10, hard: 5}]' 'process.rlimits[0]'
        bad_config '.process.cwd = "relative"' "process.cwd: 'relative'"
        # runc 1.1 runs any ociVersion.
        is_runc || bad_config '.ociVersion = "2.0.0"' "'2.0.0'"
        # runc 1.1 ignores mappings without a user namespace.
        if ! is_rootless && ! is_runc; then
                bad_config '.linux.uidMappings = [{containerID: 0, hostID: 1000, size: 1}]' \
                        'linux.uidMappings'
        fi
}

@test "errors: a cgroup value the kernel refuses fails create and leaves no cgroup (root)" {
        skip_if_rootless "no cgroups for rootless containers on this host"
        [ -d /sys/fs/cgroup/cpuset ] || skip "no v1 cpuset hierarchy"
        # berth-runtime makes the v1 directories (and writes the resources)
        # while the init mounts: a failure there must still undo it all.
        payload exit 0
        cfg '.linux.resources.cpu.cpus = "9999"'
        rt_run '?' c1
        [ "$status" -ne 0 ] || die "a cpuset of CPU 9999 was accepted"
        is_berth && assert_output --partial cpuset
        run_rt list -q
        assert_equal "$output" "" "containers left after the failure"
        local d
        for d in /sys/fs/cgroup/*/"$RT_CGPARENT"/c1; do
                [ ! -d "$d" ] || die "cgroup left: $d"
        done
}

@test "errors: an unknown mount option is refused and named" {
        payload exit 0
        bad_config '.mounts += [{destination: "/x", type: "tmpfs", source: "tmpfs", options: ["rshard"]}]' \
                "'rshard'"
}

@test "errors: config.json that is not JSON" {
        echo '{"ociVersion": ' >"$RT_BUNDLE/config.json"
        RT_IDS+=(c1)
        run_rt '?' run --bundle "$RT_BUNDLE" c1
        [ "$status" -ne 0 ] || die "a truncated config.json was accepted"
        is_berth || return 0
        assert_output --partial config.json
        assert_output --partial 'invalid JSON'
}

@test "errors: a missing program is named" {
        payload exit 0
        cfg '.process.args = ["/no/such/program"]'
        rt_run '?' c1
        [ "$status" -ne 0 ] || die "running a missing program succeeded"
        assert_output --partial /no/such/program
        run_rt list -q
        assert_equal "$output" "" "containers left after the failure"
}

@test "errors: a directory or a file without an execute bit fails create, as runc's" {
        payload exit 0
        local prog
        for prog in /etc /etc/passwd; do
                cfg ".process.args = [\"$prog\"]"
                run_rt '?' create --bundle "$RT_BUNDLE" c1
                [ "$status" -ne 0 ] || die "create with $prog as the program succeeded"
                assert_output --partial "$prog"
                assert_output --partial "ermission denied"
                run_rt list -q
                assert_equal "$output" "" "containers left after the failure"
        done
}

@test "errors: berth-runtime names the mount that failed" {
        skip_unless_berth "the wording of the error"
        cfg '.mounts += [{destination: "/x", type: "tmpfs", source: "tmpfs", options: ["size=nonsense"]}]'
        payload exit 0
        n=$(($(jq '.mounts | length' "$RT_BUNDLE/config.json") - 1))
        rt_run '?' c1
        [ "$status" -ne 0 ] || die "a tmpfs with size=nonsense was mounted"
        assert_output --partial "mounts[$n]"
        assert_output --partial /x
}

@test "errors: a container id with a slash or dots is refused" {
        payload exit 0
        for id in ../escape a/b .. ''; do
                run_rt '?' run --bundle "$RT_BUNDLE" "$id"
                [ "$status" -ne 0 ] || die "container id '$id' was accepted"
        done
        [ ! -e "$RT_ROOT/../escape" ] || die "state written outside --root"
}

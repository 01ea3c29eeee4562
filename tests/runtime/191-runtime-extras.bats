#!/usr/bin/env bats
# berth-runtime's own promises around runc compatibility: the --log file
# gets the library's warnings (and nothing reaches the container's stdio),
# a spec warning shows once, update is remembered, the init's name in ps,
# the remains of a killed create, runc's signal wording.

load helpers

@test "log: a library warning goes to --log as runc's JSON record, not to the container" {
        skip_unless_berth "the warnings are berth-runtime's"
        cfg '.process.capabilities.bounding += ["CAP_BERTH_BOGUS"]'
        payload echo hello
        log=$BATS_TEST_TMPDIR/runtime.log
        _rt_prepare_id c1
        run_rt --log-format json --log "$log" run --bundle "$RT_BUNDLE" c1
        assert_output hello
        [ -s "$log" ] || die "nothing in the --log file"
        cat "$log" | sed -e 's/^/# /'
        jq -e -s 'map(select(.level == "warning" and (.msg | test("CAP_BERTH_BOGUS"))
                   and (.time | type == "string"))) | length == 1' "$log" >/dev/null ||
                die "no single warning record for the unknown capability"
}

@test "log: --debug messages of the container's setup never reach its stdio" {
        skip_unless_berth "the debug messages are berth-runtime's"
        payload echo hello
        log=$BATS_TEST_TMPDIR/runtime.log
        _rt_prepare_id c1
        run_rt --debug --log "$log" --log-format json run --bundle "$RT_BUNDLE" c1
        assert_output hello
        # The init's own message came through the parent.
        jq -e -s 'map(select(.level == "debug" and (.msg | test("init .* set up")))) | length == 1' \
                "$log" >/dev/null || die "no debug record of the init in the --log file"
}

@test "log: text format without --log goes to stderr as logrus's" {
        skip_unless_berth "the warnings are berth-runtime's"
        cfg '.process.capabilities.bounding += ["CAP_BERTH_BOGUS"]'
        payload echo hello
        _rt_prepare_id c1
        out=$("$RUNTIME" --root "$RT_ROOT" run --bundle "$RT_BUNDLE" c1 2>"$BATS_TEST_TMPDIR/err")
        [ "$out" = hello ] || die "stdout: $out"
        grep -E '^time="[^"]+" level=warning msg=".*CAP_BERTH_BOGUS' "$BATS_TEST_TMPDIR/err" ||
                die "stderr: $(cat "$BATS_TEST_TMPDIR/err")"
}

@test "spec warnings show once, at create" {
        skip_unless_berth "the warnings are berth-runtime's"
        cfg '.process.capabilities.bounding += ["CAP_BERTH_BOGUS"]'
        payload sleep 30
        log=$BATS_TEST_TMPDIR/runtime.log
        _rt_prepare_id c1
        run_rt_detached "$(rt_log c1)" --log "$log" --log-format json create --bundle "$RT_BUNDLE" c1
        run_rt --log "$log" --log-format json start c1
        run_rt --log "$log" --log-format json exec c1 /payload echo hi
        assert_output hi
        run_rt --log "$log" --log-format json kill c1 KILL
        wait_for_status c1 stopped
        run_rt --log "$log" --log-format json delete c1
        n=$(grep -c CAP_BERTH_BOGUS "$log")
        [ "$n" -eq 1 ] || die "the warning showed $n times: $(cat "$log")"
}

@test "update: the new resources are saved in the container's config" {
        skip_if_rootless "no cgroups rootless here"
        skip_unless_berth "berth-runtime's state directory"
        payload sleep 30
        rt_start_bg c1
        run_rt update --pids-limit 123 c1
        run_rt update --memory 64m c1
        jq -e '.linux.resources.pids.limit == 123 and
               .linux.resources.memory.limit == 67108864' "$RT_ROOT/c1/config.json" >/dev/null ||
                die "config.json: $(jq -c .linux.resources "$RT_ROOT/c1/config.json")"
        run_rt update --pids-limit 99 c1
        jq -e '.linux.resources.pids.limit == 99 and
               .linux.resources.memory.limit == 67108864' "$RT_ROOT/c1/config.json" >/dev/null ||
                die "the memory limit was lost: $(jq -c .linux.resources "$RT_ROOT/c1/config.json")"
        # exec still works from the saved config
        run_rt exec c1 /payload echo still
        assert_output still
}

@test "ps: a created container's init shows as 'berth-runtime init'" {
        skip_unless_berth "runc shows 'runc init'"
        payload echo hi
        rt_create c1
        pid=$(rt_pid c1)
        run cat "/proc/$pid/cmdline"
        [ "$(tr '\0' ' ' <"/proc/$pid/cmdline" | sed -e 's/ *$//')" = "berth-runtime init" ] ||
                die "cmdline: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
        [ "$(cat "/proc/$pid/comm")" = "berth-rt:[INIT]" ] || die "comm: $(cat "/proc/$pid/comm")"
}

# killed_create ID: a create of ID killed with SIGKILL while a createRuntime
# hook holds it, after the cgroup was made and the init put in it.
killed_create() {
        cfg '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "touch \($m); sleep 30"]}]' \
                --arg m "$BATS_TEST_TMPDIR/hook-ran"
        _rt_prepare_id "$1"
        "$RUNTIME" --root "$RT_ROOT" create --bundle "$RT_BUNDLE" "$1" </dev/null >/dev/null 2>&1 &
        local cpid=$!
        wait_for_line_file "$BATS_TEST_TMPDIR/hook-ran"
        kill -KILL "$cpid"
        wait "$cpid" 2>/dev/null || true
        pkill_hook
        [ -d "$RT_ROOT/$1" ] || die "the killed create left no state directory"
}

# wait_for_line_file FILE: poll until FILE exists (5 s).
wait_for_line_file() {
        for _ in $(seq 50); do
                [ -e "$1" ] && return 0
                sleep 0.1
        done
        die "$1 never appeared"
}

# pkill_hook: end the hook's sleep (it outlives the killed create).
pkill_hook() {
        local p
        for p in $(pgrep -f "touch $BATS_TEST_TMPDIR/hook-ran" || true); do
                kill "$p" 2>/dev/null || true
        done
}

# cgroup_dirs_of PATH: the directories of cgroup PATH that exist, in every hierarchy.
cgroup_dirs_of() {
        local m
        for m in $(awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts); do
                [ -d "$m$1" ] && echo "$m$1"
        done
        return 0
}

@test "a create killed midway: the next create of the id removes its cgroup" {
        skip_if_rootless "no cgroups rootless here"
        skip_unless_berth "runc leaves it"
        cfg '.linux.cgroupsPath = $p' --arg p "/$RT_CGPARENT/stale"
        killed_create c1
        [ -n "$(cgroup_dirs_of "/$RT_CGPARENT/stale")" ] || die "the killed create made no cgroup"
        cfg '.linux.cgroupsPath = $p | del(.hooks)' --arg p "/$RT_CGPARENT/other"
        payload echo hi
        rt_create c1
        [ -z "$(cgroup_dirs_of "/$RT_CGPARENT/stale")" ] ||
                die "the stale cgroup is still there: $(cgroup_dirs_of "/$RT_CGPARENT/stale")"
        run_rt delete --force c1
}

@test "a create killed midway: delete --force removes its cgroup and directory" {
        skip_if_rootless "no cgroups rootless here"
        skip_unless_berth "runc leaves it"
        cfg '.linux.cgroupsPath = $p' --arg p "/$RT_CGPARENT/stale"
        killed_create c1
        run_rt 1 delete c1
        run_rt delete --force c1
        [ ! -e "$RT_ROOT/c1" ] || die "the state directory is still there"
        [ -z "$(cgroup_dirs_of "/$RT_CGPARENT/stale")" ] ||
                die "the stale cgroup is still there: $(cgroup_dirs_of "/$RT_CGPARENT/stale")"
        # gone: by force, as runc, that is no error
        run_rt delete --force c1
}

@test "kill: an unknown signal is named as runc names it" {
        payload sleep 30
        rt_start_bg c1
        run_rt 1 kill c1 BOGUS
        assert_output --partial 'unknown signal \"BOGUS\"'
}

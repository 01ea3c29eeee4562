#!/usr/bin/env bats
# Bad input to run/create/exec: docker's exit codes (125 for berth's own
# errors, 126 when the command cannot be executed, 127 when it is not found)
# with a clear error that names the bad value, the same code podman gives
# for the same arguments (when podman is installed), and nothing left
# behind: a refused container leaves no record, userdata, layer, mount,
# monitor or cgroup. As docker and podman do, a container whose command is
# missing (127) stays as "Created" unless --rm was given. Root and rootless.

load helpers
load lib/ctr-leftovers

setup_file() {
        ctr_setup_file
}

setup() {
        ctr_setup
        BASE_LAYERS=$(ctr_layer_count)
        # podman runs here only with this configuration (ENVIRONMENT.md); it
        # goes to podman alone, berth keeps its defaults.
        cat >"$BERTH_TEST_DIR/podman.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF
}

teardown() {
        if command -v podman >/dev/null; then
                CONTAINERS_CONF=$BERTH_TEST_DIR/podman.conf podman rm -a -f -t 0 >/dev/null 2>&1 || true
        fi
        ctr_teardown
}

# nothing_left: no container of berth's is listed or left anywhere.
nothing_left() {
        run_berth ps -a -q
        assert_output ""
        ctr_assert_no_leftovers "$BASE_LAYERS"
}

# podman_agrees CODE ARGS...: podman run with ARGS exits CODE too (skipped
# when podman is missing).
podman_agrees() {
        local code=$1
        shift
        command -v podman >/dev/null || return 0
        run_cmd ? env CONTAINERS_CONF="$BERTH_TEST_DIR/podman.conf" podman run --network none "${CGP[@]}" "$@"
        [ "$status" -eq "$code" ] || die "podman run $* exited $status, berth $code"
        CONTAINERS_CONF=$BERTH_TEST_DIR/podman.conf podman rm -a -f -t 0 >/dev/null 2>&1 || true
        # podman leaves its conmon cgroup under the parent it was given
        # (busy while a conmon ends).
        local i
        for i in $(seq 50); do
                [ -n "${BERTH_CG_PARENT:-}" ] || break
                rmdir /sys/fs/cgroup/*/"${BERTH_CG_PARENT#/}"/conmon 2>/dev/null || true
                ls -d /sys/fs/cgroup/*/"${BERTH_CG_PARENT#/}"/conmon >/dev/null 2>&1 || break
                sleep 0.1
        done
}

# refused TEXT ARGS...: `berth run ARGS` and `berth create ARGS` exit 125
# with TEXT in the error, podman agrees (unless PODMAN_DIFFERS is set), and
# nothing is left.
refused() {
        local text=$1
        shift
        run_berth 125 run "${CGP[@]}" "$@"
        assert_output --partial "$text"
        assert_line --index 0 --regexp '^Error: '
        nothing_left
        run_berth 125 create "${CGP[@]}" "$@"
        assert_output --partial "$text"
        nothing_left
        [ -n "${PODMAN_DIFFERS:-}" ] || podman_agrees 125 "$@"
}

@test "unknown image: 125, the image named, nothing left" {
        refused "nosuch-205: image not known" nosuch-205 true
        refused "localhost/nosuch-205:tag: image not known" localhost/nosuch-205:tag true
        run_berth 125 run "${CGP[@]}" --pull never nosuch-205 true
        assert_output "Error: nosuch-205: image not known"
        nothing_left
}

@test "a seccomp profile that cannot be read: 125 naming it, nothing left" {
        refused "seccomp profile: open '/nonexistent-205.json'" \
                --security-opt seccomp=/nonexistent-205.json "$IMG" true
        printf '{"defaultAction": 3' >"$BERTH_TEST_DIR/bad-seccomp.json"
        refused "seccomp profile '$BERTH_TEST_DIR/bad-seccomp.json'" \
                --security-opt "seccomp=$BERTH_TEST_DIR/bad-seccomp.json" "$IMG" true
}

@test "a --cidfile that cannot be written: 125, nothing left, not even run's monitor" {
        # run starts berth-monitor while it makes the container (its exec
        # overlaps the storage's syncs); writing the id file comes after, and
        # fails: the monitor, still waiting for its command line, exits.
        refused "writing the container id file" --cidfile "$BERTH_TEST_DIR/no-such-dir/cid" \
                "$IMG" true
}

@test "bad volume specs: 125 with the spec named, nothing left" {
        refused 'invalid volume specification ":/x"' -v :/x "$IMG" true
        refused 'invalid volume "/tmp:relative": the container path must be absolute' \
                -v /tmp:relative "$IMG" true
        refused 'statfs /nonexistent-205' -v /nonexistent-205:/x "$IMG" true
        refused "only one of 'rw' and 'ro' can be used" -v /tmp:/x:ro,rw "$IMG" true
        refused 'invalid --mount "type=foo,src=/tmp,dst=/x": unknown type "foo"' \
                --mount type=foo,src=/tmp,dst=/x "$IMG" true
        refused 'invalid --mount "type=bind,dst=/x": source= is required' \
                --mount type=bind,dst=/x "$IMG" true
}

@test "an unknown -v option is refused as podman does (invalid option type)" {
        refused 'xyz' -v /tmp:/x:xyz "$IMG" true
}

@test "bad --ulimit: 125 naming the ulimit, nothing left" {
        refused "invalid ulimit 'nofile=abc'" --ulimit nofile=abc "$IMG" true
        refused "invalid ulimit 'bogus=1': unknown type 'bogus'" --ulimit bogus=1 "$IMG" true
        refused "soft limit must be less than or equal to hard limit" --ulimit nofile=10:5 "$IMG" true
        refused "invalid ulimit argument 'nofile'" --ulimit nofile "$IMG" true
        # Above the hard limit berth may not raise: an error that says so
        # (podman fails inside the runtime with 126 instead).
        local hard
        hard=$(ulimit -Hn)
        [ "$hard" != unlimited ] || skip "the hard nofile limit is unlimited here"
        run_berth 125 run "${CGP[@]}" --ulimit nofile=$((hard + 1)):$((hard + 1)) "$IMG" true
        assert_output --partial "above the hard limit $hard, which berth may not raise"
        nothing_left
}

@test "bad --memory, --cpus, --restart, --stop-signal, --name: 125, nothing left" {
        refused 'invalid value "12x" for --memory' --memory 12x "$IMG" true
        refused 'invalid value "-5" for --memory' --memory -5 "$IMG" true
        refused 'invalid value "abc" for --cpus' --cpus abc "$IMG" true
        # podman 4.3 takes a negative --cpus as no limit; docker refuses it.
        PODMAN_DIFFERS=1 refused 'invalid value "-1" for --cpus' --cpus -1 "$IMG" true
        refused 'invalid restart policy "sometimes"' --restart sometimes "$IMG" true
        refused 'invalid restart policy "on-failure:x"' --restart on-failure:x "$IMG" true
        refused 'the --rm option conflicts with --restart' --rm --restart always "$IMG" true
        refused 'unknown signal "SIGFOO"' --stop-signal SIGFOO "$IMG" true
        refused '"99": not in 1 to 64' --stop-signal 99 "$IMG" true
        refused 'container name "bad/name" is invalid' --name bad/name "$IMG" true
        refused 'invalid pull policy "bogus"' --pull bogus "$IMG" true
        # podman with --network none ignores -p; berth says why it cannot do it.
        PODMAN_DIFFERS=1 refused 'port publishing needs the network step' -p 8080:80 "$IMG" true
}

@test "--memory and --cpus below what the kernel takes: 125 before anything is made (root)" {
        skip_if_rootless "--memory and --cpus are ignored rootless on this cgroup v1 host"
        # podman 4.3 leaves --memory 1 to the runtime (126); berth checks first.
        run_berth 125 run "${CGP[@]}" --memory 1 "$IMG" true
        assert_output --partial 'minimum memory limit allowed is 6MB'
        nothing_left
        # podman: "CPU cfs quota cannot be less than 1ms (i.e. 1000)".
        refused '1000' --cpus 0.001 "$IMG" true
}

@test "duplicate --name: 125 with podman's text; the first container is untouched" {
        run_berth create "${CGP[@]}" --name dup "$IMG" true
        local id=$output
        run_berth 125 run "${CGP[@]}" --name dup "$IMG" true
        assert_output "Error: creating container storage: the container name \"dup\" is already in use by $id. You have to remove that container to be able to reuse that name: that name is already in use"
        run_berth 125 create "${CGP[@]}" --name dup "$IMG" true
        assert_output --partial "is already in use by $id"
        run_berth ps -a --no-trunc --format '{{.ID}} {{.Names}} {{.Status}}'
        assert_output "$id dup Created"
        run_berth rm dup
        nothing_left
}

@test "a missing executable: 127; a directory or a non-executable file: 126" {
        run_berth 127 run "${CGP[@]}" --rm "$IMG" /nonexistent-205
        assert_output --partial '"/nonexistent-205"'
        assert_output --partial "OCI runtime attempted to invoke a command that was not found"
        nothing_left
        podman_agrees 127 --rm "$IMG" /nonexistent-205
        run_berth 127 run "${CGP[@]}" --rm "$IMG" nosuchcmd-205
        assert_output --partial 'exec: "nosuchcmd-205": executable file not found in $PATH'
        nothing_left
        podman_agrees 127 --rm "$IMG" nosuchcmd-205
        run_berth 127 run "${CGP[@]}" --rm --entrypoint /nonexistent-205 "$IMG"
        nothing_left
        run_berth 126 run "${CGP[@]}" --rm "$IMG" /etc
        assert_output --partial '"/etc"'
        assert_output --partial "ermission denied"
        nothing_left
        podman_agrees 126 --rm "$IMG" /etc
        run_berth 126 run "${CGP[@]}" --rm "$IMG" /etc/passwd
        nothing_left
        # -d gives the same codes.
        run_berth 127 run "${CGP[@]}" --rm -d "$IMG" /nonexistent-205
        nothing_left
        run_berth 126 run "${CGP[@]}" --rm -d "$IMG" /etc
        nothing_left
}

@test "without --rm a container whose command is missing stays Created, and rm removes it" {
        run_berth 127 run "${CGP[@]}" --name miss "$IMG" /nonexistent-205
        run_berth ps -a --format '{{.Names}} {{.Status}}'
        assert_output "miss Created"
        # start gives the same code again.
        run_berth 127 start miss
        run_berth rm miss
        nothing_left
        # As podman (runc checks the program at create): Created, code 0.
        run_berth 126 run "${CGP[@]}" --name dir "$IMG" /etc
        run_berth ps -a --format '{{.Names}} {{.Status}}'
        assert_output "dir Created"
        run_berth inspect --format '{{.State.Status}} {{.State.ExitCode}}' dir
        assert_output "created 0"
        run_berth rm dir
        nothing_left
}

@test "exec: 127 for a missing command, 126 for a directory, 125 for no such container" {
        run_berth run "${CGP[@]}" -d --name ex "$IMG" sleep 1000
        run_berth 127 exec ex /nonexistent-205
        assert_output --partial "OCI runtime attempted to invoke a command that was not found"
        run_berth 127 exec ex nosuchcmd-205
        run_berth 126 exec ex /etc
        run_berth 125 exec nosuch-205 true
        assert_output 'Error: no container with name or ID "nosuch-205" found: no such container'
        # The container is unharmed.
        run_berth exec ex echo ok
        assert_output "ok"
        run_berth rm -f -t 0 ex
        run_berth 125 exec ex true
        nothing_left
}

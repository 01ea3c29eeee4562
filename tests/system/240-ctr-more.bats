#!/usr/bin/env bats
# restart and port: what they print, their exit codes and errors, as podman
# 4.3 does. Root and rootless. As root, containers go under a cgroup parent
# of this file's own that teardown removes.

load helpers

setup_file() {
        ctr_setup_file
}

setup() {
        ctr_setup
}

teardown() {
        ctr_teardown
}

# started_at NAME: the container's StartedAt.
started_at() {
        "$BERTH" inspect --format '{{.State.StartedAt}}' "$1"
}

@test "restart: a running container gets a new init, a stopped one starts" {
        run_berth run -d "${CGP[@]}" --name r1 $IMG sleep 100
        run_berth inspect --format '{{.State.Pid}}' r1
        local pid1=$output
        run_berth restart -t 0 r1
        assert_output "r1"
        run_berth inspect --format '{{.State.Status}} {{.State.Pid}}' r1
        assert_match "$output" '^running [0-9]+$'
        [ "${output#running }" != "$pid1" ] || die "restart kept the init $pid1"

        # A created container and an exited one are started; the name or ID
        # is printed as typed.
        run_berth create "${CGP[@]}" --name c1 $IMG sh -c 'echo ran; sleep 100'
        local id=$output
        run_berth restart "${id:0:12}"
        assert_output "${id:0:12}"
        run_berth ps --format '{{.Names}}' --filter name=c1
        assert_output "c1"
        run_berth logs c1
        assert_output "ran"
        run_berth stop -t 0 c1
        run_berth restart c1
        run_berth logs c1
        assert_output $'ran\nran'
}

@test "restart: --all, --running, --cidfile and the errors" {
        run_berth run -d "${CGP[@]}" --name up $IMG sleep 100
        local up=$output
        run_berth create "${CGP[@]}" --name down $IMG sleep 100
        local down=$output

        # --all --running restarts only what runs.
        run_berth restart -a --running -t 0
        assert_output "$up"
        run_berth ps --format '{{.Names}}'
        assert_output "up"

        # --all restarts every container, by full ID.
        run_berth restart -a -t 0
        assert_line "$up"
        assert_line "$down"
        run_berth ps --format '{{.Names}}'
        assert_line "down"
        assert_line "up"

        echo "$down" >"$BATS_TEST_TMPDIR/cid"
        run_berth restart -t 0 --cidfile "$BATS_TEST_TMPDIR/cid"
        assert_output "$down"

        run_berth 125 restart
        assert_output "Error: you must provide at least one name or id"
        run_berth 125 restart --running
        assert_output "Error: you must provide at least one name or id"
        run_berth 125 restart -a up
        assert_output "Error: no arguments are needed with --all"
        run_berth 125 restart -t x up
        assert_output --partial 'invalid argument "x" for "-t, --time" flag'
        # Each name is tried; a missing one fails the command.
        run_berth 125 restart -t 0 nosuch up
        assert_line 'Error: no container with name or ID "nosuch" found: no such container'
        assert_line "up"
}

@test "port: nothing is published before the network step" {
        run_berth run -d "${CGP[@]}" --name p1 $IMG sleep 100
        run_berth create "${CGP[@]}" --name p2 $IMG true
        run_berth port p1
        assert_output ""
        run_berth port p2 80/tcp
        assert_output ""
        run_berth port -a
        assert_output ""
        run_berth container port p1
        assert_output ""

        run_berth 125 port nosuch
        assert_output 'Error: no container with name or ID "nosuch" found: no such container'
        run_berth 125 port
        assert_output "Error: you must supply a running container name or id"
        run_berth 125 port -a p1
        assert_output "Error: no arguments are needed with --all"
}

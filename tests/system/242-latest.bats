#!/usr/bin/env bats
# -l/--latest on every container command podman 4.3 has it on, the checks
# of --all, --latest, --cidfile and names together (podman's texts), and
# exec --preserve-fds. Root and rootless.

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

@test "--latest with no container: podman's error from every command" {
        local c
        for c in stop rm kill wait start attach restart pause unpause umount port; do
                run_berth 125 $c -l
                assert_output "Error: no such container"
        done
        run_berth 125 exec -l true
        assert_output "Error: no such container"
        run_berth 125 logs -l
        assert_output "Error: no such container"
        run_berth 125 top -l
        assert_output "Error: unable to look up requested container: no such container"
        run_berth 125 diff -l
        assert_output "Error: unable to get latest container: no such container"
        run_berth 125 stats -l --no-stream
        assert_output "Error: unable to get list of containers: no such container"
        run_berth 125 container inspect -l
        assert_line "Error: inspecting object: no containers to inspect: no such container"
        assert_line "[]"
}

@test "--latest acts on the newest container, through its whole life" {
        run_berth run -d "${CGP[@]}" --name old $IMG sleep 100
        local old=$output
        run_berth run -d "${CGP[@]}" --name new $IMG sleep 100
        local new=$output

        run_berth inspect -l --format '{{.Name}}'
        assert_output "new"
        run_berth container inspect -l --format '{{.Id}}'
        assert_output "$new"
        run_berth exec -l cat /etc/hostname
        assert_output "${new:0:12}"
        run_berth top -l args
        assert_line --index 1 --regexp '^sleep 100 *$'
        run_berth port -l
        assert_output ""
        run_berth port -l 80/tcp
        assert_output ""
        run_berth diff -l
        run_berth stop -l -t 0
        assert_output "$new"
        run_berth ps --format '{{.Names}}'
        assert_output "old"
        run_berth start -l
        assert_output "$new"
        run_berth restart -l -t 0
        assert_output "$new"
        run_berth kill -l
        assert_output "$new"
        run_berth wait -l
        assert_output "137"
        run_berth rm -l
        assert_output "$new"
        run_berth ps -a --format '{{.ID}}'
        assert_output "${old:0:12}"

        # The newest is the last created, running or not.
        run_berth create "${CGP[@]}" --name made $IMG true
        run_berth inspect -l --format '{{.Name}} {{.State.Status}}'
        assert_output "made created"
}

@test "--latest: attach, pause and mount" {
        run_berth run -d -i "${CGP[@]}" --name talk $IMG sh -c 'read x; echo got $x'
        run_cmd sh -c "echo hi | '$BERTH' attach -l"
        assert_output "got hi"

        is_rootless && skip "pause needs cgroup control, mount needs berth unshare rootless"
        run_berth run -d "${CGP[@]}" --name p $IMG sleep 100
        local id=$output
        run_berth pause -l
        assert_output "$id"
        run_berth ps --format '{{.Names}} {{.State}}'
        assert_output "p Paused"
        run_berth unpause -l
        assert_output "$id"
        run_berth mount -l
        local mnt=$output
        [ -d "$mnt/etc" ] || die "mount -l printed '$mnt'"
        run_berth umount -l
        assert_output "$id"
}

@test "--all, --latest, --cidfile and names: podman's checks" {
        run_berth run -d "${CGP[@]}" --name one $IMG sleep 100
        local id=$output
        echo "$id" >"$BATS_TEST_TMPDIR/cid"
        local c
        for c in stop rm kill restart pause unpause; do
                run_berth 125 $c -l one
                assert_output "Error: --latest and containers cannot be used together"
                run_berth 125 $c -a -l
                assert_output "Error: --all and --latest cannot be used together"
                run_berth 125 $c -a one
                assert_output "Error: no arguments are needed with --all"
                run_berth 125 $c -l --cidfile "$BATS_TEST_TMPDIR/cid"
                assert_output "Error: --all, --latest, and --cidfile cannot be used together"
                run_berth 125 $c --cidfile "$BATS_TEST_TMPDIR/cid" one
                assert_output "Error: no arguments are needed with --latest or --cidfile"
                run_berth 125 $c
                assert_output "Error: you must provide at least one name or id"
        done
        for c in wait attach start logs; do
                run_berth 125 $c -l one
                assert_output "Error: --latest and containers cannot be used together"
        done
        run_berth 125 inspect -l one
        assert_output "Error: --latest and arguments cannot be used together"
        run_berth 125 inspect -l --type image
        assert_output 'Error: latest is not supported for type "image"'
        run_berth 125 inspect
        assert_output "Error: no names or ids specified"
        run_berth 125 wait
        assert_output 'Error: "berth wait" requires a name, id, or the "--latest" flag'
        run_berth 125 attach
        assert_output 'Error: "berth attach" requires a name, id, or the "--latest" flag'
        run_berth 125 diff
        assert_output 'Error: "berth diff" requires a name, id, or the "--latest" flag'
        run_berth 125 exec
        assert_output "Error: exec requires the name or ID of a container or the --latest flag"
        run_berth 125 exec -l
        assert_output "Error: must provide a non-empty command to start an exec session"
        run_berth 125 port -a -l
        assert_output "Error: --all and --latest cannot be used together"
        run_berth 125 mount -a -l
        assert_output "Error: --all and --latest cannot be used together"
        run_berth 125 umount -l one
        assert_output "Error: --latest and containers cannot be used together"
        run_berth 125 stats -a -l --no-stream
        assert_output "Error: --all, --latest and containers cannot be used together"
        # Nothing was touched by any of them.
        run_berth ps --format '{{.Names}} {{.State}}'
        assert_output --regexp '^one Up'

        # kill and rm take --cidfile as podman's do.
        run_berth kill --cidfile "$BATS_TEST_TMPDIR/cid"
        assert_output "$id"
        run_berth wait one
        assert_output "137"
        run_berth rm --cidfile "$BATS_TEST_TMPDIR/cid"
        assert_output "$id"
        run_berth ps -a -q
        assert_output ""
}

@test "exec --preserve-fds passes fds 3 and up, and only those" {
        run_berth run -d "${CGP[@]}" --name fds $IMG sleep 100
        echo secret-3 >"$BATS_TEST_TMPDIR/three"
        echo secret-4 >"$BATS_TEST_TMPDIR/four"
        local t=$BATS_TEST_TMPDIR
        run_cmd sh -c "exec 3<'$t/three' 4<'$t/four'; exec '$BERTH' exec --preserve-fds 2 fds \
                sh -c 'cat <&3; cat <&4; ls /proc/self/fd | wc -l'"
        # 0-2, the two passed, and the one ls opens on the directory.
        assert_output $'secret-3\nsecret-4\n6'
        # Detached too.
        run_cmd sh -c "exec 3<'$t/three'; exec '$BERTH' exec -d --preserve-fds 1 fds \
                sh -c 'cat <&3 >/got'"
        local i
        for i in $(seq 50); do
                "$BERTH" exec fds test -s /got && break
                sleep 0.1
        done
        run_berth exec fds cat /got
        assert_output "secret-3"

        # Without the flag an fd berth was given stays outside.
        run_cmd 1 sh -c "exec 3<'$t/three'; exec '$BERTH' exec fds sh -c 'cat <&3 || exit 1'"
        refute_output --partial "secret-3"
        # Each of the N must be open, checked before berth opens its own.
        run_cmd 125 sh -c "exec 3<'$t/three' 4<&-; exec '$BERTH' exec --preserve-fds 2 fds true"
        assert_output "Error: file descriptor 4 is not available - the preserve-fds option requires that file descriptors must be passed"
        run_berth 125 exec --preserve-fds -1 fds true
        assert_output --partial 'invalid argument "-1" for "--preserve-fds"'
}

#!/usr/bin/env bats
# The fixtures later tests build on: the busybox rootfs tarball and a
# loopback docker-registry. Runs as root and rootless.

load helpers

# alive PID: the process exists and is not a zombie.
alive() {
        [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

@test "fixtures: busybox rootfs tarball is reproducible" {
        local a=$BATS_TEST_TMPDIR/a/busybox-rootfs.tar b=$BATS_TEST_TMPDIR/b/busybox-rootfs.tar
        run_cmd "$BERTH_FIXTURES_DIR/make-busybox-rootfs.sh" "$a"
        [ -s "$a" ] || die "no tarball written at $a"
        sleep 1 # a different wall-clock second must not matter
        TMPDIR=$BATS_TEST_TMPDIR run_cmd "$BERTH_FIXTURES_DIR/make-busybox-rootfs.sh" "$b"
        assert_equal "$(sha256sum <"$b")" "$(sha256sum <"$a")" "two builds differ"
        # Nothing left behind beside the output.
        run_cmd ls -A "$BATS_TEST_TMPDIR/a"
        assert_output busybox-rootfs.tar
}

@test "fixtures: busybox rootfs tarball contents" {
        local t=$BATS_TEST_TMPDIR/busybox-rootfs.tar
        run_cmd "$BERTH_FIXTURES_DIR/make-busybox-rootfs.sh" "$t"

        run_cmd tar --numeric-owner -tvf "$t"
        assert_line --regexp '^-rwxr-xr-x 0/0 +[0-9]+ 2023-01-01 00:00 bin/busybox$'
        assert_line --regexp '^lrwxrwxrwx 0/0 +0 2023-01-01 00:00 bin/sh -> busybox$'
        assert_line --regexp '^lrwxrwxrwx 0/0 +0 2023-01-01 00:00 bin/ls -> busybox$'
        assert_line --regexp '^-rw-r--r-- 0/0 +[0-9]+ 2023-01-01 00:00 etc/passwd$'
        assert_line --regexp '^-rw-r--r-- 0/0 +[0-9]+ 2023-01-01 00:00 etc/group$'
        assert_line --regexp '^drwxrwxrwt 0/0 +0 2023-01-01 00:00 tmp/$'
        assert_line --regexp '^drwx------ 0/0 +0 2023-01-01 00:00 root/$'
        for d in dev proc sys etc; do
                assert_line --regexp "^drwxr-xr-x 0/0 +0 2023-01-01 00:00 $d/\$"
        done
        # Every entry is owned by 0:0, none has a leading ./ or /.
        refute_line --regexp '^[^ ]+ ([1-9][0-9]*/|0/[1-9])'
        refute_line --regexp ' \.?/'

        # One symlink per applet.
        local applets links
        applets=$(/bin/busybox --list | grep -vc '^busybox$')
        links=$(tar -tvf "$t" | grep -c '^l.* bin/[^/]* -> busybox$')
        assert_equal "$links" "$applets" "applet symlinks"

        run_cmd tar -xOf "$t" etc/passwd
        assert_line --regexp '^root:x:0:0:'
        assert_line --regexp '^nobody:x:65534:65534:'
        run_cmd tar -xOf "$t" etc/group
        assert_line --regexp '^root:x:0:'
}

@test "fixtures: busybox from the rootfs runs" {
        local t=$BATS_TEST_TMPDIR/busybox-rootfs.tar r=$BATS_TEST_TMPDIR/rootfs
        run_cmd "$BERTH_FIXTURES_DIR/make-busybox-rootfs.sh" "$t"
        mkdir "$r"
        run_cmd tar -xf "$t" -C "$r" --no-same-owner
        # shellcheck disable=SC2016 # $0 of the inner shell
        run_cmd "$r/bin/sh" -c 'echo hello from $0'
        assert_output "hello from $r/bin/sh"
}

@test "fixtures: docker-registry starts on loopback, answers /v2/, stops" {
        require_cmd curl
        local dir=$BATS_TEST_TMPDIR/registry pid addr
        run_cmd "$BERTH_FIXTURES_DIR/start-registry.sh" "$dir"
        addr=$output
        assert_match "$addr" '^127\.0\.0\.1:[0-9]+$' "registry address"
        assert_equal "$(cat "$dir/addr")" "$addr"
        assert_equal "127.0.0.1:$(cat "$dir/port")" "$addr"
        pid=$(cat "$dir/pid")
        alive "$pid" || die "registry pid $pid is not running"
        # Owned by whoever ran the script.
        assert_equal "$(stat -c %u "/proc/$pid")" "$(id -u)"

        run_cmd curl -sS -o /dev/null -w '%{http_code}' "http://$addr/v2/"
        assert_output 200
        run_cmd curl -sS "http://$addr/v2/_catalog"
        assert_output --partial '"repositories":[]'

        run_cmd "$BERTH_FIXTURES_DIR/start-registry.sh" --stop "$dir"
        ! alive "$pid" || die "registry pid $pid still running after --stop"
        [ ! -e "$dir/pid" ] || die "pid file left behind"
        # The directory was given, so it stays.
        [ -d "$dir/storage" ] || die "--stop removed a directory it did not create"
        run_cmd 7 curl -sS -o /dev/null --max-time 5 "http://$addr/v2/"
}

@test "fixtures: two registries get different ports; temp dir removed on stop" {
        local a b dir_a dir_b
        run_cmd env TMPDIR="$BATS_TEST_TMPDIR" "$BERTH_FIXTURES_DIR/start-registry.sh"
        a=$output
        run_cmd env TMPDIR="$BATS_TEST_TMPDIR" "$BERTH_FIXTURES_DIR/start-registry.sh"
        b=$output
        [ "$a" != "$b" ] || die "both registries on $a"
        dir_a=$(grep -lxF "$a" "$BATS_TEST_TMPDIR"/berth-registry.*/addr | xargs dirname)
        dir_b=$(grep -lxF "$b" "$BATS_TEST_TMPDIR"/berth-registry.*/addr | xargs dirname)
        run_cmd "$BERTH_FIXTURES_DIR/start-registry.sh" --stop "$dir_a"
        run_cmd "$BERTH_FIXTURES_DIR/start-registry.sh" --stop "$dir_b"
        [ ! -e "$dir_a" ] && [ ! -e "$dir_b" ] || die "temp dirs left behind"
}

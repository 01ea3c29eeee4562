#!/usr/bin/env bats
# berth cp (docker's path rules both ways, `-` tar streams, ownership, a
# stopped and a running container, escape attempts through symlinks and
# hostile tars that must leave the host unchanged), export (+ import round
# trip, no tar to a terminal) and mount/umount of containers. Root and
# rootless.

load helpers

setup_file() {
        ctr_setup_file
}

setup() {
        ctr_setup
        D=$BERTH_TEST_DIR/host
        mkdir -p "$D"
        # a host tree to copy in: d/x, d/sub/y, f.txt
        mkdir -p "$D/d/sub"
        echo x-content >"$D/d/x"
        echo y-content >"$D/d/sub/y"
        echo file-content >"$D/f.txt"
        # a canary outside every container: must never change
        mkdir -p "$BERTH_TEST_DIR/outside"
        echo canary >"$BERTH_TEST_DIR/outside/canary"
}

teardown() {
        ctr_teardown
}

# ctr_cat CTR PATH: run_cmd printing a file of a container through a tar stream.
ctr_cat() {
        run_cmd bash -c 'set -o pipefail; "$BERTH" cp "$1" - | tar -xO' bash "$1:$2"
}

# check_outside: the canary is intact and nothing else appeared beside it.
check_outside() {
        run_cmd cat "$BERTH_TEST_DIR/outside/canary"
        assert_output canary
        run_cmd ls -A "$BERTH_TEST_DIR/outside"
        assert_output canary
}

@test "cp: host to a stopped container, docker's path rules" {
        run_berth create --name c1 $IMG true
        # a file into an existing directory, under its own name
        run_berth cp "$D/f.txt" c1:/tmp
        ctr_cat c1 /tmp/f.txt
        assert_output file-content
        # a file to a new name; the leading / of the container path is optional
        run_berth cp "$D/f.txt" c1:tmp/new.txt
        ctr_cat c1 /tmp/new.txt
        assert_output file-content
        # a file over a file
        echo other >"$D/g.txt"
        run_berth cp "$D/g.txt" c1:/tmp/new.txt
        ctr_cat c1 /tmp/new.txt
        assert_output other
        # a file to a missing directory ("/" at the end): an error
        run_berth 125 cp "$D/f.txt" c1:/nodir/
        assert_output --partial "no such directory"
        # a file whose destination's parent is missing
        run_berth 125 cp "$D/f.txt" c1:/nodir/file
        assert_output --partial "no such directory"
        # a directory to a new name: created with the contents
        run_berth cp "$D/d" c1:/tmp/dnew
        ctr_cat c1 /tmp/dnew/sub/y
        assert_output y-content
        # a directory into an existing directory: under its own name
        run_berth cp "$D/d" c1:/tmp
        ctr_cat c1 /tmp/d/x
        assert_output x-content
        # "/." copies the contents into the directory
        mkdir -p "$D/e" && echo z >"$D/e/z"
        run_berth cp "$D/e/." c1:/tmp/dnew
        ctr_cat c1 /tmp/dnew/z
        assert_output z
        run_berth 125 cp c1:/tmp/dnew/e -
        # a directory onto a file: docker's error
        run_berth 125 cp "$D/d" c1:/etc/passwd
        assert_output --partial "cannot copy directory"
        # a file ending in "/" is not a directory
        run_berth 125 cp "$D/f.txt/" c1:/tmp
        assert_output --partial "not a directory"
        # a missing source
        run_berth 125 cp "$D/nope" c1:/tmp
        assert_output --partial "could not be found on the host"
        # a directory may not replace a file (and back) without --overwrite
        mkdir -p "$D/o/passwd"
        run_berth 125 cp "$D/o/." c1:/etc
        assert_output --partial "cannot overwrite non-directory"
        # both sides on the host, or no such container
        run_berth 125 cp "$D/f.txt" "$D/g.txt"
        assert_output --partial "must specify at least one container"
        run_berth 125 cp "$D/f.txt" nosuchctr:/tmp
        run_berth container cp "$D/f.txt" c1:/tmp/via-group
}

@test "cp: container to host, docker's path rules and the caller's ownership" {
        run_berth create --name c1 $IMG true
        # a file into an existing host directory
        run_berth cp c1:/etc/passwd "$D/"
        run_cmd grep -c root "$D/passwd"
        # owned by the user running cp
        assert_equal "$(stat -c %u "$D/passwd")" "$(id -u)"
        # a directory to a new name, and into an existing directory
        run_berth cp c1:/etc "$D/etc2"
        [ -f "$D/etc2/passwd" ] || die "etc2/passwd missing"
        run_berth cp c1:/etc "$D/d"
        [ -f "$D/d/etc/passwd" ] || die "d/etc/passwd missing"
        # "/." copies the contents
        mkdir "$D/contents"
        run_berth cp c1:/etc/. "$D/contents"
        [ -f "$D/contents/passwd" ] || die "contents/passwd missing"
        # a file to a new name, and over a file
        run_berth cp c1:/etc/group "$D/grp"
        run_cmd grep -c root "$D/grp"
        run_berth cp c1:/etc/passwd "$D/grp"
        run_cmd cmp "$D/grp" "$D/passwd"
        # a directory onto a file
        run_berth 125 cp c1:/etc "$D/f.txt"
        assert_output --partial "cannot copy directory"
        # a missing source, and a file given with "/"
        run_berth 125 cp c1:/nope "$D/"
        assert_output --partial "could not be found on container c1"
        run_berth 125 cp c1:/etc/passwd/ "$D/"
        assert_output --partial "not a directory"
        # a symlink is copied as a link, -L copies its target
        run_berth run --name c2 $IMG ln -s /etc/passwd /lnk
        run_berth cp c2:/lnk "$D/lnk"
        [ -L "$D/lnk" ] || die "lnk is not a symlink"
        run_berth cp -L c2:/lnk "$D/lnk-followed"
        [ -f "$D/lnk-followed" ] && [ ! -L "$D/lnk-followed" ] || die "-L did not follow"
        run_cmd cmp "$D/lnk-followed" "$D/passwd"
}

@test "cp: tar streams on stdin and stdout" {
        run_berth create --name c1 $IMG true
        # stdout: entries named after the source
        run_cmd sh -c "'$BERTH' cp c1:/etc - | tar -t"
        assert_line "etc/"
        assert_line "etc/passwd"
        run_cmd sh -c "'$BERTH' cp c1:/etc/. - | tar -t"
        assert_line "./passwd"
        # stdin: extracted into a directory, plain or compressed
        tar -C "$D" -cf "$D/in.tar" d
        run_cmd sh -c "'$BERTH' cp - c1:/tmp <'$D/in.tar'"
        ctr_cat c1 /tmp/d/sub/y
        assert_output y-content
        tar -C "$D" -czf "$D/in.tgz" f.txt
        run_cmd sh -c "'$BERTH' cp - c1:/ <'$D/in.tgz'"
        ctr_cat c1 /f.txt
        assert_output file-content
        # the destination of a stream must be a directory
        run_cmd 125 sh -c "'$BERTH' cp - c1:/etc/passwd <'$D/in.tar'"
        assert_output --partial "must be a directory"
        run_cmd 125 sh -c "'$BERTH' cp - c1:/nodir <'$D/in.tar'"
        run_cmd 125 sh -c "echo garbage | '$BERTH' cp - c1:/tmp"
        # both sides "-"
        run_berth 125 cp - -
}

@test "cp: ownership: the container's user by default, --archive=false keeps the source's" {
        run_berth create --name cu --user 1234:2345 $IMG true
        run_berth cp "$D/f.txt" cu:/tmp/owned
        run_cmd sh -c "'$BERTH' cp cu:/tmp/owned - | tar -tv --numeric-owner"
        assert_output --partial "1234/2345"
        # the host file's owner, as the container sees it (rootless: the
        # user is root in the namespace)
        run_berth cp --archive=false "$D/f.txt" cu:/tmp/kept
        run_cmd sh -c "'$BERTH' cp cu:/tmp/kept - | tar -tv --numeric-owner"
        assert_output --partial " 0/0 "
        # a tar's owners are kept with --archive=false, mapped as the container's ids
        python3 - "$D/owners.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    i = tarfile.TarInfo("byuid"); i.uid = 555; i.gid = 666; i.size = 2
    t.addfile(i, io.BytesIO(b"x\n"))
EOF
        run_cmd sh -c "'$BERTH' cp --archive=false - cu:/tmp <'$D/owners.tar'"
        run_cmd sh -c "'$BERTH' cp cu:/tmp/byuid - | tar -tv --numeric-owner"
        assert_output --partial "555/666"
}

@test "cp: a running container: writes go through its overlay, it sees them at once" {
        run_berth run "${CGP[@]}" -d --name r1 $IMG sleep 1000
        run_berth cp "$D/f.txt" r1:/tmp/in-running
        run_berth exec r1 cat /tmp/in-running
        assert_output file-content
        run_berth exec r1 sh -c 'echo from-inside >/tmp/made-inside'
        run_berth cp r1:/tmp/made-inside "$D/made-inside"
        run_cmd cat "$D/made-inside"
        assert_output from-inside
        run_cmd sh -c "'$BERTH' cp - r1:/tmp <'$BATS_FILE_TMPDIR/rootfs.tar' 2>&1 >/dev/null; echo rc=\$?"
        assert_output "rc=0"
        run_berth exec r1 test -x /tmp/bin/busybox
        # still running, and removable
        run_berth inspect --format '{{.State.Status}}' r1
        assert_output running
        run_berth rm -f -t 0 r1
}

@test "cp: a named volume is written through, not hidden under the mount" {
        run_berth create --name cv -v vol265:/data $IMG true
        run_berth cp "$D/f.txt" cv:/data/in-volume
        run_berth run --rm -v vol265:/v $IMG cat /v/in-volume
        assert_output file-content
        run_berth cp cv:/data/in-volume "$D/from-volume"
        run_cmd cat "$D/from-volume"
        assert_output file-content
}

@test "cp: symlinks in the container never lead out of its root" {
        # /etc/up climbs far above the root; /etc/abs points at a host path
        run_berth run --name c0 $IMG sh -c "ln -s ../../../../../../../.. /etc/up &&
                ln -s '$BERTH_TEST_DIR/outside' /etc/abs &&
                ln -s '$BERTH_TEST_DIR/outside/canary' /etc/abscanary"
        local u=berth-cp-escape-$$
        echo escaped >"$D/$u"
        # into a directory through the links: lands in the container's root
        run_berth cp "$D/$u" c0:/etc/up/
        ctr_cat c0 "/$u"
        assert_output escaped
        [ ! -e "/$u" ] || die "/$u was written on the host"
        run_berth 125 cp "$D/$u" c0:/etc/abs/
        [ ! -e "$BERTH_TEST_DIR/outside/$u" ] || die "escaped through an absolute link"
        # over a link to a host file: the link is replaced, the host file stays
        run_berth cp "$D/f.txt" c0:/etc/abscanary
        ctr_cat c0 /etc/abscanary
        assert_output file-content
        check_outside
        # copying out: -L resolves inside the container, where nothing is
        run_berth 125 cp -L c0:/etc/abs/canary "$D/stolen"
        [ ! -e "$D/stolen" ] || die "read a host file through a link"
        run_berth 125 cp c0:/etc/abs/. "$D/stolen-dir"
        run_berth cp c0:/etc/up/etc/passwd "$D/passwd-via-up"
        run_cmd grep -c "^root:" "$D/passwd-via-up"
        check_outside
}

@test "cp: a hostile tar on stdin stays inside the container" {
        run_berth create --name c1 $IMG true
        local u=berth-cp-tar-$$
        python3 - "$D/evil.tar" "$u" "$BERTH_TEST_DIR/outside" <<'EOF'
import io, sys, tarfile
out, u, outside = sys.argv[1], sys.argv[2], sys.argv[3]
def f(t, name, data=b"x\n"):
    i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
with tarfile.open(out, "w") as t:
    # a link pointing up and out, then a file through it
    i = tarfile.TarInfo("up"); i.type = tarfile.SYMTYPE; i.linkname = "../../../../../../../.."
    t.addfile(i)
    f(t, "up/" + u)
    # an absolute name: relative to the destination
    f(t, "/" + u + "-abs")
with tarfile.open(out + ".abs", "w") as t:
    # a link to a host path, then a file through it
    i = tarfile.TarInfo("abs"); i.type = tarfile.SYMTYPE; i.linkname = outside
    t.addfile(i)
    f(t, "abs/" + u)
with tarfile.open(out + ".dotdot", "w") as t:
    f(t, "../../../../../../../../../../" + outside.lstrip("/") + "/" + u)
with tarfile.open(out + ".hardlink", "w") as t:
    i = tarfile.TarInfo("hl"); i.type = tarfile.LNKTYPE
    i.linkname = "../../../../../../../../../../" + outside.lstrip("/") + "/canary"
    t.addfile(i)
EOF
        run_cmd sh -c "'$BERTH' cp - c1:/tmp <'$D/evil.tar'"
        ctr_cat c1 "/$u"
        ctr_cat c1 "/tmp/$u-abs"
        [ ! -e "/$u" ] || die "/$u was written on the host"
        # the link's target does not exist in the container: refused or
        # made there, never on the host
        run_cmd '?' sh -c "'$BERTH' cp - c1:/tmp <'$D/evil.tar.abs'"
        [ ! -e "$BERTH_TEST_DIR/outside/$u" ] || die "escaped through an absolute link"
        run_cmd 125 sh -c "'$BERTH' cp - c1:/tmp <'$D/evil.tar.dotdot'"
        assert_output --partial "outside the destination"
        run_cmd 125 sh -c "'$BERTH' cp - c1:/tmp <'$D/evil.tar.hardlink'"
        assert_output --partial "outside the destination"
        check_outside
}

@test "export: the whole filesystem as a tar; import gives the same files" {
        run_berth run --name c1 $IMG sh -c 'echo changed >/etc/motd; mkdir -p /new/dir; rm /bin/ascii'
        run_berth export -o "$D/c1.tar" c1
        run_cmd sh -c "tar -tf '$D/c1.tar' | sort >'$D/list1'"
        run_cmd grep -qx "etc/motd" "$D/list1"
        run_cmd grep -qx "new/dir/" "$D/list1"
        run_cmd 1 grep -qx "bin/ascii" "$D/list1"
        # stdout, and the container group's name for it
        run_cmd sh -c "'$BERTH' container export c1 | tar -t | sort | cmp - '$D/list1'"
        # round trip: import, export a container of the new image, compare
        run_berth import "$D/c1.tar" exported265
        run_berth create --name c2 localhost/exported265:latest true
        run_berth export -o "$D/c2.tar" c2
        run_cmd sh -c "tar -tf '$D/c2.tar' | sort | cmp - '$D/list1'"
        mkdir "$D/x1" "$D/x2"
        tar -C "$D/x1" -xf "$D/c1.tar" 2>/dev/null || true
        tar -C "$D/x2" -xf "$D/c2.tar" 2>/dev/null || true
        run_cmd diff -r --no-dereference "$D/x1" "$D/x2"
        run_cmd cat "$D/x2/etc/motd"
        assert_output changed
        # a reader that goes away early: an error, and no mount is left behind
        run_cmd 125 bash -c "'$BERTH' export c1 | head -c 100 >/dev/null; exit \${PIPESTATUS[0]}"
        run_cmd bash -c "'$BERTH' cp c1:/ - | head -c 100 >/dev/null"
        run_berth mount
        assert_output ""
        # never a tar to a terminal
        require_cmd script
        run_cmd 125 script -qec "'$BERTH' export c1" /dev/null
        assert_output --partial "refusing to export to terminal"
        run_berth 125 export nosuchctr265 -o "$D/none.tar"
        [ ! -e "$D/none.tar" ] || die "a failed export left its file"
}

@test "mount/umount: print the path, list the mounted, count the mounts" {
        run_berth create --name m1 $IMG true
        if is_rootless; then
                # podman's rule: rootless, mounting needs `unshare`
                run_berth 125 mount m1
                assert_output --partial 'must execute `berth unshare` first'
                run_berth unshare "$BERTH" mount m1
        else
                run_berth mount m1
        fi
        local path=$output
        [[ "$path" == /* ]] || die "not a path: $path"
        if is_rootless; then
                run_berth unshare test -f "$path/etc/passwd"
        else
                [ -f "$path/etc/passwd" ] || die "no etc/passwd under $path"
        fi
        local id
        id=$("$BERTH" inspect --format '{{.Id}}' m1)
        # listing needs no unshare
        run_berth mount
        assert_output "${id:0:12}  $path"
        run_berth mount --no-trunc
        assert_output "$id  $path"
        run_berth mount --notruncate
        assert_output "$id  $path"
        run_berth mount --format json
        echo "$output" >"$BERTH_TEST_DIR/m.json"
        run_cmd jq -r '.[0].id, .[0].Names[0], .[0].mountpoint' "$BERTH_TEST_DIR/m.json"
        assert_output "$id
m1
$path"
        run_berth 125 mount --format table
        # umount prints the name given; the list is empty afterwards
        run_berth umount m1
        assert_output m1
        run_berth mount
        assert_output ""
        # not mounted: not an error (podman)
        run_berth container unmount m1
        # a running container keeps the mount its run holds
        run_berth run "${CGP[@]}" -d --name m2 $IMG sleep 1000
        run_berth mount --no-trunc
        assert_output --partial "$("$BERTH" inspect --format '{{.Id}}' m2)"
        local path2=${output##* }
        run_berth umount -a
        run_berth exec m2 true
        run_berth umount -f m2
        run_berth exec m2 cat /etc/hostname
        run_berth mount
        assert_output --partial "$path2"
        run_berth rm -f -t 0 m2
        run_berth mount
        assert_output ""
        run_berth 125 umount
        run_berth 125 umount -a m1
}

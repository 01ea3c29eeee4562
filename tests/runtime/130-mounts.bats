#!/usr/bin/env bats
# Mounts and their options, masked and read-only paths, the read-only root,
# devices and the /dev links, all as the container's process sees them.

load helpers

# mount_opts PATH: the per-mount options of PATH's line in the payload output.
mount_opts() {
        line_value "mount:$1" | awk '{ print $1 }'
}

# mount_super PATH: "fstype superblock-options" of PATH from the payload output.
mount_super() {
        line_value "mount:$1" | awk '{ print $2, $3 }'
}

# has_opt OPTS OPT: is OPT one of the comma-separated OPTS?
has_opt() {
        [[ ",$1," == *",$2,"* ]]
}

@test "mounts: ro, nosuid, nodev, noexec show in mountinfo" {
        cfg '.mounts += [
               {destination: "/m/flags", type: "tmpfs", source: "tmpfs",
                options: ["ro", "nosuid", "nodev", "noexec"]},
               {destination: "/m/plain", type: "tmpfs", source: "tmpfs", options: []}]'
        payload mount /m/flags mount /m/plain write /m/flags/x write /m/plain/x \
                mount /dev/shm mount /proc
        rt_run c1
        o=$(mount_opts /m/flags)
        for f in ro nosuid nodev noexec; do
                has_opt "$o" "$f" || die "/m/flags lacks $f: $o"
        done
        o=$(mount_opts /m/plain)
        for f in nosuid nodev noexec; do
                ! has_opt "$o" "$f" || die "/m/plain has $f though not asked for: $o"
        done
        has_opt "$o" rw || die "/m/plain is not rw: $o"
        assert_line write:/m/flags/x=EROFS
        assert_line write:/m/plain/x=ok
        o=$(mount_opts /dev/shm)
        for f in nosuid nodev noexec; do
                has_opt "$o" "$f" || die "/dev/shm lacks $f: $o"
        done
        assert_match "$(mount_super /proc)" '^proc ' "/proc"
}

@test "mounts: tmpfs size and mode" {
        cfg '.mounts += [{destination: "/m/tmp", type: "tmpfs", source: "tmpfs",
                          options: ["size=1m", "mode=0750", "nosuid"]}]'
        payload mount /m/tmp stat /m/tmp
        rt_run c1
        s=$(mount_super /m/tmp)
        assert_match "$s" '^tmpfs ' "/m/tmp type"
        has_opt "${s#* }" size=1024k || die "/m/tmp: no size=1024k in '$s'"
        has_opt "${s#* }" mode=750 || die "/m/tmp: no mode=750 in '$s'"
        assert_match "$(line_value stat:/m/tmp)" '^dir 0750 0 0 ' "/m/tmp itself"
}

@test "mounts: bind of a host directory, rw and ro" {
        host=$BATS_TEST_TMPDIR/hostdir
        mkdir -p "$host"
        echo from-host >"$host/file"
        cfg '.mounts += [{destination: "/m/rw", type: "bind", source: $h, options: ["rbind"]},
                         {destination: "/m/ro", type: "bind", source: $h, options: ["rbind", "ro"]}]' \
                --arg h "$host"
        payload read /m/rw/file write /m/rw/new read /m/ro/file write /m/ro/other \
                mount /m/rw mount /m/ro
        rt_run c1
        assert_line 'read:/m/rw/file=ok len=10 data=from-host\n'
        assert_line 'read:/m/ro/file=ok len=10 data=from-host\n'
        assert_line write:/m/rw/new=ok
        assert_line write:/m/ro/other=EROFS
        [ -e "$host/new" ] || die "a file created in the rw bind mount is not on the host"
        [ ! -e "$host/other" ] || die "a file was created through the ro bind mount"
        has_opt "$(mount_opts /m/ro)" ro || die "/m/ro is not ro"
        has_opt "$(mount_opts /m/rw)" rw || die "/m/rw is not rw"
}

@test "mounts: rro makes the submounts of a bind read-only too" {
        skip_if_rootless "the host directory needs a submount, which needs root"
        host=$BATS_TEST_TMPDIR/hostdir
        mkdir -p "$host/sub"
        mount -t tmpfs -o size=1m tmpfs "$host/sub"
        cfg '.mounts += [{destination: "/m/rro", type: "bind", source: $h, options: ["rbind", "rro"]}]' \
                --arg h "$host"
        payload mount /m/rro mount /m/rro/sub write /m/rro/x write /m/rro/sub/x
        rt_run c1
        umount "$host/sub"
        has_opt "$(mount_opts /m/rro)" ro || die "/m/rro is not ro"
        has_opt "$(mount_opts /m/rro/sub)" ro || die "the submount /m/rro/sub is not ro"
        assert_line write:/m/rro/x=EROFS
        assert_line write:/m/rro/sub/x=EROFS
}

@test "mounts: a bind source that does not exist fails and names it" {
        cfg '.mounts += [{destination: "/m/x", type: "bind", source: "/nonexistent-berth-src",
                          options: ["rbind"]}]'
        payload exit 0
        rt_run '?' c1
        [ "$status" -ne 0 ] || die "a bind of a missing source succeeded"
        assert_output --partial /nonexistent-berth-src
}

@test "masked paths: files read empty, directories list empty" {
        cfg '.linux.maskedPaths += ["/etc/group", "/usr"]'
        args=(read /etc/group ls /usr write /usr/x read /etc/passwd)
        # The usual masked paths that this kernel has.
        for p in /proc/keys /proc/timer_list /proc/sched_debug /proc/kcore /proc/latency_stats; do
                [ ! -e "$p" ] || args+=(read "$p")
        done
        [ ! -d /sys/firmware ] || args+=(ls /sys/firmware)
        payload "${args[@]}"
        rt_run c1
        assert_line 'read:/etc/group=ok len=0 data='
        assert_line 'ls:/usr='
        assert_match "$(line_value write:/usr/x)" '^(EROFS|EACCES|EPERM)$' "write into a masked directory"
        assert_match "$(line_value read:/etc/passwd)" '^ok len=[1-9]' "an unmasked file"
        for p in /proc/keys /proc/timer_list /proc/sched_debug /proc/kcore /proc/latency_stats; do
                [ -e "$p" ] || continue
                v=$(line_value "read:$p")
                [ "$v" = "ok len=0 data=" ] || [[ "$v" =~ ^E ]] || die "masked $p is readable: $v"
        done
        [ ! -d /sys/firmware ] || assert_line 'ls:/sys/firmware='
}

@test "masked paths: a path that does not exist is no error" {
        cfg '.linux.maskedPaths += ["/no/such/path"]'
        payload exit 0
        rt_run c1
}

@test "readonly paths: writes give EROFS, elsewhere still writable" {
        cfg '.linux.readonlyPaths += ["/etc"]'
        payload write /proc/sys/kernel/hostname write /etc/newfile write /tmp/ok \
                mount /proc/sys mount /etc
        rt_run c1
        if is_rootless; then
                # The file belongs to the host's root: permission fails before the mount's ro.
                assert_match "$(line_value write:/proc/sys/kernel/hostname)" '^(EROFS|EACCES)$'
        else
                assert_line write:/proc/sys/kernel/hostname=EROFS
        fi
        assert_line write:/etc/newfile=EROFS
        assert_line write:/tmp/ok=ok
        has_opt "$(mount_opts /proc/sys)" ro || die "/proc/sys is not ro"
        has_opt "$(mount_opts /etc)" ro || die "/etc is not ro"
}

@test "readonly root: the rootfs is read-only, its mounts are not" {
        cfg '.root.readonly = true'
        payload mount / write /newfile write /tmp/x write /dev/shm/x
        rt_run c1
        has_opt "$(mount_opts /)" ro || die "/ is not ro"
        assert_line write:/newfile=EROFS
        assert_line write:/tmp/x=EROFS
        assert_line write:/dev/shm/x=ok
}

@test "devices: the default devices and /dev links" {
        args=()
        for d in null zero full random urandom tty; do
                args+=(stat "/dev/$d")
        done
        for l in fd stdin stdout stderr ptmx; do
                args+=(readlink "/dev/$l")
        done
        payload "${args[@]}" mount /dev mount /dev/pts mount /dev/mqueue read /dev/null ls /dev/pts
        rt_run c1
        for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
                IFS=: read -r n ma mi <<<"$d"
                # Rootless, the nodes are bind mounts of the host's: owner nobody.
                assert_match "$(line_value "stat:/dev/$n")" "^chr 0666 [0-9]+ [0-9]+ $ma:$mi\$" "/dev/$n"
        done
        assert_line readlink:/dev/fd=/proc/self/fd
        assert_line readlink:/dev/stdin=/proc/self/fd/0
        assert_line readlink:/dev/stdout=/proc/self/fd/1
        assert_line readlink:/dev/stderr=/proc/self/fd/2
        assert_line readlink:/dev/ptmx=pts/ptmx
        assert_match "$(mount_super /dev)" '^tmpfs ' "/dev"
        assert_match "$(mount_super /dev/pts)" '^devpts ' "/dev/pts"
        assert_match "$(mount_super /dev/mqueue)" '^mqueue ' "/dev/mqueue"
        assert_line 'read:/dev/null=ok len=0 data='
        # A new devpts instance: only ptmx, no host terminal.
        assert_line ls:/dev/pts=ptmx
}

@test "devices: linux.devices adds nodes" {
        skip_if_rootless "creating device nodes needs root"
        cfg '.linux.devices = [
               {path: "/dev/berth-null", type: "c", major: 1, minor: 3, fileMode: 416, uid: 0, gid: 0},
               {path: "/dev/berth-owned", type: "c", major: 1, minor: 5, fileMode: 438,
                uid: 1000, gid: 1001},
               {path: "/dev/sub/berth-zero", type: "c", major: 1, minor: 5, fileMode: 438}]'
        payload stat /dev/berth-null stat /dev/berth-owned stat /dev/sub/berth-zero read /dev/berth-null
        rt_run c1
        assert_line 'stat:/dev/berth-null=chr 0640 0 0 1:3'
        assert_line 'stat:/dev/berth-owned=chr 0666 1000 1001 1:5'
        assert_line 'stat:/dev/sub/berth-zero=chr 0666 0 0 1:5'
        assert_line 'read:/dev/berth-null=ok len=0 data='
}

@test "devices: the device cgroup denies what linux.resources.devices does not allow" {
        skip_if_rootless "no device cgroup without root"
        # c 1:250: the mem driver has no such minor, so opening it is harmless:
        # EPERM when the device cgroup denies it, ENXIO from the driver when not.
        # The payload makes the node itself (mknod is allowed for all, "c *:* m").
        payload syscall mknod /tmp/dev-none read /tmp/dev-none read /dev/null
        rt_run c1
        assert_line syscall:mknod=ok
        assert_line read:/tmp/dev-none=EPERM
        assert_line 'read:/dev/null=ok len=0 data='

        cfg '.linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 250, access: "rw"}]'
        rt_run c2
        assert_line read:/tmp/dev-none=ENXIO
}

#!/usr/bin/env bats
# Named volumes: volume create, ls, inspect, rm, prune; podman's formats,
# podman's name rule, options kept, and berth's volumes apart from podman's.

load helpers

setup_file() {
        # podman warns on stderr about things that do not matter here.
        printf '#!/bin/sh\nexec podman "$@" 2>/dev/null\n' >"$BATS_FILE_TMPDIR/podman-q"
        chmod +x "$BATS_FILE_TMPDIR/podman-q"
}

setup() {
        berth_test_setup
        berth_isolate
}

teardown() {
        berth_test_teardown
}

graphroot() {
        "$BERTH" info --format '{{.Store.GraphRoot}}'
}

@test "volume create, ls and inspect: podman's output" {
        run_berth volume create myvol
        assert_output "myvol"
        run_berth volume create
        assert_match "$output" '^[0-9a-f]{64}$'
        local anon=$output
        local g
        g=$(graphroot)

        run_berth volume ls
        assert_line --index 0 "DRIVER      VOLUME NAME"
        # Sorted by name, as podman lists them.
        assert_line --index 1 "local       $anon"
        assert_line --index 2 "local       myvol"
        run_berth volume ls -q
        assert_output "$anon
myvol"
        run_berth volume ls --noheading --format '{{.Name}}'
        assert_output "$anon
myvol"

        run_berth volume inspect myvol
        assert_line --index 0 "["
        assert_line --index 1 "     {"
        assert_line --index 2 '          "Name": "myvol",'
        assert_line --index 3 '          "Driver": "local",'
        assert_line --index 4 "          \"Mountpoint\": \"$g/berth/volumes/myvol/_data\","
        assert_match "${lines[5]}" '^          "CreatedAt": "[0-9T:.-]+Z",$'
        assert_line --index 6 '          "Labels": {},'
        assert_line --index 7 '          "Scope": "local",'
        assert_line --index 8 '          "Options": {},'
        assert_line --index 9 '          "MountCount": 0,'
        assert_line --index 10 '          "NeedsCopyUp": true,'
        assert_line --index 11 '          "NeedsChown": true'
        assert_line --index 12 "     }"
        assert_line --index 13 "]"
        [ -d "$g/berth/volumes/myvol/_data" ] || die "no _data directory"

        run_berth volume inspect --format '{{.Name}} {{.Driver}} {{.Scope}} {{.Labels}} {{.UID}}' myvol
        assert_output "myvol local local map[] 0"
        run_berth volume inspect --format '{{.CreatedAt}}' myvol
        assert_match "$output" '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ \+0000 UTC$'
        run_berth volume inspect --all --format '{{.Name}}'
        assert_output "$anon
myvol"
        # A unique prefix names a volume, as in podman.
        run_berth volume inspect --format '{{.Name}}' myv
        assert_output "myvol"

        # ls --format json: podman's 2-space layout with its open empty maps.
        run_berth volume ls --format json --filter name=myvol
        assert_line --index 0 "["
        assert_line --index 1 "  {"
        assert_line --index 2 '    "Name": "myvol",'
        assert_line --index 6 '    "Labels": {'
        assert_line --index 7 '      '
        assert_line --index 8 '    },'
        run_cmd jq -e '.[0].Scope == "local" and .[0].Options == {}' <<<"$output"
}

@test "volume create: the same JSON keys as podman's" {
        require_cmd podman jq
        run_berth volume create -l a=b -o o=uid=1000,gid=5 bv
        run_cmd "$BATS_FILE_TMPDIR/podman-q" volume create -l a=b -o o=uid=1000,gid=5 pv
        local b p
        b=$("$BERTH" volume inspect bv | jq -c '.[0] | del(.Name, .Mountpoint, .CreatedAt)')
        p=$("$BATS_FILE_TMPDIR/podman-q" volume inspect pv | jq -c '.[0] | del(.Name, .Mountpoint, .CreatedAt)')
        assert_equal "$b" "$p" "inspect without name, path and time"
        b=$("$BERTH" volume ls --format '{{.Driver}} {{.Labels}} {{.Options}} {{.Scope}}')
        p=$("$BATS_FILE_TMPDIR/podman-q" volume ls --format '{{.Driver}} {{.Labels}} {{.Options}} {{.Scope}}')
        assert_equal "$b" "$p" "ls templates"
        "$BATS_FILE_TMPDIR/podman-q" volume rm pv >/dev/null
}

@test "volume create: options and labels are kept" {
        run_berth volume create --label foo=bar -l x -o type=tmpfs -o device=tmpfs \
                -o o=size=64m,uid=1000,nodev tv
        run_berth volume inspect --format '{{.Labels}}|{{.Options}}|{{.UID}}|{{.NeedsChown}}' tv
        assert_output "map[foo:bar x:]|map[UID:1000 device:tmpfs o:size=64m,uid=1000,nodev type:tmpfs]|1000|false"
        run_berth volume inspect tv
        assert_line --partial '"UID": 1000,'
        refute_line --partial '"GID"'
        run_berth volume create -o nocopy -o copy=x nc
        run_berth volume inspect --format '{{.Options}}' nc
        assert_output "map[copy:x nocopy:]"
        # uid=/gid= own the content directory from the start.
        local g
        g=$(graphroot)
        run_berth volume create -o o=uid=1234,gid=4321 owned
        if is_rootless; then
                run_berth unshare stat -c '%u:%g' "$g/berth/volumes/owned/_data"
        else
                run_cmd stat -c '%u:%g' "$g/berth/volumes/owned/_data"
        fi
        assert_output "1234:4321"
}

@test "volume create: bad names, options and drivers are refused" {
        local g long
        g=$(graphroot)
        long=$(printf 'a%.0s' $(seq 300))
        for n in ../x a/b .x -x _x "a b" "$long" ..; do
                run_berth 125 volume create -- "$n"
                assert_output --partial "invalid volume name"
        done
        run_berth 125 volume create -- "$long"
        assert_output --partial "at most 255"
        [ ! -e "$g/berth/x" ] || die "../x escaped the volume directory"
        [ ! -e "$g/berth/volumes/a" ] || die "a/b made a directory"
        run_berth volume ls -q
        assert_output ""

        run_berth 125 volume create -o foo=bar v
        assert_output "Error: invalid mount option foo for driver 'local'"
        run_berth 125 volume create -o o=uid=abc v
        assert_output --partial "cannot convert UID abc"
        run_berth 125 volume create -o o=size=64m v
        assert_output --partial "only with type=tmpfs"
        run_berth 125 volume create -o o=noexec v
        assert_output --partial "needs device="
        run_berth 125 volume create --driver nfs v
        assert_output --partial "volume driver 'nfs' is not supported"
        run_berth 125 volume create -l =b v
        assert_output --partial 'invalid label format: "=b"'
        run_berth volume create --driver local v
        run_berth 125 volume create v
        assert_output "Error: volume with name v already exists: volume already exists"
        run_berth volume create --ignore v
        assert_output "v"
}

@test "volume: a berth volume and a podman volume of the same name are apart" {
        require_cmd podman
        local g pg
        g=$(graphroot)
        run_berth volume create same
        run_cmd "$BATS_FILE_TMPDIR/podman-q" volume create same
        pg=$("$BATS_FILE_TMPDIR/podman-q" volume inspect --format '{{.Mountpoint}}' same)
        run_berth volume inspect --format '{{.Mountpoint}}' same
        assert_output "$g/berth/volumes/same/_data"
        [ "$output" != "$pg" ] || die "berth and podman share $pg"
        assert_equal "$pg" "$g/volumes/same/_data" "podman's path"
        # Data written into one is not in the other, and removing one keeps the other.
        if is_rootless; then
                "$BERTH" unshare sh -c "echo berth >'$g/berth/volumes/same/_data/f'"
        else
                echo berth >"$g/berth/volumes/same/_data/f"
        fi
        if is_rootless; then
                run_cmd "$BATS_FILE_TMPDIR/podman-q" unshare ls -A "$pg"
        else
                run_cmd ls -A "$pg"
        fi
        assert_output ""
        run_berth volume rm same
        run_cmd "$BATS_FILE_TMPDIR/podman-q" volume inspect --format '{{.Name}}' same
        assert_output "same"
        run_cmd "$BATS_FILE_TMPDIR/podman-q" volume rm same
        # podman's volumes are not berth's: berth lists none of them.
        run_cmd "$BATS_FILE_TMPDIR/podman-q" volume create ponly
        run_berth volume ls -q
        assert_output ""
        run_berth 1 volume rm ponly
        run_cmd "$BATS_FILE_TMPDIR/podman-q" volume rm ponly
}

@test "volume ls: filters" {
        run_berth volume create -l env=prod -l team a1
        run_berth volume create -l env=dev a2
        run_berth volume create b1
        run_berth volume ls -q --filter label=env=prod
        assert_output "a1"
        run_berth volume ls -q --filter label=env
        assert_output "a1
a2"
        run_berth volume ls -q --filter name='^a'
        assert_output "a1
a2"
        run_berth volume ls -q --filter name=b1 --filter label=team
        assert_output "a1
b1"
        run_berth volume ls -q --filter dangling=true
        assert_output "a1
a2
b1"
        run_berth volume ls -q --filter dangling=false
        assert_output ""
        run_berth volume ls -q --filter driver=local --filter scope=local
        assert_output "a1
a2
b1"
        run_berth volume ls -q --filter until=1h
        assert_output ""
        run_berth 125 volume ls --filter bogus=1
        assert_output 'Error: "bogus" is an invalid volume filter'
        run_berth 125 volume ls --filter dangling=maybe
        run_berth volume ls --format 'table {{.Name}}\t{{.Driver}}' --filter name=b1
        assert_line --index 0 "VOLUME NAME  DRIVER"
        assert_line --index 1 "b1           local"
}

@test "volume rm and prune" {
        local g
        g=$(graphroot)
        run_berth volume create r1
        run_berth volume create r2
        run_berth volume create -l keep=yes r3
        run_berth 1 volume rm r1 nope r2
        assert_line --index 0 "r1"
        assert_line --index 1 "r2"
        assert_line --index 2 'Error: no volume with name "nope" found: no such volume'
        [ ! -e "$g/berth/volumes/r1" ] || die "r1 left behind"
        run_berth 125 volume rm
        assert_output "Error: choose either one or more volumes or all"
        run_berth 125 volume rm -a r3
        run_berth 125 volume inspect nope
        assert_line --index 0 "[]"
        assert_line --index 1 "Error: inspecting object: no such volume nope"

        run_berth volume create p1
        run_berth volume prune -f --filter label!=keep=yes
        assert_output "p1"
        run_berth volume prune -f --filter label=nothing
        assert_output ""
        run_berth 125 volume prune -f --filter name=x
        assert_output 'Error: "name" is an invalid volume filter'
        # Without -f, prune asks; no answer keeps everything.
        run_cmd 125 sh -c "'$BERTH' volume prune </dev/null"
        assert_line --index 0 "WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:"
        assert_line --index 1 "r3"
        run_cmd sh -c "echo n | '$BERTH' volume prune"
        run_berth volume ls -q
        assert_output "r3"
        run_cmd sh -c "echo y | '$BERTH' volume prune"
        assert_line "r3"
        run_berth volume ls -q
        assert_output ""
        run_berth volume prune
        assert_output "WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:
No dangling volumes found"

        run_berth volume create a
        run_berth volume create b
        run_berth volume rm -a
        assert_output "a
b"
        # A directory without a record (a create cut short) is no volume.
        if is_rootless; then
                "$BERTH" unshare mkdir -p "$g/berth/volumes/half/_data"
        else
                mkdir -p "$g/berth/volumes/half/_data"
        fi
        run_berth volume ls -q
        assert_output ""
}

@test "volume: help lists the commands" {
        run_berth volume --help
        assert_line --partial "create"
        assert_line --partial "prune"
        run_berth volume list --help
        assert_line --partial "--filter"
}

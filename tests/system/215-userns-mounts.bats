#!/usr/bin/env bats
# Mount options that act on ownership and layering: :U (a host directory or
# a named volume given to the container's user), --userns=keep-id file
# ownership, :O overlays whose writes never reach the host, and
# --userns=auto ranges.

load helpers

setup_file() {
        ctr_setup_file
}

setup() {
        ctr_setup
        HOSTDIR=$BERTH_TEST_DIR/tmp/host
        mkdir -p "$HOSTDIR/sub"
        echo hi >"$HOSTDIR/f"
        touch "$HOSTDIR/sub/g"
        # A link out of the directory: chowned itself, never followed.
        OUTSIDE=$BERTH_TEST_DIR/tmp/outside
        echo out >"$OUTSIDE"
        ln -s "$OUTSIDE" "$HOSTDIR/link"
}

teardown() {
        ctr_teardown
}

# owner PATH: uid:gid of PATH as berth's user namespace sees it (the host's
# ids as root).
owner() {
        if is_rootless; then
                "$BERTH" unshare stat -c %u:%g "$1"
        else
                stat -c %u:%g "$1"
        fi
}

@test ":U on a host directory: chowned recursively to the container user, links not followed" {
        local before
        before=$(stat -c %u:%g "$OUTSIDE")
        run_berth run --rm "${CGP[@]}" -v "$HOSTDIR:/d:U" --user 1000:1001 $IMG \
                sh -c 'ls -lnd /d /d/sub/g /d/link | while read -r m n u g rest; do echo "$u:$g"; done'
        assert_output "1000:1001
1000:1001
1000:1001"
        for p in "$HOSTDIR" "$HOSTDIR/f" "$HOSTDIR/sub" "$HOSTDIR/sub/g" "$HOSTDIR/link"; do
                [ "$(owner "$p")" = 1000:1001 ] || die "$p is owned by $(owner "$p")"
        done
        [ "$(stat -c %u:%g "$OUTSIDE")" = "$before" ] || die "the link's target was chowned"
        # Without --user: the container's root (the image's default user).
        run_berth run --rm "${CGP[@]}" -v "$HOSTDIR:/d:U" $IMG stat -c %u:%g /d/sub/g
        assert_output "0:0"
        [ "$(owner "$HOSTDIR/sub/g")" = 0:0 ] || die "not given back to root: $(owner "$HOSTDIR/sub/g")"
        # A single file.
        run_berth run --rm "${CGP[@]}" -v "$HOSTDIR/f:/f:U" --user 7:8 $IMG cat /f
        assert_output "hi"
        [ "$(owner "$HOSTDIR/f")" = 7:8 ] || die "file owned by $(owner "$HOSTDIR/f")"
        # podman refuses dangerous host paths, at start.
        run_berth 125 run --rm "${CGP[@]}" -v /etc:/d:U $IMG true
        assert_output --partial 'chowning host path "/etc" is not allowed. You can manually `chown -R 0:0 /etc`'
}

@test ":U on a named volume: its root belongs to --user inside the container, even when used before" {
        run_berth run --rm "${CGP[@]}" -v uvol:/d $IMG sh -c 'touch /d/a; stat -c %u:%g /d'
        assert_output "0:0"
        run_berth run --rm "${CGP[@]}" -v uvol:/d:U --user 1000 $IMG \
                sh -c 'stat -c %u /d /d/a; touch /d/b && echo wrote'
        assert_output "1000
1000
wrote"
        # A new volume at a path the image has: copy-up, then :U.
        run_berth run --rm "${CGP[@]}" -v uetc:/etc:U --user 1000:1000 $IMG stat -c %u:%g /etc /etc/passwd
        assert_output "1000:1000
1000:1000"
}

@test "--userns=keep-id: files the container makes belong to the invoking user" {
        if ! is_rootless; then
                run_berth 125 create "${CGP[@]}" --userns=keep-id $IMG true
                assert_output "Error: keep-id is only supported in rootless mode"
                skip "keep-id is rootless only"
        fi
        chmod 0777 "$HOSTDIR"
        run_berth run --rm --userns=keep-id -v "$HOSTDIR:/d" $IMG sh -c 'id -u; touch /d/made'
        assert_output "$(id -u)"
        [ "$(stat -c %u:%g "$HOSTDIR/made")" = "$(id -u):$(id -g)" ] ||
                die "made is owned by $(stat -c %u:%g "$HOSTDIR/made") on the host"
        # keep-id with :U: the host directory comes back to the user.
        "$BERTH" unshare chown -R 0:0 "$HOSTDIR"
        run_berth run --rm --userns=keep-id -v "$HOSTDIR:/d:U" $IMG stat -c %u /d/sub/g
        assert_output "$(id -u)"
        [ "$(stat -c %u "$HOSTDIR/sub/g")" = "$(id -u)" ] || die "not the user's: $(stat -c %u "$HOSTDIR/sub/g")"
}

@test ":O: an overlay on a host directory; writes stay in the container's userdata and go" {
        run_berth run "${CGP[@]}" --name ov -v "$HOSTDIR:/h:O" $IMG \
                sh -c 'echo new >/h/new; echo changed >/h/f; rm /h/sub/g; cat /h/f /h/new; grep -c " /h overlay " /proc/mounts'
        assert_output "changed
new
1"
        [ "$(cat "$HOSTDIR/f")" = hi ] || die "the host file changed"
        [ ! -e "$HOSTDIR/new" ] || die "a write reached the host"
        [ -e "$HOSTDIR/sub/g" ] || die "a removal reached the host"
        local g
        g=$("$BERTH" inspect --format '{{.Id}}' ov)
        g=$("$BERTH" info --format '{{.Store.GraphRoot}}')/$(basename "$("$BERTH" info --format '{{.Store.GraphDriverName}}')")-containers/$g/userdata
        [ -d "$g" ] || die "no userdata $g"
        [ ! -e "$g/overlay/0" ] || die "the overlay's directories outlived the container's run"
        run_berth inspect --format '{{range .Mounts}}{{.Type}} {{.Source}} {{.Destination}} {{.Propagation}}{{end}}' ov
        assert_output "bind $HOSTDIR /h private"
        # A new run starts from the host's content again.
        run_berth start -a ov
        assert_output "changed
new
1"
        run_berth rm ov
        # Custom upper and work directories are the user's: kept.
        mkdir -p "$BERTH_TEST_DIR/tmp/up" "$BERTH_TEST_DIR/tmp/wk"
        run_berth run --rm "${CGP[@]}" \
                -v "$HOSTDIR:/h:O,upperdir=$BERTH_TEST_DIR/tmp/up,workdir=$BERTH_TEST_DIR/tmp/wk" \
                $IMG sh -c 'echo kept >/h/k'
        [ ! -e "$HOSTDIR/k" ] || die "a write reached the host"
        if is_rootless; then
                "$BERTH" unshare cat "$BERTH_TEST_DIR/tmp/up/k"
        else
                cat "$BERTH_TEST_DIR/tmp/up/k"
        fi | grep -qx kept || die "the upper directory lost the write"
        # podman's errors for options that do not go with O.
        run_berth 125 create "${CGP[@]}" -v "$HOSTDIR:/h:O,ro" $IMG true
        assert_output "Error: can't use 'O' with other options"
        run_berth 125 create "${CGP[@]}" -v "$HOSTDIR:/h:O,z" $IMG true
        assert_output "Error: invalid options \"O, z\", can only specify 1 'z', 'Z', or 'O' option"
        run_berth 125 create "${CGP[@]}" -v "$HOSTDIR:/h:O,upperdir=/x" $IMG true
        assert_output 'Error: must set both `upperdir` and `workdir`'
}

@test ":O on a named volume: the volume is the lower layer, never written, and in use" {
        run_berth run --rm "${CGP[@]}" -v ovvol:/x $IMG sh -c 'echo hi >/x/f'
        run_berth run --rm "${CGP[@]}" -v ovvol:/x:O $IMG \
                sh -c 'cat /x/f; echo new >/x/g; rm /x/f; ls /x; grep -c " /x overlay " /proc/mounts'
        assert_output "hi
g
1"
        run_berth run --rm "${CGP[@]}" -v ovvol:/x $IMG ls /x
        assert_output "f"
        # Made when missing, as podman does; empty.
        run_berth run --rm "${CGP[@]}" -v ovnew:/x:O $IMG ls -A /x
        assert_output ""
        run_berth volume ls -q --filter name=ovnew
        assert_output "ovnew"
        # The container uses the volume: volume rm refuses, as for -v NAME:DST.
        run_berth create --name ovc "${CGP[@]}" -v ovvol:/x:O $IMG true
        local id data
        id=$output
        data=$("$BERTH" volume inspect --format '{{.Mountpoint}}' ovvol)
        run_berth 2 volume rm ovvol
        assert_output "Error: volume ovvol is being used by the following container(s): $id: volume is being used"
        run_berth inspect --format '{{range .Mounts}}{{.Type}} {{.Name}} {{.Source}} {{.Destination}}{{end}}' ovc
        assert_output "volume ovvol $data /x"
        # Options that do not go with O, as on a host directory.
        run_berth 125 create "${CGP[@]}" -v ovvol:/y:O,nocopy $IMG true
        assert_output "Error: can't use 'O' with other options"
        run_berth rm ovc
        run_berth volume rm ovvol ovnew
}

# auto_user: as root, give --userns=auto the subordinate ids of a user of
# /etc/subuid through storage.conf (root-auto-userns-user), as podman reads
# it; prints nothing when there is none.
auto_user() {
        is_rootless && return 0
        local u
        u=$(awk -F: 'NF == 3 && $1 !~ /^[0-9]+$/ { print $1; exit }' /etc/subuid 2>/dev/null)
        [ -n "$u" ] && grep -q "^$u:" /etc/subgid || return 0
        printf '[storage.options]\nroot-auto-userns-user = "%s"\n' "$u" >>"$CONTAINERS_STORAGE_CONF"
        echo "$u"
}

# records: name and uidmap/gidmap of every container record, one per line.
records() {
        local g d
        g=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        d=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
        if is_rootless; then
                "$BERTH" unshare cat "$g/$d-containers/containers.json"
        else
                cat "$g/$d-containers/containers.json"
        fi | jq -r '.[] | "\(.names[0]) \(.uidmap // [] | map("\(.container_id):\(.host_id):\(.size)") | join(",")) \(.gidmap // [] | map("\(.container_id):\(.host_id):\(.size)") | join(","))"'
}

@test "--userns=auto: a range of its own, recorded as podman records it; the files follow" {
        if ! is_rootless && [ -z "$(auto_user)" ]; then
                skip "no user with /etc/subuid and /etc/subgid ranges"
        fi
        # The container's root is nobody on the host (and the runtime still
        # holds berth's groups): the test's private tree above the store
        # must let it through, as /var/lib does.
        run_berth 125 create "${CGP[@]}" --name a0 --userns=auto $IMG true
        assert_output --regexp "the container's root cannot reach the store '.*': '$BERTH_TEST_DIR.*' is not searchable by it \(mode 0700\)"
        run_berth ps -a -q
        assert_output ""
        local d
        for d in "$BERTH_TEST_DIR" "$BERTH_TEST_DIR"/*/ "$XDG_DATA_HOME"/containers \
                "$TMPDIR"/podman-run-*; do
                [ ! -d "$d" ] || chmod go+x "$d"
        done
        run_berth run "${CGP[@]}" --name a1 --userns=auto $IMG \
                sh -c 'cat /proc/self/uid_map; stat -c %u:%g / /bin /etc/passwd; touch /new && stat -c %u:%g /new'
        local base
        base=$(echo "${lines[0]}" | awk '{ print $2 }')
        assert_line --index 0 --regexp "^ +0 +$base +1024$"
        assert_line --index 1 "0:0"
        assert_line --index 2 "0:0"
        assert_line --index 3 "0:0"
        assert_line --index 4 "0:0"
        run_berth create "${CGP[@]}" --name a2 --userns=auto:size=2000 $IMG true
        run_berth create "${CGP[@]}" --name a3 --userns=auto:uidmapping=1000:$((base + 5000)):1 $IMG true
        run records
        assert_line "a1 0:$base:1024 0:$base:1024"
        assert_line "a2 0:$((base + 1024)):2000 0:$((base + 1024)):2000"
        # The forced mapping is carved out of the automatic range.
        assert_line "a3 0:$((base + 3024)):1000,1001:$((base + 4025)):23,1000:$((base + 5000)):1 0:$((base + 3024)):1024"
        # A removed container's range is free again.
        run_berth rm a1
        run_berth create "${CGP[@]}" --name a4 --userns=auto $IMG true
        run records
        assert_line "a4 0:$base:1024 0:$base:1024"
        run_berth start -a a3
        run_berth 125 create "${CGP[@]}" --userns=auto:size=x $IMG true
        assert_output 'Error: invalid --userns=auto size "x"'
        run_berth 125 create "${CGP[@]}" --userns=auto:bogus=1 $IMG true
        assert_output --partial 'invalid --userns=auto option "bogus=1"'
        run_berth 125 create "${CGP[@]}" --userns=auto:size=100000000 $IMG true
        assert_output --partial "could not find enough available IDs"
        run_berth 125 create "${CGP[@]}" --userns=bogus $IMG true
        assert_output --partial 'invalid --userns "bogus"'
}

@test "--userns=auto as root: no subordinate ids for the user is podman's error" {
        skip_if_rootless
        printf '[storage.options]\nroot-auto-userns-user = "berth-no-such-user"\n' >>"$CONTAINERS_STORAGE_CONF"
        run_berth 125 create "${CGP[@]}" --userns=auto $IMG true
        assert_output --partial 'could not find enough available IDs: no subuid ranges found for user "berth-no-such-user" in /etc/subuid'
        run_berth ps -a -q
        assert_output ""
}

@test "--userns=auto: podman and berth in one store never pick the same range" {
        skip_if_rootless
        require_cmd podman
        local u
        u=$(auto_user)
        [ -n "$u" ] || skip "no user with /etc/subuid and /etc/subgid ranges"
        local g r
        g=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        r=$("$BERTH" info --format '{{.Store.RunRoot}}')
        chmod go+x "$BERTH_TEST_DIR"
        # podman wants the driver named when it reads storage.conf.
        cat >"$CONTAINERS_STORAGE_CONF" <<EOT
[storage]
driver = "overlay"
graphroot = "$g"
runroot = "$r"
[storage.options]
root-auto-userns-user = "$u"
EOT
        printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "runc"\n' \
                >"$BERTH_TEST_DIR/containers.conf"
        run_berth create "${CGP[@]}" --name b1 --userns=auto $IMG true
        run_berth create "${CGP[@]}" --name b2 --userns=auto:uidmapping=1000:$(($(awk -F: -v u="$u" '$1 == u { print $2; exit }' /etc/subuid) + 60000)):1 $IMG true
        CONTAINERS_CONF=$BERTH_TEST_DIR/containers.conf podman create --network none --name p1 \
                --userns=auto $IMG true >/dev/null 2>&1 || skip "podman create --userns=auto fails here"
        run_berth create "${CGP[@]}" --name b3 --userns=auto $IMG true
        run records
        # Every host id belongs to one container at most.
        echo "$output" | awk '{
                n = split($2, m, ",")
                for (i = 1; i <= n; i++) {
                        split(m[i], f, ":")
                        for (id = f[2]; id < f[2] + f[3]; id++) {
                                if (id in owner) { print "id " id ": " owner[id] " and " $1; bad = 1 }
                                owner[id] = $1
                        }
                }
        } END { exit bad }' || die "ranges overlap: $output"
        echo "$output" | grep -q "^p1 [0-9]" || die "podman recorded no range: $output"
        CONTAINERS_CONF=$BERTH_TEST_DIR/containers.conf podman rm p1 >/dev/null 2>&1 || true
}

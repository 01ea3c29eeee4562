#!/usr/bin/env bats
# berth diff and berth commit: podman 4.3's lines and JSON for a container's
# (and an image's) changes, on the store's driver and on vfs; commit's
# config, history, layers, options (-c -m -a -f -q --iidfile --squash
# --pause) and stdout as podman's; a full disk during commit fails cleanly
# and loses nothing (root: a tmpfs store); podman run, podman save and
# skopeo copy take the committed image. Root and rootless.

load helpers

setup_file() {
        ctr_setup_file
}

setup() {
        ctr_setup
        # What Debian's podman needs here (ENVIRONMENT.md), for podman run.
        cat >"$BERTH_TEST_DIR/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF
}

# The full-disk test's tmpfs store lies under BERTH_TEST_DIR: ctr_teardown
# removes its containers (CONTAINERS_STORAGE_CONF still names it) and
# unmounts it with the rest of the test's tree.
teardown() {
        ctr_teardown
}

# The changes the script makes, and podman 4.3's listing of them (checked
# against podman's own `diff` on this machine).
CHANGE='echo hi > /etc/newfile; rm /bin/ls; mkdir -p /var/x; echo y > /var/x/y; touch /etc/passwd; echo a > /tmp/z; mkdir /newdir; echo x > /newdir/f; ln -s /x /newlink'
WANT_LINES='C /bin
D /bin/ls
C /etc
A /etc/newfile
C /etc/passwd
A /newdir
A /newdir/f
A /newlink
C /tmp
A /tmp/z
C /var
A /var/x
A /var/x/y'
WANT_JSON='{
     "changed": [
          "/bin",
          "/etc",
          "/etc/passwd",
          "/tmp",
          "/var"
     ],
     "added": [
          "/etc/newfile",
          "/newdir",
          "/newdir/f",
          "/newlink",
          "/tmp/z",
          "/var/x",
          "/var/x/y"
     ],
     "deleted": [
          "/bin/ls"
     ]
}'

# $PM: podman with the test's store and the containers.conf it needs (a
# script, so that run_cmd can run it); rootless it finds the same store
# through XDG_DATA_HOME and joins berth's namespace.
make_pm() {
        PM=$BERTH_TEST_DIR/pm
        local store=""
        if ! is_rootless; then
                store="--root $BERTH_TEST_DIR/root --runroot $BERTH_TEST_DIR/runroot"
        fi
        printf '#!/bin/sh\nCONTAINERS_CONF=%s exec podman %s "$@"\n' \
                "$BERTH_TEST_DIR/containers.conf" "$store" >"$PM"
        chmod +x "$PM"
}

# config_of IMAGE: the stored image config (big data "sha256:<id>").
config_of() {
        local id graph driver
        id=$("$BERTH" image inspect --format '{{.Id}}' "$1")
        graph=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        driver=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
        local f=$graph/$driver-images/$id/=$(printf 'sha256:%s' "$id" | base64 -w0)
        if is_rootless; then
                "$BERTH" unshare cat "$f"
        else
                cat "$f"
        fi
}

@test "diff: podman's lines and JSON for a container's changes, stopped and running" {
        run_berth run "${CGP[@]}" --name c1 $IMG sh -c "$CHANGE"
        run_berth diff c1
        assert_equal "$output" "$WANT_LINES" "diff c1"
        run_berth container diff c1
        assert_equal "$output" "$WANT_LINES" "container diff c1"
        run_berth diff --format json c1
        assert_equal "$output" "$WANT_JSON" "diff --format json c1"
        # podman's own errors and exit code
        run_berth 125 diff --format table c1
        assert_output "Error: only supported value for '--format' is 'json'"
        run_berth 125 diff nosuch
        assert_output "Error: nosuch not found: layer not known"
        # An image's name, with a '/' no container ID prefix can have ("bb"
        # alone would be a prefix of one container ID in 256).
        run_berth 125 container diff localhost/bb
        assert_output --partial "no such container"

        # Nothing changed: no line, and {} in JSON, as podman.
        run_berth create "${CGP[@]}" --name c0 $IMG true
        run_berth diff c0
        assert_output ""
        run_berth diff --format json c0
        assert_output "{}"

        # A running container: what it writes shows at once; the mount
        # points berth makes (/etc/hosts, /run/.containerenv, ...) never do.
        run_berth run "${CGP[@]}" -d --name r1 $IMG sleep 1000
        run_berth exec r1 sh -c 'echo 1 > /root-file'
        run_berth diff r1
        assert_line "A /root-file"
        refute_line --partial "/etc/hosts"
        refute_line --partial "/run"
        refute_line --partial "/dev"
        run_berth diff -l
        assert_line "A /root-file"
}

@test "diff: vfs lists what overlay lists" {
        local b=("$BERTH" --root "$BERTH_TEST_DIR/vroot" --runroot "$BERTH_TEST_DIR/vrun"
                --storage-driver vfs)
        run_cmd "${b[@]}" import "$BATS_FILE_TMPDIR/rootfs.tar" bb
        run_cmd "${b[@]}" run "${CGP[@]}" --name v1 bb sh -c "$CHANGE"
        run_cmd "${b[@]}" info --format '{{.Store.GraphDriverName}}'
        assert_output "vfs"
        run_cmd "${b[@]}" diff v1
        assert_equal "$output" "$WANT_LINES" "diff on vfs"
        run_cmd "${b[@]}" diff --format json v1
        assert_equal "$output" "$WANT_JSON" "diff --format json on vfs"
        # and its commit runs
        run_cmd "${b[@]}" commit -q v1 vimg
        run_cmd "${b[@]}" run --rm "${CGP[@]}" --entrypoint cat vimg /newdir/f
        assert_output "x"
        run_cmd "${b[@]}" rm -a -f
}

@test "diff: an image's top layer; image diff" {
        run_berth run "${CGP[@]}" --name c1 $IMG sh -c "$CHANGE"
        run_berth commit -q c1 changed
        run_berth diff changed
        assert_line "A /newdir/f"
        assert_line "D /bin/ls"
        run_berth image diff changed
        assert_line "A /newdir/f"
        # the base image: everything is added
        run_berth image diff bb
        assert_line "A /bin/busybox"
        refute_line --regexp '^[CD] '
}

@test "commit: the ID on stdout, podman's lines on stderr, untagged or named" {
        run_berth run "${CGP[@]}" --name c1 -e FOO=bar -w /tmp -u 0:0 --label l1=v1 \
                --entrypoint /bin/sh $IMG -c "$CHANGE"
        local out err id
        out=$("$BERTH" commit c1 2>"$BERTH_TEST_DIR/err")
        err=$(cat "$BERTH_TEST_DIR/err")
        [[ "$out" =~ ^[0-9a-f]{64}$ ]] || die "stdout is not an image ID: '$out'"
        id=$out
        [ "$(echo "$err" | head -1)" = "Getting image source signatures" ] ||
                die "stderr: $err"
        [[ "$err" == *"Copying config sha256:$id"* ]] || die "stderr: $err"
        [[ "$err" == *"Writing manifest to image destination"* ]] || die "stderr: $err"
        [ "$(echo "$err" | grep -c '^Copying blob sha256:')" = 2 ] || die "stderr: $err"
        # untagged, as podman: <none>
        run_berth images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
        assert_line "<none>:<none> ${id:0:12}"

        # named: short names go under localhost/, -q prints only the ID
        run_berth commit -q c1 committed
        id=$output
        [[ "$id" =~ ^[0-9a-f]{64}$ ]] || die "-q printed more than the ID"
        run_berth images --format '{{.Repository}}:{{.Tag}}' committed
        assert_output "localhost/committed:latest"
        run_berth container commit -q --iidfile "$BERTH_TEST_DIR/iid" c1 other:v2
        assert_equal "$(cat "$BERTH_TEST_DIR/iid")" "$output" "--iidfile holds the bare ID"
        run_berth images --format '{{.Repository}}:{{.Tag}}' other:v2
        assert_output "localhost/other:v2"

        # The config carries the container's command, env, workdir, user
        # and labels (no stop signal, no HOSTNAME/HOME berth adds); one new
        # history entry as podman writes it; a new layer over the image's.
        output=$(config_of committed) || die "no config for committed"
        local cfg=$output
        assert_equal "$(jq -c .config.Entrypoint <<<"$cfg")" '["/bin/sh"]' Entrypoint
        assert_equal "$(jq -c '.config.Cmd[0]' <<<"$cfg")" '"-c"' Cmd
        assert_equal "$(jq -r .config.WorkingDir <<<"$cfg")" /tmp WorkingDir
        assert_equal "$(jq -r .config.User <<<"$cfg")" 0:0 User
        assert_equal "$(jq -c .config.Labels <<<"$cfg")" '{"l1":"v1"}' Labels
        assert_equal "$(jq -c '[.config.Env[] | select(startswith("FOO=") or startswith("HOSTNAME=") or startswith("HOME="))]' <<<"$cfg")" '["FOO=bar"]' Env
        assert_equal "$(jq -c '.config.StopSignal' <<<"$cfg")" null StopSignal
        assert_equal "$(jq -c '.history[-1] | [.created_by, .comment]' <<<"$cfg")" \
                '["/bin/sh","FROM localhost/bb:latest"]' history
        assert_equal "$(jq '.rootfs.diff_ids | length' <<<"$cfg")" 2 "diff_ids"
        run_berth history --format '{{.CreatedBy}}|{{.Comment}}' committed
        assert_line --index 0 "/bin/sh|FROM localhost/bb:latest"

        # The image runs and has the changes; an empty change still makes a layer.
        run_berth run --rm "${CGP[@]}" --entrypoint cat committed /newdir/f /etc/newfile
        assert_output "$(printf 'x\nhi')"
        run_berth 1 run --rm "${CGP[@]}" --entrypoint test committed -e /bin/ls
        run_berth create "${CGP[@]}" --name e0 $IMG true
        run_berth commit -q e0 emptyimg
        run_berth image inspect --format '{{len .RootFS.Layers}}' emptyimg
        assert_output "2"
}

@test "commit: -c, -a, -m only with -f docker, --squash" {
        run_berth run "${CGP[@]}" --name c1 --entrypoint /bin/sh $IMG -c "$CHANGE"
        run_berth commit -q -a "Me <me@x>" -c 'CMD ["echo","hi"]' -c "ENV A=b" -c "EXPOSE 8080" \
                -c "STOPSIGNAL SIGTERM" -c "LABEL x=y" -c "VOLUME /data" -c "USER 1:1" \
                -c "WORKDIR /w" -c "ONBUILD RUN true" c1 changed
        output=$(config_of changed) || die "no config for changed"
        local cfg=$output
        assert_equal "$(jq -c .config.Cmd <<<"$cfg")" '["echo","hi"]' Cmd
        assert_equal "$(jq -c .config.ExposedPorts <<<"$cfg")" '{"8080/tcp":{}}' ExposedPorts
        assert_equal "$(jq -r .config.StopSignal <<<"$cfg")" 15 "STOPSIGNAL as its number"
        assert_equal "$(jq -c .config.Volumes <<<"$cfg")" '{"/data":{}}' Volumes
        assert_equal "$(jq -r '.config.User + " " + .config.WorkingDir' <<<"$cfg")" "1:1 /w" User
        assert_equal "$(jq -r .config.Labels.x <<<"$cfg")" y Labels
        assert_equal "$(jq -r '.config.Env | index("A=b") != null' <<<"$cfg")" true Env
        # OCI has no ONBUILD: podman warns and drops it
        assert_equal "$(jq -c .config.OnBuild <<<"$cfg")" null OnBuild
        assert_equal "$(jq -r '.author + "|" + .history[-1].author' <<<"$cfg")" \
                "Me <me@x>|Me <me@x>" author
        run_berth 125 commit -q -c "BOGUS x" c1
        assert_output --partial "unknown instruction"

        # -m: docker format only, as podman
        run_berth 125 commit -q -m msg c1
        assert_output "Error: messages are only compatible with the docker image format (-f docker)"
        run_berth commit -q -f docker -m msg -c "ONBUILD RUN true" c1 dock
        run_berth image inspect --format '{{.ManifestType}}' dock
        assert_output "application/vnd.docker.distribution.manifest.v2+json"
        output=$(config_of dock) || die "no config for dock"
        cfg=$output
        assert_equal "$(jq -r .comment <<<"$cfg")" msg comment
        assert_equal "$(jq -c .config.OnBuild <<<"$cfg")" '["RUN true"]' OnBuild
        assert_equal "$(jq -r .container_config.Image <<<"$cfg")" localhost/bb:latest Image
        run_berth 125 commit -q -f v2s1 c1
        assert_output --partial 'unrecognized image type "v2s1"'

        # Volumes: anonymous ones by default, every -v with --include-volumes (as podman)
        mkdir -p "$BERTH_TEST_DIR/hostdir"
        run_berth create "${CGP[@]}" --name v1 -v /anon -v "$BERTH_TEST_DIR/hostdir:/mnt" $IMG true
        run_berth commit -q v1 vols
        output=$(config_of vols) || die "no config for vols"
        assert_equal "$(jq -c .config.Volumes <<<"$output")" '{"/anon":{}}' "Volumes"
        run_berth commit -q --include-volumes v1 vols-all
        output=$(config_of vols-all) || die "no config for vols-all"
        assert_equal "$(jq -c .config.Volumes <<<"$output")" '{"/anon":{},"/mnt":{}}' "Volumes"

        # --squash: one layer with the whole tree, one history entry
        run_berth commit -q --squash c1 squashed
        run_berth image inspect --format '{{len .RootFS.Layers}} {{len .History}}' squashed
        assert_output "1 1"
        run_berth run --rm "${CGP[@]}" --entrypoint sh squashed -c \
                'cat /newdir/f; test -e /bin/ls || echo gone; busybox true && echo base'
        assert_output "$(printf 'x\ngone\nbase')"
}

@test "commit: a running container, --pause as root" {
        run_berth run "${CGP[@]}" -d --name r1 $IMG sh -c 'echo live > /live; sleep 1000'
        local i
        for i in $(seq 100); do
                "$BERTH" exec r1 test -e /live 2>/dev/null && break
                sleep 0.1
        done
        run_berth commit -q r1 live1
        run_berth run --rm "${CGP[@]}" live1 cat /live
        assert_output "live"
        run_berth inspect --format '{{.State.Status}}' r1
        assert_output "running"
        if is_rootless; then
                # no cgroups to freeze with here: asked for, it fails clearly
                run_berth 125 commit -q --pause r1 live2
                assert_output --partial "pausing container"
                assert_output --partial "cgroup V1"
        else
                run_berth commit -q --pause r1 live2
                run_berth inspect --format '{{.State.Status}}' r1
                assert_output "running"
                run_berth exec r1 true
        fi
        # the container goes on, and rm during nothing left behind works
        run_berth rm -f r1
}

@test "commit: a full disk fails clearly and the store loses nothing" {
        skip_if_rootless "needs a tmpfs mount"
        TMPFS_DIR=$BERTH_TEST_DIR/small
        mkdir -p "$TMPFS_DIR"
        mount -t tmpfs -o size=24m tmpfs "$TMPFS_DIR"
        cat >"$BERTH_TEST_DIR/small.conf" <<EOF
[storage]
graphroot = "$TMPFS_DIR/root"
runroot = "$TMPFS_DIR/run"
EOF
        export CONTAINERS_STORAGE_CONF=$BERTH_TEST_DIR/small.conf
        run_berth import "$BATS_FILE_TMPDIR/rootfs.tar" bb
        run_berth run "${CGP[@]}" --name ok $IMG sh -c 'echo small > /small'
        run_berth commit -q ok good
        # A file that fits once but not twice (the commit copies it).
        local free
        free=$(df -k --output=avail "$TMPFS_DIR" | tail -1)
        # Once: the start below runs the command again, and a second /big
        # and /done written while the commit reads them would race it.
        run_berth run "${CGP[@]}" -d --name big $IMG sh -c \
                "[ -e /done ] || { head -c $(((free - 2048) * 1024 * 2 / 3)) /dev/zero > /big; echo done > /done; }; sleep 1000"
        local i
        for i in $(seq 200); do
                "$BERTH" exec big test -e /done 2>/dev/null && break
                sleep 0.1
        done
        run_berth exec big test -e /done
        run_berth images -q
        local images_before=$output
        run_berth 125 commit big toobig
        assert_output --partial "No space left on device"
        # Nothing half-made; everything still readable and usable.
        run_berth images -q
        assert_equal "$output" "$images_before" "images after the failed commit"
        run_berth 125 image inspect toobig
        run_berth ps -a --format '{{.Names}}'
        assert_line "big"
        assert_line "ok"
        run_berth inspect --format '{{.State.Status}}' big
        assert_output "running"
        run_berth system check
        run_berth exec big cat /done
        assert_output "done"
        run_berth stop -t 0 big
        run_berth start big
        run_berth exec big cat /done
        # With room again, the same commit works.
        run_berth exec big rm /big
        run_berth commit -q big fits
        run_berth run --rm "${CGP[@]}" fits cat /done
        assert_output "done"
        run_berth run --rm "${CGP[@]}" good cat /small
        assert_output "small"
        run_berth rm -a -f -t 0
}

@test "commit: podman run, podman save and skopeo copy take the image" {
        require_cmd podman skopeo
        make_pm
        run_berth run "${CGP[@]}" --name c1 -e FOO=bar $IMG sh -c "$CHANGE"
        run_berth commit -q -c 'CMD ["cat","/newdir/f"]' c1 interop
        local id=$output
        run_cmd "$PM" image inspect --format '{{.Config.Cmd}}|{{range .Config.Env}}{{.}},{{end}}|{{len .History}}|{{(index .History 1).CreatedBy}}' interop
        assert_output --partial "[cat /newdir/f]|"
        assert_output --partial "FOO=bar,"
        assert_output --partial "|2|/bin/sh"
        run_cmd "$PM" run --rm --network none "${CGP[@]}" interop
        assert_line "x"
        run_cmd "$PM" save -o "$BERTH_TEST_DIR/saved.tar" interop
        [ -s "$BERTH_TEST_DIR/saved.tar" ] || die "podman save wrote nothing"
        local dst=$BERTH_TEST_DIR/skopeo-dir
        run_cmd skopeo copy "containers-storage:$id" "dir:$dst"
        [ -s "$dst/manifest.json" ] || die "skopeo wrote no manifest"
        assert_equal "$(jq '.layers | length' "$dst/manifest.json")" 2 "layers skopeo copied"
        # and the docker format too
        run_berth commit -q -f docker c1 interop-docker
        run_cmd "$PM" run --rm --network none "${CGP[@]}" --entrypoint cat interop-docker /newdir/f
        assert_line "x"
}

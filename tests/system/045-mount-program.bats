#!/usr/bin/env bats
# An overlay store with a mount_program (fuse-overlayfs) in storage.conf:
# layers keep AUFS whiteouts (.wh.<name> files and .wh..wh..opq) as
# containers/storage extracts them there, overlay/.has-mount-program says
# "true", and podman with the same storage.conf reads what berth loaded.

load helpers

setup_file() {
        local f=$BATS_FILE_TMPDIR
        "$BERTH_FIXTURES_DIR/make-busybox-rootfs.sh" "$f/rootfs.tar" >/dev/null
        # Layer 2 removes /bin/ls and makes /etc opaque with a new hostname.
        "$BERTH_FIXTURES_DIR/make-layered-archive.sh" --whiteouts "$f/rootfs.tar" "$f/wh.tar" \
                localhost/wh:1 >"$f/wh.id"
        printf '#!/bin/sh\nexec podman "$@" 2>/dev/null\n' >"$f/podman-q"
        chmod +x "$f/podman-q"
}

setup() {
        berth_test_setup
        berth_isolate
        require_cmd fuse-overlayfs
        # The user's own storage.conf when rootless (podman 4.3 ignores the
        # graphroot of a CONTAINERS_STORAGE_CONF file then), else that file.
        local conf=$BERTH_TEST_DIR/mp-storage.conf
        if is_rootless; then
                conf=$XDG_CONFIG_HOME/containers/storage.conf
                mkdir -p "$XDG_CONFIG_HOME/containers"
        else
                export CONTAINERS_STORAGE_CONF=$conf
        fi
        cat >"$conf" <<EOC
[storage]
driver = "overlay"
graphroot = "$BERTH_TEST_DIR/root"
runroot = "$BERTH_TEST_DIR/runroot"
[storage.options.overlay]
mount_program = "$(command -v fuse-overlayfs)"
EOC
        GRAPH=$BERTH_TEST_DIR/root
        IMG=$(cat "$BATS_FILE_TMPDIR/wh.id")
}

# podman inside berth's namespace when rootless (same store, same mounts).
podman_in() {
        if is_rootless; then
                run_berth unshare "$BATS_FILE_TMPDIR/podman-q" "$@"
        else
                run_cmd "$BATS_FILE_TMPDIR/podman-q" "$@"
        fi
}

# in_ns [EXPECTED] CMD...: run CMD where the store's files and mounts are
# seen as berth sees them.
in_ns() {
        local expected=0
        case "$1" in [0-9]) expected=$1 && shift ;; esac
        if is_rootless; then run_berth "$expected" unshare "$@"; else run_cmd "$expected" "$@"; fi
}

top_layer() {
        jq -r --arg id "$IMG" '.[] | select(.id == $id) | .layer' "$GRAPH/overlay-images/images.json"
}

@test "mount_program: layers keep AUFS whiteouts, the store is marked" {
        run_berth info --format '{{.Store.GraphDriverName}}'
        assert_output overlay
        run_berth load -i "$BATS_FILE_TMPDIR/wh.tar"
        assert_output "Loaded image: localhost/wh:1"
        run_cmd cat "$GRAPH/overlay/.has-mount-program"
        assert_output "true"
        local diff
        diff=$GRAPH/overlay/$(top_layer)/diff
        # Regular empty files, not 0:0 devices; no opaque xattr.
        in_ns stat -c '%F %s' "$diff/bin/.wh.ls" "$diff/etc/.wh..wh..opq"
        assert_line --index 0 "regular empty file 0"
        assert_line --index 1 "regular empty file 0"
        run_cmd find "$GRAPH/overlay" -type c
        assert_output ""
        # The tar comes back byte for byte.
        run_berth save -o "$BERTH_TEST_DIR/out.tar" localhost/wh:1
        mkdir "$BERTH_TEST_DIR/out"
        tar -C "$BERTH_TEST_DIR/out" -xf "$BERTH_TEST_DIR/out.tar"
        run_cmd jq -r '.[0].Layers[]' "$BERTH_TEST_DIR/out/manifest.json"
        local l
        for l in "${lines[@]}"; do
                assert_equal "$(sha256sum "$BERTH_TEST_DIR/out/$l" | cut -c1-64)" "${l%.tar}" \
                        "layer $l"
        done
        run_berth system check
        assert_output "No problems found"
}

@test "mount_program: a mounted image hides what its whiteouts remove" {
        # fuse-overlayfs needs /dev/fuse, mode 0600 on some test machines.
        if ! [ -r /dev/fuse ] || ! [ -w /dev/fuse ]; then
                skip "/dev/fuse is not usable here"
        fi
        run_berth load -i "$BATS_FILE_TMPDIR/wh.tar"
        run_berth image mount localhost/wh:1
        local m=$output
        in_ns ls "$m/etc"
        assert_output "hostname"
        in_ns 1 test -e "$m/bin/ls"
        in_ns test -e "$m/bin/cat"
        run_berth image unmount localhost/wh:1
        assert_output "$IMG"
}

@test "mount_program: podman with the same storage.conf reads berth's image" {
        require_cmd podman
        run_berth load -i "$BATS_FILE_TMPDIR/wh.tar"
        podman_in image inspect --format '{{.Id}} {{.RootFS.Layers}}' localhost/wh:1
        local want
        want=$(tar -xOf "$BATS_FILE_TMPDIR/wh.tar" manifest.json | jq -r '.[0].Layers |
                map("sha256:" + rtrimstr(".tar")) | join(" ")')
        assert_output "$IMG [$want]"
        podman_in save -o "$BERTH_TEST_DIR/p.tar" localhost/wh:1
        mkdir "$BERTH_TEST_DIR/p"
        tar -C "$BERTH_TEST_DIR/p" -xf "$BERTH_TEST_DIR/p.tar"
        run_cmd jq -r '.[0].Layers | join(",")' "$BERTH_TEST_DIR/p/manifest.json"
        local l
        for l in ${output//,/ }; do
                assert_equal "$(sha256sum "$BERTH_TEST_DIR/p/$l" | cut -c1-64)" "${l%.tar}" \
                        "podman's layer $l"
        done
        run_cmd cat "$GRAPH/overlay/.has-mount-program"
        assert_output "true"
}

@test "mount_program: what podman loads there berth lists and saves" {
        require_cmd podman
        podman_in load -i "$BATS_FILE_TMPDIR/wh.tar"
        run_berth images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
        assert_output "localhost/wh:1 ${IMG:0:12}"
        local diff
        diff=$GRAPH/overlay/$(top_layer)/diff
        in_ns stat -c '%F' "$diff/bin/.wh.ls"
        assert_output "regular empty file"
        run_berth save -o "$BERTH_TEST_DIR/out.tar" localhost/wh:1
        run_berth system check
        assert_output "No problems found"
}

#!/usr/bin/env bats
# load, save and image copy, checked against podman and skopeo.

load helpers

setup_file() {
        "$BERTH_FIXTURES_DIR/make-busybox-rootfs.sh" "$BATS_FILE_TMPDIR/rootfs.tar" >/dev/null
        printf '#!/bin/sh\nexec podman "$@" 2>/dev/null\n' >"$BATS_FILE_TMPDIR/podman-q"
        chmod +x "$BATS_FILE_TMPDIR/podman-q"
}

setup() {
        berth_test_setup
        berth_isolate
        ROOTFS=$BATS_FILE_TMPDIR/rootfs.tar
        PQ=$BATS_FILE_TMPDIR/podman-q
        run_berth import -c 'CMD ["/bin/sh"]' "$ROOTFS" img:1
        ID=${output#sha256:}
}

# podman inside berth's namespace when rootless (same store, same mounts).
podman_in() {
        if is_rootless; then
                run_berth unshare "$PQ" "$@"
        else
                run_cmd "$PQ" "$@"
        fi
}

layers_json() {
        local graph driver
        graph=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        driver=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
        echo "$graph/$driver-layers/layers.json"
}

# sha256 of every layer blob in a docker-archive, sorted.
layer_sums() {
        local t=$1 f
        for f in $(tar tf "$t" | grep -E '(layer\.tar|^[0-9a-f]{64}\.tar)$'); do
                tar xOf "$t" "$f" | sha256sum | cut -d' ' -f1
        done | sort -u
}

@test "save: a docker-archive whose layers are byte-identical to podman save's" {
        require_cmd podman
        run_berth save -o "$BERTH_TEST_DIR/berth.tar" img:1
        podman_in save -o "$BERTH_TEST_DIR/podman.tar" localhost/img:1
        assert_equal "$(layer_sums "$BERTH_TEST_DIR/berth.tar")" \
                "$(layer_sums "$BERTH_TEST_DIR/podman.tar")" "layer blobs"
        tar xOf "$BERTH_TEST_DIR/berth.tar" manifest.json | jq -e \
                '.[0].RepoTags == ["localhost/img:1"] and (.[0].Config | startswith("'"$ID"'"))' \
                >/dev/null || die "unexpected manifest.json"
}

@test "load: podman's archive keeps its image ID; loading twice adds nothing" {
        require_cmd podman
        podman_in save -o "$BERTH_TEST_DIR/podman.tar" localhost/img:1
        run_berth rmi img:1
        run_berth load -i "$BERTH_TEST_DIR/podman.tar"
        assert_output "Loaded image: localhost/img:1"
        run_berth images -q --no-trunc
        assert_output "sha256:$ID"
        local before
        before=$(jq -c '[.[].id]' "$(layers_json)")
        run_berth load -i "$BERTH_TEST_DIR/podman.tar"
        assert_equal "$(jq -c '[.[].id]' "$(layers_json)")" "$before" "layers after a second load"
        run_berth images -q
        assert_equal "${#lines[@]}" "1" "images after a second load"
}

@test "load: podman loads berth's archive with the same ID" {
        require_cmd podman
        run_berth save -o "$BERTH_TEST_DIR/berth.tar" img:1
        run_berth rmi img:1
        podman_in load -i "$BERTH_TEST_DIR/berth.tar"
        podman_in images -q --no-trunc
        assert_output "sha256:$ID"
}

@test "save and load through a pipe, several images in one archive" {
        run_berth import "$ROOTFS" other:2
        local other=${output#sha256:}
        run_cmd bash -c '"$BERTH" save img:1 other:2 > "$0"' "$BERTH_TEST_DIR/two.tar"
        run_berth rmi img:1 other:2
        run_cmd bash -c '"$BERTH" load < "$0"' "$BERTH_TEST_DIR/two.tar"
        assert_line "Loaded image: localhost/img:1"
        assert_line "Loaded image: localhost/other:2"
        run_berth images --format '{{.ID}}'
        assert_line "${ID:0:12}"
        assert_line "${other:0:12}"
}

@test "oci-archive, oci-dir and docker-dir round trips; skopeo reads them" {
        run_berth save --format oci-archive -o "$BERTH_TEST_DIR/o.tar" img:1
        run_berth save --format oci-dir -o "$BERTH_TEST_DIR/odir" img:1
        run_berth save --format docker-dir -o "$BERTH_TEST_DIR/ddir" img:1
        if command -v skopeo >/dev/null; then
                run_cmd skopeo inspect --format '{{.Digest}}' "oci-archive:$BERTH_TEST_DIR/o.tar"
                run_cmd skopeo inspect --config "dir:$BERTH_TEST_DIR/ddir"
        fi
        for src in "$BERTH_TEST_DIR/o.tar" "$BERTH_TEST_DIR/odir" "$BERTH_TEST_DIR/ddir"; do
                run_berth rmi -a -f
                run_berth load -i "$src"
                run_berth images -q --no-trunc
                assert_output "sha256:$ID"
        done
        run_berth 125 save --format oci-dir img:1
        assert_output --partial "needs --output"
        run_berth 125 save --format bogus -o x img:1
}

@test "image copy between transports, and skopeo reads the result" {
        run_berth image copy containers-storage:img:1 "oci:$BERTH_TEST_DIR/layout:v1"
        [ -f "$BERTH_TEST_DIR/layout/index.json" ] || die "no OCI layout"
        if command -v skopeo >/dev/null; then
                run_cmd skopeo copy "oci:$BERTH_TEST_DIR/layout:v1" "dir:$BERTH_TEST_DIR/sk"
        fi
        run_berth image copy "oci:$BERTH_TEST_DIR/layout:v1" containers-storage:localhost/copied:v1
        run_berth images --format '{{.ID}} {{.Repository}}:{{.Tag}}'
        assert_line "${ID:0:12} localhost/copied:v1"
        run_berth 125 image copy containers-storage:nosuch "oci:$BERTH_TEST_DIR/x"
        assert_output --partial "nosuch: image not known"
}

@test "image copy into and out of another store named by [driver@root+runroot]" {
        local driver spec
        driver=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
        spec="[$driver@$BERTH_TEST_DIR/s2+$BERTH_TEST_DIR/r2]"
        run_berth image copy containers-storage:img:1 "containers-storage:${spec}localhost/other:2"
        run_berth --root "$BERTH_TEST_DIR/s2" --runroot "$BERTH_TEST_DIR/r2" \
                --storage-driver "$driver" images --format '{{.ID}} {{.Repository}}:{{.Tag}}'
        assert_output "${ID:0:12} localhost/other:2"
        run_berth image copy "containers-storage:${spec}other:2" "oci:$BERTH_TEST_DIR/o2:z"
        [ -f "$BERTH_TEST_DIR/o2/index.json" ] || die "no OCI layout from the other store"
}

@test "a corrupted layer in an OCI layout aborts the load with a digest mismatch" {
        run_berth save --format oci-dir -o "$BERTH_TEST_DIR/bad" img:1
        run_berth rmi img:1
        local before blob
        before=$(cat "$(layers_json)")
        # The biggest blob is the layer: flip one byte in the middle.
        blob=$(ls -S "$BERTH_TEST_DIR"/bad/blobs/sha256/* | head -n 1)
        local size
        size=$(stat -c %s "$blob")
        printf 'X' | dd of="$blob" bs=1 seek=$((size / 2)) conv=notrunc status=none
        run_berth 125 load -i "$BERTH_TEST_DIR/bad"
        assert_output --partial "digest mismatch"
        run_berth images -q
        assert_output ""
        assert_equal "$(cat "$(layers_json)")" "$before" "layers.json after a failed load"
}

@test "load: junk and missing input are clear errors" {
        printf 'junk' >"$BERTH_TEST_DIR/junk.tar"
        run_berth 125 load -i "$BERTH_TEST_DIR/junk.tar"
        assert_output --regexp '^Error: '
        run_berth 125 load -i /nonexistent.tar
        assert_output --regexp '^Error: '
}

#!/usr/bin/env bats
# berth system check and system reset: damage found and repaired, nothing
# reset that need not be.

load helpers

setup_file() {
        local f=$BATS_FILE_TMPDIR
        "$BERTH_FIXTURES_DIR/make-busybox-rootfs.sh" "$f/rootfs.tar" >/dev/null
        "$BERTH_FIXTURES_DIR/make-layered-archive.sh" "$f/rootfs.tar" "$f/layered.tar" \
                localhost/layered:1 >"$f/layered.id"
        # Its last layer does not match the config's diff_id; its base
        # layer is in no other image of these tests.
        mkdir -p "$f/other"
        echo other >"$f/other/base"
        tar -C "$f/other" --owner=0 --group=0 -cf "$f/other.tar" base
        "$BERTH_FIXTURES_DIR/make-layered-archive.sh" --corrupt-last "$f/other.tar" \
                "$f/bad.tar" localhost/bad:1 >/dev/null
        printf '#!/bin/sh\nexec podman "$@" 2>/dev/null\n' >"$f/podman-q"
        chmod +x "$f/podman-q"
}

setup() {
        berth_test_setup
        berth_isolate
        run_berth import "$BATS_FILE_TMPDIR/rootfs.tar" keep
        GRAPH=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        DRIVER=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
}

# podman inside berth's namespace when rootless (same store, same mounts).
podman_in() {
        if is_rootless; then
                run_berth unshare "$BATS_FILE_TMPDIR/podman-q" "$@"
        else
                run_cmd "$BATS_FILE_TMPDIR/podman-q" "$@"
        fi
}

layer_count() {
        jq length "$GRAPH/$DRIVER-layers/layers.json"
}

# files_dir ID: where a layer's files are.
files_dir() {
        if [ "$DRIVER" = overlay ]; then echo "$GRAPH/overlay/$1/diff"; else echo "$GRAPH/vfs/dir/$1"; fi
}

layer_dir() {
        if [ "$DRIVER" = overlay ]; then echo "$GRAPH/overlay/$1"; else echo "$GRAPH/vfs/dir/$1"; fi
}

@test "check: a clean store has no problems" {
        run_berth system check
        assert_output "No problems found"
}

@test "check: an orphaned layer directory is found, then reclaimed" {
        local orphan
        orphan=$(printf '%064d' 7)
        mkdir -p "$(layer_dir "$orphan")"
        head -c 2000000 /dev/zero >"$(layer_dir "$orphan")/blob"
        run_berth 1 system check
        assert_line "orphan-layer-dirs: $orphan"
        assert_line --partial "1 problem found, 2"
        run_berth system check --repair
        assert_line --partial "Repaired 1 problem, reclaimed 2"
        [ ! -e "$(layer_dir "$orphan")" ] || die "orphan still there"
        run_berth system check
        assert_output "No problems found"
        # The image survived.
        run_berth images --format '{{.Repository}}'
        assert_output "localhost/keep"
}

@test "check: a layer left incomplete by a crash is removed with its image" {
        local layers=$GRAPH/$DRIVER-layers/layers.json
        jq -c '.[0].flags = {"incomplete": true}' "$layers" >"$layers.new"
        mv "$layers.new" "$layers"
        run_berth system check --format '{{len .IncompleteLayers}}'
        assert_output "1"
        run_berth 1 system check
        assert_line --partial "incomplete-layers:"
        run_berth system check --repair
        run_berth system check
        assert_output "No problems found"
}

@test "check: a load that fails on its last layer leaves a layer only --max finds" {
        local before
        before=$(layer_count)
        run_berth 125 load -i "$BATS_FILE_TMPDIR/bad.tar"
        assert_output --partial "digest mismatch"
        # The base layer was new and stays committed without an image, as
        # podman leaves it; it is younger than the default --max of 24h: a
        # load in progress looks the same.
        assert_equal "$(layer_count)" "$((before + 1))" "layers after the failed load"
        run_berth system check
        assert_output "No problems found"
        run_berth system check --max 1h
        assert_output "No problems found"
        run_berth 1 system check -m 0s
        assert_line --regexp "^unreferenced-layers: [0-9a-f]{64}$"
        assert_line --partial "1 problem found"
        run_berth system check --max 0 --repair
        assert_line --partial "Repaired 1 problem, reclaimed"
        assert_equal "$(layer_count)" "$before" "layers after the repair"
        run_berth system check -m 0
        assert_output "No problems found"
        run_berth images --format '{{.Repository}}'
        assert_output "localhost/keep"
        run_berth 125 system check --max soon
        assert_output --partial "invalid --max 'soon'"
}

@test "check: a layer whose files changed is damaged; --quick does not read layers" {
        local img top
        run_berth load -i "$BATS_FILE_TMPDIR/layered.tar"
        img=$(cat "$BATS_FILE_TMPDIR/layered.id")
        top=$(jq -r --arg id "$img" '.[] | select(.id == $id) | .layer' \
                "$GRAPH/$DRIVER-images/images.json")
        echo "changed" >"$(files_dir "$top")/hello"
        run_berth system check --quick
        assert_output "No problems found"
        run_berth 1 system check
        assert_line "damaged-layers: $top: file integrity checksum failed for 'hello'"
        assert_line "damaged-images: $img: layer $top damaged"
        run_berth system check -r
        assert_line --partial "Repaired 2 problems"
        run_berth system check
        assert_output "No problems found"
        run_berth images --format '{{.Repository}}'
        assert_output "localhost/keep"
}

@test "check: --repair keeps a damaged image a podman container uses, --force removes both" {
        require_cmd podman
        local img top
        run_berth load -i "$BATS_FILE_TMPDIR/layered.tar"
        img=$(cat "$BATS_FILE_TMPDIR/layered.id")
        podman_in create --name user localhost/layered:1 /bin/true
        top=$(jq -r --arg id "$img" '.[] | select(.id == $id) | .layer' \
                "$GRAPH/$DRIVER-images/images.json")
        echo "changed" >"$(files_dir "$top")/hello"
        run_berth 1 system check --repair
        assert_line --regexp "^broken-containers: [0-9a-f]{64}: image damaged$"
        assert_line --regexp "^kept: $img: damaged image used by container [0-9a-f]{64}"
        assert_line --partial "left because containers use them"
        run_berth images --format '{{.Repository}}'
        assert_line "localhost/layered"
        run_berth system check -f
        assert_line --partial "Repaired 3 problems"
        run_berth system check
        assert_output "No problems found"
        run_berth images --format '{{.Repository}}'
        assert_output "localhost/keep"
        run_cmd jq length "$GRAPH/$DRIVER-containers/containers.json"
        assert_output 0
        # podman keeps its own database entry of the container (berth never
        # writes podman's database) until it is removed there.
        podman_in rm user
}

@test "check --format json" {
        run_berth system check --format json
        echo "$output" | jq -e '.repaired == false and (."orphan-layer-dirs" | length == 0)' \
                >/dev/null || die "unexpected: $output"
}

@test "reset -f removes every image, podman sees an empty store" {
        run_berth system reset -f
        run_berth images -q
        assert_output ""
        run_berth system check
        assert_output "No problems found"
        if command -v podman >/dev/null && ! is_rootless; then
                run_cmd bash -c 'podman images -q 2>/dev/null'
                assert_output ""
        fi
}

@test "reset without -f asks and does nothing on no" {
        run_cmd bash -c 'echo n | "$BERTH" system reset'
        assert_output --partial "WARNING! This will remove everything"
        assert_output --partial "podman, buildah and skopeo"
        run_berth images --format '{{.Repository}}'
        assert_output "localhost/keep"
}

#!/usr/bin/env bats
# berth system check and system reset: damage found and repaired, nothing
# reset that need not be.

load helpers

setup_file() {
        "$BERTH_FIXTURES_DIR/make-busybox-rootfs.sh" "$BATS_FILE_TMPDIR/rootfs.tar" >/dev/null
}

setup() {
        berth_test_setup
        berth_isolate
        run_berth import "$BATS_FILE_TMPDIR/rootfs.tar" keep
        GRAPH=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        DRIVER=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
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

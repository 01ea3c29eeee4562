#!/usr/bin/env bats
# berth info, and agreement with podman on the store it would share.

load helpers

# podman_store_facts: graphroot, runroot and driver as podman computes them
# in the current environment. A rootless podman leaves a pause process
# behind; stop it so that no test leaks processes.
podman_store_facts() {
        podman info --format '{{.Store.GraphRoot}} {{.Store.RunRoot}} {{.Store.GraphDriverName}}' \
                2>/dev/null
        local rc=$?
        if is_rootless; then
                local f
                for f in "${XDG_RUNTIME_DIR:-${TMPDIR:-/tmp}/podman-run-$(id -u)}/libpod/tmp/pause.pid"; do
                        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
                done
        fi
        return $rc
}

berth_store_facts() {
        "$BERTH" info --format '{{.Store.GraphRoot}} {{.Store.RunRoot}} {{.Store.GraphDriverName}}'
}

# compare_with_podman WHAT: both tools report the same store facts. podman
# remembers its paths in a database inside graphroot after its first run,
# so every comparison gets a fresh XDG_DATA_HOME (rootless) or storage.conf.
compare_with_podman() {
        local what=$1 p b
        b=$(berth_store_facts) || die "berth info failed ($what)"
        p=$(podman_store_facts) || die "podman info failed ($what)"
        echo "# $what: berth '$b' podman '$p'"
        assert_equal "$b" "$p" "$what"
}

fresh_data_home() {
        export XDG_DATA_HOME=$BERTH_TEST_DIR/data-$1
        mkdir -p "$XDG_DATA_HOME"
}

@test "info prints host, store and registries as YAML" {
        berth_isolate
        run_berth info
        assert_line "host:"
        assert_line "store:"
        assert_line --regexp "^registries:"
        assert_line --regexp '^  kernel: '
        assert_line --regexp '^  graphRoot: /'
        assert_line --regexp '^  cgroupVersion: v[12]$'
        if is_rootless; then
                assert_line "    rootless: true"
                # The id mappings podman would use: the user, then its subordinate range.
                assert_line --regexp "^    - container_id: 0$"
                assert_line "      host_id: $(id -u)"
        else
                assert_line "    rootless: false"
        fi
}

@test "info --format json and templates" {
        berth_isolate
        run_berth info --format json
        echo "$output" | jq -e '.host.kernel and .store.graphRoot and .store.runRoot and
                .store.graphDriverName and (.registries|type=="object") and
                (.configFiles|type=="array")' >/dev/null || die "unexpected JSON: $output"
        run_berth info --format '{{.Host.Kernel}}'
        assert_output "$(uname -r)"
        run_berth info --format '{{.host.os}} {{.Host.Security.Rootless}}'
        if is_rootless; then assert_output "linux true"; else assert_output "linux false"; fi
        run_berth system info --format '{{range .Host.IDMappings.UIDMap}}{{.ContainerID}} {{end}}'
}

@test "info agrees with podman: default environment" {
        require_cmd podman
        berth_isolate
        compare_with_podman "isolated default"
}

@test "info agrees with podman: rootless with XDG_RUNTIME_DIR" {
        skip_if_root "XDG_RUNTIME_DIR only matters rootless"
        require_cmd podman
        berth_isolate
        mkdir -m 0700 "$BERTH_TEST_DIR/xdg"
        fresh_data_home xdg
        XDG_RUNTIME_DIR=$BERTH_TEST_DIR/xdg compare_with_podman "XDG_RUNTIME_DIR set"
        run_berth info --format '{{.Store.RunRoot}}'
        refute_output "$BERTH_TEST_DIR/xdg/containers"
        XDG_RUNTIME_DIR=$BERTH_TEST_DIR/xdg run_berth info --format '{{.Store.RunRoot}}'
        assert_output "$BERTH_TEST_DIR/xdg/containers"
}

@test "info agrees with podman: rootless without XDG_RUNTIME_DIR" {
        skip_if_root "the runtime dir fallback is rootless only"
        require_cmd podman
        berth_isolate
        unset XDG_RUNTIME_DIR
        fresh_data_home noxdg
        compare_with_podman "XDG_RUNTIME_DIR unset"
        run_berth info --format '{{.Store.RunRoot}}'
        assert_output "$TMPDIR/podman-run-$(id -u)/containers"
}

@test "info agrees with podman: STORAGE_DRIVER and a user storage.conf" {
        require_cmd podman
        berth_isolate
        fresh_data_home env
        STORAGE_DRIVER=vfs compare_with_podman "STORAGE_DRIVER=vfs"
        if is_rootless; then
                # A user storage.conf that names no driver: both pick overlay.
                fresh_data_home userconf
                mkdir -p "$XDG_CONFIG_HOME/containers"
                printf '[storage]\nrunroot = "%s"\n' "$BERTH_TEST_DIR/rr" \
                        >"$XDG_CONFIG_HOME/containers/storage.conf"
                compare_with_podman "user storage.conf"
        fi
}

@test "info agrees with podman: rootless CONTAINERS_STORAGE_CONF naming another graphroot" {
        skip_if_root "berth_isolate's own storage.conf sets root's graphroot"
        require_cmd podman
        berth_isolate
        # podman 4.3, rootless, takes that file's driver and options but not
        # its graphroot or runroot; rootless_storage_path still counts.
        local conf=$BERTH_TEST_DIR/env-storage.conf
        printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' \
                "$BERTH_TEST_DIR/other-root" "$BERTH_TEST_DIR/other-run" >"$conf"
        fresh_data_home envconf
        CONTAINERS_STORAGE_CONF=$conf compare_with_podman "CONTAINERS_STORAGE_CONF"
        CONTAINERS_STORAGE_CONF=$conf run_berth info --format '{{.Store.GraphRoot}}'
        assert_output "$XDG_DATA_HOME/containers/storage"
        printf 'rootless_storage_path = "%s"\n' "$BERTH_TEST_DIR/rsp" >>"$conf"
        fresh_data_home envconf-rsp
        CONTAINERS_STORAGE_CONF=$conf compare_with_podman "CONTAINERS_STORAGE_CONF with rootless_storage_path"
        CONTAINERS_STORAGE_CONF=$conf run_berth info --format '{{.Store.GraphRoot}}'
        assert_output "$BERTH_TEST_DIR/rsp"
}

@test "info agrees with podman: root's system defaults" {
        skip_if_rootless "the system store is root's"
        require_cmd podman
        unset CONTAINERS_STORAGE_CONF
        compare_with_podman "system defaults"
        run_berth info --format '{{.Store.GraphRoot}} {{.Store.RunRoot}}'
        assert_output "/var/lib/containers/storage /run/containers/storage"
}

@test "global options override the store configuration" {
        berth_isolate
        run_berth --root "$BERTH_TEST_DIR/r2" --runroot "$BERTH_TEST_DIR/rr2" \
                --storage-driver vfs info --format '{{.Store.GraphRoot}} {{.Store.RunRoot}} {{.Store.GraphDriverName}}'
        assert_output "$BERTH_TEST_DIR/r2 $BERTH_TEST_DIR/rr2 vfs"
        run_berth info --storage-driver overlay2 --format '{{.Store.GraphDriverName}}'
        assert_output "overlay"
        run_berth 125 info --storage-driver zfs
        assert_output --partial "storage driver 'zfs' is not supported by berth"
        run_berth --storage-opt overlay.mountopt=nodev info --format '{{json .Store.GraphOptions}}'
        assert_output '{"overlay.mountopt":"nodev"}'
        run_berth --runtime runc --cgroup-manager cgroupfs info \
                --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}}'
        assert_output "runc cgroupfs"
}

@test "info lists the registries search list and config files read" {
        berth_isolate
        cat >"$BERTH_TEST_DIR/registries.conf" <<'EOF2'
unqualified-search-registries = ["registry.example", "docker.io"]
[[registry]]
prefix = "registry.example"
location = "127.0.0.1:5000"
insecure = true
EOF2
        CONTAINERS_REGISTRIES_CONF=$BERTH_TEST_DIR/registries.conf \
                run_berth info --format '{{json .Registries.search}} {{(index .Registries "registry.example").Location}}'
        assert_output '["registry.example","docker.io"] 127.0.0.1:5000'
        CONTAINERS_REGISTRIES_CONF=$BERTH_TEST_DIR/registries.conf \
                run_berth info --format '{{range .ConfigFiles}}{{.}}{{"\n"}}{{end}}'
        assert_line "$BERTH_TEST_DIR/registries.conf"
}

#!/usr/bin/env bats
# Malformed configuration files give errors that name file, line and column.

load helpers

@test "malformed containers.conf: Error: <file>:<line>:<col>: and exit 125" {
        berth_isolate
        printf '[engine]\ncgroup_manager = "cgroupfs"\nruntime = \n' >"$BERTH_TEST_DIR/bad.conf"
        CONTAINERS_CONF=$BERTH_TEST_DIR/bad.conf run_berth 125 info
        assert_output --regexp "^Error: $BERTH_TEST_DIR/bad.conf:3:[0-9]+: "
        printf '[engine]\nruntime = "runc\n' >"$BERTH_TEST_DIR/bad2.conf"
        CONTAINERS_CONF=$BERTH_TEST_DIR/bad2.conf run_berth 125 info
        assert_output --regexp "^Error: $BERTH_TEST_DIR/bad2.conf:2:[0-9]+: "
}

@test "malformed user containers.conf is found in the rootless search path" {
        skip_if_root "the user's containers.conf is read rootless only"
        berth_isolate
        mkdir -p "$XDG_CONFIG_HOME/containers"
        printf '[containers]\n[containers]\n' >"$XDG_CONFIG_HOME/containers/containers.conf"
        run_berth 125 info
        assert_output --regexp "^Error: $XDG_CONFIG_HOME/containers/containers.conf:2:[0-9]+: "
}

@test "malformed storage.conf and registries.conf" {
        berth_isolate
        printf '[storage]\ndriver = "overlay"\ngraphroot = [1,\n' >"$BERTH_TEST_DIR/s.conf"
        CONTAINERS_STORAGE_CONF=$BERTH_TEST_DIR/s.conf run_berth 125 info
        assert_output --regexp "^Error: $BERTH_TEST_DIR/s.conf:[34]:[0-9]+: "
        printf 'unqualified-search-registries = "docker.io"\n' >"$BERTH_TEST_DIR/r.conf"
        CONTAINERS_REGISTRIES_CONF=$BERTH_TEST_DIR/r.conf run_berth 125 info
        assert_output --partial "unqualified-search-registries: expected an array of strings"
}

@test "CONTAINERS_CONF naming a missing file is an error" {
        CONTAINERS_CONF=/nonexistent/containers.conf run_berth 125 info
        assert_output --partial "CONTAINERS_CONF file: stat '/nonexistent/containers.conf'"
}

@test "containers.conf settings reach info" {
        berth_isolate
        printf '[engine]\nruntime = "crun"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' \
                >"$BERTH_TEST_DIR/ok.conf"
        CONTAINERS_CONF=$BERTH_TEST_DIR/ok.conf \
                run_berth info --format '{{.Host.OCIRuntime.Name}} {{.Host.EventLogger}} {{index .ConfigFiles 0}}'
        assert_output "crun file $BERTH_TEST_DIR/ok.conf"
}

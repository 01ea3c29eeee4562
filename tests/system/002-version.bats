#!/usr/bin/env bats
# berth version

load helpers

@test "version prints aligned client facts" {
        run_berth version
        assert_line "Client:       berth"
        assert_line --regexp '^Version:      [0-9]+\.[0-9]+\.[0-9]+$'
        assert_line --regexp '^OS/Arch:      linux/[a-z0-9]+$'
        assert_line --regexp '^Built:        '
}

@test "version --format json is podman's shape" {
        run_berth version --format json
        run_cmd jq -r '.Client.Version, .Client.Os, (.Client.Built|type)' <<<"$output"
        # jq read the JSON printed above through the here-string.
        assert_line --index 1 "linux"
        assert_line --index 2 "number"
        version=$("$BERTH" version --format '{{.Client.Version}}')
        assert_equal "${lines[0]}" "$version" "version in JSON and template"
}

@test "version --format takes Go templates" {
        run_berth version --format '{{.Client.Os}}/{{upper .Client.Os}}'
        assert_output "linux/LINUX"
        run_berth version --format '{{json .Client.Os}}'
        assert_output '"linux"'
        run_berth 125 version --format '{{.Client.Os'
        assert_output --regexp '^Error: .*'
}

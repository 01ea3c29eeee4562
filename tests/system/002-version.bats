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
        local json=$output got
        got=$(jq -r '.Client.Version, .Client.Os, (.Client.Built|type)' <<<"$json") ||
                die "not JSON: $json"
        local fields
        mapfile -t fields <<<"$got"
        assert_equal "${fields[1]}" "linux" "Client.Os"
        assert_equal "${fields[2]}" "number" "type of Client.Built"
        run_berth version --format '{{.Client.Version}}'
        assert_equal "$output" "${fields[0]}" "version in JSON and template"
}

@test "version --format takes Go templates" {
        run_berth version --format '{{.Client.Os}}/{{upper .Client.Os}}'
        assert_output "linux/LINUX"
        run_berth version --format '{{json .Client.Os}}'
        assert_output '"linux"'
        run_berth 125 version --format '{{.Client.Os'
        assert_output --regexp '^Error: .*'
}

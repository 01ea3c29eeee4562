#!/usr/bin/env bats
# berth ps (columns, -a -q -l -n --no-trunc --size --filter --format,
# --external) and container inspect, root and rootless; podman and berth
# listing each other's containers in one store.

load helpers

setup_file() {
        ctr_setup_file
        printf '#!/bin/sh\nexec podman "$@" 2>/dev/null\n' >"$BATS_FILE_TMPDIR/podman-q"
        chmod +x "$BATS_FILE_TMPDIR/podman-q"
}

setup() {
        ctr_setup
}

teardown() {
        ctr_teardown
}

# Three containers: up (running), ex (exited 3), cr (created), oldest first.
three() {
        run_berth create "${CGP[@]}" --name cr --label tier=db $IMG true
        run_berth 3 run "${CGP[@]}" --name ex --label tier=web $IMG sh -c 'exit 3'
        run_berth run "${CGP[@]}" -d --name up --label tier=web $IMG sleep 100
}

@test "ps: podman's columns and STATUS texts; -a adds stopped ones" {
        three
        run_berth ps
        assert_line --index 0 --regexp '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$'
        assert_line --index 1 --regexp '^[0-9a-f]{12}  localhost/bb:latest  sleep 100 +.* ago +Up .* ago +up$'
        [ "${#lines[@]}" -eq 2 ] || die "ps lists more than the running container"
        run_berth ps -a --format '{{.Names}}|{{.Status}}|{{.State}}|{{.ExitCode}}'
        assert_line --index 0 --regexp '^up\|Up .* ago\|Up .*\|0$'
        assert_line --index 1 --regexp '^ex\|Exited \(3\) .* ago\|Exited \(3\) .*\|3$'
        assert_line --index 2 "cr|Created|Created|0"
}

@test "ps: -q, --no-trunc, -l, -n, --noheading, --size, json" {
        three
        local up ex cr
        up=$("$BERTH" inspect --format '{{.Id}}' up)
        ex=$("$BERTH" inspect --format '{{.Id}}' ex)
        cr=$("$BERTH" inspect --format '{{.Id}}' cr)
        run_berth ps -q
        assert_output "${up:0:12}"
        run_berth ps -a -q --no-trunc
        assert_output "$(printf '%s\n%s\n%s' "$up" "$ex" "$cr")"
        run_berth ps -l -q
        assert_output "${up:0:12}"
        run_berth ps -n 2 --format '{{.Names}}'
        assert_output "$(printf 'up\nex')"
        run_berth ps -a --noheading --format '{{.Names}}'
        assert_output "$(printf 'up\nex\ncr')"
        # A table without its header keeps its columns aligned (podman's
        # tabwriter), the same rows as with the header.
        run_berth ps -a --format 'table {{.Names}} {{.Status}}'
        local with=$output
        run_berth ps -a --noheading --format 'table {{.Names}} {{.Status}}'
        assert_equal "${#lines[@]}" 3 "rows"
        assert_line --index 0 --regexp '^up +Up '
        assert_line --index 2 --regexp '^cr +Created$'
        assert_equal "$output" "$(tail -n +2 <<<"$with")" "rows without the header"
        run_berth ps -a --noheading
        assert_line --index 0 --regexp '^[0-9a-f]{12}  localhost/bb:latest  sleep 100 +'
        refute_output --partial "CONTAINER ID"
        run_berth ps --size
        assert_line --index 0 --regexp 'NAMES +SIZE$'
        assert_line --index 1 --regexp '[0-9.]+[kM]?B \(virtual [0-9.]+[kM]?B\)$'
        run_berth ps --format json
        printf '%s' "$output" >"$BERTH_TEST_DIR/ps.json"
        run_cmd jq -r '.[0] | [.Id, .Names[0], .State, .Image, (.Command|join(" ")), (.ExitCode|tostring), (.Labels.tier)] | join(",")' "$BERTH_TEST_DIR/ps.json"
        assert_output "$up,up,running,localhost/bb:latest,sleep 100,0,web"
}

@test "ps --filter: id, name, status, label, ancestor, exited; bad filters" {
        three
        local up
        up=$("$BERTH" inspect --format '{{.Id}}' up)
        run_berth ps -a --filter id="${up:0:8}" --format '{{.Names}}'
        assert_output "up"
        run_berth ps -a --filter name=^e --format '{{.Names}}'
        assert_output "ex"
        run_berth ps -a --filter status=exited --format '{{.Names}}'
        assert_output "ex"
        run_berth ps -a --filter status=created --filter status=running --format '{{.Names}}'
        assert_output "$(printf 'up\ncr')"
        run_berth ps -a --filter label=tier=web --format '{{.Names}}'
        assert_output "$(printf 'up\nex')"
        run_berth ps -a --filter label=tier=web --filter status=running --format '{{.Names}}'
        assert_output "up"
        run_berth ps -a --filter ancestor=bb --format '{{.Names}}'
        assert_output "$(printf 'up\nex\ncr')"
        run_berth ps -a --filter exited=3 --format '{{.Names}}'
        assert_output "ex"
        run_berth ps -a --filter exited=0 --format '{{.Names}}'
        assert_output ""
        run_berth 125 ps --filter bogus=1
        assert_output 'Error: invalid filter "bogus=1"'
        run_berth 125 ps --filter status=bogus
        assert_output "Error: unknown container state: bogus"
}

@test "inspect: podman's container fields, --format, and images still" {
        run_berth run "${CGP[@]}" -d --name ins -e K=V -w /tmp --hostname hn --label a=b \
                --stop-signal USR1 --stop-timeout 3 $IMG sleep 100
        local id=$output
        run_berth inspect ins
        printf '%s' "$output" >"$BERTH_TEST_DIR/inspect.json"
        run_cmd jq -r '.[0] | [.Id, .Name, .Path, (.Args|join(" ")), .State.Status, (.State.Running|tostring), (.State.Pid > 0|tostring), .ImageName, .Config.Hostname, .Config.WorkingDir, (.Config.Env|map(select(startswith("K=")))|join(",")), .Config.Labels.a, (.Config.StopSignal|tostring), (.Config.StopTimeout|tostring), .HostConfig.NetworkMode, .Driver] | join("|")' "$BERTH_TEST_DIR/inspect.json"
        assert_output "$id|ins|sleep|100|running|true|true|localhost/bb:latest|hn|/tmp|K=V|b|10|3|none|$("$BERTH" info --format '{{.Store.GraphDriverName}}')"
        run_berth inspect --format '{{.State.Status}} {{.Config.Cmd}}' ins
        assert_output "running [sleep 100]"
        run_berth container inspect --format '{{.Name}}' "${id:0:12}"
        assert_output "ins"
        # Images are still found, and --type separates the two. (By a name
        # with a '/': "bb" alone is a prefix of one container ID in 256.)
        run_berth inspect --format '{{.RepoTags}}' localhost/bb
        assert_output "[localhost/bb:latest]"
        run_berth 125 inspect --type container localhost/bb
        assert_output --partial "inspecting object: no such container localhost/bb"
        # podman prints the (empty) list, then the error.
        run_berth 125 container inspect nosuch
        assert_line --index 0 "Error: inspecting object: no such container nosuch"
        assert_line --index 1 '[]'
}

@test "ps --external: berth lists podman's containers only with it; podman sees berth's as storage" {
        require_cmd podman
        run_berth create "${CGP[@]}" --name berths $IMG true
        run_cmd "$BATS_FILE_TMPDIR/podman-q" create --name podmans $IMG true
        run_berth ps -a --format '{{.Names}}'
        assert_output "berths"
        run_berth ps -a --external --format '{{.Names}} {{.Status}} {{.Command}}'
        assert_line "berths Created true"
        assert_line "podmans Storage podman"
        run_cmd "$BATS_FILE_TMPDIR/podman-q" ps -a --external --format '{{.Names}} {{.Status}}'
        assert_line "berths Storage"
        assert_line "podmans Created"
        # Neither tool manages the other's container.
        run_berth 125 rm podmans
        assert_output --partial 'container "podmans" belongs to podman, not to berth'
        run_berth 125 start podmans
        run_cmd "$BATS_FILE_TMPDIR/podman-q" rm podmans
}

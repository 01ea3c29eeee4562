#!/usr/bin/env bats
# Local images: import, images, tag, untag, rmi, inspect, and podman and
# skopeo reading berth's store (and berth reading podman's).

load helpers

setup_file() {
        "$BERTH_FIXTURES_DIR/make-busybox-rootfs.sh" "$BATS_FILE_TMPDIR/rootfs.tar" >/dev/null
        # podman warns on stderr about things that do not matter here (a "/"
        # that is not a shared mount); run_cmd merges stderr into the output.
        printf '#!/bin/sh\nexec podman "$@" 2>/dev/null\n' >"$BATS_FILE_TMPDIR/podman-q"
        chmod +x "$BATS_FILE_TMPDIR/podman-q"
}

setup() {
        berth_test_setup
        berth_isolate
        ROOTFS=$BATS_FILE_TMPDIR/rootfs.tar
}

# podman on the store berth_isolate set up for this test, stderr dropped.
podman_here() {
        "$BATS_FILE_TMPDIR/podman-q" "$@"
}

@test "import: an image podman lists with the same ID, and saves" {
        require_cmd podman
        run_berth import -m "from berth" -c 'CMD ["/bin/sh"]' -c "ENV A=1" "$ROOTFS" test/bb:1
        assert_match "$output" '^sha256:[0-9a-f]{64}$'
        local id=${output#sha256:}
        run_berth images --format '{{.ID}} {{.Repository}}:{{.Tag}}'
        assert_output "${id:0:12} localhost/test/bb:1"

        run_cmd "$BATS_FILE_TMPDIR/podman-q" images --format '{{.ID}} {{.Repository}}:{{.Tag}}'
        assert_output "${id:0:12} localhost/test/bb:1"
        run_cmd "$BATS_FILE_TMPDIR/podman-q" image inspect --format '{{.Id}} {{.Config.Cmd}} {{.Config.Env}} {{.Comment}}' test/bb:1
        assert_output "$id [/bin/sh] [A=1] from berth"
        # save re-creates every layer from its tar-split: wrong data fails here
        # with "Digest did not match".
        run_cmd "$BATS_FILE_TMPDIR/podman-q" save -o "$BERTH_TEST_DIR/saved.tar" test/bb:1
        [ -s "$BERTH_TEST_DIR/saved.tar" ] || die "podman save wrote nothing"
}

@test "import: skopeo copies berth's image out of containers-storage" {
        require_cmd skopeo
        run_berth import "$ROOTFS" test/bb:2
        local graph run driver
        graph=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        run=$("$BERTH" info --format '{{.Store.RunRoot}}')
        driver=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
        if is_rootless; then
                run_berth unshare skopeo copy "containers-storage:[$driver@$graph+$run]localhost/test/bb:2" \
                        "dir:$BERTH_TEST_DIR/out"
        else
                run_cmd skopeo copy "containers-storage:[$driver@$graph+$run]localhost/test/bb:2" \
                        "dir:$BERTH_TEST_DIR/out"
        fi
        [ -f "$BERTH_TEST_DIR/out/manifest.json" ] || die "no manifest copied"
}

@test "import: the same tar twice shares one layer" {
        run_berth import "$ROOTFS" a
        run_berth import "$ROOTFS" b
        local graph driver
        graph=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        driver=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
        run_cmd jq length "$graph/$driver-layers/layers.json"
        assert_output "1"
        run_berth images -q
        assert_equal "${#lines[@]}" "2" "two images"
        run_berth info --format '{{.Store.ImageStore.Number}}'
        assert_output "2"
}

@test "import: --change and errors" {
        run_berth import -c "EXPOSE 80/tcp" -c "LABEL a=b" -c "WORKDIR /srv" -c "USER nobody" \
                "$ROOTFS" chg
        run_berth image inspect --format '{{json .Config.ExposedPorts}} {{.Config.Labels.a}} {{.Config.WorkingDir}} {{.User}}' chg
        assert_output '{"80/tcp":{}} b /srv nobody'
        run_berth 125 import -c "BOGUS x" "$ROOTFS"
        assert_output --partial "unknown instruction 'BOGUS'"
        run_berth 125 import /nonexistent.tar
        assert_output --partial "open '/nonexistent.tar'"
        printf 'not a tar at all' >"$BERTH_TEST_DIR/junk.tar"
        run_berth 125 import "$BERTH_TEST_DIR/junk.tar"
        # A failed import leaves no image, layer or staging directory behind.
        run_berth images -q
        assert_equal "${#lines[@]}" "1" "images after a failed import"
        local graph driver
        graph=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        driver=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
        run_cmd jq length "$graph/$driver-layers/layers.json"
        assert_output "1"
        run_cmd find "$graph/berth/staging" -mindepth 1 -maxdepth 1
        assert_output ""
}

berth_first_id() {
        "$BERTH" images -q | head -n 1
}

@test "import from stdin" {
        run_cmd bash -c '"$BERTH" import - piped < "$0"' "$ROOTFS"
        run_berth images --format '{{.Repository}}'
        assert_output "localhost/piped"
}

@test "tag, untag and short-name lookups" {
        run_berth import "$ROOTFS" orig
        run_berth tag orig newname:v2 registry.example/x/y:z
        run_berth images --format '{{.Repository}}:{{.Tag}}'
        assert_line "localhost/orig:latest"
        assert_line "localhost/newname:v2"
        assert_line "registry.example/x/y:z"
        # Short names find images under any registry.
        run_berth image inspect --format '{{.RepoTags}}' y:z
        assert_output --partial "registry.example/x/y:z"
        run_berth untag orig newname:v2
        run_berth images --format '{{.Repository}}:{{.Tag}}'
        refute_line "localhost/newname:v2"
        run_berth untag orig
        run_berth images --format '{{.Repository}}:{{.Tag}}'
        assert_output "<none>:<none>"
        run_berth 125 tag nosuchimage x
        assert_output --partial "nosuchimage: image not known"
        run_berth 125 tag "$(berth_first_id)" 'Bad:Name'
        assert_output --partial "invalid reference format"
}

@test "rmi: untag one of several names, then delete; exit codes" {
        run_berth import "$ROOTFS" one
        local id=${output#sha256:}
        run_berth tag one two
        run_berth rmi two
        assert_output "Untagged: localhost/two:latest"
        run_berth rmi one
        assert_line "Untagged: localhost/one:latest"
        assert_line "Deleted: $id"
        run_berth images -q
        assert_output ""
        local graph driver
        graph=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        driver=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
        run_cmd jq length "$graph/$driver-layers/layers.json"
        assert_output "0"
        run_berth 1 rmi nosuchimage
        assert_output --partial "nosuchimage: image not known"
        run_berth rmi -i nosuchimage
        run_berth rmi -i nosuch1 nosuch2
        run_berth 125 rmi
}

@test "rmi by ID of an image with several names needs --force" {
        run_berth import "$ROOTFS" n1
        local id=${output#sha256:}
        run_berth tag n1 n2
        run_berth 2 rmi "${id:0:12}"
        assert_output --partial "referenced in multiple repositories"
        run_berth rmi -f "${id:0:12}"
        assert_line "Deleted: $id"
}

@test "images: filters, -q, --no-trunc, --format json, table headers" {
        run_berth import -c "LABEL tier=web" "$ROOTFS" web
        run_berth import "$ROOTFS"
        run_berth images
        assert_line --index 0 --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
        run_berth images --filter dangling=true --format '{{.Repository}}'
        assert_output "<none>"
        run_berth images --filter label=tier=web --format '{{.Repository}}'
        assert_output "localhost/web"
        run_berth images --filter reference=web --format '{{.Repository}}'
        assert_output "localhost/web"
        run_berth images -q --no-trunc
        assert_match "${lines[0]}" '^sha256:[0-9a-f]{64}$'
        run_berth images --format json
        echo "$output" | jq -e 'length == 2 and (.[0].Id | length == 64)' >/dev/null ||
                die "bad JSON: $output"
        run_berth images --noheading
        refute_line --partial "REPOSITORY"
        run_berth 125 images --filter bogus=1
        assert_output --partial "unknown key 'bogus'"
}

@test "berth lists, inspects and removes an image podman imported" {
        require_cmd podman
        if is_rootless; then
                run_berth unshare podman import "$ROOTFS" frompodman
        else
                run_cmd "$BATS_FILE_TMPDIR/podman-q" import "$ROOTFS" frompodman
        fi
        local id
        id=$(podman_here images -q --no-trunc frompodman)
        id=${id#sha256:}
        run_berth images --format '{{.ID}} {{.Repository}}'
        assert_output "${id:0:12} localhost/frompodman"
        run_berth image inspect --format '{{.Id}} {{.RootFS.Type}}' frompodman
        assert_output "$id layers"
        run_berth rmi frompodman
        assert_line "Deleted: $id"
        run_cmd "$BATS_FILE_TMPDIR/podman-q" images -q
        assert_output ""
}

@test "inspect: JSON is podman's shape; unknown names fail" {
        run_berth import -m msg "$ROOTFS" insp
        run_berth inspect insp
        echo "$output" | jq -e '.[0] | .Id and .RootFS.Layers[0] and .GraphDriver.Name and
                (.RepoTags == ["localhost/insp:latest"]) and .Comment == "msg"' >/dev/null ||
                die "unexpected inspect output: $output"
        # podman's texts: inspect, image inspect and container inspect.
        run_berth 125 inspect insp nosuch
        assert_output --partial 'Error: inspecting object: no such object: "nosuch"'
        run_berth 125 image inspect nosuch
        assert_output --partial "Error: inspecting object: nosuch: image not known"
        run_berth 125 container inspect nosuch
        assert_output --partial "Error: inspecting object: no such container nosuch"
}

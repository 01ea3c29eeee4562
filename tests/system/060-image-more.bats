#!/usr/bin/env bats
# history, image prune, image mount/unmount and system df, checked against
# podman on the same store.

load helpers

setup_file() {
        local f=$BATS_FILE_TMPDIR
        "$BERTH_FIXTURES_DIR/make-busybox-rootfs.sh" "$f/rootfs.tar" >/dev/null
        # Two layers, three history entries (the middle one an empty_layer).
        "$BERTH_FIXTURES_DIR/make-layered-archive.sh" "$f/rootfs.tar" "$f/layered.tar" \
                localhost/layered:1 hello >"$f/layered.id"
        # The same base layer, another top layer.
        "$BERTH_FIXTURES_DIR/make-layered-archive.sh" "$f/rootfs.tar" "$f/layered2.tar" \
                localhost/layered:2 world >"$f/layered2.id"
        # The image layered:1 was built from: its parent for podman.
        "$BERTH_FIXTURES_DIR/make-layered-archive.sh" --base "$f/rootfs.tar" "$f/base.tar" \
                localhost/base:0 >"$f/base.id"
        printf '#!/bin/sh\nexec podman "$@" 2>/dev/null\n' >"$f/podman-q"
        chmod +x "$f/podman-q"
}

setup() {
        berth_test_setup
        berth_isolate
        F=$BATS_FILE_TMPDIR
        PQ=$F/podman-q
        L1=$(cat "$F/layered.id")
        L2=$(cat "$F/layered2.id")
        BASE=$(cat "$F/base.id")
}

# podman inside berth's namespace when rootless (same store, same mounts).
podman_in() {
        if is_rootless; then
                run_berth unshare "$PQ" "$@"
        else
                run_cmd "$PQ" "$@"
        fi
}

store_file() {
        local graph run driver
        graph=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        run=$("$BERTH" info --format '{{.Store.RunRoot}}')
        driver=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
        case "$1" in
        layers) echo "$graph/$driver-layers/layers.json" ;;
        images) echo "$graph/$driver-images/images.json" ;;
        containers) echo "$graph/$driver-containers/containers.json" ;;
        mounts) echo "$run/$driver-layers/mountpoints.json" ;;
        esac
}

# mount_count: the sum of the counts in mountpoints.json (0 without the file).
mount_count() {
        local f
        f=$(store_file mounts)
        if [ -f "$f" ]; then
                jq '[.[].count] | add // 0' "$f"
        else
                echo 0
        fi
}

# ---------------------------------------------------------------- history

@test "history: podman's columns, IDs, sizes, newest first" {
        run_berth load -i "$F/layered.tar"
        run_berth history layered:1
        assert_line --index 0 --regexp '^ID +CREATED +CREATED BY +SIZE +COMMENT$'
        assert_line --index 1 --regexp "^${L1:0:12} +.* ago +/bin/sh -c echo hello > /hello +10.2 kB +second layer$"
        assert_line --index 2 --regexp '^<missing> +.* ago +/bin/sh -c #\(nop\)  CMD \["/bin/sh"\] +0 B *$'
        assert_line --index 3 --regexp '^<missing> +.* ago +/bin/sh -c #\(nop\) ADD file:busybox in / +2.13 MB *$'
        assert_equal "${#lines[@]}" 4 "header and three entries"

        run_berth history -q layered:1
        assert_output "${L1:0:12}
<missing>
<missing>"
        run_berth history -q --no-trunc layered:1
        assert_line --index 0 "$L1"
        run_berth image history --format '{{.ID}} {{.Size}} {{.CreatedAt}} {{.Comment}}' layered:1
        assert_line --index 0 "${L1:0:12} 10.2 kB 2023-01-03 00:00:00 +0000 UTC second layer"
        # Sizes come from the layers' diff sizes.
        run_berth history --format json layered:1
        echo "$output" | jq -e --arg id "$L1" 'length == 3 and .[0].id == $id and
                .[0].size == 10240 and .[1].size == 0 and .[1].id == "<missing>" and
                .[2].size > 2000000 and .[0].comment == "second layer" and
                .[2].created == "2023-01-01T00:00:00Z"' >/dev/null || die "bad JSON: $output"
}

@test "history: an entry on another image's top layer carries that image's ID, as in podman" {
        run_berth load -i "$F/base.tar"
        run_berth load -i "$F/layered.tar"
        run_berth history --format '{{.ID}}' layered:1
        assert_output "${L1:0:12}
${BASE:0:12}
<missing>"
        # Long CREATED BY is cut at 45 characters unless --no-trunc.
        "$BERTH_FIXTURES_DIR/make-layered-archive.sh" "$F/rootfs.tar" "$BERTH_TEST_DIR/long.tar" \
                localhost/long:1 a-very-long-text-to-see-truncation-of-created-by >/dev/null
        run_berth load -i "$BERTH_TEST_DIR/long.tar"
        run_berth history --format '{{.CreatedBy}}' long:1
        assert_line --index 0 "/bin/sh -c echo a-very-long-text-to-see-tr..."
        run_berth history --no-trunc --format '{{.CreatedBy}}' long:1
        assert_line --index 0 "/bin/sh -c echo a-very-long-text-to-see-truncation-of-created-by > /hello"
}

@test "history: podman prints the same for berth's images" {
        require_cmd podman
        run_berth load -i "$F/base.tar"
        run_berth load -i "$F/layered.tar"
        run_berth load -i "$F/layered2.tar"
        local img mine
        for img in layered:1 layered:2 base:0; do
                run_berth history --format json "$img"
                mine=$output
                podman_in history --format json "$img"
                assert_equal "$output" "$mine" "history --format json of $img"
                run_berth history --no-trunc -q "$img"
                mine=$output
                podman_in history --no-trunc -q "$img"
                assert_equal "$output" "$mine" "history -q of $img"
        done
}

@test "history -H=false: RFC 3339 dates, sizes still human, as podman prints them" {
        run_berth load -i "$F/layered.tar"
        run_berth history -H=false layered:1
        assert_line --index 1 --regexp "^${L1:0:12} +2023-01-03T00:00:00Z +/bin/sh -c echo hello > /hello +10.2 kB +second layer$"
        assert_line --index 3 --regexp '^<missing> +2023-01-01T00:00:00Z +/bin/sh -c #\(nop\) ADD file:busybox in / +2.13 MB *$'
        run_berth history --human=false --format '{{.Created}}|{{.CreatedSince}}|{{.Size}}' layered:1
        assert_line --index 0 "2023-01-03T00:00:00Z|2023-01-03T00:00:00Z|10.2 kB"
        run_berth history -H --format '{{.Created}}' layered:1
        assert_line --index 0 --regexp ' ago$'
        if command -v podman >/dev/null; then
                local mine
                run_berth history -H=false layered:1
                mine=$output
                podman_in history -H=false layered:1
                assert_equal "$output" "$mine" "history -H=false"
        fi
        run_berth history --help
        assert_output --partial "-H, --human"
}

@test "history: errors" {
        run_berth 125 history nosuch
        assert_output "Error: nosuch: image not known"
        run_berth 125 history
        assert_output --partial "requires exactly 1 argument"
}

# ---------------------------------------------------------------- prune

@test "image prune: dangling images, in passes, as podman prunes them" {
        run_berth load -i "$F/base.tar"
        run_berth load -i "$F/layered.tar"
        run_berth load -i "$F/layered2.tar"
        run_berth untag base:0
        run_berth untag layered:1
        # Nothing to confirm with: podman's "Error: EOF".
        run_berth 125 image prune
        assert_line --index 0 "WARNING! This command removes all dangling images."
        assert_output --partial "Error: EOF"
        run_cmd bash -c 'echo n | "$BERTH" image prune'
        run_berth images -a -q
        assert_equal "${#lines[@]}" 3 "images after a prune that was declined"
        # The nameless base image is not dangling while an image built on it
        # (layered:2 here) exists, as in podman.
        run_berth image prune -f
        assert_output "$L1"
        run_berth images -a -q --no-trunc
        assert_line "sha256:$L2"
        assert_line "sha256:$BASE"
        # Without names both go: the child in one pass, then its parent.
        run_berth untag layered:2
        run_berth image prune -f
        assert_output "$L2
$BASE"
        run_berth images -a -q
        assert_output ""
        run_cmd jq length "$(store_file layers)"
        assert_output 0
        run_berth image prune -f
        assert_output ""
}

@test "image prune -a: every image no container uses; filters" {
        run_berth load -i "$F/layered.tar"
        run_berth load -i "$F/layered2.tar"
        run_berth import "$F/rootfs.tar" recent
        local recent=${output#sha256:}
        run_berth image prune -af --filter label=fixture=other
        assert_output ""
        # until=: only what was created before; the fixtures are from 2023.
        run_berth image prune -af --filter until=2024-01-01T00:00:00Z
        assert_line "$L1"
        assert_line "$L2"
        refute_line "$recent"
        run_cmd bash -c 'echo y | "$BERTH" image prune -a --filter label!=fixture'
        assert_line --index 0 --partial "WARNING! This command removes all images without at least one container associated with them."
        assert_output --partial "$recent"
        run_berth images -a -q
        assert_output ""
        run_cmd jq length "$(store_file layers)"
        assert_output 0
        run_berth 125 image prune -f --filter bogus=1
        assert_output --partial "invalid filter 'bogus=1'"
}

@test "image prune -a keeps an image a container uses" {
        require_cmd podman
        run_berth load -i "$F/layered.tar"
        run_berth load -i "$F/layered2.tar"
        podman_in create --name user localhost/layered:2 /bin/true
        run_berth image prune -af
        assert_output "$L1"
        run_berth images -q --no-trunc
        assert_output "sha256:$L2"
        run_berth system df --format '{{.Type}} {{.Total}} {{.Active}}'
        assert_line "Images 1 1"
        # podman's container, not berth's.
        assert_line "Containers 0 0"
        podman_in rm user
}

@test "image prune --external: buildah's container does not keep its image, podman's does" {
        require_cmd buildah podman
        run_berth load -i "$F/layered.tar"
        run_berth load -i "$F/layered2.tar"
        podman_in create --name user localhost/layered:2 /bin/true
        if is_rootless; then
                run_berth unshare buildah from localhost/layered:1
        else
                run_cmd buildah from localhost/layered:1
        fi
        run_berth image prune -af
        assert_output ""
        run_berth image prune -af --external
        assert_output "$L1"
        run_berth images -q --no-trunc
        assert_output "sha256:$L2"
        # buildah's working container went with its image; podman's stays.
        run_cmd jq -r '.[].names[0]' "$(store_file containers)"
        assert_output "user"
        podman_in rm user
        run_berth image prune -af --external
        assert_output "$L2"
}

# ---------------------------------------------------------------- mount

@test "image mount: read-only, counted in mountpoints.json, listed; unmount restores the count" {
        run_berth load -i "$F/layered.tar"
        run_berth load -i "$F/layered2.tar"
        local before path
        before=$(mount_count)
        run_berth image mount layered:1
        path=$output
        assert_match "$path" '^/'
        assert_equal "$(mount_count)" "$((before + 1))" "mount count"
        # The files are there, in berth's namespace when rootless.
        if is_rootless; then
                run_berth unshare cat "$path/hello"
        else
                run_cmd cat "$path/hello"
        fi
        assert_output "hello"
        # An overlay image mount is read-only (vfs has only the directory).
        if [ "$("$BERTH" info --format '{{.Store.GraphDriverName}}')" = overlay ]; then
                if is_rootless; then
                        run_berth 1 unshare touch "$path/new-file"
                else
                        run_cmd 1 touch "$path/new-file"
                fi
                assert_output --partial "Read-only file system"
        fi

        run_berth image mount
        assert_output --regexp "^localhost/layered:1 +$path$"
        run_berth image mount layered:1 layered:2
        assert_line --index 0 --regexp "^localhost/layered:1 +$path$"
        assert_line --index 1 --regexp "^localhost/layered:2 +/"
        run_berth image mount --format json
        echo "$output" | jq -e --arg id "$L1" --arg p "$path" 'length == 2 and .[0].id == $id and
                .[0].mountpoint == $p and .[0].Repositories == ["localhost/layered:1"] and
                (.[0].Names[0] | startswith("sha256:"))' >/dev/null || die "bad JSON: $output"
        assert_equal "$(mount_count)" "$((before + 3))" "mount count"

        run_berth image unmount layered:1
        assert_output "$L1"
        run_berth image umount layered:1
        assert_output "$L1"
        # Not mounted any more: nothing to do, nothing printed.
        run_berth image unmount layered:1
        assert_output ""
        run_berth image unmount -a
        assert_output "$L2"
        assert_equal "$(mount_count)" "$before" "mount count after unmount"
        run_berth image mount
        assert_output ""
}

@test "image mount -a: every image mounted and listed, as podman lists them" {
        run_berth image mount -a
        assert_output ""
        run_berth load -i "$F/layered.tar"
        run_berth load -i "$F/layered2.tar"
        local before
        before=$(mount_count)
        run_berth image mount --all
        assert_line --index 0 --regexp "^localhost/layered:1 +/"
        assert_line --index 1 --regexp "^localhost/layered:2 +/"
        assert_equal "${#lines[@]}" 2 "two images listed"
        assert_equal "$(mount_count)" "$((before + 2))" "mount count"
        run_berth image mount -a --format json
        echo "$output" | jq -e --arg a "$L1" --arg b "$L2" 'length == 2 and .[0].id == $a and
                .[1].id == $b' >/dev/null || die "bad JSON: $output"
        if command -v podman >/dev/null; then
                local mine
                run_berth image mount
                mine=$output
                podman_in image mount
                assert_equal "$output" "$mine" "podman's listing"
        fi
        run_berth 125 image mount -a layered:1
        assert_output "Error: when using the --all switch, you may not pass any image names or IDs"
        run_berth image unmount -a -f
        assert_equal "$(mount_count)" "$before" "mount count after unmount"
}

@test "image mount: podman sees berth's mount and releases it" {
        require_cmd podman
        run_berth load -i "$F/layered.tar"
        local path before
        before=$(mount_count)
        run_berth image mount layered:1
        path=$output
        run_berth image mount layered:1
        assert_equal "$output" "$path" "the same path twice"
        podman_in image mount
        assert_output --regexp "^localhost/layered:1 +$path$"
        podman_in image unmount layered:1
        assert_equal "$(mount_count)" "$((before + 1))" "count after podman's unmount"
        run_berth image unmount -f layered:1
        assert_output "$L1"
        assert_equal "$(mount_count)" "$before" "count after unmount -f"
        podman_in image mount
        assert_output ""
}

@test "image mount/unmount: errors" {
        run_berth 125 image mount nosuch
        assert_output "Error: nosuch: image not known"
        run_berth 125 image unmount nosuch
        assert_output "Error: nosuch: image not known"
        run_berth 125 image unmount
        assert_output --partial "image name or ID must be specified"
        run_berth 125 image mount --format '{{.ID}}'
        assert_output --partial "unknown --format argument"
        run_berth image mount --help
        assert_output --partial "berth unshare"
}

# ---------------------------------------------------------------- df

@test "system df: podman's table; shared layers counted once" {
        run_berth system df
        assert_line --index 0 --regexp '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$'
        assert_line --index 1 --regexp '^Images +0 +0 +0B +0B \(0%\)$'
        assert_line --index 2 --regexp '^Containers +0 +0 +0B +0B \(0%\)$'
        assert_line --index 3 --regexp '^Local Volumes +0 +0 +0B +0B \(0%\)$'

        run_berth load -i "$F/layered.tar"
        run_berth load -i "$F/layered2.tar"
        run_berth load -i "$F/base.tar"
        # Every layer once, plus every image's big data (config, manifest...).
        local want
        want=$(jq -n --slurpfile l "$(store_file layers)" --slurpfile i "$(store_file images)" \
                '([$l[0][]."diff-size"] | add) + ([$i[0][]."big-data-sizes" | to_entries[].value] | add)')
        run_berth system df --format '{{.Type}}|{{.Total}}|{{.Active}}|{{.RawSize}}|{{.RawReclaimable}}'
        assert_line --index 0 "Images|3|0|$want|$want"
        run_berth system df
        assert_line --index 1 --regexp '^Images +3 +0 +2\.[0-9]+MB +2\.[0-9]+MB \(100%\)$'
        run_berth system df --format json
        echo "$output" | jq -e --argjson w "$want" '.[0].Type == "Images" and .[0].RawSize == $w and
                .[2].Type == "Local Volumes"' >/dev/null || die "bad JSON: $output"
        if command -v podman >/dev/null; then
                podman_in system df --format '{{.Type}} {{.Total}}'
                assert_line "Images 3"
        fi
}

@test "system df -v: images, containers and volumes sections" {
        run_berth load -i "$F/layered.tar"
        run_berth load -i "$F/layered2.tar"
        run_berth system df -v
        assert_line --index 0 "Images space usage:"
        assert_line --index 2 --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS$'
        # The base layer is shared; the top layers (10 kB plus big data) are not.
        assert_line --regexp "^localhost/layered +1 +${L1:0:12} +3 years +2\.142MB +2\.13MB +1[0-9.]+kB +0$"
        assert_line --regexp "^localhost/layered +2 +${L2:0:12} +3 years +2\.142MB +2\.13MB +1[0-9.]+kB +0$"
        assert_line "Containers space usage:"
        assert_line --regexp '^CONTAINER ID +IMAGE +COMMAND +LOCAL VOLUMES +SIZE +CREATED +STATUS +NAMES$'
        assert_line "Local Volumes space usage:"
        assert_line --regexp '^VOLUME NAME +LINKS +SIZE$'
        run_berth 125 system df extra
}

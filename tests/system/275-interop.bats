#!/usr/bin/env bats
# podman and buildah beside berth in one store, root and rootless:
# - podman rmi refuses an image a berth container uses, and berth rmi
#   refuses it too, naming the container;
# - podman rm of a berth container's storage record (podman removes other
#   tools' storage containers by name or ID; a running one needs -f) makes
#   berth report it gone: ps -a without it, rm/start/container inspect say
#   "no such container", never a crash. The record's userdata directories go
#   with it (containers/storage deletes both); what berth keeps outside them
#   (the runtime state and cgroup of a container that was running) is
#   removed by the container's monitor when the container ends, through its
#   exit command (`container cleanup`), so nothing is left;
# - berth runs images that podman imported, built and loaded;
# - berth never removes a podman or buildah container: not by rm -a, rm -f
#   of its name or ID, nor container prune.
# podman gets the configuration it needs here (ENVIRONMENT.md) through
# CONTAINERS_CONF, berth keeps its defaults.

load helpers
load lib/ctr-leftovers

setup_file() {
        ctr_setup_file
}

setup() {
        require_cmd podman
        ctr_setup
        BASE_LAYERS=$(ctr_layer_count)
        cat >"$BERTH_TEST_DIR/podman.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF
        # podman with that configuration and without its storage.conf
        # warnings, as a command run_cmd can run.
        PM=$BERTH_TEST_DIR/pm
        cat >"$PM" <<EOF
#!/bin/bash
export CONTAINERS_CONF=$BERTH_TEST_DIR/podman.conf
{ podman --log-level error "\$@" 2>&1 1>&3 3>&- | grep -v "The storage 'driver' option must be set" >&2; } 3>&1
exit \${PIPESTATUS[0]}
EOF
        chmod +x "$PM"
}

teardown() {
        if [ -n "${BERTH_TEST_DIR:-}" ]; then
                [ ! -x "${PM:-}" ] || "$PM" rm -a -f -t 0 >/dev/null 2>&1 || true
                if command -v buildah >/dev/null; then
                        buildah rm -a >/dev/null 2>&1 || true
                fi
        fi
        ctr_teardown
}

@test "podman rmi refuses an image a berth container uses; berth rmi names the container" {
        run_berth create "${CGP[@]}" --name user1 "$IMG" true
        local id=$output
        run_cmd 2 "$PM" rmi "$IMG"
        assert_output --partial "image is in use by a container"
        run_berth 2 rmi "$IMG"
        assert_output "Error: image '$IMG' is in use by container 'user1' (${id:0:12}): remove it first"
        run_berth create "${CGP[@]}" --name user2 "$IMG" true
        run_berth 2 rmi "$IMG"
        assert_output --partial "is in use by 2 containers"
        # Both tools left the image whole: it still runs.
        run_berth run "${CGP[@]}" --rm "$IMG" echo still here
        assert_output "still here"
        run_berth rm user1 user2
        run_berth rmi "$IMG"
        assert_line --partial "Deleted: "
}

@test "podman rm of berth containers' records: berth reports them gone, nothing is left" {
        run_berth create "${CGP[@]}" --name gone1 "$IMG" true
        run_berth run "${CGP[@]}" --name gone2 "$IMG" true
        run_berth run "${CGP[@]}" -d --name gone3 "$IMG" sleep 4
        local id3=$output
        run_cmd "$PM" rm gone1 gone2
        # podman leaves a mounted (running) container alone without -f.
        run_cmd 2 "$PM" rm gone3
        assert_output --partial "cannot be removed without using force"
        run_berth ps -a --format '{{.Names}} {{.State}}'
        assert_output --regexp '^gone3 Up'
        run_cmd "$PM" rm -f -t 0 gone3

        run_berth ps -a
        assert_output --regexp '^CONTAINER ID +IMAGE'
        [ "${#lines[@]}" -eq 1 ] || die "ps -a still lists containers"
        local n
        for n in gone1 gone2 gone3; do
                run_berth 1 rm "$n"
                assert_output "Error: no container with name or ID \"$n\" found: no such container"
                run_berth 125 start "$n"
                assert_output --partial "no container with name or ID \"$n\" found"
                run_berth 125 container inspect "$n"
                assert_line "Error: inspecting object: no such container $n"
                run_berth 125 inspect --format '{{.Id}}' "$n"
                assert_output --partial "$n"
        done
        run_berth 1 rm "$id3"
        # gone3's process ran on without its rootfs mount; when it ends its
        # monitor removes what berth kept outside the record.
        local i
        for i in $(seq 150); do
                ctr_assert_no_leftovers "$BASE_LAYERS" 2>/dev/null && break
                sleep 0.1
        done
        ctr_assert_no_leftovers "$BASE_LAYERS"
}

@test "berth runs images podman imported, built and loaded" {
        run_cmd "$PM" import "$BATS_FILE_TMPDIR/rootfs.tar" localhost/pimp:1
        run_berth run "${CGP[@]}" --rm localhost/pimp:1 echo imported
        assert_output "imported"

        mkdir -p "$BERTH_TEST_DIR/ctx"
        cp "$BATS_FILE_TMPDIR/rootfs.tar" "$BERTH_TEST_DIR/ctx/"
        printf 'FROM scratch\nADD rootfs.tar /\nENV BUILT=podman\nCMD ["sh", "-c", "echo built by $BUILT"]\n' \
                >"$BERTH_TEST_DIR/ctx/Containerfile"
        run_cmd "$PM" build -q -t localhost/pbuilt "$BERTH_TEST_DIR/ctx"
        run_berth run "${CGP[@]}" --rm localhost/pbuilt
        assert_output "built by podman"

        run_cmd "$PM" save -o "$BERTH_TEST_DIR/pimp.tar" localhost/pimp:1
        run_cmd "$PM" rmi localhost/pimp:1
        run_cmd "$PM" load -i "$BERTH_TEST_DIR/pimp.tar"
        run_berth run "${CGP[@]}" --rm localhost/pimp:1 echo loaded
        assert_output "loaded"
        run_berth run "${CGP[@]}" -d --name onloaded localhost/pimp:1 sleep 100
        run_berth exec onloaded echo exec ok
        assert_output "exec ok"
        run_berth rm -f -t 0 onloaded
        ctr_assert_no_leftovers
}

@test "berth never removes a podman or buildah container: rm -a, rm -f NAME/ID, prune, --replace" {
        run_cmd "$PM" create --name pc "$IMG" true
        local pid
        pid=$(grep -E '^[0-9a-f]{64}$' <<<"$output") || die "no ID from podman create"
        local bid=
        if command -v buildah >/dev/null; then
                buildah from --name bc "$IMG" >/dev/null 2>&1 || die "buildah from failed"
                bid=$(buildah containers --notruncate --filter name=bc --format '{{.ContainerID}}' 2>/dev/null)
        fi
        run_berth create "${CGP[@]}" --name mine "$IMG" true
        local mine=$output

        run_berth rm -a -f
        assert_output "$mine"
        run_berth 125 rm -f pc
        assert_output --partial 'container "pc" belongs to podman, not to berth'
        run_berth 125 rm -f "$pid"
        assert_output --partial "belongs to podman"
        run_berth 125 rm -f "${pid:0:12}"
        if [ -n "$bid" ]; then
                run_berth 125 rm -f bc
                assert_output --partial 'container "bc" belongs to buildah, not to berth'
                run_berth 125 rm -f "$bid"
        fi
        run_berth container prune -f
        run_berth 125 stop pc
        run_berth 125 kill pc
        run_berth 125 create "${CGP[@]}" --replace --name pc "$IMG" true
        assert_output --partial 'container "pc" belongs to podman, not to berth'

        run_berth ps -a --external --format '{{.Names}}'
        assert_line "pc"
        [ -z "$bid" ] || assert_line "bc"
        run_cmd "$PM" ps -a --format '{{.Names}}'
        assert_output "pc"
        if [ -n "$bid" ]; then
                run_cmd sh -c "buildah containers --format '{{.ContainerName}}' 2>/dev/null"
                assert_output "bc"
        fi
}

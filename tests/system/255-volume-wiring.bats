#!/usr/bin/env bats
# Volumes wired to containers: volume rm refusing a volume in use (podman's
# text and exit code 2) and rm -f removing its containers first, inspect
# finding volumes, system df and info counting containers and volumes, and
# the race between creating a container and removing its volume.

load helpers

setup_file() {
        ctr_setup_file
}

setup() {
        ctr_setup
}

teardown() {
        ctr_teardown
}

@test "volume rm: a volume in use is refused (exit 2), -f removes its containers first" {
        run_berth create "${CGP[@]}" --name c1 -v v1:/d $IMG true
        local c1=$output
        run_berth run -d "${CGP[@]}" --name c2 -v v1:/e $IMG sleep 100
        local c2=$output
        run_berth create "${CGP[@]}" --name other $IMG true
        run_berth 2 volume rm v1
        assert_output --regexp "^Error: volume v1 is being used by the following container\(s\): ($c1, $c2|$c2, $c1): volume is being used$"
        run_berth volume inspect --format '{{.Name}}' v1
        # -f: the users go (the running one stopped first), then the volume.
        run_berth volume rm -f -t 0 v1
        assert_output "v1"
        run_berth ps -a --format '{{.Names}}'
        assert_output "other"
        run_berth 125 volume inspect v1
        # A volume no container uses goes without -f; several at once, in use
        # ones (exit 2) beat unknown ones (exit 1) as in podman.
        run_berth volume create free
        run_berth create "${CGP[@]}" -v busy:/d $IMG true
        run_berth 2 volume rm free nope busy
        assert_line --index 0 "free"
        assert_line --index 1 --partial "Error: volume busy is being used by the following container(s): "
        assert_line --index 2 'Error: no volume with name "nope" found: no such volume'
        # rm -a -f takes every volume and its containers.
        run_berth volume rm -a -f
        assert_output "busy"
        run_berth ps -a --format '{{.Names}}'
        assert_output "other"
}

@test "inspect: volumes are found after containers and images; --type volume" {
        run_berth volume create -l a=b iv
        run_berth inspect iv
        echo "$output" | jq -e '.[0].Name == "iv" and .[0].Driver == "local" and
                .[0].Labels.a == "b" and (.[0].Mountpoint | endswith("/berth/volumes/iv/_data"))' \
                >/dev/null || die "unexpected inspect output: $output"
        run_berth inspect --type volume --format '{{.Name}} {{.Driver}} {{.Scope}}' iv
        assert_output "iv local local"
        # A container of that name comes first, as in podman.
        run_berth create "${CGP[@]}" --name iv $IMG true
        run_berth inspect --format '{{.Name}}|{{.State.Status}}' iv
        assert_output "iv|created"
        run_berth inspect --type volume --format '{{.Name}}|{{.Driver}}' iv
        assert_output "iv|local"
        run_berth 125 inspect --type volume nosuch
        assert_line "[]"
        assert_line "Error: inspecting object: no such volume nosuch"
        run_berth 125 inspect --type volume iv nosuch
        echo "$output" | grep -q '"Name": "iv"' || die "iv not printed: $output"
        run_berth 125 inspect --type bogus iv
        assert_output 'Error: invalid type "bogus": must be "image", "container", "volume", or "all"'
        run_berth 125 inspect nosuch
        assert_line --partial "Error: "
}

@test "system df and info count containers and volumes" {
        run_berth volume create empty
        run_berth run "${CGP[@]}" --name r1 -v data:/d $IMG \
                sh -c 'dd if=/dev/zero of=/d/f bs=1024 count=100 2>/dev/null; dd if=/dev/zero of=/x bs=1024 count=50 2>/dev/null'
        run_berth run -d "${CGP[@]}" --name r2 -v data:/e $IMG sleep 100
        run_berth create "${CGP[@]}" --name c3 $IMG true
        # A read-write layer holds only what the container wrote with
        # overlay; with vfs (rootless here) it is a whole copy of the image.
        local driver
        driver=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
        run_berth system df --format '{{.Type}}|{{.Total}}|{{.Active}}|{{.RawSize}}|{{.RawReclaimable}}'
        if [ "$driver" = overlay ]; then
                assert_line --index 1 "Containers|3|1|51200|51200"
        else
                assert_line --index 1 --regexp '^Containers\|3\|1\|[0-9]+\|[0-9]+$'
        fi
        # podman 4.3 adds up the links of every volume as ACTIVE.
        assert_line --index 2 "Local Volumes|2|2|102400|0"
        run_berth system df
        assert_line --index 0 --regexp '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$'
        assert_line --index 2 --regexp '^Containers +3 +1 +[0-9.]+[kMG]?B +[0-9.]+[kMG]?B \([0-9]+%\)$'
        assert_line --index 3 --regexp '^Local Volumes +2 +2 +102.4kB +0B \(0%\)$'
        run_berth system df -v
        assert_line --regexp '^CONTAINER ID +IMAGE +COMMAND +LOCAL VOLUMES +SIZE +CREATED +STATUS +NAMES$'
        assert_line --regexp '^[0-9a-f]{12} +[0-9a-f]{12} +sh -c dd if=/dev/zero of=/d/f bs=1024 count=100 2>/dev/null; dd .* +1 +[0-9.]+[kMG]?B +.* +exited +r1$'
        assert_line --regexp '^[0-9a-f]{12} +[0-9a-f]{12} +sleep 100 +1 +[0-9.]+[kMG]?B +.* +running +r2$'
        assert_line --regexp '^[0-9a-f]{12} +[0-9a-f]{12} +true +0 +[0-9.]+[kMG]?B +.* +created +c3$'
        assert_line --regexp '^VOLUME NAME +LINKS +SIZE$'
        assert_line --regexp '^data +2 +102.4kB$'
        assert_line --regexp '^empty +0 +0B$'

        run_berth info --format json
        echo "$output" | jq -e '.store.containerStore == {"number": 3, "paused": 0, "running": 1, "stopped": 2} and
                (.store.volumePath | endswith("/berth/volumes"))' >/dev/null ||
                die "unexpected store: $(echo "$output" | jq -c .store)"
        # podman's key order
        run_cmd sh -c "'$BERTH' info --format json | jq -r '.store | keys_unsorted | join(\",\")'"
        assert_output --regexp '^configFile,containerStore,graphDriverName,.*imageCopyTmpDir,imageStore,runRoot,volumePath$'
}

# names_missing: print every container volume that no longer exists.
names_missing() {
        local id v
        for id in $("$BERTH" ps -aq --no-trunc); do
                for v in $("$BERTH" inspect --format '{{range .Mounts}}{{.Name}} {{end}}' "$id" 2>/dev/null); do
                        "$BERTH" volume inspect "$v" >/dev/null 2>&1 || echo "$id:$v"
                done
        done
}

# volume_users NAME: the containers whose mounts name the volume.
volume_users() {
        local id
        for id in $("$BERTH" ps -aq --no-trunc); do
                "$BERTH" inspect --format '{{range .Mounts}}{{.Name}} {{end}}' "$id" 2>/dev/null |
                        grep -qw "$1" && echo "$id"
        done
        return 0
}

@test "create racing volume rm -f: no container names a missing volume" {
        local i pid deadline rmok users runs=0 removed=0
        for i in $(seq -w 1 20); do
                "$BERTH" run -d "${CGP[@]}" -v "vr$i:/d" $IMG sleep 100 >/dev/null 2>&1 &
                pid=$!
                # Remove the volume as soon as it exists: the create holds the
                # volume lock until its config names it, so rm either sees the
                # container (and removes it) or comes first.
                rmok=0
                deadline=$((SECONDS + 60))
                while [ $SECONDS -lt $deadline ]; do
                        if "$BERTH" volume rm -f -t 0 "vr$i" >/dev/null 2>&1; then
                                rmok=1
                                break
                        fi
                        kill -0 $pid 2>/dev/null || break
                done
                wait $pid && runs=$((runs + 1))
                if [ $rmok = 1 ]; then
                        removed=$((removed + 1))
                        # rm saw the container (and removed it) or came before
                        # it existed: nothing may use the volume now.
                        users=$(volume_users "vr$i")
                        [ -z "$users" ] || die "round $i: volume removed, but used by $users"
                        if "$BERTH" volume inspect "vr$i" >/dev/null 2>&1; then
                                die "round $i: volume removed, but it exists again"
                        fi
                fi
                [ -z "$(names_missing)" ] || die "round $i: $(names_missing)"
        done
        echo "# $runs runs succeeded, $removed volumes removed while in use" >&3
        [ -z "$(names_missing)" ] || die "containers name missing volumes: $(names_missing)"
        # No volume is left counted in use by a container that is gone.
        run_berth volume rm -a -f
        run_berth ps -a -q
        assert_output ""
        run_berth volume ls -q
        assert_output ""
}

#!/usr/bin/env bats
# User namespaces: the mappings written are the config's.

load helpers

# map_lines FILE-CONTENT: the lines of a uid_map/gid_map with the column
# padding squeezed, one "inside outside count" per line.
map_lines() {
        printf '%b' "$1" | awk 'NF == 3 { print $1, $2, $3 }'
}

@test "userns rootless: the caller's uid and gid map to 0, one id each" {
        skip_if_root "the rootless bundle maps the calling user"
        payload read /proc/self/uid_map read /proc/self/gid_map ids ns
        rt_run c1
        uid=$(id -u) gid=$(id -g)
        assert_equal "$(map_lines "$(line_value read:/proc/self/uid_map | sed 's/^ok len=[0-9]* data=//')")" \
                "0 $uid 1" "uid_map"
        assert_equal "$(map_lines "$(line_value read:/proc/self/gid_map | sed 's/^ok len=[0-9]* data=//')")" \
                "0 $gid 1" "gid_map"
        assert_line uid=0
        assert_line gid=0
        [ "$(line_value ns:user)" != "$(host_ns user)" ] || die "user namespace is the host's"
}

@test "userns root: a mapping of several ranges is written as given" {
        skip_if_rootless "mapping several ranges without newuidmap needs root"
        rt_bundle_public
        cfg '.linux.namespaces += [{type: "user"}]
             | .linux.uidMappings = [{containerID: 0, hostID: 300000, size: 1000},
                                     {containerID: 1000, hostID: 400000, size: 65536}]
             | .linux.gidMappings = [{containerID: 0, hostID: 300000, size: 1000},
                                     {containerID: 1000, hostID: 500000, size: 65536}]
             | .process.user = {uid: 1500, gid: 2000}'
        payload read /proc/self/uid_map read /proc/self/gid_map ids stat /payload ns
        rt_run c1
        assert_equal "$(map_lines "$(line_value read:/proc/self/uid_map | sed 's/^ok len=[0-9]* data=//')")" \
                "0 300000 1000
1000 400000 65536" "uid_map"
        assert_equal "$(map_lines "$(line_value read:/proc/self/gid_map | sed 's/^ok len=[0-9]* data=//')")" \
                "0 300000 1000
1000 500000 65536" "gid_map"
        assert_line uid=1500
        assert_line gid=2000
        [ "$(line_value ns:user)" != "$(host_ns user)" ] || die "user namespace is the host's"
        # The rootfs belongs to the host's root, which is not mapped: nobody inside.
        assert_match "$(line_value stat:/payload)" '^reg 0755 65534 65534 ' "owner of /payload"
}

@test "userns root: the container's uid 1500 is host uid 400500" {
        skip_if_rootless "mapping several ranges without newuidmap needs root"
        rt_bundle_public
        cfg '.linux.namespaces += [{type: "user"}]
             | .linux.uidMappings = [{containerID: 0, hostID: 300000, size: 1000},
                                     {containerID: 1000, hostID: 400000, size: 65536}]
             | .linux.gidMappings = [{containerID: 0, hostID: 300000, size: 65536}]
             | .process.user = {uid: 1500, gid: 0}'
        payload sleep 100
        rt_start_bg c1
        pid=$(rt_pid c1)
        run awk '$1 == "Uid:" { print $2, $3 } $1 == "Gid:" { print $2, $3 }' "/proc/$pid/status"
        assert_equal "$output" "400500 400500
300000 300000" "host ids of the container process"
}

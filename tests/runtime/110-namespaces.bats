#!/usr/bin/env bats
# Namespaces: new ones differ from the host's, unrequested ones are the
# host's, and a namespace given by path is joined.

load helpers

# ns_of_payload NAME: the inode the payload printed for namespace NAME.
ns_of_payload() {
        line_value "ns:$1"
}

@test "namespaces: every requested one is new, the others are the host's" {
        payload ns pid
        rt_run c1
        new=(pid ipc uts mnt)
        same=(cgroup time)
        if is_rootless; then
                new+=(user)
                same+=(net)
        else
                new+=(net)
                same+=(user)
        fi
        for n in "${new[@]}"; do
                [ "$(ns_of_payload "$n")" != "$(host_ns "$n")" ] || die "namespace $n is the host's"
        done
        for n in "${same[@]}"; do
                assert_equal "$(ns_of_payload "$n")" "$(host_ns "$n")" "namespace $n (not requested)"
        done
        # The container's process is the init of its pid namespace.
        assert_line pid=1
        assert_line ppid=0
}

@test "namespaces: a new network namespace is the container's from its first step" {
        skip_if_rootless "the rootless bundle has no network namespace of its own"
        # rt_create makes it ahead, in a thread, and the init joins it: /sys is
        # mounted in it (only lo), and a running container's is not the next one's.
        payload sleep 100
        rt_start_bg c1
        first=$(stat -L -c %i "/proc/$(rt_pid c1)/ns/net")
        [ "$first" != "$(host_ns net)" ] || die "network namespace is the host's"
        payload ns ls /sys/class/net
        rt_run c2
        assert_line ls:/sys/class/net=lo
        [ "$(ns_of_payload net)" != "$first" ] || die "two containers share a network namespace"
        [ "$(ns_of_payload net)" != "$(host_ns net)" ] || die "network namespace is the host's"
}

@test "namespaces: a cgroup namespace when asked for" {
        cfg '.linux.namespaces += [{type: "cgroup"}]'
        payload ns cgroup
        rt_run c1
        [ "$(ns_of_payload cgroup)" != "$(host_ns cgroup)" ] || die "cgroup namespace is the host's"
        # Inside its own cgroup namespace the container's cgroup is the root.
        if ! is_rootless; then
                assert_line --regexp '^cgroup=[0-9]+:memory:/$'
        fi
}

@test "namespaces: join a network namespace by path" {
        skip_if_rootless "ip netns add needs root"
        require_cmd ip
        name=$RT_CGPARENT-net
        RT_NETNS+=("$name")
        run_cmd ip netns add "$name"
        cfg '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
                --arg p "/run/netns/$name"
        payload ns
        rt_run c1
        assert_equal "$(ns_of_payload net)" "$(stat -L -c %i "/run/netns/$name")" "joined net namespace"
}

@test "namespaces: join another container's namespaces through /proc/PID/ns" {
        cfg '.hostname = "first"'
        payload sleep 100
        rt_start_bg c1
        pid=$(rt_pid c1)
        first_uts=$(stat -L -c %i "/proc/$pid/ns/uts")
        first_ipc=$(stat -L -c %i "/proc/$pid/ns/ipc")

        # The second container joins c1's uts and ipc namespaces (and, rootless,
        # the user namespace that owns them); a joined uts namespace keeps its name.
        cfg 'del(.hostname)
             | .linux.namespaces |= map(if .type == "uts" or .type == "ipc" then
                                          .path = "/proc/\($pid)/ns/\(.type)" else . end)' \
                --arg pid "$pid"
        if is_rootless; then
                cfg '.linux.namespaces |= map(if .type == "user" then .path = "/proc/\($pid)/ns/user"
                                              else . end)' --arg pid "$pid"
        fi
        payload ns hostname
        rt_run c2
        assert_equal "$(ns_of_payload uts)" "$first_uts" "uts namespace of the second container"
        assert_equal "$(ns_of_payload ipc)" "$first_ipc" "ipc namespace of the second container"
        assert_line hostname=first
        [ "$(ns_of_payload mnt)" != "$(stat -L -c %i "/proc/$pid/ns/mnt")" ] ||
                die "the mount namespace was shared though not asked for"
}

@test "namespaces: a path that is not a namespace fails clearly" {
        cfg '.linux.namespaces |= map(if .type == "ipc" then .path = "/etc/passwd" else . end)'
        payload exit 0
        rt_run '?' c1
        [ "$status" -ne 0 ] || die "joining /etc/passwd as an ipc namespace succeeded"
}

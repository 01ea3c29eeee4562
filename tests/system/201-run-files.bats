#!/usr/bin/env bats
# What berth run puts in a container beside the image, compared with podman
# 4.3: /etc/hosts and /etc/resolv.conf with --network none (no resolv.conf;
# the host's entries re-written, host.containers.internal, the container's
# own name; --add-host, --no-hosts), --sysctl, and rlimits that only an exact 64-bit config.json carries (an
# unlimited --ulimit through --runtime runc, which parses it as a uint64).
# Root and rootless.

load helpers

setup_file() {
        ctr_setup_file
}

setup() {
        ctr_setup
}

teardown() {
        # podman leaves a conmon cgroup under its parent: remove it all.
        if [ -n "${PODMAN_CGROUP:-}" ]; then
                local cg
                for cg in $(find /sys/fs/cgroup/*/"$PODMAN_CGROUP" -depth -type d 2>/dev/null); do
                        rmdir "$cg" 2>/dev/null || true
                done
        fi
        ctr_teardown
}

# hosts_expected HOSTNAME NAME: podman's /etc/hosts for --network none, made
# from this host's /etc/hosts and first global IPv4 address with awk.
hosts_expected() {
        local ip
        ip=$(ip -4 -o addr show scope global 2>/dev/null | awk '{sub(/\/.*/, "", $4); print $4; exit}')
        awk -v ip="$ip" -v hn="$1" -v name="$2" '
                { sub(/#.*/, ""); if (NF < 2) next
                  line = $1 "\t" $2; for (i = 3; i <= NF; i++) line = line " " $i; print line
                  for (i = 2; i <= NF; i++) { if ($i == "localhost") lh = 1
                                              if ($i == "host.containers.internal") hci = 1 } }
                END { if (!lh) print "127.0.0.1\tlocalhost\n::1\tlocalhost"
                      if (!hci && ip != "") print ip "\thost.containers.internal"
                      print "127.0.0.1\t" hn " " name }' /etc/hosts
}

@test "run --network none: no /etc/resolv.conf, podman's /etc/hosts" {
        run_berth run --rm "${CGP[@]}" --network none $IMG \
                sh -c 'test -e /etc/resolv.conf && echo present || echo absent'
        assert_output "absent"
        # berth's default network is none until the network step.
        run_berth run --rm "${CGP[@]}" $IMG sh -c 'test -e /etc/resolv.conf && echo present || echo absent'
        assert_output "absent"
        run_berth run --rm "${CGP[@]}" --network none --hostname hh --name nn $IMG cat /etc/hosts
        assert_equal "$output" "$(hosts_expected hh nn)" "/etc/hosts"
        run_berth run --rm "${CGP[@]}" --network none --hostname hh $IMG cat /etc/hostname
        assert_output "hh"
        # inspect says so as podman's does: no ResolvConfPath without a network.
        run_berth create "${CGP[@]}" --network none --name rp $IMG true
        run_berth inspect --format '{{.ResolvConfPath}}|{{.HostConfig.NetworkMode}}' rp
        assert_output "|none"
        run_berth rm rp
}

@test "run --network host: the host's /etc/resolv.conf" {
        [ -r /etc/resolv.conf ] || skip "this host has no /etc/resolv.conf"
        run_berth run --rm "${CGP[@]}" --network host $IMG cat /etc/resolv.conf
        assert_equal "$output" "$(cat /etc/resolv.conf)" "/etc/resolv.conf"
        run_berth create "${CGP[@]}" --network host --name rp $IMG true
        run_berth inspect --format '{{.ResolvConfPath}}' rp
        assert_output --regexp '/userdata/resolv\.conf$'
        run_berth rm rp
}

@test "run --network none: the same /etc/hosts and resolv.conf as podman" {
        skip_if_rootless "podman runs here only as root (its cgroup manager)"
        require_cmd podman
        local conf=$BERTH_TEST_DIR/containers.conf pm
        cat >"$conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF
        pm=(env CONTAINERS_CONF="$conf" podman --root "$BERTH_TEST_DIR/proot"
                --runroot "$BERTH_TEST_DIR/prun" --storage-driver vfs)
        "${pm[@]}" import "$BATS_FILE_TMPDIR/rootfs.tar" localhost/bb >/dev/null 2>&1 ||
                skip "podman import fails here"
        local script='cat /etc/hosts; test -e /etc/resolv.conf && echo resolv || echo no-resolv'
        PODMAN_CGROUP=berth-test-files-${BERTH_TEST_DIR##*.}
        local add=(--add-host foo:1.2.3.4 --add-host bar:::1)
        run_cmd "${pm[@]}" run --rm --cgroup-parent "/$PODMAN_CGROUP" --network none --hostname hh --name nn \
                "${add[@]}" localhost/bb sh -c "$script"
        local want
        want=$(printf '%s\n' "$output" | grep -v '^time=".*level=')
        run_berth run --rm "${CGP[@]}" --network none --hostname hh --name nn "${add[@]}" $IMG \
                sh -c "$script"
        assert_equal "$output" "$want" "berth's files against podman's"
        assert_line "no-resolv"
        assert_line --index 0 $'1.2.3.4\tfoo'
}

@test "run --add-host, --no-hosts: the entries first, kept across a lost run directory" {
        run_berth run --rm "${CGP[@]}" --hostname hh --name nn --add-host foo:1.2.3.4,bar:::1 \
                $IMG cat /etc/hosts
        assert_equal "$output" "$(printf '1.2.3.4\tfoo\n::1\tbar\n'; hosts_expected hh nn)" "/etc/hosts"
        # --no-hosts leaves the image's (this one has none).
        run_berth run --rm "${CGP[@]}" --no-hosts $IMG \
                sh -c 'test -e /etc/hosts && echo present || echo absent'
        assert_output "absent"

        run_berth create "${CGP[@]}" --name ah --add-host x.example:10.1.2.3 $IMG cat /etc/hosts
        run_berth inspect --format '{{.HostConfig.ExtraHosts}}' ah
        assert_output "[x.example:10.1.2.3]"
        run_berth start -a ah
        assert_line --index 0 $'10.1.2.3\tx.example'
        # A reboot empties the runroot: start writes the files again, with
        # the entries the container was created with.
        run_berth inspect --format '{{.HostsPath}}' ah
        local rdir=${output%/hosts}
        rm -f "$rdir/hosts" "$rdir/hostname" "$rdir/.containerenv"
        run_berth start -a ah
        assert_line --index 0 $'10.1.2.3\tx.example'
        [ -f "$rdir/.containerenv" ] || die "start did not write the run files again"
        run_berth create "${CGP[@]}" --name nh --no-hosts $IMG true
        run_berth inspect --format '{{.HostsPath}}|{{.HostConfig.ExtraHosts}}' nh
        assert_output "|[]"

        # podman's checks, before anything is made.
        run_berth 125 run --rm "${CGP[@]}" --no-hosts --add-host foo:1.2.3.4 $IMG true
        assert_output "Error: --no-hosts and --add-host cannot be set together"
        run_berth 125 run --rm "${CGP[@]}" --add-host foo $IMG true
        assert_output 'Error: bad format for add-host: "foo"'
        run_berth 125 run --rm "${CGP[@]}" --add-host foo:bad $IMG true
        assert_output 'Error: invalid IP address in add-host: "bad"'
        run_berth 125 run --rm "${CGP[@]}" --add-host 'a b:1.2.3.4' $IMG true
        assert_output 'Error: bad format for add-host: "a b:1.2.3.4"'
        run_berth ps -a --format '{{.Names}}'
        assert_output $'nh\nah'
}

@test "run --sysctl: the namespaced ones set, the others refused as podman" {
        run_berth run --rm "${CGP[@]}" --sysctl net.ipv4.ip_forward=1 \
                --sysctl kernel.shmmax=1000,fs.mqueue.msg_max=20 $IMG \
                cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/fs/mqueue/msg_max
        assert_output $'1\n1000\n20'
        # The container's own namespaces: the host's values are untouched.
        [ "$(cat /proc/sys/kernel/shmmax)" != 1000 ] || die "the host's kernel.shmmax changed"

        run_berth 125 run --rm "${CGP[@]}" --sysctl vm.swappiness=1 $IMG true
        assert_output "Error: sysctl 'vm.swappiness' is not allowed"
        run_berth 125 run --rm "${CGP[@]}" --sysctl foo $IMG true
        assert_output "Error: foo is invalid, sysctl values must be in the form of KEY=VALUE"
        run_berth 125 run --rm "${CGP[@]}" --network host --sysctl net.ipv4.ip_forward=1 $IMG true
        assert_output "Error: sysctl net.ipv4.ip_forward=1 can't be set since Network Namespace set to host"
        run_berth ps -a -q
        assert_output ""
}

@test "run --runtime runc --ulimit core=-1: an unlimited rlimit reaches runc exactly" {
        require_cmd runc
        [ "$(ulimit -H -c)" = unlimited ] || skip "the hard core limit here is not unlimited"
        run_berth create "${CGP[@]}" --name u --runtime runc --ulimit core=-1 $IMG \
                sh -c 'ulimit -S -c; ulimit -H -c'
        # config.json carries 2^64-1 as an integer, never as a rounded float.
        local cfg
        cfg=$(find "$BERTH_TEST_DIR" -path '*-containers/*' -name config.json \
                -exec grep -l '"RLIMIT_CORE"' {} + 2>/dev/null | head -1)
        [ -n "$cfg" ] || die "no config.json with RLIMIT_CORE under $BERTH_TEST_DIR"
        run_cmd grep -c '"hard": *18446744073709551615' "$cfg"
        run_cmd 1 grep -E '18446744073709552000|e\+19' "$cfg"
        # inspect shows it as podman does: int64, unlimited is -1.
        run_berth inspect --format '{{json .HostConfig.Ulimits}}' u
        assert_output --partial '{"Name":"RLIMIT_CORE","Soft":-1,"Hard":-1}'
        run_berth start -a u
        assert_output "$(printf 'unlimited\nunlimited')"
}

@test "the runtime is the container's: start keeps the one it was created with, inspect names it" {
        require_cmd runc
        run_berth create "${CGP[@]}" --runtime runc --name rt1 $IMG sleep 100
        local id=$output run
        run_berth inspect --format '{{.OCIRuntime}}' rt1
        assert_output "runc"
        # started without --runtime: still runc, whose state it is
        run_berth start rt1
        run=$("$BERTH" info --format '{{.Store.RunRoot}}')
        run_cmd runc --root "$run/berth-runtime" state "$id"
        assert_output --partial '"status": "running"'
        run_berth rm -f -t 0 rt1
        run_berth create "${CGP[@]}" --name rt2 $IMG true
        run_berth inspect --format '{{.OCIRuntime}}' rt2
        assert_output "berth"
        run_berth rm rt2
}

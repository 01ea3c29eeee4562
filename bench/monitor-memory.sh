#!/bin/bash
# bench/monitor-memory.sh: private memory of berth-monitor against conmon,
# each monitoring N running containers (`sleep`) at once, as root. Private
# memory is Private_Clean + Private_Dirty of /proc/PID/smaps_rollup (what
# the issue's target names), printed per monitor process with the mean.
#
#   bench/monitor-memory.sh [N]      (default N=1)
#
# berth-monitor runs containers in-process (the runtime library) from a
# bundle made by tests/runtime/make-bundle.sh; conmon is started by Debian's
# podman 4.3.1 (`podman run -d --cgroup-parent=/TMP --network=none`, with
# bench/containers.conf and a temporary store), runc as its runtime. With
# N >= 2, pages of each program's binary are shared between its monitors,
# so the figure per monitor drops for both. Environment: BUILD (build dir,
# default build/), MONITOR, RUNTIME (berth-runtime, to clean up).
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$bench_dir/.." && pwd)
build=${BUILD:-$repo/build}
MONITOR=${MONITOR:-$build/cmd/berth-monitor/berth-monitor}
RUNTIME=${RUNTIME:-$build/cmd/berth-runtime/berth-runtime}
n=${1:-1}
[ "$(id -u)" -eq 0 ] || { echo "monitor-memory.sh: run as root" >&2; exit 1; }
for x in "$MONITOR" "$RUNTIME"; do
        [ -x "$x" ] || { echo "monitor-memory.sh: $x not built" >&2; exit 1; }
done
command -v conmon >/dev/null && command -v podman >/dev/null ||
        { echo "monitor-memory.sh: needs podman and conmon" >&2; exit 1; }

tmp=$(mktemp -d /tmp/berth-monmem.XXXXXX)
cg=berth-bench-monmem-$$
export CONTAINERS_CONF=$bench_dir/containers.conf
pod=(podman --root "$tmp/pod/root" --runroot "$tmp/pod/run" --tmpdir "$tmp/pod/tmp")

cleanup() {
        set +e
        for i in $(seq "$n"); do
                "$RUNTIME" --root "$tmp/state" delete --force "bm-$i" >/dev/null 2>&1
        done
        "${pod[@]}" rm -af -t 0 >/dev/null 2>&1
        "${pod[@]}" rmi -af >/dev/null 2>&1
        # podman may have stacked its overlay bind mounts: unmount until none is left
        while m=$(findmnt -rn -o TARGET | grep -F "$tmp/" | sort -r | head -n 1) && [ -n "$m" ]; do
                umount -l "$m" || break
        done
        for _ in $(seq 50); do
                for d in /sys/fs/cgroup/*/"$cg" /sys/fs/cgroup/unified/"$cg"; do
                        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
                done
                ls -d /sys/fs/cgroup/*/"$cg" >/dev/null 2>&1 || break
                sleep 0.1
        done
        rm -rf "$tmp"
}
trap cleanup EXIT

# private_kb PID: Private_Clean + Private_Dirty of PID, in kB.
private_kb() {
        awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s }' "/proc/$1/smaps_rollup"
}

report() {
        local name=$1 total=0 p v
        shift
        for p in "$@"; do
                v=$(private_kb "$p")
                total=$((total + v))
                printf '%-14s pid %-7s private %5s kB\n' "$name" "$p" "$v"
        done
        printf '%-14s mean private %s kB over %d\n' "$name" $((total / $#)) $#
}

payload=$tmp/payload
cc -std=gnu11 -O2 -static -o "$payload" "$repo/tests/runtime/payload.c"
"$repo/tests/fixtures/make-busybox-rootfs.sh" "$tmp/busybox.tar" >/dev/null
"$repo/tests/runtime/make-bundle.sh" "$tmp/bundle" --payload "$payload" --rootfs-tar "$tmp/busybox.tar"

mon_pids=()
for i in $(seq "$n"); do
        b=$tmp/bundle-$i r=$tmp/run-$i
        mkdir -p "$b" "$r"
        jq --arg root "$tmp/bundle/rootfs" --arg cg "/$cg/bm-$i" \
                '.root.path = $root | .process.args = ["/payload", "sleep", "600"]
                 | .linux.cgroupsPath = $cg' "$tmp/bundle/config.json" >"$b/config.json"
        python3 "$repo/tests/system/lib/monitor-client.py" run -- "$MONITOR" --id "bm-$i" \
                --bundle "$b" --rundir "$r" --runtime-root "$tmp/state" >/dev/null
        mon_pids+=("$(cat "$r/monitor.pid")")
done

"${pod[@]}" import -q "$tmp/busybox.tar" localhost/monmem >/dev/null 2>&1
con_pids=()
for i in $(seq "$n"); do
        id=$("${pod[@]}" run -d --cgroup-parent "/$cg" --network=none localhost/monmem sleep 600 2>/dev/null)
        con_pids+=("$(cat "$tmp/pod/run/overlay-containers/$id/userdata/conmon.pid")")
done
sleep 1
report berth-monitor "${mon_pids[@]}"
report conmon "${con_pids[@]}"

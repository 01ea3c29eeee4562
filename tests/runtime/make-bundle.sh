#!/bin/bash
# Make an OCI bundle for the runtime tests: DIR/rootfs (the busybox test
# image plus our payload at /payload) and DIR/config.json, written with jq
# from the template below (never with `runc spec` or `berth-runtime spec`:
# the tests must not depend on the runtime under test). The process runs
# `/payload hostname`; tests change config.json with jq per case.
#
#   tests/runtime/make-bundle.sh DIR [--rootless] [--payload FILE] [--rootfs-tar TAR]
#
# --rootless      the config `runc spec --rootless` would give: a user namespace
#                 mapping the caller's uid and gid to 0 (one id each), no network
#                 namespace, /sys bind-mounted from the host, no cgroup resources.
# --payload FILE  the static payload program (default: $BERTH_TEST_PAYLOAD)
# --rootfs-tar T  the busybox rootfs tarball (default: $BERTH_TEST_ROOTFS_TAR,
#                 else made now with tests/fixtures/make-busybox-rootfs.sh)
#
# DIR must not exist or be empty. Works as root and as an unprivileged user.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir='' rootless=0
payload=${BERTH_TEST_PAYLOAD:-}
tarball=${BERTH_TEST_ROOTFS_TAR:-}
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
        case "$1" in
        --rootless) rootless=1 ;;
        --payload) payload=${2:?}; shift ;;
        --rootfs-tar) tarball=${2:?}; shift ;;
        -h | --help) usage ;;
        -*) echo "make-bundle.sh: unknown option $1" >&2; exit 2 ;;
        *) [ -z "$dir" ] || usage; dir=$1 ;;
        esac
        shift
done
[ -n "$dir" ] || usage
[ -n "$payload" ] && [ -x "$payload" ] ||
        { echo "make-bundle.sh: no payload program (--payload or BERTH_TEST_PAYLOAD)" >&2; exit 1; }

mkdir -p "$dir/rootfs"
dir=$(cd "$dir" && pwd)
if [ -z "$tarball" ]; then
        tarball=$dir/.busybox-rootfs.tar
        "$here/../fixtures/make-busybox-rootfs.sh" "$tarball"
        trap 'rm -f "$dir/.busybox-rootfs.tar"' EXIT
fi
# As an unprivileged user tar cannot chown to 0 and does not try to.
tar -xf "$tarball" -C "$dir/rootfs"
install -m 0755 "$payload" "$dir/rootfs/payload"

caps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW",
       "CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE",
       "CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'

# The base: what every test starts from, root and rootless alike.
jq -n --argjson caps "$caps" '{
  ociVersion: "1.0.2",
  process: {
    terminal: false,
    user: { uid: 0, gid: 0 },
    args: ["/payload", "hostname"],
    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "TERM=xterm", "HOME=/root"],
    cwd: "/",
    capabilities: { bounding: $caps, effective: $caps, permitted: $caps },
    rlimits: [ { type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 } ],
    noNewPrivileges: true
  },
  root: { path: "rootfs", readonly: false },
  hostname: "berth-test",
  mounts: [
    { destination: "/proc", type: "proc", source: "proc" },
    { destination: "/dev", type: "tmpfs", source: "tmpfs",
      options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
    { destination: "/dev/shm", type: "tmpfs", source: "shm",
      options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue",
      options: ["nosuid", "noexec", "nodev"] },
    { destination: "/sys", type: "sysfs", source: "sysfs",
      options: ["nosuid", "noexec", "nodev", "ro"] },
    { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
      options: ["nosuid", "noexec", "nodev", "relatime", "ro"] }
  ],
  linux: {
    resources: { devices: [ { allow: false, access: "rwm" } ] },
    namespaces: [ { type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" },
                  { type: "mount" } ],
    maskedPaths: ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                  "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                  "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
}' >"$dir/config.json.tmp"

if [ "$rootless" = 1 ]; then
        jq --argjson uid "$(id -u)" --argjson gid "$(id -g)" '
          .linux.namespaces = ([.linux.namespaces[] | select(.type != "network")]
                               + [ { type: "user" } ])
          | .linux.uidMappings = [ { containerID: 0, hostID: $uid, size: 1 } ]
          | .linux.gidMappings = [ { containerID: 0, hostID: $gid, size: 1 } ]
          | del(.linux.resources)
          | .mounts |= map(
              if .destination == "/sys" then
                { destination: "/sys", type: "none", source: "/sys",
                  options: ["rbind", "nosuid", "noexec", "nodev", "ro"] }
              elif .destination == "/dev/pts" then
                .options -= ["gid=5"]
              else . end)' "$dir/config.json.tmp" >"$dir/config.json"
        rm -f "$dir/config.json.tmp"
else
        mv -f "$dir/config.json.tmp" "$dir/config.json"
fi

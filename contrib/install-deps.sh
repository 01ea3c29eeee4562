#!/bin/sh
# Install every Debian package berth needs to build, test and benchmark.
# Idempotent and quiet: packages already present are not touched, and apt
# runs only when something is missing.
set -eu

BUILD="meson ninja-build pkg-config gcc clang libclang-rt-14-dev \
 libseccomp-dev libcap-dev libyajl-dev libarchive-dev libcurl4-openssl-dev \
 libsystemd-dev libssl-dev libyaml-dev libcmocka-dev"
HELPERS="uidmap passt slirp4netns catatonit fuse-overlayfs"
TEST="bats busybox-static jq docker-registry hyperfine tar-split util-linux procps \
 iproute2 tar gzip zstd curl binutils passwd dbus-daemon python3-dbus python3-gi"
ANCHORS="podman buildah skopeo crun runc conmon netavark aardvark-dns \
 golang-github-containers-common"

if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps.sh: must run as root (apt-get)" >&2
        exit 1
fi

missing=""
for p in $BUILD $HELPERS $TEST $ANCHORS; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [ "$status" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# A list older than a day may name package versions the mirror no longer has.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n 1)" ]; then
        apt-get update -qq >/dev/null
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

# shellcheck shell=bash
# The OCI runtime: `berth-runtime run` of a bundle whose process exits at
# once, against runc and crun doing the same, as root and (hyperfine run
# as that user, bench/run.sh's BENCH_USER) as an unprivileged user. crun refuses this
# machine's hybrid cgroups unless the cgroup2 mount is hidden in a private
# mount namespace (ENVIRONMENT.md), so crun runs through that wrapper, and
# berth-runtime is timed both plain and under the same wrapper. Peak RSS is
# bench/runtime-rss.sh's. Sourced by bench/run.sh, as root.

# Rootless crun cannot run here at all: it refuses the hybrid host, and an
# unprivileged user cannot hide the cgroup2 mount (bench/README.md).
wanted runtime-run-runc runtime-run-crun runtime-run-crun-wrapped runtime-run-rootless-runc ||
        return 0
rt=${BERTH_RUNTIME:-$(dirname "$BERTH")/../berth-runtime/berth-runtime}
payload=${BERTH_TEST_PAYLOAD:-$(dirname "$BERTH")/../../tests/runtime/berth-test-payload}
rt=$(realpath "$rt") payload=$(realpath "$payload")
[ -x "$rt" ] && [ -x "$payload" ] || {
        echo "runtime.bench.sh: build berth-runtime and the test payload first (meson -Dtests=true)" >&2
        return 0
}
bench_user=${BERTH_BENCH_USER:-berthtest}
rtdir=$(mktemp -d /tmp/berth-bench-rt.XXXXXX)
chmod 755 "$rtdir"
# State roots on tmpfs, where runtimes keep them (/run/runc, /run/crun,
# /run/berth-runtime): their small state files then cost what they do in use.
st=$(mktemp -d /run/berth-bench-rt.XXXXXX)
trap 'rm -rf "$rtdir" "$st"' EXIT
# The process exits at once: the cost measured is the runtime's own.
exit_at_once() {
        jq '.process.args = ["/payload", "exit", "0"]' "$1/config.json" >"$1/c.json"
        mv "$1/c.json" "$1/config.json"
}
"$repo/tests/runtime/make-bundle.sh" "$rtdir/bundle" --payload "$payload" >/dev/null
exit_at_once "$rtdir/bundle"
cat >"$rtdir/wrap.sh" <<'EOS'
#!/bin/sh
# Run "$@" with the cgroup2 mount hidden, as crun needs on this host.
exec unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh "$@"
EOS
chmod 755 "$rtdir/wrap.sh"

bench runtime-run-runc "$rt --root $st/b run -b $rtdir/bundle c1" \
        "runc --root $st/r run -b $rtdir/bundle c1"
bench runtime-run-crun "$rt --root $st/b run -b $rtdir/bundle c1" \
        "$rtdir/wrap.sh crun --root $st/c run -b $rtdir/bundle c1"
bench runtime-run-crun-wrapped "$rtdir/wrap.sh $rt --root $st/b run -b $rtdir/bundle c1" \
        "$rtdir/wrap.sh crun --root $st/c run -b $rtdir/bundle c1"

# Rootless: the user's own bundle (a user namespace mapping it to 0, no
# cgroups), state under a directory of its own.
if id "$bench_user" >/dev/null 2>&1; then
        install -d -o "$bench_user" "$rtdir/u"
        runuser -u "$bench_user" -- "$repo/tests/runtime/make-bundle.sh" "$rtdir/u/bundle" \
                --rootless --payload "$payload" >/dev/null
        exit_at_once "$rtdir/u/bundle"
        chown "$bench_user" "$rtdir/u/bundle/config.json"
        BENCH_USER=$bench_user bench runtime-run-rootless-runc \
                "$rt --root $rtdir/u/b run -b $rtdir/u/bundle c1" \
                "runc --root $rtdir/u/r run -b $rtdir/u/bundle c1"
fi

# shellcheck shell=bash
# The OCI runtime: `berth-runtime run` of a bundle whose process exits at
# once, against runc and crun doing the same. crun refuses this machine's
# hybrid cgroups unless the cgroup2 mount is hidden in a private mount
# namespace (ENVIRONMENT.md), so it runs through that wrapper; berth-runtime
# needs no help. Sourced by bench/run.sh (root: the bundle has cgroups).

wanted runtime-run-runc runtime-run-crun || return 0
rt=${BERTH_RUNTIME:-$(dirname "$BERTH")/../berth-runtime/berth-runtime}
payload=${BERTH_TEST_PAYLOAD:-$(dirname "$BERTH")/../../tests/runtime/berth-test-payload}
[ -x "$rt" ] && [ -x "$payload" ] || {
        echo "runtime.bench.sh: build berth-runtime and the test payload first (meson -Dtests=true)" >&2
        return 0
}
rtdir=$(mktemp -d /tmp/berth-bench-rt.XXXXXX)
trap 'rm -rf "$rtdir"' EXIT
"$repo/tests/runtime/make-bundle.sh" "$rtdir/bundle" --payload "$payload" >/dev/null
# The process: exit 0 at once (the cost measured is the runtime's own).
jq '.process.args = ["/payload", "exit", "0"]' "$rtdir/bundle/config.json" >"$rtdir/c.json"
mv "$rtdir/c.json" "$rtdir/bundle/config.json"
cat >"$rtdir/crun.sh" <<'EOS'
#!/bin/sh
exec unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"' sh "$@"
EOS
chmod +x "$rtdir/crun.sh"

bench runtime-run-runc "$rt --root $rtdir/b run -b $rtdir/bundle c1" \
        "runc --root $rtdir/r run -b $rtdir/bundle c1"
bench runtime-run-crun "$rt --root $rtdir/b run -b $rtdir/bundle c1" \
        "$rtdir/crun.sh --root $rtdir/c run -b $rtdir/bundle c1"

#!/bin/bash
# bench/runtime-rss.sh: peak RSS (maximum resident set size, /usr/bin/time
# %M, in KiB) of `run` of one bundle whose process exits at once, for
# berth-runtime (plain and under crun's wrapper), crun (wrapped: it cannot
# run on this hybrid host otherwise, see ENVIRONMENT.md) and runc, as root.
# Prints the median of N runs (default 15) for each.
#
#   bench/runtime-rss.sh [N]
#
# Environment: BUILD (build dir with -Dtests=true, default build/).
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$bench_dir/.." && pwd)
build=${BUILD:-$repo/build}
rt=$build/cmd/berth-runtime/berth-runtime
payload=$build/tests/runtime/berth-test-payload
n=${1:-15}
[ "$(id -u)" -eq 0 ] || { echo "runtime-rss.sh: run as root" >&2; exit 1; }
[ -x "$rt" ] && [ -x "$payload" ] ||
        { echo "runtime-rss.sh: build $build with -Dtests=true first" >&2; exit 1; }
dir=$(mktemp -d /tmp/berth-bench-rss.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$repo/tests/runtime/make-bundle.sh" "$dir/bundle" --payload "$payload" >/dev/null
jq '.process.args = ["/payload", "exit", "0"]' "$dir/bundle/config.json" >"$dir/c.json"
mv "$dir/c.json" "$dir/bundle/config.json"
# wrap CMD...: hide the cgroup2 mount in a private mount namespace; the
# measured process is the runtime itself (exec), not the wrapper.
wrap() {
        unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh "$@"
}
# peak NAME CMD...: median %M over n runs.
peak() {
        local name=$1 i
        shift
        for ((i = 0; i < n; i++)); do
                "$@" 2>&1 >/dev/null | tail -n 1
        done | sort -n | awk -v name="$name" '{ v[NR] = $1 } END { printf "%-26s %8d KiB\n", name, v[int((NR + 1) / 2)] }'
}
peak berth-runtime /usr/bin/time -f %M "$rt" --root "$dir/b" run -b "$dir/bundle" c1
peak "berth-runtime (wrapped)" wrap /usr/bin/time -f %M "$rt" --root "$dir/b" run -b "$dir/bundle" c1
peak "crun (wrapped)" wrap /usr/bin/time -f %M crun --root "$dir/c" run -b "$dir/bundle" c1
peak runc /usr/bin/time -f %M runc --root "$dir/r" run -b "$dir/bundle" c1

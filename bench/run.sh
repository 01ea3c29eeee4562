#!/bin/bash
# Time berth against its anchor (podman, buildah, skopeo, crun, runc) with
# hyperfine, both in the same run, and print one table: benchmark, berth
# median, anchor median, ratio berth/anchor.
#
#   bench/run.sh [--markdown] [FILTER...]
#
# Every bench/*.bench.sh is sourced (in a subshell) and declares its pairs:
#
#   bench NAME BERTH_CMD ANCHOR_CMD [PREPARE_CMD]
#
# Commands are strings; $BERTH (the berth binary, default build/cmd/berth/berth)
# and $CONTAINERS_CONF are set when the script is sourced. PREPARE_CMD, if
# given, runs untimed before every run of either command, warm-ups and the
# check run included (hyperfine --prepare): to empty a store, remove an
# output file. A command without shell syntax runs without a shell
# (hyperfine -N); anything else through sh -c, with hyperfine subtracting
# the shell's own start-up (the commands of a pair share one mode). A script
# may prepare fixtures before its bench lines and clean up in an EXIT trap;
# `wanted NAME...` tells it whether any of its pairs is selected, so costly
# fixtures can be skipped. It may set BENCH_RUNS and BENCH_WARMUP for its
# own pairs (it runs in a subshell).
# FILTER words select benchmarks whose name or script name contains one of
# them. Results (hyperfine JSON) go to bench/out/. Never used by tests.
#
# Environment: BERTH, BENCH_WARMUP (3), BENCH_MIN_RUNS (20), BENCH_RUNS
# (exact number of runs, instead of BENCH_MIN_RUNS; unset by default),
# BENCH_ROUNDS (1): with BENCH_RUNS, split each side's runs into that many
# hyperfine rounds that alternate berth's and the anchor's blocks (warm-up
# before each), and take the medians over all rounds: on a VM whose speed
# drifts for seconds at a time, both sides then meet the same drift.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$bench_dir/.." && pwd)
out_dir=$bench_dir/out
markdown=0
filters=()
while [ $# -gt 0 ]; do
        case "$1" in
        --markdown) markdown=1 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
        *) filters+=("$1") ;;
        esac
        shift
done

export BERTH=${BERTH:-$repo/build/cmd/berth/berth}
if [ ! -x "$BERTH" ]; then
        echo "run.sh: no berth binary at $BERTH; build it first: meson setup build && ninja -C build" >&2
        exit 1
fi
command -v hyperfine >/dev/null || { echo "run.sh: hyperfine is missing (contrib/install-deps.sh)" >&2; exit 1; }
command -v jq >/dev/null || { echo "run.sh: jq is missing (contrib/install-deps.sh)" >&2; exit 1; }
# podman 4.3.1 needs this here to run containers (see ENVIRONMENT.md); both
# tools read the same file so the comparison stays fair.
export CONTAINERS_CONF=${CONTAINERS_CONF:-$bench_dir/containers.conf}
mkdir -p "$out_dir"
results=$out_dir/results.tsv
: >"$results"

# selected NAME SCRIPT: does a filter pick this benchmark?
selected() {
        local w
        [ "${#filters[@]}" -gt 0 ] || return 0
        for w in "${filters[@]}"; do
                [[ "$1" == *"$w"* || "$2" == *"$w"* ]] && return 0
        done
        return 1
}

# wanted NAME...: is any of these benchmarks of the current script selected?
wanted() {
        local n
        for n in "$@"; do
                selected "$n" "$script" && return 0
        done
        return 1
}

# needs_shell CMD: does CMD use shell syntax that -N cannot run?
needs_shell() {
        local re=$'[][|&;<>()$`"\'*?#~\\\\]'
        [[ "$1" =~ $re ]]
}

# bench NAME BERTH_CMD ANCHOR_CMD [PREPARE_CMD]: time both in one hyperfine
# run, PREPARE_CMD before each run of either. With BENCH_USER set, hyperfine
# itself runs as that user (its environment kept), so that no runuser is
# timed with the commands: a rootless user types the command as himself.
bench() {
        local name=$1 berth_cmd=$2 anchor_cmd=$3 prepare_cmd=${4:-} json shell_opt=(-N)
        local prepare_opt=() runs_opt=(--min-runs "${BENCH_MIN_RUNS:-20}") as=()
        selected "$name" "$script" || return 0
        json=$out_dir/$name.json
        if [ -n "${BENCH_USER:-}" ]; then
                as=(runuser -u "$BENCH_USER" --)
                json=$(mktemp -d)/$name.json
                chown "$BENCH_USER" "$(dirname "$json")"
        fi
        if needs_shell "$berth_cmd" || needs_shell "$anchor_cmd" || needs_shell "$prepare_cmd"; then
                shell_opt=(--shell=sh)
        fi
        [ -z "$prepare_cmd" ] || prepare_opt=(--prepare "$prepare_cmd")
        [ -z "${BENCH_RUNS:-}" ] || runs_opt=(--runs "$BENCH_RUNS")
        echo "== $name" >&2
        # Both commands must work before they are timed.
        local c
        for c in "$berth_cmd" "$anchor_cmd"; do
                if [ -n "$prepare_cmd" ] && ! "${as[@]}" sh -c "$prepare_cmd" >/dev/null 2>&1; then
                        echo "run.sh: $name: prepare command fails, not timed: $prepare_cmd" >&2
                        printf '%s\t-\t-\t-\n' "$name" >>"$results"
                        return 0
                fi
                if ! "${as[@]}" sh -c "$c" >/dev/null 2>&1; then
                        echo "run.sh: $name: command fails, not timed: $c" >&2
                        printf '%s\t-\t-\t-\n' "$name" >>"$results"
                        return 0
                fi
        done
        local rounds=${BENCH_ROUNDS:-1} round parts=()
        if [ -n "${BENCH_RUNS:-}" ] && [ "$rounds" -gt 1 ]; then
                runs_opt=(--runs $(((BENCH_RUNS + rounds - 1) / rounds)))
        else
                rounds=1
        fi
        for round in $(seq "$rounds"); do
                parts+=("$json.$round")
                if ! "${as[@]}" hyperfine "${shell_opt[@]}" --style basic \
                        --warmup "${BENCH_WARMUP:-3}" "${runs_opt[@]}" "${prepare_opt[@]}" \
                        --export-json "$json.$round" \
                        -n berth "$berth_cmd" -n anchor "$anchor_cmd" >&2; then
                        echo "run.sh: $name: hyperfine failed" >&2
                        printf '%s\t-\t-\t-\n' "$name" >>"$results"
                        rm -f "${parts[@]}"
                        return 0
                fi
        done
        # One result per command: every round's times, their median (one
        # round: hyperfine's own file).
        if [ "$rounds" = 1 ]; then
                mv "${parts[0]}" "$json"
        else
                jq -s '{results: [.[0].results[].command as $c
                        | [.[].results[] | select(.command == $c)] as $r
                        | {command: $c, times: [$r[].times[]]}
                        | .median = (.times | sort | if length % 2 == 1 then .[length / 2 | floor]
                                                       else (.[length / 2 - 1] + .[length / 2]) / 2 end)
                        | .mean = ((.times | add) / (.times | length))
                        | .user = ([$r[].user] | add / length) | .system = ([$r[].system] | add / length)]}' \
                        "${parts[@]}" >"$json"
                rm -f "${parts[@]}"
        fi
        if [ -n "${BENCH_USER:-}" ]; then
                mv "$json" "$out_dir/$name.json"
                rmdir "$(dirname "$json")"
                json=$out_dir/$name.json
        fi
        jq -r --arg n "$name" '
                (.results[] | select(.command == "berth") | .median) as $b |
                (.results[] | select(.command == "anchor") | .median) as $a |
                [$n, ($b * 1000 | . * 100 | round / 100), ($a * 1000 | . * 100 | round / 100),
                 ($b / $a | . * 1000 | round / 1000)] | @tsv' "$json" >>"$results"
}

for script in "$bench_dir"/*.bench.sh; do
        [ -e "$script" ] || continue
        script=$(basename "$script")
        # A subshell, so a script's variables and traps stay its own. Its
        # status is not tested with || or if, which would turn set -e off
        # inside it: a failing fixture stops the script.
        set +e
        (
                set -e
                cd "$repo"
                # shellcheck source=/dev/null
                . "$bench_dir/$script"
        )
        rc=$?
        set -e
        [ "$rc" = 0 ] || echo "run.sh: $script failed (exit status $rc)" >&2
done

echo
if [ "$markdown" = 1 ]; then
        echo "| benchmark | berth median (ms) | anchor median (ms) | berth/anchor |"
        echo "|---|---:|---:|---:|"
        awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$results"
else
        awk -F'\t' 'BEGIN { printf "%-24s %12s %12s %13s\n", "benchmark", "berth (ms)", "anchor (ms)", "berth/anchor" }
                { printf "%-24s %12s %12s %13s\n", $1, $2, $3, $4 }' "$results"
fi

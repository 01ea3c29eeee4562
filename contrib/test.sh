#!/bin/bash
# contrib/test.sh: the one test command. Runs everything CI runs (.ci/run
# calls it) and ends with the line `N passed, N failed`.
#
# Phases, in order:
#   deps      contrib/install-deps.sh (root only; quiet when nothing is missing)
#   unit      meson build-asan/ (ASan+UBSan, -Dwerror=true) and
#             `meson test --suite unit`; every cmocka test counts as one
#   fuzz      clang build-fuzz/ (-Dfuzz=true, library instrumented too); every
#             target (build-fuzz/tests/fuzz/fuzz-*) runs FUZZ_TIME seconds, new
#             inputs in build-fuzz/corpus/<target>/, seeds read from
#             tests/fuzz/corpus/<target>/ and tests/fuzz/<target>.dict if
#             present; a crash, leak or timeout fails the target (reproducer
#             in build-fuzz/artifacts/)
#   build     meson build/ (-Dwerror=true, debugoptimized, -Dtests=false): the
#             binaries the system tests run
#   system    bats tests/system/*.bats and tests/runtime/*.bats (the OCI
#             runtime, berth-runtime, on busybox bundles) as root, then as the
#             unprivileged user berthtest (made by tests/system/lib/mkuser.sh,
#             with subordinate ids; run from a readable copy if it cannot read
#             this tree, with /dev/net/tun and /dev/fuse 0666 meanwhile); every bats test
#             counts once per user
# A phase whose build fails counts as one failure and its tests are skipped.
#
# Usage: contrib/test.sh [OPTIONS] [BATS-FILE-FILTER...]
#   --quick          skip the fuzz phase
#   --only-unit      only the unit phase
#   --only-fuzz      only the fuzz phase
#   --only-system    only build + system phases
#   --no-root        system tests only as the unprivileged user
#   --no-rootless    system tests only as root
#   --filter REGEX   run only bats tests whose name matches REGEX
#   --no-deps        do not run contrib/install-deps.sh
#   -h, --help       this text
# BATS-FILE-FILTER: run only the bats files whose path below tests/ contains
# one of these words, e.g. `contrib/test.sh --only-system 010 harness`, or
# `contrib/test.sh --only-system runtime` for all of tests/runtime/.
#
# Environment: BERTH (berth binary for the system tests; default
# build/cmd/berth/berth), RUNTIME (the OCI runtime tests/runtime/ drive;
# default build/cmd/berth-runtime/berth-runtime; e.g. RUNTIME=runc to check
# the tests themselves), FUZZ_TIME (seconds per fuzz target, default 20),
# BERTH_BUILD_DIR (the build directory of the build and system phases,
# default build; another one lets several trees' builds run side by side),
# BERTH_TEST_USER (default berthtest), BERTH_TEST_COPY=1 (always run the
# rootless tests from a copy in a temp dir, as when the user cannot read the
# tree), BERTH_TEST_TIMEOUT (seconds per command in bats, default 120).
#
# Run as root (CI does) for everything; as a normal user it skips deps and
# runs the system tests as that user only. Works from any directory and on a
# fresh clone. Exits non-zero when anything failed.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
exec </dev/null

# ---------------------------------------------------------------- options

run_deps=1 run_unit=1 run_fuzz=1 run_system=1 run_root=1 run_rootless=1
bats_filter=
file_filters=()
usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
        case "$1" in
        --quick) run_fuzz=0 ;;
        --only-unit) run_fuzz=0 run_system=0 ;;
        --only-fuzz) run_unit=0 run_system=0 ;;
        --only-system) run_unit=0 run_fuzz=0 ;;
        --no-root) run_root=0 ;;
        --no-rootless) run_rootless=0 ;;
        --no-deps) run_deps=0 ;;
        --filter)
                [ $# -ge 2 ] || { echo "test.sh: --filter needs a REGEX" >&2; exit 2; }
                bats_filter=$2
                shift
                ;;
        --filter=*) bats_filter=${1#--filter=} ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "test.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) file_filters+=("$1") ;;
        esac
        shift
done

FUZZ_TIME=${FUZZ_TIME:-20}
test_user=${BERTH_TEST_USER:-berthtest}
is_root=0
[ "$(id -u)" -ne 0 ] || is_root=1
jobs=$(nproc 2>/dev/null || echo 2)

# ---------------------------------------------------------------- bookkeeping

total_pass=0 total_fail=0
summaries=()
failures=()
workdir=$(mktemp -d "${TMPDIR:-/tmp}/berth-test-sh.XXXXXX")
tun_mode=
fuse_mode=
rootless_copy=

cleanup() {
        if [ -n "$tun_mode" ] && [ -e /dev/net/tun ]; then
                chmod "$tun_mode" /dev/net/tun 2>/dev/null || true
                tun_mode=
        fi
        if [ -n "$fuse_mode" ] && [ -e /dev/fuse ]; then
                chmod "$fuse_mode" /dev/fuse 2>/dev/null || true
                fuse_mode=
        fi
        rm -rf "$workdir" 2>/dev/null || true
        [ -z "$rootless_copy" ] || rm -rf "$rootless_copy" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*"; }
phase() { printf '\n==== %s\n' "$*"; }

# record PHASE PASSED FAILED [SKIPPED]: add a phase's counts to the totals.
record() {
        local line
        total_pass=$((total_pass + $2))
        total_fail=$((total_fail + $3))
        line=$(printf '%-20s %d passed, %d failed' "$1:" "$2" "$3")
        [ "${4:-0}" -eq 0 ] || line="$line, $4 skipped"
        summaries+=("$line")
        say "---- $line"
}

# fail_step WHAT: a failure that is not a test (a build, a missing binary).
fail_step() {
        failures+=("$1")
        record "$1" 0 1
}

# run_logged LOG CMD...: run CMD with output to LOG; print LOG if it fails.
run_logged() {
        local log=$1 rc=0
        shift
        "$@" >"$log" 2>&1 || rc=$?
        if [ "$rc" -ne 0 ]; then
                say "FAILED ($rc): $*"
                tail -n 150 "$log"
        fi
        return "$rc"
}

# meson_build DIR [OPTION...]: configure DIR (setup if new, else update the
# options) and build it. Env CC is honoured for a new DIR.
meson_build() {
        local dir=$1 log t0
        shift
        log=$workdir/build-$(basename "$dir").log
        t0=$SECONDS
        if [ -f "$dir/meson-private/coredata.dat" ]; then
                if ! run_logged "$log" meson configure "$dir" "$@"; then
                        say "reconfiguring $dir from scratch"
                        run_logged "$log" meson setup --wipe "$dir" "$@" || return 1
                fi
        else
                run_logged "$log" meson setup "$dir" "$@" || return 1
        fi
        run_logged "$log" ninja -C "$dir" || return 1
        say "built $dir ($((SECONDS - t0)) s)"
}

# ---------------------------------------------------------------- deps

if [ "$run_deps" = 1 ]; then
        phase "deps"
        if [ "$is_root" = 1 ]; then
                if ! contrib/install-deps.sh; then
                        fail_step "install-deps"
                fi
        else
                say "not root: skipping contrib/install-deps.sh"
        fi
fi

# ---------------------------------------------------------------- unit

# count_cmocka LOGJSON: count per-test results from meson's testlog.json.
# cmocka prints "[ RUN      ] name" and then "[       OK ] name",
# "[  FAILED  ] name" or "[  SKIPPED ] name" on stdout; a test that started
# and has no result crashed. A test program that fails although all its
# tests passed (a leak found at exit, a crash in group setup) counts as one
# more failure.
count_cmocka() {
        local pass=0 fail=0 skip=0 name result rc out run ok sk bad
        while IFS=$'\t' read -r name result rc; do
                out=$(jq -r --arg n "$name" 'select(.name == $n) | .stdout // ""' "$1")
                run=$(grep -c '^\[ RUN      \] ' <<<"$out" || true)
                ok=$(grep -c '^\[       OK \] ' <<<"$out" || true)
                sk=$(grep -c '^\[  SKIPPED \] ' <<<"$out" || true)
                bad=$((run - ok - sk))
                pass=$((pass + ok))
                skip=$((skip + sk))
                fail=$((fail + bad))
                if [ "$bad" -gt 0 ]; then
                        while read -r t; do
                                failures+=("unit: $name: $t")
                        done < <(awk '/^\[ RUN      \] /{n=$NF; r[n]=1}
                                      /^\[       OK \] |^\[  SKIPPED \] /{delete r[$NF]}
                                      END{for (n in r) print n}' <<<"$out")
                fi
                if [ "$result" != OK ] && [ "$result" != SKIP ] && [ "$bad" -eq 0 ]; then
                        fail=$((fail + 1))
                        failures+=("unit: $name: $result (exit status $rc) after its tests passed")
                fi
        done < <(jq -r '[.name, .result, (.returncode | tostring)] | @tsv' "$1")
        record "unit" "$pass" "$fail" "$skip"
}

if [ "$run_unit" = 1 ]; then
        phase "unit (build-asan, ASan+UBSan)"
        if meson_build build-asan -Db_sanitize=address,undefined -Dwerror=true \
                -Dbuildtype=debugoptimized -Dtests=true -Dfuzz=false; then
                rm -f build-asan/meson-logs/testlog.json
                CMOCKA_MESSAGE_OUTPUT=stdout meson test -C build-asan --suite unit \
                        --print-errorlogs || true
                if [ -s build-asan/meson-logs/testlog.json ]; then
                        count_cmocka build-asan/meson-logs/testlog.json
                else
                        fail_step "unit: meson test ran nothing"
                fi
        else
                fail_step "build build-asan"
        fi
fi

# ---------------------------------------------------------------- fuzz

# fuzz_one TARGET-PATH: run one libFuzzer target for FUZZ_TIME seconds.
fuzz_one() {
        local exe=$1 t corpus args dirs
        t=$(basename "$exe")
        corpus=build-fuzz/corpus/$t
        mkdir -p "$corpus" build-fuzz/artifacts
        args=(-max_total_time="$FUZZ_TIME" -rss_limit_mb=2048 -timeout=10
                -artifact_prefix="build-fuzz/artifacts/$t-" -print_final_stats=1)
        [ ! -f "tests/fuzz/$t.dict" ] || args+=(-dict="tests/fuzz/$t.dict")
        # New inputs go to the first dir; the checked-in seeds are only read.
        dirs=("$corpus")
        [ ! -d "tests/fuzz/corpus/$t" ] || dirs+=("tests/fuzz/corpus/$t")
        "$exe" "${args[@]}" "${dirs[@]}" >"$workdir/fuzz-$t.log" 2>&1
}

if [ "$run_fuzz" = 1 ]; then
        phase "fuzz (build-fuzz, clang libFuzzer, ${FUZZ_TIME}s per target)"
        if CC=clang meson_build build-fuzz -Dfuzz=true -Dtests=false \
                -Db_sanitize=address,undefined -Db_lundef=false \
                -Dc_args=-fsanitize=fuzzer-no-link -Dbuildtype=debugoptimized; then
                mapfile -t targets < <(find build-fuzz/tests/fuzz -maxdepth 1 -type f \
                        -name 'fuzz-*' -perm -u+x 2>/dev/null | LC_ALL=C sort)
                fpass=0 ffail=0
                if [ "${#targets[@]}" -eq 0 ]; then
                        say "no fuzz targets built (build-fuzz/tests/fuzz/fuzz-*)"
                        failures+=("fuzz: no targets")
                        ffail=1
                fi
                # Targets run $jobs at a time; each takes FUZZ_TIME.
                for ((i = 0; i < ${#targets[@]}; i += jobs)); do
                        pids=()
                        batch=("${targets[@]:i:jobs}")
                        for exe in "${batch[@]}"; do
                                fuzz_one "$exe" &
                                pids+=($!)
                        done
                        for j in "${!batch[@]}"; do
                                t=$(basename "${batch[$j]}")
                                if wait "${pids[$j]}"; then
                                        fpass=$((fpass + 1))
                                        say "ok   $t ($(grep -o 'stat::number_of_executed_units: *[0-9]*' \
                                                "$workdir/fuzz-$t.log" | grep -o '[0-9]*$' || echo '?') runs)"
                                else
                                        ffail=$((ffail + 1))
                                        failures+=("fuzz: $t")
                                        say "FAIL $t; log tail:"
                                        tail -n 60 "$workdir/fuzz-$t.log"
                                        for a in build-fuzz/artifacts/"$t"-*; do
                                                [ ! -e "$a" ] || say "reproducer: $a"
                                        done
                                fi
                        done
                done
                record "fuzz" "$fpass" "$ffail"
        else
                fail_step "build build-fuzz"
        fi
fi

# ---------------------------------------------------------------- system

# count_tap LOG LABEL BATS-STATUS: count a bats TAP log.
count_tap() {
        local log=$1 label=$2 rc=$3 pass fail skip planned seen
        pass=$(grep -cE '^ok [0-9]+ ' "$log" || true)
        skip=$(grep -cE '^ok [0-9]+ .*# skip' "$log" || true)
        fail=$(grep -cE '^not ok [0-9]+ ' "$log" || true)
        pass=$((pass - skip))
        while read -r l; do
                failures+=("$label: ${l#not ok }")
        done < <(grep -E '^not ok [0-9]+ ' "$log" || true)
        planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -n 1)
        seen=$((pass + fail + skip))
        if [ -n "$planned" ] && [ "$seen" -lt "$planned" ]; then
                fail=$((fail + planned - seen))
                failures+=("$label: $((planned - seen)) planned tests did not report")
        elif [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
                fail=$((fail + 1))
                failures+=("$label: bats exited $rc")
        fi
        record "$label" "$pass" "$fail" "$skip"
}

# bats_files: the tests/system/*.bats and tests/runtime/*.bats selected by
# the file filters (matched against the path below tests/), relative.
bats_files() {
        local f w
        for f in tests/system/*.bats tests/runtime/*.bats; do
                [ -e "$f" ] || continue
                if [ "${#file_filters[@]}" -eq 0 ]; then
                        echo "$f"
                        continue
                fi
                for w in "${file_filters[@]}"; do
                        if [[ "${f#tests/}" == *"$w"* ]]; then
                                echo "$f"
                                break
                        fi
                done
        done
}

# run_bats LABEL DIR BERTH RUNTIME [as_user NAME]: run the selected bats
# files from DIR (a tree with tests/system and tests/runtime) against BERTH
# and the OCI runtime RUNTIME, optionally as another user.
run_bats() {
        local label=$1 dir=$2 berth=$3 runtime=$4 log rc=0 files
        shift 4
        log=$workdir/bats-${label//[^a-z]/_}.log
        mapfile -t files < <(bats_files)
        local cmd=(bats --tap)
        [ -z "$bats_filter" ] || cmd+=(--filter "$bats_filter")
        # The bats phase as a whole may not hang CI.
        # With pipefail the status is bats' unless tee itself failed.
        (cd "$dir" && "$@" env BERTH="$berth" RUNTIME="$runtime" \
                BERTH_TEST_TIMEOUT="${BERTH_TEST_TIMEOUT:-120}" CI="${CI:-}" \
                timeout --kill-after=30 1500 "${cmd[@]}" "${files[@]}") 2>&1 |
                tee "$log" || rc=$?
        count_tap "$log" "$label" "$rc"
}

if [ "$run_system" = 1 ]; then
        bdir=${BERTH_BUILD_DIR:-build}
        phase "build ($bdir/, for the system tests)"
        built=0
        if meson_build "$bdir" -Dwerror=true -Dbuildtype=debugoptimized -Dtests=false; then
                built=1
        else
                fail_step "build $bdir"
        fi
        case "$bdir" in /*) ;; *) bdir=$repo/$bdir ;; esac
        berth_bin=${BERTH:-$bdir/cmd/berth/berth}
        case "$berth_bin" in /*) ;; *) berth_bin=$repo/$berth_bin ;; esac
        runtime_bin=${RUNTIME:-$bdir/cmd/berth-runtime/berth-runtime}
        case "$runtime_bin" in
        /*) ;;
        */*) runtime_bin=$repo/$runtime_bin ;;
        *) runtime_bin=$(command -v "$runtime_bin" || echo "$runtime_bin") ;;
        esac

        mapfile -t selected < <(bats_files)
        if [ "${#selected[@]}" -eq 0 ]; then
                say "no tests/system/*.bats or tests/runtime/*.bats match: ${file_filters[*]}"
        elif [ "$built" = 1 ]; then
                if [ "$is_root" = 1 ] && [ "$run_root" = 1 ]; then
                        phase "system as root (BERTH=$berth_bin RUNTIME=$runtime_bin)"
                        run_bats "system (root)" "$repo" "$berth_bin" "$runtime_bin"
                fi
                if [ "$run_rootless" = 1 ]; then
                        if [ "$is_root" = 1 ]; then
                                # shellcheck source=tests/system/lib/asuser.bash
                                . tests/system/lib/asuser.bash
                                tests/system/lib/mkuser.sh "$test_user"
                                tree=$(tree_for_user "$test_user" "$repo")
                                [ "$tree" = "$repo" ] || rootless_copy=$tree
                                rbin=$berth_bin
                                rrt=$runtime_bin
                                if [ "$tree" != "$repo" ]; then
                                        case "$berth_bin" in
                                        "$repo"/build/cmd/*) rbin=$tree/${berth_bin#"$repo"/} ;;
                                        *)
                                                install -D -m 0755 "$berth_bin" "$tree/bin/berth"
                                                rbin=$tree/bin/berth
                                                ;;
                                        esac
                                        # A runtime outside the tree (runc) is used where it is.
                                        case "$runtime_bin" in
                                        "$repo"/build/cmd/*) rrt=$tree/${runtime_bin#"$repo"/} ;;
                                        esac
                                        # tree_for_user copies tests/system and tests/fixtures only.
                                        cp -a tests/runtime "$tree/tests/"
                                        chmod -R a+rX "$tree"
                                fi
                                # Rootless networking (pasta, slirp4netns) needs what an
                                # ordinary host has; restored on exit.
                                if [ -e /dev/net/tun ]; then
                                        tun_mode=$(stat -c %a /dev/net/tun)
                                        chmod 0666 /dev/net/tun
                                fi
                                # So is /dev/fuse for fuse-overlayfs (0600 on some hosts).
                                # Left alone when already 0666: a concurrent run that
                                # opened it restores it, and this one must not
                                # "restore" the 0666 it would have recorded.
                                if [ -e /dev/fuse ] && [ "$(stat -c %a /dev/fuse)" != 666 ]; then
                                        fuse_mode=$(stat -c %a /dev/fuse)
                                        chmod 0666 /dev/fuse
                                fi
                                phase "system as $test_user (rootless, BERTH=$rbin RUNTIME=$rrt, from $tree)"
                                run_bats "system (rootless)" "$tree" "$rbin" "$rrt" as_user "$test_user"
                                if [ -n "$tun_mode" ]; then
                                        chmod "$tun_mode" /dev/net/tun
                                        tun_mode=
                                fi
                                if [ -n "$fuse_mode" ]; then
                                        chmod "$fuse_mode" /dev/fuse
                                        fuse_mode=
                                fi
                                [ "$tree" = "$repo" ] || rm -rf "$tree"
                        else
                                phase "system as $(id -un) (rootless, BERTH=$berth_bin RUNTIME=$runtime_bin)"
                                run_bats "system (rootless)" "$repo" "$berth_bin" "$runtime_bin"
                        fi
                fi
        fi
fi

# ---------------------------------------------------------------- summary

phase "summary ($((SECONDS / 60))m$((SECONDS % 60))s)"
for s in "${summaries[@]}"; do
        say "$s"
done
if [ "${#failures[@]}" -gt 0 ]; then
        say ""
        say "failed:"
        for f in "${failures[@]}"; do
                say "  $f"
        done
fi
say ""
cleanup
trap - EXIT
printf '%d passed, %d failed\n' "$total_pass" "$total_fail"
[ "$total_fail" -eq 0 ]

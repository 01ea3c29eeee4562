#!/usr/bin/env bats
# The test harness itself: the binary under test is there, and the helpers
# catch what they are meant to catch. Later tests trust these helpers.

load helpers

@test "harness: berth binary exists and is executable" {
        [ -n "$BERTH" ] || die "BERTH is empty"
        [ -f "$BERTH" ] || die "no berth binary at $BERTH (build it: ninja -C build)"
        [ -x "$BERTH" ] || die "$BERTH is not executable"
}

@test "harness: run_cmd accepts the expected exit code" {
        run_cmd bash -c 'echo hello; exit 0'
        assert_equal "$status" 0
        assert_output hello

        run_cmd 3 bash -c 'echo three; exit 3'
        assert_equal "$status" 3
        assert_output three

        run_cmd '?' bash -c 'exit 7'
        assert_equal "$status" 7
}

@test "harness: run_cmd fails on a wrong exit code and shows why" {
        run run_cmd 0 bash -c 'echo some-output; exit 3'
        assert_failure
        assert_output --partial "exit status 3, expected 0"
        assert_output --partial "some-output"
        assert_output --partial "bash -c"

        run run_cmd 3 bash -c 'exit 0'
        assert_failure
        assert_output --partial "exit status 0, expected 3"

        # The default expectation is success.
        run run_cmd bash -c 'exit 125'
        assert_failure
        assert_output --partial "exit status 125, expected 0"
}

@test "harness: run_cmd captures stderr, lines and gives stdin /dev/null" {
        run_cmd bash -c 'echo out; echo err >&2; cat; echo last'
        assert_equal "${#lines[@]}" 3
        assert_line --index 0 out
        assert_line --index 1 err
        assert_line --index 2 last
        assert_line err
        refute_line nothing-like-this
}

@test "harness: run_cmd times out a hanging command" {
        # shellcheck disable=SC2034 # read by run_cmd
        BERTH_TEST_TIMEOUT=1
        run run_cmd sleep 30
        assert_failure
        assert_output --partial "timed out after 1s"
}

@test "harness: run_berth runs \$BERTH and checks its exit code" {
        # A stand-in binary, so this tests the helper and not berth.
        local fake=$BATS_TEST_TMPDIR/fake-berth
        # It exits with its first argument when that is a number.
        # shellcheck disable=SC2016 # the fake's own $* and $1
        printf '#!/bin/sh\necho "args: $*"\ncase "$1" in [0-9]*) exit "$1" ;; esac\n' >"$fake"
        chmod +x "$fake"
        BERTH=$fake

        run_berth 0 --flag
        assert_output "args: --flag"

        run_berth 125 125 version --bogus
        assert_output "args: 125 version --bogus"

        run run_berth 0 125 version --bogus
        assert_failure
        assert_output --partial "exit status 125, expected 0"
        assert_output --partial "fake-berth 125 version --bogus"
}

@test "harness: assertions fail when they should" {
        # bats' `run` replaces $output, so each check sets it up again.
        with_output() {
                output="alpha beta"
                lines=("alpha beta")
                "$@"
        }

        run with_output assert_output "alpha"
        assert_failure
        run with_output assert_output "alpha beta"
        assert_success
        run with_output assert_output --partial "beta"
        assert_success
        run with_output assert_output --regexp '^al.*ta$'
        assert_success
        run with_output assert_output --regexp '^beta'
        assert_failure
        run with_output refute_output --partial "gamma"
        assert_success
        run with_output refute_output --partial "alpha"
        assert_failure
        run with_output assert_line --partial gamma
        assert_failure
        run with_output assert_line --index 0 --partial alpha
        assert_success
        run assert_equal a b
        assert_failure
        run assert_match "v1.2.3" '^v[0-9]+\.[0-9]+\.[0-9]+$'
        assert_success
        run assert_match "v1.2" '^v[0-9]+\.[0-9]+\.[0-9]+$'
        assert_failure
        run die "on purpose"
        assert_failure
        assert_output --partial "FAIL: on purpose"
}

@test "harness: rootless detection agrees with id -u" {
        if [ "$(id -u)" -eq 0 ]; then
                ! is_rootless || die "is_rootless is true for uid 0"
        else
                is_rootless || die "is_rootless is false for uid $(id -u)"
        fi
}

@test "harness: skip_if_rootless skips only when rootless" {
        skip_if_rootless "checking the helper"
        assert_equal "$(id -u)" 0 "skip_if_rootless did not skip for a non-root uid"
}

@test "harness: skip_if_root skips only as root" {
        skip_if_root "checking the helper"
        [ "$(id -u)" -ne 0 ] || die "skip_if_root did not skip for root"
}

@test "harness: berth_isolate makes private dirs" {
        local before_tmpdir=${TMPDIR:-}
        berth_isolate
        [ -d "$BERTH_TEST_DIR" ] || die "no test dir"
        assert_equal "$XDG_DATA_HOME" "$BERTH_TEST_DIR/data"
        assert_equal "$XDG_CONFIG_HOME" "$BERTH_TEST_DIR/config"
        assert_equal "$TMPDIR" "$BERTH_TEST_DIR/tmp"
        [ "$TMPDIR" != "$before_tmpdir" ] || die "TMPDIR unchanged"
        [ -d "$XDG_DATA_HOME" ] && [ -d "$XDG_CONFIG_HOME" ] && [ -d "$TMPDIR" ]
        if is_rootless; then
                [ -z "${CONTAINERS_STORAGE_CONF:-}" ] || die "rootless needs no storage.conf"
        else
                grep -qF "graphroot = \"$BERTH_TEST_DIR/root\"" "$CONTAINERS_STORAGE_CONF"
        fi
        # The next test checks that teardown removed it.
        echo "$BERTH_TEST_DIR" >"$BATS_FILE_TMPDIR/isolated-dir"
        touch "$BERTH_TEST_DIR/data/some-file"
}

@test "harness: teardown removed the isolated dirs" {
        local dir
        dir=$(cat "$BATS_FILE_TMPDIR/isolated-dir")
        [ -n "$dir" ] || die "previous test left no record"
        [ ! -e "$dir" ] || die "$dir still exists after teardown"
        [ -z "${BERTH_TEST_DIR:-}" ] || die "BERTH_TEST_DIR leaked into the next test"
}

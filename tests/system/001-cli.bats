#!/usr/bin/env bats
# The command line: help, --help everywhere, option syntax, usage errors
# (125). `berth version` itself is 002-version.bats.

load helpers

@test "help: berth help, berth --help and berth -h list the commands" {
        local h
        for h in help --help -h; do
                run_berth "$h"
                assert_output --partial "Usage:"
                assert_line --regexp '^ +version +'
                assert_line --regexp '^ +info +'
                assert_line --regexp '^ +help +'
        done
}

@test "help: --help on every command, exit 0, nothing run" {
        local c
        for c in version info help; do
                run_berth "$c" --help
                assert_output --partial "Usage:"
                assert_output --partial "$c"
        done
        run_berth help version
        assert_output --partial "Usage:"
        run_berth version --help --format json
        refute_output --partial '"Client"'
}

@test "usage errors exit 125 with a message on stderr" {
        run_berth 125 no-such-command
        assert_output --partial "Error:"
        assert_output --partial "no-such-command"

        run_berth 125 version --bogus
        assert_output --partial "Error:"
        assert_output --partial "bogus"

        run_berth 125 --no-such-global-option version
        assert_output --partial "Error:"

        run_berth 125 version extra-argument
        assert_output --partial "Error:"

        run_berth 125 version --format
        assert_output --partial "Error:"

        # Errors go to stderr only.
        run bash -c '"$BERTH" version --bogus 2>/dev/null'
        assert_failure 125
        assert_output ""
}

@test "no command: usage and exit 125" {
        run_berth 125
        assert_output --partial "Usage:"
}

@test "options: --opt=value and --opt value agree" {
        run_berth version --format='{{.Client.Version}}'
        local a=$output
        run_berth version --format '{{.Client.Version}}'
        assert_output "$a"
}

@test "--log-level: valid levels accepted, invalid rejected with 125" {
        run_berth --log-level=error version --format '{{.Client.Version}}'
        run_berth --log-level error version --format '{{.Client.Version}}'
        run_berth 125 --log-level=chatty version
        assert_output --partial "chatty"
}

@test "templates: a malformed --format is an error, not a crash" {
        run_berth 125 version --format '{{.Client.Version'
        assert_output --partial "Error:"
        run_berth 125 info --format '{{range}}'
        assert_output --partial "Error:"
}

#!/usr/bin/env bats
# Command groups, global options anywhere, argument counts, --version.

load helpers

@test "a group alone shows its commands; help walks groups" {
        run_berth system
        assert_line --regexp '^  info +Display berth system information$'
        run_berth help system info
        assert_line "  berth system info [options]"
        run_berth system info --help
        assert_line "  berth system info [options]"
}

@test "unknown subcommands, extra arguments and help topics exit 125" {
        run_berth 125 system bogus
        assert_line "Error: unrecognized command 'berth system bogus'"
        run_berth 125 version extra
        assert_line "Error: 'berth version' takes no arguments"
        run_berth 125 help nosuchcommand
        assert_line --partial "unknown help topic 'nosuchcommand'"
        run_berth 125 version -x
        assert_line "Error: unknown shorthand flag: 'x' in -x"
        run_berth 125 version --format
        assert_line "Error: flag needs an argument: --format"
}

@test "global options are accepted before and after the command" {
        run_berth --log-level=error version --format '{{.Client.Os}}'
        assert_output "linux"
        run_berth version --log-level error --format='{{.Client.Os}}'
        assert_output "linux"
        BERTH_LOG_LEVEL=shouty run_berth 125 version
        assert_output --partial "invalid BERTH_LOG_LEVEL 'shouty'"
}

@test "--version and -v print the version" {
        run_berth --version
        assert_match "$output" '^berth version [0-9]+\.[0-9]+\.[0-9]+$'
        run_berth -v
        assert_match "$output" '^berth version '
}

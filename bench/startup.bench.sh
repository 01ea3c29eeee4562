# shellcheck shell=bash
# CLI start-up: berth against podman for commands that touch no container.
# Sourced by bench/run.sh, which defines bench() and exports BERTH.

bench version "$BERTH version" "podman version"
bench info "$BERTH info" "podman info"
bench version-json "$BERTH version --format json" "podman version --format json"

# shellcheck shell=bash
# Checks that berth left nothing of its containers behind, for the
# concurrency, fault, interop and bad-input tests (load after helpers:
# `load lib/ctr-leftovers`). They read the store of the current test
# (ctr_setup) and need no berth command that could hide a leftover.
#
#   ctr_store_paths           sets GRAPH, RUN and DRIVER of the test's store
#   ctr_layer_count           how many layers the store holds
#   ctr_assert_no_leftovers [BASE_LAYERS]
#                             no berth container record, no userdata dir
#                             without a record, no runtime state, no
#                             berth-monitor of this store, nothing mounted
#                             under the store, no cgroup under the test's
#                             cgroup parent (root), and, with BASE_LAYERS,
#                             exactly that many layers (no container layer;
#                             layers flagged incomplete do not count)

ctr_store_paths() {
        GRAPH=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        RUN=$("$BERTH" info --format '{{.Store.RunRoot}}')
        DRIVER=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
        [ -n "$GRAPH" ] && [ -n "$RUN" ] && [ -n "$DRIVER" ] || die "berth info gave no store paths"
}

ctr_layer_count() {
        ctr_store_paths
        jq length "$GRAPH/$DRIVER-layers/layers.json"
}

# _ctr_mounts: the mount targets this user's containers can have: the
# host's as root, the rootless user namespace's otherwise.
_ctr_mounts() {
        if is_rootless; then
                "$BERTH" unshare findmnt -rn -o TARGET
        else
                findmnt -rn -o TARGET
        fi
}

ctr_assert_no_leftovers() {
        local base_layers=${1:-} bad=() ids d id
        ctr_store_paths
        # Records: berth's ones (metadata marked "berth": true) must be gone;
        # another tool's records may stay, with their userdata.
        local records=$GRAPH/$DRIVER-containers/containers.json
        [ -e "$records" ] || records=/dev/null # no container was ever made
        ids=$(jq -rn '[inputs] | add // [] | .[] | select((.metadata // "{}") | (try fromjson catch {}) | .berth? == true) | .id' \
                "$records")
        [ -z "$ids" ] || bad+=("berth records left in containers.json: $ids")
        local others
        others=$(jq -rn '[inputs] | add // [] | .[].id' "$records")
        for d in "$GRAPH/$DRIVER-containers"/*/ "$RUN/$DRIVER-containers"/*/; do
                [ -d "$d" ] || continue
                id=$(basename "$d")
                grep -qx "$id" <<<"$others" || bad+=("userdata without a record: $d")
        done
        # The runtime library's state root keeps only its lock file and
        # its cache of compiled seccomp filters.
        local rt
        rt=$(find "$RUN/berth-runtime" -mindepth 1 ! -name .lock ! -path '*/.seccomp' \
                ! -path '*/.seccomp/*' 2>/dev/null || true)
        [ -z "$rt" ] || bad+=("runtime state left: $rt")
        # Monitors of this store (their command line names its runroot).
        # One started ahead by a run whose create failed exits once that
        # berth is gone: give it a moment.
        local mons i
        for i in $(seq 20); do
                mons=$(ps -eo pid=,args= | grep -F -- "--rundir $RUN/" | grep -v grep || true)
                [ -n "$mons" ] || break
                sleep 0.1
        done
        [ -z "$mons" ] || bad+=("berth-monitor processes left: $mons")
        local mnts
        mnts=$(_ctr_mounts | grep -F -e "$GRAPH/" -e "$RUN/" || true)
        [ -z "$mnts" ] || bad+=("mounts left: $mnts")
        if [ -n "${BERTH_CG_PARENT:-}" ]; then
                local cgs
                cgs=$(find /sys/fs/cgroup/*/"${BERTH_CG_PARENT#/}" -mindepth 1 -type d 2>/dev/null || true)
                [ -z "$cgs" ] || bad+=("cgroups left under $BERTH_CG_PARENT: $cgs")
        fi
        if [ -n "$base_layers" ]; then
                # A layer flagged incomplete (its deletion was interrupted)
                # goes at the store's next write, as podman's does.
                local nl
                nl=$(jq '[.[] | select(.flags.incomplete? != true)] | length' "$GRAPH/$DRIVER-layers/layers.json")
                [ "$nl" = "$base_layers" ] ||
                        bad+=("$nl layers in the store, expected $base_layers: $(jq -c '[.[] | {id, names}]' "$GRAPH/$DRIVER-layers/layers.json")")
        fi
        if [ ${#bad[@]} -gt 0 ]; then
                printf '#| %s\n' "${bad[@]}" >&2
                die "berth left things behind"
        fi
}

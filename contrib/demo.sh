#!/bin/bash
# contrib/demo.sh: set up and show what berth can do so far, as a terminal
# session: each command is echoed (`root# berth version`) and then run.
#
#   contrib/demo.sh            everything: as root, then as the demo user
#   contrib/demo.sh --no-user  only as the current user
#
# It installs missing Debian packages (contrib/install-deps.sh), builds
# build/ when needed, creates the unprivileged demo user (BERTH_DEMO_USER,
# default berthtest, with subordinate ids: tests/system/lib/mkuser.sh) and
# runs the steps listed in STEPS below, first as root and then as that user.
# Any failing command stops the demo with a non-zero exit.
#
# Extending it: write a function step_NAME that uses `run CMD ARGS...` (echo,
# then run as the current demo identity) and `note TEXT`, and add NAME to
# STEPS. The goal is ../shared/WALKTHROUGH.txt, one step of the roadmap at a
# time. Steps that only make sense once (e.g. as root) can test `$as_root`.
# A step that makes files or images calls step_begin (a temp dir of its own,
# made the current directory) and step_end (removes it and every image named
# in made_images); have_image sets up mysterious-image quietly.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
exec </dev/null

STEPS=(version info compare_with_podman import oci_layout save_load tag_rmi run commit system_check)

demo_user=${BERTH_DEMO_USER:-berthtest}
with_user=1
case "${1:-}" in
--no-user) with_user=0 ;;
-h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
"") ;;
*) echo "demo.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
esac

# shellcheck source=tests/system/lib/asuser.bash
. tests/system/lib/asuser.bash

if [ -t 1 ]; then
        bold=$'\e[1m' dim=$'\e[2m' reset=$'\e[0m'
else
        bold='' dim='' reset=''
fi

# ---------------------------------------------------------------- setup

setup_log=$(mktemp "${TMPDIR:-/tmp}/berth-demo.XXXXXX")
user_tree=
# The current step's temp dir and images (see step_begin, step_end): left
# behind only if the demo stops half-way, then removed here.
step_tmp=
made_images=()
cleanup() {
        cd "$repo"
        if [ -n "$step_tmp" ] || [ "${#made_images[@]}" -gt 0 ]; then
                drop_step_leftovers >/dev/null 2>&1 || true
        fi
        rm -f "$setup_log"
        [ -z "$user_tree" ] || [ "$user_tree" = "$repo" ] || rm -rf "$user_tree"
}
trap cleanup EXIT

# quietly CMD...: run a setup command, showing its output only if it fails.
quietly() {
        if ! "$@" >"$setup_log" 2>&1; then
                cat "$setup_log" >&2
                echo "demo.sh: setup failed: $*" >&2
                exit 1
        fi
}

if [ "$(id -u)" -eq 0 ]; then
        echo "${dim}setting up: contrib/install-deps.sh${reset}"
        contrib/install-deps.sh
else
        with_user=0
        echo "${dim}not root: skipping install-deps and the demo user${reset}"
fi
echo "${dim}building build/${reset}"
if [ ! -f build/meson-private/coredata.dat ]; then
        quietly meson setup build
fi
quietly ninja -C build

berth_dir=$repo/build/cmd/berth
if [ ! -x "$berth_dir/berth" ]; then
        echo "demo.sh: no berth binary at $berth_dir/berth after the build" >&2
        exit 1
fi
if [ "$with_user" = 1 ]; then
        tests/system/lib/mkuser.sh "$demo_user"
        user_tree=$(tree_for_user "$demo_user" "$repo")
fi

# ---------------------------------------------------------------- session

as_root=1 prompt="root# " user_path=$berth_dir:/usr/local/bin:/usr/bin:/bin

# quote ARGS...: the command line as one would type it.
quote() {
        local a out=()
        for a in "$@"; do
                if [[ "$a" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
                        out+=("$a")
                else
                        out+=("'${a//\'/\'\\\'\'}'")
                fi
        done
        printf '%s' "${out[*]}"
}

# as_me CMD ARGS...: run CMD as the current identity (root, or the demo user
# with a clean login environment), in the current directory, echoing nothing.
as_me() {
        if [ "$as_root" = 1 ]; then
                PATH=$user_path "$@"
        else
                as_user "$demo_user" PATH="$user_path" "$@"
        fi
}

# run CMD ARGS...: echo the command after the prompt, then run it as the
# current identity. A failure stops the demo.
run() {
        printf '%s%s%s%s\n' "$bold" "$prompt" "$(quote "$@")" "$reset"
        local rc=0
        as_me "$@" || rc=$?
        if [ "$rc" -ne 0 ]; then
                echo "demo.sh: '$(quote "$@")' failed with exit status $rc" >&2
                exit "$rc"
        fi
        echo
}

# run_sh 'CMD | CMD': like run, for a pipeline (bash -o pipefail -c, as the
# current identity); the line is shown as written.
run_sh() {
        printf '%s%s%s%s\n' "$bold" "$prompt" "$1" "$reset"
        local rc=0
        as_me bash -o pipefail -c "$1" || rc=$?
        if [ "$rc" -ne 0 ]; then
                echo "demo.sh: '$1' failed with exit status $rc" >&2
                exit "$rc"
        fi
        echo
}

# try CMD ARGS...: like run, for a command that may fail: its exit status is
# shown and the demo goes on.
try() {
        printf '%s%s%s%s\n' "$bold" "$prompt" "$(quote "$@")" "$reset"
        local rc=0
        as_me "$@" || rc=$?
        [ "$rc" -eq 0 ] || printf '%s(exit status %d)%s\n' "$dim" "$rc" "$reset"
        echo
}

# capture CMD ARGS...: run like `run` but quietly, printing only stdout.
capture() {
        as_me "$@" 2>/dev/null
}

note() {
        printf '%s# %s%s\n' "$dim" "$*" "$reset"
}

# ---------------------------------------------------------------- steps

step_version() {
        note "Which berth is this?"
        run berth version
        run berth version --format json
}

step_info() {
        note "What berth sees of this host, and where it keeps its data"
        run berth info
        run berth info --format '{{.Store.GraphRoot}} {{.Store.GraphDriverName}}'
}

step_compare_with_podman() {
        local t='{{.Store.GraphRoot}} {{.Store.RunRoot}} {{.Store.GraphDriverName}}' p b
        note "berth and podman agree on storage: same graph root, run root and driver"
        run podman info --format "$t"
        run berth info --format "$t"
        p=$(capture podman info --format "$t")
        b=$(capture berth info --format "$t")
        if [ "$p" = "$b" ]; then
                note "identical"
        else
                note "DIFFERENT: podman '$p', berth '$b'"
        fi
        echo
}

# ------------------------------------------------ the walkthrough's image

image=mysterious-image
image_comment="busybox-static rootfs, standing in for the walkthrough's image"
demo_ctr=berth-demo-ctr
# Every name the steps below give it, so that leftovers of an interrupted
# run can be removed (by step_begin) and the demo runs again cleanly.
demo_names=("$image" "$image:v1" example.com/demo/mysterious:1.0 "$image:changed")

# drop_step_leftovers: remove the images the step made (by name and by ID:
# untagging may leave one without a name) and its temp dir.
drop_step_leftovers() {
        local i
        # One name per call: `rmi -i` ignores one missing image, not several.
        for i in "${made_images[@]}"; do
                as_me berth rmi -f -i "$i" >/dev/null 2>&1 || true
        done
        made_images=()
        as_me berth rm -f -i "$demo_ctr" >/dev/null 2>&1 || true
        cd "$repo"
        if [ -n "$step_tmp" ]; then
                rm -rf "$step_tmp"
                step_tmp=
        fi
}

# step_begin: drop what an interrupted run may have left, make a temp dir
# owned by the current identity and work in it (shown as a cd).
step_begin() {
        made_images=("${demo_names[@]}")
        drop_step_leftovers
        step_tmp=$(capture mktemp -d -t berth-demo.XXXXXX)
        cd "$step_tmp"
        printf '%s%scd %s%s\n\n' "$bold" "$prompt" "$step_tmp" "$reset"
}

# step_end: remove what the step made (its images, its temp dir).
step_end() {
        local d=$step_tmp
        drop_step_leftovers
        note "cleaned up: $image and its names, $d"
        echo
}

# made_image REF: remember REF's ID for step_end, even once it has no name.
made_image() {
        local id
        id=$(capture berth inspect --format '{{.Id}}' "$1") || return 0
        made_images+=("$id")
}

# have_image: set up mysterious-image the way step_import shows, quietly.
have_image() {
        quietly as_me "$fixtures/make-busybox-rootfs.sh" rootfs.tar
        quietly as_me berth import -q -c 'CMD ["/bin/sh"]' -m "$image_comment" rootfs.tar "$image"
        made_image "$image"
        note "set up quietly, as in the import step: rootfs.tar imported as $image"
        echo
}

step_import() {
        note "The walkthrough's mysterious-image, made locally: a busybox-static root"
        note "filesystem as a tarball, imported with a CMD and a history comment"
        step_begin
        run "$fixtures/make-busybox-rootfs.sh" rootfs.tar
        run ls -l rootfs.tar
        run berth import -c 'CMD ["/bin/sh"]' -m "$image_comment" rootfs.tar "$image"
        made_image "$image"
        run berth images
        run berth inspect --format '{{.Id}} {{.Config.Cmd}} {{.Comment}}' "$image"
        if [ "$as_root" = 1 ]; then
                note "podman reads the same store: berth's image is podman's image"
        else
                note "podman, as the same user, reads the same ~/.local/share/containers/storage"
        fi
        run podman images
        if [ "$as_root" != 1 ]; then
                note "...from the same user namespace, made from the subordinate ids"
                run berth unshare cat /proc/self/uid_map
                run podman unshare cat /proc/self/uid_map
        fi
        step_end
}

step_oci_layout() {
        local index manifest config layer diff_id
        note "The walkthrough's 'skopeo copy ... oci:mysterious-image', done by berth:"
        note "from the shared store into an OCI image layout"
        step_begin
        have_image
        run berth image copy "containers-storage:$image" "oci:$image"
        if command -v tree >/dev/null; then
                run tree "$image"
        else
                run_sh "find $image | sort"
        fi
        run cat "$image/oci-layout"
        echo
        note "the index points at the manifest (one per platform)"
        run jq . "$image/index.json"
        index=$(capture jq -r '.manifests[0].digest' "$image/index.json")
        manifest=$image/blobs/sha256/${index#sha256:}
        note "the manifest: a config and the layers, each by digest and size"
        run jq . "$manifest"
        config=$(capture jq -r .config.digest "$manifest")
        layer=$(capture jq -r '.layers[0].digest' "$manifest")
        note "the config: platform, Cmd, the diff_ids of the layers and the history"
        run jq . "$image/blobs/sha256/${config#sha256:}"
        diff_id=$(capture jq -r '.rootfs.diff_ids[0]' "$image/blobs/sha256/${config#sha256:}")
        note "a diff_id is the digest of the uncompressed layer: $diff_id"
        run_sh "gzip -dc $image/blobs/sha256/${layer#sha256:} | sha256sum"
        note "the layer is a tarball like any other: unpack it"
        run mkdir rootfs
        run tar -C rootfs -xf "$image/blobs/sha256/${layer#sha256:}"
        run ls rootfs
        run cat rootfs/etc/passwd
        run ls -l rootfs/bin/busybox rootfs/bin/sh
        step_end
}

step_save_load() {
        local before after
        note "berth save writes the docker-archive podman save writes; podman loads it"
        step_begin
        have_image
        before=$(capture berth inspect --format '{{.Id}}' "$image")
        run berth save -o "$image.tar" "$image"
        run podman save -o podman.tar "$image"
        run cmp "$image.tar" podman.tar
        note "byte-identical"
        echo
        run berth rmi "$image"
        run podman load -i "$image.tar"
        run podman images "$image"
        after=$(capture podman inspect --format '{{.Id}}' "$image")
        made_images+=("$after")
        if [ "$before" = "$after" ]; then
                note "the same IMAGE ID as before the round trip: ${before:0:12}"
        else
                note "DIFFERENT IMAGE ID: berth had ${before:0:12}, podman loaded ${after:0:12}"
        fi
        echo
        run berth images "$image"
        step_end
}

step_tag_rmi() {
        local filter="reference=*mysterious*"
        note "More names for one image; rmi takes a name at a time, then the image"
        step_begin
        have_image
        run berth tag "$image" "$image:v1" example.com/demo/mysterious:1.0
        run berth images --filter "$filter"
        run podman images --filter "$filter"
        run berth untag "$image" example.com/demo/mysterious:1.0
        run berth rmi "$image:v1"
        run berth images --filter "$filter"
        run berth rmi "$image"
        note "gone: an unknown image is exit status 1, as with podman"
        try berth rmi "$image"
        step_end
}

step_run() {
        note "The walkthrough's 'podman run -it my-image sh', with berth: the same image,"
        note "run through berth's own monitor and OCI runtime (no conmon, no crun/runc)"
        step_begin
        have_image
        run berth run --rm "$image" sh -c 'echo "hello from $(hostname)"; id; cat /proc/1/cmdline; echo'
        note "the container's exit status is berth's"
        try berth run --rm "$image" sh -c 'exit 3'
        run berth run -d --name "$demo_ctr" "$image" sh -c 'echo started; sleep 300'
        run berth ps
        run berth logs "$demo_ctr"
        note "podman sees berth's container in the shared store, as an external one"
        run_sh "podman ps -a --external --format '{{.Names}} {{.Status}}' | grep $demo_ctr"
        run berth stop -t 1 "$demo_ctr"
        run berth ps -a --format '{{.Names}} {{.Status}}'
        run berth rm "$demo_ctr"
        step_end
}

step_commit() {
        note "Change a container and keep the change: berth commit makes an image of it,"
        note "one new layer over mysterious-image's; berth diff lists what changed"
        step_begin
        have_image
        run berth run --name "$demo_ctr" "$image" sh -c \
                'echo "committed by berth" > /etc/motd; rm /bin/vi; mkdir /data; date > /data/stamp'
        note "what the container changed: A added, C changed, D deleted (podman diff's format)"
        run berth diff "$demo_ctr"
        run berth commit --author "berth demo" -c 'CMD ["cat", "/etc/motd"]' "$demo_ctr" "$image:changed"
        made_image "$image:changed"
        note "the new image: its history has one entry more, the commit's layer on top"
        run berth history "$image:changed"
        run berth images --filter "reference=*mysterious*"
        note "the image's own diff is that layer; the container runs its new CMD"
        run berth diff "$image:changed"
        run berth run --rm "$image:changed"
        note "podman reads the committed image from the shared store"
        run podman image inspect --format '{{.Config.Cmd}} {{.Author}} {{len .History}} layers: {{len .RootFS.Layers}}' "$image:changed"
        run berth rm "$demo_ctr"
        step_end
}

step_system_check() {
        note "Is the store sound after all that? (exit status 1 would mean problems;"
        note "berth system check --repair fixes them)"
        try berth system check
        run_sh "berth system check --format json | jq -c ."
}

# ---------------------------------------------------------------- main

run_steps() {
        local s
        for s in "${STEPS[@]}"; do
                "step_$s"
        done
}

fixtures=$repo/tests/fixtures
if [ "$(id -u)" -eq 0 ]; then
        echo
        note "==== as root"
        run_steps
else
        prompt="$(id -un)\$ "
        echo
        note "==== as $(id -un) (rootless)"
        run_steps
fi

if [ "$with_user" = 1 ]; then
        as_root=0 prompt="$demo_user\$ "
        if [ "$user_tree" = "$repo" ]; then
                user_path=$berth_dir:/usr/local/bin:/usr/bin:/bin
        else
                user_path=$user_tree/build/cmd/berth:/usr/local/bin:/usr/bin:/bin
                fixtures=$user_tree/tests/fixtures
        fi
        echo
        note "==== as $demo_user (rootless: a user namespace mapped with its subordinate ids)"
        run grep "^$demo_user:" /etc/subuid /etc/subgid
        run_steps
fi
note "What berth cannot do yet: build, pull/push. The walkthrough's buildah bud"
note "and buildah from/run/commit arrive with the registry and build steps."
note "demo done"

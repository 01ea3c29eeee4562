# shellcheck shell=bash
# Listings in a full store, berth against podman:
#
#   ps-500       `berth ps -a` / `podman ps -a`, each listing 500 containers
#                of its own (made with `create` of the busybox image), in one
#                store that holds both tools' 1000 containers
#   images-500   `berth images` / `podman images` of the same 500 images (500
#                `berth import`s of tiny distinct archives, tagged
#                localhost/l:1 ... localhost/l:500)
#
# The graphroot is on the disk (/var/tmp), the runroot on a tmpfs of this
# script's own (as /run is on an ordinary host). Making the fixtures takes
# about a minute (podman's 500 creates most of it). Sourced by bench/run.sh,
# as root.

wanted ps-500 images-500 || return 0
if [ "$(id -u)" != 0 ]; then
        echo "list.bench.sh: needs root (a tmpfs runroot); skipped" >&2
        return 0
fi
lb_n=${BENCH_LIST_N:-500}
lb_dir=$(mktemp -d /var/tmp/berth-bench-list.XXXXXX)
lb_run=$(mktemp -d /run/bbl.XXXXXX)
lb_cleanup() {
        set +e
        # podman's container locks live in one shared memory segment for
        # all its stores: removing the directory would leak 500 of its 2048.
        # shellcheck disable=SC2086
        [ -n "${lb_opts:-}" ] && [ -d "$lb_dir/root" ] &&
                podman $lb_opts rm -a -f -t 0 >/dev/null 2>&1
        while m=$(findmnt -rn -o TARGET | grep -E "^($lb_dir|$lb_run)(/|$)" | sort -r | head -n 1) &&
                [ -n "$m" ]; do
                umount -l "$m" || break
        done
        rm -rf "$lb_dir" "$lb_run"
        # The writeback of what the fixture made and removed would slow
        # the syncs of whatever benchmark comes next.
        sync
}
trap lb_cleanup EXIT
mount -t tmpfs -o size=512m,mode=0755 tmpfs "$lb_run"
lb_opts="--root $lb_dir/root --runroot $lb_run/r --storage-driver overlay"

tests/fixtures/make-busybox-rootfs.sh "$lb_dir/rootfs.tar" >/dev/null
# shellcheck disable=SC2086 # lb_opts is a list of words on purpose
"$BERTH" $lb_opts import -q "$lb_dir/rootfs.tar" localhost/bb >/dev/null

if wanted ps-500; then
        echo "list.bench.sh: creating $lb_n containers with each tool" >&2
        for i in $(seq "$lb_n"); do
                # shellcheck disable=SC2086
                "$BERTH" $lb_opts create --name "b$i" localhost/bb true >/dev/null
        done
        for i in $(seq "$lb_n"); do
                # shellcheck disable=SC2086
                podman $lb_opts create --network=none --name "p$i" localhost/bb true >/dev/null
        done
        bench ps-500 "$BERTH $lb_opts ps -a" "podman $lb_opts ps -a"
fi

if wanted images-500; then
        echo "list.bench.sh: importing $lb_n images" >&2
        mkdir "$lb_dir/img"
        for i in $(seq "$lb_n"); do
                echo "$i" >"$lb_dir/img/n"
                tar -C "$lb_dir/img" -cf "$lb_dir/img.tar" n
                # shellcheck disable=SC2086
                "$BERTH" $lb_opts import -q "$lb_dir/img.tar" "localhost/l:$i" >/dev/null
        done
        bench images-500 "$BERTH $lb_opts images" "podman $lb_opts images"
fi

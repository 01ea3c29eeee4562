# shellcheck shell=bash
# `berth run --rm IMAGE true` against `podman run --rm --network=none IMAGE
# true`: the busybox image (tests/fixtures/make-busybox-rootfs.sh) imported
# once by berth into a store both tools use (same --root/--runroot, overlay),
# as root and as an unprivileged user (hyperfine itself runs as the user:
# bench/run.sh's BENCH_USER, so no runuser is timed).
#
#   run               berth with its own runtime (the runtime library, in
#                     the monitor: `--runtime berth`, berth's default), podman
#                     with runc (bench/containers.conf: crun refuses this
#                     hybrid-cgroup host, ENVIRONMENT.md)
#   run-runc          both with runc: what the engines themselves cost
#   run-d-rm          `run -d` then `rm -f` of the id it printed
#   run-rootless      as `run`, as the user berthtest (no cgroups rootless)
#
# The graphroot is on the disk (/var/tmp, as /var/lib/containers is), the
# runroot on a tmpfs of this script's own (as /run is on an ordinary host; on
# this VM /run is on the disk), the rootless user's runtime directory too. As root both tools get a
# --cgroup-parent of this script's own, removed at the end. Sourced by
# bench/run.sh, as root (the rootless pairs need the user).

wanted run run-runc run-d-rm run-rootless || return 0
if [ "$(id -u)" != 0 ]; then
        echo "run.bench.sh: needs root (it also runs the rootless pairs through runuser); skipped" >&2
        return 0
fi
rb_dir=$(mktemp -d /var/tmp/berth-bench-run.XXXXXX)
chmod 755 "$rb_dir"
# Short: podman refuses a runroot longer than 50 characters.
rb_run=$(mktemp -d /run/bbr.XXXXXX)
mount -t tmpfs -o size=256m,mode=0755 tmpfs "$rb_run"
rb_user=${BERTH_BENCH_USER:-berthtest}
rb_cg=berth-bench-run-$$
rb_xdg=""
# shellcheck disable=SC2086 # rb_opts and rb_uopts are lists of words on purpose
rb_cleanup() {
        set +e
        "$BERTH" $rb_opts rm -a -f -t 0 >/dev/null 2>&1
        podman $rb_opts rm -a -f -t 0 >/dev/null 2>&1
        if [ -n "$rb_xdg" ]; then
                runuser -u "$rb_user" -- "$BERTH" $rb_uopts rm -a -f -t 0 >/dev/null 2>&1
                runuser -u "$rb_user" -- podman $rb_uopts rm -a -f -t 0 >/dev/null 2>&1
                runuser -u "$rb_user" -- "$BERTH" $rb_uopts unshare rm -rf "$rb_dir/u" 2>/dev/null
                [ -s "$rb_xdg/libpod/tmp/pause.pid" ] && kill "$(cat "$rb_xdg/libpod/tmp/pause.pid")"
        fi
        while m=$(findmnt -rn -o TARGET | grep -E "^($rb_dir|$rb_run)(/|$)" | sort -r | head -n 1) &&
                [ -n "$m" ]; do
                umount -l "$m" || break
        done
        for d in /sys/fs/cgroup/*/"$rb_cg" /sys/fs/cgroup/unified/"$rb_cg"; do
                [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        done
        rm -rf "$rb_dir" "$rb_run"
}
rb_opts="--root $rb_dir/root --runroot $rb_run/r --storage-driver overlay"
rb_uopts=""
trap rb_cleanup EXIT

tests/fixtures/make-busybox-rootfs.sh "$rb_dir/rootfs.tar" >/dev/null
# shellcheck disable=SC2086 # rb_opts is a list of words on purpose
"$BERTH" $rb_opts import -q "$rb_dir/rootfs.tar" localhost/bb >/dev/null
rb_img=localhost/bb:latest
rb_cgp="--cgroup-parent /$rb_cg"

# Both sides sync records: none of them waits for an earlier script's
# writeback.
sync
bench run "$BERTH $rb_opts --runtime berth run --rm $rb_cgp $rb_img true" \
        "podman $rb_opts run --rm --network=none $rb_cgp $rb_img true"
bench run-runc "$BERTH $rb_opts --runtime runc run --rm $rb_cgp $rb_img true" \
        "podman $rb_opts --runtime runc run --rm --network=none $rb_cgp $rb_img true"
# The id goes from run -d to rm -f through the shell, for both alike.
bench run-d-rm \
        "id=\$($BERTH $rb_opts --runtime berth run -d $rb_cgp $rb_img true) && $BERTH $rb_opts rm -f -t 0 \$id >/dev/null" \
        "id=\$(podman $rb_opts run -d --network=none $rb_cgp $rb_img true) && podman $rb_opts rm -f -t 0 \$id >/dev/null"

# Rootless: the user's own store and runtime directory (so the pause
# process that holds the user namespace both tools share is this script's).
if wanted run-rootless && id "$rb_user" >/dev/null 2>&1; then
        rb_xdg=$rb_run/x
        install -d -m 700 -o "$rb_user" "$rb_xdg"
        install -d -o "$rb_user" "$rb_dir/u"
        cp "$rb_dir/rootfs.tar" "$rb_dir/u/rootfs.tar"
        chown "$rb_user" "$rb_dir/u/rootfs.tar"
        export XDG_RUNTIME_DIR=$rb_xdg
        rb_uopts="--root $rb_dir/u/root --runroot $rb_xdg/r --storage-driver overlay"
        # shellcheck disable=SC2086
        runuser -u "$rb_user" -- "$BERTH" $rb_uopts import -q "$rb_dir/u/rootfs.tar" localhost/bb >/dev/null
        BENCH_USER=$rb_user bench run-rootless "$BERTH $rb_uopts --runtime berth run --rm $rb_img true" \
                "podman $rb_uopts run --rm --network=none $rb_img true"
fi

# shellcheck shell=bash
# berth load / berth save of a ~200 MB, 5-layer image (bench/lib/mkimage.sh)
# against podman load / podman save, as root, with the overlay and the vfs
# driver. Each tool gets its own graphroot, so neither reads the other's work:
#   load-*: into an empty store, wiped (unmount, rm -rf, sync) before each run;
#   save-*: from a store the tool loaded the image into once, to an output
#           file removed (and synced) before each run.
# The stores live on a scratch ext4 (default options, so with a journal) on a
# loop device backed by a file in /var/tmp/berth-bench.XXXXXX: this VM's root
# file system is ext4 *without* a journal, where ext4 skips inodes freed in
# the last 30-180 s when allocating new ones, so creating a store right after
# wiping one (or after any other process deleted many files) takes 5-10 times
# longer for both tools and the ratio drowns. BENCH_LOOP=0 puts the stores
# straight in /var/tmp instead.
# Sourced by bench/run.sh, which defines bench() and wanted() and exports
# BERTH and CONTAINERS_CONF. 5 runs and 1 warm-up unless BENCH_RUNS and
# BENCH_WARMUP say otherwise.

wanted load-overlay load-vfs save-overlay save-vfs || return 0
if [ "$(id -u)" != 0 ]; then
        echo "load-save.bench.sh: needs root (overlay graphroots, loop device); skipped" >&2
        return 0
fi
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_WARMUP=${BENCH_WARMUP:-1}

ls_image=$(bench/lib/mkimage.sh)
ls_wipe=$PWD/bench/lib/wipe.sh
ls_dir=$(mktemp -d /var/tmp/berth-bench.XXXXXX)
ls_store=$ls_dir
ls_loop=""
ls_cleanup() {
        "$ls_wipe" "$ls_store"
        if [ -n "$ls_loop" ]; then losetup -d "$ls_loop"; fi
        rm -rf "$ls_dir"
}
trap ls_cleanup EXIT
if [ "${BENCH_LOOP:-1}" != 0 ]; then
        truncate -s 8G "$ls_dir/fs.img"
        mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$ls_dir/fs.img"
        ls_loop=$(losetup -f --show --direct-io=on "$ls_dir/fs.img")
        mkdir "$ls_dir/m"
        mount "$ls_loop" "$ls_dir/m"
        ls_store=$ls_dir/m
fi

# ls_opts DIR DRIVER: the global options for a store in DIR. Names are short:
# podman refuses a runroot longer than 50 characters.
ls_opts() {
        echo "--root $1/root --runroot $1/run --tmpdir $1/tmp --storage-driver $2"
}

for ls_driver in overlay vfs; do
        ls_b=$ls_store/b-load-$ls_driver ls_p=$ls_store/p-load-$ls_driver
        bench "load-$ls_driver" \
                "$BERTH $(ls_opts "$ls_b" $ls_driver) load -q -i $ls_image" \
                "podman $(ls_opts "$ls_p" $ls_driver) load -q -i $ls_image" \
                "$ls_wipe $ls_b $ls_p"
        "$ls_wipe" "$ls_b" "$ls_p"
done

for ls_driver in overlay vfs; do
        wanted "save-$ls_driver" || continue
        ls_b=$ls_store/b-save-$ls_driver ls_p=$ls_store/p-save-$ls_driver
        # shellcheck disable=SC2046 # ls_opts is a list of words on purpose
        "$BERTH" $(ls_opts "$ls_b" $ls_driver) load -q -i "$ls_image" >/dev/null
        # shellcheck disable=SC2046
        podman $(ls_opts "$ls_p" $ls_driver) load -q -i "$ls_image" >/dev/null
        bench "save-$ls_driver" \
                "$BERTH $(ls_opts "$ls_b" $ls_driver) save -q -o $ls_store/out-berth.tar localhost/bench:big" \
                "podman $(ls_opts "$ls_p" $ls_driver) save -q -o $ls_store/out-podman.tar localhost/bench:big" \
                "$ls_wipe $ls_store/out-berth.tar $ls_store/out-podman.tar"
        "$ls_wipe" "$ls_b" "$ls_p" "$ls_store/out-berth.tar" "$ls_store/out-podman.tar"
done

#!/usr/bin/env bats
# Robustness of the store, against the real berth and the real podman:
# concurrent loads and tag/untag, SIGKILL in the middle of load and rmi,
# hostile layer tars (crafted with tests/fixtures/mktar.c) and digest
# mismatches. Runs as root and rootless. Timing only decides *where* a
# process is killed; the assertions are invariants that hold wherever.

load helpers

# mk_docker_archive OUT REF LABEL LAYER.tar...: a docker-archive (the
# `docker save` layout) of the uncompressed LAYER tars with a correct
# config (diff_ids computed here, LABEL makes configs distinct); prints the
# image ID (the config's sha256). Independent of berth's own save.
mk_docker_archive() {
        local out=$1 ref=$2 label=$3 d l sum diffs="" files="" names=() cfg
        shift 3
        d=$(mktemp -d "$BATS_FILE_TMPDIR/da.XXXXXX")
        for l in "$@"; do
                sum=$(sha256sum <"$l" | cut -d' ' -f1)
                cp "$l" "$d/$sum.tar"
                diffs+="${diffs:+,}\"sha256:$sum\""
                files+="${files:+,}\"$sum.tar\""
                names+=("$sum.tar")
        done
        printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"],"Labels":{"t070":"%s"}},"rootfs":{"type":"layers","diff_ids":[%s]},"history":[]}' \
                "$label" "$diffs" >"$d/config.json"
        cfg=$(sha256sum <"$d/config.json" | cut -d' ' -f1)
        mv "$d/config.json" "$d/$cfg.json"
        printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":[%s]}]' "$cfg" "$ref" "$files" \
                >"$d/manifest.json"
        tar -C "$d" -cf "$out" manifest.json "$cfg.json" "${names[@]}"
        rm -rf "$d"
        echo "$cfg"
}

setup_file() {
        local t=$BATS_FILE_TMPDIR i
        "$BERTH_FIXTURES_DIR/make-busybox-rootfs.sh" "$t/rootfs.tar" >/dev/null
        printf '#!/bin/sh\nexec podman "$@" 2>/dev/null\n' >"$t/podman-q"
        chmod +x "$t/podman-q"

        # mktar: meson builds it only with -Dtests=true; the system-test
        # build has tests off, so compile the single file when needed.
        if [ -x "$BERTH_SRC_ROOT/build/tests/fixtures/mktar" ]; then
                ln -s "$BERTH_SRC_ROOT/build/tests/fixtures/mktar" "$t/mktar"
        else
                cc -O1 -o "$t/mktar" "$BERTH_FIXTURES_DIR/mktar.c" 2>"$t/mktar.log" || true
        fi

        # Six different images: 1-3 share the busybox layer (only their
        # configs differ), 4-6 add a layer of their own on top of it.
        mkdir -p "$t/arch"
        for i in 1 2 3; do
                mk_docker_archive "$t/arch/c$i.tar" "localhost/cc$i:latest" "c$i" \
                        "$t/rootfs.tar" >"$t/arch/c$i.id"
        done
        for i in 4 5 6; do
                mkdir -p "$t/v$i"
                echo "variant $i" >"$t/v$i/variant-$i"
                tar -C "$t/v$i" --owner=0 --group=0 --numeric-owner --mtime=@1672531200 \
                        -cf "$t/v$i.tar" "variant-$i"
                mk_docker_archive "$t/arch/c$i.tar" "localhost/cc$i:latest" "c$i" \
                        "$t/rootfs.tar" "$t/v$i.tar" >"$t/arch/c$i.id"
        done

        # BIG: busybox, 24 MB of incompressible data, 1500 small files:
        # a load that takes a few hundred ms, so kills land inside it.
        mkdir -p "$t/big1" "$t/big2"
        head -c 24000000 /dev/urandom >"$t/big1/random.bin"
        tar -C "$t/big1" --owner=0 --group=0 --numeric-owner -cf "$t/big1.tar" random.bin
        for i in $(seq 1 1500); do echo "$i" >"$t/big2/f$i"; done
        tar -C "$t/big2" --owner=0 --group=0 --numeric-owner -cf "$t/big2.tar" .
        mk_docker_archive "$t/BIG.tar" localhost/big:latest big \
                "$t/rootfs.tar" "$t/big1.tar" "$t/big2.tar" >"$t/BIG.id"
        rm -rf "$t/big1" "$t/big2" "$t/big1.tar" "$t/big2.tar"
}

setup() {
        berth_test_setup
        berth_isolate
        T=$BATS_FILE_TMPDIR
        ROOTFS=$T/rootfs.tar
        PQ=$T/podman-q
        MKTAR=$T/mktar
        GRAPH=$("$BERTH" info --format '{{.Store.GraphRoot}}')
        DRIVER=$("$BERTH" info --format '{{.Store.GraphDriverName}}')
        LAYERS_JSON=$GRAPH/$DRIVER-layers/layers.json
        IMAGES_JSON=$GRAPH/$DRIVER-images/images.json
        STAGING=$GRAPH/berth/staging
}

teardown() {
        if [ -n "${BIND_MOUNTED:-}" ]; then
                umount "$BIND_MOUNTED" 2>/dev/null || true
                BIND_MOUNTED=
        fi
        # A podman that failed leaves its bind mount of the overlay home
        # (STORAGE-FORMAT T14), which would make the store unremovable.
        if ! is_rootless && [ -n "${GRAPH:-}" ] && mountpoint -q "$GRAPH/overlay" 2>/dev/null; then
                umount "$GRAPH/overlay" 2>/dev/null || true
        fi
        berth_test_teardown
}

# podman_in [EXPECTED] ARGS...: podman on the same store (inside berth's
# namespace when rootless), stderr dropped.
podman_in() {
        local expected=0
        case "${1:-}" in '?' | [0-9] | [0-9][0-9] | [0-9][0-9][0-9]) expected=$1; shift ;; esac
        if is_rootless; then
                run_berth "$expected" unshare "$PQ" "$@"
        else
                run_cmd "$expected" "$PQ" "$@"
        fi
}

# The command line that runs podman on the store, for background jobs.
podman_cmd() {
        if is_rootless; then
                echo "$BERTH" unshare "$PQ"
        else
                echo "$PQ"
        fi
}

need_mktar() {
        [ -x "$MKTAR" ] || skip "mktar not built and no C compiler ($(cat "$T/mktar.log" 2>/dev/null))"
}

# sleep_ms N
sleep_ms() {
        sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"
}

# Entries of the staging root (empty when nothing is staged or left), and
# overlay's layer staging dir in the driver home, which must not outlive
# the stages in it.
staging_entries() {
        ls -A "$STAGING" 2>/dev/null || true
        if [ -e "$GRAPH/$DRIVER/.berth-staging" ]; then
                echo "$DRIVER/.berth-staging:"
                ls -A "$GRAPH/$DRIVER/.berth-staging" 2>/dev/null || true
        fi
}

# store_consistent: layers.json and images.json agree (every image's top
# layer and every parent exist, layer IDs unique, no incomplete record) and
# `berth system check` finds nothing.
store_consistent() {
        local layers images
        layers=$(cat "$LAYERS_JSON" 2>/dev/null || echo '[]')
        images=$(cat "$IMAGES_JSON" 2>/dev/null || echo '[]')
        jq -e -n --argjson l "$layers" --argjson i "$images" '
                ([$l[].id] | length) == ([$l[].id] | unique | length)
                and ([$l[] | select(.flags.incomplete == true)] | length == 0)
                and all($l[]; (.parent // "") as $p | $p == "" or any($l[]; .id == $p))
                and all($i[]; (.layer // "") as $t | $t == "" or any($l[]; .id == $t))
        ' >/dev/null || die "layers.json/images.json inconsistent: $layers $images"
        run_berth system check
        assert_output "No problems found"
}

# store_readable: berth and podman both list the store as JSON.
store_readable() {
        run_berth images --format json
        jq -e 'type == "array"' <<<"$output" >/dev/null || die "berth images: not JSON"
        podman_in images --format json
        jq -e 'type == "array"' <<<"$output" >/dev/null || die "podman images: not JSON"
}

# ================================================================ concurrency

@test "concurrency: 4 berth loads and 2 podman loads at once into one store" {
        # As root (overlay) podman bind-mounts <graphroot>/overlay onto itself
        # while it runs: berth stages overlay layers inside it
        # (overlay/.berth-staging) so the rename never crosses that mount.
        local i pids=() rc=0 pc
        pc=$(podman_cmd)
        for i in 1 2 3 4; do
                "$BERTH" load -q -i "$T/arch/c$i.tar" >"$BERTH_TEST_DIR/load$i.log" 2>&1 &
                pids+=($!)
        done
        for i in 5 6; do
                $pc load -q -i "$T/arch/c$i.tar" >"$BERTH_TEST_DIR/load$i.log" 2>&1 &
                pids+=($!)
        done
        for i in 1 2 3 4 5 6; do
                wait "${pids[$((i - 1))]}" || {
                        rc=$?
                        echo "# load $i exited $rc: $(cat "$BERTH_TEST_DIR/load$i.log")"
                }
        done
        [ "$rc" -eq 0 ] || die "a concurrent load failed (see above)"

        local want=""
        for i in 1 2 3 4 5 6; do
                want+="$(cat "$T/arch/c$i.id") localhost/cc$i:latest"$'\n'
        done
        want=$(sort <<<"$want" | sed '/^$/d')
        run_berth images --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}'
        assert_equal "$(sed 's/^sha256://' <<<"$output" | sort)" "$want" "berth images"
        podman_in images --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}'
        assert_equal "$(sed 's/^sha256://' <<<"$output" | sort)" "$want" "podman images"
        # One busybox layer shared by all, one variant layer each for 4-6.
        assert_equal "$(jq length "$LAYERS_JSON")" 4 "layers in layers.json"
        store_consistent
}

@test "concurrency: parallel tag/untag loops on one image lose and duplicate no name" {
        run_berth load -q -i "$T/arch/c1.tar"
        local id k j pids=() rc=0
        id=$(cat "$T/arch/c1.id")
        for k in 1 2 3 4; do
                (
                        for j in 1 2 3 4 5 6 7 8; do
                                "$BERTH" tag "$id" "localhost/p$k:$j" || exit 1
                        done
                        for j in 1 3 5 7; do
                                "$BERTH" untag "$id" "localhost/p$k:$j" || exit 1
                        done
                ) >"$BERTH_TEST_DIR/tag$k.log" 2>&1 &
                pids+=($!)
        done
        for k in 1 2 3 4; do
                wait "${pids[$((k - 1))]}" || {
                        rc=$?
                        echo "# tag loop $k: $(cat "$BERTH_TEST_DIR/tag$k.log")"
                }
        done
        [ "$rc" -eq 0 ] || die "a tag/untag loop failed"

        local want="localhost/cc1:latest"$'\n'
        for k in 1 2 3 4; do
                for j in 2 4 6 8; do want+="localhost/p$k:$j"$'\n'; done
        done
        want=$(sort <<<"$want" | sed '/^$/d')
        local names
        names=$(jq -r --arg id "$id" '.[] | select(.id == $id) | .names[]' "$IMAGES_JSON" | sort)
        assert_equal "$names" "$want" "names in images.json (no duplicates, none lost)"
        run_berth image inspect --format '{{range .RepoTags}}{{println .}}{{end}}' "$id"
        assert_equal "$(sed '/^$/d' <<<"$output" | sort)" "$want" "berth inspect RepoTags"
        podman_in image inspect --format '{{range .RepoTags}}{{println .}}{{end}}' "$id"
        assert_equal "$(sed '/^$/d' <<<"$output" | sort)" "$want" "podman inspect RepoTags"
        assert_equal "$(jq length "$IMAGES_JSON")" 1 "one image record"
        store_consistent
}

@test "concurrency: load while podman's bind mount of the overlay home is in place" {
        # podman's overlay driver bind-mounts <graphroot>/overlay onto itself
        # while it runs (and leaves it after a crash, STORAGE-FORMAT T14); a
        # staged layer must still get into the store.
        [ "$DRIVER" = overlay ] || skip "only the overlay driver has a bind-mounted home"
        skip_if_rootless "needs mount(2) on the host"
        mkdir -p "$GRAPH/overlay"
        mount --bind "$GRAPH/overlay" "$GRAPH/overlay"
        BIND_MOUNTED=$GRAPH/overlay
        run_berth load -i "$T/arch/c4.tar"
        assert_output "Loaded image: localhost/cc4:latest"
        run_berth images -q --no-trunc
        assert_output "sha256:$(cat "$T/arch/c4.id")"
        run_cmd umount "$GRAPH/overlay"
        BIND_MOUNTED=
        store_consistent
}

# ================================================================ crash safety

# killed_after MS CMD...: run CMD in the background, SIGKILL it after MS
# milliseconds (if it still runs), reap it.
killed_after() {
        local ms=$1 pid
        shift
        "$@" >/dev/null 2>&1 &
        pid=$!
        sleep_ms "$ms"
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
}

# after_crash: both tools still read the store; a repair leaves nothing.
after_crash() {
        store_readable
        run_berth system check --repair
        run_berth system check
        assert_output "No problems found"
        assert_equal "$(staging_entries)" "" "staging after check --repair"
}

@test "crash: SIGKILL at random moments of load and rmi never leaves an unreadable store" {
        local seed=${BERTH_CRASH_SEED:-$$} i d
        RANDOM=$seed
        echo "# BERTH_CRASH_SEED=$seed"
        for i in $(seq 1 15); do
                if [ $((i % 2)) = 1 ]; then
                        d=$((RANDOM % 500))
                        echo "# iteration $i: load killed after ${d} ms"
                        killed_after "$d" "$BERTH" load -q -i "$T/BIG.tar"
                else
                        # rmi needs the image: load it whole first.
                        run_berth load -q -i "$T/BIG.tar"
                        d=$((RANDOM % 300))
                        echo "# iteration $i: rmi killed after ${d} ms"
                        killed_after "$d" "$BERTH" rmi -f localhost/big:latest
                fi
                after_crash
        done
        store_consistent
        run_berth load -i "$T/BIG.tar"
        assert_output "Loaded image: localhost/big:latest"
        podman_in images --no-trunc --format '{{.ID}}'
        assert_output "sha256:$(cat "$T/BIG.id")"
        store_consistent
}

@test "crash: a layer record left incomplete goes at the next start" {
        run_berth load -q -i "$T/arch/c1.tar"
        # What a writer killed mid-layer leaves (podman records a layer
        # before extracting it): a record flagged incomplete, a partial dir.
        local base half
        base=$(jq -r '.[0].id' "$LAYERS_JSON")
        half=$(printf '%064d' 70)
        mkdir -p "$(layer_dir "$half")"
        echo partial >"$(layer_dir "$half")/partial"
        jq -c --arg id "$half" --arg p "$base" \
                '. + [{"id": $id, "parent": $p, "created": "2023-01-01T00:00:00Z", "flags": {"incomplete": true}}]' \
                "$LAYERS_JSON" >"$LAYERS_JSON.new"
        mv "$LAYERS_JSON.new" "$LAYERS_JSON"
        run_berth images --format json
        jq -e 'length == 1' <<<"$output" >/dev/null || die "berth images with leftovers"
        # The next berth command that writes layers cleans up, as podman
        # does at every start.
        run_berth load -q -i "$T/arch/c4.tar"
        run_cmd jq -e --arg id "$half" 'all(.[]; .id != $id and .flags.incomplete != true)' "$LAYERS_JSON"
        [ ! -e "$GRAPH/$DRIVER/$half" ] && [ ! -e "$(layer_dir "$half")" ] ||
                die "the incomplete layer's directory is still there"
        store_consistent
        store_readable
}

@test "crash: a stale staging dir goes at the next start" {
        # issue 3: "leftovers (staging directories, records marked
        # incomplete) are cleaned at the next start": the first layer-creating
        # operation removes the stages whose lock file nobody holds.
        run_berth load -q -i "$T/arch/c1.tar"
        # What a SIGKILL during a load leaves: a staging dir (tens of MB for
        # a big layer) whose lock file nobody holds any more.
        mkdir -p "$STAGING/0123456789abcdef/layer/diff"
        head -c 100000 /dev/urandom >"$STAGING/0123456789abcdef/layer/diff/junk"
        : >"$STAGING/0123456789abcdef.lock"
        if [ "$DRIVER" = overlay ]; then
                # overlay stages the layer dir inside the driver home.
                mkdir -p "$STAGING/fedcba9876543210" \
                        "$GRAPH/overlay/.berth-staging/fedcba9876543210/layer/diff"
                : >"$STAGING/fedcba9876543210.lock"
                : >"$STAGING/fedcba9876543210/tar-split.gz"
        fi
        run_berth images --format json
        jq -e 'length == 1' <<<"$output" >/dev/null || die "berth images with leftovers"
        run_berth load -q -i "$T/arch/c4.tar"
        assert_equal "$(staging_entries)" "" "staging after the next start (a load)"
        store_consistent
        store_readable
}

# ================================================================ hostile tars

# canary_listing: everything under the canaries, with sizes and times.
canary_listing() {
        find "$CANARY" "$TMPCANARY" -printf '%p %y %s %T@\n' 2>/dev/null | sort
        # Whatever escaped would be named like this.
        find "$BERTH_TEST_DIR" /tmp -maxdepth 6 -name 'escape-070*' -printf 'ESCAPED %p\n' \
                2>/dev/null || true
        [ ! -e /abs/path-070 ] || echo "ESCAPED /abs/path-070"
}

# hostile NAME EXPECT ERROR-REGEX SPEC-LINES...: build the layer with
# mktar, then `berth import` it and `berth load` a docker-archive around it
# (correct diff_id). EXPECT is "reject" (exit 125, ERROR-REGEX matches) or
# "confine" (accepted).
hostile() {
        local name=$1 expect=$2 regex=$3 tar=$BERTH_TEST_DIR/$1.tar
        shift 3
        printf '%s\n' "$@" | "$MKTAR" >"$tar" || die "mktar failed for $name"
        mk_docker_archive "$BERTH_TEST_DIR/$name-da.tar" "localhost/hl-$name:latest" "$name" \
                "$tar" >"$BERTH_TEST_DIR/$name-da.id"
        local before_layers before_images
        before_layers=$(cat "$LAYERS_JSON" 2>/dev/null || true)
        before_images=$(cat "$IMAGES_JSON" 2>/dev/null || true)
        if [ "$expect" = reject ]; then
                run_berth 125 import "$tar" "h-$name"
                assert_output --regexp "^Error: .*$regex"
                run_berth 125 load -i "$BERTH_TEST_DIR/$name-da.tar"
                assert_output --regexp "^Error: .*$regex"
                assert_equal "$(cat "$LAYERS_JSON" 2>/dev/null || true)" "$before_layers" \
                        "layers.json after rejecting $name"
                assert_equal "$(cat "$IMAGES_JSON" 2>/dev/null || true)" "$before_images" \
                        "images.json after rejecting $name"
        else
                run_berth import -q "$tar" "h-$name"
                run_berth load -i "$BERTH_TEST_DIR/$name-da.tar"
                assert_output "Loaded image: localhost/hl-$name:latest"
        fi
        assert_equal "$(staging_entries)" "" "staging after $name"
}

# layer_dir ID: where the driver keeps a layer's files.
layer_dir() {
        if [ "$DRIVER" = overlay ]; then echo "$GRAPH/overlay/$1/diff"; else echo "$GRAPH/vfs/dir/$1"; fi
}

@test "hostile tars are rejected or confined; nothing is written outside the layer" {
        need_mktar
        CANARY=$BERTH_TEST_DIR/canary
        mkdir -p "$CANARY"
        echo secret >"$CANARY/secret"
        TMPCANARY=$(mktemp -d /tmp/canary-070.XXXXXX)
        echo secret >"$TMPCANARY/secret"
        # Relative paths from the staging layer dir up to the canary.
        local up=../../../../../../../../../../../../../../..
        local before passwd
        before=$(canary_listing)
        passwd=$(sha256sum </etc/passwd)

        hostile dotdot reject 'outside the layer' \
                "file ../escape-070 0644 pwned" end
        hostile dotdot-deep reject 'outside the layer' \
                "dir a 0755" "file a/$up$CANARY/escape-070 0644 pwned" end
        hostile dot-dotdot reject 'outside the layer' \
                "file ./../escape-070b 0644 pwned" end
        hostile pax-path reject 'outside the layer' \
                "pax path=$up$TMPCANARY/escape-070" "file innocent 0644 pwned" end
        hostile longname reject 'outside the layer' \
                "longname $up$TMPCANARY/escape-070" "file innocent 0644 pwned" end
        hostile symlink-dir reject 'link' \
                "symlink link $TMPCANARY" "file link/owned 0644 pwned" end
        hostile symlink-rel reject 'up' \
                "symlink up $up$CANARY" "file up/owned 0644 pwned" end
        hostile symlink-deep reject 'a/b' \
                "dir a 0755" "symlink a/b $TMPCANARY" "file a/b/owned 0644 pwned" end
        hostile symlink-then-dir reject 'd' \
                "symlink d $TMPCANARY" "dir d/sub 0755" end
        hostile hardlink-passwd reject 'hard link target' \
                "hardlink pw /etc/passwd" end
        hostile hardlink-outside reject 'outside the layer' \
                "hardlink o ../outside" end
        hostile hardlink-via-symlink reject 'hard link target' \
                "symlink s $TMPCANARY" "hardlink pw s/secret" end
        hostile hardlink-pax reject 'outside the layer' \
                "pax linkpath=$up/etc/passwd" "hardlink pl innocent" end
        hostile symlink-replaced-by-dir reject "duplicate entry 'd'" \
                "symlink d $TMPCANARY" "dir d 0755" "file d/x 0644 pwned" end
        hostile duplicate reject "duplicate entry 'a'" \
                "file a 0644 one" "file a 0644 two" end
        hostile whiteout-dotdot reject 'whiteout' \
                "dir a 0755" "file a/.wh... 0644 x" end
        hostile truncated reject 'truncated' \
                "file a 0644 hello" "raw 0 big 100000" "garbage 100"
        hostile huge-size reject 'truncated' \
                "raw 0 big 99999999999999" "garbage 1000"

        # Confined: an absolute name lands inside the layer, and a hard
        # link to /etc/passwd links to the layer's own etc/passwd.
        hostile absolute confine '' \
                "dir etc 0755" "file etc/passwd 0644 layer-passwd" \
                "hardlink pw /etc/passwd" "file /abs/path-070 0644 inside" end
        local id dir
        id=$(sha256sum <"$BERTH_TEST_DIR/absolute.tar" | cut -d' ' -f1)
        dir=$(layer_dir "$id")
        run_cmd cat "$dir/abs/path-070"
        assert_output "inside"
        run_cmd cat "$dir/pw"
        assert_output "layer-passwd"
        assert_equal "$(stat -c %i "$dir/pw")" "$(stat -c %i "$dir/etc/passwd")" "pw is a hard link"

        assert_equal "$(canary_listing)" "$before" "canaries and the host after hostile tars"
        assert_equal "$(sha256sum </etc/passwd)" "$passwd" "/etc/passwd"
        rm -rf "$TMPCANARY"
        # Only the confined image got in, and the store is sound.
        run_berth images --format '{{.Repository}}'
        assert_equal "$(sort <<<"$output")" "localhost/h-absolute"$'\n'"localhost/hl-absolute" "images"
        store_consistent
        store_readable
}

# ================================================================ digests

# corrupt_layer ARCHIVE LAYER-FILE CONTENT-TAR OUT: ARCHIVE with the blob
# LAYER-FILE replaced by CONTENT-TAR (so it no longer matches its diff_id).
corrupt_layer() {
        local d
        d=$(mktemp -d "$BERTH_TEST_DIR/x.XXXXXX")
        tar -C "$d" -xf "$1"
        cp "$3" "$d/$2"
        tar -C "$d" -cf "$4" .
        rm -rf "$d"
}

@test "digest mismatch in a docker-archive aborts and commits nothing" {
        # One layer, into an empty store.
        local sum
        sum=$(sha256sum <"$ROOTFS" | cut -d' ' -f1)
        printf 'x\n' >"$BERTH_TEST_DIR/x"
        tar -C "$BERTH_TEST_DIR" -cf "$BERTH_TEST_DIR/other.tar" x
        corrupt_layer "$T/arch/c1.tar" "$sum.tar" "$BERTH_TEST_DIR/other.tar" "$BERTH_TEST_DIR/bad1.tar"
        run_berth 125 load -i "$BERTH_TEST_DIR/bad1.tar"
        assert_output --regexp '^Error: .*digest mismatch'
        run_berth images -a -q
        assert_output ""
        assert_equal "$(jq length "$LAYERS_JSON" 2>/dev/null || echo 0)" 0 "layers after a failed load"
        assert_equal "$(staging_entries)" "" "staging after a failed load"

        # Two layers, the base already in the store, the top one corrupted.
        run_berth load -q -i "$T/arch/c1.tar"
        local before_l before_i top
        before_l=$(cat "$LAYERS_JSON")
        before_i=$(cat "$IMAGES_JSON")
        top=$(sha256sum <"$T/v4.tar" | cut -d' ' -f1)
        corrupt_layer "$T/arch/c4.tar" "$top.tar" "$BERTH_TEST_DIR/other.tar" "$BERTH_TEST_DIR/bad4.tar"
        run_berth 125 load -i "$BERTH_TEST_DIR/bad4.tar"
        assert_output --regexp '^Error: .*digest mismatch'
        assert_equal "$(cat "$LAYERS_JSON")" "$before_l" "layers.json after a failed load"
        assert_equal "$(cat "$IMAGES_JSON")" "$before_i" "images.json after a failed load"
        assert_equal "$(staging_entries)" "" "staging after a failed load"
        store_consistent
        store_readable
}

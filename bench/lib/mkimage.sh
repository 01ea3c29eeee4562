#!/bin/bash
# Make the benchmark image: a docker-archive (what `podman save` writes) of
# about 200 MB uncompressed in 5 layers, tagged localhost/bench:big, with a
# distro-like mix: ~6,600 small files (100 B to 64 KiB, mostly text, some
# binary, a few symlinks and hard links), a whiteout and an overwritten file
# in the top layer, and six big incompressible files (16 to 40 MiB).
#
#   bench/lib/mkimage.sh [DIR]
#
# Prints the archive's path: DIR/bench-big-$version.tar (DIR defaults to
# bench/out). Everything is derived from fixed seeds (AES-128-CTR of zeros
# keyed by a seed string), so every machine makes the same bytes; an archive
# already there is reused. Bump $version when changing what is made.
set -euo pipefail

version=v1
bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out_dir=${1:-$bench_dir/out}
archive=$out_dir/bench-big-$version.tar
if [ -s "$archive" ]; then
        echo "$archive"
        exit 0
fi
for c in openssl tar sha256sum od; do
        command -v "$c" >/dev/null || { echo "mkimage.sh: $c is missing" >&2; exit 1; }
done

export LC_ALL=C TZ=UTC
umask 022
mkdir -p "$out_dir"
work=$(mktemp -d "$out_dir/mkimage.XXXXXX")
trap 'rm -rf "$work"' EXIT

# bytes SEED N: N pseudorandom bytes, the same for the same SEED everywhere.
bytes() {
        local key
        key=$(printf 'berth-bench-%s' "$1" | sha256sum | cut -c1-32)
        head -c "$2" /dev/zero |
                openssl enc -aes-128-ctr -nosalt -K "$key" -iv 00000000000000000000000000000000
}

# Text keeps its size: every byte maps to a letter, a digit, a space,
# punctuation or a newline, so it compresses about as well as docs do.
text_set=$(printf '%s' 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' \
        'eeeeeeeettttttaaaaaooooiiiinnnnsssshhhrrrdll      ' \
        '                                                  ' \
        '........,,,,::;;__==//' \
        'abcdefghijklmnopqrstuvwxyz0123456789' \
        'the and for ')
text_set+=$'\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n'
[ "${#text_set}" = 256 ] || { echo "mkimage.sh: text alphabet is ${#text_set} bytes, not 256" >&2; exit 1; }
octal_all=$(printf '\\%03o' $(seq 0 255))

# plan LAYER COUNT: lines "KIND SIZE PATH" for COUNT small files of one
# layer. KIND is t (text), b (binary), s (symlink to the previous file) or
# h (hard link to it). Sizes are 100 + a*b*c with a, b, c uniform in 0..40:
# mostly a few KiB, up to 64 KiB, about 8 KiB on average.
plan() {
        local layer=$1 count=$2
        bytes "plan-$layer" $((4 * count)) | od -An -v -tu1 -w4 |
                awk -v layer="$layer" '
                BEGIN {
                        split("usr/share/doc usr/share/man/man1 usr/share/locale/de/LC_MESSAGES usr/lib/python3/dist-packages usr/lib/x86_64-linux-gnu etc usr/share/zoneinfo usr/include", dirs, " ")
                }
                {
                        i = NR - 1
                        d = dirs[(int(i / 25) % 8) + 1]
                        dir = d "/pkg" layer "-" sprintf("%03d", int(i / 25))
                        k = $1 % 100
                        kind = k < 2 ? "s" : k < 3 ? "h" : k < 25 ? "b" : "t"
                        if ((i % 25) == 0 && (kind == "s" || kind == "h")) kind = "t"
                        ext = kind == "b" ? (d ~ /lib/ ? ".so" : ".mo") : (d ~ /python/ ? ".py" : ".txt")
                        if (kind == "s" || kind == "h") ext = ".link"
                        size = 100 + ($2 % 41) * ($3 % 41) * ($4 % 41)
                        printf "%s %d %s/f%05d%s\n", kind, size, dir, i, ext
                }'
}

# fill ROOT PLAN SEED: create the files of PLAN under ROOT, contents read in
# order from one text and one binary stream seeded by SEED.
fill() {
        local root=$1 plan_file=$2 seed=$3 kind size path prev="" tsum bsum
        tsum=$(awk '$1 == "t" { s += $2 } END { print s + 0 }' "$plan_file")
        bsum=$(awk '$1 == "b" { s += $2 } END { print s + 0 }' "$plan_file")
        exec 3< <(bytes "text-$seed" "$tsum" | tr "$octal_all" "$text_set")
        exec 4< <(bytes "bin-$seed" "$bsum")
        while read -r kind size path; do
                mkdir -p "$root/${path%/*}"
                case $kind in
                t) head -c "$size" <&3 >"$root/$path"; prev=$path ;;
                b) head -c "$size" <&4 >"$root/$path"; prev=$path
                   if [[ $path == *.so ]]; then chmod 755 "$root/$path"; fi ;;
                s) ln -s "${prev##*/}" "$root/$path" ;;
                h) ln "$root/$prev" "$root/$path" ;;
                esac
        done <"$plan_file"
        exec 3<&- 4<&-
}

# big ROOT PATH MIB SEED: one incompressible file.
big() {
        mkdir -p "$1/${2%/*}"
        bytes "big-$4" $(($3 * 1024 * 1024)) >"$1/$2"
}

tar_opts=(--sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=posix
        "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime")

echo "mkimage.sh: making $archive (once)" >&2
# Layer 1: a base system. 2,600 small files and a 24 MiB library.
plan 1 2600 >"$work/plan1"
fill "$work/root1" "$work/plan1" 1
big "$work/root1" usr/lib/x86_64-linux-gnu/libbench-core.so.1 24 1
chmod 755 "$work/root1/usr/lib/x86_64-linux-gnu/libbench-core.so.1"
mkdir -p "$work/root1/bin" "$work/root1/etc" "$work/root1/tmp" "$work/root1/var/lib"
chmod 1777 "$work/root1/tmp"
ln -s ../usr/lib/x86_64-linux-gnu/libbench-core.so.1 "$work/root1/bin/sh"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$work/root1/etc/passwd"
# Layer 2: a language runtime. 2,000 small files and two 16 MiB files.
plan 2 2000 >"$work/plan2"
fill "$work/root2" "$work/plan2" 2
big "$work/root2" usr/lib/bench-runtime/runtime.bin 16 2a
big "$work/root2" usr/lib/bench-runtime/stdlib.zip 16 2b
# Layer 3: application dependencies. 1,500 small files and a 40 MiB file.
plan 3 1500 >"$work/plan3"
fill "$work/root3" "$work/plan3" 3
big "$work/root3" opt/app/vendor/deps.jar 40 3
# Layer 4: the application. 500 small files, a 32 and a 24 MiB file.
plan 4 500 >"$work/plan4"
fill "$work/root4" "$work/plan4" 4
big "$work/root4" opt/app/model.bin 32 4a
big "$work/root4" opt/app/data.pack 24 4b
# Layer 5: configuration. 50 small files, a file of layer 1 deleted
# (whiteout) and one overwritten.
plan 5 50 >"$work/plan5"
fill "$work/root5" "$work/plan5" 5
gone=$(awk '$1 == "t" { n++ } n == 2 { print $3; exit }' "$work/plan1")
kept=$(awk '$1 == "t" { n++ } n == 3 { print $3; exit }' "$work/plan1")
mkdir -p "$work/root5/${gone%/*}"
: >"$work/root5/${gone%/*}/.wh.${gone##*/}"
bytes "overwrite" 4096 | tr "$octal_all" "$text_set" >"$work/root5/$kept"
mkdir -p "$work/root5/etc"
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/opt/app:/bin/sh\n' >"$work/root5/etc/passwd"

created=2024-01-01T00:00:00Z
diff_ids=() history=() layers=() top=""
mkdir "$work/archive"
steps=("ADD base.tar /" "RUN install runtime" "COPY deps /opt/app/vendor" "COPY app /opt/app" "COPY etc /etc")
for n in 1 2 3 4 5; do
        # Entries are named "usr/...", not "./usr/...", as podman writes them.
        (cd "$work/root$n" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | sort |
                tar "${tar_opts[@]}" -cf "$work/layer$n.tar" -T -)
        hex=$(sha256sum "$work/layer$n.tar" | cut -d' ' -f1)
        mkdir "$work/archive/$hex"
        mv "$work/layer$n.tar" "$work/archive/$hex/layer.tar"
        rm -rf "$work/root$n"
        diff_ids+=("\"sha256:$hex\"")
        history+=("{\"created\":\"$created\",\"created_by\":\"/bin/sh -c #(nop) ${steps[n - 1]}\"}")
        layers+=("\"$hex/layer.tar\"")
        top=$hex
done
history+=("{\"created\":\"$created\",\"created_by\":\"/bin/sh -c #(nop)  CMD [\\\"/bin/sh\\\"]\",\"empty_layer\":true}")
join() { local IFS=,; echo "$*"; }
config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"$created\",\
\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"/bin/sh\"],\"WorkingDir\":\"/opt/app\"},\
\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$(join "${diff_ids[@]}")]},\
\"history\":[$(join "${history[@]}")]}"
config_hex=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
printf '%s' "$config" >"$work/archive/$config_hex.json"
printf '[{"Config":"%s.json","RepoTags":["localhost/bench:big"],"Layers":[%s]}]' \
        "$config_hex" "$(join "${layers[@]}")" >"$work/archive/manifest.json"
printf '{"localhost/bench":{"big":"%s"}}' "$top" >"$work/archive/repositories"

# Layers first, then config, manifest.json and repositories, as podman does.
names=()
for l in "${layers[@]}"; do
        l=${l//\"/}
        names+=("${l%/layer.tar}")
done
tar "${tar_opts[@]}" -C "$work/archive" -cf "$work/out.tar" \
        "${names[@]}" "$config_hex.json" manifest.json repositories
mv "$work/out.tar" "$archive"
echo "$archive"

#!/bin/bash
# Remove benchmark stores and outputs: unmount whatever is mounted at or
# under each PATH (deepest first: an overlay graphroot may hold layer mounts,
# and podman bind-mounts <root>/overlay onto itself), rm -rf it, then sync so
# the next timed run does not pay for this run's write-back.
#
#   bench/lib/wipe.sh PATH...
set -euo pipefail

for p in "$@"; do
        case $p in
        /?*) ;;
        *) echo "wipe.sh: refusing to wipe '$p' (not an absolute path)" >&2; exit 2 ;;
        esac
        p=${p%/}
        # Field 5 of mountinfo is the mount point, with \040-style escapes.
        awk -v p="$p" '{ m = $5; gsub(/\\040/, " ", m) }
                m == p || index(m, p "/") == 1 { print length(m) "\t" m }' /proc/self/mountinfo |
                sort -rn | cut -f2- | while IFS= read -r m; do
                umount "$m" 2>/dev/null || umount -l "$m"
        done
        rm -rf "$p"
done
sync

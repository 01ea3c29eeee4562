#!/bin/bash
# Create (idempotently) the unprivileged user that rootless tests and the
# demo run as, with subordinate uid and gid ranges for its user namespace.
#
#   tests/system/lib/mkuser.sh [NAME]      (default NAME: berthtest)
#
# The user gets home /home/NAME, shell /bin/bash, its own group, and 65536
# subordinate uids and gids in /etc/subuid and /etc/subgid, starting at
# 100000 or after the highest range already given to anyone (so no range
# overlaps). Running it again changes nothing. Must run as root. Prints
# nothing unless it had to change something.
set -euo pipefail

name=${1:-berthtest}
count=65536

if [ "$(id -u)" -ne 0 ]; then
        echo "mkuser.sh: must run as root" >&2
        exit 1
fi

if ! getent passwd "$name" >/dev/null; then
        # useradd may allocate subordinate ids itself (SUB_UID_COUNT in
        # login.defs); the checks below add them where it did not.
        useradd --create-home --home-dir "/home/$name" --shell /bin/bash \
                --user-group "$name"
        echo "mkuser.sh: created user $name"
fi
home=$(getent passwd "$name" | cut -d: -f6)
if [ ! -d "$home" ]; then
        mkdir -p "$home"
        chown "$name:" "$home"
        chmod 0750 "$home"
fi

# has_range FILE: does NAME (or its uid) own a range of at least $count ids?
has_range() {
        local uid
        uid=$(id -u "$name")
        awk -F: -v n="$name" -v u="$uid" -v c="$count" '
                ($1 == n || $1 == u) && $3 + 0 >= c { found = 1 }
                END { exit !found }' "$1"
}

# next_start: first id at or after 100000 that no range in either file
# uses (both files are considered so the uid and gid ranges line up).
next_start() {
        cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: '
                BEGIN { next_id = 100000 }
                NF >= 3 && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ {
                        end = $2 + $3
                        if (end > next_id) next_id = end
                }
                END { printf "%d\n", next_id }'
}

for f in /etc/subuid /etc/subgid; do
        [ -e "$f" ] || install -m 0644 /dev/null "$f"
        if ! has_range "$f"; then
                start=$(next_start)
                echo "$name:$start:$count" >>"$f"
                echo "mkuser.sh: added $name:$start:$count to $f"
        fi
done

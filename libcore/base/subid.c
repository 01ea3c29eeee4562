/* SPDX-License-Identifier: Apache-2.0 */
/* /etc/subuid and /etc/subgid lookups, and uid_map/gid_map parsing. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "base.h"

/* /etc/subuid with a range for each of 50,000 users is about 1.5 MB less
 * than this; anything larger is not a subid file we should trust. */
#define SUBID_MAX_FILE_SIZE ((size_t)1 << 20)
/* The kernel accepts at most 340 lines in a uid_map (since 4.15). */
#define IDMAP_MAX_LINES 340

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Trim [*s, *e) in place. */
static void trim(const char **s, const char **e)
{
        while (*s < *e && is_space(**s))
                (*s)++;
        while (*e > *s && is_space((*e)[-1]))
                (*e)--;
}

/* Parse a decimal uint32 from [s, e): digits only, no sign, no base prefix
 * (shadow's and podman's parsers disagree on the rest; plain decimal is
 * what both accept alike). */
static bool parse_u32(const char *s, const char *e, uint32_t *ret)
{
        if (s == e)
                return false;
        uint64_t v = 0;
        for (const char *p = s; p < e; p++) {
                if (*p < '0' || *p > '9')
                        return false;
                v = v * 10 + (uint64_t)(*p - '0');
                if (v > UINT32_MAX)
                        return false;
        }
        *ret = (uint32_t)v;
        return true;
}

/* The ranges granted in one file, in file order. `what` names the source in
 * debug messages. */
static int subid_parse_named(const char *what, const char *buf, size_t len, const char *user,
                             uid_t id, struct id_range **ret_ranges, size_t *ret_n)
{
        if (!buf && len > 0)
                return -EINVAL;
        if (len == 0) {
                *ret_ranges = NULL;
                *ret_n = 0;
                return 0;
        }
        struct id_range *ranges = NULL;
        size_t n = 0, cap = 0, lineno = 0;
        size_t user_len = user ? strlen(user) : 0;

        for (const char *line = buf, *end = buf + len; line && line < end;) {
                const char *nl = memchr(line, '\n', (size_t)(end - line));
                const char *le = nl ? nl : end;
                const char *ls = line;
                line = nl ? nl + 1 : NULL;
                lineno++;

                trim(&ls, &le);
                if (ls == le || *ls == '#')
                        continue;
                if (memchr(ls, '\0', (size_t)(le - ls))) {
                        log_debug("%s:%zu: skipping line with a NUL byte", what, lineno);
                        continue;
                }

                /* name:start:count, exactly two colons */
                const char *c1 = memchr(ls, ':', (size_t)(le - ls));
                const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(le - c1 - 1)) : NULL;
                if (!c2 || memchr(c2 + 1, ':', (size_t)(le - c2 - 1))) {
                        log_debug("%s:%zu: skipping line: want name:start:count", what, lineno);
                        continue;
                }
                const char *f[3][2] = {{ls, c1}, {c1 + 1, c2}, {c2 + 1, le}};
                for (int i = 0; i < 3; i++)
                        trim(&f[i][0], &f[i][1]);

                size_t name_len = (size_t)(f[0][1] - f[0][0]);
                uint32_t start, count, as_id;
                if (name_len == 0) {
                        log_debug("%s:%zu: skipping line: empty user", what, lineno);
                        continue;
                }
                if (!parse_u32(f[1][0], f[1][1], &start) || !parse_u32(f[2][0], f[2][1], &count)) {
                        log_debug("%s:%zu: skipping line: start and count must be decimal "
                                  "numbers below 2^32",
                                  what, lineno);
                        continue;
                }
                if (count == 0) {
                        log_debug("%s:%zu: skipping line: empty range", what, lineno);
                        continue;
                }
                /* The last id must stay below 2^32 - 1, which is (uid_t)-1,
                 * "no id" to the kernel. */
                if ((uint64_t)start + count > UINT32_MAX) {
                        log_debug("%s:%zu: skipping line: range beyond the 32-bit id space", what,
                                  lineno);
                        continue;
                }

                /* By name, or by the id in canonical decimal (podman compares
                 * the id as a string, so "01000" is not uid 1000). */
                bool match = user && name_len == user_len && memcmp(f[0][0], user, user_len) == 0;
                if (!match && id != (uid_t)-1 && (name_len == 1 || f[0][0][0] != '0') &&
                    parse_u32(f[0][0], f[0][1], &as_id))
                        match = as_id == (uint32_t)id;
                if (!match)
                        continue;
                xgrow((void **)&ranges, &cap, n + 1, sizeof(*ranges));
                ranges[n++] = (struct id_range){.start = start, .count = count};
        }
        *ret_ranges = ranges;
        *ret_n = n;
        return 0;
}

int subid_parse(const char *buf, size_t len, const char *user, uid_t id,
                struct id_range **ret_ranges, size_t *ret_n)
{
        return subid_parse_named("subid", buf, len, user, id, ret_ranges, ret_n);
}

int subid_lookup(const char *file, const char *user, uid_t id, struct id_range **ret_ranges,
                 size_t *ret_n, struct err *e)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        struct err sub = {0};
        int r = fs_read_file(AT_FDCWD, file, SUBID_MAX_FILE_SIZE, &buf, &len, &sub);
        if (r == -ENOENT) {
                /* No file grants nothing; the caller decides whether that is
                 * fatal and says how to add entries. */
                err_done(&sub);
                *ret_ranges = NULL;
                *ret_n = 0;
                return 0;
        }
        if (r < 0)
                return err_move(e, &sub);
        r = subid_parse_named(file, buf, len, user, id, ret_ranges, ret_n);
        if (r < 0)
                return err_errnum(e, r, "parsing '%s'", file);
        return 0;
}

/* Ranges [a, a + an) and [b, b + bn) share an id. */
static bool overlaps(uint32_t a, uint32_t an, uint32_t b, uint32_t bn)
{
        return (uint64_t)a < (uint64_t)b + bn && (uint64_t)b < (uint64_t)a + an;
}

int idmap_parse(const char *buf, struct id_map **ret, size_t *ret_n, struct err *e)
{
        if (!buf)
                return err_set(e, EINVAL, "id map: no content");
        _cleanup_free_ struct id_map *maps = NULL;
        size_t n = 0, cap = 0, lineno = 0;

        for (const char *line = buf; *line;) {
                const char *le = line + strcspn(line, "\n");
                const char *ls = line;
                line = *le ? le + 1 : le;
                lineno++;
                trim(&ls, &le);
                if (ls == le)
                        continue;

                uint32_t v[3];
                int nv = 0;
                const char *p = ls;
                while (p < le) {
                        const char *t = p;
                        while (t < le && !is_space(*t))
                                t++;
                        if (nv == 3 || !parse_u32(p, t, &v[nv]))
                                return err_set(e, EINVAL,
                                               "id map line %zu: want \"container host size\" "
                                               "as three decimal numbers below 2^32",
                                               lineno);
                        nv++;
                        p = t;
                        while (p < le && is_space(*p))
                                p++;
                }
                if (nv != 3)
                        return err_set(e, EINVAL, "id map line %zu: want \"container host size\"",
                                       lineno);
                struct id_map m = {.container_id = v[0], .host_id = v[1], .size = v[2]};
                if (m.size == 0)
                        return err_set(e, EINVAL, "id map line %zu: size is 0", lineno);
                /* The kernel's own limits: neither side may wrap. */
                if ((uint64_t)m.container_id + m.size > UINT32_MAX ||
                    (uint64_t)m.host_id + m.size > UINT32_MAX)
                        return err_set(e, EINVAL,
                                       "id map line %zu: range beyond the 32-bit id space", lineno);
                if (n == IDMAP_MAX_LINES)
                        return err_set(e, E2BIG, "id map: more than %d lines", IDMAP_MAX_LINES);
                for (size_t i = 0; i < n; i++) {
                        if (overlaps(maps[i].container_id, maps[i].size, m.container_id, m.size) ||
                            overlaps(maps[i].host_id, maps[i].size, m.host_id, m.size))
                                return err_set(e, EINVAL,
                                               "id map line %zu: overlaps line with container "
                                               "id %u host id %u",
                                               lineno, maps[i].container_id, maps[i].host_id);
                }
                xgrow((void **)&maps, &cap, n + 1, sizeof(*maps));
                maps[n++] = m;
        }
        *ret = steal_pointer(&maps);
        *ret_n = n;
        return 0;
}

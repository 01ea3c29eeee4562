/* SPDX-License-Identifier: Apache-2.0 */
/*
 * -u user[:group] and --group-add, resolved against the container's own
 * /etc/passwd and /etc/group as podman resolves them (runc's user package
 * rules): a numeric user is a uid even when passwd lacks it, a name must be
 * found; without an explicit group the additional gids are the primary gid
 * and every group that lists the user; --group-add values follow.
 *
 * The files come from an image, so they are hostile: they are opened inside
 * the rootfs (a symlink to /etc/shadow names the rootfs's shadow, never the
 * host's), must be regular files (a FIFO must not block us), are bounded in
 * size, and malformed lines are skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ctr-spec.h"

#define ETC_FILE_MAX (8u << 20)
#define ID_MAX 2147483647u /* runc's range for uids and gids */

/* Allocates: the content of a file in the rootfs; a missing or non-regular
 * file reads as empty (podman treats a missing passwd file as empty). */
static int read_etc(int rootfd, const char *path, char **ret, struct err *e)
{
        struct err e2 = {0};
        _cleanup_close_ int fd =
                fs_open_in_root(rootfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, &e2);
        if (fd < 0) {
                int r = fd;
                if (r == -ENOENT || r == -ENOTDIR || r == -ELOOP) {
                        err_done(&e2);
                        *ret = xstrdup("");
                        return 0;
                }
                err_move(e, &e2);
                err_wrap(e, "reading the container's %s", path);
                return r;
        }
        struct stat st;
        if (fstat(fd, &st) < 0)
                return err_errno(e, "fstat '%s' in the container", path);
        if (!S_ISREG(st.st_mode)) {
                log_debug("%s in the container is not a regular file; ignored", path);
                *ret = xstrdup("");
                return 0;
        }
        struct sbuf b = {0};
        char chunk[8192];
        for (;;) {
                ssize_t n = read(fd, chunk, sizeof(chunk));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        sbuf_done(&b);
                        return err_errno(e, "read '%s' in the container", path);
                }
                if (n == 0)
                        break;
                if (b.len + (size_t)n > ETC_FILE_MAX) {
                        sbuf_done(&b);
                        return err_set(e, EFBIG, "%s in the container is larger than %u bytes",
                                       path, ETC_FILE_MAX);
                }
                sbuf_append_len(&b, chunk, (size_t)n);
        }
        *ret = sbuf_steal(&b);
        return 0;
}

/* A decimal id within runc's range; false for anything else. */
static bool parse_id(const char *s, uint32_t *ret)
{
        uint64_t v;
        if (!*s || s[0] == '+' || s[0] == '-' || str_to_uint64(s, &v) < 0 || v > ID_MAX)
                return false;
        for (const char *p = s; *p; p++)
                if (*p < '0' || *p > '9')
                        return false;
        *ret = (uint32_t)v;
        return true;
}

struct pw_entry {
        char *name, *home;
        uint32_t uid, gid;
};

struct gr_entry {
        char *name;
        uint32_t gid;
        char **members;
};

/* Split a line into at most n fields at ':'; returns the count. The
 * fields point into line, which is modified. */
static size_t split_fields(char *line, char **f, size_t n)
{
        size_t k = 0;
        f[k++] = line;
        for (char *p = line; *p && k < n; p++)
                if (*p == ':') {
                        *p = '\0';
                        f[k++] = p + 1;
                }
        return k;
}

/* Iterate the lines of buf (modified in place); skip comments, blanks and
 * NIS compat lines ("+", "-"). */
static char *next_line(char **cursor)
{
        while (**cursor) {
                char *line = *cursor;
                char *nl = strchr(line, '\n');
                if (nl) {
                        *nl = '\0';
                        *cursor = nl + 1;
                } else {
                        *cursor = line + strlen(line);
                }
                while (*line == ' ' || *line == '\t')
                        line++;
                if (!*line || *line == '#' || *line == '+' || *line == '-')
                        continue;
                return line;
        }
        return NULL;
}

/* Find the passwd entry for a name or (numeric) uid (buf is modified); true if found. */
static bool pw_find(char *buf, const char *name, const uint32_t *uid, struct pw_entry *ret)
{
        char *cur = buf;
        for (char *line; (line = next_line(&cur));) {
                char *f[7] = {0};
                size_t n = split_fields(line, f, 7);
                uint32_t u, g;
                if (n < 4 || !parse_id(f[2], &u) || !parse_id(f[3], &g) || !*f[0]) {
                        log_debug("skipping malformed passwd line");
                        continue;
                }
                if (uid ? u != *uid : !STREQ(f[0], name))
                        continue;
                *ret = (struct pw_entry){
                        .name = f[0], .home = n > 5 ? f[5] : NULL, .uid = u, .gid = g};
                return true;
        }
        return false;
}

/* Parse the whole group file into entries pointing into buf. */
static struct gr_entry *gr_parse(char *buf, size_t *ret_n)
{
        struct gr_entry *v = NULL;
        size_t n = 0, cap = 0;
        char *cur = buf;
        for (char *line; (line = next_line(&cur));) {
                char *f[4] = {0};
                size_t k = split_fields(line, f, 4);
                uint32_t g;
                if (k < 3 || !parse_id(f[2], &g) || !*f[0]) {
                        log_debug("skipping malformed group line");
                        continue;
                }
                xgrow((void **)&v, &cap, n + 1, sizeof(*v));
                v[n++] = (struct gr_entry){
                        .name = f[0], .gid = g, .members = k > 3 ? strv_split(f[3], ",") : NULL};
        }
        *ret_n = n;
        return v;
}

static void gr_free(struct gr_entry *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                strv_free(v[i].members);
        free(v);
}

static int gr_lookup(const struct gr_entry *g, size_t n, const char *name, uint32_t *ret,
                     struct err *e)
{
        if (parse_id(name, ret))
                return 0;
        for (size_t i = 0; i < n; i++)
                if (STREQ(g[i].name, name)) {
                        *ret = g[i].gid;
                        return 0;
                }
        return err_set(e, ENOENT, "unable to find group %s: no matching entries in group file",
                       name);
}

static void add_gid(struct ctr_user *u, size_t *cap, uint32_t gid)
{
        for (size_t i = 0; i < u->n_gids; i++)
                if (u->gids[i] == gid)
                        return;
        xgrow((void **)&u->gids, cap, u->n_gids + 1, sizeof(*u->gids));
        u->gids[u->n_gids++] = gid;
}

void ctr_user_done(struct ctr_user *u)
{
        if (!u)
                return;
        free(u->gids);
        free(u->home);
        *u = (struct ctr_user){0};
}

int ctr_user_resolve(int rootfd, const char *spec, char *const *group_add, struct ctr_user *ret,
                     struct err *e)
{
        _cleanup_free_ char *pw_buf = NULL, *gr_buf = NULL;
        int r = read_etc(rootfd, "/etc/passwd", &pw_buf, e);
        if (r < 0)
                return r;
        r = read_etc(rootfd, "/etc/group", &gr_buf, e);
        if (r < 0)
                return r;
        size_t n_gr = 0;
        struct gr_entry *gr = gr_parse(gr_buf, &n_gr);
        struct ctr_user u = {0};
        size_t cap = 0;

        bool dflt = !spec || !*spec;
        _cleanup_free_ char *user = xstrdup(dflt ? "0" : spec);
        char *group = strchr(user, ':');
        if (group)
                *group++ = '\0';
        if (!*user)
                strcpy(user, "0");

        struct pw_entry pw;
        uint32_t id = 0;
        bool numeric = parse_id(user, &id);
        if (!numeric && strspn(user, "0123456789") == strlen(user)) {
                r = err_set(e, EINVAL, "user '%s': uids and gids must be in range 0-%u", user,
                            ID_MAX);
                goto out;
        }
        bool found = numeric ? pw_find(pw_buf, NULL, &id, &pw) : pw_find(pw_buf, user, NULL, &pw);
        if (!found && !numeric) {
                r = err_set(e, ENOENT, "unable to find user %s: no matching entries in passwd file",
                            user);
                goto out;
        }
        u.uid = found ? pw.uid : id;
        u.gid = found ? pw.gid : 0;
        if (found && pw.home && *pw.home)
                u.home = xstrdup(pw.home);
        else if (dflt)
                u.home = xstrdup("/root"); /* docker's HOME for root without a passwd entry */

        if (group && *group) {
                if (gr_lookup(gr, n_gr, group, &u.gid, e) < 0) {
                        r = -ENOENT;
                        goto out;
                }
                add_gid(&u, &cap, u.gid);
        } else if (!dflt) {
                add_gid(&u, &cap, u.gid);
                const char *name = found ? pw.name : NULL;
                for (size_t i = 0; i < n_gr; i++) {
                        if (gr[i].gid == u.gid)
                                add_gid(&u, &cap, gr[i].gid);
                        else if (name && strv_contains(gr[i].members, name))
                                add_gid(&u, &cap, gr[i].gid);
                }
        }
        for (char *const *g = group_add; g && *g; g++) {
                uint32_t gid;
                if (STREQ(*g, "keep-groups")) {
                        r = err_set(e, EINVAL, "--group-add keep-groups is not supported by berth");
                        goto out;
                }
                if (gr_lookup(gr, n_gr, *g, &gid, e) < 0) {
                        r = -ENOENT;
                        goto out;
                }
                add_gid(&u, &cap, gid);
        }
        *ret = u;
        u = (struct ctr_user){0};
out:
        ctr_user_done(&u);
        gr_free(gr, n_gr);
        return r;
}

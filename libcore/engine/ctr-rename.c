/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rename: the storage record's names (checked against every container of
 * the store, berth's or another tool's, under the containers lock), then
 * berth's own copies of the name: G/berth.json, and the name in R/hosts and
 * R/.containerenv, which are bind-mounted into a running container and so
 * are rewritten in place.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ctr-internal.h"
#include "storage.h"

/* podman's rule for container names. */
static bool name_valid(const char *name)
{
        static const char alnum[] =
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        size_t n = strlen(name);
        return n > 0 && n <= 253 && strchr(alnum, name[0]) &&
               strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
                       n;
}

/* Rewrite a run file in place (the container sees it through a bind mount
 * of this inode). */
static void rewrite_in_place(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return;
        size_t len = strlen(text), off = 0;
        while (off < len) {
                ssize_t w = write(fd, text + off, len - off);
                if (w <= 0)
                        break;
                off += (size_t)w;
        }
        close(fd);
}

/* Replace a whitespace-separated token old by new on the lines of text that
 * start with prefix (every line when NULL); allocates the result. */
static char *replace_token(const char *text, const char *prefix, const char *old, const char *new,
                           bool *ret_changed)
{
        struct sbuf b = {0};
        size_t olen = strlen(old);
        for (const char *l = text; *l;) {
                const char *nl = strchr(l, '\n');
                size_t ll = nl ? (size_t)(nl - l + 1) : strlen(l);
                if (prefix && strncmp(l, prefix, strlen(prefix)) != 0) {
                        sbuf_append_len(&b, l, ll);
                        l += ll;
                        continue;
                }
                for (size_t i = 0; i < ll;) {
                        bool start = i == 0 || strchr(" \t", l[i - 1]);
                        bool end =
                                i + olen <= ll && (i + olen == ll || strchr(" \t\n", l[i + olen]));
                        if (start && end && strncmp(l + i, old, olen) == 0) {
                                sbuf_append(&b, new);
                                i += olen;
                                *ret_changed = true;
                        } else {
                                sbuf_putc(&b, l[i++]);
                        }
                }
                l += ll;
        }
        if (!b.buf)
                return xstrdup("");
        return sbuf_steal(&b);
}

/* The name in R/hosts (the container's own line, the last one) and in a
 * privileged container's R/.containerenv. */
static void update_run_files(const struct ctr *c, const char *old, const char *new)
{
        _cleanup_free_ char *hp = ctr_rpath(c, "hosts");
        _cleanup_free_ char *hosts = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, hp, 1u << 20, &hosts, &len, NULL) == 0) {
                /* Only the last line is berth's: the host's lines stay. */
                size_t n = strlen(hosts);
                size_t cut = n;
                if (cut > 0 && hosts[cut - 1] == '\n')
                        cut--;
                while (cut > 0 && hosts[cut - 1] != '\n')
                        cut--;
                bool changed = false;
                _cleanup_free_ char *last =
                        replace_token(hosts + cut, "127.0.0.1", old, new, &changed);
                if (changed) {
                        hosts[cut] = 0;
                        _cleanup_free_ char *text = xasprintf("%s%s", hosts, last);
                        rewrite_in_place(hp, text);
                }
        }
        _cleanup_free_ char *ep = ctr_rpath(c, ".containerenv");
        _cleanup_free_ char *env = NULL;
        if (fs_read_file(AT_FDCWD, ep, 1u << 20, &env, &len, NULL) == 0 && *env) {
                _cleanup_free_ char *from = xasprintf("name=\"%s\"", old);
                _cleanup_free_ char *to = xasprintf("name=\"%s\"", new);
                bool changed = false;
                _cleanup_free_ char *text = replace_token(env, "name=", from, to, &changed);
                if (changed)
                        rewrite_in_place(ep, text);
        }
}

int engine_container_rename(struct store *s, const char *name, const char *new_name, struct err *e)
{
        if (!new_name || !name_valid(new_name))
                return err_set(e, EINVAL,
                               "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        int r = ctr_lookup(s, name, &c, e);
        if (r < 0)
                return r;
        if (STREQ(c->name, new_name))
                return 0;
        struct lockfile *lk = NULL;
        if ((r = ctr_lock(c, &lk, e)) < 0)
                return r;
        char *names[] = {(char *)new_name, NULL};
        struct err se = {0};
        r = store_container_set_names(s, c->id, names, &se);
        if (r < 0) {
                if (se.code == EEXIST)
                        r = err_set(e, EEXIST,
                                    "renaming container %s: name %s already in use, cannot "
                                    "rename container %s: container already exists",
                                    c->id, new_name, c->id);
                else if (se.code == ENOENT)
                        r = err_set(e, ENOENT,
                                    "no container with name or ID \"%s\" found: no such "
                                    "container",
                                    name);
                else
                        err_move(e, &se);
                err_done(&se);
                lockfile_free(lk);
                return r;
        }
        /* berth.json follows; a failure here leaves the storage name, which
         * is the one every command reads. */
        json_object_set_string(c->berth, "name", new_name);
        _cleanup_free_ char *bp = ctr_gpath(c, "berth.json");
        _cleanup_free_ char *text = json_generate(c->berth, JSON_GEN_NEWLINE);
        struct err we = {0};
        if (fs_write_atomic(AT_FDCWD, bp, text, strlen(text), 0600, &we) < 0)
                log_warn("container %.12s: updating berth.json: %s", c->id, we.msg);
        err_done(&we);
        update_run_files(c, c->name, new_name);
        lockfile_free(lk);
        return 0;
}

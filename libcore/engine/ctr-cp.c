/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cp` and `export`: copying between a container's filesystem and the host
 * (or a tar on stdin/stdout), and a tar of the whole filesystem.
 *
 * The container's rootfs is mounted through the store (a counted mount: a
 * running container's is already there and writes go through its overlay
 * mount into the upper layer), under the container's lock. Paths inside it
 * are resolved with fs_open_in_root, so no path, symlink or tar entry can
 * lead outside it. A path under a bind mount of the container (a named
 * volume, -v HOST:DST) is resolved inside that mount's source instead, as
 * podman copies into volumes.
 *
 * Host <-> container copies stream a tar through a pipe: a forked child
 * writes the source tree, this process extracts it, so both directions
 * share one writer and one extractor (ctr-cp-out.c, ctr-cp-in.c) with the
 * `-` streams.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ctr-cp.h"
#include "ctr-internal.h"
#include "storage.h"

/* ---------------------------------------------------------------- the container side */

struct cp_mount {
        char *dst;    /* cleaned container path, relative ("." for /) */
        char *source; /* host directory */
        bool ro;
        int fd; /* opened on first use, -1 before */
};

struct cp_ctr {
        struct ctr *c;
        struct lockfile *lk;
        struct store *s;
        bool mounted;
        int rootfd;
        struct id_map *uidmap, *gidmap;
        size_t n_uidmap, n_gidmap;
        uid_t uid; /* the container's user, as berth sees it */
        gid_t gid;
        struct cp_mount *mounts;
        size_t n_mounts;
};

static void cp_ctr_done(struct cp_ctr *cc)
{
        if (cc->rootfd >= 0)
                close(cc->rootfd);
        if (cc->mounted) {
                struct err ue = {0};
                if (store_container_unmount(cc->s, cc->c->id, false, &ue) < 0)
                        log_warn("unmounting container %s: %s", cc->c->id, ue.msg);
                err_done(&ue);
        }
        for (size_t i = 0; i < cc->n_mounts; i++) {
                free(cc->mounts[i].dst);
                free(cc->mounts[i].source);
                if (cc->mounts[i].fd >= 0)
                        close(cc->mounts[i].fd);
        }
        free(cc->mounts);
        free(cc->uidmap);
        free(cc->gidmap);
        lockfile_free(cc->lk);
        ctr_free(cc->c);
        *cc = (struct cp_ctr){.rootfd = -1};
}

static void parse_maps(const struct json *m, struct id_map **ret, size_t *ret_n)
{
        *ret = NULL;
        *ret_n = 0;
        for (size_t i = 0; m && m->type == JSON_ARRAY && i < m->arr.len; i++) {
                int64_t c = json_object_get_int(m->arr.items[i], "containerID", -1);
                int64_t h = json_object_get_int(m->arr.items[i], "hostID", -1);
                int64_t n = json_object_get_int(m->arr.items[i], "size", 0);
                if (c < 0 || h < 0 || n <= 0 || c > UINT32_MAX || h > UINT32_MAX || n > UINT32_MAX)
                        continue;
                *ret = xrealloc(*ret, (*ret_n + 1) * sizeof(**ret));
                (*ret)[(*ret_n)++] = (struct id_map){(uint32_t)c, (uint32_t)h, (uint32_t)n};
        }
}

static uint32_t map_or_same(const struct id_map *m, size_t n, uint32_t id)
{
        for (size_t i = 0; i < n; i++)
                if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
                        return m[i].host_id + (id - m[i].container_id);
        return id;
}

/* The bind mounts of the spec (volumes and -v host dirs), longest first. */
static void load_mounts(struct cp_ctr *cc, const struct json *spec)
{
        const struct json *ms = json_object_get(spec, "mounts");
        for (size_t i = 0; ms && ms->type == JSON_ARRAY && i < ms->arr.len; i++) {
                const struct json *m = ms->arr.items[i];
                const char *type = json_object_get_string(m, "type");
                const char *dst = json_object_get_string(m, "destination");
                const char *src = json_object_get_string(m, "source");
                const struct json *opts = json_object_get(m, "options");
                bool bind = type && STREQ(type, "bind"), ro = false;
                for (size_t k = 0; opts && opts->type == JSON_ARRAY && k < opts->arr.len; k++) {
                        const struct json *o = opts->arr.items[k];
                        if (o->type != JSON_STRING)
                                continue;
                        bind |= STREQ(o->str.s, "bind") || STREQ(o->str.s, "rbind");
                        ro |= STREQ(o->str.s, "ro");
                }
                struct stat st;
                /* Only directories: file mounts (/etc/hosts, ...) are
                 * copied to the rootfs below them. */
                if (!bind || !dst || !src || stat(src, &st) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                char *clean = cp_path_clean(dst);
                if (!clean || STREQ(clean, ".")) {
                        free(clean);
                        continue;
                }
                cc->mounts = xrealloc(cc->mounts, (cc->n_mounts + 1) * sizeof(*cc->mounts));
                cc->mounts[cc->n_mounts++] =
                        (struct cp_mount){.dst = clean, .source = xstrdup(src), .ro = ro, .fd = -1};
        }
}

static int cp_ctr_open(struct store *s, const char *name, struct cp_ctr *cc, struct err *e)
{
        *cc = (struct cp_ctr){.rootfd = -1, .s = s};
        int r = ctr_lookup(s, name, &cc->c, e);
        if (r < 0 || (r = ctr_lock(cc->c, &cc->lk, e)) < 0)
                return r;
        _cleanup_free_ char *cfgp = ctr_gpath(cc->c, "config.json");
        _cleanup_json_ struct json *spec = NULL;
        if ((r = json_parse_file(AT_FDCWD, cfgp, 64u << 20, &spec, e)) < 0)
                return err_wrap(e, "container %s", cc->c->name);
        parse_maps(json_get_path(spec, "linux.uidMappings"), &cc->uidmap, &cc->n_uidmap);
        parse_maps(json_get_path(spec, "linux.gidMappings"), &cc->gidmap, &cc->n_gidmap);
        const struct json *u = json_get_path(spec, "process.user");
        cc->uid = map_or_same(cc->uidmap, cc->n_uidmap, (uint32_t)json_object_get_int(u, "uid", 0));
        cc->gid = map_or_same(cc->gidmap, cc->n_gidmap, (uint32_t)json_object_get_int(u, "gid", 0));
        load_mounts(cc, spec);
        _cleanup_free_ char *path = NULL;
        if ((r = store_container_mount(s, cc->c->id, &path, e)) < 0)
                return r;
        cc->mounted = true;
        cc->rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cc->rootfd < 0)
                return err_errno(e, "opening the rootfs of container %s ('%s')", cc->c->name, path);
        return 0;
}

/* Where a container path lives: the root fd (rootfs or a bind mount's
 * source) and the path relative to it. *ret_ro: the mount is read-only. */
static int cp_ctr_resolve(struct cp_ctr *cc, const char *path, int *ret_fd, char **ret_rel,
                          bool *ret_ro, struct err *e)
{
        _cleanup_free_ char *clean = cp_path_clean(path);
        if (!clean) /* "/.." and the like: ".." stops at the root */
                clean = xstrdup(".");
        struct cp_mount *best = NULL;
        size_t best_len = 0;
        for (size_t i = 0; i < cc->n_mounts; i++) {
                struct cp_mount *m = &cc->mounts[i];
                size_t l = strlen(m->dst);
                if ((STREQ(clean, m->dst) || (str_has_prefix(clean, m->dst) && clean[l] == '/')) &&
                    l > best_len) {
                        best = m;
                        best_len = l;
                }
        }
        *ret_ro = false;
        if (!best) {
                *ret_fd = cc->rootfd;
                *ret_rel = steal_pointer(&clean);
                return 0;
        }
        if (best->fd < 0) {
                best->fd = open(best->source, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (best->fd < 0)
                        return err_errno(e, "opening the source '%s' of mount '/%s'", best->source,
                                         best->dst);
        }
        *ret_fd = best->fd;
        *ret_rel = xstrdup(clean[best_len] ? clean + best_len + 1 : ".");
        *ret_ro = best->ro;
        return 0;
}

/* ---------------------------------------------------------------- the pipe */

struct child_err {
        int code;
        char msg[1024];
};

/* Run write_fn in a forked child that writes a tar to a pipe; extract it
 * here with extract_fn. The child's own error wins unless it only saw the
 * pipe close (then the extractor failed first). */
struct cp_job {
        int objfd;
        const char *name;
        const struct cp_tar_out_opts *out;
        int rootfd;
        const char *dest;
        const struct cp_tar_in_opts *in;
};

static int run_pipe(const struct cp_job *j, struct err *e)
{
        int data[2], errp[2];
        if (pipe2(data, O_CLOEXEC) < 0)
                return err_errno(e, "pipe");
        if (pipe2(errp, O_CLOEXEC) < 0) {
                int r = err_errno(e, "pipe");
                close(data[0]);
                close(data[1]);
                return r;
        }
        pid_t pid = fork();
        if (pid < 0) {
                int r = err_errno(e, "fork");
                close(data[0]);
                close(data[1]);
                close(errp[0]);
                close(errp[1]);
                return r;
        }
        if (pid == 0) {
                close(data[0]);
                close(errp[0]);
                signal(SIGPIPE, SIG_DFL);
                struct err ce = {0};
                if (cp_tar_write(j->objfd, j->name, j->out, data[1], &ce) < 0) {
                        struct child_err m = {.code = ce.code};
                        snprintf(m.msg, sizeof(m.msg), "%s", ce.msg ? ce.msg : "failed");
                        (void)!write(errp[1], &m, sizeof(m));
                        _exit(1);
                }
                _exit(0);
        }
        close(data[1]);
        close(errp[1]);
        struct err pe = {0};
        int r = cp_tar_extract(data[0], j->rootfd, j->dest, j->in, &pe);
        close(data[0]);
        struct child_err m = {0};
        ssize_t n;
        do
                n = read(errp[0], &m, sizeof(m));
        while (n < 0 && errno == EINTR);
        close(errp[0]);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        bool child_failed = n == (ssize_t)sizeof(m) && m.code != EPIPE;
        if (child_failed) {
                err_done(&pe);
                m.msg[sizeof(m.msg) - 1] = '\0';
                return err_set(e, m.code ? m.code : EIO, "%s", m.msg);
        }
        if (r < 0)
                return err_move(e, &pe);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return err_set(e, EIO, "writing the tar stream failed");
        return 0;
}

/* ---------------------------------------------------------------- cp */

static const char *last_component(const char *clean)
{
        const char *s = strrchr(clean, '/');
        return s ? s + 1 : clean;
}

/* Allocates: an absolute host path for a path typed relative to the cwd. */
static char *host_abs(const char *p)
{
        if (p[0] == '/')
                return xstrdup(p);
        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        return xasprintf("%s/%s", cwd ? cwd : ".", p);
}

/* Open what a source path names (an O_PATH fd): the last component's link
 * is followed with follow or when the path ends in "/" (or "/."). */
static int open_src(int rootfd, const char *typed, const char *rel, bool follow,
                    struct cp_src_info *ret_info, struct err *e)
{
        bool slash = str_has_suffix(typed, "/") || str_has_suffix(typed, "/.") || STREQ(typed, ".");
        ret_info->contents = str_has_suffix(typed, "/.") || STREQ(typed, ".");
        int fd;
        if (STREQ(rel, ".")) {
                fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
        } else {
                fd = fs_open_in_root(rootfd, rel, O_PATH | (follow || slash ? 0 : O_NOFOLLOW), 0,
                                     NULL);
                if (fd < 0)
                        return fd;
        }
        struct stat st;
        if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        ret_info->is_dir = S_ISDIR(st.st_mode);
        if (slash && !ret_info->is_dir) {
                close(fd);
                return err_set(e, ENOTDIR, "\"%s\": not a directory", typed);
        }
        return fd;
}

/* What the destination path (relative to rootfd) is; symlinks followed
 * inside the root, as docker resolves a destination. */
static void dst_info(int rootfd, const char *rel, struct cp_dst_info *ret)
{
        *ret = (struct cp_dst_info){0};
        struct stat st;
        _cleanup_close_ int fd = STREQ(rel, ".")
                                         ? openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)
                                         : fs_open_in_root(rootfd, rel, O_PATH, 0, NULL);
        if (fd >= 0 && fstatat(fd, "", &st, AT_EMPTY_PATH) == 0) {
                ret->exists = true;
                ret->is_dir = S_ISDIR(st.st_mode);
                ret->parent_is_dir = true;
                return;
        }
        const char *slash = strrchr(rel, '/');
        _cleanup_free_ char *dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup(".");
        _cleanup_close_ int pfd =
                STREQ(dir, ".") ? openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)
                                : fs_open_in_root(rootfd, dir, O_PATH | O_DIRECTORY, 0, NULL);
        ret->parent_is_dir = pfd >= 0;
}

static int not_found(int r, const char *path, const char *where, struct err *e)
{
        if (e && e->code)
                return -e->code;
        return err_errnum(e, r, "\"%s\" could not be found on %s", path, where);
}

static int cp_from_ctr(struct cp_ctr *cc, const char *src, const char *dst,
                       const struct container_cp_opts *o, int out_fd, struct err *e)
{
        int rootfd;
        _cleanup_free_ char *rel = NULL;
        bool ro;
        int r = cp_ctr_resolve(cc, src, &rootfd, &rel, &ro, e);
        if (r < 0)
                return r;
        struct cp_src_info si;
        _cleanup_free_ char *where = xasprintf("container %s", cc->c->name);
        _cleanup_close_ int objfd = open_src(rootfd, src, rel, o->follow_link, &si, e);
        if (objfd < 0)
                return not_found(objfd, src, where, e);
        _cleanup_free_ char *srcclean = cp_path_clean(src);
        const char *base = srcclean ? last_component(srcclean) : ".";
        struct cp_tar_out_opts out = {
                .uidmap = cc->uidmap,
                .n_uidmap = cc->n_uidmap,
                .gidmap = cc->gidmap,
                .n_gidmap = cc->n_gidmap,
        };
        if (STREQ(dst, "-"))
                return cp_tar_write(objfd, si.contents ? "." : base, &out, out_fd, e);

        /* To the host: owned by the user running cp, no device nodes, as
         * podman extracts there. */
        _cleanup_free_ char *hdst = host_abs(dst);
        _cleanup_close_ int hostroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (hostroot < 0)
                return err_errno(e, "open '/'");
        _cleanup_free_ char *hrel = cp_path_clean(hdst);
        struct cp_dst_info di;
        dst_info(hostroot, hrel ? hrel : ".", &di);
        struct cp_plan plan = {0};
        if ((r = cp_plan_make(base, &si, dst, &di, &plan, e)) < 0)
                return r;
        _cleanup_free_ char *destabs = host_abs(plan.dest_dir);
        _cleanup_close_ int destfd = open(destabs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (destfd < 0) {
                r = err_errno(e, "opening the destination directory '%s'", plan.dest_dir);
                cp_plan_done(&plan);
                return r;
        }
        struct cp_tar_in_opts in = {
                .chown = true,
                .uid = getuid(),
                .gid = getgid(),
                .overwrite = o->overwrite,
                .no_devices = true,
        };
        struct cp_job j = {.objfd = objfd,
                           .name = plan.name,
                           .out = &out,
                           .rootfd = destfd,
                           .dest = ".",
                           .in = &in};
        r = run_pipe(&j, e);
        cp_plan_done(&plan);
        return r;
}

static int cp_to_ctr(struct cp_ctr *cc, const struct config *cfg, const char *src, const char *dst,
                     const struct container_cp_opts *o, int in_fd, struct err *e)
{
        struct cp_tar_in_opts in = {
                .chown = o->archive,
                .uid = cc->uid,
                .gid = cc->gid,
                .overwrite = o->overwrite,
                .no_devices = cfg->user.rootless,
        };
        int r;
        if (STREQ(src, "-")) {
                /* A tar from stdin goes into an existing directory; its ids
                 * are the container's. */
                int rootfd;
                _cleanup_free_ char *rel = NULL;
                bool ro;
                if ((r = cp_ctr_resolve(cc, dst, &rootfd, &rel, &ro, e)) < 0)
                        return r;
                if (ro)
                        return err_set(e, EROFS, "\"%s\" is on a read-only mount of container %s",
                                       dst, cc->c->name);
                struct cp_dst_info di;
                dst_info(rootfd, rel, &di);
                if (!di.exists || !di.is_dir)
                        return err_set(e, di.exists ? ENOTDIR : ENOENT,
                                       "destination \"%s\" must be a directory when copying "
                                       "from stdin",
                                       dst);
                in.uidmap = cc->uidmap;
                in.n_uidmap = cc->n_uidmap;
                in.gidmap = cc->gidmap;
                in.n_gidmap = cc->n_gidmap;
                return cp_tar_extract(in_fd, rootfd, rel, &in, e);
        }

        /* From the host: a host symlink given as SRC is followed, as podman
         * does; links inside a copied directory stay links. */
        _cleanup_free_ char *hsrc = host_abs(src);
        _cleanup_close_ int hostroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (hostroot < 0)
                return err_errno(e, "open '/'");
        _cleanup_free_ char *hrel = cp_path_clean(hsrc);
        struct cp_src_info si;
        _cleanup_close_ int objfd = open_src(hostroot, src, hrel ? hrel : ".", true, &si, e);
        if (objfd < 0)
                return not_found(objfd, src, "the host", e);
        _cleanup_free_ char *srcclean = cp_path_clean(hsrc);
        const char *base = srcclean ? last_component(srcclean) : ".";

        /* The destination decides which root (rootfs or a mount) it is in;
         * the plan's directory then too (a new name right under a mount). */
        int rootfd;
        _cleanup_free_ char *rel = NULL;
        bool ro;
        if ((r = cp_ctr_resolve(cc, dst, &rootfd, &rel, &ro, e)) < 0)
                return r;
        struct cp_dst_info di;
        dst_info(rootfd, rel, &di);
        struct cp_plan plan = {0};
        if ((r = cp_plan_make(base, &si, dst, &di, &plan, e)) < 0)
                return r;
        int droot;
        _cleanup_free_ char *drel = NULL;
        r = cp_ctr_resolve(cc, plan.dest_dir, &droot, &drel, &ro, e);
        if (r >= 0 && ro)
                r = err_set(e, EROFS, "\"%s\" is on a read-only mount of container %s", dst,
                            cc->c->name);
        if (r >= 0) {
                struct cp_job j = {.objfd = objfd,
                                   .name = plan.name,
                                   .out = NULL,
                                   .rootfd = droot,
                                   .dest = drel,
                                   .in = &in};
                r = run_pipe(&j, e);
        }
        cp_plan_done(&plan);
        return r;
}

int engine_container_cp(struct store *s, const struct config *cfg, const char *src, const char *dst,
                        const struct container_cp_opts *o, int in_fd, int out_fd, struct err *e)
{
        _cleanup_free_ char *sctr = NULL, *spath = NULL, *dctr = NULL, *dpath = NULL;
        cp_arg_split(src, &sctr, &spath);
        cp_arg_split(dst, &dctr, &dpath);
        if (sctr && dctr)
                return err_set(e, EINVAL, "copying between containers is not supported");
        if (!sctr && !dctr)
                return err_set(e, EINVAL,
                               "must specify at least one container source: use "
                               "CONTAINER:PATH as SRC or DEST");
        if ((sctr && !*sctr) || (dctr && !*dctr))
                return err_set(e, EINVAL, "invalid container name in \"%s\"", sctr ? src : dst);
        const char *cpath = sctr ? spath : dpath;
        if (!*cpath)
                return err_set(e, EINVAL, "\"%s\": the path in the container is empty",
                               sctr ? src : dst);
        /* Container paths are relative to its root, with or without "/". */
        _cleanup_free_ char *abs = cpath[0] == '/' ? xstrdup(cpath) : xasprintf("/%s", cpath);
        const char *host = sctr ? dpath : spath;
        if (!*host)
                return err_set(e, EINVAL, "the host path is empty");
        struct cp_ctr cc;
        int r = cp_ctr_open(s, sctr ? sctr : dctr, &cc, e);
        if (r >= 0)
                r = sctr ? cp_from_ctr(&cc, abs, host, o, out_fd, e)
                         : cp_to_ctr(&cc, cfg, host, abs, o, in_fd, e);
        cp_ctr_done(&cc);
        return r;
}

/* ---------------------------------------------------------------- export */

int engine_container_export(struct store *s, const char *name, int out_fd, struct err *e)
{
        struct cp_ctr cc;
        int r = cp_ctr_open(s, name, &cc, e);
        if (r >= 0) {
                struct cp_tar_out_opts out = {
                        .uidmap = cc.uidmap,
                        .n_uidmap = cc.n_uidmap,
                        .gidmap = cc.gidmap,
                        .n_gidmap = cc.n_gidmap,
                        .xattrs = true,
                };
                r = cp_tar_write(cc.rootfd, NULL, &out, out_fd, e);
                if (r < 0)
                        err_wrap(e, "exporting container %s", cc.c->name);
        }
        cp_ctr_done(&cc);
        return r;
}

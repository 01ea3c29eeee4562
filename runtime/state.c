/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state directory of a container (see lifecycle-internal.h for its
 * files), its status, and the public state queries.
 *
 * state.json is berth-runtime's own file: later commands read it back, so it
 * holds what they need rather than what `state` prints. Queries (state,
 * list) take no lock: state.json is replaced atomically, and the status is
 * computed from live facts (is the init there, with the same start time?
 * does exec.fifo exist? is the freezer frozen?), never stored.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>

#include "lifecycle-internal.h"

/* rt_status_to_string() is in signal.c, with the other name tables. */

int rt_id_validate(const char *id, struct err *e)
{
        /* The id names a directory under root: no '/', no "." or "..", no
         * leading '-' or '.' (an option or a hidden file), bounded. */
        if (!id || !*id)
                return err_set(e, EINVAL, "invalid container id: it is empty");
        size_t len = strlen(id);
        if (len > RT_ID_MAX)
                return err_set(e, EINVAL, "invalid container id: longer than %d bytes", RT_ID_MAX);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)id[i];
                bool alnum =
                        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                if (alnum || (i > 0 && (c == '_' || c == '.' || c == '+' || c == '-')))
                        continue;
                _cleanup_free_ char *q = rt_quote(id);
                return err_set(e, EINVAL,
                               "invalid container id '%s': it must match "
                               "[A-Za-z0-9][A-Za-z0-9_.+-]*",
                               q);
        }
        return 0;
}

void rt_container_free(struct rt_container *c)
{
        if (!c)
                return;
        lockfile_free(c->lock);
        free(c->id);
        free(c->dir);
        free(c->oci_version);
        free(c->bundle);
        free(c->rootfs);
        free(c->created);
        free(c->owner);
        json_free(c->annotations);
        rt_cgroup_free(c->cgroup);
        free(c);
}

static int not_found(const char *id, struct err *e)
{
        return err_set(e, ENOENT, "container \"%s\" does not exist", id);
}

/* Lock <dir>/lock, then check that it is still the lock file of the
 * directory: a delete may have removed the directory while we waited, and a
 * create may have made a new one under the same id. */
static int lock_dir(const char *id, const char *dir, enum rt_lock_mode mode, struct lockfile **ret,
                    struct err *e)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, RT_LOCK_FILE);
        for (int attempt = 0; attempt < 3; attempt++) {
                _cleanup_(lockfile_freep) struct lockfile *l = NULL;
                struct err e2 = {0};
                int r = lockfile_open(path, false, &l, &e2);
                if (r == -ENOENT || r == -ENOTDIR) {
                        err_done(&e2);
                        return not_found(id, e);
                }
                if (r < 0)
                        return err_move(e, &e2);
                r = mode == RT_LOCK_WRITE ? lockfile_lock(l, e) : lockfile_rlock(l, e);
                if (r < 0)
                        return r;
                struct stat a, b;
                if (fstat(l->fd, &a) < 0)
                        return err_errno(e, "stat '%s'", path);
                if (stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
                        *ret = steal_pointer(&l);
                        return 0;
                }
        }
        return not_found(id, e);
}

/* Remove what a create killed before it wrote state.json left behind. */
static int remove_dir_files(const char *dir, struct err *e)
{
        static const char *const files[] = {RT_STATE_FILE, RT_CONFIG_FILE, RT_FIFO_FILE,
                                            RT_CGROUP_FILE, RT_LOCK_FILE};
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *p = xasprintf("%s/%s", dir, files[i]);
                if (unlink(p) < 0 && errno != ENOENT)
                        return err_errno(e, "remove '%s'", p);
        }
        if (rmdir(dir) < 0 && errno != ENOENT)
                return err_errno(e, "remove '%s'", dir);
        return 0;
}

/* The cgroup a dead create saved in dir (RT_CGROUP_FILE): kill what is in
 * it (an init that never got to its exec) and remove it. */
static void remove_stale_cgroup(const char *dir)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, RT_CGROUP_FILE);
        _cleanup_json_ struct json *j = NULL;
        struct rt_cgroup *cg = NULL;
        struct err e = {0};
        if (json_parse_file(AT_FDCWD, path, RT_STATE_MAX_SIZE, &j, &e) < 0 ||
            rt_cgroup_from_json(j, &cg, &e) < 0) {
                if (e.code != ENOENT)
                        log_warn("'%s': %s", path, e.msg);
                err_done(&e);
                return;
        }
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        if (rt_cgroup_is_active(cg) && rt_cgroup_pids(cg, &pids, &n, NULL) == 0)
                for (size_t i = 0; i < n; i++)
                        (void)kill(pids[i], SIGKILL);
        if (rt_cgroup_destroy(cg, &e) < 0)
                log_warn("removing the cgroup a killed create left: %s", e.msg);
        err_done(&e);
        rt_cgroup_free(cg);
}

/* Under the root lock: dir without state.json and with a free lock is what
 * a create killed midway left: remove it (its cgroup too). EEXIST when it
 * is a container, or a create or delete holds it. */
static int take_over_stale(const char *dir, const char *id, struct err *e)
{
        _cleanup_free_ char *sp = xasprintf("%s/%s", dir, RT_STATE_FILE);
        _cleanup_free_ char *lp = xasprintf("%s/%s", dir, RT_LOCK_FILE);
        _cleanup_(lockfile_freep) struct lockfile *l = NULL;
        if (fs_exists(sp) || lockfile_open(lp, false, &l, NULL) < 0 ||
            lockfile_trylock(l, true, NULL) < 0 || fs_exists(sp))
                return err_set(e, EEXIST, "container \"%s\" already exists", id);
        log_debug("removing '%s', left by a create that did not finish", dir);
        remove_stale_cgroup(dir);
        return remove_dir_files(dir, e);
}

int rt_container_remove_stale(const struct rt_ctx *ctx, const char *id, struct err *e)
{
        if (rt_id_validate(id, e) < 0)
                return -EINVAL;
        _cleanup_free_ char *rootlock = xasprintf("%s/%s", ctx->root, RT_ROOT_LOCK_FILE);
        _cleanup_(lockfile_freep) struct lockfile *rl = NULL;
        if (lockfile_open(rootlock, false, &rl, e) < 0 || lockfile_lock(rl, e) < 0)
                return -EIO;
        _cleanup_free_ char *dir = xasprintf("%s/%s", ctx->root, id);
        if (!fs_exists(dir))
                return not_found(id, e);
        return take_over_stale(dir, id, e);
}

int rt_container_dir_create(const struct rt_ctx *ctx, const char *id, struct rt_container **ret,
                            struct err *e)
{
        if (rt_id_validate(id, e) < 0)
                return -EINVAL;
        /* Making a directory and locking it are two steps: under the root's
         * lock, so that no other create sees the directory before its lock
         * is held (it would take it for the remains of a dead create). */
        _cleanup_free_ char *rootlock = xasprintf("%s/%s", ctx->root, RT_ROOT_LOCK_FILE);
        _cleanup_(lockfile_freep) struct lockfile *rl = NULL;
        if (lockfile_open(rootlock, false, &rl, e) < 0 || lockfile_lock(rl, e) < 0)
                return -EIO;
        _cleanup_free_ char *dir = xasprintf("%s/%s", ctx->root, id);
        if (mkdir(dir, 0711) < 0) {
                if (errno != EEXIST)
                        return err_errno(e, "create state directory '%s'", dir);
                /* A directory without state.json whose lock nobody holds is
                 * what a create killed midway left: take it over. A create
                 * in progress, or a delete, holds the lock. */
                if (take_over_stale(dir, id, e) < 0)
                        return -EEXIST;
                if (mkdir(dir, 0711) < 0)
                        return err_errno(e, "create state directory '%s'", dir);
        }
        if (chmod(dir, 0711) < 0) { /* mkdir's mode went through the umask */
                int r = err_errno(e, "chmod '%s'", dir);
                rmdir(dir);
                return r;
        }
        struct rt_container *c = xcalloc(1, sizeof(*c));
        c->id = xstrdup(id);
        c->dir = steal_pointer(&dir);
        c->owner_uid = -1;
        if (lock_dir(id, c->dir, RT_LOCK_WRITE, &c->lock, e) < 0) {
                remove_dir_files(c->dir, NULL);
                rt_container_free(c);
                return -EIO;
        }
        *ret = c;
        return 0;
}

static int parse_state(struct rt_container *c, const struct json *j, struct err *e)
{
        const char *file = RT_STATE_FILE;
        if (!j || j->type != JSON_OBJECT)
                return err_set(e, EINVAL, "%s/%s: not a JSON object", c->dir, file);
        int64_t pid = json_object_get_int(j, "pid", -1);
        int64_t st = json_object_get_int(j, "startTime", -1);
        const char *bundle = json_object_get_string(j, "bundle");
        const char *rootfs = json_object_get_string(j, "rootfs");
        if (pid < 0 || pid > INT32_MAX || st < 0 || !bundle || !rootfs)
                return err_set(e, EINVAL, "%s/%s: missing or bad pid, startTime, bundle or rootfs",
                               c->dir, file);
        c->pid = (pid_t)pid;
        c->start_time = (uint64_t)st;
        c->bundle = xstrdup(bundle);
        c->rootfs = xstrdup(rootfs);
        const char *s = json_object_get_string(j, "ociVersion");
        c->oci_version = xstrdup(s ? s : "");
        s = json_object_get_string(j, "created");
        c->created = xstrdup(s ? s : "");
        s = json_object_get_string(j, "owner");
        c->owner = s ? xstrdup(s) : NULL;
        c->owner_uid = json_object_get_int(j, "ownerUid", -1);
        const struct json *a = json_object_get(j, "annotations");
        if (a && a->type == JSON_OBJECT)
                c->annotations = json_copy(a);
        const struct json *ns = json_object_get(j, "namespaces");
        c->userns = json_object_get_bool(ns, "user", false);
        c->pidns = json_object_get_bool(ns, "pid", false);
        c->mntns = json_object_get_bool(ns, "mount", false);
        c->rootless = json_object_get_bool(j, "rootless", false);
        const struct json *hooks = json_object_get(j, "hooks");
        c->hooks = hooks && hooks->type == JSON_ARRAY ? 0 : RT_HOOKS_UNKNOWN;
        for (size_t i = 0; c->hooks != RT_HOOKS_UNKNOWN && i < hooks->arr.len; i++)
                for (int k = 0; k < RT_HOOK_NKINDS; k++)
                        if (hooks->arr.items[i]->type == JSON_STRING &&
                            STREQ(hooks->arr.items[i]->str.s, rt_hook_kind_to_string(k)))
                                c->hooks |= 1u << k;
        const struct json *cg = json_object_get(j, "cgroup");
        if (!cg)
                return err_set(e, EINVAL, "%s/%s: no cgroup", c->dir, file);
        if (rt_cgroup_from_json(cg, &c->cgroup, e) < 0)
                return err_wrap(e, "%s/%s: cgroup", c->dir, file);
        return 0;
}

int rt_container_open(const struct rt_ctx *ctx, const char *id, enum rt_lock_mode mode,
                      struct rt_container **ret, struct err *e)
{
        if (rt_id_validate(id, e) < 0)
                return -EINVAL;
        _cleanup_container_ struct rt_container *c = xcalloc(1, sizeof(*c));
        c->id = xstrdup(id);
        c->dir = xasprintf("%s/%s", ctx->root, id);
        if (mode != RT_LOCK_NONE && lock_dir(id, c->dir, mode, &c->lock, e) < 0)
                return -ENOENT;
        _cleanup_free_ char *path = xasprintf("%s/%s", c->dir, RT_STATE_FILE);
        _cleanup_json_ struct json *j = NULL;
        struct err e2 = {0};
        int r = json_parse_file(AT_FDCWD, path, RT_STATE_MAX_SIZE, &j, &e2);
        if (r == -ENOENT || r == -ENOTDIR) {
                /* No state.json: no container, or one whose create has not
                 * finished yet; neither can be acted on. */
                err_done(&e2);
                return not_found(id, e);
        }
        if (r < 0)
                return err_move(e, &e2);
        if (parse_state(c, j, e) < 0)
                return -EINVAL;
        *ret = steal_pointer(&c);
        return 0;
}

int rt_container_save(const struct rt_container *c, struct err *e)
{
        _cleanup_json_ struct json *j = json_new_object();
        json_object_set_string(j, "ociVersion", c->oci_version ? c->oci_version : "");
        json_object_set_string(j, "id", c->id);
        json_object_set_int(j, "pid", c->pid);
        json_object_set_int(j, "startTime", (int64_t)c->start_time);
        json_object_set_string(j, "bundle", c->bundle);
        json_object_set_string(j, "rootfs", c->rootfs);
        json_object_set_string(j, "created", c->created ? c->created : "");
        if (c->owner)
                json_object_set_string(j, "owner", c->owner);
        if (c->owner_uid >= 0)
                json_object_set_int(j, "ownerUid", c->owner_uid);
        if (c->annotations)
                json_object_set(j, "annotations", json_copy(c->annotations));
        struct json *ns = json_new_object();
        json_object_set_bool(ns, "user", c->userns);
        json_object_set_bool(ns, "pid", c->pidns);
        json_object_set_bool(ns, "mount", c->mntns);
        json_object_set(j, "namespaces", ns);
        json_object_set_bool(j, "rootless", c->rootless);
        if (c->hooks != RT_HOOKS_UNKNOWN) {
                struct json *hooks = json_new_array();
                for (int k = 0; k < RT_HOOK_NKINDS; k++)
                        if (c->hooks & (1u << k))
                                json_array_append(hooks,
                                                  json_new_string(rt_hook_kind_to_string(k)));
                json_object_set(j, "hooks", hooks);
        }
        json_object_set(j, "cgroup", rt_cgroup_to_json(c->cgroup));
        _cleanup_free_ char *text = json_generate(j, JSON_GEN_NEWLINE);
        _cleanup_free_ char *path = xasprintf("%s/%s", c->dir, RT_STATE_FILE);
        return fs_write_atomic_volatile(AT_FDCWD, path, text, strlen(text), 0644, e);
}

int rt_proc_stat(pid_t pid, uint64_t *ret_start_time, char *ret_state)
{
        char path[64], buf[1024];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return n == 0 ? -ESRCH : -errno;
        buf[n] = 0;
        /* "pid (comm) S f4 ... f22 ...": comm may hold spaces and ')'. */
        char *p = strrchr(buf, ')');
        if (!p || p[1] != ' ')
                return -EINVAL;
        p += 2;
        char state = *p;
        for (int field = 3; field < 22; field++) {
                p = strchr(p, ' ');
                if (!p)
                        return -EINVAL;
                p++;
        }
        char *end;
        errno = 0;
        unsigned long long st = strtoull(p, &end, 10);
        if (errno || end == p)
                return -EINVAL;
        if (ret_start_time)
                *ret_start_time = st;
        if (ret_state)
                *ret_state = state;
        return 0;
}

bool rt_container_alive(const struct rt_container *c)
{
        if (c->pid <= 0)
                return false;
        uint64_t st;
        char state;
        if (rt_proc_stat(c->pid, &st, &state) < 0)
                return false;
        /* A zombie has exited (its parent has not reaped it yet); a
         * different start time means the pid now names another process. */
        return st == c->start_time && state != 'Z' && state != 'X' && state != 'x';
}

enum rt_status rt_container_status(const struct rt_container *c)
{
        if (!rt_container_alive(c))
                return RT_STATUS_STOPPED;
        _cleanup_free_ char *fifo = xasprintf("%s/%s", c->dir, RT_FIFO_FILE);
        if (fs_exists(fifo))
                return RT_STATUS_CREATED;
        bool frozen = false;
        if (c->cgroup && rt_cgroup_is_active(c->cgroup) &&
            rt_cgroup_is_frozen(c->cgroup, &frozen, NULL) == 0 && frozen)
                return RT_STATUS_PAUSED;
        return RT_STATUS_RUNNING;
}

int rt_container_remove(const struct rt_container *c, struct err *e)
{
        return remove_dir_files(c->dir, e);
}

int rt_container_load_spec(const struct rt_container *c, struct rt_spec **ret, struct err *e)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", c->dir, RT_CONFIG_FILE);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, path, RT_SPEC_MAX_SIZE, &buf, &len, e) < 0)
                return -EIO;
        /* Quietly: create gave its warnings already. */
        if (rt_spec_parse_flags(buf, len, RT_SPEC_QUIET, ret, e) < 0)
                return err_wrap(e, "%s", path);
        return 0;
}

int rt_container_load_hooks(const struct rt_container *c, enum rt_hook_kind kind,
                            struct rt_spec **ret, struct err *e)
{
        /* The state says which kinds the spec has (create recorded them):
         * without, no need to read config.json at all. */
        if (c->hooks != RT_HOOKS_UNKNOWN && !(c->hooks & (1u << kind))) {
                *ret = NULL;
                return 0;
        }
        /* Only a look at the JSON's hooks when there are none: a full parse
         * would repeat the parser's warnings for every start and delete, and
         * build the seccomp profile's hundreds of names for nothing. */
        static const char *const keys[] = {"hooks", NULL};
        _cleanup_free_ char *path = xasprintf("%s/%s", c->dir, RT_CONFIG_FILE);
        _cleanup_json_ struct json *doc = NULL;
        if (json_parse_file_only(AT_FDCWD, path, RT_SPEC_MAX_SIZE, keys, &doc, e) < 0)
                return -EIO;
        const struct json *hooks = json_object_get(doc, "hooks");
        const struct json *list = json_object_get(hooks, rt_hook_kind_to_string(kind));
        if (!list || list->type != JSON_ARRAY || list->arr.len == 0) {
                *ret = NULL;
                return 0;
        }
        return rt_container_load_spec(c, ret, e);
}

struct json *rt_container_state_json(const struct rt_container *c, enum rt_status status)
{
        struct json *j = json_new_object();
        json_object_set_string(j, "ociVersion", RT_OCI_VERSION);
        json_object_set_string(j, "id", c->id);
        json_object_set_string(j, "status", rt_status_to_string(status));
        json_object_set_int(j, "pid", status == RT_STATUS_STOPPED ? 0 : c->pid);
        json_object_set_string(j, "bundle", c->bundle ? c->bundle : "");
        if (c->annotations && c->annotations->obj.len > 0)
                json_object_set(j, "annotations", json_copy(c->annotations));
        return j;
}

/* ------------------------------------------------------------------------
 * Public queries
 * ------------------------------------------------------------------------ */

/* Allocates: the user name of uid, "" when it has none (or is unknown). */
static char *user_name(int64_t uid)
{
        char buf[4096];
        struct passwd pw, *res = NULL;
        if (uid >= 0 && uid <= UINT32_MAX &&
            getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res)
                return xstrdup(res->pw_name);
        return xstrdup("");
}

static struct rt_state *state_from(const struct rt_container *c)
{
        struct rt_state *s = xcalloc(1, sizeof(*s));
        s->id = xstrdup(c->id);
        s->status = rt_container_status(c);
        s->pid = s->status == RT_STATUS_STOPPED ? 0 : c->pid;
        s->bundle = xstrdup(c->bundle);
        s->rootfs = xstrdup(c->rootfs);
        s->created = xstrdup(c->created);
        s->owner = c->owner ? xstrdup(c->owner) : user_name(c->owner_uid);
        s->annotations = c->annotations ? json_copy(c->annotations) : NULL;
        return s;
}

int rt_state_get(const struct rt_ctx *ctx, const char *id, struct rt_state **ret, struct err *e)
{
        _cleanup_container_ struct rt_container *c = NULL;
        if (rt_container_open(ctx, id, RT_LOCK_NONE, &c, e) < 0)
                return -ENOENT;
        *ret = state_from(c);
        return 0;
}

struct json *rt_state_to_json(const struct rt_state *s)
{
        struct json *j = json_new_object();
        json_object_set_string(j, "ociVersion", RT_OCI_VERSION);
        json_object_set_string(j, "id", s->id);
        json_object_set_string(j, "status", rt_status_to_string(s->status));
        json_object_set_int(j, "pid", s->pid);
        json_object_set_string(j, "bundle", s->bundle ? s->bundle : "");
        if (s->annotations && s->annotations->type == JSON_OBJECT && s->annotations->obj.len > 0)
                json_object_set(j, "annotations", json_copy(s->annotations));
        return j;
}

void rt_state_free(struct rt_state *s)
{
        if (!s)
                return;
        free(s->id);
        free(s->bundle);
        free(s->rootfs);
        free(s->created);
        free(s->owner);
        json_free(s->annotations);
        free(s);
}

static int cmp_state(const void *a, const void *b)
{
        const struct rt_state *x = *(struct rt_state *const *)a, *y = *(struct rt_state *const *)b;
        return strcmp(x->id, y->id);
}

int rt_list(const struct rt_ctx *ctx, struct rt_state ***ret, size_t *ret_n, struct err *e)
{
        DIR *d = opendir(ctx->root);
        if (!d) {
                if (errno == ENOENT) {
                        *ret = NULL;
                        *ret_n = 0;
                        return 0;
                }
                return err_errno(e, "open '%s'", ctx->root);
        }
        struct rt_state **v = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (rt_id_validate(de->d_name, NULL) < 0)
                        continue;
                _cleanup_container_ struct rt_container *c = NULL;
                struct err e2 = {0};
                int r = rt_container_open(ctx, de->d_name, RT_LOCK_NONE, &c, &e2);
                if (r < 0) {
                        /* Gone meanwhile, or being created: not listed. */
                        if (r != -ENOENT)
                                log_debug("list: skipping '%s': %s", de->d_name, e2.msg);
                        err_done(&e2);
                        continue;
                }
                xgrow((void **)&v, &cap, n + 1, sizeof(*v));
                v[n++] = state_from(c);
        }
        closedir(d);
        if (n > 1)
                qsort(v, n, sizeof(*v), cmp_state);
        *ret = v;
        *ret_n = n;
        return 0;
}

void rt_state_list_free(struct rt_state **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                rt_state_free(v[i]);
        free(v);
}

/* ------------------------------------------------------------------------
 * The container's processes
 * ------------------------------------------------------------------------ */

/* Every pid of /proc whose namespace ns_name is the one of ref. */
static int pids_in_ns(pid_t ref, const char *ns_name, pid_t **ret, size_t *ret_n, struct err *e)
{
        char path[96];
        struct stat want;
        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)ref, ns_name);
        if (stat(path, &want) < 0)
                return err_errno(e, "stat '%s'", path);
        DIR *d = opendir("/proc");
        if (!d)
                return err_errno(e, "open '/proc'");
        pid_t *v = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                int64_t p;
                if (str_to_int64(de->d_name, &p) < 0 || p <= 0 || p > INT32_MAX)
                        continue;
                struct stat st;
                snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)p, ns_name);
                if (stat(path, &st) < 0 || st.st_dev != want.st_dev || st.st_ino != want.st_ino)
                        continue;
                xgrow((void **)&v, &cap, n + 1, sizeof(*v));
                v[n++] = (pid_t)p;
        }
        closedir(d);
        *ret = v;
        *ret_n = n;
        return 0;
}

int rt_container_pids(const struct rt_container *c, pid_t **ret, size_t *ret_n, struct err *e)
{
        if (c->cgroup && rt_cgroup_is_active(c->cgroup))
                return rt_cgroup_pids(c->cgroup, ret, ret_n, e);
        if (!rt_container_alive(c)) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        /* Without a cgroup (rootless here), the container's processes are
         * those in its namespaces. A namespace we share is no criterion: it
         * would take in the host (kill --all would kill everything), so each
         * is checked against ours, whatever state.json says. */
        if (c->pidns && rt_ns_differs(c->pid, RT_NS_PID))
                return pids_in_ns(c->pid, "pid", ret, ret_n, e);
        if (c->mntns && rt_ns_differs(c->pid, RT_NS_MOUNT))
                return pids_in_ns(c->pid, "mnt", ret, ret_n, e);
        pid_t *v = xmalloc(sizeof(*v));
        v[0] = c->pid;
        *ret = v;
        *ret_n = 1;
        return 0;
}

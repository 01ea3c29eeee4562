/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opening a store: the directories and lock files containers/storage 1.43
 * creates (STORAGE-FORMAT §1), the driver, the lock order, accessors and
 * the small helpers the other files of storage/ share.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "store-private.h"

/* ---------------------------------------------------------------- helpers */

char *storage_time_now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char base[32];
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        if (ts.tv_nsec == 0)
                return xasprintf("%sZ", base);
        /* Go's RFC3339Nano drops trailing zeros of the fraction. */
        char frac[16];
        snprintf(frac, sizeof(frac), "%09ld", ts.tv_nsec);
        size_t n = strlen(frac);
        while (n > 0 && frac[n - 1] == '0')
                frac[--n] = '\0';
        return xasprintf("%s.%sZ", base, frac);
}

int storage_random_bytes(void *buf, size_t len, struct err *e)
{
        unsigned char *p = buf;
        while (len > 0) {
                ssize_t n = getrandom(p, len, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return err_errno(e, "getrandom");
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

char *storage_random_id(void)
{
        unsigned char b[32];
        /* getrandom without GRND_NONBLOCK only fails for bad arguments. */
        if (storage_random_bytes(b, sizeof(b), NULL) < 0)
                abort();
        char *hex = xmalloc(2 * sizeof(b) + 1);
        for (size_t i = 0; i < sizeof(b); i++)
                snprintf(hex + 2 * i, 3, "%02x", b[i]);
        return hex;
}

char *store_new_id(void)
{
        return storage_random_id();
}

char *storage_base64(const void *data, size_t len)
{
        static const char tbl[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const unsigned char *p = data;
        char *out = xmalloc(4 * ((len + 2) / 3) + 1);
        size_t o = 0;
        size_t i = 0;
        for (; i + 2 < len; i += 3) {
                uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
                out[o++] = tbl[v >> 18 & 63];
                out[o++] = tbl[v >> 12 & 63];
                out[o++] = tbl[v >> 6 & 63];
                out[o++] = tbl[v & 63];
        }
        if (i < len) {
                uint32_t v = (uint32_t)p[i] << 16;
                if (i + 1 < len)
                        v |= (uint32_t)p[i + 1] << 8;
                out[o++] = tbl[v >> 18 & 63];
                out[o++] = tbl[v >> 12 & 63];
                out[o++] = i + 1 < len ? tbl[v >> 6 & 63] : '=';
                out[o++] = '=';
        }
        out[o] = '\0';
        return out;
}

char *storage_big_data_name(const char *key)
{
        /* store.go makeBigDataBaseName: keys of [a-z0-9.] only are safe
         * file names as they are; anything else is encoded. */
        bool plain = *key != '\0';
        for (const char *c = key; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.'))
                        plain = false;
        if (plain)
                return xstrdup(key);
        _cleanup_free_ char *b64 = storage_base64(key, strlen(key));
        return xasprintf("=%s", b64);
}

/* Allocates: every mount point of this mount namespace, in mountinfo
 * order (parents before the mounts on top of them). */
static char **mount_points(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return NULL;
        char **v = NULL;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                /* "id parent major:minor root mountpoint ..."; the kernel
                 * escapes space, tab, newline and backslash as \ooo. */
                char *save = NULL;
                char *tok = strtok_r(line, " ", &save);
                for (int i = 0; tok && i < 4; i++)
                        tok = strtok_r(NULL, " ", &save);
                if (!tok)
                        continue;
                char *w = tok;
                for (char *r = tok; *r; r++) {
                        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] && r[3]) {
                                *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                                r += 3;
                        } else {
                                *w++ = *r;
                        }
                }
                *w = '\0';
                strv_add(&v, tok);
        }
        return v;
}

bool storage_is_mountpoint(const char *path)
{
        /* One statx, not a read of mountinfo (a few of these go with every
         * mount and unmount); mountinfo on kernels before 5.8. */
        struct statx stx;
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
                return false;
        if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
                return stx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
        _cleanup_strv_ char **v = mount_points();
        return strv_contains(v, path);
}

char **storage_mounts_under(const char *dir)
{
        _cleanup_strv_ char **v = mount_points();
        char **out = NULL;
        size_t n = strlen(dir);
        /* Reverse mountinfo order: what was mounted last (on top) first. */
        for (size_t i = strv_length(v); i-- > 0;)
                if (strncmp(v[i], dir, n) == 0 && (v[i][n] == '\0' || v[i][n] == '/'))
                        strv_add(&out, v[i]);
        return out;
}

/* ---------------------------------------------------------------- paths */

char *store_path(const struct store *s, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *rel = xvasprintf(fmt, ap);
        va_end(ap);
        return xasprintf("%s/%s", s->graphroot, rel);
}

char *store_tarsplit_path(const struct store *s, const char *id)
{
        return xasprintf("%s/%s-layers/%s.tar-split.gz", s->graphroot, s->driver, id);
}

char *store_staging_root(const struct store *s)
{
        return xasprintf("%s/berth/staging", s->graphroot);
}

char *store_layer_staging_root(const struct store *s)
{
        /* podman bind-mounts the overlay home onto itself while it runs
         * (T14): a rename from outside it into it fails with EXDEV. */
        if (STREQ(s->driver, "overlay"))
                return xasprintf("%s/.berth-staging", s->home);
        return store_staging_root(s);
}

const char *store_driver(const struct store *s)
{
        return s->driver;
}

const char *store_graphroot(const struct store *s)
{
        return s->graphroot;
}

const char *store_runroot(const struct store *s)
{
        return s->runroot;
}

/* ---------------------------------------------------------------- locks */

static struct records *records_for(struct store *s, unsigned bit)
{
        switch (bit) {
        case LK_LAYERS:
                return &s->layers;
        case LK_MOUNTS:
                return &s->mounts;
        case LK_IMAGES:
                return &s->images;
        case LK_CONTAINERS:
                return &s->containers;
        default:
                return NULL;
        }
}

static const unsigned lock_order[] = {LK_STORAGE, LK_LAYERS, LK_MOUNTS, LK_IMAGES, LK_CONTAINERS};

int store_lock(struct store *s, unsigned mask, struct err *e)
{
        pthread_mutex_lock(&s->mu);
        unsigned taken = 0;
        for (size_t i = 0; i < ARRAY_SIZE(lock_order); i++) {
                unsigned bit = lock_order[i];
                if (!(mask & bit))
                        continue;
                int r = bit == LK_STORAGE ? lockfile_lock(s->storage_lock, e)
                                          : records_lock(records_for(s, bit), e);
                if (r < 0) {
                        /* Release what we hold, in reverse, without saving. */
                        for (size_t j = i; j-- > 0;) {
                                unsigned b = lock_order[j];
                                if (!(taken & b))
                                        continue;
                                if (b == LK_STORAGE)
                                        (void)lockfile_unlock(s->storage_lock, NULL);
                                else
                                        records_abort(records_for(s, b));
                        }
                        pthread_mutex_unlock(&s->mu);
                        return r;
                }
                taken |= bit;
        }
        const unsigned driver_locks = LK_STORAGE | LK_LAYERS | LK_MOUNTS;
        if ((mask & driver_locks) == driver_locks && !(mask & LK_KEEP_INCOMPLETE))
                layers_remove_incomplete(s);
        return 0;
}

int store_unlock(struct store *s, unsigned mask, struct err *e)
{
        int ret = 0;
        struct err tmp = {0};
        for (size_t i = ARRAY_SIZE(lock_order); i-- > 0;) {
                unsigned bit = lock_order[i];
                if (!(mask & bit))
                        continue;
                struct records *rs = bit == LK_STORAGE ? NULL : records_for(s, bit);
                if (rs && rs->dirty && !rs->volatile_state)
                        store_trash_keep(s, rs->path);
                int r = rs ? records_unlock(rs, &tmp) : lockfile_unlock(s->storage_lock, &tmp);
                if (r < 0 && ret == 0) {
                        ret = r;
                        err_move(e, &tmp);
                }
                err_done(&tmp);
        }
        pthread_mutex_unlock(&s->mu);
        return ret;
}

/* ---------------------------------------------------------------- open */

static int mkdir_mode(const char *path, mode_t mode, struct err *e)
{
        if (mkdir(path, mode) < 0 && errno != EEXIST)
                return err_errno(e, "create directory '%s'", path);
        return 0;
}

static int touch_lock_file(const char *path, struct err *e)
{
        /* containers/storage creates lock files 0644 (umask applies) and
         * leaves them empty until the first write. */
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0)
                return err_errno(e, "create lock file '%s'", path);
        return 0;
}

static int write_if_absent(const char *path, const char *content, struct err *e)
{
        if (fs_exists(path))
                return 0;
        return fs_write_atomic(AT_FDCWD, path, content, strlen(content), 0600, e);
}

/* The layout GetStore, load() and LayerStore() create (§1.1, §1.2). */
static int store_make_layout(struct store *s, struct err *e)
{
        const char *g = s->graphroot, *rr = s->runroot, *d = s->driver;
        int r;
        if ((r = fs_mkdir_p(rr, 0700, e)) < 0 || (r = fs_mkdir_p(g, 0700, e)) < 0)
                return r;
        const char *gdirs[] = {"mounts", "tmp", d, NULL, NULL, NULL};
        _cleanup_free_ char *li = xasprintf("%s-images", d);
        _cleanup_free_ char *lc = xasprintf("%s-containers", d);
        _cleanup_free_ char *ll = xasprintf("%s-layers", d);
        gdirs[3] = li;
        gdirs[4] = lc;
        gdirs[5] = ll;
        for (size_t i = 0; i < ARRAY_SIZE(gdirs); i++) {
                _cleanup_free_ char *p = xasprintf("%s/%s", g, gdirs[i]);
                if ((r = mkdir_mode(p, 0700, e)) < 0)
                        return r;
        }
        _cleanup_free_ char *lk = xasprintf("%s-locks", d);
        const char *rdirs[] = {lc, lk, ll};
        for (size_t i = 0; i < ARRAY_SIZE(rdirs); i++) {
                _cleanup_free_ char *p = xasprintf("%s/%s", rr, rdirs[i]);
                if ((r = mkdir_mode(p, 0700, e)) < 0)
                        return r;
        }
        const char *locks[] = {"storage.lock", "userns.lock"};
        for (size_t i = 0; i < ARRAY_SIZE(locks); i++) {
                _cleanup_free_ char *p = xasprintf("%s/%s", g, locks[i]);
                if ((r = touch_lock_file(p, e)) < 0)
                        return r;
        }
        if (STREQ(d, "overlay")) {
                _cleanup_free_ char *l = xasprintf("%s/overlay/l", g);
                if ((r = mkdir_mode(l, 0755, e)) < 0)
                        return r;
                /* A missing marker makes podman scan the whole tree for
                 * fuse-overlayfs traces (trap T3); say what we use. With a
                 * mount program, containers/storage writes "true" at every
                 * start: the layers now hold AUFS whiteouts, so native
                 * overlay must never mount this store again. */
                _cleanup_free_ char *m = xasprintf("%s/overlay/.has-mount-program", g);
                _cleanup_free_ char *cur = NULL;
                if (!s->mount_program)
                        r = write_if_absent(m, "false", e);
                else if (fs_read_file(AT_FDCWD, m, 64, &cur, NULL, NULL) == 0 &&
                         STREQ(cur, "true"))
                        r = 0;
                else
                        r = fs_write_atomic(AT_FDCWD, m, "true", 4, 0600, e);
                if (r < 0)
                        return r;
        } else {
                _cleanup_free_ char *dir = xasprintf("%s/vfs/dir", g);
                if ((r = mkdir_mode(dir, 0700, e)) < 0)
                        return r;
        }
        return 0;
}

/* podman marks a store that once needed fuse-overlayfs and keeps using it
 * there; berth must do the same or the two would mount differently. */
static int choose_mount_program(struct store *s, const struct storage_conf *sc, struct err *e)
{
        if (!STREQ(s->driver, "overlay"))
                return 0;
        if (sc->mount_program && *sc->mount_program) {
                s->mount_program = xstrdup(sc->mount_program);
                return 0;
        }
        _cleanup_free_ char *m = xasprintf("%s/overlay/.has-mount-program", s->graphroot);
        _cleanup_free_ char *buf = NULL;
        if (fs_read_file(AT_FDCWD, m, 64, &buf, NULL, NULL) == 0 && STREQ(buf, "true")) {
                s->mount_program = host_find_program("fuse-overlayfs");
                if (!s->mount_program || !fs_exists(s->mount_program))
                        return err_set(e, ENOENT,
                                       "'%s' says the store needs a mount program, but "
                                       "fuse-overlayfs is not installed",
                                       m);
        }
        return 0;
}

static int store_open_records(struct store *s, struct err *e)
{
        const char *g = s->graphroot, *rr = s->runroot, *d = s->driver;
        struct {
                struct records *r;
                const char *root, *kind, *file, *lock;
                bool mtime;
        } t[] = {
                {&s->layers, g, "layers", "layers.json", "layers.lock", true},
                {&s->mounts, rr, "layers", "mountpoints.json", "mountpoints.lock", false},
                {&s->images, g, "images", "images.json", "images.lock", false},
                {&s->containers, g, "containers", "containers.json", "containers.lock", false},
        };
        for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
                _cleanup_free_ char *p =
                        xasprintf("%s/%s-%s/%s", t[i].root, d, t[i].kind, t[i].file);
                _cleanup_free_ char *l =
                        xasprintf("%s/%s-%s/%s", t[i].root, d, t[i].kind, t[i].lock);
                int r = records_init(t[i].r, p, l, t[i].mtime, e);
                if (r < 0)
                        return r;
        }
        s->mounts.volatile_state = true;
        _cleanup_free_ char *sl = xasprintf("%s/storage.lock", g);
        return lockfile_open(sl, false, &s->storage_lock, e);
}

int store_open(const struct storage_conf *sc, bool rootless, struct store **ret, struct err *e)
{
        if (!sc->graphroot || !*sc->graphroot || !sc->runroot || !*sc->runroot)
                return err_set(e, EINVAL, "opening store: graphroot and runroot must be set");
        if (sc->graphroot[0] != '/' || sc->runroot[0] != '/')
                return err_set(e, EINVAL, "opening store '%s': paths must be absolute",
                               sc->graphroot);
        struct store *s = xcalloc(1, sizeof(*s));
        pthread_mutex_init(&s->mu, NULL);
        s->graphroot = xstrdup(sc->graphroot);
        s->runroot = xstrdup(sc->runroot);
        /* Trailing slashes would make recorded paths differ from podman's. */
        for (char *p = s->graphroot; strlen(p) > 1 && str_has_suffix(p, "/");)
                p[strlen(p) - 1] = '\0';
        for (char *p = s->runroot; strlen(p) > 1 && str_has_suffix(p, "/");)
                p[strlen(p) - 1] = '\0';
        s->rootless = rootless;
        int r = storage_driver_choose(sc, &s->driver, e);
        if (r >= 0)
                r = choose_mount_program(s, sc, e);
        if (r >= 0) {
                s->ops = STREQ(s->driver, "overlay") ? &driver_overlay : &driver_vfs;
                s->home = xasprintf("%s/%s", s->graphroot, s->driver);
                r = store_make_layout(s, e);
        }
        if (r >= 0)
                r = store_open_records(s, e);
        if (r < 0) {
                store_free(s);
                return err_wrap(e, "opening store '%s'", sc->graphroot);
        }
        *ret = s;
        return 0;
}

void store_set_background_discard(struct store *s, bool background)
{
        s->discard_background = background;
}

void store_free(struct store *s)
{
        if (!s)
                return;
        store_discard_background(s);
        records_done(&s->layers);
        records_done(&s->mounts);
        records_done(&s->images);
        records_done(&s->containers);
        lockfile_free(s->storage_lock);
        pthread_mutex_destroy(&s->mu);
        free(s->driver);
        free(s->graphroot);
        free(s->runroot);
        free(s->home);
        free(s->mount_program);
        free(s);
}

/* Re-create the layout after store_wipe removed it, so the handle stays
 * usable: fresh lock files, empty record caches. */
int store_reinit(struct store *s, struct err *e)
{
        records_done(&s->layers);
        records_done(&s->mounts);
        records_done(&s->images);
        records_done(&s->containers);
        lockfile_free(s->storage_lock);
        s->storage_lock = NULL;
        int r = store_make_layout(s, e);
        if (r < 0)
                return r;
        return store_open_records(s, e);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The volume set: berth's own directory in graphroot (see vol-internal.h),
 * its lock, records, creation and podman's inspect object.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "engine.h"
#include "storage.h"
#include "vol-internal.h"

void vol_paths_init(struct store *s, struct vol_paths *ret)
{
        const char *g = store_graphroot(s);
        ret->root = xasprintf("%s/berth/volumes", g);
        ret->lock = xasprintf("%s/berth/volumes.lock", g);
}

void vol_paths_done(struct vol_paths *p)
{
        free(p->root);
        free(p->lock);
        p->root = p->lock = NULL;
}

int vol_lock(const struct vol_paths *p, struct lockfile **ret, struct err *e)
{
        /* 0700 as podman's volumes/: the content may be private. */
        int r = fs_mkdir_p(p->root, 0700, e);
        if (r < 0)
                return r;
        _cleanup_(lockfile_freep) struct lockfile *l = NULL;
        r = lockfile_open(p->lock, false, &l, e);
        if (r >= 0)
                r = lockfile_lock(l, e);
        if (r < 0)
                return r;
        *ret = steal_pointer(&l);
        return 0;
}

int vol_record_load(const struct vol_paths *p, const char *name, struct json **ret, struct err *e)
{
        if (vol_name_check(name, NULL) < 0)
                return err_set(e, ENOENT, "no volume with name \"%s\" found: no such volume", name);
        _cleanup_free_ char *path = xasprintf("%s/%s/%s", p->root, name, VOL_RECORD);
        _cleanup_json_ struct json *rec = NULL;
        struct err pe = {0};
        int r = json_parse_file(AT_FDCWD, path, VOL_RECORD_MAX, &rec, &pe);
        if (r == -ENOENT) {
                err_done(&pe);
                return err_set(e, ENOENT, "no volume with name \"%s\" found: no such volume", name);
        }
        if (r < 0)
                return err_move(e, &pe);
        const char *n = json_object_get_string(rec, "Name");
        if (rec->type != JSON_OBJECT || !n || !STREQ(n, name))
                return err_set(e, EINVAL, "volume record '%s': not a record of volume '%s'", path,
                               name);
        *ret = steal_pointer(&rec);
        return 0;
}

int vol_record_save(const struct vol_paths *p, const struct json *rec, struct err *e)
{
        const char *name = json_object_get_string(rec, "Name");
        _cleanup_free_ char *dir = xasprintf("%s/%s", p->root, name);
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return err_errno(e, "open '%s'", dir);
        _cleanup_free_ char *text = json_generate(rec, JSON_GEN_NEWLINE);
        return fs_write_atomic(dfd, VOL_RECORD, text, strlen(text), 0600, e);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int vol_names(const struct vol_paths *p, char ***ret, struct err *e)
{
        char **names = NULL;
        DIR *d = opendir(p->root);
        if (!d) {
                if (errno != ENOENT)
                        return err_errno(e, "open '%s'", p->root);
                *ret = xcalloc(1, sizeof(char *));
                return 0;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || vol_name_check(de->d_name, NULL) < 0)
                        continue;
                if (faccessat(dirfd(d), de->d_name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                _cleanup_free_ char *rec = xasprintf("%s/%s", de->d_name, VOL_RECORD);
                if (faccessat(dirfd(d), rec, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                        continue; /* a create cut short: no record, not a volume */
                strv_add(&names, de->d_name);
        }
        closedir(d);
        size_t n = strv_length(names);
        if (n)
                qsort(names, n, sizeof(char *), cmp_str);
        *ret = names ? names : xcalloc(1, sizeof(char *));
        return 0;
}

int vol_lookup(const struct vol_paths *p, const char *word, char **ret, struct err *e)
{
        _cleanup_free_ char *rec = xasprintf("%s/%s/%s", p->root, word, VOL_RECORD);
        if (vol_name_check(word, NULL) == 0 && fs_exists(rec)) {
                *ret = xstrdup(word);
                return 0;
        }
        _cleanup_strv_ char **names = NULL;
        int r = vol_names(p, &names, e);
        if (r < 0)
                return r;
        const char *found = NULL;
        for (char **n = names; *word && *n; n++) {
                if (!str_has_prefix(*n, word))
                        continue;
                if (found)
                        return err_set(e, EINVAL,
                                       "more than one result for volume name \"%s\": volume "
                                       "already exists",
                                       word);
                found = *n;
        }
        if (!found)
                return err_set(e, ENOENT, "no volume with name \"%s\" found: no such volume", word);
        *ret = xstrdup(found);
        return 0;
}

int vol_rm_rf(int dfd, const char *name, int depth, struct err *e)
{
        if (depth > 4096)
                return err_set(e, ELOOP, "remove '%s': tree too deep", name);
        if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return err_errno(e, "remove '%s'", name);
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : err_errno(e, "open '%s'", name);
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return err_errno(e, "open '%s'", name);
        }
        int r = 0;
        struct dirent *de;
        while (r == 0 && (de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                r = vol_rm_rf(dirfd(d), de->d_name, depth + 1, e);
        }
        closedir(d);
        if (r == 0 && unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                r = err_errno(e, "remove '%s'", name);
        return r;
}

int vol_dir_remove(const struct vol_paths *p, const char *name, struct err *e)
{
        _cleanup_close_ int rfd = open(p->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rfd < 0)
                return err_errno(e, "open '%s'", p->root);
        /* Never remove through a mount: a bind-mounted host directory or a
         * device's content is not the volume's to delete. */
        _cleanup_free_ char *data = xasprintf("%s/%s/%s", p->root, name, VOL_DATA);
        for (int i = 0; i < 8 && vol_is_mount_root(data); i++)
                if (umount2(data, MNT_DETACH) < 0)
                        break;
        if (vol_is_mount_root(data))
                return err_set(e, EBUSY, "removing volume '%s': '%s' is still a mount point", name,
                               data);
        /* The record goes first: a removal cut short leaves no half volume. */
        _cleanup_free_ char *rec = xasprintf("%s/%s", name, VOL_RECORD);
        if (unlinkat(rfd, rec, 0) < 0 && errno != ENOENT)
                return err_errno(e, "remove '%s/%s'", p->root, rec);
        int r = vol_rm_rf(rfd, name, 0, e);
        return r < 0 ? err_wrap(e, "removing volume '%s'", name) : 0;
}

/* Allocates: 64 random hex digits. */
static char *random_name(void)
{
        unsigned char b[32];
        size_t got = 0;
        while (got < sizeof(b)) {
                ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        abort(); /* the kernel's CSPRNG does not fail after boot */
                got += (size_t)n;
        }
        char *s = xmalloc(65);
        for (size_t i = 0; i < sizeof(b); i++)
                snprintf(s + 2 * i, 3, "%02x", b[i]);
        return s;
}

/* Make the directory, _data and the record of a new volume, under the lock. */
static int volume_make(const struct vol_paths *p, const char *name, struct json *labels,
                       struct vol_options *vo, bool anonymous, struct json **ret, struct err *e)
{
        _cleanup_free_ char *dir = xasprintf("%s/%s", p->root, name);
        if (mkdir(dir, 0700) < 0) {
                if (errno == EEXIST)
                        return err_set(e, EEXIST,
                                       "volume with name %s already exists: volume already exists",
                                       name);
                return err_errno(e, "creating volume directory \"%s\"", dir);
        }
        _cleanup_free_ char *data = xasprintf("%s/%s", dir, VOL_DATA);
        int r = 0;
        if (mkdir(data, 0755) < 0)
                r = err_errno(e, "creating volume directory \"%s\"", data);
        /* uid=/gid= own the volume from the start (podman chowns _data). */
        if (r == 0 && (vo->has_uid || vo->has_gid) &&
            lchown(data, vo->has_uid ? vo->uid : (uid_t)-1, vo->has_gid ? vo->gid : (gid_t)-1) < 0)
                r = err_errno(e, "chown volume '%s' to %u:%u", name, vo->uid, vo->gid);
        _cleanup_json_ struct json *rec = json_new_object();
        if (r == 0) {
                int64_t sec;
                int32_t nsec;
                time_now(&sec, &nsec);
                json_object_set_string(rec, "Name", name);
                json_object_set_string(rec, "Driver", "local");
                json_object_set(rec, "CreatedAt",
                                json_new_string_take(time_format_rfc3339(sec, nsec)));
                json_object_set(rec, "Labels", labels ? json_copy(labels) : json_new_object());
                json_object_set(rec, "Options", json_copy(vo->options));
                if (vo->has_uid)
                        json_object_set_int(rec, "UID", vo->uid);
                if (vo->has_gid)
                        json_object_set_int(rec, "GID", vo->gid);
                json_object_set_bool(rec, "Anonymous", anonymous);
                json_object_set_int(rec, "MountCount", 0);
                json_object_set_bool(rec, "NeedsCopyUp", true);
                json_object_set_bool(rec, "NeedsChown", !vo->has_uid && !vo->has_gid);
                r = vol_record_save(p, rec, e);
        }
        if (r < 0) {
                _cleanup_close_ int rfd = open(p->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (rfd >= 0)
                        (void)vol_rm_rf(rfd, name, 0, NULL);
                return r;
        }
        *ret = steal_pointer(&rec);
        return 0;
}

int engine_volume_create(struct store *s, const struct volume_create_opts *o, char **ret_name,
                         struct err *e)
{
        if (o->driver && *o->driver && !STREQ(o->driver, "local"))
                return err_set(e, ENOTSUP,
                               "volume driver '%s' is not supported: berth has only the local "
                               "driver",
                               o->driver);
        _cleanup_free_ char *name = o->name ? xstrdup(o->name) : random_name();
        int r = vol_name_check(name, e);
        if (r < 0)
                return r;
        _cleanup_json_ struct json *labels = NULL;
        r = vol_labels_parse(o->labels, &labels, e);
        if (r < 0)
                return err_wrap(e, "unable to process labels");
        _cleanup_(vol_options_done) struct vol_options vo = {0};
        r = vol_options_parse(o->options, &vo, e);
        if (r < 0)
                return r;
        struct vol_paths p = {0};
        vol_paths_init(s, &p);
        _cleanup_(lockfile_freep) struct lockfile *l = NULL;
        _cleanup_json_ struct json *rec = NULL;
        r = vol_lock(&p, &l, e);
        if (r == 0)
                r = volume_make(&p, name, labels, &vo, false, &rec, e);
        vol_paths_done(&p);
        if (r == -EEXIST && o->ignore)
                r = 0;
        if (r < 0)
                return r;
        *ret_name = steal_pointer(&name);
        return 0;
}

/* Allocates: podman's inspect object from a record. */
static struct json *inspect_object(const struct vol_paths *p, const struct json *rec)
{
        const char *name = json_object_get_string(rec, "Name");
        struct json *o = json_new_object();
        json_object_set_string(o, "Name", name);
        json_object_set_string(o, "Driver", json_object_get_string(rec, "Driver"));
        json_object_set(o, "Mountpoint",
                        json_new_string_take(xasprintf("%s/%s/%s", p->root, name, VOL_DATA)));
        json_object_set_string(o, "CreatedAt", json_object_get_string(rec, "CreatedAt"));
        json_object_set(o, "Labels", json_sorted_copy(json_object_get(rec, "Labels")));
        json_object_set_string(o, "Scope", "local");
        json_object_set(o, "Options", json_sorted_copy(json_object_get(rec, "Options")));
        /* podman's omitempty fields appear only when set. */
        if (json_object_get(rec, "UID"))
                json_object_set_int(o, "UID", json_object_get_int(rec, "UID", 0));
        if (json_object_get(rec, "GID"))
                json_object_set_int(o, "GID", json_object_get_int(rec, "GID", 0));
        if (json_object_get_bool(rec, "Anonymous", false))
                json_object_set_bool(o, "Anonymous", true);
        json_object_set_int(o, "MountCount", json_object_get_int(rec, "MountCount", 0));
        if (json_object_get_bool(rec, "NeedsCopyUp", false))
                json_object_set_bool(o, "NeedsCopyUp", true);
        if (json_object_get_bool(rec, "NeedsChown", false))
                json_object_set_bool(o, "NeedsChown", true);
        return o;
}

/* Allocates: the inspect object of the volume a word names, read without
 * the lock (records are replaced atomically). */
int vol_inspect_word(const struct vol_paths *p, const char *word, struct json **ret, struct err *e)
{
        _cleanup_free_ char *name = NULL;
        _cleanup_json_ struct json *rec = NULL;
        int r = vol_lookup(p, word, &name, e);
        if (r == 0)
                r = vol_record_load(p, name, &rec, e);
        if (r < 0)
                return r;
        *ret = inspect_object(p, rec);
        return 0;
}

int engine_volume_inspect(struct store *s, const char *name, struct json **ret, struct err *e)
{
        struct vol_paths p = {0};
        vol_paths_init(s, &p);
        int r = vol_inspect_word(&p, name, ret, e);
        vol_paths_done(&p);
        return r;
}

void engine_volume_free(struct engine_volume *v)
{
        if (!v)
                return;
        free(v->name);
        free(v->data);
        free(v->lock_path);
        free(v->dir);
        free(v);
}

/* Refresh v's flags from a record. */
void vol_flags_from_record(struct engine_volume *v, const struct json *rec)
{
        const struct json *opts = json_object_get(rec, "Options");
        bool nocopy = opts && json_object_get(opts, "nocopy");
        v->needs_copy_up = json_object_get_bool(rec, "NeedsCopyUp", false) && !nocopy;
        v->needs_chown = json_object_get_bool(rec, "NeedsChown", false);
        struct vol_options vo = {0};
        if (vol_options_from_record(opts, &vo, NULL) == 0)
                v->needs_mount = vo.needs_mount;
        vol_options_done(&vo);
}

int vol_set_lock(struct store *s, struct lockfile **ret, struct err *e)
{
        struct vol_paths p = {0};
        vol_paths_init(s, &p);
        int r = vol_lock(&p, ret, e);
        vol_paths_done(&p);
        return r;
}

int engine_volume_get_or_create(struct store *s, const char *name, struct engine_volume **ret,
                                struct err *e)
{
        return vol_get_or_create_held(s, name, NULL, ret, e);
}

int vol_get_or_create_held(struct store *s, const char *name, struct lockfile *held,
                           struct engine_volume **ret, struct err *e)
{
        _cleanup_free_ char *n = name ? xstrdup(name) : random_name();
        int r = vol_name_check(n, e);
        if (r < 0)
                return r;
        struct vol_paths p = {0};
        vol_paths_init(s, &p);
        _cleanup_(lockfile_freep) struct lockfile *l = NULL;
        _cleanup_json_ struct json *rec = NULL;
        bool created = false;
        r = held ? 0 : vol_lock(&p, &l, e);
        if (r == 0) {
                struct err le = {0};
                r = vol_record_load(&p, n, &rec, &le);
                if (r == -ENOENT) {
                        err_done(&le);
                        struct vol_options vo = {.options = json_new_object()};
                        r = volume_make(&p, n, NULL, &vo, name == NULL, &rec, e);
                        vol_options_done(&vo);
                        created = r == 0;
                } else if (r < 0) {
                        err_move(e, &le);
                }
        }
        if (r < 0) {
                vol_paths_done(&p);
                return r;
        }
        struct engine_volume *v = xcalloc(1, sizeof(*v));
        v->name = steal_pointer(&n);
        v->dir = xasprintf("%s/%s", p.root, v->name);
        v->data = xasprintf("%s/%s", v->dir, VOL_DATA);
        v->lock_path = xstrdup(p.lock);
        v->created = created;
        vol_flags_from_record(v, rec);
        vol_paths_done(&p);
        *ret = v;
        return 0;
}

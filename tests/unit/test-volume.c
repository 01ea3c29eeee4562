/* SPDX-License-Identifier: Apache-2.0 */
/* Named volumes: names, labels, local-driver options, the volume set on
 * disk, and copy-up (never following a link out of the rootfs). */
#include "unit.h"
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>

#include "ctr-opts.h"
#include "engine.h"
#include "storage.h"
#include "vol-internal.h"

/* ---------------------------------------------------------------- names */

static void test_names(void **state)
{
        (void)state;
        const char *good[] = {"a", "myvol", "A1", "0", "a.b-c_d", "a..", "x-"};
        for (size_t i = 0; i < ARRAY_SIZE(good); i++)
                assert_int_equal(vol_name_check(good[i], NULL), 0);
        const char *bad[] = {"",   "../x", "a/b",  "..",  ".", ".x",   "-x",
                             "_x", "a b",  "a\nb", "a:b", "é", "a\\b", "/abs"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct err e = {0};
                assert_int_equal(vol_name_check(bad[i], &e), -EINVAL);
                assert_non_null(strstr(e.msg, "[a-zA-Z0-9][a-zA-Z0-9_.-]*"));
                err_done(&e);
        }
        char longname[301];
        memset(longname, 'a', 300);
        longname[300] = '\0';
        struct err e = {0};
        assert_int_equal(vol_name_check(longname, &e), -EINVAL);
        assert_non_null(strstr(e.msg, "at most 255"));
        err_done(&e);
        longname[255] = '\0';
        assert_int_equal(vol_name_check(longname, NULL), 0);
}

static void test_labels(void **state)
{
        (void)state;
        char *in[] = {"a=b=c", "x", "a=d", "e=", NULL};
        _cleanup_json_ struct json *l = NULL;
        assert_int_equal(vol_labels_parse(in, &l, NULL), 0);
        assert_string_equal(json_object_get_string(l, "a"), "d");
        assert_string_equal(json_object_get_string(l, "x"), "");
        assert_string_equal(json_object_get_string(l, "e"), "");
        char *bad[] = {"=b", NULL};
        struct err e = {0};
        _cleanup_json_ struct json *l2 = NULL;
        assert_int_equal(vol_labels_parse(bad, &l2, &e), -EINVAL);
        assert_non_null(strstr(e.msg, "\"=b\""));
        err_done(&e);
}

/* ---------------------------------------------------------------- options */

static void test_options_plain(void **state)
{
        (void)state;
        struct vol_options o = {0};
        assert_int_equal(vol_options_parse(NULL, &o, NULL), 0);
        assert_false(o.needs_mount);
        assert_int_equal(o.options->obj.len, 0);
        vol_options_done(&o);

        char *uid[] = {"o=uid=1000,gid=5", NULL};
        assert_int_equal(vol_options_parse(uid, &o, NULL), 0);
        assert_false(o.needs_mount);
        assert_true(o.has_uid && o.has_gid);
        assert_int_equal(o.uid, 1000);
        assert_int_equal(o.gid, 5);
        assert_string_equal(json_object_get_string(o.options, "UID"), "1000");
        assert_string_equal(json_object_get_string(o.options, "GID"), "5");
        assert_string_equal(json_object_get_string(o.options, "o"), "uid=1000,gid=5");
        vol_options_done(&o);

        /* The last -o o= wins, as podman's option map. */
        char *twice[] = {"o=gid=5", "o=uid=4", NULL};
        assert_int_equal(vol_options_parse(twice, &o, NULL), 0);
        assert_true(o.has_uid);
        assert_false(o.has_gid);
        vol_options_done(&o);

        char *copy[] = {"nocopy", "copy=x", "TYPE=", NULL};
        assert_int_equal(vol_options_parse(copy, &o, NULL), 0);
        assert_true(o.nocopy);
        assert_false(o.needs_mount);
        assert_non_null(json_object_get(o.options, "type"));
        vol_options_done(&o);
}

static void test_options_tmpfs(void **state)
{
        (void)state;
        struct vol_options o = {0};
        char *t[] = {"type=tmpfs", "device=tmpfs", "o=size=64m,uid=1000,nodev,noexec,mode=0755",
                     NULL};
        assert_int_equal(vol_options_parse(t, &o, NULL), 0);
        assert_true(o.needs_mount);
        assert_string_equal(o.type, "tmpfs");
        assert_string_equal(o.device, "tmpfs");
        assert_true(o.mount_flags & MS_NODEV);
        assert_true(o.mount_flags & MS_NOEXEC);
        assert_false(o.mount_flags & MS_RDONLY);
        assert_string_equal(o.mount_data, "size=64m,uid=1000,mode=0755");
        assert_int_equal(o.uid, 1000);
        vol_options_done(&o);

        char *bind[] = {"device=/srv/x", "o=bind,ro", NULL};
        assert_int_equal(vol_options_parse(bind, &o, NULL), 0);
        assert_true(o.needs_mount);
        assert_true(o.mount_flags & MS_BIND);
        assert_true(o.mount_flags & MS_RDONLY);
        assert_null(o.mount_data);
        vol_options_done(&o);

        /* Round trip through a record. */
        char *rt[] = {"type=tmpfs", "device=tmpfs", "o=uid=7,nosuid", NULL};
        assert_int_equal(vol_options_parse(rt, &o, NULL), 0);
        struct vol_options o2 = {0};
        assert_int_equal(vol_options_from_record(o.options, &o2, NULL), 0);
        assert_true(o2.needs_mount && o2.has_uid && o2.uid == 7);
        assert_int_equal(o2.mount_flags, o.mount_flags);
        assert_string_equal(o2.mount_data, o.mount_data);
        vol_options_done(&o2);
        vol_options_done(&o);
}

static void expect_bad(char **opts, const char *words)
{
        struct vol_options o = {0};
        struct err e = {0};
        assert_int_equal(vol_options_parse(opts, &o, &e), -EINVAL);
        if (!strstr(e.msg, words))
                fail_msg("error '%s' lacks '%s'", e.msg, words);
        err_done(&e);
        assert_null(o.options);
}

static void test_options_bad(void **state)
{
        (void)state;
        expect_bad((char *[]){"foo=bar", NULL}, "invalid mount option foo for driver 'local'");
        expect_bad((char *[]){"o=uid=abc", NULL}, "cannot convert UID abc");
        expect_bad((char *[]){"o=gid=-1", NULL}, "cannot convert GID -1");
        expect_bad((char *[]){"o=uid=99999999999", NULL}, "cannot convert UID");
        expect_bad((char *[]){"o=size=64m", NULL}, "only with type=tmpfs");
        expect_bad((char *[]){"o=noexec", NULL}, "needs device=");
        expect_bad((char *[]){"type=tmpfs", NULL}, "needs device=");
        expect_bad((char *[]){"device=/dev/sda1", NULL}, "needs type=");
        expect_bad((char *[]){"device=rel", "o=bind", NULL}, "absolute device path");
        expect_bad((char *[]){"type=tmpfs", "device=tmpfs", "o=remount", NULL}, "not allowed");
        expect_bad((char *[]){"nocopy=1", NULL}, "takes no value");
        expect_bad((char *[]){"type=tmpfs", "device=tmpfs", "o=noquota", NULL}, "noquota");
}

/* ---------------------------------------------------------------- the set */

struct fx {
        char *tmp;
        struct store *s;
};

static int fx_setup(void **state)
{
        struct fx *f = xcalloc(1, sizeof(*f));
        f->tmp = unit_tmpdir();
        _cleanup_free_ char *root = xasprintf("%s/root", f->tmp);
        _cleanup_free_ char *run = xasprintf("%s/run", f->tmp);
        struct storage_conf sc = {.driver = "vfs", .graphroot = root, .runroot = run};
        struct err e = {0};
        if (store_open(&sc, false, &f->s, &e) < 0)
                fail_msg("store_open: %s", e.msg);
        *state = f;
        return 0;
}

static int fx_teardown(void **state)
{
        struct fx *f = *state;
        store_free(f->s);
        unit_rmtree(f->tmp);
        free(f->tmp);
        free(f);
        return 0;
}

static void test_create_list_rm(void **state)
{
        struct fx *f = *state;
        struct err e = {0};
        char *name = NULL;
        struct volume_create_opts co = {.name = "vol1", .labels = (char *[]){"k=v", NULL}};
        assert_int_equal(engine_volume_create(f->s, &co, &name, &e), 0);
        assert_string_equal(name, "vol1");
        free(name);
        /* Not podman's <graphroot>/volumes: berth's own directory. */
        _cleanup_free_ char *data = xasprintf("%s/root/berth/volumes/vol1/_data", f->tmp);
        _cleanup_free_ char *podman = xasprintf("%s/root/volumes/vol1", f->tmp);
        assert_true(fs_exists(data));
        assert_false(fs_exists(podman));

        assert_int_equal(engine_volume_create(f->s, &co, &name, &e), -EEXIST);
        assert_non_null(strstr(e.msg, "already exists"));
        err_done(&e);
        co.ignore = true;
        assert_int_equal(engine_volume_create(f->s, &co, &name, &e), 0);
        free(name);

        struct volume_create_opts anon = {0};
        assert_int_equal(engine_volume_create(f->s, &anon, &name, &e), 0);
        assert_true(digest_is_hex64(name));
        free(name);

        struct volume_create_opts drv = {.name = "v2", .driver = "nfs"};
        assert_int_equal(engine_volume_create(f->s, &drv, &name, &e), -ENOTSUP);
        err_done(&e);

        _cleanup_json_ struct json *items = NULL;
        assert_int_equal(engine_volumes_list(f->s, (char *[]){"label=k=v", NULL}, &items, &e), 0);
        assert_int_equal(items->arr.len, 1);
        const struct json *it = items->arr.items[0];
        assert_string_equal(json_object_get_string(it, "Mountpoint"), data);
        assert_string_equal(json_object_get_string(it, "Scope"), "local");
        assert_true(json_object_get_bool(it, "NeedsChown", false));

        _cleanup_json_ struct json *bad = NULL;
        assert_int_equal(engine_volumes_list(f->s, (char *[]){"bogus=1", NULL}, &bad, &e), -EINVAL);
        err_done(&e);

        /* A prefix names a volume when unique. */
        _cleanup_json_ struct json *one = NULL;
        assert_int_equal(engine_volume_inspect(f->s, "vo", &one, &e), 0);
        assert_string_equal(json_object_get_string(one, "Name"), "vol1");
        _cleanup_json_ struct json *none = NULL;
        assert_int_equal(engine_volume_inspect(f->s, "../root", &none, &e), -ENOENT);
        err_done(&e);

        char **removed = NULL, **more = NULL;
        assert_int_equal(engine_volumes_remove(f->s, (char *[]){"nope", "vol1", NULL}, NULL,
                                               &removed, &more, &e),
                         -ENOENT);
        err_done(&e);
        assert_string_equal(removed[0], "vol1");
        assert_null(more);
        strv_free(removed);
        assert_false(fs_exists(data));

        char **pruned = NULL;
        assert_int_equal(engine_volumes_prune(f->s, NULL, false, &pruned, &e), 0);
        assert_int_equal(strv_length(pruned), 1);
        strv_free(pruned);
}

/* ---------------------------------------------------------------- copy-up */

static void write_file(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
}

static char *read_text(const char *path)
{
        char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, path, 0, &buf, &len, NULL) < 0)
                return NULL;
        return buf;
}

static void test_copy_up(void **state)
{
        struct fx *f = *state;
        struct err e = {0};
        /* A rootfs with /data holding files, a subdir, links in and out. */
        _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", f->tmp);
        _cleanup_free_ char *outside = xasprintf("%s/outside", f->tmp);
        char *p = NULL;
        assert_int_equal(fs_mkdir_p(rootfs, 0755, NULL), 0);
        assert_int_equal(fs_mkdir_p(outside, 0755, NULL), 0);
        p = xasprintf("%s/secret", outside);
        write_file(p, "host secret");
        free(p);
        p = xasprintf("%s/data/sub", rootfs);
        assert_int_equal(fs_mkdir_p(p, 0755, NULL), 0);
        free(p);
        p = xasprintf("%s/data", rootfs);
        assert_int_equal(chmod(p, 0710), 0);
        free(p);
        p = xasprintf("%s/data/file", rootfs);
        write_file(p, "hello");
        assert_int_equal(chmod(p, 0604), 0);
        (void)setxattr(p, "user.test", "v", 1, 0);
        _cleanup_free_ char *hl = xasprintf("%s/data/sub/hard", rootfs);
        assert_int_equal(link(p, hl), 0);
        free(p);
        p = xasprintf("%s/data/abs-escape", rootfs);
        assert_int_equal(symlink(outside, p), 0);
        free(p);
        p = xasprintf("%s/data/rel-escape", rootfs);
        assert_int_equal(symlink("../../../outside/secret", p), 0);
        free(p);
        /* A mount point that is itself a link out of the rootfs: resolved
         * inside the rootfs (where it leads nowhere), never on the host. */
        p = xasprintf("%s/escape", rootfs);
        assert_int_equal(symlink(outside, p), 0);
        free(p);
        p = xasprintf("%s/updir", rootfs);
        assert_int_equal(symlink("../../outside", p), 0);
        free(p);

        _cleanup_close_ int rfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(rfd >= 0);

        /* The escaping mount points copy nothing and mark the volume copied. */
        const char *escapes[] = {"/escape", "/updir", "/../outside"};
        for (size_t i = 0; i < ARRAY_SIZE(escapes); i++) {
                _cleanup_(engine_volume_freep) struct engine_volume *v = NULL;
                _cleanup_free_ char *vn = xasprintf("esc%zu", i);
                assert_int_equal(engine_volume_get_or_create(f->s, vn, &v, &e), 0);
                assert_true(v->created && v->needs_copy_up);
                assert_int_equal(engine_volume_copy_up(v, rfd, escapes[i], &e), 0);
                assert_false(v->needs_copy_up);
                _cleanup_free_ char *leak = xasprintf("%s/secret", v->data);
                if (fs_exists(leak))
                        fail_msg("copy-up of '%s' followed a link out of the rootfs", escapes[i]);
        }

        _cleanup_(engine_volume_freep) struct engine_volume *v = NULL;
        assert_int_equal(engine_volume_get_or_create(f->s, "cu", &v, &e), 0);
        assert_true(v->created);
        assert_int_equal(engine_volume_chown(v, 1234, 4321, &e), 0);
        assert_false(v->needs_chown);
        struct stat st;
        assert_int_equal(stat(v->data, &st), 0);
        assert_int_equal(st.st_uid, 1234);
        assert_int_equal(engine_volume_copy_up(v, rfd, "/data", &e), 0);
        assert_false(v->needs_copy_up);

        /* The volume's root takes the image directory's owner and mode. */
        assert_int_equal(stat(v->data, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0710);
        assert_int_equal(st.st_uid, getuid());
        p = xasprintf("%s/file", v->data);
        _cleanup_free_ char *txt = read_text(p);
        assert_string_equal(txt, "hello");
        assert_int_equal(lstat(p, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0604);
        assert_int_equal(st.st_nlink, 2);
        char xv[8];
        ssize_t xl = getxattr(p, "user.test", xv, sizeof(xv));
        if (xl >= 0)
                assert_memory_equal(xv, "v", 1);
        free(p);
        /* Links are copied as links, their targets untouched and not copied. */
        char target[256];
        p = xasprintf("%s/abs-escape", v->data);
        ssize_t n = readlink(p, target, sizeof(target) - 1);
        assert_true(n > 0);
        target[n] = '\0';
        assert_string_equal(target, outside);
        assert_int_equal(lstat(p, &st), 0);
        assert_true(S_ISLNK(st.st_mode));
        free(p);
        p = xasprintf("%s/rel-escape", v->data);
        assert_int_equal(lstat(p, &st), 0);
        assert_true(S_ISLNK(st.st_mode));
        free(p);
        p = xasprintf("%s/sub/hard", v->data);
        assert_int_equal(lstat(p, &st), 0);
        assert_int_equal(st.st_nlink, 2);
        free(p);

        /* Once: a second copy-up (new content in the image) copies nothing. */
        p = xasprintf("%s/data/later", rootfs);
        write_file(p, "x");
        free(p);
        assert_int_equal(engine_volume_copy_up(v, rfd, "/data", &e), 0);
        p = xasprintf("%s/later", v->data);
        assert_false(fs_exists(p));
        free(p);
        /* And a second resolve finds the volume, not a new one. */
        _cleanup_(engine_volume_freep) struct engine_volume *again = NULL;
        assert_int_equal(engine_volume_get_or_create(f->s, "cu", &again, &e), 0);
        assert_false(again->created);
        assert_false(again->needs_copy_up);
        assert_false(again->needs_chown);

        /* A volume that already holds data is never overwritten. */
        _cleanup_(engine_volume_freep) struct engine_volume *full = NULL;
        assert_int_equal(engine_volume_get_or_create(f->s, "full", &full, &e), 0);
        p = xasprintf("%s/mine", full->data);
        write_file(p, "mine");
        free(p);
        assert_int_equal(engine_volume_copy_up(full, rfd, "/data", &e), 0);
        p = xasprintf("%s/file", full->data);
        assert_false(fs_exists(p));
        free(p);

        /* An anonymous volume gets a 64-hex name and says so. */
        _cleanup_(engine_volume_freep) struct engine_volume *anon = NULL;
        assert_int_equal(engine_volume_get_or_create(f->s, NULL, &anon, &e), 0);
        assert_true(digest_is_hex64(anon->name));
        _cleanup_json_ struct json *ins = NULL;
        assert_int_equal(engine_volume_inspect(f->s, anon->name, &ins, &e), 0);
        assert_true(json_object_get_bool(ins, "Anonymous", false));

        /* Hostile names never resolve to a path. */
        _cleanup_(engine_volume_freep) struct engine_volume *h = NULL;
        assert_int_equal(engine_volume_get_or_create(f->s, "../x", &h, &e), -EINVAL);
        err_done(&e);
}

/* A removal never deletes through a mount on _data (a bind of a host dir). */
static void test_rm_mounted(void **state)
{
        struct fx *f = *state;
        if (geteuid() != 0)
                skip();
        struct err e = {0};
        _cleanup_free_ char *host = xasprintf("%s/hostdir", f->tmp);
        assert_int_equal(fs_mkdir_p(host, 0755, NULL), 0);
        _cleanup_free_ char *keep = xasprintf("%s/keep", host);
        write_file(keep, "keep");
        _cleanup_free_ char *dev = xasprintf("device=%s", host);
        char *opts[] = {dev, "o=bind", NULL};
        char *name = NULL;
        struct volume_create_opts co = {.name = "bound", .options = opts};
        assert_int_equal(engine_volume_create(f->s, &co, &name, &e), 0);
        free(name);
        _cleanup_(engine_volume_freep) struct engine_volume *v = NULL;
        assert_int_equal(engine_volume_get_or_create(f->s, "bound", &v, &e), 0);
        assert_true(v->needs_mount);
        if (unshare(CLONE_NEWNS) < 0)
                skip();
        assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
        assert_int_equal(engine_volume_mount(v, &e), 0);
        assert_int_equal(engine_volume_mount(v, &e), 0);
        _cleanup_free_ char *seen = xasprintf("%s/keep", v->data);
        assert_true(fs_exists(seen));
        char **removed = NULL, **more = NULL;
        assert_int_equal(
                engine_volumes_remove(f->s, (char *[]){"bound", NULL}, NULL, &removed, &more, &e),
                -EBUSY);
        err_done(&e);
        strv_free(removed);
        strv_free(more);
        assert_int_equal(engine_volume_unmount(v, &e), 0);
        assert_true(fs_exists(seen)); /* still one user */
        struct volume_rm_opts force = {.force = true};
        assert_int_equal(
                engine_volumes_remove(f->s, (char *[]){"bound", NULL}, &force, &removed, &more, &e),
                0);
        strv_free(removed);
        assert_true(fs_exists(keep));
        assert_false(fs_exists(v->dir));

        /* A tmpfs volume: mounted with its size and owner, once, until the last user. */
        char *topts[] = {"type=tmpfs", "device=tmpfs", "o=size=1m,uid=7,gid=8,noexec", NULL};
        struct volume_create_opts tc = {.name = "tmp", .options = topts};
        assert_int_equal(engine_volume_create(f->s, &tc, &name, &e), 0);
        free(name);
        _cleanup_(engine_volume_freep) struct engine_volume *t = NULL;
        assert_int_equal(engine_volume_get_or_create(f->s, "tmp", &t, &e), 0);
        assert_false(t->needs_chown);
        assert_int_equal(engine_volume_mount(t, &e), 0);
        struct statfs sf;
        assert_int_equal(statfs(t->data, &sf), 0);
        assert_int_equal(sf.f_type, TMPFS_MAGIC);
        assert_int_equal(sf.f_blocks * sf.f_bsize, 1 << 20);
        assert_true(sf.f_flags & ST_NOEXEC);
        struct stat st;
        assert_int_equal(stat(t->data, &st), 0);
        assert_int_equal(st.st_uid, 7);
        assert_int_equal(st.st_gid, 8);
        _cleanup_json_ struct json *ins = NULL;
        assert_int_equal(engine_volume_inspect(f->s, "tmp", &ins, &e), 0);
        assert_int_equal(json_object_get_int(ins, "MountCount", -1), 1);
        assert_int_equal(engine_volume_unmount(t, &e), 0);
        assert_int_equal(statfs(t->data, &sf), 0);
        assert_true(sf.f_type != TMPFS_MAGIC || !vol_is_mount_root(t->data));
        assert_false(vol_is_mount_root(t->data));
        /* Unmounting more than mounted is harmless. */
        assert_int_equal(engine_volume_unmount(t, &e), 0);
}

/* :U refuses the host paths containers/common lists, whatever the spelling. */
static void test_chown_dangerous(void **state)
{
        (void)state;
        assert_true(vol_chown_dangerous("/"));
        assert_true(vol_chown_dangerous("/etc"));
        assert_true(vol_chown_dangerous("/etc/"));
        assert_true(vol_chown_dangerous("/usr/../etc"));
        assert_true(vol_chown_dangerous("/var/lib"));
        assert_true(vol_chown_dangerous("/tmp"));
        assert_false(vol_chown_dangerous("/var/lib/nonexistent-berth-dir"));
        _cleanup_free_ char *tmp = unit_tmpdir();
        assert_false(vol_chown_dangerous(tmp));
        unit_rmtree(tmp);
}

/* The walk chowns links themselves, never their targets, and leaves a
 * mount below the top alone. */
static void test_chown_tree(void **state)
{
        struct fx *f = *state;
        if (geteuid() != 0)
                skip();
        struct err e = {0};
        _cleanup_free_ char *top = xasprintf("%s/top", f->tmp);
        _cleanup_free_ char *sub = xasprintf("%s/sub/deeper", top);
        assert_int_equal(fs_mkdir_p(sub, 0755, NULL), 0);
        _cleanup_free_ char *file = xasprintf("%s/file", sub);
        write_file(file, "x");
        _cleanup_free_ char *outside = xasprintf("%s/outside", f->tmp);
        write_file(outside, "o");
        _cleanup_free_ char *link = xasprintf("%s/link", top);
        assert_int_equal(symlink(outside, link), 0);
        assert_int_equal(vol_chown_tree(top, 1234, 5678, &e), 0);
        struct stat st;
        const char *paths[] = {top, sub, file, link};
        for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
                assert_int_equal(lstat(paths[i], &st), 0);
                assert_int_equal(st.st_uid, 1234);
                assert_int_equal(st.st_gid, 5678);
        }
        assert_int_equal(stat(outside, &st), 0);
        assert_int_equal(st.st_uid, 0);
        /* A single file is chowned alone; a missing path is an error. */
        assert_int_equal(vol_chown_tree(file, 7, 8, &e), 0);
        assert_int_equal(lstat(file, &st), 0);
        assert_int_equal(st.st_uid, 7);
        _cleanup_free_ char *missing = xasprintf("%s/missing", f->tmp);
        assert_true(vol_chown_tree(missing, 7, 8, &e) < 0);
        assert_non_null(strstr(e.msg, "missing"));
        err_done(&e);
        /* A tmpfs mounted below the top keeps its owner. */
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return;
        _cleanup_free_ char *mnt = xasprintf("%s/sub/mnt", top);
        assert_int_equal(fs_mkdir_p(mnt, 0755, NULL), 0);
        assert_int_equal(mount("tmpfs", mnt, "tmpfs", 0, "mode=755,uid=0,gid=0"), 0);
        assert_int_equal(vol_chown_tree(top, 42, 43, &e), 0);
        assert_int_equal(lstat(mnt, &st), 0);
        assert_int_equal(st.st_uid, 0);
        assert_int_equal(lstat(file, &st), 0);
        assert_int_equal(st.st_uid, 42);
        (void)umount2(mnt, MNT_DETACH);
}

/* --userns=auto's options: hostile values are errors that name them. */
static void test_userns_auto_parse(void **state)
{
        (void)state;
        struct ctr_userns_auto a;
        struct err e = {0};
        assert_int_equal(ctr_userns_auto_parse("auto", &a, &e), 0);
        assert_true(a.on);
        assert_int_equal(a.size, 0);
        ctr_userns_auto_done(&a);
        assert_int_equal(ctr_userns_auto_parse("auto:size=2000,uidmapping=0:100:1,"
                                               "gidmapping=5:6:7,uidmapping=10:20:30",
                                               &a, &e),
                         0);
        assert_int_equal(a.size, 2000);
        assert_int_equal(a.n_extra_uid, 2);
        assert_int_equal(a.n_extra_gid, 1);
        assert_int_equal(a.extra_uid[1].container_id, 10);
        assert_int_equal(a.extra_uid[1].host_id, 20);
        assert_int_equal(a.extra_uid[1].size, 30);
        assert_int_equal(a.extra_gid[0].size, 7);
        ctr_userns_auto_done(&a);
        static const char *const bad[] = {
                "auto:size=0",
                "auto:size=-1",
                "auto:size=4294967296",
                "auto:size=12x",
                "auto:uidmapping=1:2",
                "auto:uidmapping=1:2:0",
                "auto:gidmapping=a:b:c",
                "auto:uidmapping=1:2:3:4",
                "auto:uidmapping=4294967295:0:2",
                /* sscanf saturates, and takes "-1": the sums must not wrap */
                "auto:uidmapping=92233720368547758071:1000:1",
                "auto:uidmapping=-1:0:2",
                "auto:gidmapping=0:18446744073709551615:1",
                "auto:uidmapping=0:0:18446744073709551615",
                "auto:nope=1",
                "auto:size",
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                if (ctr_userns_auto_parse(bad[i], &a, &e) == 0)
                        fail_msg("accepted '%s'", bad[i]);
                assert_non_null(e.msg);
                err_done(&e);
                ctr_userns_auto_done(&a);
        }
        /* Too many mappings are refused, not grown without bound. */
        struct sbuf b = {0};
        sbuf_printf(&b, "auto:");
        for (int i = 0; i < 100; i++)
                sbuf_printf(&b, "%suidmapping=%d:%d:1", i ? "," : "", i, i);
        assert_true(ctr_userns_auto_parse(b.buf, &a, &e) < 0);
        err_done(&e);
        ctr_userns_auto_done(&a);
        sbuf_done(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_labels),
                cmocka_unit_test(test_options_plain),
                cmocka_unit_test(test_options_tmpfs),
                cmocka_unit_test(test_options_bad),
                cmocka_unit_test_setup_teardown(test_create_list_rm, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_copy_up, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_rm_mounted, fx_setup, fx_teardown),
                cmocka_unit_test(test_chown_dangerous),
                cmocka_unit_test(test_userns_auto_parse),
                cmocka_unit_test_setup_teardown(test_chown_tree, fx_setup, fx_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

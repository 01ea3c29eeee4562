/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storage/changes.c: store_layer_changes on overlay (root) and vfs: podman's
 * kinds (added, changed, deleted; an opaque directory is deleted, a path a
 * nearer layer whited out is added again), its order (a directory right
 * before what it holds), and a lower layer's symlink never followed out
 * of the layer. store_layer_flat_tar gives the merged tree.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "unit.h"

#include "storage.h"

struct fx {
        char *tmp;
        struct store *s;
        char *top; /* the container-like layer */
};

/* Run script in directory dir (made if missing). */
static void sh_in(const char *dir, const char *script)
{
        _cleanup_free_ char *cmd =
                xasprintf("set -e; mkdir -p '%s'; cd '%s'; %s", dir, dir, script);
        if (system(cmd) != 0)
                fail_msg("command failed: %s", cmd);
}

/* Stage and commit the tar of directory dir (its entries, no "./"). */
static char *layer_from_dir(struct fx *f, const char *parent, const char *dir)
{
        _cleanup_free_ char *tar = xasprintf("%s.tar", dir);
        _cleanup_free_ char *cmd = xasprintf(
                "cd '%s' && tar --owner=0 --group=0 --numeric-owner -cf '%s' $(ls -A)", dir, tar);
        if (system(cmd) != 0)
                fail_msg("tar failed: %s", cmd);
        _cleanup_close_ int fd = open(tar, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        struct err e = {0};
        struct staged_layer *sl = NULL;
        if (store_layer_stage(f->s, parent, fd, NULL, &sl, &e) < 0)
                fail_msg("stage: %s", e.msg);
        char *id = NULL;
        if (store_layer_commit(f->s, sl, NULL, NULL, &id, &e) < 0)
                fail_msg("commit: %s", e.msg);
        staged_layer_free(sl);
        return id;
}

/* base: etc/{passwd,group}, bin/sh, var/sub/f, keep/k, evil -> /;
 * mid: mid/m, and etc/group whited out; top: an empty layer over mid that
 * the test then changes through its mount. */
static struct fx *fx_new(const char *driver)
{
        struct fx *f = xcalloc(1, sizeof(*f));
        f->tmp = unit_tmpdir();
        _cleanup_free_ char *root = xasprintf("%s/root", f->tmp);
        _cleanup_free_ char *run = xasprintf("%s/run", f->tmp);
        struct storage_conf sc = {.driver = (char *)driver, .graphroot = root, .runroot = run};
        struct err e = {0};
        if (store_open(&sc, false, &f->s, &e) < 0)
                fail_msg("store_open: %s", e.msg);
        _cleanup_free_ char *base = xasprintf("%s/base", f->tmp);
        /* Old times, as image layers have: a directory the top layer
         * changes then always gets a newer mtime than its lower copy. */
        sh_in(base, "mkdir -p etc bin var/sub keep; echo root > etc/passwd; echo g > etc/group; "
                    "echo sh > bin/sh; echo f > var/sub/f; echo k > keep/k; ln -s / evil; "
                    "find . -exec touch -h -d @1000000000 {} +");
        _cleanup_free_ char *mid = xasprintf("%s/mid", f->tmp);
        sh_in(mid, "mkdir -p mid etc; echo m > mid/m; : > etc/.wh.group; "
                   "find . -exec touch -h -d @1000000000 {} +");
        _cleanup_free_ char *b = layer_from_dir(f, NULL, base);
        _cleanup_free_ char *m = layer_from_dir(f, b, mid);
        if (store_layer_create_empty(f->s, m, NULL, &f->top, &e) < 0)
                fail_msg("create: %s", e.msg);
        return f;
}

static void fx_free(struct fx *f)
{
        store_free(f->s);
        _cleanup_free_ char *cmd = xasprintf("grep -o ' %s[^ ]*' /proc/self/mounts | sort -r | "
                                             "xargs -r -n1 umount -l 2>/dev/null",
                                             f->tmp);
        if (system(cmd) != 0)
                log_debug("unmounting under %s failed", f->tmp);
        unit_rmtree(f->tmp);
        free(f->tmp);
        free(f->top);
        free(f);
}

/* Make the changes through the layer's mount, as a container would. */
static void change_top(struct fx *f)
{
        struct err e = {0};
        _cleanup_free_ char *mp = NULL;
        if (store_layer_mount(f->s, f->top, false, &mp, &e) < 0)
                fail_msg("mount: %s", e.msg);
        sh_in(mp, "echo new > added; echo more >> etc/passwd; rm bin/sh; rm -r var/sub; "
                  "mkdir var/sub; echo n > var/sub/n; rm evil; mkdir -p evil/etc; "
                  "echo x > evil/etc/passwd; echo g2 > etc/group; echo y > etc-x");
        assert_int_equal(store_layer_unmount(f->s, f->top, false, &e), 0);
}

static char *listing(struct fx *f)
{
        struct err e = {0};
        _cleanup_json_ struct json *ch = NULL;
        if (store_layer_changes(f->s, f->top, &ch, &e) < 0)
                fail_msg("changes: %s", e.msg);
        struct sbuf out = {0};
        for (size_t i = 0; i < ch->arr.len; i++) {
                int64_t k = json_object_get_int(ch->arr.items[i], "Kind", -1);
                assert_true(k >= 0 && k <= 2);
                sbuf_printf(&out, "%c %s\n", "CAD"[k],
                            json_object_get_string(ch->arr.items[i], "Path"));
        }
        return out.buf ? sbuf_steal(&out) : xstrdup("");
}

static void check_listing(const char *got, const char *want)
{
        if (!STREQ(got, want))
                fail_msg("changes:\n%s\nwant:\n%s", got, want);
}

static void test_overlay(void **state)
{
        (void)state;
        if (geteuid() != 0)
                skip();
        struct fx *f = fx_new("overlay");
        _cleanup_free_ char *empty = listing(f);
        check_listing(empty, "");
        change_top(f);
        _cleanup_free_ char *got = listing(f);
        /* evil is a directory now (opaque, so listed as deleted, as podman
         * does): its lower symlink to / is not followed, so evil/etc is
         * added, not "changed" because the host has /etc; etc/group was
         * whited out by mid: added again; var/sub is opaque. */
        check_listing(got, "A /added\n"
                           "C /bin\n"
                           "D /bin/sh\n"
                           "C /etc\n"
                           "A /etc/group\n"
                           "C /etc/passwd\n"
                           "A /etc-x\n"
                           "D /evil\n"
                           "A /evil/etc\n"
                           "A /evil/etc/passwd\n"
                           "C /var\n"
                           "D /var/sub\n"
                           "A /var/sub/n\n");
        fx_free(f);
}

static void test_vfs(void **state)
{
        (void)state;
        struct fx *f = fx_new("vfs");
        _cleanup_free_ char *empty = listing(f);
        check_listing(empty, "");
        change_top(f);
        _cleanup_free_ char *got = listing(f);
        /* naive: a directory holding changes is changed; var/sub was
         * emptied and refilled rather than made opaque. */
        check_listing(got, "A /added\n"
                           "C /bin\n"
                           "D /bin/sh\n"
                           "C /etc\n"
                           "A /etc/group\n"
                           "C /etc/passwd\n"
                           "A /etc-x\n"
                           "C /evil\n"
                           "A /evil/etc\n"
                           "A /evil/etc/passwd\n"
                           "C /var\n"
                           "C /var/sub\n"
                           "D /var/sub/f\n"
                           "A /var/sub/n\n");
        fx_free(f);
}

static void test_unknown_layer(void **state)
{
        (void)state;
        struct fx *f = fx_new("vfs");
        struct err e = {0};
        struct json *ch = NULL;
        assert_true(store_layer_changes(f->s, "nosuchlayer", &ch, &e) < 0);
        assert_null(ch);
        assert_non_null(strstr(e.msg, "layer not known"));
        err_done(&e);
        fx_free(f);
}

/* The flattened tar holds the merged tree: the lower layers' files, the
 * top's changes, no whiteouts. */
static void check_flat(const char *driver)
{
        struct fx *f = fx_new(driver);
        change_top(f);
        _cleanup_free_ char *out = xasprintf("%s/flat.tar", f->tmp);
        _cleanup_close_ int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        struct err e = {0};
        if (store_layer_flat_tar(f->s, f->top, fd, &e) < 0)
                fail_msg("flat tar: %s", e.msg);
        _cleanup_free_ char *cmd = xasprintf("tar -tf '%s' | sort > '%s/list'", out, f->tmp);
        assert_int_equal(system(cmd), 0);
        _cleanup_free_ char *lp = xasprintf("%s/list", f->tmp);
        char *names = NULL;
        assert_int_equal(fs_read_file(AT_FDCWD, lp, 0, &names, NULL, &e), 0);
        check_listing(names, "added\n"
                             "bin/\n"
                             "etc-x\n"
                             "etc/\n"
                             "etc/group\n"
                             "etc/passwd\n"
                             "evil/\n"
                             "evil/etc/\n"
                             "evil/etc/passwd\n"
                             "keep/\n"
                             "keep/k\n"
                             "mid/\n"
                             "mid/m\n"
                             "var/\n"
                             "var/sub/\n"
                             "var/sub/n\n");
        free(names);
        /* and the mount it took is released */
        _cleanup_json_ struct json *mounts = NULL;
        assert_int_equal(store_mounts(f->s, &mounts, &e), 0);
        assert_int_equal(mounts->arr.len, 0);
        fx_free(f);
}

static void test_flat_vfs(void **state)
{
        (void)state;
        check_flat("vfs");
}

static void test_flat_overlay(void **state)
{
        (void)state;
        if (geteuid() != 0)
                skip();
        check_flat("overlay");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_overlay),       cmocka_unit_test(test_vfs),
                cmocka_unit_test(test_unknown_layer), cmocka_unit_test(test_flat_vfs),
                cmocka_unit_test(test_flat_overlay),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

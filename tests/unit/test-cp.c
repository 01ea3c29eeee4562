/* SPDX-License-Identifier: Apache-2.0 */
/* cp's pieces: docker's path rules, the argument split, and the tar
 * extraction with hostile input (names with "..", absolute names, a symlink
 * then a file through it, a hard link out, devices, huge names), which must
 * never write outside its root. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "unit.h"

#include "ctr-cp.h"

/* ---------------------------------------------------------------- a tiny tar writer */

static void octal(char *field, size_t len, uint64_t v)
{
        char tmp[32];
        snprintf(tmp, sizeof(tmp), "%0*llo", (int)len - 1, (unsigned long long)v);
        memcpy(field, tmp, len - 1);
}

/* Append one ustar header (and data) to b; names longer than 100 bytes get
 * a GNU 'L' record first. */
static void tar_add(struct sbuf *b, const char *name, char type, const char *link, const char *data,
                    mode_t mode, unsigned uid)
{
        size_t dlen = data ? strlen(data) : 0;
        if (strlen(name) >= 100) {
                char lh[512] = {0};
                strcpy(lh, "././@LongLink");
                octal(lh + 100, 8, 0644);
                octal(lh + 108, 8, 0);
                octal(lh + 116, 8, 0);
                octal(lh + 124, 12, strlen(name) + 1);
                octal(lh + 136, 12, 0);
                lh[156] = 'L';
                memcpy(lh + 257, "ustar  ", 8);
                memset(lh + 148, ' ', 8);
                unsigned sum = 0;
                for (int i = 0; i < 512; i++)
                        sum += (unsigned char)lh[i];
                snprintf(lh + 148, 8, "%06o", sum);
                sbuf_append_len(b, lh, 512);
                size_t n = strlen(name) + 1;
                sbuf_append_len(b, name, n);
                char pad[512] = {0};
                if (n % 512)
                        sbuf_append_len(b, pad, 512 - n % 512);
        }
        char h[512] = {0};
        memcpy(h, name, strlen(name) < 100 ? strlen(name) : 99);
        octal(h + 100, 8, mode);
        octal(h + 108, 8, uid);
        octal(h + 116, 8, uid);
        octal(h + 124, 12, dlen);
        octal(h + 136, 12, 1700000000);
        h[156] = type;
        if (link)
                memcpy(h + 157, link, strlen(link));
        memcpy(h + 257, "ustar  ", 8);
        if (type == '3')
                octal(h + 329, 8, 1), octal(h + 337, 8, 3);
        memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (int i = 0; i < 512; i++)
                sum += (unsigned char)h[i];
        snprintf(h + 148, 8, "%06o", sum);
        sbuf_append_len(b, h, 512);
        if (dlen) {
                sbuf_append_len(b, data, dlen);
                char pad[512] = {0};
                if (dlen % 512)
                        sbuf_append_len(b, pad, 512 - dlen % 512);
        }
}

static void tar_end(struct sbuf *b)
{
        char z[1024] = {0};
        sbuf_append_len(b, z, sizeof(z));
}

/* A memfd holding the bytes, at offset 0. */
static int mem_fd(const struct sbuf *b)
{
        int fd = memfd_create("tar", MFD_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, b->buf, b->len), (ssize_t)b->len);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        return fd;
}

/* A scratch dir with root/ and a canary beside it. */
struct scratch {
        char *dir;
        int rootfd;
};

static void scratch_new(struct scratch *s)
{
        s->dir = unit_tmpdir();
        char *p = xasprintf("%s/root", s->dir);
        assert_int_equal(mkdir(p, 0755), 0);
        s->rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(s->rootfd >= 0);
        free(p);
        p = xasprintf("%s/canary", s->dir);
        assert_int_equal(fs_write_atomic(AT_FDCWD, p, "canary", 6, 0644, NULL), 0);
        free(p);
}

/* Only root/ and the canary (unchanged, one link) are in the scratch dir. */
static void scratch_check(struct scratch *s)
{
        char *cmd = xasprintf("test \"$(ls -A '%s' | tr '\\n' ' ')\" = 'canary root '", s->dir);
        assert_int_equal(system(cmd), 0);
        free(cmd);
        char *p = xasprintf("%s/canary", s->dir);
        struct stat st;
        assert_int_equal(lstat(p, &st), 0);
        assert_int_equal(st.st_nlink, 1);
        char *buf = NULL;
        size_t len;
        assert_int_equal(fs_read_file(AT_FDCWD, p, 0, &buf, &len, NULL), 0);
        assert_string_equal(buf, "canary");
        free(buf);
        free(p);
}

static void scratch_done(struct scratch *s)
{
        close(s->rootfd);
        unit_rmtree(s->dir);
        free(s->dir);
}

static int extract(struct scratch *s, struct sbuf *b, const char *dest,
                   const struct cp_tar_in_opts *o, struct err *e)
{
        tar_end(b);
        int fd = mem_fd(b);
        int r = cp_tar_extract(fd, s->rootfd, dest, o, e);
        close(fd);
        sbuf_done(b);
        return r;
}

static bool exists_in(struct scratch *s, const char *rel)
{
        struct stat st;
        return fstatat(s->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static const struct cp_tar_in_opts keep = {0};

/* ---------------------------------------------------------------- tests */

static void test_clean(void **state)
{
        (void)state;
        const char *cases[][2] = {
                {"a//b/./c", "a/b/c"}, {"/", "."},          {"", "."},
                {"/etc/../x", "x"},    {"a/../b", "b"},     {"./a/", "a"},
                {"../x", NULL},        {"a/../../x", NULL}, {"/..", NULL},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *c = cp_path_clean(cases[i][0]);
                if (cases[i][1])
                        assert_string_equal(c, cases[i][1]);
                else
                        assert_null(c);
                free(c);
        }
}

static void test_split(void **state)
{
        (void)state;
        struct {
                const char *arg, *ctr, *path;
        } cases[] = {
                {"c1:/etc", "c1", "/etc"},  {"c1:etc/x", "c1", "etc/x"},
                {"/abs:x", NULL, "/abs:x"}, {"./f:name", NULL, "./f:name"},
                {"file", NULL, "file"},     {"-", NULL, "-"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *c, *p;
                cp_arg_split(cases[i].arg, &c, &p);
                if (cases[i].ctr)
                        assert_string_equal(c, cases[i].ctr);
                else
                        assert_null(c);
                assert_string_equal(p, cases[i].path);
                free(c);
                free(p);
        }
}

static void test_plan(void **state)
{
        (void)state;
        struct cp_src_info file = {0}, dir = {.is_dir = true}, contents = {true, true};
        struct cp_dst_info isdir = {true, true, true}, isfile = {true, false, true},
                           missing = {false, false, true}, noparent = {0};
        struct cp_plan p;
        struct err e = {0};

        /* into an existing directory, under the source's name */
        assert_int_equal(cp_plan_make("f", &file, "/tmp", &isdir, &p, &e), 0);
        assert_string_equal(p.dest_dir, "/tmp");
        assert_string_equal(p.name, "f");
        cp_plan_done(&p);
        /* "/." copies what is inside */
        assert_int_equal(cp_plan_make(".", &contents, "/tmp/", &isdir, &p, &e), 0);
        assert_string_equal(p.name, ".");
        cp_plan_done(&p);
        /* a file over a file, and a new name */
        assert_int_equal(cp_plan_make("f", &file, "/etc/passwd", &isfile, &p, &e), 0);
        assert_string_equal(p.dest_dir, "/etc");
        assert_string_equal(p.name, "passwd");
        cp_plan_done(&p);
        assert_int_equal(cp_plan_make("d", &dir, "/new/", &missing, &p, &e), 0);
        assert_string_equal(p.dest_dir, "/");
        assert_string_equal(p.name, "new");
        cp_plan_done(&p);
        assert_int_equal(cp_plan_make("f", &file, "rel", &missing, &p, &e), 0);
        assert_string_equal(p.dest_dir, ".");
        assert_string_equal(p.name, "rel");
        cp_plan_done(&p);
        /* docker's errors */
        assert_int_equal(cp_plan_make("d", &dir, "/etc/passwd", &isfile, &p, &e), -ENOTDIR);
        assert_non_null(strstr(e.msg, "cannot copy directory"));
        err_done(&e);
        assert_int_equal(cp_plan_make("f", &file, "/nope/", &missing, &p, &e), -ENOENT);
        assert_non_null(strstr(e.msg, "no such directory"));
        err_done(&e);
        assert_int_equal(cp_plan_make("d", &dir, "/a/b/c", &noparent, &p, &e), -ENOENT);
        err_done(&e);
}

static void test_extract_basic(void **state)
{
        (void)state;
        struct scratch s;
        scratch_new(&s);
        assert_int_equal(mkdirat(s.rootfd, "dest", 0755), 0);
        struct sbuf b = {0};
        tar_add(&b, "./", '5', NULL, NULL, 0755, 0);
        tar_add(&b, "./d/", '5', NULL, NULL, 0750, 0);
        tar_add(&b, "./d/f", '0', NULL, "hello", 0640, 0);
        tar_add(&b, "./d/l", '2', "f", NULL, 0777, 0);
        tar_add(&b, "./d/h", '1', "./d/f", NULL, 0640, 0);
        tar_add(&b, "deep/er/f2", '0', NULL, "x", 0600, 0); /* parents made */
        struct err e = {0};
        assert_int_equal(extract(&s, &b, "/dest", &keep, &e), 0);
        char *buf = NULL;
        size_t len;
        int dfd = fs_open_in_root(s.rootfd, "dest", O_PATH | O_DIRECTORY, 0, NULL);
        assert_true(dfd >= 0);
        assert_int_equal(fs_read_file(dfd, "d/f", 0, &buf, &len, NULL), 0);
        assert_string_equal(buf, "hello");
        free(buf);
        struct stat st;
        assert_int_equal(fstatat(dfd, "d", &st, 0), 0);
        assert_int_equal(st.st_mode & 07777, 0750);
        assert_int_equal(fstatat(dfd, "d/h", &st, 0), 0);
        assert_int_equal(st.st_nlink, 2);
        assert_int_equal(fstatat(dfd, "d/l", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISLNK(st.st_mode));
        assert_int_equal(fstatat(dfd, "deep/er/f2", &st, 0), 0);
        close(dfd);
        scratch_check(&s);
        scratch_done(&s);
}

static void test_extract_dotdot(void **state)
{
        (void)state;
        struct scratch s;
        scratch_new(&s);
        struct sbuf b = {0};
        tar_add(&b, "../evil", '0', NULL, "x", 0644, 0);
        struct err e = {0};
        assert_int_equal(extract(&s, &b, ".", &keep, &e), -EINVAL);
        assert_non_null(strstr(e.msg, "outside the destination"));
        err_done(&e);
        tar_add(&b, "a/../../../evil2", '0', NULL, "x", 0644, 0);
        assert_int_equal(extract(&s, &b, ".", &keep, &e), -EINVAL);
        err_done(&e);
        /* absolute names are relative to the destination */
        tar_add(&b, "/abs", '0', NULL, "x", 0644, 0);
        assert_int_equal(extract(&s, &b, ".", &keep, &e), 0);
        assert_true(exists_in(&s, "abs"));
        scratch_check(&s);
        scratch_done(&s);
}

static void test_extract_symlink_then_file(void **state)
{
        (void)state;
        struct scratch s;
        scratch_new(&s);
        struct sbuf b = {0};
        /* A link out of the root, then files through it: they land in the root. */
        tar_add(&b, "up", '2', "../../../../../..", NULL, 0777, 0);
        tar_add(&b, "up/escaped", '0', NULL, "x", 0644, 0);
        tar_add(&b, "abs", '2', "/", NULL, 0777, 0);
        tar_add(&b, "abs/canary", '0', NULL, "overwritten?", 0644, 0);
        tar_add(&b, "abs/newdir/f", '0', NULL, "x", 0644, 0);
        struct err e = {0};
        assert_int_equal(extract(&s, &b, ".", &keep, &e), 0);
        assert_true(exists_in(&s, "escaped"));
        assert_true(exists_in(&s, "canary"));
        assert_true(exists_in(&s, "newdir/f"));
        scratch_check(&s);
        scratch_done(&s);
}

static void test_extract_container_link(void **state)
{
        (void)state;
        struct scratch s;
        scratch_new(&s);
        /* The container holds /etc/link -> ../../../..: cp into it stays inside. */
        assert_int_equal(mkdirat(s.rootfd, "etc", 0755), 0);
        int efd = fs_open_in_root(s.rootfd, "etc", O_PATH | O_DIRECTORY, 0, NULL);
        assert_int_equal(symlinkat("../../../..", efd, "link"), 0);
        close(efd);
        struct sbuf b = {0};
        tar_add(&b, "canary", '0', NULL, "x", 0644, 0);
        struct err e = {0};
        assert_int_equal(extract(&s, &b, "etc/link", &keep, &e), 0);
        assert_true(exists_in(&s, "canary"));
        scratch_check(&s);
        scratch_done(&s);
}

static void test_extract_hardlink_out(void **state)
{
        (void)state;
        struct scratch s;
        scratch_new(&s);
        struct sbuf b = {0};
        tar_add(&b, "h", '1', "../canary", NULL, 0644, 0);
        struct err e = {0};
        assert_int_equal(extract(&s, &b, ".", &keep, &e), -EINVAL);
        err_done(&e);
        /* through a symlink made first: resolved in the root, where it is missing */
        tar_add(&b, "up", '2', "../../..", NULL, 0777, 0);
        tar_add(&b, "h2", '1', "up/canary", NULL, 0644, 0);
        assert_true(extract(&s, &b, ".", &keep, &e) < 0);
        err_done(&e);
        scratch_check(&s);
        scratch_done(&s);
}

static void test_extract_devices(void **state)
{
        (void)state;
        struct scratch s;
        scratch_new(&s);
        struct sbuf b = {0};
        tar_add(&b, "null", '3', NULL, NULL, 0666, 0);
        tar_add(&b, "after", '0', NULL, "x", 0644, 0);
        struct cp_tar_in_opts o = {.no_devices = true};
        struct err e = {0};
        assert_int_equal(extract(&s, &b, ".", &o, &e), 0);
        assert_false(exists_in(&s, "null"));
        assert_true(exists_in(&s, "after"));
        if (geteuid() == 0) {
                tar_add(&b, "null", '3', NULL, NULL, 0666, 0);
                assert_int_equal(extract(&s, &b, ".", &keep, &e), 0);
                struct stat st;
                assert_int_equal(fstatat(s.rootfd, "null", &st, AT_SYMLINK_NOFOLLOW), 0);
                assert_true(S_ISCHR(st.st_mode));
                assert_int_equal(st.st_rdev, makedev(1, 3));
        }
        scratch_check(&s);
        scratch_done(&s);
}

static void test_extract_huge_name(void **state)
{
        (void)state;
        struct scratch s;
        scratch_new(&s);
        struct sbuf b = {0};
        char *name = xmalloc(CP_NAME_MAX + 200);
        memset(name, 'a', CP_NAME_MAX + 199);
        name[CP_NAME_MAX + 199] = '\0';
        tar_add(&b, name, '0', NULL, "x", 0644, 0);
        struct err e = {0};
        assert_int_equal(extract(&s, &b, ".", &keep, &e), -ENAMETOOLONG);
        err_done(&e);
        /* a component past NAME_MAX: the kernel's error, no crash */
        for (size_t i = 300; i < 1000; i += 301)
                name[i] = '/';
        name[1000] = '\0';
        tar_add(&b, name, '0', NULL, "x", 0644, 0);
        assert_true(extract(&s, &b, ".", &keep, &e) < 0);
        err_done(&e);
        free(name);
        scratch_check(&s);
        scratch_done(&s);
}

static void test_extract_overwrite(void **state)
{
        (void)state;
        struct scratch s;
        scratch_new(&s);
        assert_int_equal(mkdirat(s.rootfd, "d", 0755), 0);
        int fd = openat(s.rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(fs_write_atomic(fd, "f", "x", 1, 0644, NULL), 0);
        close(fd);
        struct sbuf b = {0};
        struct err e = {0};
        tar_add(&b, "d", '0', NULL, "file", 0644, 0);
        assert_int_equal(extract(&s, &b, ".", &keep, &e), -EEXIST);
        assert_non_null(strstr(e.msg, "cannot overwrite directory"));
        err_done(&e);
        tar_add(&b, "f/", '5', NULL, NULL, 0755, 0);
        assert_int_equal(extract(&s, &b, ".", &keep, &e), -EEXIST);
        assert_non_null(strstr(e.msg, "cannot overwrite non-directory"));
        err_done(&e);
        struct cp_tar_in_opts o = {.overwrite = true};
        tar_add(&b, "d", '0', NULL, "file", 0644, 0);
        tar_add(&b, "f/", '5', NULL, NULL, 0755, 0);
        assert_int_equal(extract(&s, &b, ".", &o, &e), 0);
        struct stat st;
        assert_int_equal(fstatat(s.rootfd, "d", &st, 0), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(fstatat(s.rootfd, "f", &st, 0), 0);
        assert_true(S_ISDIR(st.st_mode));
        scratch_check(&s);
        scratch_done(&s);
}

static void test_extract_owner(void **state)
{
        (void)state;
        if (geteuid() != 0)
                skip();
        struct scratch s;
        scratch_new(&s);
        struct sbuf b = {0};
        tar_add(&b, "keep", '0', NULL, "x", 0644, 1234);
        struct err e = {0};
        assert_int_equal(extract(&s, &b, ".", &keep, &e), 0);
        struct stat st;
        assert_int_equal(fstatat(s.rootfd, "keep", &st, 0), 0);
        assert_int_equal(st.st_uid, 1234);
        /* chown: every object to the given owner; ids mapped otherwise */
        struct cp_tar_in_opts o = {.chown = true, .uid = 42, .gid = 43};
        tar_add(&b, "new/f", '0', NULL, "x", 0644, 1234);
        assert_int_equal(extract(&s, &b, ".", &o, &e), 0);
        assert_int_equal(fstatat(s.rootfd, "new/f", &st, 0), 0);
        assert_int_equal(st.st_uid, 42);
        assert_int_equal(st.st_gid, 43);
        assert_int_equal(fstatat(s.rootfd, "new", &st, 0), 0);
        assert_int_equal(st.st_uid, 42);
        struct id_map m = {.container_id = 0, .host_id = 100000, .size = 65536};
        struct cp_tar_in_opts mo = {.uidmap = &m, .n_uidmap = 1, .gidmap = &m, .n_gidmap = 1};
        tar_add(&b, "mapped", '0', NULL, "x", 0644, 7);
        assert_int_equal(extract(&s, &b, ".", &mo, &e), 0);
        assert_int_equal(fstatat(s.rootfd, "mapped", &st, 0), 0);
        assert_int_equal(st.st_uid, 100007);
        tar_add(&b, "unmapped", '0', NULL, "x", 0644, 70000);
        assert_int_equal(extract(&s, &b, ".", &mo, &e), -EINVAL);
        err_done(&e);
        scratch_done(&s);
}

static void test_garbage(void **state)
{
        (void)state;
        struct scratch s;
        scratch_new(&s);
        struct sbuf b = {0};
        sbuf_append(&b, "this is not a tar archive at all, just text");
        struct err e = {0};
        assert_true(extract(&s, &b, ".", &keep, &e) < 0);
        err_done(&e);
        scratch_check(&s);
        scratch_done(&s);
}

/* write a tree, read it back: the same files, links kept as links */
static void test_roundtrip(void **state)
{
        (void)state;
        struct scratch s;
        scratch_new(&s);
        char *src = xasprintf("%s/root/src", s.dir);
        char *cmd = xasprintf("mkdir -p %s/sub && echo data > %s/sub/f && ln %s/sub/f %s/sub/g"
                              " && ln -s /etc/passwd %s/sub/l && chmod 0701 %s/sub",
                              src, src, src, src, src, src);
        assert_int_equal(system(cmd), 0);
        free(cmd);
        int objfd = fs_open_in_root(s.rootfd, "src", O_PATH | O_NOFOLLOW, 0, NULL);
        assert_true(objfd >= 0);
        int tfd = memfd_create("t", MFD_CLOEXEC);
        struct err e = {0};
        assert_int_equal(cp_tar_write(objfd, "copy", NULL, tfd, &e), 0);
        close(objfd);
        assert_int_equal(lseek(tfd, 0, SEEK_SET), 0);
        assert_int_equal(cp_tar_extract(tfd, s.rootfd, ".", &keep, &e), 0);
        close(tfd);
        cmd = xasprintf("cd %s/root && diff -r --no-dereference src copy && "
                        "test $(stat -c %%a copy/sub) = 701 && "
                        "test $(stat -c %%h copy/sub/f) = 2 && "
                        "test $(readlink copy/sub/l) = /etc/passwd",
                        s.dir);
        assert_int_equal(system(cmd), 0);
        free(cmd);
        free(src);
        scratch_check(&s);
        scratch_done(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_clean),
                cmocka_unit_test(test_split),
                cmocka_unit_test(test_plan),
                cmocka_unit_test(test_extract_basic),
                cmocka_unit_test(test_extract_dotdot),
                cmocka_unit_test(test_extract_symlink_then_file),
                cmocka_unit_test(test_extract_container_link),
                cmocka_unit_test(test_extract_hardlink_out),
                cmocka_unit_test(test_extract_devices),
                cmocka_unit_test(test_extract_huge_name),
                cmocka_unit_test(test_extract_overwrite),
                cmocka_unit_test(test_extract_owner),
                cmocka_unit_test(test_garbage),
                cmocka_unit_test(test_roundtrip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

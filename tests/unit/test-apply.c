/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layer_apply: golden round trips (apply, then reassemble from tar-split
 * gives the same bytes, digests match independent sha256), whiteouts and
 * opaque directories in both modes, links, devices, xattrs, sparse files,
 * long and non-UTF-8 names, and hostile archives that must be rejected or
 * confined (a canary directory beside the root must stay untouched).
 *
 * Runs as root and unprivileged (in `unshare -Ur` or as any user): the
 * rootless parts map container 0 to the caller.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <zlib.h>

#include "unit.h"

#include "layer-apply.h"

#define MKTAR_NO_MAIN
#include "../fixtures/mktar.c"

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

struct fx {
        char *dir; /* temp dir holding root/ and canary/ */
        char *root;
        int rootfd;
        struct id_map uid_map, gid_map;
        struct apply_opts opts;
};

static bool in_userns(void)
{
        _cleanup_free_ char *m = NULL;
        size_t n;
        if (fs_read_file(AT_FDCWD, "/proc/self/uid_map", 0, &m, &n, NULL) < 0)
                return true;
        unsigned a, b, c;
        return sscanf(m, "%u %u %u", &a, &b, &c) != 3 || a != 0 || b != 0 || c != 4294967295u;
}

static bool is_rootless(void)
{
        return geteuid() != 0 || in_userns();
}

static int fx_setup(void **state)
{
        struct fx *f = xcalloc(1, sizeof(*f));
        f->dir = unit_tmpdir();
        f->root = xasprintf("%s/root", f->dir);
        assert_int_equal(mkdir(f->root, 0755), 0);
        _cleanup_free_ char *canary = xasprintf("%s/canary", f->dir);
        assert_int_equal(mkdir(canary, 0755), 0);
        _cleanup_free_ char *cf = xasprintf("%s/canary/file", f->dir);
        assert_int_equal(fs_write_atomic(AT_FDCWD, cf, "canary", 6, 0644, NULL), 0);
        f->rootfd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(f->rootfd >= 0);
        f->opts.mode = APPLY_OVERLAY;
        f->opts.rootless = is_rootless();
        if (geteuid() != 0) {
                /* as a plain user only our own ids can be used */
                f->uid_map = (struct id_map){0, (uint32_t)getuid(), 1};
                f->gid_map = (struct id_map){0, (uint32_t)getgid(), 1};
                f->opts.uidmap = &f->uid_map;
                f->opts.n_uidmap = 1;
                f->opts.gidmap = &f->gid_map;
                f->opts.n_gidmap = 1;
        }
        *state = f;
        return 0;
}

/* The canary beside the root is intact and nothing else appeared. */
static void fx_check_confined(struct fx *f)
{
        _cleanup_free_ char *cf = xasprintf("%s/canary/file", f->dir);
        _cleanup_free_ char *buf = NULL;
        size_t n;
        assert_int_equal(fs_read_file(AT_FDCWD, cf, 0, &buf, &n, NULL), 0);
        assert_int_equal(n, 6);
        assert_memory_equal(buf, "canary", 6);
        _cleanup_free_ char *cmd = xasprintf("test $(ls -A '%s' | wc -l) -eq 2 && "
                                             "test $(ls -A '%s/canary' | wc -l) -eq 1",
                                             f->dir, f->dir);
        assert_int_equal(system(cmd), 0);
}

static int fx_teardown(void **state)
{
        struct fx *f = *state;
        fx_check_confined(f);
        close(f->rootfd);
        _cleanup_free_ char *cmd = xasprintf("chmod -R u+rwx '%s' 2>/dev/null", f->dir);
        (void)!system(cmd);
        unit_rmtree(f->dir);
        free(f->root);
        free(f->dir);
        free(f);
        return 0;
}

static int memfd_with(const void *buf, size_t len)
{
        int fd = memfd_create("t", MFD_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, buf, len), (ssize_t)len);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        return fd;
}

/* Apply buf; returns layer_apply's result, tarsplit fd in *ret_ts. */
static int apply_buf(struct fx *f, const void *buf, size_t len, struct apply_result *res,
                     int *ret_ts, struct err *e)
{
        _cleanup_close_ int in = memfd_with(buf, len);
        int ts = memfd_create("ts", MFD_CLOEXEC);
        assert_true(ts >= 0);
        int r = layer_apply(in, f->rootfd, ts, &f->opts, res, e);
        if (ret_ts)
                *ret_ts = ts;
        else
                close(ts);
        return r;
}

static void apply_ok(struct fx *f, const void *buf, size_t len)
{
        struct apply_result res = {0};
        _cleanup_err_ struct err e = {0};
        int r = apply_buf(f, buf, len, &res, NULL, &e);
        if (r < 0)
                fail_msg("apply failed: %s", e.msg);
        apply_result_done(&res);
}

/* Expect failure with code; the message must name what is given. */
static void apply_fails(struct fx *f, const void *buf, size_t len, int code, const char *needle)
{
        struct apply_result res = {0};
        _cleanup_err_ struct err e = {0};
        int r = apply_buf(f, buf, len, &res, NULL, &e);
        if (r >= 0)
                fail_msg("apply unexpectedly succeeded (expected '%s')", needle);
        if (code)
                assert_int_equal(e.code, code);
        if (needle && !strstr(e.msg, needle))
                fail_msg("error '%s' lacks '%s'", e.msg, needle);
}

static char *gzip_buf(const void *buf, size_t len, size_t *ret_len)
{
        z_stream z = {0};
        assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
        size_t cap = deflateBound(&z, len) + 64;
        char *out = xmalloc(cap);
        z.next_in = (unsigned char *)buf;
        z.avail_in = (uInt)len;
        z.next_out = (unsigned char *)out;
        z.avail_out = (uInt)cap;
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        *ret_len = cap - z.avail_out;
        deflateEnd(&z);
        return out;
}

/* Allocates: buf through an external filter command, or NULL if the
 * command is missing. */
static char *filter_cmd(const char *cmd, const void *buf, size_t len, size_t *ret_len)
{
        _cleanup_free_ char *prog = xstrndup(cmd, strcspn(cmd, " "));
        _cleanup_free_ char *which = xasprintf("command -v %s >/dev/null 2>&1", prog);
        if (system(which) != 0)
                return NULL;
        _cleanup_close_ int in = memfd_with(buf, len);
        _cleanup_close_ int out = memfd_create("o", MFD_CLOEXEC);
        pid_t pid = fork();
        if (pid == 0) {
                dup2(in, 0);
                dup2(out, 1);
                execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
                _exit(127);
        }
        int st;
        waitpid(pid, &st, 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        return unit_fd_slurp(out, ret_len);
}

/* Apply (compressed as given), check digests and sizes against
 * independent sha256, reassemble and compare with the plain tar. */
static void round_trip(struct fx *f, const char *tar, size_t tar_len, const char *input,
                       size_t in_len, int want_compression)
{
        struct apply_result res = {0};
        _cleanup_err_ struct err e = {0};
        _cleanup_close_ int ts = -1;
        if (apply_buf(f, input, in_len, &res, &ts, &e) < 0)
                fail_msg("apply failed: %s", e.msg);
        _cleanup_free_ char *cd = digest_buffer(input, in_len);
        _cleanup_free_ char *ud = digest_buffer(tar, tar_len);
        assert_string_equal(res.compressed_digest, cd);
        assert_string_equal(res.diff_digest, ud);
        assert_int_equal(res.compressed_size, (int64_t)in_len);
        assert_int_equal(res.diff_size, (int64_t)tar_len);
        assert_int_equal(res.compression, want_compression);
        apply_result_done(&res);

        _cleanup_close_ int out = memfd_create("out", MFD_CLOEXEC);
        assert_int_equal(lseek(ts, 0, SEEK_SET), 0);
        if (tarsplit_assemble(ts, f->rootfd, out, &e) < 0)
                fail_msg("assemble failed: %s", e.msg);
        size_t n;
        _cleanup_free_ char *again = unit_fd_slurp(out, &n);
        assert_int_equal(n, tar_len);
        assert_memory_equal(again, tar, tar_len);
}

static void reset_root(struct fx *f)
{
        close(f->rootfd);
        _cleanup_free_ char *cmd = xasprintf("chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s' && "
                                             "mkdir '%s'",
                                             f->root, f->root, f->root);
        assert_int_equal(system(cmd), 0);
        f->rootfd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(f->rootfd >= 0);
}

/* Round trip plain, gzip and (if the tool exists) zstd. */
static void round_trip_all(struct fx *f, const char *tar, size_t len)
{
        reset_root(f);
        round_trip(f, tar, len, tar, len, 0);
        reset_root(f);
        size_t gl;
        _cleanup_free_ char *gz = gzip_buf(tar, len, &gl);
        round_trip(f, tar, len, gz, gl, 2);
        size_t zl;
        _cleanup_free_ char *zst = filter_cmd("zstd -q -c", tar, len, &zl);
        if (zst) {
                reset_root(f);
                round_trip(f, tar, len, zst, zl, 4);
        }
}

static struct stat lstat_in(struct fx *f, const char *path)
{
        struct stat st;
        if (fstatat(f->rootfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                fail_msg("lstat '%s': %s", path, strerror(errno));
        return st;
}

static bool exists_in(struct fx *f, const char *path)
{
        struct stat st;
        return fstatat(f->rootfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static char *read_in(struct fx *f, const char *path)
{
        char *buf = NULL;
        size_t n;
        if (fs_read_file(f->rootfd, path, 0, &buf, &n, NULL) < 0)
                fail_msg("reading '%s'", path);
        return buf;
}

/* ------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------ */

static void test_crc64_vector(void **state)
{
        (void)state;
        assert_true(crc64_iso_update(0, "123456789", 9) == 0xB90956C775A41001ULL);
        /* split updates give the same result */
        uint64_t c = crc64_iso_update(0, "1234", 4);
        assert_true(crc64_iso_update(c, "56789", 5) == 0xB90956C775A41001ULL);
        assert_true(crc64_iso_update(0, "", 0) == 0);
}

static void build_basic(struct mktar *t)
{
        mktar_dir(t, "./", 0755);
        mktar_dir(t, "etc/", 0755);
        mktar_file(t, "etc/hostname", 0644, "berth\n");
        mktar_file(t, "etc/empty", 0600, "");
        mktar_symlink(t, "etc/link", "hostname");
        mktar_hardlink(t, "etc/hard", "etc/hostname");
        mktar_file(t, "a<b>&c", 0644, "html chars\n");
        mktar_dir(t, "usr/", 0755);
        mktar_dir(t, "usr/bin/", 0755);
        mktar_file(t, "usr/bin/tool", 04755, "#!/bin/sh\n");
        mktar_end(t);
}

static void test_round_trip_basic(void **state)
{
        struct fx *f = *state;
        struct mktar t = {.mtime = 1600000000};
        build_basic(&t);
        round_trip_all(f, (char *)t.buf, t.len);

        _cleanup_free_ char *h = read_in(f, "etc/hostname");
        assert_string_equal(h, "berth\n");
        struct stat a = lstat_in(f, "etc/hostname"), b = lstat_in(f, "etc/hard");
        assert_int_equal(a.st_ino, b.st_ino);
        assert_int_equal(a.st_mtim.tv_sec, 1600000000);
        assert_true(S_ISLNK(lstat_in(f, "etc/link").st_mode));
        assert_int_equal(lstat_in(f, "usr/bin/tool").st_mode & 07777, 04755);
        assert_int_equal(lstat_in(f, "etc/empty").st_mode & 07777, 0600);
        /* directory times are set after their contents */
        assert_int_equal(lstat_in(f, "etc").st_mtim.tv_sec, 1600000000);
        mktar_free(&t);
}

static void test_round_trip_trailing(void **state)
{
        struct fx *f = *state;
        struct mktar t = {.mtime = 1};
        mktar_file(&t, "f", 0644, "x");
        mktar_end(&t);
        /* record padding as GNU tar writes it, then garbage */
        static unsigned char zeros[9216];
        mktar_put(&t, zeros, sizeof(zeros));
        for (int i = 0; i < 70000; i++)
                mktar_put(&t, "\x5a", 1);
        round_trip_all(f, (char *)t.buf, t.len);
        mktar_free(&t);

        /* no end blocks at all, and a single zero block */
        struct mktar u = {0};
        mktar_file(&u, "g", 0644, "y");
        round_trip_all(f, (char *)u.buf, u.len);
        mktar_put(&u, zeros, 512);
        round_trip_all(f, (char *)u.buf, u.len);
        mktar_free(&u);
}

static void test_round_trip_empty(void **state)
{
        struct fx *f = *state;
        round_trip_all(f, "", 0);
        static unsigned char zeros[1024];
        round_trip_all(f, (char *)zeros, sizeof(zeros));
}

static void test_round_trip_pax_long(void **state)
{
        struct fx *f = *state;
        struct mktar t = {.mtime = 1234567890};
        char rec[8192];
        size_t n = 0;

        /* a path of > 255 characters through pax, in deep directories */
        struct sbuf longp = {0};
        for (int i = 0; i < 30; i++)
                sbuf_append(&longp, "directory/");
        sbuf_append(&longp, "file-with-a-long-name");
        assert_true(longp.len > 300);
        mktar_pax_record(rec, &n, "path", longp.buf, longp.len);
        mktar_pax_record(rec, &n, "mtime", "1234567890.123456789", 20);
        mktar_ext(&t, 'x', "PaxHeaders.0/long", rec, n);
        mktar_file(&t, "short-ustar-name", 0644, "pax data\n");

        /* GNU long name and long link (> 100) */
        struct sbuf ln = {0};
        for (int i = 0; i < 12; i++)
                sbuf_append(&ln, "abcdefghij");
        mktar_gnu_longname(&t, 'L', ln.buf);
        mktar_file(&t, "cut", 0644, "gnu long\n");
        _cleanup_free_ char *lname = xasprintf("%s-link", ln.buf);
        mktar_gnu_longname(&t, 'L', lname);
        mktar_gnu_longname(&t, 'K', ln.buf);
        mktar_symlink(&t, "cut2", "cut3");

        /* ustar prefix + name */
        struct mktar_hdr h = {
                .name = "in-prefix", .prefix = "pre/fix", .type = '0', .mode = 0644, .size = 3};
        mktar_header(&t, &h);
        mktar_data(&t, "abc", 3);

        /* xattrs, one binary, and a pax global header */
        n = 0;
        mktar_pax_record(rec, &n, "comment", "global", 6);
        mktar_ext(&t, 'g', "pax_global_header", rec, n);
        n = 0;
        mktar_pax_record(rec, &n, "SCHILY.xattr.user.berth", "value", 5);
        mktar_pax_record(rec, &n, "SCHILY.xattr.user.bin", "a\0b", 3);
        mktar_ext(&t, 'x', "PaxHeaders.0/x", rec, n);
        mktar_file(&t, "with-xattr", 0644, "x\n");

        /* a name that is not UTF-8 and one with control characters */
        mktar_file(&t, "bad-\xff\xfe-name", 0644, "raw\n");
        mktar_file(&t, "tab\tnew\x01line", 0644, "ctl\n");
        mktar_end(&t);
        round_trip_all(f, (char *)t.buf, t.len);

        _cleanup_free_ char *got = read_in(f, longp.buf);
        assert_string_equal(got, "pax data\n");
        assert_int_equal(lstat_in(f, longp.buf).st_mtim.tv_nsec, 123456789);
        _cleanup_free_ char *g2 = read_in(f, ln.buf);
        assert_string_equal(g2, "gnu long\n");
        char target[256];
        _cleanup_free_ char *lp = xasprintf("%s/%s", f->root, lname);
        ssize_t tn = readlink(lp, target, sizeof(target) - 1);
        assert_true(tn > 0);
        target[tn] = 0;
        assert_string_equal(target, ln.buf);
        _cleanup_free_ char *p3 = read_in(f, "pre/fix/in-prefix");
        assert_string_equal(p3, "abc");
        assert_true(exists_in(f, "bad-\xff\xfe-name"));

        char v[16];
        _cleanup_free_ char *xp = xasprintf("%s/with-xattr", f->root);
        ssize_t vn = getxattr(xp, "user.berth", v, sizeof(v));
        if (vn >= 0) { /* tmpfs without user xattrs: skipped by design */
                assert_int_equal(vn, 5);
                assert_memory_equal(v, "value", 5);
                assert_int_equal(getxattr(xp, "user.bin", v, sizeof(v)), 3);
                assert_memory_equal(v, "a\0b", 3);
        }
        sbuf_done(&longp);
        sbuf_done(&ln);
        mktar_free(&t);
}

/* Archives written by GNU tar: gnu and pax formats, record padding, and
 * sparse files in both formats (which tar-split itself cannot reproduce). */
static void test_round_trip_gnu_tar(void **state)
{
        struct fx *f = *state;
        if (system("command -v tar >/dev/null 2>&1") != 0)
                skip();
        _cleanup_free_ char *src = xasprintf("%s/src", f->dir);
        _cleanup_free_ char *cmd = xasprintf(
                "set -e; mkdir -p '%1$s/d/e'; echo hi > '%1$s/d/f'; ln '%1$s/d/f' '%1$s/d/g'; "
                "ln -s f '%1$s/d/s'; head -c 100000 /dev/zero | tr '\\0' 'q' > '%1$s/big'; "
                "truncate -s 3M '%1$s/sparse'; echo data | dd of='%1$s/sparse' bs=1 seek=1500000 "
                "conv=notrunc status=none; echo tail >> '%1$s/sparse'",
                src);
        assert_int_equal(system(cmd), 0);
        const char *variants[] = {"--format=gnu", "--format=pax", "--format=gnu -S",
                                  "--format=pax -S", "--format=ustar"};
        for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
                _cleanup_free_ char *tarcmd =
                        xasprintf("tar -C '%s' %s --owner=0 --group=0 --numeric-owner -cf - .", src,
                                  variants[i]);
                size_t n;
                _cleanup_free_ char *tar = filter_cmd(tarcmd, "", 0, &n);
                assert_non_null(tar);
                round_trip_all(f, tar, n);
                struct stat st = lstat_in(f, "sparse");
                assert_int_equal(st.st_size, 3 * 1024 * 1024 + 5);
                _cleanup_free_ char *g = read_in(f, "d/g");
                assert_string_equal(g, "hi\n");
        }
        unit_rmtree(src);
}

static void test_whiteouts_overlay(void **state)
{
        struct fx *f = *state;
        struct mktar t = {0};
        t.uid = 0;
        mktar_dir(&t, "etc/", 0755);
        mktar_file(&t, "etc/.wh.passwd", 0644, "");
        mktar_dir(&t, "opq/", 0755);
        mktar_file(&t, "opq/.wh..wh..opq", 0644, "");
        mktar_file(&t, "opq/new", 0644, "n");
        mktar_file(&t, "deep/dir/.wh.gone", 0644, "");
        mktar_end(&t);

        struct apply_result res = {0};
        _cleanup_err_ struct err e = {0};
        if (apply_buf(f, t.buf, t.len, &res, NULL, &e) < 0)
                fail_msg("apply: %s", e.msg);
        struct stat st = lstat_in(f, "etc/passwd");
        assert_true(S_ISCHR(st.st_mode));
        assert_int_equal(st.st_rdev, makedev(0, 0));
        assert_int_equal(st.st_mode & 07777, 0);
        assert_true(S_ISCHR(lstat_in(f, "deep/dir/gone").st_mode));
        /* trap T3: no .wh. file may exist in an overlay layer */
        assert_false(exists_in(f, "etc/.wh.passwd"));
        assert_false(exists_in(f, "opq/.wh..wh..opq"));
        char v[4];
        _cleanup_free_ char *op = xasprintf("%s/opq", f->root);
        const char *xn = f->opts.rootless ? "user.overlay.opaque" : "trusted.overlay.opaque";
        ssize_t vn = getxattr(op, xn, v, sizeof(v));
        if (vn < 0 && errno == ENOTSUP)
                skip();
        assert_int_equal(vn, 1);
        assert_int_equal(v[0], 'y');
        /* whiteouts do not count in the id sets, the rest does */
        assert_int_equal(res.n_uids, 1);
        assert_int_equal(res.uids[0], 0);
        apply_result_done(&res);
        mktar_free(&t);
}

/* A mount_program store: whiteouts stay AUFS files, as containers/storage
 * extracts them there (AUFSWhiteoutFormat), AUFS metadata included. */
static void test_whiteouts_aufs(void **state)
{
        struct fx *f = *state;
        f->opts.aufs_whiteouts = true;
        struct mktar t = {0};
        mktar_dir(&t, "etc/", 0755);
        mktar_file(&t, "etc/.wh.passwd", 0644, "");
        mktar_dir(&t, "opq/", 0755);
        mktar_file(&t, "opq/.wh..wh..opq", 0644, "");
        mktar_file(&t, "opq/new", 0644, "n");
        mktar_file(&t, ".wh..wh.plnk/1", 0644, "x");
        mktar_end(&t);
        struct apply_result res = {0};
        _cleanup_err_ struct err e = {0};
        if (apply_buf(f, t.buf, t.len, &res, NULL, &e) < 0)
                fail_msg("apply: %s", e.msg);
        assert_true(S_ISREG(lstat_in(f, "etc/.wh.passwd").st_mode));
        assert_true(S_ISREG(lstat_in(f, "opq/.wh..wh..opq").st_mode));
        assert_true(S_ISREG(lstat_in(f, ".wh..wh.plnk/1").st_mode));
        assert_false(exists_in(f, "etc/passwd"));
        _cleanup_free_ char *op = xasprintf("%s/opq", f->root);
        char v[4];
        assert_true(getxattr(op, "trusted.overlay.opaque", v, sizeof(v)) < 0);
        assert_true(getxattr(op, "user.overlay.opaque", v, sizeof(v)) < 0);
        apply_result_done(&res);
        mktar_free(&t);
}

static void test_whiteouts_vfs(void **state)
{
        struct fx *f = *state;
        f->opts.mode = APPLY_VFS;
        /* the parent layer's content, copied */
        struct mktar p = {0};
        mktar_file(&p, "etc/passwd", 0644, "root");
        mktar_file(&p, "etc/group", 0644, "root");
        mktar_file(&p, "opq/old", 0644, "o");
        mktar_file(&p, "opq/sub/older", 0644, "o");
        mktar_dir(&p, "gone/", 0755);
        mktar_file(&p, "gone/x", 0644, "x");
        mktar_end(&p);
        apply_ok(f, p.buf, p.len);

        struct mktar t = {0};
        mktar_file(&t, "etc/.wh.passwd", 0644, "");
        mktar_file(&t, ".wh.gone", 0644, "");
        mktar_dir(&t, "opq/", 0755);
        mktar_file(&t, "opq/.wh..wh..opq", 0644, "");
        mktar_file(&t, "opq/new", 0644, "n");
        mktar_file(&t, "etc/.wh.nothing-there", 0644, "");
        mktar_end(&t);
        apply_ok(f, t.buf, t.len);
        assert_false(exists_in(f, "etc/passwd"));
        assert_true(exists_in(f, "etc/group"));
        assert_false(exists_in(f, "gone"));
        assert_false(exists_in(f, "opq/old"));
        assert_false(exists_in(f, "opq/sub"));
        assert_true(exists_in(f, "opq/new"));
        assert_false(exists_in(f, "etc/.wh.passwd"));
        assert_false(exists_in(f, "opq/.wh..wh..opq"));
        mktar_free(&p);
        mktar_free(&t);
}

static void test_replace_semantics(void **state)
{
        struct fx *f = *state;
        struct mktar t = {0};
        mktar_dir(&t, "d/", 0755);
        mktar_file(&t, "d/keep", 0644, "k");
        mktar_end(&t);
        apply_ok(f, t.buf, t.len);
        mktar_free(&t);

        /* a second layer: dir over dir keeps contents; file over dir and
         * link over file replace */
        struct mktar u = {0};
        mktar_dir(&u, "d/", 0700);
        mktar_file(&u, "x", 0644, "first");
        mktar_end(&u);
        apply_ok(f, u.buf, u.len);
        assert_true(exists_in(f, "d/keep"));
        assert_int_equal(lstat_in(f, "d").st_mode & 0777, 0700);
        mktar_free(&u);

        struct mktar v = {0};
        mktar_file(&v, "d", 0644, "now a file");
        mktar_symlink(&v, "x", "d");
        mktar_end(&v);
        apply_ok(f, v.buf, v.len);
        assert_true(S_ISREG(lstat_in(f, "d").st_mode));
        assert_true(S_ISLNK(lstat_in(f, "x").st_mode));
        mktar_free(&v);
}

static void test_devices_and_fifo(void **state)
{
        struct fx *f = *state;
        struct mktar t = {0};
        struct mktar_hdr h = {
                .name = "null", .type = '3', .mode = 0666, .devmajor = 1, .devminor = 3};
        mktar_header(&t, &h);
        struct mktar_hdr b = {
                .name = "blk", .type = '4', .mode = 0600, .devmajor = 7, .devminor = 0};
        mktar_header(&t, &b);
        mktar_entry(&t, '6', "fifo", NULL, 0640, NULL, 0);
        mktar_end(&t);
        apply_ok(f, t.buf, t.len);
        struct stat st = lstat_in(f, "fifo");
        assert_true(S_ISFIFO(st.st_mode));
        assert_int_equal(st.st_mode & 0777, 0640);
        if (f->opts.rootless) {
                assert_false(exists_in(f, "null"));
        } else {
                st = lstat_in(f, "null");
                assert_true(S_ISCHR(st.st_mode));
                assert_int_equal(st.st_rdev, makedev(1, 3));
                assert_int_equal(st.st_mode & 0777, 0666);
                assert_true(S_ISBLK(lstat_in(f, "blk").st_mode));
        }
        mktar_free(&t);
}

static void test_owners_and_caps(void **state)
{
        struct fx *f = *state;
        if (f->opts.rootless)
                skip();
        struct mktar t = {.uid = 1000, .gid = 100};
        /* security.capability v2: cap_net_raw permitted+effective */
        static const unsigned char cap[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x20};
        char rec[256];
        size_t n = 0;
        mktar_pax_record(rec, &n, "SCHILY.xattr.security.capability", cap, sizeof(cap));
        mktar_ext(&t, 'x', "PaxHeaders/ping", rec, n);
        mktar_file(&t, "ping", 04755, "elf");
        t.uid = 5;
        t.gid = 6;
        mktar_symlink(&t, "lnk", "ping");
        mktar_end(&t);

        /* mapped: container 0-65535 -> host 100000+ */
        struct id_map m = {0, 100000, 65536};
        f->opts.uidmap = f->opts.gidmap = &m;
        f->opts.n_uidmap = f->opts.n_gidmap = 1;
        struct apply_result res = {0};
        _cleanup_err_ struct err e = {0};
        if (apply_buf(f, t.buf, t.len, &res, NULL, &e) < 0)
                fail_msg("apply: %s", e.msg);
        struct stat st = lstat_in(f, "ping");
        assert_int_equal(st.st_uid, 101000);
        assert_int_equal(st.st_gid, 100100);
        assert_int_equal(st.st_mode & 07777, 04755); /* setuid survives chown */
        assert_int_equal(lstat_in(f, "lnk").st_uid, 100005);
        unsigned char got[32];
        _cleanup_free_ char *pp = xasprintf("%s/ping", f->root);
        assert_int_equal(getxattr(pp, "security.capability", got, sizeof(got)), 20);
        assert_memory_equal(got, cap, 20);
        /* id sets are container-side */
        assert_int_equal(res.n_uids, 2);
        assert_int_equal(res.uids[0], 5);
        assert_int_equal(res.uids[1], 1000);
        assert_int_equal(res.n_gids, 2);
        apply_result_done(&res);

        /* an id outside the mapping is an error naming the entry */
        struct mktar u = {.uid = 70000};
        mktar_file(&u, "unmapped", 0644, "");
        mktar_end(&u);
        apply_fails(f, u.buf, u.len, EINVAL, "'unmapped'");
        mktar_free(&t);
        mktar_free(&u);
}

/* ------------------------------------------------------------------------
 * Hostile archives
 * ------------------------------------------------------------------------ */

static void test_hostile_paths(void **state)
{
        struct fx *f = *state;
        struct mktar t = {0};
        mktar_file(&t, "../canary/file", 0644, "pwned");
        mktar_end(&t);
        apply_fails(f, t.buf, t.len, EINVAL, "'../canary/file'");
        mktar_free(&t);

        struct mktar u = {0};
        mktar_file(&u, "a/../../../canary/file", 0644, "pwned");
        mktar_end(&u);
        apply_fails(f, u.buf, u.len, EINVAL, "outside");
        mktar_free(&u);

        /* absolute names and "/../" are confined to the root */
        struct mktar v = {0};
        mktar_file(&v, "/abs", 0644, "1");
        mktar_file(&v, "/../../up", 0644, "2");
        mktar_file(&v, "./dot/./x", 0644, "3");
        mktar_end(&v);
        apply_ok(f, v.buf, v.len);
        assert_true(exists_in(f, "abs"));
        assert_true(exists_in(f, "up"));
        assert_true(exists_in(f, "dot/x"));
        mktar_free(&v);
}

static void test_hostile_symlinks(void **state)
{
        struct fx *f = *state;
        _cleanup_free_ char *canary = xasprintf("%s/canary", f->dir);
        /* links that point out, then entries written through them: they
         * resolve inside the root (where a "canary" dir exists too) */
        struct mktar t = {0};
        mktar_dir(&t, "canary/", 0755);
        mktar_symlink(&t, "rel", "../canary");
        mktar_symlink(&t, "up", "../../../../../../../..");
        mktar_file(&t, "rel/file", 0644, "pwned-rel");
        mktar_file(&t, "up/canary/file2", 0644, "pwned-up");
        mktar_end(&t);
        apply_ok(f, t.buf, t.len);
        fx_check_confined(f);
        _cleanup_free_ char *g1 = read_in(f, "canary/file");
        assert_string_equal(g1, "pwned-rel");
        _cleanup_free_ char *g2 = read_in(f, "canary/file2");
        assert_string_equal(g2, "pwned-up");
        mktar_free(&t);

        /* an absolute link to the real canary: inside the root that path
         * does not exist, and no directory is made through a link */
        reset_root(f);
        struct mktar t2 = {0};
        mktar_symlink(&t2, "abs", canary);
        mktar_file(&t2, "abs/file", 0644, "pwned-abs");
        mktar_end(&t2);
        apply_fails(f, t2.buf, t2.len, ENOTDIR, "'abs/file'");
        fx_check_confined(f);
        mktar_free(&t2);

        /* a symlink whose target is missing: no directory is made outside */
        reset_root(f);
        struct mktar u = {0};
        mktar_symlink(&u, "dangling", "/nonexistent-berth-dir");
        mktar_file(&u, "dangling/x", 0644, "x");
        mktar_end(&u);
        apply_fails(f, u.buf, u.len, 0, "'dangling/x'");
        assert_false(fs_exists("/nonexistent-berth-dir"));
        mktar_free(&u);

        /* a link replaced by a directory: within one tar "x" and "x/" are
         * the same entry twice, which tar-split (so podman) refuses */
        reset_root(f);
        struct mktar v = {0};
        mktar_symlink(&v, "x", canary);
        mktar_dir(&v, "x/", 0755);
        mktar_file(&v, "x/file", 0644, "inside");
        mktar_end(&v);
        apply_fails(f, v.buf, v.len, EINVAL, "duplicate");
        mktar_free(&v);

        /* ... and in the next layer the directory replaces the link */
        reset_root(f);
        struct mktar w1 = {0};
        mktar_symlink(&w1, "x", canary);
        mktar_end(&w1);
        apply_ok(f, w1.buf, w1.len);
        struct mktar w2 = {0};
        mktar_dir(&w2, "x/", 0755);
        mktar_file(&w2, "x/file", 0644, "inside");
        mktar_end(&w2);
        apply_ok(f, w2.buf, w2.len);
        assert_true(S_ISDIR(lstat_in(f, "x").st_mode));
        _cleanup_free_ char *in = read_in(f, "x/file");
        assert_string_equal(in, "inside");
        mktar_free(&w1);
        mktar_free(&w2);
}

static void test_hostile_hardlinks(void **state)
{
        struct fx *f = *state;
        _cleanup_free_ char *canfile = xasprintf("%s/canary/file", f->dir);
        struct mktar t = {0};
        mktar_hardlink(&t, "h", canfile);
        mktar_end(&t);
        /* an absolute target is inside the root, where it does not exist */
        apply_fails(f, t.buf, t.len, ENOENT, "'h'");
        mktar_free(&t);

        struct mktar u = {0};
        mktar_hardlink(&u, "h", "../canary/file");
        mktar_end(&u);
        apply_fails(f, u.buf, u.len, EINVAL, "outside");
        mktar_free(&u);

        /* through a symlink pointing out: resolved inside, so missing */
        reset_root(f);
        _cleanup_free_ char *can = xasprintf("%s/canary", f->dir);
        struct mktar v = {0};
        mktar_symlink(&v, "out", can);
        mktar_hardlink(&v, "h", "out/file");
        mktar_end(&v);
        apply_fails(f, v.buf, v.len, ENOENT, "'h'");
        mktar_free(&v);

        reset_root(f);
        struct mktar w = {0};
        mktar_hardlink(&w, "h", "missing");
        mktar_end(&w);
        apply_fails(f, w.buf, w.len, ENOENT, "'h'");
        mktar_free(&w);
}

static void test_hostile_duplicates(void **state)
{
        struct fx *f = *state;
        struct mktar t = {0};
        mktar_file(&t, "dup", 0644, "one");
        mktar_file(&t, "./dup", 0644, "two");
        mktar_end(&t);
        apply_fails(f, t.buf, t.len, EINVAL, "duplicate");
        mktar_free(&t);

        reset_root(f);
        struct mktar u = {0};
        mktar_file(&u, "d2", 0644, "one");
        mktar_file(&u, "/d2", 0644, "two");
        mktar_end(&u);
        apply_fails(f, u.buf, u.len, EINVAL, "duplicate");
        mktar_free(&u);
}

static void test_hostile_headers(void **state)
{
        struct fx *f = *state;
        struct mktar t = {0};
        struct mktar_hdr h = {.name = "bad", .type = '0', .mode = 0644, .bad_checksum = 1};
        mktar_header(&t, &h);
        mktar_end(&t);
        apply_fails(f, t.buf, t.len, EBADMSG, "invalid tar header");
        mktar_free(&t);

        /* huge sizes: a file claiming 2^62 bytes, a pax header of 1 TiB */
        reset_root(f);
        struct mktar u = {0};
        struct mktar_hdr hu = {.name = "huge", .type = '0', .mode = 0644, .size = 1LL << 62};
        mktar_header(&u, &hu);
        mktar_data(&u, "abc", 3);
        apply_fails(f, u.buf, u.len, EBADMSG, "'huge'");
        mktar_free(&u);

        reset_root(f);
        struct mktar v = {0};
        struct mktar_hdr hv = {
                .name = "PaxHeaders/x", .type = 'x', .mode = 0644, .size = 1LL << 40};
        mktar_header(&v, &hv);
        mktar_end(&v);
        apply_fails(f, v.buf, v.len, EINVAL, "out of range");
        mktar_free(&v);

        /* negative size */
        reset_root(f);
        struct mktar w = {0};
        struct mktar_hdr hw = {.name = "neg", .type = '0', .mode = 0644, .size = -5};
        mktar_header(&w, &hw);
        mktar_end(&w);
        apply_fails(f, w.buf, w.len, 0, "neg");
        mktar_free(&w);

        /* malformed pax record */
        reset_root(f);
        struct mktar x = {0};
        mktar_ext(&x, 'x', "PaxHeaders/y", "99 path=x\n", 10);
        mktar_file(&x, "y", 0644, "");
        mktar_end(&x);
        apply_fails(f, x.buf, x.len, EBADMSG, "pax");
        mktar_free(&x);

        /* a symlink with data, an unknown entry type */
        reset_root(f);
        struct mktar y = {0};
        mktar_entry(&y, '2', "sym", "target", 0777, "data", 4);
        mktar_end(&y);
        apply_fails(f, y.buf, y.len, EINVAL, "'sym'");
        mktar_free(&y);
        reset_root(f);
        struct mktar z = {0};
        mktar_entry(&z, 'V', "volume", NULL, 0644, NULL, 0);
        mktar_end(&z);
        apply_fails(f, z.buf, z.len, 0, "volume");
        mktar_free(&z);

        /* not a tar at all, and garbage that only looks compressed */
        reset_root(f);
        apply_fails(f, "hello world, this is not a tar archive", 38, 0, NULL);
        apply_fails(f, "\x1f\x8b\x08\x00garbage", 11, 0, NULL);
}

static void test_hostile_truncated(void **state)
{
        struct fx *f = *state;
        struct mktar t = {0};
        mktar_file(&t, "victim", 0644, "0123456789abcdef");
        mktar_end(&t);
        /* cut inside the data, inside the header, inside the padding */
        apply_fails(f, t.buf, 512 + 7, EBADMSG, "'victim'");
        reset_root(f);
        apply_fails(f, t.buf, 300, EBADMSG, "truncated");
        size_t gl;
        _cleanup_free_ char *gz = gzip_buf(t.buf, t.len, &gl);
        reset_root(f);
        apply_fails(f, gz, gl / 2, EBADMSG, NULL);
        mktar_free(&t);
}

static void test_aufs_metadata_skipped(void **state)
{
        struct fx *f = *state;
        struct mktar t = {0};
        mktar_dir(&t, ".wh..wh.plnk/", 0700);
        mktar_file(&t, ".wh..wh.plnk/123.4", 0644, "x");
        mktar_file(&t, "ok", 0644, "x");
        mktar_end(&t);
        apply_ok(f, t.buf, t.len);
        assert_false(exists_in(f, ".wh..wh.plnk"));
        assert_true(exists_in(f, "ok"));
        mktar_free(&t);

        struct mktar u = {0};
        mktar_file(&u, "dir/.wh.", 0644, "");
        mktar_end(&u);
        apply_fails(f, u.buf, u.len, EINVAL, "whiteout");
        mktar_free(&u);
}

/* ------------------------------------------------------------------------
 * Diffs
 * ------------------------------------------------------------------------ */

/* Allocates: a listing of a tree (type, mode, owner, size, mtime seconds,
 * link count, link target, content digest), root excluded. */
static char *tree_listing(const char *dir)
{
        _cleanup_free_ char *cmd = xasprintf(
                "cd '%s' && find . -mindepth 1 -printf '%%P|%%y|%%m|%%U|%%G|%%s|%%T@|%%l|' "
                "-exec sh -c 'if [ -f \"$1\" ] && [ ! -L \"$1\" ]; then "
                "echo \"$(stat -c %%h \"$1\") $(sha256sum < \"$1\")\"; else echo -; fi' "
                "_ {} \\; | sed 's/\\.[0-9]*|/|/' | sort",
                dir);
        size_t n;
        char *out = filter_cmd(cmd, "", 0, &n);
        assert_non_null(out);
        return out;
}

/* Run a shell script with $D set to dir. */
static void run(const char *script, const char *dir)
{
        setenv("D", dir, 1);
        if (system(script) != 0)
                fail_msg("command failed: %s (D=%s)", script, dir);
}

/* Two tars of the same length are byte-identical, else fail naming the
 * entry (header name) and the offset of the first difference. */
static void tar_assert_same(const char *got, const char *want, size_t n)
{
        size_t off = 0;
        while (off < n && got[off] == want[off])
                off++;
        if (off == n)
                return;
        /* walk the headers of want up to the one holding off */
        size_t h = 0;
        while (h + 512 <= n) {
                unsigned long long size = strtoull(want + h + 124, NULL, 8);
                size_t next = h + 512 + (size_t)((size + 511) / 512 * 512);
                if (off < next || next <= h)
                        break;
                h = next;
        }
        char name[101] = {0};
        if (h + 512 <= n)
                memcpy(name, want + h, 100);
        fail_msg("tars differ at byte %zu (offset %zu in the header of '%s')", off, off - h,
                 name);
}

/* Apply tar (vfs) onto a copy of base_dir at f->root. */
static void apply_onto_copy(struct fx *f, const char *base_dir, const char *tar, size_t n)
{
        reset_root(f);
        _cleanup_free_ char *cp = xasprintf("cp -a '%s/.' '%s/'", base_dir, f->root);
        assert_int_equal(system(cp), 0);
        f->opts.mode = APPLY_VFS;
        apply_ok(f, tar, n);
}

static void test_diff_naive(void **state)
{
        struct fx *f = *state;
        _cleanup_free_ char *p = xasprintf("%s/../naive-p", f->root);
        _cleanup_free_ char *l = xasprintf("%s/../naive-l", f->root);
        run("set -e; mkdir -p $D/etc/sub $D/gone/deep $D/keep; echo a > $D/etc/a; "
            "echo b > $D/etc/b; echo g > $D/gone/deep/g; echo k > $D/keep/k; "
            /* in the past, so the changes below give the directories
             * another second: a directory whose mtime differs only within
             * the second is unchanged to the naive diff, as to
             * containers/storage's, and its time is not carried */
            "find $D -exec touch -h -d @1000000000 {} +",
            p);
        _cleanup_free_ char *cp = xasprintf("cp -a '%s' '%s'", p, l);
        assert_int_equal(system(cp), 0);
        run("set -e; sleep 0.01; echo changed > $D/etc/a; rm $D/etc/b; rm -r $D/gone; "
            "mkdir $D/new; echo n > $D/new/n; ln $D/new/n $D/new/n2; ln -s ../etc/a $D/new/s",
            l);
        run("set -e; chmod 0700 $D/keep; printf '%s' '<>&' > $D/keep/html", l);

        /* the trees hold the caller's own ids: apply them unmapped */
        f->opts.n_uidmap = f->opts.n_gidmap = 0;
        _cleanup_close_ int out = memfd_create("diff", MFD_CLOEXEC);
        _cleanup_close_ int pfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int lfd = open(l, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_err_ struct err e = {0};
        if (layer_diff_naive(pfd, lfd, out, &e) < 0)
                fail_msg("diff: %s", e.msg);
        size_t n;
        _cleanup_free_ char *tar = unit_fd_slurp(out, &n);
        assert_true(n > 0 && n % 512 == 0);
        /* unchanged files are not in it; removals are whiteouts */
        assert_null(memmem(tar, n, "keep/k", 6));
        assert_non_null(memmem(tar, n, ".wh.gone", 8));
        assert_non_null(memmem(tar, n, "etc/.wh.b", 9));

        /* deterministic */
        _cleanup_close_ int out2 = memfd_create("diff2", MFD_CLOEXEC);
        assert_int_equal(layer_diff_naive(pfd, lfd, out2, &e), 0);
        size_t n2;
        _cleanup_free_ char *tar2 = unit_fd_slurp(out2, &n2);
        assert_int_equal(n, n2);
        assert_memory_equal(tar, tar2, n);

        apply_onto_copy(f, p, tar, n);
        _cleanup_free_ char *want = tree_listing(l);
        _cleanup_free_ char *got = tree_listing(f->root);
        assert_string_equal(got, want);

        /* no parent: everything */
        _cleanup_close_ int out3 = memfd_create("diff3", MFD_CLOEXEC);
        assert_int_equal(layer_diff_naive(-1, lfd, out3, &e), 0);
        size_t n3;
        _cleanup_free_ char *tar3 = unit_fd_slurp(out3, &n3);
        reset_root(f);
        apply_ok(f, tar3, n3);
        _cleanup_free_ char *got3 = tree_listing(f->root);
        assert_string_equal(got3, want);
        unit_rmtree(p);
        unit_rmtree(l);
}

/* The diff of an overlay upper dir, applied onto a copy of the lower,
 * gives what the kernel's overlay mount shows (root only: mounting). */
static void test_diff_overlay(void **state)
{
        struct fx *f = *state;
        if (f->opts.rootless)
                skip();
        _cleanup_free_ char *base = xasprintf("%s/../ovl", f->root);
        run("set -e; mkdir -p $D/lower/etc $D/lower/opq/sub $D/upper $D/work $D/merged; "
            "echo a > $D/lower/etc/a; echo b > $D/lower/etc/b; echo o > $D/lower/opq/sub/o",
            base);
        _cleanup_free_ char *mnt =
                xasprintf("mount -t overlay overlay -o lowerdir=%1$s/lower,upperdir=%1$s/upper,"
                          "workdir=%1$s/work %1$s/merged",
                          base);
        if (system(mnt) != 0) {
                unit_rmtree(base);
                skip();
        }
        run("set -e; cd $D/merged; rm etc/b; echo changed > etc/a; rm -r opq; mkdir opq; "
            "echo new > opq/new; mkdir -p d/e; echo f > d/e/f; ln d/e/f d/e/g; ln -s x d/s; "
            "chmod 4755 d/e/f",
            base);
        _cleanup_free_ char *um = xasprintf("umount %s/merged", base);
        assert_int_equal(system(um), 0);
        /* Old fixed times on everything in the upper (not changed under a
         * mounted overlay): the re-applied layer must restore every time the
         * tar has, however long ago it was made, and a time it does not
         * restore shows up as "now" in the second diff. */
        run("find $D/upper -exec touch -h -d @1000000000 {} +", base);
        _cleanup_free_ char *want = NULL;
        {
                assert_int_equal(system(mnt), 0);
                _cleanup_free_ char *m = xasprintf("%s/merged", base);
                want = tree_listing(m);
                assert_int_equal(system(um), 0);
        }

        _cleanup_free_ char *upper = xasprintf("%s/upper", base);
        _cleanup_close_ int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int out = memfd_create("diff", MFD_CLOEXEC);
        _cleanup_err_ struct err e = {0};
        if (layer_diff_overlay(ufd, false, out, &e) < 0)
                fail_msg("diff: %s", e.msg);
        size_t n;
        _cleanup_free_ char *tar = unit_fd_slurp(out, &n);
        assert_non_null(memmem(tar, n, "etc/.wh.b", 9));
        assert_non_null(memmem(tar, n, "opq/.wh..wh..opq", 16));
        assert_null(memmem(tar, n, "trusted.overlay", 15));

        _cleanup_free_ char *lower = xasprintf("%s/lower", base);
        apply_onto_copy(f, lower, tar, n);
        _cleanup_free_ char *got = tree_listing(f->root);
        if (!STREQ(got, want)) {
                (void)fs_write_atomic(AT_FDCWD, "/tmp/berth-diff-got", got, strlen(got), 0644,
                                      NULL);
                (void)fs_write_atomic(AT_FDCWD, "/tmp/berth-diff-want", want, strlen(want), 0644,
                                      NULL);
                fail_msg("applied diff differs from the overlay mount (/tmp/berth-diff-*)");
        }

        /* and applied as an overlay layer it round-trips to the same upper */
        reset_root(f);
        f->opts.mode = APPLY_OVERLAY;
        apply_ok(f, tar, n);
        assert_true(S_ISCHR(lstat_in(f, "etc/b").st_mode));
        _cleanup_close_ int out2 = memfd_create("diff2", MFD_CLOEXEC);
        assert_int_equal(layer_diff_overlay(f->rootfd, false, out2, &e), 0);
        size_t n2;
        _cleanup_free_ char *tar2 = unit_fd_slurp(out2, &n2);
        assert_int_equal(n2, n);
        tar_assert_same(tar2, tar, n);
        unit_rmtree(base);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_crc64_vector),
                cmocka_unit_test_setup_teardown(test_round_trip_basic, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_round_trip_trailing, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_round_trip_empty, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_round_trip_pax_long, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_round_trip_gnu_tar, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_whiteouts_overlay, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_whiteouts_aufs, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_whiteouts_vfs, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_replace_semantics, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_devices_and_fifo, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_owners_and_caps, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_hostile_paths, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_hostile_symlinks, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_hostile_hardlinks, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_hostile_duplicates, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_hostile_headers, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_hostile_truncated, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_aufs_metadata_skipped, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_diff_naive, fx_setup, fx_teardown),
                cmocka_unit_test_setup_teardown(test_diff_overlay, fx_setup, fx_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

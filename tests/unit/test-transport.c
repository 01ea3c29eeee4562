/* SPDX-License-Identifier: Apache-2.0 */
/* Transport strings (containers-transports(5)). */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "image.h"
#include "storage.h"

#define H64 "a870d9975f4472c28c19e5a6e6ba03de1c540bab0162728c6a98602b0b9a03c2"

static struct image_location *parse_ok(const char *s, enum image_transport dflt)
{
        struct image_location *l = NULL;
        struct err e = {0};
        if (image_location_parse(s, dflt, &l, &e) < 0)
                fail_msg("'%s': %s", s, e.msg);
        return l;
}

static void check_string(const struct image_location *l, const char *want)
{
        char *s = image_location_to_string(l);
        assert_string_equal(s, want);
        free(s);
}

static char *ref_of(const struct image_location *l)
{
        return l->ref ? image_ref_string(l->ref) : xstrdup("(none)");
}

static void test_transport_names(void **state)
{
        (void)state;
        for (int t = 0; t < _IMAGE_TRANSPORT_MAX; t++)
                assert_int_equal(image_transport_from_string(image_transport_to_string(t)), t);
        assert_int_equal(image_transport_from_string("docker-daemon"), -EINVAL);
        assert_int_equal(image_transport_from_string(NULL), -EINVAL);
        assert_null(image_transport_to_string(_IMAGE_TRANSPORT_MAX));
        assert_string_equal(image_transport_to_string(IMAGE_TRANSPORT_STORAGE),
                            "containers-storage");
}

static void test_oci(void **state)
{
        (void)state;
        struct image_location *l = parse_ok("oci:/tmp/x", IMAGE_TRANSPORT_NONE);
        assert_int_equal(l->transport, IMAGE_TRANSPORT_OCI);
        assert_string_equal(l->path, "/tmp/x");
        assert_null(l->oci_ref);
        assert_null(l->ref);
        check_string(l, "oci:/tmp/x");
        image_location_free(l);

        l = parse_ok("oci:/tmp/x:localhost/bb:1", IMAGE_TRANSPORT_NONE);
        assert_string_equal(l->path, "/tmp/x");
        assert_string_equal(l->oci_ref, "localhost/bb:1");
        check_string(l, "oci:/tmp/x:localhost/bb:1");
        image_location_free(l);

        l = parse_ok("oci:rel/dir:", IMAGE_TRANSPORT_NONE);
        assert_string_equal(l->path, "rel/dir");
        assert_null(l->oci_ref);
        image_location_free(l);

        l = parse_ok("oci-archive:/a.tar:My_Image--1+b@c", IMAGE_TRANSPORT_NONE);
        assert_int_equal(l->transport, IMAGE_TRANSPORT_OCI_ARCHIVE);
        assert_string_equal(l->path, "/a.tar");
        assert_string_equal(l->oci_ref, "My_Image--1+b@c");
        check_string(l, "oci-archive:/a.tar:My_Image--1+b@c");
        image_location_free(l);
}

static void test_docker_archive(void **state)
{
        (void)state;
        struct image_location *l = parse_ok("docker-archive:/tmp/a.tar", IMAGE_TRANSPORT_NONE);
        assert_int_equal(l->transport, IMAGE_TRANSPORT_DOCKER_ARCHIVE);
        assert_string_equal(l->path, "/tmp/a.tar");
        assert_int_equal(l->archive_index, -1);
        assert_null(l->ref);
        image_location_free(l);

        l = parse_ok("docker-archive:a.tar:alpine", IMAGE_TRANSPORT_NONE);
        char *r = ref_of(l);
        assert_string_equal(r, "docker.io/library/alpine:latest");
        free(r);
        check_string(l, "docker-archive:a.tar:docker.io/library/alpine:latest");
        image_location_free(l);

        l = parse_ok("docker-archive:a.tar:localhost:5000/x:2", IMAGE_TRANSPORT_NONE);
        r = ref_of(l);
        assert_string_equal(r, "localhost:5000/x:2");
        free(r);
        image_location_free(l);

        l = parse_ok("docker-archive:a.tar:@2", IMAGE_TRANSPORT_NONE);
        assert_int_equal(l->archive_index, 2);
        assert_null(l->ref);
        check_string(l, "docker-archive:a.tar:@2");
        image_location_free(l);
}

static void test_dir_and_docker(void **state)
{
        (void)state;
        struct image_location *l = parse_ok("dir:/tmp/d:with:colons", IMAGE_TRANSPORT_NONE);
        assert_int_equal(l->transport, IMAGE_TRANSPORT_DIR);
        assert_string_equal(l->path, "/tmp/d:with:colons");
        check_string(l, "dir:/tmp/d:with:colons");
        image_location_free(l);

        l = parse_ok("docker://alpine", IMAGE_TRANSPORT_NONE);
        assert_int_equal(l->transport, IMAGE_TRANSPORT_DOCKER);
        assert_string_equal(l->input, "alpine");
        check_string(l, "docker://docker.io/library/alpine:latest");
        image_location_free(l);

        l = parse_ok("docker://localhost:5000/x@sha256:" H64, IMAGE_TRANSPORT_NONE);
        check_string(l, "docker://localhost:5000/x@sha256:" H64);
        image_location_free(l);
}

static void test_storage(void **state)
{
        (void)state;
        struct image_location *l = parse_ok("containers-storage:alpine", IMAGE_TRANSPORT_NONE);
        assert_int_equal(l->transport, IMAGE_TRANSPORT_STORAGE);
        assert_null(l->image_id);
        assert_null(l->id_prefix);
        assert_null(l->store_root);
        check_string(l, "containers-storage:docker.io/library/alpine:latest");
        image_location_free(l);

        l = parse_ok("containers-storage:[overlay@/var/lib/containers/storage+/run/containers/"
                     "storage:overlay.mount_program=/usr/bin/fuse-overlayfs,x=y]quay.io/a/b:1",
                     IMAGE_TRANSPORT_NONE);
        assert_string_equal(l->store_driver, "overlay");
        assert_string_equal(l->store_root, "/var/lib/containers/storage");
        assert_string_equal(l->store_runroot, "/run/containers/storage");
        assert_int_equal(strv_length(l->store_options), 2);
        assert_string_equal(l->store_options[0], "overlay.mount_program=/usr/bin/fuse-overlayfs");
        assert_string_equal(l->store_options[1], "x=y");
        char *r = ref_of(l);
        assert_string_equal(r, "quay.io/a/b:1");
        free(r);
        check_string(l, "containers-storage:[overlay@/var/lib/containers/storage+/run/containers/"
                        "storage:overlay.mount_program=/usr/bin/fuse-overlayfs,x=y]quay.io/a/b:1");
        image_location_free(l);

        l = parse_ok("containers-storage:[/root/x]alpine", IMAGE_TRANSPORT_NONE);
        assert_null(l->store_driver);
        assert_string_equal(l->store_root, "/root/x");
        assert_null(l->store_runroot);
        image_location_free(l);

        l = parse_ok("containers-storage:" H64, IMAGE_TRANSPORT_NONE);
        assert_string_equal(l->image_id, H64);
        assert_null(l->ref);
        check_string(l, "containers-storage:" H64);
        image_location_free(l);

        l = parse_ok("containers-storage:alpine@" H64, IMAGE_TRANSPORT_NONE);
        assert_string_equal(l->image_id, H64);
        r = ref_of(l);
        assert_string_equal(r, "docker.io/library/alpine:latest");
        free(r);
        check_string(l, "containers-storage:docker.io/library/alpine:latest@" H64);
        image_location_free(l);

        l = parse_ok("containers-storage:alpine@sha256:" H64, IMAGE_TRANSPORT_NONE);
        assert_null(l->image_id);
        r = ref_of(l);
        assert_string_equal(r, "docker.io/library/alpine@sha256:" H64);
        free(r);
        image_location_free(l);

        /* A short hex string may be a truncated ID or a name. */
        l = parse_ok("containers-storage:abc123", IMAGE_TRANSPORT_NONE);
        assert_string_equal(l->id_prefix, "abc123");
        assert_non_null(l->ref);
        check_string(l, "containers-storage:abc123");
        image_location_free(l);

        l = parse_ok("containers-storage:@a870d99", IMAGE_TRANSPORT_NONE);
        assert_string_equal(l->id_prefix, "a870d99");
        assert_null(l->ref);
        image_location_free(l);

        l = parse_ok("containers-storage:localhost/x@a870d99", IMAGE_TRANSPORT_NONE);
        assert_string_equal(l->id_prefix, "a870d99");
        r = ref_of(l);
        assert_string_equal(r, "localhost/x:latest");
        free(r);
        image_location_free(l);
}

static void test_bare_names(void **state)
{
        (void)state;
        struct image_location *l = parse_ok("alpine", IMAGE_TRANSPORT_STORAGE);
        assert_int_equal(l->transport, IMAGE_TRANSPORT_STORAGE);
        check_string(l, "containers-storage:docker.io/library/alpine:latest");
        image_location_free(l);

        l = parse_ok("localhost:5000/x:1", IMAGE_TRANSPORT_STORAGE);
        assert_int_equal(l->transport, IMAGE_TRANSPORT_STORAGE);
        check_string(l, "containers-storage:localhost:5000/x:1");
        image_location_free(l);

        l = parse_ok("alpine:3", IMAGE_TRANSPORT_DOCKER);
        assert_int_equal(l->transport, IMAGE_TRANSPORT_DOCKER);
        assert_string_equal(l->input, "alpine:3");
        check_string(l, "docker://docker.io/library/alpine:3");
        image_location_free(l);

        /* A transport prefix wins over the default. */
        l = parse_ok("oci:/x", IMAGE_TRANSPORT_DOCKER);
        assert_int_equal(l->transport, IMAGE_TRANSPORT_OCI);
        image_location_free(l);
}

static void test_invalid(void **state)
{
        (void)state;
        static const struct {
                const char *in;
                enum image_transport dflt;
                const char *msg;
        } cases[] = {
                {"", IMAGE_TRANSPORT_DOCKER, "invalid image name '': empty"},
                {"alpine", IMAGE_TRANSPORT_NONE, "expected transport:reference"},
                {"foo:bar", IMAGE_TRANSPORT_NONE, "expected transport:reference"},
                {"docker-daemon:alpine", IMAGE_TRANSPORT_STORAGE,
                 "transport 'docker-daemon' is not supported"},
                {"ostree:x", IMAGE_TRANSPORT_DOCKER, "transport 'ostree' is not supported"},
                {"oci:", IMAGE_TRANSPORT_NONE, "invalid oci reference 'oci:': empty path"},
                {"oci::ref", IMAGE_TRANSPORT_NONE, "empty path"},
                {"oci:/x:Bad Name", IMAGE_TRANSPORT_NONE, "invalid image name 'Bad Name'"},
                {"oci:/x:-a", IMAGE_TRANSPORT_NONE, "invalid image name '-a'"},
                {"oci:/x:a//b", IMAGE_TRANSPORT_NONE, "invalid image name 'a//b'"},
                {"oci-archive:/x:a---b", IMAGE_TRANSPORT_NONE, "invalid oci-archive reference"},
                {"docker:alpine", IMAGE_TRANSPORT_NONE, "does not start with //"},
                {"docker://Alpine", IMAGE_TRANSPORT_NONE, "must be lowercase: 'Alpine'"},
                {"docker://a:1@sha256:" H64, IMAGE_TRANSPORT_NONE, "both a tag and digest"},
                {"docker-archive:", IMAGE_TRANSPORT_NONE, "empty path"},
                {"docker-archive:/x:@-1", IMAGE_TRANSPORT_NONE, "must not be negative"},
                {"docker-archive:/x:@abc", IMAGE_TRANSPORT_NONE,
                 "invalid source index '@abc': not a number"},
                {"docker-archive:/x:@", IMAGE_TRANSPORT_NONE, "not a number"},
                {"docker-archive:/x:a@sha256:" H64, IMAGE_TRANSPORT_NONE,
                 "docker-archive doesn't support digest references"},
                {"docker-archive:/x:UPPER", IMAGE_TRANSPORT_NONE,
                 "docker-archive parsing reference: invalid reference format"},
                {"dir:", IMAGE_TRANSPORT_NONE, "empty path"},
                {"containers-storage:", IMAGE_TRANSPORT_NONE, "empty reference"},
                {"containers-storage:[/x", IMAGE_TRANSPORT_NONE, "did not end with ']'"},
                {"containers-storage:[]x", IMAGE_TRANSPORT_NONE, "empty store specifier"},
                {"containers-storage:[rel]x", IMAGE_TRANSPORT_NONE, "must be absolute"},
                {"containers-storage:[/a+rel]x", IMAGE_TRANSPORT_NONE, "must be absolute"},
                {"containers-storage:[@/x]y", IMAGE_TRANSPORT_NONE, "needs both a driver"},
                {"containers-storage:[vfs@]y", IMAGE_TRANSPORT_NONE, "needs both a driver"},
                {"containers-storage:[/x]", IMAGE_TRANSPORT_NONE, "empty reference"},
                {"containers-storage:x@zz", IMAGE_TRANSPORT_NONE,
                 "'zz' does not look like an image ID or digest"},
                {"containers-storage:x@", IMAGE_TRANSPORT_NONE, "empty trailing digest or ID"},
                {"containers-storage:Alpine", IMAGE_TRANSPORT_NONE, "must be lowercase"},
                {"Alpine", IMAGE_TRANSPORT_STORAGE, "must be lowercase"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct image_location *l = NULL;
                struct err e = {0};
                int r = image_location_parse(cases[i].in, cases[i].dflt, &l, &e);
                if (r >= 0 || !e.msg || !strstr(e.msg, cases[i].msg))
                        fail_msg("'%s': got %d '%s', want '%s'", cases[i].in, r, e.msg,
                                 cases[i].msg);
                assert_null(l);
                err_done(&e);
        }
}

/* ------------------------------------------------------------------------
 * Layouts, against the real tools. A group fixture makes two images with
 * `podman import` of a busybox-static rootfs (in a private vfs store) and
 * lets podman and skopeo write them in every format; the tests read those
 * and write their own, which podman and skopeo must then read. Without
 * podman or skopeo these tests are skipped.
 * ------------------------------------------------------------------------ */

struct fixture {
        char *dir;
        char *podman; /* "podman --root ... --runroot ... --storage-driver vfs" */
        bool have_tools;
};

static struct fixture fx;

/* Run a shell command quietly; returns its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *cmd = xvasprintf(fmt, ap);
        va_end(ap);
        char *full = xasprintf("(%s) >/dev/null 2>&1", cmd);
        int r = system(full);
        free(cmd);
        free(full);
        return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

/* Allocates: a command's standard output, trailing newline cut. */
static char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sh_out(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *cmd = xvasprintf(fmt, ap);
        va_end(ap);
        FILE *p = popen(cmd, "r");
        free(cmd);
        struct sbuf b = {0};
        sbuf_append(&b, "");
        char buf[4096];
        size_t n;
        while (p && (n = fread(buf, 1, sizeof(buf), p)) > 0)
                sbuf_append_len(&b, buf, n);
        if (p)
                pclose(p);
        while (b.len && b.buf[b.len - 1] == '\n')
                b.buf[--b.len] = '\0';
        return sbuf_steal(&b);
}

/* Allocates: tmpl with every "{d}" replaced by the fixture directory. */
static char *fx_expand(const char *tmpl)
{
        struct sbuf b = {0};
        sbuf_append(&b, "");
        for (const char *p = tmpl; *p;) {
                if (str_has_prefix(p, "{d}")) {
                        sbuf_append(&b, fx.dir);
                        p += 3;
                } else {
                        sbuf_putc(&b, *p++);
                }
        }
        return sbuf_steal(&b);
}

static int group_setup(void **state)
{
        (void)state;
        /* Lower case only: podman derives an image name from an oci: path. */
        for (unsigned i = 0;; i++) {
                fx.dir = xasprintf("/tmp/berth-image-test-%d-%u", (int)getpid(), i);
                if (mkdir(fx.dir, 0700) == 0)
                        break;
                free(fx.dir);
                fx.dir = NULL;
                if (errno != EEXIST || i > 100)
                        return -1;
        }
        fx.podman = xasprintf("podman --root %s/root --runroot %s/run --storage-driver vfs", fx.dir,
                              fx.dir);
        char *busybox = host_find_program("busybox");
        bool have = busybox && access("/bin/busybox", X_OK) == 0 && sh("podman --version") == 0 &&
                    sh("skopeo --version") == 0;
        free(busybox);
        if (!have)
                return 0;
        const char *d = fx.dir;
        const char *P = fx.podman;
        /* Two images sharing their layer, one with a config change, and a
         * third with two more layers made by buildah. */
        if (sh("mkdir -p %s/rootfs/bin %s/rootfs/etc && cp /bin/busybox %s/rootfs/bin/ && "
               "ln -s busybox %s/rootfs/bin/sh && echo hi > %s/rootfs/etc/motd && "
               "tar -C %s/rootfs --owner=0 --group=0 --numeric-owner -cf %s/rootfs.tar .",
               d, d, d, d, d, d, d) != 0 ||
            sh("%s import %s/rootfs.tar localhost/bb:1", P, d) != 0 ||
            sh("%s import --change CMD=/bin/sh %s/rootfs.tar localhost/bb:2", P, d) != 0 ||
            sh("%s save -o %s/da1.tar localhost/bb:1", P, d) != 0 ||
            sh("%s save -m -o %s/da2.tar localhost/bb:1 localhost/bb:2", P, d) != 0 ||
            sh("%s save --format oci-archive -o %s/oa1.tar localhost/bb:1", P, d) != 0 ||
            sh("%s save --format oci-dir -o %s/ocidir localhost/bb:1", P, d) != 0 ||
            sh("%s save --format docker-dir -o %s/dockerdir localhost/bb:1", P, d) != 0 ||
            sh("gzip -c %s/da1.tar > %s/da1.tar.gz", d, d) != 0 ||
            sh("skopeo copy oci:%s/ocidir:localhost/bb:1 dir:%s/skopeodir", d, d) != 0 ||
            sh("skopeo copy docker-archive:%s/da1.tar dir:%s/skopeo-from-da", d, d) != 0 ||
            sh("B='buildah --root %s/root --runroot %s/run --storage-driver vfs' && "
               "c=$($B from localhost/bb:1) && $B copy $c %s/rootfs/etc/motd /etc/motd2 && "
               "$B config --env FOO=bar $c && $B commit $c localhost/bb:two && "
               "c2=$($B from localhost/bb:two) && $B copy $c2 %s/rootfs.tar /big.tar && "
               "$B commit --format docker $c2 localhost/bb:three && $B rm -a",
               d, d, d, d) != 0 ||
            sh("%s save -o %s/da3.tar localhost/bb:three", P, d) != 0) {
                fprintf(stderr, "fixture: the reference tools failed; skipping interop tests\n");
                return 0;
        }
        fx.have_tools = true;
        return 0;
}

static int group_teardown(void **state)
{
        (void)state;
        if (fx.dir) {
                /* vfs mounts nothing: the store is plain files. */
                sh("%s system reset -f", fx.podman);
                unit_rmtree(fx.dir);
        }
        free(fx.dir);
        free(fx.podman);
        return 0;
}

#define NEED_TOOLS()                                                                               \
        do {                                                                                       \
                if (!fx.have_tools)                                                                \
                        skip();                                                                    \
        } while (0)

static struct image_source *open_src(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct image_source *open_src(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *s = xvasprintf(fmt, ap);
        va_end(ap);
        struct image_location *l = NULL;
        struct image_source *src = NULL;
        struct err e = {0};
        if (image_location_parse(s, IMAGE_TRANSPORT_NONE, &l, &e) < 0 ||
            image_source_open(l, &src, &e) < 0)
                fail_msg("open '%s': %s", s, e.msg);
        image_location_free(l);
        free(s);
        return src;
}

static struct image_dest *open_dst(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct image_dest *open_dst(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *s = xvasprintf(fmt, ap);
        va_end(ap);
        struct image_location *l = NULL;
        struct image_dest *dst = NULL;
        struct err e = {0};
        if (image_location_parse(s, IMAGE_TRANSPORT_NONE, &l, &e) < 0 ||
            image_dest_open(l, &dst, &e) < 0)
                fail_msg("open '%s': %s", s, e.msg);
        image_location_free(l);
        free(s);
        return dst;
}

/* Copy one image and commit; from and to are formats of fx.dir. */
static void copy_one(const char *from_fmt, const char *to_fmt, char *const *names)
{
        char *from = fx_expand(from_fmt);
        char *to = fx_expand(to_fmt);
        struct image_source *src = open_src("%s", from);
        struct image_dest *dst = open_dst("%s", to);
        struct image_copy_options o = {.names = names};
        struct err e = {0};
        if (image_copy(src, dst, &o, NULL, &e) < 0 || image_dest_commit(dst, &e) < 0)
                fail_msg("copy '%s' -> '%s': %s", from, to, e.msg);
        image_dest_free(dst);
        image_source_free(src);
        free(from);
        free(to);
}

static char *read_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *read_text(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *path = xvasprintf(fmt, ap);
        va_end(ap);
        char *buf = NULL;
        size_t len = 0;
        if (fs_read_file(AT_FDCWD, path, 0, &buf, &len, NULL) < 0)
                fail_msg("read '%s'", path);
        free(path);
        return buf;
}

/* The digest of the only image of podman's OCI layout. */
static char *podman_manifest_digest(void)
{
        return sh_out("python3 -c 'import json,sys; "
                      "print(json.load(open(sys.argv[1]))[\"manifests\"][0][\"digest\"])' "
                      "%s/ocidir/index.json",
                      fx.dir);
}

static void read_manifest(struct image_source *src, char **buf, size_t *len, char **mt)
{
        struct err e = {0};
        if (image_source_manifest(src, NULL, buf, len, mt, &e) < 0)
                fail_msg("manifest: %s", e.msg);
}

/* Read every blob of the image (verifying each) and return the layer
 * count. */
static size_t read_all_blobs(struct image_source *src)
{
        char *buf = NULL, *mt = NULL;
        size_t len = 0;
        read_manifest(src, &buf, &len, &mt);
        struct image_manifest *m = NULL;
        struct err e = {0};
        if (image_manifest_parse(buf, len, mt, &m, &e) < 0)
                fail_msg("%s", e.msg);
        for (size_t i = 0; i <= m->n_layers; i++) {
                const struct image_descriptor *d = i < m->n_layers ? &m->layers[i] : &m->config;
                struct image_blob *b = NULL;
                if (image_source_blob(src, d, &b, &e) < 0)
                        fail_msg("%s", e.msg);
                char chunk[65536];
                ssize_t n;
                while ((n = image_blob_read(b, chunk, sizeof(chunk), &e)) > 0)
                        ;
                if (n < 0)
                        fail_msg("%s", e.msg);
                assert_string_equal(image_blob_digest(b), d->digest);
                image_blob_free(b);
        }
        size_t n = m->n_layers;
        image_manifest_free(m);
        free(buf);
        free(mt);
        return n;
}

static void test_read_podman_oci(void **state)
{
        (void)state;
        NEED_TOOLS();
        char *want_digest = podman_manifest_digest();
        const char *fmts[] = {"oci:{d}/ocidir", "oci:{d}/ocidir:localhost/bb:1",
                              "oci-archive:{d}/oa1.tar", "oci-archive:{d}/oa1.tar:localhost/bb:1"};
        for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
                char *tmp = fx_expand(fmts[i]);
                struct image_source *src = open_src("%s", tmp);
                free(tmp);
                char *buf = NULL, *mt = NULL;
                size_t len = 0;
                read_manifest(src, &buf, &len, &mt);
                assert_string_equal(mt, IMAGE_MT_OCI_MANIFEST);
                char *d = digest_buffer(buf, len);
                if (i < 2)
                        assert_string_equal(d, want_digest);
                free(d);
                assert_string_equal(image_source_names(src)[0], "localhost/bb:1");
                assert_int_equal(read_all_blobs(src), 1);
                free(buf);
                free(mt);
                image_source_free(src);
        }
        struct image_location *l = NULL;
        struct image_source *src = NULL;
        struct err e = {0};
        char *s = xasprintf("oci:%s/ocidir:nope", fx.dir);
        assert_int_equal(image_location_parse(s, IMAGE_TRANSPORT_NONE, &l, &e), 0);
        assert_int_equal(image_source_open(l, &src, &e), -ENOENT);
        assert_non_null(strstr(e.msg, "no image named 'nope'"));
        err_done(&e);
        image_location_free(l);
        free(s);
        free(want_digest);
}

static void test_read_podman_docker_archive(void **state)
{
        (void)state;
        NEED_TOOLS();
        /* The manifest containers/image makes of the archive, byte for byte
         * (podman stores it with the loaded image: same digest). */
        char *skopeo_manifest = read_text("%s/skopeo-from-da/manifest.json", fx.dir);
        const char *fmts[] = {"docker-archive:{d}/da1.tar", "docker-archive:{d}/da1.tar.gz",
                              "docker-archive:{d}/da2.tar:@0",
                              "docker-archive:{d}/da2.tar:localhost/bb:1"};
        for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
                char *tmp = fx_expand(fmts[i]);
                struct image_source *src = open_src("%s", tmp);
                free(tmp);
                char *buf = NULL, *mt = NULL;
                size_t len = 0;
                read_manifest(src, &buf, &len, &mt);
                assert_string_equal(mt, IMAGE_MT_DOCKER_MANIFEST);
                assert_string_equal(buf, skopeo_manifest);
                assert_string_equal(image_source_names(src)[0], "localhost/bb:1");
                assert_int_equal(image_source_image_count(src), i >= 2 ? 2 : 1);
                assert_int_equal(read_all_blobs(src), 1);
                free(buf);
                free(mt);
                image_source_free(src);
        }
        struct image_source *src = open_src("docker-archive:%s/da2.tar:@1", fx.dir);
        assert_string_equal(image_source_names(src)[0], "localhost/bb:2");
        image_source_free(src);
        /* From a pipe (docker-archive:/dev/stdin), plain and compressed. */
        const char *piped[] = {"da1.tar", "da1.tar.gz"};
        for (size_t i = 0; i < ARRAY_SIZE(piped); i++) {
                assert_int_equal(sh("rm -f %s/fifo && mkfifo %s/fifo", fx.dir, fx.dir), 0);
                assert_int_equal(sh("cat %s/%s > %s/fifo &", fx.dir, piped[i], fx.dir), 0);
                src = open_src("docker-archive:%s/fifo", fx.dir);
                assert_string_equal(image_source_names(src)[0], "localhost/bb:1");
                assert_int_equal(read_all_blobs(src), 1);
                image_source_free(src);
        }

        static const struct {
                const char *fmt, *msg;
        } bad[] = {
                {"docker-archive:{d}/da2.tar", "holds 2 images; choose one"},
                {"docker-archive:{d}/da2.tar:@2", "no image @2: the archive holds 2"},
                {"docker-archive:{d}/da2.tar:localhost/bb:3", "no image tagged 'localhost/bb:3'"},
                {"docker-archive:{d}/nonexistent.tar", "No such file or directory"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                char *s = fx_expand(bad[i].fmt);
                struct image_location *l = NULL;
                struct err e = {0};
                assert_int_equal(image_location_parse(s, IMAGE_TRANSPORT_NONE, &l, &e), 0);
                assert_true(image_source_open(l, &src, &e) < 0);
                if (!strstr(e.msg, bad[i].msg))
                        fail_msg("'%s': got '%s', want '%s'", s, e.msg, bad[i].msg);
                err_done(&e);
                image_location_free(l);
                free(s);
        }
        free(skopeo_manifest);
}

static void test_read_skopeo_dir(void **state)
{
        (void)state;
        NEED_TOOLS();
        struct image_source *src = open_src("dir:%s/skopeodir", fx.dir);
        char *buf = NULL, *mt = NULL;
        size_t len = 0;
        read_manifest(src, &buf, &len, &mt);
        assert_string_equal(mt, IMAGE_MT_OCI_MANIFEST);
        char *d = digest_buffer(buf, len);
        char *want = podman_manifest_digest();
        assert_string_equal(d, want);
        assert_int_equal(read_all_blobs(src), 1);
        free(d);
        free(want);
        free(buf);
        free(mt);
        image_source_free(src);
        src = open_src("dir:%s/dockerdir", fx.dir);
        assert_int_equal(read_all_blobs(src), 1);
        image_source_free(src);
}

/* berth's docker-archive of podman's images is podman's archive, byte for
 * byte, for one image and for two in one archive. */
static void test_docker_archive_identical(void **state)
{
        (void)state;
        NEED_TOOLS();
        copy_one("docker-archive:{d}/da1.tar", "docker-archive:{d}/mine1.tar", NULL);
        assert_int_equal(sh("cmp %s/da1.tar %s/mine1.tar", fx.dir, fx.dir), 0);

        struct image_dest *dst = open_dst("docker-archive:%s/mine2.tar", fx.dir);
        struct err e = {0};
        for (int i = 0; i < 2; i++) {
                struct image_source *src = open_src("docker-archive:%s/da2.tar:@%d", fx.dir, i);
                if (image_copy(src, dst, NULL, NULL, &e) < 0)
                        fail_msg("%s", e.msg);
                image_source_free(src);
        }
        if (image_dest_commit(dst, &e) < 0)
                fail_msg("%s", e.msg);
        image_dest_free(dst);
        assert_int_equal(sh("cmp %s/da2.tar %s/mine2.tar", fx.dir, fx.dir), 0);
}

/* The image ID podman gives an image is its config digest. */
static char *podman_image_id(const char *store, const char *name)
{
        return sh_out("podman --root %s/%s/root --runroot %s/%s/run --storage-driver vfs image "
                      "inspect --format '{{.Id}}' %s 2>/dev/null",
                      fx.dir, store, fx.dir, store, name);
}

static void podman_reset(const char *store)
{
        sh("podman --root %s/%s/root --runroot %s/%s/run --storage-driver vfs system reset -f",
           fx.dir, store, fx.dir, store);
        char *p = xasprintf("%s/%s", fx.dir, store);
        unit_rmtree(p);
        free(p);
}

static void test_write_oci_layout(void **state)
{
        (void)state;
        NEED_TOOLS();
        /* From podman's layout into a new one, under a name... */
        copy_one("oci:{d}/ocidir", "oci:{d}/out-oci:first", NULL);
        /* ...the manifest is podman's, byte for byte, so same digest. */
        char *want = podman_manifest_digest();
        char *got = sh_out("skopeo inspect --raw oci:%s/out-oci:first | sha256sum | cut -d' ' -f1",
                           fx.dir);
        assert_string_equal(got, want + 7);
        free(got);
        assert_int_equal(sh("skopeo inspect oci:%s/out-oci:first", fx.dir), 0);
        /* A second image and a replacement of the first name. */
        copy_one("docker-archive:{d}/da2.tar:@1", "oci:{d}/out-oci:localhost/bb:second", NULL);
        copy_one("docker-archive:{d}/da2.tar:@1", "oci:{d}/out-oci:first", NULL);
        char *n =
                sh_out("python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))[\"manifests\"];"
                       " print(len(m), *[x[\"annotations\"][\"org.opencontainers.image.ref.name\"]"
                       " for x in m])' %s/out-oci/index.json",
                       fx.dir);
        assert_string_equal(n, "2 first localhost/bb:second");
        free(n);
        /* skopeo copies every image out of berth's layout. */
        assert_int_equal(sh("skopeo copy oci:%s/out-oci:first dir:%s/from-berth-1", fx.dir, fx.dir),
                         0);
        assert_int_equal(sh("skopeo copy oci:%s/out-oci:localhost/bb:second dir:%s/from-berth-2",
                            fx.dir, fx.dir),
                         0);
        /* Docker layers kept as they are: plain tars, the OCI media type. */
        char *cfg = sh_out(
                "skopeo inspect --config oci:%s/out-oci:localhost/bb:second | python3 -c 'import "
                "json,sys; print(json.load(sys.stdin)[\"config\"][\"Cmd\"])'",
                fx.dir);
        assert_string_equal(cfg, "['/bin/sh', '-c', '/bin/sh']");
        free(cfg);
        /* podman loads an image from berth's layout with the same ID. */
        char *want_id = podman_image_id(".", "localhost/bb:2");
        char *out = sh_out("podman --root %s/p1/root --runroot %s/p1/run --storage-driver vfs "
                           "pull -q oci:%s/out-oci:localhost/bb:second 2>&1",
                           fx.dir, fx.dir, fx.dir);
        if (!strstr(out, want_id))
                fail_msg("podman pull: %s", out);
        free(out);
        podman_reset("p1");
        free(want_id);
        free(want);
}

static void test_write_oci_archive(void **state)
{
        (void)state;
        NEED_TOOLS();
        char *const names[] = {(char *)"localhost/bb:1", NULL};
        copy_one("oci:{d}/ocidir", "oci-archive:{d}/out-oa.tar", names);
        assert_int_equal(sh("skopeo inspect oci-archive:%s/out-oa.tar", fx.dir), 0);
        assert_int_equal(sh("skopeo copy oci-archive:%s/out-oa.tar dir:%s/from-oa", fx.dir, fx.dir),
                         0);
        /* podman load reads it and names it from the ref annotation. */
        assert_int_equal(sh("podman --root %s/p2/root --runroot %s/p2/run --storage-driver vfs "
                            "load -i %s/out-oa.tar",
                            fx.dir, fx.dir, fx.dir),
                         0);
        char *id = podman_image_id("p2", "localhost/bb:1");
        char *want = podman_image_id(".", "localhost/bb:1");
        assert_true(strlen(id) == 64);
        assert_string_equal(id, want);
        free(id);
        free(want);
        podman_reset("p2");
        /* berth reads back what it wrote. */
        struct image_source *src = open_src("oci-archive:%s/out-oa.tar", fx.dir);
        assert_int_equal(read_all_blobs(src), 1);
        assert_string_equal(image_source_names(src)[0], "localhost/bb:1");
        image_source_free(src);
}

static void test_write_docker_archive_from_oci(void **state)
{
        (void)state;
        NEED_TOOLS();
        /* podman's OCI layout has a gzip layer: docker-archive gets it plain,
         * checked against the diff_id. */
        char *const names[] = {(char *)"localhost/bb:1", NULL};
        copy_one("oci:{d}/ocidir", "docker-archive:{d}/out-da.tar", names);
        /* The result is again podman's docker-archive, byte for byte. */
        assert_int_equal(sh("cmp %s/da1.tar %s/out-da.tar", fx.dir, fx.dir), 0);
        copy_one("oci:{d}/ocidir", "docker-archive:{d}/out-da-ref.tar:example.com/x/y:v2", NULL);
        assert_int_equal(sh("podman --root %s/p3/root --runroot %s/p3/run --storage-driver vfs "
                            "load -i %s/out-da-ref.tar",
                            fx.dir, fx.dir, fx.dir),
                         0);
        char *id = podman_image_id("p3", "example.com/x/y:v2");
        char *want = podman_image_id(".", "localhost/bb:1");
        assert_string_equal(id, want);
        free(id);
        free(want);
        podman_reset("p3");
}

static void test_write_multi_docker_archive_loads(void **state)
{
        (void)state;
        NEED_TOOLS();
        struct image_dest *dst = open_dst("docker-archive:%s/out-multi.tar", fx.dir);
        struct err e = {0};
        const char *from[] = {"oci:{d}/ocidir", "docker-archive:{d}/da2.tar:@1"};
        for (size_t i = 0; i < ARRAY_SIZE(from); i++) {
                char *tmp = fx_expand(from[i]);
                struct image_source *src = open_src("%s", tmp);
                free(tmp);
                char *const names[] = {
                        i ? (char *)"localhost/multi:two" : (char *)"localhost/multi:one", NULL};
                struct image_copy_options o = {.names = names};
                if (image_copy(src, dst, &o, NULL, &e) < 0)
                        fail_msg("%s", e.msg);
                image_source_free(src);
        }
        if (image_dest_commit(dst, &e) < 0)
                fail_msg("%s", e.msg);
        image_dest_free(dst);
        assert_int_equal(sh("podman --root %s/p4/root --runroot %s/p4/run --storage-driver vfs "
                            "load -i %s/out-multi.tar",
                            fx.dir, fx.dir, fx.dir),
                         0);
        char *one = podman_image_id("p4", "localhost/multi:one");
        char *two = podman_image_id("p4", "localhost/multi:two");
        char *want1 = podman_image_id(".", "localhost/bb:1");
        char *want2 = podman_image_id(".", "localhost/bb:2");
        assert_string_equal(one, want1);
        assert_string_equal(two, want2);
        free(one);
        free(two);
        free(want1);
        free(want2);
        podman_reset("p4");
        /* and skopeo reads each by index. */
        assert_int_equal(sh("skopeo inspect docker-archive:%s/out-multi.tar:@1", fx.dir), 0);
}

static void test_write_dir(void **state)
{
        (void)state;
        NEED_TOOLS();
        copy_one("oci:{d}/ocidir", "dir:{d}/out-dir", NULL);
        char *v = read_text("%s/out-dir/version", fx.dir);
        assert_string_equal(v, "Directory Transport Version: 1.1\n");
        free(v);
        /* Like skopeo's: same files, same bytes. */
        assert_int_equal(sh("diff -r %s/skopeodir %s/out-dir", fx.dir, fx.dir), 0);
        assert_int_equal(sh("skopeo copy dir:%s/out-dir oci:%s/from-dir:x", fx.dir, fx.dir), 0);
        /* Writing again replaces it; a foreign non-empty directory is refused. */
        copy_one("docker-archive:{d}/da1.tar", "dir:{d}/out-dir", NULL);
        struct image_location *l = NULL;
        struct image_dest *dst = NULL;
        struct err e = {0};
        char *s = xasprintf("dir:%s/rootfs", fx.dir);
        assert_int_equal(image_location_parse(s, IMAGE_TRANSPORT_NONE, &l, &e), 0);
        assert_int_equal(image_dest_open(l, &dst, &e), -EEXIST);
        assert_non_null(strstr(e.msg, "is not empty and was not written by the dir transport"));
        err_done(&e);
        image_location_free(l);
        free(s);
}

/* Flip one byte of a blob file in place. */
static void corrupt(const char *path)
{
        int fd = open(path, O_RDWR | O_CLOEXEC);
        assert_true(fd >= 0);
        unsigned char c = 0;
        assert_int_equal(pread(fd, &c, 1, 100), 1);
        c ^= 0xff;
        assert_int_equal(pwrite(fd, &c, 1, 100), 1);
        close(fd);
}

static void expect_copy_fails(const char *from_fmt, const char *to_fmt, const char *msg)
{
        char *from = fx_expand(from_fmt);
        char *to = fx_expand(to_fmt);
        struct image_source *src = open_src("%s", from);
        struct image_dest *dst = open_dst("%s", to);
        struct err e = {0};
        int r = image_copy(src, dst, NULL, NULL, &e);
        if (r >= 0 || !strstr(e.msg, msg))
                fail_msg("copy '%s' -> '%s': got %d '%s', want '%s'", from, to, r, e.msg, msg);
        assert_int_equal(r, -EBADMSG);
        err_done(&e);
        image_dest_free(dst);
        image_source_free(src);
        free(from);
        free(to);
}

static void test_digest_mismatch(void **state)
{
        (void)state;
        NEED_TOOLS();
        assert_int_equal(sh("cp -a %s/ocidir %s/bad-oci", fx.dir, fx.dir), 0);
        char *layer = sh_out("ls -S %s/bad-oci/blobs/sha256 | head -1", fx.dir);
        char *path = xasprintf("%s/bad-oci/blobs/sha256/%s", fx.dir, layer);
        corrupt(path);
        char *msg = xasprintf(
                "blob sha256:%s: digest mismatch: expected sha256:%s, got sha256:", layer, layer);
        /* Nothing is committed anywhere: no archive, no index entry. */
        expect_copy_fails("oci:{d}/bad-oci", "docker-archive:{d}/never.tar", msg);
        assert_int_not_equal(sh("test -e %s/never.tar", fx.dir), 0);
        assert_int_equal(sh("! ls %s/.never.tar.tmp-* 2>/dev/null", fx.dir), 0);
        expect_copy_fails("oci:{d}/bad-oci", "oci-archive:{d}/never-oa.tar", msg);
        assert_int_not_equal(sh("test -e %s/never-oa.tar", fx.dir), 0);
        expect_copy_fails("oci:{d}/bad-oci", "oci:{d}/never-oci", msg);
        assert_int_not_equal(sh("test -e %s/never-oci/index.json", fx.dir), 0);
        assert_int_equal(sh("test -z \"$(ls %s/never-oci/blobs/sha256)\"", fx.dir), 0);
        expect_copy_fails("oci:{d}/bad-oci", "dir:{d}/never-dir", msg);
        assert_int_not_equal(sh("test -e %s/never-dir/manifest.json", fx.dir), 0);
        /* skopeo agrees that the layout is broken. */
        assert_int_not_equal(sh("skopeo copy oci:%s/bad-oci dir:%s/skopeo-never", fx.dir, fx.dir),
                             0);
        free(msg);
        free(path);

        /* A docker-archive whose layer was altered inside the tar. */
        assert_int_equal(sh("cp %s/da1.tar %s/bad-da.tar", fx.dir, fx.dir), 0);
        char *bad = xasprintf("%s/bad-da.tar", fx.dir);
        int fd = open(bad, O_RDWR | O_CLOEXEC);
        unsigned char c = 0;
        assert_int_equal(pread(fd, &c, 1, 4096), 1);
        c ^= 0xff;
        assert_int_equal(pwrite(fd, &c, 1, 4096), 1);
        close(fd);
        expect_copy_fails("docker-archive:{d}/bad-da.tar", "oci:{d}/never-oci2", "digest mismatch");
        free(bad);
        free(layer);
}

/* Hand-made docker-archives with hostile members. */
static void test_hostile_archives(void **state)
{
        (void)state;
        NEED_TOOLS();
        const char *d = fx.dir;
        /* A layer path that climbs out of the archive, and one that is a
         * symlink to a file outside it. */
        assert_int_equal(sh("mkdir -p %s/h1 && cd %s/h1 && tar xf ../da1.tar && "
                            "sed -i 's#\"Layers\":\\[\"#\"Layers\":[\"../../#' manifest.json && "
                            "tar cf ../hostile1.tar *",
                            d, d),
                         0);
        assert_int_equal(sh("mkdir -p %s/h2 && cd %s/h2 && tar xf ../da1.tar && "
                            "for l in */layer.tar; do ln -sf /etc/passwd $l; done && "
                            "sed -i 's#\"Layers\":\\[\"[0-9a-f]*.tar\"#\"Layers\":[\"'$(ls -d */ | "
                            "head -1)'layer.tar\"#' manifest.json && tar cf ../hostile2.tar *",
                            d, d),
                         0);
        static const struct {
                const char *file, *msg;
        } cases[] = {
                {"hostile1.tar", "not found"},
                {"hostile2.tar", "not found"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *s = xasprintf("docker-archive:%s/%s", d, cases[i].file);
                struct image_location *l = NULL;
                struct image_source *src = NULL;
                struct err e = {0};
                assert_int_equal(image_location_parse(s, IMAGE_TRANSPORT_NONE, &l, &e), 0);
                assert_true(image_source_open(l, &src, &e) < 0);
                if (!strstr(e.msg, cases[i].msg))
                        fail_msg("%s: got '%s', want '%s'", cases[i].file, e.msg, cases[i].msg);
                err_done(&e);
                image_location_free(l);
                free(s);
        }
}

/* ------------------------------------------------------------------------
 * containers-storage: a store of berth's, which podman then uses as its own
 * (same graphroot, runroot and driver), and the other way round.
 * ------------------------------------------------------------------------ */

static struct store *open_store(const char *name)
{
        char *root = xasprintf("%s/%s/root", fx.dir, name);
        char *run = xasprintf("%s/%s/run", fx.dir, name);
        struct storage_conf sc = {.driver = (char *)"vfs", .graphroot = root, .runroot = run};
        struct store *st = NULL;
        struct err e = {0};
        if (store_open(&sc, false, &st, &e) < 0)
                fail_msg("%s", e.msg);
        free(root);
        free(run);
        return st;
}

static char *podman_in(const char *store)
{
        return xasprintf("podman --root %s/%s/root --runroot %s/%s/run --storage-driver vfs",
                         fx.dir, store, fx.dir, store);
}

/* Copy from a file transport into the store under name. */
static void load_into(struct store *st, const char *from_fmt, const char *name)
{
        char *from = fx_expand(from_fmt);
        struct image_source *src = open_src("%s", from);
        struct image_location *l = NULL;
        struct image_dest *dst = NULL;
        struct err e = {0};
        char *to = xasprintf("containers-storage:%s", name);
        if (image_location_parse(to, IMAGE_TRANSPORT_NONE, &l, &e) < 0 ||
            image_dest_open_store(st, l, &dst, &e) < 0 ||
            image_copy(src, dst, NULL, NULL, &e) < 0 || image_dest_commit(dst, &e) < 0)
                fail_msg("load '%s' as '%s': %s", from, name, e.msg);
        image_dest_free(dst);
        image_location_free(l);
        image_source_free(src);
        free(from);
        free(to);
}

/* Copy an image of the store to a file transport. */
static void save_from(struct store *st, const char *name, const char *to_fmt, char *const *names)
{
        char *from = xasprintf("containers-storage:%s", name);
        char *to = fx_expand(to_fmt);
        struct image_location *l = NULL;
        struct image_source *src = NULL;
        struct err e = {0};
        if (image_location_parse(from, IMAGE_TRANSPORT_NONE, &l, &e) < 0 ||
            image_source_open_store(st, l, &src, &e) < 0)
                fail_msg("open '%s': %s", from, e.msg);
        struct image_dest *dst = open_dst("%s", to);
        struct image_copy_options o = {.names = names};
        if (image_copy(src, dst, &o, NULL, &e) < 0 || image_dest_commit(dst, &e) < 0)
                fail_msg("save '%s' to '%s': %s", from, to, e.msg);
        image_dest_free(dst);
        image_source_free(src);
        image_location_free(l);
        free(from);
        free(to);
}

static size_t count_layers(struct store *st)
{
        struct json *layers = NULL;
        assert_int_equal(store_layers(st, &layers, NULL), 0);
        size_t n = layers->arr.len;
        json_free(layers);
        return n;
}

static void test_storage_load_podman_reads(void **state)
{
        (void)state;
        NEED_TOOLS();
        struct store *st = open_store("s1");
        char *P = podman_in("s1");
        load_into(st, "docker-archive:{d}/da1.tar", "localhost/bb:1");
        load_into(st, "docker-archive:{d}/da3.tar", "localhost/bb:three");
        /* Layers shared with bb:1 are reused: 1 + 2 more. */
        assert_int_equal(count_layers(st), 3);
        /* Loading again adds nothing. */
        load_into(st, "docker-archive:{d}/da3.tar", "localhost/bb:three");
        load_into(st, "oci:{d}/ocidir", "localhost/bb:again");
        assert_int_equal(count_layers(st), 3);

        /* podman lists them with the IDs and digests it gives them itself. */
        char *ids = sh_out("%s images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}' "
                           "2>/dev/null | sort",
                           P);
        char *want1 = podman_image_id(".", "localhost/bb:1");
        char *want3 = podman_image_id(".", "localhost/bb:three");
        char *expect = xasprintf("localhost/bb:1 sha256:%s\nlocalhost/bb:again sha256:%s\n"
                                 "localhost/bb:three sha256:%s",
                                 want1, want1, want3);
        assert_string_equal(ids, expect);
        /* The digest is that of the manifest podman makes of the archive. */
        char *dg =
                sh_out("%s image inspect --format '{{.Digest}}' localhost/bb:three 2>/dev/null", P);
        char *Pp = podman_in("s1p");
        assert_int_equal(sh("%s load -i %s/da3.tar", Pp, fx.dir), 0);
        char *ref = sh_out("%s image inspect --format '{{.Digest}}' localhost/bb:three 2>/dev/null",
                           Pp);
        free(Pp);
        assert_string_equal(dg, ref);
        podman_reset("s1p");

        /* podman saves what berth loaded: the very archives it wrote. */
        assert_int_equal(sh("%s save -o %s/s1-da3.tar localhost/bb:three", P, fx.dir), 0);
        assert_int_equal(sh("cmp %s/da3.tar %s/s1-da3.tar", fx.dir, fx.dir), 0);
        assert_int_equal(sh("%s save -o %s/s1-da1.tar localhost/bb:1", P, fx.dir), 0);
        assert_int_equal(sh("cmp %s/da1.tar %s/s1-da1.tar", fx.dir, fx.dir), 0);
        /* skopeo reads it through containers-storage: as well. */
        assert_int_equal(sh("skopeo copy containers-storage:[vfs@%s/s1/root+%s/s1/run]"
                            "localhost/bb:three dir:%s/s1-dir",
                            fx.dir, fx.dir, fx.dir),
                         0);
        free(ids);
        free(want1);
        free(want3);
        free(expect);
        free(dg);
        free(ref);
        store_free(st);
        free(P);
        podman_reset("s1");
}

static void test_storage_save_like_podman(void **state)
{
        (void)state;
        NEED_TOOLS();
        /* podman loads; berth saves from the same store. */
        char *P = podman_in("s2");
        assert_int_equal(sh("%s load -i %s/da3.tar", P, fx.dir), 0);
        assert_int_equal(sh("%s load -i %s/da1.tar", P, fx.dir), 0);
        struct store *st = open_store("s2");
        size_t before = count_layers(st);
        /* Byte-identical docker-archives (layer tars reassembled by the store). */
        save_from(st, "localhost/bb:three", "docker-archive:{d}/s2-da3.tar", NULL);
        assert_int_equal(sh("cmp %s/da3.tar %s/s2-da3.tar", fx.dir, fx.dir), 0);
        char *const names[] = {(char *)"localhost/bb:1", NULL};
        char *id = podman_image_id("s2", "localhost/bb:1");
        save_from(st, id, "docker-archive:{d}/s2-da1.tar", names);
        assert_int_equal(sh("cmp %s/da1.tar %s/s2-da1.tar", fx.dir, fx.dir), 0);
        /* By a short ID prefix too, and into the other formats. */
        char prefix[13];
        snprintf(prefix, sizeof(prefix), "%s", id);
        save_from(st, prefix, "oci:{d}/s2-oci:x", NULL);
        assert_int_equal(sh("skopeo inspect oci:%s/s2-oci:x", fx.dir), 0);
        save_from(st, "localhost/bb:three", "oci-archive:{d}/s2-oa.tar", NULL);
        assert_int_equal(
                sh("skopeo copy oci-archive:%s/s2-oa.tar dir:%s/s2-oa-dir", fx.dir, fx.dir), 0);
        /* Compressed as podman saves OCI images. */
        char *types = sh_out("skopeo inspect --raw oci-archive:%s/s2-oa.tar | python3 -c 'import "
                             "json,sys; print(*sorted(set(l[\"mediaType\"] for l in "
                             "json.load(sys.stdin)[\"layers\"])))'",
                             fx.dir);
        assert_string_equal(types, IMAGE_MT_OCI_LAYER_GZIP);
        free(types);
        /* berth loads back what it saved into podman's store: no new layer. */
        load_into(st, "oci-archive:{d}/s2-oa.tar", "localhost/bb:roundtrip");
        load_into(st, "docker-archive:{d}/s2-da3.tar", "localhost/bb:three");
        assert_int_equal(count_layers(st), before);
        char *rt = podman_image_id("s2", "localhost/bb:roundtrip");
        char *three = podman_image_id("s2", "localhost/bb:three");
        assert_string_equal(rt, three);
        /* and podman still reads the store and runs its checks on it. */
        assert_int_equal(sh("%s image inspect localhost/bb:roundtrip", P), 0);
        free(rt);
        free(three);
        free(id);
        store_free(st);
        free(P);
        podman_reset("s2");
}

static void test_storage_digest_mismatch(void **state)
{
        (void)state;
        NEED_TOOLS();
        assert_int_equal(sh("test -d %s/bad-oci || (cp -a %s/ocidir %s/bad-oci && "
                            "f=$(ls -S %s/bad-oci/blobs/sha256 | head -1) && "
                            "printf x | dd of=%s/bad-oci/blobs/sha256/$f bs=1 seek=100 "
                            "conv=notrunc)",
                            fx.dir, fx.dir, fx.dir, fx.dir, fx.dir),
                         0);
        struct store *st = open_store("s3");
        struct image_source *src = open_src("oci:%s/bad-oci", fx.dir);
        struct image_dest *dst = NULL;
        struct err e = {0};
        assert_int_equal(image_dest_open_store(st, NULL, &dst, &e), 0);
        assert_int_equal(image_copy(src, dst, NULL, NULL, &e), -EBADMSG);
        assert_non_null(strstr(e.msg, "digest mismatch: expected sha256:"));
        err_done(&e);
        image_dest_free(dst);
        image_source_free(src);
        /* Nothing committed, nothing left in staging. */
        assert_int_equal(count_layers(st), 0);
        struct json *images = NULL;
        assert_int_equal(store_images(st, &images, NULL), 0);
        assert_int_equal(images->arr.len, 0);
        json_free(images);
        assert_int_equal(sh("test -z \"$(ls -A %s/s3/root/berth/staging 2>/dev/null | "
                            "grep -v lock)\"",
                            fx.dir),
                         0);
        store_free(st);
        podman_reset("s3");
}

/* A multi-platform image: an OCI layout whose entry is an image index
 * listing podman's amd64 image and a (missing) arm64 one. */
static void make_multi_layout(void)
{
        assert_int_equal(
                sh("d=%s; rm -rf $d/multi && cp -a $d/ocidir $d/multi && python3 - $d/multi "
                   "<<'PY'\n"
                   "import json, sys, hashlib\n"
                   "d = sys.argv[1]\n"
                   "top = json.load(open(d + '/index.json'))['manifests'][0]\n"
                   "arm = dict(top, digest='sha256:' + '1' * 64, platform={'architecture': "
                   "'arm64', 'os': 'linux', 'variant': 'v8'})\n"
                   "amd = dict(top, platform={'architecture': 'amd64', 'os': 'linux'})\n"
                   "for x in (arm, amd): x.pop('annotations', None)\n"
                   "idx = json.dumps({'schemaVersion': 2, 'mediaType': "
                   "'application/vnd.oci.image.index.v1+json', 'manifests': [arm, amd]}, "
                   "separators=(',', ':')).encode()\n"
                   "h = hashlib.sha256(idx).hexdigest()\n"
                   "open(d + '/blobs/sha256/' + h, 'wb').write(idx)\n"
                   "json.dump({'schemaVersion': 2, 'manifests': [{'mediaType': "
                   "'application/vnd.oci.image.index.v1+json', 'digest': 'sha256:' + h, "
                   "'size': len(idx), 'annotations': {'org.opencontainers.image.ref.name': "
                   "'multi'}}]}, open(d + '/index.json', 'w'))\n"
                   "PY\n",
                   fx.dir),
                0);
}

static void test_multi_platform(void **state)
{
        (void)state;
        NEED_TOOLS();
        make_multi_layout();
        char *index_digest = sh_out("skopeo inspect --raw oci:%s/multi:multi | sha256sum | cut "
                                    "-d' ' -f1",
                                    fx.dir);
        /* The amd64 instance, chosen explicitly, is podman's image. */
        struct image_source *src = open_src("oci:%s/multi:multi", fx.dir);
        struct image_dest *dst = open_dst("docker-archive:%s/multi.tar:localhost/bb:1", fx.dir);
        struct image_copy_options o = {.os = "linux", .arch = "amd64"};
        struct err e = {0};
        if (image_copy(src, dst, &o, NULL, &e) < 0 || image_dest_commit(dst, &e) < 0)
                fail_msg("%s", e.msg);
        image_dest_free(dst);
        assert_int_equal(sh("cmp %s/da1.tar %s/multi.tar", fx.dir, fx.dir), 0);
        /* No instance for s390x. */
        dst = open_dst("docker-archive:%s/multi-none.tar", fx.dir);
        o.arch = "s390x";
        assert_int_equal(image_copy(src, dst, &o, NULL, &e), -ENOENT);
        assert_non_null(strstr(e.msg, "no image found in image index for architecture s390x, "
                                      "variant \"\", OS linux"));
        err_done(&e);
        image_dest_free(dst);
        /* Into the store: the image is known by the index's digest, and the
         * index is kept as big data, as podman does for a multi-arch pull. */
        struct store *st = open_store("s4");
        assert_int_equal(image_dest_open_store(st, NULL, &dst, &e), 0);
        char *const names[] = {(char *)"localhost/multi:1", NULL};
        o = (struct image_copy_options){.names = names, .arch = "amd64", .os = "linux"};
        if (image_copy(src, dst, &o, NULL, &e) < 0 || image_dest_commit(dst, &e) < 0)
                fail_msg("%s", e.msg);
        image_dest_free(dst);
        image_source_free(src);
        char *P = podman_in("s4");
        char *dg =
                sh_out("%s image inspect --format '{{.Digest}}' localhost/multi:1 2>/dev/null", P);
        char *want = xasprintf("sha256:%s", index_digest);
        assert_string_equal(dg, want);
        char *id = sh_out("%s image inspect --format '{{.Id}}' localhost/multi:1 2>/dev/null", P);
        char *want_id = podman_image_id(".", "localhost/bb:1");
        assert_string_equal(id, want_id);
        struct json *img = NULL;
        assert_int_equal(store_image_lookup(st, "localhost/multi:1", &img, &e), 0);
        char *key = xasprintf("manifest-sha256:%s", index_digest);
        char *buf = NULL;
        size_t len = 0;
        assert_int_equal(
                store_image_big_data(st, json_object_get_string(img, "id"), key, &buf, &len, &e),
                0);
        free(buf);
        free(key);
        json_free(img);
        /* Saving it back out selects the same instance from the stored index. */
        save_from(st, "localhost/multi:1", "docker-archive:{d}/multi-back.tar", NULL);
        char *tags = sh_out("tar xOf %s/multi-back.tar manifest.json", fx.dir);
        assert_non_null(strstr(tags, "\"RepoTags\":[\"localhost/multi:1\"]"));
        free(tags);
        free(id);
        free(want_id);
        free(dg);
        free(want);
        free(P);
        free(index_digest);
        store_free(st);
        podman_reset("s4");
}
int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_transport_names),
                cmocka_unit_test(test_oci),
                cmocka_unit_test(test_docker_archive),
                cmocka_unit_test(test_dir_and_docker),
                cmocka_unit_test(test_storage),
                cmocka_unit_test(test_bare_names),
                cmocka_unit_test(test_invalid),
                cmocka_unit_test(test_read_podman_oci),
                cmocka_unit_test(test_read_podman_docker_archive),
                cmocka_unit_test(test_read_skopeo_dir),
                cmocka_unit_test(test_docker_archive_identical),
                cmocka_unit_test(test_write_oci_layout),
                cmocka_unit_test(test_write_oci_archive),
                cmocka_unit_test(test_write_docker_archive_from_oci),
                cmocka_unit_test(test_write_multi_docker_archive_loads),
                cmocka_unit_test(test_write_dir),
                cmocka_unit_test(test_digest_mismatch),
                cmocka_unit_test(test_hostile_archives),
                cmocka_unit_test(test_storage_load_podman_reads),
                cmocka_unit_test(test_storage_save_like_podman),
                cmocka_unit_test(test_storage_digest_mismatch),
                cmocka_unit_test(test_multi_platform),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the tar stream of `berth cp - CONTAINER:DIR`, extracted
 * into a fresh root inside a scratch dir that also holds a canary (the
 * bytes' first bit picks the destination: the root itself or a directory
 * below it that holds a symlink pointing up and out). Afterwards nothing
 * but the root and the canary may exist there and the canary must be
 * intact: the extraction never escapes its root or crashes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "base.h"
#include "ctr-cp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int scratchfd = -1;
static int nullfd = -1;

static void init(void)
{
        char tmpl[] = "/tmp/berth-fuzz-cp-tar-XXXXXX";
        if (!mkdtemp(tmpl))
                abort();
        scratchfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        nullfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (scratchfd < 0 || nullfd < 0 ||
            fs_write_atomic(scratchfd, "canary", "canary", 6, 0644, NULL) < 0)
                abort();
}

/* rm -rf of dirfd/name, making directories writable first (a tar may
 * leave them 0). */
static void rm_tree(int dfd, const char *name)
{
        if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
                return;
        (void)fchmodat(dfd, name, 0700, 0);
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                abort();
        DIR *d = fdopendir(fd);
        if (!d)
                abort();
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        rm_tree(dirfd(d), de->d_name);
        closedir(d);
        if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
                abort();
}

static void check_scratch(void)
{
        int fd = openat(scratchfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fdopendir(fd);
        if (!d)
                abort();
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
                    strcmp(de->d_name, "root") && strcmp(de->d_name, "canary")) {
                        fprintf(stderr, "escaped the root: '%s'\n", de->d_name);
                        abort();
                }
        closedir(d);
        char buf[16];
        int c = openat(scratchfd, "canary", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (c < 0 || read(c, buf, sizeof(buf)) != 6 || memcmp(buf, "canary", 6) != 0) {
                fprintf(stderr, "canary changed\n");
                abort();
        }
        close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (scratchfd < 0)
                init();
        if (mkdirat(scratchfd, "root", 0755) < 0)
                abort();
        int rootfd = openat(scratchfd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int in = memfd_create("in", MFD_CLOEXEC);
        if (rootfd < 0 || in < 0 || write(in, data, size) != (ssize_t)size ||
            lseek(in, 0, SEEK_SET) != 0)
                abort();
        /* A container directory with a link that points out of the root. */
        if (mkdirat(rootfd, "etc", 0755) < 0 || symlinkat("../../../..", rootfd, "etc/up") < 0)
                abort();
        const char *dest = size && (data[0] & 1) ? "etc/up" : ".";
        /* rootless: no device nodes; owners kept (the fuzzer runs as anyone) */
        struct cp_tar_in_opts o = {.chown = true,
                                   .uid = getuid(),
                                   .gid = getgid(),
                                   .no_devices = true,
                                   .overwrite = size && (data[0] & 2)};
        struct err e = {0};
        if (cp_tar_extract(in, rootfd, dest, &o, &e) < 0 && (!e.msg || e.code <= 0))
                abort(); /* a failure must say why */
        err_done(&e);
        close(in);
        close(rootfd);
        check_scratch();
        rm_tree(scratchfd, "root");
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: reassembling a layer from tar-split data, which is read
 * from a store other programs write. Input byte 0 picks the form: the bytes
 * as given (gzip parsing), or gzip-compressed here first (record parsing).
 * The root holds one small file so file records can reach the CRC check. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <zlib.h>

#include "base.h"
#include "layer-apply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int rootfd = -1;
static int nullfd = -1;

static void init(void)
{
        char tmpl[] = "/tmp/berth-fuzz-tarsplit-XXXXXX";
        if (!mkdtemp(tmpl))
                abort();
        rootfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        nullfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (rootfd < 0 || nullfd < 0 || fs_write_atomic(rootfd, "f", "x", 1, 0644, NULL) < 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (rootfd < 0)
                init();
        if (size == 0)
                return 0;
        const uint8_t *p = data + 1;
        size_t n = size - 1;
        unsigned char *z = NULL;
        uLongf zl = 0;
        if (!(data[0] & 1)) {
                zl = compressBound(n) + 32;
                z = xmalloc(zl);
                z_stream s = {0};
                if (deflateInit2(&s, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                        abort();
                s.next_in = (unsigned char *)p;
                s.avail_in = (uInt)n;
                s.next_out = z;
                s.avail_out = (uInt)zl;
                if (deflate(&s, Z_FINISH) != Z_STREAM_END)
                        abort();
                zl = s.total_out;
                deflateEnd(&s);
                p = z;
                n = zl;
        }
        int in = memfd_create("in", MFD_CLOEXEC);
        if (in < 0 || write(in, p, n) != (ssize_t)n || lseek(in, 0, SEEK_SET) != 0)
                abort();
        struct err e = {0};
        if (tarsplit_assemble(in, rootfd, nullfd, &e) < 0 && (!e.msg || e.code <= 0))
                abort(); /* a failure must say why */
        err_done(&e);
        close(in);
        free(z);
        return 0;
}

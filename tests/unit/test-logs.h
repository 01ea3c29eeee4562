/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the log reader's unit tests (test-logs.c, test-logs-follow.c). */
#pragma once

#include "unit.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "ctr-logs.h"

/* ---------------------------------------------------------------- helpers */

static inline void write_file(const char *path, const char *s, size_t n)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, s, n), (ssize_t)n);
        close(fd);
}

static inline void write_str(const char *dir, const char *name, const char *s)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
        write_file(p, s, strlen(s));
}

/* Allocates: everything written to a memfd. */
static inline char *memfd_text(int fd, size_t *ret_len)
{
        off_t n = lseek(fd, 0, SEEK_END);
        char *s = xmalloc((size_t)n + 1);
        assert_int_equal(pread(fd, s, (size_t)n, 0), n);
        s[n] = '\0';
        if (ret_len)
                *ret_len = (size_t)n;
        return s;
}

struct result {
        int r;
        char *out, *err;
        struct err e;
};

static inline void result_done(struct result *res)
{
        free(res->out);
        free(res->err);
        err_done(&res->e);
}

/* Run ctr_logs_write on the sources and collect both outputs. */
static inline struct result run_logs(const struct ctr_log_source *srcs, size_t n,
                                     const struct ctr_log_opts *o)
{
        struct result res = {0};
        int out = memfd_create("out", MFD_CLOEXEC), err = memfd_create("err", MFD_CLOEXEC);
        assert_true(out >= 0 && err >= 0);
        res.r = ctr_logs_write(srcs, n, o, out, err, &res.e);
        res.out = memfd_text(out, NULL);
        res.err = memfd_text(err, NULL);
        close(out);
        close(err);
        return res;
}

static inline struct result run_one(const char *path, enum ctr_log_format f,
                                    const struct ctr_log_opts *o)
{
        struct ctr_log_source src = {.path = path, .format = f};
        return run_logs(&src, 1, o);
}

/* A k8s-file line at second s (+ n ns) of a fixed day. */
static inline char *k8s(int s, const char *stream, const char *tag, const char *text)
{
        return xasprintf("2026-11-28T04:00:%02d.000000%03d+00:00 %s %s %s\n", s / 1000, s % 1000,
                         stream, tag, text);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container log reader on hostile input: every line of the input
 * through the line parser of both formats (a record that parses must be
 * well formed, an error must say why), the input as a --since value, and
 * the input as a whole log file: --tail N must print a suffix of what the
 * whole file prints, for each stream.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "ctr-logs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(enum ctr_log_format f, const char *line, size_t len)
{
        struct ctr_log_rec r = {0};
        struct err e = {0};
        if (ctr_log_parse_line(f, line, len, &r, &e) < 0) {
                if (!e.msg || !*e.msg || r.text)
                        abort();
                err_done(&e);
                return;
        }
        if ((r.stream != CTR_LOG_STDOUT && r.stream != CTR_LOG_STDERR) || !r.text ||
            r.text[r.len] != '\0' || r.len > len || r.nsec < 0 || r.nsec > 999999999)
                abort();
        free(ctr_log_format_time(&r));
        ctr_log_rec_done(&r);
}

static char *fd_text(int fd, size_t *ret_len)
{
        off_t n = lseek(fd, 0, SEEK_END);
        char *s = xmalloc((size_t)n + 1);
        if (pread(fd, s, (size_t)n, 0) != n)
                abort();
        s[n] = '\0';
        *ret_len = (size_t)n;
        return s;
}

static void run(const char *path, enum ctr_log_format f, int64_t tail, bool ts, char **out,
                size_t *out_len, char **err, size_t *err_len)
{
        int o = memfd_create("out", MFD_CLOEXEC), x = memfd_create("err", MFD_CLOEXEC);
        struct ctr_log_source src = {.path = path, .format = f};
        struct ctr_log_opts opts = {.tail = tail, .timestamps = ts};
        struct err e = {0};
        if (o < 0 || x < 0 || ctr_logs_write(&src, 1, &opts, o, x, &e) < 0)
                abort();
        *out = fd_text(o, out_len);
        *err = fd_text(x, err_len);
        close(o);
        close(x);
}

static bool is_suffix(const char *s, size_t n, const char *all, size_t all_n)
{
        return n <= all_n && memcmp(s, all + all_n - n, n) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size == 0)
                return 0;
        log_set_level(LOG_ERROR); /* malformed lines are the point: no warnings */
        enum ctr_log_format f = data[0] & 1 ? CTR_LOG_JSON_FILE : CTR_LOG_K8S_FILE;
        int64_t tail = data[0] >> 1;
        const char *text = (const char *)data + 1;
        size_t n = size - 1;

        for (size_t i = 0; i < n;) {
                const char *nl = memchr(text + i, '\n', n - i);
                size_t len = nl ? (size_t)(nl - (text + i)) : n - i;
                check_line(CTR_LOG_K8S_FILE, text + i, len);
                check_line(CTR_LOG_JSON_FILE, text + i, len);
                i += len + 1;
        }

        char *s = xstrndup(text, n < 200 ? n : 200);
        int64_t sec;
        int32_t nsec;
        struct err e = {0};
        if (ctr_log_parse_time(s, data[0] & 2, 1700000000, 0, &sec, &nsec, &e) < 0) {
                if (!e.msg)
                        abort();
                err_done(&e);
        } else if (nsec < 0 || nsec > 999999999) {
                abort();
        }
        free(s);

        int fd = memfd_create("ctr.log", MFD_CLOEXEC);
        if (fd < 0 || write(fd, text, n) != (ssize_t)n)
                abort();
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        char *all_out, *all_err, *t_out, *t_err;
        size_t ao, ae, to, te;
        bool ts = tail & 1;
        run(path, f, -1, ts, &all_out, &ao, &all_err, &ae);
        run(path, f, tail, ts, &t_out, &to, &t_err, &te);
        if (!is_suffix(t_out, to, all_out, ao) || !is_suffix(t_err, te, all_err, ae))
                abort();
        free(all_out);
        free(all_err);
        free(t_out);
        free(t_err);
        close(fd);
        return 0;
}

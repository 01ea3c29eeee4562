/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's log drivers.
 *
 * k8s-file is conmon's format, which podman's `logs` reads:
 *   2026-11-28T04:31:43.531588524+00:00 stdout F text
 * one record per line, F for a full line and P for a chunk that did not end
 * in a newline (the rest follows in later records). json-file is docker's:
 *   {"log":"text\n","stream":"stdout","time":"2026-11-28T04:31:43.531588524Z"}
 * journald goes through sd_journal_send from libsystemd, loaded with
 * dlopen only when that driver is chosen, so the monitor does not map
 * libsystemd otherwise. none drops the output.
 *
 * Rotation (both file drivers): before a record would take the file past
 * max-size, ctr.log.N-1 moves to ctr.log.N (down to ctr.log.1), the current
 * file is hard-linked as ctr.log.1 and a fresh file is renamed over ctr.log.
 * So ctr.log always exists, every record is in exactly one file, and a
 * reader following ctr.log (`logs -f`) reads its open file to the end and
 * then reopens the path: it loses no line. Records are written whole, one
 * write(2) per batch of records, never split across files.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "mon-internal.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

typedef int (*sd_journal_send_fn)(const char *format, ...);

struct mon_log {
        enum mon_log_driver driver;
        char *path;
        int fd;
        int64_t size;
        int64_t max_size;
        int64_t max_file;
        struct sbuf batch;
        /* journald */
        void *libsystemd;
        sd_journal_send_fn journal_send;
        char *id;
};

char *mon_time_k8s(int64_t sec, int32_t nsec)
{
        time_t t = (time_t)sec;
        struct tm tm;
        localtime_r(&t, &tm);
        char base[32];
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        long off = tm.tm_gmtoff;
        char sign = off < 0 ? '-' : '+';
        if (off < 0)
                off = -off;
        return xasprintf("%s.%09d%c%02ld:%02ld", base, (int)nsec, sign, off / 3600,
                         (off % 3600) / 60);
}

/* Append s as the inside of a JSON string the way Go's encoding/json writes
 * it (docker's json-file): <, > and & escaped, invalid UTF-8 as U+FFFD. */
static void json_escape(struct sbuf *b, const char *s, size_t len)
{
        static const char hex[] = "0123456789abcdef";
        const unsigned char *p = (const unsigned char *)s;
        size_t i = 0;
        while (i < len) {
                unsigned char c = p[i];
                if (c >= 0x80) {
                        size_t n = utf8_seq_len(p + i, len - i);
                        if (n == 0) {
                                sbuf_append(b, "\\ufffd");
                                i++;
                        } else {
                                sbuf_append_len(b, s + i, n);
                                i += n;
                        }
                        continue;
                }
                switch (c) {
                case '"':
                        sbuf_append(b, "\\\"");
                        break;
                case '\\':
                        sbuf_append(b, "\\\\");
                        break;
                case '\n':
                        sbuf_append(b, "\\n");
                        break;
                case '\r':
                        sbuf_append(b, "\\r");
                        break;
                case '\t':
                        sbuf_append(b, "\\t");
                        break;
                case '<':
                case '>':
                case '&':
                        goto u;
                default:
                        if (c < 0x20)
                                goto u;
                        sbuf_putc(b, (char)c);
                }
                i++;
                continue;
        u:
                sbuf_append(b, "\\u00");
                sbuf_putc(b, hex[c >> 4]);
                sbuf_putc(b, hex[c & 15]);
                i++;
        }
}

void mon_log_format(enum mon_log_driver d, enum mon_stream s, const char *line, size_t len,
                    bool partial, int64_t sec, int32_t nsec, struct sbuf *b)
{
        const char *stream = s == MON_STDERR ? "stderr" : "stdout";
        if (d == MON_LOG_K8S_FILE) {
                _cleanup_free_ char *t = mon_time_k8s(sec, nsec);
                sbuf_printf(b, "%s %s %c ", t, stream, partial ? 'P' : 'F');
                sbuf_append_len(b, line, len);
                sbuf_putc(b, '\n');
        } else if (d == MON_LOG_JSON_FILE) {
                _cleanup_free_ char *t = time_format_rfc3339(sec, nsec);
                sbuf_append(b, "{\"log\":\"");
                json_escape(b, line, len);
                if (!partial)
                        sbuf_append(b, "\\n");
                sbuf_printf(b, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, t);
        }
}

static int open_log_file(const char *path, int *ret_fd, int64_t *ret_size, struct err *e)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return err_errno(e, "open log file '%s'", path);
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int r = err_errno(e, "stat log file '%s'", path);
                close(fd);
                return r;
        }
        *ret_fd = fd;
        *ret_size = st.st_size;
        return 0;
}

/* Make room: shift the rotated files up, keep the current one as .1 and
 * put a fresh file at the path (see the top of the file). */
static int rotate(struct mon_log *l, struct err *e)
{
        _cleanup_free_ char *tmp = xasprintf("%s.new", l->path);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return err_errno(e, "create log file '%s'", tmp);
        if (l->max_file >= 2) {
                for (int64_t k = l->max_file - 1; k >= 2; k--) {
                        _cleanup_free_ char *from =
                                xasprintf("%s.%lld", l->path, (long long)(k - 1));
                        _cleanup_free_ char *to = xasprintf("%s.%lld", l->path, (long long)k);
                        if (rename(from, to) < 0 && errno != ENOENT)
                                log_debug("rotating '%s': %m", from);
                }
                _cleanup_free_ char *one = xasprintf("%s.1", l->path);
                if (unlink(one) < 0 && errno != ENOENT)
                        log_debug("rotating '%s': %m", one);
                if (link(l->path, one) < 0) {
                        /* no hard links here: a short window without ctr.log */
                        if (rename(l->path, one) < 0)
                                log_debug("rotating '%s': %m", l->path);
                }
        }
        if (rename(tmp, l->path) < 0) {
                int r = err_errno(e, "rename '%s'", tmp);
                close(fd);
                unlink(tmp);
                return r;
        }
        close(l->fd);
        l->fd = fd;
        l->size = 0;
        return 0;
}

static void flush_batch(struct mon_log *l)
{
        size_t off = 0;
        while (off < l->batch.len) {
                ssize_t n = write(l->fd, l->batch.buf + off, l->batch.len - off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        log_debug("writing the log '%s': %m", l->path);
                        break;
                }
                off += (size_t)n;
                l->size += n;
        }
        l->batch.len = 0;
}

/* Add one record to the batch, rotating first if it would overflow the file. */
static void file_record(struct mon_log *l, enum mon_stream s, const char *line, size_t len,
                        bool partial, int64_t sec, int32_t nsec)
{
        size_t before = l->batch.len;
        mon_log_format(l->driver, s, line, len, partial, sec, nsec, &l->batch);
        if (l->max_size <= 0)
                return;
        size_t rec = l->batch.len - before;
        if (l->size + (int64_t)l->batch.len <= l->max_size || l->size + (int64_t)before == 0)
                return;
        /* Write what came before this record to the old file, then rotate,
         * and this record starts the new file. */
        _cleanup_free_ char *r = xstrndup(l->batch.buf + before, rec);
        l->batch.len = before;
        if (before > 0)
                flush_batch(l);
        struct err e = {0};
        if (rotate(l, &e) < 0)
                log_debug("%s", e.msg);
        err_done(&e);
        sbuf_append_len(&l->batch, r, rec);
}

static void journal_record(struct mon_log *l, enum mon_stream s, const char *line, size_t len,
                           bool partial)
{
        char short_id[13];
        snprintf(short_id, sizeof(short_id), "%.12s", l->id);
        int r = l->journal_send("MESSAGE=%.*s", (int)len, line, "PRIORITY=%d",
                                s == MON_STDERR ? 3 : 6, "CONTAINER_ID=%s", short_id,
                                "CONTAINER_ID_FULL=%s", l->id, "SYSLOG_IDENTIFIER=%s", short_id,
                                partial ? "CONTAINER_PARTIAL_MESSAGE=true" : NULL, NULL);
        if (r < 0)
                log_debug("sd_journal_send: %s", strerror(-r));
}

void mon_log_write(struct mon_log *l, enum mon_stream s, const char *buf, size_t len)
{
        if (!l || l->driver == MON_LOG_NONE || len == 0)
                return;
        int64_t sec;
        int32_t nsec;
        time_now(&sec, &nsec);
        size_t i = 0;
        while (i < len) {
                const char *nl = memchr(buf + i, '\n', len - i);
                size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;
                if (l->driver == MON_LOG_JOURNALD)
                        journal_record(l, s, buf + i, n, !nl);
                else
                        file_record(l, s, buf + i, n, !nl, sec, nsec);
                i += n + (nl ? 1 : 0);
        }
        if (l->driver != MON_LOG_JOURNALD)
                flush_batch(l);
}

static int journal_open(struct mon_log *l, struct err *e)
{
        if (access(JOURNAL_SOCKET, F_OK) < 0)
                return err_set(e, ENOENT,
                               "log driver journald: journald is not running here ('%s' does "
                               "not exist)",
                               JOURNAL_SOCKET);
        l->libsystemd = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
        if (!l->libsystemd)
                return err_set(e, ENOENT, "log driver journald: cannot load libsystemd.so.0: %s",
                               dlerror());
        l->journal_send = (sd_journal_send_fn)dlsym(l->libsystemd, "sd_journal_send");
        if (!l->journal_send)
                return err_set(e, ENOENT,
                               "log driver journald: libsystemd.so.0 has no "
                               "sd_journal_send");
        return 0;
}

int mon_log_open(enum mon_log_driver d, const char *path, int64_t max_size, int64_t max_file,
                 const char *id, struct mon_log **ret, struct err *e)
{
        struct mon_log *l = xcalloc(1, sizeof(*l));
        l->driver = d;
        l->fd = -1;
        l->max_size = max_size;
        l->max_file = max_file;
        l->id = xstrdup(id);
        int r = 0;
        if (d == MON_LOG_JOURNALD) {
                r = journal_open(l, e);
        } else if (d != MON_LOG_NONE) {
                if (!path)
                        r = err_set(e, EINVAL, "log driver %s needs a log path",
                                    d == MON_LOG_K8S_FILE ? "k8s-file" : "json-file");
                else {
                        l->path = xstrdup(path);
                        r = open_log_file(path, &l->fd, &l->size, e);
                }
        }
        if (r < 0) {
                mon_log_free(l);
                return r;
        }
        *ret = l;
        return 0;
}

void mon_log_free(struct mon_log *l)
{
        if (!l)
                return;
        if (l->fd >= 0)
                close(l->fd);
        if (l->libsystemd)
                dlclose(l->libsystemd);
        sbuf_done(&l->batch);
        free(l->path);
        free(l->id);
        free(l);
}

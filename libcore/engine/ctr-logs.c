/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container log files: parsing their lines (k8s-file as conmon writes them,
 * json-file as docker writes them), --since/--until values as podman reads
 * them, and the two ways through a file: forward line by line, and backward
 * from the end to find where the last N lines start (so --tail reads only
 * the end of a large log). Rotation and following are in ctr-logs-follow.c.
 *
 * Log files are written by the container's monitor from what the container
 * prints, so their content is untrusted: every line is bounded
 * (CTR_LOG_LINE_MAX) and a malformed one is an error the callers skip.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "ctr-logs.h"

#define READ_CHUNK (64 * 1024)

static const char *const format_names[] = {
        [CTR_LOG_K8S_FILE] = "k8s-file",
        [CTR_LOG_JSON_FILE] = "json-file",
};

int ctr_log_format_from_string(const char *s, enum ctr_log_format *ret)
{
        for (size_t i = 0; i < ARRAY_SIZE(format_names); i++)
                if (s && STREQ(s, format_names[i])) {
                        *ret = (enum ctr_log_format)i;
                        return 0;
                }
        return -EINVAL;
}

const char *ctr_log_format_to_string(enum ctr_log_format f)
{
        return (size_t)f < ARRAY_SIZE(format_names) ? format_names[f] : NULL;
}

void ctr_log_rec_done(struct ctr_log_rec *r)
{
        if (!r)
                return;
        free(r->text);
        r->text = NULL;
        r->len = 0;
}

/* ---------------------------------------------------------------- times */

/* Parse an RFC 3339 time of at most 63 bytes, also returning the offset it
 * was written in (podman prints log times back in that offset). */
static int parse_stamp(const char *s, size_t n, int64_t *ret_sec, int32_t *ret_nsec,
                       int32_t *ret_offset)
{
        char buf[64];
        if (n == 0 || n >= sizeof(buf) || memchr(s, '\0', n))
                return -EINVAL;
        memcpy(buf, s, n);
        buf[n] = '\0';
        int64_t sec;
        int32_t nsec;
        if (time_parse_rfc3339(buf, &sec, &nsec) < 0)
                return -EINVAL;
        int32_t offset = 0;
        char last = buf[n - 1];
        if (last != 'Z' && last != 'z') {
                /* time_parse_rfc3339 accepted it, so it ends in [+-]hh:mm. */
                const char *z = buf + n - 6;
                offset = ((z[1] - '0') * 10 + (z[2] - '0')) * 3600 +
                         ((z[4] - '0') * 10 + (z[5] - '0')) * 60;
                if (z[0] == '-')
                        offset = -offset;
        }
        *ret_sec = sec;
        *ret_nsec = nsec;
        *ret_offset = offset;
        return 0;
}

char *ctr_log_format_time(const struct ctr_log_rec *r)
{
        time_t t = (time_t)(r->sec + r->utc_offset);
        struct tm tm;
        if (!gmtime_r(&t, &tm))
                return xstrdup("0001-01-01T00:00:00Z");
        char base[48], zone[8] = "Z";
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        if (r->utc_offset != 0) {
                int32_t o = r->utc_offset < 0 ? -r->utc_offset : r->utc_offset;
                snprintf(zone, sizeof(zone), "%c%02d:%02d", r->utc_offset < 0 ? '-' : '+',
                         (int)(o / 3600 % 100), (int)(o / 60 % 60));
        }
        return xasprintf("%s.%09d%s", base, (int)r->nsec, zone);
}

/* A Go duration ("1h30m", "-1.5h", "300ms", "0") in nanoseconds, as
 * time.ParseDuration reads it. */
static int parse_go_duration(const char *s, int64_t *ret_ns)
{
        static const struct {
                const char *name;
                int64_t ns;
        } units[] = {
                {"ns", 1LL},           {"us", 1000LL},         {"\xc2\xb5s", 1000LL},
                {"\xce\xbcs", 1000LL}, {"ms", 1000000LL},      {"s", 1000000000LL},
                {"m", 60000000000LL},  {"h", 3600000000000LL},
        };
        const char *p = s;
        bool neg = false;
        if (*p == '-' || *p == '+')
                neg = *p++ == '-';
        if (STREQ(p, "0")) {
                *ret_ns = 0;
                return 0;
        }
        if (!*p)
                return -EINVAL;
        uint64_t total = 0;
        while (*p) {
                uint64_t whole = 0, frac = 0, scale = 1;
                bool digits = false;
                for (; *p >= '0' && *p <= '9'; p++, digits = true) {
                        if (whole > (UINT64_MAX - 9) / 10)
                                return -ERANGE;
                        whole = whole * 10 + (uint64_t)(*p - '0');
                }
                if (*p == '.') {
                        for (p++; *p >= '0' && *p <= '9'; p++, digits = true)
                                if (scale < 1000000000000000000ULL) {
                                        frac = frac * 10 + (uint64_t)(*p - '0');
                                        scale *= 10;
                                }
                }
                if (!digits)
                        return -EINVAL;
                int64_t unit = 0;
                size_t ulen = 0;
                for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
                        size_t l = strlen(units[i].name);
                        /* "m" must not take the "m" of "ms": longest match wins. */
                        if (strncmp(p, units[i].name, l) == 0 && l > ulen) {
                                unit = units[i].ns;
                                ulen = l;
                        }
                }
                if (!unit)
                        return -EINVAL; /* missing or unknown unit */
                p += ulen;
                if (whole > (uint64_t)INT64_MAX / (uint64_t)unit)
                        return -ERANGE;
                uint64_t v = whole * (uint64_t)unit;
                v += (uint64_t)((long double)frac * (long double)unit / (long double)scale);
                if (v > (uint64_t)INT64_MAX - total)
                        return -ERANGE;
                total += v;
        }
        *ret_ns = neg ? -(int64_t)total : (int64_t)total;
        return 0;
}

/* A Unix timestamp with an optional fraction ("1700000000.5"), exactly when
 * it is plain decimal, else through strtod as Go's ParseFloat would. */
static int parse_unix_time(const char *s, int64_t *ret_sec, int32_t *ret_nsec)
{
        const char *p = s;
        bool neg = *p == '-';
        if (*p == '-' || *p == '+')
                p++;
        size_t int_digits = strspn(p, "0123456789");
        const char *dot = p + int_digits;
        size_t frac_digits = *dot == '.' ? strspn(dot + 1, "0123456789") : 0;
        if (int_digits > 0 && int_digits <= 18 &&
            (*dot == '\0' || (*dot == '.' && dot[1 + frac_digits] == '\0'))) {
                int64_t sec = 0, nsec = 0;
                for (size_t i = 0; i < int_digits; i++)
                        sec = sec * 10 + (p[i] - '0');
                for (size_t i = 0; i < 9; i++)
                        nsec = nsec * 10 + (i < frac_digits ? dot[1 + i] - '0' : 0);
                if (neg && nsec) {
                        sec = -sec - 1;
                        nsec = 1000000000 - nsec;
                } else if (neg) {
                        sec = -sec;
                }
                *ret_sec = sec;
                *ret_nsec = (int32_t)nsec;
                return 0;
        }
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || *end || errno == ERANGE || !isfinite(v) || v > 1e17 || v < -1e17)
                return -EINVAL;
        double whole = (double)(int64_t)v; /* floor() without libm */
        if (whole > v)
                whole -= 1;
        *ret_sec = (int64_t)whole;
        *ret_nsec = (int32_t)((v - whole) * 1e9);
        if (*ret_nsec > 999999999)
                *ret_nsec = 999999999;
        return 0;
}

/* podman's date layouts: RFC3339(Nano), the same without zone (UTC), a
 * date with or without zone. */
static int parse_date(const char *s, int64_t *ret_sec, int32_t *ret_nsec)
{
        if (time_parse_rfc3339(s, ret_sec, ret_nsec) == 0)
                return 0;
        size_t n = strlen(s);
        _cleanup_free_ char *z = xasprintf("%sZ", s);
        if (n > 10 && time_parse_rfc3339(z, ret_sec, ret_nsec) == 0)
                return 0;
        if (n >= 10 && s[4] == '-' && s[7] == '-') {
                _cleanup_free_ char *d = xasprintf("%.10sT00:00:00%s", s, s[10] ? s + 10 : "Z");
                if (time_parse_rfc3339(d, ret_sec, ret_nsec) == 0)
                        return 0;
        }
        return -EINVAL;
}

int ctr_log_parse_time(const char *s, bool since, int64_t now_sec, int32_t now_nsec,
                       int64_t *ret_sec, int32_t *ret_nsec, struct err *e)
{
        int64_t sec, d;
        int32_t nsec;
        if (!s || !*s || strlen(s) > 64)
                return err_set(e, EINVAL, "unable to interpret time value");
        if (parse_date(s, &sec, &nsec) == 0 || parse_unix_time(s, &sec, &nsec) == 0) {
                *ret_sec = sec;
                *ret_nsec = nsec;
                return 0;
        }
        if (parse_go_duration(s, &d) < 0)
                return err_set(e, EINVAL, "unable to interpret time value");
        if (since)
                d = -d;
        /* now + d, in seconds and nanoseconds, without overflow. */
        sec = now_sec + d / 1000000000;
        int64_t ns = (int64_t)now_nsec + d % 1000000000;
        if (ns < 0) {
                ns += 1000000000;
                sec--;
        } else if (ns >= 1000000000) {
                ns -= 1000000000;
                sec++;
        }
        *ret_sec = sec;
        *ret_nsec = (int32_t)ns;
        return 0;
}

/* ---------------------------------------------------------------- lines */

/* "<time> <stdout|stderr> <P|F>[:tags] <text>": conmon's k8s-file line. */
static int parse_k8s(const char *line, size_t len, struct ctr_log_rec *ret, struct err *e)
{
        const char *end = line + len;
        const char *sp1 = memchr(line, ' ', len);
        if (!sp1)
                return err_set(e, EINVAL, "not a k8s-file log line (no fields)");
        struct ctr_log_rec r = {0};
        if (parse_stamp(line, (size_t)(sp1 - line), &r.sec, &r.nsec, &r.utc_offset) < 0)
                return err_set(e, EINVAL, "invalid time '%.*s'",
                               (int)((sp1 - line) > 64 ? 64 : (sp1 - line)), line);
        const char *f = sp1 + 1;
        const char *sp2 = memchr(f, ' ', (size_t)(end - f));
        if (!sp2)
                return err_set(e, EINVAL, "not a k8s-file log line (no tag)");
        size_t flen = (size_t)(sp2 - f);
        if (flen == 6 && memcmp(f, "stdout", 6) == 0)
                r.stream = CTR_LOG_STDOUT;
        else if (flen == 6 && memcmp(f, "stderr", 6) == 0)
                r.stream = CTR_LOG_STDERR;
        else
                return err_set(e, EINVAL, "unknown stream '%.*s'", (int)(flen > 16 ? 16 : flen), f);
        const char *t = sp2 + 1;
        const char *sp3 = memchr(t, ' ', (size_t)(end - t));
        const char *tag_end = sp3 ? sp3 : end;
        /* The tag is P or F, optionally followed by ":"-separated tags (CRI). */
        if (t >= end || (*t != 'P' && *t != 'F') || (t + 1 < tag_end && t[1] != ':'))
                return err_set(e, EINVAL, "unknown tag '%.*s'",
                               (int)((tag_end - t) > 16 ? 16 : (tag_end - t)), t);
        r.partial = *t == 'P';
        const char *text = sp3 ? sp3 + 1 : end;
        r.len = (size_t)(end - text);
        r.text = xmalloc(r.len + 1);
        memcpy(r.text, text, r.len);
        r.text[r.len] = '\0';
        *ret = r;
        return 0;
}

/* {"log":"text\n","stream":"stdout","time":"..."}: docker's json-file line;
 * a "log" without final newline is partial. */
static int parse_json(const char *line, size_t len, struct ctr_log_rec *ret, struct err *e)
{
        _cleanup_json_ struct json *j = NULL;
        if (json_parse(line, len, &j, e) < 0)
                return -EINVAL;
        if (j->type != JSON_OBJECT)
                return err_set(e, EINVAL, "log line is a JSON %s, not an object",
                               json_type_to_string(j->type));
        const struct json *log = json_object_get(j, "log");
        const char *stream = json_object_get_string(j, "stream");
        const char *time = json_object_get_string(j, "time");
        if (!log || log->type != JSON_STRING)
                return err_set(e, EINVAL, "log line has no \"log\" string");
        struct ctr_log_rec r = {0};
        if (stream && STREQ(stream, "stdout"))
                r.stream = CTR_LOG_STDOUT;
        else if (stream && STREQ(stream, "stderr"))
                r.stream = CTR_LOG_STDERR;
        else
                return err_set(e, EINVAL, "unknown stream '%.16s'", stream ? stream : "");
        if (!time || parse_stamp(time, strlen(time), &r.sec, &r.nsec, &r.utc_offset) < 0)
                return err_set(e, EINVAL, "invalid time '%.64s'", time ? time : "");
        r.len = log->str.len;
        r.partial = !(r.len > 0 && log->str.s[r.len - 1] == '\n');
        if (!r.partial)
                r.len--;
        r.text = xmalloc(r.len + 1);
        memcpy(r.text, log->str.s, r.len);
        r.text[r.len] = '\0';
        *ret = r;
        return 0;
}

int ctr_log_parse_line(enum ctr_log_format f, const char *line, size_t len, struct ctr_log_rec *ret,
                       struct err *e)
{
        if (len > CTR_LOG_LINE_MAX)
                return err_set(e, E2BIG, "log line of %zu bytes is longer than %d", len,
                               CTR_LOG_LINE_MAX);
        if (len == 0)
                return err_set(e, EINVAL, "empty log line");
        switch (f) {
        case CTR_LOG_K8S_FILE:
                return parse_k8s(line, len, ret, e);
        case CTR_LOG_JSON_FILE:
                return parse_json(line, len, ret, e);
        }
        return err_set(e, EINVAL, "unknown log format %d", (int)f);
}

/* ---------------------------------------------------------------- forward */

void ctr_log_lines_init(struct ctr_log_lines *l, int fd, off_t off)
{
        *l = (struct ctr_log_lines){.fd = fd, .off = off};
}

void ctr_log_lines_done(struct ctr_log_lines *l)
{
        free(l->buf);
        l->buf = NULL;
        l->start = l->len = l->cap = 0;
}

void ctr_log_lines_reset(struct ctr_log_lines *l)
{
        l->off = 0;
        l->start = l->len = 0;
        l->overlong = false;
}

int ctr_log_lines_next(struct ctr_log_lines *l, const char **ret, size_t *ret_len, struct err *e)
{
        for (;;) {
                char *s = l->buf ? l->buf + l->start : NULL;
                char *nl = l->len ? memchr(s, '\n', l->len) : NULL;
                if (nl) {
                        size_t n = (size_t)(nl - s);
                        l->start += n + 1;
                        l->len -= n + 1;
                        if (l->overlong || n > CTR_LOG_LINE_MAX) {
                                l->overlong = false;
                                l->skipped++;
                                continue;
                        }
                        *ret = s;
                        *ret_len = n;
                        return 1;
                }
                if (l->overlong || l->len > CTR_LOG_LINE_MAX) {
                        /* Nothing of an over-long line is kept, only where it ends. */
                        l->overlong = true;
                        l->start = l->len = 0;
                }
                if (l->start > 0) {
                        memmove(l->buf, l->buf + l->start, l->len);
                        l->start = 0;
                }
                if (l->cap < l->len + READ_CHUNK) {
                        l->cap = l->len + READ_CHUNK;
                        l->buf = xrealloc(l->buf, l->cap);
                }
                ssize_t r = pread(l->fd, l->buf + l->len, READ_CHUNK, l->off);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return err_errno(e, "reading log");
                if (r == 0)
                        return 0;
                l->off += r;
                l->len += (size_t)r;
        }
}

bool ctr_log_lines_rest(struct ctr_log_lines *l, const char **ret, size_t *ret_len)
{
        if (l->overlong) {
                l->overlong = false;
                l->skipped++;
                l->start = l->len = 0;
                return false;
        }
        if (l->len == 0)
                return false;
        *ret = l->buf + l->start;
        *ret_len = l->len;
        l->start += l->len;
        l->len = 0;
        return true;
}

/* ---------------------------------------------------------------- backward */

/* Reads a file's lines from the end towards the start. The buffer holds
 * the file bytes [pos, pos + len), which end where the line being looked
 * for ends (its newline excluded). */
struct rev_lines {
        int fd;
        off_t pos;
        char *buf;
        size_t len, cap;
        bool overlong, done;
        /* Give up on an over-long line at once (returning 2) instead of
         * reading back to its start. */
        bool stop_on_overlong;
        off_t size;
};

static int rev_init(struct rev_lines *r, int fd, struct err *e)
{
        *r = (struct rev_lines){.fd = fd};
        off_t size = lseek(fd, 0, SEEK_END);
        if (size < 0)
                return err_errno(e, "seeking in log");
        r->size = size;
        char last;
        if (size > 0) {
                ssize_t n = pread(fd, &last, 1, size - 1);
                if (n < 0)
                        return err_errno(e, "reading log");
                if (n == 1 && last == '\n')
                        size--; /* the last line's newline */
        }
        r->pos = size;
        r->done = size == 0;
        return 0;
}

/* The previous line: 1 with *ret (NULL for a line too long to keep), its
 * length and offset; 0 at the start of the file; 2 for an over-long line
 * given up on (stop_on_overlong), *ret_off then being where it ends. */
static int rev_prev(struct rev_lines *r, const char **ret, size_t *ret_len, off_t *ret_off,
                    struct err *e)
{
        if (r->done)
                return 0;
        for (;;) {
                char *nl = r->len ? memrchr(r->buf, '\n', r->len) : NULL;
                if (nl || r->pos == 0) {
                        size_t start = nl ? (size_t)(nl - r->buf) + 1 : 0;
                        *ret = r->overlong ? NULL : r->buf + start;
                        *ret_len = r->len - start;
                        *ret_off = r->pos + (off_t)start;
                        r->overlong = false;
                        if (nl)
                                r->len = (size_t)(nl - r->buf);
                        else
                                r->done = true;
                        return 1;
                }
                size_t n = r->pos < READ_CHUNK ? (size_t)r->pos : READ_CHUNK;
                if (!r->overlong && r->len + n > CTR_LOG_LINE_MAX) {
                        if (r->stop_on_overlong) {
                                *ret = NULL;
                                *ret_len = 0;
                                *ret_off = r->pos + (off_t)r->len;
                                r->done = true;
                                return 2;
                        }
                        r->overlong = true;
                }
                if (r->overlong)
                        r->len = 0; /* only where the line starts matters now */
                if (r->cap < r->len + n) {
                        r->cap = r->len + n;
                        r->buf = xrealloc(r->buf, r->cap);
                }
                memmove(r->buf + n, r->buf, r->len);
                size_t got = 0;
                while (got < n) {
                        ssize_t k =
                                pread(r->fd, r->buf + got, n - got, r->pos - (off_t)n + (off_t)got);
                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k < 0)
                                return err_errno(e, "reading log");
                        if (k == 0)
                                return err_set(e, EIO, "log shrank while reading it");
                        got += (size_t)k;
                }
                r->pos -= (off_t)n;
                r->len += n;
        }
}

int ctr_log_tail_start(const int *fds, size_t n, enum ctr_log_format fmt, int64_t tail,
                       size_t *ret_idx, off_t *ret_off, uint64_t *skipped, struct err *e)
{
        int64_t count = 0;
        bool first = true;
        if (tail < 0 || n == 0) {
                *ret_idx = 0;
                *ret_off = 0;
                return 0;
        }
        for (size_t i = n; i-- > 0;) {
                struct rev_lines r;
                int ret = rev_init(&r, fds[i], e);
                for (;;) {
                        const char *line = NULL;
                        size_t len = 0;
                        off_t off = 0;
                        /* With the lines wanted all found, a corrupt line
                         * before them (which could be gigabytes) ends the
                         * search rather than being read through. */
                        r.stop_on_overlong = count >= tail;
                        if (ret < 0 || (ret = rev_prev(&r, &line, &len, &off, e)) <= 0)
                                break;
                        if (ret == 2) {
                                free(r.buf);
                                *ret_idx = i;
                                *ret_off = off + 1 < r.size ? off + 1 : r.size;
                                return 0;
                        }
                        struct ctr_log_rec rec;
                        if (!line || ctr_log_parse_line(fmt, line, len, &rec, NULL) < 0) {
                                if (skipped)
                                        (*skipped)++;
                                continue;
                        }
                        bool partial = rec.partial;
                        ctr_log_rec_done(&rec);
                        if (!partial || first)
                                count++;
                        first = false;
                        if (count > tail) {
                                free(r.buf);
                                *ret_idx = i;
                                /* After the line's newline; a last line
                                 * without one ends the file. */
                                *ret_off = off + (off_t)len + 1;
                                if (*ret_off > r.size)
                                        *ret_off = r.size;
                                return 0;
                        }
                }
                free(r.buf);
                if (ret < 0)
                        return ret;
        }
        *ret_idx = 0;
        *ret_off = 0;
        return 0;
}

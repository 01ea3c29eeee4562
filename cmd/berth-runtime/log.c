/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runc's logging as its callers parse it: conmon and podman pass --log FILE
 * --log-format json and, when a command fails, show the msg of the last
 * "error" record of that file, so its shape is an interface:
 *   {"level":"error","msg":"...","time":"2026-01-02T03:04:05Z"}
 * The text format is logrus's (`time="..." level=error msg="..."`, or
 * `ERRO[0000] ...` on a terminal), which is what runc writes.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rtcli.h"

/* Allocates: now as Go's time.RFC3339 in local time ("...Z" at UTC). */
static char *rfc3339_now(void)
{
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        char base[32], off[32];
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        long o = tm.tm_gmtoff;
        if (o == 0)
                return xasprintf("%sZ", base);
        snprintf(off, sizeof(off), "%c%02ld:%02ld", o < 0 ? '-' : '+', labs(o) / 3600,
                 (labs(o) % 3600) / 60);
        return xasprintf("%s%s", base, off);
}

char *rtcli_go_quote(const char *s)
{
        struct sbuf b = {0};
        sbuf_putc(&b, '"');
        size_t n = strlen(s);
        for (size_t i = 0; i < n;) {
                unsigned char ch = (unsigned char)s[i];
                const char *named = NULL;
                switch (ch) {
                case '\a':
                        named = "\\a";
                        break;
                case '\b':
                        named = "\\b";
                        break;
                case '\f':
                        named = "\\f";
                        break;
                case '\n':
                        named = "\\n";
                        break;
                case '\r':
                        named = "\\r";
                        break;
                case '\t':
                        named = "\\t";
                        break;
                case '\v':
                        named = "\\v";
                        break;
                case '"':
                        named = "\\\"";
                        break;
                case '\\':
                        named = "\\\\";
                        break;
                default:
                        break;
                }
                if (named) {
                        sbuf_append(&b, named);
                        i++;
                } else if (ch < 0x20 || ch == 0x7f) {
                        sbuf_printf(&b, "\\x%02x", ch);
                        i++;
                } else if (ch < 0x80) {
                        sbuf_putc(&b, (char)ch);
                        i++;
                } else {
                        size_t l = utf8_seq_len((const unsigned char *)s + i, n - i);
                        if (l == 0) {
                                sbuf_printf(&b, "\\x%02x", ch);
                                i++;
                        } else {
                                sbuf_append_len(&b, s + i, l);
                                i += l;
                        }
                }
        }
        sbuf_putc(&b, '"');
        return sbuf_steal(&b);
}

/* logrus quotes a value unless every byte is in this set. */
static bool needs_quoting(const char *s)
{
        for (const char *p = s; *p; p++)
                if (!isalnum((unsigned char)*p) && !strchr("-._/@^+", *p))
                        return true;
        return false;
}

void rtcli_log(const struct rtcli *c, const char *level, const char *msg)
{
        int fd = c->log_fd >= 0 ? c->log_fd : STDERR_FILENO;
        _cleanup_free_ char *now = rfc3339_now();
        struct sbuf b = {0};
        if (c->log_json) {
                _cleanup_json_ struct json *rec = json_new_object();
                json_object_set_string(rec, "level", level);
                json_object_set_string(rec, "msg", msg);
                json_object_set_string(rec, "time", now);
                char *text = json_generate(rec, JSON_GEN_ESCAPE_HTML | JSON_GEN_NEWLINE);
                sbuf_append(&b, text);
                free(text);
        } else if (c->log_fd < 0 && isatty(STDERR_FILENO)) {
                char up[5] = "";
                for (int i = 0; i < 4 && level[i]; i++)
                        up[i] = (char)toupper((unsigned char)level[i]);
                sbuf_printf(&b, "%s[0000] %s\n", up, msg);
        } else {
                _cleanup_free_ char *t = rtcli_go_quote(now);
                _cleanup_free_ char *m = needs_quoting(msg) ? rtcli_go_quote(msg) : xstrdup(msg);
                sbuf_printf(&b, "time=%s level=%s msg=%s\n", t, level, m);
        }
        (void)fs_write_all(fd, b.buf, b.len);
        sbuf_done(&b);
}

void rtcli_log_sink(enum log_level l, const char *msg, void *data)
{
        rtcli_log(data, log_level_to_string(l), msg);
}

int rtcli_fail(const struct rtcli *c, const struct err *e)
{
        const char *msg = e && e->msg ? e->msg : "unknown error";
        rtcli_log(c, "error", msg);
        if (c->log_fd >= 0) {
                (void)fs_write_all(STDERR_FILENO, msg, strlen(msg));
                (void)fs_write_all(STDERR_FILENO, "\n", 1);
        }
        return 1;
}

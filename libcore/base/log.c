/* SPDX-License-Identifier: Apache-2.0 */
/* Leveled logging to stderr, formatted like podman's (logrus) output. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "base.h"

/* The log level is the one process-wide setting: every library may log at
 * debug level, and threading a context through each for that is not worth it. */
static enum log_level current_level = LOG_WARN;
static struct timespec log_start;
/* Set by front-ends (and forked children) only; NULL: stderr. */
static log_sink_fn sink_fn;
static void *sink_data;

static const char *const level_names[_LOG_LEVEL_MAX] = {
        [LOG_PANIC] = "panic", [LOG_FATAL] = "fatal", [LOG_ERROR] = "error",
        [LOG_WARN] = "warning", [LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
        [LOG_TRACE] = "trace",
};

int log_level_from_string(const char *s)
{
        if (!s)
                return -EINVAL;
        if (STREQ(s, "warn"))
                return LOG_WARN;
        for (int i = 0; i < _LOG_LEVEL_MAX; i++)
                if (STREQ(s, level_names[i]))
                        return i;
        return -EINVAL;
}

const char *log_level_to_string(enum log_level l)
{
        return (unsigned)l < _LOG_LEVEL_MAX ? level_names[l] : "unknown";
}

void log_set_level(enum log_level l)
{
        if ((unsigned)l < _LOG_LEVEL_MAX)
                current_level = l;
}

enum log_level log_get_level(void)
{
        return current_level;
}

int log_level_from_env(void)
{
        const char *s = getenv("BERTH_LOG_LEVEL");
        if (!s || !*s)
                return 0;
        int l = log_level_from_string(s);
        if (l < 0)
                return -EINVAL;
        log_set_level(l);
        return 0;
}

void log_set_sink(log_sink_fn fn, void *data)
{
        sink_fn = fn;
        sink_data = fn ? data : NULL;
}

void log_sink_discard(enum log_level l, const char *msg, void *data)
{
        (void)l;
        (void)msg;
        (void)data;
}

void log_msg(enum log_level l, const char *fmt, ...)
{
        int saved = errno;
        if ((unsigned)l >= _LOG_LEVEL_MAX)
                l = LOG_ERROR;
        if (log_start.tv_sec == 0)
                clock_gettime(CLOCK_MONOTONIC, &log_start);
        va_list ap;
        va_start(ap, fmt);
        char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        if (sink_fn) {
                sink_fn(l, msg, sink_data);
                free(msg);
                errno = saved;
                return;
        }

        struct sbuf b = {0};
        if (isatty(STDERR_FILENO)) {
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                char up[5];
                for (int i = 0; i < 4; i++)
                        up[i] = (char)toupper((unsigned char)level_names[l][i]);
                up[4] = '\0';
                sbuf_printf(&b, "%s[%04ld] %s\n", up, (long)(now.tv_sec - log_start.tv_sec), msg);
        } else {
                struct timespec now;
                clock_gettime(CLOCK_REALTIME, &now);
                struct tm tm;
                gmtime_r(&now.tv_sec, &tm);
                char ts[32];
                strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
                sbuf_printf(&b, "time=\"%s\" level=%s msg=\"", ts, level_names[l]);
                for (const char *p = msg; *p; p++) {
                        if (*p == '"' || *p == '\\')
                                sbuf_putc(&b, '\\');
                        if (*p == '\n') {
                                sbuf_append(&b, "\\n");
                                continue;
                        }
                        sbuf_putc(&b, *p);
                }
                sbuf_append(&b, "\"\n");
        }
        (void)!write(STDERR_FILENO, b.buf, b.len);
        sbuf_done(&b);
        free(msg);
        errno = saved;
}

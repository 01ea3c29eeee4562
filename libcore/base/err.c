/* SPDX-License-Identifier: Apache-2.0 */
/* The project's one error type: a code and a message grown with context. */
#include <errno.h>
#include <string.h>

#include "base.h"

static int err_setv(struct err *e, int code, const char *suffix, const char *fmt, va_list ap)
        __attribute__((format(printf, 4, 0)));
static int err_setv(struct err *e, int code, const char *suffix, const char *fmt, va_list ap)
{
        if (code <= 0)
                code = EIO;
        if (e) {
                char *msg = xvasprintf(fmt, ap);
                free(e->msg);
                if (suffix) {
                        e->msg = xasprintf("%s: %s", msg, suffix);
                        free(msg);
                } else {
                        e->msg = msg;
                }
                e->code = code;
        }
        return -code;
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = err_setv(e, code, NULL, fmt, ap);
        va_end(ap);
        return r;
}

int err_errno(struct err *e, const char *fmt, ...)
{
        int saved = errno ? errno : EIO;
        va_list ap;
        va_start(ap, fmt);
        int r = err_setv(e, saved, strerror(saved), fmt, ap);
        va_end(ap);
        errno = saved;
        return r;
}

int err_errnum(struct err *e, int errnum, const char *fmt, ...)
{
        if (errnum < 0)
                errnum = -errnum;
        if (errnum == 0)
                errnum = EIO;
        va_list ap;
        va_start(ap, fmt);
        int r = err_setv(e, errnum, strerror(errnum), fmt, ap);
        va_end(ap);
        return r;
}

int err_wrap(struct err *e, const char *fmt, ...)
{
        if (!e)
                return -EIO;
        if (e->code <= 0)
                e->code = EIO;
        va_list ap;
        va_start(ap, fmt);
        char *ctx = xvasprintf(fmt, ap);
        va_end(ap);
        char *msg = xasprintf("%s: %s", ctx, e->msg ? e->msg : strerror(e->code));
        free(ctx);
        free(e->msg);
        e->msg = msg;
        return -e->code;
}

void err_done(struct err *e)
{
        if (!e)
                return;
        free(e->msg);
        e->msg = NULL;
        e->code = 0;
}

int err_move(struct err *dst, struct err *src)
{
        int code = src->code > 0 ? src->code : EIO;
        if (dst) {
                err_done(dst);
                dst->code = code;
                dst->msg = src->msg;
                src->msg = NULL;
                src->code = 0;
        } else {
                err_done(src);
        }
        return -code;
}

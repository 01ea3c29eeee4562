/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signal names for `kill` ("KILL", "SIGKILL", "sigkill", "9", "RTMIN+3")
 * and the container status names of the state JSON.
 */
#include <errno.h>
#include <signal.h>
#include <strings.h>

#include "rt-internal.h"

static const struct {
        const char *name; /* without "SIG" */
        int sig;
} signals[] = {
        {"HUP", SIGHUP},       {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"ILL", SIGILL},
        {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},   {"IOT", SIGIOT},   {"BUS", SIGBUS},
        {"FPE", SIGFPE},       {"KILL", SIGKILL},   {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
        {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},   {"ALRM", SIGALRM}, {"TERM", SIGTERM},
        {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CLD", SIGCHLD},  {"CONT", SIGCONT},
        {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
        {"URG", SIGURG},       {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
        {"PROF", SIGPROF},     {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"POLL", SIGPOLL},
        {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

/* "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n" (without "SIG"); -1 if not one. */
static int realtime_signal(const char *s)
{
        int base, dir;
        if (strncasecmp(s, "RTMIN", 5) == 0) {
                base = SIGRTMIN;
                dir = 1;
        } else if (strncasecmp(s, "RTMAX", 5) == 0) {
                base = SIGRTMAX;
                dir = -1;
        } else {
                return -1;
        }
        s += 5;
        if (!*s)
                return base;
        if (*s != (dir > 0 ? '+' : '-') || s[1] < '0' || s[1] > '9')
                return -1;
        int64_t n;
        if (str_to_int64(s + 1, &n) < 0 || n > SIGRTMAX - SIGRTMIN)
                return -1;
        return base + dir * (int)n;
}

int rt_signal_from_string(const char *s, int *ret, struct err *e)
{
        _cleanup_free_ char *q = rt_quote(s ? s : "");
        if (!s || !*s)
                return err_set(e, EINVAL, "unknown signal \"\"");
        if (s[0] >= '0' && s[0] <= '9') {
                int64_t n;
                if (str_to_int64(s, &n) < 0 || n < 1 || n > SIGRTMAX)
                        return err_set(e, EINVAL, "unknown signal \"%s\": not in 1 to %d", q,
                                       SIGRTMAX);
                *ret = (int)n;
                return 0;
        }
        const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
        for (size_t i = 0; i < ARRAY_SIZE(signals); i++) {
                if (strcasecmp(name, signals[i].name) == 0) {
                        *ret = signals[i].sig;
                        return 0;
                }
        }
        int rt = realtime_signal(name);
        if (rt > 0) {
                *ret = rt;
                return 0;
        }
        /* runc's wording, which scripts around it may match */
        return err_set(e, EINVAL, "unknown signal \"%s\"", q);
}

const char *rt_status_to_string(enum rt_status s)
{
        static const char *const names[] = {
                [RT_STATUS_CREATING] = "creating", [RT_STATUS_CREATED] = "created",
                [RT_STATUS_RUNNING] = "running",   [RT_STATUS_PAUSED] = "paused",
                [RT_STATUS_STOPPED] = "stopped",
        };
        if ((unsigned)s >= ARRAY_SIZE(names))
                return "unknown";
        return names[s];
}

/* SPDX-License-Identifier: Apache-2.0 */
/* ps: the host's ps(1), filtered to the container's processes, as runc does. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtcli.h"

/* Bound on what ps may print (a host with very many processes). */
#define PS_OUTPUT_MAX (64u << 20)

struct ps_opts {
        char *format;
};

static const struct cli_option ps_options[] = {
        {"format", 'f', CLI_STRING, offsetof(struct ps_opts, format), "value",
         "select one of: table or json", "table"},
        CLI_END,
};

/* Allocates: the output (stdout and stderr) of `ps args...`. */
static int run_ps_tool(char **args, char **ret, bool *ret_ok, struct err *e)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return err_errno(e, "pipe");
        pid_t pid = fork();
        if (pid < 0) {
                close(p[0]);
                close(p[1]);
                return err_errno(e, "fork");
        }
        if (pid == 0) {
                if (dup2(p[1], STDOUT_FILENO) < 0 || dup2(p[1], STDERR_FILENO) < 0)
                        _exit(127);
                char **argv = NULL;
                strv_add(&argv, "ps");
                for (char **a = args; a && *a; a++)
                        strv_add(&argv, *a);
                execvp("ps", argv);
                dprintf(STDERR_FILENO, "exec: \"ps\": %s", strerror(errno));
                _exit(127);
        }
        close(p[1]);
        struct sbuf out = {0};
        char buf[8192];
        for (;;) {
                ssize_t n = read(p[0], buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (out.len + (size_t)n <= PS_OUTPUT_MAX)
                        sbuf_append_len(&out, buf, (size_t)n);
        }
        close(p[0]);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        *ret_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        *ret = out.buf ? sbuf_steal(&out) : xstrdup("");
        return 0;
}

static bool has_pid(const pid_t *pids, size_t n, long p)
{
        for (size_t i = 0; i < n; i++)
                if (pids[i] == p)
                        return true;
        return false;
}

static int run_ps(struct rtcli *c, void *opts, char **args, struct err *e)
{
        const struct ps_opts *o = opts;
        const char *format = o->format ? o->format : "table";
        const struct rt_ctx *ctx;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;
        if (!STREQ(format, "table") && !STREQ(format, "json"))
                return err_set(e, EINVAL, "invalid format option");
        if ((r = rtcli_ctx(c, &ctx, e)) < 0 || (r = rt_ps(ctx, args[0], &pids, &n, e)) < 0)
                return r;
        if (STREQ(format, "json")) {
                _cleanup_json_ struct json *arr = json_new_array();
                for (size_t i = 0; i < n; i++)
                        json_array_append(arr, json_new_int(pids[i]));
                _cleanup_free_ char *text = json_generate(arr, JSON_GEN_NEWLINE);
                fputs(text, stdout);
                return 0;
        }

        char *dflt[] = {"-ef", NULL};
        _cleanup_free_ char *out = NULL;
        bool ok;
        if ((r = run_ps_tool(args[1] ? args + 1 : dflt, &out, &ok, e)) < 0)
                return r;
        if (!ok)
                return err_set(e, EIO, "ps failed: %s", out);
        _cleanup_strv_ char **lines = strv_split(out, "\n");
        _cleanup_strv_ char **head = strv_split(lines[0], " \t");
        int col = -1, k = 0;
        for (char **f = head; *f; f++) {
                if (!**f)
                        continue;
                if (STREQ(*f, "PID")) {
                        col = k;
                        break;
                }
                k++;
        }
        if (col < 0)
                return err_set(e, EINVAL, "couldn't find PID field in ps output");
        struct sbuf b = {0};
        sbuf_printf(&b, "%s\n", lines[0]);
        for (char **l = lines + 1; *l; l++) {
                if (!**l)
                        continue;
                _cleanup_strv_ char **fields = strv_split(*l, " \t");
                const char *pidf = NULL;
                k = 0;
                for (char **f = fields; *f; f++) {
                        if (!**f)
                                continue;
                        if (k++ == col) {
                                pidf = *f;
                                break;
                        }
                }
                int64_t p;
                if (!pidf || str_to_int64(pidf, &p) < 0) {
                        sbuf_done(&b);
                        return err_set(e, EINVAL, "unable to parse pid: '%s'", pidf ? pidf : "");
                }
                if (has_pid(pids, n, (long)p))
                        sbuf_printf(&b, "%s\n", *l);
        }
        fputs(b.buf, stdout);
        sbuf_done(&b);
        return 0;
}

const struct rtcli_cmd rtcli_cmd_ps = {
        .name = "ps",
        .summary = "ps displays the processes running inside a container",
        .usage = "[command options] <container-id> [ps options]",
        .options = ps_options,
        .opts_size = sizeof(struct ps_opts),
        .stop_at_first_arg = true,
        .min_args = 1,
        .max_args = -1,
        .run = run_ps,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* state and list, in runc's output formats. */
#include <errno.h>
#include <string.h>

#include "rtcli.h"

/* runc's container state object: the OCI state plus rootfs, created and
 * owner, in runc's field order; annotations only when there are some. */
static struct json *runc_state(const struct rt_state *s)
{
        _cleanup_json_ struct json *oci = rt_state_to_json(s);
        struct json *j = json_new_object();
        const char *v = oci ? json_object_get_string(oci, "ociVersion") : NULL;
        json_object_set_string(j, "ociVersion", v ? v : "1.2.0");
        json_object_set_string(j, "id", s->id);
        json_object_set_int(j, "pid", s->pid);
        json_object_set_string(j, "status", rt_status_to_string(s->status));
        json_object_set_string(j, "bundle", s->bundle ? s->bundle : "");
        json_object_set_string(j, "rootfs", s->rootfs ? s->rootfs : "");
        json_object_set_string(j, "created", s->created ? s->created : "");
        json_object_set_string(j, "owner", s->owner ? s->owner : "");
        if (s->annotations && s->annotations->type == JSON_OBJECT && s->annotations->obj.len)
                json_object_set(j, "annotations", json_copy(s->annotations));
        return j;
}

static int run_state(struct rtcli *c, void *opts, char **args, struct err *e)
{
        const struct rt_ctx *ctx;
        _cleanup_(rt_state_freep) struct rt_state *s = NULL;
        int r;
        if ((r = rtcli_ctx(c, &ctx, e)) < 0 || (r = rt_state_get(ctx, args[0], &s, e)) < 0)
                return r;
        _cleanup_json_ struct json *j = runc_state(s);
        _cleanup_free_ char *text =
                json_generate(j, JSON_GEN_PRETTY | JSON_GEN_NEWLINE | JSON_GEN_ESCAPE_HTML);
        fputs(text, stdout);
        return 0;
}

struct list_opts {
        char *format;
        bool quiet;
};

#define L(f) offsetof(struct list_opts, f)
static const struct cli_option list_options[] = {
        {"format", 'f', CLI_STRING, L(format), "value", "select one of: table or json", "table"},
        {"quiet", 'q', CLI_BOOL, L(quiet), NULL, "display only container IDs"},
        CLI_END,
};

/* Go's text/tabwriter as runc sets it up (minwidth 12, padding 3): every
 * cell but a row's last is padded to its column's width. */
static void print_table(char ***rows, size_t nrows, size_t ncols)
{
        size_t width[16] = {0};
        for (size_t i = 0; i < nrows; i++)
                for (size_t k = 0; k + 1 < ncols && k < ARRAY_SIZE(width); k++) {
                        size_t w = strlen(rows[i][k]) + 3;
                        if (w < 12)
                                w = 12;
                        if (w > width[k])
                                width[k] = w;
                }
        struct sbuf b = {0};
        for (size_t i = 0; i < nrows; i++) {
                for (size_t k = 0; k < ncols; k++) {
                        if (k + 1 < ncols)
                                sbuf_printf(&b, "%-*s", (int)width[k], rows[i][k]);
                        else
                                sbuf_printf(&b, "%s\n", rows[i][k]);
                }
        }
        fputs(b.buf ? b.buf : "", stdout);
        sbuf_done(&b);
}

static int run_list(struct rtcli *c, void *opts, char **args, struct err *e)
{
        const struct list_opts *o = opts;
        const char *format = o->format ? o->format : "table";
        const struct rt_ctx *ctx;
        struct rt_state **v = NULL;
        size_t n = 0;
        int r;
        if (!STREQ(format, "table") && !STREQ(format, "json"))
                return err_set(e, EINVAL, "invalid format option");
        if ((r = rtcli_ctx(c, &ctx, e)) < 0 || (r = rt_list(ctx, &v, &n, e)) < 0)
                return r;
        if (o->quiet) {
                for (size_t i = 0; i < n; i++)
                        printf("%s\n", v[i]->id);
        } else if (STREQ(format, "json")) {
                /* runc prints Go's nil slice, null, when there is nothing. */
                if (n == 0) {
                        printf("null\n");
                } else {
                        _cleanup_json_ struct json *arr = json_new_array();
                        for (size_t i = 0; i < n; i++)
                                json_array_append(arr, runc_state(v[i]));
                        _cleanup_free_ char *text =
                                json_generate(arr, JSON_GEN_NEWLINE | JSON_GEN_ESCAPE_HTML);
                        fputs(text, stdout);
                }
        } else {
                char ***rows = xcalloc(n + 1, sizeof(char **));
                rows[0] = strv_copy(
                        (char *[]){"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER", NULL});
                for (size_t i = 0; i < n; i++) {
                        const struct rt_state *s = v[i];
                        char **row = NULL;
                        strv_add(&row, s->id);
                        strv_push(&row, xasprintf("%d", (int)s->pid));
                        strv_add(&row, rt_status_to_string(s->status));
                        strv_add(&row, s->bundle ? s->bundle : "");
                        strv_add(&row, s->created ? s->created : "");
                        strv_add(&row, s->owner ? s->owner : "");
                        rows[i + 1] = row;
                }
                print_table(rows, n + 1, 6);
                for (size_t i = 0; i <= n; i++)
                        strv_free(rows[i]);
                free(rows);
        }
        rt_state_list_free(v, n);
        return 0;
}

const struct rtcli_cmd rtcli_cmd_state = {
        .name = "state",
        .summary = "output the state of a container",
        .usage = "<container-id>",
        .description = "The state command outputs current state information for the\ninstance "
                       "of a container.",
        .min_args = 1,
        .max_args = 1,
        .exact_args = true,
        .run = run_state,
};

const struct rtcli_cmd rtcli_cmd_list = {
        .name = "list",
        .summary = "lists containers started by berth-runtime with the given root",
        .usage = "[command options]",
        .options = list_options,
        .opts_size = sizeof(struct list_opts),
        .min_args = 0,
        .max_args = 0,
        .exact_args = true,
        .run = run_list,
};

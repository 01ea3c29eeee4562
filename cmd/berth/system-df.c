/* SPDX-License-Identifier: Apache-2.0 */
/* berth system df */
#include "cmd.h"
#include "engine.h"

struct df_cli {
        bool verbose;
        char *format;
};

static const struct cli_option df_options[] = {
        {"format", 0, CLI_STRING, offsetof(struct df_cli, format), NULL,
         "Pretty-print the summary using a Go template, or json"},
        {"verbose", 'v', CLI_BOOL, offsetof(struct df_cli, verbose), NULL,
         "Show detailed information on disk usage"},
        CLI_END,
};

static int render_section(struct sbuf *out, const char *title, const char *table,
                          const struct json *rows, const struct json *headers, struct err *e)
{
        sbuf_printf(out, "%s space usage:\n\n", title);
        return report_render(table, table, rows, true, headers, out, e);
}

static int run_df(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct df_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        struct store *s;
        _cleanup_json_ struct json *df = NULL;
        if (ctx_store(ctx, &s, &e) < 0 || engine_system_df(s, &df, &e) < 0)
                return print_error(&e);
        _cleanup_json_ struct json *headers = engine_df_headers();
        struct sbuf out = {0};
        int r;
        if (o->verbose && o->format && STREQ(o->format, "json")) {
                r = report_render("json", NULL, df, false, NULL, &out, &e);
        } else if (o->verbose) {
                r = render_section(&out, "Images", engine_df_images_table,
                                   json_object_get(df, "Images"), headers, &e);
                if (r == 0) {
                        sbuf_putc(&out, '\n');
                        r = render_section(&out, "Containers", engine_df_containers_table,
                                           json_object_get(df, "Containers"), headers, &e);
                }
                if (r == 0) {
                        sbuf_putc(&out, '\n');
                        r = render_section(&out, "Local Volumes", engine_df_volumes_table,
                                           json_object_get(df, "Volumes"), headers, &e);
                }
        } else {
                r = report_render(o->format, engine_df_table, json_object_get(df, "Summary"), true,
                                  headers, &out, &e);
        }
        return print_report(r, &out, &e);
}

const struct berth_cmd cmd_system_df = {
        .name = "df",
        .summary = "Show berth disk usage",
        .description = "Show the disk space that images, containers and local volumes use and "
                       "how much of it is reclaimable; a layer that several images share is "
                       "counted once.",
        .usage = "[options]",
        .options = df_options,
        .opts_size = sizeof(struct df_cli),
        .max_args = 0,
        .needs_userns = true,
        .run = run_df,
};

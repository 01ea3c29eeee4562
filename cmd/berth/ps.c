/* SPDX-License-Identifier: Apache-2.0 */
/* berth ps, berth container ps, berth container ls */
#include <errno.h>
#include <stdio.h>

#include "cmd.h"
#include "engine.h"

struct ps_cli {
        bool all, quiet, latest, no_trunc, size, external, noheading;
        int64_t last;
        char *format;
        char **filter;
};

#define O(f) offsetof(struct ps_cli, f)
static const struct cli_option ps_options[] = {
        {"all", 'a', CLI_BOOL, O(all), NULL,
         "Show all the containers, default is only running containers"},
        {"external", 0, CLI_BOOL, O(external), NULL,
         "Show containers in storage not controlled by berth"},
        {"filter", 'f', CLI_STRV, O(filter), "strings",
         "Filter output based on conditions given (id=, name=, status=, label=, ancestor=, "
         "exited=)"},
        {"format", 0, CLI_STRING, O(format), "string",
         "Pretty-print containers to JSON or using a Go template"},
        {"last", 'n', CLI_INT, O(last), "int",
         "Print the n last created containers (all "
         "states)",
         "-1"},
        {"latest", 'l', CLI_BOOL, O(latest), NULL,
         "Act on the latest container berth is aware "
         "of"},
        {"no-trunc", 0, CLI_BOOL, O(no_trunc), NULL, "Display the extended information"},
        {"noheading", 0, CLI_BOOL, O(noheading), NULL, "Do not print headers"},
        {"quiet", 'q', CLI_BOOL, O(quiet), NULL, "Print the numeric IDs of the containers only"},
        {"size", 's', CLI_BOOL, O(size), NULL, "Display the total file sizes"},
        CLI_END,
};

static int run_ps(struct berth_ctx *ctx, void *opts, char **args)
{
        struct ps_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        struct ps_opts po = {
                .all = o->all,
                .latest = o->latest,
                .no_trunc = o->no_trunc,
                .size = o->size,
                .external = o->external,
                .last = o->last,
                .filter = o->filter,
        };
        _cleanup_json_ struct json *items = NULL;
        if (engine_containers_list(s, &po, &items, &e) < 0)
                return print_error(&e);
        struct sbuf out = {0};
        int r = 0;
        if (o->format && STREQ(o->format, "json")) {
                r = report_render("json", NULL, items, true, NULL, &out, &e);
        } else if (o->quiet && !(o->format && *o->format)) {
                for (size_t i = 0; i < items->arr.len; i++) {
                        const char *id = json_object_get_string(items->arr.items[i], "Id");
                        sbuf_printf(&out, o->no_trunc ? "%s\n" : "%.12s\n", id);
                }
        } else {
                _cleanup_json_ struct json *rows = engine_ps_rows(items, o->no_trunc);
                _cleanup_json_ struct json *headers = engine_ps_headers();
                _cleanup_free_ char *dflt = o->size ? xasprintf("%s\t{{.Size}}", engine_ps_table)
                                                    : xstrdup(engine_ps_table);
                const char *fmt = o->format;
                if (o->noheading)
                        r = report_render_noheading(fmt, dflt, rows, true, headers, &out, &e);
                else
                        r = report_render(fmt, dflt, rows, true, headers, &out, &e);
        }
        return print_report(r, &out, &e);
}

const struct berth_cmd cmd_ps = {
        .name = "ps",
        .summary = "List containers",
        .usage = "[options]",
        .options = ps_options,
        .opts_size = sizeof(struct ps_cli),
        .min_args = 0,
        .max_args = 0,
        .needs_userns = true,
        .run = run_ps,
};

const struct berth_cmd cmd_container_ls = {
        .name = "ls",
        .aliases = (const char *const[]){"list", "ps", NULL},
        .summary = "List containers",
        .usage = "[options]",
        .options = ps_options,
        .opts_size = sizeof(struct ps_cli),
        .min_args = 0,
        .max_args = 0,
        .needs_userns = true,
        .run = run_ps,
};

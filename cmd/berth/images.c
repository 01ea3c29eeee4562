/* SPDX-License-Identifier: Apache-2.0 */
/* berth images, berth image ls */
#include "cmd.h"
#include "engine.h"

struct images_cli {
        bool all, quiet, digests, no_trunc, noheading;
        char *format;
        char **filter;
};

#define O(f) offsetof(struct images_cli, f)
static const struct cli_option images_options[] = {
        {"all", 'a', CLI_BOOL, O(all), NULL, "Show all images (default hides intermediate images)"},
        {"digests", 0, CLI_BOOL, O(digests), NULL, "Show digests"},
        {"filter", 'f', CLI_STRV, O(filter), NULL,
         "Filter output based on conditions provided (dangling=, reference=, label=, before=, "
         "since=, id=)"},
        {"format", 0, CLI_STRING, O(format), NULL,
         "Change the output format to JSON or a Go template"},
        {"no-trunc", 0, CLI_BOOL, O(no_trunc), NULL, "Do not truncate output"},
        {"noheading", 'n', CLI_BOOL, O(noheading), NULL, "Do not print column headings"},
        {"quiet", 'q', CLI_BOOL, O(quiet), NULL, "Display only image IDs"},
        CLI_END,
};

static int run_images(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct images_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        _cleanup_strv_ char **filters = strv_copy(o->filter);
        if (args[0]) {
                /* podman images NAME filters by reference. */
                _cleanup_free_ char *f = xasprintf("reference=%s", args[0]);
                strv_add(&filters, f);
        }
        struct images_opts lo = {.all = o->all, .filter = filters};
        _cleanup_json_ struct json *items = NULL;
        if (engine_images_list(s, &lo, &items, &e) < 0)
                return print_error(&e);
        struct sbuf out = {0};
        int r = 0;
        if (o->format && STREQ(o->format, "json")) {
                r = report_render("json", NULL, items, true, NULL, &out, &e);
        } else if (o->quiet) {
                for (size_t i = 0; i < items->arr.len; i++) {
                        const char *id = json_object_get_string(items->arr.items[i], "Id");
                        if (o->no_trunc)
                                sbuf_printf(&out, "sha256:%s\n", id);
                        else
                                sbuf_printf(&out, "%.12s\n", id);
                }
        } else {
                _cleanup_json_ struct json *rows = engine_images_rows(items, o->no_trunc);
                _cleanup_json_ struct json *headers = engine_images_headers();
                const char *dflt = o->digests ? engine_images_table_digests : engine_images_table;
                const char *fmt = o->format;
                /* --noheading: the same columns without the table header. */
                if (o->noheading)
                        r = report_render_noheading(fmt, dflt, rows, true, headers, &out, &e);
                else
                        r = report_render(fmt, dflt, rows, true, headers, &out, &e);
        }
        return print_report(r, &out, &e);
}

const struct berth_cmd cmd_images = {
        .name = "images",
        .summary = "List images in local storage",
        .usage = "[options] [IMAGE]",
        .options = images_options,
        .opts_size = sizeof(struct images_cli),
        .max_args = 1,
        .needs_userns = true,
        .run = run_images,
};

static const char *const ls_aliases[] = {"list", NULL};

const struct berth_cmd cmd_image_ls = {
        .name = "ls",
        .aliases = ls_aliases,
        .summary = "List images in local storage",
        .usage = "[options] [IMAGE]",
        .options = images_options,
        .opts_size = sizeof(struct images_cli),
        .max_args = 1,
        .needs_userns = true,
        .run = run_images,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* berth image inspect, berth inspect (images; containers and volumes come
 * with the containers step) */
#include <errno.h>

#include "cmd.h"
#include "engine.h"

struct inspect_cli {
        char *format;
        char *type;
};

static const struct cli_option inspect_options[] = {
        {"format", 'f', CLI_STRING, offsetof(struct inspect_cli, format), NULL,
         "Format the output to a Go template or json"},
        {"type", 't', CLI_STRING, offsetof(struct inspect_cli, type), NULL,
         "Specify inspect-object type (\"image\" or \"all\")", "all"},
        CLI_END,
};

static const struct cli_option image_inspect_options[] = {
        {"format", 'f', CLI_STRING, offsetof(struct inspect_cli, format), NULL,
         "Format the output to a Go template or json"},
        CLI_END,
};

static int run_inspect(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct inspect_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        if (o->type && !STREQ(o->type, "image") && !STREQ(o->type, "all")) {
                err_set(&e, EINVAL, "invalid type '%s': only images can be inspected until "
                                    "containers arrive",
                        o->type);
                return print_error(&e);
        }
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        _cleanup_json_ struct json *all = json_new_array();
        int rc = 0;
        for (char **a = args; *a; a++) {
                struct json *one = NULL;
                struct err ie = {0};
                if (engine_image_inspect(s, *a, &one, &ie) < 0) {
                        /* podman prints what it found, then the errors, and exits 125. */
                        fprintf(stderr, "Error: %s\n", ie.msg);
                        err_done(&ie);
                        rc = EXIT_BERTH_ERROR;
                        continue;
                }
                json_array_append(all, one);
        }
        struct sbuf out = {0};
        const char *fmt = o->format && *o->format ? o->format : "json";
        if (report_render(fmt, NULL, all, STREQ(fmt, "json") ? false : true, NULL, &out, &e) <
            0) {
                sbuf_done(&out);
                return print_error(&e);
        }
        print_out(out.buf ? out.buf : "", out.len);
        sbuf_done(&out);
        return rc;
}

const struct berth_cmd cmd_inspect = {
        .name = "inspect",
        .summary = "Display the configuration of object denoted by ID",
        .usage = "[options] {CONTAINER|IMAGE} [...]",
        .options = inspect_options,
        .opts_size = sizeof(struct inspect_cli),
        .min_args = 1,
        .max_args = -1,
        .needs_userns = true,
        .run = run_inspect,
};

const struct berth_cmd cmd_image_inspect = {
        .name = "inspect",
        .summary = "Display the configuration of an image",
        .usage = "[options] IMAGE [IMAGE...]",
        .options = image_inspect_options,
        .opts_size = sizeof(struct inspect_cli),
        .min_args = 1,
        .max_args = -1,
        .needs_userns = true,
        .run = run_inspect,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* berth image inspect, berth container inspect, berth inspect (containers,
 * then images, then volumes, as podman's --type all looks them up) */
#include <errno.h>

#include "ctr-cli.h"

struct inspect_cli {
        char *format;
        char *type;
        bool latest;
};

static const struct cli_option inspect_options[] = {
        {"format", 'f', CLI_STRING, offsetof(struct inspect_cli, format), NULL,
         "Format the output to a Go template or json"},
        {"latest", 'l', CLI_BOOL, offsetof(struct inspect_cli, latest), NULL,
         "Act on the latest container berth is aware of"},
        {"type", 't', CLI_STRING, offsetof(struct inspect_cli, type), NULL,
         "Specify inspect-object type (\"image\", \"container\", \"volume\" or \"all\")", "all"},
        CLI_END,
};

static const struct cli_option image_inspect_options[] = {
        {"format", 'f', CLI_STRING, offsetof(struct inspect_cli, format), NULL,
         "Format the output to a Go template or json"},
        CLI_END,
};

static const struct cli_option container_inspect_options[] = {
        {"format", 'f', CLI_STRING, offsetof(struct inspect_cli, format), NULL,
         "Format the output to a Go template or json"},
        {"latest", 'l', CLI_BOOL, offsetof(struct inspect_cli, latest), NULL,
         "Act on the latest container berth is aware of"},
        CLI_END,
};

/* kind: 'c' containers only, 'i' images only, 'v' volumes only, 'a'
 * containers, then images, then volumes. */
static int inspect_as(struct berth_ctx *ctx, struct inspect_cli *o, char **args, char kind)
{
        _cleanup_err_ struct err e = {0};
        if (o->latest && args[0])
                err_set(&e, EINVAL, "--latest and arguments cannot be used together");
        else if (o->latest && (kind == 'i' || kind == 'v'))
                err_set(&e, EINVAL, "latest is not supported for type \"%s\"",
                        kind == 'i' ? "image" : "volume");
        else if (!o->latest && !args[0])
                err_set(&e, EINVAL, "no names or ids specified");
        struct store *s;
        if (e.code || ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        _cleanup_json_ struct json *all = json_new_array();
        int rc = 0;
        _cleanup_free_ char *latest = NULL;
        char *newest[2] = {NULL, NULL};
        if (o->latest) {
                struct err le = {0};
                if (ctr_cli_latest(s, &latest, &le) < 0) {
                        fprintf(stderr, "Error: inspecting object: no containers to inspect: %s\n",
                                le.msg);
                        rc = EXIT_BERTH_ERROR;
                }
                err_done(&le);
                newest[0] = latest;
                args = newest;
        }
        for (char **a = args; *a; a++) {
                struct json *one = NULL;
                struct err ie = {0};
                int r = -ENOENT;
                if (kind == 'c' || kind == 'a')
                        r = engine_container_inspect(s, *a, &one, &ie);
                if (r < 0 && (kind == 'i' || (kind == 'a' && ie.code == ENOENT))) {
                        err_done(&ie);
                        r = engine_image_inspect(s, *a, &one, &ie);
                }
                if (r < 0 && kind == 'a' && ie.code == ENOENT) {
                        /* Not a volume either: the image's error stays. */
                        struct err ve = {0};
                        r = engine_volume_inspect(s, *a, &one, &ve);
                        err_done(&ve);
                } else if (kind == 'v') {
                        struct err ve = {0};
                        r = engine_volume_inspect(s, *a, &one, &ve);
                        if (r < 0 && ve.code == ENOENT)
                                err_set(&ie, ENOENT, "inspecting object: no such volume %s", *a);
                        else if (r < 0)
                                err_move(&ie, &ve);
                        err_done(&ve);
                }
                if (r < 0 && ie.code == ENOENT && kind != 'v') {
                        /* podman's texts for a name nothing has */
                        _cleanup_free_ char *msg =
                                kind == 'a'   ? xasprintf("no such object: \"%s\"", *a)
                                : kind == 'c' ? xasprintf("no such container %s", *a)
                                              : xstrdup(ie.msg);
                        err_done(&ie);
                        err_set(&ie, ENOENT, "inspecting object: %s", msg);
                }
                if (r < 0) {
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
        if (report_render(fmt, NULL, all, STREQ(fmt, "json") ? false : true, NULL, &out, &e) < 0) {
                sbuf_done(&out);
                return print_error(&e);
        }
        print_out(out.buf ? out.buf : "", out.len);
        sbuf_done(&out);
        return rc;
}

static int run_inspect(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct inspect_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        if (o->type && !STREQ(o->type, "image") && !STREQ(o->type, "container") &&
            !STREQ(o->type, "volume") && !STREQ(o->type, "all")) {
                err_set(&e, EINVAL,
                        "invalid type \"%s\": must be \"image\", \"container\", "
                        "\"volume\", or \"all\"",
                        o->type);
                return print_error(&e);
        }
        char kind = o->type && STREQ(o->type, "image")       ? 'i'
                    : o->type && STREQ(o->type, "container") ? 'c'
                    : o->type && STREQ(o->type, "volume")    ? 'v'
                                                             : 'a';
        return inspect_as(ctx, o, args, kind);
}

static int run_image_inspect(struct berth_ctx *ctx, void *opts_, char **args)
{
        return inspect_as(ctx, opts_, args, 'i');
}

static int run_container_inspect(struct berth_ctx *ctx, void *opts_, char **args)
{
        return inspect_as(ctx, opts_, args, 'c');
}

const struct berth_cmd cmd_container_inspect = {
        .name = "inspect",
        .summary = "Display the configuration of a container",
        .usage = "[options] CONTAINER [CONTAINER...]",
        .options = container_inspect_options,
        .opts_size = sizeof(struct inspect_cli),
        .min_args = 0,
        .max_args = -1,
        .needs_userns = true,
        .run = run_container_inspect,
};

const struct berth_cmd cmd_inspect = {
        .name = "inspect",
        .summary = "Display the configuration of object denoted by ID",
        .usage = "[options] {CONTAINER|IMAGE|VOLUME} [...]",
        .options = inspect_options,
        .opts_size = sizeof(struct inspect_cli),
        .min_args = 0,
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
        .min_args = 0,
        .max_args = -1,
        .needs_userns = true,
        .run = run_image_inspect,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* berth volume: create, ls, inspect, rm, prune */
#include <errno.h>

#include "cmd.h"
#include "engine.h"

/* podman's exit codes for volume rm: 1 when a volume is not known, 2 when
 * one is in use. */
static int rm_exit_code(int code)
{
        return code == ENOENT ? 1 : code == EBUSY ? 2 : EXIT_BERTH_ERROR;
}

/* Allocates: JSON text re-indented to width spaces per level; with
 * open_empty, empty objects print as podman's `volume ls --format json`
 * prints them ("{", an indented blank line, "}"). Strings hold no raw
 * newline in JSON, so a line-wise rewrite is exact. */
static char *json_reindent(const struct json *j, int width, bool open_empty)
{
        _cleanup_free_ char *text = json_generate(j, JSON_GEN_PRETTY | JSON_GEN_NEWLINE);
        struct sbuf out = {0};
        _cleanup_strv_ char **lines = strv_split(text, "\n");
        for (char **l = lines; *l; l++) {
                if (!**l && !l[1])
                        break;
                size_t sp = strspn(*l, " ");
                size_t ind = sp / 2 * (size_t)width;
                const char *rest = *l + sp;
                size_t len = strlen(rest);
                bool comma = len && rest[len - 1] == ',';
                size_t core = comma ? len - 1 : len;
                if (open_empty && core >= 2 && strncmp(rest + core - 2, "{}", 2) == 0 &&
                    (core == 2 || strncmp(rest + core - 4, ": {}", 4) == 0)) {
                        sbuf_printf(&out, "%*s%.*s{\n%*s\n%*s}%s\n", (int)ind, "", (int)(core - 2),
                                    rest, (int)(ind + (size_t)width), "", (int)ind, "",
                                    comma ? "," : "");
                        continue;
                }
                sbuf_printf(&out, "%*s%s\n", (int)ind, "", rest);
        }
        return sbuf_steal(&out);
}

/* ---------------------------------------------------------------- create */

struct create_cli {
        char *driver;
        char **label, **opt;
        bool ignore;
};

#define C(f) offsetof(struct create_cli, f)
static const struct cli_option create_options[] = {
        {"driver", 'd', CLI_STRING, C(driver), "string", "Specify volume driver name", "local"},
        {"ignore", 0, CLI_BOOL, C(ignore), NULL,
         "Don't fail if volume already exists (print its name)"},
        {"label", 'l', CLI_STRV, C(label), "strings", "Set metadata for a volume", "[]"},
        {"opt", 'o', CLI_STRV, C(opt), "stringArray", "Set driver specific options", "[]"},
        CLI_END,
};

static int run_create(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct create_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        struct volume_create_opts co = {
                .name = args[0],
                .driver = o->driver,
                .labels = o->label,
                .options = o->opt,
                .ignore = o->ignore,
        };
        _cleanup_free_ char *name = NULL;
        if (engine_volume_create(s, &co, &name, &e) < 0)
                return print_error(&e);
        printf("%s\n", name);
        return 0;
}

static const struct berth_cmd cmd_volume_create = {
        .name = "create",
        .summary = "Create a new volume",
        .description = "Create a volume of the local driver in berth's own volume directory "
                       "(<graphroot>/berth/volumes, apart from podman's volumes).",
        .usage = "[options] [NAME]",
        .example = "berth volume create myvol\n  berth volume create\n"
                   "  berth volume create --label foo=bar myvol\n"
                   "  berth volume create -o type=tmpfs -o device=tmpfs -o o=size=64m myvol",
        .options = create_options,
        .opts_size = sizeof(struct create_cli),
        .max_args = 1,
        .needs_userns = true,
        .run = run_create,
};

/* ---------------------------------------------------------------- ls */

struct ls_cli {
        char **filter;
        char *format;
        bool noheading, quiet;
};

#define L(f) offsetof(struct ls_cli, f)
static const struct cli_option ls_options[] = {
        {"filter", 'f', CLI_STRV, L(filter), "strings", "Filter volume output"},
        {"format", 0, CLI_STRING, L(format), "string", "Format volume output using Go template",
         "{{range .}}{{.Driver}}\\t{{.Name}}\\n{{end -}}"},
        {"noheading", 0, CLI_BOOL, L(noheading), NULL, "Do not print headers"},
        {"quiet", 'q', CLI_BOOL, L(quiet), NULL, "Print volume output in quiet mode"},
        CLI_END,
};

static int run_ls(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct ls_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        struct store *s;
        _cleanup_json_ struct json *items = NULL;
        if (ctx_store(ctx, &s, &e) < 0 || engine_volumes_list(s, o->filter, &items, &e) < 0)
                return print_error(&e);
        struct sbuf out = {0};
        int r = 0;
        if (o->format && STREQ(o->format, "json")) {
                char *t = json_reindent(items, 2, true);
                sbuf_append(&out, t);
                free(t);
        } else if (o->quiet) {
                for (size_t i = 0; i < items->arr.len; i++)
                        sbuf_printf(&out, "%s\n",
                                    json_object_get_string(items->arr.items[i], "Name"));
        } else {
                _cleanup_json_ struct json *rows = engine_volumes_rows(items);
                _cleanup_json_ struct json *headers = engine_volumes_headers();
                const char *fmt = o->format;
                if (o->noheading)
                        r = report_render_noheading(fmt, engine_volumes_table, rows, true, headers,
                                                    &out, &e);
                else
                        r = report_render(fmt, engine_volumes_table, rows, true, headers, &out, &e);
        }
        return print_report(r, &out, &e);
}

static const char *const ls_aliases[] = {"list", NULL};

static const struct berth_cmd cmd_volume_ls = {
        .name = "ls",
        .aliases = ls_aliases,
        .summary = "List volumes",
        .description = "List berth's volumes. Filters: name= (regex), label=KEY[=VALUE], "
                       "driver=, scope=, opt=, dangling=true|false, until=; a volume that "
                       "matches any of them is listed (as podman 4.3).",
        .usage = "[options]",
        .options = ls_options,
        .opts_size = sizeof(struct ls_cli),
        .max_args = 0,
        .needs_userns = true,
        .run = run_ls,
};

/* ---------------------------------------------------------------- inspect */

struct inspect_cli {
        bool all;
        char *format;
};

static const struct cli_option inspect_options[] = {
        {"all", 'a', CLI_BOOL, offsetof(struct inspect_cli, all), NULL, "Inspect all volumes"},
        {"format", 'f', CLI_STRING, offsetof(struct inspect_cli, format), "string",
         "Format volume output using Go template", "json"},
        CLI_END,
};

static int run_inspect(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct inspect_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        if (o->all == (args[0] != NULL)) {
                err_set(&e, EINVAL, "provide one or more volume names or use --all");
                return print_error(&e);
        }
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        _cleanup_json_ struct json *all = NULL;
        _cleanup_strv_ char **errors = NULL;
        if (o->all) {
                if (engine_volumes_list(s, NULL, &all, &e) < 0)
                        return print_error(&e);
        } else {
                all = json_new_array();
                for (char **a = args; *a; a++) {
                        struct json *one = NULL;
                        struct err ie = {0};
                        if (engine_volume_inspect(s, *a, &one, &ie) < 0) {
                                strv_push(
                                        &errors,
                                        ie.code == ENOENT
                                                ? xasprintf("inspecting object: no such volume %s",
                                                            *a)
                                                : xasprintf("inspecting volume %s: %s", *a,
                                                            ie.msg));
                                err_done(&ie);
                                continue;
                        }
                        json_array_append(all, one);
                }
        }
        struct sbuf out = {0};
        int r = 0;
        if (!o->format || !*o->format || STREQ(o->format, "json")) {
                char *t = json_reindent(all, 5, false);
                sbuf_append(&out, t);
                free(t);
        } else {
                _cleanup_json_ struct json *rows = engine_volumes_rows(all);
                r = report_render(o->format, NULL, rows, true, NULL, &out, &e);
        }
        if (r < 0) {
                sbuf_done(&out);
                return print_error(&e);
        }
        print_out(out.buf ? out.buf : "", out.len);
        sbuf_done(&out);
        /* podman prints what it found, then the errors, and exits 125. */
        for (char **m = errors; m && *m; m++)
                fprintf(stderr, "Error: %s\n", *m);
        return errors ? EXIT_BERTH_ERROR : 0;
}

static const struct berth_cmd cmd_volume_inspect = {
        .name = "inspect",
        .summary = "Display detailed information on one or more volumes",
        .usage = "[options] VOLUME [VOLUME...]",
        .example = "berth volume inspect myvol\n  berth volume inspect --all\n"
                   "  berth volume inspect --format \"{{.Driver}} {{.Scope}}\" myvol",
        .options = inspect_options,
        .opts_size = sizeof(struct inspect_cli),
        .max_args = -1,
        .needs_userns = true,
        .run = run_inspect,
};

/* ---------------------------------------------------------------- rm */

struct rm_cli {
        bool all, force;
        uint64_t time;
};

static const struct cli_option rm_options[] = {
        {"all", 'a', CLI_BOOL, offsetof(struct rm_cli, all), NULL, "Remove all volumes"},
        {"force", 'f', CLI_BOOL, offsetof(struct rm_cli, force), NULL,
         "Remove a volume by force, even if it is being used by a container"},
        {"time", 't', CLI_UINT, offsetof(struct rm_cli, time), "uint",
         "Seconds to wait for running containers to stop before killing the container", "10"},
        CLI_END,
};

/* volume rm -f: remove a container that uses the volume as `rm -f -t T`. */
static int rm_user(struct store *s, const char *id, void *userdata, struct err *e)
{
        const struct rm_cli *o = userdata;
        struct container_rm_opts ro = {
                .force = true, .timeout = o->time > INT64_MAX ? INT64_MAX : (int64_t)o->time};
        return engine_container_remove(s, id, &ro, NULL, e);
}

static int run_rm(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct rm_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        if (o->all == (args[0] != NULL)) {
                err_set(&e, EINVAL, "choose either one or more volumes or all");
                return print_error(&e);
        }
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        /* -f removes the containers that use a volume first, as podman. */
        struct volume_rm_opts ro = {.force = o->force, .remove_ctr = rm_user, .userdata = o};
        _cleanup_strv_ char **removed = NULL, **more = NULL;
        int r = engine_volumes_remove(s, o->all ? NULL : args, &ro, &removed, &more, &e);
        for (char **n = removed; n && *n; n++)
                printf("%s\n", *n);
        if (r < 0) {
                fflush(stdout);
                int rc = rm_exit_code(e.code);
                print_error(&e);
                for (char **m = more; m && *m; m++)
                        fprintf(stderr, "Error: %s\n", *m);
                return rc;
        }
        return 0;
}

static const char *const rm_aliases[] = {"remove", NULL};

static const struct berth_cmd cmd_volume_rm = {
        .name = "rm",
        .aliases = rm_aliases,
        .summary = "Remove one or more volumes",
        .description = "Remove one or more volumes. By default only volumes that no container "
                       "uses are removed.",
        .usage = "[options] VOLUME [VOLUME...]",
        .example = "berth volume rm myvol1 myvol2\n  berth volume rm --all\n"
                   "  berth volume rm --force myvol",
        .options = rm_options,
        .opts_size = sizeof(struct rm_cli),
        .max_args = -1,
        .needs_userns = true,
        .run = run_rm,
};

/* ---------------------------------------------------------------- prune */

struct prune_cli {
        char **filter;
        bool force;
};

static const struct cli_option prune_options[] = {
        {"filter", 0, CLI_STRV, offsetof(struct prune_cli, filter), "stringArray",
         "Provide filter values (e.g. 'label=<key>=<value>')"},
        {"force", 'f', CLI_BOOL, offsetof(struct prune_cli, force), NULL,
         "Do not prompt for confirmation"},
        CLI_END,
};

static int run_prune(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct prune_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        if (!o->force) {
                _cleanup_strv_ char **would = NULL;
                if (engine_volumes_prune(s, o->filter, true, &would, &e) < 0)
                        return print_error(&e);
                printf("WARNING! This will remove all volumes not used by at least one "
                       "container. The following volumes will be removed:\n");
                if (!would[0]) {
                        printf("No dangling volumes found\n");
                        return 0;
                }
                for (char **n = would; *n; n++)
                        printf("%s\n", *n);
                printf("Are you sure you want to continue? [y/N] ");
                fflush(stdout);
                char answer[16] = "";
                if (!fgets(answer, sizeof(answer), stdin)) {
                        err_set(&e, EIO, "EOF");
                        return print_error(&e);
                }
                if (!(answer[0] == 'y' || answer[0] == 'Y'))
                        return 0;
        }
        _cleanup_strv_ char **removed = NULL;
        if (engine_volumes_prune(s, o->filter, false, &removed, &e) < 0)
                return print_error(&e);
        for (char **n = removed; *n; n++)
                printf("%s\n", *n);
        return 0;
}

static const struct berth_cmd cmd_volume_prune = {
        .name = "prune",
        .summary = "Remove all unused volumes",
        .description = "Volumes that no container uses are removed. The command prompts for "
                       "confirmation unless --force is given. Filters: label=, label!=, until=.",
        .usage = "[options]",
        .options = prune_options,
        .opts_size = sizeof(struct prune_cli),
        .max_args = 0,
        .needs_userns = true,
        .run = run_prune,
};

/* ---------------------------------------------------------------- group */

static const struct berth_cmd *const volume_subs[] = {
        &cmd_volume_create, &cmd_volume_inspect, &cmd_volume_ls,
        &cmd_volume_prune,  &cmd_volume_rm,      NULL,
};

const struct berth_cmd cmd_volume = {
        .name = "volume",
        .summary = "Manage volumes",
        .usage = "[command]",
        .subs = volume_subs,
};

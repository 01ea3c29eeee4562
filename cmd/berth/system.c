/* SPDX-License-Identifier: Apache-2.0 */
/* berth system: info, check, reset. */
#include <errno.h>
#include <string.h>

#include "cmd.h"
#include "engine.h"
#include "storage.h"

struct check_cli {
        bool repair, force, quick;
        char *max;
        char *format;
};

static const struct cli_option check_options[] = {
        {"force", 'f', CLI_BOOL, offsetof(struct check_cli, force), NULL,
         "Repair, and also remove the containers (of any tool) that use damaged images, and "
         "those images"},
        {"format", 0, CLI_STRING, offsetof(struct check_cli, format), NULL,
         "Change the output format to JSON or a Go template"},
        {"max", 'm', CLI_STRING, offsetof(struct check_cli, max), "DURATION",
         "Maximum allowed age of layers no image or container uses (default 24h)"},
        {"quick", 'q', CLI_BOOL, offsetof(struct check_cli, quick), NULL,
         "Skip time-consuming checks (reading every layer back to verify its digest)"},
        {"repair", 'r', CLI_BOOL, offsetof(struct check_cli, repair), NULL,
         "Remove what is damaged (orphaned, incomplete, broken and unreferenced layers, broken "
         "images), unless a container uses it"},
        CLI_END,
};

static int run_check(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct check_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        struct store_check_opts co = {
                .repair = o->repair || o->force,
                .force = o->force,
                .quick = o->quick,
                .max_age = STORE_CHECK_MAX_AGE,
        };
        if (o->max && engine_parse_duration(o->max, &co.max_age) < 0) {
                err_set(&e, EINVAL, "invalid --max '%s': expected a duration such as 24h or 90m",
                        o->max);
                return print_error(&e);
        }
        struct store *s;
        _cleanup_json_ struct json *report = NULL;
        if (ctx_store(ctx, &s, &e) < 0 || store_check(s, &co, &report, &e) < 0)
                return print_error(&e);
        struct sbuf out = {0};
        if (o->format && *o->format) {
                if (report_render(o->format, NULL, report, false, NULL, &out, &e) < 0) {
                        sbuf_done(&out);
                        return print_error(&e);
                }
                print_out(out.buf, out.len);
                sbuf_done(&out);
                return 0;
        }
        size_t problems = 0, kept = 0;
        for (size_t i = 0; i < report->obj.len; i++) {
                const struct json *v = report->obj.vals[i];
                if (v->type != JSON_ARRAY)
                        continue;
                bool is_kept = STREQ(report->obj.keys[i], "kept");
                kept += is_kept ? v->arr.len : 0;
                for (size_t k = 0; k < v->arr.len; k++) {
                        const struct json *it = v->arr.items[k];
                        const char *id = it->type == JSON_STRING
                                                 ? it->str.s
                                                 : json_object_get_string(it, "id");
                        const char *why = it->type == JSON_OBJECT
                                                  ? json_object_get_string(it, "problem")
                                                  : NULL;
                        sbuf_printf(&out, "%s: %s%s%s\n", report->obj.keys[i], id ? id : "?",
                                    why ? ": " : "", why ? why : "");
                        problems += !is_kept;
                }
        }
        int64_t bytes = json_object_get_int(report, co.repair ? "bytes-reclaimed"
                                                              : "bytes-reclaimable",
                                            0);
        _cleanup_free_ char *human = report_human_size(bytes);
        if (!problems)
                sbuf_append(&out, "No problems found\n");
        else if (co.repair && kept)
                sbuf_printf(&out, "%zu problem%s found, reclaimed %s; %zu damaged item%s left "
                                  "because containers use them: run 'berth system check "
                                  "--force' to remove them with those containers\n",
                            problems, problems == 1 ? "" : "s", human, kept,
                            kept == 1 ? "" : "s");
        else if (co.repair)
                sbuf_printf(&out, "Repaired %zu problem%s, reclaimed %s\n", problems,
                            problems == 1 ? "" : "s", human);
        else
                sbuf_printf(&out, "%zu problem%s found, %s reclaimable: run 'berth system check "
                                  "--repair' to fix them\n",
                            problems, problems == 1 ? "" : "s", human);
        print_out(out.buf, out.len);
        sbuf_done(&out);
        /* As podman: damage left after a repair is an error too. */
        return problems && (!co.repair || kept) ? 1 : 0;
}

static const struct berth_cmd cmd_system_check = {
        .name = "check",
        .summary = "Check the storage for damage and leaked space, and repair it",
        .description = "Find orphaned layer directories that no record names, layers left "
                       "incomplete by a crash, layers whose files no longer match their digest, "
                       "layers no image or container has used for longer than --max (what an "
                       "interrupted load or pull leaves), images whose layers are missing or "
                       "damaged and containers whose image or layer vanished; with --repair "
                       "remove them and report the space reclaimed. Damaged images and layers "
                       "that a container uses are kept, and so are other tools' containers, "
                       "unless --force is given: it removes those containers (podman's and "
                       "buildah's records too) and then the images. Nothing is reset.",
        .usage = "[options]",
        .options = check_options,
        .opts_size = sizeof(struct check_cli),
        .max_args = 0,
        .needs_userns = true,
        .run = run_check,
};

struct reset_cli {
        bool force;
};

static const struct cli_option reset_options[] = {
        {"force", 'f', CLI_BOOL, offsetof(struct reset_cli, force), NULL,
         "Do not prompt for confirmation"},
        CLI_END,
};

static int run_reset(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct reset_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        if (!o->force) {
                printf("WARNING! This will remove everything in the store at '%s':\n"
                       " - all images and containers, including those of podman, buildah and "
                       "skopeo, which share this store\n"
                       " - all of berth's volumes and state\n"
                       "Are you sure you want to continue? [y/N] ",
                       store_graphroot(s));
                fflush(stdout);
                char answer[16] = "";
                if (!fgets(answer, sizeof(answer), stdin) ||
                    !(answer[0] == 'y' || answer[0] == 'Y'))
                        return 0;
        }
        if (store_wipe(s, &e) < 0)
                return print_error(&e);
        return 0;
}

static const struct berth_cmd cmd_system_reset = {
        .name = "reset",
        .summary = "Reset the storage: remove every image and container",
        .usage = "[options]",
        .options = reset_options,
        .opts_size = sizeof(struct reset_cli),
        .max_args = 0,
        .needs_userns = true,
        .run = run_reset,
};

static const struct berth_cmd *const system_subs[] = {
        &cmd_system_check, &cmd_system_df, &cmd_info, &cmd_system_reset, NULL,
};

const struct berth_cmd cmd_system = {
        .name = "system",
        .summary = "Manage berth",
        .usage = "[command]",
        .subs = system_subs,
};

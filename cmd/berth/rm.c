/* SPDX-License-Identifier: Apache-2.0 */
/* berth rm, berth container rm */
#include <errno.h>
#include <stdio.h>

#include "cmd.h"
#include "ctr-cli.h"
#include "engine.h"

struct rm_cli {
        bool all, force, volumes, depend, ignore, latest;
        char *time;
        char **cidfile;
};

#define O(f) offsetof(struct rm_cli, f)
static const struct cli_option rm_options[] = {
        {"all", 'a', CLI_BOOL, O(all), NULL, "Remove all containers"},
        {"cidfile", 0, CLI_STRV, O(cidfile), "stringArray", "Read the container ID from the file"},
        {"depend", 0, CLI_BOOL, O(depend), NULL,
         "Remove container and all containers that depend "
         "on the selected container"},
        {"force", 'f', CLI_BOOL, O(force), NULL,
         "Force removal of a running or unusable container"},
        {"ignore", 'i', CLI_BOOL, O(ignore), NULL,
         "Ignore errors when a specified container is missing"},
        {"latest", 'l', CLI_BOOL, O(latest), NULL, "Act on the latest container berth is aware of"},
        {"time", 't', CLI_STRING, O(time), "uint",
         "Seconds to wait for stop before killing the "
         "container",
         "10"},
        {"volumes", 'v', CLI_BOOL, O(volumes), NULL,
         "Remove anonymous volumes associated with "
         "the container"},
        CLI_END,
};

static int run_rm(struct berth_ctx *ctx, void *opts, char **args)
{
        struct rm_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        struct container_rm_opts ro = {
                .force = o->force, .volumes = o->volumes, .depend = o->depend, .timeout = -1};
        if (ctr_cli_timeout(o->time, &ro.timeout, &e) < 0)
                return print_error(&e);
        struct ctr_sel sel = {
                .all = o->all, .all_stopped = true, .latest = o->latest, .cidfiles = o->cidfile};
        struct store *s;
        _cleanup_strv_ char **names = NULL;
        if (ctr_cli_select(ctx, &sel, args, &s, &names, &e) < 0)
                return print_error(&e);
        /* podman: 1 when a container is not known, 2 when one is running. */
        int rc = 0;
        for (char **a = names; a && *a; a++) {
                struct err re = {0};
                _cleanup_free_ char *id = NULL;
                if (engine_container_remove(s, *a, &ro, &id, &re) < 0) {
                        if (re.code == ENOENT && o->ignore) {
                                err_done(&re);
                                continue;
                        }
                        fprintf(stderr, "Error: %s\n", re.msg);
                        int code = re.code == ENOENT ? 1 : re.code == EBUSY ? 2 : EXIT_BERTH_ERROR;
                        if (rc == 0 || code == EXIT_BERTH_ERROR)
                                rc = code;
                        err_done(&re);
                        continue;
                }
                printf("%s\n", *a);
        }
        return rc;
}

const struct berth_cmd cmd_rm = {
        .name = "rm",
        .summary = "Remove one or more containers",
        .usage = "[options] CONTAINER [CONTAINER...]",
        .options = rm_options,
        .opts_size = sizeof(struct rm_cli),
        .min_args = 0,
        .max_args = -1,
        .needs_userns = true,
        .run = run_rm,
};

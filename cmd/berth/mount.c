/* SPDX-License-Identifier: Apache-2.0 */
/* berth mount / umount (also `container mount`, `container unmount`): a
 * container's root filesystem. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctr-cli.h"

struct mount_cli {
        bool all, latest, no_trunc;
        char *format;
};

static const struct cli_option mount_options[] = {
        {"all", 'a', CLI_BOOL, offsetof(struct mount_cli, all), NULL, "Mount all containers"},
        {"format", 0, CLI_STRING, offsetof(struct mount_cli, format), "string",
         "Print the mounted containers in specified format (json)"},
        {"latest", 'l', CLI_BOOL, offsetof(struct mount_cli, latest), NULL,
         "Act on the latest container berth is aware of"},
        {"no-trunc", 0, CLI_BOOL, offsetof(struct mount_cli, no_trunc), NULL,
         "Do not truncate output"},
        {"notruncate", 0, CLI_BOOL, offsetof(struct mount_cli, no_trunc), NULL,
         "Do not truncate output", NULL, true},
        CLI_END,
};

/* -a and -l against names: podman's texts for mount and umount. */
static int check_all_latest(bool all, bool latest, char *const *args, struct err *e)
{
        if (all && latest)
                return err_set(e, EINVAL, "--all and --latest cannot be used together");
        if (all && args[0])
                return err_set(e, EINVAL, "--all and containers cannot be used together");
        if (latest && args[0])
                return err_set(e, EINVAL, "--latest and containers cannot be used together");
        return 0;
}

/* The store needs the rootless namespace; mount itself, as podman, wants
 * the user to be inside it already (`berth unshare`), since a mount made
 * there is invisible from the host. */
static int enter_userns(bool mounting, const char *path, struct err *e)
{
        if (mounting && geteuid() != 0)
                return err_set(e, EPERM,
                               "cannot run command \"%s\" in rootless mode, must execute `berth "
                               "unshare` first",
                               path);
        unsigned flags = 0;
        const char *single = getenv("BERTH_USERNS_ALLOW_SINGLE_MAPPING");
        if (single && STREQ(single, "1"))
                flags |= USERNS_ALLOW_SINGLE_MAPPING;
        return userns_enter(flags, e);
}

static int list_mounted(struct store *s, const struct mount_cli *o, bool json, struct err *e)
{
        _cleanup_json_ struct json *mounted = NULL;
        if (engine_containers_mounted(s, &mounted, e) < 0)
                return -1;
        struct sbuf out = {0};
        if (json) {
                append_json_indent1(&out, mounted);
        } else {
                struct sbuf raw = {0};
                for (size_t i = 0; i < mounted->arr.len; i++) {
                        const struct json *m = mounted->arr.items[i];
                        const char *id = json_object_get_string(m, "id");
                        sbuf_printf(&raw, "%.*s\t%s\n", o->no_trunc ? 64 : 12, id ? id : "",
                                    json_object_get_string(m, "mountpoint"));
                }
                _cleanup_(tabw_freep) struct tabw *w = tabw_new();
                tabw_write(w, raw.buf ? raw.buf : "");
                sbuf_done(&raw);
                _cleanup_free_ char *aligned = tabw_flush(w);
                sbuf_append(&out, aligned);
        }
        print_out(out.buf ? out.buf : "", out.len);
        sbuf_done(&out);
        return 0;
}

static int run_mount(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct mount_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        bool json = false;
        if (o->format && *o->format) {
                if (!STREQ(o->format, "json")) {
                        err_set(&e, EINVAL, "unknown --format argument: \"%s\"", o->format);
                        return print_error(&e);
                }
                json = true;
        }
        if (check_all_latest(o->all, o->latest, args, &e) < 0)
                return print_error(&e);
        bool mounting = o->all || o->latest || args[0];
        if (enter_userns(mounting, "berth mount", &e) < 0)
                return print_error(&e);
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        if (!mounting)
                return list_mounted(s, o, json, &e) < 0 ? print_error(&e) : 0;
        _cleanup_strv_ char **names = NULL;
        if ((o->all && engine_container_ids(s, true, &names, &e) < 0) ||
            (o->latest &&
             ctr_cli_names(s, &(struct ctr_sel){.latest = true}, NULL, &names, &e) < 0))
                return print_error(&e);
        char *const *list = names ? names : args;
        int rc = 0;
        for (char *const *a = list; a && *a; a++) {
                _cleanup_free_ char *path = NULL;
                struct err one = {0};
                if (engine_container_mount(s, *a, &path, &one) < 0) {
                        rc = print_error(&one);
                        err_done(&one);
                        continue;
                }
                printf("%s\n", path);
        }
        return rc;
}

#define ROOTLESS_NOTE                                                                              \
        " Rootless, mounting needs `berth unshare` first, as podman's needs `podman unshare`: "    \
        "the mount is made in the user and mount namespace that berth shares with podman and "     \
        "is visible only there."

const struct berth_cmd cmd_mount = {
        .name = "mount",
        .summary = "Mount a working container's root filesystem",
        .description = "Mount the named containers' root filesystems (all with --all) and print "
                       "where; with no container, list the mounted containers (any tool's) and "
                       "their mount points. Mounts are counted in the store as podman counts "
                       "them and stay until 'berth umount'." ROOTLESS_NOTE,
        .usage = "[options] [CONTAINER...]",
        .options = mount_options,
        .opts_size = sizeof(struct mount_cli),
        .max_args = -1,
        /* entered in run_mount, after podman's check */
        .needs_userns = false,
        .run = run_mount,
};

struct umount_cli {
        bool all, force, latest;
};

static const struct cli_option umount_options[] = {
        {"all", 'a', CLI_BOOL, offsetof(struct umount_cli, all), NULL,
         "Unmount all of the currently mounted containers"},
        {"force", 'f', CLI_BOOL, offsetof(struct umount_cli, force), NULL,
         "Force the complete unmount of the specified mounted containers"},
        {"latest", 'l', CLI_BOOL, offsetof(struct umount_cli, latest), NULL,
         "Act on the latest container berth is aware of"},
        CLI_END,
};

static int run_umount(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct umount_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        if (!o->all && !o->latest && !args[0]) {
                err_set(&e, EINVAL, "at least one container name or ID must be specified");
                return print_error(&e);
        }
        if (check_all_latest(o->all, o->latest, args, &e) < 0)
                return print_error(&e);
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        _cleanup_strv_ char **latest = NULL;
        if (o->latest) {
                if (ctr_cli_names(s, &(struct ctr_sel){.latest = true}, NULL, &latest, &e) < 0)
                        return print_error(&e);
                args = latest;
        }
        int rc = 0;
        if (o->all) {
                /* The mounted ones among berth's containers. */
                _cleanup_json_ struct json *mounted = NULL;
                _cleanup_strv_ char **ids = NULL;
                if (engine_containers_mounted(s, &mounted, &e) < 0 ||
                    engine_container_ids(s, true, &ids, &e) < 0)
                        return print_error(&e);
                for (size_t i = 0; i < mounted->arr.len; i++) {
                        const char *id = json_object_get_string(mounted->arr.items[i], "id");
                        if (!id || !strv_contains(ids, id))
                                continue;
                        _cleanup_free_ char *done = NULL;
                        struct err one = {0};
                        if (engine_container_unmount(s, id, o->force, &done, &one) < 0) {
                                rc = print_error(&one);
                                err_done(&one);
                                continue;
                        }
                        if (done)
                                printf("%s\n", done);
                }
                return rc;
        }
        for (char **a = args; *a; a++) {
                _cleanup_free_ char *done = NULL;
                struct err one = {0};
                if (engine_container_unmount(s, *a, o->force, &done, &one) < 0) {
                        rc = print_error(&one);
                        err_done(&one);
                        continue;
                }
                /* podman prints the name as given */
                if (done)
                        printf("%s\n", *a);
        }
        return rc;
}

static const char *const umount_aliases[] = {"unmount", NULL};

const struct berth_cmd cmd_umount = {
        .name = "umount",
        .aliases = umount_aliases,
        .summary = "Unmount working container's root filesystem",
        .description = "Drop one mount of each named container (all of them with --force), as "
                       "counted in the store; the filesystem is unmounted when the count "
                       "reaches zero. A running container keeps the mount its run holds.",
        .usage = "[options] CONTAINER [CONTAINER...]",
        .options = umount_options,
        .opts_size = sizeof(struct umount_cli),
        .max_args = -1,
        .needs_userns = true,
        .run = run_umount,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* berth image mount, berth image unmount */
#include <errno.h>
#include <string.h>

#include "cmd.h"
#include "engine.h"

struct mount_cli {
        bool all;
        char *format;
};

static const struct cli_option mount_options[] = {
        {"all", 'a', CLI_BOOL, offsetof(struct mount_cli, all), NULL, "Mount all images"},
        {"format", 0, CLI_STRING, offsetof(struct mount_cli, format), NULL,
         "Print the mounted images in the specified format (json)"},
        CLI_END,
};

void append_json_indent1(struct sbuf *out, const struct json *j)
{
        _cleanup_free_ char *text = json_generate(j, JSON_GEN_PRETTY | JSON_GEN_NEWLINE);
        bool bol = true;
        size_t spaces = 0;
        for (const char *p = text; *p; p++) {
                if (bol && *p == ' ') {
                        spaces++;
                        continue;
                }
                if (bol) {
                        for (size_t i = 0; i < spaces / 2; i++)
                                sbuf_putc(out, ' ');
                        bol = false;
                        spaces = 0;
                }
                sbuf_putc(out, *p);
                if (*p == '\n')
                        bol = true;
        }
}

/* "NAME-OR-ID  PATH" rows, as podman lists mounted images. */
static void append_rows(struct sbuf *out, const struct json *mounted, char *const *only_paths)
{
        struct sbuf raw = {0};
        for (size_t i = 0; i < mounted->arr.len; i++) {
                const struct json *m = mounted->arr.items[i];
                const char *path = json_object_get_string(m, "mountpoint");
                if (only_paths && !strv_contains(only_paths, path))
                        continue;
                const struct json *repos = json_object_get(m, "Repositories");
                const char *name = repos && repos->arr.len ? repos->arr.items[0]->str.s
                                                           : json_object_get_string(m, "id");
                sbuf_printf(&raw, "%s\t%s\n", name, path);
        }
        _cleanup_(tabw_freep) struct tabw *w = tabw_new();
        tabw_write(w, raw.buf ? raw.buf : "");
        sbuf_done(&raw);
        _cleanup_free_ char *aligned = tabw_flush(w);
        sbuf_append(out, aligned);
}

static int run_mount(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct mount_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        bool json = false;
        if (o->format && *o->format) {
                if (!STREQ(o->format, "json")) {
                        err_set(&e, EINVAL, "unknown --format argument: %s", o->format);
                        return print_error(&e);
                }
                json = true;
        }
        if (o->all && args[0]) {
                err_set(&e, EINVAL,
                        "when using the --all switch, you may not pass any image names or IDs");
                return print_error(&e);
        }
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        _cleanup_strv_ char **paths = NULL;
        /* As podman: every image mounted, then listed like several names. */
        if (o->all && engine_images_mount_all(s, &paths, &e) < 0)
                return print_error(&e);
        for (char **a = args; *a; a++) {
                char *path = NULL;
                if (engine_image_mount(s, *a, &path, &e) < 0)
                        return print_error(&e);
                strv_push(&paths, path);
        }
        if (args[0] && !args[1] && !json) {
                printf("%s\n", paths[0]);
                return 0;
        }
        _cleanup_json_ struct json *mounted = NULL;
        if (engine_images_mounted(s, &mounted, &e) < 0)
                return print_error(&e);
        struct sbuf out = {0};
        if (o->all && !paths)
                return 0; /* no image: nothing mounted, nothing listed */
        if (json) {
                if (paths) {
                        /* Only the images named, in the order found. */
                        struct json *sel = json_new_array();
                        for (size_t i = 0; i < mounted->arr.len; i++) {
                                const char *p =
                                        json_object_get_string(mounted->arr.items[i], "mountpoint");
                                if (strv_contains(paths, p))
                                        json_array_append(sel, json_copy(mounted->arr.items[i]));
                        }
                        append_json_indent1(&out, sel);
                        json_free(sel);
                } else {
                        append_json_indent1(&out, mounted);
                }
        } else {
                append_rows(&out, mounted, paths);
        }
        print_out(out.buf ? out.buf : "", out.len);
        sbuf_done(&out);
        return 0;
}

#define ROOTLESS_NOTE                                                                              \
        " Rootless, the mount is made in the user and mount namespace that berth shares with "     \
        "podman: it is visible to 'berth unshare' and 'podman unshare', not on the host. Unlike "  \
        "podman, berth needs no 'unshare' around this command, since every berth command that "    \
        "uses the store already runs in that namespace."

const struct berth_cmd cmd_image_mount = {
        .name = "mount",
        .summary = "Mount an image's root filesystem",
        .description =
                "Mount the named images (all with --all) read-only and print where; with "
                "no image, list the mounted images and their mount points. Mounts are counted in the "
                "store (as podman counts them) and stay until 'berth image unmount'." ROOTLESS_NOTE,
        .usage = "[options] [IMAGE...]",
        .options = mount_options,
        .opts_size = sizeof(struct mount_cli),
        .max_args = -1,
        .needs_userns = true,
        .run = run_mount,
};

struct unmount_cli {
        bool all, force;
};

static const struct cli_option unmount_options[] = {
        {"all", 'a', CLI_BOOL, offsetof(struct unmount_cli, all), NULL,
         "Unmount all of the currently mounted images"},
        {"force", 'f', CLI_BOOL, offsetof(struct unmount_cli, force), NULL,
         "Force the complete unmount of the specified mounted images"},
        CLI_END,
};

static int run_unmount(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct unmount_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        if (!o->all && !args[0]) {
                err_set(&e, EINVAL, "image name or ID must be specified");
                return print_error(&e);
        }
        if (o->all && args[0]) {
                err_set(&e, EINVAL,
                        "when using the --all switch, you may not pass any image "
                        "names or IDs");
                return print_error(&e);
        }
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        if (o->all) {
                _cleanup_strv_ char **ids = NULL;
                int r = engine_images_unmount_all(s, o->force, &ids, &e);
                for (char **id = ids; id && *id; id++)
                        printf("%s\n", *id);
                return r < 0 ? print_error(&e) : 0;
        }
        int rc = 0;
        for (char **a = args; *a; a++) {
                _cleanup_free_ char *id = NULL;
                struct err one = {0};
                if (engine_image_unmount(s, *a, o->force, &id, &one) < 0) {
                        rc = print_error(&one);
                        err_done(&one);
                        continue;
                }
                if (id)
                        printf("%s\n", id);
        }
        return rc;
}

static const char *const unmount_aliases[] = {"umount", NULL};

const struct berth_cmd cmd_image_unmount = {
        .name = "unmount",
        .aliases = unmount_aliases,
        .summary = "Unmount an image's root filesystem",
        .description = "Drop one mount of each named image (all of them with --force), as "
                       "counted in the store, and print the IDs of the images that were "
                       "mounted; an image that is not mounted is skipped." ROOTLESS_NOTE,
        .usage = "[options] IMAGE [IMAGE...]",
        .options = unmount_options,
        .opts_size = sizeof(struct unmount_cli),
        .max_args = -1,
        .needs_userns = true,
        .run = run_unmount,
};

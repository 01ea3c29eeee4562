/* SPDX-License-Identifier: Apache-2.0 */
/* berth commit, berth container commit */
#include <stdio.h>

#include "cmd.h"
#include "engine.h"

struct commit_cli {
        char *author, *format, *iidfile, *message;
        char **change;
        bool include_volumes, pause, quiet, squash;
};

#define O(f) offsetof(struct commit_cli, f)
static const struct cli_option commit_options[] = {
        {"author", 'a', CLI_STRING, O(author), "string", "Set the author for the image committed"},
        {"change", 'c', CLI_STRV, O(change), "stringArray",
         "Apply the following possible instructions to the created image (default []): CMD | "
         "ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR"},
        {"format", 'f', CLI_STRING, O(format), "string",
         "Format of the image manifest and metadata (oci or docker)", "oci"},
        {"iidfile", 0, CLI_STRING, O(iidfile), "ImageIDfile", "Write the image ID to the file"},
        {"include-volumes", 0, CLI_BOOL, O(include_volumes), NULL,
         "Include container volumes as image volumes"},
        {"message", 'm', CLI_STRING, O(message), "string",
         "Set commit message for the image (docker format only)"},
        {"pause", 'p', CLI_BOOL, O(pause), NULL, "Pause container during commit"},
        {"quiet", 'q', CLI_BOOL, O(quiet), NULL, "Suppress output"},
        {"squash", 's', CLI_BOOL, O(squash), NULL,
         "squash newly built layers into a single new layer"},
        CLI_END,
};

static int run_commit(struct berth_ctx *ctx, void *opts, char **args)
{
        struct commit_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        struct commit_opts co = {
                .image = args[1],
                .changes = o->change,
                .message = o->message,
                .author = o->author,
                .format = o->format,
                .iidfile = o->iidfile,
                .pause = o->pause,
                .squash = o->squash,
                .include_volumes = o->include_volumes,
        };
        _cleanup_free_ char *id = NULL;
        _cleanup_strv_ char **blobs = NULL;
        if (engine_container_commit(s, args[0], &co, &id, &blobs, &e) < 0)
                return print_error(&e);
        /* podman's progress lines go to stderr; the ID alone to stdout */
        if (!o->quiet) {
                fputs("Getting image source signatures\n", stderr);
                for (char **b = blobs; b && *b; b++)
                        fprintf(stderr, "Copying blob %s\n", *b);
                fprintf(stderr,
                        "Copying config sha256:%s\nWriting manifest to image destination\n"
                        "Storing signatures\n",
                        id);
        }
        printf("%s\n", id);
        return 0;
}

const struct berth_cmd cmd_commit = {
        .name = "commit",
        .summary = "Create new image based on the changed container",
        .usage = "[options] CONTAINER [IMAGE]",
        .example = "berth commit -q -f docker --message \"committing container to image\" "
                   "reverent_golick image-committed\n"
                   "  berth commit -q --author \"firstName lastName\" reverent_golick "
                   "image-committed\n"
                   "  berth commit -q --change CMD=/bin/sh containerID image-committed\n"
                   "  berth commit containerID",
        .options = commit_options,
        .opts_size = sizeof(struct commit_cli),
        .min_args = 1,
        .max_args = 2,
        .needs_userns = true,
        .run = run_commit,
};

const struct berth_cmd cmd_container_commit = {
        .name = "commit",
        .summary = "Create new image based on the changed container",
        .usage = "[options] CONTAINER [IMAGE]",
        .options = commit_options,
        .opts_size = sizeof(struct commit_cli),
        .min_args = 1,
        .max_args = 2,
        .needs_userns = true,
        .run = run_commit,
};

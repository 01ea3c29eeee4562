/* SPDX-License-Identifier: Apache-2.0 */
/* berth load, berth save, berth image copy */
#include <errno.h>
#include <fcntl.h>

#include "cmd.h"
#include "engine.h"

struct load_cli {
        char *input;
        bool quiet;
};

static const struct cli_option load_options[] = {
        {"input", 'i', CLI_STRING, offsetof(struct load_cli, input), NULL,
         "Read from specified archive file (default: stdin)"},
        {"quiet", 'q', CLI_BOOL, offsetof(struct load_cli, quiet), NULL,
         "Suppress the output"},
        CLI_END,
};

static int usage_fail(const char *msg)
{
        struct err e = {0};
        err_set(&e, EINVAL, "%s", msg);
        int rc = print_error(&e);
        err_done(&e);
        return rc;
}

static int run_load(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct load_cli *o = opts_;
        const char *input = o->input && *o->input ? o->input : "-";
        if (STREQ(input, "-") && isatty(STDIN_FILENO))
                return usage_fail("cannot read from terminal, use command-line redirection or "
                                  "the --input flag");
        _cleanup_err_ struct err e = {0};
        struct store *s;
        _cleanup_strv_ char **names = NULL;
        if (ctx_store(ctx, &s, &e) < 0 || engine_image_load(s, input, &names, &e) < 0)
                return print_error(&e);
        if (!o->quiet)
                for (char **n = names; n && *n; n++)
                        printf("Loaded image: %s\n", *n);
        return 0;
}

const struct berth_cmd cmd_load = {
        .name = "load",
        .summary = "Load image(s) from a tar archive",
        .description = "Load images from a docker-archive or oci-archive tar (compressed or "
                       "not), an OCI layout directory or a dir: directory; the format is "
                       "detected.",
        .usage = "[options]",
        .options = load_options,
        .opts_size = sizeof(struct load_cli),
        .max_args = 0,
        .needs_userns = true,
        .run = run_load,
};

struct save_cli {
        char *output;
        char *format;
        bool multi;
        bool quiet;
};

static const struct cli_option save_options[] = {
        {"format", 0, CLI_STRING, offsetof(struct save_cli, format), NULL,
         "Save image to oci-archive, oci-dir (directory with oci manifest type), docker-archive, "
         "docker-dir (directory with v2s2 manifest type)",
         "docker-archive"},
        {"multi-image-archive", 'm', CLI_BOOL, offsetof(struct save_cli, multi), NULL,
         "Interpret additional arguments as images not tags and create a multi-image-archive "
         "(only for docker-archive)"},
        {"output", 'o', CLI_STRING, offsetof(struct save_cli, output), NULL,
         "Write to a specified file (default: stdout, which must be redirected)"},
        {"quiet", 'q', CLI_BOOL, offsetof(struct save_cli, quiet), NULL,
         "Suppress the output"},
        CLI_END,
};

/* Copy a file to stdout: archives are written to a file first because
 * they are finished by a rename. */
static int cat_file(const char *path, struct err *e)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return err_errno(e, "open '%s'", path);
        char buf[1 << 16];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                if (print_out(buf, (size_t)n) < 0)
                        return err_errno(e, "write to standard output");
        return n < 0 ? err_errno(e, "read '%s'", path) : 0;
}

static int run_save(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct save_cli *o = opts_;
        int fmt = save_format_from_string(o->format ? o->format : "docker-archive");
        if (fmt < 0)
                return usage_fail("unknown --format: use docker-archive, oci-archive, oci-dir "
                                  "or docker-dir");
        bool to_stdout = !o->output || !*o->output;
        if (to_stdout && (fmt == SAVE_OCI_DIR || fmt == SAVE_DOCKER_DIR))
                return usage_fail("a directory format needs --output");
        if (to_stdout && isatty(STDOUT_FILENO))
                return usage_fail("refusing to save to terminal. Use -o flag or redirect");
        _cleanup_err_ struct err e = {0};
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        _cleanup_free_ char *tmp = NULL;
        const char *out = o->output;
        if (to_stdout) {
                const char *t = getenv("TMPDIR");
                tmp = xasprintf("%s/berth-save-%d.tar", t && *t ? t : "/var/tmp", (int)getpid());
                out = tmp;
        }
        int r = engine_image_save(s, args, (enum save_format)fmt, out, &e);
        if (r == 0 && to_stdout)
                r = cat_file(tmp, &e);
        if (tmp)
                unlink(tmp);
        if (r < 0)
                return print_error(&e);
        return 0;
}

const struct berth_cmd cmd_save = {
        .name = "save",
        .summary = "Save image(s) to an archive",
        .usage = "[options] IMAGE [IMAGE...]",
        .options = save_options,
        .opts_size = sizeof(struct save_cli),
        .min_args = 1,
        .max_args = -1,
        .needs_userns = true,
        .run = run_save,
};

static int run_copy(struct berth_ctx *ctx, void *opts, char **args)
{
        _cleanup_err_ struct err e = {0};
        struct store *s;
        struct config *cfg;
        if (ctx_store(ctx, &s, &e) < 0 || ctx_config(ctx, &cfg, &e) < 0 ||
            engine_image_copy(cfg, s, args[0], args[1], &e) < 0)
                return print_error(&e);
        return 0;
}

const struct berth_cmd cmd_image_copy = {
        .name = "copy",
        .summary = "Copy an image between transports (skopeo copy)",
        .description = "Copy an image from SOURCE to DESTINATION, both written as "
                       "transport:details (containers-transports(5)): oci:DIR[:REF], "
                       "oci-archive:FILE[:REF], docker-archive:FILE[:REF], dir:DIR, "
                       "containers-storage:REF. Every blob is verified against its digest.",
        .usage = "SOURCE DESTINATION",
        .min_args = 2,
        .max_args = 2,
        .needs_userns = true,
        .run = run_copy,
};

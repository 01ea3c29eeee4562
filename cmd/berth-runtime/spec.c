/* SPDX-License-Identifier: Apache-2.0 */
/* spec (a starter config.json) and features. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rtcli.h"

struct spec_opts {
        char *bundle;
        bool rootless;
};

static const struct cli_option spec_options[] = {
        {"bundle", 'b', CLI_STRING, offsetof(struct spec_opts, bundle), "value",
         "path to the root of the bundle directory"},
        {"rootless", 0, CLI_BOOL, offsetof(struct spec_opts, rootless), NULL,
         "generate a configuration for a rootless container"},
        CLI_END,
};

static int run_spec(struct rtcli *c, void *opts, char **args, struct err *e)
{
        const struct spec_opts *o = opts;
        const char *dir = o->bundle && *o->bundle ? o->bundle : ".";
        _cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return err_errno(e, "bundle '%s'", dir);
        _cleanup_json_ struct json *spec = rt_spec_default(o->rootless);
        _cleanup_free_ char *text = json_generate(spec, JSON_GEN_PRETTY | JSON_GEN_NEWLINE);
        /* O_EXCL: never overwrite a config.json, and no race about it. */
        _cleanup_close_ int fd = openat(dfd, "config.json",
                                        O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd < 0 && errno == EEXIST)
                return err_set(e, EEXIST, "File config.json exists. Remove it first");
        if (fd < 0)
                return err_errno(e, "create '%s/config.json'", dir);
        size_t len = strlen(text);
        const char *p = text;
        while (len) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = err_errno(e, "write '%s/config.json'", dir);
                        (void)unlinkat(dfd, "config.json", 0);
                        return r;
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

static int run_features(struct rtcli *c, void *opts, char **args, struct err *e)
{
        _cleanup_json_ struct json *f = rt_features();
        if (!f)
                return err_set(e, EIO, "features are not available");
        _cleanup_free_ char *text =
                json_generate(f, JSON_GEN_PRETTY | JSON_GEN_INDENT4 | JSON_GEN_NEWLINE);
        fputs(text, stdout);
        return 0;
}

const struct rtcli_cmd rtcli_cmd_spec = {
        .name = "spec",
        .summary = "create a new specification file",
        .usage = "[command options]",
        .description = "The spec command creates the new specification file named "
                       "\"config.json\" for\nthe bundle. The spec generated is just a starter "
                       "file. Pass --rootless for\na spec that runs without root privileges.",
        .options = spec_options,
        .opts_size = sizeof(struct spec_opts),
        .min_args = 0,
        .max_args = 0,
        .exact_args = true,
        .run = run_spec,
};

const struct rtcli_cmd rtcli_cmd_features = {
        .name = "features",
        .summary = "show the enabled features",
        .usage = "",
        .description = "Show the enabled features.\n   The result is parsable as a JSON.",
        .min_args = 0,
        .max_args = 0,
        .exact_args = true,
        .run = run_features,
};

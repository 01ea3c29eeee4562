/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json into struct rt_spec (runtime/spec*.c and the mount, resources
 * and seccomp parsers it calls): no crash, no leak, and the promises of the
 * parsed struct hold (an error always has a message; resources is never
 * NULL; process args non-empty, cwd absolute; rlimits soft <= hard).
 * Short inputs also go to the signal name parser.
 */
#include <string.h>

#include "base.h"
#include "rt-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_spec(const struct rt_spec *s)
{
        if (!s->oci_version || !s->root_path || !s->root_path[0] || !s->resources)
                abort();
        const struct rt_process *p = s->process;
        if (p) {
                if (!p->args || !p->args[0] || !p->cwd || p->cwd[0] != '/' || !p->env)
                        abort();
                for (size_t i = 0; i < p->n_rlimits; i++)
                        if (p->rlimits[i].soft > p->rlimits[i].hard ||
                            !rt_rlimit_to_name(p->rlimits[i].resource))
                                abort();
                if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
                        abort();
        }
        for (int k = 0; k < RT_HOOK_NKINDS; k++)
                for (size_t i = 0; i < s->n_hooks[k]; i++)
                        if (s->hooks[k][i].path[0] != '/' || s->hooks[k][i].timeout < 0)
                                abort();
        for (size_t i = 0; i < s->n_uid_mappings; i++)
                if (s->uid_mappings[i].size == 0)
                        abort();
        for (size_t i = 0; i < s->n_devices; i++)
                if (s->devices[i].path[0] != '/' || !strchr("cubp", s->devices[i].type))
                        abort();
        for (size_t i = 0; s->sysctl && s->sysctl[i]; i++)
                if (!strchr(s->sysctl[i], '='))
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static bool quiet;
        if (!quiet) {
                log_set_level(LOG_ERROR);
                quiet = true;
        }
        struct rt_spec *s = NULL;
        struct err e = {0};
        if (rt_spec_parse((const char *)data, size, &s, &e) < 0) {
                if (!e.msg || s)
                        abort();
                err_done(&e);
        } else {
                check_spec(s);
                rt_spec_free(s);
        }

        if (size < 64) {
                char *str = xstrndup((const char *)data, size);
                int sig = 0;
                if (rt_signal_from_string(str, &sig, &e) == 0) {
                        if (sig < 1 || sig > 64)
                                abort();
                } else {
                        err_done(&e);
                }
                free(str);
        }
        return 0;
}

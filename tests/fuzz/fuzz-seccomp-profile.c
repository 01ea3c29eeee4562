/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp profiles (docker / containers-common format) through
 * libcore/engine's translator: no crash, no leak, an error always has a
 * message naming the file, and a translated profile keeps its promises
 * (defaultAction set, every kept rule has names and an action). Short
 * inputs also go to the --ulimit parser.
 */
#include <string.h>

#include "base.h"
#include "ctr-spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct json *sc)
{
        if (!json_object_get_string(sc, "defaultAction"))
                abort();
        const struct json *l = json_object_get(sc, "syscalls");
        if (!l || l->type != JSON_ARRAY)
                abort();
        for (size_t i = 0; i < l->arr.len; i++) {
                const struct json *n = json_object_get(l->arr.items[i], "names");
                if (!n || n->type != JSON_ARRAY || n->arr.len == 0 ||
                    !json_object_get_string(l->arr.items[i], "action"))
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const struct ctr_seccomp_host hosts[] = {
                {.arch = "amd64", .kernel_release = "6.1.0"},
                {.arch = "arm64", .kernel_release = "4.4"},
        };
        char *caps[] = {"CAP_SYS_ADMIN", "CAP_CHOWN", NULL};
        const struct ctr_seccomp_host *h = &hosts[size % 2];
        struct json *out = NULL;
        struct err e = {0};
        if (ctr_seccomp_translate_buf((const char *)data, size, "fuzz.json", caps, h, &out, &e) ==
            0) {
                check(out);
                json_free(out);
        } else if (!e.msg || !strstr(e.msg, "fuzz.json")) {
                abort();
        }
        err_done(&e);
        if (size < 64) {
                char *s = xstrndup((const char *)data, size);
                struct ctr_rlimit r;
                if (ctr_ulimit_parse(s, &r, &e) == 0 && r.soft > r.hard)
                        abort();
                err_done(&e);
                free(s);
        }
        return 0;
}

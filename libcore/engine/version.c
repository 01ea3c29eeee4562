/* SPDX-License-Identifier: Apache-2.0 */
/* berth's version facts. */
#include <time.h>

#include "berth-config.h"
#include "engine.h"

struct json *engine_version(void)
{
        struct json *client = json_new_object();
        json_object_set_string(client, "APIVersion", BERTH_VERSION);
        json_object_set_string(client, "Version", BERTH_VERSION);
        json_object_set_string(client, "Compiler", BERTH_COMPILER);
        json_object_set_string(client, "GitCommit", BERTH_GIT_COMMIT);
        /* The commit time, not the build time, so that builds are reproducible. */
        time_t built = (time_t)BERTH_BUILT_EPOCH;
        struct tm tm;
        char buf[64];
        gmtime_r(&built, &tm);
        strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm);
        json_object_set_string(client, "BuiltTime", buf);
        json_object_set_int(client, "Built", (int64_t)built);
        _cleanup_free_ char *osarch = xasprintf("linux/%s", host_go_arch());
        json_object_set_string(client, "OsArch", osarch);
        json_object_set_string(client, "Os", "linux");
        struct json *v = json_new_object();
        json_object_set(v, "Client", client);
        return v;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The store that the configuration describes. */
#include "engine.h"
#include "storage.h"

int engine_store_open(const struct config *cfg, struct store **ret, struct err *e)
{
        int r = store_open(&cfg->storage, cfg->user.rootless, ret, e);
        /* berth's commands end soon after a delete: the files of a removed
         * container go after the prompt comes back (`run --rm` and `rm`
         * return when the container is gone from the store). */
        if (r >= 0)
                store_set_background_discard(*ret, true);
        return r;
}

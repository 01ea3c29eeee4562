/* SPDX-License-Identifier: Apache-2.0 */
/* The store that the configuration describes. */
#include "engine.h"
#include "storage.h"

int engine_store_open(const struct config *cfg, struct store **ret, struct err *e)
{
        return store_open(&cfg->storage, cfg->user.rootless, ret, e);
}

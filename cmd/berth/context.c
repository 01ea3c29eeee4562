/* SPDX-License-Identifier: Apache-2.0 */
/* The store a command works on, opened once per process. */
#include "cmd.h"
#include "engine.h"
#include "storage.h"

int ctx_store(struct berth_ctx *ctx, struct store **ret, struct err *e)
{
        if (!ctx->store) {
                struct config *cfg;
                int r = ctx_config(ctx, &cfg, e);
                if (r < 0 || (r = engine_store_open(cfg, &ctx->store, e)) < 0)
                        return r;
        }
        *ret = ctx->store;
        return 0;
}

/* Closing the store at exit releases what it holds open. */
void ctx_done(struct berth_ctx *ctx)
{
        store_free(ctx->store);
        ctx->store = NULL;
}

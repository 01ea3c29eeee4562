/* SPDX-License-Identifier: Apache-2.0 */
/*
 * restart and port. restart is stop (when running) then start, each step
 * taking and dropping its own locks: the monitor's exit command needs the
 * container's lock between the two.
 */
#include <errno.h>

#include "ctr-internal.h"

int engine_container_restart(struct store *s, const struct config *cfg, const char *name,
                             int64_t timeout, char **ret_id, struct err *e)
{
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        int r = ctr_lookup(s, name, &c, e);
        if (r < 0)
                return r;
        struct ctr_state st;
        if ((r = ctr_state_get(s, c, &st, e)) < 0)
                return r;
        bool running = st.status == CTR_RUNNING || st.status == CTR_PAUSED;
        ctr_state_done(&st);
        if (running && (r = engine_container_stop(s, c->id, timeout, NULL, e)) < 0)
                return r;
        struct container_start_opts so = {0};
        int code;
        bool detached;
        if ((r = engine_container_start(s, cfg, c->id, &so, &code, &detached, e)) < 0)
                return r;
        if (ret_id)
                *ret_id = xstrdup(c->id);
        return 0;
}

int engine_container_ports(struct store *s, const char *name, char ***ret, struct err *e)
{
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        int r = ctr_lookup(s, name, &c, e);
        if (r < 0)
                return r;
        /* No container publishes a port before the network step. */
        *ret = NULL;
        return 0;
}

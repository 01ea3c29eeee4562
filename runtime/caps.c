/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The five capability sets of the container process, through the raw
 * capget/capset syscalls and prctl (no allocation, nothing to set up).
 *
 * An absent process.capabilities leaves the process with no capability at
 * all, in every set including the bounding one. The runtime spec does not
 * say what absence means; runc 1.1 behaves so (measured: a config without
 * "capabilities" gives CapBnd/CapPrm/CapEff/CapInh/CapAmb all zero, for uid
 * 0 as for 1000), and it is the safe reading, so berth does the same.
 */
#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rt-internal.h"

struct capsets {
        uint64_t effective, permitted, inheritable;
};

static int capget_self(struct capsets *ret)
{
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {0};
        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        ret->effective = (uint64_t)d[1].effective << 32 | d[0].effective;
        ret->permitted = (uint64_t)d[1].permitted << 32 | d[0].permitted;
        ret->inheritable = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
        return 0;
}

static int capset_self(const struct capsets *c)
{
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {
                {(uint32_t)c->effective, (uint32_t)c->permitted, (uint32_t)c->inheritable},
                {(uint32_t)(c->effective >> 32), (uint32_t)(c->permitted >> 32),
                 (uint32_t)(c->inheritable >> 32)},
        };
        if (syscall(SYS_capset, &h, d) < 0)
                return -errno;
        return 0;
}

/* The first capability in mask, by name, for messages. */
static const char *first_cap_name(uint64_t mask)
{
        for (int c = 0; c < 64; c++)
                if (mask & (UINT64_C(1) << c))
                        return rt_cap_to_name(c) ? rt_cap_to_name(c) : "CAP_?";
        return "none";
}

int rt_caps_apply(const struct rt_process *p, struct err *e)
{
        int last = rt_cap_last();
        uint64_t known = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
        uint64_t want[RT_CAP_NSETS] = {0};
        struct capsets cur = {0};
        int r;

        /* Capabilities this kernel does not know cannot be asked for: skip
         * them, as a spec written for a newer kernel must still run. */
        for (int s = 0; s < RT_CAP_NSETS; s++)
                want[s] = p->has_caps ? p->caps[s] & known : 0;

        if ((r = capget_self(&cur)) < 0)
                return err_errnum(e, r, "capget");
        /* The uid change cleared the effective set (permitted survived it
         * through PR_SET_KEEPCAPS); CAP_SETPCAP must be effective to shrink
         * the bounding set and to widen the inheritable one. */
        cur.effective = cur.permitted;
        if ((r = capset_self(&cur)) < 0)
                return err_errnum(e, r, "capset to raise the permitted capabilities");

        for (int c = 0; c <= last; c++) {
                /* PR_CAPBSET_DROP wants CAP_SETPCAP even for a cap already
                 * gone: only drop what is there. */
                if ((want[RT_CAP_BOUNDING] & (UINT64_C(1) << c)) ||
                    prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 0)
                        continue;
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return err_errno(e, "dropping %s from the bounding set",
                                         rt_cap_to_name(c) ? rt_cap_to_name(c) : "?");
        }

        struct capsets next = {
                .effective = want[RT_CAP_EFFECTIVE],
                .permitted = want[RT_CAP_PERMITTED],
                .inheritable = want[RT_CAP_INHERITABLE],
        };
        if ((r = capset_self(&next)) < 0) {
                uint64_t extra = next.permitted & ~cur.permitted;
                if (extra)
                        return err_errnum(e, r,
                                          "setting the permitted capabilities: %s is not "
                                          "held by the runtime",
                                          first_cap_name(extra));
                extra = next.effective & ~next.permitted;
                if (extra)
                        return err_errnum(e, r,
                                          "setting the effective capabilities: %s is not "
                                          "in the permitted set",
                                          first_cap_name(extra));
                extra = next.inheritable & ~(cur.inheritable | want[RT_CAP_BOUNDING]);
                if (extra)
                        return err_errnum(e, r,
                                          "setting the inheritable capabilities: %s is not "
                                          "in the bounding set",
                                          first_cap_name(extra));
                return err_errnum(
                        e, r, "capset (effective %#llx, permitted %#llx, inheritable %#llx)",
                        (unsigned long long)next.effective, (unsigned long long)next.permitted,
                        (unsigned long long)next.inheritable);
        }

        /* The kernel keeps ambient within permitted and inheritable. runc's
         * own `spec` lists ambient caps with no inheritable set and runc
         * skips what it cannot raise, so bundles rely on that: skip them
         * too (at debug level: the child's stderr is the container's). */
        uint64_t bad = want[RT_CAP_AMBIENT] & ~(next.permitted & next.inheritable);
        if (bad)
                log_debug("process.capabilities.ambient: %s and others not in the permitted and "
                          "inheritable sets are skipped",
                          first_cap_name(bad));
        uint64_t ambient = want[RT_CAP_AMBIENT] & ~bad;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
                /* Before Linux 4.3 there are no ambient capabilities. */
                if (errno != EINVAL || ambient)
                        return err_errno(e, "clearing the ambient capabilities");
                return 0;
        }
        for (int c = 0; c <= last; c++) {
                if (!(ambient & (UINT64_C(1) << c)))
                        continue;
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
                        return err_errno(e, "raising ambient capability %s",
                                         rt_cap_to_name(c) ? rt_cap_to_name(c) : "?");
        }
        return 0;
}

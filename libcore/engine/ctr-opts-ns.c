/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `run`/`create` namespace options: --network (until the network step:
 * none, host, container:<id>, ns:<path>), --pid, --ipc and --uts. A
 * container: mode joins the namespace of another berth container's running
 * init, found by its pid now.
 */
#include <errno.h>
#include <string.h>

#include "ctr-internal.h"
#include "ctr-opts.h"

/* --FLAG container:X: the full ID (*ret_mode "container:ID") and the path
 * of the namespace of that kind of X's running init; with ret_hostname,
 * X's hostname too (a shared UTS namespace has X's). */
static int join_container(struct store *s, const char *flag, const char *v, const char *kind,
                          char **ret_mode, char **ret_path, char **ret_hostname, struct err *e)
{
        _cleanup_(ctr_freep) struct ctr *other = NULL;
        int r = ctr_lookup(s, v + strlen("container:"), &other, e);
        if (r < 0)
                return err_wrap(e, "%s %s", flag, v);
        struct ctr_state st;
        if ((r = ctr_state_get(s, other, &st, e)) < 0)
                return r;
        pid_t pid = st.pid;
        bool running = st.status == CTR_RUNNING;
        ctr_state_done(&st);
        if (!running)
                return err_set(e, EINVAL, "%s %s: container %s is not running", flag, v,
                               other->name);
        *ret_mode = xasprintf("container:%s", other->id);
        *ret_path = xasprintf("/proc/%d/ns/%s", (int)pid, kind);
        if (ret_hostname)
                *ret_hostname = ctr_hostname(other);
        return 0;
}

/* --FLAG ns:PATH: an existing namespace file. */
static int join_path(const char *flag, const char *v, char **ret_mode, char **ret_path,
                     struct err *e)
{
        const char *p = v + 3;
        if (p[0] != '/' || !fs_exists(p))
                return err_set(e, ENOENT, "%s %s: no such namespace file", flag, v);
        *ret_mode = xstrdup(v);
        *ret_path = xstrdup(p);
        return 0;
}

/* --pid, --ipc, --uts: private (*ret_mode NULL), host, container:X or
 * ns:PATH (joined at *ret_path); --ipc also none and shareable. */
static int parse_ns_mode(struct store *s, const char *flag, const char *v, const char *kind,
                         char **ret_mode, char **ret_path, char **ret_hostname, struct err *e)
{
        bool ipc = STREQ(kind, "ipc");
        if (!v || !*v || STREQ(v, "private"))
                return 0;
        if (STREQ(v, "host") || (ipc && (STREQ(v, "none") || STREQ(v, "shareable")))) {
                *ret_mode = xstrdup(v);
                return 0;
        }
        if (str_has_prefix(v, "ns:"))
                return join_path(flag, v, ret_mode, ret_path, e);
        if (str_has_prefix(v, "container:")) {
                /* Its /dev/shm is a mount inside it, which cannot be bound
                 * from another mount namespace (podman's is on the host). */
                if (ipc)
                        return err_set(e, ENOTSUP,
                                       "%s %s: sharing another container's IPC namespace is not "
                                       "supported by berth (use host, private, shareable or none)",
                                       flag, v);
                return join_container(s, flag, v, kind, ret_mode, ret_path, ret_hostname, e);
        }
        return err_set(e, EINVAL, "%s: unrecognized namespace mode %s passed", flag, v);
}

int ctr_opts_network(struct store *s, const struct container_create_opts *o, struct ctr_opts *co,
                     struct err *e)
{
        if (o->publish && o->publish[0])
                return err_set(e, ENOTSUP,
                               "port publishing needs the network step, not implemented yet "
                               "(-p %s)",
                               o->publish[0]);
        const char *n = o->network && *o->network ? o->network : "none";
        if (STREQ(n, "none") || STREQ(n, "host")) {
                co->network = xstrdup(n);
        } else if (str_has_prefix(n, "ns:")) {
                int r = join_path("--network", n, &co->network, &co->network_ns_path, e);
                if (r < 0)
                        return r;
        } else if (str_has_prefix(n, "container:")) {
                int r = join_container(s, "--network", n, "net", &co->network, &co->network_ns_path,
                                       NULL, e);
                if (r < 0)
                        return r;
        } else {
                return err_set(e, ENOTSUP,
                               "--network %s needs the network step, not implemented yet: use "
                               "none, host, container:<id> or ns:<path>",
                               n);
        }
        co->spec.network = co->network;
        co->spec.network_ns_path = co->network_ns_path;
        return 0;
}

int ctr_opts_namespaces(struct store *s, const struct container_create_opts *o, struct ctr_opts *co,
                        struct err *e)
{
        int r;
        if ((r = parse_ns_mode(s, "--pid", o->pid, "pid", &co->pid, &co->pid_ns_path, NULL, e)) <
                    0 ||
            (r = parse_ns_mode(s, "--ipc", o->ipc, "ipc", &co->ipc, &co->ipc_ns_path, NULL, e)) <
                    0 ||
            (r = parse_ns_mode(s, "--uts", o->uts, "uts", &co->uts, &co->uts_ns_path,
                               &co->uts_hostname, e)) < 0)
                return r;
        co->spec.pid = co->pid;
        co->spec.pid_ns_path = co->pid_ns_path;
        co->spec.ipc = co->ipc;
        co->spec.ipc_ns_path = co->ipc_ns_path;
        co->spec.uts = co->uts;
        co->spec.uts_ns_path = co->uts_ns_path;
        co->spec.uts_hostname = co->uts_hostname;
        if (co->uts && o->hostname && *o->hostname)
                return err_set(e, EINVAL,
                               STREQ(co->uts, "host")
                                       ? "cannot set hostname when running in the host UTS "
                                         "namespace: invalid configuration"
                                       : "cannot set hostname when joining the container's UTS "
                                         "namespace: invalid configuration");
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The files berth makes for a container in its runroot userdata and binds
 * into it, as podman does: /etc/hosts, /etc/hostname, /etc/resolv.conf and
 * /run/.containerenv.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "ctr-internal.h"

#define HOST_FILE_MAX (1u << 20)

static int write_file(const struct ctr *c, const char *name, const char *data, struct err *e)
{
        _cleanup_free_ char *p = ctr_rpath(c, name);
        /* 0644: the container's users read them. */
        int r = fs_write_atomic_volatile(AT_FDCWD, p, data, strlen(data), 0644, e);
        return r < 0 ? err_wrap(e, "writing the container's %s", name) : 0;
}

/* Allocates: a host file's content, "" when it is missing or unreadable. */
static char *host_file(const char *path)
{
        char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, path, HOST_FILE_MAX, &buf, &len, NULL) < 0)
                return xstrdup("");
        return buf;
}

char *ctr_hostname(const struct ctr *c)
{
        const char *hn = ctr_cfg_string(c, "hostname");
        if (hn)
                return xstrdup(hn);
        _cleanup_free_ char *cfgp = ctr_gpath(c, "config.json");
        static const char *const keys[] = {"hostname", NULL};
        _cleanup_json_ struct json *spec = NULL;
        if (json_parse_file_only(AT_FDCWD, cfgp, 64u << 20, keys, &spec, NULL) == 0)
                hn = json_object_get_string(spec, "hostname");
        return xstrdup(hn ? hn : c->name);
}

int ctr_write_run_files(const struct ctr *c, const struct ctr_run_files *f, struct err *e)
{
        int r = fs_mkdir_p(c->rdir, 0700, e);
        if (r < 0)
                return r;
        if (!f->no_hosts) {
                _cleanup_free_ char *base = host_file("/etc/hosts");
                _cleanup_free_ char *ip = ctr_host_local_ip();
                _cleanup_free_ char *hosts =
                        ctr_hosts_build(base, f->add_hosts, ip, f->hostname, c->name);
                if ((r = write_file(c, "hosts", hosts, e)) < 0)
                        return r;
        }
        /* podman writes the name without a newline. */
        if ((r = write_file(c, "hostname", f->hostname, e)) < 0)
                return r;
        _cleanup_free_ char *resolv = host_file("/etc/resolv.conf");
        if ((r = write_file(c, "resolv.conf", resolv, e)) < 0)
                return r;
        /* podman fills .containerenv only for privileged containers. */
        _cleanup_free_ char *env =
                f->privileged
                        ? xasprintf("engine=\"berth-%s\"\nname=\"%s\"\nid=\"%s\"\nimage=\"%s\"\n"
                                    "imageid=\"%s\"\nrootless=%d\n",
                                    BERTH_VERSION, c->name, c->id,
                                    f->image_name ? f->image_name : "",
                                    f->image_id ? f->image_id : "", f->rootless ? 1 : 0)
                        : xstrdup("");
        /* Last: start takes it as the sign that the files are all there. */
        return write_file(c, ".containerenv", env, e);
}

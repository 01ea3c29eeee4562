/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's OCI runtime config (config.json), built as podman 4.3.1
 * builds it. The reference is what that podman writes to
 * <graphroot>/overlay-containers/<id>/userdata/config.json here; the unit
 * test compares berth's document with such files, field by field.
 *
 * Deliberate differences from podman, each for a reason:
 * - env has container=berth (podman: container=podman), and the
 *   annotation io.container.manager is "berth" (podman: "libpod"). The
 *   other io.podman.annotations.* and cri-o annotations keep podman's names
 *   and meanings, since tools read them by those names.
 * - --init binds catatonit at /run/berth-init (podman: /run/podman-init).
 * - cgroupsPath uses berth's names: cgroupfs /berth_parent/berth-<id>,
 *   systemd <slice>:berth:<id> (podman: /libpod_parent/libpod-<id>,
 *   <slice>:libpod:<id>), so the two engines' cgroups never mix.
 * - env and mounts come in a fixed order (podman's order of some entries
 *   comes from Go map iteration and varies between runs).
 * - Default rlimits that exceed a hard limit berth may not raise are
 *   clamped (podman writes them and the runtime fails with EPERM).
 * - Without a /dev/shm tmpfs made by the caller, /dev/shm is a tmpfs mount
 *   in the spec (podman always mounts it itself and binds it).
 * - No SELinux/AppArmor labels are written: label= and apparmor= are
 *   accepted and ignored (label=disable gives podman's annotation).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "ctr-spec.h"

struct sec_opts {
        const char *seccomp; /* NULL: containers.conf default */
        bool no_new_privs;
        bool label_disable;
        bool systempaths_unconfined;
};

static int parse_security_opts(char *const *in, struct sec_opts *s, struct err *e)
{
        for (char *const *p = in; p && *p; p++) {
                const char *o = *p;
                if (str_has_prefix(o, "seccomp=")) {
                        s->seccomp = o + strlen("seccomp=");
                        if (!*s->seccomp)
                                return err_set(e, EINVAL, "invalid --security-opt '%s'", o);
                } else if (STREQ(o, "no-new-privileges")) {
                        s->no_new_privs = true;
                } else if (str_has_prefix(o, "no-new-privileges=")) {
                        if (str_to_bool(o + strlen("no-new-privileges="), &s->no_new_privs) < 0)
                                return err_set(e, EINVAL, "invalid --security-opt '%s'", o);
                } else if (STREQ(o, "label=disable")) {
                        s->label_disable = true;
                } else if (str_has_prefix(o, "label=") || str_has_prefix(o, "apparmor=")) {
                        /* No LSM labels on berth's hosts yet: accepted, not applied. */
                        log_debug("--security-opt '%s' ignored: no label support", o);
                } else if (STREQ(o, "systempaths=unconfined")) {
                        s->systempaths_unconfined = true;
                } else if (str_has_prefix(o, "mask=") || str_has_prefix(o, "unmask=")) {
                        continue; /* ctr_spec_masked_paths() reads them */
                } else {
                        return err_set(e, EINVAL, "invalid --security-opt '%s'", o);
                }
        }
        return 0;
}

char *ctr_spec_hostname(const struct ctr_spec_opts *o)
{
        bool netns_host = o->network && STREQ(o->network, "host");
        bool uts_host = o->uts && STREQ(o->uts, "host");
        if (o->uts && !uts_host)
                return xstrdup(o->uts_hostname ? o->uts_hostname : "");
        if (o->hostname && *o->hostname && !uts_host)
                return xstrdup(o->hostname);
        if (netns_host || uts_host) {
                if (o->host_hostname)
                        return xstrdup(o->host_hostname);
                char h[256] = {0};
                if (gethostname(h, sizeof(h) - 1) == 0 && h[0])
                        return xstrdup(h);
        }
        return xstrndup(o->id, 12);
}

static int annotations(const struct ctr_spec_opts *o, const struct sec_opts *s, struct json **ret,
                       struct err *e)
{
        struct json *a = json_new_object();
        _cleanup_free_ char *now = NULL;
        if (!o->created) {
                int64_t sec;
                int32_t nsec;
                time_now(&sec, &nsec);
                now = time_format_rfc3339(sec, nsec);
        }
        json_object_set_string(a, "io.container.manager", "berth");
        json_object_set_string(a, "io.kubernetes.cri-o.Created", o->created ? o->created : now);
        json_object_set_string(a, "io.kubernetes.cri-o.TTY", o->tty ? "true" : "false");
        json_object_set_string(a, "io.podman.annotations.autoremove", o->remove ? "TRUE" : "FALSE");
        json_object_set_string(a, "io.podman.annotations.init", o->init_path ? "TRUE" : "FALSE");
        json_object_set_string(a, "io.podman.annotations.privileged",
                               o->privileged ? "TRUE" : "FALSE");
        json_object_set_string(a, "io.podman.annotations.publish-all", "FALSE");
        if (s->label_disable)
                json_object_set_string(a, "io.podman.annotations.label", "disable");
        if (s->seccomp)
                json_object_set_string(a, "io.podman.annotations.seccomp", s->seccomp);
        json_object_set(
                a, "org.opencontainers.image.stopSignal",
                json_new_string_take(xasprintf("%d", o->stop_signal ? o->stop_signal : 15)));
        for (char *const *p = o->annotations; p && *p; p++) {
                const char *eq = strchr(*p, '=');
                if (!eq || eq == *p) {
                        json_free(a);
                        return err_set(e, EINVAL, "invalid annotation '%s': expected key=value",
                                       *p);
                }
                _cleanup_free_ char *k = xstrndup(*p, (size_t)(eq - *p));
                json_object_set_string(a, k, eq + 1);
        }
        /* Go marshals maps with sorted keys; berth's annotations follow. */
        *ret = json_sorted_copy(a);
        json_free(a);
        return 0;
}

static struct json *user_json(const struct ctr_user *u, unsigned umask)
{
        struct json *j = json_new_object();
        json_object_set_int(j, "uid", u->uid);
        json_object_set_int(j, "gid", u->gid);
        json_object_set_int(j, "umask", umask);
        if (u->n_gids) {
                struct json *g = json_new_array();
                for (size_t i = 0; i < u->n_gids; i++)
                        json_array_append(g, json_new_int(u->gids[i]));
                json_object_set(j, "additionalGids", g);
        }
        return j;
}

/* --privileged runs unconfined unless a profile is named explicitly. */
static int seccomp_of(const struct ctr_spec_opts *o, const struct config *conf,
                      const struct sec_opts *sec, char *const *bounding, struct json **ret,
                      struct err *e)
{
        *ret = NULL;
        if (!sec->seccomp && o->privileged)
                return 0;
        const char *path = sec->seccomp ? sec->seccomp
                                        : (conf && conf->seccomp_profile
                                                   ? conf->seccomp_profile
                                                   : "/usr/share/containers/seccomp.json");
        return ctr_seccomp_load(path, sec->seccomp != NULL, bounding, o->seccomp_host,
                                o->seccomp_cache_dir, ret, e);
}

int ctr_spec_seccomp(const struct ctr_spec_opts *o, const struct config *conf, struct json **ret,
                     struct err *e)
{
        struct sec_opts sec = {0};
        _cleanup_strv_ char **bounding = NULL;
        if (parse_security_opts(o->security_opt, &sec, e) < 0 ||
            ctr_caps_compute(o, conf, &bounding, e) < 0)
                return -EINVAL;
        return seccomp_of(o, conf, &sec, bounding, ret, e);
}

int ctr_spec_build(const struct ctr_spec_opts *o, const struct json *img, const struct config *conf,
                   struct json **ret, struct err *e)
{
        if (!o->id || strlen(o->id) < 12)
                return err_set(e, EINVAL, "building the container spec: no container id");
        if (!o->rootfs || o->rootfs[0] != '/')
                return err_set(e, EINVAL, "building the container spec: no rootfs path");
        struct sec_opts sec = {0};
        if (parse_security_opts(o->security_opt, &sec, e) < 0)
                return -EINVAL;
        bool netns_host = o->network && STREQ(o->network, "host");
        _cleanup_free_ char *hostname = ctr_spec_hostname(o);

        _cleanup_close_ int own_fd = -1;
        int rootfd = o->rootfs_fd;
        if (rootfd < 0) {
                own_fd = open(o->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (own_fd < 0)
                        return err_errno(e, "open rootfs '%s'", o->rootfs);
                rootfd = own_fd;
        }
        const char *user =
                o->user && *o->user ? o->user : (img ? json_object_get_string(img, "User") : NULL);
        struct ctr_user cu = {0};
        if (ctr_user_resolve(rootfd, user, o->group_add, &cu, e) < 0)
                return -EINVAL;

        _cleanup_json_ struct json *spec = json_new_object();
        _cleanup_strv_ char **bounding = NULL, **args = NULL, **env = NULL, **dulim = NULL;
        _cleanup_json_ struct json *rlimits = NULL, *seccomp = NULL, *annots = NULL;
        const char *cwd;
        int r = -EINVAL;
        if (ctr_caps_compute(o, conf, &bounding, e) < 0 || ctr_spec_args(o, img, &args, e) < 0 ||
            ctr_spec_env(o, img, hostname, cu.home, &env, e) < 0 ||
            ctr_spec_cwd(o, img, &cwd, e) < 0)
                goto out;
        dulim = json_strv(conf ? json_get_path(conf->containers, "containers.default_ulimits")
                               : NULL);
        if (ctr_rlimits_build(o->ulimits, dulim, o->rootless, o->host_limits, &rlimits, e) < 0)
                goto out;
        if (o->seccomp_pre) {
                if (o->seccomp_pre->r < 0) {
                        err_move(e, &o->seccomp_pre->err);
                        goto out;
                }
                seccomp = steal_pointer(&o->seccomp_pre->profile);
        } else if (seccomp_of(o, conf, &sec, bounding, &seccomp, e) < 0) {
                goto out;
        }
        if (annotations(o, &sec, &annots, e) < 0)
                goto out;

        json_object_set_string(spec, "ociVersion", "1.0.2-dev");
        struct json *proc = json_new_object();
        json_object_set(spec, "process", proc);
        if (o->tty)
                json_object_set_bool(proc, "terminal", true);
        json_object_set(proc, "user", user_json(&cu, o->umask_set ? o->umask : 022));
        json_object_set(proc, "args", json_new_strv(args));
        json_object_set(proc, "env", json_new_strv(env));
        json_object_set_string(proc, "cwd", cwd);
        if (ctr_spec_capabilities(o, bounding, user, proc, e) < 0)
                goto out;
        if (rlimits->arr.len)
                json_object_set(proc, "rlimits", steal_pointer(&rlimits));
        if (sec.no_new_privs)
                json_object_set_bool(proc, "noNewPrivileges", true);
        if (o->oom_score_adj_set)
                json_object_set_int(proc, "oomScoreAdj", o->oom_score_adj);

        struct json *root = json_new_object();
        json_object_set_string(root, "path", o->rootfs);
        if (o->read_only)
                json_object_set_bool(root, "readonly", true);
        json_object_set(spec, "root", root);
        /* A shared UTS namespace keeps its name. */
        if (!o->uts)
                json_object_set_string(spec, "hostname", hostname);
        if (ctr_spec_mounts(o, spec, netns_host, e) < 0)
                goto out;
        json_object_set(spec, "annotations", steal_pointer(&annots));

        struct json *lx = json_new_object();
        json_object_set(spec, "linux", lx);
        if (ctr_spec_linux(o, conf, lx, netns_host, e) < 0)
                goto out;
        if (seccomp)
                json_object_set(lx, "seccomp", steal_pointer(&seccomp));
        if (!sec.systempaths_unconfined && ctr_spec_masked_paths(o, lx, e) < 0)
                goto out;
        *ret = steal_pointer(&spec);
        r = 0;
out:
        ctr_user_done(&cu);
        return r;
}

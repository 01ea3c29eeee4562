/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `create` (and the first half of `run`): check every option, make the
 * storage record with its read-write layer, and write berth.json and the
 * OCI config.json (ctr_spec_build) into the container's userdata.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "ctr-internal.h"
#include "ctr-opts.h"
#include "ctr-spec.h"
#include "runtime.h"
#include "storage.h"

extern char **environ;

/* Allocates: the image's OCI "config" object ({} when it has none). */
static struct json *image_config(struct store *s, const char *id)
{
        _cleanup_free_ char *key = xasprintf("sha256:%s", id);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        _cleanup_json_ struct json *j = NULL;
        if (store_image_big_data(s, id, key, &buf, &len, NULL) < 0 ||
            json_parse(buf, len, &j, NULL) < 0 || j->type != JSON_OBJECT)
                return json_new_object();
        const struct json *c = json_object_get(j, "config");
        return c && c->type == JSON_OBJECT ? json_copy(c) : json_new_object();
}

static int find_image(struct store *s, const struct container_create_opts *o, struct json **ret,
                      struct err *e)
{
        const char *pull = o->pull ? o->pull : "missing";
        if (!STREQ(pull, "always") && !STREQ(pull, "missing") && !STREQ(pull, "never") &&
            !STREQ(pull, "newer"))
                return err_set(e, EINVAL,
                               "invalid pull policy \"%s\": use always, missing, never or newer",
                               pull);
        if (STREQ(pull, "always"))
                return err_set(e, ENOTSUP,
                               "--pull=always: pulling images is not implemented in berth yet "
                               "(the registry step)");
        struct err ie = {0};
        int r = engine_image_find(s, o->image, ret, &ie);
        if (r == 0)
                return 0;
        if (ie.code != ENOENT)
                return err_move(e, &ie);
        err_done(&ie);
        if (STREQ(pull, "never"))
                return err_set(e, ENOENT, "%s: image not known", o->image);
        return err_set(e, ENOENT,
                       "%s: image not known, and pulling images is not implemented in berth yet "
                       "(the registry step): import or load it first",
                       o->image);
}

static int name_check(const char *name, struct err *e)
{
        size_t n = strlen(name);
        bool ok =
                n > 0 && n <= 253 &&
                strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", name[0]) &&
                strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
                        n;
        if (!ok)
                return err_set(e, EINVAL,
                               "container name \"%s\" is invalid: names must match "
                               "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
                               name);
        return 0;
}

/* podman's text for a name in use, with the ID that has it. */
static int name_in_use(const struct json *all, const char *name, struct err *e)
{
        for (size_t i = 0; i < all->arr.len; i++) {
                const struct json *n = json_object_get(all->arr.items[i], "names");
                for (size_t k = 0; n && n->type == JSON_ARRAY && k < n->arr.len; k++)
                        if (n->arr.items[k]->type == JSON_STRING &&
                            STREQ(n->arr.items[k]->str.s, name))
                                return err_set(
                                        e, EEXIST,
                                        "creating container storage: the container name \"%s\" "
                                        "is already in use by %s. You have to remove that "
                                        "container to be able to reuse that name: that name is "
                                        "already in use",
                                        name, json_object_get_string(all->arr.items[i], "id"));
        }
        return 0;
}

/* How write_json syncs: not at all for a --rm container's files (they
 * need not outlive a crash, it would be removed anyway); the file only,
 * when a later write to the same directory syncs it; file and directory. */
enum json_sync { JSON_VOLATILE, JSON_INTACT, JSON_DURABLE };

static int write_json(const char *dir, const char *file, const struct json *j,
                      enum json_sync sync, struct err *e)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
        _cleanup_free_ char *text = json_generate(j, JSON_GEN_NEWLINE);
        size_t n = strlen(text);
        return sync == JSON_VOLATILE ? fs_write_atomic_volatile(AT_FDCWD, p, text, n, 0600, e)
               : sync == JSON_INTACT ? fs_write_atomic_intact(AT_FDCWD, p, text, n, 0600, e)
                                     : fs_write_atomic(AT_FDCWD, p, text, n, 0600, e);
}

/* berth.json: what later commands need and cannot read from config.json. */
static struct json *berth_record(const struct container_create_opts *o, const struct ctr_opts *co,
                                 const struct config *cfg, const char *id, const char *name,
                                 const char *created, const struct json *img,
                                 const struct json *imgcfg)
{
        struct json *b = json_new_object();
        json_object_set_string(b, "id", id);
        json_object_set_string(b, "name", name);
        json_object_set_string(b, "created", created);
        json_object_set_string(b, "image", o->image);
        json_object_set_string(b, "image_id", json_object_get_string(img, "id"));
        const struct json *names = json_object_get(img, "names");
        _cleanup_free_ char *stored = engine_image_stored_name(img, o->image);
        const char *iname = stored ? stored
                            : names && names->type == JSON_ARRAY && names->arr.len &&
                                            names->arr.items[0]->type == JSON_STRING
                                    ? names->arr.items[0]->str.s
                                    : o->image;
        json_object_set_string(b, "image_name", iname);
        json_object_set(b, "create_command", json_new_strv(o->create_command));
        json_object_set(b, "cmd", o->cmd ? json_new_strv(o->cmd) : json_new_null());
        if (o->entrypoint)
                json_object_set_string(b, "entrypoint", o->entrypoint);
        if (o->user && *o->user)
                json_object_set_string(b, "user", o->user); /* commit keeps it as typed */
        json_object_set_bool(b, "tty", o->tty);
        json_object_set_bool(b, "stdin", o->interactive);
        json_object_set_bool(b, "remove", o->remove);
        json_object_set_string(b, "restart", co->restart ? co->restart : "no");
        json_object_set_int(b, "stop_signal", co->stop_signal);
        json_object_set_int(b, "stop_timeout", o->stop_timeout >= 0 ? o->stop_timeout : 10);
        json_object_set_string(b, "log_driver", co->log_driver);
        if (co->log_path)
                json_object_set_string(b, "log_path", co->log_path);
        json_object_set_int(b, "log_max_size", co->log_max_size);
        json_object_set_int(b, "log_max_file", co->log_max_file);
        json_object_set(b, "log_opts", json_new_strv(o->log_opts));
        json_object_set_string(b, "network", co->network);
        json_object_set_string(b, "pid", co->pid ? co->pid : "private");
        json_object_set_string(b, "ipc", co->ipc ? co->ipc : "private");
        json_object_set_string(b, "uts", co->uts ? co->uts : "private");
        json_object_set(b, "add_host", json_new_strv(o->add_hosts));
        json_object_set_bool(b, "no_hosts", o->no_hosts);
        json_object_set_bool(b, "privileged", o->privileged);
        json_object_set_bool(b, "read_only", o->read_only);
        json_object_set_string(b, "userns", o->userns ? o->userns : "");
        json_object_set_string(b, "cidfile", o->cidfile ? o->cidfile : "");
        json_object_set_string(b, "detach_keys", o->detach_keys ? o->detach_keys : "");
        json_object_set(b, "cap_add", json_new_strv(o->cap_add));
        json_object_set(b, "cap_drop", json_new_strv(o->cap_drop));
        json_object_set(b, "security_opt", json_new_strv(o->security_opt));
        json_object_set(b, "group_add", json_new_strv(o->group_add));
        json_object_set(b, "volumes", json_new_strv(o->volumes));
        json_object_set(b, "tmpfs", json_new_strv(o->tmpfs));
        json_object_set(b, "devices", json_new_strv(o->devices));
        json_object_set_int(b, "shm_size", co->spec.shm_size ? co->spec.shm_size : 65536000);
        json_object_set_int(b, "memory", co->spec.memory);
        json_object_set_int(b, "memory_swap", co->spec.memory_swap);
        json_object_set_int(b, "nano_cpus", (int64_t)(co->spec.cpus * 1e9 + 0.5));
        json_object_set_int(b, "cpu_shares", (int64_t)co->spec.cpu_shares);
        json_object_set_int(b, "cpu_period", (int64_t)co->spec.cpu_period);
        json_object_set_int(b, "cpu_quota", co->spec.cpu_quota);
        json_object_set_string(b, "cpuset_cpus", o->cpuset_cpus ? o->cpuset_cpus : "");
        json_object_set_string(b, "cpuset_mems", o->cpuset_mems ? o->cpuset_mems : "");
        json_object_set_int(b, "memory_reservation", co->spec.memory_reservation);
        json_object_set_int(b, "oom_score_adj", co->spec.oom_score_adj);
        json_object_set_string(b, "cgroup_parent", o->cgroup_parent ? o->cgroup_parent : "");
        json_object_set(b, "mounts",
                        co->mounts_json ? json_copy(co->mounts_json) : json_new_array());
        json_object_set(b, "named_volumes",
                        co->volumes_json ? json_copy(co->volumes_json) : json_new_array());
        /* Labels: the image's, then --label-file's and --label. */
        struct json *labels = json_new_object();
        const struct json *il = json_object_get(imgcfg, "Labels");
        for (size_t i = 0; il && il->type == JSON_OBJECT && i < il->obj.len; i++)
                json_object_set(labels, il->obj.keys[i], json_copy(il->obj.vals[i]));
        for (char **l = co->labels; l && *l; l++) {
                const char *eq = strchr(*l, '=');
                _cleanup_free_ char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
                json_object_set_string(labels, k, eq ? eq + 1 : "");
        }
        /* Sorted, as podman's (a Go map) in inspect and ps. */
        json_object_set(b, "labels", json_sorted_copy(labels));
        json_free(labels);
        /* The runtime is the container's, as podman's OCIRuntime: a later
         * start or restart under another configuration keeps it. */
        json_object_set_string(b, "runtime",
                               cfg->runtime && *cfg->runtime ? cfg->runtime : "berth");
        return b;
}

/* Everything after the record exists: on failure the caller deletes it. */
static int fill_container(struct store *s, const struct config *cfg,
                          const struct container_create_opts *o, struct ctr_opts *co,
                          const struct ctr *c, const struct json *img, const struct json *imgcfg,
                          const char *created, struct err *e)
{
        /* The rootfs is mounted while the spec is built (users and groups
         * come from its /etc), then released until start, or kept for it
         * (run) with R/mounted saying so, as start leaves it. */
        _cleanup_free_ char *rootfs = NULL;
        int r = store_container_mount(s, c->id, &rootfs, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *hosts = ctr_rpath(c, "hosts");
        _cleanup_free_ char *hostname = ctr_rpath(c, "hostname");
        _cleanup_free_ char *resolv = ctr_rpath(c, "resolv.conf");
        _cleanup_free_ char *cenv = ctr_rpath(c, ".containerenv");
        co->spec.id = c->id;
        co->spec.name = c->name;
        co->spec.rootfs = rootfs;
        co->spec.rootfs_fd = -1;
        co->spec.created = created;
        co->spec.hosts_path = o->no_hosts ? NULL : hosts;
        co->spec.hostname_path = hostname;
        co->spec.resolv_conf_path = resolv;
        co->spec.containerenv_path = cenv;
        _cleanup_json_ struct json *spec = NULL;
        r = ctr_opts_set_container(s, cfg, co, c, rootfs, e);
        if (r == 0)
                r = ctr_spec_build(&co->spec, imgcfg, cfg, &spec, e);
        _cleanup_free_ char *marker = ctr_rpath(c, "mounted");
        bool kept = r == 0 && o->keep_mounted &&
                    fs_write_atomic_volatile(AT_FDCWD, marker, rootfs, strlen(rootfs), 0600, NULL) == 0;
        struct err ue = {0};
        if (!kept && store_container_unmount(s, c->id, false, &ue) < 0)
                log_debug("%s", ue.msg);
        err_done(&ue);
        if (r < 0)
                return r;
        const char *image_id = json_object_get_string(img, "id");
        /* The spec has none when the UTS namespace is shared. */
        _cleanup_free_ char *hn = ctr_spec_hostname(&co->spec);
        struct ctr_run_files f = {.hostname = hn,
                                  .image_name = o->image,
                                  .image_id = image_id,
                                  .add_hosts = o->add_hosts,
                                  .no_hosts = o->no_hosts,
                                  .privileged = o->privileged,
                                  .rootless = cfg->user.rootless};
        if ((r = ctr_write_run_files(c, &f, e)) < 0)
                return r;
        _cleanup_json_ struct json *b =
                berth_record(o, co, cfg, c->id, c->name, created, img, imgcfg);
        json_object_set_string(b, "hostname", hn);
        /* ps shows the command of every container: a copy here spares it
         * parsing each config.json (the seccomp profile makes it ~10 KB). */
        const struct json *args = json_get_path(spec, "process.args");
        json_object_set(b, "command",
                        args && args->type == JSON_ARRAY ? json_copy(args) : json_new_array());
        /* berth.json's directory sync makes config.json's rename durable
         * too: one directory sync for the two. */
        if ((r = write_json(c->gdir, "config.json", spec, o->remove ? JSON_VOLATILE : JSON_INTACT,
                            e)) < 0 ||
            (r = write_json(c->gdir, "berth.json", b, o->remove ? JSON_VOLATILE : JSON_DURABLE,
                            e)) < 0)
                return r;
        if (o->cidfile &&
            (r = fs_write_atomic(AT_FDCWD, o->cidfile, c->id, strlen(c->id), 0644, e)) < 0)
                return err_wrap(e, "writing the container id file");
        return 0;
}

/* --network, --pid or --uts container:X: X's userdata lists this
 * container in dependents/, so that removing X finds what shares its
 * namespaces without reading every container's berth.json (ctr-rm.c). */
static int mark_dependent(struct store *s, const struct ctr_opts *co, const struct ctr *c,
                          struct err *e)
{
        const char *const modes[] = {co->network, co->pid, co->uts};
        for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
                if (!modes[i] || !str_has_prefix(modes[i], "container:"))
                        continue;
                _cleanup_free_ char *g = store_container_dir(s, modes[i] + strlen("container:"));
                _cleanup_free_ char *dir = xasprintf("%s/dependents", g);
                _cleanup_free_ char *mark = xasprintf("%s/%s", dir, c->id);
                if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                        return err_errno(e, "%s: the container is gone", modes[i]);
                int r = fs_write_atomic_volatile(AT_FDCWD, mark, "", 0, 0600, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Work done while the storage syncs the new records (waits): the seccomp
 * profile (its few hundred names are CPU work) and, for run, the monitor's
 * spawn and exec. */
struct create_ahead {
        pthread_t thread;
        bool started;
        struct ctr_opts *co; /* whose spec.seccomp_pre the result becomes */
        const struct ctr_spec_opts *o;
        const struct config *cfg;
        struct ctr_seccomp_pre pre;
        char *const *monitor_argv; /* NULL: no monitor ahead */
        struct engine_monitor *monitor;
};

static void *create_ahead_main(void *arg)
{
        struct create_ahead *ca = arg;
        struct err e = {0};
        /* Without it, the start spawns one as usual. */
        if (ca->monitor_argv && ctr_monitor_ahead_spawn(ca->monitor_argv, &ca->monitor, &e) < 0)
                log_debug("starting berth-monitor ahead: %s", e.msg);
        err_done(&e);
        ca->pre.r = ctr_spec_seccomp(ca->o, ca->cfg, &ca->pre.profile, &ca->pre.err);
        return NULL;
}

/* Start it; without a thread, ctr_spec_build makes the profile itself. */
static void create_ahead_start(struct create_ahead *ca, struct ctr_opts *co,
                               const struct config *cfg, char *const *monitor_argv)
{
        *ca = (struct create_ahead){
                .o = &co->spec, .cfg = cfg, .co = co, .monitor_argv = monitor_argv};
        ca->started = pthread_create(&ca->thread, NULL, create_ahead_main, ca) == 0;
}

static void create_ahead_join(struct create_ahead *ca)
{
        if (!ca->started)
                return;
        pthread_join(ca->thread, NULL);
        ca->started = false;
        ca->co->spec.seccomp_pre = &ca->pre;
}

static void create_ahead_done(struct create_ahead *ca)
{
        create_ahead_join(ca);
        if (ca->co)
                ca->co->spec.seccomp_pre = NULL;
        json_free(ca->pre.profile);
        err_done(&ca->pre.err);
        ctr_monitor_ahead_free(ca->monitor);
}

/* run: allocates the command line of the monitor started ahead, the one
 * the start would give it, from the berth.json fill_container will write
 * (its volumes aside, which the monitor does not read); NULL: none. */
static char **monitor_ahead_argv(struct store *s, const struct config *cfg,
                                 const struct container_create_opts *o, const struct ctr_opts *co,
                                 char *id, char *name, const char *created, const struct json *img,
                                 const struct json *imgcfg)
{
        _cleanup_json_ struct json *b = berth_record(o, co, cfg, id, name, created, img, imgcfg);
        _cleanup_free_ char *gdir = store_container_dir(s, id);
        _cleanup_free_ char *rdir = store_container_run_dir(s, id);
        struct ctr c = {.id = id, .name = name, .berth = b, .gdir = gdir, .rdir = rdir};
        char **argv = NULL;
        struct err e = {0};
        if (ctr_monitor_ahead_argv(s, cfg, &c, &argv, &e) < 0)
                log_debug("starting berth-monitor ahead: %s", e.msg);
        else if (ctr_spec_own_netns(&co->spec))
                strv_add(&argv, "--new-netns");
        err_done(&e);
        return argv;
}

static int create_with(struct store *s, const struct config *cfg,
                       const struct container_create_opts *o, struct ctr_opts *co, char **ret_id,
                       struct err *e)
{
        if (o->cidfile && fs_exists(o->cidfile))
                return err_set(e, EEXIST,
                               "container id file exists. Ensure another container is not using "
                               "it or delete %s",
                               o->cidfile);
        _cleanup_json_ struct json *img = NULL;
        int r = find_image(s, o, &img, e);
        if (r < 0)
                return r;
        const char *image_id = json_object_get_string(img, "id");
        _cleanup_json_ struct json *imgcfg = image_config(s, image_id);

        _cleanup_json_ struct json *all = NULL;
        if ((r = store_containers(s, &all, e)) < 0)
                return r;
        _cleanup_free_ char *name = NULL;
        if (o->name) {
                if ((r = name_check(o->name, e)) < 0 || (r = name_in_use(all, o->name, e)) < 0)
                        return r;
                name = xstrdup(o->name);
        } else {
                name = ctr_name_generate(all);
        }

        int64_t sec;
        int32_t nsec;
        time_now(&sec, &nsec);
        _cleanup_free_ char *created = time_format_rfc3339(sec, nsec);
        struct json *md = json_new_object();
        json_object_set_string(md, "image-name", o->image);
        json_object_set_string(md, "image-id", image_id);
        json_object_set_string(md, "name", name);
        _cleanup_free_ char *mdtext = json_generate(md, 0);
        json_free(md);
        char *names[] = {name, NULL};
        /* --rm: buildah's Volatile flag, so that the storage neither syncs
         * the container's coming and going to disk nor its writes (overlay's
         * "volatile", as podman mounts --rm containers). */
        _cleanup_json_ struct json *flags = json_new_object();
        if (o->remove)
                json_object_set_bool(flags, "Volatile", true);
        /* Known before the record exists: the monitor started ahead has it. */
        _cleanup_free_ char *id = store_new_id();
        struct container_spec cs = {
                .id = id, .names = names, .image_id = image_id, .metadata = mdtext, .flags = flags};
        _cleanup_json_ struct json *rec = NULL;
        _cleanup_(lockfile_freep) struct lockfile *lk = NULL; /* held until berth.json exists */
        _cleanup_strv_ char **mon_argv =
                o->monitor ? monitor_ahead_argv(s, cfg, o, co, id, name, created, img, imgcfg)
                           : NULL;
        _cleanup_(create_ahead_done) struct create_ahead ca = {0};
        create_ahead_start(&ca, co, cfg, mon_argv);
        r = ctr_record_create(s, &cs, &rec, &lk, e);
        create_ahead_join(&ca);
        if (r < 0) {
                if (e && e->code == EEXIST && o->name)
                        (void)name_in_use(all, o->name, e);
                return r;
        }
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        r = ctr_from_record(s, rec, &c, e);
        if (r == 0)
                r = fill_container(s, cfg, o, co, c, img, imgcfg, created, e);
        if (r == 0)
                r = mark_dependent(s, co, c, e);
        if (r < 0) {
                struct err de = {0};
                if (store_container_delete(s, id, &de) < 0)
                        log_warn("removing the half-made container %s: %s", id, de.msg);
                err_done(&de);
                return r;
        }
        *ret_id = xstrdup(c->id);
        if (o->monitor)
                *o->monitor = steal_pointer(&ca.monitor);
        return 0;
}

int engine_container_create(struct store *s, const struct config *cfg,
                            const struct container_create_opts *o, char **ret_id, struct err *e)
{
        if (o->monitor)
                *o->monitor = NULL;
        if (!o->image || !*o->image)
                return err_set(e, EINVAL, "no image given");
        if (o->replace && !o->name)
                return err_set(e, EINVAL, "cannot replace container without --name being set");
        /* As podman, before the options are read: their volumes are locked
         * until the container exists, and the old one may hold the same. A
         * name of another tool's container stays an error (rm refuses it). */
        if (o->replace) {
                struct container_rm_opts ro = {.force = true, .timeout = -1};
                struct err re = {0};
                if (engine_container_remove(s, o->name, &ro, NULL, &re) < 0 && re.code != ENOENT)
                        return err_move(e, &re);
                err_done(&re);
        }
        struct ctr_opts co = {0};
        int r = ctr_opts_parse(s, cfg, o, &co, e);
        if (r == 0)
                r = create_with(s, cfg, o, &co, ret_id, e);
        ctr_opts_done(&co);
        return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth commit: a container's changes become a new image, as podman 4.3
 * (buildah's import builder) makes it: the image's config with the
 * container's command, environment, working directory, user and labels
 * (never its stop signal), then the --change instructions; one history
 * entry; one new layer holding the container layer's diff (or, squashed,
 * the whole tree).
 *
 * The diff streams from a thread through a pipe into the store's staging,
 * so a full disk fails the stage, which removes what it wrote; nothing is
 * recorded until the layer is complete (engine_image_write).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctr-internal.h"
#include "image.h"
#include "runtime.h" /* rt_signal_from_string */
#include "storage.h"

/* The most layers an image chain is followed for. */
#define COMMIT_MAX_LAYERS 1024

/* ---------------------------------------------------------------- the config */

/* Allocates: the parsed image config (the whole document), {} if unreadable. */
static struct json *image_document(struct store *s, const char *id)
{
        _cleanup_free_ char *key = xasprintf("sha256:%s", id);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        struct json *j = NULL;
        if (store_image_big_data(s, id, key, &buf, &len, NULL) < 0 ||
            json_parse(buf, len, &j, NULL) < 0 || j->type != JSON_OBJECT) {
                json_free(j);
                return json_new_object();
        }
        return j;
}

static struct json *config_obj(struct json *doc)
{
        struct json *c = json_object_get(doc, "config");
        if (!c || c->type != JSON_OBJECT) {
                c = json_new_object();
                json_object_set(doc, "config", c);
        }
        return c;
}

/* Set KEY=VALUE in the Env list: in place when KEY is there, else appended
 * (buildah's SetEnv). */
static void env_set(struct json *cfg, const char *kv)
{
        struct json *env = json_object_get(cfg, "Env");
        if (!env || env->type != JSON_ARRAY) {
                env = json_new_array();
                json_object_set(cfg, "Env", env);
        }
        size_t klen = strcspn(kv, "=");
        for (size_t i = 0; i < env->arr.len; i++) {
                struct json *it = env->arr.items[i];
                if (it->type == JSON_STRING && strncmp(it->str.s, kv, klen) == 0 &&
                    (it->str.s[klen] == '=' || it->str.s[klen] == '\0')) {
                        env->arr.items[i] = json_new_string(kv);
                        json_free(it);
                        return;
                }
        }
        json_array_append(env, json_new_string(kv));
}

static bool env_has(const struct json *env, const char *key)
{
        size_t n = strlen(key);
        for (size_t i = 0; env && env->type == JSON_ARRAY && i < env->arr.len; i++) {
                const struct json *it = env->arr.items[i];
                if (it->type == JSON_STRING && strncmp(it->str.s, key, n) == 0 &&
                    it->str.s[n] == '=')
                        return true;
        }
        return false;
}

/* The --entrypoint a container was made with, as ctr_spec_args reads it. */
static struct json *entrypoint_json(const char *ep)
{
        struct json *j = NULL;
        if (ep[0] == '[' && json_parse(ep, strlen(ep), &j, NULL) == 0 && j->type == JSON_ARRAY) {
                bool ok = true;
                for (size_t i = 0; i < j->arr.len; i++)
                        ok = ok && j->arr.items[i]->type == JSON_STRING;
                if (ok)
                        return j;
        }
        json_free(j);
        j = json_new_array();
        json_array_append(j, json_new_string(ep));
        return j;
}

static void add_volume(struct json *cfg, const char *dst)
{
        struct json *v = json_object_get(cfg, "Volumes");
        if (!v || v->type != JSON_OBJECT) {
                v = json_new_object();
                json_object_set(cfg, "Volumes", v);
        }
        json_object_set(v, dst, json_new_object());
}

/* What podman carries from the container into the image config. */
static void apply_container(struct json *cfg, const struct ctr *c, const struct json *spec,
                            bool include_volumes)
{
        const char *ep = ctr_cfg_string(c, "entrypoint");
        if (ep)
                json_object_set(cfg, "Entrypoint", entrypoint_json(ep));
        const struct json *cmd = json_object_get(c->berth, "cmd");
        if (cmd && cmd->type == JSON_ARRAY && cmd->arr.len)
                json_object_set(cfg, "Cmd", json_copy(cmd));
        else if (ep)
                json_object_remove(cfg, "Cmd"); /* --entrypoint dropped the image's */

        /* The container's whole environment, as podman takes the spec's,
         * without what berth adds to each container's process when it is
         * not set (podman adds them later, out of its stored spec): the
         * HOSTNAME, and the user's HOME unless the image or -e/--env set it. */
        const struct json *proc = json_object_get(spec, "process");
        const struct json *env = json_object_get(proc, "env");
        const char *hostname = json_object_get_string(spec, "hostname");
        _cleanup_free_ char *hn = hostname ? xasprintf("HOSTNAME=%s", hostname) : NULL;
        bool keep_home = env_has(json_object_get(cfg, "Env"), "HOME");
        const struct json *argv = json_object_get(c->berth, "create_command");
        for (size_t i = 0; argv && argv->type == JSON_ARRAY && i < argv->arr.len; i++)
                keep_home = keep_home || (argv->arr.items[i]->type == JSON_STRING &&
                                          strstr(argv->arr.items[i]->str.s, "HOME="));
        for (size_t i = 0; env && env->type == JSON_ARRAY && i < env->arr.len; i++) {
                const struct json *kv = env->arr.items[i];
                if (kv->type != JSON_STRING || !strchr(kv->str.s, '=') ||
                    (hn && STREQ(kv->str.s, hn)) ||
                    (!keep_home && str_has_prefix(kv->str.s, "HOME=")))
                        continue;
                env_set(cfg, kv->str.s);
        }

        const struct json *labels = json_object_get(c->berth, "labels");
        for (size_t i = 0; labels && labels->type == JSON_OBJECT && i < labels->obj.len; i++) {
                struct json *l = json_object_get(cfg, "Labels");
                if (!l || l->type != JSON_OBJECT) {
                        l = json_new_object();
                        json_object_set(cfg, "Labels", l);
                }
                json_object_set(l, labels->obj.keys[i], json_copy(labels->obj.vals[i]));
        }

        const char *user = ctr_cfg_string(c, "user");
        if (user && *user)
                json_object_set_string(cfg, "User", user);

        /* Anonymous volumes the user asked for; with --include-volumes
         * every -v/--mount destination. */
        const struct json *nv = json_object_get(c->berth, "named_volumes");
        for (size_t i = 0; !include_volumes && nv && nv->type == JSON_ARRAY && i < nv->arr.len;
             i++) {
                const struct json *v = nv->arr.items[i];
                const char *dst = json_object_get_string(v, "destination");
                if (dst && json_object_get_bool(v, "anonymous", false))
                        add_volume(cfg, dst);
        }
        const struct json *m = json_object_get(c->berth, "mounts");
        for (size_t i = 0; include_volumes && m && m->type == JSON_ARRAY && i < m->arr.len; i++) {
                const char *type = json_object_get_string(m->arr.items[i], "Type");
                const char *dst = json_object_get_string(m->arr.items[i], "Destination");
                if (dst && type && (STREQ(type, "bind") || STREQ(type, "volume")))
                        add_volume(cfg, dst);
        }

        const char *cwd = json_object_get_string(proc, "cwd");
        json_object_set_string(cfg, "WorkingDir", cwd && *cwd ? cwd : "/");
}

/* The --change instructions, with podman's rules: ONBUILD exists only in
 * the docker format (warned about and dropped otherwise), a STOPSIGNAL is
 * stored as its number. */
static int apply_changes(struct json *cfg, char *const *changes, bool docker, struct err *e)
{
        for (char *const *ch = changes; ch && *ch; ch++) {
                size_t n = strcspn(*ch, "= ");
                bool onbuild = n == 7 && strncasecmp(*ch, "ONBUILD", 7) == 0;
                bool stopsig = n == 10 && strncasecmp(*ch, "STOPSIGNAL", 10) == 0;
                if (onbuild && !docker) {
                        const char *v = (*ch)[n] ? *ch + n + 1 : "";
                        log_warn("ONBUILD is not supported for OCI image format, %s will be "
                                 "ignored. Must use `docker` format",
                                 v);
                        continue;
                }
                int r = engine_config_apply_change(cfg, *ch, e);
                if (r < 0)
                        return r;
                const char *sig = json_object_get_string(cfg, "StopSignal");
                if (stopsig && sig) {
                        int num;
                        if (rt_signal_from_string(sig, &num, e) < 0)
                                return err_wrap(e, "invalid change '%s'", *ch);
                        _cleanup_free_ char *text = xasprintf("%d", num);
                        json_object_set_string(cfg, "StopSignal", text);
                }
        }
        return 0;
}

static void order_keys(struct json *obj, const char *const *order)
{
        struct json *sorted = json_new_object();
        for (const char *const *k = order; *k; k++) {
                struct json *v = json_object_get(obj, *k);
                if (v)
                        json_object_set(sorted, *k, json_copy(v));
        }
        for (size_t i = 0; i < obj->obj.len; i++)
                if (!json_object_get(sorted, obj->obj.keys[i]))
                        json_object_set(sorted, obj->obj.keys[i], json_copy(obj->obj.vals[i]));
        /* swap the contents, keeping obj's identity for its owner */
        struct json tmp = *obj;
        *obj = *sorted;
        *sorted = tmp;
        json_free(sorted);
}

/* The OCI ImageConfig's field order (image-spec's Go struct). */
static const char *const oci_config_order[] = {
        "User",       "ExposedPorts", "Env",        "Entrypoint",  "Cmd", "Volumes",
        "WorkingDir", "Labels",       "StopSignal", "ArgsEscaped", NULL,
};

/* Docker's container config (docker/docker's Config struct), from the OCI one. */
static struct json *docker_config(const struct json *cfg, const char *image)
{
        struct json *d = json_new_object();
        const char *user = json_object_get_string(cfg, "User");
        json_object_set_string(d, "Hostname", "");
        json_object_set_string(d, "Domainname", "");
        json_object_set_string(d, "User", user ? user : "");
        json_object_set_bool(d, "AttachStdin", false);
        json_object_set_bool(d, "AttachStdout", false);
        json_object_set_bool(d, "AttachStderr", false);
        const struct json *ports = json_object_get(cfg, "ExposedPorts");
        if (ports && ports->type == JSON_OBJECT && ports->obj.len)
                json_object_set(d, "ExposedPorts", json_copy(ports));
        json_object_set_bool(d, "Tty", false);
        json_object_set_bool(d, "OpenStdin", false);
        json_object_set_bool(d, "StdinOnce", false);
        static const char *const nullable[] = {"Env", "Cmd", NULL};
        for (const char *const *k = nullable; *k; k++) {
                const struct json *v = json_object_get(cfg, *k);
                json_object_set(d, *k, v ? json_copy(v) : json_new_null());
        }
        const struct json *hc = json_object_get(cfg, "Healthcheck");
        if (hc)
                json_object_set(d, "Healthcheck", json_copy(hc));
        json_object_set_string(d, "Image", image);
        const struct json *vols = json_object_get(cfg, "Volumes");
        json_object_set(d, "Volumes", vols ? json_copy(vols) : json_new_null());
        const char *wd = json_object_get_string(cfg, "WorkingDir");
        json_object_set_string(d, "WorkingDir", wd ? wd : "");
        static const char *const tail[] = {"Entrypoint", "OnBuild", "Labels", NULL};
        for (const char *const *k = tail; *k; k++) {
                const struct json *v = json_object_get(cfg, *k);
                json_object_set(d, *k, v ? json_copy(v) : json_new_null());
        }
        const char *sig = json_object_get_string(cfg, "StopSignal");
        if (sig && *sig)
                json_object_set_string(d, "StopSignal", sig);
        const struct json *shell = json_object_get(cfg, "Shell");
        if (shell)
                json_object_set(d, "Shell", json_copy(shell));
        return d;
}

struct commit_ctx {
        const struct commit_opts *o;
        const struct ctr *c;
        const char *parent_id; /* the container's image, "" when none */
        const char *from;      /* that image's first name, "" when none */
        const char *created;
        const char *diff_id; /* of the new layer */
        bool docker;
};

/* Allocates: the new image's config document. */
static struct json *commit_image_config(const struct commit_ctx *x, struct json *parent_doc,
                                        struct json *cfg)
{
        const struct commit_opts *o = x->o;
        struct json *doc = json_new_object();
        if (x->docker && o->message && *o->message)
                json_object_set_string(doc, "comment", o->message);
        json_object_set_string(doc, "created", x->created);
        if (x->docker) {
                json_object_set_string(doc, "container", x->c->id);
                json_object_set(doc, "container_config", docker_config(cfg, x->from));
        }
        if (o->author && *o->author)
                json_object_set_string(doc, "author", o->author);
        if (x->docker)
                json_object_set(doc, "config", docker_config(cfg, x->from));
        const char *arch = json_object_get_string(parent_doc, "architecture");
        const char *os = json_object_get_string(parent_doc, "os");
        const char *variant = json_object_get_string(parent_doc, "variant");
        json_object_set_string(doc, "architecture", arch ? arch : host_go_arch());
        json_object_set_string(doc, "os", os ? os : "linux");
        if (variant)
                json_object_set_string(doc, "variant", variant);
        if (!x->docker)
                json_object_set(doc, "config", json_copy(cfg));
        if (x->docker && *x->parent_id)
                json_object_set(doc, "parent",
                                json_new_string_take(xasprintf("sha256:%s", x->parent_id)));

        struct json *rootfs = json_new_object();
        json_object_set_string(rootfs, "type", "layers");
        struct json *ids = json_new_array();
        const struct json *pids = json_get_path(parent_doc, "rootfs.diff_ids");
        for (size_t i = 0; !o->squash && pids && pids->type == JSON_ARRAY && i < pids->arr.len; i++)
                json_array_append(ids, json_copy(pids->arr.items[i]));
        json_array_append(ids, json_new_string(x->diff_id));
        json_object_set(rootfs, "diff_ids", ids);
        json_object_set(doc, "rootfs", rootfs);

        struct json *hist = json_new_array();
        const struct json *ph = json_object_get(parent_doc, "history");
        for (size_t i = 0; !o->squash && ph && ph->type == JSON_ARRAY && i < ph->arr.len; i++)
                json_array_append(hist, json_copy(ph->arr.items[i]));
        struct json *h = json_new_object();
        json_object_set_string(h, "created", x->created);
        if (x->docker && o->author && *o->author)
                json_object_set_string(h, "author", o->author);
        json_object_set_string(h, "created_by", "/bin/sh");
        if (!x->docker && o->author && *o->author)
                json_object_set_string(h, "author", o->author);
        json_object_set(h, "comment", json_new_string_take(xasprintf("FROM %s", x->from)));
        json_array_append(hist, h);
        json_object_set(doc, "history", hist);
        return doc;
}

/* ---------------------------------------------------------------- the layer */

struct producer {
        struct store *s;
        const char *layer;
        bool flat;
        int wfd;
        int r;
        struct err e;
};

static void *produce_main(void *arg)
{
        struct producer *p = arg;
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        /* a reader that stops early makes our write fail with EPIPE */
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        p->r = p->flat ? store_layer_flat_tar(p->s, p->layer, p->wfd, &p->e)
                       : store_layer_diff(p->s, p->layer, p->wfd, &p->e);
        close(p->wfd);
        p->wfd = -1;
        /* take our own pending SIGPIPE, so it does not reach the process */
        struct timespec zero = {0};
        while (sigtimedwait(&set, NULL, &zero) == SIGPIPE)
                ;
        return NULL;
}

/* Stage the container layer's diff (or its flattened tree) as a child of
 * parent_layer (NULL: a base layer). */
static int stage_layer(struct store *s, const char *layer, const char *parent_layer, bool flat,
                       struct staged_layer **ret, struct err *e)
{
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return err_errno(e, "pipe");
        (void)fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
        struct producer p = {.s = s, .layer = layer, .flat = flat, .wfd = fds[1]};
        pthread_t t;
        int r = pthread_create(&t, NULL, produce_main, &p);
        if (r != 0) {
                close(fds[0]);
                close(fds[1]);
                return err_errnum(e, r, "starting the layer diff thread");
        }
        struct store_stage_opts so = {.parent_id = parent_layer};
        struct err se = {0};
        r = store_layer_stage_with(s, fds[0], &so, ret, &se);
        /* closing our end stops a producer the stage gave up on */
        close(fds[0]);
        pthread_join(t, NULL);
        if (p.r < 0 && p.e.code != EPIPE) {
                /* the stage only saw the stream end early: the diff says why */
                if (r >= 0) {
                        staged_layer_free(*ret);
                        *ret = NULL;
                }
                err_done(&se);
                return err_move(e, &p.e);
        }
        err_done(&p.e);
        if (r < 0)
                return err_move(e, &se);
        return 0;
}

/* --pause: freeze a running container (through `pause`, which knows the
 * external runtimes and says why a rootless cgroup-v1 host cannot);
 * *ret_paused says whether it must be thawed. Takes the container lock,
 * so it runs before commit takes it. */
static int pause_if_running(struct store *s, const struct ctr *c, bool *ret_paused, struct err *e)
{
        *ret_paused = false;
        struct ctr_state st;
        int r = ctr_state_get(s, c, &st, e);
        if (r < 0)
                return r;
        bool running = st.status == CTR_RUNNING;
        ctr_state_done(&st);
        if (!running)
                return 0;
        if ((r = engine_container_pause(s, c->id, NULL, e)) < 0)
                return err_wrap(e, "pausing container %.12s for the commit", c->id);
        *ret_paused = true;
        return 0;
}

static void unpause_after(struct store *s, const struct ctr *c)
{
        struct err e = {0};
        if (engine_container_unpause(s, c->id, NULL, &e) < 0)
                log_warn("resuming container %.12s after the commit: %s", c->id, e.msg);
        err_done(&e);
}

/* The layers of an image's chain, base first, as the manifest lists them. */
static int chain_layers(struct store *s, const char *top, struct image_new_layer **ret,
                        size_t *ret_n, char ***ret_keep, struct err *e)
{
        char **digests = NULL; /* owns the strings, top first */
        int64_t *sizes = NULL;
        size_t n = 0, cap = 0, scap = 0;
        _cleanup_free_ char *cur = top && *top ? xstrdup(top) : NULL;
        int r = 0;
        while (cur && r >= 0) {
                if (n >= COMMIT_MAX_LAYERS) {
                        r = err_set(e, ELOOP, "layer %s: more than %d parent layers", top,
                                    COMMIT_MAX_LAYERS);
                        break;
                }
                _cleanup_json_ struct json *rec = NULL;
                if ((r = store_layer_get(s, cur, &rec, e)) < 0)
                        break;
                const char *d = json_object_get_string(rec, "diff-digest");
                if (!d || !*d) {
                        r = err_set(e, EINVAL, "layer %s has no diff digest", cur);
                        break;
                }
                xgrow((void **)&digests, &cap, n + 2, sizeof(char *));
                xgrow((void **)&sizes, &scap, n + 1, sizeof(int64_t));
                digests[n] = xstrdup(d);
                digests[n + 1] = NULL;
                sizes[n] = json_object_get_int(rec, "diff-size", -1);
                n++;
                const char *p = json_object_get_string(rec, "parent");
                free(cur);
                cur = p && *p ? xstrdup(p) : NULL;
        }
        if (r < 0) {
                strv_free(digests);
                free(sizes);
                return r;
        }
        struct image_new_layer *v = xcalloc(n ? n : 1, sizeof(*v));
        for (size_t i = 0; i < n; i++)
                v[i] = (struct image_new_layer){digests[n - 1 - i], sizes[n - 1 - i]};
        free(sizes);
        *ret = v;
        *ret_n = n;
        *ret_keep = digests;
        return 0;
}

static int check_opts(const struct commit_opts *o, bool *ret_docker, struct err *e)
{
        const char *fmt = o->format && *o->format ? o->format : "oci";
        if (!STREQ(fmt, "oci") && !STREQ(fmt, "docker"))
                return err_set(e, EINVAL, "unrecognized image type \"%s\"", fmt);
        *ret_docker = STREQ(fmt, "docker");
        if (!*ret_docker && o->message && *o->message)
                return err_set(e, EINVAL,
                               "messages are only compatible with the docker image format (-f "
                               "docker)");
        return 0;
}

/* Everything done with the container locked: the config from its records,
 * and its layer staged. */
static int commit_locked(struct store *s, const struct ctr *c, struct commit_ctx *x,
                         struct json **ret_doc, struct image_new *n, struct staged_layer **ret_sl,
                         const struct json *img, struct err *e)
{
        const struct commit_opts *o = x->o;
        _cleanup_free_ char *spec_path = ctr_gpath(c, "config.json");
        _cleanup_json_ struct json *spec = NULL;
        int r = json_parse_file(AT_FDCWD, spec_path, 16u << 20, &spec, e);
        if (r < 0)
                return err_wrap(e, "reading the configuration of container %.12s", c->id);
        _cleanup_json_ struct json *parent_doc =
                *x->parent_id ? image_document(s, x->parent_id) : json_new_object();
        struct json *cfg = config_obj(parent_doc);
        apply_container(cfg, c, spec, o->include_volumes);
        if ((r = apply_changes(cfg, o->changes, x->docker, e)) < 0)
                return r;
        order_keys(cfg, oci_config_order);

        const char *layer = json_object_get_string(c->rec, "layer");
        if (!layer || !*layer)
                return err_set(e, EINVAL, "container %.12s has no layer", c->id);
        const char *top = img ? json_object_get_string(img, "layer") : NULL;
        r = stage_layer(s, layer, o->squash ? NULL : top, o->squash, ret_sl, e);
        if (r < 0)
                return err_wrap(e, "copying the changes of container %.12s", c->id);

        x->diff_id = staged_layer_info(*ret_sl)->diff_digest;
        *ret_doc = commit_image_config(x, parent_doc, cfg);
        n->config = *ret_doc;
        n->layer = *ret_sl;
        return 0;
}

int engine_container_commit(struct store *s, const char *name, const struct commit_opts *o,
                            char **ret_id, char ***ret_blobs, struct err *e)
{
        struct commit_ctx x = {.o = o};
        int r = check_opts(o, &x.docker, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *new_name = NULL;
        if (o->image && *o->image && (r = engine_image_name_normalize(o->image, &new_name, e)) < 0)
                return r;

        _cleanup_(ctr_freep) struct ctr *c = NULL;
        if ((r = ctr_lookup(s, name, &c, e)) < 0)
                return r;
        /* The container's image: its config and layers are the base. */
        const char *image_id = json_object_get_string(c->rec, "image");
        _cleanup_json_ struct json *img = NULL;
        if (image_id && *image_id && store_image_lookup(s, image_id, &img, NULL) < 0)
                img = NULL;
        x.c = c;
        x.parent_id = img ? json_object_get_string(img, "id") : "";
        const struct json *names = img ? json_object_get(img, "names") : NULL;
        x.from = names && names->type == JSON_ARRAY && names->arr.len &&
                                 names->arr.items[0]->type == JSON_STRING
                         ? names->arr.items[0]->str.s
                         : "";
        int64_t sec;
        int32_t nsec;
        time_now(&sec, &nsec);
        _cleanup_free_ char *created = time_format_rfc3339(sec, nsec);
        x.created = created;

        _cleanup_free_ struct image_new_layer *below = NULL;
        _cleanup_strv_ char **keep = NULL;
        size_t n_below = 0;
        if (!o->squash && img &&
            (r = chain_layers(s, json_object_get_string(img, "layer"), &below, &n_below, &keep,
                              e)) < 0)
                return err_wrap(e, "reading the layers of image %.12s", x.parent_id);

        struct image_new n = {
                .layers = below,
                .n_layers = n_below,
                .name = new_name,
                .created = created,
                .docker = x.docker,
                .manifest_media_type = true,
        };
        _cleanup_json_ struct json *doc = NULL;
        _cleanup_(staged_layer_freep) struct staged_layer *sl = NULL;
        bool paused = false;
        if (o->pause && (r = pause_if_running(s, c, &paused, e)) < 0)
                return r;
        {
                /* Locked while the layer is read: rm waits, and a start or
                 * the monitor's cleanup finds the layer as it was. */
                _cleanup_(lockfile_freep) struct lockfile *lk = NULL;
                r = ctr_lock(c, &lk, e);
                if (r >= 0)
                        r = commit_locked(s, c, &x, &doc, &n, &sl, img, e);
        }
        if (paused)
                unpause_after(s, c);
        if (r < 0)
                return r;
        _cleanup_free_ char *id = NULL;
        if ((r = engine_image_write(s, &n, &id, e)) < 0)
                return err_wrap(e, "committing container %.12s", c->id);
        if (o->iidfile && *o->iidfile) {
                /* podman's commit writes the bare ID */
                if ((r = fs_write_atomic(AT_FDCWD, o->iidfile, id, strlen(id), 0644, e)) < 0)
                        return err_wrap(e, "writing the image ID file");
        }
        if (ret_blobs) {
                char **blobs = NULL;
                for (size_t i = 0; i < n_below; i++)
                        strv_add(&blobs, below[i].digest);
                strv_add(&blobs, x.diff_id);
                *ret_blobs = blobs;
        }
        *ret_id = steal_pointer(&id);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing an image into the store (containers-storage:), the way
 * containers/image 5.23's storage destination leaves it, so that podman
 * sees the same image: layers in manifest order, each extracted as a child
 * of the one before with the ID podman would give it (the chain of
 * diff_ids, storage_layer_chain_id), and an existing layer of that ID is
 * reused without fetching its blob at all; then the image record, ID =
 * hex of the config digest, with the big data STORAGE-FORMAT.md §4.1
 * lists, in podman's order: "sha256:<config hex>" (the config), the index
 * when the image came from one ("manifest-<index digest>"),
 * "manifest-<manifest digest>", "manifest", and an empty
 * "signature-<manifest hex>".
 *
 * Every layer streams from its (verified) blob into the store through a
 * pipe; a staged layer is committed only once its blob verified and the
 * store found the diff_id the config names.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "image-internal.h"
#include "storage.h"

/* Layers staged at once where the driver allows it (overlay): extraction
 * is mostly the kernel creating files, which two cores do side by side.
 * Each holds a pipe, a few buffers and two threads, so memory stays small. */
#define STAGE_JOBS_MAX 3

/* One layer being staged by its own thread (and its blob's pump). */
struct stage_job {
        pthread_t thread;
        struct store *store;
        struct image_blob *blob;
        char *parent;
        char *diff_id;
        char *id; /* the chain ID it will be committed as */
        bool parent_pending;
        struct staged_layer *sl;
        int r;
        struct err e;
};

struct storage_dest {
        struct image_dest base;
        struct store *store;
        struct stage_job *jobs[STAGE_JOBS_MAX]; /* in layer order, oldest first */
        size_t n_jobs;
        char *top;    /* ID of the last layer put or reused, NULL before the first */
        char **names; /* from the location */
        char *config; /* the config blob */
        size_t config_len;
        char *config_digest;
        char *index; /* the index the image was chosen from, if any */
        size_t index_len;
};

static bool storage_reuse_layer(struct image_dest *d, const char *diff_id)
{
        struct storage_dest *o = (struct storage_dest *)d;
        _cleanup_free_ char *id = storage_layer_chain_id(o->top, diff_id);
        _cleanup_json_ struct json *rec = NULL;
        if (store_layer_get(o->store, id, &rec, NULL) < 0)
                return false;
        /* A layer that exists but holds other content (crafted store) must
         * not be taken for this one. */
        const char *have = json_object_get_string(rec, "diff-digest");
        if (have && !STREQ(have, diff_id))
                return false;
        free(o->top);
        o->top = steal_pointer(&id);
        return true;
}

/* Stage job j's layer from its blob (streamed through a pipe). */
static int stage_layer(struct stage_job *j, struct err *e)
{
        /* The store hashes the bytes it reads anyway: its check of the
         * blob's digest stands for the blob's own. */
        const char *expected = image_blob_defer_digest(j->blob)
                                       ? image_blob_expected_digest(j->blob)
                                       : NULL;
        int fd = -1;
        struct blob_pump *pump = NULL;
        int r = blob_pump_start(j->blob, &fd, &pump, e);
        if (r < 0)
                return r;
        struct store_stage_opts so = {
                .parent_id = j->parent,
                .expected_diff_id = j->diff_id,
                .expected_digest = expected,
                .parent_pending = j->parent_pending,
        };
        struct err se = {0};
        int sr = store_layer_stage_with(j->store, fd, &so, &j->sl, &se);
        /* Unblock the pump if the store stopped reading early. */
        close(fd);
        struct err pe = {0};
        int pr = blob_pump_finish(pump, &pe);
        /* The blob's own error (a size or digest mismatch) is the cause of
         * whatever the store then saw, unless it is only that the store
         * stopped reading. */
        if (pr < 0 && !(sr < 0 && pe.code == EPIPE)) {
                err_done(&se);
                staged_layer_free(j->sl);
                j->sl = NULL;
                return err_move(e, &pe);
        }
        err_done(&pe);
        if (sr < 0) {
                /* The store checked the digest in the blob's stead: say
                 * which blob did not match. */
                if (expected && se.code == EBADMSG && strstr(se.msg, "digest mismatch"))
                        err_wrap(&se, "blob %s", expected);
                return err_move(e, &se);
        }
        return 0;
}

static void *stage_job_main(void *arg)
{
        struct stage_job *j = arg;
        j->r = stage_layer(j, &j->e);
        return NULL;
}

static void stage_job_free(struct stage_job *j)
{
        if (!j)
                return;
        staged_layer_free(j->sl);
        image_blob_free(j->blob);
        free(j->parent);
        free(j->diff_id);
        free(j->id);
        err_done(&j->e);
        free(j);
}

/* Wait for the oldest job and commit its layer (its parent is committed:
 * jobs finish in order). On an error every other job is dropped too, since
 * they build on this one. */
static int finish_oldest(struct storage_dest *o, struct err *e)
{
        struct stage_job *j = o->jobs[0];
        memmove(o->jobs, o->jobs + 1, (o->n_jobs - 1) * sizeof(*o->jobs));
        o->n_jobs--;
        pthread_join(j->thread, NULL);
        int r = j->r;
        if (r < 0) {
                err_move(e, &j->e);
                /* Reported while another layer is put: say which one. */
                if (e && e->msg && !strstr(e->msg, j->diff_id))
                        err_wrap(e, "layer %s", j->diff_id);
        } else {
                char *id = NULL;
                r = store_layer_commit(o->store, j->sl, j->id, NULL, &id, e);
                free(id);
        }
        stage_job_free(j);
        if (r < 0) {
                while (o->n_jobs) {
                        struct stage_job *k = o->jobs[--o->n_jobs];
                        pthread_join(k->thread, NULL);
                        stage_job_free(k);
                }
        }
        return r;
}

/* Commit every layer still being staged. */
static int finish_all(struct storage_dest *o, struct err *e)
{
        int r = 0;
        while (r >= 0 && o->n_jobs)
                r = finish_oldest(o, e);
        return r;
}

static int storage_put_layer(struct image_dest *d, struct image_blob *b, const char *diff_id,
                             struct err *e)
{
        struct storage_dest *o = (struct storage_dest *)d;
        struct stage_job *j = xcalloc(1, sizeof(*j));
        j->store = o->store;
        j->blob = b;
        j->parent = o->top ? xstrdup(o->top) : NULL;
        j->diff_id = xstrdup(diff_id);
        j->id = storage_layer_chain_id(o->top, diff_id);
        int r;
        if (!store_layer_stage_detached(o->store)) {
                /* vfs: a layer starts as a copy of its committed parent. */
                if ((r = stage_layer(j, e)) >= 0) {
                        char *id = NULL;
                        r = store_layer_commit(o->store, j->sl, j->id, NULL, &id, e);
                        free(id);
                }
                if (r >= 0) {
                        free(o->top);
                        o->top = steal_pointer(&j->id);
                }
                stage_job_free(j);
                return r;
        }
        /* The parent is still being staged when a job is: committed first. */
        j->parent_pending = o->n_jobs > 0;
        if (o->n_jobs == STAGE_JOBS_MAX && (r = finish_oldest(o, e)) < 0) {
                stage_job_free(j);
                return r;
        }
        if (o->n_jobs == 0)
                j->parent_pending = false;
        if ((r = pthread_create(&j->thread, NULL, stage_job_main, j)) != 0) {
                stage_job_free(j);
                return err_errnum(e, r, "starting a layer staging thread");
        }
        o->jobs[o->n_jobs++] = j;
        free(o->top);
        o->top = xstrdup(j->id);
        return 0;
}

static bool storage_has_blob(struct image_dest *d, const char *digest)
{
        struct storage_dest *o = (struct storage_dest *)d;
        return o->config_digest && STREQ(o->config_digest, digest);
}

static int storage_put_blob(struct image_dest *d, struct image_blob *b, bool is_config,
                            char **ret_digest, int64_t *ret_size, struct err *e)
{
        struct storage_dest *o = (struct storage_dest *)d;
        if (!is_config)
                return err_set(e, EINVAL, "the store takes layers in order only");
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r = image_blob_read_all(b, IMAGE_CONFIG_MAX_SIZE, &data, &len, e);
        if (r < 0)
                return r;
        free(o->config);
        free(o->config_digest);
        o->config_digest = xstrdup(image_blob_digest(b));
        o->config = steal_pointer(&data);
        o->config_len = len;
        if (ret_digest)
                *ret_digest = xstrdup(o->config_digest);
        if (ret_size)
                *ret_size = (int64_t)len;
        return 0;
}

static int storage_put_index(struct image_dest *d, const void *buf, size_t len, struct err *e)
{
        struct storage_dest *o = (struct storage_dest *)d;
        free(o->index);
        o->index = xmalloc(len + 1);
        memcpy(o->index, buf, len);
        o->index_len = len;
        return 0;
}

/* Allocates: the image's names: the location's, else the given ones
 * normalised, each with a tag or a digest. */
static int image_names(struct storage_dest *o, char *const *names, char ***ret, struct err *e)
{
        if (o->names) {
                *ret = strv_copy(o->names);
                return 0;
        }
        char **out = xcalloc(1, sizeof(char *));
        for (char *const *n = names; n && *n; n++) {
                _cleanup_(image_ref_freep) struct image_ref *r = NULL;
                int rc = image_ref_parse(*n, IMAGE_REF_DEFAULT_LATEST, &r, e);
                if (rc < 0) {
                        strv_free(out);
                        return rc;
                }
                char *s = image_ref_string(r);
                if (strv_contains(out, s))
                        free(s);
                else
                        strv_push(&out, s);
        }
        *ret = out;
        return 0;
}

static int set_big_data(struct storage_dest *o, const char *id, const char *key, const void *buf,
                        size_t len, struct err *e)
{
        return store_image_set_big_data(o->store, id, key, buf, len, e);
}

static int storage_put_manifest(struct image_dest *d, const void *buf, size_t len,
                                const char *media_type, char *const *names, struct err *e)
{
        struct storage_dest *o = (struct storage_dest *)d;
        int r = finish_all(o, e);
        if (r < 0)
                return r;
        _cleanup_(image_manifest_freep) struct image_manifest *m = NULL;
        if ((r = image_manifest_parse(buf, len, media_type, &m, e)) < 0)
                return r;
        if (!o->config || !STREQ(o->config_digest, m->config.digest))
                return err_set(e, EINVAL, "config %s was not written before the manifest",
                               m->config.digest);
        _cleanup_(image_config_freep) struct image_config *cfg = NULL;
        if ((r = image_config_parse(o->config, o->config_len, &cfg, e)) < 0)
                return r;
        if (m->n_layers && !o->top)
                return err_set(e, EINVAL, "the layers were not written before the manifest");

        const char *hex = strchr(m->config.digest, ':') + 1;
        _cleanup_free_ char *manifest_digest = digest_buffer(buf, len);
        _cleanup_free_ char *index_digest = o->index ? digest_buffer(o->index, o->index_len) : NULL;
        _cleanup_free_ char *metadata =
                xasprintf("{\"signatures-sizes\":{\"%s\":[]}}", manifest_digest);
        _cleanup_strv_ char **image_names_v = NULL;
        if ((r = image_names(o, names, &image_names_v, e)) < 0)
                return r;
        struct image_spec spec = {
                .id = hex,
                .top_layer = m->n_layers ? o->top : NULL,
                .names = image_names_v,
                /* A multi-arch image is known by its index's digest. */
                .digest = index_digest ? index_digest : manifest_digest,
                .created = cfg->created,
                .metadata = metadata,
        };
        bool created = false;
        if ((r = store_image_create(o->store, &spec, &created, e)) < 0)
                return r;
        _cleanup_free_ char *manifest_key = xasprintf("manifest-%s", manifest_digest);
        _cleanup_free_ char *signature_key = xasprintf("signature-%s", manifest_digest + 7);
        if ((r = set_big_data(o, hex, m->config.digest, o->config, o->config_len, e)) < 0)
                return r;
        if (index_digest) {
                _cleanup_free_ char *index_key = xasprintf("manifest-%s", index_digest);
                if ((r = set_big_data(o, hex, index_key, o->index, o->index_len, e)) < 0)
                        return r;
        }
        if ((r = set_big_data(o, hex, manifest_key, buf, len, e)) < 0 ||
            (r = set_big_data(o, hex, "manifest", buf, len, e)) < 0 ||
            (r = set_big_data(o, hex, signature_key, "", 0, e)) < 0)
                return r;
        /* The next image put into this destination starts a new chain. */
        free(o->top);
        o->top = NULL;
        return 0;
}

static int storage_commit(struct image_dest *d, struct err *e)
{
        int r = finish_all((struct storage_dest *)d, e);
        if (r < 0)
                return r;
        /* Every step above is visible once done (layers and the image
         * record are committed one by one, as podman does). */
        return 0;
}

static void storage_free(struct image_dest *d)
{
        struct storage_dest *o = (struct storage_dest *)d;
        /* Layers still staging were never committed: drop them. */
        while (o->n_jobs) {
                struct stage_job *j = o->jobs[--o->n_jobs];
                pthread_join(j->thread, NULL);
                stage_job_free(j);
        }
        free(o->top);
        strv_free(o->names);
        free(o->config);
        free(o->config_digest);
        free(o->index);
        free(o);
}

static const struct image_dest_ops storage_dest_ops = {
        .has_blob = storage_has_blob,
        .put_blob = storage_put_blob,
        .put_manifest = storage_put_manifest,
        .commit = storage_commit,
        .free = storage_free,
        .reuse_layer = storage_reuse_layer,
        .put_layer = storage_put_layer,
        .put_index = storage_put_index,
};

int image_dest_open_store(struct store *s, const struct image_location *loc,
                          struct image_dest **ret, struct err *e)
{
        if (loc && loc->transport != IMAGE_TRANSPORT_STORAGE)
                return err_set(e, EINVAL, "not a containers-storage location");
        if (loc && (loc->image_id || loc->id_prefix) && !loc->ref)
                return err_set(e, EINVAL,
                               "containers-storage: an image ID cannot be written to; "
                               "give a name");
        struct storage_dest *o = xcalloc(1, sizeof(*o));
        struct image_location dflt = {.transport = IMAGE_TRANSPORT_STORAGE};
        image_dest_init(&o->base, &storage_dest_ops, loc ? loc : &dflt);
        o->store = s;
        if (loc && loc->ref) {
                _cleanup_(image_ref_freep) struct image_ref *r = image_ref_copy(loc->ref);
                /* A digest names content, not a place to write a name to. */
                if (r->tag)
                        image_ref_set_digest(r, NULL);
                strv_push(&o->names, image_ref_string(r));
        }
        *ret = &o->base;
        return 0;
}

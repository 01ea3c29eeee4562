/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine.h: berth's engine library: what the CLI commands call. This step
 * holds `version` and `info`; containers, volumes and logs follow.
 */
#pragma once

#include "base.h"

/* Allocates: berth's version as podman's `version --format json` shapes it
 * ({"Client": {...}}). */
struct json *engine_version(void);

/* Allocates: host, store, registries and version facts shaped like
 * `podman info --format json`, plus berth's own "configFiles" list. */
int engine_info(const struct config *cfg, struct json **ret, struct err *e);

/* ---------------------------------------------------------------- store */

struct store;
/* Open the store the configuration describes (graphroot, runroot, driver). */
int engine_store_open(const struct config *cfg, struct store **ret, struct err *e);

/* ---------------------------------------------------------------- images */

struct images_opts {
        bool all;      /* include intermediate images */
        char **filter; /* dangling=, reference=, label=, before=, since=, id= */
};

/* Allocates: the images as podman's `images --format json` lists them,
 * newest first. */
int engine_images_list(struct store *s, const struct images_opts *o, struct json **ret,
                       struct err *e);
/* Allocates: one row per image name (or one "<none>" row) for templates and
 * tables, with the fields podman's templates use (ID, Repository, Tag,
 * Digest, Created, CreatedAt, CreatedSince, Size, ...). */
struct json *engine_images_rows(const struct json *items, bool no_trunc);
/* The default table and its headers for `images`. */
extern const char engine_images_table[];
extern const char engine_images_table_digests[];
/* Allocates: headers for the images table. */
struct json *engine_images_headers(void);

/* Find the image a user names: a full or short ID (with or without
 * "sha256:"), a full reference, or a short name matched as podman does
 * (localhost/NAME, then any registry's NAME with the same tag). Allocates
 * the image's record. */
int engine_image_find(struct store *s, const char *name, struct json **ret, struct err *e);
/* Allocates: the full name berth stores for a name a user gives to an image:
 * short names go under localhost/ as podman does; the tag defaults to latest. */
int engine_image_name_normalize(const char *name, char **ret, struct err *e);
/* Allocates: which of an image record's names a name the user typed means
 * (the full reference, its localhost/ form, or a short-name match), or NULL. */
char *engine_image_stored_name(const struct json *img, const char *typed);
int engine_image_tag(struct store *s, const char *image, char *const *new_names, struct err *e);
/* Remove names; none given removes all names of the image. */
int engine_image_untag(struct store *s, const char *image, char *const *names, struct err *e);

struct rmi_opts {
        bool force;
        bool all;
        bool ignore_missing; /* names that match no image are skipped (rmi -i) */
};
/* Remove images (or only the name a user gave, when the image has others),
 * appending "Untagged: ..." and "Deleted: ..." lines to out as podman
 * prints them. Every name is attempted: the first failure is returned in e
 * (ENOENT: not known, EBUSY: in use), later ones appended to
 * *ret_more_errors. */
int engine_images_remove(struct store *s, char *const *names, const struct rmi_opts *o,
                         struct sbuf *out, char ***ret_more_errors, struct err *e);

/* Allocates: podman's `image inspect` object for an image. */
int engine_image_inspect(struct store *s, const char *name, struct json **ret, struct err *e);

/* Apply one Dockerfile-style change ("CMD=...", "ENV K=V", "EXPOSE 80/tcp",
 * ...) to an image config's "config" object. */
int engine_config_apply_change(struct json *config, const char *change, struct err *e);

struct import_opts {
        const char *source;   /* a tar file, "-" for stdin */
        const char *ref;      /* name for the image, may be NULL */
        char **changes;       /* Dockerfile-style instructions: CMD=..., ENV=..., ... */
        const char *message;  /* history comment */
};
/* Create an image from a filesystem tar. Allocates *ret_id. */
int engine_image_import(struct store *s, const struct import_opts *o, char **ret_id,
                        struct err *e);

/* ---------------------------------------------------------------- transfer */

/* Load every image of an archive or layout (docker-archive, oci-archive,
 * an OCI layout or a dir: directory, detected; "-" reads stdin) into the
 * store. Allocates *ret_names: the names (or IDs) of what was loaded. */
int engine_image_load(struct store *s, const char *input, char ***ret_names, struct err *e);

enum save_format {
        SAVE_DOCKER_ARCHIVE,
        SAVE_OCI_ARCHIVE,
        SAVE_OCI_DIR,
        SAVE_DOCKER_DIR,
};
/* "docker-archive", "oci-archive", "oci-dir", "docker-dir" as podman names them. */
int save_format_from_string(const char *s);
/* Save images (several only into a docker-archive) to output (a file or
 * directory; "-" for stdout). */
int engine_image_save(struct store *s, char *const *images, enum save_format fmt,
                      const char *output, struct err *e);
/* Copy an image between any two locations ("transport:details"); a
 * containers-storage: location without a [store spec] is this store. */
int engine_image_copy(struct store *s, const char *src, const char *dst, struct err *e);

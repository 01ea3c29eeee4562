/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctr-opts.h: engine-private: `run`/`create` options checked and turned
 * into ctr_spec_opts plus what berth.json and the monitor need.
 */
#pragma once

#include "ctr-spec.h"
#include "engine.h"

struct store;
struct ctr;

/* --userns=auto's options (ctr-userns-auto.c). */
struct ctr_userns_auto {
        bool on;
        uint32_t size;                        /* 0: from the image */
        struct id_map *extra_uid, *extra_gid; /* uidmapping=, gidmapping= */
        size_t n_extra_uid, n_extra_gid;
};

struct ctr_opts {
        struct ctr_spec_opts spec; /* pointers into the fields below or the caller's opts */
        char **env;                /* owned: --env-host + -e */
        char **env_file;           /* owned: lines of --env-file */
        char **labels;             /* owned: --label-file's lines, then --label */
        struct ctr_mount *mounts;  /* owned, n in spec.n_mounts */
        struct json *mounts_json;  /* podman's inspect "Mounts" */
        /* berth.json "named_volumes": named volumes {name, destination, anonymous,
         * nocopy, chown}, and what start prepares for other mounts: {kind:
         * "bind", source, destination} (:U) and {kind: "overlay", lower,
         * upper, work, dir, custom, chown, mount} (:O). */
        struct json *volumes_json;
        struct id_map *uid_map, *gid_map;
        char *user;      /* owned: keep-id's default user */
        char *init_path; /* owned */
        char *network;   /* "none", "host", "container:ID", "ns:PATH" */
        char *network_ns_path;
        char *pid, *pid_ns_path; /* NULL: private; "host", "container:ID", "ns:PATH" */
        char *ipc, *ipc_ns_path; /* as pid, and "none", "shareable"; not container: */
        char *uts, *uts_ns_path; /* as pid */
        char *uts_hostname;      /* container:ID: that container's hostname */
        char *restart;
        char *seccomp_cache_dir; /* <runroot>/berth/seccomp */
        const char *log_driver;
        char *log_path;
        int64_t log_max_size, log_max_file; /* -1: the monitor's default */
        int stop_signal;
        struct lockfile *vol_lock; /* the volume set lock, held from the first named
                                      volume until ctr_opts_done */
        struct ctr_userns_auto userns_auto;
};

/* ctr-opts-res.c: the resource options into sp. */
int ctr_opts_resources(const struct container_create_opts *o, struct ctr_spec_opts *sp,
                       struct err *e);
/* ctr-opts-ns.c: --network, and --pid, --ipc, --uts, into co (and co->spec). */
int ctr_opts_network(struct store *s, const struct container_create_opts *o, struct ctr_opts *co,
                     struct err *e);
int ctr_opts_namespaces(struct store *s, const struct container_create_opts *o,
                        struct ctr_opts *co, struct err *e);

/* Check every option of o and fill ret (release with ctr_opts_done). */
int ctr_opts_parse(struct store *s, const struct config *cfg, const struct container_create_opts *o,
                   struct ctr_opts *ret, struct err *e);
void ctr_opts_done(struct ctr_opts *co);
/* Once the container exists, with its rootfs mounted at rootfs: place the
 * upper and work directories of :O overlays in its userdata (the spec
 * mounts, inspect's Mounts and the berth.json entries), and for
 * --userns=auto choose and record its id range and shift its files into
 * it. Call before ctr_spec_build. */
int ctr_opts_set_container(struct store *s, const struct config *cfg, struct ctr_opts *co,
                           const struct ctr *c, const char *rootfs, struct err *e);

/* Parse "auto" or "auto:size=N,uidmapping=C:H:S,gidmapping=C:H:S". */
int ctr_userns_auto_parse(const char *mode, struct ctr_userns_auto *ret, struct err *e);
void ctr_userns_auto_done(struct ctr_userns_auto *a);
/* Choose the container's range (recorded in its storage record) and shift
 * the files of its mounted rootfs into it; sets co's uid and gid maps. */
int ctr_userns_auto_apply(struct store *s, const struct config *cfg, struct ctr_opts *co,
                          const struct ctr *c, const char *rootfs, struct err *e);
/* Parse a size with docker's binary units ("64m", "1g", "512mb", "1024"). */
int ctr_size_parse(const char *s, int64_t *ret);

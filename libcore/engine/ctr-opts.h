/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctr-opts.h: engine-private: `run`/`create` options checked and turned
 * into ctr_spec_opts plus what berth.json and the monitor need.
 */
#pragma once

#include "ctr-spec.h"
#include "engine.h"

struct store;

struct ctr_opts {
        struct ctr_spec_opts spec; /* pointers into the fields below or the caller's opts */
        char **env;                /* owned: --env-host + -e */
        char **env_file;           /* owned: lines of --env-file */
        struct ctr_mount *mounts;  /* owned, n in spec.n_mounts */
        struct json *mounts_json;  /* podman's inspect "Mounts" */
        struct json
                *volumes_json; /* named volumes: [{name, destination, anonymous, nocopy, chown}] */
        struct id_map *uid_map, *gid_map;
        char *user;      /* owned: keep-id's default user */
        char *init_path; /* owned */
        char *network;   /* "none", "host", "container:ID", "ns:PATH" */
        char *network_ns_path;
        char *restart;
        const char *log_driver;
        char *log_path;
        int64_t log_max_size, log_max_file; /* -1: the monitor's default */
        int stop_signal;
};

/* Check every option of o and fill ret (release with ctr_opts_done). */
int ctr_opts_parse(struct store *s, const struct config *cfg, const struct container_create_opts *o,
                   struct ctr_opts *ret, struct err *e);
void ctr_opts_done(struct ctr_opts *co);
/* Parse a size with docker's binary units ("64m", "1g", "512mb", "1024"). */
int ctr_size_parse(const char *s, int64_t *ret);

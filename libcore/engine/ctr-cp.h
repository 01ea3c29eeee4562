/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctr-cp.h: engine-private: the pieces of `cp` and `export`: writing a tar
 * of a tree and extracting a tar into one, both confined to a root
 * directory fd (every path resolved with fs_open_in_root, every object made
 * or read with *at() calls and O_NOFOLLOW relative to its parent), and
 * docker's path rules that decide what goes where.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "base.h"

/* Longest name (after cleaning) of an entry cp writes or accepts. */
#define CP_NAME_MAX 4096

/* Allocates: a relative path cleaned lexically ("a//b/./c" -> "a/b/c",
 * "" and "/" -> "."), with ".." resolved against the components before it
 * and leading "/" dropped. NULL if ".." would climb above the start (the
 * path leaves the directory it is relative to). */
char *cp_path_clean(const char *path);

/* ---------------------------------------------------------------- tar out */

struct cp_tar_out_opts {
        /* Ids of entries = the container ids of the files (host -> container
         * through these, OCI uidMappings semantics); n == 0: as on disk. */
        const struct id_map *uidmap;
        size_t n_uidmap;
        const struct id_map *gidmap;
        size_t n_gidmap;
        bool xattrs; /* include xattrs (overlay's own bookkeeping never) */
};

/* Write to out_fd a tar of the object objfd (an O_PATH fd, from
 * fs_open_in_root; never followed further) and, for a directory, of
 * everything under it (children are never followed). Entries are named
 * name, name/child, ... ("." names the contents: "./", "./child"); name
 * NULL: a whole root, entries "bin/", "bin/sh", ... without the root itself,
 * as an export lists them. */
int cp_tar_write(int objfd, const char *name, const struct cp_tar_out_opts *o, int out_fd,
                 struct err *e);

/* ---------------------------------------------------------------- tar in */

struct cp_tar_in_opts {
        /* Owner of every extracted object (ids as berth sees them), e.g.
         * the container's user or the user running cp. */
        bool chown;
        uid_t uid;
        gid_t gid;
        /* !chown: tar ids are container ids, mapped container -> host
         * through these (n == 0: as in the tar); unmapped ids are errors. */
        const struct id_map *uidmap;
        size_t n_uidmap;
        const struct id_map *gidmap;
        size_t n_gidmap;
        bool overwrite;  /* a directory may replace a non-directory and back */
        bool no_devices; /* skip device nodes (rootless, or extracting on the host) */
};

/* Extract the tar read from in_fd (plain, gzip, zstd, bzip2 or xz) into
 * the directory dest (relative to rootfd, "." for rootfd itself; it must
 * exist). Entry names are relative to dest: absolute names are taken as
 * relative, names that climb out of dest with ".." are errors, and every
 * path, including symlinks that the tar or the tree holds, is resolved
 * inside rootfd and never leaves it. Missing parents are made (0755). */
int cp_tar_extract(int in_fd, int rootfd, const char *dest, const struct cp_tar_in_opts *o,
                   struct err *e);

/* ---------------------------------------------------------------- path rules */

/* What a cp source is, as docker's CopyInfo sees it. */
struct cp_src_info {
        bool is_dir;
        bool contents; /* SRC ended in "/.": copy what is inside the directory */
};

/* Where a cp goes: extract into dest_dir (an existing directory) a tar whose
 * top entry is named name ("." when the contents go straight into
 * dest_dir). */
struct cp_plan {
        char *dest_dir;
        char *name;
};
void cp_plan_done(struct cp_plan *p);

/* What is at the destination path. */
struct cp_dst_info {
        bool exists;
        bool is_dir;
        bool parent_is_dir; /* the directory that would hold it exists */
};

/* docker's rules (archive.PrepareArchiveCopy): with src_base the last
 * component of the source path and dst the destination path as typed.
 * Errors: a directory onto a file ("cannot copy directory"), a file into
 * a missing dst that ends in "/" ("no such directory"), a missing parent.
 * Allocates *ret's strings. */
int cp_plan_make(const char *src_base, const struct cp_src_info *src, const char *dst,
                 const struct cp_dst_info *di, struct cp_plan *ret, struct err *e);

/* Split "CONTAINER:PATH" as docker does: a path that starts with "/" or
 * "." (or holds no ":") is local (*ret_ctr NULL). Allocates both. */
void cp_arg_split(const char *arg, char **ret_ctr, char **ret_path);

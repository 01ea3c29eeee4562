/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to storage/: the walks that find what a layer changes relative to
 * its parent, shared by the tar of a diff (diff.c) and the list of changes
 * (changes.c), so that `diff` lists exactly what `commit` stores.
 *
 * A walk reports, in a fixed order (names sorted within a directory, a
 * directory before what it holds), each object the layer adds or changes,
 * each path it removes, and each directory that hides its parent's content.
 */
#pragma once

#include <sys/stat.h>

#include "base.h"

struct diff_sink {
        /* An object of the layer (never a whiteout device): dirfd/name open
         * it (O_NOFOLLOW), rel is its path from the root ("etc/passwd"). */
        int (*object)(void *ud, int dirfd, const char *name, const char *rel, const struct stat *st,
                      struct err *e);
        /* rel, a path the parent has, is gone. like gives the owner, the
         * permission bits and the time a whiteout marker for it carries. */
        int (*removed)(void *ud, const char *rel, const struct stat *like, struct err *e);
        /* The directory rel, reported by object just before, hides its
         * parent's content (overlay's opaque directory). */
        int (*opaque)(void *ud, const char *rel, const struct stat *st, struct err *e);
};

/* Walk an overlay upper directory: 0:0 character devices are removals, the
 * opaque xattr (trusted.overlay.opaque, user.overlay.opaque when rootless,
 * or fuse-overlayfs' own) marks opaque directories. */
int diff_walk_overlay(int upperfd, bool rootless, const struct diff_sink *k, void *ud,
                      struct err *e);
/* Compare a layer's full tree with its parent's (parentfd -1: everything
 * is new): what the parent lacks or has otherwise (containers/storage's
 * naive test: type, mode, owner, device, size, mtime, link target,
 * xattrs) is reported, and names the layer lacks are removals. */
int diff_walk_naive(int parentfd, int layerfd, const struct diff_sink *k, void *ud, struct err *e);

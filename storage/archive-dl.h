/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libarchive, loaded with dlopen on first use. berth's CLI must start in
 * about a millisecond, and libarchive's dependency tree (libxml2, ICU,
 * nettle, ...) costs several milliseconds in the dynamic loader; only the
 * commands that read or write tars pay for it. The table's members have the
 * types of the real functions (taken from <archive.h>), so calls through it
 * are checked by the compiler.
 */
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "base.h"

#define ARCHIVE_DL_FUNCS(X)                                                                        \
        X(archive_error_string)                                                                    \
        X(archive_errno)                                                                           \
        X(archive_set_error)                                                                       \
        X(archive_filter_code)                                                                     \
        X(archive_filter_count)                                                                    \
        X(archive_read_new)                                                                        \
        X(archive_read_free)                                                                       \
        X(archive_read_support_format_raw)                                                         \
        X(archive_read_support_format_tar)                                                         \
        X(archive_read_support_filter_gzip)                                                        \
        X(archive_read_support_filter_zstd)                                                        \
        X(archive_read_support_filter_bzip2)                                                       \
        X(archive_read_support_filter_xz)                                                          \
        X(archive_read_open)                                                                       \
        X(archive_read_next_header)                                                                \
        X(archive_read_data)                                                                       \
        X(archive_read_data_block)                                                                 \
        X(archive_read_header_position)                                                            \
        X(archive_write_new)                                                                       \
        X(archive_write_free)                                                                      \
        X(archive_write_set_format_pax_restricted)                                                 \
        X(archive_write_set_bytes_per_block)                                                       \
        X(archive_write_set_bytes_in_last_block)                                                   \
        X(archive_write_open)                                                                      \
        X(archive_write_header)                                                                    \
        X(archive_write_data)                                                                      \
        X(archive_write_close)                                                                     \
        X(archive_entry_new)                                                                       \
        X(archive_entry_free)                                                                      \
        X(archive_entry_clear)                                                                     \
        X(archive_entry_pathname)                                                                  \
        X(archive_entry_hardlink)                                                                  \
        X(archive_entry_symlink)                                                                   \
        X(archive_entry_size)                                                                      \
        X(archive_entry_filetype)                                                                  \
        X(archive_entry_perm)                                                                      \
        X(archive_entry_uid)                                                                       \
        X(archive_entry_gid)                                                                       \
        X(archive_entry_mtime)                                                                     \
        X(archive_entry_mtime_nsec)                                                                \
        X(archive_entry_atime)                                                                     \
        X(archive_entry_atime_nsec)                                                                \
        X(archive_entry_atime_is_set)                                                              \
        X(archive_entry_rdevmajor)                                                                 \
        X(archive_entry_rdevminor)                                                                 \
        X(archive_entry_xattr_reset)                                                               \
        X(archive_entry_xattr_next)                                                                \
        X(archive_entry_sparse_count)                                                              \
        X(archive_entry_copy_pathname)                                                             \
        X(archive_entry_copy_symlink)                                                              \
        X(archive_entry_copy_hardlink)                                                             \
        X(archive_entry_set_size)                                                                  \
        X(archive_entry_set_filetype)                                                              \
        X(archive_entry_set_perm)                                                                  \
        X(archive_entry_set_uid)                                                                   \
        X(archive_entry_set_gid)                                                                   \
        X(archive_entry_set_mtime)                                                                 \
        X(archive_entry_set_rdevmajor)                                                             \
        X(archive_entry_set_rdevminor)                                                             \
        X(archive_entry_xattr_add_entry)

#define ARCHIVE_DL_MEMBER(name) __typeof__(name) *name;
struct archive_dl {
        ARCHIVE_DL_FUNCS(ARCHIVE_DL_MEMBER)
};
#undef ARCHIVE_DL_MEMBER

/* The loaded table (shared, read-only), or an error saying why libarchive
 * could not be loaded. Thread-safe; loads once per process. */
int archive_dl_get(const struct archive_dl **ret, struct err *e);

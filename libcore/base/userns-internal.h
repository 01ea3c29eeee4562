/* SPDX-License-Identifier: Apache-2.0 */
/* Private to libcore/base: what the userns*.c files share about the rootless user namespace. */
#pragma once

#include <sys/types.h>

#include "base.h"

struct userns_ctx {
        unsigned flags;
        uid_t uid;
        gid_t gid;
        const char *user; /* the user's name, NULL when it has no passwd entry */
        char *tmp_dir;    /* <runtime dir>/libpod/tmp, podman's tmp_dir */
        char *pid_path;   /* <tmp_dir>/pause.pid */
        char *lock_path;  /* <tmp_dir>/alive.lck */
};

/* The pid that pause.pid names, through an open fd of it; 0 when the file
 * does not hold a pid. */
pid_t userns_pid_file_read_fd(int fd);
/* Open the user and mount namespaces of pause process pid if it can be
 * joined (see userns.c); -EXDEV, -EPERM or another -errno when it cannot. */
int userns_pause_open(pid_t pid, int *ret_user, int *ret_mnt);
/* Join pause process pid through its namespace fds and become root there. */
int userns_join_fds(const struct userns_ctx *c, pid_t pid, int ufd, int mfd, struct err *e);
/* Join the process pause.pid names. 1 when joined, 0 when there is no
 * process to join (no file, or a stale one), < 0 on error. */
int userns_try_join(const struct userns_ctx *c, struct err *e);

/* Under podman's alive.lck: join what appeared meanwhile, or create the
 * namespace and its pause process, publish it in pause.pid and join it. */
int userns_create(const struct userns_ctx *c, struct err *e);

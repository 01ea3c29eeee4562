/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A console socket of our own, for `run` and `exec` in the foreground with
 * a terminal and no --console-socket: the container's init sends the pty
 * master to one end, and we proxy it to our own stdio.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "rtcli.h"

/* How long the master may take to arrive once the container exists. */
#define TTY_RECV_TIMEOUT_MS 30000

int rtcli_tty_socketpair(int *ret_ours, int *ret_theirs, struct err *e)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return err_errno(e, "console socket pair");
        *ret_ours = sv[0];
        *ret_theirs = sv[1];
        return 0;
}

int rtcli_tty_recv_master(int sock, int *ret_master, struct err *e)
{
        struct err e2 = {0};
        if (fs_recv_fd(sock, TTY_RECV_TIMEOUT_MS, ret_master, &e2) < 0) {
                int code = e2.code;
                err_done(&e2);
                return code == ETIMEDOUT || code == EPROTO
                               ? err_set(e, code, "the container did not send its terminal")
                               : err_errnum(e, code, "receive the container's terminal");
        }
        return 0;
}

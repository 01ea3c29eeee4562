/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mon-internal.h: the inside of berth-monitor (engine_monitor_main), the
 * per-container monitor whose contract with berth is monitor.h. Private to
 * the mon-*.c files:
 *
 *   mon-main.c     arguments, detaching, signals, the poll loop, the sync fd,
 *                  exit.json, restart policies, the exit command
 *   mon-runtime.c  create/start/delete through the runtime library in-process,
 *                  or through an external runc-compatible runtime
 *   mon-io.c       the container's stdio (pipes or the pty master): reading
 *                  output, fanning it out, writing stdin
 *   mon-log.c      the log drivers (k8s-file, json-file, journald, none) and
 *                  rotation
 *   mon-attach.c   the attach socket server
 *
 * Single-threaded: everything happens in one poll loop. Memory is kept small
 * on purpose (the issue caps it at half of conmon's private memory): no
 * large static buffers, one read buffer on the stack, clients and log state
 * allocated as they come, and the create runs in a forked helper (the
 * init becomes the monitor's child when the helper exits), so the
 * long-lived process never holds what creating the container used.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base.h"
#include "monitor.h"
#include "runtime.h"

/* Defaults of --log-max-size / --log-max-file: the log is bounded unless
 * berth says otherwise (max-size 0 means unbounded). max-file counts the
 * files, ctr.log included (docker's meaning): 2 keeps ctr.log and ctr.log.1. */
#define MON_LOG_MAX_SIZE_DEFAULT (10 * 1024 * 1024)
#define MON_LOG_MAX_FILE_DEFAULT 2
#define MON_LOG_MAX_FILE_LIMIT 100

enum mon_restart {
        MON_RESTART_NO,
        MON_RESTART_ON_FAILURE,
        MON_RESTART_ALWAYS,
        MON_RESTART_UNLESS_STOPPED,
};

enum mon_log_driver {
        MON_LOG_K8S_FILE,
        MON_LOG_JSON_FILE,
        MON_LOG_JOURNALD,
        MON_LOG_NONE,
};

enum mon_stream {
        MON_STDOUT = 1, /* the values are the attach packet types */
        MON_STDERR = 2,
};

/* The parsed command line (monitor.h lists it). */
struct mon_opts {
        char *id;
        char *bundle;
        char *rundir;
        char *runtime_root;
        char *runtime; /* external runtime, NULL: the library in-process */
        enum mon_log_driver log_driver;
        char *log_path;
        int64_t log_max_size; /* bytes, 0: unbounded */
        int64_t log_max_file;
        bool tty;
        bool stdin_open;
        enum mon_restart restart;
        int64_t restart_max; /* on-failure:N, 0: no limit */
        char **exit_argv;    /* exit command and its args, NULL: none */
        int sync_fd;
        bool wait_create; /* a byte on the sync fd says the container exists */
        bool new_netns;   /* the container gets a network namespace of its own */
};

/* Parse argv (without the program name handling of cli_parse's caller)
 * into o; a usage error is described in e. */
int mon_opts_parse(int argc, char *const *argv, struct mon_opts *o, struct err *e);
void mon_opts_done(struct mon_opts *o);
/* "no", "on-failure[:N]", "always", "unless-stopped". */
int mon_restart_parse(const char *s, enum mon_restart *ret, int64_t *ret_max, struct err *e);
/* "10485760", "10k", "10m", "1g" (powers of 1024, as docker's max-size). */
int mon_size_parse(const char *s, int64_t *ret, struct err *e);
/* Should a container that ended with exit_code restart, after restarts so far? */
bool mon_restart_wanted(enum mon_restart policy, int64_t max, int exit_code, int64_t restarts,
                        bool stopped_by_user);

/* ---------------------------------------------------------------- log */

struct mon_log;
/* Open the log (path NULL: none needed for journald/none). */
int mon_log_open(enum mon_log_driver d, const char *path, int64_t max_size, int64_t max_file,
                 const char *id, struct mon_log **ret, struct err *e);
/* Write one chunk of output as read from the container: split into lines,
 * a chunk that does not end in a newline is a partial record. Failures are
 * logged at debug level and otherwise ignored (the container keeps running). */
void mon_log_write(struct mon_log *l, enum mon_stream s, const char *buf, size_t len);
void mon_log_free(struct mon_log *l);
/* Format one record into b (for tests): k8s-file or json-file. */
void mon_log_format(enum mon_log_driver d, enum mon_stream s, const char *line, size_t len,
                    bool partial, int64_t sec, int32_t nsec, struct sbuf *b);
/* Allocates: "2026-11-28T04:31:43.531588524+00:00", the time as conmon
 * writes it in k8s-file logs (local time, 9 digits, offset with a colon). */
char *mon_time_k8s(int64_t sec, int32_t nsec);

/* ---------------------------------------------------------------- attach */

struct mon_client {
        int fd;
};

struct mon_attach {
        int listen_fd;
        struct mon_client *clients;
        size_t n, cap;
};

/* Listen on rundir/attach (bound through /proc/self/fd, so long paths work). */
int mon_attach_listen(struct mon_attach *a, int rundir_fd, struct err *e);
/* Accept pending connections. */
void mon_attach_accept(struct mon_attach *a);
/* Send one packet (type, data) to every client; clients that cannot take it
 * within a bounded time are dropped. */
void mon_attach_broadcast(struct mon_attach *a, unsigned char type, const char *buf, size_t len);
/* Drop client i (swap-removes it). */
void mon_attach_drop(struct mon_attach *a, size_t i);
/* Send the exit packet to every client. */
void mon_attach_send_exit(struct mon_attach *a, int exit_code);
/* Wait, at most timeout_ms, until every client has closed its end. */
void mon_attach_linger(struct mon_attach *a, int timeout_ms);
/* Send the exit packet (exit_code >= 0), close every client and the
 * listener, unlink the socket (from rundir_fd; -1: leave it). */
void mon_attach_close(struct mon_attach *a, int rundir_fd, int exit_code);

/* ---------------------------------------------------------------- io */

struct mon_io {
        bool tty;
        bool stdin_open;
        int out_r, err_r; /* pipe read ends; tty: out_r is the pty master, err_r -1 */
        int out_w, err_w; /* write ends, kept for restarts */
        int in_r, in_w;   /* stdin pipe (stdin_open, not tty); in_r only until create */
        int devnull;
        bool in_eof;   /* a client closed stdin */
        char *pending; /* stdin bytes not yet written */
        size_t pending_len, pending_off;
};

void mon_io_init(struct mon_io *io, bool tty, bool stdin_open);
/* Before each create: the pipes (made once, stdin again each time). */
int mon_io_prepare(struct mon_io *io, struct err *e);
/* The container's stdio for rt_create or the external runtime's stdio. */
void mon_io_child_fds(const struct mon_io *io, int fds[3]);
/* After create: close what only the child needed. */
void mon_io_after_create(struct mon_io *io);
/* Take a new pty master (the previous one is closed). */
void mon_io_set_pty(struct mon_io *io, int master);
/* Read what fd has, write it to the log and clients. Returns bytes read, 0
 * at EOF (or EIO of a pty whose slaves are gone), -EAGAIN when empty. */
ssize_t mon_io_pump(struct mon_io *io, int fd, struct mon_log *log, struct mon_attach *a);
/* Read everything the container has written so far (at its exit). */
void mon_io_drain(struct mon_io *io, struct mon_log *log, struct mon_attach *a);
/* Queue stdin data from a client; returns false if it must wait (pending). */
void mon_io_stdin(struct mon_io *io, const char *buf, size_t len);
/* Write pending stdin (fd writable). */
void mon_io_flush_stdin(struct mon_io *io);
/* A client closed stdin. */
void mon_io_stdin_eof(struct mon_io *io);
/* Apply "ROWS COLS" to the pty. */
void mon_io_resize(struct mon_io *io, const char *buf, size_t len);
/* The fd to write stdin to, -1 if none. */
int mon_io_stdin_fd(const struct mon_io *io);
void mon_io_done(struct mon_io *io);

/* ---------------------------------------------------------------- runtime */

struct mon_rt {
        const char *id;
        const char *bundle;
        const char *runtime; /* external runtime, or NULL */
        const char *runtime_root;
        int rundir_fd;
        const char *rundir;
        struct rt_ctx ctx; /* in-process */
        bool ctx_ready;
        struct rt_spec *spec;
        pid_t helper;    /* forked ahead, waiting for the go: */
        int helper_sock; /* its socket, or -1 */
        bool new_netns;  /* the spec will have a network namespace of its own */
};

/* Load what create needs (ctx and spec); errors are the monitor's start errors. */
int mon_rt_init(struct mon_rt *r, struct err *e);
/* Create the container with io's stdio; its init's pid in *ret_pid, and for
 * a tty the pty master set into io. */
int mon_rt_create(struct mon_rt *r, struct mon_io *io, pid_t *ret_pid, struct err *e);
/* Fork the helper that creates the container through the runtime library
 * now, with io's stdio (prepared), to wait for mon_rt_go: it loads the
 * spec and creates while the monitor sets up the rest. The helper exits if
 * the monitor ends first. */
int mon_rt_fork_ahead(struct mon_rt *r, const struct mon_io *io, struct err *e);
void mon_rt_go(struct mon_rt *r);
/* After mon_rt_go, when the monitor cannot go on: what the helper made is
 * deleted. */
void mon_rt_abandon(struct mon_rt *r, struct mon_io *io);
int mon_rt_start(struct mon_rt *r, struct err *e);
/* Remove the container's runtime state (forcefully). */
int mon_rt_delete(struct mon_rt *r, struct err *e);
void mon_rt_done(struct mon_rt *r);

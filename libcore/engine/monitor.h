/* SPDX-License-Identifier: Apache-2.0 */
/*
 * monitor.h: the contract between berth and berth-monitor, the per-container
 * monitor (the role conmon plays for podman). Engine-private.
 *
 * Files of a container (store_container_dir = graphroot userdata G,
 * store_container_run_dir = runroot userdata R):
 *
 *   G/config.json     the OCI spec (ctr_spec_build), written at create
 *   G/berth.json      berth's create-time record (name, image, command,
 *                     restart policy, log config, ...), written at create
 *   G/ctr.log         the container log (k8s-file by default; --log-path)
 *   R/monitor.pid     the monitor's pid, written by the monitor once it runs
 *   R/attach          the attach socket (SOCK_SEQPACKET), made by the monitor
 *   R/exit.json       written atomically by the monitor when the container
 *                     ends: {"exit_code":N, "signal":S (0 if none),
 *                     "finished_at":"RFC3339Nano", "oom_killed":bool,
 *                     "restarts":N}
 *   R/started.json    written by the monitor after each (re)start:
 *                     {"pid":N, "started_at":"RFC3339Nano", "restarts":N}
 *   R/stopped-by-user a marker berth stop writes before it signals the
 *                     container: the monitor then restarts it under no policy
 *   R/pidfile         the init's pid, with --runtime only (runc's --pid-file)
 *   <runroot>/berth-runtime/  the runtime library's state root (rt_ctx.root),
 *                     shared by all containers of the store
 *
 * Starting: berth runs
 *
 *   berth-monitor --id ID --bundle G --rundir R --runtime-root DIR
 *                 [--runtime PATH]            external OCI runtime (runc CLI)
 *                 [--log-driver k8s-file|json-file|journald|none]
 *                 [--log-path P] [--log-max-size BYTES] [--log-max-file N]
 *                 [--tty] [--stdin]
 *                 [--restart no|on-failure[:N]|always|unless-stopped]
 *                 [--exit-command PATH [--exit-command-arg ARG]...]
 *                 --sync-fd N [--wait-create [--new-netns]]
 *
 * with stdin/stdout/stderr on /dev/null, in a session of its own (berth
 * spawns it with POSIX_SPAWN_SETSID; started otherwise, it detaches with
 * fork, setsid, fork). It becomes a child subreaper, creates the container
 * (rt_create in a forked helper, or `runtime create`), and writes one JSON line
 * to the sync fd: {"created": <init host pid>} or {"error": "message"}.
 * berth then connects to R/attach if it attaches, and writes one byte to
 * the sync fd (any value) to say "start"; the monitor starts the container
 * and writes {"started": <pid>} or {"error": "..."} and closes the fd. If
 * the sync fd reaches EOF before the start byte, the monitor deletes the
 * container and exits (berth was killed during start).
 *
 * --wait-create: `run` starts the monitor while it makes the container, so
 * that its exec overlaps the storage's syncs. The monitor then does what
 * needs none of the container's directories (down to forking the helper
 * that will create the container), reads one byte from the sync fd (sent
 * once the directories exist, and the bundle) and goes on; at EOF it exits
 * 0 instead, its helper with it: the create failed, or berth died. With
 * --new-netns (the spec will have a network namespace of its own and no
 * user namespace), the helper makes that namespace while it waits.
 *
 * Attach socket packets (SOCK_SEQPACKET, at most 8192 bytes each):
 *   monitor -> client: byte 1 = stdout data, 2 = stderr data, then the data;
 *                      byte 3 = the container exited, then its exit code as
 *                      decimal text (sent before the socket is closed).
 *   client -> monitor: byte 0 = stdin data; byte 1 = stdin closed (EOF);
 *                      byte 2 = resize, then "ROWS COLS" as decimal text.
 * Several clients may attach; stdin goes from any of them to the container.
 *
 * When the container ends the monitor writes R/exit.json, applies the
 * restart policy (while it lives), and otherwise sends the exit packet to
 * attached clients, deletes the container's runtime state, waits (at most
 * 10 s) until every client has closed its end, removes R/attach and
 * R/monitor.pid, and runs the exit command (berth passes its own binary
 * and `container cleanup [--rm] ID` with the global options that name the
 * same store) unless the container was removed meanwhile (R is gone: a
 * foreground `run --rm` removes it and closes its end after), waits for it
 * (at most 5 minutes), then exits. A
 * container whose start failed is not restarted. A restart deletes the
 * container and creates and starts it again with the same stdio and log;
 * attached clients stay attached (the exit packet comes only at the end).
 * The log is bounded by default: --log-max-size 10m, --log-max-file 2
 * (files kept, ctr.log included; rotated ones are ctr.log.1, .2, ...;
 * --log-max-size 0: unbounded). SIGTERM or SIGINT sent to the monitor is
 * passed to the container's init and cancels restarts; SIGQUIT, SIGUSR1
 * and SIGUSR2 are passed on; SIGHUP and SIGPIPE are ignored. If the monitor
 * is killed, the container runs on (no exit.json is written then).
 */
#pragma once

#define MONITOR_PKT_MAX 8192

enum monitor_pkt {
        MONITOR_PKT_STDOUT = 1,
        MONITOR_PKT_STDERR = 2,
        MONITOR_PKT_EXIT = 3,
        MONITOR_PKT_STDIN = 0,
        MONITOR_PKT_STDIN_EOF = 1,
        MONITOR_PKT_RESIZE = 2,
};

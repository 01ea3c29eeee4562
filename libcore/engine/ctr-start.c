/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting a container: mount its rootfs, spawn berth-monitor with the
 * arguments of monitor.h, and follow the sync-fd protocol ({"created"},
 * attach, the start byte, {"started"}); with attach, relay its stdio.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "berth-config.h"
#include "ctr-internal.h"
#include "monitor.h"
#include "storage.h"

#define SYNC_TIMEOUT_MS (120 * 1000)
#define SYNC_LINE_MAX 65536

/* Allocates: the berth-monitor binary: $BERTH_MONITOR, the build tree's
 * (<dir of berth>/../berth-monitor/berth-monitor), then BERTH_LIBEXECDIR. */
static int find_monitor(char **ret, struct err *e)
{
        const char *env = getenv("BERTH_MONITOR");
        if (env && *env) {
                if (access(env, X_OK) < 0)
                        return err_errno(e, "BERTH_MONITOR '%s'", env);
                *ret = xstrdup(env);
                return 0;
        }
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        _cleanup_free_ char *build = NULL;
        if (n > 0) {
                self[n] = 0;
                build = xasprintf("%s/../berth-monitor/berth-monitor", dirname(self));
                if (access(build, X_OK) == 0) {
                        char real[PATH_MAX];
                        *ret = xstrdup(realpath(build, real) ? real : build);
                        return 0;
                }
        }
        _cleanup_free_ char *inst = xasprintf("%s/berth-monitor", BERTH_LIBEXECDIR);
        if (access(inst, X_OK) == 0) {
                *ret = steal_pointer(&inst);
                return 0;
        }
        return err_set(e, ENOENT,
                       "berth-monitor not found (looked for %s and %s): install berth completely "
                       "or set BERTH_MONITOR",
                       build ? build : "<berth's dir>/../berth-monitor/berth-monitor", inst);
}

/* Allocates: berth's own binary, for the exit command. */
static char *self_exe(void)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0)
                return xstrdup("berth");
        self[n] = 0;
        return xstrdup(self);
}

static void add2(char ***argv, const char *k, const char *v)
{
        strv_add(argv, k);
        strv_add(argv, v);
}

/* Allocates: the monitor's command line (monitor.h). */
static char **monitor_argv(struct store *s, const struct config *cfg, const struct ctr *c,
                           const char *monitor)
{
        char **a = NULL;
        strv_add(&a, monitor);
        add2(&a, "--id", c->id);
        add2(&a, "--bundle", c->gdir);
        add2(&a, "--rundir", c->rdir);
        _cleanup_free_ char *rtroot = ctr_runtime_root(s);
        add2(&a, "--runtime-root", rtroot);
        /* Containers made before berth recorded it run with the one
         * configured now. */
        const char *runtime = ctr_cfg_string(c, "runtime");
        if (!runtime || !*runtime)
                runtime = cfg->runtime;
        if (runtime && *runtime && !STREQ(runtime, "berth")) {
                _cleanup_free_ char *rt = host_find_program(runtime);
                add2(&a, "--runtime", rt ? rt : runtime);
        }
        const char *ld = ctr_cfg_string(c, "log_driver");
        add2(&a, "--log-driver", ld ? ld : "k8s-file");
        const char *lp = ctr_cfg_string(c, "log_path");
        _cleanup_free_ char *dflt = ctr_gpath(c, "ctr.log");
        add2(&a, "--log-path", lp ? lp : dflt);
        int64_t ms = ctr_cfg_int(c, "log_max_size", -1), mf = ctr_cfg_int(c, "log_max_file", -1);
        if (ms >= 0)
                strv_add(&a, "--log-max-size"), strv_push(&a, xasprintf("%lld", (long long)ms));
        if (mf >= 1)
                strv_add(&a, "--log-max-file"), strv_push(&a, xasprintf("%lld", (long long)mf));
        if (ctr_cfg_bool(c, "tty"))
                strv_add(&a, "--tty");
        if (ctr_cfg_bool(c, "stdin"))
                strv_add(&a, "--stdin");
        const char *restart = ctr_cfg_string(c, "restart");
        if (restart && !STREQ(restart, "no"))
                add2(&a, "--restart", restart);
        _cleanup_free_ char *self = self_exe();
        add2(&a, "--exit-command", self);
        const char *args[] = {"--root",         store_graphroot(s), "--runroot",
                              store_runroot(s), "--storage-driver", store_driver(s)};
        for (size_t i = 0; i < ARRAY_SIZE(args); i++)
                add2(&a, "--exit-command-arg", args[i]);
        for (char **o = cfg->storage.options; o && *o; o++) {
                add2(&a, "--exit-command-arg", "--storage-opt");
                add2(&a, "--exit-command-arg", *o);
        }
        if (log_get_level() >= LOG_DEBUG) {
                add2(&a, "--exit-command-arg", "--log-level");
                add2(&a, "--exit-command-arg", log_level_to_string(log_get_level()));
        }
        add2(&a, "--exit-command-arg", "container");
        add2(&a, "--exit-command-arg", "cleanup");
        if (ctr_cfg_bool(c, "remove"))
                add2(&a, "--exit-command-arg", "--rm");
        add2(&a, "--exit-command-arg", c->id);
        add2(&a, "--sync-fd", "3");
        return a;
}

/* Read one line from the sync fd (a socket); NULL at EOF or timeout. What
 * follows the line stays in the socket (peeked, then taken up to the
 * newline), so whole lines are read at once, not byte by byte. */
static char *sync_read_line(int fd, struct err *e)
{
        struct sbuf b = {0};
        for (;;) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                int n = poll(&p, 1, SYNC_TIMEOUT_MS);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        sbuf_done(&b);
                        err_set(e, ETIMEDOUT, "berth-monitor did not answer within %d s",
                                SYNC_TIMEOUT_MS / 1000);
                        return NULL;
                }
                char buf[512];
                ssize_t k = recv(fd, buf, sizeof(buf), MSG_PEEK);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        sbuf_done(&b);
                        err_set(e, EPIPE, "berth-monitor exited without reporting");
                        return NULL;
                }
                char *nl = memchr(buf, '\n', (size_t)k);
                size_t take = nl ? (size_t)(nl - buf) + 1 : (size_t)k;
                if (recv(fd, buf, take, 0) != (ssize_t)take) {
                        sbuf_done(&b);
                        err_set(e, EPIPE, "berth-monitor exited without reporting");
                        return NULL;
                }
                if (b.len + take > SYNC_LINE_MAX) {
                        sbuf_done(&b);
                        err_set(e, EMSGSIZE, "berth-monitor sent an overlong line");
                        return NULL;
                }
                if (nl) {
                        sbuf_append_len(&b, buf, take - 1);
                        return sbuf_steal(&b);
                }
                sbuf_append_len(&b, buf, take);
        }
}

/* docker's codes for a command that cannot run: 127 not found, 126 not
 * executable; the text gets podman's explanation. Only errors about the
 * executable count (runc's and berth's "exec: ...", crun's "executable
 * ..."): a missing config.json or mount source is berth's error, 125. */
static int exec_error_code(const char *msg)
{
        if (!strstr(msg, "exec"))
                return 125;
        if (strstr(msg, "executable file not found") || strstr(msg, "no such file or directory") ||
            strstr(msg, "No such file or directory"))
                return 127;
        if (strstr(msg, "permission denied") || strstr(msg, "Permission denied") ||
            strstr(msg, "exec format error") || strstr(msg, "Exec format error"))
                return 126;
        return 125;
}

/* Read {"<key>": pid} or {"error": "..."}; *ret_code 125/126/127 on error. */
static int sync_expect(int fd, const char *key, pid_t *ret_pid, int *ret_code, struct err *e)
{
        *ret_code = 125;
        _cleanup_free_ char *line = sync_read_line(fd, e);
        if (!line)
                return -(e && e->code ? e->code : EIO);
        _cleanup_json_ struct json *j = NULL;
        if (json_parse(line, strlen(line), &j, NULL) < 0 || j->type != JSON_OBJECT)
                return err_set(e, EPROTO, "berth-monitor sent a bad sync message: %s", line);
        const char *msg = json_object_get_string(j, "error");
        if (msg) {
                *ret_code = exec_error_code(msg);
                const char *why = *ret_code == 127   ? ": OCI runtime attempted to invoke a "
                                                       "command that was not found"
                                  : *ret_code == 126 ? ": OCI runtime permission denied error"
                                                     : "";
                return err_set(e,
                               *ret_code == 125   ? EIO
                               : *ret_code == 127 ? ENOENT
                                                  : EACCES,
                               "%s%s", msg, why);
        }
        const struct json *v = json_object_get(j, key);
        if (!v || v->type != JSON_INT)
                return err_set(e, EPROTO, "berth-monitor sent a bad sync message: %s", line);
        *ret_pid = (pid_t)v->i;
        return 0;
}

/* Start the monitor with the sync socket as fd 3, in a session of its own
 * (so it needs no detaching forks and no terminal signal of ours reaches
 * it), with posix_spawn: no copy of berth's page tables. It outlives us as
 * our child until we exit. */
static int spawn_monitor(char *const *argv, int *ret_sync, struct err *e)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return err_errno(e, "socketpair");
        _cleanup_close_ int ours = sv[0], theirs = sv[1];
        if (theirs == 3) { /* a dup2 onto itself would keep FD_CLOEXEC */
                theirs = fcntl(sv[1], F_DUPFD_CLOEXEC, 4);
                close(sv[1]);
                if (theirs < 0)
                        return err_errno(e, "fcntl");
        }
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t at;
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&at);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
        posix_spawn_file_actions_adddup2(&fa, 0, 1);
        /* The monitor outlives berth: its stderr must not be berth's
         * terminal. Errors come over the sync fd; debug keeps it. */
        if (log_get_level() < LOG_DEBUG)
                posix_spawn_file_actions_adddup2(&fa, 0, 2);
        posix_spawn_file_actions_adddup2(&fa, theirs, 3);
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&at, &none);
        posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
        pid_t pid;
        int r = posix_spawn(&pid, argv[0], &fa, &at, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
        if (r != 0)
                return err_errnum(e, -r, "cannot run berth-monitor '%s'", argv[0]);
        *ret_sync = TAKE_FD(ours);
        return 0;
}

struct engine_monitor {
        int sync; /* our end of its sync socket */
};

int ctr_monitor_ahead_argv(struct store *s, const struct config *cfg, const struct ctr *c,
                           char ***ret, struct err *e)
{
        _cleanup_free_ char *monitor = NULL;
        int r = find_monitor(&monitor, e);
        if (r < 0)
                return r;
        *ret = monitor_argv(s, cfg, c, monitor);
        strv_add(ret, "--wait-create");
        return 0;
}

int ctr_monitor_ahead_spawn(char *const *argv, struct engine_monitor **ret, struct err *e)
{
        int sync;
        int r = spawn_monitor(argv, &sync, e);
        if (r < 0)
                return r;
        *ret = xcalloc(1, sizeof(**ret));
        (*ret)->sync = sync;
        return 0;
}

void ctr_monitor_ahead_free(struct engine_monitor *m)
{
        if (!m)
                return;
        /* At EOF before the byte that says go, the monitor exits. */
        if (m->sync >= 0)
                close(m->sync);
        free(m);
}

/* The container exists now: let the monitor started ahead go on, as if
 * just spawned. Returns its sync fd. Should it have failed already, its
 * error waits in the socket for the "created" that follows (no SIGPIPE). */
static int monitor_go(struct engine_monitor *m)
{
        while (send(m->sync, "c", 1, MSG_NOSIGNAL) < 0 && errno == EINTR)
                ;
        return TAKE_FD(m->sync);
}

/* Mount the rootfs once per run: R/mounted says berth holds a mount (and
 * where). Then the named volumes. */
static int mount_rootfs(struct store *s, const struct ctr *c, struct err *e)
{
        _cleanup_free_ char *marker = ctr_rpath(c, "mounted");
        _cleanup_free_ char *path = NULL;
        size_t len;
        int r;
        if (fs_read_file(AT_FDCWD, marker, 4096, &path, &len, NULL) < 0) {
                free(path);
                path = NULL;
                if ((r = store_container_mount(s, c->id, &path, e)) < 0)
                        return r;
                if ((r = fs_write_atomic_volatile(AT_FDCWD, marker, path, strlen(path), 0600, e)) < 0) {
                        (void)store_container_unmount(s, c->id, false, NULL);
                        return r;
                }
        }
        return ctr_volumes_prepare(s, c, path, e);
}

/* Files a previous run or a reboot may have removed from R. */
static int prepare_run_dir(const struct ctr *c, const struct config *cfg, struct err *e)
{
        static const char *const old[] = {"exit.json", "started.json", "monitor.pid",
                                          "stopped-by-user", "attach"};
        for (size_t i = 0; i < ARRAY_SIZE(old); i++) {
                _cleanup_free_ char *p = ctr_rpath(c, old[i]);
                (void)unlink(p);
        }
        _cleanup_free_ char *last = ctr_rpath(c, ".containerenv");
        if (fs_exists(last))
                return 0;
        _cleanup_free_ char *hn = ctr_hostname(c);
        _cleanup_strv_ char **add_hosts = json_strv(json_object_get(c->berth, "add_host"));
        struct ctr_run_files f = {.hostname = hn,
                                  .image_name = ctr_cfg_string(c, "image_name"),
                                  .image_id = ctr_cfg_string(c, "image_id"),
                                  .add_hosts = add_hosts,
                                  .no_hosts = ctr_cfg_bool(c, "no_hosts"),
                                  .privileged = ctr_cfg_bool(c, "privileged"),
                                  .rootless = cfg->user.rootless};
        return ctr_write_run_files(c, &f, e);
}

/* The previous run's monitor deletes the runtime's state of its container
 * after it wrote exit.json, which is when a stop returns: a create of the
 * same ID before that would be deleted under the new monitor (restart saw
 * "the container exited before it was started"). Wait for that delete,
 * while that monitor lives, and boundedly. */
static void wait_previous_run(struct store *s, const struct ctr *c)
{
        _cleanup_free_ char *root = ctr_runtime_root(s);
        _cleanup_free_ char *dir = xasprintf("%s/%s", root, c->id);
        for (int i = 0; i < 500 && fs_exists(dir) && ctr_monitor_alive(c) > 0; i++) {
                struct timespec ts = {0, 10 * 1000000L};
                nanosleep(&ts, NULL);
        }
}

static int start_locked(struct store *s, const struct config *cfg, const struct ctr *c,
                        const struct container_start_opts *o, struct engine_monitor **ahead,
                        int *ret_attach_fd, int *ret_code, struct err *e)
{
        *ret_code = 125;
        _cleanup_free_ char *monitor = NULL;
        int r = *ahead ? 0 : find_monitor(&monitor, e);
        if (r < 0)
                return r;
        wait_previous_run(s, c);
        if ((r = prepare_run_dir(c, cfg, e)) < 0 || (r = mount_rootfs(s, c, e)) < 0)
                return r;
        /* The last run's runtime state, if its exit command has not run yet. */
        ctr_runtime_delete(s, c->id, true);
        /* A monitor started ahead (run) was given its command line then. */
        _cleanup_strv_ char **argv = *ahead ? NULL : monitor_argv(s, cfg, c, monitor);
        _cleanup_close_ int sync = -1;
        /* Declared before the first goto: the cleanup must not see it
         * uninitialised. */
        _cleanup_close_ int afd = -1;
        pid_t pid;
        if (*ahead)
                sync = monitor_go(*ahead);
        else if ((r = spawn_monitor(argv, &sync, e)) < 0)
                goto fail;
        if ((r = sync_expect(sync, "created", &pid, ret_code, e)) < 0)
                goto fail;
        if (o->attach) {
                afd = ctr_attach_connect(c, e);
                if (afd < 0) {
                        r = afd;
                        goto fail;
                }
        }
        char go = 1;
        if (write(sync, &go, 1) != 1) {
                r = err_errno(e, "telling berth-monitor to start");
                goto fail;
        }
        if ((r = sync_expect(sync, "started", &pid, ret_code, e)) < 0)
                goto fail;
        *ret_code = 0;
        *ret_attach_fd = TAKE_FD(afd);
        return 0;
fail : {
        /* The monitor deletes a container it created once the sync fd
         * closes; what is left here is the mount. */
        struct err ce = {0};
        if (ctr_cleanup_locked(s, c, &ce) < 0)
                log_debug("cleaning up after a failed start: %s", ce.msg);
        err_done(&ce);
        return r;
}
}

void ctr_proxy_signal(int sig, void *data)
{
        struct ctr_proxy_target *t = data;
        struct ctr_state st;
        if (ctr_state_get(t->s, t->c, &st, NULL) < 0)
                return;
        struct err e = {0};
        if (ctr_signal(t->s, t->c, &st, sig, false, &e) < 0)
                log_debug("forwarding signal %d: %s", sig, e.msg);
        err_done(&e);
        ctr_state_done(&st);
}

/* A start that failed for want of config.json may have raced a removal:
 * rm deletes the directories before the record, and the run directory
 * (where the lock lives) first, so a start waiting for the lock can get a
 * fresh one meanwhile. Then the record goes within moments. */
static bool removed_meanwhile(struct store *s, const struct ctr *c)
{
        _cleanup_free_ char *cfgp = ctr_gpath(c, "config.json");
        if (fs_exists(cfgp))
                return false;
        for (int i = 0; i < 200; i++) {
                _cleanup_(ctr_freep) struct ctr *now = NULL;
                if (ctr_lookup(s, c->id, &now, NULL) == -ENOENT)
                        return true;
                struct timespec ts = {0, 10 * 1000000L};
                nanosleep(&ts, NULL);
        }
        return false;
}

int engine_container_start(struct store *s, const struct config *cfg, const char *name,
                           const struct container_start_opts *o, int *ret_exit_code,
                           bool *ret_detached, struct err *e)
{
        *ret_exit_code = 125;
        if (ret_detached)
                *ret_detached = false;
        _cleanup_(ctr_monitor_ahead_freep) struct engine_monitor *ahead = o->monitor;
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        int r = ctr_lookup(s, name, &c, e);
        if (r < 0)
                return r;
        _cleanup_(lockfile_freep) struct lockfile *lk = NULL;
        if ((r = ctr_lock(c, &lk, e)) < 0)
                return r;
        struct ctr_state st;
        if ((r = ctr_state_get(s, c, &st, e)) < 0)
                return r;
        bool running = st.status == CTR_RUNNING || st.status == CTR_PAUSED;
        ctr_state_done(&st);
        int afd = -1, code = 125;
        if (running) {
                /* podman: starting a running container is not an error. */
                if (!o->attach) {
                        *ret_exit_code = 0;
                        return 0;
                }
                afd = ctr_attach_connect(c, e);
                if (afd < 0)
                        return afd;
        } else {
                r = start_locked(s, cfg, c, o, &ahead, &afd, &code, e);
                if (r < 0) {
                        *ret_exit_code = code;
                        lockfile_free(steal_pointer(&lk));
                        if (removed_meanwhile(s, c)) {
                                err_done(e);
                                return err_set(e, ENOENT,
                                               "no container with name or ID \"%s\" found: no "
                                               "such container",
                                               name);
                        }
                        if (ctr_cfg_bool(c, "remove")) {
                                struct container_rm_opts ro = {.force = true, .timeout = 0};
                                struct err re = {0};
                                (void)engine_container_remove(s, c->id, &ro, NULL, &re);
                                err_done(&re);
                        }
                        return err_wrap(e, "starting container %s", c->name);
                }
        }
        lockfile_free(steal_pointer(&lk));
        if (!o->attach) {
                *ret_exit_code = 0;
                return 0;
        }
        const char *dk = o->detach_keys ? o->detach_keys : ctr_cfg_string(c, "detach_keys");
        struct ctr_proxy_target pt = {.s = s, .c = c};
        struct ctr_attach_opts ao = {
                .tty = ctr_cfg_bool(c, "tty"),
                .stdin = o->stdin,
                .detach_keys = dk && *dk ? dk : "ctrl-p,ctrl-q",
                .proxy = o->sig_proxy ? ctr_proxy_signal : NULL,
                .proxy_data = &pt,
        };
        int exit_code = -1;
        bool detached = false;
        /* Closed only when done here: with --rm the monitor skips its exit
         * command (container cleanup --rm) once this end closes and the
         * container is gone, and runs it if we die before removing it. */
        _cleanup_close_ int attach_fd = afd;
        r = ctr_attach_relay(attach_fd, &ao, &exit_code, &detached, e);
        if (r < 0)
                return r;
        if (detached) {
                if (ret_detached)
                        *ret_detached = true;
                *ret_exit_code = 0;
                return 0;
        }
        if (exit_code < 0) {
                /* The socket closed without the exit packet: exit.json says. */
                (void)ctr_wait_stopped(s, c, 10000, NULL);
                struct ctr_state fs;
                if (ctr_state_get(s, c, &fs, NULL) == 0) {
                        if (fs.status == CTR_EXITED && fs.exit_known)
                                exit_code = fs.exit_code;
                        ctr_state_done(&fs);
                }
        }
        if (ctr_cfg_bool(c, "remove")) {
                /* The exit command removes it too; whoever is second finds
                 * it gone. An exit packet comes after exit.json is written:
                 * then it has stopped, and waited for above otherwise. */
                struct container_rm_opts ro = {.force = true, .volumes = true, .timeout = 0};
                struct err re = {0};
                if (engine_container_remove(s, c->id, &ro, NULL, &re) < 0 && re.code != ENOENT)
                        log_debug("removing %s: %s", c->id, re.msg);
                err_done(&re);
        }
        *ret_exit_code = exit_code < 0 ? 125 : exit_code;
        return 0;
}

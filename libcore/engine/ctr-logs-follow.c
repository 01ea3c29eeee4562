/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Printing container logs: the rotated files of each container in order
 * (ctr.log.N ... ctr.log.1, ctr.log), --tail/--since/--until, output split
 * by stream, and --follow: wait (inotify, else polling) for more lines and
 * for rotation until the container has exited and its log is drained.
 *
 * Rotation (by berth-monitor) renames ctr.log to ctr.log.1 and starts a
 * new ctr.log. A reader keeps the file it reads open; when ctr.log is no
 * longer that file, it finishes the old one, then finds which files came
 * after it (by inode, since they may have moved on again) and reads those,
 * so no line is lost or read twice. A file that shrinks was truncated in
 * place: it is read again from its start.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "ctr-internal.h"
#include "ctr-logs.h"

#define OUT_FLUSH_AT (64 * 1024)
#define FOLLOW_POLL_MS 250     /* between looks when inotify is not available */
#define FOLLOW_RECHECK_MS 1000 /* with inotify: the monitor's death makes no event */

struct file_ref {
        int fd;
        dev_t dev;
        ino_t ino;
};

/* The reading state of one source. */
struct src_state {
        const struct ctr_log_source *src;
        struct file_ref cur; /* fd -1: no file yet */
        struct ctr_log_lines lines;
        struct file_ref *queue; /* files after cur, oldest first */
        size_t nqueue, qhead;
        bool active;
        uint64_t bad;
};

struct out {
        int fd[3]; /* by stream */
        struct sbuf buf[3];
        int last;
        const struct ctr_log_opts *o;
};

/* ---------------------------------------------------------------- output */

static int out_flush(struct out *o, int s, struct err *e)
{
        struct sbuf *b = &o->buf[s];
        if (b->len == 0)
                return 0;
        int r = fs_write_all(o->fd[s], b->buf, b->len);
        if (r < 0)
                r = err_errnum(e, -r, "writing logs");
        b->len = 0;
        return r;
}

static int out_flush_all(struct out *o, struct err *e)
{
        int r = out_flush(o, CTR_LOG_STDOUT, e);
        if (r < 0)
                return r;
        return out_flush(o, CTR_LOG_STDERR, e);
}

/* One record as podman prints it: [prefix][time ]text, a newline unless
 * partial. Switching streams flushes the other one so that a terminal
 * showing both sees them in order. */
static int out_rec(struct out *o, const char *prefix, const struct ctr_log_rec *rec, struct err *e)
{
        int s = rec->stream, r;
        if (o->last && o->last != s && (r = out_flush(o, o->last, e)) < 0)
                return r;
        o->last = s;
        struct sbuf *b = &o->buf[s];
        if (prefix)
                sbuf_append(b, prefix);
        if (o->o->timestamps) {
                _cleanup_free_ char *t = ctr_log_format_time(rec);
                sbuf_append(b, t);
                sbuf_putc(b, ' ');
        }
        sbuf_append_len(b, rec->text, rec->len);
        if (!rec->partial)
                sbuf_putc(b, '\n');
        return b->len >= OUT_FLUSH_AT ? out_flush(o, s, e) : 0;
}

static bool time_after(int64_t s1, int32_t n1, int64_t s2, int32_t n2)
{
        return s1 > s2 || (s1 == s2 && n1 > n2);
}

/* Parse, filter and print one line of a source's log. */
static int emit_line(struct src_state *st, struct out *o, const char *line, size_t len,
                     struct err *e)
{
        struct ctr_log_rec rec;
        _cleanup_err_ struct err pe = {0};
        if (ctr_log_parse_line(st->src->format, line, len, &rec, &pe) < 0) {
                st->bad++;
                log_debug("%s: skipping a log line: %s", st->src->path, pe.msg);
                return 0;
        }
        const struct ctr_log_opts *op = o->o;
        int r = 0;
        if ((!op->since_set || time_after(rec.sec, rec.nsec, op->since_sec, op->since_nsec)) &&
            (!op->until_set || time_after(op->until_sec, op->until_nsec, rec.sec, rec.nsec)))
                r = out_rec(o, st->src->prefix, &rec, e);
        ctr_log_rec_done(&rec);
        return r;
}

/* ---------------------------------------------------------------- files */

/* Open a log file: 0, -ENOENT when it does not exist, or an error. */
static int open_ref(const char *path, struct file_ref *ret, struct err *e)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 && errno == ENOENT)
                return -ENOENT;
        if (fd < 0)
                return err_errno(e, "open '%s'", path);
        struct stat sb;
        if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
                int r = err_errnum(e, S_ISREG(sb.st_mode) ? errno : EINVAL, "log '%s'", path);
                close(fd);
                return r;
        }
        *ret = (struct file_ref){.fd = fd, .dev = sb.st_dev, .ino = sb.st_ino};
        return 0;
}

static bool ref_same(const struct file_ref *a, const struct file_ref *b)
{
        return a->fd >= 0 && b->fd >= 0 && a->dev == b->dev && a->ino == b->ino;
}

static void refs_close(struct file_ref *refs, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (refs[i].fd >= 0)
                        close(refs[i].fd);
}

/* Open path, path.1, path.2, ... newest first (so that a rotation while
 * opening shows up as a file seen twice, never as one missed), up to the
 * file `stop` (not included) when given; returns them oldest first.
 * Rotation moves the files up one at a time, from the oldest down, so a
 * scan meets at most one missing name before the last file. */
static int open_chain(const char *path, const struct file_ref *stop, struct file_ref **ret,
                      size_t *ret_n, struct err *e)
{
        struct file_ref *refs = NULL;
        size_t n = 0, cap = 0;
        int r = 0, missing = 0;
        for (int k = 0; k <= CTR_LOG_MAX_ROTATED; k++) {
                _cleanup_free_ char *p = k ? xasprintf("%s.%d", path, k) : xstrdup(path);
                struct file_ref f;
                r = open_ref(p, &f, e);
                if (r == -ENOENT) {
                        r = 0;
                        /* ctr.log itself may be missing between a rename
                         * and the new file. */
                        if (k > 0 && ++missing == 2)
                                break;
                        continue;
                }
                if (r < 0)
                        break;
                missing = 0;
                bool stop_here = stop && ref_same(&f, stop), dup = false;
                for (size_t i = 0; i < n && !dup; i++)
                        dup = ref_same(&f, &refs[i]);
                if (stop_here || dup)
                        close(f.fd);
                if (stop_here)
                        break;
                if (!dup) {
                        xgrow((void **)&refs, &cap, n + 1, sizeof(*refs));
                        refs[n++] = f;
                }
        }
        if (r < 0) {
                refs_close(refs, n);
                free(refs);
                return r;
        }
        for (size_t i = 0; i < n / 2; i++) {
                struct file_ref t = refs[i];
                refs[i] = refs[n - 1 - i];
                refs[n - 1 - i] = t;
        }
        *ret = refs;
        *ret_n = n;
        return 0;
}

static void src_set_current(struct src_state *st, struct file_ref f, off_t off)
{
        if (st->cur.fd >= 0)
                close(st->cur.fd);
        st->bad += st->lines.skipped;
        ctr_log_lines_done(&st->lines);
        st->cur = f;
        ctr_log_lines_init(&st->lines, f.fd, off);
}

static void src_done(struct src_state *st)
{
        if (st->cur.fd >= 0)
                close(st->cur.fd);
        st->cur.fd = -1;
        st->bad += st->lines.skipped;
        ctr_log_lines_done(&st->lines);
        if (st->queue)
                refs_close(st->queue + st->qhead, st->nqueue - st->qhead);
        free(st->queue);
        st->queue = NULL;
        st->nqueue = st->qhead = 0;
        st->active = false;
        if (st->bad)
                log_warn("log '%s': skipped %llu malformed line(s)", st->src->path,
                         (unsigned long long)st->bad);
}

/* Open the files that are there now and place the reader where --tail says. */
static int src_open(struct src_state *st, int64_t tail, struct err *e)
{
        struct file_ref *refs;
        size_t n;
        int r = open_chain(st->src->path, NULL, &refs, &n, e);
        if (r < 0)
                return r;
        size_t idx = 0;
        off_t off = 0;
        if (n > 0) {
                _cleanup_free_ int *fds = xmalloc(n * sizeof(int));
                for (size_t i = 0; i < n; i++)
                        fds[i] = refs[i].fd;
                r = ctr_log_tail_start(fds, n, st->src->format, tail, &idx, &off, NULL, e);
                if (r < 0) {
                        refs_close(refs, n);
                        free(refs);
                        return err_wrap(e, "log '%s'", st->src->path);
                }
                refs_close(refs, idx);
                src_set_current(st, refs[idx], off);
        }
        /* The files after the first one read wait in the queue. */
        st->queue = refs;
        st->qhead = n > 0 ? idx + 1 : 0;
        st->nqueue = n;
        st->active = true;
        return 0;
}

/* Print the rest of the current file's last line, when its writer stopped
 * midway (or the file ends without a newline). */
static int src_finish_file(struct src_state *st, struct out *o, struct err *e)
{
        const char *line;
        size_t len;
        if (st->cur.fd >= 0 && ctr_log_lines_rest(&st->lines, &line, &len))
                return emit_line(st, o, line, len, e);
        return 0;
}

/* After the current file: the next queued one, or with chase, the files
 * rotation made since. Returns 1 when there is a next file. */
static int src_next_file(struct src_state *st, bool chase, struct err *e)
{
        if (st->qhead < st->nqueue) {
                src_set_current(st, st->queue[st->qhead++], 0);
                return 1;
        }
        if (!chase)
                return 0;
        struct file_ref *refs;
        size_t n;
        int r = open_chain(st->src->path, st->cur.fd >= 0 ? &st->cur : NULL, &refs, &n, e);
        if (r < 0)
                return r;
        free(st->queue);
        st->queue = refs;
        st->nqueue = n;
        st->qhead = 0;
        if (n == 0)
                return 0;
        log_debug("log '%s' rotated: %zu new file(s)", st->src->path, n);
        src_set_current(st, st->queue[st->qhead++], 0);
        return 1;
}

/* Print the current file's complete lines up to its end. */
static int drain_current(struct src_state *st, struct out *o, struct err *e)
{
        for (;;) {
                const char *line;
                size_t len;
                int r;
                while ((r = ctr_log_lines_next(&st->lines, &line, &len, e)) > 0)
                        if ((r = emit_line(st, o, line, len, e)) < 0)
                                return r;
                if (r < 0)
                        return err_wrap(e, "log '%s'", st->src->path);
                struct stat sb;
                if (fstat(st->cur.fd, &sb) == 0 && sb.st_size < st->lines.off) {
                        log_debug("log '%s' was truncated: reading it again", st->src->path);
                        ctr_log_lines_reset(&st->lines);
                        continue;
                }
                return 0;
        }
}

/* Whether the log path now names another file than the one being read. */
static bool path_moved_on(const struct src_state *st)
{
        struct stat sb;
        if (stat(st->src->path, &sb) < 0)
                return false; /* mid-rotation, or no log yet: look again later */
        return st->cur.fd < 0 || sb.st_dev != st->cur.dev || sb.st_ino != st->cur.ino;
}

/* Print what is in the source's files now; with chase, follow rotation
 * through the files made since the current one. */
static int src_drain(struct src_state *st, struct out *o, bool chase, struct err *e)
{
        for (;;) {
                int r;
                if (st->cur.fd >= 0 && (r = drain_current(st, o, e)) < 0)
                        return r;
                bool next = st->qhead < st->nqueue;
                if (!next && chase && path_moved_on(st)) {
                        next = true;
                        /* The monitor makes the new ctr.log after its last
                         * write to the old one, so the old one is complete
                         * now: read what came since the drain above. */
                        if (st->cur.fd >= 0 && (r = drain_current(st, o, e)) < 0)
                                return r;
                }
                if (!next)
                        return 0;
                if ((r = src_finish_file(st, o, e)) < 0)
                        return r;
                r = src_next_file(st, chase, e);
                if (r < 0)
                        return err_wrap(e, "log '%s'", st->src->path);
                if (r == 0)
                        return 0;
        }
}

/* ---------------------------------------------------------------- follow */

/* Whether the container's log is complete, from the monitor's files
 * (monitor.h): the monitor writes the log's last record, then exit.json,
 * then removes monitor.pid before it runs the exit command and exits.
 * While it lives (after an exit, a restart policy may start the container
 * again) the log is followed. A monitor that was killed leaves monitor.pid
 * behind: its process is gone, or (pid reused) is not a berth-monitor.
 * (Read directly rather than through ctr_state_get, which also asks the
 * runtime: this runs every second while following, and in the unit tests
 * without a store.) */
static bool container_exited(const char *run_dir)
{
        _cleanup_close_ int dfd = open(run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return true; /* removed */
        pid_t pid;
        if (fs_read_pid(dfd, "monitor.pid", &pid, NULL) < 0)
                return true; /* exited, or never started (or not a pid) */
        if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
                return true;
        _cleanup_free_ char *comm_path = xasprintf("/proc/%d/comm", (int)pid);
        _cleanup_free_ char *comm = NULL;
        if (fs_read_file(AT_FDCWD, comm_path, 64, &comm, NULL, NULL) < 0)
                return false; /* hidden: take it as alive */
        return !str_has_prefix(comm, "berth-monitor");
}

/* Watch the log's directory and the run directory of each source. */
static int watch_sources(struct src_state *sts, size_t n)
{
        int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (ifd < 0) {
                log_debug("inotify: %s: polling logs", strerror(errno));
                return -1;
        }
        for (size_t i = 0; i < n; i++) {
                if (!sts[i].active)
                        continue;
                _cleanup_free_ char *dir = xstrdup(sts[i].src->path);
                char *slash = strrchr(dir, '/');
                if (slash)
                        *(slash == dir ? slash + 1 : slash) = '\0';
                if (inotify_add_watch(ifd, slash ? dir : ".",
                                      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
                                              IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB) < 0 ||
                    inotify_add_watch(ifd, sts[i].src->run_dir,
                                      IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_CLOSE_WRITE |
                                              IN_DELETE_SELF) < 0) {
                        log_debug("inotify watch: %s: polling logs", strerror(errno));
                        close(ifd);
                        return -1;
                }
        }
        return ifd;
}

static void wait_for_change(int ifd)
{
        struct pollfd pfd = {.fd = ifd, .events = POLLIN};
        if (ifd < 0) {
                (void)poll(NULL, 0, FOLLOW_POLL_MS);
                return;
        }
        if (poll(&pfd, 1, FOLLOW_RECHECK_MS) <= 0)
                return;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        while (read(ifd, buf, sizeof(buf)) > 0)
                ;
}

static int follow(struct src_state *sts, size_t n, struct out *o, struct err *e)
{
        _cleanup_close_ int ifd = watch_sources(sts, n);
        for (;;) {
                size_t active = 0;
                for (size_t i = 0; i < n; i++) {
                        struct src_state *st = &sts[i];
                        if (!st->active)
                                continue;
                        /* Looked at before the last drain: what the monitor
                         * wrote before exit.json is then read. */
                        bool exited = container_exited(st->src->run_dir);
                        int r = src_drain(st, o, true, e);
                        if (r < 0)
                                return r;
                        if (exited) {
                                if ((r = src_finish_file(st, o, e)) < 0)
                                        return r;
                                src_done(st);
                        } else {
                                active++;
                        }
                }
                int r = out_flush_all(o, e);
                if (r < 0 || active == 0)
                        return r;
                if (o->o->until_set) {
                        int64_t now;
                        int32_t now_ns;
                        time_now(&now, &now_ns);
                        if (!time_after(o->o->until_sec, o->o->until_nsec, now, now_ns))
                                return 0; /* nothing later can be printed */
                }
                wait_for_change(ifd);
        }
}

int ctr_logs_write(const struct ctr_log_source *srcs, size_t n, const struct ctr_log_opts *o,
                   int out_fd, int err_fd, struct err *e)
{
        struct out out = {.fd = {-1, out_fd, err_fd}, .o = o};
        struct src_state *sts = xcalloc(n ? n : 1, sizeof(*sts));
        int r = 0;
        for (size_t i = 0; i < n; i++) {
                sts[i].src = &srcs[i];
                sts[i].cur.fd = -1;
        }
        for (size_t i = 0; i < n && r >= 0; i++) {
                struct src_state *st = &sts[i];
                r = src_open(st, o->tail, e);
                if (r >= 0)
                        r = src_drain(st, &out, false, e);
                if (r >= 0 && !(o->follow && st->src->run_dir)) {
                        r = src_finish_file(st, &out, e);
                        src_done(st);
                }
        }
        if (r >= 0)
                r = out_flush_all(&out, e);
        if (r >= 0 && o->follow)
                r = follow(sts, n, &out, e);
        if (r >= 0)
                r = out_flush_all(&out, e);
        for (size_t i = 0; i < n; i++)
                if (sts[i].active || sts[i].cur.fd >= 0 || sts[i].queue)
                        src_done(&sts[i]);
        free(sts);
        sbuf_done(&out.buf[CTR_LOG_STDOUT]);
        sbuf_done(&out.buf[CTR_LOG_STDERR]);
        return r;
}

/* ---------------------------------------------------------------- engine */

struct logs_ctr {
        char *path, *prefix;
        enum ctr_log_format format;
};

/* Where a container's log is and in which format, from berth.json
 * ("log_driver", "log_path"); by default k8s-file at G/ctr.log. */
static int log_config(const struct ctr *c, struct logs_ctr *lc, struct err *e)
{
        const char *driver = ctr_cfg_string(c, "log_driver");
        const char *path = ctr_cfg_string(c, "log_path");
        lc->format = CTR_LOG_K8S_FILE;
        if (driver && *driver && ctr_log_format_from_string(driver, &lc->format) < 0) {
                if (STREQ(driver, "none"))
                        return err_set(e, EINVAL,
                                       "this container is using the 'none' log driver, "
                                       "cannot read logs");
                return err_set(e, ENOTSUP,
                               "container %s: reading logs of the '%s' log driver is not "
                               "supported",
                               c->name, driver);
        }
        lc->path = path && *path ? xstrdup(path) : ctr_gpath(c, "ctr.log");
        return 0;
}

int engine_logs(struct store *s, char *const *names, const struct logs_opts *o, int out_fd,
                int err_fd, struct err *e)
{
        struct ctr_log_opts lo = {.follow = o->follow,
                                  .timestamps = o->timestamps,
                                  .tail = o->tail < 0 ? -1 : o->tail};
        int64_t now;
        int32_t now_ns;
        time_now(&now, &now_ns);
        if (o->since &&
            ctr_log_parse_time(o->since, true, now, now_ns, &lo.since_sec, &lo.since_nsec, e) < 0)
                return err_wrap(e, "parsing --since \"%s\"", o->since);
        if (o->until &&
            ctr_log_parse_time(o->until, false, now, now_ns, &lo.until_sec, &lo.until_nsec, e) < 0)
                return err_wrap(e, "parsing --until \"%s\"", o->until);
        lo.since_set = o->since != NULL;
        lo.until_set = o->until != NULL;
        size_t n = strv_length(names);
        if (o->latest && n > 0)
                return err_set(e, EINVAL, "--latest and containers cannot be used together");
        if (!o->latest && n == 0)
                return err_set(e, EINVAL, "specify at least one container name or ID to log");

        size_t count = o->latest ? 1 : n;
        struct ctr **cs = xcalloc(count, sizeof(*cs));
        struct logs_ctr *lcs = xcalloc(count, sizeof(*lcs));
        struct ctr_log_source *srcs = xcalloc(count, sizeof(*srcs));
        int r = 0;
        if (o->latest) {
                struct ctr **all = NULL;
                size_t nall = 0;
                r = ctr_list_all(s, &all, &nall, e);
                if (r >= 0 && nall == 0)
                        r = err_set(e, ENOENT, "no such container");
                if (r >= 0)
                        cs[0] = steal_pointer(&all[0]); /* newest first */
                if (all)
                        ctr_list_free(all, nall);
        }
        /* Every container is looked up before anything is printed. */
        for (size_t i = 0; i < count && r >= 0; i++) {
                if (!o->latest)
                        r = ctr_lookup(s, names[i], &cs[i], e);
                if (r >= 0)
                        r = log_config(cs[i], &lcs[i], e);
                if (r < 0)
                        break;
                if (count > 1)
                        lcs[i].prefix = o->names ? xasprintf("%s ", cs[i]->name)
                                                 : xasprintf("%.12s ", cs[i]->id);
                /* Follow ends by the monitor's files (monitor.h), read in
                 * cs[i]->rdir: exit.json, started.json, monitor.pid. */
                srcs[i] = (struct ctr_log_source){.path = lcs[i].path,
                                                  .format = lcs[i].format,
                                                  .run_dir = cs[i]->rdir,
                                                  .prefix = lcs[i].prefix};
        }
        if (r >= 0)
                r = ctr_logs_write(srcs, count, &lo, out_fd, err_fd, e);
        for (size_t i = 0; i < count; i++) {
                ctr_free(cs[i]);
                free(lcs[i].path);
                free(lcs[i].prefix);
        }
        free(cs);
        free(lcs);
        free(srcs);
        return r;
}

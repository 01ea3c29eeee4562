/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime's container state: ids, state.json, status, locks, the state root. */
#include "unit.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lifecycle-internal.h"

struct fixture {
        char *tmp;
        struct rt_ctx ctx;
};

static int setup(void **state)
{
        struct fixture *f = xcalloc(1, sizeof(*f));
        f->tmp = unit_tmpdir();
        f->ctx.root = xasprintf("%s/root", f->tmp);
        if (mkdir(f->ctx.root, 0700) < 0)
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        unit_rmtree(f->tmp);
        free(f->tmp);
        rt_ctx_done(&f->ctx);
        free(f);
        return 0;
}

static struct rt_cgroup *inactive_cgroup(void)
{
        struct json *j = NULL;
        static const char doc[] = "{\"mode\":\"hybrid\",\"active\":false,\"path\":\"/x\","
                                  "\"dirs\":[]}";
        assert_int_equal(json_parse(doc, strlen(doc), &j, NULL), 0);
        struct rt_cgroup *cg = NULL;
        struct err e = {0};
        int r = rt_cgroup_from_json(j, &cg, &e);
        if (r < 0)
                fail_msg("rt_cgroup_from_json: %s", e.msg);
        json_free(j);
        return cg;
}

/* Make container id with the given init pid and start time, saved. */
static void make_container(struct fixture *f, const char *id, pid_t pid, uint64_t st)
{
        struct rt_container *c = NULL;
        struct err e = {0};
        if (rt_container_dir_create(&f->ctx, id, &c, &e) < 0)
                fail_msg("dir_create: %s", e.msg);
        c->pid = pid;
        c->start_time = st;
        c->bundle = xstrdup("/bundles/b \"quoted\"");
        c->rootfs = xstrdup("/bundles/b/rootfs");
        c->created = xstrdup("2026-11-28T01:03:19.923101032Z");
        c->owner = xstrdup("root");
        c->oci_version = xstrdup("1.0.2-dev");
        static const char ann[] = "{\"a\":\"1\",\"b\":\"x\\ny\"}";
        assert_int_equal(json_parse(ann, strlen(ann), &c->annotations, NULL), 0);
        c->userns = true;
        c->pidns = true;
        c->mntns = false;
        c->rootless = true;
        c->hooks = 1u << RT_HOOK_POSTSTOP;
        c->cgroup = inactive_cgroup();
        if (rt_container_save(c, &e) < 0)
                fail_msg("save: %s", e.msg);
        rt_container_free(c);
}

static void test_id_validate(void **state)
{
        (void)state;
        static const char *const good[] = {"a", "Z9", "abc-def_1.2+3", "0", "a..b"};
        for (size_t i = 0; i < ARRAY_SIZE(good); i++)
                assert_int_equal(rt_id_validate(good[i], NULL), 0);
        static const char *const bad[] = {"",    "../x", "a/b", ".",    "..",   ".x",
                                          "-x",  "_x",   "a b", "a\n",  "a\\b", "é",
                                          "a:b", "x/",   "/x",  "a\tb", "+x"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct err e = {0};
                assert_int_equal(rt_id_validate(bad[i], &e), -EINVAL);
                assert_non_null(strstr(e.msg, "invalid container id"));
                err_done(&e);
        }
        assert_int_equal(rt_id_validate(NULL, NULL), -EINVAL);
        char *longid = xmalloc(2001);
        memset(longid, 'a', 2000);
        longid[2000] = 0;
        struct err e = {0};
        assert_int_equal(rt_id_validate(longid, &e), -EINVAL);
        assert_non_null(strstr(e.msg, "longer than"));
        err_done(&e);
        longid[RT_ID_MAX] = 0;
        assert_int_equal(rt_id_validate(longid, NULL), 0);
        free(longid);
}

static void test_state_roundtrip(void **state)
{
        struct fixture *f = *state;
        make_container(f, "c1", 4242, 777);
        struct rt_container *c = NULL;
        struct err e = {0};
        if (rt_container_open(&f->ctx, "c1", RT_LOCK_WRITE, &c, &e) < 0)
                fail_msg("open: %s", e.msg);
        assert_int_equal(c->pid, 4242);
        assert_int_equal(c->start_time, 777);
        assert_string_equal(c->bundle, "/bundles/b \"quoted\"");
        assert_string_equal(c->rootfs, "/bundles/b/rootfs");
        assert_string_equal(c->created, "2026-11-28T01:03:19.923101032Z");
        assert_string_equal(c->owner, "root");
        assert_string_equal(c->oci_version, "1.0.2-dev");
        assert_string_equal(json_object_get_string(c->annotations, "b"), "x\ny");
        assert_true(c->userns && c->pidns && !c->mntns && c->rootless);
        assert_false(rt_cgroup_is_active(c->cgroup));
        assert_non_null(c->lock);
        /* The hook kinds the spec had: start and delete read config.json
         * (there is none here) only for those. */
        assert_int_equal(c->hooks, 1u << RT_HOOK_POSTSTOP);
        struct rt_spec *spec = NULL;
        assert_int_equal(rt_container_load_hooks(c, RT_HOOK_POSTSTART, &spec, NULL), 0);
        assert_null(spec);
        assert_true(rt_container_load_hooks(c, RT_HOOK_POSTSTOP, &spec, &e) < 0);
        assert_non_null(strstr(e.msg, "config.json"));
        err_done(&e);

        struct json *j = rt_container_state_json(c, RT_STATUS_RUNNING);
        assert_string_equal(json_object_get_string(j, "ociVersion"), RT_OCI_VERSION);
        assert_string_equal(json_object_get_string(j, "id"), "c1");
        assert_string_equal(json_object_get_string(j, "status"), "running");
        assert_int_equal(json_object_get_int(j, "pid", -1), 4242);
        assert_string_equal(json_object_get_string(json_object_get(j, "annotations"), "a"), "1");
        json_free(j);
        j = rt_container_state_json(c, RT_STATUS_STOPPED);
        assert_int_equal(json_object_get_int(j, "pid", -1), 0);
        json_free(j);
        rt_container_free(c);

        /* the public view: pid 4242 with start time 777 is not alive here */
        struct rt_state *s = NULL;
        assert_int_equal(rt_state_get(&f->ctx, "c1", &s, NULL), 0);
        assert_int_equal(s->status, RT_STATUS_STOPPED);
        assert_int_equal(s->pid, 0);
        assert_string_equal(s->owner, "root");
        j = rt_state_to_json(s);
        _cleanup_free_ char *text = json_generate(j, 0);
        assert_string_equal(text,
                            "{\"ociVersion\":\"" RT_OCI_VERSION "\",\"id\":\"c1\","
                            "\"status\":\"stopped\",\"pid\":0,\"bundle\":\"/bundles/b "
                            "\\\"quoted\\\"\",\"annotations\":{\"a\":\"1\",\"b\":\"x\\ny\"}}");
        json_free(j);
        rt_state_free(s);
}

/* A state saved before the hook kinds were recorded: config.json says. */
static void test_state_without_hooks(void **state)
{
        struct fixture *f = *state;
        make_container(f, "old", 4242, 777);
        _cleanup_free_ char *path = xasprintf("%s/old/state.json", f->ctx.root);
        struct json *j = NULL;
        assert_int_equal(json_parse_file(AT_FDCWD, path, 1 << 20, &j, NULL), 0);
        assert_non_null(json_object_get(j, "hooks"));
        json_object_remove(j, "hooks");
        _cleanup_free_ char *text = json_generate(j, 0);
        json_free(j);
        assert_int_equal(fs_write_atomic_volatile(AT_FDCWD, path, text, strlen(text), 0644, NULL),
                         0);
        struct rt_container *c = NULL;
        assert_int_equal(rt_container_open(&f->ctx, "old", RT_LOCK_READ, &c, NULL), 0);
        assert_int_equal(c->hooks, RT_HOOKS_UNKNOWN);
        _cleanup_free_ char *cfg = xasprintf("%s/old/config.json", f->ctx.root);
        static const char doc[] = "{\"hooks\":{\"poststop\":[]}}";
        assert_int_equal(fs_write_atomic_volatile(AT_FDCWD, cfg, doc, strlen(doc), 0600, NULL), 0);
        struct rt_spec *spec = NULL;
        assert_int_equal(rt_container_load_hooks(c, RT_HOOK_POSTSTART, &spec, NULL), 0);
        assert_null(spec);
        unlink(cfg);
        struct err e = {0};
        assert_true(rt_container_load_hooks(c, RT_HOOK_POSTSTART, &spec, &e) < 0);
        err_done(&e);
        rt_container_free(c);
}

/* create saves the creator's uid; its name is looked up when shown. */
static void test_owner_by_uid(void **state)
{
        struct fixture *f = *state;
        make_container(f, "byuid", 4242, 777);
        struct rt_container *c = NULL;
        assert_int_equal(rt_container_open(&f->ctx, "byuid", RT_LOCK_WRITE, &c, NULL), 0);
        free(c->owner);
        c->owner = NULL;
        c->owner_uid = geteuid();
        assert_int_equal(rt_container_save(c, NULL), 0);
        rt_container_free(c);
        struct rt_state *s = NULL;
        assert_int_equal(rt_state_get(&f->ctx, "byuid", &s, NULL), 0);
        struct passwd *pw = getpwuid(geteuid());
        assert_string_equal(s->owner, pw ? pw->pw_name : "");
        rt_state_free(s);
        /* Neither name nor uid (a state of an older create): "". */
        assert_int_equal(rt_container_open(&f->ctx, "byuid", RT_LOCK_WRITE, &c, NULL), 0);
        c->owner_uid = -1;
        assert_int_equal(rt_container_save(c, NULL), 0);
        rt_container_free(c);
        assert_int_equal(rt_state_get(&f->ctx, "byuid", &s, NULL), 0);
        assert_string_equal(s->owner, "");
        rt_state_free(s);
}

static void test_exists_and_missing(void **state)
{
        struct fixture *f = *state;
        make_container(f, "dup", 1, 1);
        struct rt_container *c = NULL;
        struct err e = {0};
        assert_int_equal(rt_container_dir_create(&f->ctx, "dup", &c, &e), -EEXIST);
        assert_string_equal(e.msg, "container \"dup\" already exists");
        err_done(&e);
        assert_int_equal(rt_container_open(&f->ctx, "nope", RT_LOCK_WRITE, &c, &e), -ENOENT);
        assert_string_equal(e.msg, "container \"nope\" does not exist");
        err_done(&e);
        assert_int_equal(rt_container_open(&f->ctx, "nope", RT_LOCK_NONE, &c, &e), -ENOENT);
        err_done(&e);
        /* no lock file may be made in a directory that is not there */
        _cleanup_free_ char *p = xasprintf("%s/nope", f->ctx.root);
        assert_false(fs_exists(p));
        assert_int_equal(rt_container_open(&f->ctx, "../root", RT_LOCK_NONE, &c, &e), -EINVAL);
        err_done(&e);
        struct rt_state *s = NULL;
        assert_int_equal(rt_state_get(&f->ctx, "nope", &s, &e), -ENOENT);
        err_done(&e);
}

static void test_stale_dir(void **state)
{
        struct fixture *f = *state;
        /* A create killed before state.json: the directory and lock only. */
        _cleanup_free_ char *dir = xasprintf("%s/stale", f->ctx.root);
        _cleanup_free_ char *lock = xasprintf("%s/stale/lock", f->ctx.root);
        assert_int_equal(mkdir(dir, 0711), 0);
        int fd = open(lock, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        close(fd);
        /* while a create holds its lock, the id is taken */
        struct lockfile *l = NULL;
        assert_int_equal(lockfile_open(lock, false, &l, NULL), 0);
        assert_int_equal(lockfile_lock(l, NULL), 0);
        struct rt_container *c = NULL;
        assert_int_equal(rt_container_dir_create(&f->ctx, "stale", &c, NULL), -EEXIST);
        lockfile_free(l);
        /* nobody holds it: taken over */
        struct err e = {0};
        if (rt_container_dir_create(&f->ctx, "stale", &c, &e) < 0)
                fail_msg("%s", e.msg);
        assert_non_null(c->lock);
        rt_container_free(c);
        struct stat st;
        assert_int_equal(stat(dir, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0711);
}

static void test_create_race(void **state)
{
        struct fixture *f = *state;
        /* Creates of one id at once: exactly one wins, whatever the timing
         * (a directory seen before its lock is held must not be taken for
         * the remains of a dead create). */
        for (int round = 0; round < 5; round++) {
                _cleanup_free_ char *id = xasprintf("race%d", round);
                pid_t kids[8];
                for (size_t i = 0; i < ARRAY_SIZE(kids); i++) {
                        kids[i] = fork();
                        assert_true(kids[i] >= 0);
                        if (kids[i] > 0)
                                continue;
                        struct rt_container *c = NULL;
                        if (rt_container_dir_create(&f->ctx, id, &c, NULL) < 0)
                                _exit(1);
                        c->bundle = xstrdup("/b");
                        c->rootfs = xstrdup("/b/rootfs");
                        c->cgroup = inactive_cgroup();
                        _exit(rt_container_save(c, NULL) == 0 ? 0 : 2);
                }
                int winners = 0;
                for (size_t i = 0; i < ARRAY_SIZE(kids); i++) {
                        int status;
                        assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
                        assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 2);
                        winners += WEXITSTATUS(status) == 0;
                }
                assert_int_equal(winners, 1);
                struct rt_state *st = NULL;
                assert_int_equal(rt_state_get(&f->ctx, id, &st, NULL), 0);
                rt_state_free(st);
        }
}

static void test_hostile_state_file(void **state)
{
        struct fixture *f = *state;
        static const char *const docs[] = {
                "",
                "[]",
                "{",
                "{\"pid\":-1,\"startTime\":1,\"bundle\":\"/\",\"rootfs\":\"/\"}",
                "{\"pid\":1,\"startTime\":1,\"bundle\":\"/\",\"rootfs\":\"/\"}", /* no cgroup */
                "{\"pid\":99999999999,\"startTime\":1,\"bundle\":\"/\",\"rootfs\":\"/\"}",
                "{\"pid\":\"1\",\"startTime\":1,\"bundle\":\"/\",\"rootfs\":\"/\"}",
                "{\"pid\":1,\"startTime\":1,\"bundle\":\"/\",\"rootfs\":\"/\",\"cgroup\":7}",
        };
        _cleanup_free_ char *dir = xasprintf("%s/bad", f->ctx.root);
        _cleanup_free_ char *path = xasprintf("%s/bad/state.json", f->ctx.root);
        assert_int_equal(mkdir(dir, 0711), 0);
        for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
                assert_int_equal(
                        fs_write_atomic(AT_FDCWD, path, docs[i], strlen(docs[i]), 0644, NULL), 0);
                struct rt_container *c = NULL;
                struct err e = {0};
                int r = rt_container_open(&f->ctx, "bad", RT_LOCK_READ, &c, &e);
                assert_true(r < 0);
                assert_non_null(e.msg);
                err_done(&e);
        }
        /* rt_list skips it rather than failing */
        struct rt_state **v = NULL;
        size_t n = 99;
        assert_int_equal(rt_list(&f->ctx, &v, &n, NULL), 0);
        assert_int_equal(n, 0);
        rt_state_list_free(v, n);
}

static void test_list_sorted(void **state)
{
        struct fixture *f = *state;
        make_container(f, "zeta", 1, 1);
        make_container(f, "Alpha", 1, 1);
        make_container(f, "mid.1", 1, 1);
        /* not containers: a file, a hidden directory, a half-made one */
        _cleanup_free_ char *p1 = xasprintf("%s/file", f->ctx.root);
        _cleanup_free_ char *p2 = xasprintf("%s/.hidden", f->ctx.root);
        _cleanup_free_ char *p3 = xasprintf("%s/half", f->ctx.root);
        assert_int_equal(fs_write_atomic(AT_FDCWD, p1, "x", 1, 0644, NULL), 0);
        assert_int_equal(mkdir(p2, 0700), 0);
        assert_int_equal(mkdir(p3, 0700), 0);
        struct rt_state **v = NULL;
        size_t n = 0;
        assert_int_equal(rt_list(&f->ctx, &v, &n, NULL), 0);
        assert_int_equal(n, 3);
        assert_string_equal(v[0]->id, "Alpha");
        assert_string_equal(v[1]->id, "mid.1");
        assert_string_equal(v[2]->id, "zeta");
        rt_state_list_free(v, n);
        /* a root that does not exist lists nothing */
        struct rt_ctx ctx = {.root = xasprintf("%s/none", f->tmp)};
        assert_int_equal(rt_list(&ctx, &v, &n, NULL), 0);
        assert_int_equal(n, 0);
        rt_ctx_done(&ctx);
}

static void test_proc_stat(void **state)
{
        (void)state;
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* a name that breaks naive parsing of /proc/<pid>/stat */
                prctl(PR_SET_NAME, "x) S 1 2 (y", 0, 0, 0);
                close(p[0]);
                (void)!write(p[1], "r", 1);
                pause();
                _exit(0);
        }
        close(p[1]);
        char b;
        assert_int_equal(read(p[0], &b, 1), 1);
        close(p[0]);
        uint64_t st1 = 0, st2 = 0;
        char state1 = 0;
        assert_int_equal(rt_proc_stat(pid, &st1, &state1), 0);
        assert_int_equal(rt_proc_stat(getpid(), &st2, NULL), 0);
        assert_true(st1 >= st2);
        assert_true(state1 == 'S' || state1 == 'R');
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        assert_int_equal(rt_proc_stat(pid, &st1, NULL), -ESRCH);
}

static void test_status_real_process(void **state)
{
        struct fixture *f = *state;
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                pause();
                _exit(0);
        }
        uint64_t st;
        assert_int_equal(rt_proc_stat(pid, &st, NULL), 0);
        make_container(f, "live", pid, st);
        _cleanup_free_ char *fifo = xasprintf("%s/live/exec.fifo", f->ctx.root);
        assert_int_equal(mkfifo(fifo, 0622), 0);

        struct rt_container *c = NULL;
        assert_int_equal(rt_container_open(&f->ctx, "live", RT_LOCK_NONE, &c, NULL), 0);
        assert_true(rt_container_alive(c));
        assert_int_equal(rt_container_status(c), RT_STATUS_CREATED);
        assert_int_equal(unlink(fifo), 0);
        assert_int_equal(rt_container_status(c), RT_STATUS_RUNNING);
        /* its pid, another start time: the pid was reused */
        c->start_time = st + 1;
        assert_int_equal(rt_container_status(c), RT_STATUS_STOPPED);
        c->start_time = st;

        /* No cgroup: the processes are those of the init's namespaces, but
         * never by a namespace we share, even if state.json claims it is
         * the container's own (it would take in the whole host). */
        pid_t *pids = NULL;
        size_t n = 0;
        for (int i = 0; i < 2; i++) {
                c->pidns = i == 0;
                c->mntns = i == 1;
                assert_int_equal(rt_container_pids(c, &pids, &n, NULL), 0);
                assert_int_equal(n, 1);
                assert_int_equal(pids[0], pid);
                free(pids);
        }

        struct rt_state *s = NULL;
        assert_int_equal(rt_state_get(&f->ctx, "live", &s, NULL), 0);
        assert_int_equal(s->status, RT_STATUS_RUNNING);
        assert_int_equal(s->pid, pid);
        rt_state_free(s);

        /* killed but not reaped: a zombie is stopped */
        kill(pid, SIGKILL);
        siginfo_t si;
        assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
        assert_int_equal(rt_container_status(c), RT_STATUS_STOPPED);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        assert_int_equal(rt_container_status(c), RT_STATUS_STOPPED);
        rt_container_free(c);

        /* kill refuses a stopped container, delete removes it */
        struct err e = {0};
        assert_int_equal(rt_kill(&f->ctx, "live", SIGTERM, false, &e), -ESRCH);
        assert_string_equal(e.msg, "container not running");
        err_done(&e);
        assert_int_equal(rt_start(&f->ctx, "live", &e), -EINVAL);
        assert_string_equal(e.msg, "cannot start a container that has stopped");
        err_done(&e);
        if (rt_delete(&f->ctx, "live", false, &e) < 0)
                fail_msg("delete: %s", e.msg);
        _cleanup_free_ char *dir = xasprintf("%s/live", f->ctx.root);
        assert_false(fs_exists(dir));
}

static void test_delete_running_refused(void **state)
{
        struct fixture *f = *state;
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                pause();
                _exit(0);
        }
        uint64_t st;
        assert_int_equal(rt_proc_stat(pid, &st, NULL), 0);
        make_container(f, "run1", pid, st);
        struct err e = {0};
        assert_int_equal(rt_delete(&f->ctx, "run1", false, &e), -EBUSY);
        assert_string_equal(e.msg, "cannot delete container \"run1\" that is not stopped: running");
        err_done(&e);
        /* pause needs a freezer: the inactive cgroup has none */
        assert_true(rt_pause(&f->ctx, "run1", &e) < 0);
        err_done(&e);
        assert_int_equal(rt_resume(&f->ctx, "run1", &e), -EINVAL);
        assert_string_equal(e.msg, "container not paused");
        err_done(&e);
        /* kill works on the init, force delete kills and removes */
        assert_int_equal(rt_kill(&f->ctx, "run1", 0, false, NULL), 0);
        /* force delete kills and waits for the init to go (a zombie is gone
         * enough): run it in a helper while we reap */
        pid_t helper = fork();
        assert_true(helper >= 0);
        if (helper == 0) {
                struct rt_ctx ctx = {.root = f->ctx.root};
                struct err e2 = {0};
                _exit(rt_delete(&ctx, "run1", true, &e2) == 0 ? 0 : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        assert_int_equal(waitpid(helper, &status, 0), helper);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        _cleanup_free_ char *dir = xasprintf("%s/run1", f->ctx.root);
        assert_false(fs_exists(dir));
}

static void test_locking(void **state)
{
        struct fixture *f = *state;
        make_container(f, "lk", 1, 1);
        struct rt_container *c = NULL;
        assert_int_equal(rt_container_open(&f->ctx, "lk", RT_LOCK_WRITE, &c, NULL), 0);
        _cleanup_free_ char *path = xasprintf("%s/lk/lock", f->ctx.root);
        struct lockfile *l = NULL;
        assert_int_equal(lockfile_open(path, false, &l, NULL), 0);
        /* OFD locks: a second opener conflicts even in the same process */
        assert_int_equal(lockfile_trylock(l, false, NULL), -EAGAIN);
        assert_int_equal(lockfile_trylock(l, true, NULL), -EAGAIN);
        rt_container_free(c);
        assert_int_equal(lockfile_trylock(l, true, NULL), 0);
        assert_int_equal(lockfile_unlock(l, NULL), 0);
        /* readers share */
        struct rt_container *r1 = NULL, *r2 = NULL;
        assert_int_equal(rt_container_open(&f->ctx, "lk", RT_LOCK_READ, &r1, NULL), 0);
        assert_int_equal(rt_container_open(&f->ctx, "lk", RT_LOCK_READ, &r2, NULL), 0);
        assert_int_equal(lockfile_trylock(l, true, NULL), -EAGAIN);
        assert_int_equal(lockfile_trylock(l, false, NULL), 0);
        lockfile_free(l);
        rt_container_free(r1);
        rt_container_free(r2);

        /* a writer waits for the holder; a forked holder releases after 200 ms */
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        if (pid == 0) {
                struct rt_container *h = NULL;
                struct rt_ctx ctx = {.root = f->ctx.root};
                if (rt_container_open(&ctx, "lk", RT_LOCK_WRITE, &h, NULL) < 0)
                        _exit(1);
                (void)!write(p[1], "l", 1);
                usleep(200000);
                _exit(0);
        }
        close(p[1]);
        char b;
        assert_int_equal(read(p[0], &b, 1), 1);
        close(p[0]);
        int64_t s0, s1;
        int32_t n0, n1;
        time_now(&s0, &n0);
        assert_int_equal(rt_container_open(&f->ctx, "lk", RT_LOCK_WRITE, &c, NULL), 0);
        time_now(&s1, &n1);
        int64_t waited_ms = (s1 - s0) * 1000 + (n1 - n0) / 1000000;
        assert_true(waited_ms >= 100);
        rt_container_free(c);
        waitpid(pid, NULL, 0);
}

static void test_lock_after_delete(void **state)
{
        struct fixture *f = *state;
        /* a command that waited on the lock of a container deleted
         * meanwhile must not act on a new one of the same id */
        make_container(f, "re", 1, 1);
        struct rt_container *c = NULL;
        assert_int_equal(rt_container_open(&f->ctx, "re", RT_LOCK_WRITE, &c, NULL), 0);
        assert_int_equal(rt_container_remove(c, NULL), 0);
        rt_container_free(c);
        struct err e = {0};
        assert_int_equal(rt_container_open(&f->ctx, "re", RT_LOCK_WRITE, &c, &e), -ENOENT);
        err_done(&e);
}

static void test_default_root(void **state)
{
        struct fixture *f = *state;
        const char *old = getenv("XDG_RUNTIME_DIR");
        _cleanup_free_ char *saved = old ? xstrdup(old) : NULL;
        bool real_root = geteuid() == 0 && fs_exists("/proc/self/uid_map");
        _cleanup_free_ char *map = NULL;
        size_t len;
        if (real_root && fs_read_file(AT_FDCWD, "/proc/self/uid_map", 0, &map, &len, NULL) == 0)
                real_root = strstr(map, "4294967295") != NULL;
        if (real_root) {
                setenv("XDG_RUNTIME_DIR", "/run/user/0", 1);
                _cleanup_free_ char *r = rt_ctx_default_root();
                assert_string_equal(r, "/run/berth-runtime");
        }
        /* the rest as an unprivileged user: in a child, as nobody */
        if (geteuid() == 0) {
                _cleanup_free_ char *xdg = xasprintf("%s/xdg", f->tmp);
                assert_int_equal(mkdir(xdg, 0700), 0);
                assert_int_equal(chown(xdg, 65534, 65534), 0);
                assert_int_equal(chmod(f->tmp, 0755), 0);
                pid_t pid = fork();
                if (pid == 0) {
                        if (setresgid(65534, 65534, 65534) < 0 ||
                            setresuid(65534, 65534, 65534) < 0)
                                _exit(10);
                        setenv("XDG_RUNTIME_DIR", xdg, 1);
                        char *want = xasprintf("%s/berth-runtime", xdg);
                        struct rt_ctx ctx = {0};
                        if (rt_ctx_init(&ctx, NULL, -1, false, NULL) < 0)
                                _exit(11);
                        if (!STREQ(ctx.root, want) || !ctx.rootless)
                                _exit(12);
                        struct stat st;
                        if (stat(want, &st) < 0 || (st.st_mode & 0777) != 0700)
                                _exit(13);
                        rt_ctx_done(&ctx);
                        unsetenv("XDG_RUNTIME_DIR");
                        char *r = rt_ctx_default_root();
                        if (!STREQ(r, "/tmp/berth-runtime-65534"))
                                _exit(14);
                        /* a relative XDG_RUNTIME_DIR is ignored, as the spec says */
                        setenv("XDG_RUNTIME_DIR", "rel", 1);
                        free(r);
                        r = rt_ctx_default_root();
                        if (!STREQ(r, "/tmp/berth-runtime-65534"))
                                _exit(15);
                        _exit(0);
                }
                int status;
                assert_int_equal(waitpid(pid, &status, 0), pid);
                assert_true(WIFEXITED(status));
                assert_int_equal(WEXITSTATUS(status), 0);
        }
        /* an explicit root: relative is anchored, made if missing */
        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        assert_int_equal(chdir(f->tmp), 0);
        struct rt_ctx ctx = {0};
        assert_int_equal(rt_ctx_init(&ctx, "rel/state", 0, true, NULL), 0);
        _cleanup_free_ char *want = xasprintf("%s/rel/state", f->tmp);
        assert_string_equal(ctx.root, want);
        assert_true(fs_exists(want));
        assert_false(ctx.rootless);
        assert_true(ctx.systemd_cgroup);
        rt_ctx_done(&ctx);
        assert_int_equal(chdir(cwd), 0);
        if (saved)
                setenv("XDG_RUNTIME_DIR", saved, 1);
        else
                unsetenv("XDG_RUNTIME_DIR");
}

static void test_planted_tmp_root(void **state)
{
        (void)state;
        if (geteuid() != 0)
                skip();
        /* /tmp/berth-runtime-<uid> made by someone else must be refused */
        uid_t uid = 65533;
        _cleanup_free_ char *planted = xasprintf("/tmp/berth-runtime-%u", (unsigned)uid);
        unit_rmtree(planted);
        assert_int_equal(mkdir(planted, 0777), 0);
        assert_int_equal(chmod(planted, 0777), 0);
        pid_t pid = fork();
        if (pid == 0) {
                if (setresuid(uid, uid, uid) < 0)
                        _exit(10);
                unsetenv("XDG_RUNTIME_DIR");
                struct rt_ctx ctx = {0};
                struct err e = {0};
                _exit(rt_ctx_init(&ctx, NULL, -1, false, &e) < 0 ? 0 : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        unit_rmtree(planted);
}

struct sync_log {
        int n;
        enum log_level level;
        char msg[64];
};

static void sync_log_capture(enum log_level l, const char *msg, void *data)
{
        struct sync_log *c = data;
        c->n++;
        c->level = l;
        snprintf(c->msg, sizeof(c->msg), "%s", msg);
}

/* The sync socket: an fd rides with RT_SYNC_SECCOMP_FD only; the child's
 * log messages are logged by the receiver and skipped. */
static void test_sync_fd_and_log(void **state)
{
        (void)state;
        int sv[2];
        struct err e = {0};
        struct rt_sync_msg m;
        assert_int_equal(rt_sync_pair(sv, &e), 0);

        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        struct stat a, b;
        assert_int_equal(fstat(fd, &a), 0);
        assert_int_equal(rt_sync_send_fd(sv[1], RT_SYNC_SECCOMP_FD, fd, &e), 0);
        assert_int_equal(rt_sync_recv(sv[0], &m, &e), 0);
        assert_int_equal(m.type, RT_SYNC_SECCOMP_FD);
        assert_true(m.fd >= 0 && m.fd != fd);
        assert_int_equal(fstat(m.fd, &b), 0);
        assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
        assert_true(fcntl(m.fd, F_GETFD) & FD_CLOEXEC);
        close(m.fd);

        /* an fd on another type is not kept (closed, not leaked) */
        assert_int_equal(rt_sync_send_fd(sv[1], RT_SYNC_GO, fd, &e), 0);
        assert_int_equal(rt_sync_recv(sv[0], &m, &e), 0);
        assert_int_equal(m.type, RT_SYNC_GO);
        assert_int_equal(m.fd, -1);
        /* a plain message has none */
        assert_int_equal(rt_sync_send(sv[1], RT_SYNC_READY, 7, &e), 0);
        assert_int_equal(rt_sync_recv(sv[0], &m, &e), 0);
        assert_int_equal(m.fd, -1);
        assert_int_equal(m.val, 7);
        close(fd);

        /* child side: log_msg goes over the socket, not to stderr */
        enum log_level old = log_get_level();
        log_set_level(LOG_DEBUG);
        int child_fd = sv[1];
        rt_sync_log_to(&child_fd);
        log_debug("from the child %d", 42);
        child_fd = -1; /* closed: dropped */
        log_warn("nowhere");
        /* parent side: the log message is logged and skipped */
        struct sync_log cap = {0};
        log_set_sink(sync_log_capture, &cap);
        assert_int_equal(rt_sync_send(sv[1], RT_SYNC_PID, 99, &e), 0);
        assert_int_equal(rt_sync_recv(sv[0], &m, &e), 0);
        assert_int_equal(m.type, RT_SYNC_PID);
        assert_int_equal(m.val, 99);
        assert_int_equal(cap.n, 1);
        assert_int_equal(cap.level, LOG_DEBUG);
        assert_string_equal(cap.msg, "from the child 42");
        /* and the receiver's level applies */
        log_set_level(LOG_WARN);
        child_fd = sv[1];
        log_set_sink(NULL, NULL);
        rt_sync_log_to(&child_fd);
        log_msg(LOG_DEBUG, "too verbose");
        log_set_sink(sync_log_capture, &cap);
        assert_int_equal(rt_sync_send(sv[1], RT_SYNC_GO, 0, &e), 0);
        assert_int_equal(rt_sync_recv(sv[0], &m, &e), 0);
        assert_int_equal(cap.n, 1);
        log_set_sink(NULL, NULL);
        log_set_level(old);

        /* EOF */
        close(sv[1]);
        assert_int_equal(rt_sync_recv(sv[0], &m, &e), -EPIPE);
        err_done(&e);
        close(sv[0]);
}

/* rt_ctx_preload: the host's cgroup layout, and a network namespace that
 * is not ours (made in a thread, so this process stays in its own); each
 * preload makes another; unload (and done) release it. Unprivileged, the
 * namespace cannot be made and the preload goes on without one. */
static void test_preload(void **state)
{
        struct fixture *f = *state;
        struct err e = {0};
        struct stat self, a, b;
        assert_int_equal(stat("/proc/self/ns/net", &self), 0);
        assert_int_equal(rt_ctx_preload(&f->ctx, true, &e), 0);
        assert_non_null(f->ctx.pre);
        assert_non_null(f->ctx.pre->cg_host);
        int fd1 = rt_netns_ahead_take(&f->ctx.pre->net);
        assert_int_equal(stat("/proc/self/ns/net", &a), 0);
        assert_int_equal(a.st_ino, self.st_ino); /* we did not move */
        if (fd1 < 0) {
                rt_ctx_unload(&f->ctx);
                assert_null(f->ctx.pre);
                skip(); /* no CAP_SYS_ADMIN over our network namespace */
        }
        assert_int_equal(fstat(fd1, &a), 0);
        assert_true(a.st_ino != self.st_ino);
        /* Taken: a second take has nothing. */
        assert_int_equal(rt_netns_ahead_take(&f->ctx.pre->net), -1);
        assert_int_equal(rt_ctx_preload(&f->ctx, true, &e), 0);
        int fd2 = rt_netns_ahead_take(&f->ctx.pre->net);
        assert_true(fd2 >= 0);
        assert_int_equal(fstat(fd2, &b), 0);
        assert_true(b.st_ino != a.st_ino && b.st_ino != self.st_ino);
        close(fd1);
        close(fd2);
        /* Without new_netns, none is made; an unused one goes with unload. */
        assert_int_equal(rt_ctx_preload(&f->ctx, false, &e), 0);
        assert_false(f->ctx.pre->net.started);
        assert_int_equal(f->ctx.pre->net.fd, -1);
        assert_int_equal(rt_ctx_preload(&f->ctx, true, &e), 0);
        rt_ctx_unload(&f->ctx);
        assert_null(f->ctx.pre);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_id_validate),
                cmocka_unit_test_setup_teardown(test_state_roundtrip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_state_without_hooks, setup, teardown),
                cmocka_unit_test_setup_teardown(test_owner_by_uid, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exists_and_missing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stale_dir, setup, teardown),
                cmocka_unit_test_setup_teardown(test_create_race, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hostile_state_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_list_sorted, setup, teardown),
                cmocka_unit_test(test_proc_stat),
                cmocka_unit_test_setup_teardown(test_status_real_process, setup, teardown),
                cmocka_unit_test_setup_teardown(test_delete_running_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_locking, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lock_after_delete, setup, teardown),
                cmocka_unit_test_setup_teardown(test_default_root, setup, teardown),
                cmocka_unit_test(test_planted_tmp_root),
                cmocka_unit_test(test_sync_fd_and_log),
                cmocka_unit_test_setup_teardown(test_preload, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

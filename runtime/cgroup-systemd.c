/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The systemd cgroup manager (--systemd-cgroup), as runc's and crun's:
 * linux.cgroupsPath is "slice:prefix:name", and the container's cgroup is a
 * transient scope unit "prefix-name.scope" in that slice, which systemd
 * makes on StartTransientUnit with the init's pid in it (Delegate=yes: the
 * subtree is ours). The unit also carries the resource limits as systemd
 * properties, so that systemd, when it re-applies its units' settings,
 * writes the container's limits and not its own defaults; cgroup.c then
 * writes them through cgroupfs all the same, as with the cgroupfs manager.
 *
 * The system manager is asked on the system bus; rootless, the user's own
 * manager on the session bus ($DBUS_SESSION_BUS_ADDRESS, else
 * $XDG_RUNTIME_DIR/bus). libsystemd is loaded only here (sdbus-dl.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-systemd.h"
#include "sdbus-dl.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_JOB_TIMEOUT_US (30 * 1000000ULL) /* as runc */
#define SD_UNIT_NAME_MAX 255
#define SD_DEFAULT_PREFIX "berth"

/* ------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------ */

int rt_cg_sd_expand_slice(const char *slice, char **ret, struct err *e)
{
        static const char suffix[] = ".slice";
        size_t l = strlen(slice);
        _cleanup_free_ char *q = rt_quote(slice);
        if (l <= strlen(suffix) || !str_has_suffix(slice, suffix) || strchr(slice, '/'))
                return err_set(e, EINVAL, "linux.cgroupsPath: invalid slice name '%s'", q);
        _cleanup_free_ char *base = xstrndup(slice, l - strlen(suffix));
        if (STREQ(base, "-")) {
                *ret = xstrdup("/");
                return 0;
        }
        struct sbuf b = {0};
        for (const char *p = base;;) {
                const char *dash = strchr(p, '-');
                size_t end = dash ? (size_t)(dash - base) : strlen(base);
                if (end == (size_t)(p - base)) {
                        sbuf_done(&b);
                        return err_set(e, EINVAL, "linux.cgroupsPath: invalid slice name '%s'", q);
                }
                sbuf_printf(&b, "/%.*s%s", (int)end, base, suffix);
                if (!dash)
                        break;
                p = dash + 1;
        }
        *ret = sbuf_steal(&b);
        return 0;
}

/* Whether s is made of the characters systemd allows in unit names. */
static bool unit_chars_ok(const char *s)
{
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || strchr(":-_.\\", *s)))
                        return false;
        return true;
}

int rt_cg_sd_parse_path(const char *cgroups_path, const char *id, bool rootless, char **ret_slice,
                        char **ret_unit, char **ret_name, struct err *e)
{
        const char *dflt_slice = rootless ? "user.slice" : "system.slice";
        _cleanup_strv_ char **parts = NULL;
        if (cgroups_path && *cgroups_path) {
                parts = strv_split(cgroups_path, ":");
                /* strv_split drops empty fields: count the colons instead. */
                size_t colons = 0;
                for (const char *c = cgroups_path; *c; c++)
                        colons += *c == ':';
                if (colons != 2) {
                        _cleanup_free_ char *q = rt_quote(cgroups_path);
                        return err_set(e, EINVAL,
                                       "linux.cgroupsPath: expected \"slice:prefix:name\" for "
                                       "systemd cgroups, got '%s'",
                                       q);
                }
        }
        _cleanup_free_ char *slice = NULL, *prefix = NULL, *name = NULL;
        if (cgroups_path && *cgroups_path) {
                const char *a = cgroups_path, *b = strchr(a, ':') + 1, *c = strchr(b, ':') + 1;
                slice = xstrndup(a, (size_t)(b - 1 - a));
                prefix = xstrndup(b, (size_t)(c - 1 - b));
                name = xstrdup(c);
        }
        if (!slice || !*slice) {
                free(slice);
                slice = xstrdup(dflt_slice);
        }
        if (!prefix || !*prefix) {
                free(prefix);
                prefix = xstrdup(SD_DEFAULT_PREFIX);
        }
        if (!name || !*name) {
                free(name);
                name = xstrdup(id);
        }
        _cleanup_free_ char *expanded = NULL;
        int r = rt_cg_sd_expand_slice(slice, &expanded, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *qn = rt_quote(name);
        if (str_has_suffix(name, ".slice"))
                return err_set(e, EINVAL,
                               "linux.cgroupsPath: '%s': a slice as the container's own unit is "
                               "not supported (give a name without .slice)",
                               qn);
        char *unit = xasprintf("%s-%s.scope", prefix, name);
        if (strlen(unit) > SD_UNIT_NAME_MAX || !unit_chars_ok(unit) || !unit_chars_ok(slice)) {
                _cleanup_free_ char *qu = rt_quote(unit);
                free(unit);
                return err_set(e, EINVAL,
                               "linux.cgroupsPath: '%s' is not a valid systemd unit name", qu);
        }
        *ret_slice = steal_pointer(&slice);
        *ret_unit = unit;
        *ret_name = steal_pointer(&name);
        return 0;
}

/* ------------------------------------------------------------------------
 * The bus
 * ------------------------------------------------------------------------ */

struct sd_conn {
        const struct sdbus_dl *dl;
        sd_bus *bus;
        sd_bus_slot *slot;
        unsigned version; /* 0: unknown */
        /* JobRemoved signals seen, as pairs: job path, result. */
        char **removed;
        size_t n_removed, cap_removed;
};

static void conn_close(struct sd_conn *c)
{
        if (c->slot)
                c->dl->sd_bus_slot_unref(c->slot);
        if (c->bus)
                c->dl->sd_bus_flush_close_unref(c->bus);
        for (size_t i = 0; i < c->n_removed; i++)
                free(c->removed[i]);
        free(c->removed);
        *c = (struct sd_conn){0};
}

/* An sd-bus failure as an error: the D-Bus error's name and message when
 * there is one. */
static int bus_err(const struct sd_conn *c, sd_bus_error *be, int r, struct err *e,
                   const char *what)
{
        if (r >= 0)
                r = -EIO;
        int code = -r;
        if (be && be->name) {
                err_set(e, code, "%s: %s%s%s", what, be->name, be->message ? ": " : "",
                        be->message ? be->message : "");
        } else {
                err_errnum(e, code, "%s", what);
        }
        if (be)
                c->dl->sd_bus_error_free(be);
        return -code;
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        (void)ret_error;
        struct sd_conn *c = userdata;
        uint32_t id;
        const char *job, *unit, *result;
        if (c->dl->sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) < 0)
                return 0;
        xgrow((void **)&c->removed, &c->cap_removed, c->n_removed + 2, sizeof(char *));
        c->removed[c->n_removed++] = xstrdup(job);
        c->removed[c->n_removed++] = xstrdup(result);
        return 0;
}

/* Leading digits of a version ("252 (252.22-1~deb12u1)", "v245.4"). */
static unsigned parse_version(const char *s)
{
        unsigned v = 0;
        s += strspn(s, "\"v");
        for (; *s >= '0' && *s <= '9' && v < 100000; s++)
                v = v * 10 + (unsigned)(*s - '0');
        return v;
}

static int conn_open(struct sd_conn *c, bool user, struct err *e)
{
        int r = sdbus_dl_get(&c->dl, e);
        if (r < 0)
                return r;
        const char *addr = getenv(RT_SD_TEST_BUS_ENV);
        const char *which = addr && *addr ? addr
                            : user        ? "the user's session bus"
                                          : "the system bus";
        if (addr && *addr) {
                if ((r = c->dl->sd_bus_new(&c->bus)) >= 0 &&
                    (r = c->dl->sd_bus_set_address(c->bus, addr)) >= 0 &&
                    (r = c->dl->sd_bus_set_bus_client(c->bus, 1)) >= 0)
                        r = c->dl->sd_bus_start(c->bus);
        } else {
                r = user ? c->dl->sd_bus_open_user(&c->bus) : c->dl->sd_bus_open_system(&c->bus);
        }
        if (r < 0) {
                conn_close(c);
                return err_errnum(e, -r, "connecting to systemd on %s", which);
        }
        r = c->dl->sd_bus_add_match(c->bus, &c->slot,
                                    "type='signal',sender='" SD_DEST "',interface='" SD_MANAGER
                                    "',member='JobRemoved',path='" SD_PATH "'",
                                    on_job_removed, c);
        if (r < 0) {
                conn_close(c);
                return err_errnum(e, -r, "D-Bus: watching systemd's jobs");
        }
        /* Job signals go to subscribers; older systemd sends them to no one else. */
        sd_bus_error be = SD_BUS_ERROR_NULL;
        r = c->dl->sd_bus_call_method(c->bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", &be, NULL,
                                      "");
        if (r < 0) {
                r = bus_err(c, &be, r, e, "systemd: Subscribe");
                conn_close(c);
                return r;
        }
        char *ver = NULL;
        if (c->dl->sd_bus_get_property_string(c->bus, SD_DEST, SD_PATH, SD_MANAGER, "Version", &be,
                                              &ver) >= 0) {
                c->version = parse_version(ver);
                free(ver);
        } else {
                log_debug("systemd: no Version property: %s", be.message ? be.message : "?");
                c->dl->sd_bus_error_free(&be);
        }
        return 0;
}

static int append_props(const struct sd_conn *c, sd_bus_message *m, const struct rt_sd_props *p)
{
        const struct sdbus_dl *dl = c->dl;
        int r = dl->sd_bus_message_open_container(m, 'a', "(sv)");
        for (size_t i = 0; r >= 0 && i < p->n; i++) {
                const struct rt_sd_prop *x = &p->v[i];
                if ((r = dl->sd_bus_message_open_container(m, 'r', "sv")) < 0 ||
                    (r = dl->sd_bus_message_append(m, "s", x->name)) < 0 ||
                    (r = dl->sd_bus_message_open_container(m, 'v', x->sig)) < 0)
                        break;
                if (STREQ(x->sig, "t")) {
                        r = dl->sd_bus_message_append(m, "t", x->u);
                } else if (STREQ(x->sig, "b")) {
                        r = dl->sd_bus_message_append(m, "b", (int)x->u);
                } else if (STREQ(x->sig, "s")) {
                        r = dl->sd_bus_message_append(m, "s", x->s);
                } else if (STREQ(x->sig, "au")) {
                        r = dl->sd_bus_message_append_array(m, 'u', x->au, x->n * sizeof(uint32_t));
                } else if (STREQ(x->sig, "ay")) {
                        r = dl->sd_bus_message_append_array(m, 'y', x->ay, x->n);
                } else if (STREQ(x->sig, "as") || STREQ(x->sig, "a(ss)")) {
                        bool pairs = x->sig[1] == '(';
                        r = dl->sd_bus_message_open_container(m, 'a', x->sig + 1);
                        for (char **s = x->strv; r >= 0 && s && *s; s += pairs ? 2 : 1)
                                r = pairs ? dl->sd_bus_message_append(m, "(ss)", s[0], s[1])
                                          : dl->sd_bus_message_append(m, "s", s[0]);
                        if (r >= 0)
                                r = dl->sd_bus_message_close_container(m);
                } else {
                        r = -EINVAL;
                }
                if (r < 0 || (r = dl->sd_bus_message_close_container(m)) < 0)
                        break;
                r = dl->sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = dl->sd_bus_message_close_container(m);
        return r;
}

/* Wait for the JobRemoved of job; its result must be "done". */
static int wait_job(struct sd_conn *c, const char *job, const char *what, struct err *e)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t start = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
        for (;;) {
                for (size_t i = 0; i + 1 < c->n_removed; i += 2) {
                        if (!STREQ(c->removed[i], job))
                                continue;
                        if (!STREQ(c->removed[i + 1], "done"))
                                return err_set(e, EIO, "%s: systemd's job ended '%s'", what,
                                               c->removed[i + 1]);
                        return 0;
                }
                int r = c->dl->sd_bus_process(c->bus, NULL);
                if (r < 0)
                        return err_errnum(e, -r, "%s: D-Bus", what);
                if (r > 0)
                        continue;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                uint64_t now = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
                if (now - start >= SD_JOB_TIMEOUT_US)
                        return err_set(e, ETIMEDOUT, "%s: timed out waiting for systemd", what);
                r = c->dl->sd_bus_wait(c->bus, SD_JOB_TIMEOUT_US - (now - start));
                if (r < 0)
                        return err_errnum(e, -r, "%s: D-Bus", what);
        }
}

/* Call a Manager method whose reply is a job path, and wait for the job.
 * props: StartTransientUnit's; NULL for StopUnit. */
static int call_job(struct sd_conn *c, const char *method, const char *unit,
                    const struct rt_sd_props *props, const char *what, sd_bus_error *be,
                    struct err *e)
{
        const struct sdbus_dl *dl = c->dl;
        sd_bus_message *m = NULL, *reply = NULL;
        int r = dl->sd_bus_message_new_method_call(c->bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
                                                   method);
        if (r >= 0)
                r = dl->sd_bus_message_append(m, "ss", unit, props ? "fail" : "replace");
        if (r >= 0 && props) {
                if ((r = append_props(c, m, props)) >= 0 &&
                    (r = dl->sd_bus_message_open_container(m, 'a', "(sa(sv))")) >= 0)
                        r = dl->sd_bus_message_close_container(m);
        }
        if (r < 0) {
                dl->sd_bus_message_unref(m);
                return err_errnum(e, -r, "%s: building the D-Bus message", what);
        }
        r = dl->sd_bus_call(c->bus, m, SD_JOB_TIMEOUT_US, be, &reply);
        dl->sd_bus_message_unref(m);
        if (r < 0)
                return r; /* the caller looks at be */
        const char *job = NULL;
        r = dl->sd_bus_message_read(reply, "o", &job);
        _cleanup_free_ char *jobc = r >= 0 ? xstrdup(job) : NULL;
        dl->sd_bus_message_unref(reply);
        if (r < 0)
                return err_errnum(e, -r, "%s: reading systemd's reply", what);
        return wait_job(c, jobc, what, e) < 0 ? -EIO : 0;
}

/* Allocates: the unit's ControlGroup. */
static int unit_cgroup(struct sd_conn *c, const char *unit, char **ret, struct err *e)
{
        const struct sdbus_dl *dl = c->dl;
        sd_bus_error be = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r = dl->sd_bus_call_method(c->bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &be, &reply,
                                       "s", unit);
        if (r < 0)
                return bus_err(c, &be, r, e, "systemd: GetUnit");
        const char *path = NULL;
        r = dl->sd_bus_message_read(reply, "o", &path);
        _cleanup_free_ char *obj = r >= 0 ? xstrdup(path) : NULL;
        dl->sd_bus_message_unref(reply);
        if (r < 0)
                return err_errnum(e, -r, "systemd: GetUnit: reading the reply");
        char *cg = NULL;
        r = dl->sd_bus_get_property_string(c->bus, SD_DEST, obj, "org.freedesktop.systemd1.Scope",
                                           "ControlGroup", &be, &cg);
        if (r < 0)
                return bus_err(c, &be, r, e, "systemd: the ControlGroup of the unit");
        if (cg[0] != '/' || strstr(cg, "/../") || str_has_suffix(cg, "/..") || strlen(cg) > 4096) {
                _cleanup_free_ char *q = rt_quote(cg);
                free(cg);
                return err_set(e, EINVAL, "systemd gave the unit the cgroup '%s'", q);
        }
        *ret = cg;
        return 0;
}

static char *read_proc_devices(void)
{
        char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, "/proc/devices", 1 << 16, &buf, &len, NULL) < 0)
                return NULL;
        return buf;
}

int rt_cg_sd_start(struct rt_cg_systemd *sd, enum cgroup_mode mode, pid_t pid, char **ret_cgroup,
                   struct err *e)
{
        bool v2 = mode == CGROUP_UNIFIED;
        struct sd_conn c = {0};
        _cleanup_free_ char *what = xasprintf("creating the systemd unit '%s'", sd->unit);
        int r = conn_open(&c, sd->user, e);
        if (r < 0)
                return r;
        struct rt_sd_props p = {0};
        rt_cg_sd_unit_props(sd, v2, pid, &p);
        _cleanup_free_ char *devs = sd->res && sd->res->n_devices ? read_proc_devices() : NULL;
        if (sd->res && (r = rt_cg_sd_resource_props(sd->res, v2, c.version, devs, &p, e)) < 0)
                goto out;
        for (int tries = 0;; tries++) {
                sd_bus_error be = SD_BUS_ERROR_NULL;
                r = call_job(&c, "StartTransientUnit", sd->unit, &p, what, &be, e);
                if (r >= 0 || !be.name) {
                        c.dl->sd_bus_error_free(&be);
                        break;
                }
                /* A failed unit of that name stays until reset: reset it, once. */
                if (tries == 0 &&
                    c.dl->sd_bus_error_has_name(&be, "org.freedesktop.systemd1.UnitExists")) {
                        c.dl->sd_bus_error_free(&be);
                        (void)c.dl->sd_bus_call_method(c.bus, SD_DEST, SD_PATH, SD_MANAGER,
                                                       "ResetFailedUnit", NULL, NULL, "s",
                                                       sd->unit);
                        continue;
                }
                r = bus_err(&c, &be, r, e, what);
                break;
        }
        if (r < 0)
                goto out;
        sd->started = true;
        r = unit_cgroup(&c, sd->unit, ret_cgroup, e);
out:
        rt_sd_props_done(&p);
        conn_close(&c);
        return r;
}

int rt_cg_sd_update(const struct rt_cg_systemd *sd, enum cgroup_mode mode,
                    const struct rt_resources *r, struct err *e)
{
        if (!sd->started)
                return 0;
        struct sd_conn c = {0};
        int ret = conn_open(&c, sd->user, e);
        if (ret < 0)
                return ret;
        struct rt_sd_props p = {0};
        _cleanup_free_ char *devs = r->n_devices ? read_proc_devices() : NULL;
        ret = rt_cg_sd_resource_props(r, mode == CGROUP_UNIFIED, c.version, devs, &p, e);
        if (ret >= 0 && p.n) {
                const struct sdbus_dl *dl = c.dl;
                sd_bus_message *m = NULL, *reply = NULL;
                sd_bus_error be = SD_BUS_ERROR_NULL;
                ret = dl->sd_bus_message_new_method_call(c.bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
                                                         "SetUnitProperties");
                if (ret >= 0)
                        ret = dl->sd_bus_message_append(m, "sb", sd->unit, 1);
                if (ret >= 0)
                        ret = append_props(&c, m, &p);
                if (ret >= 0)
                        ret = dl->sd_bus_call(c.bus, m, SD_JOB_TIMEOUT_US, &be, &reply);
                dl->sd_bus_message_unref(m);
                dl->sd_bus_message_unref(reply);
                if (ret < 0)
                        ret = bus_err(&c, &be, ret, e, "systemd: SetUnitProperties");
        }
        rt_sd_props_done(&p);
        conn_close(&c);
        return ret;
}

int rt_cg_sd_stop(const struct rt_cg_systemd *sd, struct err *e)
{
        if (!sd->started)
                return 0;
        struct sd_conn c = {0};
        int r = conn_open(&c, sd->user, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *what = xasprintf("stopping the systemd unit '%s'", sd->unit);
        sd_bus_error be = SD_BUS_ERROR_NULL;
        r = call_job(&c, "StopUnit", sd->unit, NULL, what, &be, e);
        if (r < 0 && be.name) {
                if (c.dl->sd_bus_error_has_name(&be, "org.freedesktop.systemd1.NoSuchUnit")) {
                        c.dl->sd_bus_error_free(&be);
                        r = 0;
                } else {
                        r = bus_err(&c, &be, r, e, what);
                }
        }
        c.dl->sd_bus_error_free(&be);
        /* A failed unit stays listed until reset. */
        (void)c.dl->sd_bus_call_method(c.bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", NULL,
                                       NULL, "s", sd->unit);
        conn_close(&c);
        return r;
}

/* ------------------------------------------------------------------------
 * Planning and state
 * ------------------------------------------------------------------------ */

int rt_cg_sd_plan(const struct rt_cg_host *h, const struct rt_cgroup_opts *o,
                  struct rt_cg_systemd **ret, char **ret_path, struct err *e)
{
        const char *test_bus = getenv(RT_SD_TEST_BUS_ENV);
        if (!(test_bus && *test_bus) && !fs_exists(h->systemd_dir))
                return err_set(e, ENOTSUP,
                               "the systemd cgroup manager needs systemd "
                               "running (no D-Bus system bus found)");
        if (h->rootless && h->mode != CGROUP_UNIFIED)
                return err_set(e, ENOTSUP,
                               "the systemd cgroup manager needs cgroup v2 for rootless "
                               "containers (this host has %s cgroups)",
                               cgroup_mode_to_string(h->mode));
        struct rt_cg_systemd *sd = xcalloc(1, sizeof(*sd));
        int r = rt_cg_sd_parse_path(o->cgroups_path, o->id, h->rootless, &sd->slice, &sd->unit,
                                    &sd->name, e);
        _cleanup_free_ char *expanded = NULL;
        if (r >= 0)
                r = rt_cg_sd_expand_slice(sd->slice, &expanded, e);
        if (r < 0) {
                rt_cg_sd_free(sd);
                return r;
        }
        sd->user = h->rootless;
        sd->res = o->resources;
        *ret_path = xasprintf("%s/%s", STREQ(expanded, "/") ? "" : expanded, sd->unit);
        *ret = sd;
        return 0;
}

struct json *rt_cg_sd_to_json(const struct rt_cg_systemd *sd)
{
        struct json *j = json_new_object();
        json_object_set_string(j, "unit", sd->unit);
        json_object_set_string(j, "slice", sd->slice);
        json_object_set_string(j, "name", sd->name);
        json_object_set_bool(j, "user", sd->user);
        json_object_set_bool(j, "started", sd->started);
        return j;
}

int rt_cg_sd_from_json(const struct json *j, struct rt_cg_systemd **ret, struct err *e)
{
        const char *w = "cgroup.systemd";
        if (!j || j->type != JSON_OBJECT)
                return err_set(e, EINVAL, "%s: expected an object", w);
        struct rt_cg_systemd *sd = xcalloc(1, sizeof(*sd));
        int r;
        if ((r = rt_json_string(j, w, "unit", true, &sd->unit, e)) < 0 ||
            (r = rt_json_string(j, w, "slice", true, &sd->slice, e)) < 0 ||
            (r = rt_json_string(j, w, "name", true, &sd->name, e)) < 0 ||
            (r = rt_json_bool(j, w, "user", &sd->user, e)) < 0 ||
            (r = rt_json_bool(j, w, "started", &sd->started, e)) < 0)
                goto fail;
        /* Later commands stop this unit: it must be a scope name, nothing else. */
        if (!str_has_suffix(sd->unit, ".scope") || strlen(sd->unit) > SD_UNIT_NAME_MAX ||
            !unit_chars_ok(sd->unit) || !unit_chars_ok(sd->slice)) {
                r = err_set(e, EINVAL, "%s: not a scope unit name", w);
                goto fail;
        }
        *ret = sd;
        return 0;
fail:
        rt_cg_sd_free(sd);
        return r;
}

void rt_cg_sd_free(struct rt_cg_systemd *sd)
{
        if (!sd)
                return;
        free(sd->unit);
        free(sd->slice);
        free(sd->name);
        free(sd);
}

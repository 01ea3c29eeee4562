/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup-systemd.h: the systemd cgroup manager (cgroup-systemd.c), which
 * cgroup.c calls when --systemd-cgroup is given. systemd only decides where
 * the container's cgroup is and makes it (a transient scope unit asked for
 * over D-Bus, the init moved in by systemd); everything else goes through
 * cgroupfs exactly as with the cgroupfs manager.
 *
 * The property builders are separate from the bus so that tests check the
 * exact properties without a bus.
 */
#pragma once

#include "cgroup-internal.h"

/* Test only: a D-Bus address to use instead of the system or user bus; it
 * also skips the check that systemd runs (/run/systemd/system). The tests
 * point it at a private dbus-daemon with a fake systemd manager. */
#define RT_SD_TEST_BUS_ENV "BERTH_RUNTIME_SYSTEMD_BUS"

/* One unit property: its D-Bus signature and value. */
struct rt_sd_prop {
        char *name;
        char *sig;    /* "t", "b", "s", "as", "au", "ay" or "a(ss)" */
        uint64_t u;   /* t; b as 0/1 */
        char *s;      /* s */
        char **strv;  /* as; a(ss) as flat pairs (path, access, ...) */
        uint32_t *au; /* au */
        uint8_t *ay;  /* ay */
        size_t n;     /* items of au or ay */
};

struct rt_sd_props {
        struct rt_sd_prop *v;
        size_t n, cap;
};

void rt_sd_props_done(struct rt_sd_props *p);
/* The property called name, or NULL. */
const struct rt_sd_prop *rt_sd_props_find(const struct rt_sd_props *p, const char *name);

/* A container's scope unit. */
struct rt_cg_systemd {
        char *unit;  /* "libpod-<id>.scope" */
        char *slice; /* "machine.slice" */
        char *name;  /* the container's name in the unit's description */
        bool user;   /* the user's service manager (rootless), not the system's */
        bool started;
        /* Between create and the first enter: what to ask systemd for. Not
         * saved; the caller's spec outlives both. */
        const struct rt_resources *res;
};

/* Allocates: slice, unit and name of linux.cgroupsPath "slice:prefix:name"
 * (NULL: all defaults); empty parts get defaults: system.slice (user.slice
 * when rootless), prefix "berth", the container id. */
int rt_cg_sd_parse_path(const char *cgroups_path, const char *id, bool rootless, char **ret_slice,
                        char **ret_unit, char **ret_name, struct err *e);
/* Allocates: the cgroup path of a slice: "a-b.slice" -> "/a.slice/a-b.slice",
 * "-.slice" -> "/". */
int rt_cg_sd_expand_slice(const char *slice, char **ret, struct err *e);
/* Allocates: a cpuset list ("0-3,8") as systemd's CPU bitmask bytes (bit j
 * of byte i is CPU 8i+j). */
int rt_cg_sd_cpuset_bits(const char *list, const char *field, uint8_t **ret, size_t *ret_n,
                         struct err *e);
/* Append the resource properties of r for a systemd of version (0: unknown,
 * taken as recent) on cgroup v2 or v1; proc_devices is /proc/devices' text
 * (for "char-<name>" device rules). */
int rt_cg_sd_resource_props(const struct rt_resources *r, bool v2, unsigned version,
                            const char *proc_devices, struct rt_sd_props *p, struct err *e);
/* Append the unit's own properties for StartTransientUnit (description,
 * slice, the pid, delegation, accounting, dependencies). */
void rt_cg_sd_unit_props(const struct rt_cg_systemd *sd, bool v2, pid_t pid, struct rt_sd_props *p);

/* Check that systemd can be asked (it runs, or the test bus is set) and
 * plan the unit. Allocates *ret and *ret_path: where systemd will put the
 * unit's cgroup, from each hierarchy's root (corrected at start). */
int rt_cg_sd_plan(const struct rt_cg_host *h, const struct rt_cgroup_opts *o,
                  struct rt_cg_systemd **ret, char **ret_path, struct err *e);
/* Ask systemd for the scope with pid in it and wait for the job; allocates
 * *ret_cgroup: the unit's ControlGroup as systemd reports it. */
int rt_cg_sd_start(struct rt_cg_systemd *sd, enum cgroup_mode mode, pid_t pid, char **ret_cgroup,
                   struct err *e);
/* SetUnitProperties with r's resource properties (update). */
int rt_cg_sd_update(const struct rt_cg_systemd *sd, enum cgroup_mode mode,
                    const struct rt_resources *r, struct err *e);
/* StopUnit and wait for the job; a unit that is gone already is fine. */
int rt_cg_sd_stop(const struct rt_cg_systemd *sd, struct err *e);
struct json *rt_cg_sd_to_json(const struct rt_cg_systemd *sd);
int rt_cg_sd_from_json(const struct json *j, struct rt_cg_systemd **ret, struct err *e);
void rt_cg_sd_free(struct rt_cg_systemd *sd);

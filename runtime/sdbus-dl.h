/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libsystemd's sd-bus, loaded with dlopen on first use. berth-runtime talks
 * to systemd only with --systemd-cgroup, and must run where libsystemd is
 * not installed (containers, minimal hosts), so it does not link it. The
 * table's members have the types of the real functions (from
 * <systemd/sd-bus.h>), so calls through it are checked by the compiler.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "base.h"

#define SDBUS_DL_FUNCS(X)                                                                          \
        X(sd_bus_new)                                                                              \
        X(sd_bus_set_address)                                                                      \
        X(sd_bus_set_bus_client)                                                                   \
        X(sd_bus_start)                                                                            \
        X(sd_bus_open_system)                                                                      \
        X(sd_bus_open_user)                                                                        \
        X(sd_bus_flush_close_unref)                                                                \
        X(sd_bus_add_match)                                                                        \
        X(sd_bus_slot_unref)                                                                       \
        X(sd_bus_process)                                                                          \
        X(sd_bus_wait)                                                                             \
        X(sd_bus_call)                                                                             \
        X(sd_bus_call_method)                                                                      \
        X(sd_bus_get_property_string)                                                              \
        X(sd_bus_message_new_method_call)                                                          \
        X(sd_bus_message_append)                                                                   \
        X(sd_bus_message_append_array)                                                             \
        X(sd_bus_message_open_container)                                                           \
        X(sd_bus_message_close_container)                                                          \
        X(sd_bus_message_read)                                                                     \
        X(sd_bus_message_unref)                                                                    \
        X(sd_bus_error_free)                                                                       \
        X(sd_bus_error_has_name)

#define SDBUS_DL_MEMBER(name) __typeof__(name) *name;
struct sdbus_dl {
        SDBUS_DL_FUNCS(SDBUS_DL_MEMBER)
};
#undef SDBUS_DL_MEMBER

/* The loaded table, or an error that says libsystemd could not be loaded
 * and which package provides it. */
int sdbus_dl_get(const struct sdbus_dl **ret, struct err *e);

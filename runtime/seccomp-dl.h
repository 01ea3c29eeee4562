/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libseccomp, loaded with dlopen on first use. It is needed only to turn a
 * profile's syscall names into numbers and to compile the filter, both in
 * the runtime's parent; the container's init loads the program with
 * seccomp(2). Not linking it keeps it out of every `berth` start and out
 * of the re-executed monitor that waits for a container's whole life (its
 * private memory is a target, bench/README.md). The table's members have
 * the types of the real functions (from <seccomp.h>).
 */
#pragma once

#include <seccomp.h>

#include "base.h"

#define SECCOMP_DL_FUNCS(X)                                                                        \
        X(seccomp_api_get)                                                                         \
        X(seccomp_arch_add)                                                                        \
        X(seccomp_attr_set)                                                                        \
        X(seccomp_export_bpf)                                                                      \
        X(seccomp_init)                                                                            \
        X(seccomp_release)                                                                         \
        X(seccomp_rule_add_array)                                                                  \
        X(seccomp_syscall_resolve_name)                                                            \
        X(seccomp_version)

#define SECCOMP_DL_MEMBER(name) __typeof__(name) *name;
struct seccomp_dl {
        SECCOMP_DL_FUNCS(SECCOMP_DL_MEMBER)
};
#undef SECCOMP_DL_MEMBER

/* The loaded table, or an error that says libseccomp could not be loaded
 * and which package provides it. */
int seccomp_dl_get(const struct seccomp_dl **ret, struct err *e);

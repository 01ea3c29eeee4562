/* SPDX-License-Identifier: Apache-2.0 */
/* Loading libseccomp on first use (see seccomp-dl.h for why). */
#include <errno.h>
#include <pthread.h>

#include "seccomp-dl.h"

DL_DEFINE_GETTER(seccomp_dl_get, seccomp_dl, SECCOMP_DL_FUNCS, "libseccomp", "libseccomp.so.2", "libseccomp2", "2.5")

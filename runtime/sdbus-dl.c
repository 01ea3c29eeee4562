/* SPDX-License-Identifier: Apache-2.0 */
/* Loading libsystemd's sd-bus on first use (see sdbus-dl.h for why). */
#include <errno.h>
#include <pthread.h>

#include "sdbus-dl.h"

DL_DEFINE_GETTER(sdbus_dl_get, sdbus_dl, SDBUS_DL_FUNCS, "libsystemd", "libsystemd.so.0", "libsystemd0", "246")

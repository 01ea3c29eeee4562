/* SPDX-License-Identifier: Apache-2.0 */
/* Loading libarchive on first use (see archive-dl.h for why). */
#include <errno.h>
#include <pthread.h>

#include "archive-dl.h"

DL_DEFINE_GETTER(archive_dl_get, archive_dl, ARCHIVE_DL_FUNCS, "libarchive", "libarchive.so.13", "libarchive13", "3.6")

/* SPDX-License-Identifier: Apache-2.0 */
/* Loading libsystemd's sd-bus on first use (see sdbus-dl.h for why). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "sdbus-dl.h"

#define SDBUS_DL_SONAME "libsystemd.so.0"

/* Written once under pthread_once, then only read: the loaded table or the
 * reason it could not be loaded. */
static struct sdbus_dl dl_table;
static char dl_error[512];
static bool dl_ok;
static pthread_once_t dl_once = PTHREAD_ONCE_INIT;

static void dl_load(void)
{
        /* RTLD_LOCAL: nothing else in the process may bind to libsystemd's
         * symbols; the handle is kept for the process's life. */
        void *h = dlopen(SDBUS_DL_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                const char *why = dlerror();
                snprintf(dl_error, sizeof(dl_error),
                         "loading libsystemd ('%s'): %s (install the libsystemd0 package)",
                         SDBUS_DL_SONAME, why ? why : "unknown error");
                return;
        }
#define SDBUS_DL_LOAD(name)                                                                        \
        do {                                                                                       \
                void *sym = dlsym(h, #name);                                                       \
                if (!sym) {                                                                        \
                        snprintf(dl_error, sizeof(dl_error),                                       \
                                 "loading libsystemd ('%s'): symbol '%s' not found (libsystemd "   \
                                 "older than 246?)",                                               \
                                 SDBUS_DL_SONAME, #name);                                          \
                        return;                                                                    \
                }                                                                                  \
                memcpy(&dl_table.name, &sym, sizeof(sym));                                         \
        } while (0);
        SDBUS_DL_FUNCS(SDBUS_DL_LOAD)
#undef SDBUS_DL_LOAD
        dl_ok = true;
}

int sdbus_dl_get(const struct sdbus_dl **ret, struct err *e)
{
        pthread_once(&dl_once, dl_load);
        if (!dl_ok)
                return err_set(e, ENOPKG, "%s", dl_error);
        *ret = &dl_table;
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared libraries loaded on first use: berth's programs link only what
 * every run needs (the loader's relocations and the mapped pages of a
 * library cost each start and each monitor's memory), and a library needed
 * by one command is opened by that command. Each user keeps a table of
 * function pointers with the real prototypes (storage/archive-dl.h,
 * runtime/sdbus-dl.h, runtime/seccomp-dl.h) and fills it with this.
 */
#include <dlfcn.h>
#include <string.h>

#include "base.h"

bool dl_load_table(const struct dl_lib *lib, void *table, char *errbuf, size_t errlen)
{
        /* RTLD_LOCAL: the library's symbols must not interpose on anything
         * else in the process; the handle is kept for the process's life. */
        void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                const char *why = dlerror();
                snprintf(errbuf, errlen, "loading %s ('%s'): %s (install the %s package)",
                         lib->name, lib->soname, why ? why : "unknown error", lib->package);
                return false;
        }
        for (size_t i = 0; i < lib->n_symbols; i++) {
                void *sym = dlsym(h, lib->symbols[i]);
                if (!sym) {
                        snprintf(errbuf, errlen,
                                 "loading %s ('%s'): symbol '%s' not found (%s older than %s?)",
                                 lib->name, lib->soname, lib->symbols[i], lib->name,
                                 lib->min_version);
                        return false;
                }
                memcpy((char *)table + i * sizeof(sym), &sym, sizeof(sym));
        }
        return true;
}

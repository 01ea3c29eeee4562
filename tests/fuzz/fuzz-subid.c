/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: /etc/subuid lines and uid_map content are read from
 * files other users or tools may write. */
#include <stdint.h>
#include <string.h>

#include "base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct id_range *ranges = NULL;
        size_t n = 0;
        /* a name, a numeric id, and both: every matching path runs */
        if (subid_parse((const char *)data, size, "alice", 1000, &ranges, &n) == 0)
                free(ranges);
        if (subid_parse((const char *)data, size, NULL, 0, &ranges, &n) == 0)
                free(ranges);
        if (subid_parse((const char *)data, size, "0", (uid_t)-1, &ranges, &n) == 0)
                free(ranges);

        /* idmap_parse takes a C string: stop at the first NUL as a reader of
         * /proc would */
        char *s = xmalloc(size + 1);
        memcpy(s, data, size);
        s[size] = '\0';
        struct err e = {0};
        struct id_map *maps = NULL;
        if (idmap_parse(s, &maps, &n, &e) == 0) {
                for (size_t i = 0; i < n; i++)
                        if (maps[i].size == 0)
                                __builtin_trap();
                free(maps);
        }
        err_done(&e);
        free(s);
        return 0;
}

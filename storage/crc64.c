/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CRC-64/ISO, the checksum tar-split stores for every file (Go's hash/crc64
 * with the ISO table: reflected polynomial 0xD800000000000000, init and
 * final XOR all ones). Slicing-by-8, because every byte of every layer goes
 * through it twice (apply and reassembly).
 */
#include <pthread.h>
#include <string.h>

#include "layer-apply.h"

#define CRC64_ISO_POLY 0xD800000000000000ULL

/* Computed once; read-only afterwards, so threads may share it. */
static uint64_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_tab_init(void)
{
        for (unsigned i = 0; i < 256; i++) {
                uint64_t c = i;
                for (int k = 0; k < 8; k++)
                        c = (c & 1) ? (c >> 1) ^ CRC64_ISO_POLY : c >> 1;
                crc_tab[0][i] = c;
        }
        for (unsigned i = 0; i < 256; i++) {
                uint64_t c = crc_tab[0][i];
                for (int t = 1; t < 8; t++) {
                        c = crc_tab[0][c & 0xff] ^ (c >> 8);
                        crc_tab[t][i] = c;
                }
        }
}

uint64_t crc64_iso_update(uint64_t crc, const void *buf, size_t len)
{
        const unsigned char *p = buf;

        pthread_once(&crc_once, crc_tab_init);
        crc = ~crc;
        while (len >= 8) {
                uint64_t v;
                memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
                v = __builtin_bswap64(v);
#endif
                crc ^= v;
                crc = crc_tab[7][crc & 0xff] ^ crc_tab[6][(crc >> 8) & 0xff] ^
                      crc_tab[5][(crc >> 16) & 0xff] ^ crc_tab[4][(crc >> 24) & 0xff] ^
                      crc_tab[3][(crc >> 32) & 0xff] ^ crc_tab[2][(crc >> 40) & 0xff] ^
                      crc_tab[1][(crc >> 48) & 0xff] ^ crc_tab[0][crc >> 56];
                p += 8;
                len -= 8;
        }
        while (len--)
                crc = crc_tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        return ~crc;
}

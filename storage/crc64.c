/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CRC-64/ISO, the checksum tar-split stores for every file (Go's hash/crc64
 * with the ISO table: reflected polynomial 0xD800000000000000, init and
 * final XOR all ones). Slicing-by-16, because every byte of every layer goes
 * through it twice (apply and reassembly).
 */
#include <pthread.h>
#include <string.h>

#include "layer-apply.h"

#define CRC64_ISO_POLY 0xD800000000000000ULL

/* Computed once; read-only afterwards, so threads may share it.
 * crc_tab[0] is the bytewise table; crc_tab[k][i] is the CRC of byte i
 * followed by k zero bytes, so 16 bytes fold in with 16 independent
 * lookups per step (slicing-by-16). */
static uint64_t crc_tab[16][256];
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
                for (int t = 1; t < 16; t++) {
                        c = crc_tab[0][c & 0xff] ^ (c >> 8);
                        crc_tab[t][i] = c;
                }
        }
}

static inline uint64_t load_le64(const unsigned char *p)
{
        uint64_t v;
        memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = __builtin_bswap64(v);
#endif
        return v;
}

uint64_t crc64_iso_update(uint64_t crc, const void *buf, size_t len)
{
        const unsigned char *p = buf;

        pthread_once(&crc_once, crc_tab_init);
        crc = ~crc;
        while (len >= 16) {
                uint64_t a = load_le64(p) ^ crc, b = load_le64(p + 8);
                crc = crc_tab[15][a & 0xff] ^ crc_tab[14][(a >> 8) & 0xff] ^
                      crc_tab[13][(a >> 16) & 0xff] ^ crc_tab[12][(a >> 24) & 0xff] ^
                      crc_tab[11][(a >> 32) & 0xff] ^ crc_tab[10][(a >> 40) & 0xff] ^
                      crc_tab[9][(a >> 48) & 0xff] ^ crc_tab[8][a >> 56] ^
                      crc_tab[7][b & 0xff] ^ crc_tab[6][(b >> 8) & 0xff] ^
                      crc_tab[5][(b >> 16) & 0xff] ^ crc_tab[4][(b >> 24) & 0xff] ^
                      crc_tab[3][(b >> 32) & 0xff] ^ crc_tab[2][(b >> 40) & 0xff] ^
                      crc_tab[1][(b >> 48) & 0xff] ^ crc_tab[0][b >> 56];
                p += 16;
                len -= 16;
        }
        while (len--)
                crc = crc_tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        return ~crc;
}

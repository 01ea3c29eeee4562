/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctr-logs.h: private to the container log reader (ctr-logs.c, the parser,
 * tail and line splitting; ctr-logs-follow.c, rotation, follow and output)
 * and to its unit tests. The public part is the "logs" section of engine.h.
 */
#pragma once

#include <sys/types.h>

#include "engine.h"

/* ctr.log.N with N above this are not looked for. */
#define CTR_LOG_MAX_ROTATED 128

/* Splits one log file into lines, reading forward from an offset with
 * pread (so a file that shrinks can be restarted). Lines longer than
 * CTR_LOG_LINE_MAX are discarded whole and counted in skipped. */
struct ctr_log_lines {
        int fd;
        off_t off; /* file offset of the next byte to read */
        char *buf;
        size_t start, len, cap; /* unconsumed bytes: buf[start, start + len) */
        bool overlong;          /* discarding the rest of an over-long line */
        uint64_t skipped;
};

/* Start splitting fd (not owned) at offset off. */
void ctr_log_lines_init(struct ctr_log_lines *l, int fd, off_t off);
/* Release the buffer (not the fd). */
void ctr_log_lines_done(struct ctr_log_lines *l);
/* Restart at offset 0 (the file was truncated), dropping what is buffered. */
void ctr_log_lines_reset(struct ctr_log_lines *l);
/* The next complete line (without its newline) in *ret, valid until the
 * next call: returns 1, or 0 when no complete line is left for now. */
int ctr_log_lines_next(struct ctr_log_lines *l, const char **ret, size_t *ret_len, struct err *e);
/* Take the bytes after the last newline (a last line whose writer stopped
 * midway, or that is still being written); returns false if there are none.
 * Valid until the next call on l. */
bool ctr_log_lines_rest(struct ctr_log_lines *l, const char **ret, size_t *ret_len);

/* Where reading must start so that the last `tail` lines of the files
 * (oldest first; all of them are read backwards from their ends, newest
 * first, only as far as needed) are printed: the index of the file and the
 * offset in it. A line is a full (F) record with the partial records before
 * it; a partial record at the very end counts as a line of its own, as
 * podman counts them. Malformed lines are skipped and counted. */
int ctr_log_tail_start(const int *fds, size_t n, enum ctr_log_format fmt, int64_t tail,
                       size_t *ret_idx, off_t *ret_off, uint64_t *skipped, struct err *e);

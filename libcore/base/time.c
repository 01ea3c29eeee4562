/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 3339 times as containers/storage and the OCI specs write them. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "base.h"

static int digits(const char **p, int n, int *ret)
{
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (!isdigit((unsigned char)(*p)[i]))
                        return -EINVAL;
                v = v * 10 + ((*p)[i] - '0');
        }
        *p += n;
        *ret = v;
        return 0;
}

int time_parse_rfc3339(const char *s, int64_t *ret_sec, int32_t *ret_nsec)
{
        const char *p = s;
        int y, mo, d, h, mi, se;
        if (!s || digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0 ||
            *p++ != '-' || digits(&p, 2, &d) < 0 || (*p != 'T' && *p != 't' && *p != ' '))
                return -EINVAL;
        p++;
        if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0 || *p++ != ':' ||
            digits(&p, 2, &se) < 0)
                return -EINVAL;
        int32_t nsec = 0;
        if (*p == '.') {
                p++;
                int n = 0;
                while (isdigit((unsigned char)*p)) {
                        if (n < 9) {
                                nsec = nsec * 10 + (*p - '0');
                                n++;
                        }
                        p++;
                }
                if (n == 0)
                        return -EINVAL;
                while (n++ < 9)
                        nsec *= 10;
        }
        int64_t offset = 0;
        if (*p == 'Z' || *p == 'z') {
                p++;
        } else if (*p == '+' || *p == '-') {
                int sign = *p++ == '-' ? -1 : 1, oh, om;
                if (digits(&p, 2, &oh) < 0 || *p++ != ':' || digits(&p, 2, &om) < 0)
                        return -EINVAL;
                offset = sign * (oh * 3600 + om * 60);
        } else {
                return -EINVAL;
        }
        if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
                return -EINVAL;
        struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                        .tm_hour = h, .tm_min = mi, .tm_sec = se};
        *ret_sec = (int64_t)timegm(&tm) - offset;
        if (ret_nsec)
                *ret_nsec = nsec;
        return 0;
}

char *time_format_rfc3339(int64_t sec, int32_t nsec)
{
        time_t t = (time_t)sec;
        struct tm tm;
        gmtime_r(&t, &tm);
        char base[32], frac[16] = "";
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        if (nsec > 0) {
                snprintf(frac, sizeof(frac), ".%09d", (int)nsec);
                size_t n = strlen(frac);
                while (n > 1 && frac[n - 1] == '0')
                        frac[--n] = '\0';
        }
        return xasprintf("%s%sZ", base, frac);
}

void time_now(int64_t *ret_sec, int32_t *ret_nsec)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        *ret_sec = ts.tv_sec;
        if (ret_nsec)
                *ret_nsec = (int32_t)ts.tv_nsec;
}

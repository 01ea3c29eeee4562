/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's /etc/hosts as podman 4.3 writes it for --network none:
 * the --add-host entries, then the host's entries re-written one
 * "IP<TAB>names" per line (comments and lines without a name dropped),
 * localhost for IPv4 and IPv6 when no entry names it,
 * host.containers.internal with the host's address, then the container's
 * own hostname and name on 127.0.0.1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>

#include "ctr-internal.h"

#define HOSTS_WS " \t\r\f\v"

/* True when one of the whitespace-separated names in names is name. */
static bool names_have(const char *names, const char *name)
{
        size_t n = strlen(name);
        for (const char *p = names; *p;) {
                p += strspn(p, " ");
                size_t len = strcspn(p, " ");
                if (len == n && strncmp(p, name, n) == 0)
                        return true;
                p += len;
        }
        return false;
}

int ctr_add_host_check(const char *spec, struct err *e)
{
        const char *colon = strchr(spec, ':');
        /* A name is one word: no blank or control character that would
         * make other lines of the file. */
        bool name_ok = colon && colon > spec;
        for (const char *p = spec; name_ok && p < colon; p++)
                name_ok = (unsigned char)*p > ' ' && *p != 0x7f && *p != '#';
        if (!name_ok)
                return err_set(e, EINVAL, "bad format for add-host: \"%s\"", spec);
        unsigned char addr[sizeof(struct in6_addr)];
        if (inet_pton(AF_INET, colon + 1, addr) != 1 && inet_pton(AF_INET6, colon + 1, addr) != 1)
                return err_set(e, EINVAL, "invalid IP address in add-host: \"%s\"", colon + 1);
        return 0;
}

char *ctr_hosts_build(const char *base, char *const *extra, const char *local_ip,
                      const char *hostname, const char *name)
{
        struct sbuf out = {0};
        sbuf_append(&out, "");
        bool localhost = false, internal = false;
        for (char *const *x = extra; x && *x; x++) {
                const char *colon = strchr(*x, ':');
                if (!colon)
                        continue;
                _cleanup_free_ char *host = xstrndup(*x, (size_t)(colon - *x));
                localhost = localhost || STREQ(host, "localhost");
                internal = internal || STREQ(host, "host.containers.internal");
                sbuf_printf(&out, "%s\t%s\n", colon + 1, host);
        }
        _cleanup_strv_ char **lines = strv_split(base ? base : "", "\n");
        for (char **l = lines; l && *l; l++) {
                char *hash = strchr(*l, '#');
                if (hash)
                        *hash = '\0';
                _cleanup_free_ char *ip = NULL;
                struct sbuf names = {0};
                char *save = NULL;
                for (char *tok = strtok_r(*l, HOSTS_WS, &save); tok;
                     tok = strtok_r(NULL, HOSTS_WS, &save)) {
                        if (!ip) {
                                ip = xstrdup(tok);
                                continue;
                        }
                        if (names.len)
                                sbuf_putc(&names, ' ');
                        sbuf_append(&names, tok);
                }
                if (ip && names.len) {
                        localhost = localhost || names_have(names.buf, "localhost");
                        internal = internal || names_have(names.buf, "host.containers.internal");
                        sbuf_printf(&out, "%s\t%s\n", ip, names.buf);
                }
                sbuf_done(&names);
        }
        if (!localhost)
                sbuf_append(&out, "127.0.0.1\tlocalhost\n::1\tlocalhost\n");
        if (!internal && local_ip && *local_ip)
                sbuf_printf(&out, "%s\thost.containers.internal\n", local_ip);
        sbuf_printf(&out, "127.0.0.1\t%s %s\n", hostname, name);
        return sbuf_steal(&out);
}

/* Go's net.IP.IsGlobalUnicast for an IPv4 address in network order. */
static bool v4_global(const struct in_addr *a)
{
        uint32_t h = ntohl(a->s_addr);
        return h != 0 && h != 0xffffffffu && (h >> 24) != 127 && (h >> 16) != 0xa9fe &&
               (h >> 28) != 0xe;
}

static bool v6_global(const struct in6_addr *a)
{
        return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
               !IN6_IS_ADDR_LINKLOCAL(a) && !IN6_IS_ADDR_MULTICAST(a);
}

char *ctr_host_local_ip(void)
{
        struct ifaddrs *ifs;
        if (getifaddrs(&ifs) < 0)
                return NULL;
        char v4[INET_ADDRSTRLEN] = "", v6[INET6_ADDRSTRLEN] = "";
        for (struct ifaddrs *i = ifs; i && !*v4; i = i->ifa_next) {
                if (!i->ifa_addr)
                        continue;
                if (i->ifa_addr->sa_family == AF_INET) {
                        const struct in_addr *a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
                        if (v4_global(a))
                                inet_ntop(AF_INET, a, v4, sizeof(v4));
                } else if (i->ifa_addr->sa_family == AF_INET6 && !*v6) {
                        const struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
                        if (v6_global(a))
                                inet_ntop(AF_INET6, a, v6, sizeof(v6));
                }
        }
        freeifaddrs(ifs);
        /* podman prefers the first IPv4 address, an IPv6 one only when none. */
        if (*v4)
                return xstrdup(v4);
        return *v6 ? xstrdup(v6) : NULL;
}

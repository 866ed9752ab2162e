/* Listener lookups in front of polled TCP connects; see ready-lookup.h. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/sockios.h>
#include <unistd.h>

#include "macro.h"
#include "ready-lookup.h"
#include "ready.h"
#include "sock-diag.h"

bool ready_safety_net_due(struct ready_safety_net *s)
{
        if (++s->rounds_since < READY_SAFETY_NET_ROUNDS)
                return false;
        s->rounds_since = 0;
        return true;
}

void ready_safety_net_reset(struct ready_safety_net *s)
{
        s->rounds_since = 0;
}

void ready_lookup_init(struct ready_lookup *l)
{
        *l = (struct ready_lookup){ .fd = -1 };
}

void ready_lookup_begin(struct ready_lookup *l)
{
        l->decided = false;
        l->rounds = l->connects = 0;
        ready_safety_net_reset(&l->net);
}

/* A connect there reaches a socket of this namespace over lo: loopback, or unspecified
 * (which connect(2) sends to loopback). */
static bool lookup_local(const struct sockaddr_storage *sa)
{
        if (sa->ss_family == AF_INET) {
                in_addr_t a = ntohl(((const struct sockaddr_in *) sa)->sin_addr.s_addr);
                return a == INADDR_ANY || (a >> 24) == 127;
        }
        if (sa->ss_family == AF_INET6) {
                const struct in6_addr *a = &((const struct sockaddr_in6 *) sa)->sin6_addr;
                return IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a);
        }
        return false;
}

bool ready_lookup_same_netns(const struct ready_owner *owner)
{
        const struct ready_owner *o = owner;
        _cleanup_close_ int fd = -1, ns = -1;
        struct stat here, there;

        while (o->parent && !o->ns)
                o = o->parent;
        if (!o->ns || !*o->ns)
                return true;
        fd = ready_socket_open(owner, AF_INET, SOCK_STREAM);
        if (fd < 0)
                return false;
        ns = ioctl(fd, SIOCGSKNS);
        if (ns < 0 || fstat(ns, &there) < 0 || stat("/proc/thread-self/ns/net", &here) < 0)
                return false;
        return here.st_dev == there.st_dev && here.st_ino == there.st_ino;
}

static int lookup_stop(
        unsigned long inode, const struct sockaddr_storage *ss, uint16_t port, const char *path,
        void *userdata)
{
        return 1;
}

static const char *lookup_setup(
        struct ready_lookup *l, const struct ready_owner *owner, const struct sockaddr_storage *addrs,
        size_t n)
{
        const char *v = getenv("UNITRUN_NO_SOCK_DIAG");
        bool any = false;

        if (v && *v && strcmp(v, "0") != 0)
                return "UNITRUN_NO_SOCK_DIAG=1";
        for (size_t i = 0; i < n; i++)
                if (lookup_local(&addrs[i])) {
                        any = true;
                        /* An exact lookup's "not found" and "no TCP diag in this kernel" are
                         * the same -ENOENT: a dump of the listeners tells them apart. */
                        if (sock_diag_walk(
                                    addrs[i].ss_family, IPPROTO_TCP, 1u << TCP_LISTEN, lookup_stop, NULL) <
                            0)
                                return "the kernel refused sock_diag";
                }
        if (!any)
                return "not a loopback address";
        if (!ready_lookup_same_netns(owner))
                return "the unit's network namespace";
        if (l->fd < 0)
                l->fd = sock_diag_open();
        return l->fd < 0 ? "the kernel refused sock_diag" : NULL;
}

void ready_lookup_round(
        struct ready_lookup *l, const struct ready_owner *owner, const struct sockaddr_storage *addrs,
        size_t n)
{
        if (!l->decided) {
                l->decided = true;
                l->off = lookup_setup(l, owner, addrs, n);
                if (l->off)
                        l->fd = safe_close(l->fd);
        }
        l->rounds++;
        /* Without lookups every round connects, and the safety net's count waits. */
        l->force = l->fd < 0 || ready_safety_net_due(&l->net);
}

bool ready_lookup_wants_connect(struct ready_lookup *l, const struct sockaddr_storage *sa)
{
        int r = 1;

        l->seen = false;
        if (l->fd >= 0 && lookup_local(sa)) {
                struct sockaddr_storage to = *sa;

                /* connect(2) sends an unspecified destination to loopback; so does this. */
                if (to.ss_family == AF_INET && ((struct sockaddr_in *) &to)->sin_addr.s_addr == INADDR_ANY)
                        ((struct sockaddr_in *) &to)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                else if (
                        to.ss_family == AF_INET6 &&
                        IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *) &to)->sin6_addr))
                        ((struct sockaddr_in6 *) &to)->sin6_addr = in6addr_loopback;
                /* Asked in the safety net's rounds too, so the log can say who found it. */
                r = sock_diag_tcp_listening(l->fd, (const struct sockaddr *) &to);
                l->seen = r > 0;
                if (r < 0) {
                        l->fd = safe_close(l->fd);
                        l->off = "the kernel refused sock_diag";
                }
        }
        if (r == 0 && !l->force)
                return false;
        l->connects++;
        return true;
}

void ready_lookup_describe(const struct ready_lookup *l, char *buf, size_t size)
{
        if (l->off)
                snprintf(
                        buf, size, "%u polls, %u connects (sock_diag lookups off: %s)", l->rounds,
                        l->connects, l->off);
        else
                snprintf(
                        buf, size, "%u polls, %u connects (listeners looked up with sock_diag first; %s)",
                        l->rounds, l->connects,
                        l->seen ? "the lookup saw this one" : "found by a safety-net connect");
}

void ready_lookup_done(struct ready_lookup *l)
{
        l->fd = safe_close(l->fd);
}

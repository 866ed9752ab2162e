/* sock_diag_tcp_listening() against live sockets of our own: the kernel's answer for an
 * address with a listener on it, on the wildcard, on a dual-stack or IPV6_V6ONLY [::], on
 * another address of the same port, once closed; and what it says to a bad family. Then
 * sock_diag_lookup()'s batches of TCP and UDP lookups (the Listen=HOST:PORT gate): which
 * socket each finds, by inode, and nothing for a closed, connected or other-protocol one;
 * and a kept socket's dumps (sock_diag_walk_fd()) that stop early leave it clean. */
#include <sys/stat.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cunit-main.h"
#include "sock-diag.h"

/* A listener on host (v4 or v6 literal) at a kernel-chosen port, or at *port if set. */
static int listen_on(const char *host, uint16_t *port, bool v6only)
{
        struct sockaddr_storage ss = { 0 };
        socklen_t len;
        int fd, family = strchr(host, ':') ? AF_INET6 : AF_INET, one = 1;

        if (family == AF_INET) {
                struct sockaddr_in *in = (struct sockaddr_in *) &ss;
                in->sin_family = AF_INET;
                in->sin_port = htons(*port);
                inet_pton(AF_INET, host, &in->sin_addr);
                len = sizeof(*in);
        } else {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(*port);
                inet_pton(AF_INET6, host, &in6->sin6_addr);
                len = sizeof(*in6);
        }
        fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        if (family == AF_INET6)
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ v6only }, sizeof(int));
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *) &ss, len) < 0 || listen(fd, 4) < 0 ||
            getsockname(fd, (struct sockaddr *) &ss, &len) < 0) {
                close(fd);
                return -1;
        }
        *port =
                ntohs(family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
                                        : ((struct sockaddr_in6 *) &ss)->sin6_port);
        return fd;
}

static int ask(int nl, const char *host, uint16_t port)
{
        struct sockaddr_storage ss = { 0 };

        if (strchr(host, ':')) {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(port);
                inet_pton(AF_INET6, host, &in6->sin6_addr);
        } else {
                struct sockaddr_in *in = (struct sockaddr_in *) &ss;
                in->sin_family = AF_INET;
                in->sin_port = htons(port);
                inet_pton(AF_INET, host, &in->sin_addr);
        }
        return sock_diag_tcp_listening(nl, (struct sockaddr *) &ss);
}

static void test_v4(void)
{
        int nl = sock_diag_open(), fd, other;
        uint16_t port = 0;

        CU_ASSERT_FATAL(nl >= 0);
        fd = listen_on("127.0.0.1", &port, false);
        CU_ASSERT_FATAL(fd >= 0);
        CU_ASSERT_EQUAL(ask(nl, "127.0.0.1", port), 1);
        /* The same port at another loopback address is not reached from 127.0.0.2. */
        CU_ASSERT_EQUAL(ask(nl, "127.0.0.2", port), 0);
        close(fd);
        CU_ASSERT_EQUAL(ask(nl, "127.0.0.1", port), 0);

        /* A wildcard listener serves every local address. */
        fd = listen_on("0.0.0.0", &port, false);
        CU_ASSERT_FATAL(fd >= 0);
        CU_ASSERT_EQUAL(ask(nl, "127.0.0.1", port), 1);
        CU_ASSERT_EQUAL(ask(nl, "127.0.0.2", port), 1);
        close(fd);

        /* A listener on 127.0.0.2 only: 127.0.0.1 stays refused. */
        other = listen_on("127.0.0.2", &port, false);
        CU_ASSERT_FATAL(other >= 0);
        CU_ASSERT_EQUAL(ask(nl, "127.0.0.1", port), 0);
        CU_ASSERT_EQUAL(ask(nl, "127.0.0.2", port), 1);
        close(other);
        close(nl);
}

static void test_v6(void)
{
        int nl = sock_diag_open(), fd;
        uint16_t port = 0;

        CU_ASSERT_FATAL(nl >= 0);
        fd = listen_on("::1", &port, true);
        if (fd < 0) {
                close(nl);
                return; /* no IPv6 loopback here: nothing to ask about */
        }
        CU_ASSERT_EQUAL(ask(nl, "::1", port), 1);
        CU_ASSERT_EQUAL(ask(nl, "127.0.0.1", port), 0);
        close(fd);
        CU_ASSERT_EQUAL(ask(nl, "::1", port), 0);

        /* Dual-stack [::] takes IPv4 connects too; with IPV6_V6ONLY it does not. */
        port = 0;
        fd = listen_on("::", &port, false);
        CU_ASSERT_FATAL(fd >= 0);
        CU_ASSERT_EQUAL(ask(nl, "127.0.0.1", port), 1);
        CU_ASSERT_EQUAL(ask(nl, "::1", port), 1);
        close(fd);
        fd = listen_on("::", &port, true);
        CU_ASSERT_FATAL(fd >= 0);
        CU_ASSERT_EQUAL(ask(nl, "127.0.0.1", port), 0);
        CU_ASSERT_EQUAL(ask(nl, "::1", port), 1);
        close(fd);
        close(nl);
}

static void test_bad_family(void)
{
        int nl = sock_diag_open();
        struct sockaddr sa = { .sa_family = AF_UNIX };

        CU_ASSERT_FATAL(nl >= 0);
        CU_ASSERT_EQUAL(sock_diag_tcp_listening(nl, &sa), -EAFNOSUPPORT);
        close(nl);
        /* Not a netlink socket: the error comes back, never a "no". */
        CU_ASSERT(
                sock_diag_tcp_listening(
                        -1, (struct sockaddr *) &(struct sockaddr_in){ .sin_family = AF_INET }) < 0);
}

static unsigned long inode_of(int fd)
{
        struct stat st;

        return fstat(fd, &st) < 0 ? 0 : (unsigned long) st.st_ino;
}

/* A UDP socket bound to host at a kernel-chosen port (or *port if set). */
static int udp_on(const char *host, uint16_t *port)
{
        struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(*port) };
        socklen_t len = sizeof(in);
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -1;
        inet_pton(AF_INET, host, &in.sin_addr);
        if (bind(fd, (struct sockaddr *) &in, len) < 0 ||
            getsockname(fd, (struct sockaddr *) &in, &len) < 0) {
                close(fd);
                return -1;
        }
        *port = ntohs(in.sin_port);
        return fd;
}

static void query(struct sock_diag_query *q, int protocol, const char *host, uint16_t port)
{
        memset(q, 0, sizeof(*q));
        q->protocol = protocol;
        if (strchr(host, ':')) {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &q->addr;
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(port);
                inet_pton(AF_INET6, host, &in6->sin6_addr);
        } else {
                struct sockaddr_in *in = (struct sockaddr_in *) &q->addr;
                in->sin_family = AF_INET;
                in->sin_port = htons(port);
                inet_pton(AF_INET, host, &in->sin_addr);
        }
}

static void test_lookup_batch(void)
{
        int nl = sock_diag_open(), tcp, udp, v6only, connected;
        uint16_t tcp_port = 0, udp_port = 0, v6_port = 0, connected_port = 0;
        struct sockaddr_in to = { .sin_family = AF_INET };
        struct sockaddr_in local;
        socklen_t len = sizeof(local);
        struct sock_diag_query q[8];

        CU_ASSERT_FATAL(nl >= 0);
        tcp = listen_on("127.0.0.1", &tcp_port, false);
        udp = udp_on("127.0.0.1", &udp_port);
        CU_ASSERT_FATAL(tcp >= 0 && udp >= 0);
        /* A connected UDP socket is no server of its port. */
        connected = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        to.sin_port = htons(udp_port);
        inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
        CU_ASSERT_FATAL(connected >= 0 && connect(connected, (struct sockaddr *) &to, sizeof(to)) == 0);
        CU_ASSERT_FATAL(getsockname(connected, (struct sockaddr *) &local, &len) == 0);
        connected_port = ntohs(local.sin_port);

        query(&q[0], IPPROTO_TCP, "127.0.0.1", tcp_port);
        query(&q[1], IPPROTO_UDP, "127.0.0.1", udp_port);
        query(&q[2], IPPROTO_TCP, "127.0.0.1", udp_port);
        query(&q[3], IPPROTO_UDP, "127.0.0.1", tcp_port);
        query(&q[4], IPPROTO_UDP, "127.0.0.1", connected_port);
        CU_ASSERT_EQUAL_FATAL(sock_diag_lookup(nl, q, 5), 0);
        CU_ASSERT(q[0].found);
        CU_ASSERT_EQUAL(q[0].inode, inode_of(tcp));
        CU_ASSERT_EQUAL(q[0].state, 10 /* TCP_LISTEN */);
        CU_ASSERT_EQUAL(q[0].local.ss_family, AF_INET);
        CU_ASSERT_EQUAL(ntohs(((struct sockaddr_in *) &q[0].local)->sin_port), tcp_port);
        CU_ASSERT(q[1].found);
        CU_ASSERT_EQUAL(q[1].inode, inode_of(udp));
        CU_ASSERT_EQUAL(q[1].state, 7 /* TCP_CLOSE: bound, unconnected */);
        CU_ASSERT(!q[2].found);
        CU_ASSERT(!q[3].found);
        CU_ASSERT(!q[4].found);

        /* Closed: gone from the next batch; the same batch again answers the same way. */
        close(tcp);
        CU_ASSERT_EQUAL_FATAL(sock_diag_lookup(nl, q, 5), 0);
        CU_ASSERT(!q[0].found);
        CU_ASSERT(q[1].found);

        /* [::] with IPV6_V6ONLY: only the lookup at [::] finds it, and says it is IPv6. */
        v6only = listen_on("::", &v6_port, true);
        if (v6only >= 0) {
                query(&q[0], IPPROTO_TCP, "127.0.0.1", v6_port);
                query(&q[1], IPPROTO_TCP, "::", v6_port);
                query(&q[2], IPPROTO_TCP, "::1", v6_port);
                CU_ASSERT_EQUAL_FATAL(sock_diag_lookup(nl, q, 3), 0);
                CU_ASSERT(!q[0].found);
                CU_ASSERT(q[1].found && q[1].inode == inode_of(v6only));
                CU_ASSERT(q[2].found && q[2].inode == inode_of(v6only));
                CU_ASSERT_EQUAL(q[1].local.ss_family, AF_INET6);
                close(v6only);
        }

        /* Bad input: nothing sent. */
        CU_ASSERT_EQUAL(sock_diag_lookup(nl, q, 0), -EINVAL);
        CU_ASSERT_EQUAL(sock_diag_lookup(nl, q, SOCK_DIAG_LOOKUP_MAX + 1), -EINVAL);
        q[0].addr.ss_family = AF_UNIX;
        CU_ASSERT_EQUAL(sock_diag_lookup(nl, q, 1), -EAFNOSUPPORT);
        close(connected);
        close(udp);
        close(nl);
}

static int count_one(
        unsigned long inode, const struct sockaddr_storage *ss, uint16_t port, const char *path,
        void *userdata)
{
        return ++*(int *) userdata >= 1 ? 1 : 0;
}

static int count_all(
        unsigned long inode, const struct sockaddr_storage *ss, uint16_t port, const char *path,
        void *userdata)
{
        ++*(int *) userdata;
        return 0;
}

/* Enough listeners for a dump of several datagrams, so that one stopped early leaves some
 * queued unless the walk reads them. */
#define WALK_LISTENERS 300

static void test_walk_kept_socket(void)
{
        int nl = sock_diag_open(), fds[WALK_LISTENERS], seen = 0, before = 0, after = 0;
        uint16_t ports[WALK_LISTENERS] = { 0 };
        struct sock_diag_query q;

        CU_ASSERT_FATAL(nl >= 0);
        for (int i = 0; i < WALK_LISTENERS; i++) {
                fds[i] = listen_on("127.0.0.1", &ports[i], false);
                CU_ASSERT_FATAL(fds[i] >= 0);
        }
        CU_ASSERT_EQUAL(sock_diag_walk_fd(nl, AF_INET, IPPROTO_TCP, 1u << 10, count_all, &before), 0);
        CU_ASSERT(before >= WALK_LISTENERS);
        /* Stopped at the first listener: the rest of the dump is read and dropped, so the
         * next request on the socket gets its own answer, whole. */
        CU_ASSERT_EQUAL(sock_diag_walk_fd(nl, AF_INET, IPPROTO_TCP, 1u << 10, count_one, &seen), 1);
        CU_ASSERT_EQUAL(seen, 1);
        CU_ASSERT_EQUAL(sock_diag_walk_fd(nl, AF_INET, IPPROTO_TCP, 1u << 10, count_all, &after), 0);
        CU_ASSERT_EQUAL(after, before);
        query(&q, IPPROTO_TCP, "127.0.0.1", ports[WALK_LISTENERS - 1]);
        CU_ASSERT_EQUAL(sock_diag_lookup(nl, &q, 1), 0);
        CU_ASSERT(q.found && q.inode == inode_of(fds[WALK_LISTENERS - 1]));
        for (int i = 0; i < WALK_LISTENERS; i++)
                close(fds[i]);
        close(nl);
}

int main(void)
{
        static CU_TestInfo tests[] = {
                { "IPv4 listeners", test_v4 },
                { "IPv6 and dual-stack listeners", test_v6 },
                { "bad family, bad fd", test_bad_family },
                { "batched TCP and UDP lookups", test_lookup_batch },
                { "dumps on a kept socket", test_walk_kept_socket },
                CU_TEST_INFO_NULL,
        };

        return cunit_run_tests("sock-diag", tests);
}

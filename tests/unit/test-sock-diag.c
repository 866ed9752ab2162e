/* sock_diag_tcp_listening() against live sockets of our own: the kernel's answer for an
 * address with a listener on it, on the wildcard, on a dual-stack or IPV6_V6ONLY [::], on
 * another address of the same port, once closed; and what it says to a bad family. */
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

int main(void)
{
        static CU_TestInfo tests[] = {
                { "IPv4 listeners", test_v4 },
                { "IPv6 and dual-stack listeners", test_v6 },
                { "bad family, bad fd", test_bad_family },
                CU_TEST_INFO_NULL,
        };

        return cunit_run_tests("sock-diag", tests);
}

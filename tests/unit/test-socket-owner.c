/* Unit tests for the /proc/net parsers behind "already in use by PID …", on canned text,
 * plus one live check against a listener of our own. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cunit-main.h"
#include "socket-owner.h"

static const char tcp_text[] =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 "
        "0 100 0 0 10 0\n"
        "   1: 0100007F:1F91 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 5151 1 "
        "0 20 4 30 10 -1\n"
        "   2: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   105        0 7777 1 "
        "0 100 0 0 10 0\n";

static const char tcp6_text[] =
        "  sl  local_address                         remote_address                        st tx_queue "
        "rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 00000000000000000000000001000000:1F92 00000000000000000000000000000000:0000 0A "
        "00000000:00000000 00:00000000 00000000     0        0 8888 1 0 100 0 0 10 0\n";

static const char unix_text[] =
        "Num       RefCount Protocol Flags    Type St Inode Path\n"
        "0000000000000000: 00000002 00000000 00010000 0001 01 1111 /run/app/listening.sock\n"
        "0000000000000000: 00000002 00000000 00000000 0001 03 2222 /run/app/connected.sock\n"
        "0000000000000000: 00000002 00000000 00010000 0001 01 3333 /run/app/with space.sock\n"
        "0000000000000000: 00000003 00000000 00000000 0001 03 4444\n";

static void test_tcp(void)
{
        CU_ASSERT_EQUAL(proc_net_tcp_listener(tcp_text, 8080), 4242);
        CU_ASSERT_EQUAL(proc_net_tcp_listener(tcp_text, 5432), 7777);
        /* 8081 is an established connection, not a listener. */
        CU_ASSERT_EQUAL(proc_net_tcp_listener(tcp_text, 8081), 0);
        CU_ASSERT_EQUAL(proc_net_tcp_listener(tcp_text, 1), 0);
        CU_ASSERT_EQUAL(proc_net_tcp_listener(tcp6_text, 8082), 8888);
        CU_ASSERT_EQUAL(proc_net_tcp_listener("", 80), 0);
}

static void test_unix(void)
{
        CU_ASSERT_EQUAL(proc_net_unix_listener(unix_text, "/run/app/listening.sock"), 1111);
        CU_ASSERT_EQUAL(proc_net_unix_listener(unix_text, "/run/app/connected.sock"), 0);
        CU_ASSERT_EQUAL(proc_net_unix_listener(unix_text, "/run/app/with space.sock"), 3333);
        CU_ASSERT_EQUAL(proc_net_unix_listener(unix_text, "/run/app/listening"), 0);
        CU_ASSERT_EQUAL(proc_net_unix_listener(unix_text, ""), 0);
}

static void test_live_owner(void)
{
        struct sockaddr_in sa = { .sin_family = AF_INET };
        socklen_t len = sizeof(sa);
        char buf[256] = "", expected[64];
        int fd = socket(AF_INET, SOCK_STREAM, 0);

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        CU_ASSERT_FATAL(fd >= 0);
        CU_ASSERT_FATAL(bind(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0 && listen(fd, 1) == 0);
        CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *) &sa, &len) == 0);
        CU_ASSERT_EQUAL(socket_owner_tcp(ntohs(sa.sin_port), buf, sizeof(buf)), 0);
        snprintf(expected, sizeof(expected), "PID %d (", (int) getpid());
        CU_ASSERT(strncmp(buf, expected, strlen(expected)) == 0);
        close(fd);
        CU_ASSERT_EQUAL(socket_owner_tcp(ntohs(sa.sin_port), buf, sizeof(buf)), -ENOENT);
}

int main(void)
{
        static CU_TestInfo tests[] = {
                { "tcp listeners", test_tcp },
                { "unix listeners", test_unix },
                { "a live listener's owner", test_live_owner },
                CU_TEST_INFO_NULL,
        };

        return cunit_run_tests("socket-owner", tests);
}

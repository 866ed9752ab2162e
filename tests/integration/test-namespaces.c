/* The library's private namespaces from an embedder's side: a listener fixture on a
 * fixed port inside ur_context_set_private_network() is ready (the TCP check is made in
 * there), reachable through ur_context_socket() and from a forked child after
 * ur_context_enter(), and not from the host, where the same port stays bindable. The
 * settings refuse to change after the first start. Runs as root and, for the user-
 * namespace path, the meson test runs it again under setpriv as nobody. */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cunit-main.h"
#include "test-util.h"
#include "unitrun.h"

static int free_port(void)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

        if (fd >= 0 && bind(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0 &&
            getsockname(fd, (struct sockaddr *) &sa, &len) == 0)
                port = ntohs(sa.sin_port);
        if (fd >= 0)
                close(fd);
        return port;
}

static int connect_to(int fd, int port)
{
        struct sockaddr_in sa = { .sin_family = AF_INET,
                                  .sin_port = htons((uint16_t) port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

        return connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ? -errno : 0;
}

static void test_private_network_embedder(void)
{
        char *listener = test_fixture_path("listener");
        int port = free_port();
        char tcp_arg[64], addr[64];
        ur_context *ctx = NULL;
        ur_executor *e = NULL;
        int fd, host_fd, status;
        pid_t child;

        CU_ASSERT_FATAL(listener != NULL);
        CU_ASSERT_FATAL(port > 0);
        snprintf(tcp_arg, sizeof(tcp_arg), "tcp=127.0.0.1:%d", port);
        snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
        CU_ASSERT_FATAL(ur_context_new(&ctx) == 0);
        CU_ASSERT(ur_context_get_netns_fd(ctx) < 0);
        CU_ASSERT_FATAL(ur_context_set_private_network(ctx, true) == 0);
        CU_ASSERT_FATAL(ur_executor_new(ctx, "listener", (char *[]){ listener, tcp_arg, NULL }, &e) == 0);
        CU_ASSERT_FATAL(ur_executor_add_ready_tcp(e, addr) == 0);
        CU_ASSERT_FATAL(ur_executor_start(e) == 0);
        CU_ASSERT(ur_executor_get_state(e) == UR_STATE_RUNNING);
        CU_ASSERT(ur_context_get_namespaces(ctx) & UR_NAMESPACE_NETWORK);
        CU_ASSERT(!(ur_context_get_namespaces(ctx) & UR_NAMESPACE_DIRS));
        CU_ASSERT(!!(ur_context_get_namespaces(ctx) & UR_NAMESPACE_USER) == (geteuid() != 0));
        CU_ASSERT(ur_context_get_netns_fd(ctx) >= 0);
        /* Made: no changing them now. */
        CU_ASSERT(ur_context_set_private_dirs(ctx, true) == -EBUSY);

        /* Inside, through the context. */
        fd = ur_context_socket(ctx, AF_INET, SOCK_STREAM, 0);
        CU_ASSERT(fd >= 0);
        if (fd >= 0) {
                CU_ASSERT(connect_to(fd, port) == 0);
                close(fd);
        }
        /* Outside: nobody there, and the port is free for the host. */
        host_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CU_ASSERT(connect_to(host_fd, port) == -ECONNREFUSED);
        close(host_fd);
        host_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        {
                struct sockaddr_in sa = { .sin_family = AF_INET,
                                          .sin_port = htons((uint16_t) port),
                                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
                CU_ASSERT(bind(host_fd, (struct sockaddr *) &sa, sizeof(sa)) == 0);
                CU_ASSERT(listen(host_fd, 1) == 0);
        }
        /* A forked child that enters reaches the unit with a plain socket. */
        child = fork();
        if (child == 0) {
                int s;

                if (ur_context_enter(ctx) < 0)
                        _exit(2);
                s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                _exit(s >= 0 && connect_to(s, port) == 0 ? 0 : 3);
        }
        CU_ASSERT_FATAL(child > 0);
        CU_ASSERT(waitpid(child, &status, 0) == child);
        CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        close(host_fd);

        CU_ASSERT(ur_executor_stop(e) == 0);
        ur_context_free(ctx);
        free(listener);
}

/* Without private namespaces nothing changes: enter is a no-op, the socket the host's. */
static void test_no_namespaces(void)
{
        ur_context *ctx = NULL;
        int fd;

        CU_ASSERT_FATAL(ur_context_new(&ctx) == 0);
        CU_ASSERT(ur_context_create_namespaces(ctx) == 0);
        CU_ASSERT(ur_context_get_namespaces(ctx) == 0);
        CU_ASSERT(ur_context_enter(ctx) == 0);
        fd = ur_context_socket(ctx, AF_INET, SOCK_STREAM, 0);
        CU_ASSERT(fd >= 0);
        if (fd >= 0)
                close(fd);
        CU_ASSERT(ur_context_get_namespace_error(ctx) == NULL);
        ur_context_free(ctx);
}

static CU_TestInfo tests[] = {
        { "private network, embedder", test_private_network_embedder },
        { "no namespaces", test_no_namespaces },
        CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
        { .pName = "namespaces", .pTests = tests },
        CU_SUITE_INFO_NULL,
};

int main(void)
{
        return cunit_run(suites);
}

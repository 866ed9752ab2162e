/* ur_context_open_namespace_pidfd(): one setns() on it, with the flags of
 * ur_context_get_namespaces(), puts a process that the library did not fork into the run's
 * namespaces, as `unitrun exec` does. A listener fixture on a fixed port inside a private
 * network and private dirs is reached from a forked child after that setns() only (the
 * host's connect is refused), the child's network namespace is the run's, and a
 * RuntimeDirectory= is at /run/NAME for it. Without namespaces: -ENOENT. Runs as root
 * and, for the user-namespace path, again under setpriv as nobody. */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cunit-main.h"
#include "test-assert.h"
#include "test-net.h"
#include "test-util.h"
#include "unitrun.h"

/* The child's side: join, then check; the exit status says which step failed. */
static int child_join_and_check(int pidfd, unsigned ns, int netns_fd, int port, const char *run_file)
{
        struct stat want, got;
        int flags = (ns & UR_NAMESPACE_USER ? CLONE_NEWUSER : 0) |
                    (ns & UR_NAMESPACE_DIRS ? CLONE_NEWNS : 0) |
                    (ns & UR_NAMESPACE_NETWORK ? CLONE_NEWNET : 0);

        if (setns(pidfd, flags) < 0)
                return 2;
        if (fstat(netns_fd, &want) < 0 || stat("/proc/self/ns/net", &got) < 0 || want.st_ino != got.st_ino)
                return 3;
        if (!test_connects_tcp("127.0.0.1", port))
                return 4;
        if (access(run_file, F_OK) < 0)
                return 5;
        return 0;
}

static void test_join_by_pidfd(void)
{
        char *listener = test_fixture_path("listener");
        int port = test_free_port(AF_INET), pidfd = -1, status = -1;
        char tcp_arg[64], addr[64], touch_arg[600], dir[64], run_file[128];
        ur_context *ctx = NULL;
        ur_executor *e = NULL;
        unsigned ns;
        pid_t child;

        REQUIRE(listener != NULL);
        REQUIRE(port > 0);
        snprintf(dir, sizeof(dir), "urpidfd-%d", (int) getpid());
        snprintf(run_file, sizeof(run_file), "/run/%s/here", dir);
        snprintf(tcp_arg, sizeof(tcp_arg), "tcp=127.0.0.1:%d", port);
        snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
        REQUIRE(ur_context_new(&ctx) == 0);
        REQUIRE(ur_context_set_private_network(ctx, true) == 0);
        REQUIRE(ur_context_set_private_dirs(ctx, true) == 0);
        REQUIRE(ur_executor_new(ctx, "listener", (char *[]){ listener, tcp_arg, NULL }, &e) == 0);
        REQUIRE(ur_executor_add_runtime_directory(e, dir) == 0);
        REQUIRE(ur_executor_add_ready_tcp(e, addr) == 0);
        REQUIRE(ur_executor_start(e) == 0);
        /* The unit's RuntimeDirectory= as the host sees it gets a file: inside, it is /run/DIR. */
        snprintf(touch_arg, sizeof(touch_arg), "%s/%s/here", ur_context_get_runtime_dir(ctx), dir);
        {
                int fd = open(touch_arg, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                REQUIRE(fd >= 0);
                close(fd);
        }
        ns = ur_context_get_namespaces(ctx);
        REQUIRE((ns & (UR_NAMESPACE_NETWORK | UR_NAMESPACE_DIRS)) ==
                (UR_NAMESPACE_NETWORK | UR_NAMESPACE_DIRS));
        CU_ASSERT(!!(ns & UR_NAMESPACE_USER) == (geteuid() != 0));
        pidfd = ur_context_open_namespace_pidfd(ctx);
        REQUIRE(pidfd >= 0);
        CU_ASSERT(fcntl(pidfd, F_GETFD) & FD_CLOEXEC);
        /* The host is kept out; /run/DIR is not the host's. */
        CU_ASSERT(!test_connects_tcp("127.0.0.1", port));
        CU_ASSERT(access(run_file, F_OK) < 0);

        child = fork();
        if (child == 0)
                _exit(child_join_and_check(pidfd, ns, ur_context_get_netns_fd(ctx), port, run_file));
        REQUIRE(child > 0);
        REQUIRE(waitpid(child, &status, 0) == child);
        CHECK_SHOW(
                WIFEXITED(status) && WEXITSTATUS(status) == 0,
                fprintf(stderr, "the joining child failed at step %d\n", WEXITSTATUS(status)));
        CU_ASSERT(ur_executor_stop(e) == 0);
out:
        if (pidfd >= 0)
                close(pidfd);
        ur_context_free(ctx);
        free(listener);
}

static void test_no_namespaces(void)
{
        ur_context *ctx = NULL;

        REQUIRE(ur_context_new(&ctx) == 0);
        CU_ASSERT(ur_context_open_namespace_pidfd(ctx) == -ENOENT);
        CU_ASSERT(ur_context_create_namespaces(ctx) == 0);
        CU_ASSERT(ur_context_open_namespace_pidfd(ctx) == -ENOENT);
out:
        ur_context_free(ctx);
}

static CU_TestInfo tests[] = {
        { "join by pidfd", test_join_by_pidfd },
        { "no namespaces", test_no_namespaces },
        CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
        { .pName = "namespace-pidfd", .pTests = tests },
        CU_SUITE_INFO_NULL,
};

int main(void)
{
        return cunit_run(suites);
}

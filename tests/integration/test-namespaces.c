/* The library's private namespaces from an embedder's side: a listener fixture on a
 * fixed port inside ur_context_set_private_network() is ready (the TCP check is made in
 * there), reachable through ur_context_socket() and from a forked child after
 * ur_context_enter(), and not from the host, where the same port stays bindable. The
 * settings refuse to change after the first start. Making them leaves the caller's thread
 * where it was (namespaces, root, working directory), single- and multi-threaded; begun
 * and not yet waited for, there is nothing to enter. JoinsNamespaceOf= between executors
 * (both ways, across a restart; PrivateTmp= directories shared, kept until the last
 * stop). Runs as root and, for the user-namespace path, the meson test runs it again under
 * setpriv as nobody. */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cunit-main.h"
#include "test-util.h"
#include "test-net.h"
#include "unitrun.h"

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
        int port = test_free_port(AF_INET);
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

struct where {
        ino_t net, mnt, root;
        char cwd[4096];
};

static void where_am_i(struct where *w)
{
        struct stat st;

        memset(w, 0, sizeof(*w));
        if (stat("/proc/thread-self/ns/net", &st) == 0)
                w->net = st.st_ino;
        if (stat("/proc/thread-self/ns/mnt", &st) == 0)
                w->mnt = st.st_ino;
        if (stat("/", &st) == 0)
                w->root = st.st_ino;
        if (!getcwd(w->cwd, sizeof(w->cwd)))
                w->cwd[0] = 0;
}

static void *blocked_thread(void *arg)
{
        char c;

        (void) !read(*(int *) arg, &c, 1);
        return NULL;
}

/* A child that enters: 0 when it got into another network namespace than ours. */
static int child_enters(ur_context *ctx, ino_t host_net)
{
        int status, r;
        pid_t child = fork();

        if (child == 0) {
                struct stat st;

                r = ur_context_enter(ctx);
                if (r < 0)
                        _exit(r == -EAGAIN ? 4 : 2);
                _exit(stat("/proc/self/ns/net", &st) == 0 && st.st_ino != host_net ? 0 : 3);
        }
        if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status))
                return -1;
        return WEXITSTATUS(status);
}

static void check_made_from_here(bool threaded)
{
        struct where before, after;
        ur_context *ctx = NULL;
        pthread_t thread;
        int pipe_fds[2] = { -1, -1 };

        if (threaded) {
                CU_ASSERT_FATAL(pipe(pipe_fds) == 0);
                CU_ASSERT_FATAL(pthread_create(&thread, NULL, blocked_thread, &pipe_fds[0]) == 0);
        }
        /* Somewhere else than / (joining a mount namespace would move us there). */
        CU_ASSERT_FATAL(chdir("/proc") == 0);
        where_am_i(&before);
        CU_ASSERT_FATAL(ur_context_new(&ctx) == 0);
        CU_ASSERT_FATAL(ur_context_set_private_network(ctx, true) == 0);
        CU_ASSERT_FATAL(ur_context_set_private_dirs(ctx, true) == 0);
        CU_ASSERT_FATAL(ur_context_begin_namespaces(ctx) == 0);
        CU_ASSERT(ur_context_set_private_dirs(ctx, false) == -EBUSY);
        /* As root in a single-threaded process they are made at once; otherwise a holder
         * makes them and, until someone waits, a child has nothing to enter. */
        CU_ASSERT(child_enters(ctx, before.net) == (geteuid() == 0 && !threaded ? 0 : 4));
        CU_ASSERT(ur_context_create_namespaces(ctx) == 0);
        CU_ASSERT(ur_context_get_namespaces(ctx) & UR_NAMESPACE_NETWORK);
        CU_ASSERT(ur_context_get_namespaces(ctx) & UR_NAMESPACE_DIRS);
        CU_ASSERT(child_enters(ctx, before.net) == 0);
        where_am_i(&after);
        CU_ASSERT(before.net == after.net);
        CU_ASSERT(before.mnt == after.mnt);
        CU_ASSERT(before.root == after.root);
        CU_ASSERT(strcmp(before.cwd, after.cwd) == 0);
        ur_context_free(ctx);
        CU_ASSERT(chdir("/") == 0);
        if (threaded) {
                close(pipe_fds[1]);
                CU_ASSERT(pthread_join(thread, NULL) == 0);
                close(pipe_fds[0]);
        }
}

static void test_made_from_here(void)
{
        check_made_from_here(false);
}

static void test_made_from_here_threaded(void)
{
        check_made_from_here(true);
}

static ino_t ns_of(pid_t pid, const char *which)
{
        char path[64];
        struct stat st;

        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int) pid, which);
        return pid > 0 && stat(path, &st) == 0 ? st.st_ino : 0;
}

/* JoinsNamespaceOf= from the library: b names a, so b is in a's network namespace, c (no
 * JoinsNamespaceOf=) is not; the relation goes both ways: a restarted while b runs joins
 * b's (which is still a's first one), and b's namespace outlived a's stop. */
static void test_joins_namespace_of(void)
{
        char *sleep_argv[] = { "/bin/sleep", "60", NULL };
        ur_executor *a = NULL, *b = NULL, *c = NULL;
        ur_context *ctx = NULL;
        ino_t host = ns_of(getpid(), "net"), net_a, net_b;

        CU_ASSERT_FATAL(ur_context_new(&ctx) == 0);
        CU_ASSERT_FATAL(ur_executor_new(ctx, "a.service", sleep_argv, &a) == 0);
        CU_ASSERT_FATAL(ur_executor_new(ctx, "b.service", sleep_argv, &b) == 0);
        CU_ASSERT_FATAL(ur_executor_new(ctx, "c.service", sleep_argv, &c) == 0);
        for (ur_executor **e = (ur_executor *[]){ a, b, c, NULL }; *e; e++)
                CU_ASSERT_FATAL(ur_executor_set_private_network(*e, true) == 0);
        CU_ASSERT(ur_executor_add_joins_namespace_of(b, "") == -EINVAL);
        CU_ASSERT_FATAL(ur_executor_add_joins_namespace_of(b, "a.service") == 0);
        CU_ASSERT_FATAL(ur_executor_start(a) == 0);
        CU_ASSERT_FATAL(ur_executor_start(b) == 0);
        CU_ASSERT_FATAL(ur_executor_start(c) == 0);
        net_a = ns_of(ur_executor_get_pid(a), "net");
        net_b = ns_of(ur_executor_get_pid(b), "net");
        CU_ASSERT(net_a != 0 && net_a != host);
        CU_ASSERT(net_b == net_a);
        CU_ASSERT(ns_of(ur_executor_get_pid(c), "net") != net_a);
        CU_ASSERT(ns_of(ur_executor_get_pid(c), "net") != host);

        CU_ASSERT(ur_executor_stop(a) == 0);
        CU_ASSERT(ns_of(ur_executor_get_pid(b), "net") == net_a);
        CU_ASSERT_FATAL(ur_executor_start(a) == 0);
        CU_ASSERT(ns_of(ur_executor_get_pid(a), "net") == net_a);
        /* c joins nobody's, whatever runs: stopped and started again, still its own. */
        CU_ASSERT(ur_executor_stop(c) == 0);
        CU_ASSERT_FATAL(ur_executor_start(c) == 0);
        CU_ASSERT(ns_of(ur_executor_get_pid(c), "net") != net_a);
        ur_context_free(ctx);
}

/* JoinsNamespaceOf= with PrivateTmp=: b sees what a put in /tmp; the directories stay
 * while b runs after a's stop, and go with the last of them. */
static void test_joins_private_tmp(void)
{
        char ready[] = "/dev/shm/test-namespaces-ready.XXXXXX";
        char script[256], path[4096], dir[4096];
        char *a_argv[] = { "/bin/sh", "-c", script, NULL };
        char *sleep_argv[] = { "/bin/sleep", "60", NULL };
        ur_executor *a = NULL, *b = NULL;
        ur_context *ctx = NULL;
        struct stat st;

        /* Readiness looks at the run's view, not at a's /tmp: the file says a is done. */
        CU_ASSERT_FATAL(mkdtemp(ready) != NULL);
        CU_ASSERT_FATAL(chmod(ready, 0777) == 0);
        snprintf(script, sizeof(script), "touch /tmp/from-a && touch %s/a && exec sleep 60", ready);
        CU_ASSERT_FATAL(ur_context_new(&ctx) == 0);
        CU_ASSERT_FATAL(ur_executor_new(ctx, "a.service", a_argv, &a) == 0);
        CU_ASSERT_FATAL(ur_executor_new(ctx, "b.service", sleep_argv, &b) == 0);
        CU_ASSERT_FATAL(ur_executor_set_private_tmp(a, true) == 0);
        CU_ASSERT_FATAL(ur_executor_set_private_tmp(b, true) == 0);
        CU_ASSERT_FATAL(ur_executor_add_joins_namespace_of(a, "b.service") == 0);
        snprintf(path, sizeof(path), "%s/a", ready);
        CU_ASSERT_FATAL(ur_executor_add_ready_file(a, path) == 0);
        CU_ASSERT_FATAL(ur_executor_start(a) == 0);
        /* b is named by a: the relation holds the other way round too. */
        CU_ASSERT_FATAL(ur_executor_start(b) == 0);
        snprintf(path, sizeof(path), "/proc/%d/root/tmp/from-a", (int) ur_executor_get_pid(b));
        CU_ASSERT(stat(path, &st) == 0);
        CU_ASSERT(stat("/tmp/from-a", &st) < 0); /* not the host's */
        CU_ASSERT_FATAL(ur_context_get_runtime_dir(ctx) != NULL);
        snprintf(dir, sizeof(dir), "%s/private-tmp-", ur_context_get_runtime_dir(ctx));
        {
                /* One pair of directories for the two. */
                char cmd[4200];

                snprintf(cmd, sizeof(cmd), "test \"$(ls -d %s* | wc -l)\" = 1", dir);
                CU_ASSERT(system(cmd) == 0);
        }

        CU_ASSERT(ur_executor_stop(a) == 0);
        CU_ASSERT(stat(path, &st) == 0);
        CU_ASSERT(ur_executor_stop(b) == 0);
        {
                /* No private-tmp-* left in the run directory. */
                char cmd[4200];

                snprintf(cmd, sizeof(cmd), "ls -d %s* >/dev/null 2>&1", dir);
                CU_ASSERT(system(cmd) != 0);
        }
        ur_context_free(ctx);
        snprintf(path, sizeof(path), "%s/a", ready);
        (void) unlink(path);
        (void) rmdir(ready);
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
        { "made from here, the caller left where it was", test_made_from_here },
        { "made from a multi-threaded caller", test_made_from_here_threaded },
        { "JoinsNamespaceOf=", test_joins_namespace_of },
        { "JoinsNamespaceOf= with PrivateTmp=", test_joins_private_tmp },
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

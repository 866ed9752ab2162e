/* HTTP= readiness after EXTEND_TIMEOUT_USEC=: the extension must hold for every part of the
 * HTTP check, its connect gate included, not only for the start timer.
 *
 * The server's listen queue is full until it starts answering, after the original start
 * timeout: every connect to it hangs (the kernel drops the SYN and counts it in TcpExt
 * ListenOverflows). The gate gives up a hanging connect after 1 s, or at the deadline, and
 * tries again. A gate still on the old, passed deadline gives up at once, round after round:
 * thousands of connects instead of a handful, the drop count says so. The test runs in a
 * network namespace of its own, so that count is ours alone. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cunit-main.h"
#include "test-util.h"
#include "test-lib.h"
#include "unitrun.h"

#define ORIGINAL_TIMEOUT_USEC (1000 * 1000ULL)
#define EXTENDED_TIMEOUT_USEC (30 * 1000 * 1000ULL)
#define ANSWER_AFTER_MS 2500
/* A gate that honours the extension drops a connect or two per second of waiting. */
#define MAX_DROPPED_SYNS 50

static void log_to_stderr(ur_log_level level, const char *unit, const char *message, void *userdata)
{
        fprintf(stderr, "  [%s] %s\n", unit ? unit : "-", message);
}

/* TcpExt ListenOverflows of this network namespace, or -1. */
static long listen_overflows(void)
{
        char names[4096], values[4096];
        FILE *f = fopen("/proc/net/netstat", "re");
        long result = -1;

        if (!f)
                return -1;
        while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
                char *ns, *vs, *n, *v;

                if (strncmp(names, "TcpExt:", 7) != 0)
                        continue;
                n = strtok_r(names, " \n", &ns);
                v = strtok_r(values, " \n", &vs);
                while (n && v) {
                        if (strcmp(n, "ListenOverflows") == 0)
                                result = atol(v);
                        n = strtok_r(NULL, " \n", &ns);
                        v = strtok_r(NULL, " \n", &vs);
                }
        }
        fclose(f);
        return result;
}

static int loopback_up(void)
{
        struct ifreq ifr = { 0 };
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

        if (fd < 0)
                return -errno;
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                r = -errno;
        ifr.ifr_flags |= IFF_UP;
        if (r == 0 && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                r = -errno;
        close(fd);
        return r;
}

/* The server: after ANSWER_AFTER_MS it takes the queued connection and answers every
 * request with 200. Until then its queue (backlog 0) holds our filler connection. */
static void serve(int listen_fd)
{
        const char reply[] = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

        usleep(ANSWER_AFTER_MS * 1000);
        for (;;) {
                struct timeval tv = { .tv_sec = 0, .tv_usec = 200 * 1000 };
                char buf[4096];
                int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

                if (fd < 0)
                        continue;
                /* The filler never speaks: a request has arrived when read() returns > 0. */
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
                if (read(fd, buf, sizeof(buf)) > 0)
                        (void) !write(fd, reply, sizeof(reply) - 1);
                close(fd);
        }
}

static void test_gate_follows_extension(void)
{
        struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(addr);
        char *notify = test_fixture_path("notify"), url[64];
        char *argv[] = { notify, "extend=30000000:1:0", "send=READY=1", "pause", NULL };
        ur_context *ctx = NULL;
        ur_executor *e = NULL;
        int listen_fd = -1, filler = -1, r;
        pid_t server = -1;
        long before, after;

        listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CU_ASSERT_FATAL(listen_fd >= 0);
        CU_ASSERT_FATAL(bind(listen_fd, (struct sockaddr *) &addr, sizeof(addr)) == 0);
        CU_ASSERT_FATAL(listen(listen_fd, 0) == 0);
        CU_ASSERT_FATAL(getsockname(listen_fd, (struct sockaddr *) &addr, &len) == 0);
        /* Backlog 0 holds one connection: this one. Every later SYN is dropped. */
        filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CU_ASSERT_FATAL(filler >= 0 && connect(filler, (struct sockaddr *) &addr, sizeof(addr)) == 0);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(addr.sin_port));

        server = fork();
        CU_ASSERT_FATAL(server >= 0);
        if (server == 0) {
                serve(listen_fd);
                _exit(0);
        }

        before = listen_overflows();
        CU_ASSERT_FATAL(before >= 0);
        CU_ASSERT_FATAL(ur_context_new(&ctx) >= 0);
        ur_context_set_log(ctx, log_to_stderr, NULL);
        CU_ASSERT_FATAL(ur_executor_new(ctx, "web", argv, &e) >= 0);
        CU_ASSERT(ur_executor_set_type(e, UR_TYPE_NOTIFY) >= 0);
        CU_ASSERT(ur_executor_set_start_timeout(e, ORIGINAL_TIMEOUT_USEC) >= 0);
        CU_ASSERT(ur_executor_set_refuse_if_ready(e, false) >= 0);
        CU_ASSERT(ur_executor_add_ready_http(e, &(ur_http_check){ .url = url }) >= 0);

        r = ur_executor_start(e);
        after = listen_overflows();
        if (r != UR_OK)
                fprintf(stderr, "  start: %s: %s\n", test_outcome_name(r), ur_executor_get_error(e));
        CU_ASSERT_EQUAL(r, 0);
        fprintf(stderr, "  connects dropped while the server's queue was full: %ld\n", after - before);
        CU_ASSERT(after - before > 0); /* the queue really was full: the gate had to wait */
        CU_ASSERT(after - before <= MAX_DROPPED_SYNS);

        (void) ur_executor_stop(e);
        ur_executor_free(e);
        ur_context_free(ctx);
        kill(server, SIGKILL);
        waitpid(server, NULL, 0);
        close(filler);
        close(listen_fd);
        free(notify);
}

static CU_TestInfo cases[] = {
        { "HTTP= connect gate follows EXTEND_TIMEOUT_USEC=", test_gate_follows_extension },
        CU_TEST_INFO_NULL,
};

int main(void)
{
        int r;

        /* Our own network namespace: the drop counter is per namespace. */
        if (unshare(CLONE_NEWNET) < 0) {
                printf("SKIP: cannot make a network namespace: %s\n", strerror(errno));
                return 77;
        }
        r = loopback_up();
        if (r < 0) {
                printf("SKIP: cannot bring lo up in the new network namespace: %s\n", strerror(-r));
                return 77;
        }
        return cunit_run_tests("ready-http-extend", cases);
}

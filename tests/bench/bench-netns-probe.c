/* What a readiness probe of a PrivateNetwork= unit costs the launcher: a refused
 * non-blocking connect to 127.0.0.1 (the socket made, connected, closed), (a) in our own
 * network, (b) in a unit's network namespace through run_ns_socket() as root (this thread
 * steps in and out with setns()), (c) the same as nobody, where the socket comes from the
 * namespace holder over its SOCK_SEQPACKET socket (SCM_RIGHTS). Median of ROUNDS rounds of
 * COUNT probes each, in microseconds per probe; (c) only when run as root (a child drops to
 * nobody) or as non-root.
 *
 *   bench-netns-probe [ROUNDS [COUNT]] */
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run-ns.h"
#include "test-util.h"
#include "time-util.h"

/* One probe: a port nobody listens on, in whichever network the socket is made. */
static int probe(struct run_ns *ns, uint16_t port)
{
        struct sockaddr_in sa = { .sin_family = AF_INET,
                                  .sin_port = htons(port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = run_ns_socket(ns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

        if (fd < 0)
                return -errno;
        (void) connect(fd, (struct sockaddr *) &sa, sizeof(sa));
        close(fd);
        return 0;
}

static double median_usec(struct run_ns *ns, int rounds, int count)
{
        double *per = calloc((size_t) rounds, sizeof(double)), m;

        if (!per)
                return -1;
        for (int r = 0; r < rounds; r++) {
                uint64_t t0 = now_usec();

                for (int i = 0; i < count; i++)
                        if (probe(ns, 9) < 0) {
                                free(per);
                                return -1;
                        }
                per[r] = (double) (now_usec() - t0) / count;
        }
        test_sort_doubles(per, (size_t) rounds);
        m = per[rounds / 2];
        free(per);
        return m;
}

static int measure(const char *who, int rounds, int count)
{
        struct run_ns *ns = NULL;
        char *error = NULL;
        double own, inside;
        int r = run_ns_new(RUN_NS_NETWORK, NULL, NULL, &ns, &error);

        if (r < 0) {
                fprintf(stderr, "%s: no network namespace: %s\n", who, error ? error : strerror(-r));
                free(error);
                return r;
        }
        own = median_usec(NULL, rounds, count);
        inside = median_usec(ns, rounds, count);
        printf("%-7s own network: %7.1f us/probe   unit's network (%s): %7.1f us/probe   (+%.1f)\n", who,
               own, ns->user ? "holder, SCM_RIGHTS" : "setns in and out", inside, inside - own);
        run_ns_free(ns);
        return own < 0 || inside < 0 ? -EIO : 0;
}

int main(int argc, char **argv)
{
        int rounds = argc > 1 ? atoi(argv[1]) : 15, count = argc > 2 ? atoi(argv[2]) : 2000;
        pid_t pid;
        int status, r;

        if (rounds < 1 || count < 1) {
                fprintf(stderr, "usage: bench-netns-probe [ROUNDS [COUNT]]\n");
                return 2;
        }
        r = measure(geteuid() == 0 ? "root" : "user", rounds, count);
        if (geteuid() != 0)
                return r < 0 ? 1 : 0;
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
                /* nobody: the user-namespace path. */
                if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0) {
                        perror("dropping to nobody");
                        _exit(77);
                }
                /* setuid() made us undumpable: /proc/self/uid_map would stay root's. */
                (void) prctl(PR_SET_DUMPABLE, 1);
                r = measure("nobody", rounds, count);
                fflush(stdout);
                _exit(r < 0 ? 1 : 0);
        }
        if (pid < 0 || waitpid(pid, &status, 0) < 0)
                return 1;
        return r < 0 || !WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 77);
}

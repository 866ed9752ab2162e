/* What the listen(2) events cost the daemon: a fixture calls listen() COUNT times while its
 * unit is starting and COUNT times once it is ready, (a) started alone, (b) as a unit with
 * Listen= and UNITRUN_LISTEN_BPF=1 (BPF on the unit's cgroup, as root), (c) the same with
 * the default events (the seccomp filter, each call answered by the helper), (d) UNITRUN_NO_LISTEN_EVENTS=1
 * (no events). Two loops: listen() again on one socket (a seccomp round trip each; the BPF
 * program sees only a socket entering the listening state), and each call on a fresh socket
 * (socket+bind+listen+close: a report each, by either mechanism). Interleaved runs, medians
 * of the average cost per call. Prints a table and writes bench-listen.json.
 *
 *   bench-listen [RUNS [COUNT]]     (FIXTURE: path of ready-fixture, from meson) */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-net.h"
#include "test-util.h"
#include "unitrun.h"

enum { PLAIN, EVENTS, SECCOMP, NO_EVENTS, N_WAYS };
static const char *const way_names[N_WAYS] = { "alone (no launcher)", "unit, UNITRUN_LISTEN_BPF=1",
                                               "unit, Listen= (seccomp events)",
                                               "unit, UNITRUN_NO_LISTEN_EVENTS=1" };
enum { RELISTEN, FRESH, N_LOOPS };
static const char *const loop_names[N_LOOPS] = { "listen() again on one socket",
                                                 "socket+bind+listen+close, each call" };

/* Waits (up to 60 s) for the fixture's two figures. */
static int read_result(const char *path, double *starting, double *ready)
{
        for (int i = 0; i < 60000; i++) {
                FILE *f = fopen(path, "re");

                if (f) {
                        int n = fscanf(f, "%lf %lf", starting, ready);

                        fclose(f);
                        if (n == 2)
                                return 0;
                }
                usleep(1000);
        }
        return -ETIMEDOUT;
}

static int run_once(
        ur_context *ctx, const char *fixture, int way, int loop, const char *count, const char *result,
        double *starting, double *ready)
{
        char port[16], name[64], addr[64];
        char *argv[] = { (char *) fixture,
                         "listen-loop",
                         (char *) count,
                         (char *) result,
                         port,
                         loop == FRESH ? "fresh" : NULL,
                         NULL };
        ur_executor *e = NULL;
        int r;

        unlink(result);
        snprintf(port, sizeof(port), "%d", test_free_port(AF_INET));
        if (way == PLAIN) {
                pid_t pid = fork();

                if (pid == 0) {
                        execv(fixture, argv);
                        _exit(127);
                }
                if (pid < 0)
                        return -errno;
                r = read_result(result, starting, ready);
                kill(pid, SIGTERM);
                waitpid(pid, NULL, 0);
                return r;
        }
        if (way == NO_EVENTS)
                setenv("UNITRUN_NO_LISTEN_EVENTS", "1", 1);
        else
                unsetenv("UNITRUN_NO_LISTEN_EVENTS");
        if (way == EVENTS)
                setenv("UNITRUN_LISTEN_BPF", "1", 1);
        else
                unsetenv("UNITRUN_LISTEN_BPF");
        snprintf(name, sizeof(name), "listen-loop-%d.service", way);
        snprintf(addr, sizeof(addr), "127.0.0.1:%s", port);
        r = ur_executor_new(ctx, name, argv, &e);
        if (r >= 0)
                r = ur_executor_add_ready_listen(e, addr);
        if (r >= 0) {
                ur_executor_set_start_timeout(e, 120 * 1000000ULL);
                r = ur_executor_start(e);
        }
        if (r == 0)
                r = read_result(result, starting, ready);
        else if (r > 0)
                r = -EIO;
        ur_executor_free(e);
        return r;
}

int main(int argc, char **argv)
{
        const char *fixture = getenv("FIXTURE");
        int runs = argc > 1 ? atoi(argv[1]) : 5;
        const char *count = argc > 2 ? argv[2] : "20000";
        static const char *const json_keys[N_WAYS] = { "plain_us", "events_us", "seccomp_us",
                                                       "no_events_us" };
        char dir[] = "/tmp/bench-listen.XXXXXX", result[128];
        double starting[N_LOOPS][N_WAYS][64], ready[N_LOOPS][N_WAYS][64];
        double med_s[N_LOOPS][N_WAYS], med_r[N_LOOPS][N_WAYS];
        ur_context *ctx = NULL;
        FILE *json;
        int failures = 0, n[N_LOOPS][N_WAYS] = { { 0 } };
        bool complete = true;

        if (!fixture || runs <= 0 || runs > 64 || !mkdtemp(dir)) {
                fprintf(stderr, "usage: FIXTURE=path bench-listen [RUNS [COUNT]]\n");
                return 64;
        }
        if (ur_context_new(&ctx) < 0)
                return 71;
        snprintf(result, sizeof(result), "%s/result", dir);
        for (int i = 0; i < runs; i++)
                for (int l = 0; l < N_LOOPS; l++)
                        for (int w = 0; w < N_WAYS; w++) {
                                double s, r;

                                if (run_once(ctx, fixture, w, l, count, result, &s, &r) < 0) {
                                        failures++;
                                        continue;
                                }
                                starting[l][w][n[l][w]] = s;
                                ready[l][w][n[l][w]++] = r;
                        }
        printf("listen() as the daemon sees it: %s calls while starting and %s once ready, %d runs, "
               "median of the average per call\n",
               count, count, runs);
        for (int l = 0; l < N_LOOPS; l++) {
                printf("%s:\n%-36s %14s %14s\n", loop_names[l], "daemon", "starting us", "ready us");
                for (int w = 0; w < N_WAYS; w++) {
                        if (!n[l][w]) {
                                complete = false;
                                continue;
                        }
                        test_sort_doubles(starting[l][w], (size_t) n[l][w]);
                        test_sort_doubles(ready[l][w], (size_t) n[l][w]);
                        med_s[l][w] = starting[l][w][n[l][w] / 2] / 1000;
                        med_r[l][w] = ready[l][w][n[l][w] / 2] / 1000;
                        printf("%-36s %14.3f %14.3f\n", way_names[w], med_s[l][w], med_r[l][w]);
                }
        }
        json = complete ? fopen("bench-listen.json", "we") : NULL;
        if (json) {
                fprintf(json, "{\"calls\": %s, \"runs\": %d", count, runs);
                for (int l = 0; l < N_LOOPS; l++)
                        for (int w = 0; w < N_WAYS; w++)
                                fprintf(json, ", \"%s%s\": [%.3f, %.3f]", l == FRESH ? "fresh_" : "",
                                        json_keys[w], med_s[l][w], med_r[l][w]);
                fprintf(json, "}\n");
                fclose(json);
        }
        ur_context_free(ctx);
        unlink(result);
        rmdir(dir);
        return failures ? 1 : 0;
}

/* Readiness overshoot: for each kind of condition, how long after the daemon became ready
 * (its own CLOCK_MONOTONIC stamp) does ur_executor_start() return? Also the launcher's CPU
 * use while it waits. Prints a table and writes bench-ready.json.
 *
 *   bench-ready [ITERATIONS]     (FIXTURE: path of ready-fixture, from meson) */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "test-net.h"
#include "test-util.h"
#include "unitrun.h"

struct kind {
        const char *name;
        double target_ms;    /* median overshoot the issue asks for */
        const char *fixture; /* the fixture's kind, when not the name */
        bool no_events;      /* UNITRUN_NO_LISTEN_EVENTS=1: the polled detection, for comparison */
};

/* Interleaved: run i of every kind, then run i+1, so that load drifts hit all alike. The
 * "-polled" rows are the same daemons without the seccomp listen events. */
static const struct kind kinds[] = {
        { "exec", 1 },
        { "notify", 0.3 },
        { "output", 0.3 },
        { "file", 0.3 },
        { "listen", 0.3, "tcp" },
        { "listen-polled", 0.3, "tcp", true },
        /* The other forms of Listen= (the rows above are HOST:PORT), polled: */
        { "listen-port-polled", 0.3, "tcp", true },
        { "listen-yes-polled", 0.3, "tcp", true },
        { "listen-path-polled", 0.3, "unix", true },
        { "tcp", 0.3 },
        { "tcp-polled", 0.3, "tcp", true },
        { "unix", 0.3 },
        { "unix-polled", 0.3, "unix", true },
        { "http", 1 },
        { "http-polled", 1, "http", true },
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

/* BENCH_READY_KINDS=tcp,http: only those rows (for strace/perf on one kind). */
static bool kind_selected(const struct kind *k)
{
        const char *only = getenv("BENCH_READY_KINDS");
        size_t len = strlen(k->name);

        if (!only || !*only)
                return true;
        for (const char *p = only; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
                if (strncmp(p, k->name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
                        return true;
        return false;
}

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static uint64_t cpu_ns(void)
{
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return ((uint64_t) ru.ru_utime.tv_sec + (uint64_t) ru.ru_stime.tv_sec) * 1000000000ULL +
               ((uint64_t) ru.ru_utime.tv_usec + (uint64_t) ru.ru_stime.tv_usec) * 1000ULL;
}

/* The fixture's delay before it becomes ready: 0 for the short interleaved runs (then
 * 20-70 ms, varied so polls don't line up), else this many ms (the long waits). */
static int fixed_delay_ms;

/* One start: returns the overshoot in ms (NAN on failure); adds the CPU and wall time of
 * the wait, from spawn to ready (spawning itself excluded). */
static double run_once(
        ur_context *ctx, const char *fixture, const struct kind *k, const char *dir, int i,
        uint64_t *cpu_total, uint64_t *wall_total)
{
        char stamp_path[512], arg[512], delay[16], name[64], url[600];
        const char *kind = k->fixture ? k->fixture : k->name;
        char *argv[8] = { (char *) fixture, (char *) kind, delay, stamp_path, NULL, NULL };
        ur_executor *e = NULL;
        unsigned long long stamp = 0;
        uint64_t cpu0, wall0, returned;
        FILE *f;
        int r;

        /* 20-70 ms: long enough to be "waiting", varied so polls don't line up. */
        snprintf(delay, sizeof(delay), "%d", fixed_delay_ms ? fixed_delay_ms : 20 + rand() % 50);
        snprintf(stamp_path, sizeof(stamp_path), "%s/stamp-%s-%d", dir, k->name, i);
        snprintf(name, sizeof(name), "%s-%d.service", k->name, i);
        if (k->no_events)
                setenv("UNITRUN_NO_LISTEN_EVENTS", "1", 1);
        else
                unsetenv("UNITRUN_NO_LISTEN_EVENTS");
        if (strcmp(kind, "file") == 0 || strcmp(kind, "unix") == 0) {
                snprintf(arg, sizeof(arg), "%s/%s-%d", dir, k->name, i);
                argv[4] = arg;
        } else if (strcmp(kind, "tcp") == 0 || strcmp(kind, "http") == 0) {
                snprintf(arg, sizeof(arg), "%d", test_free_port(AF_INET));
                argv[4] = arg;
        }
        if (ur_executor_new(ctx, name, argv, &e) < 0)
                return NAN;
        if (strcmp(k->name, "notify") == 0)
                ur_executor_set_type(e, UR_TYPE_NOTIFY);
        else if (strcmp(k->name, "output") == 0)
                ur_executor_add_ready_output(e, "is ready", UR_STDOUT);
        else if (strcmp(k->name, "file") == 0)
                ur_executor_add_ready_file(e, arg);
        else if (strcmp(k->name, "listen-port-polled") == 0)
                ur_executor_add_ready_listen(e, arg);
        else if (strcmp(k->name, "listen-yes-polled") == 0)
                ur_executor_add_ready_listen(e, "yes");
        else if (strcmp(k->name, "listen-path-polled") == 0)
                ur_executor_add_ready_listen(e, arg);
        else if (strncmp(k->name, "listen", 6) == 0) {
                snprintf(url, sizeof(url), "127.0.0.1:%s", arg);
                ur_executor_add_ready_listen(e, url);
        } else if (strcmp(kind, "unix") == 0)
                ur_executor_add_ready_unix(e, arg);
        else if (strcmp(kind, "tcp") == 0) {
                snprintf(url, sizeof(url), "127.0.0.1:%s", arg);
                ur_executor_add_ready_tcp(e, url);
        } else if (strcmp(kind, "http") == 0) {
                snprintf(url, sizeof(url), "http://127.0.0.1:%s/health", arg);
                ur_executor_add_ready_http(e, &(ur_http_check){ .url = url });
        } else
                ur_executor_set_type(e, UR_TYPE_EXEC);
        ur_executor_set_start_timeout(e, 10 * 1000000ULL);

        r = ur_executor_start_begin(e);
        cpu0 = cpu_ns();
        wall0 = now_ns();
        while (r >= 0 && ur_executor_get_state(e) == UR_STATE_STARTING)
                r = ur_context_dispatch(ctx, -1);
        returned = now_ns();
        *cpu_total += cpu_ns() - cpu0;
        *wall_total += returned - wall0;
        /* r is the last dispatch's count of events here, not an outcome. */
        if (r >= 0)
                r = ur_executor_get_state(e) == UR_STATE_RUNNING ? UR_OK : -EIO;
        /* The launcher may see "ready" before the fixture has written down when it was:
         * wait (up to 1 s) for the stamp; the overshoot is then negative, and that's honest. */
        for (int tries = 0; tries < 1000 && !stamp; tries++) {
                f = fopen(stamp_path, "re");
                if (f) {
                        if (fscanf(f, "%llu", &stamp) != 1)
                                stamp = 0;
                        fclose(f);
                }
                if (!stamp)
                        usleep(1000);
        }
        ur_executor_free(e);
        if (r != UR_OK || !stamp) {
                fprintf(stderr, "%s: start failed: %s\n", k->name,
                        r < 0 ? strerror(-r) : ur_outcome_to_string(r));
                return NAN;
        }
        return (double) ((int64_t) returned - (int64_t) stamp) / 1e6;
}

int main(int argc, char **argv)
{
        const char *fixture = getenv("FIXTURE");
        int iterations = argc > 1 ? atoi(argv[1]) : 30;
        char dir[] = "/tmp/bench-ready.XXXXXX";
        ur_context *ctx = NULL;
        FILE *json;
        int failures = 0;

        if (!fixture || iterations <= 0 || !mkdtemp(dir)) {
                fprintf(stderr, "usage: FIXTURE=path bench-ready [ITERATIONS]\n");
                return 64;
        }
        if (ur_context_new(&ctx) < 0)
                return 71;
        srand((unsigned) now_ns());
        json = fopen("bench-ready.json", "we");
        if (json)
                fprintf(json, "{\n  \"iterations\": %d,\n  \"kinds\": [\n", iterations);

        printf("readiness overshoot (time from ready to start() returning), %d runs each, isolation: %s\n",
               iterations, ur_context_get_isolation(ctx) == UR_ISOLATION_CGROUP ? "cgroup" : "fallback");
        printf("%-18s %10s %10s %10s %10s %12s %14s\n", "kind", "median ms", "min ms", "max ms", "target ms",
               "median/target", "launcher CPU %");
        {
                double *samples[N_KINDS];
                uint64_t cpu[N_KINDS] = { 0 }, wall[N_KINDS] = { 0 };
                int n[N_KINDS] = { 0 };

                for (size_t k = 0; k < N_KINDS; k++)
                        samples[k] = calloc((size_t) iterations, sizeof(double));
                for (int i = 0; i < iterations; i++)
                        for (size_t k = 0; k < N_KINDS; k++) {
                                double o;

                                if (!kind_selected(&kinds[k]))
                                        continue;
                                o = run_once(ctx, fixture, &kinds[k], dir, i, &cpu[k], &wall[k]);
                                if (!isnan(o))
                                        samples[k][n[k]++] = o;
                                else
                                        failures++;
                        }
                for (size_t k = 0; k < N_KINDS; k++) {
                        double median;

                        if (n[k] == 0) {
                                free(samples[k]);
                                continue;
                        }
                        test_sort_doubles(samples[k], (size_t) n[k]);
                        median = samples[k][n[k] / 2];
                        printf("%-18s %10.3f %10.3f %10.3f %10.1f %12.2f %14.2f\n", kinds[k].name, median,
                               samples[k][0], samples[k][n[k] - 1], kinds[k].target_ms,
                               median / kinds[k].target_ms, 100.0 * (double) cpu[k] / (double) wall[k]);
                        if (json)
                                fprintf(json,
                                        "    {\"kind\": \"%s\", \"median_ms\": %.3f, \"min_ms\": %.3f, "
                                        "\"max_ms\": %.3f, \"target_ms\": %.1f, \"launcher_cpu_percent\": "
                                        "%.2f}%s\n",
                                        kinds[k].name, median, samples[k][0], samples[k][n[k] - 1],
                                        kinds[k].target_ms, 100.0 * (double) cpu[k] / (double) wall[k],
                                        k + 1 < N_KINDS ? "," : "");
                        free(samples[k]);
                }
        }
        printf("(launcher CPU %% = CPU time of this process / wall time, from spawned to ready;\n"
               " exec is ready at execve(), before the fixture can stamp: its overshoot is negative;\n"
               " -polled: UNITRUN_NO_LISTEN_EVENTS=1, no seccomp listen events;\n"
               " listen: Listen=127.0.0.1:PORT; listen-port: PORT; listen-yes: yes; listen-path: /path)\n");

        /* CPU while waiting, the steady state: daemons that take 1 s to become ready, so that
         * what a start costs once (the seccomp answerer, the first probes) weighs little.
         * Target: <= 0.5 % of the wait. */
        fixed_delay_ms = 1000;
        printf("\nlauncher CPU while waiting (daemons ready after %d ms, 3 runs each, interleaved)\n",
               fixed_delay_ms);
        printf("%-18s %12s %12s %10s\n", "kind", "CPU ms", "wait ms", "CPU %");
        if (json)
                fprintf(json, "  ],\n  \"waiting\": [\n");
        {
                uint64_t cpu[N_KINDS] = { 0 }, wall[N_KINDS] = { 0 };

                for (int i = 0; i < 3; i++)
                        for (size_t k = 1; k < N_KINDS; k++)
                                if (kind_selected(&kinds[k]) &&
                                    isnan(run_once(
                                            ctx, fixture, &kinds[k], dir, 1000 + i, &cpu[k], &wall[k])))
                                        failures++;
                for (size_t k = 1; k < N_KINDS; k++) {
                        double percent;

                        if (!kind_selected(&kinds[k]))
                                continue;
                        percent = wall[k] ? 100.0 * (double) cpu[k] / (double) wall[k] : 0;

                        printf("%-18s %12.3f %12.1f %10.3f%s\n", kinds[k].name, (double) cpu[k] / 3e6,
                               (double) wall[k] / 3e6, percent, percent <= 0.5 ? "" : "  (over 0.5 %)");
                        if (json)
                                fprintf(json, "    {\"kind\": \"%s\", \"cpu_percent\": %.3f}%s\n",
                                        kinds[k].name, percent, k + 1 < N_KINDS ? "," : "");
                }
        }
        if (json) {
                fprintf(json, "  ]\n}\n");
                fclose(json);
        }
        ur_context_free(ctx);
        {
                char cmd[64];
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
                if (system(cmd) != 0)
                        failures++;
        }
        return failures ? 1 : 0;
}

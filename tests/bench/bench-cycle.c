/* What the launcher costs: start+stop cycles against a bare fork/exec/kill/wait baseline
 * (with a cgroup and without), stop latency, scale (1..500 units in parallel: wall time,
 * launcher CPU per unit, peak RSS), and killing a tree of 1000 processes. Each figure is a
 * median over repeated runs with min and max; ratios are measured side by side in the same
 * run. Prints a table and writes bench-cycle.json.
 *
 *   bench-cycle                      (TREE_FIXTURE: path of tree-fixture, from meson)
 *   bench-cycle scale N              (internal: one scale run in a fresh process) */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test-util.h"
#include "unitrun.h"

#define CYCLES 200
#define STOPS 100

static FILE *json;

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
               (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

struct stats {
        double median, min, max;
};

static struct stats summarize(double *v, size_t n)
{
        test_sort_doubles(v, n);
        return (struct stats){ .median = v[n / 2], .min = v[0], .max = v[n - 1] };
}

static void
report(const char *name, struct stats s, const char *unit, double target, const char *versus, double ratio)
{
        printf("%-34s %10.3f %10.3f %10.3f %-4s", name, s.median, s.min, s.max, unit);
        if (!isnan(ratio))
                printf("  %.2fx %s", ratio, versus);
        if (!isnan(target))
                printf("  (target %g %s)", target, unit);
        printf("\n");
        if (json)
                fprintf(json,
                        "  \"%s\": {\"median\": %.4f, \"min\": %.4f, \"max\": %.4f, \"unit\": "
                        "\"%s\"%s%.3f%s},\n",
                        name, s.median, s.min, s.max, unit,
                        isnan(ratio) ? "" : ", \"ratio\": ", isnan(ratio) ? 0.0 : ratio,
                        isnan(ratio) ? "" : "");
}

/* The floor: fork, exec sleep (and learn that it happened, through a close-on-exec pipe,
 * as a started unit does), SIGTERM, wait; no cgroup, no event loop. */
static double bare_cycle_ms(void)
{
        double t0 = now_ms();
        int fds[2];
        char c;
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                exit(71);
        pid = fork();
        if (pid == 0) {
                execl("/bin/sleep", "sleep", "100", (char *) NULL);
                _exit(127);
        }
        close(fds[1]);
        (void) !read(fds[0], &c, 1); /* EOF once execve() succeeded */
        close(fds[0]);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return now_ms() - t0;
}

static double unit_cycle_ms(ur_context *ctx, int i, double *ret_stop_ms)
{
        char name[64];
        char *argv[] = { (char *) "/bin/sleep", (char *) "100", NULL };
        ur_executor *e;
        double t0, t1;

        snprintf(name, sizeof(name), "sleep-%d.service", i);
        t0 = now_ms();
        if (ur_executor_new(ctx, name, argv, &e) < 0 || ur_executor_start(e) != UR_OK)
                exit(1);
        t1 = now_ms();
        if (ur_executor_stop(e) != UR_OK)
                exit(1);
        if (ret_stop_ms)
                *ret_stop_ms = now_ms() - t1;
        ur_executor_free(e);
        return now_ms() - t0;
}

static void bench_cycles(void)
{
        static double bare[CYCLES], with_cgroup[CYCLES], without[CYCLES];
        ur_context *cg = NULL, *fb = NULL;
        struct stats b, c, f;

        if (ur_context_new(&cg) < 0)
                exit(71);
        setenv("UNITRUN_NO_CGROUP", "1", 1);
        if (ur_context_new(&fb) < 0)
                exit(71);
        (void) ur_context_get_isolation(fb); /* decided now, while the variable is set */
        unsetenv("UNITRUN_NO_CGROUP");
        printf("isolation: %s\n",
               ur_context_get_isolation(cg) == UR_ISOLATION_CGROUP ? "cgroup" : "not cgroup");

        /* Interleaved, so that load on the machine hits all three alike. */
        for (int i = 0; i < CYCLES; i++) {
                bare[i] = bare_cycle_ms();
                with_cgroup[i] = unit_cycle_ms(cg, i, NULL);
                without[i] = unit_cycle_ms(fb, i, NULL);
        }
        b = summarize(bare, CYCLES);
        c = summarize(with_cgroup, CYCLES);
        f = summarize(without, CYCLES);
        report("cycle: bare fork+exec+kill+wait", b, "ms", NAN, "", NAN);
        report("cycle: unit in a cgroup", c, "ms", NAN, "bare (target <= 2x)", c.median / b.median);
        report("cycle: unit, UNITRUN_NO_CGROUP=1", f, "ms", NAN, "bare", f.median / b.median);
        ur_context_free(fb);
        ur_context_free(cg);
}

/* Stop latency: stop() of a daemon that dies at once on SIGTERM, against the same daemon
 * stopped bare (kill + waitpid): the difference is what we add. */
static void bench_stop(void)
{
        static double bare[STOPS], ours[STOPS];
        ur_context *ctx = NULL;
        struct stats b, o;

        if (ur_context_new(&ctx) < 0)
                exit(71);
        for (int i = 0; i < STOPS; i++) {
                pid_t pid = fork();
                double t0;

                if (pid == 0) {
                        execl("/bin/sleep", "sleep", "100", (char *) NULL);
                        _exit(127);
                }
                usleep(2000); /* let it exec, as a started unit has */
                t0 = now_ms();
                kill(pid, SIGTERM);
                waitpid(pid, NULL, 0);
                bare[i] = now_ms() - t0;
                (void) unit_cycle_ms(ctx, i, &ours[i]);
        }
        b = summarize(bare, STOPS);
        o = summarize(ours, STOPS);
        report("stop: bare kill+waitpid", b, "ms", NAN, "", NAN);
        report("stop: ur_executor_stop()", o, "ms", NAN, "bare", o.median / b.median);
        for (int i = 0; i < STOPS; i++)
                ours[i] -= b.median;
        report("stop: overshoot over bare", summarize(ours, STOPS), "ms", 1, "", NAN);
        ur_context_free(ctx);
}

/* One scale run, in a fresh process so that its peak RSS is its own. */
static int scale_child(int n)
{
        char *argv[] = { (char *) "/bin/sleep", (char *) "100", NULL };
        ur_context *ctx = NULL;
        double t0, t_ready, t_end, c0, c1;
        char line[256];
        FILE *f;
        long hwm_kb = 0;

        if (ur_context_new(&ctx) < 0)
                return 71;
        for (int i = 0; i < n; i++) {
                char name[64];
                ur_executor *e;

                snprintf(name, sizeof(name), "s%d.service", i);
                if (ur_executor_new(ctx, name, argv, &e) < 0)
                        return 71;
        }
        c0 = cpu_ms();
        t0 = now_ms();
        if (ur_context_start_all(ctx) != UR_OK)
                return 1;
        t_ready = now_ms();
        if (ur_context_stop_all(ctx) != UR_OK)
                return 1;
        t_end = now_ms();
        c1 = cpu_ms();
        f = fopen("/proc/self/status", "re");
        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "VmHWM: %ld kB", &hwm_kb) == 1)
                        break;
        if (f)
                fclose(f);
        printf("%.3f %.3f %.4f %ld\n", t_ready - t0, t_end - t0, (c1 - c0) / n, hwm_kb);
        ur_context_free(ctx);
        return 0;
}

static void bench_scale(const char *self)
{
        static const int sizes[] = { 1, 10, 100, 500 };
        double base_per_unit = NAN;

        printf("%-8s %14s %14s %18s %14s %16s\n", "units", "ready ms", "ready+stop ms", "CPU ms per unit",
               "peak RSS MB", "wall per unit");
        for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
                double ready[5], total[5], cpu[5], rss = 0;
                struct stats rs, ts, cs;
                int runs = sizes[k] >= 500 ? 3 : 5;

                for (int r = 0; r < runs; r++) {
                        char cmd[4200];
                        long hwm = 0;
                        FILE *p;

                        snprintf(cmd, sizeof(cmd), "'%s' scale %d", self, sizes[k]);
                        p = popen(cmd, "r");
                        if (!p || fscanf(p, "%lf %lf %lf %ld", &ready[r], &total[r], &cpu[r], &hwm) != 4)
                                exit(1);
                        pclose(p);
                        if (hwm / 1024.0 > rss)
                                rss = hwm / 1024.0;
                }
                rs = summarize(ready, (size_t) runs);
                ts = summarize(total, (size_t) runs);
                cs = summarize(cpu, (size_t) runs);
                if (isnan(base_per_unit))
                        base_per_unit = ts.median;
                printf("%-8d %14.2f %14.2f %18.3f %14.1f %16.3f\n", sizes[k], rs.median, ts.median,
                       cs.median, rss, ts.median / sizes[k]);
                if (json)
                        fprintf(json,
                                "  \"scale_%d\": {\"ready_ms\": %.3f, \"ready_stop_ms\": %.3f, "
                                "\"cpu_ms_per_unit\": %.4f, "
                                "\"peak_rss_mb\": %.1f},\n",
                                sizes[k], rs.median, ts.median, cs.median, rss);
        }
        printf("(targets: CPU <= 1 ms per unit, RSS <= 16 MB at 500 units, wall growing no worse than "
               "linearly)\n");
}

/* A unit that built a tree of 1000 processes: time from the final kill to an empty cgroup.
 * Returns how many recorded processes survived (-1: none recorded, the check proved
 * nothing); `bench-cycle tree-kill`, the test of the same name, fails unless 0. */
static int bench_tree_kill(void)
{
        const char *fixture = getenv("TREE_FIXTURE");
        double samples[5];
        ur_context *ctx = NULL;
        int survivors = 0, recorded = 0;

        if (!fixture) {
                printf("tree kill: skipped (TREE_FIXTURE not set)\n");
                return -1;
        }
        if (ur_context_new(&ctx) < 0)
                exit(71);
        for (int r = 0; r < 5; r++) {
                char pidfile[] = "/tmp/bench-tree.XXXXXX";
                char *argv[] = { (char *) fixture, (char *) "1000", pidfile, NULL };
                char name[64];
                ur_executor *e;
                double t0;
                int fd = mkstemp(pidfile), pid;
                FILE *f;

                if (fd < 0)
                        exit(71);
                close(fd);
                snprintf(name, sizeof(name), "tree-%d.service", r);
                if (ur_executor_new(ctx, name, argv, &e) < 0)
                        exit(71);
                ur_executor_set_type(e, UR_TYPE_NOTIFY);
                ur_executor_set_start_timeout(e, 60ULL * 1000000);
                if (ur_executor_start(e) != UR_OK)
                        exit(1);
                t0 = now_ms();
                ur_executor_stop_now(e); /* straight to cgroup.kill */
                while (ur_executor_get_state(e) == UR_STATE_STOPPING)
                        ur_context_dispatch(ctx, -1);
                samples[r] = now_ms() - t0;
                f = fopen(pidfile, "re");
                while (f && fscanf(f, "%d", &pid) == 1) {
                        char state = test_proc_state(pid);

                        recorded++;
                        if (state && state != 'Z' && state != 'X') {
                                survivors++;
                                (void) kill(pid, SIGKILL);
                        }
                }
                if (f)
                        fclose(f);
                unlink(pidfile);
                ur_executor_free(e);
        }
        report("tree kill: 1000 processes to empty", summarize(samples, 5), "ms", NAN, "", NAN);
        printf("tree kill: survivors %d (must be 0) of %d recorded\n", survivors, recorded);
        if (json)
                fprintf(json, "  \"tree_kill_survivors\": %d,\n", survivors);
        ur_context_free(ctx);
        return recorded >= 5 * 1000 ? survivors : -1;
}

int main(int argc, char **argv)
{
        int survivors;

        if (argc == 3 && strcmp(argv[1], "scale") == 0)
                return scale_child(atoi(argv[2]));
        if (argc == 2 && strcmp(argv[1], "tree-kill") == 0) {
                /* The correctness half of the benchmark, as a test: nothing survives. */
                survivors = bench_tree_kill();
                return survivors == 0 ? 0 : 1;
        }

        json = fopen("bench-cycle.json", "we");
        if (json)
                fprintf(json, "{\n");
        printf("%-34s %10s %10s %10s\n", "", "median", "min", "max");
        bench_cycles();
        bench_stop();
        survivors = bench_tree_kill();
        bench_scale(argv[0][0] == '/' ? argv[0] : realpath(argv[0], NULL));
        if (json) {
                fprintf(json, "  \"cycles\": %d\n}\n", CYCLES);
                fclose(json);
        }
        return survivors > 0 ? 1 : 0;
}

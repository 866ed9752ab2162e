/* Hygiene: starting and stopping executors in a loop inside one process leaks nothing.
 * 500 executors, one after the other, in one context; then 50 contexts, each with one
 * executor; then 100 executors whose TCP= condition hears the unit's listen() (a seccomp
 * answerer per start, which shares our memory on a stack of ours: the mappings are
 * counted too). After a warm-up, the fd count (/proc/self/fd), VmRSS (within a generous
 * slack), the cgroup children of the run, our child processes (zombies included) and the
 * runtime directories must be where they were. Runs on both paths (UNITRUN_NO_CGROUP=1:
 * the fallback, where there are no cgroups to count). */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test-net.h"
#include "test-util.h"
#include "torture-util.h"
#include "test-lib.h"
#include "unitrun.h"

#define N_EXECUTORS 500
#define N_CONTEXTS 50
#define N_LISTENERS 100
#define WARMUP 25
#define RSS_SLACK_KB (4 * 1024)

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static const char *sleep_bin;

static long rss_kb(void)
{
        char *status = test_read_file("/proc/self/status");
        const char *p = status ? strstr(status, "VmRSS:") : NULL;
        long kb = p ? strtol(p + 6, NULL, 10) : -1;

        free(status);
        return kb;
}

/* Subdirectories of a cgroup directory (-1 without one). */
static int count_subdirs(const char *path)
{
        DIR *d;
        struct dirent *de;
        int n = 0;

        if (!path)
                return -1;
        d = opendir(path);
        if (!d)
                return -1;
        while ((de = readdir(d)))
                if (de->d_type == DT_DIR && de->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}

/* Our child processes, zombies included: a leaked zombie is a leak too. */
static int count_children(void)
{
        return test_list_children(NULL, INT_MAX);
}

static int one_cycle(ur_context *ctx, unsigned i)
{
        char name[64];
        char *argv[] = { (char *) sleep_bin, (char *) "1000", NULL };
        ur_executor *e = NULL;
        int r;

        snprintf(name, sizeof(name), "hygiene-%u.service", i);
        r = ur_executor_new(ctx, name, argv, &e);
        if (r >= 0)
                r = ur_executor_set_stop_timeout(e, 5000000);
        if (r >= 0)
                r = ur_executor_start(e);
        if (r == UR_OK && ur_executor_get_pid(e) <= 0)
                r = -ESRCH;
        if (r == UR_OK)
                r = ur_executor_stop(e);
        if (r != UR_OK)
                fprintf(stderr, "\n    cycle %u: %s (%s)\n", i, test_outcome_name(r),
                        e && ur_executor_get_error(e) ? ur_executor_get_error(e) : "no message");
        ur_executor_free(e);
        return r;
}

static void test_500_executors_one_context(void)
{
        ur_context *ctx = NULL;
        int fds0 = 0, children0 = 0, cg0 = 0, failures = 0;
        long rss0 = 0;
        const char *cgroup;
        char leftovers[1024];

        CU_ASSERT_EQUAL_FATAL(ur_context_new(&ctx), 0);
        for (unsigned i = 0; i < N_EXECUTORS; i++) {
                if (i == WARMUP) {
                        fds0 = test_count_fds();
                        rss0 = rss_kb();
                        children0 = count_children();
                        cg0 = count_subdirs(ur_context_get_cgroup(ctx));
                }
                if (one_cycle(ctx, i) < 0 && ++failures > 3)
                        break;
        }
        CU_ASSERT_EQUAL(failures, 0);
        cgroup = ur_context_get_cgroup(ctx);
        fprintf(stderr,
                "\n    after %d cycles: fds %d -> %d, VmRSS %ld -> %ld kB, children %d -> %d, cgroups %d -> "
                "%d\n",
                N_EXECUTORS - WARMUP, fds0, test_count_fds(), rss0, rss_kb(), children0, count_children(),
                cg0, count_subdirs(cgroup));
        CU_ASSERT_EQUAL(test_count_fds(), fds0);
        CU_ASSERT_EQUAL(count_children(), children0);
        if (cgroup)
                CU_ASSERT_EQUAL(count_subdirs(cgroup), cg0);
#ifdef UNDER_ASAN
        fprintf(stderr,
                "    (VmRSS not compared under AddressSanitizer: its quarantine grows on purpose)\n");
#else
        CU_ASSERT_TRUE(rss_kb() <= rss0 + RSS_SLACK_KB);
#endif
        ur_context_free(ctx);
        CU_ASSERT_EQUAL(torture_runtime_leftovers(leftovers, sizeof(leftovers)), 0);
}

static void test_50_contexts(void)
{
        char run_dir[PATH_MAX + 32] = "", leftovers[1024];
        int fds0 = 0, children0 = 0, failures = 0;
        long rss0 = 0;

        for (unsigned i = 0; i < N_CONTEXTS; i++) {
                ur_context *ctx = NULL;
                const char *cg;

                if (i == 5) {
                        fds0 = test_count_fds();
                        rss0 = rss_kb();
                        children0 = count_children();
                }
                if (ur_context_new(&ctx) < 0) {
                        failures++;
                        break;
                }
                cg = ur_context_get_cgroup(ctx);
                if (cg && !run_dir[0]) {
                        /* The run directory unitrun-<pid>: it must go with each context.
                         * (Not a count of our own cgroup's children: concurrent tests
                         * make their runs there too.) */
                        snprintf(run_dir, sizeof(run_dir), "%s", cg);
                }
                if (one_cycle(ctx, i) < 0)
                        failures++;
                ur_context_free(ctx);
                if (run_dir[0] && test_dir_exists(run_dir)) {
                        fprintf(stderr, "\n    context %u: %s is left after ur_context_free()\n", i,
                                run_dir);
                        failures++;
                        break;
                }
                if (torture_runtime_leftovers(leftovers, sizeof(leftovers)) > 0) {
                        fprintf(stderr, "\n    context %u: runtime directory left:\n%s", i, leftovers);
                        failures++;
                        break;
                }
        }
        CU_ASSERT_EQUAL(failures, 0);
        fprintf(stderr, "\n    after %d contexts: fds %d -> %d, VmRSS %ld -> %ld kB, children %d -> %d\n",
                N_CONTEXTS - 5, fds0, test_count_fds(), rss0, rss_kb(), children0, count_children());
        CU_ASSERT_EQUAL(test_count_fds(), fds0);
        CU_ASSERT_EQUAL(count_children(), children0);
#ifndef UNDER_ASAN
        CU_ASSERT_TRUE(rss_kb() <= rss0 + RSS_SLACK_KB);
#endif
}

/* Lines of /proc/self/maps: a stack left mapped is one more (or two, with its guard). */
static int count_mappings(void)
{
        char *maps = test_read_file("/proc/self/maps");
        int n = 0;

        for (const char *p = maps; p && *p; p++)
                n += *p == '\n';
        free(maps);
        return maps ? n : -1;
}

static int one_listener_cycle(ur_context *ctx, unsigned i)
{
        char name[64], tcp[64], spec[64], *argv[4];
        const char *args[] = { tcp, NULL };
        int port = test_free_port(AF_INET), r;
        ur_executor *e = NULL;

        snprintf(name, sizeof(name), "hygiene-listen-%u.service", i);
        snprintf(tcp, sizeof(tcp), "tcp=127.0.0.1:%d", port);
        snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
        r = port > 0 ? test_fixture_argv(argv, 4, "listener", args) : -EADDRNOTAVAIL;
        if (r < 0)
                return r;
        r = ur_executor_new(ctx, name, argv, &e);
        free(argv[0]);
        if (r >= 0)
                r = ur_executor_add_ready_tcp(e, spec);
        if (r >= 0)
                r = ur_executor_start(e);
        if (r == UR_OK)
                r = ur_executor_stop(e);
        if (r != UR_OK)
                fprintf(stderr, "\n    listener cycle %u: %s (%s)\n", i, test_outcome_name(r),
                        e && ur_executor_get_error(e) ? ur_executor_get_error(e) : "no message");
        ur_executor_free(e);
        return r;
}

static void test_listeners_one_context(void)
{
        ur_context *ctx = NULL;
        int fds0 = 0, children0 = 0, maps0 = 0, failures = 0;

        CU_ASSERT_PTR_NOT_NULL_FATAL(getenv("FIXTURE_DIR"));
        CU_ASSERT_EQUAL_FATAL(ur_context_new(&ctx), 0);
        for (unsigned i = 0; i < N_LISTENERS; i++) {
                if (i == 10) {
                        fds0 = test_count_fds();
                        children0 = count_children();
                        maps0 = count_mappings();
                }
                if (one_listener_cycle(ctx, i) < 0 && ++failures > 3)
                        break;
        }
        CU_ASSERT_EQUAL(failures, 0);
        fprintf(stderr,
                "\n    after %d listener cycles: fds %d -> %d, children %d -> %d, mappings %d -> %d\n",
                N_LISTENERS - 10, fds0, test_count_fds(), children0, count_children(), maps0,
                count_mappings());
        CU_ASSERT_EQUAL(test_count_fds(), fds0);
        CU_ASSERT_EQUAL(count_children(), children0);
        /* glibc's malloc may map an arena or two on its own; a stack per start would be 90. */
        CU_ASSERT_TRUE(count_mappings() <= maps0 + 4);
        ur_context_free(ctx);
}

int main(void)
{
        static CU_TestInfo tests[] = {
                { "500 executors in one context", test_500_executors_one_context },
                { "50 contexts", test_50_contexts },
                { "100 executors with listen events", test_listeners_one_context },
                CU_TEST_INFO_NULL,
        };
        const char *no_cgroup = getenv("UNITRUN_NO_CGROUP");
        bool fallback = no_cgroup && strcmp(no_cgroup, "1") == 0;

        sleep_bin = test_find_program("sleep");
        if (!sleep_bin) {
                fprintf(stderr, "skipped: no sleep(1) in PATH\n");
                return 77;
        }
        return torture_run_library_tests("hygiene", tests, fallback);
}

/* The one runner of every CUnit test program. A program lists its cases (CU_SuiteInfo with
 * designated initializers for plain unit tests, or a cunit_case table for the programs
 * that run on both isolation paths and in groups) and main() returns what the runner
 * returns.
 *
 * What the runner adds to CUnit, so that no program has to remember it:
 *  - the verdict meson expects: 0 when every assertion held, 1 when any failed, 77 (skip)
 *    when the whole program cannot run here, 99 (hard error) when CUnit could not set up.
 *    CU_get_error() is no use as the verdict: it reports framework errors only;
 *  - a deadline per case (CUNIT_CASE_DEADLINE_SEC, times $TEST_TIMEOUT_MULTIPLIER): a
 *    case that hangs fails BY NAME, its processes are killed (the hooks, then every
 *    descendant of the program), and the program exits 1 long before meson's whole-program
 *    timeout, which names no case;
 *  - cunit_reset_signals() for the child side of every fork of the harness: a suite
 *    started by nohup or as a background job has SIGINT/SIGHUP ignored, and a child would
 *    inherit that (the program itself may ignore SIGPIPE on purpose);
 *  - skips that are visible: cunit_skip() records a case that could not run here and says
 *    why; under CI=true it is a failure unless the skip allow-list
 *    ($TEST_SKIP_ALLOWLIST, tests/skip-allowlist.txt) names it. A case that cannot run
 *    must call it, never return early as if it had passed. */
#pragma once

#include <stdbool.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#define CUNIT_EXIT_SKIP 77
#define CUNIT_EXIT_HARD_ERROR 99

/* The default deadline of one case, before $TEST_TIMEOUT_MULTIPLIER; $TEST_CASE_DEADLINE_SEC
 * overrides it for a program (keep it below the program's meson timeout, so that a hang
 * is named by its case). */
#define CUNIT_CASE_DEADLINE_SEC 90

/* One case of a table-run program. */
typedef struct cunit_case {
        const char *group; /* argv[1] selects the cases of one group; NULL: in every group */
        const char *name;
        CU_TestFunc func;
        /* Non-NULL: why the fallback path cannot honestly guarantee this; the case is not
         * registered there (not applicable, said on stderr, not a skip). */
        const char *fallback_na;
        unsigned deadline_sec; /* 0: CUNIT_CASE_DEADLINE_SEC */
        /* Instead of func: a table-driven case, run(data) (no trampoline per row). */
        void (*run)(const void *data);
        const void *data;
} cunit_case;

/* Runs the NULL-terminated suites; the exit code of the program. */
int cunit_run(CU_SuiteInfo *suites);

/* Runs one suite: the CU_TEST_INFO_NULL-terminated tests under suite_name. */
int cunit_run_tests(const char *suite_name, CU_TestInfo *tests);

/* Runs the cases of cases[0..n) in one suite named suite_name; group (argv[1], may be NULL
 * for all) selects, fallback drops the cases not applicable there. */
int cunit_run_cases(
        const char *suite_name, const cunit_case *cases, size_t n, const char *group, bool fallback);

/* UNITRUN_NO_CGROUP=1: the program runs on the fallback path. */
bool cunit_fallback_mode(void);

/* Called (from a signal handler: async-signal-safe calls only) when a case missed its
 * deadline, before the runner kills every descendant. At most 8. */
typedef void (*cunit_kill_hook)(void);
void cunit_add_kill_hook(cunit_kill_hook hook);

/* The name of the running case ("" between cases). */
const char *cunit_current_case(void);

/* The running case could not run here: says why, counts it, and under CI=true (when the
 * allow-list does not name "PROGRAM: CASE") fails it. The caller then leaves the case. */
#define cunit_skip(...) cunit_skip_at(__FILE__, __LINE__, __VA_ARGS__)
void cunit_skip_at(const char *file, unsigned line, const char *format, ...)
        __attribute__((format(printf, 3, 4)));

/* Every signal back to its default disposition and an empty signal mask; for the child
 * side of every fork of the harness. */
void cunit_reset_signals(void);

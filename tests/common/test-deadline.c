/* The runner's per-case deadline, tested: a case that hangs must fail BY NAME well before
 * any whole-program timeout, and every process it started must be dead afterwards, the
 * fixture's helper and a grandchild it does not know about alike.
 *
 *   test-deadline          runs itself as "test-deadline hang" and checks the outcome: once
 *                          at the case's deadline, once SIGTERMed as by a meson timeout
 *   test-deadline hang     a CUnit program whose second case hangs (deadline 2 s, or 60 s
 *                          with TEST_DEADLINE_LONG=1) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-run.h"
#include "cunit-main.h"
#include "tcase.h"
#include "test-assert.h"
#include "test-net.h"
#include "test-util.h"

static const char *record_dir;

static void test_passes(void)
{
        CU_ASSERT_TRUE(true);
}

/* A helper the fixture knows, a shell whose background child it does not; then wait
 * forever, as a start that never finishes would. */
static void test_hangs(void)
{
        char script[1024];
        tcase t = TCASE_NULL;

        if (!tcase_init(&t))
                goto out;
        snprintf(
                script, sizeof(script),
                "sleep 1000 & echo $! > %s/grandchild.pid; echo $$ > %s/helper.pid; wait", record_dir,
                record_dir);
        REQUIRE(tcase_add_helper(&t, test_spawn((char *const[]){ "/bin/sh", "-c", script, NULL }, NULL)));
        for (;;)
                pause();
out:
        tcase_done(&t);
}

static void test_never_reached(void)
{
        CU_FAIL("the runner went on after a case missed its deadline");
}

static const cunit_case hang_cases[] = {
        { .name = "passes", .func = test_passes },
        { .name = "hangs on purpose", .func = test_hangs, .deadline_sec = 2 },
        { .name = "never reached", .func = test_never_reached },
};

/* The PID in DIR/NAME, once the hanging program wrote it; 0 if it never did. */
static pid_t read_pid(const char *dir, const char *name)
{
        char *path = test_path_join(dir, name), *text = path ? test_read_file(path) : NULL;
        pid_t pid = text ? (pid_t) atoi(text) : 0;

        free(text);
        free(path);
        return pid;
}

/* by_term: the case has a long deadline, and the program gets SIGTERM once the case runs,
 * as from meson's whole-program timeout: the runner names the case all the same. */
static void run_hanging(bool by_term)
{
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        char *dir = test_make_temp_dir(), *env[4] = { NULL, NULL, NULL, NULL };
        char env_dir[4200], env_tmp[4200];
        cli_run *r = cli_run_new();
        pid_t helper, grandchild;

        REQUIRE(n > 0 && dir);
        self[n] = 0;
        snprintf(env_dir, sizeof(env_dir), "TEST_DEADLINE_DIR=%s", dir);
        /* The hanging case's own temp dir inside ours: its runner exits without removing
         * it, and ours goes whole. */
        snprintf(env_tmp, sizeof(env_tmp), "TEST_TMPDIR=%s", dir);
        env[0] = env_dir;
        env[1] = env_tmp;
        env[2] = by_term ? (char *) "TEST_DEADLINE_LONG=1" : NULL;
        REQUIRE(cli_run_spawn(r, self, (char *const[]){ "hang", NULL }, env) == 0);
        if (by_term) {
                char *pid_file = test_path_join(dir, "helper.pid");

                /* The hanging case is running once its helper wrote its PID. */
                CU_ASSERT_TRUE(test_wait_for_file(pid_file, 10000));
                free(pid_file);
                usleep(100 * 1000);
                (void) kill(r->pid, SIGTERM);
        }
        cli_run_finish(r, 30000);
        CLI_CHECK(r, r->status == 1);
        CLI_CHECK(r, !r->timed_out && r->elapsed_ms < 20000);
        CLI_CHECK(r, strstr(r->err, "FAIL: case \"hangs on purpose\"") != NULL);
        /* 2 s, times $TEST_TIMEOUT_MULTIPLIER (the sanitizer build's 3). */
        CLI_CHECK(
                r, strstr(r->err, by_term ? "was interrupted by signal 15" : "missed its deadline of ") !=
                           NULL);
        CLI_CHECK(r, strstr(r->out, "never reached") == NULL);
        helper = read_pid(dir, "helper.pid");
        grandchild = read_pid(dir, "grandchild.pid");
        CU_ASSERT_TRUE(helper > 0 && grandchild > 0);
        /* Reparented to PID 1 (which may not reap here): dead means gone or a zombie. */
        for (int i = 0; i < 100 && (test_process_alive(helper, 0) || test_process_alive(grandchild, 0)); i++)
                usleep(20 * 1000);
        CU_ASSERT_FALSE(test_process_alive(helper, 0));
        CU_ASSERT_FALSE(test_process_alive(grandchild, 0));
        if (grandchild > 0 && test_process_alive(grandchild, 0))
                (void) kill(grandchild, SIGKILL);
out:
        cli_run_free(r);
        test_remove_temp_dir(dir);
}

static void test_deadline_names_the_case_and_kills(void)
{
        run_hanging(false);
}

static void test_sigterm_names_the_case_and_kills(void)
{
        run_hanging(true);
}

int main(int argc, char *argv[])
{
        if (argc == 2 && strcmp(argv[1], "hang") == 0) {
                static cunit_case cases[ELEMENTS(hang_cases)];

                record_dir = getenv("TEST_DEADLINE_DIR");
                if (!record_dir)
                        return CUNIT_EXIT_HARD_ERROR;
                memcpy(cases, hang_cases, sizeof(cases));
                if (getenv("TEST_DEADLINE_LONG"))
                        cases[1].deadline_sec = 60;
                return cunit_run_cases("deadline (hangs)", cases, ELEMENTS(cases), NULL, false);
        }
        {
                static CU_TestInfo tests[] = {
                        { "a case that hangs fails by name; its processes die",
                          test_deadline_names_the_case_and_kills },
                        { "a SIGTERM (meson's timeout) during a case names it; its processes die",
                          test_sigterm_names_the_case_and_kills },
                        CU_TEST_INFO_NULL,
                };
                return cunit_run_tests("runner deadline", tests);
        }
}

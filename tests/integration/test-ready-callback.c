/* The caller-side readiness check (ur_executor_add_ready_callback()) and PCRE2 Output=
 * patterns against real processes: a callback that turns ready once the process has made
 * a file, one that never does (the start times out, naming it, nothing left running), and
 * Output= with \d, (?i) and a pattern that does not compile. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit-main.h"
#include "test-util.h"
#include "unitrun.h"

struct file_probe {
        const char *path;
        unsigned calls;
};

static int file_is_there(void *userdata)
{
        struct file_probe *p = userdata;

        p->calls++;
        return access(p->path, F_OK) == 0 ? 1 : 0;
}

static void test_callback_turns_ready(void)
{
        char *dir = test_make_temp_dir(), *file, cmd[512];
        struct file_probe probe = { 0 };
        ur_context *ctx = NULL;
        ur_executor *e = NULL;
        pid_t pid;

        CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
        file = test_path_join(dir, "made");
        probe.path = file;
        snprintf(cmd, sizeof(cmd), "sleep 0.3; touch '%s'; exec sleep 100", file);
        CU_ASSERT_FATAL(ur_context_new(&ctx) >= 0);
        CU_ASSERT_FATAL(ur_executor_new_shell(ctx, "cb.service", cmd, &e) >= 0);
        CU_ASSERT_EQUAL(ur_executor_add_ready_callback(e, NULL, NULL), -EINVAL);
        CU_ASSERT_EQUAL(ur_executor_add_ready_callback(e, file_is_there, &probe), 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        CU_ASSERT_TRUE(test_file_exists(file));
        /* Polled, so asked more than once while the shell slept. */
        CU_ASSERT_TRUE(probe.calls > 1);
        pid = ur_executor_get_pid(e);
        CU_ASSERT_TRUE(pid > 0 && test_process_alive(pid, 0));
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        CU_ASSERT_FALSE(test_process_alive(pid, 0));
        ur_context_free(ctx);
        free(file);
        test_remove_temp_dir(dir);
}

static int never(void *userdata)
{
        (*(unsigned *) userdata)++;
        return 0;
}

static void test_callback_times_out(void)
{
        ur_context *ctx = NULL;
        ur_executor *e = NULL;
        unsigned calls = 0, after;
        const char *error;
        pid_t pid = 0;

        CU_ASSERT_FATAL(ur_context_new(&ctx) >= 0);
        CU_ASSERT_FATAL(ur_executor_new_shell(ctx, "never.service", "exec sleep 100", &e) >= 0);
        CU_ASSERT_EQUAL(ur_executor_add_ready_callback(e, never, &calls), 0);
        CU_ASSERT_EQUAL(ur_executor_set_start_timeout(e, 300 * 1000), 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), UR_TIMED_OUT);
        CU_ASSERT_EQUAL(ur_executor_get_failure(e), UR_FAILURE_TIMEOUT);
        error = ur_executor_get_error(e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(error);
        CU_ASSERT_PTR_NOT_NULL(strstr(error, "caller's readiness check"));
        CU_ASSERT_TRUE(calls > 2);
        CU_ASSERT_FALSE(ur_executor_is_running(e));
        CU_ASSERT_PTR_NULL(ur_executor_get_cgroup(e));
        /* Not asked any more once the start is over. */
        after = calls;
        for (int i = 0; i < 5; i++)
                (void) ur_context_dispatch(ctx, 10);
        CU_ASSERT_EQUAL(calls, after);
        (void) pid;
        ur_context_free(ctx);
}

static int start_with_output(const char *text, const char *re, const char **ret_error)
{
        char *fixture = test_fixture_path("output");
        char *argv[] = { fixture, (char *) text, NULL };
        ur_context *ctx = NULL;
        ur_executor *e = NULL;
        int r;

        CU_ASSERT_PTR_NOT_NULL_FATAL(fixture);
        CU_ASSERT_FATAL(ur_context_new(&ctx) >= 0);
        CU_ASSERT_FATAL(ur_executor_new(ctx, "out.service", argv, &e) >= 0);
        r = ur_executor_add_ready_output(e, re, UR_STDOUT);
        if (r < 0) {
                static char saved[512];

                snprintf(
                        saved, sizeof(saved), "%s",
                        ur_executor_get_error(e) ? ur_executor_get_error(e) : "");
                *ret_error = saved;
        } else {
                CU_ASSERT_EQUAL(ur_executor_set_start_timeout(e, 400 * 1000), 0);
                r = ur_executor_start(e);
                if (r == 0)
                        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        }
        ur_context_free(ctx);
        free(fixture);
        return r;
}

static void test_output_pcre(void)
{
        const char *error = NULL;

        CU_ASSERT_EQUAL(start_with_output("boot\\nlistening on port 6379\\n", "port \\d+$", &error), 0);
        CU_ASSERT_EQUAL(start_with_output("listening on port d\\n", "port \\d", &error), UR_TIMED_OUT);
        CU_ASSERT_EQUAL(start_with_output("Ready To Accept\\n", "(?i)ready to accept", &error), 0);
        CU_ASSERT_EQUAL(start_with_output("Ready\\n", "(ready", &error), -EINVAL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(error);
        CU_ASSERT_PTR_NOT_NULL(strstr(error, "offset 6"));
}

static CU_TestInfo tests[] = {
        { "callback turns ready", test_callback_turns_ready },
        { "callback times out", test_callback_times_out },
        { "Output= is PCRE2", test_output_pcre },
        CU_TEST_INFO_NULL,
};

int main(void)
{
        signal(SIGPIPE, SIG_IGN);
        return cunit_run_tests("ready-callback", tests);
}

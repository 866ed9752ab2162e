/* The executor's state machine seen from outside, against real processes: the order in which
 * the embedder hears of state changes, the internal states a run walks through (the library's
 * debug log names each transition), and the deferred scheduler: a unit's event handler never
 * starts another unit from inside itself; the scheduler runs after the batch of events.
 *
 * Links the internal archive to look at one thing no public call shows: whether the loop is
 * inside a batch of event handlers when a state callback fires. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

#include "../unit/cunit-main.h"
#include "internal.h"
#include "unitrun.h"

static char fixture[4096], fixture_dir[4096];

/* What the callbacks saw, in order: "NAME:state" per public change, "NAME:a -> b" per
 * internal transition. */
struct record {
        char text[8192];
        bool started_inside_batch; /* a STARTING callback came while handlers ran */
        ur_context *ctx;
};

static void append(struct record *rec, const char *unit, const char *what)
{
        size_t l = strlen(rec->text);

        snprintf(rec->text + l, sizeof(rec->text) - l, "%s%s:%s", l ? " " : "", unit, what);
}

static void on_state(ur_executor *e, ur_state state, void *userdata)
{
        struct record *rec = userdata;

        append(rec, ur_executor_get_name(e), ur_state_to_string(state));
        /* A start that comes from the scheduler must come after the batch, not from within
         * another unit's handler. ur_context_start_all() itself starts the first ones outside
         * any batch too. */
        if (state == UR_STATE_STARTING && rec->ctx->loop.dispatching)
                rec->started_inside_batch = true;
}

static void on_log(ur_log_level level, const char *unit, const char *message, void *userdata)
{
        struct record *rec = userdata;

        if (level == UR_LOG_DEBUG && unit && strstr(message, " -> "))
                append(rec, unit, message);
}

static ur_context *context_new(struct record *rec, bool transitions)
{
        ur_context *ctx = NULL;

        CU_ASSERT_FATAL(ur_context_new(&ctx) >= 0);
        rec->ctx = ctx;
        ur_context_set_state_callback(ctx, on_state, rec);
        if (transitions)
                ur_context_set_log(ctx, on_log, rec);
        return ctx;
}

static ur_executor *notify_unit(ur_context *ctx, const char *name, const char *steps)
{
        char line[8192];
        ur_executor *e = NULL;

        snprintf(line, sizeof(line), "%s %s", fixture, steps);
        CU_ASSERT_FATAL(ur_executor_new_cmdline(ctx, name, line, 0, &e) >= 0);
        CU_ASSERT_FATAL(ur_executor_set_type(e, UR_TYPE_NOTIFY) >= 0);
        return e;
}

/* B is ordered after A and requires it: B starts once A sent READY=1, and that start comes
 * from the scheduler after A's notify handler returned. */
static void test_dependent_starts_after_the_batch(void)
{
        struct record rec = {};
        ur_context *ctx = context_new(&rec, false);
        ur_executor *a = notify_unit(ctx, "a.service", "wait=50 send=READY=1 pause");
        ur_executor *b = notify_unit(ctx, "b.service", "send=READY=1 pause");

        CU_ASSERT_FATAL(ur_executor_add_dependency(b, a, UR_DEP_AFTER | UR_DEP_REQUIRES) >= 0);
        CU_ASSERT_EQUAL(ur_context_start_all(ctx), 0);
        CU_ASSERT_EQUAL(ur_executor_get_state(a), UR_STATE_RUNNING);
        CU_ASSERT_EQUAL(ur_executor_get_state(b), UR_STATE_RUNNING);
        CU_ASSERT_FALSE(rec.started_inside_batch);
        CU_ASSERT_EQUAL(ur_context_stop_all(ctx), 0);
        CU_ASSERT_STRING_EQUAL(
                rec.text, "a.service:starting a.service:running b.service:starting b.service:running "
                          "b.service:stopping b.service:inactive a.service:stopping a.service:inactive");
        ur_context_free(ctx);
}

/* A fails before it is ready: B, which requires it, fails without a run, after A is FAILED
 * (A's stop is part of its failure, and B waits for it). */
static void test_dependency_failure_order(void)
{
        struct record rec = {};
        ur_context *ctx = context_new(&rec, false);
        ur_executor *a = notify_unit(ctx, "a.service", "exit=3");
        ur_executor *b = notify_unit(ctx, "b.service", "send=READY=1 pause");

        CU_ASSERT_FATAL(ur_executor_add_dependency(b, a, UR_DEP_AFTER | UR_DEP_REQUIRES) >= 0);
        CU_ASSERT(ur_context_start_all(ctx) < 0);
        CU_ASSERT_EQUAL(ur_executor_get_failure(a), UR_FAILURE_EXITED);
        CU_ASSERT_EQUAL(ur_executor_get_failure(b), UR_FAILURE_DEPENDENCY);
        CU_ASSERT_STRING_EQUAL(
                rec.text, "a.service:starting a.service:stopping a.service:failed b.service:failed");
        CU_ASSERT_FALSE(rec.started_inside_batch);
        ur_context_free(ctx);
}

/* Every state of a full run with every kind of command, in systemd's order. */
static void test_full_run_walks_every_state(void)
{
        struct record rec = {};
        ur_context *ctx = context_new(&rec, true);
        ur_executor *e = notify_unit(ctx, "full.service", "send=READY=1 pause");

        CU_ASSERT_FATAL(ur_executor_add_command(e, UR_EXEC_START_PRE, "/bin/true", 0) >= 0);
        CU_ASSERT_FATAL(ur_executor_add_command(e, UR_EXEC_START_POST, "/bin/true", 0) >= 0);
        CU_ASSERT_FATAL(ur_executor_add_command(e, UR_EXEC_STOP, "/bin/true", 0) >= 0);
        CU_ASSERT_FATAL(ur_executor_add_command(e, UR_EXEC_STOP_POST, "/bin/true", 0) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        CU_ASSERT_STRING_EQUAL(
                rec.text,
                "full.service:dead -> start-pre full.service:starting full.service:start-pre -> start "
                "full.service:start -> start-post full.service:start-post -> running full.service:running "
                "full.service:running -> stop full.service:stopping full.service:stop -> stop-sigterm "
                "full.service:stop-sigterm -> stop-post full.service:stop-post -> final-sigkill "
                "full.service:final-sigkill -> dead full.service:inactive");
        ur_context_free(ctx);
}

/* A unit that ignores KillSignal: TimeoutStopSec runs out, the final kill follows, and the
 * stop is an error. ur_executor_stop_now() during that skips the wait. */
static void test_stop_timeout_goes_through_sigkill(void)
{
        struct record rec = {};
        ur_context *ctx = context_new(&rec, true);
        char line[8192];
        ur_executor *e = NULL;

        /* Type=notify: it is ready once its SIGTERM is ignored. */
        snprintf(line, sizeof(line), "%s/ignore-term", fixture_dir);
        CU_ASSERT_FATAL(ur_executor_new_cmdline(ctx, "stubborn.service", line, 0, &e) >= 0);
        CU_ASSERT_FATAL(ur_executor_set_type(e, UR_TYPE_NOTIFY) >= 0);
        CU_ASSERT_FATAL(ur_executor_set_stop_timeout(e, 200 * 1000) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        CU_ASSERT_EQUAL(ur_executor_stop(e), -EBADE);
        CU_ASSERT_EQUAL(ur_executor_get_failure(e), UR_FAILURE_STOP);
        CU_ASSERT_PTR_NOT_NULL(strstr(rec.text, "stop-sigterm -> stop-sigkill"));
        CU_ASSERT_PTR_NOT_NULL(strstr(rec.text, "stop-sigkill -> failed"));
        ur_context_free(ctx);
}

/* An embedder that drives the loop itself: work queued outside dispatch (a start that failed
 * at once queues the scheduler) makes the context's fd readable, so poll() comes back. */
static void test_deferred_work_wakes_the_poller(void)
{
        struct record rec = {};
        ur_context *ctx = context_new(&rec, false);
        ur_executor *a = NULL, *b = notify_unit(ctx, "b.service", "send=READY=1 pause");
        struct pollfd pfd;

        CU_ASSERT_FATAL(ur_executor_new_cmdline(ctx, "a.service", "/nonexistent/program", 0, &a) >= 0);
        CU_ASSERT_FATAL(ur_executor_add_dependency(b, a, UR_DEP_AFTER | UR_DEP_REQUIRES) >= 0);
        CU_ASSERT_EQUAL(ur_context_start_all_begin(ctx), 0);
        for (int i = 0; i < 500 && ur_executor_get_state(b) != UR_STATE_FAILED; i++) {
                pfd = (struct pollfd){ .fd = ur_context_get_fd(ctx), .events = POLLIN };
                CU_ASSERT_FATAL(poll(&pfd, 1, 10000) == 1);
                CU_ASSERT(ur_context_dispatch(ctx, 0) >= 0);
        }
        CU_ASSERT_EQUAL(ur_executor_get_state(a), UR_STATE_FAILED);
        CU_ASSERT_EQUAL(ur_executor_get_failure(b), UR_FAILURE_DEPENDENCY);
        ur_context_free(ctx);
}

int main(void)
{
        const char *dir = getenv("FIXTURE_DIR");
        CU_TestInfo tests[] = {
                { "dependent starts after the batch", test_dependent_starts_after_the_batch },
                { "dependency failure order", test_dependency_failure_order },
                { "full run walks every state", test_full_run_walks_every_state },
                { "stop timeout goes through sigkill", test_stop_timeout_goes_through_sigkill },
                { "deferred work wakes the poller", test_deferred_work_wakes_the_poller },
                CU_TEST_INFO_NULL,
        };
        CU_SuiteInfo suites[] = {
                { .pName = "lifecycle", .pTests = tests },
                CU_SUITE_INFO_NULL,
        };

        if (!dir) {
                fprintf(stderr, "FIXTURE_DIR is not set\n");
                return 1;
        }
        snprintf(fixture_dir, sizeof(fixture_dir), "%s", dir);
        snprintf(fixture, sizeof(fixture), "%s/notify", dir);
        if (access(fixture, X_OK) < 0) {
                fprintf(stderr, "%s: not found\n", fixture);
                return 1;
        }
        return cunit_run(suites);
}

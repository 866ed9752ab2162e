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
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cunit-main.h"
#include "internal.h"
#include "test-util.h"
#include "time-util.h"
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
        /* The root cause, not the dependent's failure that follows from it. */
        CU_ASSERT_EQUAL(ur_context_start_all(ctx), UR_EXITED_EARLY);
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
        CU_ASSERT_EQUAL(ur_executor_stop(e), UR_STOP_FAILED);
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

static char tmpdir[4096];

static ur_executor *shell_unit(ur_context *ctx, const char *name, const char *script)
{
        ur_executor *e = NULL;
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) script, NULL };

        CU_ASSERT_FATAL(ur_executor_new(ctx, name, argv, &e) >= 0);
        return e;
}

static bool pid_alive(pid_t pid)
{
        return pid > 0 && kill(pid, 0) == 0;
}

/* A launcher that daemonizes (as `pg_ctl start` or `redis-server --daemonize yes`): with
 * ExitType=cgroup its clean exit leaves the unit up; the daemon's death ends it. */
static void test_exit_type_cgroup_keeps_daemonized_child(void)
{
        struct record rec = {};
        ur_context *ctx = context_new(&rec, false);
        char script[16384], pidfile[4200];
        ur_executor *e;
        pid_t daemon = 0;
        FILE *f;

        snprintf(pidfile, sizeof(pidfile), "%s/daemon.pid", tmpdir);
        snprintf(
                script, sizeof(script), "(sleep 1000 & echo $! > %s.tmp; mv %s.tmp %s) & sleep 0.1; exit 0",
                pidfile, pidfile, pidfile);
        e = shell_unit(ctx, "launcher.service", script);
        CU_ASSERT_FATAL(ur_executor_set_exit_type(e, UR_EXIT_CGROUP) >= 0);
        CU_ASSERT_FATAL(ur_executor_add_ready_file(e, pidfile) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        /* The launcher is gone; the unit runs on in its child. */
        for (int i = 0; i < 100 && !ur_executor_get_exit(e, NULL, NULL); i++)
                (void) ur_context_dispatch(ctx, 20);
        CU_ASSERT_TRUE(ur_executor_get_exit(e, NULL, NULL));
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_RUNNING);
        f = fopen(pidfile, "r");
        CU_ASSERT_FATAL(f != NULL);
        CU_ASSERT_EQUAL(fscanf(f, "%d", &daemon), 1);
        fclose(f);
        CU_ASSERT_TRUE(pid_alive(daemon));
        /* The daemon dies: the unit has ended on its own, which is a failure. */
        CU_ASSERT_EQUAL(kill(daemon, SIGKILL), 0);
        for (int i = 0; i < 200 && ur_executor_get_state(e) == UR_STATE_RUNNING; i++)
                (void) ur_context_dispatch(ctx, 20);
        for (int i = 0; i < 200 && ur_executor_get_state(e) == UR_STATE_STOPPING; i++)
                (void) ur_context_dispatch(ctx, 20);
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_FAILED);
        CU_ASSERT_EQUAL(ur_executor_get_failure(e), UR_FAILURE_CRASHED);
        CU_ASSERT_PTR_NOT_NULL(
                strstr(ur_executor_get_error(e) ? ur_executor_get_error(e) : "", "last process"));
        unlink(pidfile);
        ur_context_free(ctx);
}

/* Without ExitType=cgroup the same launcher's exit is a crash (today's default), and with
 * RemainAfterExit= the unit stays up as exited, its child killed only at the stop. */
static void test_remain_after_exit(void)
{
        struct record rec = {};
        ur_context *ctx = context_new(&rec, false);
        ur_executor *e = shell_unit(ctx, "remain.service", "exit 0");

        CU_ASSERT_FATAL(ur_executor_set_remain_after_exit(e, true) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        for (int i = 0; i < 100 && !ur_executor_get_exit(e, NULL, NULL); i++)
                (void) ur_context_dispatch(ctx, 20);
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_EXITED);
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_INACTIVE);

        /* An unclean exit still fails it. */
        e = shell_unit(ctx, "remain-bad.service", "sleep 0.1; exit 3");
        CU_ASSERT_FATAL(ur_executor_set_remain_after_exit(e, true) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        for (int i = 0; i < 200 && ur_executor_get_state(e) != UR_STATE_FAILED; i++)
                (void) ur_context_dispatch(ctx, 20);
        CU_ASSERT_EQUAL(ur_executor_get_failure(e), UR_FAILURE_CRASHED);
        ur_context_free(ctx);
}

/* Type=forking without PIDFile=: one process left is the main one (GuessMainPID=). */
static void test_forking_guesses_main_pid(void)
{
        struct record rec = {};
        ur_context *ctx = context_new(&rec, false);
        ur_executor *e = shell_unit(ctx, "guess.service", "sleep 1000 & exit 0");
        pid_t pid;

        CU_ASSERT_FATAL(ur_executor_set_type(e, UR_TYPE_FORKING) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        pid = ur_executor_get_pid(e);
        CU_ASSERT(pid > 0);
        CU_ASSERT_TRUE(pid_alive(pid));
        /* The guessed daemon dying is the unit crashing. */
        kill(pid, SIGKILL);
        for (int i = 0; i < 200 && ur_executor_get_state(e) != UR_STATE_FAILED; i++)
                (void) ur_context_dispatch(ctx, 20);
        CU_ASSERT_EQUAL(ur_executor_get_failure(e), UR_FAILURE_CRASHED);

        /* Two processes left: no guess, the unit is up while either lives. */
        e = shell_unit(ctx, "two.service", "sleep 1000 & sleep 1000 & exit 0");
        CU_ASSERT_FATAL(ur_executor_set_type(e, UR_TYPE_FORKING) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_RUNNING);
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);

        /* Nothing left at all: it did not start a daemon. */
        e = shell_unit(ctx, "none.service", "exit 0");
        CU_ASSERT_FATAL(ur_executor_set_type(e, UR_TYPE_FORKING) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), UR_EXITED_EARLY);
        CU_ASSERT_PTR_NOT_NULL(strstr(ur_executor_get_error(e), "left no process running"));
        ur_context_free(ctx);
}

/* The starter exits before the daemon writes its PID file (apachectl): waited for. */
static void test_forking_late_pid_file(void)
{
        struct record rec = {};
        ur_context *ctx = context_new(&rec, false);
        char script[16384], pidfile[4200];
        ur_executor *e;

        snprintf(pidfile, sizeof(pidfile), "%s/late.pid", tmpdir);
        unlink(pidfile);
        snprintf(
                script, sizeof(script),
                "(sleep 0.3; echo $(sh -c 'echo $PPID') > %s; exec sleep 1000) & exit 0", pidfile);
        e = shell_unit(ctx, "late.service", script);
        CU_ASSERT_FATAL(ur_executor_set_type(e, UR_TYPE_FORKING) >= 0);
        CU_ASSERT_FATAL(ur_executor_set_pid_file(e, pidfile) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        CU_ASSERT(ur_executor_get_pid(e) > 0);
        CU_ASSERT_TRUE(pid_alive(ur_executor_get_pid(e)));
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        /* As systemd: the PID file goes with the daemon. */
        CU_ASSERT_EQUAL(access(pidfile, F_OK), -1);

        /* One that names someone else by the time of the stop is not ours to remove. */
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        CU_ASSERT_FATAL(test_write_file(pidfile, "1\n", 0644) == 0);
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        CU_ASSERT_EQUAL(access(pidfile, F_OK), 0);
        unlink(pidfile);
        ur_context_free(ctx);
}

/* Restart=on-failure brings a crashed unit back; the embedder hears STARTING again. */
static void test_restart_on_failure(void)
{
        struct record rec = {};
        ur_context *ctx = context_new(&rec, false);
        ur_executor *e = notify_unit(ctx, "phoenix.service", "send=READY=1 wait=100 exit=3");
        pid_t first;

        CU_ASSERT_FATAL(ur_executor_set_restart(e, UR_RESTART_ON_FAILURE, 50 * 1000) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        first = ur_executor_get_pid(e);
        for (int i = 0; i < 300 && ur_executor_get_restarts(e) == 0; i++)
                (void) ur_context_dispatch(ctx, 20);
        CU_ASSERT_EQUAL(ur_executor_get_restarts(e), 1);
        for (int i = 0; i < 300 && ur_executor_get_state(e) != UR_STATE_RUNNING; i++)
                (void) ur_context_dispatch(ctx, 20);
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_RUNNING);
        CU_ASSERT_NOT_EQUAL(ur_executor_get_pid(e), first);
        CU_ASSERT_PTR_NOT_NULL(
                strstr(rec.text, "phoenix.service:running phoenix.service:stopping "
                                 "phoenix.service:starting phoenix.service:running"));
        /* A stop during the restart delay cancels the restart, and the failure stands: wait
         * for the next crash (STARTING again with its reason set: the RestartSec= wait). */
        for (int i = 0;
             i < 600 && !(ur_executor_get_state(e) == UR_STATE_STARTING && ur_executor_get_error(e)); i++)
                (void) ur_context_dispatch(ctx, 5);
        CU_ASSERT_FATAL(ur_executor_get_state(e) == UR_STATE_STARTING && ur_executor_get_error(e));
        CU_ASSERT_EQUAL(ur_executor_get_restarts(e), 1);
        (void) ur_executor_stop(e);
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_FAILED);
        CU_ASSERT_EQUAL(ur_executor_get_failure(e), UR_FAILURE_CRASHED);
        CU_ASSERT_EQUAL(ur_executor_get_restarts(e), 1);
        ur_context_free(ctx);
}

/* A unit that keeps dying: StartLimitBurst= starts, then it is given up (FAILED). */
static void test_restart_start_limit(void)
{
        struct record rec = {};
        ur_context *ctx = context_new(&rec, false);
        ur_executor *e = shell_unit(ctx, "crashloop.service", "exit 1");

        CU_ASSERT_FATAL(ur_executor_set_restart(e, UR_RESTART_ALWAYS, 10 * 1000) >= 0);
        CU_ASSERT_FATAL(ur_executor_set_start_limit(e, 10 * 1000 * 1000, 3) >= 0);
        (void) ur_executor_start(e);
        for (int i = 0; i < 500 && ur_executor_get_state(e) != UR_STATE_FAILED; i++)
                (void) ur_context_dispatch(ctx, 20);
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_FAILED);
        CU_ASSERT_EQUAL(ur_executor_get_failure(e), UR_FAILURE_START_LIMIT);
        CU_ASSERT_EQUAL(ur_executor_get_restarts(e), 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(ur_executor_get_error(e), "not restarted"));

        /* RestartPreventExitStatus= wins over Restart=always. */
        e = shell_unit(ctx, "prevented.service", "sleep 0.05; exit 7");
        CU_ASSERT_FATAL(ur_executor_set_restart(e, UR_RESTART_ALWAYS, 10 * 1000) >= 0);
        CU_ASSERT_FATAL(ur_executor_add_restart_prevent_status(e, 7) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        for (int i = 0; i < 300 && ur_executor_get_state(e) != UR_STATE_FAILED; i++)
                (void) ur_context_dispatch(ctx, 20);
        CU_ASSERT_EQUAL(ur_executor_get_restarts(e), 0);
        CU_ASSERT_EQUAL(ur_executor_get_failure(e), UR_FAILURE_CRASHED);
        ur_context_free(ctx);
}

/* Condition*= skips (no failure, dependents go on), Assert*= fails; "!" and "|" as systemd. */
static void test_conditions(void)
{
        struct record rec = {};
        ur_context *ctx = context_new(&rec, false);
        ur_executor *skipped = notify_unit(ctx, "skipped.service", "send=READY=1 pause");
        ur_executor *after = notify_unit(ctx, "after.service", "send=READY=1 pause");
        ur_executor *e;

        CU_ASSERT_FATAL(
                ur_executor_add_condition(skipped, UR_CONDITION_PATH_EXISTS, "/nonexistent/x", 0) >= 0);
        CU_ASSERT_FATAL(ur_executor_add_dependency(after, skipped, UR_DEP_AFTER | UR_DEP_REQUIRES) >= 0);
        CU_ASSERT_EQUAL(ur_context_start_all(ctx), 0);
        CU_ASSERT_EQUAL(ur_executor_get_state(skipped), UR_STATE_INACTIVE);
        CU_ASSERT_EQUAL(ur_executor_get_failure(skipped), UR_FAILURE_NONE);
        CU_ASSERT_STRING_EQUAL(
                ur_executor_get_skip_reason(skipped), "ConditionPathExists=/nonexistent/x was not met");
        CU_ASSERT_EQUAL(ur_executor_get_state(after), UR_STATE_RUNNING);
        CU_ASSERT_EQUAL(ur_context_stop_all(ctx), 0);

        e = notify_unit(ctx, "negated.service", "send=READY=1 pause");
        CU_ASSERT_FATAL(
                ur_executor_add_condition(
                        e, UR_CONDITION_PATH_EXISTS, "/nonexistent/x", UR_CONDITION_NEGATE) >= 0);
        CU_ASSERT_FATAL(ur_executor_add_condition(e, UR_CONDITION_PATH_IS_DIRECTORY, "/", 0) >= 0);
        CU_ASSERT_FATAL(
                ur_executor_add_condition(
                        e, UR_CONDITION_FILE_NOT_EMPTY, "/nonexistent/y", UR_CONDITION_TRIGGER) >= 0);
        CU_ASSERT_FATAL(
                ur_executor_add_condition(
                        e, UR_CONDITION_FILE_IS_EXECUTABLE, "/bin/sh", UR_CONDITION_TRIGGER) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_RUNNING);
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);

        e = notify_unit(ctx, "triggers.service", "send=READY=1 pause");
        CU_ASSERT_FATAL(
                ur_executor_add_condition(
                        e, UR_CONDITION_PATH_EXISTS, "/nonexistent/a", UR_CONDITION_TRIGGER) >= 0);
        CU_ASSERT_FATAL(
                ur_executor_add_condition(
                        e, UR_CONDITION_PATH_EXISTS, "/nonexistent/b", UR_CONDITION_TRIGGER) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), UR_SKIPPED);
        CU_ASSERT_STRING_EQUAL(ur_executor_get_skip_reason(e), "none of the triggering conditions was met");

        e = notify_unit(ctx, "asserted.service", "send=READY=1 pause");
        CU_ASSERT_FATAL(
                ur_executor_add_condition(
                        e, UR_CONDITION_USER, "nobody-such-user-here", UR_CONDITION_ASSERT) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), UR_START_FAILED);
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_FAILED);
        CU_ASSERT_EQUAL(ur_executor_get_failure(e), UR_FAILURE_ASSERT);
        CU_ASSERT_STRING_EQUAL(ur_executor_get_error(e), "AssertUser=nobody-such-user-here was not met");

        /* ConditionCapability= reads our bounding set; an unknown name never holds. */
        e = notify_unit(ctx, "capable.service", "send=READY=1 pause");
        CU_ASSERT_FATAL(ur_executor_add_condition(e, UR_CONDITION_CAPABILITY, "CAP_KILL", 0) >= 0);
        CU_ASSERT_FATAL(
                ur_executor_add_condition(
                        e, UR_CONDITION_CAPABILITY, "CAP_NO_SUCH_THING", UR_CONDITION_NEGATE) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);

        /* A value that cannot be checked is refused up front. */
        CU_ASSERT_EQUAL(ur_executor_add_condition(e, UR_CONDITION_PATH_EXISTS, "relative/path", 0), -EINVAL);
        CU_ASSERT_EQUAL(ur_executor_add_condition(e, UR_CONDITION_MEMORY, ">=lots", 0), -EINVAL);
        ur_context_free(ctx);
}

/* ExecCondition=: exit 0 goes on, 1..254 skips (after killing what it left), 255 fails. */
static void test_exec_condition(void)
{
        struct record rec = {};
        ur_context *ctx = context_new(&rec, true);
        ur_executor *e = notify_unit(ctx, "cond-ok.service", "send=READY=1 pause");

        CU_ASSERT_FATAL(ur_executor_add_command(e, UR_EXEC_CONDITION, "/bin/true", 0) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        CU_ASSERT_PTR_NOT_NULL(
                strstr(rec.text, "cond-ok.service:dead -> condition cond-ok.service:starting "
                                 "cond-ok.service:condition -> start-pre"));
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);

        e = notify_unit(ctx, "cond-skip.service", "send=READY=1 pause");
        CU_ASSERT_FATAL(ur_executor_add_command(e, UR_EXEC_CONDITION, "/bin/sh -c 'exit 1'", 0) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), UR_SKIPPED);
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_INACTIVE);
        CU_ASSERT_PTR_NOT_NULL(strstr(ur_executor_get_skip_reason(e), "exited with status 1"));

        e = notify_unit(ctx, "cond-fail.service", "send=READY=1 pause");
        CU_ASSERT_FATAL(ur_executor_add_command(e, UR_EXEC_CONDITION, "/bin/sh -c 'exit 255'", 0) >= 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), UR_EXITED_EARLY);
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_FAILED);
        CU_ASSERT_EQUAL(ur_executor_get_failure(e), UR_FAILURE_EXITED);
        ur_context_free(ctx);
}

/* A process the unit moved into a cgroup of its own below its leaf is the unit's too: the
 * KillSignal reaches it (cgroup path only; the fallback has no cgroups). */
static void test_stop_reaches_sub_cgroups(void)
{
        struct record rec = {};
        ur_context *ctx = context_new(&rec, false);
        char script[16384], pidfile[4200], inner[4200], procs[4300];
        ur_executor *e;
        uint64_t t0;
        pid_t child = 0;
        FILE *f;

        if (!ur_context_get_cgroup(ctx)) {
                ur_context_free(ctx);
                return; /* the fallback: nothing to nest */
        }
        snprintf(pidfile, sizeof(pidfile), "%s/inner.pid", tmpdir);
        unlink(pidfile);
        snprintf(
                script, sizeof(script), "sleep 1000 & echo $! > %s.tmp; mv %s.tmp %s; wait", pidfile,
                pidfile, pidfile);
        e = shell_unit(ctx, "nested.service", script);
        CU_ASSERT_FATAL(ur_executor_set_stop_timeout(e, 20 * 1000 * 1000) >= 0);
        CU_ASSERT_FATAL(ur_executor_add_ready_file(e, pidfile) >= 0);
        CU_ASSERT_FATAL(ur_executor_start(e) == 0);
        f = fopen(pidfile, "r");
        CU_ASSERT_FATAL(f && fscanf(f, "%d", &child) == 1);
        fclose(f);
        snprintf(inner, sizeof(inner), "%s/inner", ur_executor_get_cgroup(e));
        CU_ASSERT_FATAL(mkdir(inner, 0755) == 0);
        snprintf(procs, sizeof(procs), "%s/cgroup.procs", inner);
        f = fopen(procs, "w");
        CU_ASSERT_FATAL(f && fprintf(f, "%d\n", (int) child) > 0 && fclose(f) == 0);
        t0 = now_usec();
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        /* SIGTERM ended it: no need for the 20 s grace and the final kill. */
        CU_ASSERT(now_usec() - t0 < 10 * 1000 * 1000);
        CU_ASSERT_EQUAL(ur_executor_get_failure(e), UR_FAILURE_NONE);
        /* Gone, or a zombie that nobody of ours has to reap (it was the shell's child). */
        CU_ASSERT(test_proc_state(child) == 0 || test_proc_state(child) == 'Z');
        unlink(pidfile);
        ur_context_free(ctx);
}

/* A binding hands over its own pipe: the unit writes there, every run; the executor keeps
 * its own duplicate, so the caller may close its copy of the write end at once. */
static void test_stdio_fd(void)
{
        struct record rec = {};
        ur_context *ctx = context_new(&rec, false);
        ur_executor *e = shell_unit(ctx, "piped.service", "echo out; echo err >&2");
        char buf[256] = "";
        int fds[2];
        ssize_t n, got = 0;

        CU_ASSERT_FATAL(pipe2(fds, O_CLOEXEC) == 0);
        CU_ASSERT_FATAL(ur_executor_set_type(e, UR_TYPE_ONESHOT) >= 0);
        CU_ASSERT_FATAL(ur_executor_set_stdio_fd(e, UR_STDOUT, fds[1]) >= 0);
        CU_ASSERT_EQUAL(ur_executor_set_stdio_fd(e, UR_STDOUT, -1), -EINVAL);
        CU_ASSERT_EQUAL(ur_executor_set_stdio(e, UR_STDERR, UR_STDIO_FD, NULL), -EINVAL);
        close(fds[1]);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        /* Only stdout went to the pipe; stderr was captured as by default. */
        CU_ASSERT_PTR_NOT_NULL(strstr(ur_executor_get_output(e, UR_STDERR, NULL), "err"));
        CU_ASSERT_STRING_EQUAL(ur_executor_get_output(e, UR_STDOUT, NULL), "");
        ur_executor_free(e); /* closes its duplicate: the pipe ends */
        while (got < (ssize_t) sizeof(buf) - 1 && (n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0)
                got += n;
        CU_ASSERT_STRING_EQUAL(buf, "out\n");
        close(fds[0]);
        ur_context_free(ctx);
}

int main(void)
{
        const char *dir = getenv("FIXTURE_DIR");
        int r;
        CU_TestInfo tests[] = {
                { "dependent starts after the batch", test_dependent_starts_after_the_batch },
                { "dependency failure order", test_dependency_failure_order },
                { "full run walks every state", test_full_run_walks_every_state },
                { "stop timeout goes through sigkill", test_stop_timeout_goes_through_sigkill },
                { "deferred work wakes the poller", test_deferred_work_wakes_the_poller },
                { "ExitType=cgroup keeps a daemonized child", test_exit_type_cgroup_keeps_daemonized_child },
                { "RemainAfterExit=", test_remain_after_exit },
                { "Type=forking guesses the main PID", test_forking_guesses_main_pid },
                { "Type=forking waits for a late PID file", test_forking_late_pid_file },
                { "Restart=on-failure", test_restart_on_failure },
                { "Restart= start limit and RestartPreventExitStatus=", test_restart_start_limit },
                { "Condition*= and Assert*=", test_conditions },
                { "ExecCondition=", test_exec_condition },
                { "stop reaches processes in sub-cgroups", test_stop_reaches_sub_cgroups },
                { "stdout to the caller's own fd", test_stdio_fd },
                CU_TEST_INFO_NULL,
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
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-lifecycle.XXXXXX");
        if (!mkdtemp(tmpdir))
                return 1;
        r = cunit_run_tests("lifecycle", tests);
        (void) rmdir(tmpdir);
        return r;
}

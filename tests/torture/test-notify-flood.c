/* Bad input on the notify socket. A unit of Type=notify (torture-proc notify-flood) floods
 * its NOTIFY_SOCKET with garbage, near misses of READY=1, messages with embedded NULs,
 * datagrams over 4096 bytes (READY=1 in them), and datagrams with fds attached (a pipe's
 * write end: once the launcher closed every copy, the pipe's read end sees EOF); then a
 * foreign process (this test: not in the unit) sends READY=1, MAINPID= and an fd. The unit
 * must stay STARTING through all of it, every passed fd must be closed, and the launcher's
 * fd count must not grow; then one honest READY=1 makes it RUNNING (so the channel was
 * working all along). Both paths (UNITRUN_NO_CGROUP=1: the fallback, which tells the unit's
 * processes by session). */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../fixtures/fixture-util.h"
#include "test-assert.h"
#include "test-util.h"
#include "torture-util.h"
#include "unitrun.h"

static const char *proc_bin;
static unsigned wrong_transitions; /* state changes before the honest READY=1 */
static bool honest_ready_sent;

static void on_state(ur_executor *e, ur_state state, void *userdata)
{
        if (!honest_ready_sent && state != UR_STATE_STARTING) {
                fprintf(stderr, "\n    state changed to %s before the honest READY=1 (%s)\n",
                        ur_state_to_string(state),
                        ur_executor_get_error(e) ? ur_executor_get_error(e) : "no message");
                wrong_transitions++;
        }
}

static void on_log(ur_log_level level, const char *unit, const char *message, void *userdata)
{
        if (getenv("TORTURE_VERBOSE"))
                fprintf(stderr, "    log<%d> %s: %s\n", (int) level, unit ? unit : "-", message);
}

/* Runs the loop until FILE exists (or the state leaves `while_state`), up to timeout_ms. */
static bool dispatch_until_file(ur_context *ctx, ur_executor *e, const char *file, int timeout_ms)
{
        uint64_t deadline = torture_now_ms() + (uint64_t) timeout_ms;

        while (!test_file_exists(file)) {
                if (torture_now_ms() >= deadline || ur_executor_get_state(e) != UR_STATE_STARTING)
                        return false;
                ur_context_dispatch(ctx, 10);
        }
        return true;
}

static void dispatch_for(ur_context *ctx, int ms)
{
        uint64_t deadline = torture_now_ms() + (uint64_t) ms;

        while (torture_now_ms() < deadline)
                ur_context_dispatch(ctx, 10);
}

/* From this process, which is no part of the unit. */
static int send_foreign(const char *socket_path, const char *text, int fd)
{
        return fixture_notify_send(socket_path, text, strlen(text), fd, fd >= 0 ? 1 : 0);
}

static void test_notify_flood(void)
{
        char *dir = test_make_temp_dir();
        char armed[PATH_MAX], go[PATH_MAX], flooded[PATH_MAX], result_path[PATH_MAX], go_ready[PATH_MAX],
                socket_file[PATH_MAX], msg[64];
        char *argv[] = { (char *) proc_bin, (char *) "notify-flood", dir, NULL };
        char *result = NULL, *socket_path = NULL;
        ur_context *ctx = NULL;
        ur_executor *e = NULL;
        int fds0, p[2] = { -1, -1 };
        uint64_t deadline;
        pid_t unit_pid;

        wrong_transitions = 0;
        honest_ready_sent = false;
        REQUIRE(dir);
        snprintf(armed, sizeof(armed), "%s/armed", dir);
        snprintf(go, sizeof(go), "%s/go", dir);
        snprintf(flooded, sizeof(flooded), "%s/flooded", dir);
        snprintf(result_path, sizeof(result_path), "%s/result", dir);
        snprintf(go_ready, sizeof(go_ready), "%s/go-ready", dir);
        snprintf(socket_file, sizeof(socket_file), "%s/socket", dir);

        REQUIRE(ur_context_new(&ctx) == 0);
        ur_context_set_state_callback(ctx, on_state, NULL);
        ur_context_set_log(ctx, on_log, NULL);
        REQUIRE(ur_executor_new(ctx, "flood.service", argv, &e) == 0);
        REQUIRE(ur_executor_set_type(e, UR_TYPE_NOTIFY) == 0);
        REQUIRE(ur_executor_set_start_timeout(e, 120 * 1000000ULL) == 0);
        REQUIRE(ur_executor_start_begin(e) == 0);
        REQUIRE(dispatch_until_file(ctx, e, armed, 10000));
        unit_pid = ur_executor_get_pid(e);
        socket_path = test_read_file(socket_file);
        REQUIRE(socket_path && socket_path[0] == '/');

        /* The launcher's fds with the unit up and its socket open: nothing may add to it. */
        dispatch_for(ctx, 50);
        fds0 = test_count_fds();

        REQUIRE(test_write_file(go, "", 0644) == 0);
        REQUIRE(dispatch_until_file(ctx, e, flooded, 60000));
        dispatch_for(ctx, 200); /* whatever is still queued */
        result = test_read_file(result_path);
        CU_ASSERT_TRUE(result && strcmp(result, "closed\n") == 0);
        if (!result || strcmp(result, "closed\n") != 0)
                fprintf(stderr, "\n    an fd passed by the unit was not closed by the launcher\n");
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_STARTING);
        CU_ASSERT_EQUAL(test_count_fds(), fds0);

        /* A foreign process: READY=1, a MAINPID= pointing at the unit, and an fd. */
        REQUIRE(send_foreign(socket_path, "READY=1", -1) == 0);
        snprintf(msg, sizeof(msg), "MAINPID=%d\nREADY=1", (int) unit_pid);
        REQUIRE(send_foreign(socket_path, msg, -1) == 0);
        REQUIRE(pipe2(p, O_CLOEXEC) == 0);
        REQUIRE(send_foreign(socket_path, "READY=1\nX_FD=1", p[1]) == 0);
        close(p[1]);
        p[1] = -1;
        deadline = torture_now_ms() + 5000;
        for (;;) {
                struct pollfd pfd = { .fd = p[0], .events = POLLIN };

                ur_context_dispatch(ctx, 10);
                if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP))
                        break;
                if (torture_now_ms() >= deadline) {
                        fprintf(stderr, "\n    the fd of the foreign message was not closed\n");
                        CU_FAIL("foreign fd left open");
                        break;
                }
        }
        close(p[0]);
        p[0] = -1;
        dispatch_for(ctx, 100);
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_STARTING);
        CU_ASSERT_EQUAL(ur_executor_get_pid(e), unit_pid);
        CU_ASSERT_EQUAL(test_count_fds(), fds0);
        CU_ASSERT_EQUAL(wrong_transitions, 0);

        /* The honest READY=1: the socket still works. */
        honest_ready_sent = true;
        REQUIRE(test_write_file(go_ready, "", 0644) == 0);
        deadline = torture_now_ms() + 10000;
        while (ur_executor_get_state(e) == UR_STATE_STARTING && torture_now_ms() < deadline)
                ur_context_dispatch(ctx, 10);
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_RUNNING);
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
out:
        if (p[0] >= 0)
                close(p[0]);
        if (p[1] >= 0)
                close(p[1]);
        ur_executor_free(e);
        ur_context_free(ctx);
        free(result);
        free(socket_path);
        torture_kill_children();
        test_remove_temp_dir(dir);
}

int main(void)
{
        static CU_TestInfo tests[] = {
                { "garbage, oversized, fds, foreign senders", test_notify_flood },
                CU_TEST_INFO_NULL,
        };
        static char proc[PATH_MAX + 32];
        char self[PATH_MAX];
        const char *no_cgroup = getenv("UNITRUN_NO_CGROUP");
        bool fallback = no_cgroup && strcmp(no_cgroup, "1") == 0;
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

        if (n < 0)
                return 99;
        self[n] = 0;
        *strrchr(self, '/') = 0;
        snprintf(proc, sizeof(proc), "%s/torture-proc", self);
        proc_bin = proc;
        if (access(proc_bin, X_OK) < 0) {
                fprintf(stderr, "skipped: %s not found\n", proc_bin);
                return 77;
        }
        return torture_run_library_tests("notify socket flood", tests, fallback);
}

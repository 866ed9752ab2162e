/* Integration tests of the executor, through unitrun.h only, against real processes
 * (the fixtures in tests/fixtures/): readiness by sd_notify and by output, every way a
 * start fails, stop/kill/restart, configuration reaching the child, and leak checks: after
 * a stop, every process a fixture recorded is dead and its cgroup is gone.
 *
 * The same program runs on both isolation paths: plainly it needs cgroup isolation (else
 * it exits 77); with UNITRUN_NO_CGROUP=1 it checks the fallback and skips, saying why, the
 * cases the fallback cannot honestly guarantee. Every test frees what it started, even
 * when an assertion failed, and SIGKILLs whatever recorded process a buggy stop left. */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cunit-main.h"
#include "tcase.h"
#include "test-assert.h"
#include "test-lib.h"
#include "test-util.h"
#include "unitrun.h"

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC UINT64_C(1000000)

static bool fallback_mode;

/* ---- Per-test state and cleanup ----------------------------------------------------- */

/* The common fixture (its temp dir for pid files, scripts, sockets) plus the library side. */
typedef struct lcase {
        tcase tc;
        ur_context *ctx;
        ur_executor *e;
        test_log log;
        char lines[8192]; /* output callback records: "STREAM:LINE\n" */
        size_t lines_len;
        char *seen_cgroup; /* the executor's cgroup as last seen by the state callback */
        char *pids;        /* DIR/unit.pids, for the fixtures that record their processes */
        char self_arg[PATH_MAX + 16], main_arg[PATH_MAX + 16]; /* "self=PIDS", "mainpid=PIDS" */
} lcase;

static void output_cb(ur_executor *e, ur_stream stream, const char *line, size_t len, void *userdata)
{
        lcase *t = userdata;
        int n;

        if (t->lines_len >= sizeof(t->lines) - 1)
                return;
        n = snprintf(
                t->lines + t->lines_len, sizeof(t->lines) - t->lines_len, "%d:%.*s\n", (int) stream,
                (int) len, line);
        if (n > 0)
                t->lines_len += (size_t) n < sizeof(t->lines) - t->lines_len
                                        ? (size_t) n
                                        : sizeof(t->lines) - t->lines_len - 1;
}

/* Notes the cgroup while the executor lives, so a test can check that a failed start,
 * which returns only after the stop, removed it. */
static void state_cb(ur_executor *e, ur_state state, void *userdata)
{
        lcase *t = userdata;
        const char *cg = ur_executor_get_cgroup(e);

        if (cg && (!t->seen_cgroup || strcmp(cg, t->seen_cgroup) != 0)) {
                free(t->seen_cgroup);
                t->seen_cgroup = strdup(cg);
        }
}

static bool lcase_init(lcase *t)
{
        memset(t, 0, sizeof(*t));
        if (!tcase_init(&t->tc))
                return false;
        t->pids = tcase_path(&t->tc, "unit.pids");
        CU_ASSERT_PTR_NOT_NULL(t->pids);
        if (!t->pids)
                return false;
        snprintf(t->self_arg, sizeof(t->self_arg), "self=%s", t->pids);
        snprintf(t->main_arg, sizeof(t->main_arg), "mainpid=%s", t->pids);
        return test_lib_new_context(&t->ctx, &t->log, state_cb, t);
}

/* Kills what a pid file in the temp dir still names (only if the library failed to),
 * returning how many were still alive. */
static int kill_recorded_survivors(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        int survivors = 0;

        if (!d)
                return 0;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                char *path;
                test_proc *procs = NULL;
                int n;

                if (len < 5 || strcmp(de->d_name + len - 5, ".pids") != 0)
                        continue;
                path = test_path_join(dir, de->d_name);
                n = path ? test_read_pid_file(path, &procs) : -ENOMEM;
                if (n > 0)
                        survivors += test_kill_survivors(procs, n);
                free(procs);
                free(path);
        }
        closedir(d);
        return survivors;
}

static void lcase_done(lcase *t)
{
        int survivors;

        if (t->e && getenv("UR_TEST_VERBOSE"))
                fprintf(stderr, "    [%s] state=%s failure=%s error=%s\n", ur_executor_get_name(t->e),
                        ur_state_to_string(ur_executor_get_state(t->e)),
                        ur_failure_to_string(ur_executor_get_failure(t->e)),
                        ur_executor_get_error(t->e) ? ur_executor_get_error(t->e) : "(none)");
        t->e = ur_executor_free(t->e);
        t->ctx = ur_context_free(t->ctx);
        if (t->tc.dir) {
                survivors = kill_recorded_survivors(t->tc.dir);
                if (survivors > 0)
                        fprintf(stderr,
                                "\n    cleanup: SIGKILLed %d recorded process(es) still alive after the "
                                "context was freed\n",
                                survivors);
        }
        if (tcase_failed(&t->tc))
                test_log_dump(&t->log, 0);
        tcase_done(&t->tc);
        free(t->seen_cgroup);
        t->seen_cgroup = NULL;
        free(t->pids);
        t->pids = NULL;
}

/* ---- Helpers ------------------------------------------------------------------------ */

/* t->e after ur_executor_new*() returned r: NULL (and an assertion failed) when r < 0. */
static ur_executor *new_done(lcase *t, int r)
{
        CU_ASSERT_EQUAL(r, 0);
        if (r < 0)
                t->e = NULL;
        return t->e;
}

/* A new executor running argv (argv[0] a path or a name to look up in $PATH); t->e. */
static ur_executor *new_argv(lcase *t, const char *name, char *const argv[])
{
        return new_done(t, ur_executor_new(t->ctx, name, argv, &t->e));
}

/* new_fixture(t, NAME, FIXTURE, ARGS..., NULL): a new executor for the fixture with the
 * arguments; t->e. */
#define new_fixture(t, name, ...) new_fixture_list(t, name, (const char *const[]){ __VA_ARGS__ })
static ur_executor *new_fixture_list(lcase *t, const char *name, const char *const *fixture_args)
{
        char *argv[16];
        int r = test_fixture_argv(argv, ELEMENTS(argv), fixture_args[0], fixture_args + 1);

        CU_ASSERT_EQUAL(r, 0);
        if (r < 0)
                return NULL;
        new_argv(t, name, argv);
        free(argv[0]);
        return t->e;
}

static ur_executor *new_shell(lcase *t, const char *name, const char *cmdline)
{
        return new_done(t, ur_executor_new_shell(t->ctx, name, cmdline, &t->e));
}

/* Runs the context's loop until the executor leaves FROM, up to timeout_ms. */
static ur_state wait_state_change(lcase *t, ur_state from, int timeout_ms)
{
        uint64_t deadline = test_now_msec() + (uint64_t) timeout_ms;

        while (ur_executor_get_state(t->e) == from && test_now_msec() < deadline)
                ur_context_dispatch(t->ctx, 50);
        return ur_executor_get_state(t->e);
}

/* Runs the loop until the captured stream contains NEEDLE (output arrives asynchronously,
 * also after a oneshot exited), up to timeout_ms. */
static bool wait_output(lcase *t, ur_stream stream, const char *needle, int timeout_ms)
{
        uint64_t deadline = test_now_msec() + (uint64_t) timeout_ms;

        for (;;) {
                size_t len = 0;
                const char *out = ur_executor_get_output(t->e, stream, &len);

                if (test_contains(out, len, needle))
                        return true;
                if (test_now_msec() >= deadline)
                        return false;
                ur_context_dispatch(t->ctx, 50);
        }
}

static bool output_contains(lcase *t, ur_stream stream, const char *needle)
{
        size_t len = 0;
        const char *out = ur_executor_get_output(t->e, stream, &len);

        return test_contains(out, len, needle);
}

static bool error_contains(lcase *t, const char *needle)
{
        const char *error = ur_executor_get_error(t->e);
        bool found = error && strstr(error, needle);

        if (!found)
                fprintf(stderr, "\n    error message \"%s\" lacks \"%s\"\n", error ? error : "(null)",
                        needle);
        return found;
}

/* The type and, unless 0, the start timeout of t->e. */
static bool configure(lcase *t, ur_type type, uint64_t start_timeout_usec)
{
        bool ok = ur_executor_set_type(t->e, type) == 0;

        CU_ASSERT_TRUE(ok);
        if (ok && start_timeout_usec > 0) {
                ok = ur_executor_set_start_timeout(t->e, start_timeout_usec) == 0;
                CU_ASSERT_TRUE(ok);
        }
        return ok;
}

static int start_timed(lcase *t, uint64_t *ret_msec)
{
        uint64_t begin = test_now_msec();
        int r = ur_executor_start(t->e);

        *ret_msec = test_now_msec() - begin;
        if (r != UR_OK && getenv("UR_TEST_VERBOSE"))
                fprintf(stderr, "    start: %s (%s)\n", test_outcome_name(r),
                        ur_executor_get_error(t->e) ? ur_executor_get_error(t->e) : "no message");
        return r;
}

/* A start that ends in outcome with failure (UR_OK, UR_FAILURE_NONE for a success); how
 * long it took. */
static uint64_t start_expect(lcase *t, int outcome, ur_failure failure)
{
        uint64_t ms;
        int r = start_timed(t, &ms);

        CU_ASSERT_EQUAL(r, outcome);
        CU_ASSERT_EQUAL(ur_executor_get_failure(t->e), failure);
        return ms;
}

/* The executor's cgroup now (copied), checked against the isolation path: a directory
 * below the context's cgroup on the cgroup path, NULL in the fallback. */
static char *checked_cgroup(lcase *t)
{
        const char *cg = ur_executor_get_cgroup(t->e);
        const char *parent = ur_context_get_cgroup(t->ctx);

        if (fallback_mode) {
                CU_ASSERT_PTR_NULL(cg);
                return NULL;
        }
        CU_ASSERT_PTR_NOT_NULL(cg);
        if (!cg)
                return NULL;
        CU_ASSERT_TRUE(test_dir_exists(cg));
        CU_ASSERT_TRUE(parent && strncmp(cg, parent, strlen(parent)) == 0);
        return strdup(cg);
}

/* After a stop: the cgroup directory is gone (cgroup path) and no longer reported. */
static void assert_cgroup_gone(lcase *t, const char *cg)
{
        CU_ASSERT_PTR_NULL(ur_executor_get_cgroup(t->e));
        if (!fallback_mode) {
                CU_ASSERT_PTR_NOT_NULL(cg);
                if (cg && test_dir_exists(cg)) {
                        fprintf(stderr, "\n    cgroup %s still exists\n", cg);
                        CU_FAIL("the executor's cgroup directory still exists after stop");
                }
        }
}

/* A failed start stopped the executor before returning: no cgroup is left of it. */
static void assert_failed_start_cleaned(lcase *t)
{
        CU_ASSERT_PTR_NULL(ur_executor_get_cgroup(t->e));
        CU_ASSERT_EQUAL(ur_executor_get_pid(t->e), 0);
        if (t->seen_cgroup && test_dir_exists(t->seen_cgroup)) {
                fprintf(stderr, "\n    cgroup %s still exists after the failed start\n", t->seen_cgroup);
                CU_FAIL("the cgroup of a failed start still exists");
        }
}

/* Every process of the pid file is dead; at least `expected` were recorded. */
static void assert_all_dead(const char *pid_file, int expected)
{
        test_proc *procs = NULL;
        int n = test_read_pid_file(pid_file, &procs), i, alive = 0;

        CU_ASSERT_EQUAL(n, expected);
        for (i = 0; i < n; i++) {
                if (test_process_alive(procs[i].pid, procs[i].starttime)) {
                        fprintf(stderr, "\n    process %d (line %d of %s) survived, state %c\n",
                                (int) procs[i].pid, i + 1, pid_file, test_proc_state(procs[i].pid));
                        alive++;
                }
        }
        CU_ASSERT_EQUAL(alive, 0);
        free(procs);
}

static void assert_all_alive(const char *pid_file, int expected)
{
        test_proc *procs = NULL;
        int n = test_read_pid_file(pid_file, &procs), i, dead = 0;

        CU_ASSERT_EQUAL(n, expected);
        for (i = 0; i < n; i++)
                if (!test_process_alive(procs[i].pid, procs[i].starttime))
                        dead++;
        CU_ASSERT_EQUAL(dead, 0);
        free(procs);
}

/* PID of line `index` of a pid file, or 0. */
static pid_t recorded_pid(const char *pid_file, int index)
{
        test_proc *procs = NULL;
        int n = test_read_pid_file(pid_file, &procs);
        pid_t pid = index < n ? procs[index].pid : 0;

        free(procs);
        return pid;
}

/* ---- Readiness by sd_notify --------------------------------------------------------- */

static void test_notify_ready(void)
{
        lcase t;
        uint64_t ms;
        const char *status;
        int r;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(
                &t, "notify.service", "notify", t.self_arg, "wait=300", "send=STATUS=warming up", "wait=100",
                "send=READY=1\\nSTATUS=serving", NULL));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 10 * USEC_PER_SEC));

        r = start_timed(&t, &ms);
        REQUIRE(r == 0);
        /* READY=1 is sent 400 ms in: being ready sooner means it did not wait for it. */
        CU_ASSERT_TRUE(ms >= 350);
        CU_ASSERT_TRUE(ms < 5000);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_RUNNING);
        CU_ASSERT_TRUE(ur_executor_is_running(t.e));
        CU_ASSERT_EQUAL(ur_executor_get_pid(t.e), recorded_pid(t.pids, 0));
        CU_ASSERT_TRUE(ur_executor_get_ready_msec(t.e) >= 350);
        status = ur_executor_get_status_text(t.e);
        CU_ASSERT_TRUE(status && strcmp(status, "serving") == 0);

        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
        assert_all_dead(t.pids, 1);
out:
        lcase_done(&t);
}

/* systemd-notify sends READY=1 on behalf of its parent (the shell) and exits at once,
 * then sends BARRIER=1 with an fd: the shell is not exec'ed by it. */
static void test_notify_systemd_notify(void)
{
        lcase t;
        char *program = test_find_program("systemd-notify");
        uint64_t ms;
        int r;

        if (!program) {
                cunit_skip("systemd-notify is not installed");
                return;
        }
        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_shell(&t, "sh-notify.service", "systemd-notify --ready; sleep 100"));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 10 * USEC_PER_SEC));

        r = start_timed(&t, &ms);
        REQUIRE(r == 0);
        CU_ASSERT_TRUE(ms < 5000);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_RUNNING);
        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
out:
        lcase_done(&t);
        free(program);
}

/* READY=1 from another process of the unit counts with NotifyAccess=all (the default)... */
static void test_notify_access_all_child(void)
{
        lcase t;
        uint64_t ms;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "child-ready.service", "notify", "child-send=READY=1", NULL));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 10 * USEC_PER_SEC));
        REQUIRE(start_timed(&t, &ms) == 0);
        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
out:
        lcase_done(&t);
}

/* ... and not with NotifyAccess=main. */
static void test_notify_access_main_child(void)
{
        lcase t;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "child-ready-main.service", "notify", "child-send=READY=1", NULL));
        REQUIRE(ur_executor_set_type(t.e, UR_TYPE_NOTIFY) == 0);
        REQUIRE(ur_executor_set_notify_access(t.e, UR_NOTIFY_MAIN) == 0);
        REQUIRE(ur_executor_set_start_timeout(t.e, 1 * USEC_PER_SEC) == 0);
        start_expect(&t, UR_TIMED_OUT, UR_FAILURE_TIMEOUT);
out:
        lcase_done(&t);
}

static void test_notify_mainpid(void)
{
        lcase t;
        pid_t child;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "mainpid.service", "notify", t.self_arg, t.main_arg, "send=READY=1", NULL));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 10 * USEC_PER_SEC));
        REQUIRE(ur_executor_start(t.e) == 0);

        child = recorded_pid(t.pids, 1);
        REQUIRE(child > 0);
        CU_ASSERT_NOT_EQUAL(child, recorded_pid(t.pids, 0));
        CU_ASSERT_EQUAL(ur_executor_get_pid(t.e), child);

        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
        assert_all_dead(t.pids, 2);
out:
        lcase_done(&t);
}

/* The daemonizing pattern: the new main process reported, then the original one exits.
 * The executor follows the reported process and stays running. */
static void test_notify_mainpid_original_exits(void)
{
        lcase t;
        uint64_t deadline;
        pid_t child;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(
                &t, "mainpid-exit.service", "notify", t.main_arg, "send=READY=1", "exit=0", NULL));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 10 * USEC_PER_SEC));
        REQUIRE(ur_executor_start(t.e) == 0);
        child = recorded_pid(t.pids, 0);
        REQUIRE(child > 0);

        /* Give the original process's exit time to be noticed. */
        deadline = test_now_msec() + 500;
        while (test_now_msec() < deadline)
                ur_context_dispatch(t.ctx, 50);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_RUNNING);
        CU_ASSERT_EQUAL(ur_executor_get_pid(t.e), child);

        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
        assert_all_dead(t.pids, 1);
out:
        lcase_done(&t);
}

/* Sends READY=1 to the notify socket named in socket_file, from this process's child:
 * outside the unit. Exits 0 if at least one datagram was accepted by the socket. */
static void spoof_ready(const char *socket_file, int duration_ms)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        socklen_t salen;
        uint64_t deadline;
        char *path;
        int fd, sent = 0;

        if (!test_wait_for_file(socket_file, 5000))
                _exit(2);
        path = test_read_file(socket_file);
        if (!path || strlen(path) >= sizeof(sa.sun_path))
                _exit(2);
        strcpy(sa.sun_path, path);
        salen = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(path));
        if (path[0] == '@')
                sa.sun_path[0] = '\0'; /* abstract namespace */
        else
                salen++;

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                _exit(3);
        deadline = test_now_msec() + (uint64_t) duration_ms;
        while (test_now_msec() < deadline) {
                if (sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *) &sa, salen) == 7)
                        sent++;
                usleep(50 * 1000);
        }
        _exit(sent > 0 ? 0 : 1);
}

static void test_notify_spoofed_ready_ignored(void)
{
        lcase t;
        char *socket_file = NULL;
        char socket_arg[PATH_MAX + 16];
        pid_t spoofer = -1;
        uint64_t ms;
        int status;

        if (!lcase_init(&t))
                goto out;
        socket_file = test_path_join(t.tc.dir, "notify-socket");
        snprintf(socket_arg, sizeof(socket_arg), "socket=%s", socket_file);
        REQUIRE(new_fixture(&t, "spoofed.service", "notify", socket_arg, "send=STATUS=not ready", NULL));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 1 * USEC_PER_SEC));

        spoofer = fork();
        REQUIRE(spoofer >= 0);
        if (spoofer == 0)
                spoof_ready(socket_file, 1500);

        ms = start_expect(&t, UR_TIMED_OUT, UR_FAILURE_TIMEOUT);
        CU_ASSERT_TRUE(ms >= 900);

        /* The spoof must have reached the socket, or this test proves nothing. */
        REQUIRE(waitpid(spoofer, &status, 0) == spoofer);
        spoofer = -1;
        CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
out:
        if (spoofer > 0) {
                kill(spoofer, SIGKILL);
                waitpid(spoofer, NULL, 0);
        }
        lcase_done(&t);
        free(socket_file);
}

static void test_notify_extend_timeout(void)
{
        lcase t;
        uint64_t ms;

        if (!lcase_init(&t))
                goto out;
        /* Start timeout 1 s; EXTEND_TIMEOUT_USEC=1 s every 250 ms for 2 s, then READY=1. */
        REQUIRE(new_fixture(&t, "extend.service", "notify", "extend=1000000:8:250", "send=READY=1", NULL));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 1 * USEC_PER_SEC));

        ms = start_expect(&t, 0, UR_FAILURE_NONE);
        CU_ASSERT_TRUE(ms >= 1900);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_RUNNING);
out:
        lcase_done(&t);
}

static void test_start_timeout(void)
{
        lcase t;
        uint64_t ms;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(
                &t, "never-ready.service", "notify", t.self_arg, "print=loading forever\\n",
                "send=STATUS=loading", NULL));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 1 * USEC_PER_SEC));

        ms = start_expect(&t, UR_TIMED_OUT, UR_FAILURE_TIMEOUT);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_FAILED);
        CU_ASSERT_TRUE(ms >= 900);
        CU_ASSERT_TRUE(ms < 5000);
        CU_ASSERT_TRUE(error_contains(&t, "READY=1"));
        CU_ASSERT_TRUE(error_contains(&t, "loading forever"));
        /* A failed start has stopped it, whole cgroup, before returning. */
        assert_all_dead(t.pids, 1);
        assert_failed_start_cleaned(&t);
out:
        lcase_done(&t);
}

/* ---- Readiness by output ------------------------------------------------------------ */

static void test_output_banner_same_write(void)
{
        lcase t;
        uint64_t ms;

        if (!lcase_init(&t))
                goto out;
        ur_context_set_output_callback(t.ctx, output_cb, &t);
        REQUIRE(new_fixture(
                &t, "banner.service", "output", "starting\\nlistening on port 1234\\nmore\\n", NULL));
        REQUIRE(ur_executor_add_ready_output(t.e, "listening on port [0-9]+", UR_STDOUT) == 0);
        REQUIRE(ur_executor_set_start_timeout(t.e, 5 * USEC_PER_SEC) == 0);

        REQUIRE(start_timed(&t, &ms) == 0);
        CU_ASSERT_TRUE(ms < 4000);
        CU_ASSERT_TRUE(output_contains(&t, UR_STDOUT, "starting\nlistening on port 1234\n"));
        CU_ASSERT_TRUE(wait_output(&t, UR_STDOUT, "more\n", 2000));
        /* The callback gets lines without their newline. */
        CU_ASSERT_TRUE(
                test_contains(t.lines, t.lines_len, "1:starting\n1:listening on port 1234\n1:more\n"));
        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
out:
        lcase_done(&t);
}

static void test_output_banner_no_newline(void)
{
        lcase t;
        uint64_t ms;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "no-newline.service", "output", "booting\\nready-without-newline", NULL));
        REQUIRE(ur_executor_add_ready_output(t.e, "ready-without-newline", UR_STDOUT) == 0);
        REQUIRE(ur_executor_set_start_timeout(t.e, 5 * USEC_PER_SEC) == 0);

        CU_ASSERT_EQUAL(start_timed(&t, &ms), 0);
        CU_ASSERT_TRUE(ms < 4000);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_RUNNING);
out:
        lcase_done(&t);
}

static void test_output_megabyte_before_banner(void)
{
        lcase t;
        size_t len = 0;
        const char *out;
        uint64_t ms;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(
                &t, "chatty.service", "output", "-f", "1048576", "BANNER-AFTER-FILLER\\n", NULL));
        REQUIRE(ur_executor_add_ready_output(t.e, "^BANNER-AFTER-FILLER$", UR_STDOUT) == 0);
        REQUIRE(ur_executor_set_start_timeout(t.e, 20 * USEC_PER_SEC) == 0);

        REQUIRE(start_timed(&t, &ms) == 0);
        CU_ASSERT_TRUE(ms < 10000);
        out = ur_executor_get_output(t.e, UR_STDOUT, &len);
        CU_ASSERT_TRUE(len >= 1048576);
        CU_ASSERT_TRUE(test_contains(out, len, "filler line 00000000 "));
        CU_ASSERT_TRUE(test_contains(out, len, "BANNER-AFTER-FILLER\n"));
        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
out:
        lcase_done(&t);
}

static void test_output_stderr(void)
{
        lcase t;
        uint64_t ms;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "stderr.service", "output", "-e", "warming\\nstderr banner\\n", NULL));
        REQUIRE(ur_executor_add_ready_output(t.e, "stderr banner", UR_STDERR) == 0);
        REQUIRE(ur_executor_set_start_timeout(t.e, 5 * USEC_PER_SEC) == 0);

        REQUIRE(start_timed(&t, &ms) == 0);
        CU_ASSERT_TRUE(ms < 4000);
        CU_ASSERT_TRUE(output_contains(&t, UR_STDERR, "stderr banner"));
        CU_ASSERT_FALSE(output_contains(&t, UR_STDOUT, "stderr banner"));
        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
out:
        lcase_done(&t);
}

/* A banner on stderr does not satisfy a condition on stdout. */
static void test_output_wrong_stream(void)
{
        lcase t;
        uint64_t ms;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "wrong-stream.service", "output", "-e", "the banner\\n", NULL));
        REQUIRE(ur_executor_add_ready_output(t.e, "the banner", UR_STDOUT) == 0);
        REQUIRE(ur_executor_set_start_timeout(t.e, 1 * USEC_PER_SEC) == 0);

        ms = start_expect(&t, UR_TIMED_OUT, UR_FAILURE_TIMEOUT);
        CU_ASSERT_TRUE(ms >= 900);
        /* The pending condition is named. */
        CU_ASSERT_TRUE(error_contains(&t, "the banner"));
out:
        lcase_done(&t);
}

static void test_output_bad_regex(void)
{
        lcase t;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "bad-regex.service", "output", "x\\n", NULL));
        CU_ASSERT_EQUAL(ur_executor_add_ready_output(t.e, "([unclosed", UR_STDOUT), -EINVAL);
        CU_ASSERT_PTR_NOT_NULL(ur_executor_get_error(t.e));
out:
        lcase_done(&t);
}

/* ---- Failing starts ----------------------------------------------------------------- */

static void check_exec_failure(const char *program, int expected_errno)
{
        lcase t;
        char *argv[] = { (char *) program, (char *) "arg", NULL };
        uint64_t ms;
        int r;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_argv(&t, "exec-fail.service", argv));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 30 * USEC_PER_SEC));

        r = start_timed(&t, &ms);
        CU_ASSERT_EQUAL(r, UR_EXEC_FAILED);
        CU_ASSERT_EQUAL(ur_executor_get_errno(t.e), expected_errno);
        if (r != UR_EXEC_FAILED || ur_executor_get_errno(t.e) != expected_errno)
                fprintf(stderr, "\n    %s: start returned %s, errno %d, expected %s\n", program,
                        test_outcome_name(r), ur_executor_get_errno(t.e), strerrorname_np(expected_errno));
        CU_ASSERT_EQUAL(ur_executor_get_failure(t.e), UR_FAILURE_EXEC);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_FAILED);
        CU_ASSERT_TRUE(ms < 2000);
        CU_ASSERT_PTR_NOT_NULL(ur_executor_get_error(t.e));
        assert_failed_start_cleaned(&t);
out:
        lcase_done(&t);
}

static void test_exec_enoent(void)
{
        check_exec_failure("/nonexistent/unitrun-no-such-program", ENOENT);
}

static void test_exec_enoent_path_lookup(void)
{
        check_exec_failure("unitrun-no-such-program-in-path", ENOENT);
}

static void test_exec_eacces(void)
{
        char *dir = test_make_temp_dir();
        char *script = dir ? test_path_join(dir, "not-executable.sh") : NULL;

        CU_ASSERT_PTR_NOT_NULL(script);
        if (script && test_write_file(script, "#!/bin/sh\necho should not run\n", 0644) == 0)
                check_exec_failure(script, EACCES);
        else
                CU_FAIL("cannot write the non-executable script");
        free(script);
        test_remove_temp_dir(dir);
}

static void test_exit_before_ready(void)
{
        lcase t;
        uint64_t ms;
        int code = 0, status = 0;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_shell(&t, "boom.service", "echo boom; exit 3"));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 30 * USEC_PER_SEC));

        ms = start_expect(&t, UR_EXITED_EARLY, UR_FAILURE_EXITED);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_FAILED);
        CU_ASSERT_TRUE(ms < 2000);
        CU_ASSERT_TRUE(error_contains(&t, "boom"));
        CU_ASSERT_TRUE(error_contains(&t, "3"));
        CU_ASSERT_TRUE(ur_executor_get_exit(t.e, &code, &status));
        CU_ASSERT_EQUAL(code, CLD_EXITED);
        CU_ASSERT_EQUAL(status, 3);
        assert_failed_start_cleaned(&t);
out:
        lcase_done(&t);
}

/* What the main process left behind when it exited before ready is killed before the
 * failure is reported. */
static void test_exit_before_ready_kills_leftovers(void)
{
        lcase t;
        char *forker = test_fixture_path("forker");
        char *cmdline = NULL;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(forker && t.pids);
        /* The shell waits until the forker (told nothing of the notify socket, or its READY=1
         * would count) recorded itself and its child, then fails. */
        REQUIRE(asprintf(
                        &cmdline,
                        "env -u NOTIFY_SOCKET '%s' child '%s' >/dev/null & "
                        "while [ \"$(cat '%s' 2>/dev/null | wc -l)\" -lt 2 ]; do sleep 0.05; done; "
                        "echo giving up; exit 5",
                        forker, t.pids, t.pids) > 0);
        REQUIRE(new_shell(&t, "leftovers.service", cmdline));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 30 * USEC_PER_SEC));

        start_expect(&t, UR_EXITED_EARLY, UR_FAILURE_EXITED);
        CU_ASSERT_TRUE(error_contains(&t, "giving up"));
        assert_all_dead(t.pids, 2);
        assert_failed_start_cleaned(&t);
out:
        lcase_done(&t);
        free(forker);
        free(cmdline);
}

/* Death by a signal before ready is an early exit too, with the signal in the message. */
static void test_killed_before_ready(void)
{
        lcase t;
        uint64_t ms;
        int code = 0, status = 0;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "sigkilled.service", "exiter", "-d", "100", "-s", "9", NULL));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 30 * USEC_PER_SEC));

        ms = start_expect(&t, UR_EXITED_EARLY, UR_FAILURE_EXITED);
        CU_ASSERT_TRUE(ms < 2000);
        CU_ASSERT_TRUE(ur_executor_get_exit(t.e, &code, &status));
        CU_ASSERT_EQUAL(code, CLD_KILLED);
        CU_ASSERT_EQUAL(status, SIGKILL);
out:
        lcase_done(&t);
}

/* ---- Oneshot ------------------------------------------------------------------------ */

static void test_oneshot_clean(void)
{
        lcase t;
        int code = -1, status = -1;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_shell(&t, "oneshot.service", "sleep 0.2; echo done"));
        REQUIRE(configure(&t, UR_TYPE_ONESHOT, 10 * USEC_PER_SEC));

        REQUIRE(ur_executor_start(t.e) == 0);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_EXITED);
        CU_ASSERT_TRUE(ur_executor_get_exit(t.e, &code, &status));
        CU_ASSERT_EQUAL(code, CLD_EXITED);
        CU_ASSERT_EQUAL(status, 0);
        CU_ASSERT_TRUE(wait_output(&t, UR_STDOUT, "done\n", 2000));
        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
out:
        lcase_done(&t);
}

static void test_oneshot_failing(void)
{
        lcase t;
        int code = -1, status = -1;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_shell(&t, "oneshot-fail.service", "echo failing; exit 4"));
        REQUIRE(configure(&t, UR_TYPE_ONESHOT, 10 * USEC_PER_SEC));

        start_expect(&t, UR_EXITED_EARLY, UR_FAILURE_EXITED);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_FAILED);
        CU_ASSERT_TRUE(ur_executor_get_exit(t.e, &code, &status));
        CU_ASSERT_EQUAL(code, CLD_EXITED);
        CU_ASSERT_EQUAL(status, 4);
        CU_ASSERT_TRUE(error_contains(&t, "failing"));
out:
        lcase_done(&t);
}

/* A status made clean by add_success_status. */
static void test_oneshot_success_status(void)
{
        lcase t;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_shell(&t, "oneshot-ok.service", "exit 7"));
        REQUIRE(ur_executor_set_type(t.e, UR_TYPE_ONESHOT) == 0);
        REQUIRE(ur_executor_add_success_status(t.e, 7) == 0);
        REQUIRE(ur_executor_set_start_timeout(t.e, 10 * USEC_PER_SEC) == 0);
        CU_ASSERT_EQUAL(ur_executor_start(t.e), 0);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_EXITED);
out:
        lcase_done(&t);
}

/* ---- Stop, kill, restart ------------------------------------------------------------ */

static void test_stop_clean(void)
{
        lcase t;
        char *cg = NULL;
        int code = -1, status = -1;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "clean.service", "notify", t.self_arg, "send=READY=1", NULL));
        REQUIRE(ur_executor_set_type(t.e, UR_TYPE_NOTIFY) == 0);
        REQUIRE(ur_executor_start(t.e) == 0);
        cg = checked_cgroup(&t);

        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_INACTIVE);
        CU_ASSERT_EQUAL(ur_executor_get_failure(t.e), UR_FAILURE_NONE);
        CU_ASSERT_FALSE(ur_executor_is_running(t.e));
        CU_ASSERT_EQUAL(ur_executor_get_pid(t.e), 0);
        CU_ASSERT_TRUE(ur_executor_get_exit(t.e, &code, &status));
        CU_ASSERT_TRUE((code == CLD_KILLED && status == SIGTERM) || (code == CLD_EXITED && status == 0));
        assert_all_dead(t.pids, 1);
        assert_cgroup_gone(&t, cg);
        /* Stopping an inactive executor is a no-op. */
        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
out:
        lcase_done(&t);
        free(cg);
}

static void test_stop_sigterm_ignored(void)
{
        lcase t;
        char *cg = NULL;
        uint64_t begin, ms;
        int r;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "stubborn.service", "ignore-term", "-c", t.pids, NULL));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 10 * USEC_PER_SEC));
        REQUIRE(ur_executor_set_stop_timeout(t.e, 500 * USEC_PER_MSEC) == 0);
        REQUIRE(ur_executor_start(t.e) == 0);
        cg = checked_cgroup(&t);
        assert_all_alive(t.pids, 2);

        begin = test_now_msec();
        r = ur_executor_stop(t.e);
        ms = test_now_msec() - begin;
        CU_ASSERT_EQUAL(r, UR_STOP_FAILED);
        CU_ASSERT_EQUAL(ur_executor_get_failure(t.e), UR_FAILURE_STOP);
        CU_ASSERT_TRUE(ms >= 450);
        CU_ASSERT_TRUE(ms < 5000);
        assert_all_dead(t.pids, 2);
        assert_cgroup_gone(&t, cg);
out:
        lcase_done(&t);
        free(cg);
}

static void test_restart(void)
{
        lcase t;
        pid_t first, second;
        test_proc *procs = NULL;
        int n;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "restart.service", "notify", t.self_arg, "send=READY=1", NULL));
        REQUIRE(ur_executor_set_type(t.e, UR_TYPE_NOTIFY) == 0);
        REQUIRE(ur_executor_start(t.e) == 0);
        first = ur_executor_get_pid(t.e);
        CU_ASSERT_TRUE(first > 0);

        REQUIRE(ur_executor_restart(t.e) == 0);
        second = ur_executor_get_pid(t.e);
        CU_ASSERT_TRUE(second > 0);
        CU_ASSERT_NOT_EQUAL(first, second);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_RUNNING);

        n = test_read_pid_file(t.pids, &procs);
        CU_ASSERT_EQUAL(n, 2);
        if (n == 2) {
                CU_ASSERT_EQUAL(procs[0].pid, first);
                CU_ASSERT_EQUAL(procs[1].pid, second);
                CU_ASSERT_FALSE(test_process_alive(procs[0].pid, procs[0].starttime));
                CU_ASSERT_TRUE(test_process_alive(procs[1].pid, procs[1].starttime));
        }
        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
        assert_all_dead(t.pids, 2);
out:
        lcase_done(&t);
        free(procs);
}

/* A stop followed by a new start of the same executor works (a temporarily stopped unit). */
static void test_stop_then_start_again(void)
{
        lcase t;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "again.service", "notify", "send=READY=1", NULL));
        REQUIRE(ur_executor_set_type(t.e, UR_TYPE_NOTIFY) == 0);
        REQUIRE(ur_executor_start(t.e) == 0);
        REQUIRE(ur_executor_stop(t.e) == 0);
        CU_ASSERT_EQUAL(ur_executor_start(t.e), 0);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_RUNNING);
        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
out:
        lcase_done(&t);
}

static bool wait_proc_state(pid_t pid, char state, int timeout_ms)
{
        uint64_t deadline = test_now_msec() + (uint64_t) timeout_ms;

        while (test_proc_state(pid) != state) {
                if (test_now_msec() >= deadline)
                        return false;
                usleep(10 * 1000);
        }
        return true;
}

/* kill(all=false) reaches the main process only, kill(all=true) every process. */
static void test_kill_main_and_all(void)
{
        lcase t;
        pid_t main_pid, child;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "kill.service", "forker", "child", t.pids, NULL));
        REQUIRE(ur_executor_set_type(t.e, UR_TYPE_NOTIFY) == 0);
        REQUIRE(ur_executor_start(t.e) == 0);
        main_pid = recorded_pid(t.pids, 0);
        child = recorded_pid(t.pids, 1);
        REQUIRE(main_pid > 0 && child > 0);
        CU_ASSERT_EQUAL(ur_executor_get_pid(t.e), main_pid);

        CU_ASSERT_EQUAL(ur_executor_kill(t.e, SIGSTOP, false), 0);
        CU_ASSERT_TRUE(wait_proc_state(main_pid, 'T', 2000));
        usleep(100 * 1000);
        CU_ASSERT_NOT_EQUAL(test_proc_state(child), 'T');
        CU_ASSERT_EQUAL(ur_executor_kill(t.e, SIGCONT, false), 0);
        CU_ASSERT_TRUE(wait_proc_state(main_pid, 'S', 2000));

        CU_ASSERT_EQUAL(ur_executor_kill(t.e, SIGSTOP, true), 0);
        CU_ASSERT_TRUE(wait_proc_state(main_pid, 'T', 2000));
        CU_ASSERT_TRUE(wait_proc_state(child, 'T', 2000));
        CU_ASSERT_EQUAL(ur_executor_kill(t.e, SIGCONT, true), 0);
        CU_ASSERT_TRUE(wait_proc_state(child, 'S', 2000));

        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_RUNNING);
        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
        assert_all_dead(t.pids, 2);
out:
        lcase_done(&t);
}

/* A deadly kill: the main process dies while running, which is a failure. */
static void test_kill_crash(void)
{
        lcase t;
        int code = -1, status = -1;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "crash.service", "notify", "send=READY=1", NULL));
        REQUIRE(ur_executor_set_type(t.e, UR_TYPE_NOTIFY) == 0);
        REQUIRE(ur_executor_start(t.e) == 0);

        CU_ASSERT_EQUAL(ur_executor_kill(t.e, SIGUSR1, false), 0);
        CU_ASSERT_EQUAL(wait_state_change(&t, UR_STATE_RUNNING, 5000), UR_STATE_FAILED);
        CU_ASSERT_EQUAL(ur_executor_get_failure(t.e), UR_FAILURE_CRASHED);
        CU_ASSERT_TRUE(ur_executor_get_exit(t.e, &code, &status));
        CU_ASSERT_EQUAL(code, CLD_KILLED);
        CU_ASSERT_EQUAL(status, SIGUSR1);
        CU_ASSERT_FALSE(ur_executor_is_running(t.e));
out:
        lcase_done(&t);
}

/* ---- Configuration reaching the child ----------------------------------------------- */

static void test_env_and_cwd(void)
{
        lcase t;
        char resolved[PATH_MAX], expected[PATH_MAX + 16];

        setenv("UR_TEST_INHERITED", "inherited-value", 1);
        setenv("UR_TEST_UNSET_ME", "should-be-gone", 1);
        setenv("UR_TEST_OVERRIDE", "old", 1);
        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_shell(
                &t, "env.service",
                "printf 'SET=%s\\nINH=%s\\nUNSET=%s\\nOVR=%s\\nCWD=%s\\nEND\\n' \"$UR_TEST_SET\" "
                "\"$UR_TEST_INHERITED\" \"${UR_TEST_UNSET_ME-<unset>}\" \"$UR_TEST_OVERRIDE\" \"$(pwd "
                "-P)\""));
        REQUIRE(ur_executor_set_type(t.e, UR_TYPE_ONESHOT) == 0);
        REQUIRE(ur_executor_set_env(t.e, "UR_TEST_SET", "alpha beta") == 0);
        REQUIRE(ur_executor_unset_env(t.e, "UR_TEST_UNSET_ME") >= 0);
        REQUIRE(ur_executor_set_env(t.e, "UR_TEST_OVERRIDE", "new") == 0);
        REQUIRE(ur_executor_set_cwd(t.e, t.tc.dir) == 0);
        REQUIRE(realpath(t.tc.dir, resolved));

        REQUIRE(ur_executor_start(t.e) == 0);
        REQUIRE(wait_output(&t, UR_STDOUT, "END\n", 3000));
        CU_ASSERT_TRUE(output_contains(&t, UR_STDOUT, "SET=alpha beta\n"));
        CU_ASSERT_TRUE(output_contains(&t, UR_STDOUT, "INH=inherited-value\n"));
        CU_ASSERT_TRUE(output_contains(&t, UR_STDOUT, "UNSET=<unset>\n"));
        CU_ASSERT_TRUE(output_contains(&t, UR_STDOUT, "OVR=new\n"));
        snprintf(expected, sizeof(expected), "CWD=%s\n", resolved);
        CU_ASSERT_TRUE(output_contains(&t, UR_STDOUT, expected));
out:
        lcase_done(&t);
        unsetenv("UR_TEST_INHERITED");
        unsetenv("UR_TEST_UNSET_ME");
        unsetenv("UR_TEST_OVERRIDE");
}

static void test_env_clear(void)
{
        lcase t;
        char *argv[] = { (char *) "env", NULL };

        setenv("UR_TEST_INHERITED", "inherited-value", 1);
        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_argv(&t, "env-clear.service", argv));
        REQUIRE(ur_executor_set_type(t.e, UR_TYPE_ONESHOT) == 0);
        REQUIRE(ur_executor_clear_env(t.e) == 0);
        REQUIRE(ur_executor_set_env(t.e, "ONLY", "1") == 0);

        REQUIRE(ur_executor_start(t.e) == 0);
        /* env(1) writes its whole (short) output at once. */
        REQUIRE(wait_output(&t, UR_STDOUT, "ONLY=1\n", 3000));
        CU_ASSERT_FALSE(output_contains(&t, UR_STDOUT, "UR_TEST_INHERITED"));
        CU_ASSERT_FALSE(output_contains(&t, UR_STDOUT, "HOME="));
out:
        lcase_done(&t);
        unsetenv("UR_TEST_INHERITED");
}

/* stdout to a file instead of the capture pipe. */
static void test_stdio_file(void)
{
        lcase t;
        char *file = NULL, *content = NULL;

        if (!lcase_init(&t))
                goto out;
        file = test_path_join(t.tc.dir, "stdout.log");
        REQUIRE(new_shell(&t, "to-file.service", "echo to-the-file"));
        REQUIRE(ur_executor_set_type(t.e, UR_TYPE_ONESHOT) == 0);
        REQUIRE(ur_executor_set_stdio(t.e, UR_STDOUT, UR_STDIO_FILE, file) == 0);
        REQUIRE(ur_executor_start(t.e) == 0);
        content = test_read_file(file);
        CU_ASSERT_TRUE(content && strcmp(content, "to-the-file\n") == 0);
out:
        lcase_done(&t);
        free(file);
        free(content);
}

/* ---- Leak checks: nothing a daemon forked survives its stop ------------------------- */

static void check_no_leak(const char *mode, const char *count, int expected)
{
        lcase t;
        char *cg = NULL;
        char name[64];
        int r;

        if (!lcase_init(&t))
                goto out;
        snprintf(name, sizeof(name), "forker-%s.service", mode);
        REQUIRE(new_fixture(&t, name, "forker", mode, t.pids, count, NULL));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 20 * USEC_PER_SEC));
        REQUIRE(ur_executor_set_stop_timeout(t.e, 5 * USEC_PER_SEC) == 0);
        REQUIRE(ur_executor_start(t.e) == 0);
        cg = checked_cgroup(&t);
        /* The fixture did build the tree: otherwise "all dead" would prove nothing. */
        assert_all_alive(t.pids, expected);

        r = ur_executor_stop(t.e);
        CU_ASSERT_EQUAL(r, 0);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_INACTIVE);
        assert_all_dead(t.pids, expected);
        assert_cgroup_gone(&t, cg);
out:
        lcase_done(&t);
        free(cg);
}

static void test_leak_background_child(void)
{
        check_no_leak("child", NULL, 2);
}

static void test_leak_double_fork(void)
{
        check_no_leak("double", NULL, 2);
}

static void test_leak_double_fork_setsid(void)
{
        check_no_leak("double-setsid", NULL, 2);
}

static void test_leak_env_setsid_grandchild(void)
{
        check_no_leak("env-setsid", NULL, 2);
}

static void test_leak_100_sleepers(void)
{
        check_no_leak("sleepers", "100", 101);
}

/* Freeing the context stops what is still running. */
static void test_context_free_stops_everything(void)
{
        lcase t;
        char *cg = NULL;
        bool fine;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "ctx-free.service", "forker", "child", t.pids, NULL));
        REQUIRE(ur_executor_set_type(t.e, UR_TYPE_NOTIFY) == 0);
        REQUIRE(ur_executor_start(t.e) == 0);
        cg = checked_cgroup(&t);
        assert_all_alive(t.pids, 2);

        t.e = ur_executor_free(t.e);
        t.ctx = ur_context_free(t.ctx);
        assert_all_dead(t.pids, 2);
        fine = !cg || !test_dir_exists(cg);
        CU_ASSERT_TRUE(fine);
out:
        lcase_done(&t);
        free(cg);
}

/* ---- More of the protocol and the API ----------------------------------------------- */

/* MAINPID= naming a process outside the unit (PID 1) is refused. */
static void test_notify_mainpid_outside_ignored(void)
{
        lcase t;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(
                &t, "mainpid-outside.service", "notify", t.self_arg, "send=MAINPID=1", "send=READY=1",
                NULL));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 10 * USEC_PER_SEC));
        REQUIRE(ur_executor_start(t.e) == 0);
        CU_ASSERT_EQUAL(ur_executor_get_pid(t.e), recorded_pid(t.pids, 0));
        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
out:
        lcase_done(&t);
}

/* A datagram over 4096 bytes is dropped, READY=1 in it included. */
static void test_notify_oversized_dropped(void)
{
        lcase t;
        char message[5200];

        strcpy(message, "send=READY=1\\nX_PADDING=");
        memset(message + strlen(message), 'a', 5000);
        message[sizeof(message) - 1] = '\0';
        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "oversized.service", "notify", message, NULL));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 1 * USEC_PER_SEC));
        start_expect(&t, UR_TIMED_OUT, UR_FAILURE_TIMEOUT);
out:
        lcase_done(&t);
}

/* The embedder's way: start_begin() returns at once, the fd polls, dispatch() progresses. */
static void test_start_begin_with_own_loop(void)
{
        lcase t;
        uint64_t begin, deadline;
        struct pollfd pfd;
        int r;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "async.service", "notify", "wait=600", "send=READY=1", NULL));
        REQUIRE(configure(&t, UR_TYPE_NOTIFY, 10 * USEC_PER_SEC));

        begin = test_now_msec();
        r = ur_executor_start_begin(t.e);
        REQUIRE(r == 0);
        CU_ASSERT_TRUE(test_now_msec() - begin < 400);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_STARTING);

        pfd.fd = ur_context_get_fd(t.ctx);
        pfd.events = POLLIN;
        REQUIRE(pfd.fd >= 0);
        deadline = test_now_msec() + 5000;
        while (ur_executor_get_state(t.e) == UR_STATE_STARTING && test_now_msec() < deadline) {
                if (poll(&pfd, 1, 100) > 0)
                        CU_ASSERT_TRUE(ur_context_dispatch(t.ctx, 0) >= 0);
        }
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_RUNNING);
        CU_ASSERT_TRUE(test_now_msec() - begin >= 550);
        CU_ASSERT_EQUAL(ur_executor_stop(t.e), 0);
out:
        lcase_done(&t);
}

/* stop_now() skips the rest of a long grace period. */
static void test_stop_now(void)
{
        lcase t;
        uint64_t begin, deadline;
        ur_state state;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_fixture(&t, "stop-now.service", "ignore-term", t.pids, NULL));
        REQUIRE(ur_executor_set_type(t.e, UR_TYPE_NOTIFY) == 0);
        REQUIRE(ur_executor_set_stop_timeout(t.e, 60 * USEC_PER_SEC) == 0);
        REQUIRE(ur_executor_start(t.e) == 0);

        begin = test_now_msec();
        REQUIRE(ur_executor_stop_begin(t.e) == 0);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e), UR_STATE_STOPPING);
        CU_ASSERT_EQUAL(ur_executor_stop_now(t.e), 0);
        deadline = begin + 5000;
        while ((state = ur_executor_get_state(t.e)) == UR_STATE_STOPPING && test_now_msec() < deadline)
                ur_context_dispatch(t.ctx, 50);
        CU_ASSERT_NOT_EQUAL(state, UR_STATE_STOPPING);
        CU_ASSERT_TRUE(test_now_msec() - begin < 5000);
        assert_all_dead(t.pids, 1);
out:
        lcase_done(&t);
}

/* CPU time is measured through the cgroup (the fallback may say -ENODATA). */
static void test_cpu_usage(void)
{
        lcase t;
        uint64_t usec = 0;
        int r;

        if (!lcase_init(&t))
                goto out;
        REQUIRE(new_shell(&t, "busy.service", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"));
        REQUIRE(configure(&t, UR_TYPE_ONESHOT, 30 * USEC_PER_SEC));
        REQUIRE(ur_executor_start(t.e) == 0);
        REQUIRE(ur_executor_stop(t.e) == 0);
        r = ur_executor_get_cpu_usage(t.e, &usec);
        if (fallback_mode) {
                CU_ASSERT_TRUE(r == -ENODATA || (r >= 0 && usec > 0));
        } else {
                CU_ASSERT_TRUE(r >= 0);
                CU_ASSERT_TRUE(usec >= 10 * USEC_PER_MSEC);
        }
out:
        lcase_done(&t);
}

/* ---- Runner ------------------------------------------------------------------------- */

#define SETSID_REASON                                                                                       \
        "a setsid()'ed grandchild whose parent died is reparented away from us; without a "                 \
        "cgroup a library cannot find it"

/* { group, name, function, why the fallback cannot honestly guarantee it } */
static const cunit_case all_tests[] = {
        { NULL, "notify: READY=1 after a delay, STATUS=", test_notify_ready, NULL },
        { NULL, "notify: systemd-notify --ready from a shell", test_notify_systemd_notify, NULL },
        { NULL, "notify: READY=1 from a child, NotifyAccess=all", test_notify_access_all_child, NULL },
        { NULL, "notify: READY=1 from a child, NotifyAccess=main", test_notify_access_main_child, NULL },
        { NULL, "notify: MAINPID=", test_notify_mainpid, NULL },
        { NULL, "notify: MAINPID=, then the original exits", test_notify_mainpid_original_exits, NULL },
        { NULL, "notify: spoofed READY=1 from outside is ignored", test_notify_spoofed_ready_ignored, NULL },
        { NULL, "notify: EXTEND_TIMEOUT_USEC=", test_notify_extend_timeout, NULL },
        { NULL, "notify: MAINPID= outside the unit is refused", test_notify_mainpid_outside_ignored, NULL },
        { NULL, "notify: messages over 4096 bytes are dropped", test_notify_oversized_dropped, NULL },
        { NULL, "start timeout names what is pending", test_start_timeout, NULL },
        { NULL, "output: banner in the same write as earlier lines", test_output_banner_same_write, NULL },
        { NULL, "output: banner without trailing newline", test_output_banner_no_newline, NULL },
        { NULL, "output: 1 MB before the banner", test_output_megabyte_before_banner, NULL },
        { NULL, "output: banner on stderr", test_output_stderr, NULL },
        { NULL, "output: stderr banner does not satisfy stdout", test_output_wrong_stream, NULL },
        { NULL, "output: bad regex", test_output_bad_regex, NULL },
        { NULL, "exec failure: ENOENT", test_exec_enoent, NULL },
        { NULL, "exec failure: ENOENT through PATH", test_exec_enoent_path_lookup, NULL },
        { NULL, "exec failure: EACCES", test_exec_eacces, NULL },
        { NULL, "exit before ready", test_exit_before_ready, NULL },
        { NULL, "exit before ready kills the leftovers", test_exit_before_ready_kills_leftovers, NULL },
        { NULL, "killed before ready", test_killed_before_ready, NULL },
        { NULL, "oneshot: clean exit", test_oneshot_clean, NULL },
        { NULL, "oneshot: failing", test_oneshot_failing, NULL },
        { NULL, "oneshot: SuccessExitStatus", test_oneshot_success_status, NULL },
        { NULL, "stop: clean", test_stop_clean, NULL },
        { NULL, "stop: SIGTERM ignored, final kill", test_stop_sigterm_ignored, NULL },
        { NULL, "restart", test_restart, NULL },
        { NULL, "stop, then start again", test_stop_then_start_again, NULL },
        { NULL, "kill: main vs all", test_kill_main_and_all, NULL },
        { NULL, "kill: the main process dies", test_kill_crash, NULL },
        { NULL, "env set/unset and cwd", test_env_and_cwd, NULL },
        { NULL, "env clear", test_env_clear, NULL },
        { NULL, "stdout to a file", test_stdio_file, NULL },
        { NULL, "leak: background child", test_leak_background_child, NULL },
        { NULL, "leak: double fork", test_leak_double_fork, NULL },
        { NULL, "leak: double fork + setsid", test_leak_double_fork_setsid, SETSID_REASON },
        { NULL, "leak: env -i + setsid grandchild", test_leak_env_setsid_grandchild, SETSID_REASON },
        { NULL, "leak: 100 sleepers", test_leak_100_sleepers, NULL },
        { NULL, "context free stops everything", test_context_free_stops_everything, NULL },
        { NULL, "start_begin + own poll loop", test_start_begin_with_own_loop, NULL },
        { NULL, "stop_now skips the grace period", test_stop_now, NULL },
        { NULL, "cpu usage", test_cpu_usage, NULL },
};

int main(void)
{
        int r;

        fallback_mode = cunit_fallback_mode();
        r = test_lib_check_setup("notify", fallback_mode, "executor-fallback");
        if (r != 0)
                return r;
        return cunit_run_cases(
                fallback_mode ? "executor (fallback)" : "executor (cgroup)", all_tests, ELEMENTS(all_tests),
                NULL, fallback_mode);
}

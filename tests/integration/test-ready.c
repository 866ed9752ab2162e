/* Integration tests of the network and file readiness conditions, through unitrun.h only,
 * against real servers: TCP= (IPv4, IPv6-only), UnixSocket=, HTTP= (status, method, body,
 * headers, query, over a unix socket, a server that never answers), File=, RefuseIfReady=,
 * a daemon dying while its checks are pending, combined conditions, concurrent starts and
 * the waiter. Servers listen on loopback ports the kernel handed out, or on unix sockets in
 * a temp dir; the HTTP server is the python3 fixture (HTTP cases skip without it).
 *
 * The same program runs on both isolation paths (UNITRUN_NO_CGROUP=1 selects the
 * fallback; plainly it needs cgroup isolation, else it exits 77). Every test frees what it
 * started, even when an assertion failed: its executors and context, the servers it spawned
 * (by PID), its own listening sockets, its temp dir; and it SIGKILLs any unit process the
 * library left alive (by PID and start time). */
#include <CUnit/Basic.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cunit-main.h"
#include "tcase.h"
#include "test-assert.h"
#include "test-lib.h"
#include "test-net.h"
#include "test-util.h"
#include "unitrun.h"

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC UINT64_C(1000000)

/* Generous bounds: a loaded 2-core CI machine. A start that must wait for a delay D takes
 * at least D (the delay begins after the spawn); LATE bounds how much later it may come. */
#define SLACK_MS 50
#define LATE_MS 5000
#define START_TIMEOUT_USEC (15 * USEC_PER_SEC)
#define SERVER_UP_MS 10000
/* Rounds of the File= burst test (a race needs many tries to show). */
#define BURST_ROUNDS 15
#define BURST_DEPTH 120

/* An assertion on a duration, printing the figure when it fails. */
#define ASSERT_MS(ms, cond)                                                                                 \
        do {                                                                                                \
                if (!(cond))                                                                                \
                        fprintf(stderr, "\n    line %d: took %llu ms\n", __LINE__,                          \
                                (unsigned long long) (ms));                                                 \
                CU_ASSERT(cond);                                                                            \
        } while (0)

static bool fallback_mode;

/* ---- Per-test state and cleanup ----------------------------------------------------- */

#define MAX_UNITS 4

/* The common fixture (temp dir, the servers and listeners the test itself holds, their
 * log) plus the library side. */
typedef struct lcase {
        tcase tc;
        ur_context *ctx;
        ur_executor *e[MAX_UNITS];
        test_proc unit_procs[16]; /* main processes seen, killed if the library left them */
        int n_unit_procs;
        test_log log;
        uint64_t running_at[MAX_UNITS]; /* test_now_msec() when each unit became RUNNING */
        uint64_t began;
} lcase;

static void remember_pid(lcase *t, ur_executor *e)
{
        pid_t pid = ur_executor_get_pid(e);

        if (pid <= 0 || t->n_unit_procs >= (int) (sizeof(t->unit_procs) / sizeof(t->unit_procs[0])))
                return;
        for (int i = 0; i < t->n_unit_procs; i++)
                if (t->unit_procs[i].pid == pid)
                        return;
        t->unit_procs[t->n_unit_procs++] = (test_proc){ .pid = pid, .starttime = test_proc_starttime(pid) };
}

static void state_cb(ur_executor *e, ur_state state, void *userdata)
{
        lcase *t = userdata;

        remember_pid(t, e);
        for (int i = 0; i < MAX_UNITS; i++)
                if (t->e[i] == e && state == UR_STATE_RUNNING && t->running_at[i] == 0)
                        t->running_at[i] = test_now_msec();
}

static bool lcase_init(lcase *t)
{
        memset(t, 0, sizeof(*t));
        t->began = test_now_msec();
        if (!tcase_init(&t->tc))
                return false;
        return test_lib_new_context(&t->ctx, &t->log, state_cb, t);
}

static void lcase_done(lcase *t)
{
        bool failed = tcase_failed(&t->tc);
        int survivors;

        if (!t->tc.initialised)
                return; /* skipped before lcase_init() */

        for (int i = 0; i < MAX_UNITS; i++) {
                if (t->e[i] && getenv("UR_TEST_VERBOSE"))
                        fprintf(stderr, "    [%s] state=%s failure=%s error=%s\n",
                                ur_executor_get_name(t->e[i]),
                                ur_state_to_string(ur_executor_get_state(t->e[i])),
                                ur_failure_to_string(ur_executor_get_failure(t->e[i])),
                                ur_executor_get_error(t->e[i]) ? ur_executor_get_error(t->e[i]) : "(none)");
                t->e[i] = ur_executor_free(t->e[i]);
        }
        t->ctx = ur_context_free(t->ctx);
        survivors = test_kill_survivors(t->unit_procs, t->n_unit_procs);
        if (survivors > 0) {
                fprintf(stderr,
                        "\n    cleanup: SIGKILLed %d unit process(es) alive after the context was freed\n",
                        survivors);
                CU_FAIL("a unit process survived ur_context_free()");
        }
        tcase_done(&t->tc);
        if (failed || tcase_failed(&t->tc))
                test_log_dump(&t->log, 3000);
        /* On stderr, for the timing budget of CI: */
        fprintf(stderr, "  (%llu ms) ", (unsigned long long) (test_now_msec() - t->began));
}

/* lcase_init() and a free port of family (none for 0). False: leave the case; a case
 * with http and no HTTP fixture here, or AF_INET6 and no IPv6 loopback, is skipped. */
static bool lcase_init_port(lcase *t, bool http, int family, int *ret_port)
{
        memset(t, 0, sizeof(*t));
        if (http && !test_http_server_available())
                return false;
        return lcase_init(t) && test_case_port(family, ret_port);
}

/* ---- Helpers ------------------------------------------------------------------------ */

/* A new executor t->e[slot] running argv (NULL-terminated, argv[0] a path), start timeout
 * START_TIMEOUT_USEC. */
static ur_executor *new_unit_argv(lcase *t, int slot, const char *name, char *const argv[])
{
        int r = ur_executor_new(t->ctx, name, argv, &t->e[slot]);

        CU_ASSERT_EQUAL(r, 0);
        if (r < 0) {
                fprintf(stderr, "\n    ur_executor_new(%s): %s\n", name, strerror(-r));
                t->e[slot] = NULL;
                return NULL;
        }
        CU_ASSERT_EQUAL(ur_executor_set_start_timeout(t->e[slot], START_TIMEOUT_USEC), 0);
        return t->e[slot];
}

/* new_fixture(t, SLOT, NAME, FIXTURE, ARGS..., NULL): the fixture with the arguments as
 * t->e[slot]. */
#define new_fixture(t, slot, name, ...) new_fixture_list(t, slot, name, (const char *const[]){ __VA_ARGS__ })
static ur_executor *new_fixture_list(lcase *t, int slot, const char *name, const char *const *fixture_args)
{
        char *argv[24];
        int r = test_fixture_argv(argv, ELEMENTS(argv), fixture_args[0], fixture_args + 1);

        CU_ASSERT_EQUAL(r, 0);
        if (r < 0)
                return NULL;
        new_unit_argv(t, slot, name, argv);
        free(argv[0]);
        return t->e[slot];
}

/* The python HTTP fixture as t->e[slot], with the NULL-terminated arguments. */
static ur_executor *new_http_unit(lcase *t, int slot, const char *name, ...)
{
        char *argv[32];
        const char *arg;
        va_list ap;
        int argc = 0;

        argv[argc++] = getenv("HTTP_SERVER_PYTHON");
        argv[argc++] = getenv("HTTP_SERVER");
        va_start(ap, name);
        while ((arg = va_arg(ap, const char *)) && argc < 31)
                argv[argc++] = (char *) arg;
        va_end(ap);
        argv[argc] = NULL;
        return new_unit_argv(t, slot, name, argv);
}

/* Blocking start, timed; the error on stderr when it fails. */
static int start_timed(lcase *t, ur_executor *e, uint64_t *ret_msec)
{
        uint64_t begin = test_now_msec();
        int r = ur_executor_start(e);

        *ret_msec = test_now_msec() - begin;
        remember_pid(t, e);
        if (r != UR_OK && getenv("UR_TEST_VERBOSE"))
                fprintf(stderr, "    start: %s (%s)\n", test_outcome_name(r),
                        ur_executor_get_error(e) ? ur_executor_get_error(e) : "no message");
        return r;
}

/* Starts and expects readiness (0, RUNNING), printing the error otherwise. */
static bool start_ok(lcase *t, ur_executor *e, uint64_t *ret_msec)
{
        int r = start_timed(t, e, ret_msec);

        if (r != 0 || ur_executor_get_state(e) != UR_STATE_RUNNING) {
                fprintf(stderr, "\n    %s: start returned %d (%s) after %llu ms, state %s: %s\n",
                        ur_executor_get_name(e), r, test_outcome_name(r), (unsigned long long) *ret_msec,
                        ur_state_to_string(ur_executor_get_state(e)),
                        ur_executor_get_error(e) ? ur_executor_get_error(e) : "(no error)");
                return false;
        }
        return true;
}

/* Sets e's start timeout and starts it, which must time out; false when the timeout
 * cannot be set. */
static bool start_times_out(lcase *t, ur_executor *e, uint64_t timeout_usec, uint64_t *ret_msec)
{
        int r = ur_executor_set_start_timeout(e, timeout_usec);

        CU_ASSERT_EQUAL(r, 0);
        if (r != 0)
                return false;
        r = start_timed(t, e, ret_msec);
        CU_ASSERT_EQUAL(r, UR_TIMED_OUT);
        CU_ASSERT_EQUAL(ur_executor_get_failure(e), UR_FAILURE_TIMEOUT);
        return true;
}

static bool error_contains(ur_executor *e, const char *needle)
{
        const char *error = ur_executor_get_error(e);
        bool found = error && strstr(error, needle);

        if (!found)
                fprintf(stderr, "\n    error message \"%s\" lacks \"%s\"\n", error ? error : "(null)",
                        needle);
        return found;
}

static bool error_lacks(ur_executor *e, const char *needle)
{
        const char *error = ur_executor_get_error(e);
        bool found = error && strstr(error, needle);

        if (found)
                fprintf(stderr, "\n    error message \"%s\" should not name \"%s\"\n", error, needle);
        return !found;
}

/* Runs the loop until the captured stream contains NEEDLE (output is read
 * asynchronously), up to timeout_ms. */
static bool wait_output(lcase *t, ur_executor *e, ur_stream stream, const char *needle, int timeout_ms)
{
        uint64_t deadline = test_now_msec() + (uint64_t) timeout_ms;

        for (;;) {
                size_t len = 0;
                const char *out = ur_executor_get_output(e, stream, &len);

                if (test_contains(out, len, needle))
                        return true;
                if (test_now_msec() >= deadline) {
                        fprintf(stderr, "\n    output of %s lacks \"%s\": %.*s\n", ur_executor_get_name(e),
                                needle, (int) len, out ? out : "");
                        return false;
                }
                ur_context_dispatch(t->ctx, 50);
        }
}

/* A failed start left nothing running. */
static void assert_not_running(ur_executor *e)
{
        CU_ASSERT_FALSE(ur_executor_is_running(e));
        CU_ASSERT_EQUAL(ur_executor_get_pid(e), 0);
        CU_ASSERT_PTR_NULL(ur_executor_get_cgroup(e));
}

/* "127.0.0.1:PORT" and friends in a caller's buffer. */
#define ADDR(buf, fmt, ...) (snprintf((buf), sizeof(buf), (fmt), __VA_ARGS__), (buf))

/* ---- TCP=, UnixSocket=, File=: ready 300 ms late, one table -------------------------- */

/* The fixture opens a TCP port, listens on a unix socket or creates a file 300 ms after
 * it started; the unit is ready no earlier than that and not much later, and then what
 * the row says holds. */
struct late_row {
        const char *unit;
        int family;         /* TCP: the port's family; 0: a path in the temp dir */
        const char *path;   /* path-based: the file name */
        const char *listen; /* the listener's argument, before the port or the path */
        const char *spec;   /* the condition, before the port or the path */
        int (*add)(ur_executor *e, const char *spec);
        bool stale_socket;    /* a dead server's socket file is there first */
        bool ready_msec;      /* ur_executor_get_ready_msec() shows the delay too */
        const char *connects; /* connects to the port afterwards (NULL: not checked) */
        const char *refuses;  /* is refused on the port afterwards */
        bool gone_after_stop; /* nothing listens after the stop */
};

static const struct late_row late_rows[] = {
        { .unit = "tcp4.service",
          .family = AF_INET,
          .listen = "tcp=127.0.0.1:",
          .spec = "127.0.0.1:",
          .add = ur_executor_add_ready_tcp,
          .ready_msec = true,
          .connects = "127.0.0.1",
          .gone_after_stop = true },
        /* A host name: every address it resolves to is tried (localhost is 127.0.0.1 at least). */
        { .unit = "tcp-name.service",
          .family = AF_INET,
          .listen = "tcp=127.0.0.1:",
          .spec = "localhost:",
          .add = ur_executor_add_ready_tcp },
        /* The listener is IPv6-only: readiness came from ::1 itself. */
        { .unit = "tcp6.service",
          .family = AF_INET6,
          .listen = "tcp=[::1]:",
          .spec = "[::1]:",
          .add = ur_executor_add_ready_tcp,
          .connects = "::1",
          .refuses = "127.0.0.1" },
        /* A socket file left behind by a dead server is not "already in use". */
        { .unit = "unix-stale.service",
          .path = "stale.sock",
          .listen = "unix=",
          .spec = "",
          .add = ur_executor_add_ready_unix,
          .stale_socket = true },
        { .unit = "file-late.service",
          .path = "ready",
          .listen = "touch=",
          .spec = "",
          .add = ur_executor_add_ready_file },
};

static void run_late(const void *data)
{
        const struct late_row *row = data;
        lcase t;
        char spec[4200], arg[4200], *path = NULL;
        uint64_t ms;
        int port = 0;

        if (!lcase_init_port(&t, false, row->family, &port))
                goto out;
        if (row->family) {
                ADDR(arg, "%s%d", row->listen, port);
                ADDR(spec, "%s%d", row->spec, port);
        } else {
                path = test_path_join(t.tc.dir, row->path);
                REQUIRE(path);
                ADDR(arg, "%s%s", row->listen, path);
                ADDR(spec, "%s%s", row->spec, path);
        }
        if (row->stale_socket) {
                REQUIRE(test_make_stale_unix_socket(path) == 0);
                REQUIRE(test_file_exists(path));
        }
        REQUIRE(new_fixture(&t, 0, row->unit, "listener", "wait=300", arg, NULL));
        REQUIRE(row->add(t.e[0], spec) == 0);
        REQUIRE(start_ok(&t, t.e[0], &ms));
        ASSERT_MS(ms, ms >= 300 - SLACK_MS && ms < LATE_MS);
        if (row->ready_msec)
                CU_ASSERT_TRUE(ur_executor_get_ready_msec(t.e[0]) >= 300 - SLACK_MS);
        if (row->connects)
                CU_ASSERT_TRUE(test_connects_tcp(row->connects, port));
        if (row->refuses)
                CU_ASSERT_FALSE(test_connects_tcp(row->refuses, port));
        CU_ASSERT_EQUAL(ur_executor_stop(t.e[0]), 0);
        if (row->gone_after_stop)
                CU_ASSERT_FALSE(test_connects_tcp(row->connects, port));
out:
        lcase_done(&t);
        free(path);
}

/* An IPv4 condition is not met by an IPv6-only listener on the same port number. */
static void test_tcp_wrong_family_not_ready(void)
{
        lcase t;
        char spec[64], arg[80];
        uint64_t ms;
        int port;

        if (!lcase_init(&t))
                goto out;
        port = test_free_port_case(AF_INET6);
        if (port == 0)
                goto out; /* skipped */
        REQUIRE(port > 0);
        REQUIRE(new_fixture(&t, 0, "tcp6.service", "listener", ADDR(arg, "tcp=[::1]:%d", port), NULL));
        REQUIRE(ur_executor_add_ready_tcp(t.e[0], ADDR(spec, "127.0.0.1:%d", port)) == 0);
        REQUIRE(start_times_out(&t, t.e[0], 700 * USEC_PER_MSEC, &ms));
        CU_ASSERT_TRUE(error_contains(t.e[0], spec));
        assert_not_running(t.e[0]);
out:
        lcase_done(&t);
}

/* Interval= is the poll period: with 1 s, a port opened 300 ms in is seen ~1 s in; with
 * the default, soon after it opened. */
static void test_tcp_interval(void)
{
        lcase t;
        char spec[64], arg[80];
        uint64_t ms, ready;
        int port;

        if (!lcase_init_port(&t, false, AF_INET, &port))
                goto out;
        REQUIRE(new_fixture(
                &t, 0, "slow-poll.service", "listener", "wait=300", ADDR(arg, "tcp=127.0.0.1:%d", port),
                NULL));
        REQUIRE(ur_executor_add_ready_tcp(t.e[0], ADDR(spec, "127.0.0.1:%d", port)) == 0);
        REQUIRE(ur_executor_set_ready_interval(t.e[0], 1 * USEC_PER_SEC) == 0);
        REQUIRE(start_ok(&t, t.e[0], &ms));
        ready = ur_executor_get_ready_msec(t.e[0]);
        ASSERT_MS(ready, ready >= 800 && ready < LATE_MS);
        REQUIRE(ur_executor_stop(t.e[0]) == 0);

        REQUIRE(ur_executor_set_ready_interval(t.e[0], 0) == 0);
        REQUIRE(start_ok(&t, t.e[0], &ms));
        ready = ur_executor_get_ready_msec(t.e[0]);
        ASSERT_MS(ready, ready >= 300 - SLACK_MS && ready < 800);
        CU_ASSERT_EQUAL(ur_executor_stop(t.e[0]), 0);
out:
        lcase_done(&t);
}

/* With the unit's listen()s heard as events, polling goes on as the backup for a listener
 * outside the unit (a proxy, a container runtime's port forward): one that this test opens
 * 300 ms in is seen, though the unit itself never listens. */
static void test_tcp_listener_outside_unit(void)
{
        lcase t;
        char spec[64], arg[80], *argv[8];
        const char *outside_args[] = { "wait=300", arg, NULL };
        uint64_t ms, ready;
        int port;

        if (!lcase_init_port(&t, false, AF_INET, &port))
                goto out;
        REQUIRE(new_fixture(&t, 0, "outside.service", "listener", "wait=60000", NULL));
        REQUIRE(ur_executor_add_ready_tcp(t.e[0], ADDR(spec, "127.0.0.1:%d", port)) == 0);
        ADDR(arg, "tcp=127.0.0.1:%d", port);
        REQUIRE(test_fixture_argv(argv, ELEMENTS(argv), "listener", outside_args) == 0);
        REQUIRE(tcase_add_helper(&t.tc, test_spawn(argv, tcase_helper_log(&t.tc))));
        free(argv[0]);
        REQUIRE(start_ok(&t, t.e[0], &ms));
        ready = ur_executor_get_ready_msec(t.e[0]);
        ASSERT_MS(ready, ready >= 300 - SLACK_MS && ready < LATE_MS);
        /* Not polling for want of events: the backup schedule is what found it. */
        if (!getenv("UNITRUN_NO_LISTEN_EVENTS"))
                CU_ASSERT_PTR_NOT_NULL(strstr(t.log.text, "listen detection: seccomp"));
        CU_ASSERT_EQUAL(ur_executor_stop(t.e[0]), 0);
out:
        lcase_done(&t);
}

/* ---- UnixSocket= -------------------------------------------------------------------- */

/* The socket file exists at once, but connects are refused until listen(): not ready
 * until then. */
static void test_unix_bound_before_listening(void)
{
        lcase t;
        char *sock = NULL, arg[4200];
        uint64_t begin, ms;
        bool saw_file_while_starting = false;

        if (!lcase_init(&t))
                goto out;
        sock = test_path_join(t.tc.dir, "late.sock");
        REQUIRE(new_fixture(
                &t, 0, "unix-late.service", "listener", ADDR(arg, "bind-unix=%s", sock), "wait=600",
                "listen", NULL));
        REQUIRE(ur_executor_add_ready_unix(t.e[0], sock) == 0);
        begin = test_now_msec();
        REQUIRE(ur_executor_start_begin(t.e[0]) == 0);
        remember_pid(&t, t.e[0]);
        while (ur_executor_get_state(t.e[0]) == UR_STATE_STARTING && test_now_msec() - begin < 15000) {
                if (!saw_file_while_starting && test_file_exists(sock))
                        saw_file_while_starting = true;
                ur_context_dispatch(t.ctx, 10);
        }
        ms = test_now_msec() - begin;
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e[0]), UR_STATE_RUNNING);
        /* The file alone did not make it ready. */
        CU_ASSERT_TRUE(saw_file_while_starting);
        ASSERT_MS(ms, ms >= 600 - SLACK_MS && ms < LATE_MS);
        CU_ASSERT_TRUE(ur_executor_get_ready_msec(t.e[0]) >= 600 - SLACK_MS);
        CU_ASSERT_TRUE(test_connects_unix(sock));
        CU_ASSERT_EQUAL(ur_executor_stop(t.e[0]), 0);
out:
        lcase_done(&t);
        free(sock);
}

/* ---- HTTP= -------------------------------------------------------------------------- */

/* 500 for the first 600 ms of listening, then 200: ready only after the switch. */
static void test_http_500_then_200(void)
{
        lcase t;
        char url[64], port_arg[16], *served = NULL;
        ur_http_check check = { .url = url };
        uint64_t ms;
        int port;

        if (!lcase_init_port(&t, true, AF_INET, &port))
                goto out;
        served = test_path_join(t.tc.dir, "served");
        REQUIRE(new_http_unit(
                &t, 0, "http-warmup.service", "--port", ADDR(port_arg, "%d", port), "--fail-for", "600",
                "--served", served, NULL));
        ADDR(url, "http://127.0.0.1:%d/", port);
        REQUIRE(ur_executor_add_ready_http(t.e[0], &check) == 0);
        REQUIRE(start_ok(&t, t.e[0], &ms));
        ASSERT_MS(ms, ms >= 600 - SLACK_MS && ms < 10000);
        /* It was a 200 that made it ready. */
        CU_ASSERT_TRUE(test_file_exists(served));
        /* And 500s were answered first: the mere TCP connect did not count. */
        CU_ASSERT_TRUE(wait_output(&t, t.e[0], UR_STDERR, "-> 500", 5000));
        CU_ASSERT_EQUAL(ur_executor_stop(t.e[0]), 0);
out:
        lcase_done(&t);
        free(served);
}

/* HEAD, GET, and POST with a body and custom headers: the server answers 200 only to the
 * exact request; a POST without the header is never ready and says what it got. */
static void test_http_methods_body_headers(void)
{
        static const char *const post_headers[] = { "X-Token: s3cret", "Content-Type: application/json",
                                                    NULL };
        static const char *const no_headers[] = { "Content-Type: application/json", NULL };
        lcase t;
        char url[3][64], port_arg[3][16];
        int port[3];
        uint64_t ms;

        if (!test_http_server_available())
                return;
        if (!lcase_init(&t))
                goto out;
        for (int i = 0; i < 3; i++) {
                port[i] = test_free_port(AF_INET);
                REQUIRE(port[i] > 0);
                ADDR(url[i], "http://127.0.0.1:%d/health", port[i]);
                ADDR(port_arg[i], "%d", port[i]);
        }
        REQUIRE(new_http_unit(
                &t, 0, "http-head.service", "--port", port_arg[0], "--delay", "200", "--path", "/health",
                "--method", "HEAD", NULL));
        REQUIRE(ur_executor_add_ready_http(t.e[0], &(ur_http_check){ .url = url[0], .method = "HEAD" }) ==
                0);
        REQUIRE(new_http_unit(
                &t, 1, "http-get.service", "--port", port_arg[1], "--delay", "200", "--path", "/health",
                "--method", "GET", NULL));
        REQUIRE(ur_executor_add_ready_http(t.e[1], &(ur_http_check){ .url = url[1] }) == 0);
        REQUIRE(new_http_unit(
                &t, 2, "http-post.service", "--port", port_arg[2], "--delay", "200", "--path", "/health",
                "--method", "POST", "--body", "{\"ping\": 1}", "--header", "X-Token: s3cret", "--header",
                "Content-Type: application/json", NULL));
        REQUIRE(ur_executor_add_ready_http(
                        t.e[2], &(ur_http_check){ .url = url[2],
                                                  .method = "POST",
                                                  .headers = post_headers,
                                                  .body = "{\"ping\": 1}" }) == 0);
        for (int i = 0; i < 3; i++) {
                REQUIRE(start_ok(&t, t.e[i], &ms));
                ASSERT_MS(ms, ms >= 200 - SLACK_MS && ms < 10000);
        }
        for (int i = 0; i < 3; i++) {
                CU_ASSERT_EQUAL(ur_executor_stop(t.e[i]), 0);
                t.e[i] = ur_executor_free(t.e[i]);
        }

        /* The same POST server, a request without X-Token: 400 until the timeout. */
        REQUIRE(new_http_unit(
                &t, 0, "http-post-noheader.service", "--port", port_arg[2], "--path", "/health", "--method",
                "POST", "--body", "{\"ping\": 1}", "--header", "X-Token: s3cret", NULL));
        REQUIRE(ur_executor_add_ready_http(
                        t.e[0], &(ur_http_check){ .url = url[2],
                                                  .method = "POST",
                                                  .headers = no_headers,
                                                  .body = "{\"ping\": 1}" }) == 0);
        REQUIRE(start_times_out(&t, t.e[0], 1000 * USEC_PER_MSEC, &ms));
        CU_ASSERT_TRUE(error_contains(t.e[0], "400"));
        assert_not_running(t.e[0]);
out:
        lcase_done(&t);
}

/* A 404 is accepted by "404|200", not by the default 2xx (the error shows the last status),
 * and not by "40" either: the whole code must match. */
static void test_http_status_regex(void)
{
        lcase t;
        char url[64], port_arg[16];
        uint64_t ms;
        int port, r;

        if (!lcase_init_port(&t, true, AF_INET, &port))
                goto out;
        ADDR(url, "http://127.0.0.1:%d/missing", port);
        ADDR(port_arg, "%d", port);

        REQUIRE(new_http_unit(
                &t, 0, "http-404.service", "--port", port_arg, "--delay", "200", "--status", "404", NULL));
        REQUIRE(ur_executor_add_ready_http(
                        t.e[0], &(ur_http_check){ .url = url, .status_regex = "404|200" }) == 0);
        REQUIRE(start_ok(&t, t.e[0], &ms));
        CU_ASSERT_EQUAL(ur_executor_stop(t.e[0]), 0);
        t.e[0] = ur_executor_free(t.e[0]);

        REQUIRE(new_http_unit(
                &t, 0, "http-404-default.service", "--port", port_arg, "--status", "404", NULL));
        REQUIRE(ur_executor_add_ready_http(t.e[0], &(ur_http_check){ .url = url }) == 0);
        REQUIRE(start_times_out(&t, t.e[0], 1000 * USEC_PER_MSEC, &ms));
        CU_ASSERT_TRUE(error_contains(t.e[0], "404"));
        CU_ASSERT_TRUE(error_contains(t.e[0], url));
        ASSERT_MS(ms, ms >= 1000 - SLACK_MS && ms < 1000 + 2000);
        assert_not_running(t.e[0]);
        t.e[0] = ur_executor_free(t.e[0]);

        REQUIRE(new_http_unit(
                &t, 0, "http-404-partial.service", "--port", port_arg, "--status", "404", NULL));
        REQUIRE(ur_executor_add_ready_http(t.e[0], &(ur_http_check){ .url = url, .status_regex = "40" }) ==
                0);
        REQUIRE(ur_executor_set_start_timeout(t.e[0], 1000 * USEC_PER_MSEC) == 0);
        r = start_timed(&t, t.e[0], &ms);
        CU_ASSERT_EQUAL(r, UR_TIMED_OUT);
        CU_ASSERT_TRUE(error_contains(t.e[0], "404"));
out:
        lcase_done(&t);
}

/* The query string reaches the server as given. */
static void test_http_query_string(void)
{
        lcase t;
        char url[128], port_arg[16];
        uint64_t ms;
        int port;

        if (!lcase_init_port(&t, true, AF_INET, &port))
                goto out;
        ADDR(url, "http://127.0.0.1:%d/ready?probe=1&who=unit%%20test", port);
        REQUIRE(new_http_unit(
                &t, 0, "http-query.service", "--port", ADDR(port_arg, "%d", port), "--delay", "200",
                "--path", "/ready", "--query", "probe=1&who=unit%20test", NULL));
        REQUIRE(ur_executor_add_ready_http(t.e[0], &(ur_http_check){ .url = url }) == 0);
        REQUIRE(start_ok(&t, t.e[0], &ms));
        CU_ASSERT_EQUAL(ur_executor_stop(t.e[0]), 0);
out:
        lcase_done(&t);
}

/* HTTP over a unix socket (HTTPUnixSocket=), the server listening only after 300 ms. */
static void test_http_unix_socket(void)
{
        lcase t;
        char *sock = NULL, *served = NULL;
        uint64_t ms;

        if (!test_http_server_available())
                return;
        if (!lcase_init(&t))
                goto out;
        sock = test_path_join(t.tc.dir, "http.sock");
        served = test_path_join(t.tc.dir, "served");
        REQUIRE(new_http_unit(
                &t, 0, "http-unix.service", "--unix", sock, "--delay", "300", "--path", "/health",
                "--served", served, NULL));
        REQUIRE(ur_executor_add_ready_http(
                        t.e[0], &(ur_http_check){ .url = "http://localhost/health", .unix_socket = sock }) ==
                0);
        REQUIRE(start_ok(&t, t.e[0], &ms));
        ASSERT_MS(ms, ms >= 300 - SLACK_MS && ms < 10000);
        CU_ASSERT_TRUE(test_file_exists(served));
        CU_ASSERT_EQUAL(ur_executor_stop(t.e[0]), 0);
out:
        lcase_done(&t);
        free(sock);
        free(served);
}

/* A server that accepts and never answers: the start fails at its timeout, not later. */
static void test_http_never_answers(void)
{
        lcase t;
        char url[64], arg[64];
        uint64_t ms;
        int port;

        if (!lcase_init_port(&t, false, AF_INET, &port))
                goto out;
        REQUIRE(new_fixture(
                &t, 0, "mute.service", "listener", "hold", ADDR(arg, "tcp=127.0.0.1:%d", port), NULL));
        ADDR(url, "http://127.0.0.1:%d/", port);
        REQUIRE(ur_executor_add_ready_http(t.e[0], &(ur_http_check){ .url = url }) == 0);
        REQUIRE(start_times_out(&t, t.e[0], 1 * USEC_PER_SEC, &ms));
        ASSERT_MS(ms, ms >= 1000 - SLACK_MS && ms < 1000 + 2000);
        CU_ASSERT_TRUE(error_contains(t.e[0], url));
        assert_not_running(t.e[0]);
out:
        lcase_done(&t);
}

/* ---- File= -------------------------------------------------------------------------- */

/* The directories appear later, level by level, then the file. */
static void test_file_in_missing_directories(void)
{
        lcase t;
        char *file = NULL, a1[4200], a2[4200], a3[4200], a4[4200];
        uint64_t ms;

        if (!lcase_init(&t))
                goto out;
        file = test_path_join(t.tc.dir, "x/y/z/ready");
        REQUIRE(new_fixture(
                &t, 0, "file-deep.service", "listener", "wait=150", ADDR(a1, "mkdir=%s/x", t.tc.dir),
                "wait=100", ADDR(a2, "mkdir=%s/x/y", t.tc.dir), "wait=100",
                ADDR(a3, "mkdir=%s/x/y/z", t.tc.dir), "wait=100", ADDR(a4, "touch=%s", file), NULL));
        REQUIRE(ur_executor_add_ready_file(t.e[0], file) == 0);
        REQUIRE(start_ok(&t, t.e[0], &ms));
        ASSERT_MS(ms, ms >= 450 - SLACK_MS && ms < LATE_MS);
        CU_ASSERT_TRUE(test_file_exists(file));

        CU_ASSERT_EQUAL(ur_executor_stop(t.e[0]), 0);
out:
        lcase_done(&t);
        free(file);
}

/* A deep directory tree and the file created in one burst (mkdir -p, then the file), many
 * times over: the watch must follow directories that appear while it is being moved down.
 * The depth makes the burst outlast a look at the tree, which is when a directory created
 * in between is missed. Each round is a fresh unit. */
static void test_file_tree_burst(void)
{
        lcase t;
        char name[64], dir[2048], mk[2100], touch[2200], file[2100];
        int rounds = 0, timeouts = 0, r;
        uint64_t begin = test_now_msec(), ms;
        size_t len;

        if (!lcase_init(&t))
                goto out;
        while (rounds < BURST_ROUNDS && test_now_msec() - begin < 6000) {
                len = (size_t) snprintf(dir, sizeof(dir), "%s/round%d", t.tc.dir, rounds);
                for (int level = 0; level < BURST_DEPTH && len + 2 < sizeof(dir); level++)
                        len += (size_t) snprintf(dir + len, sizeof(dir) - len, "/d");
                snprintf(file, sizeof(file), "%s/ready", dir);
                snprintf(name, sizeof(name), "burst-%d.service", rounds);
                t.e[0] = ur_executor_free(t.e[0]);
                REQUIRE(new_fixture(
                        &t, 0, name, "listener", ADDR(mk, "mkdir=%s", dir), ADDR(touch, "touch=%s", file),
                        NULL));
                REQUIRE(ur_executor_add_ready_file(t.e[0], file) == 0);
                REQUIRE(ur_executor_set_start_timeout(t.e[0], 1 * USEC_PER_SEC) == 0);
                r = start_timed(&t, t.e[0], &ms);
                rounds++;
                if (r == 0) {
                        CU_ASSERT_EQUAL(ur_executor_stop(t.e[0]), 0);
                        continue;
                }
                timeouts++;
                fprintf(stderr, "\n    round %d: start returned %d after %llu ms, the file %s\n", rounds, r,
                        (unsigned long long) ms, test_file_exists(file) ? "exists" : "does not exist");
                break;
        }
        CU_ASSERT_EQUAL(timeouts, 0);
        CU_ASSERT_TRUE(timeouts > 0 || rounds >= 5);
out:
        lcase_done(&t);
}

/* Already there: ready at once, File= is not subject to RefuseIfReady=. */
static void test_file_exists_before(void)
{
        lcase t;
        char *file = NULL;
        uint64_t ms;

        if (!lcase_init(&t))
                goto out;
        REQUIRE((file = tcase_touch(&t.tc, "there")));
        REQUIRE(new_fixture(&t, 0, "file-there.service", "listener", NULL));
        REQUIRE(ur_executor_add_ready_file(t.e[0], file) == 0);
        REQUIRE(start_ok(&t, t.e[0], &ms));
        ASSERT_MS(ms, ms < 2000);
        CU_ASSERT_EQUAL(ur_executor_stop(t.e[0]), 0);
out:
        lcase_done(&t);
        free(file);
}

/* ---- RefuseIfReady= ----------------------------------------------------------------- */

/* The unit would create MARKER first thing: a refused start must not have spawned it. */
static void start_refused(lcase *t, ur_executor *e, const char *address, pid_t owner, const char *marker)
{
        char pid_text[32];
        uint64_t ms;
        int r = start_timed(t, e, &ms);

        CU_ASSERT_EQUAL(r, UR_IN_USE);
        CU_ASSERT_EQUAL(ur_executor_get_failure(e), UR_FAILURE_IN_USE);
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_FAILED);
        CU_ASSERT_TRUE(error_contains(e, address));
        CU_ASSERT_TRUE(error_contains(e, "in use"));
        /* Who listens there: the test itself, or the server it spawned. */
        if (owner > 0) {
                snprintf(pid_text, sizeof(pid_text), "PID %d", (int) owner);
                CU_ASSERT_TRUE(error_contains(e, pid_text));
        }
        ASSERT_MS(ms, ms < 3000);
        assert_not_running(e);
        /* Give a wrongly spawned unit time to show itself. */
        usleep(200 * 1000);
        CU_ASSERT_FALSE(test_file_exists(marker));
}

/* RefuseIfReady=no: the same start succeeds, at once, and the unit ran. False when it was
 * not ready. */
static bool start_shared(lcase *t, ur_executor *e, const char *marker)
{
        uint64_t ms;
        int r = ur_executor_set_refuse_if_ready(e, false);

        CU_ASSERT_EQUAL(r, 0);
        if (r != 0 || !start_ok(t, e, &ms)) {
                CU_FAIL("the start with RefuseIfReady=no");
                return false;
        }
        CU_ASSERT_TRUE(test_wait_for_file(marker, 5000));
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        return true;
}

/* A unit slot 0 that creates MARKER (malloc'ed into *marker) first thing. */
static ur_executor *new_marker_unit(lcase *t, const char *name, char **marker)
{
        char arg[4200];

        *marker = tcase_path(&t->tc, "spawned");
        if (!*marker)
                return NULL;
        return new_fixture(t, 0, name, "listener", ADDR(arg, "touch=%s", *marker), NULL);
}

/* RefuseIfReady= on an address the test itself listens on. */
static void test_in_use_tcp(void)
{
        lcase t;
        char *marker = NULL, spec[64];
        int port;

        if (!lcase_init(&t))
                goto out;
        port = tcase_listen_tcp(&t.tc, "127.0.0.1");
        REQUIRE(port > 0);
        REQUIRE(new_marker_unit(&t, "tcp-taken.service", &marker));
        REQUIRE(ur_executor_add_ready_tcp(t.e[0], ADDR(spec, "127.0.0.1:%d", port)) == 0);
        start_refused(&t, t.e[0], spec, getpid(), marker);
        REQUIRE(start_shared(&t, t.e[0], marker));
out:
        lcase_done(&t);
        free(marker);
}

static void test_in_use_unix(void)
{
        lcase t;
        char *marker = NULL, *sock = NULL;

        if (!lcase_init(&t))
                goto out;
        REQUIRE((sock = tcase_listen_unix(&t.tc, "taken.sock")));
        REQUIRE(new_marker_unit(&t, "unix-taken.service", &marker));
        REQUIRE(ur_executor_add_ready_unix(t.e[0], sock) == 0);
        start_refused(&t, t.e[0], sock, getpid(), marker);
        REQUIRE(start_shared(&t, t.e[0], marker));
out:
        lcase_done(&t);
        free(marker);
        free(sock);
}

/* An HTTP server of the test's, answering 500: in use all the same, whatever it answers. */
static void test_in_use_http(void)
{
        lcase t;
        char *marker = NULL, *log_path = NULL, *sock = NULL, url[64], spec[64], arg[4200];
        pid_t pid;
        int port;

        if (!lcase_init_port(&t, true, AF_INET, &port))
                goto out;
        log_path = strdup(tcase_helper_log(&t.tc));
        pid = test_spawn_http_server(log_path, port, NULL, SERVER_UP_MS, "--status", "500", NULL);
        REQUIRE(pid > 0);
        tcase_add_helper(&t.tc, pid);
        ADDR(url, "http://127.0.0.1:%d/health", port);
        REQUIRE(new_marker_unit(&t, "http-taken.service", &marker));
        REQUIRE(ur_executor_add_ready_http(t.e[0], &(ur_http_check){ .url = url }) == 0);
        start_refused(&t, t.e[0], ADDR(spec, "127.0.0.1:%d", port), pid, marker);

        /* RefuseIfReady=no, and a status pattern that accepts what it answers: ready. */
        t.e[0] = ur_executor_free(t.e[0]);
        REQUIRE(new_fixture(&t, 0, "http-shared.service", "listener", ADDR(arg, "touch=%s", marker), NULL));
        REQUIRE(ur_executor_add_ready_http(t.e[0], &(ur_http_check){ .url = url, .status_regex = "500" }) ==
                0);
        REQUIRE(start_shared(&t, t.e[0], marker));
        t.e[0] = ur_executor_free(t.e[0]);
        unlink(marker);

        /* HTTP over a unix socket someone else listens on. */
        REQUIRE((sock = tcase_listen_unix(&t.tc, "http-taken.sock")));
        REQUIRE(new_fixture(
                &t, 0, "http-unix-taken.service", "listener", ADDR(arg, "touch=%s", marker), NULL));
        REQUIRE(ur_executor_add_ready_http(
                        t.e[0], &(ur_http_check){ .url = "http://localhost/", .unix_socket = sock }) == 0);
        start_refused(&t, t.e[0], sock, getpid(), marker);
out:
        lcase_done(&t);
        free(marker);
        free(log_path);
        free(sock);
}

/* ---- Failing while checks are pending ----------------------------------------------- */

/* A daemon that exits 3 after 200 ms while a TCP (then unix, HTTP, file) condition is
 * pending: reported at once as exited, with its status, not at the timeout. */
static void test_exit_while_pending(void)
{
        static const char *const kinds[] = { "tcp", "unix", "http", "file" };
        lcase t;
        char spec[64], url[64], name[64];
        char *sock = NULL, *file = NULL;
        uint64_t ms;
        int port, r, code = 0, status = 0;

        if (!lcase_init_port(&t, false, AF_INET, &port))
                goto out;
        ADDR(spec, "127.0.0.1:%d", port);
        ADDR(url, "http://127.0.0.1:%d/", port);
        sock = test_path_join(t.tc.dir, "nobody.sock");
        file = test_path_join(t.tc.dir, "never");
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
                snprintf(name, sizeof(name), "dies-%s.service", kinds[i]);
                t.e[0] = ur_executor_free(t.e[0]);
                REQUIRE(new_fixture(&t, 0, name, "exiter", "-d", "200", "3", NULL));
                REQUIRE(ur_executor_set_start_timeout(t.e[0], 20 * USEC_PER_SEC) == 0);
                if (i == 0)
                        r = ur_executor_add_ready_tcp(t.e[0], spec);
                else if (i == 1)
                        r = ur_executor_add_ready_unix(t.e[0], sock);
                else if (i == 2)
                        r = ur_executor_add_ready_http(t.e[0], &(ur_http_check){ .url = url });
                else
                        r = ur_executor_add_ready_file(t.e[0], file);
                REQUIRE(r == 0);
                r = start_timed(&t, t.e[0], &ms);
                if (r != UR_EXITED_EARLY)
                        fprintf(stderr, "\n    %s: start returned %d\n", kinds[i], r);
                CU_ASSERT_EQUAL(r, UR_EXITED_EARLY);
                CU_ASSERT_EQUAL(ur_executor_get_failure(t.e[0]), UR_FAILURE_EXITED);
                ASSERT_MS(ms, ms >= 200 - SLACK_MS && ms < 3000);
                CU_ASSERT_TRUE(ur_executor_get_exit(t.e[0], &code, &status));
                CU_ASSERT_EQUAL(code, CLD_EXITED);
                CU_ASSERT_EQUAL(status, 3);
                CU_ASSERT_TRUE(error_contains(t.e[0], "status 3"));
                assert_not_running(t.e[0]);
        }
out:
        lcase_done(&t);
        free(sock);
        free(file);
}

/* The timeout message names every condition still pending, and only those. */
static void test_timeout_names_pending(void)
{
        lcase t;
        char spec[64], url[64];
        char *sock = NULL, *missing = NULL, *present = NULL;
        uint64_t ms;
        int port, port2;

        if (!lcase_init(&t))
                goto out;
        port = test_free_port(AF_INET);
        port2 = test_free_port(AF_INET);
        REQUIRE(port > 0 && port2 > 0 && port != port2);
        sock = test_path_join(t.tc.dir, "nobody.sock");
        missing = test_path_join(t.tc.dir, "missing-file");
        REQUIRE((present = tcase_touch(&t.tc, "present-file")));
        REQUIRE(new_fixture(&t, 0, "pending.service", "listener", NULL));
        REQUIRE(ur_executor_add_ready_tcp(t.e[0], ADDR(spec, "127.0.0.1:%d", port)) == 0);
        REQUIRE(ur_executor_add_ready_unix(t.e[0], sock) == 0);
        REQUIRE(ur_executor_add_ready_file(t.e[0], missing) == 0);
        REQUIRE(ur_executor_add_ready_file(t.e[0], present) == 0);
        REQUIRE(ur_executor_add_ready_http(
                        t.e[0], &(ur_http_check){ .url = ADDR(url, "http://127.0.0.1:%d/x", port2) }) == 0);
        REQUIRE(start_times_out(&t, t.e[0], 800 * USEC_PER_MSEC, &ms));
        ASSERT_MS(ms, ms >= 800 - SLACK_MS && ms < 800 + 2000);
        CU_ASSERT_TRUE(error_contains(t.e[0], spec));
        CU_ASSERT_TRUE(error_contains(t.e[0], sock));
        CU_ASSERT_TRUE(error_contains(t.e[0], missing));
        CU_ASSERT_TRUE(error_contains(t.e[0], url));
        CU_ASSERT_TRUE(error_lacks(t.e[0], present));
        assert_not_running(t.e[0]);
out:
        lcase_done(&t);
        free(sock);
        free(missing);
        free(present);
}

/* ---- Combinations ------------------------------------------------------------------- */

/* TCP + file + output on one unit: ready when the last of them holds, whichever it is. */
static void test_combined_conditions(void)
{
        /* The listener's steps, the port opening last, then the file, then the banner:
         * "@FILE" and "@TCP" stand for touch=FILE and tcp=127.0.0.1:PORT. */
        static const struct {
                const char *unit;
                const char *steps[7];
        } rows[] = {
                { "combo-tcp-last.service",
                  { "wait=100", "@FILE", "wait=100", "say=combo banner up", "wait=300", "@TCP", NULL } },
                { "combo-file-last.service", { "@TCP", "say=combo banner up", "wait=500", "@FILE", NULL } },
                { "combo-output-last.service",
                  { "@TCP", "@FILE", "say=starting", "wait=500", "say=combo banner up", NULL } },
        };
        lcase t;
        char *file = NULL, spec[64], touch[4200], tcp[80];
        uint64_t ms;
        int port;

        if (!lcase_init(&t))
                goto out;
        file = test_path_join(t.tc.dir, "ready-file");
        ADDR(touch, "touch=%s", file);
        for (int u = 0; u < (int) ELEMENTS(rows); u++) {
                char *argv[12];
                int n = 0;

                port = test_free_port(AF_INET);
                REQUIRE(port > 0);
                ADDR(tcp, "tcp=127.0.0.1:%d", port);
                argv[n++] = test_fixture_path("listener");
                REQUIRE(argv[0]);
                for (int i = 0; rows[u].steps[i]; i++)
                        argv[n++] = strcmp(rows[u].steps[i], "@FILE") == 0  ? touch
                                    : strcmp(rows[u].steps[i], "@TCP") == 0 ? tcp
                                                                            : (char *) rows[u].steps[i];
                argv[n] = NULL;
                t.e[u] = new_unit_argv(&t, u, rows[u].unit, argv);
                free(argv[0]);
                REQUIRE(t.e[u]);
                REQUIRE(ur_executor_add_ready_tcp(t.e[u], ADDR(spec, "127.0.0.1:%d", port)) == 0);
                REQUIRE(ur_executor_add_ready_file(t.e[u], file) == 0);
                REQUIRE(ur_executor_add_ready_output(t.e[u], "banner up$", UR_STDOUT) == 0);
                REQUIRE(start_ok(&t, t.e[u], &ms));
                ASSERT_MS(ms, ms >= 500 - SLACK_MS && ms < LATE_MS);
                CU_ASSERT_EQUAL(ur_executor_stop(t.e[u]), 0);
                unlink(file);
        }
out:
        lcase_done(&t);
        free(file);
}

/* Two units with pending checks, started together in one context: each becomes ready on
 * its own condition, independently of the other. */
static void test_two_units_concurrently(void)
{
        lcase t;
        char *sock = NULL, spec[64], a1[80], a2[4200];
        uint64_t begin, ms;
        int port;

        if (!lcase_init_port(&t, false, AF_INET, &port))
                goto out;
        sock = test_path_join(t.tc.dir, "second.sock");
        REQUIRE(new_fixture(
                &t, 0, "first.service", "listener", "wait=300", ADDR(a1, "tcp=127.0.0.1:%d", port), NULL));
        REQUIRE(ur_executor_add_ready_tcp(t.e[0], ADDR(spec, "127.0.0.1:%d", port)) == 0);
        REQUIRE(new_fixture(
                &t, 1, "second.service", "listener", "wait=1000", ADDR(a2, "unix=%s", sock), NULL));
        REQUIRE(ur_executor_add_ready_unix(t.e[1], sock) == 0);

        begin = test_now_msec();
        REQUIRE(ur_executor_start_begin(t.e[0]) == 0);
        REQUIRE(ur_executor_start_begin(t.e[1]) == 0);
        remember_pid(&t, t.e[0]);
        remember_pid(&t, t.e[1]);
        while ((ur_executor_get_state(t.e[0]) == UR_STATE_STARTING ||
                ur_executor_get_state(t.e[1]) == UR_STATE_STARTING) &&
               test_now_msec() - begin < 15000)
                ur_context_dispatch(t.ctx, 50);
        ms = test_now_msec() - begin;
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e[0]), UR_STATE_RUNNING);
        CU_ASSERT_EQUAL(ur_executor_get_state(t.e[1]), UR_STATE_RUNNING);
        REQUIRE(t.running_at[0] > 0 && t.running_at[1] > 0);
        /* The first was ready long before the second: its check did not wait for the other. */
        ASSERT_MS(
                t.running_at[0] - begin,
                t.running_at[0] - begin >= 300 - SLACK_MS && t.running_at[0] - begin < 900);
        ASSERT_MS(t.running_at[1] - begin, t.running_at[1] - begin >= 1000 - SLACK_MS);
        ASSERT_MS(ms, ms < LATE_MS);
        CU_ASSERT_TRUE(ur_executor_get_ready_msec(t.e[0]) < ur_executor_get_ready_msec(t.e[1]));
        CU_ASSERT_EQUAL(ur_executor_stop(t.e[0]), 0);
        CU_ASSERT_EQUAL(ur_executor_stop(t.e[1]), 0);
out:
        lcase_done(&t);
        free(sock);
}

/* ---- The waiter --------------------------------------------------------------------- */

static void test_waiter(void)
{
        lcase t;
        ur_waiter *w = NULL;
        char *sock = NULL, *file = NULL, *missing = NULL, *log_path = NULL, spec[64], url[64], free_spec[64];
        const char *error;
        uint64_t begin, ms;
        pid_t pid;
        int port, http_port, nobody, r;

        if (!lcase_init(&t))
                goto out;
        port = tcase_listen_tcp(&t.tc, "127.0.0.1");
        REQUIRE(port > 0);
        REQUIRE((sock = tcase_listen_unix(&t.tc, "w.sock")));
        REQUIRE((file = tcase_touch(&t.tc, "w-file")));

        REQUIRE(ur_waiter_new(t.ctx, &w) == 0);
        REQUIRE(ur_waiter_add_tcp(w, ADDR(spec, "127.0.0.1:%d", port)) == 0);
        REQUIRE(ur_waiter_add_unix(w, sock) == 0);
        REQUIRE(ur_waiter_add_file(w, file) == 0);
        if (test_http_server_available()) {
                http_port = test_free_port(AF_INET);
                REQUIRE(http_port > 0);
                log_path = strdup(tcase_helper_log(&t.tc));
                pid = test_spawn_http_server(
                        log_path, http_port, NULL, SERVER_UP_MS, "--status", "204", NULL);
                REQUIRE(pid > 0);
                tcase_add_helper(&t.tc, pid);
                REQUIRE(ur_waiter_add_http(
                                w, &(ur_http_check){
                                           .url = ADDR(url, "http://127.0.0.1:%d/", http_port) }) == 0);
        }
        begin = test_now_msec();
        r = ur_waiter_wait(w, 10 * USEC_PER_SEC);
        ms = test_now_msec() - begin;
        if (r != 0)
                fprintf(stderr, "\n    waiter: %s\n",
                        ur_waiter_get_error(w) ? ur_waiter_get_error(w) : "(no error)");
        CU_ASSERT_EQUAL(r, 0);
        ASSERT_MS(ms, ms < 2000);
        w = ur_waiter_free(w);

        /* Timeout: names what is pending (a free port, a missing file), not what holds. */
        nobody = test_free_port(AF_INET);
        REQUIRE(nobody > 0);
        missing = test_path_join(t.tc.dir, "no/such/file");
        REQUIRE(ur_waiter_new(t.ctx, &w) == 0);
        REQUIRE(ur_waiter_add_tcp(w, ADDR(free_spec, "127.0.0.1:%d", nobody)) == 0);
        REQUIRE(ur_waiter_add_file(w, missing) == 0);
        REQUIRE(ur_waiter_add_unix(w, sock) == 0);
        begin = test_now_msec();
        r = ur_waiter_wait(w, 400 * USEC_PER_MSEC);
        ms = test_now_msec() - begin;
        CU_ASSERT_EQUAL(r, UR_TIMED_OUT);
        ASSERT_MS(ms, ms >= 400 - SLACK_MS && ms < 400 + 2000);
        error = ur_waiter_get_error(w);
        REQUIRE(error != NULL);
        if (!strstr(error, "still waiting for") || !strstr(error, free_spec) || !strstr(error, missing) ||
            strstr(error, sock))
                fprintf(stderr, "\n    waiter error: %s\n", error);
        CU_ASSERT_PTR_NOT_NULL(strstr(error, "still waiting for"));
        CU_ASSERT_PTR_NOT_NULL(strstr(error, free_spec));
        CU_ASSERT_PTR_NOT_NULL(strstr(error, missing));
        CU_ASSERT_PTR_NULL(strstr(error, sock));

        /* Invalid conditions are refused with a message. */
        CU_ASSERT_EQUAL(ur_waiter_add_tcp(w, "no-port-here"), -EINVAL);
        CU_ASSERT_EQUAL(ur_waiter_add_http(w, &(ur_http_check){ .url = "ftp://127.0.0.1/" }), -EINVAL);
        CU_ASSERT_PTR_NOT_NULL(ur_waiter_get_error(w));
out:
        ur_waiter_free(w);
        lcase_done(&t);
        free(sock);
        free(file);
        free(missing);
        free(log_path);
}

/* ---- Runner ------------------------------------------------------------------------- */

/* { group (argv[1] selects one; none: all), name, function } */
static const cunit_case all_tests[] = {
        { .group = "sockets-files",
          .name = "TCP: IPv4 listener after 300 ms",
          .run = run_late,
          .data = &late_rows[0] },
        { .group = "sockets-files",
          .name = "TCP: IPv6-only listener [::1]",
          .run = run_late,
          .data = &late_rows[2] },
        { .group = "sockets-files", .name = "TCP: a host name", .run = run_late, .data = &late_rows[1] },
        { "sockets-files", "TCP: IPv4 condition, IPv6-only listener: not ready",
          test_tcp_wrong_family_not_ready },
        { "sockets-files", "TCP: Interval= is the poll period", test_tcp_interval },
        { "sockets-files", "TCP: a listener outside the unit, with listen events on",
          test_tcp_listener_outside_unit },
        { "sockets-files", "UnixSocket: bound at once, listening after 600 ms",
          test_unix_bound_before_listening },
        { .group = "sockets-files",
          .name = "UnixSocket: a stale socket file is not in use",
          .run = run_late,
          .data = &late_rows[3] },
        { "http", "HTTP: 500, then 200", test_http_500_then_200 },
        { "http", "HTTP: HEAD, GET, POST with body and headers", test_http_methods_body_headers },
        { "http", "HTTP: status regex", test_http_status_regex },
        { "http", "HTTP: query string", test_http_query_string },
        { "http", "HTTP: over a unix socket", test_http_unix_socket },
        { "http", "HTTP: a server that never answers", test_http_never_answers },
        { .group = "sockets-files", .name = "File: created late", .run = run_late, .data = &late_rows[4] },
        { "sockets-files", "File: in directories created later", test_file_in_missing_directories },
        { "file-burst", "File: a deep tree and the file created in one burst", test_file_tree_burst },
        { "sockets-files", "File: exists before the start", test_file_exists_before },
        { "sockets-files", "RefuseIfReady: TCP", test_in_use_tcp },
        { "sockets-files", "RefuseIfReady: unix socket", test_in_use_unix },
        { "http", "RefuseIfReady: HTTP", test_in_use_http },
        { "sockets-files", "exit while checks are pending", test_exit_while_pending },
        { "sockets-files", "timeout names the pending conditions", test_timeout_names_pending },
        { "sockets-files", "TCP + file + output on one unit", test_combined_conditions },
        { "sockets-files", "two units with pending checks at once", test_two_units_concurrently },
        { "http", "waiter", test_waiter },
};

#define N_TESTS (sizeof(all_tests) / sizeof(all_tests[0]))

int main(int argc, char *argv[])
{
        const char *group = argc > 1 ? argv[1] : NULL;
        int r;

        fallback_mode = cunit_fallback_mode();
        /* A unit's server dying must not take the test down with it. */
        signal(SIGPIPE, SIG_IGN);
        r = test_lib_check_setup("listener", fallback_mode, "ready-*-fallback");
        if (r != 0)
                return r;
        return cunit_run_cases(
                fallback_mode ? "ready (fallback)" : "ready (cgroup)", all_tests, ELEMENTS(all_tests), group,
                fallback_mode);
}

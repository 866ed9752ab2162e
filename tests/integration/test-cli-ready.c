/* The readiness options of the real `unitrun` binary, end to end: `unitrun run` with
 * --ready-tcp, --ready-unix, --ready-http, --http-status/method/header, --ready-file, -p HTTPBody=,
 * HTTPUnixSocket=, Interval=, RefuseIfReady=, and `unitrun wait`. COMMAND checks, by itself,
 * that what the launcher called ready really is (the probe fixture connects; the HTTP
 * fixture leaves a file when it answered the expected request); the servers of the
 * "already in use" and `wait` cases are the test's own (its own listening sockets, or the
 * HTTP fixture spawned and killed by PID). Ports come from the kernel; unix sockets live
 * in a temp dir or in the run's runtime dir (%t).
 *
 * UNITRUN (the binary), FIXTURE_DIR, HTTP_SERVER(_PYTHON) come from meson;
 * UNITRUN_NO_CGROUP=1 selects the fallback path for the whole program. */
#include <CUnit/Basic.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli-run.h"
#include "cunit-main.h"
#include "tcase.h"
#include "test-assert.h"
#include "test-net.h"
#include "test-util.h"

/* A unitrun that hangs is killed after this long: the test fails, nothing blocks. */
#define RUN_LIMIT_MS 20000
#define SLACK_MS 50
#define SERVER_UP_MS 10000

#define EXIT_USAGE 64
#define EXIT_NOT_READY 69

static const char *unitrun_bin;
static char *listener_bin, *probe_bin, *exiter_bin;
static const char *python_bin, *http_script;

#define ARGS(...) ((char *const[]){ __VA_ARGS__, NULL })

/* ---- Per-test state ----------------------------------------------------------------- */

/* The common fixture (temp dir, the test's own servers and listeners) and the run. */
typedef struct ccase {
        tcase tc;
        cli_run res;
} ccase;

static bool ccase_init(ccase *t)
{
        cli_run_init(&t->res);
        return tcase_init(&t->tc);
}

static void ccase_done(ccase *t)
{
        tcase_done(&t->tc);
}

/* A helper log in the temp dir (malloc'ed). */
static char *helper_log(ccase *t)
{
        return strdup(tcase_helper_log(&t->tc));
}

static void run(ccase *t, char *const args[])
{
        cli_run_capture(&t->res, unitrun_bin, args, NULL, RUN_LIMIT_MS);
        if (getenv("UR_TEST_VERBOSE"))
                cli_run_show(&t->res, "run");
}

/* CHECK(t, cond): an assertion that shows the run when it fails. */
#define CHECK(t, cond) CLI_CHECK(&(t)->res, cond)

static bool err_has(const ccase *t, const char *needle)
{
        return strstr(t->res.err, needle) != NULL;
}

#define FMT(buf, fmt, ...) (snprintf((buf), sizeof(buf), (fmt), __VA_ARGS__), (buf))

static bool http_available(void)
{
        return test_http_server_available();
}

/* ccase_init() and a free port of family (none for 0). False: leave the case; a case
 * with http and no HTTP fixture here, or AF_INET6 and no IPv6 loopback, is skipped. */
static bool ccase_init_port(ccase *t, bool http, int family, int *ret_port)
{
        t->tc = (tcase) TCASE_NULL;
        if (http && !http_available())
                return false;
        return ccase_init(t) && test_case_port(family, ret_port);
}

/* ---- run: TCP=, UnixSocket=, File= --------------------------------------------------- */

/* One table: the listener opens a TCP port, listens on a unix socket or creates a file
 * late; `unitrun run` holds COMMAND back until then, and COMMAND checks by itself that it
 * really is there (the probe fixture connects; the file exists). "@SPEC" in a row stands
 * for the TCP HOST:PORT the case got from the kernel. */
struct run_late_row {
        int family;             /* TCP: the port's family; 0: none */
        const char *host;       /* TCP: the listener's address, as in a spec */
        const char *listener;   /* the listener fixture's arguments */
        const char *ready[4];   /* the readiness options, NULL-terminated */
        const char *command[5]; /* COMMAND after the probe or sh, NULL-terminated */
        bool probe;             /* COMMAND is the probe fixture (else /bin/sh -c) */
        unsigned min_ms;        /* the listener's delay */
        bool gone_after;        /* the port is closed once unitrun returned */
};

static const struct run_late_row run_late_rows[] = {
        { .family = AF_INET,
          .host = "127.0.0.1",
          .listener = "wait=300 tcp=@SPEC",
          .ready = { "--ready-tcp", "@SPEC", NULL },
          .command = { "tcp=@SPEC", NULL },
          .probe = true,
          .min_ms = 300,
          .gone_after = true },
        { .family = AF_INET6,
          .host = "[::1]",
          .listener = "wait=300 tcp=@SPEC",
          .ready = { "--ready-tcp", "@SPEC", NULL },
          .command = { "tcp=@SPEC", NULL },
          .probe = true,
          .min_ms = 300 },
        /* %t/s.sock: bound at once, listening after 400 ms; COMMAND connects to it. */
        { .listener = "bind-unix=%t/s.sock wait=400 listen",
          .ready = { "--ready-unix", "%t/s.sock", "-p", "Interval=20ms" },
          .command = { "exec \"$0\" unix=\"$UNITRUN_RUNTIME_DIR/s.sock\"", "@PROBE", NULL },
          .min_ms = 400 },
        /* The file appears 300 ms in, in directories that do not exist before (created one by
         * one: test-ready's burst test covers a whole tree created at once). */
        { .listener = "wait=100 mkdir=%t/a wait=100 mkdir=%t/a/b wait=100 mkdir=%t/a/b/c wait=100 "
                      "touch=%t/a/b/c/ready",
          .ready = { "--ready-file", "%t/a/b/c/ready", NULL },
          .command = { "test -e \"$UNITRUN_RUNTIME_DIR/a/b/c/ready\"", NULL },
          .min_ms = 300 },
};

/* TEXT with "@SPEC" and "@PROBE" replaced, into one of a few rotating buffers. */
static char *subst(const char *text, const char *spec)
{
        static char bufs[12][4200];
        static unsigned next;
        char *out = bufs[next++ % 12];
        size_t n = 0;

        while (*text && n < sizeof(bufs[0]) - 1) {
                const char *with = strncmp(text, "@SPEC", 5) == 0    ? spec
                                   : strncmp(text, "@PROBE", 6) == 0 ? probe_bin
                                                                     : NULL;
                if (with) {
                        n += (size_t) snprintf(out + n, sizeof(bufs[0]) - n, "%s", with);
                        text += text[1] == 'S' ? 5 : 6;
                } else
                        out[n++] = *text++;
        }
        out[n < sizeof(bufs[0]) ? n : sizeof(bufs[0]) - 1] = 0;
        return out;
}

static void run_late_row(const void *data)
{
        const struct run_late_row *row = data;
        ccase t;
        char exec[4200], spec[64] = "";
        char *args[32];
        int port = 0, n = 0;

        if (!ccase_init_port(&t, false, row->family, &port))
                goto out;
        if (row->family)
                FMT(spec, "%s:%d", row->host, port);
        FMT(exec, "%s %s", listener_bin, subst(row->listener, spec));
        args[n++] = (char *) "run";
        args[n++] = (char *) "--quiet";
        args[n++] = (char *) "--exec";
        args[n++] = exec;
        for (int i = 0; i < 4 && row->ready[i]; i++)
                args[n++] = subst(row->ready[i], spec);
        args[n++] = (char *) "--timeout";
        args[n++] = (char *) "15s";
        args[n++] = (char *) "--";
        if (row->probe)
                args[n++] = probe_bin;
        else {
                args[n++] = (char *) "/bin/sh";
                args[n++] = (char *) "-c";
        }
        for (int i = 0; row->command[i]; i++)
                args[n++] = subst(row->command[i], spec);
        args[n] = NULL;
        run(&t, args);
        CHECK(&t, t.res.status == 0);
        CHECK(&t, t.res.elapsed_ms >= row->min_ms - SLACK_MS);
        if (row->gone_after)
                /* Torn down: nothing listens any more. */
                CU_ASSERT_FALSE(test_connects_tcp(row->host, port));
out:
        ccase_done(&t);
}

/* TCP + file + output on one ad-hoc unit. */
static void test_run_combined(void)
{
        ccase t;
        char exec[4200], spec[64], probe[80];
        int port;

        if (!ccase_init_port(&t, false, AF_INET, &port))
                goto out;
        FMT(spec, "127.0.0.1:%d", port);
        FMT(exec, "%s tcp=%s wait=200 \"say=server up\" wait=200 touch=%%t/ready", listener_bin, spec);
        run(&t, ARGS("run", "--quiet", "--exec", exec, "--ready-tcp", spec, "--ready-output", "server up",
                     "--ready-file", "%t/ready", "--timeout", "15s", "--", "/bin/sh", "-c",
                     "test -e \"$UNITRUN_RUNTIME_DIR/ready\" && exec \"$0\" \"$1\"", probe_bin,
                     FMT(probe, "tcp=%s", spec)));
        CHECK(&t, t.res.status == 0);
        CHECK(&t, t.res.elapsed_ms >= 400 - SLACK_MS);
out:
        ccase_done(&t);
}

/* Dies with status 3 while --ready-tcp is pending: 69 at once, not at the 20 s timeout. */
static void test_run_exit_while_pending(void)
{
        ccase t;
        char exec[4200], spec[64];
        int port;

        if (!ccase_init_port(&t, false, AF_INET, &port))
                goto out;
        FMT(spec, "127.0.0.1:%d", port);
        FMT(exec, "%s -d 200 3", exiter_bin);
        run(&t,
            ARGS("run", "--quiet", "--exec", exec, "--ready-tcp", spec, "--timeout", "20s", "--", "true"));
        CHECK(&t, t.res.status == EXIT_NOT_READY);
        CHECK(&t, t.res.elapsed_ms < 5000);
        CHECK(&t, err_has(&t, "status 3"));
out:
        ccase_done(&t);
}

/* ---- run: HTTP= ------------------------------------------------------------------------ */

/* One table for --ready-http against the HTTP fixture, which answers only the exact
 * request it was told to expect (and leaves %t/served when it did): COMMAND runs only
 * once that request got its 200. */
struct http_run_row {
        bool unix_socket;      /* the server on %t/h.sock, not a TCP port */
        const char *server;    /* the fixture's options after --port N / --unix ... */
        const char *url_path;  /* after http://127.0.0.1:PORT (http://localhost on a socket) */
        const char *extra[10]; /* more `unitrun run` options, NULL-terminated */
        unsigned min_ms;       /* the least the run may take */
};

static const struct http_run_row http_run_rows[] = {
        /* POST with a body, a header and a query string, a server answering 500 for its
         * first 300 ms. */
        { .server = "--delay 200 --fail-for 300 --path /ready --query check=1 --method POST --body hello "
                    "--header \"X-Token: abc\" --served %t/served",
          .url_path = "/ready?check=1",
          .extra = { "--http-method", "POST", "--http-header", "X-Token: abc", "-p", "HTTPBody=hello", "-p",
                     "Interval=50ms", NULL },
          .min_ms = 500 - SLACK_MS },
        { .server = "--delay 200 --method HEAD --path /ping --served %t/served",
          .url_path = "/ping",
          .extra = { "--http-method", "HEAD", NULL } },
        { .unix_socket = true,
          .server = "--delay 200 --path /health --served %t/served",
          .url_path = "/health",
          .extra = { "-p", "HTTPUnixSocket=%t/h.sock", NULL } },
};

static void run_http_row(const void *data)
{
        const struct http_run_row *row = data;
        ccase t;
        char exec[8192], url[256];
        char *args[32];
        int port = 0, n = 0;

        if (!http_available())
                return;
        if (!ccase_init(&t))
                goto out;
        if (row->unix_socket) {
                FMT(url, "http://localhost%s", row->url_path);
                FMT(exec, "%s %s --unix %%t/h.sock %s", python_bin, http_script, row->server);
        } else {
                port = test_free_port(AF_INET);
                REQUIRE(port > 0);
                FMT(url, "http://127.0.0.1:%d%s", port, row->url_path);
                FMT(exec, "%s %s --port %d %s", python_bin, http_script, port, row->server);
        }
        args[n++] = (char *) "run";
        args[n++] = (char *) "--quiet";
        args[n++] = (char *) "--exec";
        args[n++] = exec;
        args[n++] = (char *) "--ready-http";
        args[n++] = url;
        for (int i = 0; row->extra[i]; i++)
                args[n++] = (char *) row->extra[i];
        args[n++] = (char *) "--timeout";
        args[n++] = (char *) "15s";
        args[n++] = (char *) "--";
        args[n++] = (char *) "/bin/sh";
        args[n++] = (char *) "-c";
        args[n++] = (char *) "test -e \"$UNITRUN_RUNTIME_DIR/served\"";
        args[n] = NULL;
        run(&t, args);
        CHECK(&t, t.res.status == 0);
        CHECK(&t, t.res.elapsed_ms >= row->min_ms);
out:
        ccase_done(&t);
}

/* 404: ready with --http-status '404|200'; with the default 2xx a timeout naming 404. */
static void test_run_http_status(void)
{
        ccase t;
        char exec[8192], url[128];
        int port;

        if (!ccase_init_port(&t, true, AF_INET, &port))
                goto out;
        FMT(url, "http://127.0.0.1:%d/", port);
        FMT(exec, "%s %s --port %d --status 404", python_bin, http_script, port);
        run(&t, ARGS("run", "--quiet", "--exec", exec, "--ready-http", url, "--http-status", "404|200",
                     "--timeout", "15s", "--", "true"));
        CHECK(&t, t.res.status == 0);

        run(&t,
            ARGS("run", "--quiet", "--exec", exec, "--ready-http", url, "--timeout", "1s", "--", "true"));
        CHECK(&t, t.res.status == EXIT_NOT_READY);
        CHECK(&t, err_has(&t, "404"));
        CHECK(&t, err_has(&t, url));
        CHECK(&t, t.res.elapsed_ms < 1000 + 3000);
out:
        ccase_done(&t);
}

/* ---- run: RefuseIfReady= ---------------------------------------------------------------- */

/* Refused: 69, the address and the owner's PID named, and the unit never ran (no marker). */
static void check_refused(ccase *t, const char *address, pid_t owner, const char *marker)
{
        char pid_text[32];

        CHECK(t, t->res.status == EXIT_NOT_READY);
        CHECK(t, err_has(t, address));
        CHECK(t, err_has(t, "in use"));
        if (owner > 0)
                CHECK(t, err_has(t, FMT(pid_text, "PID %d", (int) owner)));
        CU_ASSERT_FALSE(test_file_exists(marker));
}

/* `unitrun run` of a unit that would create a marker first thing, ready when OPTION ARG
 * holds, which it does already (ADDRESS, held by OWNER): refused; then with
 * RefuseIfReady=no, ready. */
static void check_in_use(ccase *t, const char *option, const char *arg, const char *address, pid_t owner)
{
        char *marker = tcase_path(&t->tc, "spawned"), exec[4200];

        CU_ASSERT_PTR_NOT_NULL(marker);
        if (!marker)
                return;
        FMT(exec, "%s touch=%s", listener_bin, marker);
        run(t, ARGS("run", "--quiet", "--exec", exec, (char *) option, (char *) arg, "--timeout", "15s",
                    "--", "true"));
        check_refused(t, address, owner, marker);

        run(t, ARGS("run", "--quiet", "--exec", exec, (char *) option, (char *) arg, "-p",
                    "RefuseIfReady=no", "--timeout", "15s", "--", "true"));
        CHECK(t, t->res.status == 0);
        free(marker);
}

static void test_run_in_use_tcp(void)
{
        ccase t;
        char spec[64];
        int port;

        if (!ccase_init(&t))
                goto out;
        port = tcase_listen_tcp(&t.tc, "127.0.0.1");
        REQUIRE(port > 0);
        check_in_use(&t, "--ready-tcp", FMT(spec, "127.0.0.1:%d", port), spec, getpid());
out:
        ccase_done(&t);
}

static void test_run_in_use_unix(void)
{
        ccase t;
        char *sock = NULL;

        if (!ccase_init(&t))
                goto out;
        REQUIRE((sock = tcase_listen_unix(&t.tc, "taken.sock")));
        check_in_use(&t, "--ready-unix", sock, sock, getpid());
out:
        ccase_done(&t);
        free(sock);
}

static void test_run_in_use_http(void)
{
        ccase t;
        char url[128], spec[64];
        pid_t server;
        int port;

        if (!ccase_init_port(&t, true, AF_INET, &port))
                goto out;
        server = test_spawn_http_server(tcase_helper_log(&t.tc), port, NULL, SERVER_UP_MS, NULL);
        REQUIRE(tcase_add_helper(&t.tc, server));
        check_in_use(
                &t, "--ready-http", FMT(url, "http://127.0.0.1:%d/", port), FMT(spec, "127.0.0.1:%d", port),
                server);
out:
        ccase_done(&t);
}

/* ---- wait ------------------------------------------------------------------------------ */

/* Every kind of condition, each already holding: exit 0 at once. */
static void test_wait_all_hold(void)
{
        ccase t;
        char *sock = NULL, *file = NULL, *log = NULL, tcp[64], tcp6[64], unix_arg[4200], file_arg[4200],
             url[128];
        int port, port6;

        if (!ccase_init(&t))
                goto out;
        port = tcase_listen_tcp(&t.tc, "127.0.0.1");
        REQUIRE(port > 0);
        REQUIRE((sock = tcase_listen_unix(&t.tc, "w.sock")));
        REQUIRE((file = tcase_touch(&t.tc, "w-file")));
        FMT(tcp, "tcp:127.0.0.1:%d", port);
        FMT(unix_arg, "unix:%s", sock);
        FMT(file_arg, "file:%s", file);

        port6 = test_free_port(AF_INET6);
        if (port6 > 0 && tcase_add_fd(&t.tc, test_listen_tcp("::1", port6)))
                FMT(tcp6, "tcp:[::1]:%d", port6);
        else
                snprintf(tcp6, sizeof(tcp6), "%s", tcp); /* no IPv6 here */

        if (http_available()) {
                int http_port = test_free_port(AF_INET);

                REQUIRE(http_port > 0);
                log = helper_log(&t);
                REQUIRE(tcase_add_helper(
                        &t.tc, test_spawn_http_server(log, http_port, NULL, SERVER_UP_MS, NULL)));
                FMT(url, "http://127.0.0.1:%d/", http_port);
        } else
                snprintf(url, sizeof(url), "%s", tcp);

        run(&t, ARGS("wait", "--timeout", "10s", tcp, tcp6, unix_arg, file_arg, url));
        CHECK(&t, t.res.status == 0);
        CHECK(&t, t.res.elapsed_ms < 3000);
out:
        ccase_done(&t);
        free(sock);
        free(file);
        free(log);
}

/* A port opened and a file created (in missing directories) 300 ms after the wait began,
 * a unix socket listening 200 ms later. */
static void test_wait_later(void)
{
        ccase t;
        char *log = NULL, *sock = NULL, tcp[64], a1[80], a2[4200], a3[4200], a4[4200], file_arg[4200],
             unix_arg[4200];
        int port;

        if (!ccase_init_port(&t, false, AF_INET, &port))
                goto out;
        log = helper_log(&t);
        sock = test_path_join(t.tc.dir, "late.sock");
        FMT(tcp, "tcp:127.0.0.1:%d", port);
        FMT(file_arg, "file:%s/d/e/f/ready", t.tc.dir);
        FMT(unix_arg, "unix:%s", sock);
        REQUIRE(tcase_add_helper(
                &t.tc,
                test_spawn(
                        ARGS(listener_bin, "wait=300", FMT(a1, "tcp=127.0.0.1:%d", port),
                             FMT(a2, "mkdir=%s/d/e/f", t.tc.dir), FMT(a3, "touch=%s/d/e/f/ready", t.tc.dir),
                             FMT(a4, "bind-unix=%s", sock), "wait=200", "listen"),
                        log)));
        run(&t, ARGS("wait", "--timeout", "15s", tcp, file_arg, unix_arg));
        CHECK(&t, t.res.status == 0);
        CHECK(&t, t.res.elapsed_ms >= 500 - SLACK_MS);
        CHECK(&t, t.res.elapsed_ms < 5000);
out:
        ccase_done(&t);
        free(log);
        free(sock);
}

/* Timeout: 69, "still waiting for" and the pending conditions, not the one that held. */
static void test_wait_timeout(void)
{
        ccase t;
        char *sock = NULL, *held = NULL, tcp[64], url[128], unix_arg[4200], missing_arg[4200],
             held_arg[4200];
        int port, port2;

        if (!ccase_init(&t))
                goto out;
        port = test_free_port(AF_INET);
        port2 = test_free_port(AF_INET);
        REQUIRE(port > 0 && port2 > 0 && port != port2);
        sock = test_path_join(t.tc.dir, "nobody.sock");
        REQUIRE((held = tcase_touch(&t.tc, "held-file")));
        FMT(tcp, "tcp:127.0.0.1:%d", port);
        FMT(url, "http://127.0.0.1:%d/health", port2);
        FMT(unix_arg, "unix:%s", sock);
        FMT(missing_arg, "file:%s/no/such/file", t.tc.dir);
        FMT(held_arg, "file:%s", held);
        run(&t, ARGS("wait", "--timeout", "300ms", tcp, url, unix_arg, missing_arg, held_arg));
        CHECK(&t, t.res.status == EXIT_NOT_READY);
        CHECK(&t, err_has(&t, "still waiting for"));
        CHECK(&t, err_has(&t, tcp + 4));
        CHECK(&t, err_has(&t, url));
        CHECK(&t, err_has(&t, sock));
        CHECK(&t, err_has(&t, missing_arg + 5));
        CHECK(&t, !err_has(&t, held));
        CHECK(&t, t.res.elapsed_ms >= 300 - SLACK_MS);
        CHECK(&t, t.res.elapsed_ms < 300 + 3000);
out:
        ccase_done(&t);
        free(sock);
        free(held);
}

/* An HTTP server that accepts and never answers: 69 at the timeout, not later. */
static void test_wait_http_never_answers(void)
{
        ccase t;
        char *log = NULL, url[128], arg[64];
        int port;

        if (!ccase_init_port(&t, false, AF_INET, &port))
                goto out;
        log = helper_log(&t);
        REQUIRE(tcase_add_helper(
                &t.tc, test_spawn(ARGS(listener_bin, "hold", FMT(arg, "tcp=127.0.0.1:%d", port)), log)));
        REQUIRE(test_wait_connect_tcp("127.0.0.1", port, SERVER_UP_MS));
        FMT(url, "http://127.0.0.1:%d/", port);
        run(&t, ARGS("wait", "--timeout", "1s", url));
        CHECK(&t, t.res.status == EXIT_NOT_READY);
        CHECK(&t, err_has(&t, url));
        CHECK(&t, t.res.elapsed_ms >= 1000 - SLACK_MS);
        CHECK(&t, t.res.elapsed_ms < 1000 + 2000);
out:
        ccase_done(&t);
        free(log);
}

/* 64: an unknown condition, an unknown option, a bad time span, a bad address, nothing. */
static void test_wait_usage(void)
{
        static const char *const cases[][5] = {
                { "wait", "ftp://127.0.0.1/", NULL },
                { "wait", "tcp-127.0.0.1:80", NULL },
                { "wait", "--bogus", "1", "tcp:127.0.0.1:1", NULL },
                { "wait", "--timeout", "5 parsecs", "tcp:127.0.0.1:1", NULL },
                { "wait", "--timeout", NULL },
                { "wait", "tcp:no-port-here", NULL },
                { "wait", "--http-status", "(", "http://127.0.0.1:1/", NULL },
                { "wait", NULL },
        };
        ccase t;

        if (!ccase_init(&t))
                goto out;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                run(&t, (char *const *) cases[i]);
                if (t.res.status != EXIT_USAGE)
                        fprintf(stderr, "\n    case %zu (%s %s ...)\n", i, cases[i][0],
                                cases[i][1] ? cases[i][1] : "");
                CHECK(&t, t.res.status == EXIT_USAGE);
                CHECK(&t, t.res.elapsed_ms < 3000);
                CHECK(&t, t.res.err[0] != '\0');
        }
out:
        ccase_done(&t);
}

/* --http-method, --http-header, --http-status are honoured, and without them the same
 * server does not satisfy the wait. */
static void test_wait_http_options(void)
{
        ccase t;
        char *log = NULL, url[128], url404[128];
        int port, port404;

        if (!http_available())
                return;
        if (!ccase_init(&t))
                goto out;
        port = test_free_port(AF_INET);
        port404 = test_free_port(AF_INET);
        REQUIRE(port > 0 && port404 > 0 && port != port404);
        log = helper_log(&t);
        REQUIRE(tcase_add_helper(
                &t.tc, test_spawn_http_server(
                               log, port, NULL, SERVER_UP_MS, "--method", "PUT", "--header", "X-Token: t0k",
                               "--status", "201", NULL)));
        REQUIRE(tcase_add_helper(
                &t.tc, test_spawn_http_server(log, port404, NULL, SERVER_UP_MS, "--status", "404", NULL)));
        FMT(url, "http://127.0.0.1:%d/thing", port);
        FMT(url404, "http://127.0.0.1:%d/", port404);

        run(&t,
            ARGS("wait", "--timeout", "10s", "--http-method", "PUT", "--http-header", "X-Token: t0k", url));
        CHECK(&t, t.res.status == 0);
        run(&t, ARGS("wait", "--timeout", "500ms", "--http-method", "PUT", url));
        CHECK(&t, t.res.status == EXIT_NOT_READY);
        CHECK(&t, err_has(&t, "400"));
        run(&t, ARGS("wait", "--timeout", "500ms", "--http-header", "X-Token: t0k", url));
        CHECK(&t, t.res.status == EXIT_NOT_READY);
        CHECK(&t, err_has(&t, "405"));

        run(&t, ARGS("wait", "--timeout", "10s", "--http-status", "404", url404));
        CHECK(&t, t.res.status == 0);
        run(&t, ARGS("wait", "--timeout", "500ms", url404));
        CHECK(&t, t.res.status == EXIT_NOT_READY);
        CHECK(&t, err_has(&t, "404"));
out:
        ccase_done(&t);
        free(log);
}

/* ---- Runner ------------------------------------------------------------------------------ */

/* group "run": `unitrun run` (on both paths), "wait": `unitrun wait` (starts nothing). */
static const cunit_case all_tests[] = {
        { .group = "run", .name = "run: --ready-tcp", .run = run_late_row, .data = &run_late_rows[0] },
        { .group = "run", .name = "run: --ready-tcp [::1]", .run = run_late_row, .data = &run_late_rows[1] },
        { .group = "run",
          .name = "run: --ready-unix %t/s.sock, -p Interval=",
          .run = run_late_row,
          .data = &run_late_rows[2] },
        { .group = "run",
          .name = "run: --ready-file in missing directories",
          .run = run_late_row,
          .data = &run_late_rows[3] },
        { .group = "run", .name = "run: TCP + output + file", .func = test_run_combined },
        { .group = "run",
          .name = "run: exit while --ready-tcp is pending",
          .func = test_run_exit_while_pending },
        { .group = "run",
          .name = "run: --ready-http POST, -p HTTPBody=, --http-header",
          .run = run_http_row,
          .data = &http_run_rows[0] },
        { .group = "run", .name = "run: --ready-http HEAD", .run = run_http_row, .data = &http_run_rows[1] },
        { .group = "run",
          .name = "run: -p HTTPUnixSocket=",
          .run = run_http_row,
          .data = &http_run_rows[2] },
        { .group = "run", .name = "run: --http-status", .func = test_run_http_status },
        { .group = "run", .name = "run: TCP already in use", .func = test_run_in_use_tcp },
        { .group = "run", .name = "run: unix socket already in use", .func = test_run_in_use_unix },
        { .group = "run", .name = "run: HTTP already in use", .func = test_run_in_use_http },
        { .group = "wait", .name = "wait: every kind holds", .func = test_wait_all_hold },
        { .group = "wait", .name = "wait: conditions met later", .func = test_wait_later },
        { .group = "wait", .name = "wait: timeout names the pending", .func = test_wait_timeout },
        { .group = "wait",
          .name = "wait: an HTTP server that never answers",
          .func = test_wait_http_never_answers },
        { .group = "wait", .name = "wait: bad command lines", .func = test_wait_usage },
        { .group = "wait",
          .name = "wait: --http-method/--http-header/--http-status",
          .func = test_wait_http_options },
};

int main(int argc, char *argv[])
{
        const char *group = argc > 1 ? argv[1] : NULL;
        int status = 0;

        signal(SIGPIPE, SIG_IGN);
        unitrun_bin = getenv("UNITRUN");
        listener_bin = test_fixture_path("listener");
        probe_bin = test_fixture_path("probe");
        exiter_bin = test_fixture_path("exiter");
        python_bin = getenv("HTTP_SERVER_PYTHON");
        http_script = getenv("HTTP_SERVER");
        if (!unitrun_bin || access(unitrun_bin, X_OK) < 0 || !listener_bin ||
            access(listener_bin, X_OK) < 0) {
                fprintf(stderr, "skipped: set UNITRUN and FIXTURE_DIR\n");
                status = 77;
                goto out;
        }

        status =
                cunit_run_cases("unitrun run/wait: readiness", all_tests, ELEMENTS(all_tests), group, false);
out:
        free(listener_bin);
        free(probe_bin);
        free(exiter_bin);
        return status;
}

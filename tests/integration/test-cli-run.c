/* `unitrun run` end to end: the real binary, real processes, real signals. Each case runs
 * the command, then checks its exit status, what it printed, and that nothing it started
 * survived. UNITRUN (the binary) comes from meson; UNITRUN_NO_CGROUP=1 in the environment
 * selects the fallback path for the whole program. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cunit-main.h"

static const char *unitrun_bin;
static char tmp_dir[64];

struct result {
        int status; /* exit status, or 128+N */
        char out[65536];
        char err[65536];
};

/* Runs unitrun with argv; when trigger_file is set, sends sig to unitrun once that file
 * exists (COMMAND creates it). */
static void run_unitrun_signal(char *const argv[], const char *trigger_file, int sig, struct result *res)
{
        int out_pipe[2], err_pipe[2];
        size_t out_len = 0, err_len = 0;
        bool signalled = false;
        pid_t pid;
        int ws;

        memset(res, 0, sizeof(*res));
        CU_ASSERT_FATAL(pipe2(out_pipe, O_CLOEXEC) == 0 && pipe2(err_pipe, O_CLOEXEC) == 0);
        pid = fork();
        CU_ASSERT_FATAL(pid >= 0);
        if (pid == 0) {
                char *full[64] = { (char *) unitrun_bin };
                size_t n = 1;

                for (size_t i = 0; argv[i] && n < 63; i++)
                        full[n++] = argv[i];
                full[n] = NULL;
                dup2(out_pipe[1], 1);
                dup2(err_pipe[1], 2);
                execv(unitrun_bin, full);
                _exit(127);
        }
        close(out_pipe[1]);
        close(err_pipe[1]);

        for (;;) {
                struct pollfd fds[2] = { { .fd = out_pipe[0], .events = POLLIN },
                                         { .fd = err_pipe[0], .events = POLLIN } };
                int open_fds = (fds[0].fd >= 0) + (fds[1].fd >= 0);

                if (open_fds == 0)
                        break;
                if (poll(fds, 2, trigger_file && !signalled ? 10 : -1) < 0)
                        continue;
                if (trigger_file && !signalled && access(trigger_file, F_OK) == 0) {
                        kill(pid, sig);
                        signalled = true;
                }
                for (int i = 0; i < 2; i++) {
                        char *buf = i == 0 ? res->out : res->err;
                        size_t *len = i == 0 ? &out_len : &err_len;
                        ssize_t k;

                        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
                                continue;
                        k = read(fds[i].fd, buf + *len, sizeof(res->out) - 1 - *len);
                        if (k <= 0) {
                                close(i == 0 ? out_pipe[0] : err_pipe[0]);
                                if (i == 0)
                                        out_pipe[0] = -1;
                                else
                                        err_pipe[0] = -1;
                        } else
                                *len += (size_t) k;
                }
                /* poll() ignores negative fds, but the array was built before closing. */
                if (out_pipe[0] < 0 && err_pipe[0] < 0)
                        break;
        }
        CU_ASSERT_FATAL(waitpid(pid, &ws, 0) == pid);
        res->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
        if (CU_get_number_of_failures() == 0 && getenv("TEST_VERBOSE"))
                fprintf(stderr, "--- status %d\n--- stdout\n%s--- stderr\n%s\n", res->status, res->out,
                        res->err);
}

static void run_unitrun(char *const argv[], struct result *res)
{
        run_unitrun_signal(argv, NULL, 0, res);
}

#define ARGV(...) ((char *const[]){ __VA_ARGS__, NULL })

static void show_on_failure(const struct result *res, bool ok)
{
        if (!ok)
                fprintf(stderr, "\nunitrun exited %d\nstdout:\n%s\nstderr:\n%s\n", res->status, res->out,
                        res->err);
}

#define CHECK(res, cond)                                                                                    \
        do {                                                                                                \
                bool _ok = (cond);                                                                          \
                show_on_failure(res, _ok);                                                                  \
                CU_ASSERT(_ok);                                                                             \
        } while (0)

static char *path_in_tmp(const char *name)
{
        static char buf[8][256];
        static unsigned next;
        char *p = buf[next++ % 8];

        snprintf(p, 256, "%s/%s", tmp_dir, name);
        return p;
}

static char *read_file(const char *path)
{
        static char buf[65536];
        FILE *f = fopen(path, "re");
        size_t n;

        if (!f)
                return NULL;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = 0;
        fclose(f);
        return buf;
}

/* A process recorded as "PID STARTTIME" is dead if it is gone, a zombie, or another one. */
static bool process_alive(int pid, unsigned long long start_time)
{
        char path[64], buf[1024], state;
        unsigned long long st;
        const char *p;
        FILE *f;
        size_t n;

        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        f = fopen(path, "re");
        if (!f)
                return false;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = 0;
        p = strrchr(buf, ')');
        if (!p ||
            sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                   &state, &st) != 2)
                return false;
        return state != 'Z' && state != 'X' && (start_time == 0 || st == start_time);
}

static bool fallback(void)
{
        const char *v = getenv("UNITRUN_NO_CGROUP");
        return v && strcmp(v, "1") == 0;
}

/* ---- Exit statuses ---------------------------------------------------------------------- */

static void test_command_status_passes_through(void)
{
        struct result res;

        run_unitrun(ARGV("run", "--exec", "sleep 100", "--", "sh", "-c", "exit 7"), &res);
        CHECK(&res, res.status == 7);
        run_unitrun(ARGV("run", "--exec", "sleep 100", "--", "true"), &res);
        CHECK(&res, res.status == 0);
        run_unitrun(ARGV("run", "--exec", "sleep 100", "--", "sh", "-c", "kill -USR1 $$"), &res);
        CHECK(&res, res.status == 128 + SIGUSR1);
        run_unitrun(ARGV("run", "--", "sh", "-c", "exit 3"), &res);
        CHECK(&res, res.status == 3);
}

static void test_bad_command_lines(void)
{
        static const char *const cases[][12] = {
                { "run", "--exec", "sleep 1", "true", NULL },                          /* no -- */
                { "run", "--exec", "sleep 1", "--", NULL },                            /* no COMMAND */
                { "run", "--bogus", "--", "true", NULL },                              /* unknown option */
                { "run", "--name", "x", "--exec", "sleep 1", "--", "true", NULL },     /* --name first */
                { "run", "--exec", "sleep 1", "--type", "forky", "--", "true", NULL }, /* bad type */
                { "run", "--exec", "sleep 1", "--timeout", "5 parsecs", "--", "true", NULL },
                { "run", "--exec", "sleep 1", "--ready-output", "a(b", "--", "true", NULL },
                { "run", "--exec", "sleep 1", "--kill-signal", "SIGNOPE", "--", "true", NULL },
                { "run", "--exec", "sleep 'unterminated", "--", "true", NULL },
                { "run", "--exec", "sleep 1", "-p", "NoSuchKey=1", "--", "true", NULL },
                { "run", "--exec", "sleep 1", "--name", "a", "--exec", "sleep 1", "--name", "a", "--",
                  "true" },
                { "frobnicate", NULL },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct result res;

                run_unitrun((char *const *) cases[i], &res);
                CHECK(&res, res.status == 64);
                CHECK(&res, strstr(res.err, "unitrun: ") != NULL);
        }
}

static void test_help_and_version(void)
{
        struct result res;

        run_unitrun(ARGV("--help"), &res);
        CHECK(&res, res.status == 0 && strstr(res.out, "unitrun run") != NULL);
        run_unitrun(ARGV("run", "--help"), &res);
        CHECK(&res, res.status == 0 && strstr(res.out, "--ready-output") != NULL);
        run_unitrun(ARGV("help", "run"), &res);
        CHECK(&res, res.status == 0 && strstr(res.out, "--exec CMDLINE") != NULL);
        run_unitrun(ARGV("--version"), &res);
        CHECK(&res, res.status == 0 && strncmp(res.out, "unitrun ", 8) == 0);
}

static void test_exec_failure_is_reported_as_such(void)
{
        struct result res;

        run_unitrun(ARGV("run", "--exec", "/nonexistent/daemon", "--", "touch", path_in_tmp("ran")), &res);
        CHECK(&res, res.status == 69);
        CHECK(&res,
              strstr(res.err,
                     "daemon.service: cannot execute /nonexistent/daemon: No such file or directory") !=
                      NULL);
        CU_ASSERT(access(path_in_tmp("ran"), F_OK) < 0);
}

static void test_exit_before_ready(void)
{
        struct result res;

        run_unitrun(
                ARGV("run", "--exec", "sh -c 'echo last words; exit 3'", "--type", "notify", "--name",
                     "early", "--", "touch", path_in_tmp("ran")),
                &res);
        CHECK(&res, res.status == 69);
        CHECK(&res, strstr(res.err, "early: exited with status 3 before it was ready") != NULL);
        CHECK(&res, strstr(res.err, "  last words") != NULL);
        CU_ASSERT(access(path_in_tmp("ran"), F_OK) < 0);
}

static void test_start_timeout_names_pending_conditions(void)
{
        struct result res;

        run_unitrun(
                ARGV("run", "--exec", "sleep 100", "--type", "notify", "--ready-output", "never",
                     "--timeout", "300ms", "--", "true"),
                &res);
        CHECK(&res, res.status == 69);
        CHECK(&res,
              strstr(res.err,
                     "not ready after 300ms; still waiting for: READY=1, output matching 'never'") != NULL);
}

static void test_unit_crash_during_command(void)
{
        struct result res;

        run_unitrun(
                ARGV("run", "--exec", "sleep 100", "--", "sh", "-c",
                     "kill -KILL $UNITRUN_SLEEP_PID; sleep 0.5"),
                &res);
        CHECK(&res, res.status == 70);
        CHECK(&res,
              strstr(res.err, "sleep.service: main process was killed by SIGKILL while running") != NULL);

        /* COMMAND's own failure wins over the unit's. */
        run_unitrun(
                ARGV("run", "--exec", "sleep 100", "--", "sh", "-c",
                     "kill -KILL $UNITRUN_SLEEP_PID; sleep 0.5; exit 4"),
                &res);
        CHECK(&res, res.status == 4);
}

static void test_stop_error_is_reported(void)
{
        struct result res;

        run_unitrun(
                ARGV("run", "--exec", "sh -c 'trap \"\" TERM; echo up; while :; do sleep 0.05; done'",
                     "--ready-output", "up", "--stop-timeout", "200ms", "--name", "stubborn", "--", "true"),
                &res);
        CHECK(&res, res.status == 70);
        CHECK(&res, strstr(res.err, "stubborn: processes were still running after 200ms") != NULL);
}

static void test_clean_exit_codes_at_stop(void)
{
        struct result res;

        /* Exit 3 on SIGTERM is unclean... */
        run_unitrun(
                ARGV("run", "--exec", "sh -c 'trap \"exit 3\" TERM; echo up; while :; do sleep 0.05; done'",
                     "--ready-output", "up", "--name", "three", "--", "true"),
                &res);
        CHECK(&res, res.status == 70);
        CHECK(&res, strstr(res.err, "three: main process exited with status 3 when stopped") != NULL);
        /* ...unless SuccessExitStatus= says otherwise. */
        run_unitrun(
                ARGV("run", "--exec", "sh -c 'trap \"exit 3\" TERM; echo up; while :; do sleep 0.05; done'",
                     "--ready-output", "up", "-p", "SuccessExitStatus=3", "--", "true"),
                &res);
        CHECK(&res, res.status == 0);
        /* KillSignal= is a clean death too. */
        run_unitrun(ARGV("run", "--exec", "sleep 100", "--kill-signal", "SIGUSR2", "--", "true"), &res);
        CHECK(&res, res.status == 0);
}

/* ---- Output --------------------------------------------------------------------------------- */

static void test_output_prefix_quiet_and_log_dir(void)
{
        struct result res;
        char *log;

        run_unitrun(
                ARGV("run", "--exec", "sh -c 'echo to-out; echo to-err >&2; echo ready; exec sleep 100'",
                     "--name", "talker", "--ready-output", "ready", "--", "true"),
                &res);
        CHECK(&res, res.status == 0);
        CHECK(&res,
              strstr(res.err, "talker| to-out\n") != NULL && strstr(res.err, "talker| to-err\n") != NULL);
        CHECK(&res, strstr(res.out, "to-out") == NULL); /* unit output goes to stderr only */

        run_unitrun(
                ARGV("run", "--quiet", "--log-dir", path_in_tmp("logs"), "--exec",
                     "sh -c 'echo to-out; echo ready; exec sleep 100'", "--name", "talker", "--ready-output",
                     "ready", "--", "true"),
                &res);
        CHECK(&res, res.status == 0);
        CHECK(&res, strstr(res.err, "to-out") == NULL);
        log = read_file(path_in_tmp("logs/talker.log"));
        CU_ASSERT_PTR_NOT_NULL_FATAL(log);
        CU_ASSERT_STRING_EQUAL(log, "to-out\nready\n");
}

static void test_ready_output_on_stderr_only(void)
{
        struct result res;

        /* OutputStream=stdout must not be satisfied by stderr. */
        run_unitrun(
                ARGV("run", "--exec", "sh -c 'echo banner >&2; exec sleep 100'", "--ready-output", "banner",
                     "-p", "OutputStream=stdout", "--timeout", "500ms", "--", "true"),
                &res);
        CHECK(&res, res.status == 69);
        run_unitrun(
                ARGV("run", "--exec", "sh -c 'echo banner >&2; exec sleep 100'", "--ready-output", "banner",
                     "-p", "OutputStream=stderr", "--", "true"),
                &res);
        CHECK(&res, res.status == 0);
}

/* ---- Environment for COMMAND and for units ------------------------------------------------- */

static void test_command_environment(void)
{
        struct result res;
        char script[1024];
        char *env;
        int pid = 0;
        char runtime[256] = "", cgroup[512] = "";

        snprintf(
                script, sizeof(script),
                "echo \"$UNITRUN_RUNTIME_DIR\" > %s/env; echo \"$UNITRUN_SLEEP_PID\" >> %s/env; "
                "echo \"$UNITRUN_SLEEP_2_PID\" >> %s/env; echo \"$UNITRUN_SLEEP_CGROUP\" >> %s/env; "
                "test -d \"$UNITRUN_RUNTIME_DIR\" && kill -0 \"$UNITRUN_SLEEP_PID\" && kill -0 "
                "\"$UNITRUN_SLEEP_2_PID\"",
                tmp_dir, tmp_dir, tmp_dir, tmp_dir);
        run_unitrun(
                ARGV("run", "--exec", "sleep 100", "--exec", "sleep 101", "--", "sh", "-c", script), &res);
        CHECK(&res, res.status == 0);
        env = read_file(path_in_tmp("env"));
        CU_ASSERT_PTR_NOT_NULL_FATAL(env);
        CU_ASSERT(sscanf(env, "%255s\n%d", runtime, &pid) == 2);
        CU_ASSERT(pid > 0);
        CU_ASSERT(strncmp(runtime, "/", 1) == 0);
        /* The runtime directory is gone afterwards, and so is the unit. */
        CU_ASSERT(access(runtime, F_OK) < 0);
        CU_ASSERT(!process_alive(pid, 0));
        if (!fallback()) {
                if (sscanf(env, "%*s\n%*d\n%*d\n%511s", cgroup) == 1) {
                        CU_ASSERT(strstr(cgroup, "/sleep.service") != NULL);
                        CU_ASSERT(access(cgroup, F_OK) < 0);
                } else
                        CU_FAIL("no UNITRUN_SLEEP_CGROUP");
        }
}

static void test_unit_env_and_cwd(void)
{
        struct result res;

        run_unitrun(
                ARGV("run", "--exec",
                     "sh -c 'echo \"[$GREETING] [$(pwd)] [$${HOME-unset}]\"; echo ready; exec sleep 100'",
                     "--env", "GREETING=hello world", "--cwd", "/usr", "-p", "UnsetEnvironment=HOME",
                     "--ready-output", "ready", "--name", "env", "--", "true"),
                &res);
        CHECK(&res, res.status == 0);
        CHECK(&res, strstr(res.err, "env| [hello world] [/usr] [unset]") != NULL);

        run_unitrun(
                ARGV("run", "--exec", "sleep 100", "--cwd", "/nonexistent-dir", "--name", "nocwd", "--",
                     "true"),
                &res);
        CHECK(&res, res.status == 69);
        CHECK(&res, strstr(res.err, "nocwd: cannot change to working directory /nonexistent-dir") != NULL);
}

static void test_notify_socket_of_launcher_does_not_leak(void)
{
        struct result res;

        /* unitrun under a service manager: its NOTIFY_SOCKET is not the units' business. */
        setenv("NOTIFY_SOCKET", "/run/not-for-units", 1);
        run_unitrun(
                ARGV("run", "--exec",
                     "sh -c 'echo \"[$${NOTIFY_SOCKET-none}]\"; echo ready; exec sleep 100'",
                     "--ready-output", "ready", "--name", "plain", "--", "true"),
                &res);
        unsetenv("NOTIFY_SOCKET");
        CHECK(&res, res.status == 0);
        CHECK(&res, strstr(res.err, "plain| [none]") != NULL);
}

/* ---- Parallel start ----------------------------------------------------------------------- */

static void test_units_start_in_parallel(void)
{
        struct result res;

        /* Each becomes ready only once the other has started: sequential starts would
         * deadlock into a timeout. */
        run_unitrun(
                ARGV("run", "--exec",
                     "sh -c 'touch %t/a; while [ ! -e %t/b ]; do sleep 0.01; done; echo ready; exec sleep "
                     "100'",
                     "--name", "a", "--ready-output", "ready", "--timeout", "20s", "--exec",
                     "sh -c 'touch %t/b; while [ ! -e %t/a ]; do sleep 0.01; done; echo ready; exec sleep "
                     "100'",
                     "--name", "b", "--ready-output", "ready", "--timeout", "20s", "--", "true"),
                &res);
        CHECK(&res, res.status == 0);
}

static void test_one_failure_stops_the_others(void)
{
        struct result res;
        char cmd[512];
        char *pid_text;

        snprintf(cmd, sizeof(cmd), "sh -c 'echo $$ > %s/slow.pid; exec sleep 100'", tmp_dir);
        run_unitrun(
                ARGV("run", "--exec", cmd, "--type", "notify", "--name", "slow", "--exec", "false", "--type",
                     "notify", "--name", "bad", "--", "true"),
                &res);
        CHECK(&res, res.status == 69);
        CHECK(&res, strstr(res.err, "bad: exited with status 1 before it was ready") != NULL);
        pid_text = read_file(path_in_tmp("slow.pid"));
        if (pid_text)
                CU_ASSERT(!process_alive(atoi(pid_text), 0));
}

/* ---- Signals --------------------------------------------------------------------------------- */

static void test_signal_during_command(int sig)
{
        struct result res;
        char script[512];
        char *got;

        unlink(path_in_tmp("cmd-started"));
        unlink(path_in_tmp("cmd-got"));
        snprintf(
                script, sizeof(script),
                "trap 'echo got > %s/cmd-got; exit 9' %d; touch %s/cmd-started; while :; do sleep 0.05; "
                "done",
                tmp_dir, sig, tmp_dir);
        run_unitrun_signal(
                ARGV("run", "--exec", "sleep 100", "--", "sh", "-c", script), path_in_tmp("cmd-started"),
                sig, &res);
        CHECK(&res, res.status == 128 + sig);
        got = read_file(path_in_tmp("cmd-got"));
        CU_ASSERT(got && strcmp(got, "got\n") == 0);
}

static void test_sigint_during_command(void)
{
        test_signal_during_command(SIGINT);
}

static void test_sigterm_during_command(void)
{
        test_signal_during_command(SIGTERM);
}

static void test_sighup_during_command(void)
{
        test_signal_during_command(SIGHUP);
}

static void test_signal_during_start(void)
{
        struct result res;
        char cmd[512];
        char *pid_text;

        unlink(path_in_tmp("starting"));
        snprintf(
                cmd, sizeof(cmd), "sh -c 'echo $$ > %s/starting.pid; touch %s/starting; exec sleep 100'",
                tmp_dir, tmp_dir);
        run_unitrun_signal(
                ARGV("run", "--exec", cmd, "--type", "notify", "--", "touch", path_in_tmp("ran")),
                path_in_tmp("starting"), SIGTERM, &res);
        CHECK(&res, res.status == 143);
        CU_ASSERT(access(path_in_tmp("ran"), F_OK) < 0);
        pid_text = read_file(path_in_tmp("starting.pid"));
        CU_ASSERT_PTR_NOT_NULL_FATAL(pid_text);
        CU_ASSERT(!process_alive(atoi(pid_text), 0));
}

/* ---- Nothing survives ----------------------------------------------------------------------- */

static void test_process_tree_is_gone_after_run(void)
{
        struct result res;
        char script_path[256], pids_path[256], line[128];
        FILE *f;
        int alive = 0, seen = 0;

        snprintf(script_path, sizeof(script_path), "%s/tree.sh", tmp_dir);
        snprintf(pids_path, sizeof(pids_path), "%s/tree.pids", tmp_dir);
        f = fopen(script_path, "we");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        /* A background child, a double fork with setsid, an env -i setsid grandchild. */
        fprintf(f,
                "#!/bin/sh\n"
                "sleep 1001 & echo $! >> %s\n"
                "( setsid sh -c 'sleep 1002 & echo $! >> %s' & )\n"
                "env -i setsid sh -c 'sleep 1003 & echo $! >> %s' &\n"
                "while [ $(wc -l < %s) -lt 3 ]; do sleep 0.01; done\n"
                "echo ready\n"
                "exec sleep 1000\n",
                pids_path, pids_path, pids_path, pids_path);
        fclose(f);
        chmod(script_path, 0755);
        unlink(pids_path);

        run_unitrun(ARGV("run", "--exec", script_path, "--ready-output", "ready", "--", "true"), &res);
        CHECK(&res, res.status == 0);
        f = fopen(pids_path, "re");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        while (fgets(line, sizeof(line), f)) {
                seen++;
                if (process_alive(atoi(line), 0))
                        alive++;
        }
        fclose(f);
        CU_ASSERT_EQUAL(seen, 3);
        CU_ASSERT_EQUAL(alive, 0);
}

static int setup(void)
{
        strcpy(tmp_dir, "/tmp/test-cli-run.XXXXXX");
        if (!mkdtemp(tmp_dir))
                return -1;
        unitrun_bin = getenv("UNITRUN");
        return unitrun_bin ? 0 : -1;
}

static int teardown(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
        return system(cmd) == 0 ? 0 : -1;
}

static CU_TestInfo tests[] = {
        { "command status passes through", test_command_status_passes_through },
        { "bad command lines exit 64", test_bad_command_lines },
        { "help and version", test_help_and_version },
        { "exec failure is reported as such", test_exec_failure_is_reported_as_such },
        { "exit before ready", test_exit_before_ready },
        { "start timeout names pending conditions", test_start_timeout_names_pending_conditions },
        { "unit crash during COMMAND", test_unit_crash_during_command },
        { "stop error is reported", test_stop_error_is_reported },
        { "clean exit codes at stop", test_clean_exit_codes_at_stop },
        { "output prefix, quiet and log dir", test_output_prefix_quiet_and_log_dir },
        { "ready output on one stream only", test_ready_output_on_stderr_only },
        { "environment for COMMAND", test_command_environment },
        { "unit environment and working directory", test_unit_env_and_cwd },
        { "launcher's NOTIFY_SOCKET does not leak", test_notify_socket_of_launcher_does_not_leak },
        { "units start in parallel", test_units_start_in_parallel },
        { "one failure stops the others", test_one_failure_stops_the_others },
        { "SIGINT during COMMAND", test_sigint_during_command },
        { "SIGTERM during COMMAND", test_sigterm_during_command },
        { "SIGHUP during COMMAND", test_sighup_during_command },
        { "signal during start", test_signal_during_start },
        { "process tree is gone after run", test_process_tree_is_gone_after_run },
        CU_TEST_INFO_NULL,
};

int main(void)
{
        CU_SuiteInfo suites[] = {
                { .pName = "unitrun run", .pInitFunc = setup, .pCleanupFunc = teardown, .pTests = tests },
                CU_SUITE_INFO_NULL,
        };

        return cunit_run(suites);
}

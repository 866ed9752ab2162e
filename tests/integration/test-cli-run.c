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

#include "cli-run.h"
#include "cunit-main.h"
#include "test-util.h"

/* Only reached when something hangs; the case fails then anyway. */
#define RUN_DEADLINE_MS 30000

static const char *unitrun_bin;
static char tmp_dir[64];

/* Runs unitrun with argv; when trigger_file is set, sends sig to unitrun once that file
 * exists (COMMAND creates it). */
static void run_unitrun_signal(char *const argv[], const char *trigger_file, int sig, cli_run *res)
{
        CU_ASSERT_FATAL(cli_run_spawn(res, unitrun_bin, argv, NULL) == 0);
        if (trigger_file) {
                uint64_t deadline = test_now_msec() + RUN_DEADLINE_MS;

                while (cli_run_alive(res) && !test_file_exists(trigger_file) && test_now_msec() < deadline)
                        cli_run_pump(res, 10);
                if (cli_run_alive(res) && test_file_exists(trigger_file))
                        (void) kill(res->pid, sig);
        }
        cli_run_finish(res, RUN_DEADLINE_MS);
}

static void run_unitrun(char *const argv[], cli_run *res)
{
        run_unitrun_signal(argv, NULL, 0, res);
}

#define ARGV(...) ((char *const[]){ __VA_ARGS__, NULL })

#define CHECK(res, cond) CLI_CHECK(res, cond)

static char *path_in_tmp(const char *name)
{
        static char buf[8][256];
        static unsigned next;
        char *p = buf[next++ % 8];

        snprintf(p, 256, "%s/%s", tmp_dir, name);
        return p;
}

/* test_read_file(), freed by the next call: the cases compare and forget. */
static char *read_file(const char *path)
{
        static char *last;

        free(last);
        last = test_read_file(path);
        return last;
}

/* ---- Exit statuses ---------------------------------------------------------------------- */

static void test_command_status_passes_through(void)
{
        cli_run res;

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
                cli_run res;

                run_unitrun((char *const *) cases[i], &res);
                CHECK(&res, res.status == 64);
                CHECK(&res, strstr(res.err, "unitrun: ") != NULL);
        }
}

static void test_help_and_version(void)
{
        cli_run res;

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
        cli_run res;

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
        cli_run res;

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
        cli_run res;

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
        cli_run res;

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
        cli_run res;

        run_unitrun(
                ARGV("run", "--exec", "sh -c 'trap \"\" TERM; echo up; while :; do sleep 0.05; done'",
                     "--ready-output", "up", "--stop-timeout", "200ms", "--name", "stubborn", "--", "true"),
                &res);
        CHECK(&res, res.status == 70);
        CHECK(&res, strstr(res.err, "stubborn: processes were still running after 200ms") != NULL);
}

static void test_clean_exit_codes_at_stop(void)
{
        cli_run res;

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
        cli_run res;
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
        cli_run res;

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
        cli_run res;
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
        CU_ASSERT(!test_process_alive(pid, 0));
        if (!cunit_fallback_mode()) {
                if (sscanf(env, "%*s\n%*d\n%*d\n%511s", cgroup) == 1) {
                        CU_ASSERT(strstr(cgroup, "/sleep.service") != NULL);
                        CU_ASSERT(access(cgroup, F_OK) < 0);
                } else
                        CU_FAIL("no UNITRUN_SLEEP_CGROUP");
        }
}

static void test_unit_env_and_cwd(void)
{
        cli_run res;

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
        cli_run res;

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
        cli_run res;

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
        cli_run res;
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
                CU_ASSERT(!test_process_alive(atoi(pid_text), 0));
}

/* ---- Signals --------------------------------------------------------------------------------- */

static void test_signal_during_command(int sig)
{
        cli_run res;
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
        cli_run res;
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
        CU_ASSERT(!test_process_alive(atoi(pid_text), 0));
}

/* ---- Nothing survives ----------------------------------------------------------------------- */

static void test_process_tree_is_gone_after_run(void)
{
        cli_run res;
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
                if (test_process_alive(atoi(line), 0))
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

/* Running a program and capturing its output; see cli-run.h. The runs still going are
 * remembered, so that the runner's deadline hook can SIGKILL them (kill() only there). */
#include "cli-run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cunit-main.h"
#include "test-util.h"

static volatile pid_t active[32];

static void kill_active_runs(void)
{
        for (size_t i = 0; i < sizeof(active) / sizeof(active[0]); i++)
                if (active[i] > 0)
                        (void) kill(active[i], SIGKILL);
}

static void remember(pid_t pid, bool add)
{
        static bool hooked;

        for (size_t i = 0; i < sizeof(active) / sizeof(active[0]); i++)
                if (add ? active[i] == 0 : active[i] == pid) {
                        active[i] = add ? pid : 0;
                        break;
                }
        if (add && !hooked) {
                cunit_add_kill_hook(kill_active_runs);
                hooked = true;
        }
}

int cli_run_kill_all(void)
{
        int killed = 0;

        for (size_t i = 0; i < sizeof(active) / sizeof(active[0]); i++)
                if (active[i] > 0) {
                        (void) kill(active[i], SIGKILL);
                        (void) waitpid(active[i], NULL, 0);
                        active[i] = 0;
                        killed++;
                }
        return killed;
}

void cli_run_init(cli_run *r)
{
        r->pid = 0;
        r->out_fd = r->err_fd = -1;
        r->status = -1;
        r->timed_out = false;
        r->started_ms = r->elapsed_ms = 0;
        r->out_len = r->err_len = 0;
        r->out[0] = r->err[0] = 0;
}

cli_run *cli_run_new(void)
{
        cli_run *r = malloc(sizeof(*r));

        if (!r)
                abort();
        cli_run_init(r);
        return r;
}

static void close_pipes(cli_run *r)
{
        if (r->out_fd >= 0)
                close(r->out_fd);
        if (r->err_fd >= 0)
                close(r->err_fd);
        r->out_fd = r->err_fd = -1;
}

cli_run *cli_run_free(cli_run *r)
{
        if (!r)
                return NULL;
        if (cli_run_alive(r)) {
                (void) kill(r->pid, SIGKILL);
                (void) waitpid(r->pid, NULL, 0);
                remember(r->pid, false);
        }
        close_pipes(r);
        free(r);
        return NULL;
}

int cli_run_spawn(cli_run *r, const char *program, char *const args[], char *const env[])
{
        int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 }, e;

        cli_run_init(r);
        if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0)
                goto fail;
        r->started_ms = test_now_msec();
        r->pid = fork();
        if (r->pid < 0)
                goto fail;
        if (r->pid == 0) {
                char *argv[128] = { (char *) program };
                size_t n = 1;
                int in = open("/dev/null", O_RDONLY | O_CLOEXEC);

                for (size_t i = 0; args && args[i] && n < 127; i++)
                        argv[n++] = args[i];
                argv[n] = NULL;
                cunit_reset_signals();
                unsetenv("NOTIFY_SOCKET");
                for (size_t i = 0; env && env[i]; i++)
                        putenv(env[i]);
                if (in < 0 || dup2(in, 0) < 0 || dup2(out_pipe[1], 1) < 0 || dup2(err_pipe[1], 2) < 0)
                        _exit(126);
                execv(program, argv);
                _exit(127);
        }
        remember(r->pid, true);
        close(out_pipe[1]);
        close(err_pipe[1]);
        r->out_fd = out_pipe[0];
        r->err_fd = err_pipe[0];
        (void) fcntl(r->out_fd, F_SETFL, O_NONBLOCK);
        (void) fcntl(r->err_fd, F_SETFL, O_NONBLOCK);
        return 0;
fail:
        e = -errno;
        fprintf(stderr, "\n    cannot run %s: %s\n", program, strerror(errno));
        for (int i = 0; i < 2; i++) {
                if (out_pipe[i] >= 0)
                        close(out_pipe[i]);
                if (err_pipe[i] >= 0)
                        close(err_pipe[i]);
        }
        r->pid = 0;
        return e;
}

void cli_run_pump(cli_run *r, int timeout_ms)
{
        struct pollfd fds[2] = { { .fd = r->out_fd, .events = POLLIN },
                                 { .fd = r->err_fd, .events = POLLIN } };

        if (r->out_fd < 0 && r->err_fd < 0) {
                if (timeout_ms > 0)
                        (void) poll(NULL, 0, timeout_ms);
                return;
        }
        if (poll(fds, 2, timeout_ms) <= 0)
                return;
        for (int i = 0; i < 2; i++) {
                int *fd = i == 0 ? &r->out_fd : &r->err_fd;
                char *buf = i == 0 ? r->out : r->err;
                size_t *len = i == 0 ? &r->out_len : &r->err_len;
                size_t size = i == 0 ? sizeof(r->out) : sizeof(r->err);

                for (;;) {
                        ssize_t k;

                        if (*fd < 0)
                                break;
                        k = read(*fd, buf + *len, size - 1 - *len);
                        if (k > 0) {
                                *len += (size_t) k;
                                buf[*len] = 0;
                                if (*len == size - 1) /* full: keep the start, drop the rest */
                                        *len = size - 2;
                                continue;
                        }
                        if (k < 0 && (errno == EAGAIN || errno == EINTR))
                                break;
                        close(*fd);
                        *fd = -1;
                }
        }
}

bool cli_run_wait_for(cli_run *r, bool on_stdout, const char *needle, int timeout_ms)
{
        uint64_t deadline = test_now_msec() + (uint64_t) timeout_ms;

        for (;;) {
                if (strstr(on_stdout ? r->out : r->err, needle))
                        return true;
                if (test_now_msec() >= deadline || (r->out_fd < 0 && r->err_fd < 0))
                        return false;
                cli_run_pump(r, 50);
        }
}

bool cli_run_alive(cli_run *r)
{
        int ws;

        if (r->pid <= 0 || r->status >= 0 || r->timed_out)
                return false;
        if (waitpid(r->pid, &ws, WNOHANG) == r->pid) {
                r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
                r->elapsed_ms = test_now_msec() - r->started_ms;
                remember(r->pid, false);
                return false;
        }
        return true;
}

int cli_run_finish(cli_run *r, int timeout_ms)
{
        uint64_t deadline = test_now_msec() + (uint64_t) timeout_ms;

        while (cli_run_alive(r)) {
                if (test_now_msec() >= deadline) {
                        fprintf(stderr, "\n    %d hung: killed after %d ms\n", (int) r->pid, timeout_ms);
                        (void) kill(r->pid, SIGKILL);
                        (void) waitpid(r->pid, NULL, 0);
                        remember(r->pid, false);
                        r->timed_out = true;
                        r->elapsed_ms = test_now_msec() - r->started_ms;
                        break;
                }
                cli_run_pump(r, 20);
        }
        cli_run_pump(r, 0);
        close_pipes(r);
        if (getenv("TEST_VERBOSE"))
                cli_run_show(r, "run");
        return r->status;
}

int cli_run_capture(cli_run *r, const char *program, char *const args[], char *const env[], int timeout_ms)
{
        if (cli_run_spawn(r, program, args, env) < 0)
                return -1;
        return cli_run_finish(r, timeout_ms);
}

void cli_run_show(const cli_run *r, const char *what)
{
        fprintf(stderr,
                "\n    [%s] %s: exited %d after %llu ms%s\n    --- stdout\n%s    --- stderr\n%s    ---\n",
                cunit_current_case(), what, r->status, (unsigned long long) r->elapsed_ms,
                r->timed_out ? " (killed: it hung)" : "", r->out, r->err);
}

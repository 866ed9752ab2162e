/* unitrun run: start the units, run COMMAND once all are ready, stop everything, exit with
 * COMMAND's status (SPEC §3). COMMAND's pidfd joins the session's loop. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone-vfork.h"
#include "json.h"
#include "macro.h"
#include "progress.h"
#include "session.h"
#include "shims.h"

struct command_state {
        pid_t pid;
        int pidfd;
        int status;  /* exit status, or 128+N */
        int leaf_fd; /* COMMAND's leaf (command_leaf_open()), or -1 */
        char leaf[PATH_MAX];
};

/* UNITRUN_<NAME>_PID for "redis.service": REDIS; other characters become '_'. */
void unit_env_name(const char *unit, const char *suffix, char *buf, size_t size)
{
        const char *dot = strrchr(unit, '.');
        size_t len = dot && strcmp(dot, ".service") == 0 ? (size_t) (dot - unit) : strlen(unit);
        size_t o = (size_t) snprintf(buf, size, "UNITRUN_");

        for (size_t i = 0; i < len && o + 1 < size; i++) {
                char c = unit[i];
                buf[o++] = (c >= 'a' && c <= 'z')                               ? (char) (c - 'a' + 'A')
                           : ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c
                                                                                : '_';
        }
        snprintf(buf + o, size - o, "_%s", suffix);
}

static int command_environment(struct session *s)
{
        const char *runtime_dir = ur_context_get_runtime_dir(s->ctx);

        if (!runtime_dir)
                return -EIO;
        if (setenv("UNITRUN_RUNTIME_DIR", runtime_dir, 1) < 0)
                return -errno;
        for (size_t i = 0; i < s->n_executors; i++) {
                ur_executor *e = s->executors[i];
                char name[300], value[32];

                unit_env_name(ur_executor_get_name(e), "PID", name, sizeof(name));
                snprintf(value, sizeof(value), "%d", (int) ur_executor_get_pid(e));
                if (setenv(name, value, 1) < 0)
                        return -errno;
                unit_env_name(ur_executor_get_name(e), "CGROUP", name, sizeof(name));
                if (ur_executor_get_cgroup(e) && setenv(name, ur_executor_get_cgroup(e), 1) < 0)
                        return -errno;
        }
        return 0;
}

static void on_command_exit(struct session *s)
{
        struct command_state *c = s->verb;
        siginfo_t si = {};

        if (waitid((idtype_t) P_PIDFD, (id_t) c->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
                return;
        c->status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
        c->pid = 0;
        session_remove_extra_fd(s);
        c->pidfd = safe_close(c->pidfd);
        json_log_command_exited(s->json, c->status);
}

static void on_signal(struct session *s, int sig, bool from_terminal)
{
        struct command_state *c = s->verb;

        if (s->phase != SESSION_UP || c->pidfd < 0)
                return; /* starting: the teardown follows (session_start sees s->signal) */
        /* A terminal's ^C already reached COMMAND (same process group); pass on only what
         * was sent to us alone, and insist the second time. */
        if (s->n_signals > 1)
                (void) shim_pidfd_send_signal(c->pidfd, SIGKILL);
        else if (!from_terminal)
                (void) shim_pidfd_send_signal(c->pidfd, sig);
}

static bool command_finished(const struct session *s)
{
        return ((const struct command_state *) s->verb)->pid == 0;
}

/* COMMAND's own leaf in the run's cgroup (".command": no unit name starts with a dot), so that
 * what kills the run (the guardian after a SIGKILL of unitrun, cgroup.kill) kills COMMAND and
 * what it left running too. -1 without a cgroup (the fallback) or when it cannot be made. */
static int command_leaf_open(struct session *s, char *path, size_t size)
{
        const char *run = ur_context_get_cgroup(s->ctx);

        if (!run || snprintf(path, size, "%s/.command", run) >= (int) size || mkdir(path, 0755) < 0)
                return -1;
        return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* COMMAND is gone: what it left in its leaf goes too, and the leaf with it (the library
 * removes the run's cgroup after this, which needs it empty). */
static void command_leaf_remove(const char *path)
{
        char file[PATH_MAX + 16];
        FILE *f;

        /* Most often COMMAND left nothing behind: then the leaf goes at once, and the kill
         * (an open, a write and a close of a cgroup file) is not needed. */
        if (rmdir(path) == 0 || errno != EBUSY)
                return;
        snprintf(file, sizeof(file), "%s/cgroup.kill", path);
        if ((f = fopen(file, "we"))) {
                fputs("1", f);
                fclose(f);
        }
        /* Killed processes leave the cgroup at once or within milliseconds: wait a little. */
        for (int i = 0; i < 200 && rmdir(path) < 0 && errno == EBUSY; i++)
                usleep(5000);
}

_Noreturn static void command_exec(struct session *s)
{
        int err;

        /* COMMAND is the user's: their signal mask and dispositions, not ours. */
        (void) sigprocmask(SIG_SETMASK, &s->saved_mask, NULL);
        (void) signal(SIGPIPE, SIG_DFL);
        /* The units' world (--private-network, --private-dirs), if the run has one. */
        err = ur_context_enter(s->ctx);
        if (err < 0) {
                dprintf(STDERR_FILENO, "%s: cannot join the run's namespaces (setns): %s\n", program_name,
                        strerror(-err));
                _exit(EXIT_SYSTEM);
        }
        execvp(s->options.command[0], s->options.command);
        err = errno;
        /* fd 2 itself: stdio's stderr is the parent's queue (sink.c) here, and our memory
         * may be the launcher's own (no stdio at all). */
        dprintf(STDERR_FILENO, "%s: cannot execute %s: %s\n", program_name, s->options.command[0],
                strerror(err));
        _exit(err == ENOENT ? 127 : 126);
}

static void command_exec_vfork(void *data)
{
        command_exec(data);
}

/* Born in its leaf (clone3 CLONE_INTO_CGROUP: no migration to wait for), borrowing our
 * address space until its execve() (clone-vfork.h) unless it must join the run's user
 * namespace (setns() refuses a shared one); a plain fork() where clone3 is refused
 * (seccomp, old kernels) or there is no leaf. Returns 0 in a forked child. */
static pid_t command_fork(struct session *s, int leaf_fd)
{
        struct shim_clone_args args = {
                .flags = CLONE_INTO_CGROUP,
                .exit_signal = SIGCHLD,
                .cgroup = (uint64_t) leaf_fd,
        };
        pid_t pid;

        if (leaf_fd < 0)
                return fork();
        if (ur_context_get_namespaces(s->ctx) == 0) {
                struct shim_clone_args vargs = args;

                pid = clone3_vfork(&vargs, command_exec_vfork, s);
                if (pid >= 0)
                        return pid;
                if (pid != -ENOSYS && pid != -EPERM && pid != -EINVAL && pid != -E2BIG) {
                        errno = -pid;
                        return -1;
                }
        }
        pid = shim_clone3(&args);
        if (pid < 0 && (errno == ENOSYS || errno == EPERM || errno == EINVAL || errno == E2BIG))
                return fork();
        return pid;
}

static int command_run(struct session *s)
{
        struct command_state *c = s->verb;
        pid_t pid;
        int err = command_environment(s);

        if (err < 0) {
                cli_error("cannot set up COMMAND's environment: %s", strerror(-err));
                return EXIT_SYSTEM;
        }
        /* COMMAND gets the terminal: the status block stays as it last was. */
        progress_finish(s->progress);
        fflush(NULL);
        /* What we said so far comes before what COMMAND says, unless stderr is stalled. */
        (void) sink_flush(&s->sink);
        pid = command_fork(s, c->leaf_fd);
        if (pid < 0) {
                cli_error("cannot fork: %s", strerror(errno));
                return EXIT_SYSTEM;
        }
        if (pid == 0)
                command_exec(s);
        c->pid = pid;
        json_log_command_started(s->json, s->options.command[0], (int) pid);
        c->pidfd = shim_pidfd_open(pid, 0);
        if (c->pidfd < 0 || session_add_extra_fd(s, c->pidfd, on_command_exit) < 0) {
                cli_error("cannot watch COMMAND: %s", strerror(errno));
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                return EXIT_SYSTEM;
        }
        err = session_wait(s, command_finished);
        if (err < 0) {
                cli_error("event loop failed: %s", strerror(-err));
                return EXIT_SYSTEM;
        }
        return c->status;
}

int verb_run(int argc, char **argv)
{
        struct command_state command = { .pidfd = -1, .leaf_fd = -1 };
        struct session s;
        int status;

        status = session_setup(&s, argc, argv, true);
        s.verb = &command;
        s.on_signal = on_signal;
        /* COMMAND's leaf now, not between "ready" and COMMAND's start. */
        if (status == 0)
                command.leaf_fd = command_leaf_open(&s, command.leaf, sizeof(command.leaf));
        if (status == 0)
                status = session_start(&s);
        if (status == 0)
                status = command_run(&s);
        /* What COMMAND left behind goes with its leaf, before the units stop (the library
         * removes the run's cgroup after them, which needs it empty). */
        if (command.leaf_fd >= 0) {
                command_leaf_remove(command.leaf);
                command.leaf_fd = safe_close(command.leaf_fd);
        }
        status = session_teardown(&s, status);
        safe_close(command.pidfd);
        session_done(&s);
        return status;
}

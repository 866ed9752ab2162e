/* unitrun run: start the units in parallel, wait until all are ready, run COMMAND, stop
 * everything, exit with COMMAND's status. One epoll loop watches the library's fd, a
 * signalfd for SIGINT/SIGTERM/SIGHUP and COMMAND's pidfd. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "macro.h"
#include "shims.h"

enum run_phase {
        PHASE_STARTING,
        PHASE_COMMAND,
        PHASE_STOPPING,
};

struct run {
        struct run_options options;
        ur_context *ctx;
        ur_executor **executors;
        size_t n_executors;
        struct forwarder *forwarder;
        enum run_phase phase;
        int epoll_fd;
        int signal_fd;
        sigset_t saved_mask;
        pid_t command_pid;
        int command_pidfd;
        int command_status; /* exit status, or 128+N */
        int signal;         /* the first teardown signal received */
        unsigned n_signals;
        bool start_failed;
        bool unit_failed;
};

static void on_log(ur_log_level level, const char *unit, const char *message, void *userdata)
{
        struct run *r = userdata;

        if (level <= UR_LOG_WARNING)
                cli_warning("%s%s%s", unit ? unit : "", unit ? ": " : "", message);
        else if (level <= UR_LOG_INFO && r->options.verbose)
                fprintf(stderr, "%s: %s%s%s\n", program_name, unit ? unit : "", unit ? ": " : "", message);
}

static void on_state(ur_executor *e, ur_state state, void *userdata)
{
        struct run *r = userdata;
        uint64_t cpu;

        switch (state) {
        case UR_STATE_RUNNING:
        case UR_STATE_EXITED:
                if (r->options.verbose)
                        fprintf(stderr, "%s: %s: %s in %llu ms\n", program_name, ur_executor_get_name(e),
                                state == UR_STATE_RUNNING ? "ready" : "finished",
                                (unsigned long long) ur_executor_get_ready_msec(e));
                break;
        case UR_STATE_FAILED:
                /* Said once, at the moment it happens, with the library's reason. */
                cli_error("%s: %s", ur_executor_get_name(e), ur_executor_get_error(e));
                if (r->phase == PHASE_STARTING)
                        r->start_failed = true;
                else
                        r->unit_failed = true;
                break;
        case UR_STATE_INACTIVE:
                if (r->options.verbose && ur_executor_get_cpu_usage(e, &cpu) >= 0)
                        fprintf(stderr, "%s: %s: stopped (CPU time %llu.%03llu s)\n", program_name,
                                ur_executor_get_name(e), (unsigned long long) (cpu / 1000000),
                                (unsigned long long) (cpu / 1000 % 1000));
                break;
        default:
                break;
        }
}

/* ---- Waiting ------------------------------------------------------------------------ */

/* Every unit ready, or a reason to give up on the start (the teardown stops the rest). */
static bool start_settled(const struct run *r)
{
        if (r->start_failed || r->signal)
                return true;
        for (size_t i = 0; i < r->n_executors; i++) {
                ur_state s = ur_executor_get_state(r->executors[i]);
                /* Stopping during the start means failing: wait for the verdict. */
                if (s == UR_STATE_STARTING || s == UR_STATE_STOPPING)
                        return false;
        }
        return true;
}

static bool none_stopping(const struct run *r)
{
        for (size_t i = 0; i < r->n_executors; i++)
                if (ur_executor_get_state(r->executors[i]) == UR_STATE_STOPPING)
                        return false;
        return true;
}

static bool command_finished(const struct run *r)
{
        return r->command_pid == 0;
}

/* In reverse dependency order; when impatient, everything at once and without grace. */
static void stop_all(struct run *r, bool now)
{
        if (!now) {
                (void) ur_context_stop_all_begin(r->ctx);
                return;
        }
        for (size_t i = 0; i < r->n_executors; i++)
                (void) ur_executor_stop_now(r->executors[i]);
}

static void on_signal(struct run *r)
{
        struct signalfd_siginfo si;

        while (read(r->signal_fd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                int sig = (int) si.ssi_signo;

                r->n_signals++;
                if (!r->signal)
                        r->signal = sig;
                switch (r->phase) {
                case PHASE_STARTING:
                        break; /* start_settled() sees r->signal; the teardown follows */
                case PHASE_COMMAND:
                        /* A terminal's ^C already reached COMMAND (same process group); pass
                         * on only what was sent to us alone, and insist the second time. */
                        if (r->n_signals > 1)
                                (void) shim_pidfd_send_signal(r->command_pidfd, SIGKILL);
                        else if (si.ssi_code != SI_KERNEL)
                                (void) shim_pidfd_send_signal(r->command_pidfd, sig);
                        break;
                case PHASE_STOPPING:
                        if (r->n_signals > 1)
                                stop_all(r, true); /* impatient: skip the grace period */
                        break;
                }
        }
}

static void on_command_exit(struct run *r)
{
        siginfo_t si = {};

        if (waitid((idtype_t) P_PIDFD, (id_t) r->command_pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
                return;
        r->command_status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
        r->command_pid = 0;
        (void) epoll_ctl(r->epoll_fd, EPOLL_CTL_DEL, r->command_pidfd, NULL);
        r->command_pidfd = safe_close(r->command_pidfd);
}

/* Runs the loop until done(r). Returns 0, or a negative errno on a loop failure. */
static int run_wait(struct run *r, bool (*done)(const struct run *r))
{
        while (!done(r)) {
                struct epoll_event events[4];
                int n = epoll_wait(r->epoll_fd, events, 4, -1);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (int i = 0; i < n; i++) {
                        int fd = events[i].data.fd;
                        if (fd == ur_context_get_fd(r->ctx)) {
                                int k = ur_context_dispatch(r->ctx, 0);
                                if (k < 0)
                                        return k;
                        } else if (fd == r->signal_fd)
                                on_signal(r);
                        else if (fd == r->command_pidfd)
                                on_command_exit(r);
                }
        }
        return 0;
}

/* ---- COMMAND -------------------------------------------------------------------------- */

/* UNITRUN_<NAME>_PID for "redis.service": REDIS; other characters become '_'. */
static void unit_env_name(const char *unit, const char *suffix, char *buf, size_t size)
{
        const char *dot = strrchr(unit, '.');
        size_t len = dot && strcmp(dot, ".service") == 0 ? (size_t) (dot - unit) : strlen(unit);
        size_t o = (size_t) snprintf(buf, size, "UNITRUN_");

        for (size_t i = 0; i < len && o + 1 < size; i++) {
                char c = unit[i];
                buf[o++] = (c >= 'a' && c <= 'z') ? (char) (c - 'a' + 'A')
                           : ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c
                                                                                 : '_';
        }
        snprintf(buf + o, size - o, "_%s", suffix);
}

static int command_environment(struct run *r)
{
        const char *runtime_dir = ur_context_get_runtime_dir(r->ctx);

        if (!runtime_dir)
                return -EIO;
        if (setenv("UNITRUN_RUNTIME_DIR", runtime_dir, 1) < 0)
                return -errno;
        for (size_t i = 0; i < r->n_executors; i++) {
                ur_executor *e = r->executors[i];
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

static int command_spawn(struct run *r)
{
        struct epoll_event ev = { .events = EPOLLIN };
        pid_t pid;
        int fd;

        fflush(NULL);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                /* COMMAND is the user's: their signals and dispositions, not ours. */
                (void) sigprocmask(SIG_SETMASK, &r->saved_mask, NULL);
                (void) signal(SIGPIPE, SIG_DFL);
                execvp(r->options.command[0], r->options.command);
                fprintf(stderr, "%s: cannot execute %s: %s\n", program_name, r->options.command[0],
                        strerror(errno));
                _exit(errno == ENOENT ? 127 : 126);
        }
        fd = shim_pidfd_open(pid, 0);
        if (fd < 0) {
                int err = -errno;
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                return err;
        }
        r->command_pid = pid;
        r->command_pidfd = fd;
        ev.data.fd = fd;
        if (epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
                return -errno;
        return 0;
}

/* Fallback isolation only: we are the subreaper, so orphans that escaped their unit's
 * session end up as our children. With every unit stopped, any child left is one of them. */
static void kill_adopted_orphans(void)
{
        for (unsigned pass = 0; pass < 100; pass++) {
                char path[64];
                _cleanup_fclose_ FILE *f = NULL;
                bool any = false;
                int pid;

                snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int) getpid());
                f = fopen(path, "re");
                while (f && fscanf(f, "%d", &pid) == 1) {
                        (void) kill(pid, SIGKILL);
                        any = true;
                }
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        any = true;
                if (!any)
                        break;
                if (pass > 0)
                        (void) waitpid(-1, NULL, 0);
        }
}

/* ---- The verb ----------------------------------------------------------------------------- */

static int run_setup(struct run *r)
{
        struct epoll_event ev = { .events = EPOLLIN };
        sigset_t mask;
        int err;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, &r->saved_mask) < 0)
                return -errno;
        r->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (r->signal_fd < 0)
                return -errno;
        /* A closed stderr or a vanished pipe reader must not kill the launcher mid-teardown. */
        (void) signal(SIGPIPE, SIG_IGN);

        err = ur_context_new(&r->ctx);
        if (err < 0)
                return err;
        ur_context_set_log(r->ctx, on_log, r);
        ur_context_set_state_callback(r->ctx, on_state, r);

        if (ur_context_get_isolation(r->ctx) == UR_ISOLATION_FALLBACK) {
                cli_warning("no cgroup isolation (%s): a process that leaves its unit's session "
                            "(setsid) may escape the stop; leftovers are killed when unitrun exits",
                            ur_context_get_isolation_reason(r->ctx));
                (void) prctl(PR_SET_CHILD_SUBREAPER, 1);
                if (r->options.verbose)
                        fprintf(stderr, "%s: isolation: fallback (%s)\n", program_name,
                                ur_context_get_isolation_reason(r->ctx));
        } else if (r->options.verbose)
                fprintf(stderr, "%s: isolation: %s %s\n", program_name,
                        ur_context_get_isolation(r->ctx) == UR_ISOLATION_SCOPE ? "delegated scope" : "cgroup",
                        ur_context_get_cgroup(r->ctx));

        r->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (r->epoll_fd < 0)
                return -errno;
        ev.data.fd = ur_context_get_fd(r->ctx);
        if (epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, ev.data.fd, &ev) < 0)
                return -errno;
        ev.data.fd = r->signal_fd;
        if (epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, ev.data.fd, &ev) < 0)
                return -errno;
        return 0;
}

static int run_start_units(struct run *r)
{
        int err;

        r->executors = calloc(r->options.n_units ? r->options.n_units : 1, sizeof(*r->executors));
        if (!r->executors)
                return EXIT_SYSTEM;
        err = adhoc_units_create(r->ctx, &r->options, r->executors);
        while (r->n_executors < r->options.n_units && r->executors[r->n_executors])
                r->n_executors++;
        if (err)
                return err;
        if (forwarder_new(&r->options, &r->forwarder) < 0)
                return EXIT_SYSTEM;
        forwarder_attach(r->forwarder, r->ctx);

        /* Each unit starts as soon as what it is ordered after is ready. */
        if (ur_context_start_all_begin(r->ctx) < 0)
                return EXIT_NOT_READY; /* a unit that could not even begin reported itself */
        err = run_wait(r, start_settled);
        if (err < 0) {
                cli_error("event loop failed: %s", strerror(-err));
                return EXIT_SYSTEM;
        }
        if (r->signal)
                return 128 + r->signal;
        return r->start_failed ? EXIT_NOT_READY : 0;
}

static int run_command(struct run *r)
{
        int err = command_environment(r);

        if (err >= 0)
                err = command_spawn(r);
        if (err < 0) {
                cli_error("cannot run %s: %s", r->options.command[0], strerror(-err));
                return EXIT_SYSTEM;
        }
        r->phase = PHASE_COMMAND;
        err = run_wait(r, command_finished);
        if (err < 0) {
                cli_error("event loop failed: %s", strerror(-err));
                return EXIT_SYSTEM;
        }
        return 0;
}

static int run_teardown(struct run *r)
{
        int err;

        r->phase = PHASE_STOPPING;
        stop_all(r, r->n_signals > 1);
        err = run_wait(r, none_stopping);
        if (err < 0)
                return err;
        if (ur_context_get_isolation(r->ctx) == UR_ISOLATION_FALLBACK)
                kill_adopted_orphans();
        return 0;
}

int verb_run(int argc, char **argv)
{
        struct run r = { .epoll_fd = -1, .signal_fd = -1, .command_pidfd = -1 };
        int status, err;

        status = run_options_parse(argc, argv, 2, true, &r.options);
        if (status)
                return status;

        err = run_setup(&r);
        if (err < 0) {
                cli_error("cannot set up: %s", strerror(-err));
                status = EXIT_SYSTEM;
                goto out;
        }
        status = run_start_units(&r);
        if (status == 0) {
                status = run_command(&r);
                if (status == 0)
                        status = r.command_status;
        }
        if (r.ctx && run_teardown(&r) < 0)
                status = EXIT_SYSTEM;
        if (r.signal)
                status = 128 + r.signal;
        else if (r.unit_failed && status == 0)
                status = EXIT_UNIT_FAILED;

out:
        for (size_t i = 0; i < r.n_executors; i++)
                ur_executor_free(r.executors[i]);
        free(r.executors);
        ur_context_free(r.ctx);
        forwarder_free(r.forwarder);
        safe_close(r.epoll_fd);
        safe_close(r.signal_fd);
        safe_close(r.command_pidfd);
        run_options_done(&r.options);
        return status;
}

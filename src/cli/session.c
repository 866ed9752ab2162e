/* The shared half of `run` and `up`; see session.h. One epoll loop watches the library's
 * fd, a signalfd for SIGINT/SIGTERM/SIGHUP, stderr (when output waits to be written to it)
 * and, for run, COMMAND's pidfd. stderr is a non-blocking queue (sink.c) for the whole
 * session: the loop never waits for a log reader, so signals and timers are always
 * served; after each iteration the queue is written out and units whose output cannot
 * keep up are paused. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "macro.h"
#include "progress.h"
#include "session.h"

/* After a signal, how long the last messages (and the count of what was dropped) may wait
 * for a stalled stderr before unitrun exits without them. */
#define FINAL_FLUSH_MSEC 1000

static void on_log(ur_log_level level, const char *unit, const char *message, void *userdata)
{
        struct session *s = userdata;

        if (level <= UR_LOG_WARNING)
                cli_warning("%s%s%s", unit ? unit : "", unit ? ": " : "", message);
        else if (level <= UR_LOG_INFO && s->options.verbose)
                fprintf(stderr, "%s: %s%s%s\n", program_name, unit ? unit : "", unit ? ": " : "", message);
}

static void on_state(ur_executor *e, ur_state state, void *userdata)
{
        struct session *s = userdata;
        uint64_t cpu;
        char conditions[2048];

        json_log_state(s->json, e, state);
        progress_update(s->progress);
        switch (state) {
        case UR_STATE_RUNNING:
        case UR_STATE_EXITED:
                if (s->options.verbose) {
                        ur_executor_describe_conditions(e, conditions, sizeof(conditions));
                        fprintf(stderr, "%s: %s: %s in %llu ms (%s)\n", program_name,
                                ur_executor_get_name(e), state == UR_STATE_RUNNING ? "ready" : "finished",
                                (unsigned long long) ur_executor_get_ready_msec(e), conditions);
                }
                break;
        case UR_STATE_FAILED:
                /* Said once, at the moment it happens, with the library's reason. */
                cli_error("%s: %s", ur_executor_get_name(e), ur_executor_get_error(e));
                if (s->phase == SESSION_STARTING)
                        s->start_failed = true;
                else
                        s->unit_failed = true;
                break;
        case UR_STATE_STARTING:
                /* Starting again with the last run's reason still there: Restart= at work. */
                if (ur_executor_get_error(e))
                        cli_warning(
                                "%s: %s; restarting (Restart=, restart %u)", ur_executor_get_name(e),
                                ur_executor_get_error(e), ur_executor_get_restarts(e) + 1);
                break;
        case UR_STATE_INACTIVE:
                /* A condition that does not hold skips the unit: no failure, said once. */
                if (ur_executor_get_skip_reason(e) && s->phase == SESSION_STARTING)
                        cli_warning(
                                "%s: skipped: %s", ur_executor_get_name(e), ur_executor_get_skip_reason(e));
                if (s->options.verbose && ur_executor_get_cpu_usage(e, &cpu) >= 0) {
                        uint64_t memory;
                        char peak[64] = "";

                        if (ur_executor_get_memory_peak(e, &memory) >= 0)
                                snprintf(
                                        peak, sizeof(peak), ", peak memory %.1f MiB",
                                        (double) memory / 1048576.0);
                        fprintf(stderr, "%s: %s: stopped (CPU time %llu.%03llu s%s)\n", program_name,
                                ur_executor_get_name(e), (unsigned long long) (cpu / 1000000),
                                (unsigned long long) (cpu / 1000 % 1000), peak);
                }
                break;
        default:
                break;
        }
}

static void on_diagnostic(const char *file, unsigned line, bool error, const char *message, void *userdata)
{
        if (line)
                fprintf(stderr, "%s:%u: %s%s\n", file, line, error ? "" : "warning: ", message);
        else
                fprintf(stderr, "%s: %s%s\n", file, error ? "" : "warning: ", message);
}

/* ---- Setup ------------------------------------------------------------------------------- */

static int session_setup_signals(struct session *s)
{
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, &s->saved_mask) < 0)
                return -errno;
        s->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (s->signal_fd < 0)
                return -errno;
        /* A closed stderr or a vanished pipe reader must not kill the launcher mid-teardown. */
        (void) signal(SIGPIPE, SIG_IGN);
        return 0;
}

static void session_report_isolation(struct session *s)
{
        ur_isolation isolation = ur_context_get_isolation(s->ctx);

        json_log_isolation(
                s->json, isolation, ur_context_get_cgroup(s->ctx), ur_context_get_isolation_reason(s->ctx));
        if (isolation == UR_ISOLATION_FALLBACK) {
                cli_warning(
                        "no cgroup isolation (%s): a process that leaves its unit's session "
                        "(setsid) may escape the stop; leftovers are killed when unitrun exits",
                        ur_context_get_isolation_reason(s->ctx));
                /* Orphans of the units become ours, so that we can kill them at the end. */
                (void) prctl(PR_SET_CHILD_SUBREAPER, 1);
        } else if (s->options.verbose)
                fprintf(stderr, "%s: isolation: %s %s\n", program_name,
                        isolation == UR_ISOLATION_SCOPE ? "delegated scope" : "cgroup",
                        ur_context_get_cgroup(s->ctx));
}

static int session_add_fd(struct session *s, int fd)
{
        struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

        return epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* From here on stdio's stderr is the queue; fd 2 itself stays as it is (COMMAND's). */
static void session_setup_sink(struct session *s)
{
        FILE *f;

        sink_open_stderr(&s->sink);
        f = sink_stdio(&s->sink);
        if (!f)
                return;
        fflush(stderr);
        s->saved_stderr = stderr;
        stderr = f;
}

/* Unit files first (65 on any problem, before anything runs), then the ad-hoc units. */
static int session_create_units(struct session *s)
{
        ur_executor **loaded = NULL;
        size_t n_loaded = 0;
        int r;

        if (s->options.unit_files) {
                const ur_load_options load = {
                        .unit_path = s->options.unit_path,
                        .assignments = (char *const *const *) s->options.unit_file_properties,
                };

                r = ur_context_load_units_with(
                        s->ctx, s->options.unit_files, &load, 0, on_diagnostic, s, &loaded, &n_loaded);
                if (r == -EINVAL)
                        return EXIT_BAD_UNIT;
                if (r < 0) {
                        cli_error("cannot load units: %s", strerror(-r));
                        return EXIT_SYSTEM;
                }
        }
        s->executors = calloc(n_loaded + s->options.n_units + 1, sizeof(*s->executors));
        if (!s->executors) {
                free(loaded);
                return EXIT_SYSTEM;
        }
        for (size_t i = 0; i < n_loaded; i++)
                s->executors[s->n_executors++] = loaded[i];
        free(loaded);
        r = adhoc_units_create(s->ctx, &s->options, s->executors + s->n_executors);
        while (s->n_executors < n_loaded + s->options.n_units && s->executors[s->n_executors])
                s->n_executors++;
        return r;
}

int session_setup(struct session *s, int argc, char **argv, bool want_command)
{
        int r;

        *s = (struct session){ .epoll_fd = -1, .signal_fd = -1, .extra_fd = -1 };
        r = run_options_parse(argc, argv, 2, want_command, &s->options);
        if (r)
                return r;
        session_setup_sink(s);
        r = session_setup_signals(s);
        if (r >= 0)
                r = ur_context_new(&s->ctx);
        if (r < 0) {
                cli_error("cannot set up: %s", strerror(-r));
                return EXIT_SYSTEM;
        }
        if (s->options.json || s->options.events) {
                FILE *events = NULL;

                if (s->options.events && !(events = fopen(s->options.events, "we"))) {
                        cli_error("cannot write --events %s: %s", s->options.events, strerror(errno));
                        return EXIT_SYSTEM;
                }
                if (json_log_new(&s->json, s->options.json, events) < 0) {
                        if (events)
                                fclose(events);
                        return EXIT_SYSTEM;
                }
        }
        ur_context_set_log(s->ctx, on_log, s);
        ur_context_set_state_callback(s->ctx, on_state, s);
        /* Before the units: they take the ports from our environment, and nothing may
         * start where the isolation asked for is refused. */
        r = cli_pick_ports(&s->options);
        if (!r)
                r = cli_setup_namespaces(s->ctx, &s->options, s->json);
        if (r)
                return r;

        s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (s->epoll_fd < 0 || session_add_fd(s, ur_context_get_fd(s->ctx)) < 0 ||
            session_add_fd(s, s->signal_fd) < 0) {
                cli_error("cannot set up the event loop: %s", strerror(errno));
                return EXIT_SYSTEM;
        }
        if (s->sink.pollable && s->sink.fd >= 0) {
                struct epoll_event ev = { .events = 0, .data.fd = s->sink.fd };
                /* Not pollable (/dev/null and the like): its writes complete anyway. */
                if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->sink.fd, &ev) < 0)
                        s->sink.pollable = false;
        }
        r = session_create_units(s);
        if (r)
                return r;
        s->progress = progress_new(&s->options);
        for (size_t i = 0; i < s->n_executors; i++)
                (void) progress_add(s->progress, s->executors[i]);
        if (forwarder_new(&s->options, &s->sink, &s->forwarder) < 0)
                return EXIT_SYSTEM;
        forwarder_attach(s->forwarder, s->ctx);
        for (size_t i = 0; i < s->n_executors; i++)
                forwarder_add_unit(s->forwarder, s->executors[i]);
        session_report_isolation(s);
        return 0;
}

/* ---- The loop ---------------------------------------------------------------------------- */

/* Impatient (a second signal): no grace period, no stop order, no ExecStop=; SIGKILL to
 * every unit's processes at once, then the final kill marks each stop as done. */
static void session_kill_all(struct session *s)
{
        for (size_t i = 0; i < s->n_executors; i++)
                (void) ur_executor_kill(s->executors[i], SIGKILL, true);
        for (size_t i = 0; i < s->n_executors; i++)
                (void) ur_executor_stop_now(s->executors[i]);
}

static void session_on_signal(struct session *s)
{
        struct signalfd_siginfo si;

        while (read(s->signal_fd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                int sig = (int) si.ssi_signo;

                s->n_signals++;
                if (!s->signal)
                        s->signal = sig;
                if (s->phase == SESSION_STOPPING && s->n_signals > 1)
                        session_kill_all(s);
                else if (s->on_signal)
                        /* A terminal's ^C reaches the whole foreground process group. */
                        s->on_signal(s, sig, si.ssi_code == SI_KERNEL);
        }
}

/* Queued output out (as much as stderr takes now), pauses adjusted, and EPOLLOUT asked
 * for while something waits. */
static void session_pump(struct session *s)
{
        bool pending;

        progress_show(progress_current);
        fflush(stderr);
        pending = sink_flush(&s->sink);
        if (s->forwarder)
                forwarder_balance(s->forwarder, s->phase == SESSION_STOPPING);
        if (s->sink.pollable && s->sink.fd >= 0 && pending != s->sink_watched && s->epoll_fd >= 0) {
                struct epoll_event ev = { .events = pending ? EPOLLOUT : 0, .data.fd = s->sink.fd };
                if (epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, s->sink.fd, &ev) >= 0)
                        s->sink_watched = pending;
        }
}

int session_wait(struct session *s, bool (*done)(const struct session *s))
{
        for (;;) {
                struct epoll_event events[8];
                int n;

                session_pump(s);
                if (done(s))
                        return 0;
                n = epoll_wait(s->epoll_fd, events, 8, -1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (int i = 0; i < n; i++) {
                        int fd = events[i].data.fd;
                        if (fd == ur_context_get_fd(s->ctx)) {
                                int k = ur_context_dispatch(s->ctx, 0);
                                if (k < 0)
                                        return k;
                        } else if (fd == s->signal_fd)
                                session_on_signal(s);
                        else if (fd == s->extra_fd && s->on_extra)
                                s->on_extra(s);
                        /* stderr writable: session_pump() above writes. */
                }
        }
}

int session_add_extra_fd(struct session *s, int fd, void (*on_extra)(struct session *s))
{
        s->extra_fd = fd;
        s->on_extra = on_extra;
        return session_add_fd(s, fd);
}

void session_remove_extra_fd(struct session *s)
{
        if (s->extra_fd >= 0)
                (void) epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, s->extra_fd, NULL);
        s->extra_fd = -1;
}

/* ---- Start and teardown ---------------------------------------------------------------- */

/* Every unit ready, or a reason to give up on the start (the teardown stops the rest). */
static bool start_settled(const struct session *s)
{
        if (s->start_failed || s->signal)
                return true;
        for (size_t i = 0; i < s->n_executors; i++) {
                ur_state st = ur_executor_get_state(s->executors[i]);
                /* Stopping during the start means failing: wait for the verdict. A unit
                 * that a condition skipped is done: it stays inactive. */
                if (st == UR_STATE_STARTING || st == UR_STATE_STOPPING ||
                    (st == UR_STATE_INACTIVE && !ur_executor_get_skip_reason(s->executors[i])))
                        return false;
        }
        return true;
}

int session_start(struct session *s)
{
        int r;

        /* The namespaces begun at setup (isolation.c): made, or the run refused. */
        r = cli_finish_namespaces(s->ctx, &s->options, s->json);
        if (r)
                return r;
        /* Each unit starts as soon as what it is ordered after is ready. */
        if (ur_context_start_all_begin(s->ctx) < 0)
                return EXIT_NOT_READY; /* a unit that could not even begin reported itself */
        r = session_wait(s, start_settled);
        if (r < 0) {
                cli_error("event loop failed: %s", strerror(-r));
                return EXIT_SYSTEM;
        }
        if (s->signal)
                return 128 + s->signal;
        if (s->start_failed)
                return EXIT_NOT_READY;
        s->phase = SESSION_UP;
        return 0;
}

static bool none_stopping(const struct session *s)
{
        for (size_t i = 0; i < s->n_executors; i++) {
                ur_state st = ur_executor_get_state(s->executors[i]);
                if (st == UR_STATE_STOPPING || st == UR_STATE_RUNNING || st == UR_STATE_EXITED ||
                    st == UR_STATE_STARTING)
                        return false;
        }
        return true;
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

/* What each unit cost, said once at the end: CPU time, and peak memory where known. */
static void session_report_usage(const struct session *s)
{
        char line[4096];
        size_t used = 0;

        if (s->options.quiet || s->options.verbose || s->options.json)
                return; /* quiet; or already said per unit, in text or in JSON */
        line[0] = 0;
        for (size_t i = 0; i < s->n_executors && used + 128 < sizeof(line); i++) {
                uint64_t cpu, memory;
                char peak[64] = "";

                if (ur_executor_get_cpu_usage(s->executors[i], &cpu) < 0)
                        continue;
                if (ur_executor_get_memory_peak(s->executors[i], &memory) >= 0)
                        snprintf(peak, sizeof(peak), " %.1f MiB", (double) memory / 1048576.0);
                used += (size_t) snprintf(
                        line + used, sizeof(line) - used, "%s%s %llu.%03llu s%s", used ? ", " : "",
                        ur_executor_get_name(s->executors[i]), (unsigned long long) (cpu / 1000000),
                        (unsigned long long) (cpu / 1000 % 1000), peak);
        }
        if (used)
                fprintf(stderr, "%s: CPU time: %s\n", program_name, line);
}

static uint64_t monotonic_msec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* Waits until stderr can take more, a signal comes, or deadline (0: none) passes; false
 * on a signal or the deadline. */
static bool session_wait_writable(struct session *s, uint64_t deadline)
{
        struct pollfd p[2] = { { .fd = s->sink.fd, .events = POLLOUT },
                               { .fd = s->signal_fd, .events = POLLIN } };
        int timeout = -1;

        if (deadline) {
                uint64_t now = monotonic_msec();
                if (now >= deadline)
                        return false;
                timeout = (int) (deadline - now);
        }
        if (!s->sink.pollable)
                return true;
        if (poll(p, s->signal_fd >= 0 ? 2 : 1, timeout) < 0 && errno != EINTR)
                return false;
        if (p[1].revents & POLLIN) {
                struct signalfd_siginfo si;
                if (read(s->signal_fd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                        s->n_signals++;
                        if (!s->signal)
                                s->signal = (int) si.ssi_signo;
                }
                return false;
        }
        return true;
}

/* The end: everything queued goes out; after a signal only for a moment, and what units
 * said that stderr did not take by then is dropped and counted, in one line per unit. */
static void session_finish_output(struct session *s)
{
        uint64_t deadline = 0;

        if (s->sink_done)
                return;
        s->sink_done = true;
        if (s->saved_stderr)
                fflush(stderr);
        while (sink_flush(&s->sink)) {
                if (!s->signal && session_wait_writable(s, 0))
                        continue;
                /* After a signal (or one came meanwhile): no more waiting for the units' lines. */
                sink_discard_units(&s->sink);
                break;
        }
        if (s->forwarder)
                forwarder_report_dropped(s->forwarder);
        if (s->saved_stderr)
                fflush(stderr);
        deadline = monotonic_msec() + FINAL_FLUSH_MSEC;
        while (sink_flush(&s->sink) && session_wait_writable(s, deadline))
                ;
        if (s->saved_stderr) {
                FILE *f = stderr;
                stderr = s->saved_stderr;
                s->saved_stderr = NULL;
                fclose(f);
        }
        sink_done(&s->sink);
}

int session_teardown(struct session *s, int status)
{
        if (!s->ctx)
                return status;
        s->phase = SESSION_STOPPING;
        if (s->n_signals > 1)
                session_kill_all(s);
        else
                (void) ur_context_stop_all_begin(s->ctx);
        if (session_wait(s, none_stopping) < 0)
                status = EXIT_SYSTEM;
        session_report_usage(s);
        /* Everything is stopped: what is queued for stderr goes out now (a signal while
         * it waits for a stalled reader counts like one during the teardown). */
        session_finish_output(s);
        if (s->signal)
                return 128 + s->signal;
        if (s->unit_failed && status == 0)
                return EXIT_UNIT_FAILED;
        return status;
}

void session_done(struct session *s)
{
        bool fallback = s->ctx && ur_context_get_isolation(s->ctx) == UR_ISOLATION_FALLBACK;

        for (size_t i = 0; i < s->n_executors; i++)
                ur_executor_free(s->executors[i]);
        free(s->executors);
        ur_context_free(s->ctx);
        /* After the context (and its guardian, a child of ours too) is gone. */
        if (fallback)
                kill_adopted_orphans();
        session_finish_output(s);
        forwarder_free(s->forwarder);
        json_log_free(s->json);
        progress_free(s->progress);
        safe_close(s->epoll_fd);
        safe_close(s->signal_fd);
        run_options_done(&s->options);
}

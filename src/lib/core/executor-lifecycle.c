/* An executor's life, as one state machine in the shape of systemd's service.c: each
 * executor_enter_*() does the work of a transition (spawn, signal, arm the timer) and calls
 * executor_set_state() last; each event has one handler, a switch on the state. The
 * mechanisms live below (executor-run.c spawns and signals and reports back through
 * struct executor_events); the After=/Requires= scheduler lives above (context.c) and runs
 * after the current batch of events, never from inside a handler here.
 *
 * Start: ExecStartPre=, ExecStart= until ready (the Type= condition and every check),
 * ExecStartPost=. Stop, as systemd.kill(5) says: ExecStop= (if it had started), KillSignal
 * (+SIGCONT) per KillMode=, TimeoutStopSec=, the final kill of everything left, and only
 * once the main process is reaped and nothing of the unit is alive, ExecStopPost=. A failure
 * stops the unit the same way (without ExecStop=) and ends in FAILED. */
#include <signal.h>
#include <sys/wait.h>

#include "condition-value.h"
#include "condition.h"
#include "executor-defaults.h"
#include "internal.h"
#include "macro.h"
#include "proc.h"
#include "shims.h"
#include "signal-name.h"
#include "strv.h"
#include "timespan.h"

extern char **environ;

/* Without cgroup.events the fallback has no "empty" event: it rechecks at this period. */
#define FALLBACK_POLL_USEC (10 * USEC_PER_MSEC)

static const char *const state_names[_EXECUTOR_STATE_MAX] = {
        [EXECUTOR_DEAD] = "dead",
        [EXECUTOR_CONDITION] = "condition",
        [EXECUTOR_START_PRE] = "start-pre",
        [EXECUTOR_START] = "start",
        [EXECUTOR_START_POST] = "start-post",
        [EXECUTOR_RUNNING] = "running",
        [EXECUTOR_EXITED] = "exited",
        [EXECUTOR_STOP] = "stop",
        [EXECUTOR_STOP_SIGTERM] = "stop-sigterm",
        [EXECUTOR_STOP_SIGKILL] = "stop-sigkill",
        [EXECUTOR_STOP_POST] = "stop-post",
        [EXECUTOR_FINAL_SIGKILL] = "final-sigkill",
        [EXECUTOR_FAILED] = "failed",
        [EXECUTOR_AUTO_RESTART] = "auto-restart",
};

/* Says a change of the public state to the embedder, and lets the scheduler look again once
 * this batch of events is handled. */
static void executor_announce(ur_executor *e)
{
        ur_state s = executor_public_state(e);

        context_log(e->ctx, UR_LOG_DEBUG, e->name, "%s", ur_state_to_string(s));
        if (e->ctx->state_fn)
                e->ctx->state_fn(e, s, e->ctx->state_userdata);
        loop_defer(&e->ctx->loop, &e->ctx->schedule);
}

static void executor_set_state(ur_executor *e, enum executor_state state)
{
        ur_state old = executor_public_state(e);

        if (e->state == state)
                return;
        context_log(e->ctx, UR_LOG_DEBUG, e->name, "%s -> %s", state_names[e->state], state_names[state]);
        e->state = state;
        if (executor_public_state(e) != old)
                executor_announce(e);
}

static bool executor_is_starting(const ur_executor *e)
{
        return e->state == EXECUTOR_CONDITION || e->state == EXECUTOR_START_PRE ||
               e->state == EXECUTOR_START || e->state == EXECUTOR_START_POST;
}

/* In one of the states where the unit is being killed and we wait for it to be empty. */
static bool executor_is_killing(const ur_executor *e)
{
        return e->state == EXECUTOR_STOP_SIGTERM || e->state == EXECUTOR_STOP_SIGKILL ||
               e->state == EXECUTOR_FINAL_SIGKILL;
}

static void executor_end_checks(ur_executor *e)
{
        for (struct ready_check *c = e->checks; c; c = c->next)
                c->ops->end(c);
}

static void executor_enter_stop(ur_executor *e);
static void executor_restart_now(ur_executor *e);

static void executor_fail(ur_executor *e, ur_failure failure, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void executor_fail(ur_executor *e, ur_failure failure, const char *fmt, ...)
{
        char message[8192];
        va_list ap;

        if (!executor_is_starting(e) && e->state != EXECUTOR_RUNNING && e->state != EXECUTOR_EXITED)
                return;
        va_start(ap, fmt);
        vsnprintf(message, sizeof(message), fmt, ap);
        va_end(ap);
        /* Whatever it still had to say belongs in the message. */
        output_stream_drain(&e->out[0], &e->ctx->loop);
        output_stream_drain(&e->out[1], &e->ctx->loop);
        if (!line_ring_empty(&e->recent)) {
                size_t l = strlen(message);
                snprintf(message + l, sizeof(message) - l, "\nLast output:");
                line_ring_format(&e->recent, "  ", message, sizeof(message));
        }
        e->failure = failure;
        executor_set_error(e, message);
        context_log(e->ctx, UR_LOG_DEBUG, e->name, "failed: %s", message);
        executor_end_checks(e);
        executor_enter_stop(e);
}

/* ---- Starting ---------------------------------------------------------------------------- */

static bool executor_type_condition_met(const ur_executor *e)
{
        switch (e->type) {
        case UR_TYPE_NOTIFY:
                return e->exec_done && e->notify_ready;
        case UR_TYPE_ONESHOT:
                return e->child.exited &&
                       executor_exit_status_is_success(e, e->child.code, e->child.status) &&
                       e->index + 1 >= e->commands[UR_EXEC_START].n;
        case UR_TYPE_FORKING:
                /* The starter exited cleanly and the PID file (or a guess) named the daemon,
                 * or the unit is tracked by its cgroup. */
                return e->child.exited && (e->main_pid != e->child.pid || e->tracking_cgroup);
        default:
                return e->exec_done;
        }
}

/* Type=forking: the starter exited cleanly, the PID file is still to come. (The inotify watch
 * stays until the run ends: removing one waits for an SRCU grace period, 10-25 ms.) */
static bool executor_waits_for_pid_file(const ur_executor *e)
{
        return e->state == EXECUTOR_START && e->type == UR_TYPE_FORKING &&
               watch_active(&e->pid_file_watch) && e->child.exited && e->main_pid == e->child.pid;
}

/* Arms the run's timer for deadline; in the fallback (no cgroup.events there) a unit tracked
 * by its processes, or waiting for its PID file, is also polled. */
static void executor_arm_timer_tracking(ur_executor *e, uint64_t deadline)
{
        uint64_t poll = now_usec() + FALLBACK_POLL_USEC;

        if (!e->cgroup_path && (e->tracking_cgroup || executor_waits_for_pid_file(e)) && poll < deadline)
                deadline = poll;
        if (deadline == USEC_INFINITY)
                (void) timer_disarm(&e->timer);
        else
                (void) timer_arm(&e->timer, deadline);
}

static void executor_enter_up(ur_executor *e)
{
        /* RemainAfterExit=: a main process that exited cleanly leaves the unit up. */
        bool exited = e->type == UR_TYPE_ONESHOT || (e->main_exited && !e->tracking_cgroup);

        e->ready_usec = now_usec();
        executor_arm_timer_tracking(e, USEC_INFINITY);
        executor_set_state(e, exited ? EXECUTOR_EXITED : EXECUTOR_RUNNING);
}

static const char *command_kind_key(ur_command_kind kind)
{
        static const char *const keys[COMMAND_KINDS] = {
                [UR_EXEC_START_PRE] = "ExecStartPre=",   [UR_EXEC_START] = "ExecStart=",
                [UR_EXEC_START_POST] = "ExecStartPost=", [UR_EXEC_STOP] = "ExecStop=",
                [UR_EXEC_STOP_POST] = "ExecStopPost=",   [UR_EXEC_CONDITION] = "ExecCondition=",
        };
        return keys[kind];
}

/* The kind of control command the starting state runs. */
static ur_command_kind executor_start_control_kind(const ur_executor *e)
{
        return e->state == EXECUTOR_CONDITION   ? UR_EXEC_CONDITION
               : e->state == EXECUTOR_START_PRE ? UR_EXEC_START_PRE
                                                : UR_EXEC_START_POST;
}

/* Spawns what comes next in the start sequence, or declares the unit up. */
static void executor_start_next(ur_executor *e)
{
        ur_command_kind kind;
        int r;

        switch (e->state) {
        case EXECUTOR_CONDITION:
                if (e->index < e->commands[UR_EXEC_CONDITION].n) {
                        kind = UR_EXEC_CONDITION;
                        break;
                }
                e->index = 0;
                executor_set_state(e, EXECUTOR_START_PRE);
                __attribute__((fallthrough));
        case EXECUTOR_START_PRE:
                /* Where this start's ExecStartPre= time begins (ur_executor_get_start_pre_msec()). */
                if (e->index == 0)
                        e->start_pre_usec = e->commands[UR_EXEC_START_PRE].n > 0 ? now_usec() : 0;
                if (e->index < e->commands[UR_EXEC_START_PRE].n) {
                        kind = UR_EXEC_START_PRE;
                        break;
                }
                e->index = 0;
                executor_set_state(e, EXECUTOR_START);
                kind = UR_EXEC_START;
                break;
        case EXECUTOR_START:
                kind = UR_EXEC_START;
                break;
        case EXECUTOR_START_POST:
                if (e->index >= e->commands[UR_EXEC_START_POST].n) {
                        executor_enter_up(e);
                        return;
                }
                kind = UR_EXEC_START_POST;
                break;
        default:
                return;
        }
        r = executor_spawn_command(e, kind, e->index);
        if (r >= 0)
                return;
        /* The spawn helpers leave a specific message where they have one (an unreadable
         * EnvironmentFile=, a malformed command line). */
        if (e->error)
                executor_fail(e, UR_FAILURE_SYSTEM, "%s", e->error);
        else
                executor_fail(e, UR_FAILURE_SYSTEM, "cannot spawn: %s", strerror(-r));
}

static void executor_maybe_ready(ur_executor *e)
{
        if (e->state != EXECUTOR_START || !executor_type_condition_met(e))
                return;
        for (struct ready_check *c = e->checks; c; c = c->next)
                if (!c->met)
                        return;
        executor_end_checks(e);
        e->index = 0;
        executor_set_state(e, EXECUTOR_START_POST);
        executor_start_next(e);
}

static void executor_on_check_met(struct ready_owner *owner)
{
        ur_executor *e = (ur_executor *) ((char *) owner - offsetof(ur_executor, owner));

        executor_listen_check_met(e);
        executor_maybe_ready(e);
}

static int executor_owner_list_pids(struct ready_owner *owner, pid_t **ret_pids, size_t *ret_n)
{
        ur_executor *e = (ur_executor *) ((char *) owner - offsetof(ur_executor, owner));

        /* Until the main command's execve() succeeded, the unit's process is our child
         * between clone and exec, still holding the launcher's fds: a listening socket of
         * the launcher's (a detached run's control socket) is not the daemon listening. */
        if (!e->exec_done) {
                *ret_pids = NULL;
                *ret_n = 0;
                return 0;
        }
        return executor_list_pids(e, ret_pids, ret_n);
}

static void executor_on_line(struct output_stream *s, const char *line, size_t len, bool complete)
{
        ur_executor *e = s->data;

        if (complete) {
                line_ring_push(&e->recent, line, len);
                if (e->ctx->output_fn)
                        e->ctx->output_fn(e, (ur_stream) s->which, line, len, e->ctx->output_userdata);
        }
        if (!executor_is_starting(e))
                return;
        for (struct ready_check *c = e->checks; c; c = c->next)
                if (c->ops->on_line)
                        c->ops->on_line(c, s->which, line, len);
}

static void
executor_on_chunk(struct output_stream *s, const char *data, size_t len, uint64_t offset, bool eof)
{
        ur_executor *e = s->data;

        if (e->ctx->output_chunk_fn)
                e->ctx->output_chunk_fn(
                        e, (ur_stream) s->which, data, len, offset, eof, e->ctx->output_chunk_userdata);
}

/* Type=forking with PIDFile=: the daemon is whoever the PID file names. A file that is not
 * there yet (or still empty) is waited for: apachectl returns before httpd writes it.
 * systemd waits the same way, up to TimeoutStartSec=. */
static void executor_read_pid_file(ur_executor *e)
{
        _cleanup_free_ char *text = NULL;
        char path[4096];
        long pid;
        char *end;
        int r;

        executor_pid_file_path(e, path, sizeof(path));
        /* Watch first, then read: a file written in between is seen either way. */
        r = executor_watch_pid_file(e, path);
        if (r < 0) {
                executor_fail(
                        e, UR_FAILURE_EXITED,
                        "the starting process exited, and the directory of PID file %s cannot be watched: "
                        "%s",
                        path, strerror(-r));
                return;
        }
        r = read_full_file(path, &text);
        if ((r == -ENOENT || (r >= 0 && !*text)) && !executor_unit_empty(e)) {
                /* Not written yet, and the daemon is there to write it: pid_file_changed
                 * comes back here (a poll tick in the fallback). With nothing left in the
                 * unit, systemd gives up at once, and so do we. */
                executor_arm_timer_tracking(e, e->deadline_usec);
                return;
        }
        if (r >= 0 && !*text)
                r = -ENODATA;
        if (r < 0) {
                executor_fail(
                        e, UR_FAILURE_EXITED,
                        "the starting process exited, but PID file %s cannot be read: %s", path,
                        strerror(-r));
                return;
        }
        pid = strtol(text, &end, 10);
        if (pid <= 0 || (*end && *end != '\n')) {
                executor_fail(e, UR_FAILURE_EXITED, "PID file %s does not hold a PID", path);
                return;
        }
        if (!executor_owns_pid(e, (pid_t) pid)) {
                executor_fail(
                        e, UR_FAILURE_EXITED,
                        "PID file %s names PID %ld, which is not a process of this unit", path, pid);
                return;
        }
        if (executor_set_main_pid(e, (pid_t) pid) < 0) {
                executor_fail(e, UR_FAILURE_EXITED, "PID file %s names PID %ld, which is gone", path, pid);
                return;
        }
        e->pid_file_pid = (pid_t) pid;
        executor_maybe_ready(e);
}

static void executor_on_pid_file_changed(ur_executor *e)
{
        if (executor_waits_for_pid_file(e))
                executor_read_pid_file(e);
}

/* Type=forking without PIDFile= (GuessMainPID=, systemd.service(5)): the one process left is
 * the daemon; with more than one (or GuessMainPID=no) the unit is tracked by its cgroup. */
static void executor_guess_main_pid(ur_executor *e)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r = executor_list_pids(e, &pids, &n);

        if (r < 0) {
                executor_fail(
                        e, UR_FAILURE_SYSTEM, "cannot list the processes of the unit: %s", strerror(-r));
                return;
        }
        if (n == 0 && !e->remain_after_exit) {
                executor_fail(
                        e, UR_FAILURE_EXITED, "the starting process exited and left no process running");
                return;
        }
        if (n == 1 && e->guess_main_pid && executor_set_main_pid(e, pids[0]) >= 0)
                context_log(e->ctx, UR_LOG_DEBUG, e->name, "main PID guessed: %d", (int) pids[0]);
        else {
                e->tracking_cgroup = n > 0;
                context_log(e->ctx, UR_LOG_DEBUG, e->name, "no main PID: tracked by its processes (%zu)", n);
                executor_arm_timer_tracking(e, e->deadline_usec);
        }
        executor_maybe_ready(e);
}

/* A unit tracked by its cgroup (no main process) ends when its last process does. */
static void executor_check_tracked_end(ur_executor *e)
{
        if (!e->tracking_cgroup || !executor_unit_empty(e))
                return;
        e->tracking_cgroup = false;
        switch (e->state) {
        case EXECUTOR_RUNNING:
                if (e->remain_after_exit)
                        executor_set_state(e, EXECUTOR_EXITED);
                else
                        executor_fail(e, UR_FAILURE_CRASHED, "its last process exited while running");
                return;
        case EXECUTOR_START:
        case EXECUTOR_START_POST:
                if (!e->remain_after_exit)
                        executor_fail(e, UR_FAILURE_EXITED, "its last process exited before it was ready");
                return;
        default:
                return;
        }
}

static void executor_pending_conditions(const ur_executor *e, char *buf, size_t size)
{
        buf[0] = 0;
        if (e->state == EXECUTOR_START_PRE)
                snprintf(buf, size, "ExecStartPre= to finish");
        else if (e->state == EXECUTOR_START_POST)
                snprintf(buf, size, "ExecStartPost= to finish");
        else if (!executor_type_condition_met(e))
                snprintf(
                        buf, size, "%s",
                        !e->exec_done                ? "execve()"
                        : e->type == UR_TYPE_NOTIFY  ? "READY=1"
                        : e->type == UR_TYPE_FORKING ? "the starting process to exit"
                                                     : "a clean exit");
        ready_list_describe_pending(e->checks, buf, size);
}

/* ---- Stopping ------------------------------------------------------------------------------ */

static void executor_arm_stop_timer(ur_executor *e, bool poll_for_empty)
{
        uint64_t when = e->deadline_usec;

        if (!e->cgroup_path && poll_for_empty) {
                uint64_t poll = now_usec() + FALLBACK_POLL_USEC;
                if (poll < when)
                        when = poll;
        }
        (void) timer_arm(&e->timer, when);
}

/* Spawns ExecStop=/ExecStopPost= [index], moving past ones that cannot be spawned. */
static bool executor_spawn_stop_command(ur_executor *e, ur_command_kind kind)
{
        while (e->index < e->commands[kind].n) {
                int r = executor_spawn_command(e, kind, e->index);
                if (r >= 0) {
                        e->deadline_usec = deadline_after(e->stop_timeout_usec);
                        executor_arm_stop_timer(e, false);
                        return true;
                }
                context_log(
                        e->ctx, UR_LOG_WARNING, e->name, "cannot spawn %s command: %s",
                        command_kind_key(kind), strerror(-r));
                e->index++;
        }
        return false;
}

/* Restart= of systemd.service(5), for a run that ended on its own: which endings restart. */
static bool executor_should_restart(const ur_executor *e)
{
        bool clean, by_signal;

        if (e->restart == UR_RESTART_NO)
                return false;
        switch (e->failure) {
        case UR_FAILURE_EXEC:
        case UR_FAILURE_EXITED:
        case UR_FAILURE_TIMEOUT:
        case UR_FAILURE_CRASHED:
                break;
        default:
                return false; /* stopped by us, refused, a system error: not the daemon's doing */
        }
        if (e->main_code == CLD_EXITED &&
            (e->restart_prevent_status[e->main_status / 8] & (1u << (e->main_status % 8))))
                return false;
        by_signal = e->main_code == CLD_KILLED || e->main_code == CLD_DUMPED;
        if (by_signal && e->main_status < 64 &&
            (e->restart_prevent_signals & (UINT64_C(1) << e->main_status)))
                return false;
        clean = e->failure != UR_FAILURE_EXEC && e->failure != UR_FAILURE_TIMEOUT &&
                executor_exit_is_clean(e, e->main_code, e->main_status);
        by_signal = by_signal && !clean;
        switch (e->restart) {
        case UR_RESTART_ALWAYS:
                return true;
        case UR_RESTART_ON_SUCCESS:
                return clean;
        case UR_RESTART_ON_FAILURE:
                return !clean;
        case UR_RESTART_ON_ABNORMAL:
                return by_signal || e->failure == UR_FAILURE_TIMEOUT;
        case UR_RESTART_ON_ABORT:
                return by_signal;
        default:
                return false; /* on-watchdog: there is no watchdog here */
        }
}

/* StartLimitBurst= starts within StartLimitIntervalSec=: the next one would be one too many. */
static bool executor_start_limit_hit(const ur_executor *e)
{
        uint64_t oldest;

        if (!e->start_limit_burst || e->n_starts < e->start_limit_burst)
                return false;
        oldest = e->start_times[e->n_starts % e->start_limit_burst];
        return now_usec() - oldest < e->start_limit_interval_usec;
}

static void executor_enter_auto_restart(ur_executor *e)
{
        char span[64];
        int r;

        if (executor_start_limit_hit(e)) {
                char message[8192];

                snprintf(
                        message, sizeof(message),
                        "%s\nnot restarted: %u starts within %s (StartLimitBurst=)",
                        e->error ? e->error : "ended", e->start_limit_burst,
                        timespan_format(span, sizeof(span), e->start_limit_interval_usec));
                e->failure = UR_FAILURE_START_LIMIT;
                executor_set_error(e, message);
                executor_set_state(e, EXECUTOR_FAILED);
                return;
        }
        e->deadline_usec = deadline_after(e->restart_usec);
        r = executor_arm_timer(e, e->deadline_usec);
        if (r < 0) {
                context_log(
                        e->ctx, UR_LOG_WARNING, e->name, "cannot schedule the restart: %s", strerror(-r));
                executor_set_state(e, EXECUTOR_FAILED);
                return;
        }
        context_log(
                e->ctx, UR_LOG_INFO, e->name, "restarting in %s (Restart=)",
                timespan_format(span, sizeof(span), e->restart_usec));
        executor_set_state(e, EXECUTOR_AUTO_RESTART);
}

static void executor_enter_dead(ur_executor *e)
{
        char message[512], how[128], span[64];

        if (e->failure == UR_FAILURE_NONE) {
                message[0] = 0;
                if (e->stop_unclean)
                        snprintf(
                                message, sizeof(message),
                                "processes were still running after %s and were killed",
                                timespan_format(span, sizeof(span), e->stop_timeout_usec));
                else if (!executor_exit_is_clean(e, e->main_code, e->main_status)) {
                        executor_format_exit(e->main_code, e->main_status, how, sizeof(how));
                        snprintf(message, sizeof(message), "main process %s when stopped", how);
                }
                if (message[0]) {
                        e->failure = UR_FAILURE_STOP;
                        executor_set_error(e, message);
                }
        }
        if (e->cgroup_path && cgroup_read_cpu_usec(e->cgroup_path, &e->cpu_usec) >= 0)
                e->cpu_known = true;
        if (e->cgroup_path && cgroup_read_memory_peak(e->cgroup_path, &e->memory_peak) >= 0)
                e->memory_peak_known = true;
        /* The end of the run: an unfinished last line is delivered too (we hold a write end
         * ourselves, so EOF would never say so). */
        output_stream_finish(&e->out[0], &e->ctx->loop);
        output_stream_finish(&e->out[1], &e->ctx->loop);
        executor_release_run(e);
        e->index = 0;
        if (executor_should_restart(e)) {
                executor_enter_auto_restart(e);
                return;
        }
        executor_set_state(e, e->failure == UR_FAILURE_NONE ? EXECUTOR_DEAD : EXECUTOR_FAILED);
}

static bool spawned_done(const struct spawned *s)
{
        return s->pid == 0 || s->exited;
}

/* In a killing state: once the main process is reaped and the unit is empty, ExecStopPost=
 * (unless the kill was the final one), then dead. */
static void executor_check_stopped(ur_executor *e)
{
        bool empty;

        if (!executor_is_killing(e))
                return;
        empty = executor_unit_empty(e);
        if ((e->kill_mode == UR_KILL_PROCESS || e->kill_mode == UR_KILL_MIXED) &&
            (e->main_pid == 0 || e->main_exited) && !empty && e->state == EXECUTOR_STOP_SIGTERM) {
                /* The main process is gone; what it left may not survive the run. */
                executor_kill_rest(e, SIGKILL);
                empty = executor_unit_empty(e);
        }
        if ((e->main_pid > 0 && !e->main_exited) || !spawned_done(&e->child) || !spawned_done(&e->control) ||
            !empty)
                return;
        if (e->state != EXECUTOR_FINAL_SIGKILL && e->commands[UR_EXEC_STOP_POST].n > 0) {
                e->index = 0;
                if (executor_spawn_stop_command(e, UR_EXEC_STOP_POST)) {
                        executor_set_state(e, EXECUTOR_STOP_POST);
                        return;
                }
        }
        executor_enter_dead(e);
}

static void executor_enter_stop_sigterm(ur_executor *e)
{
        e->deadline_usec = deadline_after(e->stop_timeout_usec);
        executor_arm_stop_timer(e, true);
        if (e->kill_mode != UR_KILL_CONTROL_GROUP && executor_main_pidfd(e) >= 0) {
                executor_signal_main(e, e->kill_signal);
                executor_signal_main(e, SIGCONT);
        } else {
                /* SIGCONT follows so that a stopped process can act on the first signal. */
                (void) executor_signal_all_cont(e, e->kill_signal);
        }
        executor_set_state(e, EXECUTOR_STOP_SIGTERM);
        executor_check_stopped(e);
}

/* STOP_SIGKILL (then ExecStopPost=) or FINAL_SIGKILL (nothing more runs). send is false for
 * SendSIGKILL=no: one more grace period, after which nothing may survive anyway. */
static void executor_enter_sigkill(ur_executor *e, enum executor_state state, bool send)
{
        char sigbuf[16];

        if (send) {
                context_log(
                        e->ctx, UR_LOG_DEBUG, e->name, "sending %s to what is left",
                        signal_to_string(e->final_kill_signal, sigbuf));
                executor_kill_rest(e, e->final_kill_signal);
        }
        e->deadline_usec = deadline_after(e->stop_timeout_usec);
        executor_arm_stop_timer(e, true);
        executor_set_state(e, state);
        executor_check_stopped(e);
}

/* ExecStop= is for a unit that started and is stopped on purpose; a failure goes straight
 * to the kill. */
static void executor_enter_stop(ur_executor *e)
{
        bool started = e->state == EXECUTOR_RUNNING || e->state == EXECUTOR_EXITED;

        if (started && e->failure == UR_FAILURE_NONE && e->commands[UR_EXEC_STOP].n > 0) {
                e->index = 0;
                if (executor_spawn_stop_command(e, UR_EXEC_STOP)) {
                        executor_set_state(e, EXECUTOR_STOP);
                        return;
                }
        }
        executor_enter_stop_sigterm(e);
}

/* ---- Events ---------------------------------------------------------------------------- */

static void executor_on_exec_result(ur_executor *e, const struct spawn_error *err)
{
        char what[64], cmd[4096];
        ur_command_kind kind;

        if (!err) {
                if (!e->exec_for_control) {
                        e->exec_done = true;
                        executor_maybe_ready(e);
                }
                return;
        }
        e->exec_errno = err->error;
        if (!executor_is_starting(e)) {
                /* ExecStop=/ExecStopPost= could not run: say so, the stop goes on. */
                if (executor_is_stopping(e))
                        context_log(
                                e->ctx, UR_LOG_WARNING, e->name, "stop command failed while %s: %s",
                                spawn_step_to_string(err->step), strerror(err->error));
                return;
        }
        kind = !e->exec_for_control             ? UR_EXEC_START
               : e->state == EXECUTOR_START_PRE ? UR_EXEC_START_PRE
                                                : UR_EXEC_START_POST;
        executor_describe_command(&e->commands[kind].items[e->index], cmd, sizeof(cmd));
        snprintf(
                what, sizeof(what), "%s%s", e->exec_for_control ? command_kind_key(kind) : "",
                e->exec_for_control ? " " : "");
        if (err->step == SPAWN_STEP_EXEC)
                executor_fail(
                        e, UR_FAILURE_EXEC, "cannot execute %s%s: %s", what, cmd, strerror(err->error));
        else if (err->step == SPAWN_STEP_CHDIR)
                executor_fail(
                        e, UR_FAILURE_EXEC, "cannot change to working directory %s: %s", e->cwd,
                        strerror(err->error));
        else
                executor_fail(
                        e, UR_FAILURE_EXEC, "failed while %s: %s", spawn_step_to_string(err->step),
                        strerror(err->error));
}

static void executor_on_main_exit(ur_executor *e)
{
        char how[128];

        if (executor_is_stopping(e)) {
                executor_check_stopped(e);
                return;
        }
        executor_format_exit(e->main_code, e->main_status, how, sizeof(how));
        if (e->type != UR_TYPE_ONESHOT && executor_exit_is_clean(e, e->main_code, e->main_status) &&
            (e->exit_type == UR_EXIT_CGROUP || e->remain_after_exit)) {
                /* ExitType=cgroup: a launcher that daemonized; the unit lives on in what it
                 * left. RemainAfterExit=: a clean exit leaves the unit up anyway. */
                e->tracking_cgroup = e->exit_type == UR_EXIT_CGROUP;
                if (e->state == EXECUTOR_START)
                        executor_maybe_ready(e);
                else if (e->state == EXECUTOR_RUNNING && !e->tracking_cgroup)
                        executor_set_state(e, EXECUTOR_EXITED);
                if (e->tracking_cgroup) {
                        executor_arm_timer_tracking(
                                e, executor_is_starting(e) ? e->deadline_usec : USEC_INFINITY);
                        executor_check_tracked_end(e);
                }
                return;
        }
        switch (e->state) {
        case EXECUTOR_START:
                /* Several ExecStart= of a oneshot run one after the other. */
                if (e->type == UR_TYPE_ONESHOT &&
                    executor_exit_status_is_success(e, e->main_code, e->main_status) &&
                    e->index + 1 < e->commands[UR_EXEC_START].n) {
                        e->index++;
                        executor_start_next(e);
                        return;
                }
                executor_maybe_ready(e);
                if (e->state == EXECUTOR_START)
                        executor_fail(e, UR_FAILURE_EXITED, "%s before it was ready", how);
                return;
        case EXECUTOR_START_POST:
                if (e->type != UR_TYPE_ONESHOT)
                        executor_fail(
                                e, UR_FAILURE_EXITED, "main process %s before ExecStartPost= finished", how);
                return;
        case EXECUTOR_RUNNING:
                executor_fail(e, UR_FAILURE_CRASHED, "main process %s while running", how);
                return;
        default:
                return; /* a finished oneshot: what it left behind waits for the stop */
        }
}

static void executor_on_child_exit(ur_executor *e)
{
        char how[128];

        if (e->main_pid != e->child.pid) {
                /* Not the main process (any more): MAINPID= moved it away. */
                executor_check_stopped(e);
                return;
        }
        /* Until a PID file names another, the process we spawned is the main one. */
        e->main_exited = true;
        e->main_code = e->child.code;
        e->main_status = e->child.status;
        if (e->type == UR_TYPE_FORKING && e->state == EXECUTOR_START) {
                if (!executor_exit_status_is_success(e, e->child.code, e->child.status)) {
                        executor_format_exit(e->child.code, e->child.status, how, sizeof(how));
                        executor_fail(e, UR_FAILURE_EXITED, "%s before it was ready", how);
                        return;
                }
                /* Fallback: the daemon left the starter's session with setsid(). */
                if (executor_adopt_orphans(e) < 0)
                        context_log(e->ctx, UR_LOG_WARNING, e->name, "cannot look for the daemon's session");
                if (e->pid_file)
                        executor_read_pid_file(e);
                else
                        executor_guess_main_pid(e);
                return;
        }
        executor_on_main_exit(e);
}

static void executor_on_control_exit(ur_executor *e)
{
        const struct command *c;
        char how[128], cmd[4096];
        ur_command_kind kind;

        switch (e->state) {
        case EXECUTOR_CONDITION:
                c = &e->commands[UR_EXEC_CONDITION].items[e->index];
                executor_format_exit(e->control.code, e->control.status, how, sizeof(how));
                executor_describe_command(c, cmd, sizeof(cmd));
                if (e->control.code == CLD_EXITED && e->control.status > 0 && e->control.status < 255) {
                        /* systemd.service(5): 1..254 skips the unit, quietly, as a Condition*= does. */
                        free(e->skip_reason);
                        if (asprintf(&e->skip_reason, "ExecCondition=%s %s", cmd, how) < 0)
                                e->skip_reason = NULL;
                        executor_end_checks(e);
                        executor_enter_stop_sigterm(e);
                        return;
                }
                if (!(e->control.code == CLD_EXITED && e->control.status == 0)) {
                        executor_fail(e, UR_FAILURE_EXITED, "ExecCondition=%s %s", cmd, how);
                        return;
                }
                e->index++;
                executor_start_next(e);
                return;
        case EXECUTOR_START_PRE:
        case EXECUTOR_START_POST:
                kind = executor_start_control_kind(e);
                c = &e->commands[kind].items[e->index];
                if (!executor_exit_status_is_success(e, e->control.code, e->control.status) &&
                    !(c->flags & UR_COMMAND_IGNORE_FAILURE)) {
                        executor_format_exit(e->control.code, e->control.status, how, sizeof(how));
                        /* As the unit file says it: "ExecStartPre=/bin/foo --x exited with status 3". */
                        executor_fail(
                                e, UR_FAILURE_EXITED, "%s%s %s", command_kind_key(kind),
                                executor_describe_command(c, cmd, sizeof(cmd)), how);
                        return;
                }
                /* systemd.service(5): what an ExecStartPre= left running is killed before the
                 * next command; nothing of the unit runs yet, so that is everything in it. */
                if (kind == UR_EXEC_START_PRE &&
                    !(e->cgroup_path && cgroup_read_populated(e->cgroup_watch.fd) == 0))
                        /* Signals, not cgroup.kill: on this kernel (6.18) a cgroup that was
                         * cgroup.kill'ed also kills what is later born in it by CLONE_INTO_CGROUP. */
                        (void) executor_signal_all(e, SIGKILL);
                e->index++;
                executor_start_next(e);
                return;
        case EXECUTOR_STOP:
                e->index++;
                if (!executor_spawn_stop_command(e, UR_EXEC_STOP))
                        executor_enter_stop_sigterm(e);
                return;
        case EXECUTOR_STOP_POST:
                e->index++;
                if (executor_spawn_stop_command(e, UR_EXEC_STOP_POST))
                        return;
                /* ExecStopPost= done: whatever it left is killed, quietly, and then we are done. */
                if (!executor_unit_empty(e))
                        executor_kill_rest(e, SIGKILL);
                executor_arm_stop_timer(e, true);
                executor_set_state(e, EXECUTOR_FINAL_SIGKILL);
                executor_check_stopped(e);
                return;
        default:
                executor_check_stopped(e);
                return;
        }
}

static void executor_on_process_exit(ur_executor *e, struct spawned *s)
{
        if (s == &e->child)
                executor_on_child_exit(e);
        else
                executor_on_control_exit(e);
}

static void executor_on_cgroup_changed(ur_executor *e)
{
        if (e->populated)
                return;
        executor_check_stopped(e);
        executor_check_tracked_end(e);
        /* Waiting for a PID file that nobody is left to write. */
        executor_on_pid_file_changed(e);
}

static void executor_on_timer(ur_executor *e)
{
        char pending[2048], span[64], received[160] = "";

        switch (e->state) {
        case EXECUTOR_AUTO_RESTART:
                if (now_usec() < e->deadline_usec)
                        (void) timer_arm(&e->timer, e->deadline_usec);
                else
                        executor_restart_now(e);
                return;
        case EXECUTOR_RUNNING:
        case EXECUTOR_EXITED:
                /* A poll tick of a unit tracked by its processes (fallback). */
                executor_check_tracked_end(e);
                if (e->state == EXECUTOR_RUNNING)
                        executor_arm_timer_tracking(e, USEC_INFINITY);
                return;
        case EXECUTOR_CONDITION:
        case EXECUTOR_START_PRE:
        case EXECUTOR_START:
        case EXECUTOR_START_POST:
                if (now_usec() < e->deadline_usec) {
                        executor_check_tracked_end(e);
                        executor_on_pid_file_changed(e);
                        if (executor_is_starting(e))
                                executor_arm_timer_tracking(e, e->deadline_usec);
                        return;
                }
                (void) timer_disarm(&e->timer);
                executor_pending_conditions(e, pending, sizeof(pending));
                /* Whether the unit spoke at all tells a daemon that never sends READY=1 from
                 * one whose messages cannot reach us (or are not its own). */
                if (e->type == UR_TYPE_NOTIFY && !e->notify_ready)
                        snprintf(
                                received, sizeof(received),
                                " (%u sd_notify message%s received from the unit, %u ignored)",
                                e->notify_received, e->notify_received == 1 ? "" : "s", e->notify_ignored);
                executor_fail(
                        e, UR_FAILURE_TIMEOUT, "not ready after %s; still waiting for: %s%s",
                        timespan_format(span, sizeof(span), e->start_timeout_usec), pending, received);
                return;
        default:
                break;
        }
        if (!executor_is_stopping(e)) {
                (void) timer_disarm(&e->timer);
                return;
        }
        if (now_usec() < e->deadline_usec) {
                executor_check_stopped(e); /* fallback poll tick */
                if (executor_is_stopping(e))
                        executor_arm_stop_timer(e, executor_is_killing(e));
                return;
        }
        switch (e->state) {
        case EXECUTOR_STOP:
        case EXECUTOR_STOP_POST:
                /* A stop command that hangs is killed; its exit moves the stop on. */
                context_log(
                        e->ctx, UR_LOG_WARNING, e->name, "%s command still running after %s: killing it",
                        e->state == EXECUTOR_STOP ? "ExecStop=" : "ExecStopPost=",
                        timespan_format(span, sizeof(span), e->stop_timeout_usec));
                e->stop_unclean = true;
                if (watch_active(&e->control.watch))
                        (void) shim_pidfd_send_signal(e->control.watch.fd, SIGKILL);
                e->deadline_usec = deadline_after(e->stop_timeout_usec);
                executor_arm_stop_timer(e, false);
                return;
        case EXECUTOR_STOP_SIGTERM:
                /* Something outlived TimeoutStopSec: that is a stop error, whatever happens next. */
                e->stop_unclean = true;
                context_log(
                        e->ctx, UR_LOG_WARNING, e->name, "still running after %s",
                        timespan_format(span, sizeof(span), e->stop_timeout_usec));
                executor_enter_sigkill(e, EXECUTOR_STOP_SIGKILL, e->send_sigkill);
                return;
        default:
                /* Even SIGKILL takes a while for a process in uninterruptible sleep: insist. */
                context_log(
                        e->ctx, UR_LOG_WARNING, e->name, "processes survive the final kill; killing again");
                executor_kill_rest(e, SIGKILL);
                e->deadline_usec = deadline_after(e->stop_timeout_usec);
                executor_arm_stop_timer(e, true);
                return;
        }
}

static void executor_apply_notify(ur_executor *e, const struct notify_message *m)
{
        if (m->status) {
                free(e->status_text);
                e->status_text = strdup(m->status);
                context_log(e->ctx, UR_LOG_INFO, e->name, "status: %s", m->status);
        }
        if (m->errno_value > 0)
                context_log(e->ctx, UR_LOG_INFO, e->name, "reports error: %s", strerror(m->errno_value));
        if (m->main_pid > 0 && m->main_pid != e->main_pid) {
                /* A MAINPID outside the unit would let it point us at any process. */
                if (!executor_owns_pid(e, m->main_pid))
                        context_log(
                                e->ctx, UR_LOG_WARNING, e->name,
                                "ignoring MAINPID=%d: not a process of this unit", (int) m->main_pid);
                else if (executor_set_main_pid(e, m->main_pid) < 0)
                        context_log(
                                e->ctx, UR_LOG_WARNING, e->name, "ignoring MAINPID=%d: process is gone",
                                (int) m->main_pid);
        }
        if (m->has_extend_timeout && (executor_is_starting(e) || executor_is_stopping(e))) {
                uint64_t extended = deadline_after(m->extend_timeout_usec);
                if (extended > e->deadline_usec) {
                        e->deadline_usec = e->owner.deadline_usec = extended;
                        (void) timer_arm(&e->timer, extended);
                }
        }
        if (m->ready) {
                if (!e->notify_ready)
                        context_log(e->ctx, UR_LOG_INFO, e->name, "condition holds: READY=1");
                e->notify_ready = true;
                executor_maybe_ready(e);
        }
}

static void executor_on_notify(ur_executor *e, const struct notify_message *m, pid_t sender)
{
        /* A sender that has exited already cannot be placed: systemd has the same limit, and
         * BARRIER=1 (which keeps the sender waiting) is the cure. */
        if (e->notify_access == UR_NOTIFY_MAIN ? sender != e->main_pid : !executor_owns_pid(e, sender)) {
                e->notify_ignored++;
                context_log(
                        e->ctx, UR_LOG_DEBUG, e->name,
                        "notify message from PID %d ignored: not a process of this unit", (int) sender);
        } else {
                e->notify_received++;
                executor_apply_notify(e, m);
        }
}

static const struct executor_events lifecycle_events = {
        .exec_result = executor_on_exec_result,
        .process_exited = executor_on_process_exit,
        .main_exited = executor_on_main_exit,
        .cgroup_changed = executor_on_cgroup_changed,
        .timer = executor_on_timer,
        .notify = executor_on_notify,
        .pid_file_changed = executor_on_pid_file_changed,
};

/* ---- Creation ---------------------------------------------------------------------------- */

/* The common part of the constructors; the caller adds the main command, then links it
 * into the context (executor_link), so that a failure on the way frees a private object. */
static int executor_alloc(ur_context *ctx, const char *name, ur_executor **ret)
{
        ur_executor *e;

        if (!ctx || !name || !ret)
                return -EINVAL;
        /* The name becomes a cgroup directory and part of socket paths. */
        if (!*name || strlen(name) > 200 || strchr(name, '/') || name[0] == '.')
                return -EINVAL;
        for (ur_executor *o = ctx->executors; o; o = o->next)
                if (strcmp(o->name, name) == 0)
                        return -EEXIST;

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->ctx = ctx;
        e->events = &lifecycle_events;
        e->name = strdup(name);
        e->env = strv_copy(environ);
        if (!e->name || !e->env) {
                strv_free(e->env);
                free(e->name);
                free(e);
                return -ENOMEM;
        }
        e->type = EXECUTOR_DEFAULT_TYPE;
        e->start_timeout_usec = EXECUTOR_DEFAULT_START_TIMEOUT_USEC;
        e->stop_timeout_usec = EXECUTOR_DEFAULT_STOP_TIMEOUT_USEC;
        e->kill_signal = EXECUTOR_DEFAULT_KILL_SIGNAL;
        e->final_kill_signal = EXECUTOR_DEFAULT_FINAL_KILL_SIGNAL;
        e->send_sigkill = EXECUTOR_DEFAULT_SEND_SIGKILL;
        e->kill_mode = EXECUTOR_DEFAULT_KILL_MODE;
        e->notify_access = EXECUTOR_DEFAULT_NOTIFY_ACCESS;
        e->child.watch.fd = e->control.watch.fd = e->main_watch.fd = e->exec_watch.fd = -1;
        e->listen_setup_watch.fd = e->listen_notify_watch.fd = e->listen_answerer_watch.fd = -1;
        e->listen_answerer.pidfd = -1;
        e->listen_bpf_watch.fd = -1;
        e->notify_watch.fd = e->timer.fd = e->cgroup_watch.fd = -1;
        e->procs_fd = -1;
        e->stdio_child[0] = e->stdio_child[1] = e->stdio_child[2] = -1;
        e->refuse_if_ready = EXECUTOR_DEFAULT_REFUSE_IF_READY;
        e->guess_main_pid = EXECUTOR_DEFAULT_GUESS_MAIN_PID;
        e->restart_usec = EXECUTOR_DEFAULT_RESTART_USEC;
        e->start_limit_interval_usec = EXECUTOR_DEFAULT_START_LIMIT_INTERVAL_USEC;
        e->start_limit_burst = EXECUTOR_DEFAULT_START_LIMIT_BURST;
        e->start_times = calloc(EXECUTOR_DEFAULT_START_LIMIT_BURST, sizeof(*e->start_times));
        e->pid_file_watch.fd = -1;
        process_config_init(&e->proc);
        if (!e->start_times) {
                strv_free(e->env);
                free(e->name);
                free(e);
                return -ENOMEM;
        }
        e->owner = (struct ready_owner){
                .loop = &ctx->loop,
                .log = &ctx->log,
                .http = &ctx->http,
                .ns = &ctx->ns,
                .name = e->name,
                .on_met = executor_on_check_met,
                .list_pids = executor_owner_list_pids,
                .open_socket = executor_owner_socket,
        };
        output_stream_init(&e->out[0], UR_STDOUT, executor_on_line, e);
        output_stream_init(&e->out[1], UR_STDERR, executor_on_line, e);
        e->out[0].on_chunk = e->out[1].on_chunk = executor_on_chunk;
        *ret = e;
        return 0;
}

static void executor_link(ur_executor *e)
{
        e->id = ++e->ctx->next_id;
        e->next = e->ctx->executors;
        e->ctx->executors = e;
}

int ur_executor_new(ur_context *ctx, const char *name, char *const argv[], ur_executor **ret)
{
        ur_executor *e = NULL;
        int r;

        if (!argv || !argv[0])
                return -EINVAL;
        r = executor_alloc(ctx, name, &e);
        if (r < 0)
                return r;
        r = executor_commands_append(&e->commands[UR_EXEC_START], argv, NULL, 0);
        if (r < 0) {
                executor_done(e);
                return r;
        }
        executor_link(e);
        *ret = e;
        return 0;
}

int ur_executor_new_shell(ur_context *ctx, const char *name, const char *cmdline, ur_executor **ret)
{
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) cmdline, NULL };

        if (!cmdline)
                return -EINVAL;
        return ur_executor_new(ctx, name, argv, ret);
}

int ur_executor_new_cmdline(
        ur_context *ctx, const char *name, const char *cmdline, unsigned flags, ur_executor **ret)
{
        ur_executor *e = NULL;
        int r;

        if (executor_command_line_check(cmdline) < 0)
                return -EINVAL;
        r = executor_alloc(ctx, name, &e);
        if (r < 0)
                return r;
        r = executor_commands_append(&e->commands[UR_EXEC_START], NULL, cmdline, flags);
        if (r < 0) {
                executor_done(e);
                return r;
        }
        executor_link(e);
        *ret = e;
        return 0;
}

/* ---- Public entry points ------------------------------------------------------------ */

static void executor_reset_run(ur_executor *e)
{
        e->failure = UR_FAILURE_NONE;
        e->error = mfree(e->error);
        e->skip_reason = mfree(e->skip_reason);
        e->status_text = mfree(e->status_text);
        e->index = 0;
        e->tracking_cgroup = false;
        e->child = (struct spawned){ .watch.fd = -1 };
        e->control = (struct spawned){ .watch.fd = -1 };
        e->main_pid = 0;
        e->main_exited = e->exec_done = e->notify_ready = false;
        e->notify_received = e->notify_ignored = 0;
        e->main_code = e->main_status = e->exec_errno = 0;
        e->stop_unclean = e->leaf_killed = false;
        e->cpu_known = e->memory_peak_known = false;
        e->cpu_usec = e->ready_usec = 0;
        output_stream_reset(&e->out[0]);
        output_stream_reset(&e->out[1]);
        line_ring_clear(&e->recent);
        for (struct ready_check *c = e->checks; c; c = c->next)
                c->met = false;
}

/* Condition*= and Assert*= as systemd.unit(5) combines them: every plain one must hold, and
 * of the triggering ("|") ones at least one, if there are any. 0 when all hold; else the
 * first that did not, in *ret_failed (NULL: none of the triggering ones held). */
static int executor_test_conditions(const ur_executor *e, bool asserts, const struct condition **ret_failed)
{
        bool any_trigger = false, trigger_held = false;

        *ret_failed = NULL;
        for (size_t i = 0; i < e->n_conditions; i++) {
                const struct condition *c = &e->conditions[i];
                bool holds;
                int r;

                if (!!(c->flags & UR_CONDITION_ASSERT) != asserts)
                        continue;
                r = condition_test(c->kind, c->value);
                if (r < 0)
                        context_log(
                                e->ctx, UR_LOG_WARNING, e->name, "%s%s=%s cannot be checked here: %s",
                                asserts ? "Assert" : "Condition", condition_kind_name(c->kind), c->value,
                                strerror(-r));
                holds = r > 0;
                if (c->flags & UR_CONDITION_NEGATE)
                        holds = r >= 0 && !holds;
                if (c->flags & UR_CONDITION_TRIGGER) {
                        any_trigger = true;
                        trigger_held = trigger_held || holds;
                } else if (!holds) {
                        *ret_failed = c;
                        return -1;
                }
        }
        return any_trigger && !trigger_held ? -1 : 0;
}

static void executor_describe_condition(
        const ur_executor *e, const struct condition *c, bool asserts, char *buf, size_t size)
{
        if (!c)
                snprintf(
                        buf, size, "none of the triggering %s was met",
                        asserts ? "assertions" : "conditions");
        else
                snprintf(
                        buf, size, "%s%s=%s%s%s was not met", asserts ? "Assert" : "Condition",
                        condition_kind_name(c->kind), c->flags & UR_CONDITION_TRIGGER ? "|" : "",
                        c->flags & UR_CONDITION_NEGATE ? "!" : "", c->value);
}

/* One run, from a user's start or a restart: conditions, the run's resources, then the
 * start sequence. UR_OK once it runs; a positive ur_outcome when a condition skipped it or
 * it failed before anything ran; -errno when a step of ours failed (UR_FAILURE_SYSTEM). */
static int executor_begin_run(ur_executor *e)
{
        const struct condition *failed;
        char message[1024];
        int r;

        executor_reset_run(e);
        if (e->start_limit_burst)
                e->start_times[e->n_starts % e->start_limit_burst] = now_usec();
        e->n_starts++;
        if (executor_test_conditions(e, false, &failed) < 0) {
                executor_describe_condition(e, failed, false, message, sizeof(message));
                e->skip_reason = strdup(message);
                context_log(e->ctx, UR_LOG_INFO, e->name, "skipped: %s", message);
                /* Said as a state change (to the same inactive state): the scheduler and the
                 * embedder must hear of it. */
                e->state = EXECUTOR_DEAD;
                executor_announce(e);
                return UR_SKIPPED;
        }
        if (executor_test_conditions(e, true, &failed) < 0) {
                executor_describe_condition(e, failed, true, message, sizeof(message));
                e->failure = UR_FAILURE_ASSERT;
                executor_set_error(e, message);
                r = 0; /* an outcome, no errno */
                goto fail;
        }
        if (e->refuse_if_ready)
                for (struct ready_check *c = e->checks; c; c = c->next) {
                        char in_use[1024] = "";

                        if (!c->ops->probe || c->ops->probe(c, in_use, sizeof(in_use)) <= 0)
                                continue;
                        /* Someone else answers there: we would be testing the wrong daemon. */
                        e->failure = UR_FAILURE_IN_USE;
                        executor_set_error(e, in_use);
                        r = 0;
                        goto fail;
                }
        e->deadline_usec = e->owner.deadline_usec = deadline_after(e->start_timeout_usec);
        r = executor_run_setup(e);
        if (r < 0)
                goto fail;
        for (struct ready_check *c = e->checks; c; c = c->next) {
                r = c->ops->begin(c);
                if (r < 0)
                        goto fail;
        }
        (void) timer_arm(&e->timer, e->deadline_usec);
        /* The run is set up: that is the work of entering the first state. From here on,
         * failures are reported through the run (and stop it). */
        e->index = 0;
        executor_set_state(
                e, e->commands[UR_EXEC_CONDITION].n > 0 ? EXECUTOR_CONDITION : EXECUTOR_START_PRE);
        executor_start_next(e);
        return 0;

fail:
        executor_end_checks(e);
        executor_release_run(e);
        if (e->failure == UR_FAILURE_NONE)
                e->failure = UR_FAILURE_SYSTEM;
        if (!e->error) {
                snprintf(message, sizeof(message), "cannot start: %s", strerror(-r));
                executor_set_error(e, message);
        }
        executor_fail_unstarted(e, e->failure, e->error);
        /* A failure of ours is an errno; one of the unit (an Assert*=, its address taken, a
         * setup step that names the unit's fault) is its outcome. */
        return e->failure == UR_FAILURE_SYSTEM && r < 0 ? r : (int) executor_start_outcome(e);
}

static void executor_restart_now(ur_executor *e)
{
        e->restarts++;
        context_log(e->ctx, UR_LOG_INFO, e->name, "restart %u", e->restarts);
        (void) executor_begin_run(e);
}

int ur_executor_start_begin(ur_executor *e)
{
        if (!e)
                return -EINVAL;
        if (e->state != EXECUTOR_DEAD && e->state != EXECUTOR_FAILED)
                return -EBUSY;
        return executor_begin_run(e);
}

void executor_fail_unstarted(ur_executor *e, ur_failure failure, const char *message)
{
        e->failure = failure;
        executor_set_error(e, message);
        /* Said even when it was FAILED before: this is a new failure. */
        e->state = EXECUTOR_FAILED;
        executor_announce(e);
}

static bool executor_start_settled(const ur_executor *e)
{
        /* A failure is settled once its stop is done and no restart is coming. */
        return !executor_is_starting(e) && e->state != EXECUTOR_AUTO_RESTART &&
               !(executor_is_stopping(e) && (e->failure != UR_FAILURE_NONE || e->skip_reason));
}

static bool executor_stop_settled(const ur_executor *e)
{
        return !executor_is_stopping(e);
}

static int executor_dispatch_until(ur_executor *e, bool (*done)(const ur_executor *e))
{
        while (!done(e)) {
                int r = loop_dispatch(&e->ctx->loop, -1);
                if (r < 0)
                        return r;
        }
        return 0;
}

int ur_executor_start(ur_executor *e)
{
        int r = ur_executor_start_begin(e);
        if (r != 0)
                return r;
        r = executor_dispatch_until(e, executor_start_settled);
        if (r < 0)
                return r;
        if (e->state == EXECUTOR_RUNNING || e->state == EXECUTOR_EXITED)
                return UR_OK;
        if (e->state == EXECUTOR_DEAD && e->skip_reason)
                return UR_SKIPPED;
        return executor_start_outcome(e);
}

int ur_executor_stop_begin(ur_executor *e)
{
        if (!e)
                return -EINVAL;
        if (e->state == EXECUTOR_AUTO_RESTART) {
                /* As systemd: no restart after all, and the run's failure stands. */
                watch_remove(&e->ctx->loop, &e->timer);
                executor_set_state(e, EXECUTOR_FAILED);
                return 0;
        }
        if (!executor_is_starting(e) && e->state != EXECUTOR_RUNNING && e->state != EXECUTOR_EXITED)
                return 0; /* stopping already, or nothing to stop */
        if (!watch_active(&e->timer))
                return -EBADF;
        e->failure = UR_FAILURE_NONE;
        executor_enter_stop(e);
        return 0;
}

int ur_executor_stop_now(ur_executor *e)
{
        if (!e)
                return -EINVAL;
        if (!executor_is_stopping(e)) {
                int r = ur_executor_stop_begin(e);
                if (r < 0 || !executor_is_stopping(e))
                        return r;
        }
        /* Impatient: no more ExecStop= (the kill covers its process too), and during
         * ExecStopPost= no more of that either. */
        if (e->state == EXECUTOR_STOP || e->state == EXECUTOR_STOP_SIGTERM)
                executor_enter_sigkill(e, EXECUTOR_STOP_SIGKILL, true);
        else if (e->state == EXECUTOR_STOP_POST)
                executor_enter_sigkill(e, EXECUTOR_FINAL_SIGKILL, true);
        return 0;
}

int ur_executor_stop(ur_executor *e)
{
        int r = ur_executor_stop_begin(e);
        if (r < 0)
                return r;
        r = executor_dispatch_until(e, executor_stop_settled);
        if (r < 0)
                return r;
        return e->failure == UR_FAILURE_STOP ? UR_STOP_FAILED : UR_OK;
}

int ur_executor_restart(ur_executor *e)
{
        int r = ur_executor_stop(e);
        if (r < 0)
                return r; /* a stop error (UR_STOP_FAILED) does not keep it from starting again */
        return ur_executor_start(e);
}

int ur_executor_kill(ur_executor *e, int sig, bool all)
{
        if (!e || sig < 0 || sig >= _NSIG)
                return -EINVAL;
        if (e->state == EXECUTOR_DEAD || e->state == EXECUTOR_FAILED)
                return -ESRCH;
        if (all)
                return executor_signal_all(e, sig);
        if (executor_main_pidfd(e) < 0)
                return -ESRCH;
        return shim_pidfd_send_signal(executor_main_pidfd(e), sig) < 0 ? negative_errno() : 0;
}

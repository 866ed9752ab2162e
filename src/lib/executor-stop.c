/* Stopping an executor as systemd.kill(5) describes: ExecStop= (if it had started), then
 * KillSignal (+SIGCONT) per KillMode, TimeoutStopSec, the final kill of everything left,
 * and only once the main process is reaped and nothing of the unit is alive, ExecStopPost=.
 * Then the leaf is removed. A failed start goes the same way, with FAILED as the target. */
#include <signal.h>
#include <sys/wait.h>

#include "internal.h"
#include "macro.h"
#include "proc.h"
#include "shims.h"
#include "signal-name.h"
#include "timespan.h"

/* Without cgroup.events the fallback has no "empty" event: it rechecks at this period. */
#define FALLBACK_POLL_USEC (10 * USEC_PER_MSEC)

bool executor_exit_is_clean(const ur_executor *e, int code, int status)
{
        switch (code) {
        case 0:
                return true; /* not our child: we saw it die, we cannot know how */
        case CLD_EXITED:
                return exit_status_is_success(e, code, status);
        case CLD_KILLED:
        case CLD_DUMPED:
                if (status == e->kill_signal || status == SIGHUP || status == SIGINT || status == SIGTERM ||
                    status == SIGPIPE)
                        return true;
                return status < 64 && (e->success_signals & (UINT64_C(1) << status));
        default:
                return false;
        }
}

static int executor_main_pidfd(const ur_executor *e)
{
        if (e->main_pid <= 0 || e->main_exited)
                return -1;
        return e->main_pid == e->child.pid ? e->child.watch.fd : e->main_watch.fd;
}

int executor_signal_all(ur_executor *e, int sig)
{
        if (e->cgroup_path)
                return cgroup_signal_all(e->cgroup_path, sig);

        /* Fallback: the processes we know by pidfd, then whatever shares their sessions. */
        if (executor_main_pidfd(e) >= 0)
                (void) shim_pidfd_send_signal(executor_main_pidfd(e), sig);
        if (watch_active(&e->control.watch))
                (void) shim_pidfd_send_signal(e->control.watch.fd, sig);
        for (size_t s = 0; s < e->n_sessions; s++) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n;
                int r = proc_collect_session(e->sessions[s], &pids, &n);

                if (r < 0)
                        return r;
                for (size_t i = 0; i < n; i++)
                        (void) kill(pids[i], sig);
        }
        return 0;
}

static void executor_signal_main(ur_executor *e, int sig)
{
        int fd = executor_main_pidfd(e);

        if (fd >= 0)
                (void) shim_pidfd_send_signal(fd, sig);
}

/* SIGKILL (or FinalKillSignal) to everything that is left. */
static void executor_kill_rest(ur_executor *e, int sig)
{
        if (e->cgroup_path && sig == SIGKILL) {
                (void) cgroup_kill(e->cgroup_path);
                e->leaf_killed = true;
        } else
                (void) executor_signal_all(e, sig);
        if (sig != SIGKILL)
                (void) executor_signal_all(e, SIGCONT);
}

static bool executor_unit_empty(ur_executor *e)
{
        if (e->cgroup_path) {
                int r = cgroup_read_populated(e->cgroup_watch.fd);
                if (r >= 0)
                        e->populated = r;
                return !e->populated;
        }
        for (size_t s = 0; s < e->n_sessions; s++) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n;

                if (proc_collect_session(e->sessions[s], &pids, &n) < 0 || n > 0)
                        return false;
        }
        return true;
}

static void executor_arm_stop_timer(ur_executor *e)
{
        uint64_t when = e->deadline_usec;

        if (!e->cgroup_path && e->phase == RUN_KILL) {
                uint64_t poll = now_usec() + FALLBACK_POLL_USEC;
                if (poll < when)
                        when = poll;
        }
        (void) timer_arm(&e->timer, when);
}

/* Spawns ExecStop=/ExecStopPost= [index], moving past ones that cannot be spawned. */
static bool executor_stop_spawn_control(ur_executor *e, ur_command_kind kind)
{
        while (e->index < e->commands[kind].n) {
                int r = executor_spawn_command(e, kind, e->index);
                if (r >= 0) {
                        e->deadline_usec = deadline_after(e->stop_timeout_usec);
                        executor_arm_stop_timer(e);
                        return true;
                }
                context_log(
                        e->ctx, UR_LOG_WARNING, e->name, "cannot spawn %s command: %s",
                        kind == UR_EXEC_STOP ? "ExecStop=" : "ExecStopPost=", strerror(-r));
                e->index++;
        }
        return false;
}

static void executor_kill_begin(ur_executor *e)
{
        e->phase = RUN_KILL;
        e->deadline_usec = deadline_after(e->stop_timeout_usec);
        executor_arm_stop_timer(e);
        if (e->kill_mode != UR_KILL_CONTROL_GROUP && executor_main_pidfd(e) >= 0) {
                executor_signal_main(e, e->kill_signal);
                executor_signal_main(e, SIGCONT);
        } else {
                /* SIGCONT follows so that a stopped process can act on the first signal. */
                (void) executor_signal_all(e, e->kill_signal);
                (void) executor_signal_all(e, SIGCONT);
        }
        executor_stop_check(e);
}

int executor_stop_begin_internal(ur_executor *e, ur_state target)
{
        /* ExecStop= is for a unit that started; a failed start goes straight to the kill. */
        bool started = e->phase == RUN_UP;

        e->stop_target = target;
        e->final_kill_sent = false;
        executor_set_state(e, UR_STATE_STOPPING);
        if (!watch_active(&e->timer))
                return -EBADF;
        if (started && target == UR_STATE_INACTIVE && e->commands[UR_EXEC_STOP].n > 0) {
                e->phase = RUN_STOP_CMD;
                e->index = 0;
                if (executor_stop_spawn_control(e, UR_EXEC_STOP))
                        return 0;
        }
        executor_kill_begin(e);
        return 0;
}

void executor_final_kill(ur_executor *e)
{
        char sigbuf[16];

        if (e->state != UR_STATE_STOPPING)
                return;
        if (e->phase == RUN_STOP_POST)
                e->index = SIZE_MAX; /* impatient: no more ExecStopPost= either */
        /* Impatient during ExecStop=: no more of it; the kill covers its process too. */
        e->phase = RUN_KILL;
        if (!e->final_kill_sent)
                context_log(
                        e->ctx, UR_LOG_DEBUG, e->name, "sending %s to what is left",
                        signal_to_string(e->final_kill_signal, sigbuf));
        e->final_kill_sent = true;
        executor_kill_rest(e, e->final_kill_signal);
        e->deadline_usec = deadline_after(e->stop_timeout_usec);
        executor_arm_stop_timer(e);
        executor_stop_check(e);
}

void executor_stop_on_timer(ur_executor *e)
{
        char span[64];

        if (now_usec() < e->deadline_usec) {
                executor_stop_check(e); /* fallback poll tick */
                if (e->state == UR_STATE_STOPPING)
                        executor_arm_stop_timer(e);
                return;
        }
        if (e->phase == RUN_STOP_CMD || e->phase == RUN_STOP_POST) {
                /* A stop command that hangs is killed; its exit moves the stop on. */
                context_log(
                        e->ctx, UR_LOG_WARNING, e->name, "%s command still running after %s: killing it",
                        e->phase == RUN_STOP_CMD ? "ExecStop=" : "ExecStopPost=",
                        timespan_format(span, sizeof(span), e->stop_timeout_usec));
                e->stop_unclean = true;
                if (watch_active(&e->control.watch))
                        (void) shim_pidfd_send_signal(e->control.watch.fd, SIGKILL);
                e->deadline_usec = deadline_after(e->stop_timeout_usec);
                executor_arm_stop_timer(e);
                return;
        }
        if (!e->final_kill_sent) {
                /* Something outlived TimeoutStopSec: that is a stop error, whatever happens next. */
                e->stop_unclean = true;
                context_log(
                        e->ctx, UR_LOG_WARNING, e->name, "still running after %s",
                        timespan_format(span, sizeof(span), e->stop_timeout_usec));
                if (e->send_sigkill) {
                        executor_final_kill(e);
                        return;
                }
                /* SendSIGKILL=no: one more grace period, then nothing may survive anyway. */
                e->final_kill_sent = true;
                e->deadline_usec = deadline_after(e->stop_timeout_usec);
                executor_arm_stop_timer(e);
                return;
        }
        /* Even SIGKILL takes a while for a process in uninterruptible sleep: insist. */
        context_log(e->ctx, UR_LOG_WARNING, e->name, "processes survive the final kill; killing again");
        executor_kill_rest(e, SIGKILL);
        e->deadline_usec = deadline_after(e->stop_timeout_usec);
        executor_arm_stop_timer(e);
}

static void executor_stop_complete(ur_executor *e)
{
        char message[512], how[128], span[64];
        ur_state final = e->stop_target;

        if (e->stop_target == UR_STATE_INACTIVE) {
                message[0] = 0;
                if (e->stop_unclean)
                        snprintf(
                                message, sizeof(message),
                                "processes were still running after %s and were killed",
                                timespan_format(span, sizeof(span), e->stop_timeout_usec));
                else if (!executor_exit_is_clean(e, e->main_code, e->main_status)) {
                        format_exit(e->main_code, e->main_status, how, sizeof(how));
                        snprintf(message, sizeof(message), "main process %s when stopped", how);
                }
                if (message[0]) {
                        e->failure = UR_FAILURE_STOP;
                        executor_set_error(e, message);
                        final = UR_STATE_FAILED;
                }
        }
        if (e->cgroup_path && cgroup_read_cpu_usec(e->cgroup_path, &e->cpu_usec) >= 0)
                e->cpu_known = true;
        if (e->cgroup_path && cgroup_read_memory_peak(e->cgroup_path, &e->memory_peak) >= 0)
                e->memory_peak_known = true;
        output_stream_finish(&e->out[0], &e->ctx->loop);
        output_stream_finish(&e->out[1], &e->ctx->loop);
        executor_release_run(e);
        e->phase = RUN_IDLE;
        executor_set_state(e, final);
}

static bool spawned_done(const struct spawned *s)
{
        return s->pid == 0 || s->exited;
}

void executor_stop_check(ur_executor *e)
{
        bool empty;

        if (e->state != UR_STATE_STOPPING || e->phase != RUN_KILL)
                return;
        empty = executor_unit_empty(e);
        if ((e->kill_mode == UR_KILL_PROCESS || e->kill_mode == UR_KILL_MIXED) &&
            (e->main_pid == 0 || e->main_exited) && !empty && !e->final_kill_sent) {
                /* The main process is gone; what it left may not survive the run. */
                executor_kill_rest(e, SIGKILL);
                empty = executor_unit_empty(e);
        }
        if ((e->main_pid > 0 && !e->main_exited) || !spawned_done(&e->child) || !spawned_done(&e->control) ||
            !empty)
                return;
        if (e->commands[UR_EXEC_STOP_POST].n > 0 && e->index != SIZE_MAX) {
                e->phase = RUN_STOP_POST;
                e->index = 0;
                if (executor_stop_spawn_control(e, UR_EXEC_STOP_POST))
                        return;
                e->phase = RUN_KILL;
        }
        executor_stop_complete(e);
}

void executor_stop_on_control_exit(ur_executor *e)
{
        if (e->phase == RUN_STOP_CMD) {
                e->index++;
                if (!executor_stop_spawn_control(e, UR_EXEC_STOP))
                        executor_kill_begin(e);
                return;
        }
        if (e->phase == RUN_STOP_POST) {
                e->index++;
                if (executor_stop_spawn_control(e, UR_EXEC_STOP_POST))
                        return;
                /* ExecStopPost= done: whatever it left is killed, quietly, and then we are done. */
                e->phase = RUN_KILL;
                e->index = SIZE_MAX;
                if (!executor_unit_empty(e))
                        executor_kill_rest(e, SIGKILL);
                executor_arm_stop_timer(e);
        }
        executor_stop_check(e);
}

static bool executor_stop_settled(const ur_executor *e)
{
        return e->state != UR_STATE_STOPPING;
}

int ur_executor_stop_begin(ur_executor *e)
{
        if (!e)
                return -EINVAL;
        switch (e->state) {
        case UR_STATE_STARTING:
        case UR_STATE_RUNNING:
        case UR_STATE_EXITED:
                e->failure = UR_FAILURE_NONE;
                return executor_stop_begin_internal(e, UR_STATE_INACTIVE);
        default:
                return 0; /* stopping already, or nothing to stop */
        }
}

int ur_executor_stop_now(ur_executor *e)
{
        if (!e)
                return -EINVAL;
        if (e->state != UR_STATE_STOPPING) {
                int r = ur_executor_stop_begin(e);
                if (r < 0 || e->state != UR_STATE_STOPPING)
                        return r;
        }
        if (!e->final_kill_sent)
                executor_final_kill(e);
        return 0;
}

int ur_executor_stop(ur_executor *e)
{
        int r = ur_executor_stop_begin(e);
        if (r < 0)
                return r;
        r = executor_run_dispatch_until(e, executor_stop_settled);
        if (r < 0)
                return r;
        return e->failure == UR_FAILURE_STOP ? -EBADE : 0;
}

int ur_executor_kill(ur_executor *e, int sig, bool all)
{
        if (!e || sig < 0 || sig >= _NSIG)
                return -EINVAL;
        if (e->state == UR_STATE_INACTIVE || e->state == UR_STATE_FAILED)
                return -ESRCH;
        if (all)
                return executor_signal_all(e, sig);
        if (executor_main_pidfd(e) < 0)
                return -ESRCH;
        return shim_pidfd_send_signal(executor_main_pidfd(e), sig) < 0 ? negative_errno() : 0;
}

/* Stopping an executor as systemd.kill(5) describes: KillSignal (+SIGCONT) per KillMode,
 * TimeoutStopSec, then the final kill of everything left, and done only once the main
 * process is reaped and nothing of the unit is alive. Then the leaf is removed. */
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
                return status == 0 || (e->success_status[status / 8] & (1u << (status % 8)));
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
        if (e->main_exited)
                return -1;
        return e->main_pid == e->child_pid ? e->child_watch.fd : e->main_watch.fd;
}

int executor_signal_all(ur_executor *e, int sig)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n;
        int r;

        if (e->cgroup_path)
                return cgroup_signal_all(e->cgroup_path, sig);

        /* Fallback: the main process by pidfd, then whatever shares its session. */
        if (executor_main_pidfd(e) >= 0)
                (void) shim_pidfd_send_signal(executor_main_pidfd(e), sig);
        r = proc_collect_session(e->session, &pids, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                (void) kill(pids[i], sig);
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
        if (e->cgroup_path && sig == SIGKILL)
                (void) cgroup_kill(e->cgroup_path);
        else
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
        } else {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n;

                if (proc_collect_session(e->session, &pids, &n) < 0)
                        return false;
                return n == 0;
        }
}

static void executor_arm_stop_timer(ur_executor *e)
{
        uint64_t when = e->deadline_usec;

        if (!e->cgroup_path) {
                uint64_t poll = now_usec() + FALLBACK_POLL_USEC;
                if (poll < when)
                        when = poll;
        }
        (void) timer_arm(&e->timer, when);
}

int executor_stop_begin_internal(ur_executor *e, ur_state target)
{
        bool was_running = e->state == UR_STATE_RUNNING || e->state == UR_STATE_STARTING;

        e->stop_target = target;
        e->final_kill_sent = false;
        e->deadline_usec = deadline_after(e->stop_timeout_usec);
        executor_set_state(e, UR_STATE_STOPPING);
        if (!watch_active(&e->timer))
                return -EBADF;
        executor_arm_stop_timer(e);

        if (was_running && e->kill_mode != UR_KILL_CONTROL_GROUP)
                executor_signal_main(e, e->kill_signal), executor_signal_main(e, SIGCONT);
        else {
                /* SIGCONT follows so that a stopped process can act on the first signal. */
                (void) executor_signal_all(e, e->kill_signal);
                (void) executor_signal_all(e, SIGCONT);
        }
        executor_stop_check(e);
        return 0;
}

void executor_final_kill(ur_executor *e)
{
        char sigbuf[16];

        if (e->state != UR_STATE_STOPPING)
                return;
        if (!e->final_kill_sent)
                context_log(e->ctx, UR_LOG_DEBUG, e->name, "sending %s to what is left",
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
        if (!e->final_kill_sent) {
                /* Something outlived TimeoutStopSec: that is a stop error, whatever happens next. */
                e->stop_unclean = true;
                context_log(e->ctx, UR_LOG_WARNING, e->name, "still running after %s",
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
        char message[512], how[128], sigbuf[16], span[64];
        ur_state final = e->stop_target;

        if (e->stop_target == UR_STATE_INACTIVE) {
                message[0] = 0;
                if (e->stop_unclean)
                        snprintf(message, sizeof(message), "processes were still running after %s and were killed",
                                 timespan_format(span, sizeof(span), e->stop_timeout_usec));
                else if (!executor_exit_is_clean(e, e->main_code, e->main_status)) {
                        if (e->main_code == CLD_EXITED)
                                snprintf(how, sizeof(how), "exited with status %d", e->main_status);
                        else
                                snprintf(how, sizeof(how), "was killed by %s",
                                         signal_to_string(e->main_status, sigbuf));
                        snprintf(message, sizeof(message), "main process %s when stopped", how);
                }
                if (message[0]) {
                        e->failure = UR_FAILURE_STOP;
                        free(e->error);
                        e->error = strdup(message);
                        final = UR_STATE_FAILED;
                }
        }
        if (e->cgroup_path && cgroup_read_cpu_usec(e->cgroup_path, &e->cpu_usec) >= 0)
                e->cpu_known = true;
        output_stream_drain(&e->out[0], &e->ctx->loop);
        output_stream_drain(&e->out[1], &e->ctx->loop);
        executor_release_run(e);
        executor_set_state(e, final);
}

void executor_stop_check(ur_executor *e)
{
        bool empty;

        if (e->state == UR_STATE_EXITED && e->main_exited)
                return; /* a finished oneshot: its leftovers wait for stop */
        if (e->state != UR_STATE_STOPPING)
                return;
        empty = executor_unit_empty(e);
        if (e->main_exited && !empty && e->kill_mode == UR_KILL_PROCESS && !e->final_kill_sent) {
                /* KillMode=process leaves the rest to us, and nothing may survive the run. */
                executor_kill_rest(e, SIGKILL);
                empty = executor_unit_empty(e);
        }
        if (e->kill_mode == UR_KILL_MIXED && e->main_exited && !empty && !e->final_kill_sent) {
                executor_kill_rest(e, SIGKILL);
                empty = executor_unit_empty(e);
        }
        if (!e->main_exited || !e->child_exited || !empty)
                return;
        executor_stop_complete(e);
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

/* sd_notify messages for an executor: who may send them (its cgroup, or its main process
 * with NotifyAccess=main), and what each field does to the run. Also the main-PID switch
 * that MAINPID= and PIDFile= share. */
#include <sys/epoll.h>

#include "internal.h"
#include "macro.h"
#include "notify-socket.h"
#include "shims.h"

static void executor_on_main_event(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;

        /* Not our child: no status to collect (PIDFD_GET_INFO could, on Linux 6.15+). */
        watch_remove(&e->ctx->loop, w);
        e->main_exited = true;
        e->main_code = 0;
        executor_on_main_exit(e);
}

int executor_set_main_pid(ur_executor *e, pid_t pid)
{
        int fd, r;

        if (pid == e->main_pid && !e->main_exited)
                return 0;
        if (pid == e->child.pid && !e->child.exited) {
                watch_remove(&e->ctx->loop, &e->main_watch);
                e->main_pid = pid;
                e->main_exited = false;
                return 0;
        }
        fd = shim_pidfd_open(pid, 0);
        if (fd < 0)
                return negative_errno();
        watch_remove(&e->ctx->loop, &e->main_watch);
        r = loop_add(&e->ctx->loop, &e->main_watch, fd, EPOLLIN, executor_on_main_event, e);
        if (r < 0)
                return r;
        e->main_pid = pid;
        e->main_exited = false;
        e->main_code = e->main_status = 0;
        return 0;
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
        if (m->has_extend_timeout && (e->state == UR_STATE_STARTING || e->state == UR_STATE_STOPPING)) {
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

void executor_on_notify_event(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;

        for (;;) {
                struct notify_message m = {};
                const char *dropped = NULL;
                pid_t sender = 0;
                int r;

                r = notify_socket_receive(w->fd, &m, &sender, &dropped);
                if (r < 0)
                        return;
                if (r == 0) {
                        e->notify_ignored++;
                        context_log(e->ctx, UR_LOG_DEBUG, e->name, "notify message dropped: %s", dropped);
                        continue;
                }
                /* A sender that has exited already cannot be placed: systemd has the same
                 * limit, and BARRIER=1 (which keeps the sender waiting) is the cure. */
                if (e->notify_access == UR_NOTIFY_MAIN ? sender != e->main_pid
                                                       : !executor_owns_pid(e, sender)) {
                        e->notify_ignored++;
                        context_log(
                                e->ctx, UR_LOG_DEBUG, e->name,
                                "notify message from PID %d ignored: not a process of this unit",
                                (int) sender);
                } else {
                        e->notify_received++;
                        executor_apply_notify(e, &m);
                }
                notify_message_done(&m);
                if (!watch_active(w))
                        return;
        }
}

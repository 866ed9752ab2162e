/* The start half of an executor's life: ExecStartPre=, the main command, readiness (the
 * Type= condition and every check), ExecStartPost=, and the failures that can happen on
 * the way: exec errors, early exits, timeouts. Failing means stopping (executor-stop.c)
 * with FAILED as the target. */
#include <signal.h>
#include <sys/wait.h>

#include "internal.h"
#include "macro.h"
#include "proc.h"
#include "strv.h"
#include "timespan.h"

void executor_set_state(ur_executor *e, ur_state state)
{
        if (e->state == state)
                return;
        e->state = state;
        context_log(e->ctx, UR_LOG_DEBUG, e->name, "%s", ur_state_to_string(state));
        if (e->ctx->state_fn)
                e->ctx->state_fn(e, state, e->ctx->state_userdata);
        context_schedule(e->ctx);
}

static void executor_end_checks(ur_executor *e)
{
        for (struct ready_check *c = e->checks; c; c = c->next)
                c->ops->end(c);
}

const char *command_describe(const struct command *cmd, char *buf, size_t size)
{
        if (cmd->line)
                snprintf(buf, size, "%s", cmd->line);
        else {
                _cleanup_free_ char *joined = strv_join(cmd->argv, " ");
                snprintf(buf, size, "%s", joined ? joined : cmd->argv[0]);
        }
        return buf;
}

bool exit_status_is_success(const ur_executor *e, int code, int status)
{
        return code == CLD_EXITED && (status == 0 || (e->success_status[status / 8] & (1u << (status % 8))));
}

void executor_fail(ur_executor *e, ur_failure failure, const char *fmt, ...)
{
        char message[8192];
        va_list ap;

        if (e->state != UR_STATE_STARTING && e->state != UR_STATE_RUNNING && e->state != UR_STATE_EXITED)
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
        (void) executor_stop_begin_internal(e, UR_STATE_FAILED);
}

static bool executor_type_condition_met(const ur_executor *e)
{
        switch (e->type) {
        case UR_TYPE_NOTIFY:
                return e->exec_done && e->notify_ready;
        case UR_TYPE_ONESHOT:
                return e->child.exited && exit_status_is_success(e, e->child.code, e->child.status) &&
                       e->index + 1 >= e->commands[UR_EXEC_START].n;
        case UR_TYPE_FORKING:
                /* The starter exited cleanly and the PID file named the daemon. */
                return e->child.exited && e->main_pid != e->child.pid;
        default:
                return e->exec_done;
        }
}

static void executor_become_up(ur_executor *e)
{
        e->phase = RUN_UP;
        e->ready_usec = now_usec();
        (void) timer_disarm(&e->timer);
        executor_set_state(e, e->type == UR_TYPE_ONESHOT ? UR_STATE_EXITED : UR_STATE_RUNNING);
}

void executor_maybe_ready(ur_executor *e)
{
        if (e->state != UR_STATE_STARTING || e->phase != RUN_MAIN || !executor_type_condition_met(e))
                return;
        for (struct ready_check *c = e->checks; c; c = c->next)
                if (!c->met)
                        return;
        executor_end_checks(e);
        e->phase = RUN_START_POST;
        e->index = 0;
        executor_start_continue(e);
}

void executor_on_check_met(struct ready_owner *owner)
{
        executor_maybe_ready((ur_executor *) ((char *) owner - offsetof(ur_executor, owner)));
}

/* Spawns what comes next in the start sequence (or declares the unit up). */
void executor_start_continue(ur_executor *e)
{
        ur_command_kind kind;
        int r;

        if (e->state != UR_STATE_STARTING)
                return;
        if (e->phase == RUN_START_PRE && e->index >= e->commands[UR_EXEC_START_PRE].n) {
                e->phase = RUN_MAIN;
                e->index = 0;
        }
        if (e->phase == RUN_START_POST && e->index >= e->commands[UR_EXEC_START_POST].n) {
                executor_become_up(e);
                return;
        }
        kind = e->phase == RUN_START_PRE ? UR_EXEC_START_PRE
               : e->phase == RUN_MAIN    ? UR_EXEC_START
                                         : UR_EXEC_START_POST;
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

void executor_on_exec_result(ur_executor *e, const struct spawn_error *err)
{
        char what[512], cmd[4096];
        const struct command *c;

        if (!err) {
                if (!e->exec_for_control) {
                        e->exec_done = true;
                        executor_maybe_ready(e);
                }
                return;
        }
        e->exec_errno = err->error;
        if (e->state == UR_STATE_STOPPING) {
                /* ExecStop=/ExecStopPost= could not run: say so, the stop goes on. */
                context_log(
                        e->ctx, UR_LOG_WARNING, e->name, "stop command failed while %s: %s",
                        spawn_step_to_string(err->step), strerror(err->error));
                return;
        }
        c = e->exec_for_control
                    ? &e->commands[e->phase == RUN_START_PRE ? UR_EXEC_START_PRE : UR_EXEC_START_POST]
                               .items[e->index]
                    : &e->commands[UR_EXEC_START].items[e->index];
        command_describe(c, cmd, sizeof(cmd));
        snprintf(
                what, sizeof(what), "%s",
                e->exec_for_control ? (e->phase == RUN_START_PRE ? "ExecStartPre= " : "ExecStartPost= ")
                                    : "");
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

void executor_on_line(struct output_stream *s, const char *line, size_t len, bool complete)
{
        ur_executor *e = s->data;

        if (complete) {
                line_ring_push(&e->recent, line, len);
                if (e->ctx->output_fn)
                        e->ctx->output_fn(e, (ur_stream) s->which, line, len, e->ctx->output_userdata);
        }
        if (e->state != UR_STATE_STARTING)
                return;
        for (struct ready_check *c = e->checks; c; c = c->next)
                if (c->ops->on_line)
                        c->ops->on_line(c, s->which, line, len);
}

void executor_on_main_exit(ur_executor *e)
{
        char how[128];

        if (e->state == UR_STATE_STOPPING) {
                executor_stop_check(e);
                return;
        }
        format_exit(e->main_code, e->main_status, how, sizeof(how));
        if (e->state == UR_STATE_STARTING && e->phase == RUN_MAIN) {
                /* Several ExecStart= of a oneshot run one after the other. */
                if (e->type == UR_TYPE_ONESHOT && exit_status_is_success(e, e->main_code, e->main_status) &&
                    e->index + 1 < e->commands[UR_EXEC_START].n) {
                        e->index++;
                        executor_start_continue(e);
                        return;
                }
                executor_maybe_ready(e);
                if (e->phase == RUN_MAIN)
                        executor_fail(e, UR_FAILURE_EXITED, "%s before it was ready", how);
                return;
        }
        if (e->type == UR_TYPE_ONESHOT)
                return; /* a finished oneshot: what it left behind waits for the stop */
        if (e->state == UR_STATE_STARTING)
                executor_fail(e, UR_FAILURE_EXITED, "main process %s before ExecStartPost= finished", how);
        else if (e->state == UR_STATE_RUNNING)
                executor_fail(e, UR_FAILURE_CRASHED, "main process %s while running", how);
}

/* Type=forking: the starter is done; the daemon is whoever the PID file names. */
static void executor_read_pid_file(ur_executor *e)
{
        _cleanup_free_ char *text = NULL;
        char path[4096];
        long pid;
        char *end;
        int r;

        if (e->pid_file[0] == '/')
                snprintf(path, sizeof(path), "%s", e->pid_file);
        else
                snprintf(path, sizeof(path), "%s/%s", ur_context_get_runtime_dir(e->ctx), e->pid_file);
        r = read_full_file(path, &text);
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
        executor_maybe_ready(e);
}

void executor_on_child_exit(ur_executor *e)
{
        char how[128];

        if (e->main_pid != e->child.pid) {
                /* Not the main process (any more): MAINPID= moved it away. */
                if (e->state == UR_STATE_STOPPING)
                        executor_stop_check(e);
                return;
        }
        /* Until a PID file names another, the process we spawned is the main one. */
        e->main_exited = true;
        e->main_code = e->child.code;
        e->main_status = e->child.status;
        if (e->type == UR_TYPE_FORKING && e->state == UR_STATE_STARTING && e->phase == RUN_MAIN) {
                if (exit_status_is_success(e, e->child.code, e->child.status))
                        executor_read_pid_file(e);
                else {
                        format_exit(e->child.code, e->child.status, how, sizeof(how));
                        executor_fail(e, UR_FAILURE_EXITED, "%s before it was ready", how);
                }
                return;
        }
        executor_on_main_exit(e);
}

void executor_on_control_exit(ur_executor *e)
{
        const struct command *c;
        char how[128], cmd[4096];
        ur_command_kind kind;

        if (e->state == UR_STATE_STOPPING) {
                executor_stop_on_control_exit(e);
                return;
        }
        if (e->state != UR_STATE_STARTING || (e->phase != RUN_START_PRE && e->phase != RUN_START_POST))
                return;
        kind = e->phase == RUN_START_PRE ? UR_EXEC_START_PRE : UR_EXEC_START_POST;
        c = &e->commands[kind].items[e->index];
        if (!exit_status_is_success(e, e->control.code, e->control.status) &&
            !(c->flags & UR_COMMAND_IGNORE_FAILURE)) {
                format_exit(e->control.code, e->control.status, how, sizeof(how));
                /* As the unit file says it: "ExecStartPre=/bin/foo --x exited with status 3". */
                executor_fail(
                        e, UR_FAILURE_EXITED, "%s%s %s",
                        kind == UR_EXEC_START_PRE ? "ExecStartPre=" : "ExecStartPost=",
                        command_describe(c, cmd, sizeof(cmd)), how);
                return;
        }
        /* systemd.service(5): what an ExecStartPre= left running is killed before the next
         * command; nothing of the unit runs yet, so that is everything in it. */
        if (kind == UR_EXEC_START_PRE && !(e->cgroup_path && cgroup_read_populated(e->cgroup_watch.fd) == 0))
                /* Signals, not cgroup.kill: on this kernel (6.18) a cgroup that was
                 * cgroup.kill'ed also kills what is later born in it by CLONE_INTO_CGROUP. */
                (void) executor_signal_all(e, SIGKILL);
        e->index++;
        executor_start_continue(e);
}

static void executor_pending_conditions(const ur_executor *e, char *buf, size_t size)
{
        buf[0] = 0;
        if (e->phase == RUN_START_PRE)
                snprintf(buf, size, "ExecStartPre= to finish");
        else if (e->phase == RUN_START_POST)
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

void executor_start_on_timer(ur_executor *e)
{
        char pending[2048], span[64];

        (void) timer_disarm(&e->timer);
        if (e->state != UR_STATE_STARTING)
                return;
        executor_pending_conditions(e, pending, sizeof(pending));
        executor_fail(
                e, UR_FAILURE_TIMEOUT, "not ready after %s; still waiting for: %s",
                timespan_format(span, sizeof(span), e->start_timeout_usec), pending);
}

/* ---- Public entry points ------------------------------------------------------------ */

static void executor_reset_run(ur_executor *e)
{
        e->failure = UR_FAILURE_NONE;
        e->error = mfree(e->error);
        e->status_text = mfree(e->status_text);
        e->phase = RUN_IDLE;
        e->index = 0;
        e->child = (struct spawned){ .watch.fd = -1 };
        e->control = (struct spawned){ .watch.fd = -1 };
        e->main_pid = 0;
        e->main_exited = e->exec_done = e->notify_ready = false;
        e->main_code = e->main_status = e->exec_errno = 0;
        e->final_kill_sent = e->stop_unclean = e->leaf_killed = false;
        e->cpu_known = e->memory_peak_known = false;
        e->cpu_usec = e->ready_usec = 0;
        output_stream_reset(&e->out[0]);
        output_stream_reset(&e->out[1]);
        line_ring_clear(&e->recent);
        for (struct ready_check *c = e->checks; c; c = c->next)
                c->met = false;
}

int ur_executor_start_begin(ur_executor *e)
{
        char message[512];
        int r;

        if (!e)
                return -EINVAL;
        if (e->state == UR_STATE_STARTING || e->state == UR_STATE_RUNNING || e->state == UR_STATE_STOPPING ||
            e->state == UR_STATE_EXITED)
                return -EBUSY;

        executor_reset_run(e);
        if (e->type == UR_TYPE_FORKING && !e->pid_file) {
                executor_set_error(e, "Type=forking needs a PID file to know the daemon");
                r = -EINVAL;
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
                        r = -EADDRINUSE;
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
        e->phase = RUN_START_PRE;
        executor_set_state(e, UR_STATE_STARTING);
        /* From here on, failures are reported through the run (and stop it). */
        executor_start_continue(e);
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
        e->phase = RUN_IDLE;
        /* Said even when it was FAILED before (a retry): this is a new failure. */
        e->state = UR_STATE_FAILED;
        if (e->ctx->state_fn)
                e->ctx->state_fn(e, UR_STATE_FAILED, e->ctx->state_userdata);
        context_schedule(e->ctx);
        return r;
}

static bool executor_start_settled(const ur_executor *e)
{
        return e->state != UR_STATE_STARTING &&
               !(e->state == UR_STATE_STOPPING && e->failure != UR_FAILURE_NONE);
}

int executor_run_dispatch_until(ur_executor *e, bool (*done)(const ur_executor *e))
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
        if (r < 0)
                return r;
        r = executor_run_dispatch_until(e, executor_start_settled);
        if (r < 0)
                return r;
        if (e->state == UR_STATE_RUNNING || e->state == UR_STATE_EXITED)
                return 0;
        switch (e->failure) {
        case UR_FAILURE_EXEC:
                return e->exec_errno > 0 ? -e->exec_errno : -ENOEXEC;
        case UR_FAILURE_EXITED:
                return -ECHILD;
        case UR_FAILURE_TIMEOUT:
                return -ETIMEDOUT;
        case UR_FAILURE_IN_USE:
                return -EADDRINUSE;
        case UR_FAILURE_NONE:
                return -ECANCELED;
        default:
                return -EIO;
        }
}

int ur_executor_restart(ur_executor *e)
{
        int r = ur_executor_stop(e);
        if (r < 0 && r != -EBADE)
                return r;
        return ur_executor_start(e);
}

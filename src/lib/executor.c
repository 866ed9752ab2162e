/* The executor: configuration, spawning a run, and the start half of its life (exec
 * result, notify messages, output, readiness, failures). Stopping is executor-stop.c. */
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "internal.h"
#include "macro.h"
#include "notify-socket.h"
#include "proc.h"
#include "shims.h"
#include "signal-name.h"
#include "spawn.h"
#include "strv.h"
#include "timespan.h"

extern char **environ;

#define DEFAULT_START_TIMEOUT_USEC (90 * USEC_PER_SEC)
#define DEFAULT_STOP_TIMEOUT_USEC (10 * USEC_PER_SEC)

const char *ur_state_to_string(ur_state s)
{
        static const char *const names[] = {
                [UR_STATE_INACTIVE] = "inactive", [UR_STATE_STARTING] = "starting",
                [UR_STATE_RUNNING] = "running",   [UR_STATE_EXITED] = "exited",
                [UR_STATE_STOPPING] = "stopping", [UR_STATE_FAILED] = "failed",
        };
        return (unsigned) s < ELEMENTSOF(names) ? names[s] : "unknown";
}

const char *ur_failure_to_string(ur_failure f)
{
        static const char *const names[] = {
                [UR_FAILURE_NONE] = "none",       [UR_FAILURE_EXEC] = "exec",
                [UR_FAILURE_EXITED] = "exited",   [UR_FAILURE_TIMEOUT] = "timeout",
                [UR_FAILURE_CRASHED] = "crashed", [UR_FAILURE_STOP] = "stop",
                [UR_FAILURE_SYSTEM] = "system",   [UR_FAILURE_IN_USE] = "in-use",
        };
        return (unsigned) f < ELEMENTSOF(names) ? names[f] : "unknown";
}

/* ---- Creation and configuration ---------------------------------------------------- */

static void executor_on_line(struct output_stream *s, const char *line, size_t len, bool complete);
static void executor_on_check_met(struct ready_owner *owner);

int ur_executor_new(ur_context *ctx, const char *name, char *const argv[], ur_executor **ret)
{
        ur_executor *e;

        if (!ctx || !name || !argv || !argv[0] || !ret)
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
        e->id = ++ctx->next_id;
        e->name = strdup(name);
        e->argv = strv_copy(argv);
        e->env = strv_copy(environ);
        if (!e->name || !e->argv || !e->env) {
                strv_free(e->argv);
                strv_free(e->env);
                free(e->name);
                free(e);
                return -ENOMEM;
        }
        e->type = UR_TYPE_SIMPLE;
        e->start_timeout_usec = DEFAULT_START_TIMEOUT_USEC;
        e->stop_timeout_usec = DEFAULT_STOP_TIMEOUT_USEC;
        e->kill_signal = SIGTERM;
        e->final_kill_signal = SIGKILL;
        e->send_sigkill = true;
        e->kill_mode = UR_KILL_CONTROL_GROUP;
        e->notify_access = UR_NOTIFY_ALL;
        e->child_watch.fd = e->main_watch.fd = e->exec_watch.fd = -1;
        e->notify_watch.fd = e->timer.fd = e->cgroup_watch.fd = -1;
        e->refuse_if_ready = true;
        e->owner = (struct ready_owner){
                .ctx = ctx, .loop = &ctx->loop, .name = e->name, .on_met = executor_on_check_met
        };
        output_stream_init(&e->out[0], UR_STDOUT, executor_on_line, e);
        output_stream_init(&e->out[1], UR_STDERR, executor_on_line, e);

        e->next = ctx->executors;
        ctx->executors = e;
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

static void executor_reset_run(ur_executor *e)
{
        e->failure = UR_FAILURE_NONE;
        e->error = mfree(e->error);
        e->status_text = mfree(e->status_text);
        e->child_pid = e->main_pid = e->session = 0;
        e->child_exited = e->main_exited = e->exec_done = e->notify_ready = false;
        e->child_code = e->child_status = e->main_code = e->main_status = e->exec_errno = 0;
        e->final_kill_sent = e->stop_unclean = false;
        e->cpu_known = false;
        e->cpu_usec = e->ready_usec = 0;
        output_stream_reset(&e->out[0]);
        output_stream_reset(&e->out[1]);
        line_ring_clear(&e->recent);
        for (struct ready_check *c = e->checks; c; c = c->next)
                c->met = false;
}

ur_executor *ur_executor_free(ur_executor *e)
{
        if (!e)
                return NULL;
        if (e->state != UR_STATE_INACTIVE && e->state != UR_STATE_FAILED) {
                (void) ur_executor_stop_begin(e);
                (void) ur_executor_stop_now(e);
                (void) ur_executor_stop(e);
        }
        executor_release_run(e);
        context_unlink_executor(e->ctx, e);
        output_stream_done(&e->out[0], &e->ctx->loop);
        output_stream_done(&e->out[1], &e->ctx->loop);
        line_ring_clear(&e->recent);
        ready_list_free(&e->checks);
        strv_free(e->argv);
        strv_free(e->env);
        free(e->cwd);
        for (int i = 0; i < 3; i++)
                free(e->stdio[i].path);
        free(e->error);
        free(e->status_text);
        free(e->name);
        free(e);
        return NULL;
}

const char *ur_executor_get_name(const ur_executor *e)
{
        return e->name;
}

ur_context *ur_executor_get_context(const ur_executor *e)
{
        return e->ctx;
}

void ur_executor_set_userdata(ur_executor *e, void *userdata)
{
        e->userdata = userdata;
}

void *ur_executor_get_userdata(const ur_executor *e)
{
        return e->userdata;
}

int ur_executor_set_env(ur_executor *e, const char *name, const char *value)
{
        if (!name || !*name || strchr(name, '=') || !value)
                return -EINVAL;
        return strv_env_set(&e->env, name, value);
}

int ur_executor_unset_env(ur_executor *e, const char *name)
{
        if (!name || !*name)
                return -EINVAL;
        return strv_env_unset(e->env, name);
}

int ur_executor_clear_env(ur_executor *e)
{
        char **empty = calloc(1, sizeof(char *));

        if (!empty)
                return -ENOMEM;
        strv_free(e->env);
        e->env = empty;
        return 0;
}

int ur_executor_set_cwd(ur_executor *e, const char *directory)
{
        char *copy = NULL;

        if (directory && !(copy = strdup(directory)))
                return -ENOMEM;
        free(e->cwd);
        e->cwd = copy;
        return 0;
}

int ur_executor_set_stdio(ur_executor *e, ur_stream stream, ur_stdio mode, const char *path)
{
        char *copy = NULL;

        if (stream != UR_STDOUT && stream != UR_STDERR)
                return -EINVAL;
        if ((mode == UR_STDIO_FILE || mode == UR_STDIO_APPEND) != (path != NULL))
                return -EINVAL;
        if (path && !(copy = strdup(path)))
                return -ENOMEM;
        free(e->stdio[stream].path);
        e->stdio[stream].mode = mode;
        e->stdio[stream].path = copy;
        return 0;
}

int ur_executor_set_type(ur_executor *e, ur_type type)
{
        if ((unsigned) type > UR_TYPE_ONESHOT)
                return -EINVAL;
        e->type = type;
        return 0;
}

int ur_executor_set_start_timeout(ur_executor *e, uint64_t usec)
{
        e->start_timeout_usec = usec ? usec : USEC_INFINITY; /* 0 disables, as in systemd */
        return 0;
}

int ur_executor_set_stop_timeout(ur_executor *e, uint64_t usec)
{
        e->stop_timeout_usec = usec ? usec : USEC_INFINITY;
        return 0;
}

int ur_executor_set_kill_signal(ur_executor *e, int sig)
{
        if (sig <= 0 || sig >= _NSIG)
                return -EINVAL;
        e->kill_signal = sig;
        return 0;
}

int ur_executor_set_final_kill_signal(ur_executor *e, int sig)
{
        if (sig <= 0 || sig >= _NSIG)
                return -EINVAL;
        e->final_kill_signal = sig;
        return 0;
}

int ur_executor_set_send_sigkill(ur_executor *e, bool send)
{
        e->send_sigkill = send;
        return 0;
}

int ur_executor_set_kill_mode(ur_executor *e, ur_kill_mode mode)
{
        if ((unsigned) mode > UR_KILL_PROCESS)
                return -EINVAL;
        e->kill_mode = mode;
        return 0;
}

int ur_executor_set_notify_access(ur_executor *e, ur_notify_access access)
{
        if ((unsigned) access > UR_NOTIFY_MAIN)
                return -EINVAL;
        e->notify_access = access;
        e->notify_access_set = true;
        return 0;
}

int ur_executor_add_success_status(ur_executor *e, int status)
{
        if (status < 0 || status > 255)
                return -EINVAL;
        e->success_status[status / 8] |= (uint8_t) (1u << (status % 8));
        return 0;
}

int ur_executor_add_success_signal(ur_executor *e, int sig)
{
        if (sig <= 0 || sig >= 64)
                return -EINVAL;
        e->success_signals |= UINT64_C(1) << sig;
        return 0;
}

static void executor_set_error(ur_executor *e, const char *message)
{
        free(e->error);
        e->error = message ? strdup(message) : NULL;
}

/* Adds a check made by a ready_*_new() constructor, or keeps its error message. */
static int executor_add_check(ur_executor *e, int r, struct ready_check *c, char *error)
{
        if (r < 0) {
                if (error)
                        executor_set_error(e, error);
                free(error);
                return r;
        }
        ready_list_append(&e->checks, c);
        return 0;
}

int ur_executor_add_ready_output(ur_executor *e, const char *regex, ur_stream streams)
{
        struct ready_check *c = NULL;
        char *error = NULL;
        int r;

        if (!regex)
                return -EINVAL;
        r = ready_output_new(&e->owner, regex, (int) streams, &c, &error);

        return executor_add_check(e, r, c, error);
}

int ur_executor_add_ready_tcp(ur_executor *e, const char *host_port)
{
        struct ready_check *c = NULL;
        char *error = NULL;
        int r;

        if (!host_port)
                return -EINVAL;
        r = ready_tcp_new(&e->owner, host_port, &c, &error);

        return executor_add_check(e, r, c, error);
}

int ur_executor_add_ready_unix(ur_executor *e, const char *path)
{
        struct ready_check *c = NULL;
        char *error = NULL;
        int r;

        if (!path)
                return -EINVAL;
        r = ready_unix_new(&e->owner, path, &c, &error);

        return executor_add_check(e, r, c, error);
}

int ur_executor_add_ready_http(ur_executor *e, const ur_http_check *check)
{
        struct ready_check *c = NULL;
        char *error = NULL;
        int r;

        if (!check || !check->url)
                return -EINVAL;
        r = ready_http_new(&e->owner, check, &c, &error);

        return executor_add_check(e, r, c, error);
}

int ur_executor_add_ready_file(ur_executor *e, const char *path)
{
        struct ready_check *c = NULL;
        char *error = NULL;
        int r;

        if (!path)
                return -EINVAL;
        r = ready_file_new(&e->owner, path, &c, &error);

        return executor_add_check(e, r, c, error);
}

int ur_executor_set_ready_interval(ur_executor *e, uint64_t usec)
{
        e->owner.interval_usec = usec;
        return 0;
}

int ur_executor_set_refuse_if_ready(ur_executor *e, bool refuse)
{
        e->refuse_if_ready = refuse;
        return 0;
}

/* ---- State and failures ------------------------------------------------------------ */

void executor_set_state(ur_executor *e, ur_state state)
{
        if (e->state == state)
                return;
        e->state = state;
        context_log(e->ctx, UR_LOG_DEBUG, e->name, "%s", ur_state_to_string(state));
        if (e->ctx->state_fn)
                e->ctx->state_fn(e, state, e->ctx->state_userdata);
}

static void executor_end_checks(ur_executor *e)
{
        for (struct ready_check *c = e->checks; c; c = c->next)
                c->ops->end(c);
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
        if (e->recent.lines[(e->recent.next + OUTPUT_RECENT_LINES - 1) % OUTPUT_RECENT_LINES]) {
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
                return e->exec_done && e->child_exited && e->child_code == CLD_EXITED &&
                       (e->child_status == 0 || (e->success_status[e->child_status / 8] & (1u << (e->child_status % 8))));
        default:
                return e->exec_done;
        }
}

void executor_maybe_ready(ur_executor *e)
{
        if (e->state != UR_STATE_STARTING || !executor_type_condition_met(e))
                return;
        for (struct ready_check *c = e->checks; c; c = c->next)
                if (!c->met)
                        return;
        e->ready_usec = now_usec();
        (void) timer_disarm(&e->timer);
        executor_end_checks(e);
        executor_set_state(e, e->type == UR_TYPE_ONESHOT ? UR_STATE_EXITED : UR_STATE_RUNNING);
}

static void executor_on_check_met(struct ready_owner *owner)
{
        executor_maybe_ready((ur_executor *) ((char *) owner - offsetof(ur_executor, owner)));
}

static void format_exit(int code, int status, char *buf, size_t size)
{
        char sigbuf[16];

        if (code == CLD_EXITED)
                snprintf(buf, size, "exited with status %d", status);
        else if (code == CLD_KILLED || code == CLD_DUMPED)
                snprintf(buf, size, "was killed by %s%s", signal_to_string(status, sigbuf),
                         code == CLD_DUMPED ? " (core dumped)" : "");
        else
                snprintf(buf, size, "exited");
}

/* ---- Events of a run ---------------------------------------------------------------- */

static void executor_on_main_exit(ur_executor *e)
{
        char how[128];

        format_exit(e->main_code, e->main_status, how, sizeof(how));
        switch (e->state) {
        case UR_STATE_STARTING:
                executor_maybe_ready(e);
                if (e->state == UR_STATE_STARTING)
                        executor_fail(e, UR_FAILURE_EXITED, "%s before it was ready", how);
                break;
        case UR_STATE_RUNNING:
                executor_fail(e, UR_FAILURE_CRASHED, "main process %s while running", how);
                break;
        case UR_STATE_STOPPING:
        case UR_STATE_EXITED:
                executor_stop_check(e);
                break;
        default:
                break;
        }
}

static void executor_drain_exec_pipe(ur_executor *e);

static void executor_on_child_event(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        siginfo_t si = {};

        if (waitid((idtype_t) P_PIDFD, (id_t) w->fd, &si, WEXITED | WNOHANG) < 0) {
                if (errno != ECHILD)
                        return;
                /* Someone else reaped it (a host's waitpid(-1)); the status is lost. */
                si.si_pid = e->child_pid;
                si.si_code = 0;
        } else if (si.si_pid == 0)
                return; /* spurious */

        watch_remove(&e->ctx->loop, w);
        e->child_exited = true;
        e->child_code = si.si_code;
        e->child_status = si.si_status;
        /* An exec failure also ends the child: let the pipe tell that story first. */
        executor_drain_exec_pipe(e);
        output_stream_drain(&e->out[0], &e->ctx->loop);
        output_stream_drain(&e->out[1], &e->ctx->loop);
        if (e->main_pid != e->child_pid) {
                if (e->state == UR_STATE_STOPPING || e->state == UR_STATE_EXITED)
                        executor_stop_check(e);
                return;
        }
        e->main_exited = true;
        e->main_code = e->child_code;
        e->main_status = e->child_status;
        executor_on_main_exit(e);
}

static void executor_on_main_event(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;

        /* Not our child: no status to collect (PIDFD_GET_INFO could, on Linux 6.15+). */
        watch_remove(&e->ctx->loop, w);
        e->main_exited = true;
        e->main_code = 0;
        executor_on_main_exit(e);
}

static void executor_drain_exec_pipe(ur_executor *e)
{
        struct spawn_error err;
        ssize_t n;

        if (!watch_active(&e->exec_watch))
                return;
        n = read(e->exec_watch.fd, &err, sizeof(err));
        if (n < 0 && errno == EAGAIN)
                return;
        watch_remove(&e->ctx->loop, &e->exec_watch);
        if (n == (ssize_t) sizeof(err)) {
                if (err.step == SPAWN_STEP_EXEC)
                        executor_fail(e, UR_FAILURE_EXEC, "cannot execute %s: %s", e->argv[0], strerror(err.error));
                else if (err.step == SPAWN_STEP_CHDIR)
                        executor_fail(e, UR_FAILURE_EXEC, "cannot change to working directory %s: %s", e->cwd,
                                      strerror(err.error));
                else
                        executor_fail(e, UR_FAILURE_EXEC, "failed while %s: %s", spawn_step_to_string(err.step),
                                      strerror(err.error));
                e->exec_errno = err.error;
                return;
        }
        e->exec_done = true;
        executor_maybe_ready(e);
}

static void executor_on_exec_event(struct watch *w, uint32_t events)
{
        executor_drain_exec_pipe(w->data);
}

static void executor_on_line(struct output_stream *s, const char *line, size_t len, bool complete)
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

/* Is pid one of this executor's processes? By cgroup when we have one (the kernel's word),
 * else by session, which is what the fallback can know. */
static bool executor_owns_pid(const ur_executor *e, pid_t pid)
{
        if (pid == e->main_pid || pid == e->child_pid)
                return true;
        if (e->cgroup_path) {
                _cleanup_free_ char *cg = NULL;
                const char *mine = cgroup_relative(e->ctx->cgroup, e->cgroup_path);
                size_t l = strlen(mine);

                if (proc_get_cgroup(pid, &cg) < 0)
                        return false;
                return strncmp(cg, mine, l) == 0 && (cg[l] == 0 || cg[l] == '/');
        } else {
                struct proc_stat st;
                return proc_get_stat(pid, &st) >= 0 && st.sid == e->session;
        }
}

static int executor_set_main_pid(ur_executor *e, pid_t pid)
{
        int fd, r;

        if (pid == e->main_pid)
                return 0;
        if (pid == e->child_pid) {
                watch_remove(&e->ctx->loop, &e->main_watch);
                e->main_pid = pid;
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
        return 0;
}

static void executor_apply_notify(ur_executor *e, const struct notify_message *m, pid_t sender)
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
                if (!executor_owns_pid(e, m->main_pid) && m->main_pid != e->child_pid)
                        context_log(e->ctx, UR_LOG_WARNING, e->name,
                                    "ignoring MAINPID=%d: not a process of this unit", (int) m->main_pid);
                else if (executor_set_main_pid(e, m->main_pid) < 0)
                        context_log(e->ctx, UR_LOG_WARNING, e->name, "ignoring MAINPID=%d: process is gone",
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
                e->notify_ready = true;
                executor_maybe_ready(e);
        }
        (void) sender;
}

static void executor_on_notify_event(struct watch *w, uint32_t events)
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
                        context_log(e->ctx, UR_LOG_DEBUG, e->name, "notify message dropped: %s", dropped);
                        continue;
                }
                if (e->notify_access == UR_NOTIFY_MAIN ? sender != e->main_pid : !executor_owns_pid(e, sender))
                        context_log(e->ctx, UR_LOG_DEBUG, e->name,
                                    "notify message from PID %d ignored: not a process of this unit", (int) sender);
                else
                        executor_apply_notify(e, &m, sender);
                notify_message_done(&m);
                if (!watch_active(w))
                        return;
        }
}

static void executor_on_cgroup_event(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        int r = cgroup_read_populated(w->fd);

        if (r >= 0)
                e->populated = r;
        if (e->state == UR_STATE_STOPPING && !e->populated)
                executor_stop_check(e);
}

static void executor_pending_conditions(const ur_executor *e, char *buf, size_t size)
{
        buf[0] = 0;
        if (!executor_type_condition_met(e))
                snprintf(buf, size, "%s",
                         !e->exec_done              ? "execve()"
                         : e->type == UR_TYPE_NOTIFY ? "READY=1"
                                                     : "a clean exit");
        ready_list_describe_pending(e->checks, buf, size);
}

static void executor_on_timer(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        char pending[2048], span[64];

        if (e->state == UR_STATE_STOPPING) {
                executor_stop_on_timer(e);
                return;
        }
        (void) timer_disarm(w);
        if (e->state != UR_STATE_STARTING)
                return;
        executor_pending_conditions(e, pending, sizeof(pending));
        executor_fail(e, UR_FAILURE_TIMEOUT, "not ready after %s; still waiting for: %s",
                      timespan_format(span, sizeof(span), e->start_timeout_usec), pending);
}

/* ---- Starting ------------------------------------------------------------------------ */

/* Kernel resources of a run, in the order they are acquired; released by executor_release_run(). */
static int executor_open_stdio(ur_executor *e, int which, int *ret_child_fd, int *ret_read_end)
{
        int fd, fds[2];

        *ret_read_end = -1;
        switch (e->stdio[which].mode) {
        case UR_STDIO_INHERIT:
                *ret_child_fd = which;
                return 0;
        case UR_STDIO_NULL:
                fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
                break;
        case UR_STDIO_FILE:
        case UR_STDIO_APPEND:
                fd = open(e->stdio[which].path,
                          O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY |
                                  (e->stdio[which].mode == UR_STDIO_APPEND ? O_APPEND : O_TRUNC),
                          0644);
                if (fd < 0) {
                        int r = negative_errno();
                        char msg[4200];
                        snprintf(msg, sizeof(msg), "cannot open %s for output: %s", e->stdio[which].path,
                                 strerror(-r));
                        executor_set_error(e, msg);
                        return r;
                }
                break;
        default:
                if (pipe2(fds, O_CLOEXEC) < 0)
                        return negative_errno();
                (void) fcntl(fds[0], F_SETFL, O_NONBLOCK);
                *ret_read_end = fds[0];
                fd = fds[1];
                break;
        }
        if (fd < 0)
                return negative_errno();
        *ret_child_fd = fd;
        return 0;
}

/* Child-side fds must not land on 0..2 (dup2 order would clobber them). */
static int fd_move_above_stdio(int fd)
{
        int nfd;

        if (fd < 0 || fd > 2)
                return fd;
        nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        close(fd);
        return nfd;
}

void executor_release_run(ur_executor *e)
{
        struct loop *l = &e->ctx->loop;

        watch_remove(l, &e->child_watch);
        watch_remove(l, &e->main_watch);
        watch_remove(l, &e->exec_watch);
        watch_remove(l, &e->notify_watch);
        watch_remove(l, &e->timer);
        watch_remove(l, &e->cgroup_watch);
        watch_remove(l, &e->out[0].watch);
        watch_remove(l, &e->out[1].watch);
        if (e->notify_path) {
                (void) unlink(e->notify_path);
                e->notify_path = mfree(e->notify_path);
        }
        if (e->cgroup_path) {
                int r = cgroup_remove(e->cgroup_path);
                if (r < 0)
                        context_log(e->ctx, UR_LOG_WARNING, e->name, "cannot remove cgroup %s: %s", e->cgroup_path,
                                    strerror(-r));
                e->cgroup_path = mfree(e->cgroup_path);
        }
}

static int executor_prepare_env(ur_executor *e, char ***ret)
{
        _cleanup_strv_free_ char **env = strv_copy(e->env);
        int r;

        if (!env)
                return -ENOMEM;
        /* Our own service manager's socket must never leak into a unit. */
        r = strv_env_unset(env, "NOTIFY_SOCKET");
        if (r >= 0 && e->notify_path)
                r = strv_env_set(&env, "NOTIFY_SOCKET", e->notify_path);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(env);
        return 0;
}

static bool executor_needs_notify_socket(const ur_executor *e)
{
        return e->type == UR_TYPE_NOTIFY || e->notify_access_set;
}

static int executor_spawn(ur_executor *e)
{
        ur_context *ctx = e->ctx;
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int null_in = -1, out_fd = -1, err_fd = -1, out_read = -1, err_read = -1;
        _cleanup_close_ int cgroup_dir = -1;
        struct spawn_request req = {};
        struct spawn_result res;
        int r;

        for (int which = UR_STDOUT; which <= UR_STDERR; which++)
                for (struct ready_check *c = e->checks; c; c = c->next)
                        if (c->ops->on_line && e->stdio[which].mode != UR_STDIO_CAPTURE) {
                                executor_set_error(e, "an output readiness condition needs captured output");
                                return -EINVAL;
                        }

        context_ensure_isolation(ctx);
        if (ctx->cgroup) {
                r = cgroup_leaf_create(ctx->cgroup, e->name, &e->cgroup_path);
                if (r < 0)
                        return r;
                cgroup_dir = cgroup_open_dir(e->cgroup_path);
                if (cgroup_dir < 0)
                        return cgroup_dir;
                r = cgroup_open_events(e->cgroup_path);
                if (r < 0)
                        return r;
                r = loop_add(&ctx->loop, &e->cgroup_watch, r, EPOLLPRI, executor_on_cgroup_event, e);
                if (r < 0)
                        return r;
                /* A fresh cgroup.events signals once until first read. */
                e->populated = cgroup_read_populated(e->cgroup_watch.fd) > 0;
        }

        if (executor_needs_notify_socket(e)) {
                char p[4096];

                r = context_ensure_runtime_dir(ctx);
                if (r < 0)
                        return r;
                snprintf(p, sizeof(p), "%s/notify-%u", ctx->runtime_dir, e->id);
                e->notify_path = strdup(p);
                if (!e->notify_path)
                        return -ENOMEM;
                r = notify_socket_open(e->notify_path);
                if (r < 0)
                        return r;
                r = loop_add(&ctx->loop, &e->notify_watch, r, EPOLLIN, executor_on_notify_event, e);
                if (r < 0)
                        return r;
        }

        r = executor_prepare_env(e, &env);
        if (r < 0)
                return r;
        path = spawn_find_program(e->argv[0], env);
        if (!path)
                return -ENOMEM;

        null_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null_in < 0)
                return negative_errno();
        r = executor_open_stdio(e, UR_STDOUT, &out_fd, &out_read);
        if (r < 0)
                return r;
        r = executor_open_stdio(e, UR_STDERR, &err_fd, &err_read);
        if (r < 0)
                return r;
        if (e->stdio[UR_STDOUT].mode != UR_STDIO_INHERIT)
                out_fd = fd_move_above_stdio(out_fd);
        if (e->stdio[UR_STDERR].mode != UR_STDIO_INHERIT)
                err_fd = fd_move_above_stdio(err_fd);
        null_in = fd_move_above_stdio(null_in);
        if (null_in < 0 || out_fd < 0 || err_fd < 0)
                return -EMFILE;

        r = timer_add(&ctx->loop, &e->timer, executor_on_timer, e);
        if (r < 0)
                return r;

        req = (struct spawn_request){
                .path = path,
                .argv = e->argv,
                .envp = env,
                .cwd = e->cwd,
                .stdio = { null_in, out_fd, err_fd },
                .cgroup_dir_fd = cgroup_dir,
                .cgroup_path = e->cgroup_path,
        };
        r = spawn_process(&req, &res);
        if (r < 0)
                return r;
        e->spawn_usec = now_usec();
        e->child_pid = e->main_pid = e->session = res.pid;

        /* From here on the child exists: failures are reported through the run. */
        r = loop_add(&ctx->loop, &e->child_watch, res.pidfd, EPOLLIN, executor_on_child_event, e);
        if (r >= 0)
                r = loop_add(&ctx->loop, &e->exec_watch, res.error_pipe, EPOLLIN | EPOLLHUP, executor_on_exec_event, e);
        else
                safe_close(res.error_pipe);
        if (r >= 0 && out_read >= 0)
                r = output_stream_attach(&e->out[0], &ctx->loop, TAKE_FD(out_read));
        if (r >= 0 && err_read >= 0)
                r = output_stream_attach(&e->out[1], &ctx->loop, TAKE_FD(err_read));
        if (r < 0) {
                (void) kill(res.pid, SIGKILL);
                return r;
        }
        return 0;
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
        r = executor_spawn(e);
        if (r < 0)
                goto fail;
        for (struct ready_check *c = e->checks; c; c = c->next) {
                r = c->ops->begin(c);
                if (r < 0)
                        goto fail;
        }
        (void) timer_arm(&e->timer, e->deadline_usec);
        executor_set_state(e, UR_STATE_STARTING);
        /* A check may already hold (e.g. a file that exists). */
        executor_maybe_ready(e);
        return 0;

fail:
        executor_end_checks(e);
        if (e->child_pid > 0) {
                /* The child exists but we lost track of it: it is in its cgroup, kill that. */
                if (e->cgroup_path)
                        (void) cgroup_kill(e->cgroup_path);
                (void) waitpid(e->child_pid, NULL, 0);
        }
        executor_release_run(e);
        if (e->failure == UR_FAILURE_NONE)
                e->failure = UR_FAILURE_SYSTEM;
        if (!e->error) {
                snprintf(message, sizeof(message), "cannot start: %s", strerror(-r));
                executor_set_error(e, message);
        }
        e->state = UR_STATE_FAILED;
        if (e->ctx->state_fn)
                e->ctx->state_fn(e, UR_STATE_FAILED, e->ctx->state_userdata);
        return r;
}

static bool executor_start_settled(const ur_executor *e)
{
        return e->state != UR_STATE_STARTING && !(e->state == UR_STATE_STOPPING && e->failure != UR_FAILURE_NONE);
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

/* ---- Queries --------------------------------------------------------------------------- */

ur_state ur_executor_get_state(const ur_executor *e)
{
        return e->state;
}

bool ur_executor_is_running(const ur_executor *e)
{
        return e->state == UR_STATE_RUNNING;
}

pid_t ur_executor_get_pid(const ur_executor *e)
{
        if (e->state == UR_STATE_INACTIVE || e->state == UR_STATE_FAILED || e->main_exited)
                return 0;
        return e->main_pid;
}

bool ur_executor_get_exit(const ur_executor *e, int *ret_code, int *ret_status)
{
        if (!e->main_exited || e->main_code == 0)
                return false;
        if (ret_code)
                *ret_code = e->main_code;
        if (ret_status)
                *ret_status = e->main_status;
        return true;
}

ur_failure ur_executor_get_failure(const ur_executor *e)
{
        return e->failure;
}

const char *ur_executor_get_error(const ur_executor *e)
{
        return e->error;
}

const char *ur_executor_get_status_text(const ur_executor *e)
{
        return e->status_text;
}

const char *ur_executor_get_output(const ur_executor *e, ur_stream stream, size_t *ret_len)
{
        const struct output_stream *s;

        if (stream != UR_STDOUT && stream != UR_STDERR)
                return NULL;
        s = &e->out[stream - 1];
        if (ret_len)
                *ret_len = s->capture_len;
        return s->capture ? s->capture : "";
}

const char *ur_executor_get_cgroup(const ur_executor *e)
{
        return e->cgroup_path;
}

int ur_executor_get_cpu_usage(const ur_executor *e, uint64_t *ret_usec)
{
        uint64_t usec;

        if (e->cgroup_path && cgroup_read_cpu_usec(e->cgroup_path, &usec) >= 0) {
                *ret_usec = usec;
                return 0;
        }
        if (!e->cpu_known)
                return -ENODATA;
        *ret_usec = e->cpu_usec;
        return 0;
}

uint64_t ur_executor_get_ready_msec(const ur_executor *e)
{
        if (!e->ready_usec || e->ready_usec < e->spawn_usec)
                return 0;
        return (e->ready_usec - e->spawn_usec) / USEC_PER_MSEC;
}

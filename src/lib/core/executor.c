/* The executor: its configuration, queries, and the predicates over its configuration. Its
 * life is elsewhere: the state machine in executor-lifecycle.c (which also creates it), a
 * run's resources, spawning and signalling in executor-run.c. */
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "cmdline.h"
#include "condition-value.h"
#include "internal.h"
#include "macro.h"
#include "notify-socket.h"
#include "proc.h"
#include "shims.h"
#include "signal-name.h"
#include "spawn.h"
#include "strv.h"
#include "timespan.h"

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
                [UR_FAILURE_NONE] = "none",
                [UR_FAILURE_EXEC] = "exec",
                [UR_FAILURE_EXITED] = "exited",
                [UR_FAILURE_TIMEOUT] = "timeout",
                [UR_FAILURE_CRASHED] = "crashed",
                [UR_FAILURE_STOP] = "stop",
                [UR_FAILURE_SYSTEM] = "system",
                [UR_FAILURE_IN_USE] = "in-use",
                [UR_FAILURE_DEPENDENCY] = "dependency",
                [UR_FAILURE_ASSERT] = "assert",
                [UR_FAILURE_START_LIMIT] = "start-limit",
        };
        return (unsigned) f < ELEMENTSOF(names) ? names[f] : "unknown";
}

const char *ur_outcome_to_string(ur_outcome o)
{
        static const char *const names[] = {
                [UR_OK] = "ok",
                [UR_SKIPPED] = "skipped",
                [UR_EXEC_FAILED] = "exec-failed",
                [UR_EXITED_EARLY] = "exited-early",
                [UR_TIMED_OUT] = "timed-out",
                [UR_IN_USE] = "in-use",
                [UR_CANCELLED] = "cancelled",
                [UR_DEPENDENCY_FAILED] = "dependency-failed",
                [UR_START_FAILED] = "start-failed",
                [UR_STOP_FAILED] = "stop-failed",
        };
        return (unsigned) o < ELEMENTSOF(names) ? names[o] : NULL;
}

ur_outcome executor_start_outcome(const ur_executor *e)
{
        switch (e->failure) {
        case UR_FAILURE_NONE:
                return UR_CANCELLED;
        case UR_FAILURE_EXEC:
                return UR_EXEC_FAILED;
        case UR_FAILURE_EXITED:
                return UR_EXITED_EARLY;
        case UR_FAILURE_TIMEOUT:
                return UR_TIMED_OUT;
        case UR_FAILURE_IN_USE:
                return UR_IN_USE;
        case UR_FAILURE_DEPENDENCY:
                return UR_DEPENDENCY_FAILED;
        default:
                return UR_START_FAILED;
        }
}

/* ---- Creation and configuration ---------------------------------------------------- */

int executor_commands_append(struct command_list *l, char *const *argv, const char *line, unsigned flags)
{
        struct command *items = realloc(l->items, (l->n + 1) * sizeof(*items));
        struct command c = { .flags = flags };

        if (!items)
                return -ENOMEM;
        l->items = items;
        if (argv && !(c.argv = strv_copy(argv)))
                return -ENOMEM;
        if (line && !(c.line = strdup(line)))
                return -ENOMEM;
        l->items[l->n++] = c;
        return 0;
}

static void command_list_done(struct command_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                strv_free(l->items[i].argv);
                free(l->items[i].line);
        }
        l->items = mfree(l->items);
        l->n = 0;
}

/* A command line must at least split (the $VAR expansion waits for the spawn). */
int executor_command_line_check(const char *cmdline)
{
        _cleanup_strv_free_ char **argv = NULL;
        const char *reason = NULL;

        return cmdline && cmdline_split(cmdline, &argv, &reason) >= 0 ? 0 : -EINVAL;
}

int ur_executor_add_command(ur_executor *e, ur_command_kind kind, const char *cmdline, unsigned flags)
{
        if (!e || (unsigned) kind >= COMMAND_KINDS || executor_command_line_check(cmdline) < 0)
                return -EINVAL;
        if (kind == UR_EXEC_START && e->type != UR_TYPE_ONESHOT)
                return -EINVAL; /* only a oneshot runs several main commands */
        return executor_commands_append(&e->commands[kind], NULL, cmdline, flags);
}

int ur_executor_add_environment_file(ur_executor *e, const char *path, bool optional)
{
        struct environment_file *files;
        char *copy;

        if (!e || !path || !*path)
                return -EINVAL;
        copy = strdup(path);
        files = copy ? realloc(e->environment_files, (e->n_environment_files + 1) * sizeof(*files)) : NULL;
        if (!files) {
                free(copy);
                return -ENOMEM;
        }
        e->environment_files = files;
        e->environment_files[e->n_environment_files++] =
                (struct environment_file){ .path = copy, .optional = optional };
        return 0;
}

int ur_executor_set_pid_file(ur_executor *e, const char *path)
{
        char *copy = NULL;

        if (!e || (path && !*path))
                return -EINVAL;
        if (path && !(copy = strdup(path)))
                return -ENOMEM;
        free(e->pid_file);
        e->pid_file = copy;
        return 0;
}

int ur_executor_add_runtime_directory(ur_executor *e, const char *name)
{
        if (!e || !name || !*name || name[0] == '/' || strstr(name, ".."))
                return -EINVAL;
        return strv_push(&e->runtime_directories, name);
}

void executor_done(ur_executor *e)
{
        output_stream_done(&e->out[0], &e->ctx->loop);
        output_stream_done(&e->out[1], &e->ctx->loop);
        line_ring_clear(&e->recent);
        ready_list_free(&e->checks);
        for (int k = 0; k < COMMAND_KINDS; k++)
                command_list_done(&e->commands[k]);
        for (size_t i = 0; i < e->n_environment_files; i++)
                free(e->environment_files[i].path);
        free(e->environment_files);
        strv_free(e->runtime_directories);
        process_config_done(&e->proc);
        strv_free(e->unset_environment);
        strv_free(e->joins_namespace_of);
        free(e->pid_file);
        strv_free(e->env);
        free(e->cwd);
        for (int i = 0; i < 3; i++) {
                free(e->stdio[i].path);
                if (e->stdio[i].mode == UR_STDIO_FD)
                        safe_close(e->stdio[i].fd);
        }
        for (size_t i = 0; i < e->n_conditions; i++)
                free(e->conditions[i].value);
        free(e->conditions);
        free(e->start_times);
        free(e->error);
        free(e->skip_reason);
        free(e->status_text);
        free(e->name);
        free(e);
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

int ur_executor_add_unset_environment(ur_executor *e, const char *name)
{
        if (!e || !name || !*name || strchr(name, '='))
                return -EINVAL;
        return strv_push(&e->unset_environment, name);
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
        if (mode == UR_STDIO_FD || (path && !(copy = strdup(path))))
                return mode == UR_STDIO_FD ? -EINVAL : -ENOMEM;
        if (e->stdio[stream].mode == UR_STDIO_FD)
                safe_close(e->stdio[stream].fd);
        free(e->stdio[stream].path);
        e->stdio[stream].mode = mode;
        e->stdio[stream].path = copy;
        return 0;
}

int ur_executor_set_stdio_fd(ur_executor *e, ur_stream stream, int fd)
{
        int copy;

        if ((stream != UR_STDOUT && stream != UR_STDERR) || fd < 0)
                return -EINVAL;
        /* Above 0..2: the child's dup2() sequence would clobber it there. */
        copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (copy < 0)
                return negative_errno();
        (void) ur_executor_set_stdio(e, stream, UR_STDIO_CAPTURE, NULL);
        e->stdio[stream].mode = UR_STDIO_FD;
        e->stdio[stream].fd = copy;
        return 0;
}

int ur_executor_set_type(ur_executor *e, ur_type type)
{
        if ((unsigned) type > UR_TYPE_FORKING)
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

const char *executor_describe_command(const struct command *cmd, char *buf, size_t size)
{
        if (cmd->line)
                snprintf(buf, size, "%s", cmd->line);
        else {
                _cleanup_free_ char *joined = strv_join(cmd->argv, " ");
                snprintf(buf, size, "%s", joined ? joined : cmd->argv[0]);
        }
        return buf;
}

bool executor_exit_status_is_success(const ur_executor *e, int code, int status)
{
        return code == CLD_EXITED && (status == 0 || (e->success_status[status / 8] & (1u << (status % 8))));
}

bool executor_exit_is_clean(const ur_executor *e, int code, int status)
{
        switch (code) {
        case 0:
                return true; /* not our child: we saw it die, we cannot know how */
        case CLD_EXITED:
                return executor_exit_status_is_success(e, code, status);
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

void executor_set_error(ur_executor *e, const char *message)
{
        char *copy = message ? strdup(message) : NULL;

        /* message may be e->error itself. */
        free(e->error);
        e->error = copy;
}

/* Adds the check, or keeps the constructor's message as the executor's error. */
static int executor_add_ready(ur_executor *e, const struct ready_spec *spec)
{
        char *error = NULL;
        int r = ready_list_add(&e->checks, spec, &e->owner, &error);

        if (error)
                executor_set_error(e, error);
        free(error);
        return r;
}

int ur_executor_add_ready_output(ur_executor *e, const char *regex, ur_stream streams)
{
        return executor_add_ready(
                e, &(struct ready_spec){ .kind = READY_OUTPUT, .arg = regex, .streams = (int) streams });
}

int ur_executor_add_ready_callback(ur_executor *e, ur_ready_fn fn, void *userdata)
{
        return executor_add_ready(
                e, &(struct ready_spec){ .kind = READY_CALLBACK, .fn = fn, .userdata = userdata });
}

int ur_executor_add_ready_tcp(ur_executor *e, const char *host_port)
{
        return executor_add_ready(e, &(struct ready_spec){ .kind = READY_TCP, .arg = host_port });
}

int ur_executor_add_ready_unix(ur_executor *e, const char *path)
{
        return executor_add_ready(e, &(struct ready_spec){ .kind = READY_UNIX, .arg = path });
}

int ur_executor_add_ready_http(ur_executor *e, const ur_http_check *check)
{
        return executor_add_ready(e, &(struct ready_spec){ .kind = READY_HTTP, .http = check });
}

int ur_executor_add_ready_listen(ur_executor *e, const char *addr)
{
        return executor_add_ready(e, &(struct ready_spec){ .kind = READY_LISTEN, .arg = addr });
}

int ur_executor_add_ready_file(ur_executor *e, const char *path)
{
        return executor_add_ready(e, &(struct ready_spec){ .kind = READY_FILE, .arg = path });
}

int ur_executor_set_remain_after_exit(ur_executor *e, bool remain)
{
        e->remain_after_exit = remain;
        return 0;
}

int ur_executor_set_exit_type(ur_executor *e, ur_exit_type type)
{
        if ((unsigned) type > UR_EXIT_CGROUP)
                return -EINVAL;
        e->exit_type = type;
        return 0;
}

int ur_executor_set_guess_main_pid(ur_executor *e, bool guess)
{
        e->guess_main_pid = guess;
        return 0;
}

int ur_executor_set_restart(ur_executor *e, ur_restart policy, uint64_t delay_usec)
{
        if ((unsigned) policy > UR_RESTART_ALWAYS)
                return -EINVAL;
        e->restart = policy;
        e->restart_usec = delay_usec;
        return 0;
}

int ur_executor_set_start_limit(ur_executor *e, uint64_t interval_usec, unsigned burst)
{
        uint64_t *times = NULL;

        if (burst > 10000)
                return -EINVAL;
        if (burst && !(times = calloc(burst, sizeof(*times))))
                return -ENOMEM;
        free(e->start_times);
        e->start_times = times;
        e->n_starts = 0;
        e->start_limit_interval_usec = interval_usec;
        e->start_limit_burst = burst;
        return 0;
}

int ur_executor_add_restart_prevent_status(ur_executor *e, int status)
{
        if (status < 0 || status > 255)
                return -EINVAL;
        e->restart_prevent_status[status / 8] |= (uint8_t) (1u << (status % 8));
        return 0;
}

int ur_executor_add_restart_prevent_signal(ur_executor *e, int sig)
{
        if (sig <= 0 || sig >= 64)
                return -EINVAL;
        e->restart_prevent_signals |= UINT64_C(1) << sig;
        return 0;
}

unsigned ur_executor_get_restarts(const ur_executor *e)
{
        return e->restarts;
}

const char *ur_condition_kind_to_string(ur_condition_kind kind)
{
        static char names[_UR_CONDITION_KIND_MAX][64];
        const char *n = condition_kind_name(kind);

        if (!n)
                return NULL;
        if (!names[kind][0])
                snprintf(names[kind], sizeof(names[kind]), "Condition%s", n);
        return names[kind];
}

int ur_executor_add_condition(ur_executor *e, ur_condition_kind kind, const char *value, unsigned flags)
{
        struct condition *conditions;
        const char *reason;
        char *copy;

        if (!e || !value || (flags & ~(UR_CONDITION_NEGATE | UR_CONDITION_TRIGGER | UR_CONDITION_ASSERT)) ||
            condition_value_check(kind, value, &reason) < 0)
                return -EINVAL;
        copy = strdup(value);
        conditions = copy ? realloc(e->conditions, (e->n_conditions + 1) * sizeof(*conditions)) : NULL;
        if (!conditions) {
                free(copy);
                return -ENOMEM;
        }
        e->conditions = conditions;
        e->conditions[e->n_conditions++] = (struct condition){ .kind = kind, .flags = flags, .value = copy };
        return 0;
}

const char *ur_executor_get_skip_reason(const ur_executor *e)
{
        return e->skip_reason;
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

/* ---- Queries --------------------------------------------------------------------------- */

ur_state executor_public_state(const ur_executor *e)
{
        /* As systemd's state_translation_table[] maps service states to UnitActiveState. */
        static const ur_state to_public[_EXECUTOR_STATE_MAX] = {
                [EXECUTOR_DEAD] = UR_STATE_INACTIVE,         [EXECUTOR_CONDITION] = UR_STATE_STARTING,
                [EXECUTOR_START_PRE] = UR_STATE_STARTING,    [EXECUTOR_START] = UR_STATE_STARTING,
                [EXECUTOR_START_POST] = UR_STATE_STARTING,   [EXECUTOR_RUNNING] = UR_STATE_RUNNING,
                [EXECUTOR_EXITED] = UR_STATE_EXITED,         [EXECUTOR_STOP] = UR_STATE_STOPPING,
                [EXECUTOR_STOP_SIGTERM] = UR_STATE_STOPPING, [EXECUTOR_STOP_SIGKILL] = UR_STATE_STOPPING,
                [EXECUTOR_STOP_POST] = UR_STATE_STOPPING,    [EXECUTOR_FINAL_SIGKILL] = UR_STATE_STOPPING,
                [EXECUTOR_FAILED] = UR_STATE_FAILED,         [EXECUTOR_AUTO_RESTART] = UR_STATE_STARTING,
        };
        return to_public[e->state];
}

bool executor_is_stopping(const ur_executor *e)
{
        return executor_public_state(e) == UR_STATE_STOPPING;
}

ur_state ur_executor_get_state(const ur_executor *e)
{
        return executor_public_state(e);
}

bool ur_executor_is_running(const ur_executor *e)
{
        return e->state == EXECUTOR_RUNNING;
}

pid_t ur_executor_get_pid(const ur_executor *e)
{
        if (e->state == EXECUTOR_DEAD || e->state == EXECUTOR_FAILED || e->main_exited)
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

int ur_executor_get_errno(const ur_executor *e)
{
        return e->failure == UR_FAILURE_EXEC ? e->exec_errno : 0;
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

void ur_executor_describe_conditions(const ur_executor *e, char *buf, size_t size)
{
        static const char *const type_conditions[] = {
                [UR_TYPE_SIMPLE] = "exec",      [UR_TYPE_EXEC] = "exec",
                [UR_TYPE_NOTIFY] = "READY=1",   [UR_TYPE_ONESHOT] = "clean exit",
                [UR_TYPE_FORKING] = "PID file",
        };
        size_t used;

        snprintf(buf, size, "%s", type_conditions[e->type]);
        used = strlen(buf);
        for (const struct ready_check *c = e->checks; c && used + 4 < size; c = c->next) {
                char what[1024];

                c->ops->describe(c, what, sizeof(what));
                used += (size_t) snprintf(buf + used, size - used, ", %s", what);
        }
}

int ur_executor_get_memory_peak(const ur_executor *e, uint64_t *ret_bytes)
{
        uint64_t bytes;

        if (e->cgroup_path && cgroup_read_memory_peak(e->cgroup_path, &bytes) >= 0) {
                *ret_bytes = bytes;
                return 0;
        }
        if (!e->memory_peak_known)
                return -ENODATA;
        *ret_bytes = e->memory_peak;
        return 0;
}

uint64_t ur_executor_get_ready_msec(const ur_executor *e)
{
        if (!e->ready_usec || e->ready_usec < e->spawn_usec)
                return 0;
        return (e->ready_usec - e->spawn_usec) / USEC_PER_MSEC;
}

uint64_t ur_executor_get_start_pre_msec(const ur_executor *e)
{
        if (!e->start_pre_usec || e->spawn_usec < e->start_pre_usec)
                return 0;
        return (e->spawn_usec - e->start_pre_usec) / USEC_PER_MSEC;
}

ur_executor *ur_executor_get_after(const ur_executor *e, size_t i)
{
        for (size_t d = 0; d < e->n_deps; d++)
                if ((e->deps[d].flags & UR_DEP_AFTER) && i-- == 0)
                        return e->deps[d].other;
        return NULL;
}

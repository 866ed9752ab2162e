/* The resources of one run of an executor (cgroup leaf, notify socket, output pipes, the
 * timer, runtime directories) and spawning commands into it: the environment each
 * command gets, its argv, and the watches on the new process. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cmdline.h"
#include "internal.h"
#include "macro.h"
#include "notify-socket.h"
#include "proc.h"
#include "shims.h"
#include "signal-name.h"
#include "strv.h"
#include "unit-file.h"

void format_exit(int code, int status, char *buf, size_t size)
{
        char sigbuf[16];

        if (code == CLD_EXITED)
                snprintf(buf, size, "exited with status %d", status);
        else if (code == CLD_KILLED || code == CLD_DUMPED)
                snprintf(
                        buf, size, "was killed by %s%s", signal_to_string(status, sigbuf),
                        code == CLD_DUMPED ? " (core dumped)" : "");
        else
                snprintf(buf, size, "exited");
}

/* Is pid one of this executor's processes? By cgroup when we have one (the kernel's word),
 * else by session, which is what the fallback can know. */
bool executor_owns_pid(const ur_executor *e, pid_t pid)
{
        if (pid == e->main_pid || pid == e->child.pid || pid == e->control.pid)
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

                if (proc_get_stat(pid, &st) < 0)
                        return false;
                for (size_t i = 0; i < e->n_sessions; i++)
                        if (st.sid == e->sessions[i])
                                return true;
                return false;
        }
}

/* ---- Run resources ------------------------------------------------------------------- */

static void executor_on_cgroup_event(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        int r = cgroup_read_populated(w->fd);

        if (r >= 0)
                e->populated = r;
        if (e->state == UR_STATE_STOPPING && !e->populated)
                executor_stop_check(e);
}

static void executor_on_timer(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;

        if (e->state == UR_STATE_STOPPING)
                executor_stop_on_timer(e);
        else
                executor_start_on_timer(e);
}

/* The child's end of stdout or stderr for the whole run: a pipe we drain, a file, /dev/null
 * or our own. */
static int executor_open_stdio(ur_executor *e, int which)
{
        int fd, fds[2];

        switch (e->stdio[which].mode) {
        case UR_STDIO_INHERIT:
                e->stdio_child[which] = which;
                return 0;
        case UR_STDIO_NULL:
                fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
                break;
        case UR_STDIO_FILE:
        case UR_STDIO_APPEND:
                fd =
                        open(e->stdio[which].path,
                             O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY |
                                     (e->stdio[which].mode == UR_STDIO_APPEND ? O_APPEND : O_TRUNC),
                             0644);
                if (fd < 0) {
                        int r = negative_errno();
                        char msg[4200];
                        snprintf(
                                msg, sizeof(msg), "cannot open %s for output: %s", e->stdio[which].path,
                                strerror(-r));
                        executor_set_error(e, msg);
                        return r;
                }
                break;
        default:
                if (pipe2(fds, O_CLOEXEC) < 0)
                        return negative_errno();
                (void) fcntl(fds[0], F_SETFL, O_NONBLOCK);
                fd = fds[1];
                if (output_stream_attach(&e->out[which - 1], &e->ctx->loop, fds[0]) < 0) {
                        close(fd);
                        return -ENOMEM;
                }
                break;
        }
        if (fd < 0)
                return negative_errno();
        /* Never on 0..2: the child's dup2() sequence would clobber it. */
        if (fd <= 2) {
                int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                close(fd);
                if (moved < 0)
                        return negative_errno();
                fd = moved;
        }
        e->stdio_child[which] = fd;
        return 0;
}

static int executor_make_runtime_directories(ur_executor *e)
{
        _cleanup_free_ char *failed = NULL;
        const char *base;
        int r;

        if (!process_wants_directories(&e->proc, e->runtime_directories))
                return 0;
        base = ur_context_get_runtime_dir(e->ctx);
        if (!base)
                return -EIO;
        /* RuntimeDirectory=, StateDirectory=, ...: process-config.c. */
        r = process_make_directories(
                &e->proc, base, e->runtime_directories, &e->runtime_directory_paths, &failed);
        if (r < 0 && failed) {
                char msg[PATH_MAX + 128];
                snprintf(msg, sizeof(msg), "cannot create directory %s: %s", failed, strerror(-r));
                executor_set_error(e, msg);
        }
        return r;
}

static bool executor_needs_notify_socket(const ur_executor *e)
{
        return e->type == UR_TYPE_NOTIFY || e->notify_access_set;
}

int executor_run_setup(ur_executor *e)
{
        ur_context *ctx = e->ctx;
        int r;

        for (int which = UR_STDOUT; which <= UR_STDERR; which++)
                for (struct ready_check *c = e->checks; c; c = c->next)
                        if (c->ops->on_line && e->stdio[which].mode != UR_STDIO_CAPTURE) {
                                executor_set_error(e, "an output readiness condition needs captured output");
                                return -EINVAL;
                        }

        context_ensure_isolation(ctx);
        r = context_ensure_guardian(ctx);
        if (r < 0)
                return r;
        if (ctx->cgroup) {
                r = cgroup_leaf_create(ctx->cgroup, e->name, &e->cgroup_path);
                if (r < 0)
                        return r;
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

        r = executor_make_runtime_directories(e);
        if (r < 0)
                return r;

        r = process_stdin_setup(&e->proc, &e->stdio_child[0]);
        if (r < 0)
                return r;
        r = executor_open_stdio(e, UR_STDOUT);
        if (r >= 0)
                r = executor_open_stdio(e, UR_STDERR);
        if (r < 0)
                return r;

        return timer_add(&ctx->loop, &e->timer, executor_on_timer, e);
}

void executor_release_run(ur_executor *e)
{
        struct loop *l = &e->ctx->loop;

        watch_remove(l, &e->child.watch);
        watch_remove(l, &e->control.watch);
        watch_remove(l, &e->main_watch);
        watch_remove(l, &e->exec_watch);
        watch_remove(l, &e->notify_watch);
        watch_remove(l, &e->timer);
        watch_remove(l, &e->cgroup_watch);
        watch_remove(l, &e->out[0].watch);
        watch_remove(l, &e->out[1].watch);
        for (int i = 0; i < 3; i++) {
                if (e->stdio_child[i] > 2)
                        close(e->stdio_child[i]);
                e->stdio_child[i] = -1;
        }
        if (e->notify_path) {
                (void) unlink(e->notify_path);
                e->notify_path = mfree(e->notify_path);
        }
        for (char **p = e->runtime_directory_paths; p && *p; p++) {
                _cleanup_free_ char *copy = strdup(*p);
                char *slash = copy ? strrchr(copy, '/') : NULL;
                _cleanup_close_ int dir_fd = -1;

                if (!slash)
                        continue;
                *slash = 0;
                dir_fd = open(copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dir_fd >= 0)
                        (void) rm_rf_at(dir_fd, slash + 1);
        }
        e->runtime_directory_paths = strv_free(e->runtime_directory_paths);
        process_release_run(&e->proc);
        if (e->cgroup_path) {
                int r = cgroup_remove(e->cgroup_path);
                if (r < 0)
                        context_log(
                                e->ctx, UR_LOG_WARNING, e->name, "cannot remove cgroup %s: %s",
                                e->cgroup_path, strerror(-r));
                e->cgroup_path = mfree(e->cgroup_path);
        }
        e->sessions = mfree(e->sessions);
        e->n_sessions = 0;
}

/* ---- Spawning a command ----------------------------------------------------------------- */

/* The environment of one spawn: ours, then EnvironmentFile= (read now, as systemd does),
 * then what we set for the unit. */
static int executor_command_env(ur_executor *e, ur_command_kind kind, char ***ret)
{
        _cleanup_strv_free_ char **env = strv_copy(e->env);
        int r;

        if (!env)
                return -ENOMEM;
        for (size_t i = 0; i < e->n_environment_files; i++) {
                const struct environment_file *f = &e->environment_files[i];
                _cleanup_free_ char *text = NULL;
                unsigned line = 0;

                r = read_full_file(f->path, &text);
                if (r < 0) {
                        char msg[4200];

                        if (f->optional && r == -ENOENT)
                                continue;
                        snprintf(
                                msg, sizeof(msg), "cannot read environment file %s: %s", f->path,
                                strerror(-r));
                        executor_set_error(e, msg);
                        return r;
                }
                r = environment_file_parse(text, &env, &line);
                if (r < 0) {
                        char msg[4200];

                        snprintf(msg, sizeof(msg), "%s:%u: invalid environment file syntax", f->path, line);
                        executor_set_error(e, msg);
                        return r;
                }
        }
        for (char **n = e->unset_environment; n && *n; n++)
                (void) strv_env_unset(env, *n);
        /* Our own service manager's socket must never leak into a unit. */
        r = strv_env_unset(env, "NOTIFY_SOCKET");
        if (r >= 0 && e->notify_path)
                r = strv_env_set(&env, "NOTIFY_SOCKET", e->notify_path);
        if (r >= 0 && e->runtime_directory_paths) {
                _cleanup_free_ char *joined = strv_join(e->runtime_directory_paths, ":");
                r = joined ? strv_env_set(&env, "RUNTIME_DIRECTORY", joined) : -ENOMEM;
        }
        if (r >= 0)
                r = process_directories_env(&e->proc, &env);
        if (r >= 0 && (kind == UR_EXEC_STOP || kind == UR_EXEC_STOP_POST) && e->main_pid > 0 &&
            !e->main_exited) {
                char pid[32];
                snprintf(pid, sizeof(pid), "%d", (int) e->main_pid);
                r = strv_env_set(&env, "MAINPID", pid);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(env);
        return 0;
}

/* argv and the program to execute for a command; "@" puts the second word in argv[0]. */
static int executor_command_argv(
        ur_executor *e, const struct command *cmd, char *const *env, char ***ret_argv, char **ret_path)
{
        _cleanup_strv_free_ char **argv = NULL;
        const char *reason = NULL;
        char *path;
        int r;

        if (cmd->argv)
                argv = strv_copy(cmd->argv);
        else {
                if (cmd->flags & UR_COMMAND_NO_ENV_EXPAND)
                        r = cmdline_split(cmd->line, &argv, &reason);
                else
                        r = cmdline_split_expand(cmd->line, env, &argv, &reason);
                if (r < 0) {
                        char msg[4200];
                        snprintf(
                                msg, sizeof(msg), "invalid command line '%s': %s", cmd->line,
                                reason ? reason : strerror(-r));
                        executor_set_error(e, msg);
                        return r;
                }
        }
        if (!argv || !argv[0])
                return -ENOMEM;
        path = spawn_find_program(argv[0], env);
        if (!path)
                return -ENOMEM;
        if (cmd->flags & UR_COMMAND_ARGV0) {
                /* Drop the program word: argv starts at the second. */
                size_t n = strv_length(argv);
                if (n < 2) {
                        free(path);
                        executor_set_error(
                                e, "a command with the '@' prefix needs an argv[0] after the program");
                        return -EINVAL;
                }
                free(argv[0]);
                memmove(argv, argv + 1, n * sizeof(char *));
        }
        *ret_argv = TAKE_PTR(argv);
        *ret_path = path;
        return 0;
}

static void executor_on_spawned_event(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        struct spawned *s = w == &e->child.watch ? &e->child : &e->control;
        siginfo_t si = {};

        if (waitid((idtype_t) P_PIDFD, (id_t) w->fd, &si, WEXITED | WNOHANG) < 0) {
                if (errno != ECHILD)
                        return;
                /* Someone else reaped it (a host's waitpid(-1)); the status is lost. */
                si.si_code = 0;
        } else if (si.si_pid == 0)
                return; /* spurious */

        watch_remove(&e->ctx->loop, w);
        s->exited = true;
        s->code = si.si_code;
        s->status = si.si_status;
        /* An exec failure also ends the child: let the pipe tell that story first. */
        if (watch_active(&e->exec_watch)) {
                struct spawn_error err;
                ssize_t n = read(e->exec_watch.fd, &err, sizeof(err));
                if (n >= 0 || errno != EAGAIN) {
                        watch_remove(&e->ctx->loop, &e->exec_watch);
                        executor_on_exec_result(e, n == (ssize_t) sizeof(err) ? &err : NULL);
                }
        }
        output_stream_drain(&e->out[0], &e->ctx->loop);
        output_stream_drain(&e->out[1], &e->ctx->loop);
        if (s == &e->child)
                executor_on_child_exit(e);
        else
                executor_on_control_exit(e);
}

static void executor_on_exec_event(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        struct spawn_error err;
        ssize_t n = read(w->fd, &err, sizeof(err));

        if (n < 0 && errno == EAGAIN)
                return;
        watch_remove(&e->ctx->loop, w);
        executor_on_exec_result(e, n == (ssize_t) sizeof(err) ? &err : NULL);
}

int executor_spawn_command(ur_executor *e, ur_command_kind kind, size_t index)
{
        const struct command *cmd = &e->commands[kind].items[index];
        bool is_main = kind == UR_EXEC_START;
        struct spawned *s = is_main ? &e->child : &e->control;
        _cleanup_strv_free_ char **env = NULL, **argv = NULL;
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int cgroup_dir = -1, stdin_fd = -1;
        _cleanup_free_ gid_t *groups = NULL;
        struct spawn_attrs attrs;
        struct spawn_request req;
        struct spawn_result res;
        pid_t *sessions;
        int r;

        r = executor_command_env(e, kind, &env);
        if (r >= 0)
                r = executor_command_argv(e, cmd, env, &argv, &path);
        if (r < 0)
                return r;
        if (e->cgroup_path) {
                cgroup_dir = cgroup_open_dir(e->cgroup_path);
                if (cgroup_dir < 0)
                        return cgroup_dir;
        }
        r = process_spawn_attrs(&e->proc, cmd->flags, is_main, &attrs, &groups);
        if (r < 0)
                return r;
        r = process_stdin_for_spawn(&e->proc, &stdin_fd);
        if (r < 0) {
                char msg[PATH_MAX + 128];
                snprintf(
                        msg, sizeof(msg), "cannot open standard input %s: %s",
                        e->proc.stdin_path ?: "(data)", strerror(-r));
                executor_set_error(e, msg);
                return r;
        }
        req = (struct spawn_request){
                .path = path,
                .argv = argv,
                .envp = env,
                .cwd = e->cwd,
                .stdio = { stdin_fd >= 0 ? stdin_fd : e->stdio_child[0], e->stdio_child[1],
                           e->stdio_child[2] },
                .cgroup_dir_fd = cgroup_dir,
                .cgroup_path = e->cgroup_path,
                /* A process born (CLONE_INTO_CGROUP) in a cgroup that was cgroup.kill'ed is
                 * killed at birth on this kernel; one that joins it afterwards is not. */
                .join_cgroup = e->leaf_killed,
                .attrs = &attrs,
        };
        r = spawn_process(&req, &res);
        if (r < 0)
                return r;

        *s = (struct spawned){ .pid = res.pid, .watch.fd = -1 };
        sessions = realloc(e->sessions, (e->n_sessions + 1) * sizeof(*sessions));
        if (sessions) {
                e->sessions = sessions;
                e->sessions[e->n_sessions++] = res.pid; /* setsid() made it a session leader */
        }
        if (!e->cgroup_path)
                guardian_track_session(&e->ctx->guardian, res.pid);
        watch_remove(&e->ctx->loop, &e->exec_watch);
        r = loop_add(&e->ctx->loop, &s->watch, res.pidfd, EPOLLIN, executor_on_spawned_event, e);
        if (r >= 0) {
                r = loop_add(
                        &e->ctx->loop, &e->exec_watch, res.error_pipe, EPOLLIN | EPOLLHUP,
                        executor_on_exec_event, e);
                e->exec_for_control = !is_main;
        } else
                safe_close(res.error_pipe);
        if (r < 0) {
                /* We lost track of it: it is in its cgroup (or session), the stop finds it. */
                (void) kill(res.pid, SIGKILL);
                return r;
        }
        if (e->ctx->cgroup && cgroup_run_settle(e->ctx->cgroup) < 0)
                context_log(
                        e->ctx, UR_LOG_WARNING, e->name, "cannot move into %s: %s",
                        e->ctx->cgroup->supervisor, strerror(errno));
        if (is_main) {
                e->spawn_usec = now_usec();
                e->main_pid = res.pid;
                e->main_exited = false;
                e->exec_done = false;
        }
        return 0;
}

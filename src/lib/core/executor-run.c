/* The resources of one run of an executor (cgroup leaf, notify socket, output pipes, the
 * timer, runtime directories), spawning commands into it (the environment each command
 * gets, its argv, the watches on the new process), which processes are ours, and
 * signalling them. What happens is reported to the lifecycle through e->events; this file
 * decides nothing about what an event means. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
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
#include "environment-file.h"

void executor_format_exit(int code, int status, char *buf, size_t size)
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

/* Fallback: a forking daemon's setsid() child outlives the process we spawned, so the
 * session we know the unit by loses it; being orphaned, it is reparented to us (the CLI is
 * a child subreaper then). When the starting process of a Type=forking unit has exited, the
 * sessions of our children that no unit claims (and that are not our own) become this
 * unit's: they can only descend from what a unit spawned. Two forking units starting at the
 * same moment could take each other's; the cgroup path has no such guess. */
int executor_adopt_orphans(ur_executor *e)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n;
        pid_t own = getsid(0);
        int r;

        if (e->cgroup_path)
                return 0;
        r = proc_collect_children(getpid(), &pids, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                struct proc_stat st;
                bool claimed = false;
                pid_t *sessions;

                /* Our guardian is a child in a session of its own, and no unit's. */
                if (pids[i] == e->ctx->guardian.pid || proc_get_stat(pids[i], &st) < 0 || st.sid == own ||
                    st.sid <= 0 || st.sid == e->ctx->guardian.pid)
                        continue;
                for (ur_executor *o = e->ctx->executors; o && !claimed; o = o->next)
                        for (size_t s = 0; s < o->n_sessions && !claimed; s++)
                                claimed = o->sessions[s] == st.sid;
                if (claimed)
                        continue;
                sessions = realloc(e->sessions, (e->n_sessions + 1) * sizeof(*sessions));
                if (!sessions)
                        return -ENOMEM;
                e->sessions = sessions;
                e->sessions[e->n_sessions++] = st.sid;
                guardian_track_session(&e->ctx->guardian, st.sid);
                context_log(
                        e->ctx, UR_LOG_DEBUG, e->name, "session %d of orphan %d adopted", (int) st.sid,
                        (int) pids[i]);
        }
        return 0;
}

/* ---- Run resources ------------------------------------------------------------------- */

static void executor_on_cgroup_event(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        int r = cgroup_read_populated(w->fd);

        if (r >= 0)
                e->populated = r;
        e->events->cgroup_changed(e);
}

static void executor_on_timer(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;

        e->events->timer(e);
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
                        e->notify_ignored++;
                        context_log(e->ctx, UR_LOG_DEBUG, e->name, "notify message dropped: %s", dropped);
                        continue;
                }
                e->events->notify(e, &m, sender);
                notify_message_done(&m);
                if (!watch_active(w))
                        return;
        }
}

static void executor_on_main_event(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        siginfo_t si = {};

        /* Not our child as a rule: no status to collect (PIDFD_GET_INFO could, on Linux
         * 6.15+). But a daemon orphaned in the fallback was reparented to us (the child
         * subreaper): reap it, or its zombie would stay (a stop that polls for it, as
         * start-stop-daemon does, would wait in vain) and keep its pidfd readable. */
        if (waitid((idtype_t) P_PIDFD, (id_t) w->fd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
                si.si_code = 0;
        watch_remove(&e->ctx->loop, w);
        e->main_exited = true;
        e->main_code = si.si_code;
        e->main_status = si.si_status;
        e->events->main_exited(e);
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

/* ---- Signalling what runs ------------------------------------------------------------ */

int executor_main_pidfd(const ur_executor *e)
{
        if (e->main_pid <= 0 || e->main_exited)
                return -1;
        return e->main_pid == e->child.pid ? e->child.watch.fd : e->main_watch.fd;
}

static void pidfd_signal_cont(int pidfd, int sig, bool then_cont)
{
        (void) shim_pidfd_send_signal(pidfd, sig);
        if (then_cont)
                (void) shim_pidfd_send_signal(pidfd, SIGCONT);
}

static int executor_signal_all_full(ur_executor *e, int sig, bool then_cont)
{
        if (e->cgroup_path)
                return cgroup_signal_all(e->cgroup_path, sig, then_cont);

        /* Fallback: the processes we know by pidfd, then whatever shares their sessions. */
        if (executor_main_pidfd(e) >= 0)
                pidfd_signal_cont(executor_main_pidfd(e), sig, then_cont);
        if (watch_active(&e->control.watch))
                pidfd_signal_cont(e->control.watch.fd, sig, then_cont);
        for (size_t s = 0; s < e->n_sessions; s++) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n;
                int r = proc_collect_session(e->sessions[s], &pids, &n);

                if (r < 0)
                        return r;
                for (size_t i = 0; i < n; i++) {
                        (void) kill(pids[i], sig);
                        if (then_cont)
                                (void) kill(pids[i], SIGCONT);
                }
        }
        return 0;
}

int executor_signal_all(ur_executor *e, int sig)
{
        return executor_signal_all_full(e, sig, false);
}

/* sig and then SIGCONT to each process, as systemd does, in one walk of the cgroup (or of
 * the sessions) instead of two: a stopped process can act on sig at once. */
int executor_signal_all_cont(ur_executor *e, int sig)
{
        return executor_signal_all_full(e, sig, sig != SIGCONT && sig != SIGKILL);
}

void executor_signal_main(ur_executor *e, int sig)
{
        int fd = executor_main_pidfd(e);

        if (fd >= 0)
                (void) shim_pidfd_send_signal(fd, sig);
}

void executor_kill_rest(ur_executor *e, int sig)
{
        if (e->cgroup_path && sig == SIGKILL) {
                (void) cgroup_kill(e->cgroup_path);
                e->leaf_killed = true;
        } else
                (void) executor_signal_all_cont(e, sig);
}

int executor_list_pids(ur_executor *e, pid_t **ret_pids, size_t *ret_n)
{
        _cleanup_free_ pid_t *all = NULL;
        size_t n = 0;

        if (e->cgroup_path) {
                /* Kept from the first listing to the cgroup's removal (a polled Listen= lists
                 * the unit at each look); without it, each listing opens cgroup.procs. */
                if (e->procs_fd < 0) {
                        int fd = cgroup_open_procs(e->cgroup_path);
                        e->procs_fd = fd < 0 ? -1 : fd;
                }
                return cgroup_list_pids_fd(e->cgroup_path, e->procs_fd, ret_pids, ret_n);
        }
        for (size_t s = 0; s < e->n_sessions; s++) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t k;
                pid_t *grown;
                int r = proc_collect_session(e->sessions[s], &pids, &k);

                if (r < 0)
                        return r;
                grown = realloc(all, (n + k + 1) * sizeof(*grown));
                if (!grown)
                        return -ENOMEM;
                all = grown;
                memcpy(all + n, pids, k * sizeof(*pids));
                n += k;
        }
        *ret_pids = TAKE_PTR(all);
        *ret_n = n;
        return 0;
}

static void executor_on_pid_file_event(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

        while (read(w->fd, buf, sizeof(buf)) > 0)
                ;
        e->events->pid_file_changed(e);
}

void executor_pid_file_path(const ur_executor *e, char *buf, size_t size)
{
        if (e->pid_file[0] == '/')
                snprintf(buf, size, "%s", e->pid_file);
        else
                snprintf(buf, size, "%s/%s", ur_context_get_runtime_dir(e->ctx), e->pid_file);
}

/* As systemd, the PID file goes once the daemon is gone; but only when it still names the
 * daemon of this run: a file rewritten by someone else since (another instance, the host's
 * own daemon behind a path we see unprivatised) is theirs. */
static void executor_remove_pid_file(ur_executor *e)
{
        _cleanup_free_ char *text = NULL;
        char path[4096];

        if (!e->pid_file || e->pid_file_pid <= 0)
                return;
        executor_pid_file_path(e, path, sizeof(path));
        if (read_full_file(path, &text) >= 0 && strtol(text, NULL, 10) == e->pid_file_pid)
                (void) unlink(path);
        e->pid_file_pid = 0;
}

int executor_watch_pid_file(ur_executor *e, const char *path)
{
        _cleanup_free_ char *dir = strdup(path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        int fd;

        if (!slash)
                return -ENOMEM;
        if (watch_active(&e->pid_file_watch))
                return 0;
        *(slash == dir ? slash + 1 : slash) = 0;
        fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (fd < 0)
                return negative_errno();
        if (inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY) < 0) {
                int r = negative_errno();
                close(fd);
                return r;
        }
        return loop_add(&e->ctx->loop, &e->pid_file_watch, fd, EPOLLIN, executor_on_pid_file_event, e);
}

int executor_arm_timer(ur_executor *e, uint64_t deadline_usec)
{
        if (!watch_active(&e->timer)) {
                int r = timer_add(&e->ctx->loop, &e->timer, executor_on_timer, e);
                if (r < 0)
                        return r;
        }
        return timer_arm(&e->timer, deadline_usec);
}

bool executor_unit_empty(ur_executor *e)
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
        case UR_STDIO_FD:
                fd = fcntl(e->stdio[which].fd, F_DUPFD_CLOEXEC, 3);
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
                        if (c->ops->on_line && (c->streams & which) &&
                            e->stdio[which].mode != UR_STDIO_CAPTURE) {
                                executor_set_error(e, "an output readiness condition needs captured output");
                                return -EINVAL;
                        }

        context_ensure_isolation(ctx);
        /* Asked-for namespaces that cannot be made: nothing runs without them. */
        r = context_ensure_namespaces(ctx);
        if (r < 0) {
                executor_set_error(e, ctx->ns_error);
                return r;
        }
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
        if (r >= 0) {
                _cleanup_free_ char *error = NULL;

                r = context_bind_directories(ctx, e, &error);
                if (r >= 0)
                        r = context_unit_namespaces(ctx, e, &error);
                if (r < 0)
                        executor_set_error(e, error ?: strerror(-r));
        }
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

        /* Kept from a RestartSec= wait, or new. */
        return watch_active(&e->timer) ? 0 : timer_add(&ctx->loop, &e->timer, executor_on_timer, e);
}

void executor_release_run(ur_executor *e)
{
        struct loop *l = &e->ctx->loop;

        context_release_unit_namespaces(e->ctx, e);
        watch_remove(l, &e->child.watch);
        watch_remove(l, &e->control.watch);
        watch_remove(l, &e->main_watch);
        watch_remove(l, &e->exec_watch);
        watch_remove(l, &e->notify_watch);
        executor_listen_release(e);
        watch_remove(l, &e->timer);
        watch_remove(l, &e->pid_file_watch);
        watch_remove(l, &e->cgroup_watch);
        output_stream_end(&e->out[0], l);
        output_stream_end(&e->out[1], l);
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
        executor_remove_pid_file(e);
        process_release_run(&e->proc);
        e->procs_fd = safe_close(e->procs_fd);
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

/* Another process of the context spawned and not yet known to have exec'ed: a batch of
 * starts (After=-free units started together) is under way. */
static bool executor_spawns_in_flight(const ur_executor *e)
{
        for (const ur_executor *o = e->ctx->executors; o; o = o->next)
                if (o != e && watch_active(&o->exec_watch))
                        return true;
        return false;
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
                        e->events->exec_result(e, n == (ssize_t) sizeof(err) ? &err : NULL);
                }
        }
        output_stream_drain(&e->out[0], &e->ctx->loop);
        output_stream_drain(&e->out[1], &e->ctx->loop);
        e->events->process_exited(e, s);
}

static void executor_on_exec_event(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        struct spawn_error err;
        ssize_t n = read(w->fd, &err, sizeof(err));

        if (n < 0 && errno == EAGAIN)
                return;
        watch_remove(&e->ctx->loop, w);
        e->events->exec_result(e, n == (ssize_t) sizeof(err) ? &err : NULL);
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
        int listen_sock = -1;
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
                .ns = e->ns ? e->ns : e->ctx->ns,
                /* Alone, our address space lent (no copy, no copy-on-write faults after);
                 * in a batch, copied, so that the children exec in parallel. */
                .share_memory = !executor_spawns_in_flight(e),
        };
        if (is_main && executor_listen_prepare(e, cgroup_dir, &listen_sock, &req.listen_notify_bind) >= 0 &&
            listen_sock > 0)
                req.listen_notify_sock = listen_sock;
        r = spawn_process(&req, &res);
        if (listen_sock >= 0)
                executor_listen_spawned(e, listen_sock);
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

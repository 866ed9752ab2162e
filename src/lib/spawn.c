/* Process creation. The child between clone and execve runs in a copy of our address space
 * without atfork handlers, so it only makes async-signal-safe calls on data prepared here. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "macro.h"
#include "shims.h"
#include "spawn.h"
#include "strv.h"

/* Set once clone3 was refused (ENOSYS on old kernels, EPERM/ENOSYS under container seccomp
 * profiles): from then on every spawn uses fork(). */
static bool clone3_refused;

const char *spawn_step_to_string(int step)
{
        switch (step) {
        case SPAWN_STEP_CGROUP:
                return "joining its cgroup";
        case SPAWN_STEP_SETSID:
                return "creating its session";
        case SPAWN_STEP_STDIO:
                return "setting up stdio";
        case SPAWN_STEP_CHDIR:
                return "changing to its working directory";
        case SPAWN_STEP_EXEC:
                return "executing";
        default:
                return "starting";
        }
}

char *spawn_find_program(const char *name, char *const *envp)
{
        const char *search = strv_env_get(envp, "PATH");
        _cleanup_free_ char *copy = NULL;
        char *dir, *save = NULL;

        if (strchr(name, '/'))
                return strdup(name);
        if (!search || !*search)
                search = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        copy = strdup(search);
        if (!copy)
                return NULL;
        for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                char candidate[PATH_MAX];
                struct stat st;

                snprintf(candidate, sizeof(candidate), "%s/%s", dir, name);
                /* The first existing regular file wins, executable or not, as with execvp():
                 * a non-executable one then fails with EACCES, which is the truth. */
                if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode))
                        return strdup(candidate);
        }
        return strdup(name);
}

_Noreturn static void child_fail(int error_pipe, int step)
{
        struct spawn_error e = { .step = step, .error = errno };

        (void) !write(error_pipe, &e, sizeof(e));
        _exit(127);
}

_Noreturn static void child_run(const struct spawn_request *req, int error_pipe, bool join_cgroup)
{
        struct sigaction sa_default = { .sa_handler = SIG_DFL };
        sigset_t empty;

        if (join_cgroup) {
                char path[PATH_MAX];
                int fd;

                snprintf(path, sizeof(path), "%s/cgroup.procs", req->cgroup_path);
                fd = open(path, O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, "0", 1) != 1)
                        child_fail(error_pipe, SPAWN_STEP_CGROUP);
                close(fd);
        }

        /* Handlers are reset by execve() but ignored signals and the mask are inherited, and
         * a daemon started with SIGTERM blocked would never stop. */
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) sigaction(sig, &sa_default, NULL);
        sigemptyset(&empty);
        (void) sigprocmask(SIG_SETMASK, &empty, NULL);

        /* Its own session: terminal signals meant for the launcher's job don't reach it, and
         * the fallback isolation finds its processes by session. */
        if (setsid() < 0)
                child_fail(error_pipe, SPAWN_STEP_SETSID);

        for (int target = 0; target < 3; target++) {
                int fd = req->stdio[target];
                if (fd == target) {
                        /* Inherited as is; make sure it survives execve(). */
                        int flags = fcntl(fd, F_GETFD);
                        if (flags >= 0)
                                (void) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
                        continue;
                }
                if (dup2(fd, target) < 0)
                        child_fail(error_pipe, SPAWN_STEP_STDIO);
        }

        /* Everything above 2 closes at execve(), the error pipe included: what we did not
         * choose to pass is not passed. */
        if (shim_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                for (int fd = 3; fd < 65536; fd++)
                        if (fd != error_pipe)
                                (void) close(fd);

        if (req->cwd && chdir(req->cwd) < 0)
                child_fail(error_pipe, SPAWN_STEP_CHDIR);

        execve(req->path, req->argv, req->envp);
        child_fail(error_pipe, SPAWN_STEP_EXEC);
}

int spawn_process(const struct spawn_request *req, struct spawn_result *ret)
{
        int pipe_fds[2];
        _cleanup_close_ int read_end = -1, write_end = -1;
        int pidfd = -1;
        pid_t pid = -1;

        if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                return negative_errno();
        read_end = pipe_fds[0];
        write_end = pipe_fds[1];

        if (!clone3_refused) {
                struct shim_clone_args args = {
                        .flags = CLONE_PIDFD,
                        .pidfd = (uint64_t) (uintptr_t) &pidfd,
                        .exit_signal = SIGCHLD,
                };
                if (req->cgroup_dir_fd >= 0 && !req->join_cgroup) {
                        args.flags |= CLONE_INTO_CGROUP;
                        args.cgroup = (uint64_t) req->cgroup_dir_fd;
                }
                pid = shim_clone3(&args);
                if (pid == 0)
                        child_run(req, write_end, req->cgroup_dir_fd >= 0 && req->join_cgroup);
                if (pid < 0) {
                        if (errno != ENOSYS && errno != EPERM && errno != E2BIG)
                                return negative_errno();
                        clone3_refused = true;
                }
        }
        if (clone3_refused) {
                pid = fork();
                if (pid == 0)
                        child_run(req, write_end, req->cgroup_dir_fd >= 0);
                if (pid < 0)
                        return negative_errno();
                /* Safe against PID reuse: the child is ours and unreaped until we wait. */
                pidfd = shim_pidfd_open(pid, 0);
                if (pidfd < 0) {
                        int r = negative_errno();
                        (void) kill(pid, SIGKILL);
                        (void) waitpid(pid, NULL, 0);
                        return r;
                }
        }

        *ret = (struct spawn_result){
                .pid = pid,
                .pidfd = pidfd,
                .error_pipe = TAKE_FD(read_end),
        };
        return 0;
}

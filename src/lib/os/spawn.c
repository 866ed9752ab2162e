/* Process creation. The child between clone and execve runs in our address space (borrowed,
 * clone-vfork.h) or in a copy of it, without atfork handlers, so it only makes direct system
 * calls on data prepared here and writes nothing but its own stack. */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "clone-vfork.h"
#include "listen-notify.h"
#include "macro.h"
#include "run-ns.h"
#include "shims.h"
#include "spawn.h"
#include "strv.h"

/* Set once clone3 was refused (ENOSYS on old kernels, EPERM/ENOSYS under container seccomp
 * profiles): from then on every spawn uses fork(). */
static bool clone3_refused;

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif

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
        case SPAWN_STEP_RLIMIT:
                return "setting its resource limits (setrlimit)";
        case SPAWN_STEP_OOM_SCORE_ADJUST:
                return "setting its OOM score adjustment";
        case SPAWN_STEP_NICE:
                return "setting its nice level (setpriority)";
        case SPAWN_STEP_CAPABILITY_BOUNDING_SET:
                return "dropping capabilities from its bounding set";
        case SPAWN_STEP_KEEP_CAPABILITIES:
                return "keeping capabilities across the user change (PR_SET_KEEPCAPS)";
        case SPAWN_STEP_SETGROUPS:
                return "setting its supplementary groups (setgroups)";
        case SPAWN_STEP_SETRESGID:
                return "changing its group (setresgid)";
        case SPAWN_STEP_SETRESUID:
                return "changing its user (setresuid)";
        case SPAWN_STEP_AMBIENT_CAPABILITIES:
                return "raising its ambient capabilities";
        case SPAWN_STEP_NO_NEW_PRIVILEGES:
                return "setting no_new_privs";
        case SPAWN_STEP_NAMESPACES:
                return "joining the run's namespaces (setns)";
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

/* Capabilities the unit keeps after dropping to a non-root user: permitted, effective and
 * inheritable become exactly the ambient set, which is then raised (capabilities(7): a
 * capability can only be ambient if it is permitted and inheritable). For a unit that
 * stays root only the inheritable set grows. */
static int child_raise_ambient(const struct spawn_attrs *a)
{
        struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct data[2] = {};
        bool dropped = a->set_credentials && a->uid != 0;

        if (syscall(SYS_capget, &header, data) < 0)
                return -1;
        for (int i = 0; i < 2; i++) {
                uint32_t mask = (uint32_t) (a->ambient >> (32 * i));

                data[i].inheritable = mask;
                if (dropped) {
                        data[i].permitted &= mask;
                        data[i].effective = data[i].permitted;
                }
        }
        if (syscall(SYS_capset, &header, data) < 0)
                return -1;
        for (int cap = 0; cap <= a->cap_last && cap < 64; cap++)
                if ((a->ambient & (UINT64_C(1) << cap)) &&
                    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long) cap, 0UL, 0UL) < 0)
                        return -1;
        return 0;
}

/* The process attributes, in the order spawn.h documents: whatever needs privileges first,
 * then the user change, which gives them up. */
static void child_apply_attrs(const struct spawn_attrs *a, int error_pipe)
{
        bool keep_caps = a->set_ambient && a->set_credentials && a->uid != 0;

        for (int r = 0; r < SPAWN_RLIMIT_MAX; r++) {
                struct rlimit now, closest;

                if (!a->rlimit_set[r] || setrlimit((__rlimit_resource_t) r, &a->rlimits[r]) >= 0)
                        continue;
                /* Above our own hard limit without CAP_SYS_RESOURCE (containers, or above
                 * fs.nr_open): the closest allowed value, as systemd's setrlimit_closest()
                 * does; a vendor unit's LimitNOFILE=65536 must not stop it from starting. */
                if (errno != EPERM || getrlimit((__rlimit_resource_t) r, &now) < 0)
                        child_fail(error_pipe, SPAWN_STEP_RLIMIT);
                closest.rlim_max =
                        a->rlimits[r].rlim_max < now.rlim_max ? a->rlimits[r].rlim_max : now.rlim_max;
                closest.rlim_cur = a->rlimits[r].rlim_cur < closest.rlim_max ? a->rlimits[r].rlim_cur
                                                                             : closest.rlim_max;
                if (setrlimit((__rlimit_resource_t) r, &closest) < 0)
                        child_fail(error_pipe, SPAWN_STEP_RLIMIT);
        }
        if (a->oom_score_adjust) {
                int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
                size_t len = strlen(a->oom_score_adjust);

                /* Lowering it needs CAP_SYS_RESOURCE, which containers lack: systemd
                 * ignores that refusal too ("assuming containerized execution"). */
                if ((fd < 0 || write(fd, a->oom_score_adjust, len) != (ssize_t) len) && errno != EACCES &&
                    errno != EPERM)
                        child_fail(error_pipe, SPAWN_STEP_OOM_SCORE_ADJUST);
                if (fd >= 0)
                        close(fd);
        }
        if (a->set_nice && setpriority(PRIO_PROCESS, 0, a->nice) < 0)
                child_fail(error_pipe, SPAWN_STEP_NICE);
        if (a->set_umask)
                (void) umask(a->umask);
        if (a->set_bounding_set)
                for (int cap = 0; cap <= a->cap_last && cap < 64; cap++)
                        if (!(a->bounding_set & (UINT64_C(1) << cap)) &&
                            prctl(PR_CAPBSET_DROP, (unsigned long) cap, 0UL, 0UL, 0UL) < 0)
                                child_fail(error_pipe, SPAWN_STEP_CAPABILITY_BOUNDING_SET);
        if (keep_caps && prctl(PR_SET_KEEPCAPS, 1UL, 0UL, 0UL, 0UL) < 0)
                child_fail(error_pipe, SPAWN_STEP_KEEP_CAPABILITIES);
        /* The system calls themselves: glibc's wrappers would tell the other threads they
         * believe we have (the launcher's) to change their credentials too. */
        if (a->set_credentials) {
                if (syscall(SYS_setgroups, a->n_groups, a->groups) < 0)
                        child_fail(error_pipe, SPAWN_STEP_SETGROUPS);
                if (syscall(SYS_setresgid, a->gid, a->gid, a->gid) < 0)
                        child_fail(error_pipe, SPAWN_STEP_SETRESGID);
                if (syscall(SYS_setresuid, a->uid, a->uid, a->uid) < 0)
                        child_fail(error_pipe, SPAWN_STEP_SETRESUID);
        }
        if (a->set_ambient && child_raise_ambient(a) < 0)
                child_fail(error_pipe, SPAWN_STEP_AMBIENT_CAPABILITIES);
}

_Noreturn static void child_run(const struct spawn_request *req, int error_pipe, bool join_cgroup)
{
        struct sigaction sa_default = { .sa_handler = SIG_DFL };
        bool listen_installed = false;
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

        /* After the cgroup (its files belong to the host's users), before everything that
         * a user namespace changes. */
        if (req->ns) {
                int r = run_ns_enter(req->ns);
                if (r < 0) {
                        errno = -r;
                        child_fail(error_pipe, SPAWN_STEP_NAMESPACES);
                }
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

        /* Before the privilege drop: as root the filter needs no no_new_privs, so it changes
         * nothing the daemon may do. A failure is no error: Listen= then polls. */
        if (req->listen_notify_sock > 0)
                listen_installed =
                        listen_notify_child_install(req->listen_notify_sock, req->listen_notify_bind) >= 0;

        if (req->attrs)
                child_apply_attrs(req->attrs, error_pipe);

        /* After the user change: the directory may only be reachable by that user. */
        if (req->cwd && chdir(req->cwd) < 0 &&
            !(req->attrs && req->attrs->cwd_optional && (errno == ENOENT || errno == ENOTDIR)))
                child_fail(error_pipe, SPAWN_STEP_CHDIR);

        if (req->attrs && req->attrs->no_new_privileges &&
            prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) < 0)
                child_fail(error_pipe, SPAWN_STEP_NO_NEW_PRIVILEGES);
        /* Not root: allowed once the unit asked for no_new_privs itself. */
        if (req->listen_notify_sock > 0 && !listen_installed && req->attrs && req->attrs->no_new_privileges)
                (void) listen_notify_child_install(req->listen_notify_sock, req->listen_notify_bind);

        execve(req->path, req->argv, req->envp);
        child_fail(error_pipe, SPAWN_STEP_EXEC);
}

struct child_start {
        const struct spawn_request *req;
        int error_pipe;
};

_Noreturn static void child_start(void *data)
{
        const struct child_start *c = data;

        child_run(c->req, c->error_pipe, false);
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
                /* Our address space lent, not copied, where nothing in the child needs a
                 * process of its own: joining a cgroup from inside (a migration) and a user
                 * namespace (setns() refuses a shared address space) do. */
                pid = -ENOSYS;
                if (req->share_memory && !req->ns && !(req->cgroup_dir_fd >= 0 && req->join_cgroup)) {
                        struct shim_clone_args vargs = args;
                        struct child_start start = { .req = req, .error_pipe = write_end };

                        pid = clone3_vfork(&vargs, child_start, &start);
                        if (pid < 0 && pid != -ENOSYS && pid != -EPERM && pid != -E2BIG && pid != -EINVAL)
                                return pid;
                        if (pid < 0)
                                pidfd = -1;
                }
                if (pid < 0) {
                        pid = shim_clone3(&args);
                        if (pid == 0)
                                child_run(req, write_end, req->cgroup_dir_fd >= 0 && req->join_cgroup);
                }
                if (pid < 0) {
                        if (errno != ENOSYS && errno != EPERM && errno != E2BIG)
                                return negative_errno();
                        clone3_refused = true;
                }
        }
        if (clone3_refused) {
                pid = fork_with_pidfd(&pidfd);
                if (pid == 0)
                        child_run(req, write_end, req->cgroup_dir_fd >= 0);
                if (pid < 0)
                        return pid;
        }

        *ret = (struct spawn_result){
                .pid = pid,
                .pidfd = pidfd,
                .error_pipe = TAKE_FD(read_end),
        };
        return 0;
}

/* Creating a process: clone3(CLONE_PIDFD | CLONE_INTO_CGROUP) so the child is born in its
 * leaf, or fork() + joining the leaf before execve() where clone3 is refused. Exec errors
 * come back through a close-on-exec pipe, never as a timeout. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* Which step of the child failed; sent with the errno through the pipe. */
enum spawn_step {
        SPAWN_STEP_CGROUP,
        SPAWN_STEP_SETSID,
        SPAWN_STEP_STDIO,
        SPAWN_STEP_CHDIR,
        SPAWN_STEP_EXEC,
        SPAWN_STEP_RLIMIT,
        SPAWN_STEP_OOM_SCORE_ADJUST,
        SPAWN_STEP_NICE,
        SPAWN_STEP_CAPABILITY_BOUNDING_SET,
        SPAWN_STEP_KEEP_CAPABILITIES,
        SPAWN_STEP_SETGROUPS,
        SPAWN_STEP_SETRESGID,
        SPAWN_STEP_SETRESUID,
        SPAWN_STEP_AMBIENT_CAPABILITIES,
        SPAWN_STEP_NO_NEW_PRIVILEGES,
        SPAWN_STEP_NAMESPACES,
};

struct spawn_error {
        int step;
        int error;
};

/* RLIMIT_NLIMITS of Linux (RLIMIT_RTTIME + 1). */
#define SPAWN_RLIMIT_MAX 16

/* What the child does to itself between clone and execve, beyond stdio and the cgroup:
 * everything already resolved to numbers by the parent (no NSS lookups in the child).
 * Applied in this order, each step checked: rlimits, oom_score_adj, nice, umask, the
 * capability bounding set, then setgroups/setresgid/setresuid, ambient capabilities, the
 * working directory (as the new user, as systemd does), no_new_privs, execve. */
struct spawn_attrs {
        bool set_credentials;
        uid_t uid;
        gid_t gid;
        const gid_t *groups; /* the supplementary groups (setgroups()), n_groups may be 0 */
        size_t n_groups;
        bool set_umask;
        mode_t umask;
        bool set_nice;
        int nice;
        const char *oom_score_adjust; /* written to /proc/self/oom_score_adj, or NULL */
        bool rlimit_set[SPAWN_RLIMIT_MAX];
        struct rlimit rlimits[SPAWN_RLIMIT_MAX];
        bool set_bounding_set;
        uint64_t bounding_set; /* bit n: capability n is kept */
        bool set_ambient;
        uint64_t ambient; /* bit n: capability n raised in the ambient set */
        int cap_last;     /* highest capability the kernel knows (/proc/sys/kernel/cap_last_cap) */
        bool no_new_privileges;
        bool cwd_optional; /* a working directory that does not exist is no error ("-") */
};

struct run_ns;

struct spawn_request {
        const char *path; /* what to execve() */
        char *const *argv;
        char *const *envp;
        const char *cwd;                 /* or NULL */
        int stdio[3];                    /* fds to become 0, 1, 2 in the child */
        int cgroup_dir_fd;               /* leaf to be born in, or -1 */
        const char *cgroup_path;         /* the same leaf, for the fork fallback */
        bool join_cgroup;                /* join it from the child instead of being born in it */
        const struct spawn_attrs *attrs; /* or NULL: inherit everything */
        const struct run_ns *ns;         /* the run's namespaces to join, or NULL */
        /* The child may borrow our address space until its execve() (clone-vfork.h): cheaper
         * for us, but we wait meanwhile; for a batch of spawns, forking lets the children
         * exec side by side. */
        bool share_memory;
        /* > 0: install the listen(2)/bind(2) notification filter (listen-notify.h) and send
         * its fd over this socket (nothing is sent when the kernel refuses). */
        int listen_notify_sock;
        bool listen_notify_bind; /* bind(2) too, not only listen(2) */
};

struct spawn_result {
        pid_t pid;
        int pidfd;
        int error_pipe; /* read end: EOF once execve() succeeded, a struct spawn_error if not */
};

int spawn_process(const struct spawn_request *req, struct spawn_result *ret);
const char *spawn_step_to_string(int step);

/* Resolves argv[0] the way execvp() would, against the PATH of envp (or a default).
 * Returns a malloc'ed path; a name that is nowhere comes back unchanged so execve() fails
 * with ENOENT in the child and is reported like any exec error. */
char *spawn_find_program(const char *name, char *const *envp);

/* Creating a process: clone3(CLONE_PIDFD | CLONE_INTO_CGROUP) so the child is born in its
 * leaf, or fork() + joining the leaf before execve() where clone3 is refused. Exec errors
 * come back through a close-on-exec pipe, never as a timeout. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Which step of the child failed; sent with the errno through the pipe. */
enum spawn_step {
        SPAWN_STEP_CGROUP,
        SPAWN_STEP_SETSID,
        SPAWN_STEP_STDIO,
        SPAWN_STEP_CHDIR,
        SPAWN_STEP_EXEC,
};

struct spawn_error {
        int step;
        int error;
};

struct spawn_request {
        const char *path; /* what to execve() */
        char *const *argv;
        char *const *envp;
        const char *cwd;         /* or NULL */
        int stdio[3];            /* fds to become 0, 1, 2 in the child */
        int cgroup_dir_fd;       /* leaf to be born in, or -1 */
        const char *cgroup_path; /* the same leaf, for the fork fallback */
        bool join_cgroup;        /* join it from the child instead of being born in it */
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

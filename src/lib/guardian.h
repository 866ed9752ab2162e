/* The guardian process that cleans up a run when its launcher dies without doing so; see
 * guardian.c. */
#pragma once

#include <sys/types.h>

struct guardian {
        pid_t pid;
        int pidfd;
        int pipe_fd; /* write end; -1 when there is no guardian */
};

/* run_dir/origin: the cgroup run directory and where the guardian moves itself before
 * killing it (NULL in the fallback); runtime_dir: removed as well. */
int guardian_start(struct guardian *g, const char *run_dir, const char *origin, const char *runtime_dir);
/* Fallback isolation: one more session to kill should the launcher die. */
void guardian_track_session(struct guardian *g, pid_t session);
/* Clean end: the guardian exits without touching anything. */
void guardian_stop(struct guardian *g);

/* The guardian process that cleans up a run when its launcher dies without doing so; see
 * guardian.c. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct guardian {
        pid_t pid;
        int pidfd;
        int pipe_fd; /* our end of the socket pair; -1 when there is no guardian (any more) */
};

/* run_dir/origin: the cgroup run directory and where the guardian lives, out of it (NULL
 * in the fallback); move_out: the launcher is in the run directory, so the new guardian
 * must be moved to origin; runtime_dir: removed as well. */
int guardian_start(
        struct guardian *g, const char *run_dir, const char *origin, bool move_out, const char *runtime_dir);
/* Fallback isolation: one more session to kill should the launcher die. */
void guardian_track_session(struct guardian *g, pid_t session);
/* false once it is known to be gone. */
bool guardian_alive(const struct guardian *gd);
/* Clean end: the guardian exits without touching anything. */
void guardian_stop(struct guardian *g);

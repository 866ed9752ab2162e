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
/* Clean end, every unit gone: release tells the guardian so and closes our end (it then
 * removes the runtime directory, which the caller removes too, and exits, meanwhile); reap
 * waits for it to be gone. stop is both at once. */
void guardian_release(struct guardian *g);
void guardian_reap(struct guardian *g);
void guardian_stop(struct guardian *g);

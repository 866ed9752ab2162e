/* The run: which cgroup v2 isolation this process gets, chosen once and shared. The run
 * directory is per process (the launcher can only sit in one cgroup), shared by every
 * context of the process and reference counted.
 *
 * The choice: (a) our own cgroup subtree is writable (here, on cgroup.c's mechanics);
 * (b) else a delegated systemd scope (scope.c); (c) else none, with the reason why. */
#pragma once

#include "cgroup.h"

/* Returns the process's shared run (creating it on first use), or a negative errno with a
 * human-readable reason in *ret_reason (malloc'ed) saying why cgroups cannot be used.
 * Tries (a) our own subtree, then (b) a delegated systemd scope (scope.h). Test hook:
 * UNITRUN_NO_OWN_CGROUP=1 skips (a) only, so that root can exercise (b). */
int cgroup_run_acquire(struct cgroup_run **ret, char **ret_reason);
void cgroup_run_release(struct cgroup_run *run);

/* Moves the launcher into its supervisor leaf, once; see cgroup-run.c for why not earlier. */
int cgroup_run_settle(struct cgroup_run *run);

/* Isolation path (b) of SPEC §4: when our own cgroup is not writable but a systemd manager
 * is reachable (the user manager for non-root, the system manager for root), ask it over
 * sd-bus for a transient scope with Delegate=yes holding this process, then build the run
 * directory (supervisor leaf + executor leaves) inside the delegated scope. */
#pragma once

#include "cgroup.h"

/* Fills *ret (marked delegated) or returns a negative errno with a human-readable reason in
 * *ret_reason that says what the user can do instead. */
int scope_acquire(struct cgroup_run **ret, char **ret_reason);
/* Undoes what scope_acquire() set up that cgroup_run_release() does not. */
void scope_release(struct cgroup_run *run);

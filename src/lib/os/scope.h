/* Isolation path (b) of SPEC §4: when our own cgroup is not writable but a systemd manager
 * is reachable (the system manager for root, else the user manager), ask it over sd-bus for
 * a transient scope with Delegate=yes holding this process, then build the run directory
 * (supervisor leaf + executor leaves) inside the delegated scope.
 *
 * The scope outlives nothing of ours: it holds only this process once the run is released,
 * and systemd stops and collects it (CollectMode=inactive-or-failed) when the process exits.
 * The sd-bus connection lives only during scope_acquire(). */
#pragma once

#include "cgroup.h"

/* Fills *ret (marked delegated) or returns a negative errno with a human-readable reason in
 * *ret_reason that says what the user can do instead. Bounded: gives up after 5 s. */
int scope_acquire(struct cgroup_run **ret, char **ret_reason);
/* A previous run of this process left it in its own delegated scope: set up the run there
 * again, without the bus. self_cgroup: our cgroup v2 path (/proc/self/cgroup), or NULL.
 * -ENOENT when this process is not in a scope of its own. */
int scope_reuse(const char *self_cgroup, struct cgroup_run **ret, char **ret_reason);
/* Leaves the supervisor leaf for the scope itself and removes the leaf; the scope stays
 * until the process exits (nobody may move us out of it). Does not free run. */
void scope_release(struct cgroup_run *run);

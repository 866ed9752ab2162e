/* cgroup v2 mechanics: one directory per run holding the launcher's own leaf ("supervisor")
 * and one leaf per executor; creating, watching, signalling, killing and removing leaves.
 * Which run directory the process gets (own subtree or delegated scope) is cgroup-run.h's. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct cgroup_run {
        char *mount;      /* cgroup2 mount point, e.g. /sys/fs/cgroup/unified */
        char *origin;     /* our cgroup before we moved, absolute path */
        char *path;       /* the run directory, absolute */
        char *supervisor; /* our leaf inside it */
        bool delegated;   /* path is a transient scope a systemd manager delegated to us (path b) */
        bool settled;     /* we are in supervisor (see cgroup-run.h: cgroup_run_settle()) */
};

/* Frees the struct only (for the setup paths that give up on a run). */
void cgroup_run_free(struct cgroup_run *run);

/* Creates a fresh leaf for `name` (made unique), returning its absolute path. */
int cgroup_leaf_create(struct cgroup_run *run, const char *name, char **ret_path);
/* The leaf's path relative to the mount, as /proc/PID/cgroup shows it. */
const char *cgroup_relative(const struct cgroup_run *run, const char *abs_path);
int cgroup_open_dir(const char *path);
int cgroup_open_events(const char *path);
/* 1 populated, 0 empty, from an open cgroup.events fd. */
int cgroup_read_populated(int events_fd);
/* The processes of path and of every cgroup below it. */
int cgroup_list_pids(const char *path, pid_t **ret_pids, size_t *ret_n);
/* The same with path's cgroup.procs kept open (cgroup_open_procs(), -1: none), read again
 * with pread(): no open and close per listing. */
int cgroup_open_procs(const char *path);
int cgroup_list_pids_fd(const char *path, int procs_fd, pid_t **ret_pids, size_t *ret_n);
/* Sends sig (then_cont: and SIGCONT right after it, to each) to every process in the cgroup,
 * again until no new process shows up. */
int cgroup_signal_all(const char *path, int sig, bool then_cont);
/* SIGKILL to the whole subtree: cgroup.kill (Linux 5.14), else freeze, kill each, thaw. */
int cgroup_kill(const char *path);
int cgroup_read_cpu_usec(const char *path, uint64_t *ret_usec);
/* memory.peak; -ENODATA without the memory controller. */
int cgroup_read_memory_peak(const char *path, uint64_t *ret_bytes);
/* rmdir of a leaf (and any sub-cgroups a delegated process made). */
int cgroup_remove(const char *path);

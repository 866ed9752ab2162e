/* Reading /proc and small file helpers: process status, cgroup membership, and the process
 * scan the fallback isolation uses to find a unit's processes without a cgroup. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_stat {
        char state;
        pid_t ppid;
        pid_t pgid;
        pid_t sid;
        uint64_t start_time; /* clock ticks since boot */
};

/* Reads a whole (small, e.g. /proc or cgroupfs) file, NUL-terminated. */
int read_full_file(const char *path, char **ret);
int read_full_fd(int fd, char **ret);
/* Writes s to an existing file (no O_CREAT), in one write(). */
int write_string_file(const char *path, const char *s);
int write_string_fd(int fd, const char *s);

/* Removes name (below dir_fd) and everything under it, never following symlinks. */
int rm_rf_at(int dir_fd, const char *name);

int proc_get_stat(pid_t pid, struct proc_stat *ret);
/* True when no process `pid` exists (kill(pid, 0) says ESRCH), as for a launcher that died
 * and left its run behind. False for pid <= 0 and when in doubt (EPERM: someone's alive). */
bool pid_is_gone(pid_t pid);
/* The process's cgroup v2 path relative to the cgroup2 mount ("/a/b"). */
int proc_get_cgroup(pid_t pid, char **ret);

/* Every live process (zombies excluded) of the session `sid`, plus descendants of those, so
 * that children that changed their process group still count. Never includes the caller. */
int proc_collect_session(pid_t sid, pid_t **ret_pids, size_t *ret_n);
/* The live processes whose parent is parent (for a subreaper: its orphans too). */
int proc_collect_children(pid_t parent, pid_t **ret_pids, size_t *ret_n);

/* Support for the integration tests: temporary directories, the fixtures' pid files,
 * "is this very process still alive" (PID plus starttime, so a reused PID does not count),
 * fixture lookup through $FIXTURE_DIR, a monotonic clock and cgroup directory checks. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct test_proc {
        pid_t pid;
        unsigned long long starttime;
} test_proc;

/* A fresh 0700 directory under $TEST_TMPDIR, else /tmp (malloc'ed path), or NULL. */
char *test_make_temp_dir(void);
/* Removes the directory tree and frees the path; accepts NULL. Always returns NULL. */
char *test_remove_temp_dir(char *path);
/* A malloc'ed "DIR/NAME". */
char *test_path_join(const char *dir, const char *name);

/* Reads "PID STARTTIME" lines; returns the number read (>= 0) or -errno. *ret is
 * malloc'ed (NULL when empty). */
int test_read_pid_file(const char *path, test_proc **ret);
/* Starttime (field 22 of /proc/PID/stat), 0 if the process is gone. */
unsigned long long test_proc_starttime(pid_t pid);
/* False if /proc/PID is gone, the process is a zombie, or its starttime differs (when
 * starttime is not 0). */
bool test_process_alive(pid_t pid, unsigned long long starttime);
/* The state letter of /proc/PID/stat ('R', 'S', 'T', 'Z' ...), or 0 if it is gone. */
char test_proc_state(pid_t pid);
/* SIGKILLs every recorded process that is still that same process: cleanup after a
 * failed leak check, so one failure does not leave daemons behind. Returns how many. */
int test_kill_survivors(const test_proc *procs, int n);

/* $FIXTURE_DIR/NAME (malloc'ed), or NULL when FIXTURE_DIR is not set. */
char *test_fixture_path(const char *name);
/* argv[] = { $FIXTURE_DIR/FIXTURE (malloc'ed: the caller frees argv[0]), the NULL-terminated
 * args..., NULL }, at most max entries with the NULL. 0, or -ENOENT (no FIXTURE_DIR) or
 * -E2BIG. */
int test_fixture_argv(char **argv, size_t max, const char *fixture, const char *const *args);

uint64_t test_now_msec(void);

/* The file exists (any type). */
bool test_file_exists(const char *path);
/* PATH is a directory (a cgroup directory still exists). */
bool test_dir_exists(const char *path);
/* Waits up to timeout_ms for PATH to exist. */
bool test_wait_for_file(const char *path, int timeout_ms);

/* Reads a whole small file into a malloc'ed NUL-terminated string, or NULL. */
char *test_read_file(const char *path);
/* Writes CONTENT to PATH with MODE; 0 or -errno. */
int test_write_file(const char *path, const char *content, mode_t mode);

/* Our children (zombies included: a leaked zombie is a leak too), from the main thread's
 * /proc children file: up to max PIDs into pids (NULL: only count); how many. */
int test_list_children(pid_t *pids, int max);
/* Open fds of this process (/proc/self/fd), or -1. */
int test_count_fds(void);

/* Finds PROGRAM in $PATH (malloc'ed), or NULL. */
char *test_find_program(const char *program);

/* memmem() on a possibly NULL buffer. */
bool test_contains(const char *haystack, size_t len, const char *needle);

/* Sorts n doubles in place, smallest first (for the benchmarks' medians). */
void test_sort_doubles(double *v, size_t n);

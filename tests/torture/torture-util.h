/* The torture tests' safety net and their eyes: a private cgroup "box" per case (when this
 * host lets us make one) into which the launcher is spawned, so that whatever the launcher
 * leaves behind can be seen (the box is still populated, a cgroup directory is left in it)
 * and killed (cgroup.kill on the box) even when unitrun is broken; the test process is a
 * child subreaper, so orphans come back to it instead of PID 1 and can be found and
 * killed where there is no cgroup; a private XDG_RUNTIME_DIR, so that runtime
 * directories left behind are ours to see and no concurrent launcher sweeps them away.
 *
 * None of this uses the library under test. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <CUnit/CUnit.h>

/* Subreaper, the top cgroup (torture-<pid> below our own cgroup) if we can make one, the
 * private runtime directory, and handlers that kill everything on SIGTERM/SIGINT (a meson
 * timeout). Returns false when even that cannot be set up. */
bool torture_init(void);
/* Kills and removes everything torture_init() made; also at exit. */
void torture_cleanup(void);
/* main() of the library torture programs: init, skip (77) the cgroup variant where only the
 * fallback is possible, run the tests as one suite, clean up; the exit code meson expects. */
int torture_run_library_tests(const char *suite_name, CU_TestInfo *tests, bool fallback);

/* Can we make boxes (a writable cgroup v2 below our own cgroup)? */
bool torture_have_boxes(void);
/* "cgroup v2 at PATH" or why there are no boxes. */
const char *torture_box_reason(void);
const char *torture_runtime_base(void);

/* A new, empty box (malloc'ed path), or NULL without cgroups. */
char *box_new(const char *name);
/* Is any process in the box or below it? */
bool box_populated(const char *box);
/* Names of the cgroup directories inside the box, one a line, malloc'ed ("" when none). */
char *box_subdirs(const char *box);
/* cgroup.kill on the box, wait (bounded) until it is empty, remove its subdirectories and
 * itself; frees box. Accepts NULL. */
void box_destroy(char *box);

/* fork + (move into box) + exec argv with stdout and stderr to log_path (appended), extra
 * environment "NAME=VALUE" entries (NULL-terminated, optional). The child is in its own
 * process group. */
pid_t torture_spawn(const char *box, char *const argv[], const char *log_path, char *const extra_env[]);
/* waitpid() with a deadline: true and *ret_status (as from waitpid) once it exited. */
bool torture_wait(pid_t pid, int timeout_ms, int *ret_status);
/* 0..255 for an exit, 128+N for death by signal N. */
int torture_exit_code(int status);

/* Reaps whatever zombie children we have (orphans adopted as subreaper). */
void torture_reap(void);
/* Our live (non-zombie) children, one "PID comm" a line into buf; returns how many. */
int torture_live_children(char *buf, size_t size);
/* SIGKILLs our children again and again until none is left (bounded); returns how many
 * kills it took. */
int torture_kill_children(void);

/* Entries named unitrun.* in the private runtime base, one a line into buf; how many. */
int torture_runtime_leftovers(char *buf, size_t size);

/* Records of a pid file: how many there are, how many are still alive (a zombie is dead),
 * and a description of the survivors into buf. -errno when the file cannot be read. */
int torture_count_alive(const char *pid_file, int *ret_alive, char *buf, size_t size);
/* SIGKILLs every recorded process still alive; returns how many. */
int torture_kill_recorded(const char *pid_file);

/* Lines in a file (0 when missing). */
int torture_count_lines(const char *path);
uint64_t torture_now_ms(void);
void torture_sleep_ms(unsigned ms);

/* Running a program (the unitrun binary, mostly) as a test sees it: argv, extra
 * environment, stdout and stderr captured through pipes, a deadline after which it is
 * SIGKILLed (the test fails, nothing blocks), and its output shown when a check fails.
 * One object, for a run the test waits for (cli_run_capture) and for one it talks to
 * while it runs (spawn, wait_for a line, signal it, finish).
 *
 * The child gets stdin from /dev/null, default signal dispositions and an empty signal
 * mask (a suite started by nohup or in the background must not hand SIG_IGN on), and no
 * NOTIFY_SOCKET (a service manager running the suite is none of its business). Every
 * run still alive is SIGKILLed by the runner when the case misses its deadline. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "test-assert.h"

typedef struct cli_run {
        pid_t pid;
        int out_fd, err_fd;
        int status;          /* exit status, 128+N after signal N, -1 while running or when it hung */
        bool timed_out;      /* SIGKILLed at the deadline */
        uint64_t started_ms; /* test_now_msec() at the spawn */
        uint64_t elapsed_ms; /* from the spawn to the exit */
        size_t out_len, err_len;
        char out[65536];
        char err[262144];
} cli_run;

/* A fresh object (status -1, no process); cli_run_new() allocates one (abort on ENOMEM). */
void cli_run_init(cli_run *r);
cli_run *cli_run_new(void);
/* Kills and reaps a run that is still going, closes the pipes, frees; returns NULL. */
cli_run *cli_run_free(cli_run *r);

/* Starts PROGRAM with argv[1..] = args (NULL-terminated) and the NULL-terminated
 * "NAME=VALUE" env additions (may be NULL). 0, or -errno (then r->status stays -1). */
int cli_run_spawn(cli_run *r, const char *program, char *const args[], char *const env[]);
/* Reads what is there, waiting up to timeout_ms for the first bytes. */
void cli_run_pump(cli_run *r, int timeout_ms);
/* Waits until needle is in stdout (on_stdout) or stderr; false on the timeout or at EOF. */
bool cli_run_wait_for(cli_run *r, bool on_stdout, const char *needle, int timeout_ms);
/* Is it still running? Reaps it when it is not. */
bool cli_run_alive(cli_run *r);
/* Collects output until it exits; SIGKILL after timeout_ms (timed_out, status -1). Reads
 * after the exit too (a straggler may hold the pipes: drain, do not wait for EOF). The
 * exit status. */
int cli_run_finish(cli_run *r, int timeout_ms);
/* spawn + finish. */
int cli_run_capture(cli_run *r, const char *program, char *const args[], char *const env[], int timeout_ms);

/* SIGKILLs and reaps every run still going (a suite cleanup); how many there were. The
 * objects keep their state: cli_run_free() them as usual. */
int cli_run_kill_all(void);

/* Prints the run (status, time, stdout, stderr) to stderr, under the heading what. */
void cli_run_show(const cli_run *r, const char *what);
/* An assertion that shows the run when it fails. */
#define CLI_CHECK(r, cond) CHECK_SHOW(cond, cli_run_show((r), #cond))

/* The fixture object of one test case, in the style of dbus-broker's util-broker.h: a
 * stack object initialised with TCASE_NULL, set up by tcase_init(), given what the case
 * starts (helper processes by PID, fds), and torn down by tcase_done() whatever happened:
 * helpers SIGKILLed and reaped, fds closed, and on failure the output of the case's own
 * helpers (DIR/helpers.log) dumped, then the temp dir removed. The running case's
 * helpers are also killed by the runner when the case misses its deadline.
 *
 *   tcase t = TCASE_NULL;
 *   if (!tcase_init(&t)) goto out;
 *   REQUIRE(tcase_add_helper(&t, test_spawn(argv, tcase_helper_log(&t))));
 *   ...
 * out:
 *   tcase_done(&t);                                                                      */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define TCASE_MAX_HELPERS 8
#define TCASE_MAX_FDS 8

typedef struct tcase {
        char *dir; /* a fresh 0700 temp dir */
        char helper_log[4096];
        pid_t helpers[TCASE_MAX_HELPERS];
        int fds[TCASE_MAX_FDS];
        unsigned failures_before;
        bool initialised;
} tcase;

#define TCASE_NULL                                                                                          \
        {                                                                                                   \
                .fds = { [0 ... TCASE_MAX_FDS - 1] = -1 }                                                   \
        }

/* The temp dir, the failure count at the start; false (and an assertion failed) if the
 * temp dir cannot be made. */
bool tcase_init(tcase *t);
/* Takes a helper PID (from test_spawn()); false, and a message, for pid <= 0 or when full
 * (then the helper is killed). */
bool tcase_add_helper(tcase *t, pid_t pid);
/* Takes an fd; false, and a message, for fd < 0 or when full (then it is closed). */
bool tcase_add_fd(tcase *t, int fd);
/* DIR/helpers.log: where helpers should write, dumped when the case failed. */
const char *tcase_helper_log(const tcase *t);
/* DIR/NAME, malloc'ed. */
char *tcase_path(const tcase *t, const char *name);
/* What a case that waits for conditions holds itself, kept until tcase_done(): a
 * listener on a free port of ip ("127.0.0.1", "::1"; the port, or -errno, and why);
 * one on the unix socket DIR/NAME, and the empty file DIR/NAME (the malloc'ed path, or
 * NULL, and why). */
int tcase_listen_tcp(tcase *t, const char *ip);
char *tcase_listen_unix(tcase *t, const char *name);
char *tcase_touch(tcase *t, const char *name);
/* Has any assertion failed since tcase_init()? */
bool tcase_failed(const tcase *t);
/* Kills and reaps the helpers, closes the fds, dumps the helper log on failure, removes
 * the temp dir. Idempotent; fine on a TCASE_NULL that was never initialised. */
void tcase_done(tcase *t);

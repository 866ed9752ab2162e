/* Support for the programs that embed libunitrun (tests/integration, tests/torture): which
 * isolation this host gives, checked against the path the program was asked to test, and
 * a log buffer for ur_context_set_log() that the fixture prints when a case failed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "unitrun.h"

/* Whether the program may run here, for its path (fallback: UNITRUN_NO_CGROUP=1): 0 to
 * run, 77 to skip (the cgroup path without cgroup isolation; says so, naming other_test,
 * the test of the other path), 1 for a wrong setup (the fallback asked for, another
 * isolation got). With $EXPECT_ISOLATION set ("cgroup", "scope", "fallback"), anything
 * else is a wrong setup: a run of the scope path that silently got another proves
 * nothing. */
int test_lib_check_isolation(bool fallback, const char *other_test);

/* The same after checking that the fixture FIXTURE is in $FIXTURE_DIR (77 when not). */
int test_lib_check_setup(const char *fixture, bool fallback, const char *other_test);

typedef struct test_log {
        char text[16384];
        size_t len;
} test_log;

/* A new context that logs into log and reports states to state_fn(userdata); false (an
 * assertion failed, and why is printed) when it cannot be made. */
bool test_lib_new_context(ur_context **ret, test_log *log, ur_state_fn state_fn, void *userdata);

/* A ur_log_fn; userdata is a test_log. UR_TEST_VERBOSE=1 prints every line too. */
void test_log_cb(ur_log_level level, const char *unit, const char *message, void *userdata);
/* Prints the log (its last max bytes, 0: all) under a heading; nothing when empty. */
void test_log_dump(const test_log *log, size_t max);

/* What a blocking call returned, for a message: the ur_outcome's name, or strerror(). */
const char *test_outcome_name(int r);

/* ur_context_add_unit(): a unit from KEY=VALUE assignments, through the public API only,
 * as the CLI's --exec makes one. A good unit starts a real process and is ready by its
 * condition; each kind of bad input is refused with a diagnostic naming the origin, and
 * leaves no executor behind (the name is still free afterwards). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit-main.h"
#include "test-util.h"
#include "unitrun.h"

struct diagnostics {
        unsigned n, errors;
        char file[256];
        unsigned line;
        char message[1024]; /* the first error's */
};

static void on_diagnostic(const char *file, unsigned line, bool error, const char *message, void *userdata)
{
        struct diagnostics *d = userdata;

        fprintf(stderr, "  diagnostic: %s:%u: %s%s\n", file, line, error ? "" : "warning: ", message);
        d->n++;
        if (!error || d->errors++)
                return;
        snprintf(d->file, sizeof(d->file), "%s", file);
        d->line = line;
        snprintf(d->message, sizeof(d->message), "%s", message);
}

static char *notify_exec_start(void)
{
        char *fixture = test_fixture_path("notify"), *s = NULL;

        if (fixture && asprintf(&s, "ExecStart=%s send=READY=1 pause", fixture) < 0)
                s = NULL;
        free(fixture);
        return s;
}

/* A case: its context, what the diagnostics said, the executor it got, and an ExecStart=
 * of the notify fixture. */
struct acase {
        char *exec_start;
        struct diagnostics d;
        ur_context *ctx;
        ur_executor *e;
};

static void acase_init(struct acase *a)
{
        *a = (struct acase){ .exec_start = notify_exec_start() };
        CU_ASSERT_FATAL(a->exec_start != NULL);
        CU_ASSERT_FATAL(ur_context_new(&a->ctx) >= 0);
}

static void acase_done(struct acase *a)
{
        ur_context_free(a->ctx);
        free(a->exec_start);
}

static void test_good_unit_starts(void)
{
        const char *assignments[] = { NULL, "Type=notify", "TimeoutStartSec=20s", "Description=%N", NULL };
        struct acase a;

        acase_init(&a);
        assignments[0] = a.exec_start;
        CU_ASSERT_EQUAL(
                ur_context_add_unit(
                        a.ctx, "good.service", "--exec #1", assignments, on_diagnostic, &a.d, &a.e),
                0);
        CU_ASSERT_EQUAL(a.d.errors, 0);
        if (a.e) {
                CU_ASSERT_STRING_EQUAL(ur_executor_get_name(a.e), "good.service");
                CU_ASSERT_EQUAL(ur_executor_start(a.e), 0);
                CU_ASSERT_EQUAL(ur_executor_get_state(a.e), UR_STATE_RUNNING);
                CU_ASSERT(ur_executor_get_pid(a.e) > 0);
                CU_ASSERT(test_process_alive(ur_executor_get_pid(a.e), 0));
                CU_ASSERT_EQUAL(ur_executor_stop(a.e), 0);
        }
        acase_done(&a);
}

/* Refused with -EINVAL and an error from `file` (the origin for a key, the unit's name for
 * the unit as a whole) at line 0 whose message has `needle`; the name is still free. */
static void
expect_refused(const char *name, const char *const *assignments, const char *file, const char *needle)
{
        const char *good[] = { NULL, NULL };
        struct acase a;

        acase_init(&a);
        good[0] = a.exec_start;
        CU_ASSERT_EQUAL(
                ur_context_add_unit(a.ctx, name, "--exec #2", assignments, on_diagnostic, &a.d, &a.e),
                -EINVAL);
        CU_ASSERT_PTR_NULL(a.e);
        CU_ASSERT(a.d.errors >= 1);
        CU_ASSERT_STRING_EQUAL(a.d.file, file);
        CU_ASSERT_EQUAL(a.d.line, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(a.d.message, needle));
        if (strlen(name) <= 200)
                CU_ASSERT_EQUAL(ur_context_add_unit(a.ctx, name, NULL, good, NULL, NULL, &a.e), 0);
        acase_done(&a);
}

static void test_unknown_key(void)
{
        expect_refused(
                "typo.service", (const char *const[]){ "ExecStart=/bin/true", "type=notify", NULL },
                "--exec #2", "unknown key type=, did you mean Type=?");
}

static void test_bad_value(void)
{
        expect_refused(
                "late.service",
                (const char *const[]){ "ExecStart=/bin/true", "TimeoutStartSec=later", NULL }, "--exec #2",
                "TimeoutStartSec=later");
}

static void test_not_an_assignment(void)
{
        expect_refused(
                "noeq.service", (const char *const[]){ "ExecStart=/bin/true", "Type", NULL }, "--exec #2",
                "'Type': expected KEY=VALUE");
}

static void test_unit_checked_as_a_whole(void)
{
        expect_refused(
                "empty.service", (const char *const[]){ "Type=notify", NULL }, "empty.service",
                "ExecStart= is missing");
}

static void test_invalid_name(void)
{
        char name[256];

        memset(name, 'x', 201);
        name[201] = 0;
        expect_refused(
                name, (const char *const[]){ "ExecStart=/bin/true", NULL }, "--exec #2",
                "invalid unit name");
}

static void test_name_taken(void)
{
        const char *assignments[] = { "ExecStart=/bin/true", NULL };
        ur_context *ctx = NULL;
        ur_executor *e = NULL, *again = NULL;

        CU_ASSERT_FATAL(ur_context_new(&ctx) >= 0);
        CU_ASSERT_EQUAL(ur_context_add_unit(ctx, "twice.service", NULL, assignments, NULL, NULL, &e), 0);
        CU_ASSERT_EQUAL(
                ur_context_add_unit(ctx, "twice.service", NULL, assignments, NULL, NULL, &again), -EEXIST);
        CU_ASSERT_PTR_NULL(again);
        CU_ASSERT_EQUAL(
                ur_context_add_unit(NULL, "x.service", NULL, assignments, NULL, NULL, &again), -EINVAL);
        ur_context_free(ctx);
}

static CU_TestInfo cases[] = {
        { "a good unit starts and is ready", test_good_unit_starts },
        { "unknown key: refused, with a hint", test_unknown_key },
        { "bad value: refused", test_bad_value },
        { "not KEY=VALUE: refused", test_not_an_assignment },
        { "the unit is checked as a whole", test_unit_checked_as_a_whole },
        { "invalid name: refused", test_invalid_name },
        { "a name taken: -EEXIST", test_name_taken },
        CU_TEST_INFO_NULL,
};

int main(void)
{
        return cunit_run_tests("add-unit", cases);
}

/* Support for the programs that embed libunitrun; see test-lib.h. */
#include "test-lib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "test-util.h"

static const char *isolation_name(ur_isolation isolation)
{
        switch (isolation) {
        case UR_ISOLATION_CGROUP:
                return "cgroup";
        case UR_ISOLATION_SCOPE:
                return "scope";
        case UR_ISOLATION_FALLBACK:
                return "fallback";
        default:
                return "unknown";
        }
}

int test_lib_check_isolation(bool fallback, const char *other_test)
{
        const char *expect = getenv("EXPECT_ISOLATION");
        ur_context *ctx = NULL;
        ur_isolation isolation;
        const char *reason;
        int r = ur_context_new(&ctx);

        if (r < 0) {
                fprintf(stderr, "ur_context_new failed: %s\n", strerror(-r));
                return 1;
        }
        isolation = ur_context_get_isolation(ctx);
        reason = ur_context_get_isolation_reason(ctx);
        if (expect && *expect && strcmp(expect, isolation_name(isolation)) != 0) {
                fprintf(stderr, "EXPECT_ISOLATION=%s but the isolation is %s (%s)\n", expect,
                        isolation_name(isolation), reason ? reason : "no reason given");
                r = 1;
        } else if (fallback) {
                r = isolation == UR_ISOLATION_FALLBACK ? 0 : 1;
                if (r)
                        fprintf(stderr, "UNITRUN_NO_CGROUP=1 but the isolation is %s, not the fallback\n",
                                isolation_name(isolation));
        } else if (isolation == UR_ISOLATION_CGROUP || isolation == UR_ISOLATION_SCOPE)
                r = 0;
        else {
                fprintf(stderr, "skipped: no cgroup isolation here (%s); %s tests the other path\n",
                        reason ? reason : "no reason given", other_test);
                r = 77;
        }
        if (r == 0)
                fprintf(stderr, "isolation: %s\n", isolation_name(isolation));
        ur_context_free(ctx);
        return r;
}

int test_lib_check_setup(const char *fixture, bool fallback, const char *other_test)
{
        char *probe = test_fixture_path(fixture);
        bool found = probe && access(probe, X_OK) == 0;

        free(probe);
        if (!found) {
                fprintf(stderr, "skipped: the fixtures are not found (set FIXTURE_DIR)\n");
                return 77;
        }
        return test_lib_check_isolation(fallback, other_test);
}

bool test_lib_new_context(ur_context **ret, test_log *log, ur_state_fn state_fn, void *userdata)
{
        int r = ur_context_new(ret);

        CU_ASSERT_EQUAL(r, 0);
        if (r < 0) {
                fprintf(stderr, "\n    ur_context_new: %s\n", strerror(-r));
                *ret = NULL;
                return false;
        }
        ur_context_set_log(*ret, test_log_cb, log);
        ur_context_set_state_callback(*ret, state_fn, userdata);
        return true;
}

void test_log_cb(ur_log_level level, const char *unit, const char *message, void *userdata)
{
        test_log *log = userdata;
        int n;

        if (getenv("UR_TEST_VERBOSE"))
                fprintf(stderr, "    log<%d> %s: %s\n", (int) level, unit ? unit : "-", message);
        if (log->len >= sizeof(log->text) - 1)
                return;
        n = snprintf(
                log->text + log->len, sizeof(log->text) - log->len, "<%d> %s: %s\n", (int) level,
                unit ? unit : "-", message);
        if (n > 0)
                log->len += (size_t) n < sizeof(log->text) - log->len ? (size_t) n
                                                                      : sizeof(log->text) - log->len - 1;
}

void test_log_dump(const test_log *log, size_t max)
{
        size_t from = max > 0 && log->len > max ? log->len - max : 0;

        if (log->len == 0)
                return;
        fprintf(stderr, "\n    library log of the failed test%s:\n%.*s", from ? " (its end)" : "",
                (int) (log->len - from), log->text + from);
}

const char *test_outcome_name(int r)
{
        const char *name = r >= 0 ? ur_outcome_to_string((ur_outcome) r) : NULL;

        return name ? name : r < 0 ? strerror(-r) : "unknown outcome";
}

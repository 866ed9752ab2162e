/* The main() the library torture programs (hygiene, notify flood) share. */
#include <stdio.h>

#include "cunit-main.h"
#include "test-lib.h"
#include "torture-util.h"

int torture_run_library_tests(const char *suite_name, CU_TestInfo *tests, bool fallback)
{
        int r;

        if (!torture_init())
                return CUNIT_EXIT_HARD_ERROR;
        /* The cgroup variant means nothing where the library can only fall back. */
        r = test_lib_check_isolation(fallback, "the -fallback variant");
        if (r == 0)
                r = cunit_run_tests(suite_name, tests);
        torture_cleanup();
        return r;
}

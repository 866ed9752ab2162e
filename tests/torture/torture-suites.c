/* The main() the library torture programs (hygiene, notify flood) share. */
#include <CUnit/Basic.h>
#include <stdio.h>

#include "torture-util.h"
#include "unitrun.h"

int torture_run_library_suites(CU_SuiteInfo *suites, bool fallback)
{
        ur_context *probe = NULL;
        unsigned failures;

        if (!torture_init())
                return 99;
        if (ur_context_new(&probe) < 0)
                return 99;
        /* The cgroup variant means nothing where the library can only fall back. */
        if (!fallback && ur_context_get_isolation(probe) == UR_ISOLATION_FALLBACK) {
                fprintf(stderr, "skipped: no cgroup isolation here (%s)\n",
                        ur_context_get_isolation_reason(probe));
                ur_context_free(probe);
                return 77;
        }
        ur_context_free(probe);

        if (CU_initialize_registry() != CUE_SUCCESS || CU_register_suites(suites) != CUE_SUCCESS)
                return 99;
        CU_basic_set_mode(CU_BRM_VERBOSE);
        CU_basic_run_tests();
        failures = CU_get_number_of_failures();
        CU_cleanup_registry();
        torture_cleanup();
        return failures > 0 ? 1 : 0;
}

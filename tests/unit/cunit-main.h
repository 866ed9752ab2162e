/* The shared runner of the CUnit unit tests. Each test program lists its suites as a
 * CU_SuiteInfo array (with designated initializers: CUnit 2.1-3 added fields to the
 * struct, so positional ones would silently land in the wrong members) and its main()
 * returns cunit_run(suites).
 *
 * The exit code follows meson: 0 when every assertion held, 1 when any failed, 99 (hard
 * error) when CUnit itself could not set up. CU_get_error() is no use as the verdict: it
 * reports framework errors only, and stays CUE_SUCCESS when assertions fail. */
#pragma once

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#define CUNIT_EXIT_HARD_ERROR 99

static inline int cunit_run(CU_SuiteInfo *suites)
{
        unsigned failures;

        if (CU_initialize_registry() != CUE_SUCCESS)
                return CUNIT_EXIT_HARD_ERROR;
        if (CU_register_suites(suites) != CUE_SUCCESS) {
                CU_cleanup_registry();
                return CUNIT_EXIT_HARD_ERROR;
        }

        CU_basic_set_mode(CU_BRM_VERBOSE);
        if (CU_basic_run_tests() != CUE_SUCCESS) {
                CU_cleanup_registry();
                return CUNIT_EXIT_HARD_ERROR;
        }

        /* Read before the cleanup, which throws the run's results away. */
        failures = CU_get_number_of_failures();
        CU_cleanup_registry();

        return failures > 0 ? 1 : 0;
}

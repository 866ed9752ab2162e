/* Assertions beyond CUnit's. REQUIRE(expr) is CU_ASSERT that, on failure, leaves the case
 * for its cleanup label `out:` (CU_ASSERT_FATAL would longjmp past the cleanup and leave
 * processes running); expr is evaluated once. CHECK_SHOW(cond, show) prints what explains
 * a failure (a run's output) before asserting. */
#pragma once

#include <CUnit/CUnit.h>

#define REQUIRE(expr)                                                                                       \
        do {                                                                                                \
                CU_BOOL require_ok_ = (expr) ? CU_TRUE : CU_FALSE;                                          \
                CU_assertImplementation(require_ok_, __LINE__, #expr, __FILE__, "", CU_FALSE);              \
                if (!require_ok_)                                                                           \
                        goto out;                                                                           \
        } while (0)

#define CHECK_SHOW(cond, show)                                                                              \
        do {                                                                                                \
                CU_BOOL check_ok_ = (cond) ? CU_TRUE : CU_FALSE;                                            \
                if (!check_ok_) {                                                                           \
                        show;                                                                               \
                }                                                                                           \
                CU_assertImplementation(check_ok_, __LINE__, #cond, __FILE__, "", CU_FALSE);                \
        } while (0)

#define ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

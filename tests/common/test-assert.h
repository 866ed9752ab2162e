/* Assertions beyond CUnit's. REQUIRE(expr) is CU_ASSERT that, on failure, leaves the case
 * for its cleanup label `out:` (CU_ASSERT_FATAL would longjmp past the cleanup and leave
 * processes running); expr is evaluated once. CHECK_SHOW(cond, show) prints what explains
 * a failure (a run's output) before asserting. */
#pragma once

#include <CUnit/CUnit.h>
#include <stddef.h>

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

/* l (NULL-terminated; NULL is empty) holds exactly the NULL-terminated expected, in order.
 * Counted here, not with the strv code under test. */
static inline void test_assert_strv(char *const *l, const char *const *expected)
{
        size_t n = 0, have = 0;

        while (expected[n])
                n++;
        while (l && l[have])
                have++;
        CU_ASSERT_EQUAL_FATAL(have, n);
        for (size_t i = 0; i < n; i++)
                CU_ASSERT_STRING_EQUAL(l[i], expected[i]);
}

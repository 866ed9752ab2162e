/* Unit tests for grow.h: ARRAY_GROW() makes room by doubling from the first size, keeps
 * what the array held, and on a failed allocation leaves the array and its size alone. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "alloc-fail.h"
#include "cunit-main.h"
#include "grow.h"
#include "macro.h"
#include "test-assert.h"

static void test_first_then_doubling(void)
{
        _cleanup_free_ int *a = NULL;
        size_t cap = 0;

        CU_ASSERT_EQUAL(ARRAY_GROW(a, 1, cap, 8), 0);
        CU_ASSERT_PTR_NOT_NULL(a);
        CU_ASSERT_EQUAL(cap, 8);
        /* Room enough already: nothing moves. */
        {
                int *before = a;

                CU_ASSERT_EQUAL(ARRAY_GROW(a, 8, cap, 8), 0);
                CU_ASSERT_PTR_EQUAL(a, before);
                CU_ASSERT_EQUAL(cap, 8);
        }
        CU_ASSERT_EQUAL(ARRAY_GROW(a, 9, cap, 8), 0);
        CU_ASSERT_EQUAL(cap, 16);
        /* A chunk bigger than one doubling: doubled until it fits. */
        CU_ASSERT_EQUAL(ARRAY_GROW(a, 100, cap, 8), 0);
        CU_ASSERT_EQUAL(cap, 128);
}

static void test_keeps_items(void)
{
        _cleanup_free_ uint64_t *a = NULL;
        size_t n = 0, cap = 0;

        for (uint64_t i = 0; i < 1000; i++) {
                REQUIRE(ARRAY_GROW(a, n + 1, cap, 4) == 0);
                a[n++] = i * 3;
        }
        CU_ASSERT_EQUAL(cap, 1024);
        for (size_t i = 0; i < n; i++)
                CU_ASSERT_EQUAL(a[i], i * 3);
out:;
}

static void test_overflow(void)
{
        _cleanup_free_ uint64_t *a = NULL;
        size_t cap = 0;

        CU_ASSERT_EQUAL(ARRAY_GROW(a, SIZE_MAX / 4, cap, 8), -ENOMEM);
        CU_ASSERT_PTR_NULL(a);
        CU_ASSERT_EQUAL(cap, 0);
}

static void test_out_of_memory(void)
{
        _cleanup_free_ int *a = NULL;
        size_t cap = 0;
        int *before;

        REQUIRE(ARRAY_GROW(a, 2, cap, 2) == 0);
        a[0] = 7;
        a[1] = 8;
        before = a;
        alloc_fail_after(0);
        CU_ASSERT_EQUAL(ARRAY_GROW(a, 3, cap, 2), -ENOMEM);
        alloc_fail_disarm();
        CU_ASSERT_TRUE(alloc_fail_was_triggered());
        CU_ASSERT_PTR_EQUAL(a, before);
        CU_ASSERT_EQUAL(cap, 2);
        CU_ASSERT_EQUAL(a[0], 7);
        CU_ASSERT_EQUAL(a[1], 8);
out:;
}

static CU_TestInfo grow_tests[] = {
        { "first, then doubling", test_first_then_doubling },
        { "keeps items", test_keeps_items },
        { "overflow", test_overflow },
        { "out of memory", test_out_of_memory },
        CU_TEST_INFO_NULL,
};

int main(void)
{
        return cunit_run_tests("grow", grow_tests);
}

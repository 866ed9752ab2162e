/* Unit tests for strv.c: vectors built, copied, joined, and used as environment blocks. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-fail.h"
#include "cunit-main.h"
#include "macro.h"
#include "strv.h"
#include "test-assert.h"

static void test_free_and_length(void)
{
        char *empty[] = { NULL };
        char *three[] = { (char *) "a", (char *) "b", (char *) "c", NULL };

        CU_ASSERT_PTR_NULL(strv_free(NULL));
        CU_ASSERT_EQUAL(strv_length(NULL), 0);
        CU_ASSERT_EQUAL(strv_length(empty), 0);
        CU_ASSERT_EQUAL(strv_length(three), 3);
}

static void test_push(void)
{
        _cleanup_strv_free_ char **l = NULL;
        char buf[] = "mutable";

        CU_ASSERT_EQUAL(strv_push(&l, "one"), 0);
        CU_ASSERT_EQUAL(strv_push(&l, ""), 0);
        CU_ASSERT_EQUAL(strv_push(&l, buf), 0);
        test_assert_strv(l, (const char *const[]){ "one", "", "mutable", NULL });

        /* The vector holds copies. */
        buf[0] = 'M';
        CU_ASSERT_STRING_EQUAL(l[2], "mutable");
        CU_ASSERT_PTR_NOT_EQUAL(l[2], buf);

        CU_ASSERT_EQUAL(strv_push(&l, NULL), -EINVAL);
        CU_ASSERT_EQUAL(strv_push(NULL, "x"), -EINVAL);
        CU_ASSERT_EQUAL(strv_length(l), 3);
}

static void test_push_many(void)
{
        _cleanup_strv_free_ char **l = NULL;
        char buf[16];

        for (int i = 0; i < 1000; i++) {
                snprintf(buf, sizeof(buf), "%d", i);
                CU_ASSERT_EQUAL_FATAL(strv_push(&l, buf), 0);
        }
        CU_ASSERT_EQUAL(strv_length(l), 1000);
        CU_ASSERT_STRING_EQUAL(l[0], "0");
        CU_ASSERT_STRING_EQUAL(l[999], "999");
        CU_ASSERT_PTR_NULL(l[1000]);
}

static void test_copy(void)
{
        char *source[] = { (char *) "ls", (char *) "-l", (char *) "/tmp", NULL };
        _cleanup_strv_free_ char **copy = NULL, **empty = NULL, **from_null = NULL;

        copy = strv_copy(source);
        CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
        CU_ASSERT_PTR_NOT_EQUAL(copy, source);
        test_assert_strv(copy, (const char *const[]){ "ls", "-l", "/tmp", NULL });
        for (size_t i = 0; i < 3; i++)
                CU_ASSERT_PTR_NOT_EQUAL(copy[i], source[i]);

        empty = strv_copy((char *[]){ NULL });
        CU_ASSERT_PTR_NOT_NULL_FATAL(empty);
        CU_ASSERT_PTR_NULL(empty[0]);

        /* A copy of nothing is an empty vector, so NULL can only mean out of memory. */
        from_null = strv_copy(NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(from_null);
        CU_ASSERT_PTR_NULL(from_null[0]);
}

/* strv_join(l, separator) is expected (a new string, never NULL). */
static void check_join(char **l, const char *separator, const char *expected)
{
        char *s = strv_join(l, separator);

        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        CU_ASSERT_STRING_EQUAL(s, expected);
        free(s);
}

static void test_join(void)
{
        char *words[] = { (char *) "a", (char *) "bc", (char *) "", (char *) "d", NULL };
        char *one[] = { (char *) "alone", NULL };
        char *empty[] = { NULL };

        check_join(words, ", ", "a, bc, , d");
        check_join(words, "", "abcd");
        check_join(words, NULL, "a bc  d");
        check_join(one, "--", "alone");
        check_join(empty, " ", "");
        check_join(NULL, " ", "");
}

static void test_env_get(void)
{
        char *env[] = {
                (char *) "PATH=/usr/bin:/bin",
                (char *) "EMPTY=",
                (char *) "EQ=a=b",
                (char *) "NOEQUALS",
                (char *) "HOME=/root",
                (char *) "HOME=/second",
                NULL,
        };

        CU_ASSERT_STRING_EQUAL(strv_env_get(env, "PATH"), "/usr/bin:/bin");
        CU_ASSERT_STRING_EQUAL(strv_env_get(env, "EMPTY"), "");
        CU_ASSERT_STRING_EQUAL(strv_env_get(env, "EQ"), "a=b");
        /* The first of duplicates, as getenv() sees it. */
        CU_ASSERT_STRING_EQUAL(strv_env_get(env, "HOME"), "/root");
        /* Neither prefixes nor entries without '=' count. */
        CU_ASSERT_PTR_NULL(strv_env_get(env, "PAT"));
        CU_ASSERT_PTR_NULL(strv_env_get(env, "PATHX"));
        CU_ASSERT_PTR_NULL(strv_env_get(env, "NOEQUALS"));
        CU_ASSERT_PTR_NULL(strv_env_get(env, "MISSING"));
        CU_ASSERT_PTR_NULL(strv_env_get(env, ""));
        CU_ASSERT_PTR_NULL(strv_env_get(env, "PATH=/usr/bin:/bin"));
        CU_ASSERT_PTR_NULL(strv_env_get(env, NULL));
        CU_ASSERT_PTR_NULL(strv_env_get(NULL, "PATH"));
}

static void test_env_set(void)
{
        _cleanup_strv_free_ char **env = NULL;

        /* Appending to nothing creates the vector. */
        CU_ASSERT_EQUAL(strv_env_set(&env, "A", "1"), 0);
        CU_ASSERT_EQUAL(strv_env_set(&env, "B", "2"), 0);
        CU_ASSERT_EQUAL(strv_env_set(&env, "C", ""), 0);
        test_assert_strv(env, (const char *const[]){ "A=1", "B=2", "C=", NULL });

        /* Replacing keeps the position. */
        CU_ASSERT_EQUAL(strv_env_set(&env, "A", "one"), 0);
        test_assert_strv(env, (const char *const[]){ "A=one", "B=2", "C=", NULL });

        CU_ASSERT_EQUAL(strv_env_set(&env, "B", "x=y"), 0);
        CU_ASSERT_STRING_EQUAL(strv_env_get(env, "B"), "x=y");

        /* A name that is a prefix of another is a different variable. */
        CU_ASSERT_EQUAL(strv_env_set(&env, "AB", "3"), 0);
        test_assert_strv(env, (const char *const[]){ "A=one", "B=x=y", "C=", "AB=3", NULL });

        CU_ASSERT_EQUAL(strv_env_set(&env, "", "v"), -EINVAL);
        CU_ASSERT_EQUAL(strv_env_set(&env, "X=Y", "v"), -EINVAL);
        CU_ASSERT_EQUAL(strv_env_set(&env, NULL, "v"), -EINVAL);
        CU_ASSERT_EQUAL(strv_env_set(&env, "X", NULL), -EINVAL);
        CU_ASSERT_EQUAL(strv_env_set(NULL, "X", "v"), -EINVAL);
        CU_ASSERT_EQUAL(strv_length(env), 4);
}

/* A new strv of the NULL-terminated items, pushed one by one. */
static char **strv_of(const char *const *items)
{
        char **l = NULL;

        for (size_t i = 0; items[i]; i++)
                CU_ASSERT_EQUAL_FATAL(strv_push(&l, items[i]), 0);
        return l;
}

static void test_env_set_drops_duplicates(void)
{
        _cleanup_strv_free_ char **env =
                strv_of((const char *const[]){ "DUP=1", "OTHER=x", "DUP=2", "DUP=3", NULL });

        CU_ASSERT_EQUAL(strv_env_set(&env, "DUP", "new"), 0);
        test_assert_strv(env, (const char *const[]){ "DUP=new", "OTHER=x", NULL });
}

static void test_env_unset(void)
{
        _cleanup_strv_free_ char **env =
                strv_of((const char *const[]){ "A=1", "B=2", "A=3", "AB=4", "A", NULL });

        /* Every A=..., but neither AB=... nor a bare "A" without '='. */
        CU_ASSERT_EQUAL(strv_env_unset(env, "A"), 2);
        test_assert_strv(env, (const char *const[]){ "B=2", "AB=4", "A", NULL });

        CU_ASSERT_EQUAL(strv_env_unset(env, "MISSING"), 0);
        CU_ASSERT_EQUAL(strv_env_unset(env, "B"), 1);
        CU_ASSERT_EQUAL(strv_env_unset(env, "AB"), 1);
        test_assert_strv(env, (const char *const[]){ "A", NULL });

        CU_ASSERT_EQUAL(strv_env_unset(env, ""), -EINVAL);
        CU_ASSERT_EQUAL(strv_env_unset(env, "A=1"), -EINVAL);
        CU_ASSERT_EQUAL(strv_env_unset(env, NULL), -EINVAL);
        CU_ASSERT_EQUAL(strv_env_unset(NULL, "A"), 0);
}

static void test_env_round_trip(void)
{
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *joined = NULL;

        CU_ASSERT_EQUAL_FATAL(strv_env_set(&env, "LANG", "C.UTF-8"), 0);
        CU_ASSERT_EQUAL_FATAL(strv_env_set(&env, "TZ", "UTC"), 0);
        CU_ASSERT_EQUAL_FATAL(strv_env_set(&env, "LANG", "C"), 0);
        CU_ASSERT_EQUAL(strv_env_unset(env, "TZ"), 1);
        CU_ASSERT_EQUAL_FATAL(strv_env_set(&env, "TZ", "Europe/Berlin"), 0);

        joined = strv_join(env, "\n");
        CU_ASSERT_STRING_EQUAL(joined, "LANG=C\nTZ=Europe/Berlin");
}

/* Fails each allocation of strv_push() in turn, on a vector with and without content. */
static void test_push_out_of_memory(void)
{
        _cleanup_strv_free_ char **l = NULL, **none = NULL;
        unsigned failures = 0;
        int r;

        CU_ASSERT_EQUAL_FATAL(strv_push(&l, "a"), 0);
        CU_ASSERT_EQUAL_FATAL(strv_push(&l, "b"), 0);

        for (long n = 0;; n++) {
                char **before = l;

                alloc_fail_after(n);
                r = strv_push(&l, "c");
                if (!alloc_fail_round(r, &failures))
                        break;
                CU_ASSERT_PTR_EQUAL(l, before);
                test_assert_strv(l, (const char *const[]){ "a", "b", NULL });
        }
        test_assert_strv(l, (const char *const[]){ "a", "b", "c", NULL });
        /* The copy of the string and the growth of the vector. */
        CU_ASSERT_EQUAL(failures, 2);

        failures = 0;
        for (long n = 0;; n++) {
                alloc_fail_after(n);
                r = strv_push(&none, "first");
                alloc_fail_disarm();
                if (!alloc_fail_was_triggered())
                        break;
                failures++;
                CU_ASSERT_EQUAL(r, -ENOMEM);
                CU_ASSERT_PTR_NULL(none);
        }
        test_assert_strv(none, (const char *const[]){ "first", NULL });
        /* The copy of the string and the new vector. */
        CU_ASSERT_EQUAL(failures, 2);
}

static void test_copy_out_of_memory(void)
{
        char *source[] = { (char *) "a", (char *) "b", (char *) "c", NULL };
        unsigned failures = 0;

        /* A half-built copy must be freed: the sanitizer build checks for leaks. */
        for (long n = 0;; n++) {
                char **copy;

                alloc_fail_after(n);
                copy = strv_copy(source);
                alloc_fail_disarm();
                if (!alloc_fail_was_triggered()) {
                        CU_ASSERT_PTR_NOT_NULL(copy);
                        strv_free(copy);
                        break;
                }
                failures++;
                CU_ASSERT_PTR_NULL(copy);
                strv_free(copy);
        }
        CU_ASSERT_EQUAL(failures, 4);
}

static void test_env_set_out_of_memory(void)
{
        /* Replacing, then appending: either way a failure leaves the vector as it was. */
        static const char *const names[] = { "A", "NEW" };
        _cleanup_strv_free_ char **env = NULL;
        unsigned failures;
        int r;

        CU_ASSERT_EQUAL_FATAL(strv_env_set(&env, "A", "1"), 0);
        CU_ASSERT_EQUAL_FATAL(strv_env_set(&env, "B", "2"), 0);

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                failures = 0;
                for (long n = 0;; n++) {
                        char **before = env;

                        alloc_fail_after(n);
                        r = strv_env_set(&env, names[i], "changed");
                        if (!alloc_fail_round(r, &failures))
                                break;
                        CU_ASSERT_PTR_EQUAL(env, before);
                        if (i == 0)
                                test_assert_strv(env, (const char *const[]){ "A=1", "B=2", NULL });
                        else
                                test_assert_strv(env, (const char *const[]){ "A=changed", "B=2", NULL });
                }
                CU_ASSERT(failures >= 1);
        }
        test_assert_strv(env, (const char *const[]){ "A=changed", "B=2", "NEW=changed", NULL });
}

static void test_join_out_of_memory(void)
{
        char *words[] = { (char *) "a", (char *) "b", NULL };
        char *s;

        alloc_fail_after(0);
        s = strv_join(words, " ");
        alloc_fail_disarm();
        CU_ASSERT_TRUE(alloc_fail_was_triggered());
        CU_ASSERT_PTR_NULL(s);
        free(s);
}

static CU_TestInfo strv_tests[] = {
        { "free and length", test_free_and_length },
        { "push", test_push },
        { "push many", test_push_many },
        { "copy", test_copy },
        { "join", test_join },
        { "env get", test_env_get },
        { "env set", test_env_set },
        { "env set drops duplicates", test_env_set_drops_duplicates },
        { "env unset", test_env_unset },
        { "env round trip", test_env_round_trip },
        { "push out of memory", test_push_out_of_memory },
        { "copy out of memory", test_copy_out_of_memory },
        { "env set out of memory", test_env_set_out_of_memory },
        { "join out of memory", test_join_out_of_memory },
        CU_TEST_INFO_NULL,
};

int main(void)
{
        return cunit_run_tests("strv", strv_tests);
}

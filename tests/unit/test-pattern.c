/* Unit tests for pattern.c: the regular expressions of Output= and HTTPStatus= mean what
 * Python's re means for everyday patterns (\d, \s, (?i), lazy quantifiers), POSIX extended
 * syntax keeps its meaning, whole-subject matching for status codes, and a pattern that does
 * not compile is an error naming the offset, not a pattern that never matches. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cunit-main.h"
#include "pattern.h"

static bool search(const char *re_text, bool whole, const char *subject)
{
        pattern *re = NULL;
        char *error = NULL;
        bool found;

        CU_ASSERT_EQUAL_FATAL(pattern_compile(re_text, whole, &re, &error), 0);
        CU_ASSERT_PTR_NULL(error);
        found = pattern_search(re, subject, strlen(subject));
        pattern_free(re);
        return found;
}

static void test_perl_classes(void)
{
        CU_ASSERT_TRUE(search("port \\d+", false, "listening on port 6379"));
        CU_ASSERT_FALSE(search("port \\d+", false, "listening on port d"));
        /* The old ERE reading took \d as d. */
        CU_ASSERT_FALSE(search("\\d", false, "ddd"));
        CU_ASSERT_TRUE(search("ready\\s+to", false, "ready \t to accept"));
        CU_ASSERT_TRUE(search("\\bREADY\\b", false, "server is READY."));
        CU_ASSERT_FALSE(search("\\bREADY\\b", false, "ALREADY"));
        CU_ASSERT_TRUE(search("\\w+@\\w+", false, "x user@host y"));
}

static void test_inline_flags_and_lazy(void)
{
        CU_ASSERT_TRUE(search("(?i)ready to accept", false, "Ready To ACCEPT connections"));
        CU_ASSERT_FALSE(search("ready to accept", false, "Ready To ACCEPT connections"));
        CU_ASSERT_TRUE(search("<.+?>", false, "<a><b>"));
        CU_ASSERT_TRUE(search("(?:foo|bar)baz", false, "xbarbaz"));
        CU_ASSERT_TRUE(search("(?<=pid )\\d+", false, "pid 42"));
}

static void test_ere_still_works(void)
{
        CU_ASSERT_TRUE(search("^Ready", false, "Ready"));
        CU_ASSERT_FALSE(search("^Ready", false, "  Ready"));
        CU_ASSERT_TRUE(search("[[:digit:]]{3}", false, "abc123"));
        CU_ASSERT_TRUE(search("(a|b)+c$", false, "xxababc"));
        CU_ASSERT_TRUE(search("[[:space:]]ok", false, "all ok"));
        CU_ASSERT_TRUE(search("x{2,}", false, "axxb"));
        CU_ASSERT_FALSE(search("x{3,}", false, "axxb"));
}

static void test_whole_subject(void)
{
        CU_ASSERT_TRUE(search("2[0-9][0-9]", true, "204"));
        CU_ASSERT_FALSE(search("20", true, "204"));
        CU_ASSERT_TRUE(search("2\\d\\d|404", true, "404"));
        CU_ASSERT_FALSE(search("2\\d\\d|404", true, "4040"));
        CU_ASSERT_FALSE(search("2\\d\\d|404", true, "1404"));
        CU_ASSERT_TRUE(search("(2|4)\\d\\d", true, "418"));
}

static void test_bytes(void)
{
        pattern *re = NULL;
        char *error = NULL;
        static const char nul_line[] = "abc\0READY";
        static const char bad_utf8[] = "\xff\xfe READY \xc3";

        CU_ASSERT_EQUAL_FATAL(pattern_compile("READY", false, &re, &error), 0);
        /* Searched by length: past a NUL, through invalid UTF-8, not past the end. */
        CU_ASSERT_TRUE(pattern_search(re, nul_line, sizeof(nul_line) - 1));
        CU_ASSERT_TRUE(pattern_search(re, bad_utf8, sizeof(bad_utf8) - 1));
        CU_ASSERT_FALSE(pattern_search(re, "READY", 4));
        CU_ASSERT_FALSE(pattern_search(re, NULL, 0));
        pattern_free(re);
        /* "." is one character of UTF-8, as in Python. */
        CU_ASSERT_TRUE(
                search("^a.b$", false,
                       "a\xc3\xa9"
                       "b"));
}

static void test_errors_name_the_offset(void)
{
        static const struct {
                const char *pattern;
                const char *offset;
        } cases[] = {
                { "ready(", "offset 6" },  { "[abc", "offset 4" }, { "a{2,1}", "offset 5" },
                { "(?<name", "offset 7" }, { "x\\", "offset 2" },  { "*x", "offset 0" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                pattern *re = NULL;
                char *error = NULL;

                CU_ASSERT_EQUAL(pattern_compile(cases[i].pattern, false, &re, &error), -EINVAL);
                CU_ASSERT_PTR_NULL(re);
                CU_ASSERT_PTR_NOT_NULL_FATAL(error);
                if (!strstr(error, cases[i].offset))
                        fprintf(stderr, "'%s': '%s' lacks '%s'\n", cases[i].pattern, error, cases[i].offset);
                CU_ASSERT_PTR_NOT_NULL(strstr(error, cases[i].offset));
                free(error);
        }
        CU_ASSERT_PTR_NULL(pattern_free(NULL));
}

static CU_TestInfo pattern_tests[] = {
        { "perl classes", test_perl_classes },
        { "inline flags and lazy quantifiers", test_inline_flags_and_lazy },
        { "ERE still works", test_ere_still_works },
        { "whole subject", test_whole_subject },
        { "bytes", test_bytes },
        { "errors name the offset", test_errors_name_the_offset },
        CU_TEST_INFO_NULL,
};

int main(void)
{
        return cunit_run_tests("pattern", pattern_tests);
}

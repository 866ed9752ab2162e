/* Unit tests for cmdline.c: ExecStart=-style splitting, including the examples of
 * systemd.service(5) "Command lines" that need no variable expansion. */
#include <errno.h>
#include <string.h>

#include "cmdline.h"
#include "cunit-main.h"
#include "macro.h"
#include "strv.h"

static void check_split(const char *in, const char *const *expected)
{
        _cleanup_strv_free_ char **argv = NULL;
        const char *reason = NULL;
        size_t n = 0;

        CU_ASSERT_EQUAL_FATAL(cmdline_split(in, &argv, &reason), 0);
        while (expected[n])
                n++;
        CU_ASSERT_EQUAL_FATAL(strv_length(argv), n);
        for (size_t i = 0; i < n; i++)
                CU_ASSERT_STRING_EQUAL(argv[i], expected[i]);
}

static void check_error(const char *in)
{
        char **argv = NULL;
        const char *reason = NULL;

        CU_ASSERT_EQUAL(cmdline_split(in, &argv, &reason), -EINVAL);
        CU_ASSERT_PTR_NULL(argv);
        CU_ASSERT_PTR_NOT_NULL(reason);
}

static void test_words(void)
{
        check_split("sleep 100", (const char *const[]){ "sleep", "100", NULL });
        check_split("  /bin/echo\ta   b  ", (const char *const[]){ "/bin/echo", "a", "b", NULL });
        /* No shell: redirections and pipes are plain arguments. */
        check_split("echo a > b | c &", (const char *const[]){ "echo", "a", ">", "b", "|", "c", "&", NULL });
}

static void test_quotes(void)
{
        check_split("sh -c 'echo hello; exit 3'", (const char *const[]){ "sh", "-c", "echo hello; exit 3", NULL });
        check_split("echo \"two words\" ''", (const char *const[]){ "echo", "two words", "", NULL });
        /* systemd.service(5): echo "\"" gives one argument: a double quote. */
        check_split("echo \"\\\"\"", (const char *const[]){ "echo", "\"", NULL });
        /* A quote inside a word is an ordinary character. */
        check_split("a'b c'd", (const char *const[]){ "a'b", "c'd", NULL });
}

static void test_escapes(void)
{
        check_split("printf a\\nb \\x41\\101 \\s", (const char *const[]){ "printf", "a\nb", "AA", " ", NULL });
        check_split("echo \\u00e9 \\U0001F600", (const char *const[]){ "echo", "\xc3\xa9", "\xf0\x9f\x98\x80", NULL });
        check_split("'a\\tb'", (const char *const[]){ "a\tb", NULL });
}

static void test_errors(void)
{
        check_error("");
        check_error("   ");
        check_error("echo 'unterminated");
        check_error("echo \"x\"y");
        check_error("echo \\q");
        check_error("echo \\x4");
        check_error("echo \\");
        check_error("echo \\u0000");
}

int main(void)
{
        static CU_TestInfo tests[] = {
                { "words", test_words },
                { "quotes", test_quotes },
                { "escapes", test_escapes },
                { "errors", test_errors },
                CU_TEST_INFO_NULL,
        };
        CU_SuiteInfo suites[] = {
                { .pName = "cmdline", .pTests = tests },
                CU_SUITE_INFO_NULL,
        };

        return cunit_run(suites);
}

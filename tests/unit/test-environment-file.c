/* Unit tests for environment-file.c: the EnvironmentFile= format of systemd.exec(5), one
 * rule per test (comments, the three quoting modes, continuations, what is ignored), the
 * one syntax error, and the promise that a failure leaves the environment alone. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-fail.h"
#include "cunit-main.h"
#include "macro.h"
#include "strv.h"
#include "environment-file.h"
#include "unit-file.h"

/* Parses text into a fresh environment and checks it against NAME=VALUE entries. */
static void check_env(const char *text, const char *const *expected)
{
        _cleanup_strv_free_ char **env = NULL;
        unsigned line = 0;
        size_t n = 0;

        CU_ASSERT_EQUAL_FATAL(environment_file_parse(text, &env, &line), 0);
        while (expected[n])
                n++;
        CU_ASSERT_EQUAL_FATAL(strv_length(env), n);
        for (size_t i = 0; i < n; i++)
                CU_ASSERT_STRING_EQUAL(env[i], expected[i]);
}

static void test_plain(void)
{
        check_env("A=1\nB=two words\n", (const char *const[]){ "A=1", "B=two words", NULL });
        check_env("", (const char *const[]){ NULL });
        check_env("A=1", (const char *const[]){ "A=1", NULL });
        /* Whitespace around the key and the value goes, interior whitespace stays. */
        check_env("  C  =   x  y  \t\n", (const char *const[]){ "C=x  y", NULL });
        check_env("EMPTY=\nE2=   \n", (const char *const[]){ "EMPTY=", "E2=", NULL });
        /* Only the first '=' separates. */
        check_env("URL=http://h/?a=b\n", (const char *const[]){ "URL=http://h/?a=b", NULL });
}

static void test_comments_and_ignored(void)
{
        check_env(
                "# comment\n; other\n\n   # indented\nA=1 # not a comment\n",
                (const char *const[]){ "A=1 # not a comment", NULL });
        /* Lines without '=' are ignored (systemd documents it as a way of commenting). */
        check_env("garbage\nA=1\njust words here\n", (const char *const[]){ "A=1", NULL });
        /* As in systemd, a comment ending in a backslash swallows the next line. */
        check_env("# c \\\nL=1\nM=2\n", (const char *const[]){ "M=2", NULL });
        /* Invalid names are ignored; "export" is not special, so it makes a name invalid. */
        check_env("export FOO=bar\n1X=2\nA-B=3\nOK_1=4\n", (const char *const[]){ "OK_1=4", NULL });
}

static void test_single_quotes(void)
{
        /* Verbatim: no escapes, newlines kept. */
        check_env(
                "D='a\\b $x \"q\"\nsecond line'\n",
                (const char *const[]){ "D=a\\b $x \"q\"\nsecond line", NULL });
        check_env("S='  padded  '  \n", (const char *const[]){ "S=  padded  ", NULL });
        /* The value goes on after the closing quote, as in a shell word. */
        check_env("J='x'y\nK='x' 'y'\n", (const char *const[]){ "J=xy", "K=xy", NULL });
}

static void test_double_quotes(void)
{
        /* Backslash keeps " \ ` $; before anything else it stays, with its character. */
        check_env("E=\"a\\\"b\\\\c\\`d\\$e\\xf\"\n", (const char *const[]){ "E=a\"b\\c`d$e\\xf", NULL });
        /* A newline inside is kept, a backslash-newline joins. */
        check_env("M=\"one\ntwo \\\nthree\"\n", (const char *const[]){ "M=one\ntwo three", NULL });
        check_env("Q=\"\"\n", (const char *const[]){ "Q=", NULL });
}

static void test_unquoted_backslashes(void)
{
        check_env("F=a\\ b\\\\c\\d\n", (const char *const[]){ "F=a b\\cd", NULL });
        /* A trailing backslash continues the value on the next line, the newline dropped. */
        check_env("G=abc\\\ndef\nH=1\n", (const char *const[]){ "G=abcdef", "H=1", NULL });
        /* An escaped blank at the end survives the trim. */
        check_env("T=x\\ \n", (const char *const[]){ "T=x ", NULL });
        /* Quotes after the first character are ordinary. */
        check_env("I=a\"b\"c 'd'\n", (const char *const[]){ "I=a\"b\"c 'd'", NULL });
        /* End of text right after a backslash. */
        check_env("V=end\\", (const char *const[]){ "V=end", NULL });
}

static void test_line_ends(void)
{
        check_env("N=1\r\nO=2\r\n", (const char *const[]){ "N=1", "O=2", NULL });
}

static void test_merge(void)
{
        _cleanup_strv_free_ char **env = NULL;
        unsigned line = 0;

        CU_ASSERT_EQUAL(strv_push(&env, "A=old"), 0);
        CU_ASSERT_EQUAL(strv_push(&env, "Z=keep"), 0);
        CU_ASSERT_EQUAL(environment_file_parse("A=new\nB=1\nB=2\n", &env, &line), 0);
        CU_ASSERT_EQUAL_FATAL(strv_length(env), 3);
        CU_ASSERT_STRING_EQUAL(strv_env_get(env, "A"), "new");
        CU_ASSERT_STRING_EQUAL(strv_env_get(env, "B"), "2");
        CU_ASSERT_STRING_EQUAL(strv_env_get(env, "Z"), "keep");
}

static void test_errors(void)
{
        _cleanup_strv_free_ char **env = NULL;
        char **before;
        unsigned line = 0;

        CU_ASSERT_EQUAL(strv_push(&env, "A=old"), 0);
        before = env;
        CU_ASSERT_EQUAL(environment_file_parse("A=new\n\nB='open\nstill\n", &env, &line), -EINVAL);
        CU_ASSERT_EQUAL(line, 3);
        CU_ASSERT_PTR_EQUAL(env, before);
        CU_ASSERT_STRING_EQUAL(env[0], "A=old");
        CU_ASSERT_PTR_NULL(env[1]);

        line = 0;
        CU_ASSERT_EQUAL(environment_file_parse("C=\"open \\\"\n", &env, &line), -EINVAL);
        CU_ASSERT_EQUAL(line, 1);
}

static void test_diagnostics(void)
{
        _cleanup_strv_free_ char **env = NULL;
        struct unit_diagnostics diags = {};
        _cleanup_free_ char *text = NULL;

        CU_ASSERT_EQUAL(environment_file_parse_full("/etc/x.env", "A=1\nexport B=2\n", &env, &diags), 0);
        CU_ASSERT_EQUAL_FATAL(diags.n, 1);
        CU_ASSERT_FALSE(diags.items[0].error);
        CU_ASSERT_EQUAL(diags.items[0].line, 2);
        text = unit_diagnostic_format(&diags.items[0]);
        CU_ASSERT_STRING_EQUAL(
                text, "/etc/x.env:2: warning: ignoring assignment to invalid variable name \"export B\"");
        unit_diagnostics_done(&diags);

        CU_ASSERT_EQUAL(environment_file_parse_full("/etc/x.env", "\n\nX=\"a", &env, &diags), -EINVAL);
        CU_ASSERT_EQUAL_FATAL(diags.n, 1);
        CU_ASSERT_TRUE(diags.items[0].error);
        CU_ASSERT_EQUAL(diags.items[0].line, 3);
        CU_ASSERT_PTR_NOT_NULL(strstr(diags.items[0].message, "unterminated double quote"));
        unit_diagnostics_done(&diags);
        CU_ASSERT_EQUAL(diags.n, 0);
        CU_ASSERT_PTR_NULL(diags.items);
}

/* Every allocation in turn fails once: the result is -ENOMEM with the old environment. */
static void test_alloc_failure(void)
{
        unsigned failures = 0;

        for (long n = 0;; n++) {
                _cleanup_strv_free_ char **env = NULL;
                char **before;
                unsigned line = 0;
                int r;

                CU_ASSERT_EQUAL_FATAL(strv_push(&env, "A=old"), 0);
                before = env;
                alloc_fail_after(n);
                r = environment_file_parse("A=new\nB='x y'\nexport C=1\n", &env, &line);
                if (!alloc_fail_round(r, &failures)) {
                        CU_ASSERT_STRING_EQUAL(strv_env_get(env, "A"), "new");
                        break;
                }
                CU_ASSERT_PTR_EQUAL(env, before);
                CU_ASSERT_STRING_EQUAL(env[0], "A=old");
                CU_ASSERT_PTR_NULL(env[1]);
        }
        /* Else the loop proved nothing: the parser allocates, so failures were injected. */
        CU_ASSERT(failures >= 3);
}

int main(void)
{
        static CU_TestInfo tests[] = {
                { "plain assignments", test_plain },
                { "comments and ignored lines", test_comments_and_ignored },
                { "single quotes", test_single_quotes },
                { "double quotes", test_double_quotes },
                { "unquoted backslashes", test_unquoted_backslashes },
                { "line ends", test_line_ends },
                { "merge into an environment", test_merge },
                { "errors", test_errors },
                { "diagnostics", test_diagnostics },
                { "allocation failures", test_alloc_failure },
                CU_TEST_INFO_NULL,
        };

        return cunit_run_tests("environment-file", tests);
}

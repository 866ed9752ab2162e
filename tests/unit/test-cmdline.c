/* Unit tests for cmdline.c: ExecStart=-style splitting, including the examples of
 * systemd.service(5) "Command lines", and the $VAR/${VAR}/$$ expansion of
 * cmdline_split_expand() with the man page's own examples. */
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
        check_split(
                "sh -c 'echo hello; exit 3'",
                (const char *const[]){ "sh", "-c", "echo hello; exit 3", NULL });
        check_split("echo \"two words\" ''", (const char *const[]){ "echo", "two words", "", NULL });
        /* systemd.service(5): echo "\"" gives one argument: a double quote. */
        check_split("echo \"\\\"\"", (const char *const[]){ "echo", "\"", NULL });
        /* A quote inside a word is an ordinary character. */
        check_split("a'b c'd", (const char *const[]){ "a'b", "c'd", NULL });
}

static void test_escapes(void)
{
        check_split(
                "printf a\\nb \\x41\\101 \\s", (const char *const[]){ "printf", "a\nb", "AA", " ", NULL });
        check_split(
                "echo \\u00e9 \\U0001F600",
                (const char *const[]){ "echo", "\xc3\xa9", "\xf0\x9f\x98\x80", NULL });
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

static void check_expand(const char *in, char *const *env, const char *const *expected)
{
        _cleanup_strv_free_ char **argv = NULL;
        const char *reason = NULL;
        size_t n = 0;

        CU_ASSERT_EQUAL_FATAL(cmdline_split_expand(in, env, &argv, &reason), 0);
        while (expected[n])
                n++;
        CU_ASSERT_EQUAL_FATAL(strv_length(argv), n);
        for (size_t i = 0; i < n; i++)
                CU_ASSERT_STRING_EQUAL(argv[i], expected[i]);
}

static void check_expand_error(const char *in, char *const *env, const char *reason_part)
{
        char **argv = NULL;
        const char *reason = NULL;

        CU_ASSERT_EQUAL(cmdline_split_expand(in, env, &argv, &reason), -EINVAL);
        CU_ASSERT_PTR_NULL(argv);
        CU_ASSERT_PTR_NOT_NULL_FATAL(reason);
        CU_ASSERT_PTR_NOT_NULL(strstr(reason, reason_part));
}

/* systemd.service(5): Environment="ONE=one" 'TWO=two two', ExecStart=echo $ONE $TWO ${TWO}. */
static void test_expand_man_first(void)
{
        char *env[] = { (char *) "ONE=one", (char *) "TWO=two two", NULL };

        check_expand(
                "echo $ONE $TWO ${TWO}", env,
                (const char *const[]){ "echo", "one", "two", "two", "two two", NULL });
}

/* systemd.service(5): Environment=ONE='one' "TWO='two two' too" THREE=, then the two
 * ExecStart= lines. */
static void test_expand_man_second(void)
{
        char *env[] = { (char *) "ONE='one'", (char *) "TWO='two two' too", (char *) "THREE=", NULL };

        check_expand(
                "/bin/echo ${ONE} ${TWO} ${THREE}", env,
                (const char *const[]){ "/bin/echo", "'one'", "'two two' too", "", NULL });
        check_expand(
                "/bin/echo $ONE $TWO $THREE", env,
                (const char *const[]){ "/bin/echo", "one", "two two", "too", NULL });
}

static void test_expand_rules(void)
{
        char *env[] = {
                (char *) "PORT=5432", (char *) "ARGS=-a  -b\\tc",        (char *) "DIR=/var/lib/my dir",
                (char *) "PORT=6543", (char *) "Q=\"x y\" 'z' a\\ b ''", NULL
        };

        /* ${} inside a word; the last PORT= wins. */
        check_expand(
                "server --port=${PORT} --dir=${DIR}", env,
                (const char *const[]){ "server", "--port=6543", "--dir=/var/lib/my dir", NULL });
        /* $FOO inside a word is not expanded (only as a whole word). */
        check_expand("server --port=$PORT", env, (const char *const[]){ "server", "--port=$PORT", NULL });
        /* A whole-word $FOO is split at whitespace; a backslash keeps the next character. */
        check_expand("cmd $ARGS", env, (const char *const[]){ "cmd", "-a", "-btc", NULL });
        check_expand("cmd $Q", env, (const char *const[]){ "cmd", "x y", "z", "a b", "", NULL });
        /* $$ is a literal dollar, also where it would otherwise start an expansion. */
        check_expand(
                "sh -c 'echo $$HOME $${PORT}' $$PORT", env,
                (const char *const[]){ "sh", "-c", "echo $HOME ${PORT}", "$PORT", NULL });
        /* Unknown variables expand to nothing: no argument for $X, an empty one for ${X}. */
        check_expand("cmd $NOPE ${NOPE} a${NOPE}b", env, (const char *const[]){ "cmd", "", "ab", NULL });
        check_expand("cmd $PORT", NULL, (const char *const[]){ "cmd", NULL });
        /* Quotes of the command line do not protect: systemd unquotes before expanding. */
        check_expand(
                "cmd '$PORT' \"${DIR}\"", env,
                (const char *const[]){ "cmd", "6543", "/var/lib/my dir", NULL });
        /* Not a variable reference: kept. */
        check_expand(
                "awk '$1 > 0' $ $1 a$", env,
                (const char *const[]){ "awk", "$1 > 0", "$", "$1", "a$", NULL });
        /* The program word is never expanded, and $$ there stays as written. */
        check_expand("/opt/a$$b x", env, (const char *const[]){ "/opt/a$$b", "x", NULL });
}

static void test_expand_errors(void)
{
        char *env[] = { (char *) "FOO=bar", NULL };

        check_expand_error("$FOO arg", env, "may not be a variable");
        check_expand_error("${FOO} arg", env, "may not be a variable");
        check_expand_error("/bin/${FOO}", env, "may not be a variable");
        check_expand_error("echo ${FOO", env, "unterminated");
        check_expand_error("echo ${}", env, "valid variable name");
        check_expand_error("echo \"${A B}\"", env, "valid variable name");
        check_expand_error("echo 'x", env, "unterminated quote");
        check_expand_error("", env, "empty");
}

int main(void)
{
        static CU_TestInfo tests[] = {
                { "words", test_words },
                { "quotes", test_quotes },
                { "escapes", test_escapes },
                { "errors", test_errors },
                { "expand: man page, first example", test_expand_man_first },
                { "expand: man page, second example", test_expand_man_second },
                { "expand: rules", test_expand_rules },
                { "expand: errors", test_expand_errors },
                CU_TEST_INFO_NULL,
        };

        return cunit_run_tests("cmdline", tests);
}

/* Unit tests for signal-name.c: every accepted spelling, the rejected ones, and that what
 * signal_to_string() prints reads back through signal_from_string(). */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cunit-main.h"
#include "macro.h"
#include "signal-name.h"

static void test_names_with_and_without_prefix(void)
{
        static const struct {
                const char *name;
                int sig;
        } cases[] = {
                { "SIGHUP", SIGHUP },       { "HUP", SIGHUP },          { "SIGINT", SIGINT },
                { "SIGQUIT", SIGQUIT },     { "SIGKILL", SIGKILL },     { "KILL", SIGKILL },
                { "SIGTERM", SIGTERM },     { "TERM", SIGTERM },        { "SIGUSR1", SIGUSR1 },
                { "SIGUSR2", SIGUSR2 },     { "SIGPIPE", SIGPIPE },     { "SIGCHLD", SIGCHLD },
                { "SIGCONT", SIGCONT },     { "SIGSTOP", SIGSTOP },     { "SIGWINCH", SIGWINCH },
                { "SIGSYS", SIGSYS },       { "SIGVTALRM", SIGVTALRM }, { "SIGIO", SIGIO },
                { "SIGABRT", SIGABRT },     { "SIGALRM", SIGALRM },     { "SIGSEGV", SIGSEGV },
#ifdef SIGSTKFLT
                { "SIGSTKFLT", SIGSTKFLT },
#endif
#ifdef SIGPWR
                { "SIGPWR", SIGPWR },
#endif
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                CU_ASSERT_EQUAL(signal_from_string(cases[i].name), cases[i].sig);
}

static void test_numbers(void)
{
        char buf[32];

        CU_ASSERT_EQUAL(signal_from_string("15"), SIGTERM);
        CU_ASSERT_EQUAL(signal_from_string("9"), SIGKILL);
        CU_ASSERT_EQUAL(signal_from_string("1"), 1);
        CU_ASSERT_EQUAL(signal_from_string("015"), SIGTERM);
        CU_ASSERT_EQUAL(signal_from_string("32"), 32);
        CU_ASSERT_EQUAL(signal_from_string("SIG32"), 32);
        CU_ASSERT_EQUAL(signal_from_string("SIG15"), SIGTERM);
        snprintf(buf, sizeof(buf), "%d", _NSIG - 1);
        CU_ASSERT_EQUAL(signal_from_string(buf), _NSIG - 1);
        snprintf(buf, sizeof(buf), "%d", _NSIG);
        CU_ASSERT_EQUAL(signal_from_string(buf), -EINVAL);

        CU_ASSERT_EQUAL(signal_from_string("0"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("SIG0"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("-15"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("+15"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string(" 15"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("15 "), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("15x"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("99999999999999999999"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("0x0f"), -EINVAL);
}

static void test_realtime(void)
{
        char buf[32];

        CU_ASSERT_EQUAL(signal_from_string("SIGRTMIN"), SIGRTMIN);
        CU_ASSERT_EQUAL(signal_from_string("RTMIN"), SIGRTMIN);
        CU_ASSERT_EQUAL(signal_from_string("SIGRTMIN+0"), SIGRTMIN);
        CU_ASSERT_EQUAL(signal_from_string("SIGRTMIN+3"), SIGRTMIN + 3);
        CU_ASSERT_EQUAL(signal_from_string("RTMIN+3"), SIGRTMIN + 3);
        CU_ASSERT_EQUAL(signal_from_string("SIGRTMIN+03"), SIGRTMIN + 3);
        CU_ASSERT_EQUAL(signal_from_string("SIGRTMAX"), SIGRTMAX);
        CU_ASSERT_EQUAL(signal_from_string("RTMAX"), SIGRTMAX);
        CU_ASSERT_EQUAL(signal_from_string("SIGRTMAX-0"), SIGRTMAX);
        CU_ASSERT_EQUAL(signal_from_string("SIGRTMAX-1"), SIGRTMAX - 1);
        CU_ASSERT_EQUAL(signal_from_string("RTMAX-1"), SIGRTMAX - 1);

        /* Both ends of the range, and one step past each. */
        snprintf(buf, sizeof(buf), "SIGRTMIN+%d", SIGRTMAX - SIGRTMIN);
        CU_ASSERT_EQUAL(signal_from_string(buf), SIGRTMAX);
        snprintf(buf, sizeof(buf), "SIGRTMIN+%d", SIGRTMAX - SIGRTMIN + 1);
        CU_ASSERT_EQUAL(signal_from_string(buf), -EINVAL);
        snprintf(buf, sizeof(buf), "SIGRTMAX-%d", SIGRTMAX - SIGRTMIN);
        CU_ASSERT_EQUAL(signal_from_string(buf), SIGRTMIN);
        snprintf(buf, sizeof(buf), "SIGRTMAX-%d", SIGRTMAX - SIGRTMIN + 1);
        CU_ASSERT_EQUAL(signal_from_string(buf), -EINVAL);

        CU_ASSERT_EQUAL(signal_from_string("SIGRTMIN+"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("SIGRTMIN-1"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("SIGRTMIN+-1"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("SIGRTMIN++1"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("SIGRTMIN+1x"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("SIGRTMIN 1"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("SIGRTMAX-"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("SIGRTMAX+1"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("SIGRTMAX--1"), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string("SIGRTMIN+99999999999"), -EINVAL);
}

static void test_invalid_names(void)
{
        static const char *const cases[] = {
                "",
                "SIG",
                "sigterm",
                "term",
                "Term",
                "SIGterm",
                "SIGSIGTERM",
                "SIGTERMX",
                " SIGTERM",
                "SIGTERM ",
                "SIG TERM",
                "SIGFOO",
                "rtmin+3",
                "SIGrtmin",
                /* Aliases systemd does not take either. */
                "SIGIOT",
                "SIGPOLL",
                "SIGCLD",
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                CU_ASSERT_EQUAL(signal_from_string(cases[i]), -EINVAL);
        CU_ASSERT_EQUAL(signal_from_string(NULL), -EINVAL);
}

static void test_to_string(void)
{
        char buf[16];

        CU_ASSERT_STRING_EQUAL(signal_to_string(SIGTERM, buf), "SIGTERM");
        CU_ASSERT_STRING_EQUAL(signal_to_string(SIGKILL, buf), "SIGKILL");
        CU_ASSERT_STRING_EQUAL(signal_to_string(SIGHUP, buf), "SIGHUP");
        CU_ASSERT_STRING_EQUAL(signal_to_string(SIGRTMIN, buf), "SIGRTMIN");
        CU_ASSERT_STRING_EQUAL(signal_to_string(SIGRTMIN + 3, buf), "SIGRTMIN+3");
        /* glibc keeps 32 and 33 for itself, below SIGRTMIN: they have no name. */
        if (SIGRTMIN > 32)
                CU_ASSERT_STRING_EQUAL(signal_to_string(32, buf), "SIG32");
        CU_ASSERT_STRING_EQUAL(signal_to_string(0, buf), "SIG0");
        CU_ASSERT_STRING_EQUAL(signal_to_string(-1, buf), "SIG-1");
        CU_ASSERT_STRING_EQUAL(signal_to_string(1000, buf), "SIG1000");
        /* The widest int still fits the documented 16 bytes. */
        CU_ASSERT_STRING_EQUAL(signal_to_string(-2147483647 - 1, buf), "SIG-2147483648");
}

static void test_round_trip(void)
{
        for (int sig = 1; sig < _NSIG; sig++) {
                char buf[16];

                CU_ASSERT_EQUAL(signal_from_string(signal_to_string(sig, buf)), sig);
        }
}

static CU_TestInfo signal_name_tests[] = {
        { "names with and without SIG", test_names_with_and_without_prefix },
        { "numbers", test_numbers },
        { "real-time signals", test_realtime },
        { "invalid names", test_invalid_names },
        { "to string", test_to_string },
        { "round trip", test_round_trip },
        CU_TEST_INFO_NULL,
};

int main(void)
{
        return cunit_run_tests("signal-name", signal_name_tests);
}

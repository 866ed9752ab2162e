/* Unit tests for notify-message.c: each key sd_notify(3) defines that we act on, the
 * values that must be ignored, the framing errors, and that a failed parse leaves the
 * caller's struct alone. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-fail.h"
#include "cunit-main.h"
#include "macro.h"
#include "notify-message.h"

/* Parses a C string; the NUL terminator is not part of the datagram. */
static int parse(const char *text, struct notify_message *ret)
{
        return notify_message_parse(text, strlen(text), ret);
}

static bool is_all_defaults(const struct notify_message *m)
{
        return !m->ready && !m->stopping && !m->reloading && !m->barrier && !m->status && m->main_pid == 0 &&
               m->errno_value == 0 && !m->has_extend_timeout && m->extend_timeout_usec == 0;
}

static void test_ready(void)
{
        static const struct {
                const char *text;
                bool ready;
        } cases[] = {
                { "READY=1", true },
                { "READY=1\n", true },
                { "\n\nREADY=1\n\n", true },
                { "STATUS=x\nREADY=1", true },
                { "READY=1\nREADY=0", true },
                /* systemd splits at '\r' too. */
                { "READY=1\r\n", true },
                { "READY=1\r", true },
                { "READY=0", false },
                { "READY=", false },
                { "READY", false },
                { "READY=11", false },
                { "READY=1 ", false },
                { " READY=1", false },
                { "READY= 1", false },
                { "READY=true", false },
                { "READY=yes", false },
                { "ready=1", false },
                { "XREADY=1", false },
                { "READY =1", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct notify_message m = {};

                CU_ASSERT_EQUAL_FATAL(parse(cases[i].text, &m), 0);
                CU_ASSERT_EQUAL(m.ready, cases[i].ready);
                if (m.ready != cases[i].ready)
                        fprintf(stderr, "\n  \"%s\": ready=%d\n", cases[i].text, m.ready);
                notify_message_done(&m);
        }
}

static void test_other_flags(void)
{
        struct notify_message m = {};

        CU_ASSERT_EQUAL_FATAL(parse("STOPPING=1", &m), 0);
        CU_ASSERT_TRUE(m.stopping);
        CU_ASSERT_FALSE(m.ready || m.reloading || m.barrier);
        notify_message_done(&m);

        CU_ASSERT_EQUAL_FATAL(parse("RELOADING=1", &m), 0);
        CU_ASSERT_TRUE(m.reloading);
        CU_ASSERT_FALSE(m.ready || m.stopping || m.barrier);
        notify_message_done(&m);

        CU_ASSERT_EQUAL_FATAL(parse("BARRIER=1", &m), 0);
        CU_ASSERT_TRUE(m.barrier);
        CU_ASSERT_FALSE(m.ready || m.stopping || m.reloading);
        notify_message_done(&m);

        CU_ASSERT_EQUAL_FATAL(parse("READY=1\nSTOPPING=1\nRELOADING=1\nBARRIER=1\n", &m), 0);
        CU_ASSERT_TRUE(m.ready && m.stopping && m.reloading && m.barrier);
        notify_message_done(&m);

        CU_ASSERT_EQUAL_FATAL(parse("STOPPING=0\nRELOADING=2\nBARRIER=\nBARRIER", &m), 0);
        CU_ASSERT_TRUE(is_all_defaults(&m));
        notify_message_done(&m);
}

static void test_status(void)
{
        /* { datagram, STATUS= it leaves (NULL: none), READY=1 too } */
        static const struct {
                const char *text, *status;
                bool ready;
        } cases[] = {
                { "STATUS=Up and running", "Up and running" },
                /* The value is taken verbatim: spaces, '=' and UTF-8 included. */
                { "STATUS= a=b  \xc3\xa4 \n", " a=b  \xc3\xa4 " },
                { "STATUS=first\nREADY=1\nSTATUS=second\n", "second", true },
                /* An empty status is a status, not an absent one. */
                { "STATUS=", "" },
                { "STATUS=busy\nSTATUS=", "" },
                { "READY=1", NULL, true },
                { "STATUS", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct notify_message m = {};

                CU_ASSERT_EQUAL_FATAL(parse(cases[i].text, &m), 0);
                if (cases[i].status) {
                        CU_ASSERT_PTR_NOT_NULL_FATAL(m.status);
                        CU_ASSERT_STRING_EQUAL(m.status, cases[i].status);
                } else
                        CU_ASSERT_PTR_NULL(m.status);
                if (cases[i].ready)
                        CU_ASSERT_TRUE(m.ready);
                notify_message_done(&m);
        }
}

static void test_main_pid(void)
{
        static const struct {
                const char *text;
                pid_t pid;
        } cases[] = {
                { "MAINPID=42", 42 },
                { "MAINPID=1", 1 },
                { "MAINPID=042", 42 },
                { "MAINPID=2147483647", 2147483647 },
                { "MAINPID=42\nMAINPID=43", 43 },
                /* An invalid later value does not wipe a valid earlier one. */
                { "MAINPID=42\nMAINPID=bogus", 42 },
                { "MAINPID=42\nMAINPID=0", 42 },
                { "MAINPID=0", 0 },
                { "MAINPID=-5", 0 },
                { "MAINPID=+5", 0 },
                { "MAINPID=", 0 },
                { "MAINPID=abc", 0 },
                { "MAINPID=12abc", 0 },
                { "MAINPID= 42", 0 },
                { "MAINPID=42 ", 0 },
                { "MAINPID=0x10", 0 },
                { "MAINPID=2147483648", 0 },
                { "MAINPID=99999999999999999999999", 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct notify_message m = {};

                CU_ASSERT_EQUAL_FATAL(parse(cases[i].text, &m), 0);
                CU_ASSERT_EQUAL(m.main_pid, cases[i].pid);
                if (m.main_pid != cases[i].pid)
                        fprintf(stderr, "\n  \"%s\": main_pid=%d\n", cases[i].text, (int) m.main_pid);
                notify_message_done(&m);
        }
}

static void test_errno(void)
{
        static const struct {
                const char *text;
                int value;
        } cases[] = {
                { "ERRNO=2", 2 },          { "ERRNO=0", 0 },          { "ERRNO=2147483647", 2147483647 },
                { "ERRNO=5\nERRNO=7", 7 }, { "ERRNO=5\nERRNO=x", 5 }, { "ERRNO=5\nERRNO=-1", 5 },
                { "ERRNO=-1", 0 },         { "ERRNO=", 0 },           { "ERRNO=ENOENT", 0 },
                { "ERRNO=2147483648", 0 }, { "ERRNO=2 ", 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct notify_message m = {};

                CU_ASSERT_EQUAL_FATAL(parse(cases[i].text, &m), 0);
                CU_ASSERT_EQUAL(m.errno_value, cases[i].value);
                notify_message_done(&m);
        }
}

static void test_extend_timeout(void)
{
        static const struct {
                const char *text;
                bool has;
                uint64_t usec;
        } cases[] = {
                { "EXTEND_TIMEOUT_USEC=5000000", true, 5000000 },
                { "EXTEND_TIMEOUT_USEC=0", true, 0 },
                { "EXTEND_TIMEOUT_USEC=18446744073709551615", true, UINT64_MAX },
                { "EXTEND_TIMEOUT_USEC=1\nEXTEND_TIMEOUT_USEC=2", true, 2 },
                { "EXTEND_TIMEOUT_USEC=1\nEXTEND_TIMEOUT_USEC=x", true, 1 },
                { "EXTEND_TIMEOUT_USEC=18446744073709551616", false, 0 },
                { "EXTEND_TIMEOUT_USEC=-1", false, 0 },
                { "EXTEND_TIMEOUT_USEC=", false, 0 },
                { "EXTEND_TIMEOUT_USEC=5s", false, 0 },
                { "EXTEND_TIMEOUT_USEC=1.5", false, 0 },
                { "EXTEND_TIMEOUT=5", false, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct notify_message m = {};

                CU_ASSERT_EQUAL_FATAL(parse(cases[i].text, &m), 0);
                CU_ASSERT_EQUAL(m.has_extend_timeout, cases[i].has);
                CU_ASSERT_EQUAL(m.extend_timeout_usec, cases[i].usec);
                notify_message_done(&m);
        }
}

static void test_full_message(void)
{
        struct notify_message m = {};

        CU_ASSERT_EQUAL_FATAL(
                parse("READY=1\nSTATUS=Processing requests\nMAINPID=4711\nERRNO=0\n"
                      "EXTEND_TIMEOUT_USEC=30000000\nFDSTORE=1\nWATCHDOG=1\n",
                      &m),
                0);
        CU_ASSERT_TRUE(m.ready);
        CU_ASSERT_FALSE(m.stopping || m.reloading || m.barrier);
        CU_ASSERT_STRING_EQUAL(m.status, "Processing requests");
        CU_ASSERT_EQUAL(m.main_pid, 4711);
        CU_ASSERT_EQUAL(m.errno_value, 0);
        CU_ASSERT_TRUE(m.has_extend_timeout);
        CU_ASSERT_EQUAL(m.extend_timeout_usec, 30000000);
        notify_message_done(&m);
}

static void test_ignored_content(void)
{
        static const char *const cases[] = {
                "",
                "\n",
                "\n\n\n",
                "\r\n",
                "=",
                "=1",
                "FDSTORE=1\nWATCHDOG=1\nWATCHDOG_USEC=100\nX_CUSTOM=hello\nNOTIFYACCESS=all",
                "just some text without an equals sign",
                "status=lowercase is another key",
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct notify_message m = {};

                CU_ASSERT_EQUAL_FATAL(parse(cases[i], &m), 0);
                CU_ASSERT_TRUE(is_all_defaults(&m));
                notify_message_done(&m);
        }
}

static void test_length_not_terminator(void)
{
        struct notify_message m = {};
        static const char text[] = "READY=1\nSTATUS=abcdef";

        /* Only len bytes count: the status is cut, and what follows is never read. */
        CU_ASSERT_EQUAL_FATAL(notify_message_parse(text, strlen("READY=1\nSTATUS=abc"), &m), 0);
        CU_ASSERT_TRUE(m.ready);
        CU_ASSERT_STRING_EQUAL(m.status, "abc");
        notify_message_done(&m);

        CU_ASSERT_EQUAL_FATAL(notify_message_parse(text, strlen("READY="), &m), 0);
        CU_ASSERT_FALSE(m.ready);
        notify_message_done(&m);

        /* A zero-length datagram, with or without a buffer. */
        CU_ASSERT_EQUAL_FATAL(notify_message_parse(text, 0, &m), 0);
        CU_ASSERT_TRUE(is_all_defaults(&m));
        CU_ASSERT_EQUAL_FATAL(notify_message_parse(NULL, 0, &m), 0);
        CU_ASSERT_TRUE(is_all_defaults(&m));
}

static void test_size_limit(void)
{
        struct notify_message m = {};
        _cleanup_free_ char *big = NULL;

        big = malloc(NOTIFY_MESSAGE_MAX + 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(big);

        /* Exactly the maximum is fine. */
        memcpy(big, "READY=1\nSTATUS=", 15);
        memset(big + 15, 'x', NOTIFY_MESSAGE_MAX + 1 - 15);
        CU_ASSERT_EQUAL_FATAL(notify_message_parse(big, NOTIFY_MESSAGE_MAX, &m), 0);
        CU_ASSERT_TRUE(m.ready);
        CU_ASSERT_PTR_NOT_NULL_FATAL(m.status);
        CU_ASSERT_EQUAL(strlen(m.status), NOTIFY_MESSAGE_MAX - 15);
        notify_message_done(&m);

        CU_ASSERT_EQUAL(notify_message_parse(big, NOTIFY_MESSAGE_MAX + 1, &m), -EBADMSG);
        CU_ASSERT_TRUE(is_all_defaults(&m));
}

static void test_embedded_nul(void)
{
        struct notify_message m = {};
        static const char with_nul[] = "READY=1\nSTATUS=a\0b\n";
        static const char nul_first[] = "\0READY=1";
        static const char nul_last[] = "READY=1\n\0";

        CU_ASSERT_EQUAL(notify_message_parse(with_nul, sizeof(with_nul) - 1, &m), -EBADMSG);
        CU_ASSERT_EQUAL(notify_message_parse(nul_first, sizeof(nul_first) - 1, &m), -EBADMSG);
        CU_ASSERT_EQUAL(notify_message_parse(nul_last, sizeof(nul_last) - 1, &m), -EBADMSG);
        /* sizeof counts the terminator too: a datagram that ends in NUL is refused. */
        CU_ASSERT_EQUAL(notify_message_parse("READY=1", sizeof("READY=1"), &m), -EBADMSG);
        CU_ASSERT_TRUE(is_all_defaults(&m));
}

static void test_failure_leaves_result_untouched(void)
{
        static const char with_nul[] = "READY=1\0";
        char *status = strdup("previous");
        struct notify_message m = {
                .ready = false,
                .status = status,
                .main_pid = 99,
                .errno_value = 5,
                .has_extend_timeout = true,
                .extend_timeout_usec = 7,
        };

        CU_ASSERT_PTR_NOT_NULL_FATAL(status);
        CU_ASSERT_EQUAL(notify_message_parse(with_nul, sizeof(with_nul) - 1, &m), -EBADMSG);
        CU_ASSERT_FALSE(m.ready);
        CU_ASSERT_PTR_EQUAL(m.status, status);
        CU_ASSERT_STRING_EQUAL(m.status, "previous");
        CU_ASSERT_EQUAL(m.main_pid, 99);
        CU_ASSERT_EQUAL(m.errno_value, 5);
        CU_ASSERT_TRUE(m.has_extend_timeout);
        CU_ASSERT_EQUAL(m.extend_timeout_usec, 7);

        CU_ASSERT_EQUAL(notify_message_parse(NULL, 5, &m), -EINVAL);
        CU_ASSERT_EQUAL(m.main_pid, 99);
        CU_ASSERT_EQUAL(notify_message_parse("READY=1", 7, NULL), -EINVAL);

        notify_message_done(&m);
}

/* Fails the first, then the second STATUS= copy: the first must not leak (the sanitizer
 * build checks) and the caller's struct must not change. */
static void test_out_of_memory(void)
{
        struct notify_message m = { .main_pid = 99 };
        unsigned failures = 0;
        int r;

        for (long n = 0;; n++) {
                alloc_fail_after(n);
                r = parse("READY=1\nSTATUS=one\nMAINPID=5\nSTATUS=two\n", &m);
                if (!alloc_fail_round(r, &failures))
                        break;
                CU_ASSERT_FALSE(m.ready);
                CU_ASSERT_PTR_NULL(m.status);
                CU_ASSERT_EQUAL(m.main_pid, 99);
        }
        CU_ASSERT_EQUAL(failures, 2);
        CU_ASSERT_STRING_EQUAL(m.status, "two");
        CU_ASSERT_EQUAL(m.main_pid, 5);
        notify_message_done(&m);
}

static void test_done(void)
{
        struct notify_message m = {};

        CU_ASSERT_EQUAL_FATAL(parse("READY=1\nSTATUS=x\nMAINPID=3\nEXTEND_TIMEOUT_USEC=1", &m), 0);
        notify_message_done(&m);
        CU_ASSERT_TRUE(is_all_defaults(&m));

        /* Twice is harmless, and so is NULL. */
        notify_message_done(&m);
        CU_ASSERT_TRUE(is_all_defaults(&m));
        notify_message_done(NULL);
}

static CU_TestInfo notify_message_tests[] = {
        { "READY=1", test_ready },
        { "STOPPING, RELOADING, BARRIER", test_other_flags },
        { "STATUS=", test_status },
        { "MAINPID=", test_main_pid },
        { "ERRNO=", test_errno },
        { "EXTEND_TIMEOUT_USEC=", test_extend_timeout },
        { "a full message", test_full_message },
        { "ignored content", test_ignored_content },
        { "len, not the terminator, bounds the message", test_length_not_terminator },
        { "size limit", test_size_limit },
        { "embedded NUL", test_embedded_nul },
        { "failure leaves the result untouched", test_failure_leaves_result_untouched },
        { "out of memory", test_out_of_memory },
        { "done", test_done },
        CU_TEST_INFO_NULL,
};

int main(void)
{
        return cunit_run_tests("notify-message", notify_message_tests);
}

/* Unit tests for timespan.c: the systemd.time(7) span syntax, its errors, and formatting.
 * The expected microsecond values were checked against "systemd-analyze timespan" of
 * systemd 252, except where timespan.c documents a deliberate difference. */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "cunit-main.h"
#include "macro.h"
#include "timespan.h"

#define SENTINEL UINT64_C(0xdeadbeef)

struct parse_case {
        const char *input;
        uint64_t usec;
};

struct error_case {
        const char *input;
        int error;
};

static void check_parse_cases(const struct parse_case *cases, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                uint64_t usec = SENTINEL;
                int r = timespan_parse(cases[i].input, &usec);

                CU_ASSERT_EQUAL(r, 0);
                CU_ASSERT_EQUAL(usec, cases[i].usec);
                if (r != 0 || usec != cases[i].usec)
                        fprintf(stderr, "\n  parse \"%s\": r=%d usec=%llu, expected %llu\n", cases[i].input,
                                r, (unsigned long long) usec, (unsigned long long) cases[i].usec);
        }
}

static void check_error_cases(const struct error_case *cases, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                uint64_t usec = SENTINEL;
                int r = timespan_parse(cases[i].input, &usec);

                CU_ASSERT_EQUAL(r, cases[i].error);
                /* ret_* stays untouched on failure. */
                CU_ASSERT_EQUAL(usec, SENTINEL);
                if (r != cases[i].error)
                        fprintf(stderr, "\n  parse \"%s\": r=%d, expected %d\n", cases[i].input, r,
                                cases[i].error);
        }
}

static void test_bare_numbers_are_seconds(void)
{
        static const struct parse_case cases[] = {
                { "0", 0 },
                { "5", 5000000 },
                { "90", 90000000 },
                { "05", 5000000 },
                { "000000000000000000000000000000001", 1000000 },
                { "0.5", 500000 },
                { "1.5", 1500000 },
                { ".5", 500000 },
                { "+5", 5000000 },
        };

        check_parse_cases(cases, ELEMENTSOF(cases));
}

static void test_every_unit_name(void)
{
        static const struct parse_case cases[] = {
                { "1us", 1 },
                { "1usec", 1 },
                { "1\xc2\xb5s", 1 }, /* MICRO SIGN */
                { "1\xce\xbcs", 1 }, /* GREEK SMALL LETTER MU */
                { "1ms", 1000 },
                { "1msec", 1000 },
                { "1s", 1000000 },
                { "1sec", 1000000 },
                { "1second", 1000000 },
                { "1seconds", 1000000 },
                { "1m", 60000000 },
                { "1min", 60000000 },
                { "1minute", 60000000 },
                { "1minutes", 60000000 },
                { "1h", 3600000000 },
                { "1hr", 3600000000 },
                { "1hour", 3600000000 },
                { "1hours", 3600000000 },
                { "1d", 86400000000 },
                { "1day", 86400000000 },
                { "1days", 86400000000 },
                { "1w", 604800000000 },
                { "1week", 604800000000 },
                { "1weeks", 604800000000 },
                /* systemd's month is a twelfth of its 365.25-day year: 30.4375 days. */
                { "1M", 2629800000000 },
                { "1month", 2629800000000 },
                { "1months", 2629800000000 },
                { "1y", 31557600000000 },
                { "1year", 31557600000000 },
                { "1years", 31557600000000 },
        };

        check_parse_cases(cases, ELEMENTSOF(cases));
}

static void test_concatenations(void)
{
        static const struct parse_case cases[] = {
                { "1min 30s", 90000000 },
                { "1min30s", 90000000 },
                { "55s500ms", 55500000 },
                { "2h30m", 9000000000 },
                { "2h 30min", 9000000000 },
                { "1min 30s 250ms", 90250000 },
                { "300ms20s 5day", 432020300000 },
                { "1y 12month", 63115200000000 },
                { "5 hours 3 weeks", 1832400000000 },
                { "1sec1min", 61000000 },
                { "1h1m1s1ms1us", 3661001001 },
                { "1y 1M 1w 1d 1h 1min 1s 1ms 1us", 34882261001001 },
                /* A bare number after a unit is seconds again. */
                { "5s5", 10000000 },
                { "1sec2", 3000000 },
                { "1m1", 61000000 },
                { "1ms2", 2001000 },
                { "1 5", 6000000 },
                { "1 .5", 1500000 },
                { "12.34 .56", 12900000 },
                { "12.34s.56", 12900000 },
        };

        check_parse_cases(cases, ELEMENTSOF(cases));
}

static void test_whitespace(void)
{
        static const struct parse_case cases[] = {
                { " 5 ", 5000000 },
                { "\t5s\n", 5000000 },
                { "5 s", 5000000 },
                { "1 min", 60000000 },
                { "2 h", 7200000000 },
                { "1 s 2 ms", 1002000 },
                { "  1min \t 30s  ", 90000000 },
                { "\r\n1min\r\n", 60000000 },
        };

        check_parse_cases(cases, ELEMENTSOF(cases));
}

static void test_fractions(void)
{
        static const struct parse_case cases[] = {
                { "1.5s", 1500000 },
                { ".5s", 500000 },
                { "0.25h", 900000000 },
                { "1.5min", 90000000 },
                { "3.5M", 9204300000000 },
                { "0.000001s", 1 },
                /* Digits below a microsecond are cut, digit by digit like systemd. */
                { "0.0000001s", 0 },
                { "1.123456789s", 1123456 },
                { "0.33333333m", 19999998 },
                { "1.5us", 1 },
                { "0.5us", 0 },
                { "1.9us", 1 },
                { "0.0000000000000000000000001s", 0 },
        };

        check_parse_cases(cases, ELEMENTSOF(cases));
}

static void test_infinity(void)
{
        static const struct parse_case cases[] = {
                { "infinity", UINT64_MAX },
                { " infinity ", UINT64_MAX },
                { "\tinfinity\n", UINT64_MAX },
        };
        static const struct error_case errors[] = {
                { "1s infinity", -EINVAL },       { "infinity 1s", -EINVAL }, { "infinityx", -EINVAL },
                { "infinity infinity", -EINVAL }, { "Infinity", -EINVAL },    { "inf", -EINVAL },
        };

        check_parse_cases(cases, ELEMENTSOF(cases));
        check_error_cases(errors, ELEMENTSOF(errors));
}

static void test_syntax_errors(void)
{
        static const struct error_case cases[] = {
                { "", -EINVAL },
                { " ", -EINVAL },
                { "\t\n", -EINVAL },
                { "5x", -EINVAL },
                { "s", -EINVAL },
                { "min", -EINVAL },
                { ".", -EINVAL },
                { "1.", -EINVAL },
                { "1.s", -EINVAL },
                { "1. 5", -EINVAL },
                { "1.5.5s", -EINVAL },
                { "12.34.56", -EINVAL },
                { "5.5e", -EINVAL },
                { "1,5s", -EINVAL },
                { "1e3", -EINVAL },
                { "0x10", -EINVAL },
                /* Units are case-sensitive and prefix-matched: the leftovers are junk. */
                { "1S", -EINVAL },
                { "1Min", -EINVAL },
                { "1MS", -EINVAL },
                { "3mins", -EINVAL },
                { "1sm", -EINVAL },
                { "1smin", -EINVAL },
                { "1u", -EINVAL },
                { "1\xc2\xb5", -EINVAL },
                /* Nanoseconds are below our granularity, as in systemd's parse_sec(). */
                { "1ns", -EINVAL },
                { "1nsec", -EINVAL },
                { "+.5s", -EINVAL },
                { "+ 5s", -EINVAL },
                { "++5s", -EINVAL },
                { "+", -EINVAL },
        };

        check_error_cases(cases, ELEMENTSOF(cases));
}

static void test_negative_numbers(void)
{
        static const struct error_case cases[] = {
                { "-5s", -EINVAL },  { "-5", -EINVAL },     { "-0", -EINVAL },
                { "- 5s", -EINVAL }, { "1s -5s", -EINVAL }, { " -1min", -EINVAL },
        };

        check_error_cases(cases, ELEMENTSOF(cases));
}

static void test_overflow(void)
{
        static const struct parse_case fits[] = {
                { "584541y", 18446711061600000000u },
                { "9223372036854775807us", 9223372036854775807u },
                { "18446744073709551614us", 18446744073709551614u },
                { "584541y 1y", 18446742619200000000u },
                /* systemd 252 says -ERANGE here, though the sum fits: see timespan.c. */
                { "584542y", 18446742619200000000u },
        };
        static const struct error_case cases[] = {
                { "999999999999999999999y", -ERANGE },
                { "99999999999999999999999", -ERANGE },
                { "584543y", -ERANGE },
                { "584541y 2y", -ERANGE },
                { "18446744073709551616us", -ERANGE },
                /* The largest value means infinity, so no finite sum may land on it. */
                { "18446744073709551615us", -ERANGE },
                { "18446744073709551614us 1us", -ERANGE },
                { "213503982334601y", -ERANGE },
                /* Only the fraction pushes it over. */
                { "584541y 1.1y", -ERANGE },
        };

        check_parse_cases(fits, ELEMENTSOF(fits));
        check_error_cases(cases, ELEMENTSOF(cases));
}

static void test_null_arguments(void)
{
        uint64_t usec = SENTINEL;

        CU_ASSERT_EQUAL(timespan_parse(NULL, &usec), -EINVAL);
        CU_ASSERT_EQUAL(usec, SENTINEL);
        /* A caller that only validates may pass no result pointer. */
        CU_ASSERT_EQUAL(timespan_parse("1min", NULL), 0);
        CU_ASSERT_EQUAL(timespan_parse("infinity", NULL), 0);
        CU_ASSERT_EQUAL(timespan_parse("5x", NULL), -EINVAL);
}

struct format_case {
        uint64_t usec;
        const char *text;
};

static void test_format(void)
{
        static const struct format_case cases[] = {
                { 0, "0" },
                { UINT64_MAX, "infinity" },
                { 1, "1us" },
                { 999, "999us" },
                { 1000, "1ms" },
                { 250000, "250ms" },
                { 1000000, "1s" },
                { 1500000, "1s 500ms" },
                { 55500000, "55s 500ms" },
                { 60000000, "1min" },
                { 90000000, "1min 30s" },
                { 90250000, "1min 30s 250ms" },
                { 3661001001, "1h 1min 1s 1ms 1us" },
                { 9000000000, "2h 30min" },
                { 86400000000, "1d" },
                { 604800000000, "1w" },
                { 432020300000, "5d 20s 300ms" },
                { 2629800000000, "1month" },
                { 31557600000000, "1y" },
                { 63115200000000, "2y" },
                { 31536000000000, "11month 4w 2d 4h 30min" },
                { 34882261001001, "1y 1month 1w 1d 1h 1min 1s 1ms 1us" },
                { 9223372036854775807u, "292271y 1w 1d 10h 54s 775ms 807us" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char buf[128];

                CU_ASSERT_PTR_EQUAL(timespan_format(buf, sizeof(buf), cases[i].usec), buf);
                CU_ASSERT_STRING_EQUAL(buf, cases[i].text);
        }
}

static void test_format_parse_round_trip(void)
{
        static const uint64_t values[] = {
                0,
                1,
                999999,
                1000001,
                59999999,
                3599999999,
                86399999999,
                2629799999999,
                2629800000001,
                31557599999999,
                123456789012345,
                9223372036854775807u,
                18446744073709551614u,
                UINT64_MAX,
        };

        for (size_t i = 0; i < ELEMENTSOF(values); i++) {
                char buf[128];
                uint64_t usec = SENTINEL;

                timespan_format(buf, sizeof(buf), values[i]);
                CU_ASSERT_EQUAL(timespan_parse(buf, &usec), 0);
                CU_ASSERT_EQUAL(usec, values[i]);
        }
}

static void test_format_small_buffers(void)
{
        char buf[64];

        /* Cut but always terminated, and never written past size. */
        memset(buf, 'X', sizeof(buf));
        timespan_format(buf, 5, 90000000);
        CU_ASSERT_STRING_EQUAL(buf, "1min");
        CU_ASSERT_EQUAL(buf[5], 'X');

        memset(buf, 'X', sizeof(buf));
        timespan_format(buf, 3, 90000000);
        CU_ASSERT_STRING_EQUAL(buf, "1m");
        CU_ASSERT_EQUAL(buf[3], 'X');

        memset(buf, 'X', sizeof(buf));
        timespan_format(buf, 4, UINT64_MAX);
        CU_ASSERT_STRING_EQUAL(buf, "inf");

        memset(buf, 'X', sizeof(buf));
        timespan_format(buf, 1, 90000000);
        CU_ASSERT_EQUAL(buf[0], '\0');
        CU_ASSERT_EQUAL(buf[1], 'X');

        memset(buf, 'X', sizeof(buf));
        CU_ASSERT_PTR_EQUAL(timespan_format(buf, 0, 90000000), buf);
        CU_ASSERT_EQUAL(buf[0], 'X');

        /* The longest possible output fits in 64 bytes. */
        timespan_format(buf, sizeof(buf), UINT64_MAX - 1);
        CU_ASSERT(strlen(buf) < sizeof(buf) - 1);
}

static CU_TestInfo timespan_tests[] = {
        { "bare numbers are seconds", test_bare_numbers_are_seconds },
        { "every unit name", test_every_unit_name },
        { "concatenations", test_concatenations },
        { "whitespace", test_whitespace },
        { "fractions", test_fractions },
        { "infinity", test_infinity },
        { "syntax errors", test_syntax_errors },
        { "negative numbers", test_negative_numbers },
        { "overflow", test_overflow },
        { "NULL arguments", test_null_arguments },
        { "format", test_format },
        { "format/parse round trip", test_format_parse_round_trip },
        { "format into small buffers", test_format_small_buffers },
        CU_TEST_INFO_NULL,
};

int main(void)
{
        return cunit_run_tests("timespan", timespan_tests);
}

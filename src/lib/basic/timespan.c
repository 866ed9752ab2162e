/* Time spans in the syntax of systemd.time(7): a sequence of numbers, each optionally
 * followed by a unit ("1min 30s", "55s500ms", "2 h"), summed into microseconds; a number
 * without a unit is seconds, and "infinity" stands alone for UINT64_MAX. Formatting goes
 * the other way, splitting a span into whole units from years down to microseconds.
 *
 * systemd 252's parse_time() is the reference. Where it differs from the man page's
 * summary, we follow the implementation: a month is a twelfth of a 365.25-day year
 * (30.4375 days; the man page rounds this to "30.44"), so "1y 12month" is exactly "2y".
 * Fractions are cut digit by digit just as systemd does ("0.5us" is 0, "1.9us" is 1). We
 * deliberately differ in two places: a negative number is -EINVAL (systemd says -ERANGE),
 * and every sum below UINT64_MAX is accepted, while systemd refuses some a little short
 * of it ("584542y", or any number above LLONG_MAX before its unit). */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "timespan.h"

#define TIMESPAN_WHITESPACE " \t\n\r"

#define TIMESPAN_USEC_PER_MINUTE (UINT64_C(60) * USEC_PER_SEC)
#define TIMESPAN_USEC_PER_HOUR (UINT64_C(60) * TIMESPAN_USEC_PER_MINUTE)
#define TIMESPAN_USEC_PER_DAY (UINT64_C(24) * TIMESPAN_USEC_PER_HOUR)
#define TIMESPAN_USEC_PER_WEEK (UINT64_C(7) * TIMESPAN_USEC_PER_DAY)
#define TIMESPAN_USEC_PER_YEAR (UINT64_C(31557600) * USEC_PER_SEC)
#define TIMESPAN_USEC_PER_MONTH (TIMESPAN_USEC_PER_YEAR / 12)

struct timespan_unit {
        const char *name;
        uint64_t usec;
};

/* Matched as prefixes, first hit wins, so every name comes before any shorter name that
 * is a prefix of it ("minutes" before "min" before "m", "msec" before "ms" before "m").
 * A unit is not required to end at a word boundary: "1sec2" is 1s plus a bare 2, while
 * "3mins" fails on the stray "s", exactly as in systemd. */
static const struct timespan_unit timespan_parse_units[] = {
        { "seconds", USEC_PER_SEC },
        { "second", USEC_PER_SEC },
        { "sec", USEC_PER_SEC },
        { "s", USEC_PER_SEC },
        { "minutes", TIMESPAN_USEC_PER_MINUTE },
        { "minute", TIMESPAN_USEC_PER_MINUTE },
        { "min", TIMESPAN_USEC_PER_MINUTE },
        { "months", TIMESPAN_USEC_PER_MONTH },
        { "month", TIMESPAN_USEC_PER_MONTH },
        { "M", TIMESPAN_USEC_PER_MONTH },
        { "msec", USEC_PER_MSEC },
        { "ms", USEC_PER_MSEC },
        { "m", TIMESPAN_USEC_PER_MINUTE },
        { "hours", TIMESPAN_USEC_PER_HOUR },
        { "hour", TIMESPAN_USEC_PER_HOUR },
        { "hr", TIMESPAN_USEC_PER_HOUR },
        { "h", TIMESPAN_USEC_PER_HOUR },
        { "days", TIMESPAN_USEC_PER_DAY },
        { "day", TIMESPAN_USEC_PER_DAY },
        { "d", TIMESPAN_USEC_PER_DAY },
        { "weeks", TIMESPAN_USEC_PER_WEEK },
        { "week", TIMESPAN_USEC_PER_WEEK },
        { "w", TIMESPAN_USEC_PER_WEEK },
        { "years", TIMESPAN_USEC_PER_YEAR },
        { "year", TIMESPAN_USEC_PER_YEAR },
        { "y", TIMESPAN_USEC_PER_YEAR },
        { "usec", 1 },
        { "us", 1 },
        { "\xc2\xb5s", 1 }, /* U+00B5 MICRO SIGN, what the man page shows */
        { "\xce\xbcs", 1 }, /* U+03BC GREEK SMALL LETTER MU, what keyboards often give */
};

/* Largest first; the names are the ones systemd prints, and every one parses back. */
static const struct timespan_unit timespan_format_units[] = {
        { "y", TIMESPAN_USEC_PER_YEAR },
        { "month", TIMESPAN_USEC_PER_MONTH },
        { "w", TIMESPAN_USEC_PER_WEEK },
        { "d", TIMESPAN_USEC_PER_DAY },
        { "h", TIMESPAN_USEC_PER_HOUR },
        { "min", TIMESPAN_USEC_PER_MINUTE },
        { "s", USEC_PER_SEC },
        { "ms", USEC_PER_MSEC },
        { "us", 1 },
};

static bool timespan_is_digit(char c)
{
        return c >= '0' && c <= '9';
}

/* Consumes a unit name at *p if there is one; otherwise leaves *p alone and gives
 * seconds, the unit of a bare number. */
static uint64_t timespan_take_unit(const char **p)
{
        for (size_t i = 0; i < ELEMENTSOF(timespan_parse_units); i++) {
                size_t n = strlen(timespan_parse_units[i].name);

                if (strncmp(*p, timespan_parse_units[i].name, n) == 0) {
                        *p += n;
                        return timespan_parse_units[i].usec;
                }
        }
        return USEC_PER_SEC;
}

/* Adds a to *sum, keeping the result below UINT64_MAX, which means "infinity" and so is
 * never the value of a finite span. */
static int timespan_add(uint64_t *sum, uint64_t a)
{
        if (a >= UINT64_MAX - *sum)
                return -ERANGE;
        *sum += a;
        return 0;
}

/* One "<number>[<whitespace>][<unit>]" component, added to *sum; *p is advanced past it. */
static int timespan_parse_component(const char **p, uint64_t *sum)
{
        const char *s = *p, *integer_start, *number_end, *fraction_start = NULL, *fraction_end = NULL;
        uint64_t integer = 0, multiplier, weight;
        bool integer_overflow = false;
        int r;

        if (*s == '-')
                return -EINVAL;
        /* strtoll() lets systemd take a sign; accept the harmless one the same way. */
        if (*s == '+' && timespan_is_digit(s[1]))
                s++;

        integer_start = s;
        for (; timespan_is_digit(*s); s++) {
                unsigned digit = (unsigned) (*s - '0');

                /* Keep scanning so that a huge number is -ERANGE rather than a syntax error. */
                if (integer > (UINT64_MAX - digit) / 10)
                        integer_overflow = true;
                else
                        integer = integer * 10 + digit;
        }

        if (*s == '.') {
                s++;
                fraction_start = s;
                while (timespan_is_digit(*s))
                        s++;
                fraction_end = s;
                /* "1." and "1.s" are rejected; ".5" is fine. */
                if (fraction_start == fraction_end)
                        return -EINVAL;
        } else if (s == integer_start)
                return -EINVAL;

        number_end = s;
        s += strspn(s, TIMESPAN_WHITESPACE);
        multiplier = timespan_take_unit(&s);
        /* A number runs into the next one only across whitespace or a unit: "1.5.5" is
         * junk, while "1.5 .5" and "1.5s.5" are two numbers each. */
        if (s == number_end && *s != '\0')
                return -EINVAL;

        if (integer_overflow || integer > UINT64_MAX / multiplier)
                return -ERANGE;
        r = timespan_add(sum, integer * multiplier);
        if (r < 0)
                return r;

        weight = multiplier / 10;
        for (const char *f = fraction_start; f && f < fraction_end; f++, weight /= 10) {
                r = timespan_add(sum, (uint64_t) (*f - '0') * weight);
                if (r < 0)
                        return r;
        }

        *p = s;
        return 0;
}

int timespan_parse(const char *s, uint64_t *ret_usec)
{
        const char *p, *rest;
        uint64_t sum = 0;
        bool any = false;
        int r;

        if (!s)
                return -EINVAL;

        p = s + strspn(s, TIMESPAN_WHITESPACE);
        if (strncmp(p, "infinity", strlen("infinity")) == 0) {
                rest = p + strlen("infinity");
                if (rest[strspn(rest, TIMESPAN_WHITESPACE)] != '\0')
                        return -EINVAL;
                if (ret_usec)
                        *ret_usec = USEC_INFINITY;
                return 0;
        }

        for (;;) {
                p += strspn(p, TIMESPAN_WHITESPACE);
                if (*p == '\0')
                        break;
                r = timespan_parse_component(&p, &sum);
                if (r < 0)
                        return r;
                any = true;
        }

        if (!any)
                return -EINVAL;
        if (ret_usec)
                *ret_usec = sum;
        return 0;
}

/* Every unit appears at most once with a bounded count ("584542y 11month ... 999us"), so
 * the output stays under 50 characters and 64 bytes always suffice; a smaller buffer gets
 * a cut but terminated string. */
char *timespan_format(char *buf, size_t size, uint64_t usec)
{
        size_t used = 0;

        if (!buf || size == 0)
                return buf;

        if (usec == USEC_INFINITY) {
                snprintf(buf, size, "infinity");
                return buf;
        }
        if (usec == 0) {
                snprintf(buf, size, "0");
                return buf;
        }

        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(timespan_format_units) && usec > 0; i++) {
                const struct timespan_unit *u = &timespan_format_units[i];
                uint64_t n;
                int k;

                if (usec < u->usec)
                        continue;
                n = usec / u->usec;
                usec %= u->usec;

                k = snprintf(buf + used, size - used, "%s%" PRIu64 "%s", used > 0 ? " " : "", n, u->name);
                /* Out of room: snprintf() has already cut the text and terminated it. */
                if (k < 0 || (size_t) k >= size - used)
                        break;
                used += (size_t) k;
        }

        return buf;
}

/* Allocation failure injection, to test the promise that a function failing with -ENOMEM
 * leaves its out-parameters alone. The test program is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,... (alloc_fail_link_args in meson.build), which
 * reroutes those calls in the test's own objects and in the library objects linked into
 * it, but not inside libc or libcunit. Include this header from exactly one file of the
 * program: it defines the __wrap_* functions.
 *
 * alloc_fail_after(n) lets n allocations succeed and fails the next one, once; after
 * that everything succeeds again, so the code under test can clean up normally. The loop
 * over n, with its verdicts in alloc_fail_round():
 *
 *   for (long n = 0;; n++) {
 *           alloc_fail_after(n);
 *           r = call_under_test(...);
 *           if (!alloc_fail_round(r, &failures))
 *                   break;                    (it ran clean and returned 0)
 *           ...the out-parameters are untouched...
 *   }
 *   CU_ASSERT(failures >= N);                 (else the loop proved nothing) */
#pragma once

#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* -1 when idle; otherwise how many allocations may still succeed before one fails. */
static long alloc_fail_countdown = -1;
static bool alloc_fail_happened;

static inline void alloc_fail_after(long n)
{
        alloc_fail_countdown = n;
        alloc_fail_happened = false;
}

static inline void alloc_fail_disarm(void)
{
        alloc_fail_countdown = -1;
}

/* Whether the planned failure was reached; a function that needs fewer allocations than
 * the countdown allowed never saw one. */
static inline bool alloc_fail_was_triggered(void)
{
        return alloc_fail_happened;
}

/* Ends one round of the loop: true when the call (r its result) hit the injected failure,
 * which it must report as -ENOMEM (counted in *failures); false when it ran clean, when it
 * must return 0 and the loop is over. */
static inline bool alloc_fail_round(int r, unsigned *failures)
{
        alloc_fail_disarm();
        if (!alloc_fail_was_triggered()) {
                CU_ASSERT_EQUAL(r, 0);
                return false;
        }
        (*failures)++;
        CU_ASSERT_EQUAL(r, -ENOMEM);
        return true;
}

static inline bool alloc_fail_now(void)
{
        if (alloc_fail_countdown < 0)
                return false;
        if (alloc_fail_countdown > 0) {
                alloc_fail_countdown--;
                return false;
        }
        alloc_fail_countdown = -1;
        alloc_fail_happened = true;
        errno = ENOMEM;
        return true;
}

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_asprintf(char **ret, const char *format, ...) __attribute__((format(printf, 2, 3)));

void *__wrap_malloc(size_t size)
{
        return alloc_fail_now() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
        return alloc_fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
        return alloc_fail_now() ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
        return alloc_fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
        return alloc_fail_now() ? NULL : __real_strndup(s, n);
}

/* Variadic, so it cannot forward to __real_asprintf; vasprintf() is not wrapped. */
int __wrap_asprintf(char **ret, const char *format, ...)
{
        va_list ap;
        int r;

        if (alloc_fail_now())
                return -1;
        va_start(ap, format);
        r = vasprintf(ret, format, ap);
        va_end(ap);
        return r;
}

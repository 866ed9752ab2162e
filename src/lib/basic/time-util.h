/* The one monotonic clock of the library and the CLI: CLOCK_MONOTONIC in microseconds,
 * the clock the loop's timers (timerfd) are armed on, so deadlines and "now" compare. */
#pragma once

#include <stdint.h>
#include <time.h>

#include "macro.h"

static inline uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

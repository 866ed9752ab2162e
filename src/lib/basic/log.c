/* Formatting a message for the embedder's log callback; see log.h. */
#include <stdio.h>

#include "log.h"

void log_unitv(const struct log_target *t, ur_log_level level, const char *unit, const char *fmt, va_list ap)
{
        char message[4096];

        if (!t || !t->fn)
                return;
        vsnprintf(message, sizeof(message), fmt, ap);
        t->fn(level, unit, message, t->userdata);
}

void log_unit(const struct log_target *t, ur_log_level level, const char *unit, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_unitv(t, level, unit, fmt, ap);
        va_end(ap);
}

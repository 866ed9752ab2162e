/* The library's only voice: messages go to the embedder's callback (ur_context_set_log()),
 * never to a terminal. A log_target is that callback and its userdata; the context owns
 * one and lends it to whatever logs on its behalf (readiness checks, through their owner). */
#pragma once

#include <stdarg.h>

#include "macro.h"
#include "unitrun.h"

struct log_target {
        ur_log_fn fn; /* NULL: messages are dropped */
        void *userdata;
};

void log_unit(const struct log_target *t, ur_log_level level, const char *unit, const char *fmt, ...)
        _printf_(4, 5);
void log_unitv(const struct log_target *t, ur_log_level level, const char *unit, const char *fmt, va_list ap)
        _printf_(4, 0);

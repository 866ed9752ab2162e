/* systemd.time(7) time spans: "90", "500ms", "1min 30s", "2h30m", "infinity". Pure code. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Parses s into microseconds; a bare number is seconds; "infinity" gives UINT64_MAX.
 * -EINVAL on syntax errors, -ERANGE on overflow. */
int timespan_parse(const char *s, uint64_t *ret_usec);
/* Human form ("1min 30s", "250ms", "infinity") into buf; returns buf. */
char *timespan_format(char *buf, size_t size, uint64_t usec);

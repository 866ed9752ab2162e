/* The regular expressions users write in Output= and HTTPStatus=: PCRE2, so that \d, \s,
 * (?i) and lazy quantifiers mean what they mean in Python, Java and journalctl, while the
 * POSIX extended syntax the keys documented first keeps working (PCRE2 reads ERE as the
 * same language, bracket classes such as [[:digit:]] included). libc and libpcre2 only
 * (dlopen()ed at the first pattern). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct pattern pattern;

/* whole: the pattern must match the entire subject (HTTP status codes), else it is searched
 * anywhere in it. -EINVAL for a pattern that does not compile, with "MESSAGE at offset N"
 * malloc'ed in *ret_error; -ENOENT (with a message) when libpcre2 cannot be loaded. */
int pattern_compile(const char *source, bool whole, pattern **ret, char **ret_error);
/* Subject need not be NUL-terminated and may hold NULs or invalid UTF-8. */
bool pattern_search(const pattern *re, const char *subject, size_t len);
pattern *pattern_free(pattern *re);

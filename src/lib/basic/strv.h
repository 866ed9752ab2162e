/* NULL-terminated string vectors, as argv and environ use. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

char **strv_free(char **l);
size_t strv_length(char *const *l);
char **strv_copy(char *const *l);
/* Appends a copy of s; -ENOMEM leaves *l untouched. */
int strv_push(char ***l, const char *s);
/* environ-style: replace or append NAME=VALUE; unset removes every NAME=... entry. */
int strv_env_set(char ***l, const char *name, const char *value);
int strv_env_unset(char **l, const char *name);
const char *strv_env_get(char *const *l, const char *name);
char *strv_join(char *const *l, const char *sep);

static inline void strv_freep(char ***l)
{
        strv_free(*l);
}
#define _cleanup_strv_free_ __attribute__((cleanup(strv_freep)))

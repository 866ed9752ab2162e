/* NULL-terminated string vectors, the shape of argv and environ, with the few operations
 * a launcher needs: build a command line, copy an environment and set or drop variables
 * in it before exec. Every string in a vector is owned by it. NULL is treated as the
 * empty vector wherever a vector is read. Operations that grow a vector leave it exactly
 * as it was when they fail. */

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "strv.h"

char **strv_free(char **l)
{
        if (!l)
                return NULL;
        for (char **p = l; *p; p++)
                free(*p);
        free(l);
        return NULL;
}

size_t strv_length(char *const *l)
{
        size_t n = 0;

        if (!l)
                return 0;
        while (l[n])
                n++;
        return n;
}

/* The copy of NULL is an empty vector, not NULL, so NULL can only mean -ENOMEM. */
char **strv_copy(char *const *l)
{
        _cleanup_strv_free_ char **copy = NULL;
        size_t n = strv_length(l);

        /* calloc() keeps the vector NULL-terminated at every step, so the cleanup can free
         * a half-built copy. */
        copy = calloc(n + 1, sizeof(char *));
        if (!copy)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                copy[i] = strdup(l[i]);
                if (!copy[i])
                        return NULL;
        }

        return TAKE_PTR(copy);
}

int strv_push(char ***l, const char *s)
{
        _cleanup_free_ char *copy = NULL;
        char **grown;
        size_t n;

        if (!l || !s)
                return -EINVAL;

        n = strv_length(*l);
        if (n > SIZE_MAX / sizeof(char *) - 2)
                return -ENOMEM;

        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        /* A failing realloc() leaves the old block alone, which is what keeps *l intact. */
        grown = realloc(*l, (n + 2) * sizeof(char *));
        if (!grown)
                return -ENOMEM;

        grown[n] = TAKE_PTR(copy);
        grown[n + 1] = NULL;
        *l = grown;
        return 0;
}

/* execve() would pass a name holding '=' on, but no getenv() could ever find it again. */
static bool strv_env_name_is_valid(const char *name)
{
        return name && name[0] != '\0' && !strchr(name, '=');
}

static bool strv_env_entry_matches(const char *entry, const char *name, size_t name_len)
{
        return strncmp(entry, name, name_len) == 0 && entry[name_len] == '=';
}

/* Returns how many entries it removed. Compacts in place: the array keeps its size. */
int strv_env_unset(char **l, const char *name)
{
        size_t name_len, removed = 0;
        char **out;

        if (!strv_env_name_is_valid(name))
                return -EINVAL;
        if (!l)
                return 0;

        name_len = strlen(name);
        out = l;
        for (char **in = l; *in; in++) {
                if (strv_env_entry_matches(*in, name, name_len)) {
                        free(*in);
                        removed++;
                } else
                        *out++ = *in;
        }
        *out = NULL;

        return removed > INT_MAX ? INT_MAX : (int) removed;
}

/* Replaces the first NAME= entry in place, so the variable keeps its position, and drops
 * any later duplicates: getenv() reads the first, but other readers may take the last,
 * and a stale value must not reach either. */
int strv_env_set(char ***l, const char *name, const char *value)
{
        _cleanup_free_ char *entry = NULL;
        size_t name_len;

        if (!l || !strv_env_name_is_valid(name) || !value)
                return -EINVAL;

        if (asprintf(&entry, "%s=%s", name, value) < 0)
                return -ENOMEM;

        name_len = strlen(name);
        for (char **p = *l; p && *p; p++) {
                if (strv_env_entry_matches(*p, name, name_len)) {
                        free(*p);
                        *p = TAKE_PTR(entry);
                        (void) strv_env_unset(p + 1, name);
                        return 0;
                }
        }

        return strv_push(l, entry);
}

const char *strv_env_get(char *const *l, const char *name)
{
        size_t name_len;

        if (!l || !strv_env_name_is_valid(name))
                return NULL;

        name_len = strlen(name);
        for (char *const *p = l; *p; p++)
                if (strv_env_entry_matches(*p, name, name_len))
                        return *p + name_len + 1;
        return NULL;
}

/* A NULL separator means a single space. Returns a malloc'ed string, "" for an empty
 * vector, NULL only when out of memory. */
char *strv_join(char *const *l, const char *sep)
{
        size_t sep_len, total = 1, n = 0;
        char *joined, *p;

        if (!sep)
                sep = " ";
        sep_len = strlen(sep);

        for (char *const *s = l; s && *s; s++, n++) {
                size_t len = strlen(*s) + (n > 0 ? sep_len : 0);

                if (len > SIZE_MAX - total)
                        return NULL;
                total += len;
        }

        joined = malloc(total);
        if (!joined)
                return NULL;

        p = joined;
        for (char *const *s = l; s && *s; s++) {
                if (s != l) {
                        memcpy(p, sep, sep_len);
                        p += sep_len;
                }
                p = stpcpy(p, *s);
        }
        *p = '\0';

        return joined;
}

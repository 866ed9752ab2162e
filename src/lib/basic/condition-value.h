/* Condition*=/Assert*= values, pure (no syscalls): names, prefixes, syntax checks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "unitrun.h"

enum {
        CONDITION_LT = 1,
        CONDITION_LE,
        CONDITION_EQ,
        CONDITION_NE,
        CONDITION_GE,
        CONDITION_GT,
};

/* "PathExists" for UR_CONDITION_PATH_EXISTS; NULL for no such kind. */
const char *condition_kind_name(ur_condition_kind kind);
/* "ConditionPathExists" or "AssertPathExists" to a kind; -ENOENT for no such key. */
int condition_kind_from_key(const char *key, ur_condition_kind *ret_kind, bool *ret_assert);
/* Strips the "|" and "!" prefixes into UR_CONDITION_TRIGGER/NEGATE; returns the rest. */
const char *condition_split_prefixes(const char *value, unsigned *ret_flags);
/* A comparison operator at the start of s (CONDITION_*), its length in *ret_len; 0: none. */
int condition_comparison(const char *s, size_t *ret_len);
/* "512M", "2G", "1024" (bytes; K, M, G, ... are powers of 1024). */
int condition_parse_size(const char *s, uint64_t *ret);
/* -EINVAL with a reason when value (after the prefixes) cannot be checked for kind. */
int condition_value_check(ur_condition_kind kind, const char *value, const char **ret_reason);

/* Arrays that grow by doubling: the one shape of every list that is appended to one item
 * (or one chunk) at a time, so that n appends cost O(n) copies (systemd's GREEDY_REALLOC,
 * reduced to what we use). */
#pragma once

#include <errno.h>
#include <stddef.h>

/* The array items (cap allocated, each size bytes), grown to hold at least needed: first
 * items at first, then doubling. The array itself, moved or not; NULL on failure (items
 * and cap untouched then). */
void *array_grow(void *items, size_t needed, size_t *cap, size_t size, size_t first);

/* ARRAY_GROW(p, needed, cap, first): 0 once p has room for needed items (p and cap
 * updated), -ENOMEM with both untouched. */
#define ARRAY_GROW(p, needed, cap, first)                                                                   \
        ({                                                                                                  \
                void *_grown = array_grow((p), (needed), &(cap), sizeof(*(p)), (first));                    \
                if (_grown)                                                                                 \
                        (p) = _grown;                                                                       \
                _grown ? 0 : -ENOMEM;                                                                       \
        })

/* Arrays that grow by doubling; see grow.h. */
#include <stdint.h>
#include <stdlib.h>

#include "grow.h"

void *array_grow(void *items, size_t needed, size_t *cap, size_t size, size_t first)
{
        size_t n = *cap ? *cap : (first ? first : 1);
        void *grown;

        if (items && needed <= *cap)
                return items;
        while (n < needed) {
                if (n > SIZE_MAX / 2)
                        return NULL;
                n *= 2;
        }
        if (n > SIZE_MAX / size)
                return NULL;
        grown = realloc(items, n * size);
        if (!grown)
                return NULL;
        *cap = n;
        return grown;
}

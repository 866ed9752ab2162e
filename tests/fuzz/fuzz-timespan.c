/* Fuzzes timespan_parse(); what parses also formats, and the text parses back to the
 * very same value. */
#include <stdio.h>

#include "fuzz-util.h"
#include "timespan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint64_t usec = 0, again = 0;
        char buf[256];
        char *text;

        if (size > 4096)
                return 0;
        text = fuzz_string(data, size);
        if (timespan_parse(text, &usec) >= 0) {
                timespan_format(buf, sizeof(buf), usec);
                if (timespan_parse(buf, &again) < 0 || again != usec) {
                        fprintf(stderr, "round trip: \"%s\" -> %llu -> \"%s\" -> %llu\n", text,
                                (unsigned long long) usec, buf, (unsigned long long) again);
                        abort();
                }
        }
        /* A small buffer must be cut, not overrun. */
        timespan_format(buf, 7, (uint64_t) size * 1234567891ULL);
        free(text);
        return 0;
}

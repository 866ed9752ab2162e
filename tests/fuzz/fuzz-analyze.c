/* Fuzzes unitrun analyze: the event stream reader (analyze_read()) on any bytes, then each
 * view of what it read; the plot must stay well-formed enough to end with </svg>. */
#include <stdio.h>

#include "analyze-events.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct analyze_run run;
        char *text = NULL;
        size_t len = 0;
        FILE *out;

        if (size > 65536)
                return 0;
        /* The raw bytes, not fuzz_string(): the reader takes a length, NULs and all. */
        if (analyze_read(&run, (const char *) data, size) < 0)
                abort();
        out = open_memstream(&text, &len);
        if (!out)
                abort();
        if (analyze_blame(&run, out) < 0 || analyze_critical_chain(&run, out) < 0)
                abort();
        fflush(out);
        len = 0;
        rewind(out);
        if (analyze_plot(&run, out) < 0)
                abort();
        fclose(out);
        if (len < 7 || memcmp(text + len - 7, "</svg>\n", 7) != 0)
                abort();
        free(text);
        analyze_run_done(&run);
        return 0;
}

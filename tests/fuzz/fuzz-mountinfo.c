/* Fuzzes the /proc text parsers of mountinfo.h: mountinfo_find_cgroup2() and
 * proc_cgroup_v2_path(). */
#include "fuzz-util.h"
#include "mountinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text, *out = NULL;

        if (size > 65536)
                return 0;
        text = fuzz_string(data, size);
        if (mountinfo_find_cgroup2(text, &out) >= 0) {
                if (!out)
                        abort();
                free(out);
        }
        out = NULL;
        if (proc_cgroup_v2_path(text, &out) >= 0) {
                if (!out)
                        abort();
                free(out);
        }
        free(text);
        return 0;
}

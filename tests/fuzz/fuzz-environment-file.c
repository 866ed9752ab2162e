/* Fuzzes environment_file_parse(): appends to an environment that already holds entries,
 * which a failure must leave untouched. */
#include "fuzz-util.h"
#include "strv.h"
#include "environment-file.h"
#include "unit-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char **env = NULL;
        char *text;
        unsigned line = 0;
        size_t before;
        int r;

        if (size > 65536)
                return 0;
        text = fuzz_string(data, size);
        if (strv_push(&env, "KEEP=1") < 0 || strv_push(&env, "PATH=/usr/bin") < 0)
                abort();
        before = strv_length(env);
        r = environment_file_parse(text, &env, &line);
        if (r < 0 && strv_length(env) != before)
                abort(); /* a failure must leave *env alone */
        for (size_t i = 0; env && env[i]; i++)
                if (!strchr(env[i], '='))
                        abort(); /* every entry is NAME=VALUE */
        strv_free(env);

        {
                struct unit_diagnostics diags = { 0 };
                char **env2 = NULL;

                (void) environment_file_parse_full("fuzz.env", text, &env2, &diags);
                strv_free(env2);
                unit_diagnostics_done(&diags);
        }
        free(text);
        return 0;
}

/* Fuzzes cmdline_split() and cmdline_split_expand() (ExecStart= syntax and $VAR
 * expansion): the first line of the input is the command line, the rest an environment. */
#include "cmdline.h"
#include "fuzz-util.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text, *nl, *line, *save = NULL;
        char **env = NULL, **argv = NULL;
        const char *reason = NULL;
        int r;

        if (size > 16384)
                return 0;
        text = fuzz_string(data, size);
        nl = strchr(text, '\n');
        if (nl) {
                *nl = 0;
                for (line = strtok_r(nl + 1, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                        if (strv_push(&env, line) < 0)
                                abort();
        }
        if (strv_push(&env, "FUZZ=a b  'c d'") < 0)
                abort();

        r = cmdline_split(text, &argv, &reason);
        if (r < 0 && !reason)
                abort();
        if (r >= 0 && (!argv || !argv[0]))
                abort(); /* an empty command is an error, never an empty argv */
        argv = strv_free(argv);
        reason = NULL;
        r = cmdline_split_expand(text, env, &argv, &reason);
        if (r < 0 && !reason)
                abort();
        strv_free(argv);
        strv_free(env);
        free(text);
        return 0;
}

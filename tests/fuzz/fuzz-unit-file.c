/* Fuzzes unit_file_parse() and, on success, unit_config_expand() (the [X-Ready] values that
 * name variables) and unit_config_verify(): whatever the text, no crash, no leak, no
 * sanitizer report; an error always comes with a diagnostic. */
#include <stdbool.h>

#include "fuzz-util.h"
#include "unit-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const struct unit_specifiers specifiers = {
                .runtime_dir = "/run/user/0/unitrun.1.abcdef",
                .tmp_dir = "/tmp",
                .home = "/root",
                .user = "root",
                .uid = "0",
        };
        char *text;

        if (size > 65536)
                return 0;
        text = fuzz_string(data, size);
        for (int strict = 0; strict <= 1; strict++) {
                struct unit_diagnostics diags = { 0 };
                struct unit_config *c = NULL;
                int r = unit_file_parse(
                        "fuzz.service", "fuzz.service", text, &specifiers, strict, &c, &diags);

                if (r == -EINVAL && diags.n == 0)
                        abort(); /* an error nobody is told about */
                if (r >= 0) {
                        static char *const env[] = { "HOST=127.0.0.1", "PORT=80", NULL };

                        if (!c)
                                abort();
                        r = unit_config_expand(c, env, &specifiers, &diags);
                        if (r == -EINVAL && diags.n == 0)
                                abort();
                        if (r >= 0)
                                (void) unit_config_verify(c, &diags);
                }
                for (size_t i = 0; i < diags.n; i++)
                        free(unit_diagnostic_format(&diags.items[i]));
                unit_config_free(c);
                unit_diagnostics_done(&diags);
        }
        free(text);
        return 0;
}

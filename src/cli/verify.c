/* unitrun verify: find, parse and check units (keys, values, drop-ins, dependencies,
 * cycles) without starting anything; FILE:LINE: message per problem, one line per unit
 * listing the keys accepted and not applied, exit 65 on any error. */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "strv.h"

static void on_diagnostic(const char *file, unsigned line, bool error, const char *message, void *userdata)
{
        unsigned *errors = userdata;

        if (error)
                (*errors)++;
        if (line)
                printf("%s:%u: %s%s\n", file, line, error ? "" : "warning: ", message);
        else
                printf("%s: %s%s\n", file, error ? "" : "warning: ", message);
}

int verb_verify(int argc, char **argv)
{
        unsigned flags = UR_LOAD_LIST_NOT_APPLIED, errors = 0;
        _cleanup_strv_free_ char **unit_path = NULL, **units = NULL;
        ur_context *ctx = NULL;
        ur_load_options load = {};
        int r;

        for (int i = 2; i < argc; i++) {
                if (strcmp(argv[i], "--strict") == 0)
                        flags |= UR_LOAD_STRICT;
                else if (strcmp(argv[i], "--unit-path") == 0) {
                        if (i + 1 >= argc || !argv[i + 1][0]) {
                                cli_error("--unit-path needs a directory");
                                return EXIT_USAGE;
                        }
                        if (strv_push(&unit_path, argv[++i]) < 0)
                                return EXIT_SYSTEM;
                } else if (argv[i][0] == '-') {
                        cli_error("unknown option '%s'", argv[i]);
                        return EXIT_USAGE;
                } else if (strv_push(&units, argv[i]) < 0)
                        return EXIT_SYSTEM;
        }
        if (!units) {
                cli_error("nothing to verify; see '%s help verify'", program_name);
                return EXIT_USAGE;
        }
        r = ur_context_new(&ctx);
        if (r < 0) {
                cli_error("cannot set up: %s", strerror(-r));
                return EXIT_SYSTEM;
        }
        load.unit_path = unit_path;
        r = ur_context_load_units_with(ctx, units, &load, flags, on_diagnostic, &errors, NULL, NULL);
        ur_context_free(ctx);
        if (r == -EINVAL || errors)
                return EXIT_BAD_UNIT;
        if (r < 0) {
                cli_error("cannot load units: %s", strerror(-r));
                return EXIT_SYSTEM;
        }
        return 0;
}

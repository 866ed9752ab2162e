/* unitrun verify: parse and check unit files (keys, values, dependencies, cycles) without
 * starting anything; FILE:LINE: message per problem, exit 65 on any error. */
#include <errno.h>
#include <string.h>

#include "cli.h"

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
        unsigned flags = 0, errors = 0;
        ur_context *ctx = NULL;
        char **files = argv + 2;
        int r;

        if (argc > 2 && strcmp(argv[2], "--strict") == 0) {
                flags |= UR_LOAD_STRICT;
                files++;
        }
        if (!*files) {
                cli_error("nothing to verify; see '%s help verify'", program_name);
                return EXIT_USAGE;
        }
        for (char **f = files; *f; f++)
                if ((*f)[0] == '-') {
                        cli_error("unknown option '%s'", *f);
                        return EXIT_USAGE;
                }
        r = ur_context_new(&ctx);
        if (r < 0) {
                cli_error("cannot set up: %s", strerror(-r));
                return EXIT_SYSTEM;
        }
        r = ur_context_load_units(ctx, files, flags, on_diagnostic, &errors, NULL, NULL);
        ur_context_free(ctx);
        if (r == -EINVAL || errors)
                return EXIT_BAD_UNIT;
        if (r < 0) {
                cli_error("cannot load units: %s", strerror(-r));
                return EXIT_SYSTEM;
        }
        return 0;
}

/* unitrun cat: the unit as a run would read it, as `systemctl cat` shows it: the unit file
 * (for an instance, its template) and each drop-in in the order they apply, each after a
 * "# PATH" header. Units are found exactly as run and verify find them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "macro.h"
#include "strv.h"
#include "unitrun.h"

static int cat_unit(char *const *unit_path, const char *name, bool first)
{
        _cleanup_free_ char *text = NULL, *error = NULL;
        int r = ur_unit_cat(name, unit_path, &text, &error);

        if (r == -ENOMEM)
                return EXIT_SYSTEM;
        if (r < 0) {
                cli_error("%s", error ? error : strerror(-r));
                return EXIT_BAD_UNIT;
        }
        printf("%s%s", first ? "" : "\n", text);
        return 0;
}

int verb_cat(int argc, char **argv)
{
        _cleanup_strv_free_ char **unit_path = NULL;
        int status = 0, n = 0;

        for (int i = 2; i < argc; i++)
                if (strcmp(argv[i], "--unit-path") == 0) {
                        if (i + 1 >= argc || !argv[i + 1][0]) {
                                cli_error("--unit-path needs a directory");
                                return EXIT_USAGE;
                        }
                        if (strv_push(&unit_path, argv[++i]) < 0)
                                return EXIT_SYSTEM;
                } else if (argv[i][0] == '-') {
                        cli_error("unknown option '%s'", argv[i]);
                        return EXIT_USAGE;
                }
        for (int i = 2; i < argc && !status; i++) {
                if (strcmp(argv[i], "--unit-path") == 0) {
                        i++;
                        continue;
                }
                status = cat_unit(unit_path, argv[i], n++ == 0);
        }
        if (n == 0) {
                cli_error("nothing to show; see '%s help cat'", program_name);
                return EXIT_USAGE;
        }
        fflush(stdout);
        return status;
}

/* unitrun cat: the unit as a run would read it, as `systemctl cat` shows it: the unit file
 * (for an instance, its template) and each drop-in in the order they apply, each after a
 * "# PATH" header. Units are found exactly as run and verify find them. */
#include <errno.h>
#include <libgen.h>
#include <string.h>

#include "cli.h"
#include "macro.h"
#include "strv.h"
#include "unit-search.h"

static int cat_file(const char *path, bool first)
{
        _cleanup_free_ char *text = NULL;
        unsigned nul_line = 0;
        int r = unit_read_file(path, &text, &nul_line);
        size_t len;

        if (r == -EBADMSG) {
                cli_error("%s:%u: %s", path, nul_line, unit_read_error(r));
                return EXIT_BAD_UNIT;
        }
        if (r < 0) {
                cli_error("%s: cannot read: %s", path, unit_read_error(r));
                return r == -ENOMEM ? EXIT_SYSTEM : EXIT_BAD_UNIT;
        }
        len = strlen(text);
        printf("%s# %s\n%s%s", first ? "" : "\n", path, text, len && text[len - 1] != '\n' ? "\n" : "");
        return 0;
}

static int cat_unit(char *const *search, size_t n_extra, const char *name, bool first)
{
        _cleanup_strv_free_ char **with = NULL, **dropins = NULL;
        _cleanup_free_ char *dir = NULL, *bad = NULL;
        struct unit_found found = {};
        const char *reason = NULL;
        int r, status;

        r = unit_search_find(search, name, &found, &reason);
        if (r == -ENOMEM)
                return EXIT_SYSTEM;
        if (r < 0) {
                cli_error(
                        "%s: %s", name,
                        reason         ? reason
                        : r == -ENOENT ? "no such unit on the unit search path (see --unit-path)"
                                       : strerror(-r));
                return EXIT_BAD_UNIT;
        }
        dir = strdup(found.path);
        if (!dir || unit_search_path_insert(search, n_extra, dirname(dir), &with) < 0) {
                unit_found_done(&found);
                return EXIT_SYSTEM;
        }
        r = unit_dropins_find(with, found.name, found.aliases, &dropins, &bad);
        if (r < 0) {
                cli_error("%s: cannot read the drop-in directory: %s", bad ? bad : found.name, strerror(-r));
                unit_found_done(&found);
                return r == -ENOMEM ? EXIT_SYSTEM : EXIT_BAD_UNIT;
        }
        status = cat_file(found.path, first);
        for (char **d = dropins; !status && d && *d; d++)
                status = cat_file(*d, false);
        unit_found_done(&found);
        return status;
}

int verb_cat(int argc, char **argv)
{
        _cleanup_strv_free_ char **unit_path = NULL, **search = NULL;
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
        if (unit_search_path_default(unit_path, &search) < 0)
                return EXIT_SYSTEM;
        for (int i = 2; i < argc && !status; i++) {
                if (strcmp(argv[i], "--unit-path") == 0) {
                        i++;
                        continue;
                }
                status = cat_unit(search, strv_length(unit_path), argv[i], n++ == 0);
        }
        if (n == 0) {
                cli_error("nothing to show; see '%s help cat'", program_name);
                return EXIT_USAGE;
        }
        fflush(stdout);
        return status;
}

/* Ad-hoc units: --exec and the options after it become unit keys (ExecStart=, Type=, ...),
 * which ur_context_add_unit() applies with the library's own key table, exactly as a unit
 * file's lines would be, then checks and turns into an executor the same way. */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "macro.h"
#include "strv.h"

extern char **environ;

/* "redis-server" -> "redis-server.service", then -2, -3, ... while one is taken. */
static int adhoc_default_name(const char *cmdline, ur_executor *const *taken, size_t n, char **ret)
{
        _cleanup_free_ char *program =
                strndup(cmdline + strspn(cmdline, " \t@-:+!"),
                        strcspn(cmdline + strspn(cmdline, " \t@-:+!"), " \t"));
        char name[512];

        if (!program)
                return -ENOMEM;
        for (unsigned i = 1;; i++) {
                bool used = false;

                if (i == 1)
                        snprintf(name, sizeof(name), "%s.service", basename(program));
                else
                        snprintf(name, sizeof(name), "%s-%u.service", basename(program), i);
                for (size_t k = 0; k < n; k++)
                        if (taken[k] && strcmp(ur_executor_get_name(taken[k]), name) == 0)
                                used = true;
                if (!used)
                        break;
        }
        *ret = strdup(name);
        return *ret ? 0 : -ENOMEM;
}

static void on_diagnostic(const char *file, unsigned line, bool error, const char *message, void *userdata)
{
        if (line)
                cli_error("%s:%u: %s%s", file, line, error ? "" : "warning: ", message);
        else
                cli_error("%s: %s%s", file, error ? "" : "warning: ", message);
}

static int adhoc_unit_create(
        ur_context *ctx, const struct adhoc_unit *u, unsigned number, ur_executor *const *taken,
        size_t n_taken, ur_executor **ret)
{
        _cleanup_free_ char *name = NULL, *exec_start = NULL;
        _cleanup_free_ const char **assignments = NULL;
        size_t n = 0;
        char origin[64];
        int r;

        snprintf(origin, sizeof(origin), "--exec #%u", number);
        if (u->name) {
                name = strdup(u->name);
                if (name && (!*name || strchr(name, '/') || name[0] == '.')) {
                        cli_error("%s: invalid unit name '%s'", origin, name);
                        return EXIT_USAGE;
                }
        } else if (adhoc_default_name(u->argv[0], taken, n_taken, &name) < 0)
                return EXIT_SYSTEM;
        if (!name || asprintf(&exec_start, "ExecStart=%s", u->argv[0]) < 0)
                return EXIT_SYSTEM;

        /* ExecStart= first, then the options in their order, as lines of a unit file. */
        assignments = calloc(strv_length(u->properties) + 2, sizeof(*assignments));
        if (!assignments)
                return EXIT_SYSTEM;
        assignments[n++] = exec_start;
        for (char **p = u->properties; p && *p; p++)
                assignments[n++] = *p;

        r = ur_context_add_unit(ctx, name, origin, assignments, on_diagnostic, NULL, ret);
        if (r == -ENOMEM)
                return EXIT_SYSTEM;
        if (r == -EINVAL)
                return EXIT_USAGE;
        if (r == -EEXIST) {
                cli_error("two units are named '%s'", name);
                return EXIT_USAGE;
        }
        if (r < 0) {
                cli_error("%s: %s", name, strerror(-r));
                return EXIT_SYSTEM;
        }
        return 0;
}

int adhoc_units_create(ur_context *ctx, const struct run_options *o, ur_executor **executors)
{
        for (size_t i = 0; i < o->n_units; i++) {
                int status =
                        adhoc_unit_create(ctx, &o->units[i], (unsigned) i + 1, executors, i, &executors[i]);
                if (status)
                        return status;
        }
        return 0;
}

/* Ad-hoc units: --exec and the options after it become unit keys (ExecStart=, Type=, ...)
 * applied with the library's own key table, exactly as a unit file's lines would be, then
 * checked and turned into an executor the same way. */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "macro.h"
#include "strv.h"
#include "unit-file.h"

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

static void print_diagnostics(struct unit_diagnostics *d)
{
        for (size_t i = 0; i < d->n; i++) {
                _cleanup_free_ char *text = unit_diagnostic_format(&d->items[i]);
                cli_error("%s", text ? text : d->items[i].message);
        }
        unit_diagnostics_done(d);
}

static int adhoc_unit_create(
        ur_context *ctx, const struct adhoc_unit *u, const struct unit_specifiers *spec, unsigned number,
        ur_executor *const *taken, size_t n_taken, ur_executor **ret)
{
        struct unit_diagnostics diags = {};
        struct unit_config *c = NULL;
        _cleanup_free_ char *name = NULL;
        char origin[64];
        int r, status = 0;

        snprintf(origin, sizeof(origin), "--exec #%u", number);
        if (u->name) {
                name = strdup(u->name);
                if (name && (!*name || strchr(name, '/') || name[0] == '.')) {
                        cli_error("%s: invalid unit name '%s'", origin, name);
                        return EXIT_USAGE;
                }
        } else if (adhoc_default_name(u->argv[0], taken, n_taken, &name) < 0)
                return EXIT_SYSTEM;
        if (!name || !(c = unit_config_new(name)))
                return EXIT_SYSTEM;

        r = unit_config_assign(c, "ExecStart", u->argv[0], spec, origin, &diags);
        for (char **p = u->properties; r >= 0 && p && *p; p++) {
                _cleanup_free_ char *key = strndup(*p, strcspn(*p, "="));
                r = key ? unit_config_assign(c, key, *p + strlen(key) + 1, spec, origin, &diags) : -ENOMEM;
        }
        if (r >= 0)
                r = unit_config_expand(c, environ, spec, &diags);
        if (r >= 0)
                r = unit_config_verify(c, &diags);
        print_diagnostics(&diags);
        if (r == -ENOMEM)
                status = EXIT_SYSTEM;
        else if (r < 0)
                status = EXIT_USAGE;
        else {
                r = unit_config_to_executor(ctx, c, ret);
                if (r == -EEXIST) {
                        cli_error("two units are named '%s'", name);
                        status = EXIT_USAGE;
                } else if (r < 0) {
                        cli_error("%s: %s", name, strerror(-r));
                        status = EXIT_SYSTEM;
                }
        }
        unit_config_free(c);
        return status;
}

int adhoc_units_create(ur_context *ctx, const struct run_options *o, ur_executor **executors)
{
        struct unit_specifiers spec;
        int status = 0;

        if (unit_specifiers_init(ctx, &spec) < 0)
                return EXIT_SYSTEM;
        for (size_t i = 0; i < o->n_units && !status; i++)
                status = adhoc_unit_create(
                        ctx, &o->units[i], &spec, (unsigned) i + 1, executors, i, &executors[i]);
        unit_specifiers_done(&spec);
        return status;
}

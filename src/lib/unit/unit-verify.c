/* Checks that need a whole unit rather than one assignment: what must be present, which
 * keys only make sense together. They run after the last assignment, so that the order of
 * keys in a file (or of -p options) never matters. Lines come from unit_config.lines; a
 * problem of the unit as a whole is reported on line 0. */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "strv.h"
#include "unit-file-internal.h"
#include "unit-file.h"
#include "unit-process-keys.h"

static bool strv_contains(char *const *l, const char *s)
{
        for (; l && *l; l++)
                if (streq_ptr(*l, s))
                        return true;
        return false;
}

struct verify {
        const struct unit_config *c;
        const char *file;
        struct unit_diagnostics *diags;
        unsigned n_errors;
};

/* The file a location's index names: the unit file, or one of its drop-ins. */
static const char *verify_file(struct verify *v, unsigned file)
{
        return file < strv_length(v->c->files) ? v->c->files[file] : v->file;
}

static int verify_report_at(struct verify *v, unsigned file, unsigned line, bool error, const char *fmt, ...)
        _printf_(5, 6);
static int verify_report_at(struct verify *v, unsigned file, unsigned line, bool error, const char *fmt, ...)
{
        _cleanup_free_ char *message = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&message, fmt, ap);
        va_end(ap);
        if (r < 0) {
                message = NULL;
                return -ENOMEM;
        }
        if (error)
                v->n_errors++;
        return unit_diag_add(v->diags, line ? verify_file(v, file) : v->file, line, error, "%s", message);
}

#define verify_report(v, line, error, ...) verify_report_at(v, 0, line, error, __VA_ARGS__)

static int verify_dependencies(struct verify *v)
{
        const struct unit_config *c = v->c;
        const struct {
                const char *key;
                char **list;
        } deps[] = {
                { "Requires", c->requires },
                { "Wants", c->wants },
                { "After", c->after },
                { "Before", c->before },
        };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(deps); i++)
                if (strv_contains(deps[i].list, c->name)) {
                        r = verify_report(v, 0, true, "%s= names the unit itself", deps[i].key);
                        if (r < 0)
                                return r;
                }
        for (size_t i = 0; i < c->n_dep_locations; i++) {
                const struct unit_dep_location *l = &c->dep_locations[i];

                /* systemd drops it without a word; a typo is likelier than intent. */
                if (streq_ptr(l->key, "JoinsNamespaceOf") && streq_ptr(l->name, c->name)) {
                        r = verify_report_at(
                                v, l->file, l->line, false,
                                "JoinsNamespaceOf= names the unit itself, ignored");
                        if (r < 0)
                                return r;
                }
        }
        for (char **s = c->after; s && *s; s++)
                if (strv_contains(c->before, *s)) {
                        r = verify_report(
                                v, 0, true, "%s is in both After= and Before=: an ordering cycle", *s);
                        if (r < 0)
                                return r;
                }
        return 0;
}

int unit_config_verify(const struct unit_config *c, struct unit_diagnostics *diags)
{
        struct verify v = {
                .c = c,
                .file = c->path ?: c->name,
                .diags = diags,
        };
        bool http_options = c->http_status || c->http_method || c->http_body || c->http_unix_socket ||
                            c->http_headers || c->http_insecure;
        int r = 0;

        /* systemd accepts a service with no ExecStart= when it has a SuccessAction= (the
         * oneshot that reboots or exits); a run has nothing to run then, and refuses it. */
        if (c->exec_start.n == 0 && !strv_contains(c->not_applied, "SuccessAction"))
                r = verify_report(&v, 0, true, "ExecStart= is missing: a service needs a command to run");
        else if (c->exec_start.n > 1 && c->type != UR_TYPE_ONESHOT)
                r = verify_report_at(
                        &v, c->exec_start.items[1].file_no, c->exec_start.items[1].line_no, true,
                        "more than one ExecStart= command is only allowed with Type=oneshot");
        if (r < 0)
                return r;

        /* Type=forking without PIDFile= is fine: GuessMainPID= (or the cgroup) knows the daemon. */
        if (c->type != UR_TYPE_FORKING && c->pid_file)
                r = verify_report_at(
                        &v, c->line_files.pid_file, c->lines.pid_file, false,
                        "PIDFile= is only used with Type=forking, ignored");
        if (r < 0)
                return r;

        if (http_options && !c->ready_http) {
                r = verify_report_at(
                        &v, c->line_files.http_option, c->lines.http_option, true,
                        "HTTPStatus=, HTTPMethod=, HTTPHeader=, HTTPBody=, HTTPUnixSocket= and "
                        "HTTPInsecure= need "
                        "an HTTP= condition");
                if (r < 0)
                        return r;
        }
        if (c->lines.output_stream > 0 && !c->ready_output) {
                r = verify_report_at(
                        &v, c->line_files.output_stream, c->lines.output_stream, false,
                        "OutputStream= without an Output= condition, ignored");
                if (r < 0)
                        return r;
        }

        r = verify_dependencies(&v);
        if (r < 0)
                return r;
        /* User=, Group=, StandardInput= (unit-process-keys.c). */
        r = unit_process_verify(c, v.file, diags);
        if (r < 0)
                return r;
        v.n_errors += (unsigned) r;
        return v.n_errors > 0 ? -EINVAL : 0;
}

bool unit_config_races(const struct unit_config *c)
{
        return (c->type == UR_TYPE_SIMPLE || c->type == UR_TYPE_EXEC) &&
               strv_length(c->ready_tcp) + strv_length(c->ready_unix) + strv_length(c->ready_http) +
                               strv_length(c->ready_output) + strv_length(c->ready_file) +
                               strv_length(c->ready_listen) ==
                       0;
}

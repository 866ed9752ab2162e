/* Loading units into executors: find each one (by path, or by name on the search path,
 * through aliases and templates), read it and its drop-ins, apply command-line
 * assignments, follow Requires=/Wants=/BindsTo=/Requisite= to the units they name, check
 * everything (keys, values, dependencies, cycles), and only then create the executors
 * with their dependencies. Nothing is created when any unit has an error. */
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "macro.h"
#include "proc.h"
#include "strv.h"
#include "unit-file-internal.h"
#include "unit-file.h"
#include "unit-process-keys.h"
#include "unit-search.h"

extern char **environ;

struct loaded_unit {
        char *path;
        char **aliases; /* names it was also asked by */
        struct unit_config *config;
        ur_executor *executor;
};

struct unit_loader {
        ur_context *ctx;
        bool strict, list_not_applied;
        ur_diagnostic_fn diagnostic;
        void *userdata;
        struct unit_specifiers specifiers;
        char *const *extra; /* --unit-path */
        char **search;      /* extra, then systemd's */
        struct loaded_unit *units;
        size_t n_units;
        unsigned errors;
};

static void
loader_report(struct unit_loader *l, const char *file, unsigned line, bool error, const char *message)
{
        if (error)
                l->errors++;
        if (l->diagnostic)
                l->diagnostic(file, line, error, message, l->userdata);
}

static void
loader_reportf(struct unit_loader *l, const char *file, unsigned line, bool error, const char *fmt, ...)
        _printf_(5, 6);
static void
loader_reportf(struct unit_loader *l, const char *file, unsigned line, bool error, const char *fmt, ...)
{
        char message[PATH_MAX + 512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(message, sizeof(message), fmt, ap);
        va_end(ap);
        loader_report(l, file, line, error, message);
}

static void loader_report_diagnostics(struct unit_loader *l, struct unit_diagnostics *d)
{
        for (size_t i = 0; i < d->n; i++)
                loader_report(l, d->items[i].file, d->items[i].line, d->items[i].error, d->items[i].message);
        unit_diagnostics_done(d);
}

static struct loaded_unit *loader_find(struct unit_loader *l, const char *name)
{
        for (size_t i = 0; i < l->n_units; i++) {
                if (l->units[i].config && strcmp(l->units[i].config->name, name) == 0)
                        return &l->units[i];
                for (char **a = l->units[i].aliases; a && *a; a++)
                        if (strcmp(*a, name) == 0)
                                return &l->units[i];
        }
        return NULL;
}

static int loader_search_with(struct unit_loader *l, const char *dir, char ***ret)
{
        return unit_search_path_insert(l->search, strv_length(l->extra), dir, ret);
}

/* Reads one file into c; problems are diagnostics (-EINVAL), -ENOMEM is returned. */
static int loader_parse_file(
        struct unit_loader *l, struct unit_config *c, const char *path, struct unit_diagnostics *diags)
{
        _cleanup_free_ char *text = NULL;
        unsigned nul_line = 0;
        int r = unit_read_file(path, &text, &nul_line);

        if (r == -ENOMEM)
                return r;
        if (r == -EBADMSG)
                return unit_diag_add(
                               diags, path, nul_line, true,
                               "a NUL byte inside the unit file (it would silently cut the line)") < 0
                               ? -ENOMEM
                               : -EINVAL;
        if (r < 0)
                return unit_diag_add(diags, path, 0, true, "cannot read unit file: %s", unit_read_error(r)) <
                                       0
                               ? -ENOMEM
                               : -EINVAL;
        return unit_file_parse_into(c, path, text, &l->specifiers, l->strict, diags);
}

static int loader_add(struct unit_loader *l, const char *path, char **aliases, struct unit_config *config)
{
        struct loaded_unit *units = realloc(l->units, (l->n_units + 1) * sizeof(*units));

        if (!units) {
                unit_config_free(config);
                strv_free(aliases);
                return -ENOMEM;
        }
        l->units = units;
        l->units[l->n_units] =
                (struct loaded_unit){ .path = strdup(path), .aliases = aliases, .config = config };
        if (!l->units[l->n_units].path) {
                unit_config_free(config);
                strv_free(aliases);
                return -ENOMEM;
        }
        l->n_units++;
        return 0;
}

/* What is wrong with a dependency or a given name, said where it was named. */
struct loader_origin {
        const char *file; /* NULL: the given name itself */
        unsigned line;
        const char *key; /* "Requires", or NULL for a given name */
        bool required;
};

/* Loads name (a unit name, or a path). Problems are diagnostics; only -ENOMEM is returned. */
static int loader_load(
        struct unit_loader *l, const char *name, const char *from_dir, char *const *assignments,
        const struct loader_origin *origin)
{
        _cleanup_strv_free_ char **find_search = NULL, **search = NULL, **dropins = NULL, **aliases = NULL;
        _cleanup_free_ char *bad_dir = NULL, *dir_copy = NULL, *origin_name = NULL;
        struct unit_diagnostics diags = {};
        struct unit_found found = {};
        struct unit_config *config = NULL;
        struct loaded_unit *known;
        const char *reason = NULL, *dir;
        int r;

        if (loader_find(l, name) && origin->key)
                return 0;
        r = loader_search_with(l, from_dir, &find_search);
        if (r < 0)
                return r;
        r = unit_search_find(find_search, name, &found, &reason);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                const char *what = reason ? reason : r == -ENOENT ? "no such unit" : strerror(-r);

                if (!origin->key && r == -ENOENT && strchr(name, '/'))
                        what = "cannot read unit file: No such file or directory";
                if (origin->key)
                        loader_reportf(
                                l, origin->file, origin->line, origin->required, "%s=%s: %s%s", origin->key,
                                name, what,
                                r == -ENOENT ? " (looked in the naming unit's directory and the unit "
                                               "search path)"
                                             : "");
                else
                        loader_reportf(
                                l, name, 0, true, "%s%s", what,
                                r == -ENOENT && !strchr(name, '/')
                                        ? " on the unit search path (see --unit-path)"
                                        : "");
                return 0;
        }
        known = loader_find(l, found.name);
        if (known) {
                if (!origin->key)
                        loader_reportf(l, found.path, 0, true, "a unit named %s is given twice", found.name);
                for (char **a = found.aliases; a && *a; a++)
                        if (!loader_find(l, *a) && strv_push(&known->aliases, *a) < 0)
                                r = -ENOMEM;
                unit_found_done(&found);
                return r;
        }

        dir_copy = strdup(found.path);
        config = unit_config_new_for_file(found.name);
        if (!dir_copy || !config || !(config->path = strdup(found.path))) {
                r = -ENOMEM;
                goto out;
        }
        dir = dirname(dir_copy);
        r = loader_parse_file(l, config, found.path, &diags);
        if (r == -ENOMEM)
                goto out;
        if (r >= 0 || r == -EINVAL) {
                int k = loader_search_with(l, dir, &search);

                if (k >= 0)
                        k = unit_dropins_find(search, found.name, found.aliases, &dropins, &bad_dir);
                if (k == -ENOMEM) {
                        r = k;
                        goto out;
                }
                if (k < 0) {
                        if (unit_diag_add(
                                    &diags, bad_dir ? bad_dir : found.path, 0, true,
                                    "cannot read the drop-in directory: %s", strerror(-k)) < 0) {
                                r = -ENOMEM;
                                goto out;
                        }
                        r = -EINVAL;
                }
                for (char **d = dropins; d && *d; d++) {
                        k = loader_parse_file(l, config, *d, &diags);
                        if (k == -ENOMEM) {
                                r = k;
                                goto out;
                        }
                        if (k < 0)
                                r = k;
                }
        }
        if (asprintf(&origin_name, "%s (command line)", found.name) < 0) {
                origin_name = NULL;
                r = -ENOMEM;
                goto out;
        }
        for (char *const *a = assignments; a && *a; a++) {
                _cleanup_free_ char *key = strndup(*a, strcspn(*a, "="));
                int k = key ? unit_config_assign(
                                      config, key, (*a)[strlen(key)] ? *a + strlen(key) + 1 : "",
                                      &l->specifiers, origin_name, &diags)
                            : -ENOMEM;

                if (k == -ENOMEM) {
                        r = k;
                        goto out;
                }
                if (k < 0)
                        r = k;
        }
        if (r >= 0)
                r = unit_config_expand(config, environ, &l->specifiers, &diags);
        if (r >= 0)
                r = unit_config_verify(config, &diags);
        if (r >= 0 && l->list_not_applied && config->not_applied) {
                _cleanup_free_ char *list = strv_join(config->not_applied, "=, ");

                if (!list ||
                    unit_diag_add(
                            &diags, found.path, 0, false,
                            "accepted, not applied in a run: %s= (see unitrun.unit(5))", list) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        /* What systemd accepts and a run cannot do: verify warns, a run refuses, starting nothing. */
        if (r >= 0 && (config->refused_at_start.message || config->exec_start.n == 0)) {
                bool run = !l->list_not_applied;
                int k = config->refused_at_start.message
                                ? unit_diag_add(
                                          &diags,
                                          config->refused_at_start.line ? config->refused_at_start.file
                                                                        : found.path,
                                          config->refused_at_start.line, run, "%s%s",
                                          config->refused_at_start.message, run ? "" : "; a run refuses it")
                                : unit_diag_add(
                                          &diags, found.path, 0, run,
                                          "ExecStart= is missing: SuccessAction= is not applied in a run, "
                                          "so "
                                          "there is nothing to run%s",
                                          run ? "" : "; a run refuses it");

                if (k < 0) {
                        r = -ENOMEM;
                        goto out;
                }
                if (run)
                        r = -EINVAL;
        }
        /* systemd calls a simple/exec service ready at exec; a test that connects right then
         * races the daemon's listen(). Said once, at load, for a run (verify lists keys). */
        if (r >= 0 && !l->list_not_applied && unit_config_races(config) &&
            unit_diag_add(
                    &diags, found.path, 0, false,
                    "Type=%s has no readiness condition: it counts as ready at exec, and COMMAND may "
                    "race it (connect before it listens); add one with a drop-in, e.g. "
                    "DIR/%s.d/ready.conf with [X-Ready] TCP=HOST:PORT and --unit-path DIR (or "
                    "--ready-tcp HOST:PORT after the unit)",
                    config->type == UR_TYPE_EXEC ? "exec" : "simple", found.name) < 0) {
                r = -ENOMEM;
                goto out;
        }
        loader_report_diagnostics(l, &diags);
        if (r == -ENOMEM)
                goto out;
        if (r < 0) {
                /* Keep a name-only entry so that dependencies on it are not reported twice. */
                unit_config_free(config);
                config = unit_config_new_for_file(found.name);
                if (!config) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        aliases = TAKE_PTR(found.aliases);
        r = loader_add(l, found.path, TAKE_PTR(aliases), TAKE_PTR(config));
out:
        unit_diagnostics_done(&diags);
        unit_config_free(config);
        unit_found_done(&found);
        return r == -ENOMEM ? r : 0;
}

/* Requires=, BindsTo=, Requisite= and Wants= pull in the units they name. */
static int loader_follow(struct unit_loader *l, size_t index)
{
        _cleanup_free_ char *dir_copy = strdup(l->units[index].path);
        const struct unit_config *c = l->units[index].config;

        if (!dir_copy)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_dep_locations; i++) {
                const struct unit_dep_location *d = &c->dep_locations[i];
                bool wants = strcmp(d->key, "Wants") == 0;
                struct loader_origin origin = {
                        .file = d->file < strv_length(c->files) ? c->files[d->file] : l->units[index].path,
                        .line = d->line,
                        .key = d->key,
                        /* A missing Wants= is not fatal in systemd either. */
                        .required = !wants,
                };
                int r;

                if (!wants && strcmp(d->key, "Requires") != 0 && strcmp(d->key, "BindsTo") != 0 &&
                    strcmp(d->key, "Requisite") != 0)
                        continue;
                /* The loop below may move l->units: nothing of it is used after this call. */
                r = loader_load(l, d->name, dirname(dir_copy), NULL, &origin);
                if (r < 0)
                        return r;
                c = l->units[index].config;
                free(dir_copy);
                dir_copy = strdup(l->units[index].path);
                if (!dir_copy)
                        return -ENOMEM;
        }
        return 0;
}

static unsigned unit_command_flags(const struct unit_command *c)
{
        return (c->ignore_failure ? UR_COMMAND_IGNORE_FAILURE : 0) |
               (c->no_env_expand ? UR_COMMAND_NO_ENV_EXPAND : 0) | (c->argv0 ? UR_COMMAND_ARGV0 : 0) |
               (c->privileged ? UR_COMMAND_PRIVILEGED : 0) | (c->no_setuid ? UR_COMMAND_NO_SETUID : 0);
}

int unit_config_to_executor(ur_context *ctx, const struct unit_config *c, ur_executor **ret)
{
        static const struct {
                size_t offset;
                ur_command_kind kind;
        } command_kinds[] = {
                { offsetof(struct unit_config, exec_start_pre), UR_EXEC_START_PRE },
                { offsetof(struct unit_config, exec_start_post), UR_EXEC_START_POST },
                { offsetof(struct unit_config, exec_stop), UR_EXEC_STOP },
                { offsetof(struct unit_config, exec_stop_post), UR_EXEC_STOP_POST },
                { offsetof(struct unit_config, exec_condition), UR_EXEC_CONDITION },
        };
        /* No ExecStart= gets here only from verify (SuccessAction=; a run refuses it at load),
         * whose executors serve the dependency checks: a placeholder command is enough. */
        const struct unit_command placeholder = { .line = (char *) "/bin/true" };
        const struct unit_command *main_cmd = c->exec_start.n > 0 ? &c->exec_start.items[0] : &placeholder;
        ur_executor *e = NULL;
        int r;

#define TRY(expr)                                                                                           \
        do {                                                                                                \
                r = (expr);                                                                                 \
                if (r < 0)                                                                                  \
                        goto fail;                                                                          \
        } while (0)

        r = ur_executor_new_cmdline(ctx, c->name, main_cmd->line, unit_command_flags(main_cmd), &e);
        if (r < 0)
                return r;
        TRY(ur_executor_set_type(e, c->type));
        for (size_t i = 1; i < c->exec_start.n; i++)
                TRY(ur_executor_add_command(
                        e, UR_EXEC_START, c->exec_start.items[i].line,
                        unit_command_flags(&c->exec_start.items[i])));
        for (size_t k = 0; k < ELEMENTSOF(command_kinds); k++) {
                const struct unit_commands *list =
                        (const void *) ((const char *) c + command_kinds[k].offset);
                for (size_t i = 0; i < list->n; i++)
                        TRY(ur_executor_add_command(
                                e, command_kinds[k].kind, list->items[i].line,
                                unit_command_flags(&list->items[i])));
        }
        for (char **a = c->environment; a && *a; a++) {
                _cleanup_free_ char *name = strndup(*a, strcspn(*a, "="));
                if (!name)
                        TRY(-ENOMEM);
                TRY(ur_executor_set_env(e, name, *a + strlen(name) + 1));
        }
        for (char **n = c->unset_environment; n && *n; n++)
                TRY(ur_executor_add_unset_environment(e, *n));
        for (size_t i = 0; i < c->n_environment_files; i++)
                TRY(ur_executor_add_environment_file(
                        e, c->environment_files[i].path, c->environment_files[i].optional));
        /* User=, WorkingDirectory=, Limit*=, StandardInput=, ... */
        TRY(unit_process_to_executor(e, c));
        TRY(ur_executor_set_start_timeout(e, c->timeout_start_usec));
        TRY(ur_executor_set_stop_timeout(e, c->timeout_stop_usec));
        TRY(ur_executor_set_kill_signal(e, c->kill_signal));
        TRY(ur_executor_set_final_kill_signal(e, c->final_kill_signal));
        TRY(ur_executor_set_kill_mode(e, c->kill_mode));
        TRY(ur_executor_set_send_sigkill(e, c->send_sigkill));
        for (size_t i = 0; i < c->n_success_statuses; i++)
                TRY(ur_executor_add_success_status(e, c->success_statuses[i]));
        for (size_t i = 0; i < c->n_success_signals; i++)
                TRY(ur_executor_add_success_signal(e, c->success_signals[i]));
        if (c->pid_file)
                TRY(ur_executor_set_pid_file(e, c->pid_file));
        TRY(ur_executor_set_remain_after_exit(e, c->remain_after_exit));
        TRY(ur_executor_set_private_tmp(e, c->private_tmp));
        TRY(ur_executor_set_private_network(e, c->private_network));
        for (char **n = c->joins_namespace_of; n && *n; n++)
                TRY(ur_executor_add_joins_namespace_of(e, *n));
        TRY(ur_executor_set_guess_main_pid(e, c->guess_main_pid));
        TRY(ur_executor_set_exit_type(e, c->exit_type));
        TRY(ur_executor_set_restart(e, c->restart, c->restart_usec));
        /* StartLimitIntervalSec=0 turns the limit off, as a burst of 0 does. */
        TRY(ur_executor_set_start_limit(
                e, c->start_limit_interval_usec, c->start_limit_interval_usec ? c->start_limit_burst : 0));
        for (size_t i = 0; i < c->n_restart_prevent_statuses; i++)
                TRY(ur_executor_add_restart_prevent_status(e, c->restart_prevent_statuses[i]));
        for (size_t i = 0; i < c->n_restart_prevent_signals; i++)
                TRY(ur_executor_add_restart_prevent_signal(e, c->restart_prevent_signals[i]));
        for (size_t i = 0; i < c->n_conditions; i++)
                TRY(ur_executor_add_condition(
                        e, c->conditions[i].kind, c->conditions[i].value, c->conditions[i].flags));
        if (c->notify_access_set)
                TRY(ur_executor_set_notify_access(e, c->notify_access));
        for (char **d = c->runtime_directories; d && *d; d++)
                TRY(ur_executor_add_runtime_directory(e, *d));
        TRY(ur_executor_set_stdio(e, UR_STDOUT, c->standard_output.mode, c->standard_output.path));
        TRY(ur_executor_set_stdio(e, UR_STDERR, c->standard_error.mode, c->standard_error.path));

        for (char **a = c->ready_tcp; a && *a; a++)
                TRY(ur_executor_add_ready_tcp(e, *a));
        for (char **a = c->ready_unix; a && *a; a++)
                TRY(ur_executor_add_ready_unix(e, *a));
        for (char **a = c->ready_file; a && *a; a++)
                TRY(ur_executor_add_ready_file(e, *a));
        for (char **a = c->ready_listen; a && *a; a++)
                TRY(ur_executor_add_ready_listen(e, *a));
        for (char **a = c->ready_output; a && *a; a++)
                TRY(ur_executor_add_ready_output(e, *a, c->output_stream));
        for (char **a = c->ready_http; a && *a; a++) {
                ur_http_check check = {
                        .url = *a,
                        .method = c->http_method,
                        .status_regex = c->http_status,
                        .headers = (const char *const *) c->http_headers,
                        .body = c->http_body,
                        .unix_socket = c->http_unix_socket,
                        .insecure = c->http_insecure,
                };
                TRY(ur_executor_add_ready_http(e, &check));
        }
        TRY(ur_executor_set_ready_interval(e, c->interval_usec));
        TRY(ur_executor_set_refuse_if_ready(e, c->refuse_if_ready));
#undef TRY
        *ret = e;
        return 0;
fail:
        ur_executor_free(e);
        return r;
}

/* Wires Requires=/Wants=/After=/Before= between the executors just made. */
static int loader_link(struct unit_loader *l)
{
        for (size_t i = 0; i < l->n_units; i++) {
                const struct unit_config *c = l->units[i].config;
                ur_executor *e = l->units[i].executor;
                struct {
                        char *const *names;
                        unsigned flags;
                        bool reverse;
                } lists[] = {
                        { c->requires, UR_DEP_REQUIRES, false },
                        { c->wants, UR_DEP_WANTS, false },
                        { c->after, UR_DEP_AFTER, false },
                        { c->before, UR_DEP_AFTER, true },
                };

                for (size_t k = 0; k < ELEMENTSOF(lists); k++)
                        for (char *const *n = lists[k].names; n && *n; n++) {
                                struct loaded_unit *other = loader_find(l, *n);
                                int r;

                                if (!other || other->executor == e)
                                        continue; /* ordering against a unit not in this run */
                                r = lists[k].reverse
                                            ? ur_executor_add_dependency(other->executor, e, lists[k].flags)
                                            : ur_executor_add_dependency(e, other->executor, lists[k].flags);
                                if (r < 0)
                                        return r;
                        }
        }
        return 0;
}

/* JoinsNamespaceOf=: what systemd does (nothing started, no ordering, no effect unless
 * both units ask for the same namespace), said where it would surprise: a unit named that
 * is not loaded with this one, and a pair with no PrivateNetwork=/PrivateTmp= in common. */
static void loader_check_joins(struct unit_loader *l)
{
        for (size_t i = 0; i < l->n_units; i++) {
                const struct unit_config *c = l->units[i].config;

                for (size_t k = 0; k < c->n_dep_locations; k++) {
                        const struct unit_dep_location *d = &c->dep_locations[k];
                        const char *file =
                                d->file < strv_length(c->files) ? c->files[d->file] : l->units[i].path;
                        const struct loaded_unit *other;
                        const struct unit_config *o;

                        if (strcmp(d->key, "JoinsNamespaceOf") != 0 || strcmp(d->name, c->name) == 0)
                                continue; /* itself: unit-verify.c says so */
                        other = loader_find(l, d->name);
                        if (!other) {
                                loader_reportf(
                                        l, file, d->line, false,
                                        "JoinsNamespaceOf=%s: %s is not part of this run (JoinsNamespaceOf= "
                                        "does not start it), so there is no namespace of it to join: "
                                        "%s gets its own, as in systemd",
                                        d->name, d->name, c->name);
                                continue;
                        }
                        o = other->config;
                        if (!(c->private_network && o->private_network) &&
                            !(c->private_tmp && o->private_tmp))
                                loader_reportf(
                                        l, file, d->line, false,
                                        "JoinsNamespaceOf=%s has no effect: only what both units turn on "
                                        "is shared (PrivateNetwork=%s/%s, PrivateTmp=%s/%s here/there)",
                                        d->name, c->private_network ? "yes" : "no",
                                        o->private_network ? "yes" : "no", c->private_tmp ? "yes" : "no",
                                        o->private_tmp ? "yes" : "no");
                }
        }
}

int ur_context_load_units(
        ur_context *ctx, char *const *names, unsigned flags, ur_diagnostic_fn diagnostic, void *userdata,
        ur_executor ***ret_executors, size_t *ret_n)
{
        return ur_context_load_units_with(
                ctx, names, NULL, flags, diagnostic, userdata, ret_executors, ret_n);
}

/* The run's %S %C %L directories exist before anything runs, as /var/lib does on a host. */
static int loader_make_dirs(struct unit_loader *l)
{
        const char *dirs[3];
        int r = unit_specifiers_load(&l->specifiers, 'S');

        if (r < 0)
                return r;
        dirs[0] = l->specifiers.state_dir;
        dirs[1] = l->specifiers.cache_dir;
        dirs[2] = l->specifiers.logs_dir;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (dirs[i] && mkdir(dirs[i], 0755) < 0 && errno != EEXIST)
                        return -errno;
        return 0;
}

int ur_context_load_units_with(
        ur_context *ctx, char *const *names, const ur_load_options *options, unsigned flags,
        ur_diagnostic_fn diagnostic, void *userdata, ur_executor ***ret_executors, size_t *ret_n)
{
        struct unit_loader l = {
                .ctx = ctx,
                .strict = flags & UR_LOAD_STRICT,
                .list_not_applied = flags & UR_LOAD_LIST_NOT_APPLIED,
                .diagnostic = diagnostic,
                .userdata = userdata,
                .extra = options ? options->unit_path : NULL,
        };
        _cleanup_free_ char *cycle = NULL;
        ur_executor **executors = NULL;
        int r = 0;

        r = unit_specifiers_init(ctx, &l.specifiers);
        if (r < 0)
                return r;
        r = unit_search_path_default(l.extra, &l.search);
        for (size_t i = 0; names && names[i] && r >= 0; i++) {
                const struct loader_origin origin = { .required = true };

                r = loader_load(
                        &l, names[i], NULL, options && options->assignments ? options->assignments[i] : NULL,
                        &origin);
        }
        /* The list grows while we walk it: dependencies of dependencies. */
        for (size_t i = 0; i < l.n_units && r >= 0; i++)
                r = loader_follow(&l, i);
        if (r < 0 || l.errors > 0)
                goto out;
        loader_check_joins(&l);

        for (size_t i = 0; i < l.n_units && r >= 0; i++) {
                r = unit_config_to_executor(ctx, l.units[i].config, &l.units[i].executor);
                if (r == -EEXIST) {
                        char message[512];
                        snprintf(
                                message, sizeof(message), "a unit named %s exists already",
                                l.units[i].config->name);
                        loader_report(&l, l.units[i].path, 0, true, message);
                }
        }
        if (r >= 0)
                r = loader_link(&l);
        if (r >= 0 && l.errors == 0)
                r = loader_make_dirs(&l);
        if (r >= 0 && ur_context_check_cycles(ctx, &cycle) == -ELOOP) {
                char message[4096];
                snprintf(message, sizeof(message), "ordering cycle: %s", cycle ? cycle : "?");
                loader_report(&l, l.units[0].path, 0, true, message);
        }
        if (r >= 0 && l.errors == 0 && ret_executors) {
                executors = calloc(l.n_units + 1, sizeof(*executors));
                if (!executors)
                        r = -ENOMEM;
                for (size_t i = 0; executors && i < l.n_units; i++)
                        executors[i] = l.units[i].executor;
        }
out:
        if (r < 0 || l.errors > 0)
                for (size_t i = 0; i < l.n_units; i++)
                        ur_executor_free(l.units[i].executor);
        else if (ret_executors) {
                *ret_executors = executors;
                *ret_n = l.n_units;
        }
        for (size_t i = 0; i < l.n_units; i++) {
                free(l.units[i].path);
                strv_free(l.units[i].aliases);
                unit_config_free(l.units[i].config);
        }
        free(l.units);
        strv_free(l.search);
        unit_specifiers_done(&l.specifiers);
        if (r < 0)
                return r;
        return l.errors > 0 ? -EINVAL : 0;
}

/* One unit from assignments, for units made without a file (the CLI's --exec). The same
 * steps as a file's: each key through the key table, then the check of the whole unit,
 * and only then an executor. */
int ur_context_add_unit(
        ur_context *ctx, const char *name, const char *origin, const char *const *assignments,
        ur_diagnostic_fn diagnostic, void *userdata, ur_executor **ret)
{
        struct unit_loader l = {
                .ctx = ctx,
                .diagnostic = diagnostic,
                .userdata = userdata,
        };
        struct unit_diagnostics diags = {};
        struct unit_config *c;
        int r = 0;

        if (!ctx || !name || !ret)
                return -EINVAL;
        origin = origin ?: name;
        c = unit_config_new(name);
        if (!c)
                return -ENOMEM;
        if (unit_specifiers_init(ctx, &l.specifiers) < 0) {
                unit_config_free(c);
                return -ENOMEM;
        }
        for (const char *const *a = assignments; r >= 0 && a && *a; a++) {
                _cleanup_free_ char *key = strndup(*a, strcspn(*a, "="));

                if (!key)
                        r = -ENOMEM;
                else if (!(*a)[strlen(key)]) {
                        char message[512];

                        snprintf(message, sizeof(message), "'%s': expected KEY=VALUE", *a);
                        loader_report(&l, origin, 0, true, message);
                        r = -EINVAL;
                } else
                        r = unit_config_assign(c, key, *a + strlen(key) + 1, &l.specifiers, origin, &diags);
        }
        if (r >= 0)
                r = unit_config_expand(c, environ, &l.specifiers, &diags);
        if (r >= 0)
                r = unit_config_verify(c, &diags);
        loader_report_diagnostics(&l, &diags);
        if (r >= 0) {
                r = unit_config_to_executor(ctx, c, ret);
                if (r == -EINVAL) {
                        /* The keys were checked: what is left is the name (see ur_executor_new()). */
                        char message[512];

                        snprintf(
                                message, sizeof(message),
                                "invalid unit name '%s' (empty, with '/', starting with '.' or longer than "
                                "200 bytes)",
                                name);
                        loader_report(&l, origin, 0, true, message);
                }
        }
        unit_specifiers_done(&l.specifiers);
        unit_config_free(c);
        return r;
}

/* `systemctl cat`: each file after a "# PATH" header, a blank line between files. */
static int unit_cat_append(char **text, size_t *len, const char *path, char **ret_error)
{
        _cleanup_free_ char *body = NULL;
        unsigned nul_line = 0;
        size_t bl;
        char *grown;
        int r = unit_read_file(path, &body, &nul_line);

        if (r < 0) {
                if (r == -EBADMSG)
                        r = asprintf(ret_error, "%s:%u: %s", path, nul_line, unit_read_error(-EBADMSG)) < 0
                                    ? -ENOMEM
                                    : -EBADMSG;
                else if (r != -ENOMEM)
                        r = asprintf(ret_error, "%s: cannot read: %s", path, unit_read_error(r)) < 0
                                    ? -ENOMEM
                                    : r;
                return r;
        }
        bl = strlen(body);
        grown = realloc(*text, *len + strlen(path) + bl + 8);
        if (!grown)
                return -ENOMEM;
        *text = grown;
        *len += (size_t) sprintf(
                *text + *len, "%s# %s\n%s%s", *len ? "\n" : "", path, body,
                bl && body[bl - 1] != '\n' ? "\n" : "");
        return 0;
}

int ur_unit_cat(const char *name, char *const *unit_path, char **ret_text, char **ret_error)
{
        _cleanup_strv_free_ char **search = NULL, **with = NULL, **dropins = NULL;
        _cleanup_free_ char *dir = NULL, *bad = NULL, *text = NULL;
        struct unit_found found = {};
        const char *reason = NULL;
        size_t len = 0;
        int r;

        if (!name || !ret_text || !ret_error)
                return -EINVAL;
        *ret_error = NULL;
        if (unit_search_path_default(unit_path, &search) < 0)
                return -ENOMEM;
        r = unit_search_find(search, name, &found, &reason);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return asprintf(
                               ret_error, "%s: %s", name,
                               reason         ? reason
                               : r == -ENOENT ? "no such unit on the unit search path (see --unit-path)"
                                              : strerror(-r)) < 0
                               ? -ENOMEM
                               : r;
        dir = strdup(found.path);
        if (!dir || unit_search_path_insert(search, strv_length(unit_path), dirname(dir), &with) < 0) {
                unit_found_done(&found);
                return -ENOMEM;
        }
        r = unit_dropins_find(with, found.name, found.aliases, &dropins, &bad);
        if (r < 0) {
                if (r != -ENOMEM && asprintf(
                                            ret_error, "%s: cannot read the drop-in directory: %s",
                                            bad ? bad : found.name, strerror(-r)) < 0)
                        r = -ENOMEM;
                unit_found_done(&found);
                return r;
        }
        r = unit_cat_append(&text, &len, found.path, ret_error);
        for (char **d = dropins; r >= 0 && d && *d; d++)
                r = unit_cat_append(&text, &len, *d, ret_error);
        unit_found_done(&found);
        if (r < 0)
                return r;
        *ret_text = TAKE_PTR(text);
        return 0;
}

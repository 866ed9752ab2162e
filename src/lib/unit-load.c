/* Loading unit files into executors: read and parse each file given, follow Requires= and
 * Wants= to units in the same directory, check everything (keys, values, dependencies,
 * cycles), and only then create the executors with their dependencies. Nothing is created
 * when any file has an error. */
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>

#include "internal.h"
#include "macro.h"
#include "proc.h"
#include "strv.h"
#include "unit-file.h"

struct loaded_unit {
        char *path;
        struct unit_config *config;
        ur_executor *executor;
};

struct unit_loader {
        ur_context *ctx;
        bool strict;
        ur_diagnostic_fn diagnostic;
        void *userdata;
        struct unit_specifiers specifiers;
        char uid[32];
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

static void loader_report_diagnostics(struct unit_loader *l, struct unit_diagnostics *d)
{
        for (size_t i = 0; i < d->n; i++)
                loader_report(l, d->items[i].file, d->items[i].line, d->items[i].error, d->items[i].message);
        unit_diagnostics_done(d);
}

static struct loaded_unit *loader_find(struct unit_loader *l, const char *name)
{
        for (size_t i = 0; i < l->n_units; i++)
                if (l->units[i].config && strcmp(l->units[i].config->name, name) == 0)
                        return &l->units[i];
        return NULL;
}

static int loader_load_file(struct unit_loader *l, const char *path)
{
        struct unit_diagnostics diags = {};
        _cleanup_free_ char *text = NULL, *copy = strdup(path);
        struct unit_config *config = NULL;
        struct loaded_unit *units;
        const char *name;
        char message[PATH_MAX + 128];
        int r;

        if (!copy)
                return -ENOMEM;
        name = basename(copy);
        if (loader_find(l, name)) {
                snprintf(message, sizeof(message), "a unit named %s is given twice", name);
                loader_report(l, path, 0, true, message);
                return 0;
        }
        r = read_full_file(path, &text);
        if (r < 0) {
                snprintf(message, sizeof(message), "cannot read unit file: %s", strerror(-r));
                loader_report(l, path, 0, true, message);
                return 0;
        }
        r = unit_file_parse(path, name, text, &l->specifiers, l->strict, &config, &diags);
        if (r >= 0)
                r = unit_config_verify(config, &diags);
        loader_report_diagnostics(l, &diags);
        if (r == -ENOMEM) {
                unit_config_free(config);
                return r;
        }
        if (r < 0) {
                /* Keep a name-only entry so that dependencies on it are not reported twice. */
                unit_config_free(config);
                config = unit_config_new(name);
                if (!config)
                        return -ENOMEM;
        }
        units = realloc(l->units, (l->n_units + 1) * sizeof(*units));
        if (!units) {
                unit_config_free(config);
                return -ENOMEM;
        }
        l->units = units;
        l->units[l->n_units] = (struct loaded_unit){ .path = strdup(path), .config = config };
        if (!l->units[l->n_units].path) {
                unit_config_free(config);
                return -ENOMEM;
        }
        l->n_units++;
        return 0;
}

/* Requires= and Wants= pull in units from the directory of the unit naming them. */
static int loader_follow(struct unit_loader *l, size_t index)
{
        char *const *lists[2] = { l->units[index].config->requires, l->units[index].config->wants };

        for (int k = 0; k < 2; k++)
                for (char *const *n = lists[k]; n && *n; n++) {
                        _cleanup_free_ char *dir_copy = NULL;
                        char path[PATH_MAX], message[PATH_MAX + 128];
                        struct stat st;
                        int r;

                        if (loader_find(l, *n))
                                continue;
                        dir_copy = strdup(l->units[index].path);
                        if (!dir_copy)
                                return -ENOMEM;
                        snprintf(path, sizeof(path), "%s/%s", dirname(dir_copy), *n);
                        if (stat(path, &st) < 0) {
                                snprintf(
                                        message, sizeof(message), "%s=%s: no such unit file (looked for %s)",
                                        k == 0 ? "Requires" : "Wants", *n, path);
                                /* A missing Wants= is not fatal in systemd either. */
                                loader_report(l, l->units[index].path, 0, k == 0, message);
                                continue;
                        }
                        r = loader_load_file(l, path);
                        if (r < 0)
                                return r;
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
        };
        const struct unit_command *main_cmd = &c->exec_start.items[0];
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

void unit_specifiers_init(ur_context *ctx, struct unit_specifiers *ret, char uid_buf[static 32])
{
        struct passwd *pw = getpwuid(geteuid());

        snprintf(uid_buf, 32, "%u", (unsigned) geteuid());
        *ret = (struct unit_specifiers){
                .runtime_dir = ur_context_get_runtime_dir(ctx),
                .tmp_dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
                .home = getenv("HOME") ? getenv("HOME")
                        : pw           ? pw->pw_dir
                                       : NULL,
                .user = pw ? pw->pw_name : NULL,
                .uid = uid_buf,
        };
}

int ur_context_load_units(
        ur_context *ctx, char *const *paths, unsigned flags, ur_diagnostic_fn diagnostic, void *userdata,
        ur_executor ***ret_executors, size_t *ret_n)
{
        struct unit_loader l = {
                .ctx = ctx,
                .strict = flags & UR_LOAD_STRICT,
                .diagnostic = diagnostic,
                .userdata = userdata,
        };
        _cleanup_free_ char *cycle = NULL;
        ur_executor **executors = NULL;
        int r = 0;

        unit_specifiers_init(ctx, &l.specifiers, l.uid);
        for (char *const *p = paths; p && *p && r >= 0; p++)
                r = loader_load_file(&l, *p);
        /* The list grows while we walk it: dependencies of dependencies. */
        for (size_t i = 0; i < l.n_units && r >= 0; i++)
                r = loader_follow(&l, i);
        if (r < 0 || l.errors > 0)
                goto out;

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
                unit_config_free(l.units[i].config);
        }
        free(l.units);
        if (r < 0)
                return r;
        return l.errors > 0 ? -EINVAL : 0;
}

/* The keys of [Unit] and [Service]: the table every assignment is looked up in, the
 * defaults and the config's lifetime (this file knows every field), and one value parser
 * per kind of value. Each parser builds the new value completely before it touches the
 * config, so a refused assignment (or -ENOMEM) leaves the config as it was; that is what
 * lets `-p KEY=VALUE` be retried or reported cleanly.
 * Command lines (Exec*=) have their own file, unit-exec.c. */

#include <ctype.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cmdline.h"
#include "executor-defaults.h"
#include "macro.h"
#include "signal-name.h"
#include "strv.h"
#include "timespan.h"
#include "unit-file-internal.h"
#include "unit-file.h"
#include "unit-name.h"
#include "unit-process-keys.h"

/* systemd's UNIT_NAME_MAX. */
#define UNIT_NAME_MAX 255

void unit_config_set_defaults(struct unit_config *c)
{
        c->type = EXECUTOR_DEFAULT_TYPE;
        c->timeout_start_usec = EXECUTOR_DEFAULT_START_TIMEOUT_USEC;
        c->timeout_stop_usec = EXECUTOR_DEFAULT_STOP_TIMEOUT_USEC;
        c->kill_signal = EXECUTOR_DEFAULT_KILL_SIGNAL;
        c->final_kill_signal = EXECUTOR_DEFAULT_FINAL_KILL_SIGNAL;
        c->kill_mode = EXECUTOR_DEFAULT_KILL_MODE;
        c->send_sigkill = EXECUTOR_DEFAULT_SEND_SIGKILL;
        c->notify_access = EXECUTOR_DEFAULT_NOTIFY_ACCESS;
        c->standard_output.mode = UR_STDIO_CAPTURE;
        c->standard_error.mode = UR_STDIO_CAPTURE;
        c->output_stream = UR_STDOUT_AND_STDERR;
        c->refuse_if_ready = EXECUTOR_DEFAULT_REFUSE_IF_READY;
        c->guess_main_pid = EXECUTOR_DEFAULT_GUESS_MAIN_PID;
        c->restart_usec = EXECUTOR_DEFAULT_RESTART_USEC;
        c->start_limit_interval_usec = EXECUTOR_DEFAULT_START_LIMIT_INTERVAL_USEC;
        c->start_limit_burst = EXECUTOR_DEFAULT_START_LIMIT_BURST;
}

/* ---- config lifetime ------------------------------------------------------------ */

struct unit_config *unit_config_new(const char *name)
{
        struct unit_config *c;

        if (!name)
                return NULL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        c->name = strdup(name);
        if (!c->name)
                return mfree(c);
        unit_config_set_defaults(c);
        return c;
}

/* A unit file's daemon gets systemd's DefaultTimeoutStopSec= (squid needs 30 s to shut down);
 * ad-hoc units keep the executor's shorter default. */
struct unit_config *unit_config_new_for_file(const char *name)
{
        struct unit_config *c = unit_config_new(name);

        if (c) {
                c->from_file = true;
                c->timeout_stop_usec = UNIT_FILE_DEFAULT_STOP_TIMEOUT_USEC;
        }
        return c;
}

struct unit_config *unit_config_free(struct unit_config *c)
{
        if (!c)
                return NULL;
        free(c->path);
        free(c->name);
        free(c->description);
        strv_free(c->requires);
        strv_free(c->wants);
        strv_free(c->after);
        strv_free(c->before);
        strv_free(c->joins_namespace_of);
        for (size_t i = 0; i < c->n_dep_locations; i++) {
                free(c->dep_locations[i].key);
                free(c->dep_locations[i].name);
        }
        free(c->dep_locations);
        strv_free(c->not_applied);
        strv_free(c->files);
        for (size_t i = 0; i < c->n_deferred; i++) {
                free(c->deferred[i].key);
                free(c->deferred[i].value);
        }
        free(c->deferred);
        unit_commands_done(&c->exec_start);
        unit_commands_done(&c->exec_start_pre);
        unit_commands_done(&c->exec_start_post);
        unit_commands_done(&c->exec_stop);
        unit_commands_done(&c->exec_stop_post);
        unit_commands_done(&c->exec_condition);
        unit_conditions_done(c);
        free(c->restart_prevent_statuses);
        free(c->restart_prevent_signals);
        strv_free(c->environment);
        for (size_t i = 0; i < c->n_environment_files; i++)
                free(c->environment_files[i].path);
        free(c->environment_files);
        strv_free(c->unset_environment);
        free(c->working_directory);
        free(c->success_statuses);
        free(c->success_signals);
        free(c->pid_file);
        strv_free(c->runtime_directories);
        unit_process_config_done(&c->process);
        free(c->standard_output.path);
        free(c->standard_error.path);
        unit_refusal_reset(c, c->refused_at_start.key);
        strv_free(c->ready_tcp);
        strv_free(c->ready_unix);
        strv_free(c->ready_http);
        strv_free(c->ready_output);
        strv_free(c->ready_file);
        strv_free(c->ready_listen);
        free(c->http_status);
        free(c->http_method);
        free(c->http_body);
        free(c->http_unix_socket);
        strv_free(c->http_headers);
        return mfree(c);
}

/* ---- [Unit] ---------------------------------------------------------------------- */

/* Why a dependency cannot name this unit, or NULL. */
static const char *unit_dep_problem(const char *name)
{
        const char *problem = unit_name_problem(name);

        if (problem)
                return problem;
        if (unit_name_kind(name) == UNIT_NAME_TEMPLATE)
                return "a template needs an instance (name@instance.service)";
        return NULL;
}

static int
unit_dep_location_add(struct unit_config *c, const char *key, const char *name, struct unit_parse_ctx *ctx)
{
        struct unit_dep_location *l;
        char *k = strdup(key), *n = strdup(name);

        l = k && n ? realloc(c->dep_locations, (c->n_dep_locations + 1) * sizeof(*l)) : NULL;
        if (!l) {
                free(k);
                free(n);
                return -ENOMEM;
        }
        c->dep_locations = l;
        l[c->n_dep_locations++] = (struct unit_dep_location){
                .key = k,
                .name = n,
                .file = ctx->file_index,
                .line = ctx->line,
        };
        return 0;
}

/* Requires=, Wants=, After=, Before=, BindsTo=, Requisite=, PartOf=. Names of other unit
 * types than services are checked and dropped: no such unit exists in a run, so the
 * dependency is satisfied at once. PartOf= (offset 0) keeps nothing: a run stops all its
 * units together anyway. */
static int unit_parse_unit_names(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        _cleanup_strv_free_ char **words = NULL, **list = NULL;
        char ***field = key->offset ? FIELD(c, key, char **) : NULL;
        int r;

        r = unit_split_words(ctx, key->name, value, &words);
        if (r < 0)
                return r;
        for (char **w = words; *w; w++) {
                const char *problem = unit_dep_problem(*w);

                if (problem)
                        return unit_key_error(ctx, "%s=%s: %s", key->name, *w, problem);
        }
        if (!field)
                return 0;
        list = strv_copy(*field);
        if (!list)
                return -ENOMEM;
        for (char **w = words; *w; w++) {
                bool seen = false;

                if (!unit_name_is_service(*w))
                        continue;
                for (char **s = list; *s; s++)
                        seen = seen || streq_ptr(*s, *w);
                if (!seen && strv_push(&list, *w) < 0)
                        return -ENOMEM;
                if (unit_dep_location_add(c, key->name, *w, ctx) < 0)
                        return -ENOMEM;
        }
        strv_free(*field);
        *field = TAKE_PTR(list);
        return 0;
}

/* An empty BindsTo= forgets what BindsTo= added to requires, not what Requires= did. */
static void unit_reset_unit_names(struct unit_config *c, const struct unit_key *key)
{
        char ***field = key->offset ? FIELD(c, key, char **) : NULL;
        size_t kept = 0;

        if (!field)
                return;
        for (size_t i = 0; i < c->n_dep_locations; i++) {
                struct unit_dep_location *l = &c->dep_locations[i];

                if (streq_ptr(l->key, key->name)) {
                        free(l->key);
                        free(l->name);
                } else
                        c->dep_locations[kept++] = *l;
        }
        c->n_dep_locations = kept;
        for (char **s = *field; s && *s;) {
                bool named = false;

                for (size_t i = 0; i < c->n_dep_locations; i++) {
                        const struct unit_dep_location *l = &c->dep_locations[i];
                        const struct unit_key *other = unit_key_lookup(l->key);

                        named = named || (other && other->offset == key->offset && streq_ptr(l->name, *s));
                }
                if (named) {
                        s++;
                        continue;
                }
                free(*s);
                memmove(s, s + 1, (strv_length(s + 1) + 1) * sizeof(*s));
        }
}

/* ---- [Service]: Type=, modes, signals, timeouts -------------------------------------- */

static int unit_parse_type(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        static const struct {
                const char *name;
                ur_type type;
        } types[] = {
                { "simple", UR_TYPE_SIMPLE },   { "exec", UR_TYPE_EXEC },       { "notify", UR_TYPE_NOTIFY },
                { "oneshot", UR_TYPE_ONESHOT }, { "forking", UR_TYPE_FORKING },
        };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (streq_ptr(value, types[i].name)) {
                        c->type = types[i].type;
                        c->type_forking = c->type == UR_TYPE_FORKING;
                        UNIT_MARK_LINE(c, ctx, type);
                        return 0;
                }
        /* Close enough to be mapped: idle only delays the start until the boot's jobs are
         * done, notify-reload (systemd 253) adds a reload protocol we never use. */
        if (streq_ptr(value, "idle") || streq_ptr(value, "notify-reload")) {
                bool idle = streq_ptr(value, "idle");

                /* idle is simple after a delay that only means something at boot: no warning. */
                r = idle ? 0 : unit_key_warn(ctx, "Type=%s is treated as Type=notify", value);
                if (r < 0)
                        return r;
                c->type = idle ? UR_TYPE_SIMPLE : UR_TYPE_NOTIFY;
                c->type_forking = false;
                UNIT_MARK_LINE(c, ctx, type);
                return 0;
        }
        if (streq_ptr(value, "dbus"))
                return unit_key_error(
                        ctx, "Type=dbus is not supported: there is no bus to watch; use Type=notify or an "
                             "[X-Ready] condition");
        return unit_key_error(
                ctx, "Type=%s: unknown type (expected simple, exec, notify, oneshot or forking)", value);
}

static void unit_reset_type(struct unit_config *c, const struct unit_key *key)
{
        c->type = UR_TYPE_SIMPLE;
        c->type_forking = false;
        c->lines.type = 0;
}

static int unit_parse_timespan(struct unit_parse_ctx *ctx, const char *key, const char *value, uint64_t *ret)
{
        uint64_t usec = 0;
        int r = timespan_parse(value, &usec);

        if (r == -ERANGE)
                return unit_key_error(ctx, "%s=%s: time span too large", key, value);
        if (r < 0)
                return unit_key_error(
                        ctx, "%s=%s: invalid time span (e.g. 90, 500ms, 1min 30s, infinity)", key, value);
        *ret = usec;
        return 0;
}

/* systemd reads 0 as "no timeout" for all three keys. */
static int unit_parse_timeout(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        uint64_t usec = 0;
        int r = unit_parse_timespan(ctx, key->name, value, &usec);

        if (r < 0)
                return r;
        if (usec == 0)
                usec = USEC_INFINITY;
        if (streq_ptr(key->name, "TimeoutSec"))
                c->timeout_start_usec = c->timeout_stop_usec = usec;
        else
                *FIELD(c, key, uint64_t) = usec;
        return 0;
}

static void unit_reset_timeout(struct unit_config *c, const struct unit_key *key)
{
        if (!streq_ptr(key->name, "TimeoutStopSec"))
                c->timeout_start_usec = EXECUTOR_DEFAULT_START_TIMEOUT_USEC;
        if (!streq_ptr(key->name, "TimeoutStartSec"))
                c->timeout_stop_usec = c->from_file ? UNIT_FILE_DEFAULT_STOP_TIMEOUT_USEC
                                                    : EXECUTOR_DEFAULT_STOP_TIMEOUT_USEC;
}

static int unit_parse_signal(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        int sig = signal_from_string(value);

        if (sig < 0)
                return unit_key_error(
                        ctx, "%s=%s: not a signal (e.g. SIGTERM, TERM, 15, SIGRTMIN+3)", key->name, value);
        *FIELD(c, key, int) = sig;
        return 0;
}

static void unit_reset_kill_signal(struct unit_config *c, const struct unit_key *key)
{
        *FIELD(c, key, int) = streq_ptr(key->name, "KillSignal") ? EXECUTOR_DEFAULT_KILL_SIGNAL
                                                                 : EXECUTOR_DEFAULT_FINAL_KILL_SIGNAL;
}

static int unit_parse_kill_mode(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        if (streq_ptr(value, "control-group"))
                c->kill_mode = UR_KILL_CONTROL_GROUP;
        else if (streq_ptr(value, "mixed"))
                c->kill_mode = UR_KILL_MIXED;
        else if (streq_ptr(value, "process"))
                c->kill_mode = UR_KILL_PROCESS;
        else if (streq_ptr(value, "none"))
                return unit_key_error(
                        ctx,
                        "KillMode=none is not supported: it would leave the unit's processes running after "
                        "the stop, and unitrun guarantees that nothing survives");
        else
                return unit_key_error(
                        ctx, "KillMode=%s: unknown mode (expected control-group, mixed or process)", value);
        return 0;
}

static void unit_reset_kill_mode(struct unit_config *c, const struct unit_key *key)
{
        c->kill_mode = EXECUTOR_DEFAULT_KILL_MODE;
}

/* "exec" only narrows "all" to the processes systemd itself started; every process of the
 * unit's cgroup is ours, so "all" is a safe superset. "none" would drop READY=1 and
 * STATUS=, which cannot be what a unit file for a launcher means. */
static int unit_parse_notify_access(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        int r;

        if (streq_ptr(value, "all"))
                c->notify_access = UR_NOTIFY_ALL;
        else if (streq_ptr(value, "main"))
                c->notify_access = UR_NOTIFY_MAIN;
        else if (streq_ptr(value, "exec")) {
                r = unit_key_warn(ctx, "NotifyAccess=exec is treated as NotifyAccess=all");
                if (r < 0)
                        return r;
                c->notify_access = UR_NOTIFY_ALL;
        } else if (streq_ptr(value, "none"))
                return unit_key_error(
                        ctx,
                        "NotifyAccess=none is not supported: notifications would all be dropped; remove the "
                        "line (a unit gets a notify socket only with Type=notify or NotifyAccess=)");
        else
                return unit_key_error(ctx, "NotifyAccess=%s: unknown value (expected all or main)", value);
        c->notify_access_set = true;
        UNIT_MARK_LINE(c, ctx, notify_access);
        return 0;
}

static void unit_reset_notify_access(struct unit_config *c, const struct unit_key *key)
{
        c->notify_access = EXECUTOR_DEFAULT_NOTIFY_ACCESS;
        c->notify_access_set = false;
        c->lines.notify_access = 0;
}

static int unit_parse_success_exit_status(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        return unit_parse_exit_statuses(
                ctx, key->name, value, &c->success_statuses, &c->n_success_statuses, &c->success_signals,
                &c->n_success_signals);
}

static void unit_reset_success_exit_status(struct unit_config *c, const struct unit_key *key)
{
        c->success_statuses = mfree(c->success_statuses);
        c->success_signals = mfree(c->success_signals);
        c->n_success_statuses = c->n_success_signals = 0;
}

/* ---- [Service]: paths ----------------------------------------------------------------- */

/* Relative to the run's runtime directory (%t) when not absolute: the executor resolves it. */
static int unit_parse_pid_file(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        int r;

        if (unit_string_has_control(value))
                return unit_key_error(ctx, "PIDFile=: the path contains control characters");
        if (value[strlen(value) - 1] == '/')
                return unit_key_error(ctx, "PIDFile=%s: names a directory, not a file", value);
        r = unit_set_string(c, key, value);
        if (r < 0)
                return r;
        UNIT_MARK_LINE(c, ctx, pid_file);
        return 0;
}

static void unit_reset_pid_file(struct unit_config *c, const struct unit_key *key)
{
        unit_reset_string(c, key);
        c->lines.pid_file = 0;
}

static int unit_parse_working_directory(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        bool optional = value[0] == '-';
        const char *path = optional ? value + 1 : value;
        int r;

        if (!*path)
                return unit_key_error(ctx, "WorkingDirectory=: missing path after '-'");
        if (!streq_ptr(path, "~")) {
                r = unit_check_absolute_path(ctx, key->name, path);
                if (r < 0)
                        return r;
        }
        r = unit_set_string(c, key, path);
        if (r < 0)
                return r;
        c->working_directory_optional = optional;
        return 0;
}

static void unit_reset_working_directory(struct unit_config *c, const struct unit_key *key)
{
        unit_reset_string(c, key);
        c->working_directory_optional = false;
}

static int unit_parse_runtime_directory(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        _cleanup_strv_free_ char **words = NULL;
        int r;

        r = unit_split_words(ctx, key->name, value, &words);
        if (r < 0)
                return r;
        for (char **w = words; *w; w++) {
                const char *p = *w;

                if (p[0] == '/')
                        return unit_key_error(
                                ctx,
                                "RuntimeDirectory=%s: must be relative (it is created under the run's "
                                "runtime "
                                "directory)",
                                p);
                if (unit_string_has_control(p))
                        return unit_key_error(
                                ctx, "RuntimeDirectory=: the name contains control characters");
                /* Every component must be a real name: "..", "." and empty ones could leave
                 * the runtime directory or alias it. */
                while (*p) {
                        size_t len = strcspn(p, "/");

                        if (len == 0 || (len == 1 && p[0] == '.') ||
                            (len == 2 && p[0] == '.' && p[1] == '.'))
                                return unit_key_error(
                                        ctx,
                                        "RuntimeDirectory=%s: '.', '..' and empty path components are not "
                                        "allowed",
                                        *w);
                        p += len;
                        if (*p == '/' && !*++p)
                                return unit_key_error(
                                        ctx,
                                        "RuntimeDirectory=%s: '.', '..' and empty path components are not "
                                        "allowed",
                                        *w);
                }
        }
        /* Checked all first: the list only grows once every word passed. */
        for (char **w = words; *w; w++) {
                r = unit_append_string(c, key, *w);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int unit_parse_stdio(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        static const struct {
                const char *prefix;
                ur_stdio mode;
        } files[] = {
                { "file:", UR_STDIO_FILE },
                { "truncate:", UR_STDIO_FILE },
                { "append:", UR_STDIO_APPEND },
        };
        __typeof__(c->standard_output) *out = FIELD(c, key, __typeof__(c->standard_output));
        int r;

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                const char *path;
                char *copy;

                if (strncmp(value, files[i].prefix, strlen(files[i].prefix)) != 0)
                        continue;
                path = value + strlen(files[i].prefix);
                r = unit_check_absolute_path(ctx, key->name, path);
                if (r < 0)
                        return r;
                copy = strdup(path);
                if (!copy)
                        return -ENOMEM;
                free(out->path);
                out->path = copy;
                out->mode = files[i].mode;
                unit_refusal_reset(c, key->name);
                return 0;
        }

        if (streq_ptr(value, "inherit") || streq_ptr(value, "null")) {
                out->path = mfree(out->path);
                out->mode = streq_ptr(value, "null") ? UR_STDIO_NULL : UR_STDIO_CAPTURE;
                unit_refusal_reset(c, key->name);
                return 0;
        }
        /* Logging targets of a service manager: unitrun is the logger here. */
        if (streq_ptr(value, "journal") || streq_ptr(value, "kmsg") || streq_ptr(value, "journal+console") ||
            streq_ptr(value, "kmsg+console")) {
                r = unit_key_warn(
                        ctx, "%s=%s is treated as %s=inherit (forwarded by unitrun)", key->name, value,
                        key->name);
                if (r < 0)
                        return r;
                out->path = mfree(out->path);
                out->mode = UR_STDIO_CAPTURE;
                unit_refusal_reset(c, key->name);
                return 0;
        }
        /* systemd accepts it (systemd-firstboot, gettys): verify does too, a run refuses it. */
        if (streq_ptr(value, "tty")) {
                out->path = mfree(out->path);
                out->mode = UR_STDIO_CAPTURE;
                return unit_refuse_at_start(
                        c, ctx, key->name,
                        "%s=tty is not supported in a run: unitrun gives its units no terminal (use "
                        "inherit, null, file:PATH or append:PATH in a drop-in)",
                        key->name);
        }
        return unit_key_error(
                ctx, "%s=%s: not supported (expected inherit, null, file:PATH or append:PATH)", key->name,
                value);
}

static void unit_reset_stdio(struct unit_config *c, const struct unit_key *key)
{
        __typeof__(c->standard_output) *out = FIELD(c, key, __typeof__(c->standard_output));

        out->path = mfree(out->path);
        out->mode = UR_STDIO_CAPTURE;
        unit_refusal_reset(c, key->name);
}

/* ---- [Service]: environment ---------------------------------------------------------- */

/* Unquoted into words first, then each word gets its specifiers, as in systemd: a %h with a
 * space in it stays inside its assignment. */
static int unit_parse_environment(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        _cleanup_strv_free_ char **words = NULL, **env = NULL;
        int r;

        r = unit_split_words(ctx, key->name, value, &words);
        if (r < 0)
                return r;
        env = strv_copy(c->environment);
        if (!env)
                return -ENOMEM;
        for (char **w = words; *w; w++) {
                _cleanup_free_ char *expanded = NULL;
                char *eq;

                r = unit_specifiers_expand(ctx, key->name, *w, &expanded);
                if (r < 0)
                        return r;
                eq = strchr(expanded, '=');
                if (!eq)
                        return unit_key_error(
                                ctx, "Environment=%s: not an assignment (NAME=VALUE)", expanded);
                *eq = 0;
                if (!unit_env_name_is_valid(expanded))
                        return unit_key_error(
                                ctx,
                                "Environment=: invalid variable name \"%s\" (letters, digits and '_', not "
                                "starting with a digit)",
                                expanded);
                if (unit_string_has_control(eq + 1))
                        return unit_key_error(
                                ctx, "Environment=: the value of %s contains control characters", expanded);
                r = strv_env_set(&env, expanded, eq + 1);
                if (r < 0)
                        return r;
        }
        strv_free(c->environment);
        c->environment = TAKE_PTR(env);
        return 0;
}

static int unit_parse_unset_environment(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        _cleanup_strv_free_ char **words = NULL, **list = NULL;
        int r;

        r = unit_split_words(ctx, key->name, value, &words);
        if (r < 0)
                return r;
        list = strv_copy(c->unset_environment);
        if (!list)
                return -ENOMEM;
        for (char **w = words; *w; w++) {
                _cleanup_free_ char *expanded = NULL, *name = NULL;

                r = unit_specifiers_expand(ctx, key->name, *w, &expanded);
                if (r < 0)
                        return r;
                name = strndup(expanded, strcspn(expanded, "="));
                if (!name)
                        return -ENOMEM;
                if (!unit_env_name_is_valid(name))
                        return unit_key_error(
                                ctx, "UnsetEnvironment=%s: expected a variable name or NAME=VALUE",
                                expanded);
                r = strv_push(&list, expanded);
                if (r < 0)
                        return r;
        }
        strv_free(c->unset_environment);
        c->unset_environment = TAKE_PTR(list);
        return 0;
}

static int unit_parse_environment_file(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        struct unit_environment_file *files;
        bool optional = value[0] == '-';
        const char *path = optional ? value + 1 : value;
        char *copy;
        int r;

        if (!*path)
                return unit_key_error(ctx, "EnvironmentFile=: missing path after '-'");
        r = unit_check_absolute_path(ctx, key->name, path);
        if (r < 0)
                return r;
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        files = realloc(c->environment_files, (c->n_environment_files + 1) * sizeof(*files));
        if (!files) {
                free(copy);
                return -ENOMEM;
        }
        c->environment_files = files;
        files[c->n_environment_files++] =
                (struct unit_environment_file){ .path = copy, .optional = optional };
        return 0;
}

static void unit_reset_environment_files(struct unit_config *c, const struct unit_key *key)
{
        for (size_t i = 0; i < c->n_environment_files; i++)
                free(c->environment_files[i].path);
        c->environment_files = mfree(c->environment_files);
        c->n_environment_files = 0;
}

/* ---- the table ------------------------------------------------------------------------ */

#define OFF(field) offsetof(struct unit_config, field)
#define S UNIT_KEY_SPECIFIERS
#define H UNIT_KEY_HTTP_OPTION

static const struct unit_key unit_keys[] = {
        { "Description", UNIT_SECTION_UNIT, unit_parse_string, unit_reset_string, OFF(description), S },
        { "Requires", UNIT_SECTION_UNIT, unit_parse_unit_names, unit_reset_unit_names, OFF(requires), S },
        { "Wants", UNIT_SECTION_UNIT, unit_parse_unit_names, unit_reset_unit_names, OFF(wants), S },
        { "After", UNIT_SECTION_UNIT, unit_parse_unit_names, unit_reset_unit_names, OFF(after), S },
        { "Before", UNIT_SECTION_UNIT, unit_parse_unit_names, unit_reset_unit_names, OFF(before), S },
        /* In a run nothing else starts units: BindsTo= and Requisite= start what they name,
         * as Requires= does, and PartOf= is what a run does anyway (all stop together). */
        { "BindsTo", UNIT_SECTION_UNIT, unit_parse_unit_names, unit_reset_unit_names, OFF(requires), S },
        { "Requisite", UNIT_SECTION_UNIT, unit_parse_unit_names, unit_reset_unit_names, OFF(requires), S },
        { "PartOf", UNIT_SECTION_UNIT, unit_parse_unit_names, unit_reset_unit_names, 0, S },
        /* Another unit's PrivateNetwork=/PrivateTmp= namespaces (context-namespaces.c). */
        { "JoinsNamespaceOf", UNIT_SECTION_UNIT, unit_parse_unit_names, unit_reset_unit_names,
          OFF(joins_namespace_of), S },

        { "Type", UNIT_SECTION_SERVICE, unit_parse_type, unit_reset_type, OFF(type), 0 },
        { "ExecStart", UNIT_SECTION_SERVICE, unit_parse_exec, unit_reset_commands, OFF(exec_start), S },
        { "ExecStartPre", UNIT_SECTION_SERVICE, unit_parse_exec, unit_reset_commands, OFF(exec_start_pre),
          S },
        { "ExecStartPost", UNIT_SECTION_SERVICE, unit_parse_exec, unit_reset_commands, OFF(exec_start_post),
          S },
        { "ExecStop", UNIT_SECTION_SERVICE, unit_parse_exec, unit_reset_commands, OFF(exec_stop), S },
        { "ExecStopPost", UNIT_SECTION_SERVICE, unit_parse_exec, unit_reset_commands, OFF(exec_stop_post),
          S },
        { "Environment", UNIT_SECTION_SERVICE, unit_parse_environment, unit_reset_strv, OFF(environment),
          0 },
        { "EnvironmentFile", UNIT_SECTION_SERVICE, unit_parse_environment_file, unit_reset_environment_files,
          OFF(environment_files), S },
        { "UnsetEnvironment", UNIT_SECTION_SERVICE, unit_parse_unset_environment, unit_reset_strv,
          OFF(unset_environment), 0 },
        { "WorkingDirectory", UNIT_SECTION_SERVICE, unit_parse_working_directory,
          unit_reset_working_directory, OFF(working_directory), S },
        { "TimeoutStartSec", UNIT_SECTION_SERVICE, unit_parse_timeout, unit_reset_timeout,
          OFF(timeout_start_usec), 0 },
        { "TimeoutStopSec", UNIT_SECTION_SERVICE, unit_parse_timeout, unit_reset_timeout,
          OFF(timeout_stop_usec), 0 },
        { "TimeoutSec", UNIT_SECTION_SERVICE, unit_parse_timeout, unit_reset_timeout,
          OFF(timeout_start_usec), 0 },
        { "KillSignal", UNIT_SECTION_SERVICE, unit_parse_signal, unit_reset_kill_signal, OFF(kill_signal),
          0 },
        { "FinalKillSignal", UNIT_SECTION_SERVICE, unit_parse_signal, unit_reset_kill_signal,
          OFF(final_kill_signal), 0 },
        { "KillMode", UNIT_SECTION_SERVICE, unit_parse_kill_mode, unit_reset_kill_mode, OFF(kill_mode), 0 },
        { "SendSIGKILL", UNIT_SECTION_SERVICE, unit_parse_bool_field, unit_reset_bool_true,
          OFF(send_sigkill), 0 },
        { "SuccessExitStatus", UNIT_SECTION_SERVICE, unit_parse_success_exit_status,
          unit_reset_success_exit_status, OFF(success_statuses), 0 },
        { "PIDFile", UNIT_SECTION_SERVICE, unit_parse_pid_file, unit_reset_pid_file, OFF(pid_file), S },
        { "NotifyAccess", UNIT_SECTION_SERVICE, unit_parse_notify_access, unit_reset_notify_access,
          OFF(notify_access), 0 },
        { "RuntimeDirectory", UNIT_SECTION_SERVICE, unit_parse_runtime_directory, unit_reset_strv,
          OFF(runtime_directories), S },
        { "StandardOutput", UNIT_SECTION_SERVICE, unit_parse_stdio, unit_reset_stdio, OFF(standard_output),
          S },
        { "StandardError", UNIT_SECTION_SERVICE, unit_parse_stdio, unit_reset_stdio, OFF(standard_error),
          S },

        { "RemainAfterExit", UNIT_SECTION_SERVICE, unit_parse_bool_field, unit_reset_bool_false,
          OFF(remain_after_exit), 0 },
        { "PrivateTmp", UNIT_SECTION_SERVICE, unit_parse_bool_field, unit_reset_bool_false, OFF(private_tmp),
          0 },
        { "PrivateNetwork", UNIT_SECTION_SERVICE, unit_parse_bool_field, unit_reset_bool_false,
          OFF(private_network), 0 },
        { "GuessMainPID", UNIT_SECTION_SERVICE, unit_parse_bool_field, unit_reset_bool_true,
          OFF(guess_main_pid), 0 },
        { "ExitType", UNIT_SECTION_SERVICE, unit_parse_exit_type, unit_reset_exit_type, OFF(exit_type), 0 },
        { "Restart", UNIT_SECTION_SERVICE, unit_parse_restart, unit_reset_restart, OFF(restart), 0 },
        { "RestartSec", UNIT_SECTION_SERVICE, unit_parse_span, unit_reset_restart_sec, OFF(restart_usec),
          0 },
        { "RestartPreventExitStatus", UNIT_SECTION_SERVICE, unit_parse_restart_prevent_exit_status,
          unit_reset_restart_prevent_exit_status, OFF(restart_prevent_statuses), 0 },
        { "StartLimitIntervalSec", UNIT_SECTION_UNIT, unit_parse_span, unit_reset_start_limit_interval,
          OFF(start_limit_interval_usec), 0 },
        { "StartLimitBurst", UNIT_SECTION_UNIT, unit_parse_start_limit_burst, unit_reset_start_limit_burst,
          OFF(start_limit_burst), 0 },
        /* Before systemd 230 these two lived in [Service]; old units still say so. */
        { "StartLimitInterval", UNIT_SECTION_SERVICE, unit_parse_span, unit_reset_start_limit_interval,
          OFF(start_limit_interval_usec), 0 },
        { "ExecCondition", UNIT_SECTION_SERVICE, unit_parse_exec, unit_reset_commands, OFF(exec_condition),
          S },
        { "ConditionPathExists", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertPathExists", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionPathExistsGlob", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertPathExistsGlob", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionPathIsDirectory", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertPathIsDirectory", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionPathIsSymbolicLink", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0,
          S },
        { "AssertPathIsSymbolicLink", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionPathIsMountPoint", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0,
          S },
        { "AssertPathIsMountPoint", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionPathIsReadWrite", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertPathIsReadWrite", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionPathIsEncrypted", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertPathIsEncrypted", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionDirectoryNotEmpty", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0,
          S },
        { "AssertDirectoryNotEmpty", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionFileNotEmpty", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertFileNotEmpty", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionFileIsExecutable", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0,
          S },
        { "AssertFileIsExecutable", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionUser", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertUser", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionGroup", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertGroup", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionHost", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertHost", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionKernelCommandLine", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0,
          S },
        { "AssertKernelCommandLine", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionKernelVersion", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertKernelVersion", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionVirtualization", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertVirtualization", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionEnvironment", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertEnvironment", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionArchitecture", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertArchitecture", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionFirstBoot", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertFirstBoot", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionNeedsUpdate", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertNeedsUpdate", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionACPower", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertACPower", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionSecurity", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertSecurity", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionCapability", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertCapability", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionControlGroupController", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions,
          0, S },
        { "AssertControlGroupController", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0,
          S },
        { "ConditionMemory", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertMemory", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionCPUs", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertCPUs", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionOSRelease", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertOSRelease", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "ConditionCredential", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        { "AssertCredential", UNIT_SECTION_UNIT, unit_parse_condition, unit_reset_conditions, 0, S },
        /* Process keys of systemd.exec(5): unit-process-keys.c. */
        { "User", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process), S },
        { "Group", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process), S },
        { "SupplementaryGroups", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), S },
        { "DynamicUser", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process),
          0 },
        { "PermissionsStartOnly", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), 0 },
        { "UMask", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process), 0 },
        { "Nice", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process), 0 },
        { "OOMScoreAdjust", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), 0 },
        { "LimitCPU", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process),
          0 },
        { "LimitFSIZE", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process),
          0 },
        { "LimitDATA", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process),
          0 },
        { "LimitSTACK", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process),
          0 },
        { "LimitCORE", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process),
          0 },
        { "LimitRSS", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process),
          0 },
        { "LimitNOFILE", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process),
          0 },
        { "LimitAS", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process), 0 },
        { "LimitNPROC", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process),
          0 },
        { "LimitMEMLOCK", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process),
          0 },
        { "LimitLOCKS", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process),
          0 },
        { "LimitSIGPENDING", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), 0 },
        { "LimitMSGQUEUE", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), 0 },
        { "LimitNICE", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process),
          0 },
        { "LimitRTPRIO", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process),
          0 },
        { "LimitRTTIME", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key, OFF(process),
          0 },
        { "NoNewPrivileges", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), 0 },
        { "CapabilityBoundingSet", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), 0 },
        { "AmbientCapabilities", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), 0 },
        { "RuntimeDirectoryMode", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), 0 },
        { "StateDirectory", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), S },
        { "StateDirectoryMode", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), 0 },
        { "CacheDirectory", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), S },
        { "CacheDirectoryMode", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), 0 },
        { "LogsDirectory", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), S },
        { "LogsDirectoryMode", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), 0 },
        { "ConfigurationDirectory", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), S },
        { "ConfigurationDirectoryMode", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), 0 },
        { "RuntimeDirectoryPreserve", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), 0 },
        { "PassEnvironment", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), 0 },
        { "SyslogIdentifier", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), S },
        { "StandardInput", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), S },
        { "StandardInputData", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), 0 },
        { "StandardInputText", UNIT_SECTION_SERVICE, unit_parse_process_key, unit_reset_process_key,
          OFF(process), S },

        { "TCP", UNIT_SECTION_READY, unit_parse_ready_tcp, unit_reset_strv, OFF(ready_tcp), S },
        { "Listen", UNIT_SECTION_READY, unit_parse_ready_listen, unit_reset_strv, OFF(ready_listen), S },
        { "UnixSocket", UNIT_SECTION_READY, unit_parse_ready_path_list, unit_reset_strv, OFF(ready_unix),
          S },
        { "HTTP", UNIT_SECTION_READY, unit_parse_ready_http, unit_reset_strv, OFF(ready_http), S },
        { "HTTPStatus", UNIT_SECTION_READY, unit_parse_http_status, unit_reset_string, OFF(http_status),
          S | H },
        { "HTTPMethod", UNIT_SECTION_READY, unit_parse_http_method, unit_reset_string, OFF(http_method), H },
        { "HTTPHeader", UNIT_SECTION_READY, unit_parse_http_header, unit_reset_strv, OFF(http_headers),
          S | H },
        { "HTTPBody", UNIT_SECTION_READY, unit_parse_http_body, unit_reset_string, OFF(http_body), S | H },
        { "HTTPUnixSocket", UNIT_SECTION_READY, unit_parse_ready_path, unit_reset_string,
          OFF(http_unix_socket), S | H },
        { "HTTPInsecure", UNIT_SECTION_READY, unit_parse_bool_field, unit_reset_bool_false,
          OFF(http_insecure), H },
        { "Output", UNIT_SECTION_READY, unit_parse_ready_regex_list, unit_reset_strv, OFF(ready_output), S },
        { "OutputStream", UNIT_SECTION_READY, unit_parse_output_stream, unit_reset_output_stream,
          OFF(output_stream), 0 },
        { "File", UNIT_SECTION_READY, unit_parse_ready_path_list, unit_reset_strv, OFF(ready_file), S },
        { "Interval", UNIT_SECTION_READY, unit_parse_interval, unit_reset_interval, OFF(interval_usec), 0 },
        { "RefuseIfReady", UNIT_SECTION_READY, unit_parse_bool_field, unit_reset_bool_true,
          OFF(refuse_if_ready), 0 },
};

const struct unit_key *unit_key_lookup(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(unit_keys); i++)
                if (streq_ptr(name, unit_keys[i].name))
                        return &unit_keys[i];
        return NULL;
}

const struct unit_key *unit_key_lookup_case(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(unit_keys); i++)
                if (strcasecmp(name, unit_keys[i].name) == 0)
                        return &unit_keys[i];
        return NULL;
}

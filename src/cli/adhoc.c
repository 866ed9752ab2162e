/* Turning an ad-hoc unit (--exec and its options, all expressed as unit keys) into a
 * configured executor. The key names and value syntax are systemd's. */
#include <ctype.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmdline.h"
#include "macro.h"
#include "signal-name.h"
#include "strv.h"
#include "timespan.h"

static int parse_boolean(const char *v)
{
        static const char *const yes[] = { "1", "yes", "true", "on" }, *const no[] = { "0", "no", "false", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

struct adhoc_state {
        const char *unit;
        ur_stream output_streams;
        char **output_patterns;
        /* HTTP= conditions share the HTTP*= settings of their unit. */
        char **http_urls;
        char **http_headers;
        const char *http_status;
        const char *http_method;
        const char *http_body;
        const char *http_unix_socket;
        bool http_insecure;
};

static void adhoc_state_done(struct adhoc_state *s)
{
        strv_free(s->output_patterns);
        strv_free(s->http_urls);
        strv_free(s->http_headers);
}

static int bad_value(const struct adhoc_state *s, const char *key, const char *value, const char *why)
{
        cli_error("%s: invalid %s=%s: %s", s->unit, key, value, why);
        return EXIT_USAGE;
}

static int apply_environment(ur_executor *e, const struct adhoc_state *s, const char *value)
{
        _cleanup_strv_free_ char **words = NULL;
        const char *reason = NULL;

        if (!*value)
                return 0;
        if (cmdline_split(value, &words, &reason) < 0)
                return bad_value(s, "Environment", value, reason);
        for (char **w = words; *w; w++) {
                char *eq = strchr(*w, '=');
                if (!eq || eq == *w)
                        return bad_value(s, "Environment", value, "each assignment needs NAME=VALUE");
                *eq = 0;
                if (ur_executor_set_env(e, *w, eq + 1) < 0)
                        return bad_value(s, "Environment", value, "invalid variable name");
        }
        return 0;
}

static int apply_success_status(ur_executor *e, const struct adhoc_state *s, const char *value)
{
        _cleanup_free_ char *copy = strdup(value);
        char *word, *save = NULL;

        if (!copy)
                return EXIT_SYSTEM;
        for (word = strtok_r(copy, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
                char *end;
                long status = strtol(word, &end, 10);
                int sig;

                if (!*end && end != word) {
                        if (ur_executor_add_success_status(e, (int) status) < 0)
                                return bad_value(s, "SuccessExitStatus", value, "exit statuses are 0..255");
                        continue;
                }
                sig = signal_from_string(word);
                if (sig < 0 || ur_executor_add_success_signal(e, sig) < 0)
                        return bad_value(s, "SuccessExitStatus", value, "not an exit status or a signal name");
        }
        return 0;
}

static int apply_stdio(ur_executor *e, const struct adhoc_state *s, const char *key, const char *value)
{
        ur_stream stream = strcmp(key, "StandardOutput") == 0 ? UR_STDOUT : UR_STDERR;

        /* "inherit" means forwarded with the unit's prefix, which needs capturing. */
        if (strcmp(value, "inherit") == 0 || strcmp(value, "journal") == 0)
                return ur_executor_set_stdio(e, stream, UR_STDIO_CAPTURE, NULL) < 0 ? EXIT_SYSTEM : 0;
        if (strcmp(value, "null") == 0)
                return ur_executor_set_stdio(e, stream, UR_STDIO_NULL, NULL) < 0 ? EXIT_SYSTEM : 0;
        if (strncmp(value, "file:", 5) == 0 && value[5] == '/')
                return ur_executor_set_stdio(e, stream, UR_STDIO_FILE, value + 5) < 0 ? EXIT_SYSTEM : 0;
        if (strncmp(value, "append:", 7) == 0 && value[7] == '/')
                return ur_executor_set_stdio(e, stream, UR_STDIO_APPEND, value + 7) < 0 ? EXIT_SYSTEM : 0;
        return bad_value(s, key, value, "expected inherit, null, file:/PATH or append:/PATH");
}

static int apply_timeout(const struct adhoc_state *s, const char *key, const char *value, uint64_t *ret)
{
        if (timespan_parse(value, ret) < 0)
                return bad_value(s, key, value, "not a time span (e.g. 90, 500ms, 1min 30s, infinity)");
        return 0;
}

static int apply_property(ur_executor *e, struct adhoc_state *s, const char *key, const char *value)
{
        uint64_t usec;
        int r, sig;

        if (strcmp(key, "Type") == 0) {
                static const char *const types[] = { "simple", "exec", "notify", "oneshot" };
                for (size_t i = 0; i < ELEMENTSOF(types); i++)
                        if (strcmp(value, types[i]) == 0)
                                return ur_executor_set_type(e, (ur_type) i) < 0 ? EXIT_SYSTEM : 0;
                return bad_value(s, key, value, "expected simple, exec, notify or oneshot");
        }
        if (strcmp(key, "Output") == 0)
                return strv_push(&s->output_patterns, value) < 0 ? EXIT_SYSTEM : 0;
        if (strcmp(key, "OutputStream") == 0) {
                if (strcmp(value, "stdout") == 0)
                        s->output_streams = UR_STDOUT;
                else if (strcmp(value, "stderr") == 0)
                        s->output_streams = UR_STDERR;
                else if (strcmp(value, "both") == 0)
                        s->output_streams = UR_STDOUT_AND_STDERR;
                else
                        return bad_value(s, key, value, "expected stdout, stderr or both");
                return 0;
        }
        if (strcmp(key, "TimeoutStartSec") == 0 || strcmp(key, "TimeoutStopSec") == 0 ||
            strcmp(key, "TimeoutSec") == 0) {
                r = apply_timeout(s, key, value, &usec);
                if (r)
                        return r;
                if (strcmp(key, "TimeoutStopSec") != 0)
                        (void) ur_executor_set_start_timeout(e, usec);
                if (strcmp(key, "TimeoutStartSec") != 0)
                        (void) ur_executor_set_stop_timeout(e, usec);
                return 0;
        }
        if (strcmp(key, "KillSignal") == 0 || strcmp(key, "FinalKillSignal") == 0) {
                sig = signal_from_string(value);
                if (sig < 0)
                        return bad_value(s, key, value, "not a signal (e.g. SIGTERM, INT, 9)");
                if (strcmp(key, "KillSignal") == 0)
                        (void) ur_executor_set_kill_signal(e, sig);
                else
                        (void) ur_executor_set_final_kill_signal(e, sig);
                return 0;
        }
        if (strcmp(key, "KillMode") == 0) {
                if (strcmp(value, "control-group") == 0)
                        return ur_executor_set_kill_mode(e, UR_KILL_CONTROL_GROUP), 0;
                if (strcmp(value, "mixed") == 0)
                        return ur_executor_set_kill_mode(e, UR_KILL_MIXED), 0;
                if (strcmp(value, "process") == 0)
                        return ur_executor_set_kill_mode(e, UR_KILL_PROCESS), 0;
                return bad_value(s, key, value, "expected control-group, mixed or process");
        }
        if (strcmp(key, "SendSIGKILL") == 0) {
                r = parse_boolean(value);
                if (r < 0)
                        return bad_value(s, key, value, "not a boolean");
                return ur_executor_set_send_sigkill(e, r), 0;
        }
        if (strcmp(key, "NotifyAccess") == 0) {
                if (strcmp(value, "all") == 0)
                        return ur_executor_set_notify_access(e, UR_NOTIFY_ALL), 0;
                if (strcmp(value, "main") == 0)
                        return ur_executor_set_notify_access(e, UR_NOTIFY_MAIN), 0;
                return bad_value(s, key, value, "expected all or main");
        }
        if (strcmp(key, "SuccessExitStatus") == 0)
                return apply_success_status(e, s, value);
        if (strcmp(key, "Environment") == 0)
                return apply_environment(e, s, value);
        if (strcmp(key, "UnsetEnvironment") == 0) {
                _cleanup_strv_free_ char **names = NULL;
                const char *reason = NULL;

                if (cmdline_split(value, &names, &reason) < 0)
                        return bad_value(s, key, value, reason);
                for (char **n = names; *n; n++)
                        (void) ur_executor_unset_env(e, *n);
                return 0;
        }
        if (strcmp(key, "WorkingDirectory") == 0) {
                if (value[0] != '/')
                        return bad_value(s, key, value, "must be an absolute path");
                return ur_executor_set_cwd(e, value) < 0 ? EXIT_SYSTEM : 0;
        }
        if (strcmp(key, "StandardOutput") == 0 || strcmp(key, "StandardError") == 0)
                return apply_stdio(e, s, key, value);
        if (strcmp(key, "TCP") == 0 || strcmp(key, "UnixSocket") == 0 || strcmp(key, "File") == 0) {
                r = strcmp(key, "TCP") == 0        ? ur_executor_add_ready_tcp(e, value)
                    : strcmp(key, "UnixSocket") == 0 ? ur_executor_add_ready_unix(e, value)
                                                     : ur_executor_add_ready_file(e, value);
                if (r == -EINVAL)
                        return bad_value(s, key, value, ur_executor_get_error(e) ? ur_executor_get_error(e) : "invalid");
                return r < 0 ? EXIT_SYSTEM : 0;
        }
        if (strcmp(key, "HTTP") == 0)
                return strv_push(&s->http_urls, value) < 0 ? EXIT_SYSTEM : 0;
        if (strcmp(key, "HTTPHeader") == 0) {
                if (!*value) {
                        strv_free(s->http_headers); /* an empty assignment resets the list */
                        s->http_headers = NULL;
                        return 0;
                }
                return strv_push(&s->http_headers, value) < 0 ? EXIT_SYSTEM : 0;
        }
        if (strcmp(key, "HTTPStatus") == 0)
                return s->http_status = value, 0;
        if (strcmp(key, "HTTPMethod") == 0) {
                for (const char *c = value; *c; c++)
                        if (!((*c >= 'A' && *c <= 'Z') || *c == '-'))
                                return bad_value(s, key, value, "expected a method such as GET, HEAD or POST");
                return s->http_method = value, 0;
        }
        if (strcmp(key, "HTTPBody") == 0)
                return s->http_body = value, 0;
        if (strcmp(key, "HTTPUnixSocket") == 0)
                return s->http_unix_socket = value, 0;
        if (strcmp(key, "HTTPInsecure") == 0 || strcmp(key, "RefuseIfReady") == 0) {
                r = parse_boolean(value);
                if (r < 0)
                        return bad_value(s, key, value, "not a boolean");
                if (strcmp(key, "HTTPInsecure") == 0)
                        s->http_insecure = r;
                else
                        (void) ur_executor_set_refuse_if_ready(e, r);
                return 0;
        }
        if (strcmp(key, "Interval") == 0) {
                r = apply_timeout(s, key, value, &usec);
                if (r)
                        return r;
                if (usec == 0 || usec == UINT64_MAX)
                        return bad_value(s, key, value, "must be a finite, non-zero time span");
                return ur_executor_set_ready_interval(e, usec), 0;
        }

        cli_error("%s: unknown or unsupported unit key '%s'", s->unit, key);
        return EXIT_USAGE;
}

/* "redis-server" -> "redis-server.service", then -2, -3, ... while the context has it. */
static int adhoc_default_name(ur_context *ctx, const char *program, char **ret, ur_executor *const *taken, size_t n)
{
        _cleanup_free_ char *copy = strdup(program);
        const char *base;
        char name[512];

        if (!copy)
                return -ENOMEM;
        base = basename(copy);
        for (unsigned i = 1;; i++) {
                bool used = false;

                if (i == 1)
                        snprintf(name, sizeof(name), "%s.service", base);
                else
                        snprintf(name, sizeof(name), "%s-%u.service", base, i);
                for (size_t k = 0; k < n; k++)
                        if (taken[k] && strcmp(ur_executor_get_name(taken[k]), name) == 0)
                                used = true;
                if (!used)
                        break;
        }
        *ret = strdup(name);
        return *ret ? 0 : -ENOMEM;
}

/* Conditions whose settings may come in any order: added once all keys are read. */
static int apply_collected(ur_executor *e, struct adhoc_state *s)
{
        for (char **p = s->output_patterns; p && *p; p++)
                if (ur_executor_add_ready_output(e, *p, s->output_streams) < 0) {
                        cli_error("%s: %s", s->unit, ur_executor_get_error(e));
                        return EXIT_USAGE;
                }
        for (char **p = s->http_urls; p && *p; p++) {
                ur_http_check check = {
                        .url = *p,
                        .method = s->http_method,
                        .status_regex = s->http_status,
                        .headers = (const char *const *) s->http_headers,
                        .body = s->http_body,
                        .unix_socket = s->http_unix_socket,
                        .insecure = s->http_insecure,
                };
                int r = ur_executor_add_ready_http(e, &check);
                if (r == -EINVAL) {
                        cli_error("%s: %s", s->unit, ur_executor_get_error(e));
                        return EXIT_USAGE;
                }
                if (r < 0)
                        return EXIT_SYSTEM;
        }
        return 0;
}

/* Specifiers in ad-hoc command lines and values: %t (the run's runtime directory), %n,
 * %N, %%. */
static int expand_specifiers(ur_context *ctx, const char *unit, const char *in, char **ret)
{
        size_t size = strlen(in) * 2 + 4096, o = 0;
        _cleanup_free_ char *out = malloc(size);

        if (!out)
                return -ENOMEM;
        for (const char *p = in; *p; p++) {
                const char *insert = NULL;
                size_t insert_len = 0;

                if (*p != '%') {
                        if (o + 1 >= size)
                                return -E2BIG;
                        out[o++] = *p;
                        continue;
                }
                switch (*++p) {
                case 't':
                        insert = ur_context_get_runtime_dir(ctx);
                        if (!insert)
                                return -EIO;
                        insert_len = strlen(insert);
                        break;
                case 'n':
                case 'N':
                        insert = unit;
                        insert_len = strlen(unit);
                        if (*p == 'N' && insert_len > 8 && strcmp(unit + insert_len - 8, ".service") == 0)
                                insert_len -= 8;
                        break;
                case '%':
                        insert = "%";
                        insert_len = 1;
                        break;
                default:
                        return -EINVAL;
                }
                if (o + insert_len + 1 >= size)
                        return -E2BIG;
                memcpy(out + o, insert, insert_len);
                o += insert_len;
        }
        out[o] = 0;
        *ret = TAKE_PTR(out);
        return 0;
}

static int expand_specifiers_strv(ur_context *ctx, const char *unit, char **l)
{
        for (; *l; l++) {
                char *expanded;
                int r = expand_specifiers(ctx, unit, *l, &expanded);
                if (r < 0)
                        return r;
                free(*l);
                *l = expanded;
        }
        return 0;
}

int adhoc_units_create(ur_context *ctx, const struct run_options *o, ur_executor **executors)
{
        for (size_t i = 0; i < o->n_units; i++) {
                const struct adhoc_unit *u = &o->units[i];
                struct adhoc_state s = { .output_streams = UR_STDOUT_AND_STDERR };
                _cleanup_strv_free_ char **argv = NULL;
                _cleanup_free_ char *name = NULL;
                const char *reason = NULL;
                int r;

                if (cmdline_split(u->argv[0], &argv, &reason) < 0) {
                        cli_error("invalid --exec '%s': %s", u->argv[0], reason);
                        return EXIT_USAGE;
                }
                if (u->name) {
                        if (!*u->name || strchr(u->name, '/')) {
                                cli_error("invalid unit name '%s'", u->name);
                                return EXIT_USAGE;
                        }
                        name = strdup(u->name);
                } else if (adhoc_default_name(ctx, argv[0], &name, executors, i) < 0)
                        return EXIT_SYSTEM;
                if (!name)
                        return EXIT_SYSTEM;
                s.unit = name;
                if (expand_specifiers_strv(ctx, name, argv) < 0) {
                        cli_error("invalid --exec '%s': unknown %%-specifier (known: %%t %%n %%N %%%%)", u->argv[0]);
                        return EXIT_USAGE;
                }
                r = ur_executor_new(ctx, name, argv, &executors[i]);
                if (r == -EEXIST) {
                        cli_error("two units are named '%s'", name);
                        return EXIT_USAGE;
                }
                if (r == -EINVAL) {
                        cli_error("invalid unit name '%s'", name);
                        return EXIT_USAGE;
                }
                if (r < 0) {
                        cli_error("%s: %s", name, strerror(-r));
                        return EXIT_SYSTEM;
                }
                if (u->properties && expand_specifiers_strv(ctx, name, u->properties) < 0) {
                        cli_error("%s: unknown %%-specifier in an option value (known: %%t %%n %%N %%%%)", name);
                        return EXIT_USAGE;
                }
                for (char **p = u->properties; p && *p && r == 0; p++) {
                        char *eq = strchr(*p, '=');
                        *eq = 0;
                        r = apply_property(executors[i], &s, *p, eq + 1);
                        *eq = '=';
                }
                if (r == 0)
                        r = apply_collected(executors[i], &s);
                adhoc_state_done(&s);
                if (r)
                        return r;
        }
        return 0;
}

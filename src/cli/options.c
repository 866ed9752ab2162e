/* Command-line parsing for run and up: global options, then units, each a unit file or
 * unit name, or an ad-hoc unit begun by --exec, and each configured by the unit options
 * that follow it (as a last drop-in would), then "--" COMMAND. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "macro.h"
#include "strv.h"

/* The ad-hoc unit that options configure: the last --exec, unless a unit file came after. */
static struct adhoc_unit *current_unit(struct run_options *o)
{
        return o->n_units && !o->after_unit_file ? &o->units[o->n_units - 1] : NULL;
}

/* Where the unit options go: the last --exec's list, or the last unit file's. */
static char ***current_properties(struct run_options *o)
{
        size_t n_files = strv_length(o->unit_files);

        if (o->after_unit_file && n_files > 0)
                return &o->unit_file_properties[n_files - 1];
        return current_unit(o) ? &current_unit(o)->properties : NULL;
}

static int add_property(struct run_options *o, const char *option, const char *key, const char *value)
{
        char ***properties = current_properties(o);
        char *kv;
        int r;

        if (!properties) {
                cli_error("%s must follow an --exec, a unit file or a unit name", option);
                return EXIT_USAGE;
        }
        if (asprintf(&kv, "%s=%s", key, value) < 0)
                return EXIT_SYSTEM;
        r = strv_push(properties, kv);
        free(kv);
        return r < 0 ? EXIT_SYSTEM : 0;
}

/* Ad-hoc shortcuts and the unit keys they stand for. */
static const struct {
        const char *option;
        const char *key;
} shortcuts[] = {
        { "--type", "Type" },
        { "--ready-output", "Output" },
        { "--timeout", "TimeoutStartSec" },
        { "--stop-timeout", "TimeoutStopSec" },
        { "--kill-signal", "KillSignal" },
        { "--cwd", "WorkingDirectory" },
        { "--ready-tcp", "TCP" },
        { "--ready-unix", "UnixSocket" },
        { "--ready-http", "HTTP" },
        { "--http-status", "HTTPStatus" },
        { "--http-method", "HTTPMethod" },
        { "--http-header", "HTTPHeader" },
        { "--ready-file", "File" },
};

int run_options_parse(int argc, char **argv, int first, bool want_command, struct run_options *ret)
{
        struct run_options o = { .color = isatty(STDERR_FILENO) && !getenv("NO_COLOR"), .private_dirs = -1 };
        bool separator = false;
        int i, r;

        for (i = first; i < argc; i++) {
                const char *a = argv[i];
                const char *value = i + 1 < argc ? argv[i + 1] : NULL;
                bool matched = false;

                if (strcmp(a, "--") == 0) {
                        separator = true;
                        i++;
                        break;
                }
                if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
                        o.quiet = true;
                        continue;
                }
                if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
                        o.verbose = true;
                        continue;
                }
                if (strcmp(a, "--json") == 0) {
                        o.json = true;
                        continue;
                }
                if (strncmp(a, "--color=", 8) == 0 || strcmp(a, "--color") == 0) {
                        const char *when = a[7] == '=' ? a + 8 : "always";
                        if (strcmp(when, "auto") != 0 && strcmp(when, "always") != 0 &&
                            strcmp(when, "never") != 0) {
                                cli_error("invalid --color '%s': expected auto, always or never", when);
                                goto usage;
                        }
                        o.color =
                                strcmp(when, "always") == 0 ||
                                (strcmp(when, "auto") == 0 && isatty(STDERR_FILENO) && !getenv("NO_COLOR"));
                        continue;
                }
                if (strcmp(a, "--private-network") == 0) {
                        o.private_network = true;
                        continue;
                }
                if (strcmp(a, "--private-dirs") == 0 || strncmp(a, "--private-dirs=", 15) == 0) {
                        const char *v = a[14] == '=' ? a + 15 : "yes";
                        if (strcmp(v, "yes") == 0)
                                o.private_dirs = 1;
                        else if (strcmp(v, "no") == 0)
                                o.private_dirs = 0;
                        else {
                                cli_error("invalid --private-dirs '%s': expected yes or no", v);
                                goto usage;
                        }
                        continue;
                }
                if (a[0] != '-') {
                        /* A unit file or name; it also ends the ad-hoc unit before it. */
                        size_t n = strv_length(o.unit_files);
                        char ***props = realloc(o.unit_file_properties, (n + 2) * sizeof(*props));

                        if (!props)
                                goto fail;
                        o.unit_file_properties = props;
                        props[n] = props[n + 1] = NULL;
                        if (strv_push(&o.unit_files, a) < 0)
                                goto fail;
                        o.after_unit_file = true;
                        continue;
                }
                if (strcmp(a, "--ready-listen") == 0 || strncmp(a, "--ready-listen=", 15) == 0) {
                        /* The one optional value: "--ready-listen" alone is Listen=yes. */
                        r = add_property(&o, "--ready-listen", "Listen", a[14] == '=' ? a + 15 : "yes");
                        if (r)
                                goto out;
                        continue;
                }
                if (!value) {
                        cli_error("option %s needs a value", a);
                        goto usage;
                }
                if (strcmp(a, "--port") == 0) {
                        bool ok = value[0] != 0;
                        for (const char *c = value; *c; c++)
                                if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                                      (*c >= '0' && *c <= '9') || *c == '_'))
                                        ok = false;
                        if (!ok) {
                                cli_error("invalid --port '%s': a NAME of letters, digits and '_'", value);
                                goto usage;
                        }
                        if (strv_push(&o.ports, value) < 0)
                                goto fail;
                        i++;
                        continue;
                }
                if (strcmp(a, "--private-path") == 0) {
                        if (value[0] != '/' || strstr(value, "/..")) {
                                cli_error(
                                        "--private-path needs an absolute directory without '..', got '%s'",
                                        value);
                                goto usage;
                        }
                        if (strv_push(&o.private_paths, value) < 0)
                                goto fail;
                        i++;
                        continue;
                }
                if (strcmp(a, "--log-dir") == 0) {
                        o.log_dir = value;
                } else if (strcmp(a, "--events") == 0) {
                        o.events = value;
                } else if (strcmp(a, "--unit-path") == 0) {
                        if (value[0] == 0) {
                                cli_error("--unit-path needs a directory");
                                goto usage;
                        }
                        if (strv_push(&o.unit_path, value) < 0)
                                goto fail;
                } else if (strcmp(a, "--exec") == 0) {
                        struct adhoc_unit *units;

                        if (value[strspn(value, " \t")] == 0) {
                                cli_error("--exec needs a command line, got '%s'", value);
                                goto usage;
                        }
                        units = realloc(o.units, (o.n_units + 1) * sizeof(*units));
                        if (!units)
                                goto fail;
                        o.units = units;
                        o.units[o.n_units++] = (struct adhoc_unit){};
                        o.after_unit_file = false;
                        if (!(o.units[o.n_units - 1].argv = strv_copy((char *[]){ (char *) value, NULL })))
                                goto fail;
                } else if (strcmp(a, "--name") == 0) {
                        if (!current_unit(&o)) {
                                cli_error("--name must follow an --exec (a unit file or name has its own "
                                          "name)");
                                goto usage;
                        }
                        free(current_unit(&o)->name);
                        current_unit(&o)->name = strdup(value);
                } else if (strcmp(a, "--env") == 0) {
                        /* One assignment, spaces and all: quote it for Environment='s splitting. */
                        _cleanup_free_ char *quoted = malloc(strlen(value) * 2 + 3);
                        char *q = quoted;

                        if (!quoted)
                                goto fail;
                        if (!strchr(value, '=') || value[0] == '=') {
                                cli_error("--env needs NAME=VALUE, got '%s'", value);
                                goto usage;
                        }
                        *q++ = '"';
                        for (const char *c = value; *c; c++) {
                                if (*c == '"' || *c == '\\')
                                        *q++ = '\\';
                                *q++ = *c;
                        }
                        *q++ = '"';
                        *q = 0;
                        r = add_property(&o, a, "Environment", quoted);
                        if (r)
                                goto out;
                } else if (strcmp(a, "-p") == 0 || strcmp(a, "--property") == 0) {
                        const char *eq = strchr(value, '=');
                        char key[128];

                        if (!eq || eq == value || (size_t) (eq - value) >= sizeof(key)) {
                                cli_error("%s needs KEY=VALUE, got '%s'", a, value);
                                goto usage;
                        }
                        memcpy(key, value, (size_t) (eq - value));
                        key[eq - value] = 0;
                        r = add_property(&o, a, key, eq + 1);
                        if (r)
                                goto out;
                } else {
                        for (size_t k = 0; k < sizeof(shortcuts) / sizeof(shortcuts[0]); k++)
                                if (strcmp(a, shortcuts[k].option) == 0) {
                                        r = add_property(&o, a, shortcuts[k].key, value);
                                        if (r)
                                                goto out;
                                        matched = true;
                                }
                        if (!matched) {
                                cli_error("unknown option '%s'", a);
                                goto usage;
                        }
                }
                i++; /* the value */
        }

        if (want_command) {
                if (!separator || i >= argc) {
                        cli_error("missing '-- COMMAND'");
                        goto usage;
                }
                o.command = strv_copy(argv + i);
                if (!o.command)
                        goto fail;
        }
        *ret = o;
        return 0;

usage:
        r = EXIT_USAGE;
        goto out;
fail:
        cli_error("out of memory");
        r = EXIT_SYSTEM;
out:
        run_options_done(&o);
        return r;
}

void run_options_done(struct run_options *o)
{
        for (size_t i = 0; i < o->n_units; i++) {
                free(o->units[i].name);
                strv_free(o->units[i].argv);
                strv_free(o->units[i].properties);
        }
        free(o->units);
        strv_free(o->command);
        for (size_t i = 0; o->unit_file_properties && i < strv_length(o->unit_files); i++)
                strv_free(o->unit_file_properties[i]);
        free(o->unit_file_properties);
        strv_free(o->unit_files);
        strv_free(o->ports);
        strv_free(o->private_paths);
        strv_free(o->unit_path);
        *o = (struct run_options){};
}

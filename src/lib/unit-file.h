/* Unit files: systemd syntax (systemd.syntax(7)) in, a struct unit_config out, with a
 * diagnostic (FILE:LINE: message) for every problem. Pure code: no syscalls; the caller
 * reads the file and passes its text. The same key table serves `-p KEY=VALUE` of ad-hoc
 * units (keys are unique across [Unit], [Service] and [X-Ready]).
 *
 * Rules the SPEC leaves open, decided here (details in unit-file.c and unit-keys.c):
 *   - an invalid value is an error, never "ignored with a warning" as systemd does: a test
 *     launcher that silently drops a line starts the wrong thing;
 *   - an empty assignment resets any key to its default (lists become empty);
 *   - specifiers are expanded in every free-form value (commands, paths, names, URLs,
 *     regexes, Environment=); "%%" is a literal '%';
 *   - TimeoutStartSec=0 / TimeoutStopSec=0 / TimeoutSec=0 mean "infinity", as in systemd;
 *   - a diagnostic about a continued line names the line where the assignment began. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "unit-process-keys.h"
#include "unitrun.h"

/* One Exec*= command. The line keeps $VAR/${VAR} unexpanded: they are expanded with the
 * unit's final environment right before spawning (cmdline_split_expand()). */
struct unit_command {
        /* After the prefixes, specifiers already expanded, in cmdline_split() syntax: split
         * it with cmdline_split_expand() (cmdline_split() when no_env_expand). A lone "\;"
         * of the unit file is already turned into ";", and a line with several commands
         * separated by a lone ";" gave one unit_command each. With argv0, the first word is
         * the program and the second its argv[0]. */
        char *line;
        bool ignore_failure; /* "-" */
        bool no_env_expand;  /* ":" */
        bool argv0;          /* "@": the second word is argv[0] */
        bool privileged;     /* "+": full privileges */
        bool no_setuid;      /* "!" or "!!": User=/Group= not applied */
        unsigned line_no;
};

struct unit_commands {
        struct unit_command *items;
        size_t n;
};

struct unit_environment_file {
        char *path;
        bool optional; /* "-" */
};

struct unit_config {
        char *path; /* as given, for diagnostics */
        char *name; /* file name: "redis.service" */

        /* [Unit] */
        char *description;
        char **requires, **wants, **after, **before; /* unit names */

        /* [Service] */
        ur_type type;      /* UR_TYPE_FORKING for Type=forking */
        bool type_forking; /* type == UR_TYPE_FORKING; kept for older callers */
        struct unit_commands exec_start, exec_start_pre, exec_start_post, exec_stop, exec_stop_post;
        char **environment; /* NAME=VALUE, in order, later wins */
        struct unit_environment_file *environment_files;
        size_t n_environment_files;
        char **unset_environment;
        char *working_directory; /* NULL: unset; "~" allowed */
        bool working_directory_optional;
        uint64_t timeout_start_usec; /* UINT64_MAX when "infinity"; default 90s */
        uint64_t timeout_stop_usec;  /* default 10s */
        int kill_signal, final_kill_signal;
        ur_kill_mode kill_mode;
        bool send_sigkill;
        int *success_statuses;
        size_t n_success_statuses;
        int *success_signals;
        size_t n_success_signals;
        char *pid_file;
        ur_notify_access notify_access;
        bool notify_access_set;
        char **runtime_directories;
        struct {
                ur_stdio mode; /* CAPTURE stands for "inherit" (forwarded with the prefix);
                                * FILE ("file:" and "truncate:") truncates */
                char *path;    /* absolute, for FILE and APPEND */
        } standard_output, standard_error;
        struct unit_process_config process; /* User=, Limit*=, ... (unit-process-keys.c) */

        /* [X-Ready] */
        char **ready_tcp, **ready_unix, **ready_http, **ready_output, **ready_file;
        ur_stream output_stream; /* default UR_STDOUT_AND_STDERR */
        char *http_status, *http_method, *http_body, *http_unix_socket;
        char **http_headers;
        bool http_insecure;
        uint64_t interval_usec; /* 0: default */
        bool refuse_if_ready;   /* default true */

        /* Where some keys were last set (0: not set, or not from a file), so that
         * unit_config_verify() can name the line of a whole-unit problem. */
        struct {
                unsigned type, pid_file, notify_access, http_option, output_stream;
        } lines;
};

/* What %-specifiers expand to; NULL fields make the specifier an error. */
struct unit_specifiers {
        const char *runtime_dir; /* %t */
        const char *tmp_dir;     /* %T */
        const char *home;        /* %h */
        const char *user;        /* %u */
        const char *uid;         /* %U */
};

struct unit_diagnostic {
        char *file;
        unsigned line; /* 0: about the file as a whole */
        bool error;    /* false: a warning */
        char *message;
};

struct unit_diagnostics {
        struct unit_diagnostic *items;
        size_t n;
};

/* Parses one unit file's text. name is the unit name (the file's base name). Returns 0 with
 * *ret set (warnings may have been added), or -EINVAL with at least one error diagnostic
 * and *ret untouched (-ENOMEM likewise). strict turns unknown-key and unknown-section
 * warnings into errors. Parsing goes on after an error, so that every problem is reported.
 * It does not run unit_config_verify(): call it once the config is complete. */
int unit_file_parse(
        const char *path, const char *name, const char *text, const struct unit_specifiers *specifiers,
        bool strict, struct unit_config **ret, struct unit_diagnostics *diags);

/* A config with every default, for ad-hoc units; then unit_config_assign() per -p KEY=VALUE
 * (section looked up from the key). Errors name `origin` (e.g. "--exec #1") with line 0; an
 * unknown key is an error here, and a refused value leaves c as it was. */
struct unit_config *unit_config_new(const char *name);
int unit_config_assign(
        struct unit_config *c, const char *key, const char *value, const struct unit_specifiers *specifiers,
        const char *origin, struct unit_diagnostics *diags);
/* Checks that need the whole unit (ExecStart= present, Type=oneshot for several
 * ExecStart=, PIDFile= for forking, ...); -EINVAL with diagnostics. */
int unit_config_verify(const struct unit_config *c, struct unit_diagnostics *diags);
struct unit_config *unit_config_free(struct unit_config *c);
/* What the specifiers mean for units of ctx run by this user; uid_buf backs %U. */
void unit_specifiers_init(ur_context *ctx, struct unit_specifiers *ret, char uid_buf[static 32]);
/* An executor of ctx configured as the (verified) config says; dependencies are wired by
 * the caller, who knows the other units (unit-load.c). */
int unit_config_to_executor(ur_context *ctx, const struct unit_config *c, ur_executor **ret);

void unit_diagnostics_done(struct unit_diagnostics *d);
/* "FILE:LINE: message" ("FILE: message" for line 0; "warning: " before the message of a
 * warning), malloc'ed; NULL when out of memory. */
char *unit_diagnostic_format(const struct unit_diagnostic *d);

/* The EnvironmentFile= format (systemd.exec(5)): NAME=VALUE lines, comments, quoting,
 * continuations. Appends to *env (later wins); -EINVAL with *ret_line set on a syntax error
 * (*env untouched then). Lines without '=' are ignored, as systemd does, and so are
 * assignments to invalid names ("export FOO=bar" is the name "export FOO"). An unterminated
 * quote is our only syntax error: systemd takes the rest of the file as the value. */
int environment_file_parse(const char *text, char ***env, unsigned *ret_line);
/* The same, with diagnostics naming path: the error, and a warning per ignored assignment
 * (diags may be NULL). */
int environment_file_parse_full(
        const char *path, const char *text, char ***env, struct unit_diagnostics *diags);

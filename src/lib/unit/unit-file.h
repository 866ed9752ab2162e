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

#include "unit-process-config.h"
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
        unsigned file_no; /* index in unit_config.files */
};

struct unit_commands {
        struct unit_command *items;
        size_t n;
};

struct unit_condition {
        ur_condition_kind kind;
        unsigned flags; /* UR_CONDITION_*: "|", "!", Assert */
        char *value;    /* after the prefixes */
};

struct unit_environment_file {
        char *path;
        bool optional; /* "-" */
};

/* An [X-Ready] value that names a variable ($VAR, ${VAR}): kept as written (specifiers
 * expanded) until unit_config_expand() knows the unit's whole environment, then parsed. */
struct unit_deferred {
        char *key;
        char *value;
        unsigned file, line;
};

/* Where a dependency was named, for a diagnostic about it (a missing Requires= unit). */
struct unit_dep_location {
        char *key;  /* "Requires" */
        char *name; /* the unit named */
        unsigned file, line;
};

struct unit_config {
        char *path;     /* the unit file (for an instance: its template's), for diagnostics */
        char *name;     /* the unit name: "redis.service", "postgresql@15-main.service" */
        bool from_file; /* unit_config_new_for_file(): systemd's defaults where ours differ */
        char **files;   /* path, then each drop-in applied, in order: file indexes point here */

        /* [Unit] */
        char *description;
        /* Service names only: names of other unit types (network.target, foo.socket) are
         * satisfied at once in a run, so they are accepted and not kept. BindsTo= and
         * Requisite= add to requires, PartOf= is accepted and kept nowhere. */
        char **requires, **wants, **after, **before;
        /* JoinsNamespaceOf=: service names; no ordering, nothing pulled in (as systemd). */
        char **joins_namespace_of;
        struct unit_dep_location *dep_locations;
        size_t n_dep_locations;
        /* Keys accepted and not applied (sandboxing, WatchdogSec=, ...), each once, in the
         * order first seen: verify lists them in one line. */
        char **not_applied;

        /* [Service] */
        ur_type type;      /* UR_TYPE_FORKING for Type=forking */
        bool type_forking; /* type == UR_TYPE_FORKING; kept for older callers */
        struct unit_commands exec_start, exec_start_pre, exec_start_post, exec_stop, exec_stop_post,
                exec_condition;
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
        /* PrivateTmp=, PrivateNetwork= (applied in context-namespaces.c). */
        bool private_tmp, private_network;
        /* Lifecycle (unit-lifecycle-keys.c). */
        ur_restart restart;
        uint64_t restart_usec;
        uint64_t start_limit_interval_usec;
        unsigned start_limit_burst;
        int *restart_prevent_statuses;
        size_t n_restart_prevent_statuses;
        int *restart_prevent_signals;
        size_t n_restart_prevent_signals;
        bool remain_after_exit;
        bool guess_main_pid; /* default true */
        ur_exit_type exit_type;
        struct unit_condition *conditions; /* Condition*= and Assert*=, in order */
        size_t n_conditions;
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
        /* Listen=: "yes" or addresses as written (PORT, HOST:PORT, [::1]:PORT, /path,
         * @name). Parsed and checked; refused by unit_config_verify() until the executor
         * can watch for a listening socket. */
        char **ready_listen;
        ur_stream output_stream; /* default UR_STDOUT_AND_STDERR */
        char *http_status, *http_method, *http_body, *http_unix_socket;
        char **http_headers;
        bool http_insecure;
        /* The first key a run cannot honour although systemd accepts it (StandardInput=tty for
         * a getty): verify warns, a run refuses it at load, naming FILE:LINE. */
        struct {
                char *key, *file, *message;
                unsigned line;
        } refused_at_start;
        uint64_t interval_usec; /* 0: default */
        bool refuse_if_ready;   /* default true */
        struct unit_deferred *deferred;
        size_t n_deferred;

        /* Where some keys were last set (0: not set, or not from a file), so that
         * unit_config_verify() can name the line of a whole-unit problem. */
        struct {
                unsigned type, pid_file, notify_access, http_option, output_stream, listen;
        } lines;
        /* ... and in which of files (set with UNIT_MARK_LINE()). */
        struct {
                unsigned type, pid_file, notify_access, http_option, output_stream, listen;
        } line_files;
};

/* What the host and run %-specifiers expand to (systemd.unit(5), "Specifiers"); NULL
 * fields make the specifier an error. The unit's own ones (%n %N %p %P %i %I %j %J %f %y
 * %Y) come from the unit name and file being parsed. %t %S %C %L are this run's private
 * directories: the run's runtime directory and its state/, cache/ and logs/. */
struct unit_specifiers {
        const char *runtime_dir;      /* %t */
        const char *state_dir;        /* %S */
        const char *cache_dir;        /* %C */
        const char *logs_dir;         /* %L */
        const char *config_dir;       /* %E: /etc (root), else $XDG_CONFIG_HOME */
        const char *credentials_dir;  /* %d: the unit name is appended */
        const char *tmp_dir;          /* %T */
        const char *var_tmp_dir;      /* %V */
        const char *home;             /* %h */
        const char *user;             /* %u */
        const char *uid;              /* %U */
        const char *group;            /* %g */
        const char *gid;              /* %G */
        const char *shell;            /* %s */
        const char *hostname;         /* %H */
        const char *short_hostname;   /* %l */
        const char *pretty_hostname;  /* %q */
        const char *machine_id;       /* %m */
        const char *boot_id;          /* %b */
        const char *kernel_release;   /* %v */
        const char *architecture;     /* %a */
        const char *os_id;            /* %o */
        const char *os_version_id;    /* %w */
        const char *os_variant_id;    /* %W */
        const char *os_build_id;      /* %B */
        const char *os_image_id;      /* %M */
        const char *os_image_version; /* %A */
        char *owned[32];              /* what unit_specifiers_load() allocated */
        unsigned n_owned;
        ur_context *ctx;              /* whose runtime directory %t is */
        bool run_loaded, host_loaded; /* which half unit_specifiers_load() filled in */
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

/* Parses one more file into c: a drop-in (or, from unit_file_parse(), the unit file
 * itself), whose assignments apply on top of what c holds, empty ones resetting. path is
 * appended to c->files and named by its diagnostics. -EINVAL after error diagnostics (c
 * then holds what the good lines set), -ENOMEM. */
int unit_file_parse_into(
        struct unit_config *c, const char *path, const char *text, const struct unit_specifiers *specifiers,
        bool strict, struct unit_diagnostics *diags);
/* A config with every default, for ad-hoc units; then unit_config_assign() per -p KEY=VALUE
 * (section looked up from the key). Errors name `origin` (e.g. "--exec #1") with line 0; an
 * unknown key is an error here, and a refused value leaves c as it was. */
struct unit_config *unit_config_new(const char *name);
/* The same for a unit file: TimeoutStopSec= defaults to systemd's 90 s there. */
struct unit_config *unit_config_new_for_file(const char *name);
int unit_config_assign(
        struct unit_config *c, const char *key, const char *value, const struct unit_specifiers *specifiers,
        const char *origin, struct unit_diagnostics *diags);
/* Expands $VAR and ${VAR} in the [X-Ready] values that name variables, with the unit's
 * environment (base, e.g. environ, then Environment= and UnsetEnvironment=; not
 * EnvironmentFile=, which is read at start), and parses them; an unset variable is
 * empty, "$$" is a '$'. Call once the config is complete, before unit_config_verify().
 * -EINVAL with diagnostics naming each value's FILE:LINE, -ENOMEM. */
int unit_config_expand(
        struct unit_config *c, char *const *base, const struct unit_specifiers *specifiers,
        struct unit_diagnostics *diags);
/* Checks that need the whole unit (ExecStart= present, Type=oneshot for several
 * ExecStart=, PIDFile= for forking, ...); -EINVAL with diagnostics. */
int unit_config_verify(const struct unit_config *c, struct unit_diagnostics *diags);
/* Whether a run's COMMAND may race the unit: Type=simple/exec (ready at exec) with no
 * [X-Ready] condition. */
bool unit_config_races(const struct unit_config *c);
struct unit_config *unit_config_free(struct unit_config *c);
/* What the specifiers mean for units of ctx run by this user, read from the host
 * (unit-host.c) on first need; free with unit_specifiers_done(). init reads nothing;
 * unit_specifiers_load() fills in the half that specifier c belongs to (the run's
 * directories, making the runtime directory, or the host's facts), once. -ENOMEM only:
 * what cannot be read is left NULL (its specifier is then an error) or "" where systemd
 * expands to "" too. */
int unit_specifiers_init(ur_context *ctx, struct unit_specifiers *ret);
int unit_specifiers_load(const struct unit_specifiers *s, char c);
void unit_specifiers_done(struct unit_specifiers *s);
/* An executor of ctx configured as the (verified) config says; dependencies are wired by
 * the caller, who knows the other units (unit-load.c). */
int unit_config_to_executor(ur_context *ctx, const struct unit_config *c, ur_executor **ret);

void unit_diagnostics_done(struct unit_diagnostics *d);
/* "FILE:LINE: message" ("FILE: message" for line 0; "warning: " before the message of a
 * warning), malloc'ed; NULL when out of memory. */
char *unit_diagnostic_format(const struct unit_diagnostic *d);

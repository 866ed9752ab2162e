/* Shared pieces of the unitrun command: exit codes, messages, ad-hoc unit parsing and
 * output forwarding. Each verb lives in its own file. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "unitrun.h"

/* SPEC §3: chosen to stay clear of test runners' 1-5. */
enum {
        EXIT_USAGE = 64,
        EXIT_BAD_UNIT = 65,
        EXIT_NOT_READY = 69,
        EXIT_UNIT_FAILED = 70,
        EXIT_SYSTEM = 71,
};

extern const char *program_name;

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An ad-hoc unit from --exec and the options after it. */
struct adhoc_unit {
        char *name;
        char **argv;
        char **properties; /* "Key=Value" in order; applied after the shortcuts */
};

struct run_options {
        bool quiet;
        bool verbose;
        bool json;
        bool color;
        const char *log_dir;
        const char *events;           /* --events FILE: the --json stream to FILE */
        char **unit_path;             /* --unit-path DIR..., searched first */
        char **unit_files;            /* unit files and unit names, in order */
        char ***unit_file_properties; /* per unit_files entry: "Key=Value" from the options after it */
        struct adhoc_unit *units;
        size_t n_units;
        char **command;       /* after "--" */
        bool after_unit_file; /* parsing: options now follow a unit file, not an --exec */
        bool private_network;
        int private_dirs;     /* --private-dirs[=yes|no]: 1, 0, or -1 (as --private-network) */
        char **ports;         /* --port NAME, in order */
        char **private_paths; /* --private-path DIR */
};

/* Parses argv[first..] for run/up. Returns 0, or EXIT_USAGE after printing why. */
int run_options_parse(int argc, char **argv, int first, bool want_command, struct run_options *ret);
void run_options_done(struct run_options *o);

/* Creates and configures the executors of the ad-hoc units (executors[] has n_units
 * slots); returns 0 or an exit status after printing why. */
int adhoc_units_create(ur_context *ctx, const struct run_options *o, ur_executor **executors);

/* Unit output: "NAME| line" to stderr (through the sink) unless quiet, and DIR/NAME.log
 * with --log-dir; see forward.c. */
struct forwarder;
struct sink;
int forwarder_new(const struct run_options *o, struct sink *sink, struct forwarder **ret);
void forwarder_attach(struct forwarder *f, ur_context *ctx);
/* From now on unit output goes to the log files only (a detached run, once started). */
void forwarder_set_quiet(struct forwarder *f, bool quiet);
/* Known units get their prefix and log file at once (others at their first line). */
void forwarder_add_unit(struct forwarder *f, ur_executor *e);
/* After each loop iteration: log buffers out, pause the units whose queued output passed
 * the limit and resume those whose queue drained (never while stopping). */
void forwarder_balance(struct forwarder *f, bool stopping);
/* "N bytes of NAME's output not shown", for each unit that lost some. */
void forwarder_report_dropped(struct forwarder *f);
struct forwarder *forwarder_free(struct forwarder *f);

/* isolation.c: --private-network/--private-dirs (before any unit exists) and --port. Each
 * returns 0 or an exit status after printing why. */
struct json_log;
int cli_setup_namespaces(ur_context *ctx, const struct run_options *o, struct json_log *json);
/* Waits for what cli_setup_namespaces() began and reports it: before the first start. */
int cli_finish_namespaces(ur_context *ctx, const struct run_options *o, struct json_log *json);
int cli_pick_ports(const struct run_options *o);
/* io.c: all of buf to fd, through send(MSG_NOSIGNAL) on a socket when nosignal is set (a
 * peer gone raises no SIGPIPE), else write(); 0 or -errno. */
int cli_write_all(int fd, const void *buf, size_t n, bool nosignal);
/* UNITRUN_<NAME>_<SUFFIX> for unit name (see run.c); also for unitrun env. */
void unit_env_name(const char *unit, const char *suffix, char *buf, size_t size);

int verb_run(int argc, char **argv);
int verb_wait(int argc, char **argv);
int verb_up(int argc, char **argv);
int verb_verify(int argc, char **argv);
int verb_cat(int argc, char **argv);
int verb_analyze(int argc, char **argv);

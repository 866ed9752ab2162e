/* unitrun analyze: the run an event stream (--json, --events FILE) describes. The reader
 * is pure (bytes in, a struct out, no I/O) so that the fuzzers can feed it anything; the
 * views (analyze-text.c, analyze-plot.c) write to a FILE and read only this struct.
 * Every problem in the input becomes a note naming its line; what can be read is kept. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The newest schema this reader knows (the first line of a stream says which it is). */
#define ANALYZE_SCHEMA 1
/* Times not seen in the stream. */
#define ANALYZE_NONE (-1.0)

struct analyze_mark {
        double ms;
        char *text; /* "restart 1: exit-code: ..." */
};

struct analyze_unit {
        char *name;
        unsigned line; /* its first event */
        char **after;  /* what it was ordered after (schema 1 "starting") */
        size_t n_after;
        double starting_ms; /* the first "starting" */
        double pre_ms;      /* ExecStartPre= began, when it had any */
        double spawn_ms;    /* the main command was spawned */
        double ready_ms;
        uint64_t ready_elapsed_ms; /* spawn to ready, as unitrun measured it */
        uint64_t start_pre_ms;     /* ExecStartPre= time, as unitrun measured it */
        bool ready_seen;
        bool finished; /* a oneshot done: "exited", not running */
        char *conditions;
        double failed_ms;
        char *failed_reason;
        char *failed_message;
        double skipped_ms;
        char *skipped_reason;
        double stopping_ms;
        double stopped_ms;
        bool clean;
        char *exit; /* "exited", "killed", "unknown" */
        int status;
        struct analyze_mark *restarts;
        size_t n_restarts;
        double last_ms;     /* its last event */
        unsigned last_line; /* the line of that event */
};

struct analyze_note {
        unsigned line; /* 0: the stream as a whole */
        char *text;
};

struct analyze_run {
        int schema; /* 0: a stream from before the schema line */
        struct analyze_unit *units;
        size_t n_units;
        char *command; /* NULL: unknown (up, or schema 0) */
        double command_start_ms;
        double command_exit_ms;
        int command_status;
        double last_ms; /* the latest event */
        size_t n_events;
        unsigned n_lines;
        unsigned n_foreign; /* lines that are not JSON at all (unit output in a 2> file) */
        unsigned first_foreign;
        struct analyze_note *notes;
        size_t n_notes;
        size_t n_notes_dropped; /* beyond the cap: counted, not kept */
};

/* Reads the stream in data[0..size) (need not be NUL-terminated). Returns 0, or -ENOMEM;
 * problems of the input are notes, not errors: see run->notes and run->n_events. */
int analyze_read(struct analyze_run *run, const char *data, size_t size);
void analyze_run_done(struct analyze_run *run);

/* The unit called name, or NULL. */
const struct analyze_unit *analyze_find_unit(const struct analyze_run *run, const char *name);
/* When each unit stopped being "starting": ready, failed or skipped; ANALYZE_NONE if never. */
double analyze_unit_settled_ms(const struct analyze_unit *u);
/* When COMMAND started: its event, else (schema 0) the last ready before it exited;
 * ANALYZE_NONE when it never ran. */
double analyze_command_start_ms(const struct analyze_run *run);

/* "94ms", "1.485s", "2min 3.5s", as systemd-analyze writes times. */
void analyze_format_ms(double ms, char *buf, size_t size);

/* The views; each returns 0 or -errno (a write error). */
int analyze_blame(const struct analyze_run *run, FILE *out);
int analyze_critical_chain(const struct analyze_run *run, FILE *out);
int analyze_plot(const struct analyze_run *run, FILE *out);

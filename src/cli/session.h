/* What `run` and `up` share: the context, the units (files and ad-hoc), signals through a
 * signalfd, one epoll loop, starting everything, and the teardown. The verbs add what is
 * theirs (COMMAND for run, the wait for a signal for up). */
#pragma once

#include <signal.h>
#include <stdbool.h>

#include "cli.h"
#include "sink.h"

enum session_phase {
        SESSION_STARTING,
        SESSION_UP, /* everything ready: COMMAND runs (run) or we wait (up) */
        SESSION_STOPPING,
};

struct session {
        struct run_options options;
        ur_context *ctx;
        ur_executor **executors;
        size_t n_executors;
        struct forwarder *forwarder;
        struct sink sink;   /* stderr while the session lasts; see sink.h */
        FILE *saved_stderr; /* the real stderr, back once the sink is flushed */
        bool sink_watched;  /* sink fd in the epoll set for EPOLLOUT */
        bool sink_done;     /* flushed for the last time; stderr is the real one again */
        struct json_log *json;
        struct progress *progress;
        enum session_phase phase;
        int epoll_fd;
        int signal_fd;
        sigset_t saved_mask;
        int extra_fd; /* one more fd in the loop (run: COMMAND's pidfd), or -1 */
        void (*on_extra)(struct session *s);
        /* A signal came: the verb decides (run forwards it to COMMAND). */
        void (*on_signal)(struct session *s, int sig, bool from_terminal);
        int signal; /* the first teardown signal received */
        unsigned n_signals;
        bool start_failed;
        bool unit_failed;
        void *verb; /* the verb's own state */
};

/* Parses the options (argv from index 2), sets up signals, the context and the units.
 * Returns 0 or the exit status to use. */
int session_setup(struct session *s, int argc, char **argv, bool want_command);
/* Starts every unit; 0 when all are ready, else the exit status (69, 128+N, ...). */
int session_start(struct session *s);
/* Runs the loop until done(s) or an error (negative errno). */
int session_wait(struct session *s, bool (*done)(const struct session *s));
int session_add_extra_fd(struct session *s, int fd, void (*on_extra)(struct session *s));
void session_remove_extra_fd(struct session *s);
/* Stops everything (reverse order; at once after a second signal); the exit status to use
 * given the verb's own. */
int session_teardown(struct session *s, int status);
void session_done(struct session *s);

/* Readiness conditions of the [X-Ready] kind: each is a small object behind an ops table,
 * so an executor is spawn + cgroup + a list of checks, never a per-kind executor type.
 * The Type= condition (exec, READY=1, clean exit) lives in the executor itself.
 *
 * A check belongs to an owner (an executor, or a waiter that starts nothing): the owner
 * lends it the loop, the log, the HTTP multi handle, the deadline that bounds single
 * attempts, its sockets (made in the unit's network) and a callback for "met". A check
 * learns nothing else about its owner. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "unitrun.h"

struct ready_check;

struct http_multi;
struct log_target;
struct loop;
struct run_ns;

struct ready_owner {
        struct loop *loop;
        const struct log_target *log; /* "condition holds" messages */
        struct http_multi **http;     /* shared by the HTTP checks; ready-http.c makes it on loop */
        struct run_ns **ns;           /* the run's namespaces (--private-network), or NULL */
        const char *name;             /* for log messages */
        uint64_t deadline_usec;       /* absolute; no single attempt may outlive it */
        uint64_t interval_usec;       /* poll period for polled checks; 0: the adaptive default */
        void (*on_met)(struct ready_owner *owner);
        /* A check inside a check (HTTP='s connect gate) has an owner of its own for on_met,
         * and the outer check's owner here: its deadline and interval are the ones that hold,
         * read at each use and never copied, since EXTEND_TIMEOUT_USEC= moves the deadline. */
        const struct ready_owner *parent;
        /* The PIDs of the unit (Listen=); NULL for an owner that starts nothing. */
        int (*list_pids)(struct ready_owner *owner, pid_t **ret_pids, size_t *ret_n);
        /* The owner hears of every listen(2)/bind(2) of the unit (seccomp notification) and
         * calls ready_listen_kick() then: polling is only the backup. */
        bool listen_events;
        const char *listen_events_by; /* with listen_events: "seccomp events", "BPF events" */
        /* Optional: socket(2) in the unit's network (a PrivateNetwork= unit has a namespace
         * of its own, whose loopback the run's does not reach): an fd, or -1 with errno.
         * Without it, or in a check inside a check, the nearest owner's that has one; else
         * the run's network (ns). */
        int (*open_socket)(struct ready_owner *owner, int family, int type);
};

struct ready_ops {
        const char *kind;
        /* Before spawning: 1 if the condition holds already, which for a network address
         * means someone else is listening there; a message for the user in buf. */
        int (*probe)(struct ready_check *c, char *buf, size_t size);
        /* Start watching (right after spawning). */
        int (*begin)(struct ready_check *c);
        /* Every line of output (complete or not yet), for output conditions. */
        void (*on_line)(struct ready_check *c, int stream, const char *line, size_t len);
        /* Stop watching: readiness reached, or the start failed or is being retried. */
        void (*end)(struct ready_check *c);
        /* Optional: a process of the unit is calling listen(2) or bind(2) (reported before
         * the call runs): look now, and again in a moment. A kind with this op makes the
         * executor ask for those events. */
        void (*kick)(struct ready_check *c);
        /* Optional, with kick: which calls the check must hear of (READY_LISTEN_* bits),
         * for the executor's choice of mechanism; without it, every kind. */
        unsigned (*listen_needs)(const struct ready_check *c);
        /* Short description for "still waiting for ..." messages. */
        void (*describe)(const struct ready_check *c, char *buf, size_t size);
        void (*free)(struct ready_check *c);
};

enum {
        READY_LISTEN_TCP = 1 << 0,  /* listen() of a TCP socket */
        READY_LISTEN_UDP = 1 << 1,  /* bind() of a UDP socket */
        READY_LISTEN_UNIX = 1 << 2, /* listen() of a unix socket */
};

struct ready_check {
        const struct ready_ops *ops;
        struct ready_owner *owner;
        struct ready_check *next;
        bool met;
        int streams; /* output conditions: the streams they read (UR_STDOUT | UR_STDERR) */
};

/* socket(2) where the unit is: through the owner's open_socket, else in the run's network
 * namespace if it has one. Sets errno. */
int ready_socket_open(const struct ready_owner *owner, int family, int type);

/* Where the launcher finds path as the units see it: with private directories, through
 * the namespace holder's root (/proc/PID/root/...); else path itself. */
const char *ready_real_path(const struct ready_owner *owner, const char *path, char *buf, size_t size);

/* A check calls this once its condition holds. */
void ready_check_met(struct ready_check *c);

/* The deadline that bounds an attempt now: the outermost owner's. */
uint64_t ready_deadline(const struct ready_owner *owner);

/* Poll period of the polled checks: short at first (0.2 ms) (a daemon is usually up within
 * milliseconds), growing to a cap that still keeps the median overshoot low; on a long
 * wait (since_usec: when the check began, 0: unknown) the cap stretches with the time
 * waited, so that waiting stays cheap (ready.c).
 * backup: the owner hears of the unit's listen()s (ready_hears_listens()) and the check
 * polls an address where the unit's own listener would be, so the events find that one at
 * once and polling is only for a listener outside the unit (a proxy, a container's port
 * forward): no fast start then, the cap (5 ms) from the first poll, and on a long wait a
 * quarter of the time waited instead of an eighth (at most 50 ms all the same). */
uint64_t ready_next_interval(
        const struct ready_owner *owner, uint64_t previous_usec, uint64_t since_usec, bool backup);
/* The owner hears of every listen(2)/bind(2) of the unit as it happens. */
bool ready_hears_listens(const struct ready_owner *owner);
/* cap_usec, or the time waited since since_usec divided by share (8: an eighth) when that
 * is more, at most long_cap_usec. */
uint64_t ready_stretched_cap(uint64_t cap_usec, uint64_t long_cap_usec, uint64_t since_usec, unsigned share);
/* The owner fixed the period (Interval=). */
bool ready_interval_fixed(const struct ready_owner *owner);

/* Constructors; *ret_error gets a malloc'ed message for invalid arguments. */
int ready_output_new(
        struct ready_owner *o, const char *regex, int streams, struct ready_check **ret, char **ret_error);
int ready_tcp_new(struct ready_owner *o, const char *host_port, struct ready_check **ret, char **ret_error);
int ready_unix_new(struct ready_owner *o, const char *path, struct ready_check **ret, char **ret_error);
int ready_file_new(struct ready_owner *o, const char *path, struct ready_check **ret, char **ret_error);
int ready_http_new(
        struct ready_owner *o, const ur_http_check *spec, struct ready_check **ret, char **ret_error);
int ready_callback_new(struct ready_owner *o, ur_ready_fn fn, void *userdata, struct ready_check **ret);
/* spec: "yes" (or NULL), PORT, HOST:PORT, [v6]:PORT, /path, @abstract. */
int ready_listen_new(struct ready_owner *o, const char *spec, struct ready_check **ret, char **ret_error);

enum ready_kind {
        READY_OUTPUT,
        READY_TCP,
        READY_UNIX,
        READY_FILE,
        READY_HTTP,
        READY_CALLBACK,
        READY_LISTEN,
};

/* One condition as the public API gives it: which kind, and the kind's argument. */
struct ready_spec {
        enum ready_kind kind;
        const char *arg;           /* regex, host:port, socket path, file path, Listen= value */
        int streams;               /* READY_OUTPUT: which streams */
        const ur_http_check *http; /* READY_HTTP */
        ur_ready_fn fn;            /* READY_CALLBACK, with its userdata */
        void *userdata;
};

/* Makes the check `spec` describes for `owner` and appends it to *list. -EINVAL for a missing
 * argument; a constructor's message (invalid argument) in *ret_error, else NULL there. */
int ready_list_add(
        struct ready_check **list, const struct ready_spec *spec, struct ready_owner *owner,
        char **ret_error);
void ready_list_append(struct ready_check **list, struct ready_check *c);
void ready_list_free(struct ready_check **list);
/* "a, b, c" of the checks not met yet. */
void ready_list_describe_pending(const struct ready_check *list, char *buf, size_t size);

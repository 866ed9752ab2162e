/* Readiness conditions of the [X-Ready] kind: each is a small object behind an ops table,
 * so an executor is spawn + cgroup + a list of checks, never a per-kind executor type.
 * The Type= condition (exec, READY=1, clean exit) lives in the executor itself. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct ur_executor;
struct ready_check;

struct ready_ops {
        const char *kind;
        /* Called right before spawning (probes) and right after (start watching). */
        int (*begin)(struct ready_check *c);
        /* Every line of output (complete or not yet), for output conditions. */
        void (*on_line)(struct ready_check *c, int stream, const char *line, size_t len);
        /* Stop watching: readiness reached, or the start failed or is being retried. */
        void (*end)(struct ready_check *c);
        /* Short description for "still waiting for ..." messages. */
        void (*describe)(const struct ready_check *c, char *buf, size_t size);
        void (*free)(struct ready_check *c);
};

struct ready_check {
        const struct ready_ops *ops;
        struct ur_executor *executor;
        struct ready_check *next;
        bool met;
};

/* A check calls this once its condition holds. */
void ready_check_met(struct ready_check *c);

int ready_output_new(struct ur_executor *e, const char *regex, int streams, struct ready_check **ret,
                     char **ret_error);

/* What the detached-run verbs share (up --detach, status, env, down, logs, exec): where a
 * run's state lives, its lock, its state file, the sweep of a run whose supervisor died,
 * and the control protocol (one request line, then the answer until end-of-file). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli.h"

/* status: 3 when some unit failed (systemctl's convention), 4 when there is no such run. */
enum {
        EXIT_RUN_DEGRADED = 3,
        EXIT_NO_SUCH_RUN = 4,
};

#define DETACH_DEFAULT_NAME "default"

/* NAME: letters, digits, '.', '_', '-', not starting with '.', at most 64 characters. */
bool detach_name_valid(const char *name);
/* $XDG_RUNTIME_DIR/unitrun, or /run/unitrun for root; created when create is set. */
int detach_base_dir(bool create, char **ret);
/* BASE/NAME. */
int detach_state_dir(const char *name, bool create, char **ret);

/* Takes NAME's lock (a lock file in the state dir, held by the supervisor for its whole
 * life): the fd, -EBUSY when a live supervisor holds it, -ENOENT when there is no state
 * (and create is not set). */
int detach_lock(const char *dir, bool create, int *ret_fd);

/* The state file, KEY VALUE lines: pid, start, runtime_dir, cgroup, isolation, log_dir. */
struct detach_state {
        pid_t pid;
        unsigned long long start_time; /* /proc/PID/stat field 22 */
        char *runtime_dir;
        char *cgroup;
        char *isolation;
        char *log_dir;
};
int detach_state_read(const char *dir, struct detach_state *ret);
void detach_state_done(struct detach_state *st);
int detach_state_write(const char *dir, const struct detach_state *st);
unsigned long long detach_process_start_time(pid_t pid);

/* What a dead supervisor left (its units' cgroups, the runtime dir), then the state dir;
 * the caller holds the lock. Says what it swept on stderr unless quiet. */
int detach_sweep(const char *name, const char *dir, bool quiet);
/* rm -rf. */
int detach_remove_tree(const char *path);
/* A run's state dir, and the base dir above it once no run is left there. */
int detach_remove_state_dir(const char *dir);

/* Client side: sends REQUEST to NAME's supervisor and reads the whole answer (its first
 * line is the status code). Returns the code (>= 0), or an exit status for the caller
 * after saying why (4 no such run, 3 a dead supervisor's stale state). */
int control_request(const char *name, const char *request, char **ret_body, size_t *ret_size);
/* The same, and an fd the supervisor passed along in *ret_fd (-1 on entry; -1 if none). */
int control_request_fd(
        const char *name, const char *request, char **ret_body, size_t *ret_size, int *ret_fd);

int verb_status(int argc, char **argv);
int verb_env(int argc, char **argv);
int verb_down(int argc, char **argv);
int verb_logs(int argc, char **argv);
int verb_exec(int argc, char **argv);

int verb_up_detach(int argc, char **argv);
bool detach_requested(int argc, char **argv);

/* Shared by the client verbs (status.c): the message and exit status for a failed
 * control_request(). */
int control_explain(const char *name, int r);

/* One option of a client verb besides --name: a flag (NAME or ALIAS sets *flag), or one that
 * takes a value: the next argument, with equals also NAME=VALUE. A value that is missing
 * makes NAME an unknown argument. */
struct client_option {
        const char *name;
        const char *alias;
        bool *flag;
        bool takes_value;
        bool equals;
        const char **value; /* where the value goes, if anywhere */
        /* Checks (and converts) the value where it stands: 0, or an exit status (not 1)
         * after saying why. */
        int (*check)(const char *value, void *userdata);
        void *userdata;
};

/* A client verb's command line: --name NAME into *name, its options (ending with a { NULL }),
 * and, where it has them, its operands (arguments not starting with '-', pushed onto
 * *operands) or a COMMAND after "--". */
struct client_args {
        const char **name;
        const struct client_option *options;
        char ***operands;
        bool command;
};

/* Parses argv[2..] (see client-options.c): 0 with *ret_end where it stopped (argc, or the
 * "--" before COMMAND), or the exit status after saying why (64; 71 out of memory). */
int client_args_parse(int argc, char **argv, const struct client_args *a, int *ret_end);

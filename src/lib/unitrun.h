/* libunitrun: start daemons, know the moment each one is ready, tear everything down.
 *
 * Conventions: functions return >= 0 on success and a negative errno on failure; out
 * parameters come last and are untouched on failure; *_free() accepts NULL and returns
 * NULL. The library never prints, never exits, installs no signal handler and blocks no
 * signal. It is not thread-safe: use one context from one thread.
 *
 * A context owns an event loop (one pollable fd), the run's private runtime directory and
 * the cgroup subtree its executors live in. An executor is one process (plus everything it
 * forks) with its readiness conditions. Blocking calls (ur_executor_start/stop) drive the
 * context's loop themselves; an embedder with its own loop polls ur_context_get_fd() and
 * calls ur_context_dispatch(ctx, 0) when it is readable, using the *_begin() calls. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UR_USEC_INFINITY UINT64_MAX

typedef struct ur_context ur_context;
typedef struct ur_executor ur_executor;

/* ---- Context ---------------------------------------------------------------------- */

typedef enum ur_isolation {
        UR_ISOLATION_CGROUP,   /* one cgroup v2 leaf per executor below our own subtree */
        UR_ISOLATION_SCOPE,    /* the same, below a delegated systemd scope */
        UR_ISOLATION_FALLBACK, /* no cgroup: a session per executor, tracked through /proc */
} ur_isolation;

typedef enum ur_log_level {
        UR_LOG_ERROR = 3,
        UR_LOG_WARNING = 4,
        UR_LOG_INFO = 6,
        UR_LOG_DEBUG = 7,
} ur_log_level;

typedef void (*ur_log_fn)(ur_log_level level, const char *unit, const char *message, void *userdata);

/* Cheap: the runtime directory and isolation (cgroups) are set up at first need (a spawn
 * or a query); UNITRUN_NO_CGROUP=1 forces the fallback isolation. */
int ur_context_new(ur_context **ret);
/* Stops every executor still running (whole cgroup), removes cgroups and the runtime dir. */
ur_context *ur_context_free(ur_context *ctx);

void ur_context_set_log(ur_context *ctx, ur_log_fn fn, void *userdata);
ur_isolation ur_context_get_isolation(ur_context *ctx);
/* Why the fallback was chosen (NULL with cgroup isolation). */
const char *ur_context_get_isolation_reason(ur_context *ctx);
/* The run's private runtime directory (0700): what %t means in unit files. NULL if it
 * cannot be created. */
const char *ur_context_get_runtime_dir(ur_context *ctx);
/* The cgroup v2 directory holding the run's leaves (NULL in the fallback). */
const char *ur_context_get_cgroup(ur_context *ctx);

/* An fd (epoll) that is readable whenever ur_context_dispatch() has work to do. */
int ur_context_get_fd(const ur_context *ctx);
/* Waits up to timeout_ms (-1: forever, 0: don't wait) and handles what is pending.
 * Returns the number of events handled. */
int ur_context_dispatch(ur_context *ctx, int timeout_ms);

/* ---- Executors -------------------------------------------------------------------- */

typedef enum ur_type {
        UR_TYPE_SIMPLE,  /* ready once execve() succeeded (we always learn that: it costs nothing) */
        UR_TYPE_EXEC,    /* the same; kept apart for unit-file fidelity */
        UR_TYPE_NOTIFY,  /* ready on READY=1 */
        UR_TYPE_ONESHOT, /* ready once the process exited cleanly (all ExecStart= in turn) */
        UR_TYPE_FORKING, /* ready once the process exited cleanly; main PID from the PID file */
} ur_type;

/* Commands of a unit besides the main one, as in systemd.service(5). */
typedef enum ur_command_kind {
        UR_EXEC_START,      /* further main commands: only for UR_TYPE_ONESHOT, run in turn */
        UR_EXEC_START_PRE,  /* before the main command; each must succeed */
        UR_EXEC_START_POST, /* once ready; each must succeed */
        UR_EXEC_STOP,       /* to stop it, if it started; $MAINPID is set */
        UR_EXEC_STOP_POST,  /* after it stopped, always */
} ur_command_kind;

#define UR_COMMAND_IGNORE_FAILURE (1u << 0) /* "-": its failure does not count */
#define UR_COMMAND_NO_ENV_EXPAND (1u << 1)  /* ":": no $VAR expansion */
#define UR_COMMAND_ARGV0 (1u << 2)          /* "@": the second word is argv[0] */

typedef enum ur_state {
        UR_STATE_INACTIVE, /* never started, or stopped */
        UR_STATE_STARTING,
        UR_STATE_RUNNING, /* ready */
        UR_STATE_EXITED,  /* a oneshot that finished cleanly */
        UR_STATE_STOPPING,
        UR_STATE_FAILED,
} ur_state;

typedef enum ur_failure {
        UR_FAILURE_NONE,
        UR_FAILURE_EXEC,       /* the program could not be executed (errno in the message) */
        UR_FAILURE_EXITED,     /* exited (or died) before it was ready */
        UR_FAILURE_TIMEOUT,    /* TimeoutStartSec ran out */
        UR_FAILURE_CRASHED,    /* the main process exited while it should be running */
        UR_FAILURE_STOP,       /* unclean exit status at stop, or it needed the final kill */
        UR_FAILURE_SYSTEM,     /* a resource or kernel failure of ours */
        UR_FAILURE_IN_USE,     /* a TCP/unix/HTTP address answered before we spawned anything */
        UR_FAILURE_DEPENDENCY, /* not started: a Requires= dependency it is ordered after failed */
} ur_failure;

typedef enum ur_stream {
        UR_STDOUT = 1,
        UR_STDERR = 2,
        UR_STDOUT_AND_STDERR = 3,
} ur_stream;

typedef enum ur_stdio {
        UR_STDIO_CAPTURE, /* default: a pipe the loop drains; lines go to the output callback */
        UR_STDIO_INHERIT,
        UR_STDIO_NULL,
        UR_STDIO_FILE, /* truncate */
        UR_STDIO_APPEND,
} ur_stdio;

typedef enum ur_kill_mode {
        UR_KILL_CONTROL_GROUP, /* KillSignal to every process of the unit */
        UR_KILL_MIXED,         /* KillSignal to the main process, final kill to all */
        UR_KILL_PROCESS,       /* KillSignal to the main process only */
} ur_kill_mode;

typedef enum ur_notify_access {
        UR_NOTIFY_ALL,  /* any process of the executor's cgroup (session in the fallback) */
        UR_NOTIFY_MAIN, /* the main process only */
} ur_notify_access;

/* Event callback: state changes of any executor of the context. */
typedef void (*ur_state_fn)(ur_executor *e, ur_state state, void *userdata);
/* Output callback: one line (without its newline) of captured output; a last line without
 * newline is delivered when the stream closes. */
typedef void (*ur_output_fn)(ur_executor *e, ur_stream stream, const char *line, size_t len, void *userdata);

void ur_context_set_state_callback(ur_context *ctx, ur_state_fn fn, void *userdata);
void ur_context_set_output_callback(ur_context *ctx, ur_output_fn fn, void *userdata);

/* name: a unique name within the context (e.g. "redis.service"; no '/', not starting with
 * '.', at most 200 bytes: it names the executor's cgroup); argv[0] is looked up in
 * PATH (the executor's PATH if set, else the caller's) when it has no slash. */
int ur_executor_new(ur_context *ctx, const char *name, char *const argv[], ur_executor **ret);
/* The same with "/bin/sh -c CMDLINE". */
int ur_executor_new_shell(ur_context *ctx, const char *name, const char *cmdline, ur_executor **ret);
/* The same with a command line in ExecStart= syntax (systemd quoting and escapes, no
 * shell); $VAR and ${VAR} are expanded with the executor's environment when it is spawned
 * (unless UR_COMMAND_NO_ENV_EXPAND). -EINVAL for a malformed line. */
int ur_executor_new_cmdline(
        ur_context *ctx, const char *name, const char *cmdline, unsigned flags, ur_executor **ret);
/* Stops it first if needed. Must not be called from a callback. */
ur_executor *ur_executor_free(ur_executor *e);

const char *ur_executor_get_name(const ur_executor *e);
ur_context *ur_executor_get_context(const ur_executor *e);
void ur_executor_set_userdata(ur_executor *e, void *userdata);
void *ur_executor_get_userdata(const ur_executor *e);

/* Configuration; takes effect at the next start. The environment starts as a copy of the
 * caller's environ; set/unset edit it, clear empties it. */
int ur_executor_set_env(ur_executor *e, const char *name, const char *value);
int ur_executor_unset_env(ur_executor *e, const char *name);
int ur_executor_clear_env(ur_executor *e);
int ur_executor_set_cwd(ur_executor *e, const char *directory);
/* UnsetEnvironment=: removed from the final environment of each spawn, after
 * EnvironmentFile= (unset_env() instead edits the environment now). */
int ur_executor_add_unset_environment(ur_executor *e, const char *name);
/* EnvironmentFile=: read at each spawn, overriding set_env; a missing file fails the start
 * unless optional. */
int ur_executor_add_environment_file(ur_executor *e, const char *path, bool optional);
/* cmdline in ExecStart= syntax, as for ur_executor_new_cmdline(). */
int ur_executor_add_command(ur_executor *e, ur_command_kind kind, const char *cmdline, unsigned flags);
/* For UR_TYPE_FORKING: where the daemon writes its PID (relative: to the runtime dir). */
int ur_executor_set_pid_file(ur_executor *e, const char *path);
/* RuntimeDirectory=: made under the runtime dir at start ($RUNTIME_DIRECTORY), removed at stop. */
int ur_executor_add_runtime_directory(ur_executor *e, const char *name);
/* stream: UR_STDOUT or UR_STDERR; path only for FILE/APPEND. */
int ur_executor_set_stdio(ur_executor *e, ur_stream stream, ur_stdio mode, const char *path);
int ur_executor_set_type(ur_executor *e, ur_type type);
int ur_executor_set_start_timeout(ur_executor *e, uint64_t usec);
int ur_executor_set_stop_timeout(ur_executor *e, uint64_t usec);
int ur_executor_set_kill_signal(ur_executor *e, int sig);
int ur_executor_set_final_kill_signal(ur_executor *e, int sig);
int ur_executor_set_send_sigkill(ur_executor *e, bool send);
int ur_executor_set_kill_mode(ur_executor *e, ur_kill_mode mode);
/* Also gives a non-notify executor a NOTIFY_SOCKET (for STATUS=, MAINPID=, ...). */
int ur_executor_set_notify_access(ur_executor *e, ur_notify_access access);
/* Extra clean exit statuses (0..255) and clean deaths by signal. */
int ur_executor_add_success_status(ur_executor *e, int status);
int ur_executor_add_success_signal(ur_executor *e, int sig);
/* Ready once a line of the stream matches the POSIX extended regex (searched, not anchored).
 * -EINVAL for a bad regex (see ur_executor_get_error()). */
int ur_executor_add_ready_output(ur_executor *e, const char *regex, ur_stream streams);

/* An HTTP readiness condition: ready once a request gets a status matching status_regex. */
typedef struct ur_http_check {
        const char *url;            /* http:// or https://; the query string is kept */
        const char *method;         /* NULL: GET; HEAD, POST, PUT, ... */
        const char *status_regex;   /* NULL: "2[0-9][0-9]"; an ERE matched against the whole code */
        const char *const *headers; /* NULL-terminated "Name: value" list, or NULL */
        const char *body;           /* request body, or NULL */
        const char *unix_socket;    /* talk HTTP over this unix socket instead of TCP, or NULL */
        bool insecure;              /* https without certificate verification */
} ur_http_check;

/* Ready once a TCP connect to HOST:PORT succeeds (every address the host resolves to;
 * "[::1]:5432" for IPv6 literals). */
int ur_executor_add_ready_tcp(ur_executor *e, const char *host_port);
/* Ready once a stream connect to the unix socket succeeds (the file alone is not enough). */
int ur_executor_add_ready_unix(ur_executor *e, const char *path);
int ur_executor_add_ready_http(ur_executor *e, const ur_http_check *check);
/* Ready once the file exists (inotify: no polling, the directory may appear later). */
int ur_executor_add_ready_file(ur_executor *e, const char *path);
/* Poll period of TCP/unix/HTTP conditions; 0 (default): starts at 1 ms, grows to 5 ms. */
int ur_executor_set_ready_interval(ur_executor *e, uint64_t usec);
/* Default true: if a TCP/unix/HTTP address already answers before spawning, the start
 * fails with UR_FAILURE_IN_USE (-EADDRINUSE), naming who listens there where we can tell. */
int ur_executor_set_refuse_if_ready(ur_executor *e, bool refuse);

/* Spawns and blocks until ready (0) or failed (< 0; ur_executor_get_failure() says why and
 * ur_executor_get_error() how): the execve() errno for UR_FAILURE_EXEC, -ECHILD when it
 * exited before it was ready, -ETIMEDOUT, -EADDRINUSE, -ECANCELED when stopped meanwhile, -EBUSY when it
 * is already active. A failed executor has been stopped, whole cgroup, before this returns. */
int ur_executor_start(ur_executor *e);
/* Spawns and returns at once; progress happens in ur_context_dispatch(). */
int ur_executor_start_begin(ur_executor *e);
/* KillSignal, TimeoutStopSec, final kill, wait until nothing of it is left. Returns 0 if it
 * stopped cleanly, -EBADE when it stopped with an error (ur_executor_get_failure() is
 * UR_FAILURE_STOP), or another negative errno. Stopping an inactive executor is a no-op. */
int ur_executor_stop(ur_executor *e);
int ur_executor_stop_begin(ur_executor *e);
/* Skips what remains of the stop grace period: the final kill now. */
int ur_executor_stop_now(ur_executor *e);
/* Sends sig to the processes of the executor (the whole cgroup when all is true). */
int ur_executor_kill(ur_executor *e, int sig, bool all);
int ur_executor_restart(ur_executor *e);

ur_state ur_executor_get_state(const ur_executor *e);
bool ur_executor_is_running(const ur_executor *e);
/* Main PID (after MAINPID=, the reported one), or 0 when it is not running. */
pid_t ur_executor_get_pid(const ur_executor *e);
/* Of the last main process: true and a waitid()-style code/status once it exited. */
bool ur_executor_get_exit(const ur_executor *e, int *ret_code, int *ret_status);
ur_failure ur_executor_get_failure(const ur_executor *e);
/* Human-readable reason of the last failure, with the last lines of output; or NULL. */
const char *ur_executor_get_error(const ur_executor *e);
/* Last STATUS= text received over sd_notify, or NULL. */
const char *ur_executor_get_status_text(const ur_executor *e);
/* Captured output so far (the last 4 MiB of it, see set_output_capture) for one stream. */
const char *ur_executor_get_output(const ur_executor *e, ur_stream stream, size_t *ret_len);
/* How many bytes of each stream get_output keeps (default 4 MiB; 0: none, for an embedder
 * that forwards the lines and wants its memory bounded); forgets what was captured. */
int ur_executor_set_output_capture(ur_executor *e, size_t max_bytes);
/* Backpressure: while paused, the executor's output pipes are not read, so a daemon that
 * fills its pipe blocks on its own write (and an output readiness condition waits); the
 * rest of the context goes on. For an embedder whose sink for the lines is full. Lasts
 * across restarts until resumed. */
int ur_executor_set_output_paused(ur_executor *e, bool paused);
/* The executor's cgroup directory while it exists, else NULL. */
const char *ur_executor_get_cgroup(const ur_executor *e);
/* CPU time (user + system) used by the executor's processes, in microseconds; recorded at
 * stop for stopped executors. -ENODATA when not measurable (fallback). */
int ur_executor_get_cpu_usage(const ur_executor *e, uint64_t *ret_usec);
/* Peak memory of the executor's processes (memory.peak), recorded at stop; -ENODATA where
 * the memory controller is not enabled for the run (hybrid hosts, most delegations). */
int ur_executor_get_memory_peak(const ur_executor *e, uint64_t *ret_bytes);
/* "READY=1, TCP 127.0.0.1:5432, ..." : what makes this executor ready, into buf. */
void ur_executor_describe_conditions(const ur_executor *e, char *buf, size_t size);
/* Milliseconds from spawn to ready of the last start. */
uint64_t ur_executor_get_ready_msec(const ur_executor *e);

/* ---- Unit files ------------------------------------------------------------------------ */

#define UR_LOAD_STRICT (1u << 0) /* unknown keys are errors, not warnings */

/* One problem in a unit file: file, line (0: the file as a whole), error or warning. */
typedef void (*ur_diagnostic_fn)(
        const char *file, unsigned line, bool error, const char *message, void *userdata);

/* Loads unit files (systemd syntax, SPEC §1) into executors of ctx, following Requires=
 * and Wants= to units in the same directory, with their dependencies wired. Every problem
 * goes to diagnostic. On any error (-EINVAL) nothing is created; on success *ret_executors
 * (malloc'ed, optional) lists the executors made, given files first. */
int ur_context_load_units(
        ur_context *ctx, char *const *paths, unsigned flags, ur_diagnostic_fn diagnostic, void *userdata,
        ur_executor ***ret_executors, size_t *ret_n);

/* ---- Dependencies and starting a set of executors --------------------------------------- */

#define UR_DEP_REQUIRES (1u << 0) /* if dep fails (and AFTER is set), e is not started */
#define UR_DEP_WANTS (1u << 1)    /* informational: dep's failure does not matter */
#define UR_DEP_AFTER (1u << 2)    /* e starts once dep is ready, and stops before dep */

/* Both executors must belong to the same context. Before= is add_dependency(other, e, AFTER). */
int ur_executor_add_dependency(ur_executor *e, ur_executor *dep, unsigned flags);
/* -ELOOP when the After= ordering has a cycle; *ret_cycle (malloc'ed, optional) then says
 * "a.service -> b.service -> a.service". */
int ur_context_check_cycles(ur_context *ctx, char **ret_cycle);
/* Starts every inactive executor, each as soon as all it is ordered after are ready;
 * independent ones in parallel. A Requires=+After= dependency that fails marks the
 * dependent FAILED (UR_FAILURE_DEPENDENCY) without starting it. */
int ur_context_start_all_begin(ur_context *ctx);
/* Stops every active executor in reverse order: each once all ordered after it are down. */
int ur_context_stop_all_begin(ur_context *ctx);
/* Blocking forms: start_all returns 0 once all are ready, or the first failure's negative
 * errno once nothing is starting any more; stop_all once nothing is left (-EBADE if any
 * stopped with an error). */
int ur_context_start_all(ur_context *ctx);
int ur_context_stop_all(ur_context *ctx);

/* ---- Waiting for conditions without starting anything ---------------------------------- */

typedef struct ur_waiter ur_waiter;

int ur_waiter_new(ur_context *ctx, ur_waiter **ret);
ur_waiter *ur_waiter_free(ur_waiter *w);
int ur_waiter_add_tcp(ur_waiter *w, const char *host_port);
int ur_waiter_add_unix(ur_waiter *w, const char *path);
int ur_waiter_add_http(ur_waiter *w, const ur_http_check *check);
int ur_waiter_add_file(ur_waiter *w, const char *path);
int ur_waiter_set_interval(ur_waiter *w, uint64_t usec);
/* Blocks until every condition holds (0) or the timeout passes (-ETIMEDOUT). */
int ur_waiter_wait(ur_waiter *w, uint64_t timeout_usec);
/* Why the last add or wait failed ("still waiting for: ..."), or NULL. */
const char *ur_waiter_get_error(const ur_waiter *w);

const char *ur_state_to_string(ur_state s);
const char *ur_failure_to_string(ur_failure f);

#ifdef __cplusplus
}
#endif

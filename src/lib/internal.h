/* The context and executor structures, shared by the files that implement them. */
#pragma once

#include <stdarg.h>

#include "cgroup.h"
#include "guardian.h"
#include "loop.h"
#include "output.h"
#include "process-config.h"
#include "ready.h"
#include "spawn.h"
#include "unitrun.h"

struct ur_context {
        struct loop loop;
        char *runtime_dir;
        bool isolation_known;
        ur_isolation isolation;
        char *isolation_reason;
        struct cgroup_run *cgroup;
        ur_log_fn log_fn;
        void *log_userdata;
        ur_state_fn state_fn;
        void *state_userdata;
        ur_output_fn output_fn;
        void *output_userdata;
        struct ur_executor *executors;
        unsigned next_id;
        struct http_multi *http;  /* created on the first HTTP check */
        struct guardian guardian; /* cleans up should this process die first */
        bool scheduling, schedule_again;
};

struct dependency {
        ur_executor *other;
        unsigned flags; /* UR_DEP_* */
};

/* One command of a unit: ExecStart=, ExecStartPre=, ... */
struct command {
        char **argv;    /* literal argv (ur_executor_new), or NULL */
        char *line;     /* ExecStart= syntax: split, and $VAR-expanded, when spawned */
        unsigned flags; /* UR_COMMAND_* */
};

struct command_list {
        struct command *items;
        size_t n;
};

struct environment_file {
        char *path;
        bool optional;
};

/* Where a run is; the public ur_state is derived from it and the target. */
enum run_phase {
        RUN_IDLE,
        RUN_START_PRE,  /* control process: ExecStartPre=[index] */
        RUN_MAIN,       /* ExecStart=[index] spawned, waiting for readiness */
        RUN_START_POST, /* control process: ExecStartPost=[index] */
        RUN_UP,         /* ready: running, or a oneshot that finished */
        RUN_STOP_CMD,   /* control process: ExecStop=[index] */
        RUN_KILL,       /* signals sent, waiting for the unit to be empty */
        RUN_STOP_POST,  /* control process: ExecStopPost=[index] */
};

/* A process we spawned and therefore reap. */
struct spawned {
        pid_t pid;
        struct watch watch; /* its pidfd */
        bool exited;
        int code, status; /* as waitid() reports them */
};

#define COMMAND_KINDS (UR_EXEC_STOP_POST + 1)

struct ur_executor {
        ur_context *ctx;
        struct ur_executor *next;
        char *name;
        unsigned id;
        void *userdata;

        /* Configuration. */
        struct command_list commands[COMMAND_KINDS]; /* [UR_EXEC_START] holds the main command(s) */
        char **env;
        struct environment_file *environment_files;
        size_t n_environment_files;
        char **unset_environment; /* applied last, at each spawn */
        char *cwd;
        struct {
                ur_stdio mode;
                char *path;
        } stdio[3]; /* indexed by ur_stream: [1] stdout, [2] stderr */
        ur_type type;
        char *pid_file; /* Type=forking */
        char **runtime_directories;
        struct process_config proc; /* User=, Limit*=, StandardInput=, ... (process-config.c) */
        uint64_t start_timeout_usec;
        uint64_t stop_timeout_usec;
        int kill_signal;
        int final_kill_signal;
        bool send_sigkill;
        ur_kill_mode kill_mode;
        ur_notify_access notify_access;
        bool notify_access_set; /* NotifyAccess= given: a socket even without Type=notify */
        uint8_t success_status[256 / 8];
        uint64_t success_signals; /* bit n: signal n */
        struct ready_check *checks;
        struct ready_owner owner; /* what the checks see of us */
        bool refuse_if_ready;

        /* The current (or last) run. */
        ur_state state;
        enum run_phase phase;
        size_t index;         /* into the command list of the phase */
        ur_state stop_target; /* INACTIVE for a stop, FAILED after a failure */
        ur_failure failure;
        char *error;
        char *status_text;
        uint64_t spawn_usec;
        uint64_t ready_usec;
        uint64_t cpu_usec;
        bool cpu_known;
        uint64_t memory_peak;
        bool memory_peak_known;

        struct spawned child;   /* the process of ExecStart=[index] */
        struct spawned control; /* ExecStartPre=/Post=/Stop=/StopPost= */

        pid_t main_pid;          /* child.pid, or what MAINPID= or PIDFile= named */
        struct watch main_watch; /* only when main_pid is not our child */
        bool main_exited;
        int main_code, main_status; /* main_code 0: unknown (not our child) */

        struct watch exec_watch; /* error pipe of the latest spawn */
        bool exec_for_control;
        bool exec_done; /* the main command's execve() succeeded */
        int exec_errno; /* why execve() (or a step before it) failed */

        struct watch notify_watch;
        char *notify_path;
        bool notify_ready;
        unsigned notify_received; /* messages this run accepted from the unit */
        unsigned notify_ignored;  /* dropped, or from processes not of the unit */

        int stdio_child[3];          /* the child ends of our pipes, kept for every spawn of the run */
        struct output_stream out[2]; /* stdout, stderr */
        struct line_ring recent;

        struct watch timer;
        uint64_t deadline_usec;

        char *cgroup_path;
        bool leaf_killed;          /* cgroup.kill was written: later spawns must join, not be born there */
        struct watch cgroup_watch; /* cgroup.events */
        bool populated;
        pid_t *sessions; /* fallback isolation: the sessions our spawns created */
        size_t n_sessions;
        char **runtime_directory_paths; /* created for this run, removed at its end */

        bool final_kill_sent;
        bool stop_unclean;

        /* Dependencies (context-schedule.c). */
        struct dependency *deps;
        size_t n_deps;
        bool start_pending; /* waiting for what it is ordered after */
        bool stop_pending;  /* waiting for what is ordered after it */
};

/* Isolation is set up on first need (a spawn), not at ur_context_new(): `unitrun wait`
 * and other users that start nothing never touch cgroups. */
void context_ensure_isolation(ur_context *ctx);
/* The same for the private runtime directory (made on first need, removed by free). */
int context_ensure_runtime_dir(ur_context *ctx);
int context_ensure_guardian(ur_context *ctx);

void context_log(ur_context *ctx, ur_log_level level, const char *unit, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void context_unlink_executor(ur_context *ctx, ur_executor *e);
/* context-schedule.c: starts and stops what became possible; called on every state change. */
void context_schedule(ur_context *ctx);
void context_forget_executor(ur_context *ctx, ur_executor *e);

/* executor.c */
void executor_set_error(ur_executor *e, const char *message);

/* executor-run.c: resources of a run and spawning into it */
int executor_run_setup(ur_executor *e);
void executor_release_run(ur_executor *e);
/* Spawns commands[kind][index] as the main process (child) or a control process. */
int executor_spawn_command(ur_executor *e, ur_command_kind kind, size_t index);
bool executor_owns_pid(const ur_executor *e, pid_t pid);
void format_exit(int code, int status, char *buf, size_t size);

/* executor-notify.c */
void executor_on_notify_event(struct watch *w, uint32_t events);
int executor_set_main_pid(ur_executor *e, pid_t pid);

/* executor-start.c */
void executor_set_state(ur_executor *e, ur_state state);
void executor_fail(ur_executor *e, ur_failure failure, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void executor_maybe_ready(ur_executor *e);
/* The next command of the start sequence, or readiness. */
void executor_start_continue(ur_executor *e);
void executor_on_child_exit(ur_executor *e);
void executor_on_main_exit(ur_executor *e);
void executor_on_control_exit(ur_executor *e);
void executor_on_exec_result(ur_executor *e, const struct spawn_error *err);
void executor_start_on_timer(ur_executor *e);
void executor_on_check_met(struct ready_owner *owner);
void executor_on_line(struct output_stream *s, const char *line, size_t len, bool complete);
const char *command_describe(const struct command *cmd, char *buf, size_t size);
bool exit_status_is_success(const ur_executor *e, int code, int status);
int executor_run_dispatch_until(ur_executor *e, bool (*done)(const ur_executor *e));

/* executor-stop.c */
int executor_stop_begin_internal(ur_executor *e, ur_state target);
void executor_stop_on_control_exit(ur_executor *e);
void executor_stop_check(ur_executor *e);
void executor_stop_on_timer(ur_executor *e);
void executor_final_kill(ur_executor *e);
bool executor_exit_is_clean(const ur_executor *e, int code, int status);
int executor_signal_all(ur_executor *e, int sig);

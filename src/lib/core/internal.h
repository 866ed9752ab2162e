/* The context and executor structures, shared by the files that implement them. */
#pragma once

#include <stdarg.h>

#include "cgroup-run.h"
#include "guardian.h"
#include "listen-notify.h"
#include "log.h"
#include "loop.h"
#include "notify-message.h"
#include "output.h"
#include "process-config.h"
#include "ready.h"
#include "run-ns.h"
#include "spawn.h"
#include "unitrun.h"

struct ur_context {
        struct loop loop;
        char *runtime_dir;
        bool isolation_known;
        ur_isolation isolation;
        char *isolation_reason;
        struct cgroup_run *cgroup;
        struct log_target log; /* ur_context_set_log(); lent to the readiness checks */
        ur_state_fn state_fn;
        void *state_userdata;
        ur_output_fn output_fn;
        void *output_userdata;
        ur_output_chunk_fn output_chunk_fn;
        void *output_chunk_userdata;
        struct ur_executor *executors;
        unsigned next_id;
        struct http_multi *http;  /* created on the first HTTP check */
        struct guardian guardian; /* cleans up should this process die first */
        /* The After=/Requires= scheduler runs after the current batch of events, never
         * inside an executor's handler (systemd's run queue). */
        struct loop_defer schedule;
        /* --private-network / --private-dirs: context-namespaces.c */
        unsigned ns_flags;    /* RUN_NS_*, what was asked for */
        struct run_ns *ns;    /* made by context_ensure_namespaces() */
        char *ns_error;       /* why they could not be made */
        char **private_paths; /* ur_context_add_private_path(): empty inside the run */
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

struct condition {
        ur_condition_kind kind;
        unsigned flags; /* UR_CONDITION_* */
        char *value;
};

struct environment_file {
        char *path;
        bool optional;
};

/* Where an executor is, as systemd's service.c has it: one state, mapped to the public
 * ur_state by executor_public_state(). The commands of the *_PRE/_POST/STOP states are
 * at e->index of their list. */
enum executor_state {
        EXECUTOR_DEAD,          /* never started, stopped cleanly, or skipped by a condition */
        EXECUTOR_CONDITION,     /* control process: ExecCondition=[index] */
        EXECUTOR_START_PRE,     /* control process: ExecStartPre=[index] */
        EXECUTOR_START,         /* ExecStart=[index] spawned, waiting for readiness */
        EXECUTOR_START_POST,    /* control process: ExecStartPost=[index] */
        EXECUTOR_RUNNING,       /* ready, the main process runs */
        EXECUTOR_EXITED,        /* ready, a oneshot that finished */
        EXECUTOR_STOP,          /* control process: ExecStop=[index] */
        EXECUTOR_STOP_SIGTERM,  /* KillSignal sent, waiting for the unit to be empty */
        EXECUTOR_STOP_SIGKILL,  /* FinalKillSignal sent (SendSIGKILL=no: the last grace) */
        EXECUTOR_STOP_POST,     /* control process: ExecStopPost=[index] */
        EXECUTOR_FINAL_SIGKILL, /* what is left is killed; no command runs any more */
        EXECUTOR_FAILED,        /* the last run failed: e->failure says how */
        EXECUTOR_AUTO_RESTART,  /* Restart=: waiting RestartSec= to start again */
        _EXECUTOR_STATE_MAX,
};

/* A process we spawned and therefore reap. */
struct spawned {
        pid_t pid;
        struct watch watch; /* its pidfd */
        bool exited;
        int code, status; /* as waitid() reports them */
};

#define COMMAND_KINDS (UR_EXEC_CONDITION + 1)

struct listen_bpf;

struct ur_executor {
        ur_context *ctx;
        struct ur_executor *next;
        char *name;
        unsigned id;
        void *userdata;
        /* PrivateTmp=, PrivateNetwork=: namespaces of its own within the run's, made at
         * each start and gone at its stop (context-namespaces.c). */
        bool private_tmp, private_network;
        char **joins_namespace_of; /* JoinsNamespaceOf=: unit names */
        struct run_ns *ns;
        char *private_tmp_dir;

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
                int fd; /* UR_STDIO_FD only: our duplicate of the caller's */
        } stdio[3];     /* indexed by ur_stream: [1] stdout, [2] stderr */
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
        uint64_t success_signals;             /* bit n: signal n */
        const struct executor_events *events; /* the lifecycle's handlers */
        struct ready_check *checks;
        struct ready_owner owner; /* what the checks see of us */
        bool refuse_if_ready;
        bool remain_after_exit;
        ur_exit_type exit_type;
        bool guess_main_pid;
        ur_restart restart;
        uint64_t restart_usec;
        uint64_t start_limit_interval_usec;
        unsigned start_limit_burst;
        uint8_t restart_prevent_status[256 / 8];
        uint64_t restart_prevent_signals;
        struct condition *conditions;
        size_t n_conditions;

        /* Across runs. */
        unsigned restarts;
        uint64_t *start_times; /* ring of the last start_limit_burst starts */
        size_t n_starts;

        /* The current (or last) run. */
        enum executor_state state;
        size_t index;       /* into the command list of the state */
        ur_failure failure; /* set: the run failed, and its stop ends in FAILED */
        char *error;
        char *skip_reason; /* a condition did not hold: the run was skipped */
        char *status_text;
        uint64_t spawn_usec;
        uint64_t start_pre_usec; /* the first ExecStartPre= spawn of this start, 0: none */
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
        int main_code, main_status;  /* main_code 0: unknown (not our child) */
        bool tracking_cgroup;        /* no main process (any more): up while anything of it lives */
        struct watch pid_file_watch; /* inotify: the PID file's directory, until it is written */
        pid_t pid_file_pid;          /* what this run's PID file named, to remove it after */

        struct watch exec_watch; /* error pipe of the latest spawn */
        bool exec_for_control;
        bool exec_done; /* the main command's execve() succeeded */
        int exec_errno; /* why execve() (or a step before it) failed */

        struct watch notify_watch;
        char *notify_path;
        /* executor-listen.c: the socket the child sends the seccomp listener over, then
         * the answerer's event pipe and its pidfd (borrowed from listen_answerer). */
        struct watch listen_setup_watch, listen_notify_watch, listen_answerer_watch;
        struct listen_answerer listen_answerer;
        /* Or the BPF programs on its cgroup, and their ring buffer (borrowed fd). */
        struct listen_bpf *listen_bpf;
        struct watch listen_bpf_watch;
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
        int procs_fd;              /* cgroup.procs, from the first executor_list_pids(); -1 */
        bool populated;
        pid_t *sessions; /* fallback isolation: the sessions our spawns created */
        size_t n_sessions;
        char **runtime_directory_paths; /* created for this run, removed at its end */

        bool stop_unclean;

        /* Dependencies (the scheduler in context.c). */
        struct dependency *deps;
        size_t n_deps;
        bool start_pending; /* waiting for what it is ordered after */
        bool stop_pending;  /* waiting for what is ordered after it */
};

/* What happened to a run, reported by executor-run.c to the lifecycle (executor-lifecycle.c),
 * which installs these; executor-run.c never names a lifecycle function. */
struct executor_events {
        void (*exec_result)(ur_executor *e, const struct spawn_error *err); /* NULL: execve() worked */
        void (*process_exited)(ur_executor *e, struct spawned *s);          /* e->child or e->control */
        void (*main_exited)(ur_executor *e); /* a main PID that is not our child */
        void (*cgroup_changed)(ur_executor *e);
        void (*timer)(ur_executor *e);
        void (*notify)(ur_executor *e, const struct notify_message *m, pid_t sender);
        void (*pid_file_changed)(ur_executor *e);
};

/* context-resources.c: what the context lends its executors. Isolation is set up on first
 * need (a spawn), not at ur_context_new(): `unitrun wait` and other users that start
 * nothing never touch cgroups. */
void context_ensure_isolation(ur_context *ctx);
/* The same for the private runtime directory (made on first need, removed by free). */
int context_ensure_runtime_dir(ur_context *ctx);
int context_ensure_guardian(ur_context *ctx);
/* Makes the namespaces asked for, once; 0 if none were asked for. */
int context_ensure_namespaces(ur_context *ctx);
/* Binds the executor's RuntimeDirectory= etc. at /run/NAME, ... inside the run. */
int context_bind_directories(ur_context *ctx, ur_executor *e, char **ret_error);
/* The units are gone: the holder may exit now, while the rest is torn down. */
void context_let_go_namespaces(ur_context *ctx);
void context_free_namespaces(ur_context *ctx);
/* PrivateTmp=/PrivateNetwork=: the executor's own namespaces, before its first spawn. */
int context_unit_namespaces(ur_context *ctx, ur_executor *e, char **ret_error);
void context_release_unit_namespaces(ur_context *ctx, ur_executor *e);
/* The executor's ready_owner.open_socket: readiness sockets in the unit's network. */
int executor_owner_socket(struct ready_owner *owner, int family, int type);
/* executor-listen.c: listen(2)/bind(2) events for the checks that want them. */
int executor_listen_prepare(ur_executor *e, int cgroup_dir, int *ret_child_sock, bool *ret_with_bind);
void executor_listen_spawned(ur_executor *e, int child_sock);
void executor_listen_release(ur_executor *e);
/* A check holds: once every check that wants the listen events does, the answerer is told
 * to stop reporting (our end of its pipe closed). */
void executor_listen_check_met(ur_executor *e);

void context_log(ur_context *ctx, ur_log_level level, const char *unit, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* executor.c: the object, its configuration, and predicates over it */
ur_state executor_public_state(const ur_executor *e);
/* The positive ur_outcome of a start that did not end ready: from e->failure. */
ur_outcome executor_start_outcome(const ur_executor *e);
bool executor_is_stopping(const ur_executor *e);
void executor_set_error(ur_executor *e, const char *message);
int executor_commands_append(struct command_list *l, char *const *argv, const char *line, unsigned flags);
/* A command line must at least split (the $VAR expansion waits for the spawn). */
int executor_command_line_check(const char *cmdline);
/* Frees what executor_alloc() and the setters made; the executor must be unlinked. */
void executor_done(ur_executor *e);
const char *executor_describe_command(const struct command *cmd, char *buf, size_t size);
bool executor_exit_status_is_success(const ur_executor *e, int code, int status);
bool executor_exit_is_clean(const ur_executor *e, int code, int status);

/* executor-run.c: resources of a run, spawning into it, and signalling what runs in it */
int executor_run_setup(ur_executor *e);
void executor_release_run(ur_executor *e);
/* Spawns commands[kind][index] as the main process (child) or a control process. */
int executor_spawn_command(ur_executor *e, ur_command_kind kind, size_t index);
bool executor_owns_pid(const ur_executor *e, pid_t pid);
/* Fallback: makes the sessions of our orphans that no unit claims e's (see executor-run.c). */
int executor_adopt_orphans(ur_executor *e);
int executor_set_main_pid(ur_executor *e, pid_t pid);
int executor_main_pidfd(const ur_executor *e);
int executor_signal_all(ur_executor *e, int sig);
/* sig, then SIGCONT, to each process of the unit (one walk). */
int executor_signal_all_cont(ur_executor *e, int sig);
void executor_signal_main(ur_executor *e, int sig);
/* SIGKILL (cgroup.kill) or another final signal (+SIGCONT) to everything that is left. */
void executor_kill_rest(ur_executor *e, int sig);
bool executor_unit_empty(ur_executor *e);
/* The processes of the unit now (cgroup.procs, or the fallback's sessions). */
int executor_list_pids(ur_executor *e, pid_t **ret_pids, size_t *ret_n);
/* inotify on the directory of path: pid_file_changed on every change there. */
int executor_watch_pid_file(ur_executor *e, const char *path);
/* PIDFile= as a path: absolute, or relative to the run's runtime directory. */
void executor_pid_file_path(const ur_executor *e, char *buf, size_t size);
/* The run's timer outside a run (RestartSec=). */
int executor_arm_timer(ur_executor *e, uint64_t deadline_usec);
void executor_format_exit(int code, int status, char *buf, size_t size);

/* executor-lifecycle.c: the state machine; creation wires its handlers */
/* A unit that is not started at all (a dependency failed) fails without a run. */
void executor_fail_unstarted(ur_executor *e, ur_failure failure, const char *message);

/* context.c: the container and the After=/Requires= scheduler */
void context_unlink_executor(ur_context *ctx, ur_executor *e);
void context_forget_executor(ur_context *ctx, ur_executor *e);

/* The context and executor structures, shared by the files that implement them. */
#pragma once

#include <stdarg.h>

#include "cgroup.h"
#include "loop.h"
#include "output.h"
#include "ready.h"
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
        struct http_multi *http; /* created on the first HTTP check */
};

struct ur_executor {
        ur_context *ctx;
        struct ur_executor *next;
        char *name;
        unsigned id;
        void *userdata;

        /* Configuration. */
        char **argv;
        char **env;
        char *cwd;
        struct {
                ur_stdio mode;
                char *path;
        } stdio[3]; /* indexed by ur_stream: [1] stdout, [2] stderr */
        ur_type type;
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
        ur_state stop_target; /* INACTIVE for a stop, FAILED after a failure */
        ur_failure failure;
        char *error;
        char *status_text;
        uint64_t spawn_usec;
        uint64_t ready_usec;
        uint64_t cpu_usec;
        bool cpu_known;

        pid_t child_pid; /* the process we spawned; always ours to reap */
        struct watch child_watch;
        bool child_exited;
        int child_code, child_status;

        pid_t main_pid; /* child_pid, or what MAINPID= named */
        struct watch main_watch; /* only when main_pid != child_pid */
        bool main_exited;
        int main_code, main_status; /* main_code 0: unknown (not our child) */

        struct watch exec_watch;
        bool exec_done;
        int exec_errno; /* why execve() (or a step before it) failed */

        struct watch notify_watch;
        char *notify_path;
        bool notify_ready;

        struct output_stream out[2]; /* stdout, stderr */
        struct line_ring recent;

        struct watch timer;
        uint64_t deadline_usec;

        char *cgroup_path;
        struct watch cgroup_watch; /* cgroup.events */
        bool populated;
        pid_t session; /* fallback isolation: the session the child created */

        bool final_kill_sent;
        bool stop_unclean;
};

/* Isolation is set up on first need (a spawn), not at ur_context_new(): `unitrun wait`
 * and other users that start nothing never touch cgroups. */
void context_ensure_isolation(ur_context *ctx);
/* The same for the private runtime directory (made on first need, removed by free). */
int context_ensure_runtime_dir(ur_context *ctx);

void context_log(ur_context *ctx, ur_log_level level, const char *unit, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void context_unlink_executor(ur_context *ctx, ur_executor *e);

/* executor.c */
void executor_set_state(ur_executor *e, ur_state state);
void executor_fail(ur_executor *e, ur_failure failure, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void executor_maybe_ready(ur_executor *e);
void executor_release_run(ur_executor *e);
int executor_run_dispatch_until(ur_executor *e, bool (*done)(const ur_executor *e));

/* executor-stop.c */
int executor_stop_begin_internal(ur_executor *e, ur_state target);
void executor_stop_check(ur_executor *e);
void executor_stop_on_timer(ur_executor *e);
void executor_final_kill(ur_executor *e);
bool executor_exit_is_clean(const ur_executor *e, int code, int status);
int executor_signal_all(ur_executor *e, int sig);

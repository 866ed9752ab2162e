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
/* The run's private runtime directory (0711: searchable by the units' users, not
 * listable): what %t means in unit files. NULL if it
 * cannot be created. */
const char *ur_context_get_runtime_dir(ur_context *ctx);
/* The cgroup v2 directory holding the run's leaves (NULL in the fallback). */
const char *ur_context_get_cgroup(ur_context *ctx);

/* ---- Private namespaces (--private-network, --private-dirs) ----------------------------
 *
 * Asked for before the first start (-EBUSY after it). The whole run, every unit and
 * whatever the embedder puts there with ur_context_enter(), then shares one private world:
 * - private network: a network namespace with only loopback, up (127.0.0.1/8, ::1); no
 *   route out; a fixed port bound in there collides with nobody outside;
 * - private dirs: a mount namespace (propagation from the host: slave, nothing leaks back)
 *   where each unit's RuntimeDirectory=/StateDirectory=/CacheDirectory=/LogsDirectory=
 *   appears at /run/NAME, /var/lib/NAME, /var/cache/NAME, /var/log/NAME. Where such a path
 *   does not exist on the host, its parent is shown inside as a copy (a tmpfs with a bind
 *   mount of each entry), so the host is never written to.
 * As root these are plain namespaces; otherwise they belong to a new user namespace in
 * which the caller is root and no one else is mapped (User= of another user is then
 * impossible). They die with the run's last process: nothing of them outlives a SIGKILL. */
int ur_context_set_private_network(ur_context *ctx, bool on);
int ur_context_set_private_dirs(ur_context *ctx, bool on);
/* An absolute directory that is empty and the run's own inside it (the host's owner and
 * mode, where root can give them), e.g. a vendor unit's /var/lib/redis that is not a
 * StateDirectory=. Implies private dirs. -EINVAL for a relative path or "..". */
int ur_context_add_private_path(ur_context *ctx, const char *path);
/* Makes them now rather than at the first start, so that a refusal (unprivileged user
 * namespaces disabled, seccomp) shows before anything runs. 0 or -errno; then
 * ur_context_get_namespace_error() names the step and the reason. */
int ur_context_create_namespaces(ur_context *ctx);
/* Starts making them and returns at once (-errno only if that cannot even begin), so that
 * the kernel's work (about half a millisecond for a network namespace) overlaps the
 * caller's; ur_context_create_namespaces(), the first start and the getters below wait for
 * them and report a refusal as above. ur_context_enter() before that wait: -EAGAIN. */
int ur_context_begin_namespaces(ur_context *ctx);
const char *ur_context_get_namespace_error(const ur_context *ctx);
enum {
        UR_NAMESPACE_NETWORK = 1 << 0,
        UR_NAMESPACE_DIRS = 1 << 1,
        UR_NAMESPACE_USER = 1 << 2, /* through a user namespace (not root) */
};
/* UR_NAMESPACE_* of the namespaces made (0 before or without). */
unsigned ur_context_get_namespaces(const ur_context *ctx);
/* For an embedder's own code inside the run. ur_context_enter() moves the calling process
 * into the run's namespaces, keeping its working directory: call it in a single-threaded
 * process, typically a child between fork() and exec() (it is async-signal-safe); 0 or
 * -errno. ur_context_socket() is socket(2) in the run's network, usable from any thread of
 * the caller (connect() it to the units on 127.0.0.1); an fd or -errno. The network
 * namespace's own fd (-1 without), e.g. for setns() as root. */
int ur_context_enter(const ur_context *ctx);
int ur_context_socket(ur_context *ctx, int family, int type, int protocol);
int ur_context_get_netns_fd(const ur_context *ctx);
/* A new pidfd (close-on-exec; the caller closes it) of the process that lives in the run's
 * namespaces for as long as they exist, for a process of another program to join them all
 * at once: setns(pidfd, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET), the flags of
 * ur_context_get_namespaces(), as `unitrun exec` does. -ENOENT without namespaces. */
int ur_context_open_namespace_pidfd(const ur_context *ctx);
/* PrivateTmp=: the executor's own /tmp and /var/tmp (empty, 01777, removed at its stop).
 * PrivateNetwork=: its own network namespace with only loopback: nothing outside it, the
 * run's other units included, reaches it over the network (a unix socket still does).
 * Both are namespaces within the run's, made at each start; where the kernel refuses them
 * the start fails, naming the step: never a start without them. */
int ur_executor_set_private_tmp(ur_executor *e, bool on);
int ur_executor_set_private_network(ur_executor *e, bool on);
/* JoinsNamespaceOf=: when this executor starts while the executor named unit_name (or one
 * that names this one: the relation goes both ways) is started with namespaces of its
 * own, it shares them where both ask for the same: the network namespace when both have
 * PrivateNetwork=, the /tmp and /var/tmp directories when both have PrivateTmp=. What only
 * one of them asks for, it gets for itself; without PrivateNetwork=/PrivateTmp= on this
 * side the setting has no effect. No ordering (add an After= dependency for that), and a
 * name that is no executor of the context, or not started, means namespaces of its own. */
int ur_executor_add_joins_namespace_of(ur_executor *e, const char *unit_name);

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
        UR_EXEC_CONDITION,  /* ExecCondition=: first of all; exit 1..254 skips the unit */
} ur_command_kind;

#define UR_COMMAND_IGNORE_FAILURE (1u << 0) /* "-": its failure does not count */
#define UR_COMMAND_NO_ENV_EXPAND (1u << 1)  /* ":": no $VAR expansion */
#define UR_COMMAND_ARGV0 (1u << 2)          /* "@": the second word is argv[0] */
/* "+": full privileges: no User=/Group=/SupplementaryGroups=, no capability limits, no
 * no_new_privs for this command (resource limits, nice, umask still apply). */
#define UR_COMMAND_PRIVILEGED (1u << 3)
/* "!" (and "!!"): the user, group and supplementary groups are not changed for this command;
 * everything else applies. */
#define UR_COMMAND_NO_SETUID (1u << 4)

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
        UR_FAILURE_EXEC,        /* the program could not be executed (errno in the message) */
        UR_FAILURE_EXITED,      /* exited (or died) before it was ready */
        UR_FAILURE_TIMEOUT,     /* TimeoutStartSec ran out */
        UR_FAILURE_CRASHED,     /* the main process exited while it should be running */
        UR_FAILURE_STOP,        /* unclean exit status at stop, or it needed the final kill */
        UR_FAILURE_SYSTEM,      /* a resource or kernel failure of ours */
        UR_FAILURE_IN_USE,      /* a TCP/unix/HTTP address answered before we spawned anything */
        UR_FAILURE_DEPENDENCY,  /* not started: a Requires= dependency it is ordered after failed */
        UR_FAILURE_ASSERT,      /* an Assert*= did not hold */
        UR_FAILURE_START_LIMIT, /* Restart= gave up: StartLimitBurst= starts within the interval */
} ur_failure;

/* What the blocking calls (ur_executor_start/stop, ur_context_start_all/stop_all,
 * ur_waiter_wait) return when the call itself worked: positive, documented outcomes, never
 * errno values, so that a caller can tell "the unit failed" (expected, reported) from "the
 * call failed" (< 0). Each start failure names the ur_failure behind it. */
typedef enum ur_outcome {
        UR_OK = 0,
        UR_SKIPPED = 1,       /* a Condition*= or ExecCondition= skipped the unit: no failure */
        UR_EXEC_FAILED,       /* UR_FAILURE_EXEC; ur_executor_get_errno() has execve()'s errno */
        UR_EXITED_EARLY,      /* UR_FAILURE_EXITED: it exited before it was ready */
        UR_TIMED_OUT,         /* UR_FAILURE_TIMEOUT; for a waiter: the timeout passed first */
        UR_IN_USE,            /* UR_FAILURE_IN_USE: its address answered before the spawn */
        UR_CANCELLED,         /* stopped (ur_executor_stop_begin()) before it was ready */
        UR_DEPENDENCY_FAILED, /* UR_FAILURE_DEPENDENCY: not started, a dependency failed */
        UR_START_FAILED,      /* any other failure to start: ASSERT, SYSTEM, START_LIMIT, ... */
        UR_STOP_FAILED,       /* UR_FAILURE_STOP: it stopped with an error */
} ur_outcome;

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
        UR_STDIO_FD, /* an fd of the caller's (ur_executor_set_stdio_fd()): a pipe it reads itself */
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

/* Output as a stream: each chunk of captured output as it was read (not split into lines,
 * NULs and partial lines included), data at byte offset in this run of the stream (0 again
 * at each start); then once eof is true (data NULL, len 0, offset the stream's length) when
 * the stream closed. Called next to the line callback, from inside dispatch. */
typedef void (*ur_output_chunk_fn)(
        ur_executor *e, ur_stream stream, const void *data, size_t len, uint64_t offset, bool eof,
        void *userdata);

void ur_context_set_state_callback(ur_context *ctx, ur_state_fn fn, void *userdata);
void ur_context_set_output_callback(ur_context *ctx, ur_output_fn fn, void *userdata);
void ur_context_set_output_chunk_callback(ur_context *ctx, ur_output_chunk_fn fn, void *userdata);

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
/* RuntimeDirectory=: made under the runtime dir at start ($RUNTIME_DIRECTORY), removed at
 * stop; owned by User= with the mode of ur_executor_set_directory_mode(). */
int ur_executor_add_runtime_directory(ur_executor *e, const char *name);
/* stream: UR_STDOUT or UR_STDERR; path only for FILE/APPEND. */
int ur_executor_set_stdio(ur_executor *e, ur_stream stream, ur_stdio mode, const char *path);
/* The unit's stdout or stderr is fd (a binding hands over its own pipe): the executor keeps
 * a duplicate, so the caller may close fd; every spawn of a run writes to it. Output= needs
 * captured output and does not work on it. */
int ur_executor_set_stdio_fd(ur_executor *e, ur_stream stream, int fd);
int ur_executor_set_type(ur_executor *e, ur_type type);
int ur_executor_set_start_timeout(ur_executor *e, uint64_t usec);
int ur_executor_set_stop_timeout(ur_executor *e, uint64_t usec);
/* The signals (and the stop timeout) are read when a stop begins: changed while the executor
 * runs, they apply to its next stop. */
int ur_executor_set_kill_signal(ur_executor *e, int sig);
int ur_executor_set_final_kill_signal(ur_executor *e, int sig);
int ur_executor_set_send_sigkill(ur_executor *e, bool send);
int ur_executor_set_kill_mode(ur_executor *e, ur_kill_mode mode);
/* Also gives a non-notify executor a NOTIFY_SOCKET (for STATUS=, MAINPID=, ...). */
int ur_executor_set_notify_access(ur_executor *e, ur_notify_access access);
/* Extra clean exit statuses (0..255) and clean deaths by signal. */
int ur_executor_add_success_status(ur_executor *e, int status);
int ur_executor_add_success_signal(ur_executor *e, int sig);
/* ---- Lifecycle, as systemd.service(5) has it ------------------------------------------ */

typedef enum ur_exit_type {
        UR_EXIT_MAIN,   /* the unit ends when its main process does (default) */
        UR_EXIT_CGROUP, /* the unit ends when its last process does (needs a cgroup) */
} ur_exit_type;

/* RemainAfterExit=: a main process that exits cleanly leaves the unit up (EXITED). */
int ur_executor_set_remain_after_exit(ur_executor *e, bool remain);
/* ExitType=: UR_EXIT_CGROUP lets a launcher that daemonizes (pg_ctl start, a forking
 * redis-server) exit cleanly while what it started runs on; the unit is up as long as
 * anything of it is alive. */
int ur_executor_set_exit_type(ur_executor *e, ur_exit_type type);
/* GuessMainPID= (default true): Type=forking without a PID file takes the one process left
 * in the unit as the main one; with more than one, the unit is tracked by its cgroup. */
int ur_executor_set_guess_main_pid(ur_executor *e, bool guess);

typedef enum ur_restart {
        UR_RESTART_NO,
        UR_RESTART_ON_SUCCESS,  /* clean exit */
        UR_RESTART_ON_FAILURE,  /* unclean exit code or signal, timeout, exec failure */
        UR_RESTART_ON_ABNORMAL, /* unclean signal, timeout */
        UR_RESTART_ON_WATCHDOG, /* never here: no WatchdogSec= */
        UR_RESTART_ON_ABORT,    /* unclean signal */
        UR_RESTART_ALWAYS,
} ur_restart;

/* Restart=/RestartSec=: a unit that fails or ends on its own (not stopped by us) is started
 * again after delay_usec, as its policy says, at most burst starts per interval_usec
 * (StartLimitBurst=/StartLimitIntervalSec=; defaults 5 per 10 s; burst 0: no limit).
 * While waiting it is UR_STATE_STARTING; ur_executor_get_error() still says why it ended. */
int ur_executor_set_restart(ur_executor *e, ur_restart policy, uint64_t delay_usec);
int ur_executor_set_start_limit(ur_executor *e, uint64_t interval_usec, unsigned burst);
/* RestartPreventExitStatus=: these exit statuses (0..255) or signals never restart it. */
int ur_executor_add_restart_prevent_status(ur_executor *e, int status);
int ur_executor_add_restart_prevent_signal(ur_executor *e, int sig);
/* How often it was restarted since the first start. */
unsigned ur_executor_get_restarts(const ur_executor *e);

/* Condition*=/Assert*= of systemd.unit(5), checked when a start begins. A condition that
 * does not hold skips the unit: it stays inactive, which is no failure (and what is
 * ordered after it goes on); an assertion that does not hold fails the start. */
typedef enum ur_condition_kind {
        UR_CONDITION_PATH_EXISTS,
        UR_CONDITION_PATH_EXISTS_GLOB,
        UR_CONDITION_PATH_IS_DIRECTORY,
        UR_CONDITION_PATH_IS_SYMBOLIC_LINK,
        UR_CONDITION_PATH_IS_MOUNT_POINT,
        UR_CONDITION_PATH_IS_READ_WRITE,
        UR_CONDITION_PATH_IS_ENCRYPTED,
        UR_CONDITION_DIRECTORY_NOT_EMPTY,
        UR_CONDITION_FILE_NOT_EMPTY,
        UR_CONDITION_FILE_IS_EXECUTABLE,
        UR_CONDITION_USER,
        UR_CONDITION_GROUP,
        UR_CONDITION_HOST,
        UR_CONDITION_KERNEL_COMMAND_LINE,
        UR_CONDITION_KERNEL_VERSION,
        UR_CONDITION_VIRTUALIZATION,
        UR_CONDITION_ENVIRONMENT,
        UR_CONDITION_ARCHITECTURE,
        UR_CONDITION_FIRST_BOOT,
        UR_CONDITION_NEEDS_UPDATE,
        UR_CONDITION_AC_POWER,
        UR_CONDITION_SECURITY,
        UR_CONDITION_CAPABILITY,
        UR_CONDITION_CONTROL_GROUP_CONTROLLER,
        UR_CONDITION_MEMORY,
        UR_CONDITION_CPUS,
        UR_CONDITION_OS_RELEASE,
        UR_CONDITION_CREDENTIAL,
        _UR_CONDITION_KIND_MAX,
} ur_condition_kind;

#define UR_CONDITION_NEGATE (1u << 0)  /* "!": holds when the test fails */
#define UR_CONDITION_TRIGGER (1u << 1) /* "|": one of the triggering ones must hold */
#define UR_CONDITION_ASSERT (1u << 2)  /* Assert*=: not holding is a failure */

/* value as the unit file has it after the prefixes; -EINVAL if it cannot be checked. */
int ur_executor_add_condition(ur_executor *e, ur_condition_kind kind, const char *value, unsigned flags);
/* "ConditionPathExists", ... for a kind; NULL for an unknown one. */
const char *ur_condition_kind_to_string(ur_condition_kind kind);
/* Why the last start skipped the unit ("ConditionPathExists=/x was not met"), or NULL. */
const char *ur_executor_get_skip_reason(const ur_executor *e);

/* ---- Process attributes (systemd.exec(5)); applied between fork and execve --------------- */

/* User=: a name or a numeric uid, resolved now (-ESRCH: no such user; a numeric uid need not
 * exist). The group becomes the user's primary group unless set_group() says otherwise, the
 * supplementary groups those of the user's group memberships (initgroups()), and $USER,
 * $LOGNAME, $HOME and $SHELL are set in the environment as set_env() would (later set_env()
 * calls win). Not running as root, only our own user is allowed: -EPERM for any other.
 * NULL goes back to running as the caller. */
int ur_executor_set_user(ur_executor *e, const char *user);
/* Group=: a name or a numeric gid (-ESRCH: no such group; -EPERM when not root and not our
 * own group). NULL: the user's primary group again. */
int ur_executor_set_group(ur_executor *e, const char *group);
/* SupplementaryGroups=: added to those of the user (-ESRCH, -EPERM as for set_group). */
int ur_executor_add_supplementary_group(ur_executor *e, const char *group);
/* PermissionsStartOnly=: every command but ExecStart= runs as if it had the "+" prefix. */
int ur_executor_set_permissions_start_only(ur_executor *e, bool only);
/* WorkingDirectory=: "~" is the home of User= (else $HOME), resolved now: call it after
 * set_user(). optional: a directory that does not exist is no error ("-"). The change
 * happens after the user change, as that user. */
int ur_executor_set_working_directory(ur_executor *e, const char *directory, bool optional);
/* UMask= (0..0777). */
int ur_executor_set_umask(ur_executor *e, mode_t mask);
/* Nice= (-20..19). */
int ur_executor_set_nice(ur_executor *e, int nice);
/* OOMScoreAdjust= (-1000..1000). */
int ur_executor_set_oom_score_adjust(ur_executor *e, int adjust);

#define UR_RLIMIT_INFINITY UINT64_MAX
/* Limit*=: resource is an RLIMIT_* of <sys/resource.h>; soft <= hard. */
int ur_executor_set_rlimit(ur_executor *e, int resource, uint64_t soft, uint64_t hard);
/* NoNewPrivileges= (prctl PR_SET_NO_NEW_PRIVS). */
int ur_executor_set_no_new_privileges(ur_executor *e, bool on);
/* CapabilityBoundingSet=: bit n of keep is capability n (CAP_* of <linux/capability.h>);
 * every other capability is dropped from the bounding set. Needs CAP_SETPCAP (root). */
int ur_executor_set_capability_bounding_set(ur_executor *e, uint64_t keep);
/* AmbientCapabilities=: raised in the ambient set, so that they survive the change to a
 * non-root User= and the execve(). */
int ur_executor_set_ambient_capabilities(ur_executor *e, uint64_t caps);

typedef enum ur_directory {
        UR_DIRECTORY_RUNTIME,       /* RUNTIME/NAME,        $RUNTIME_DIRECTORY, removed at stop */
        UR_DIRECTORY_STATE,         /* RUNTIME/state/NAME,  $STATE_DIRECTORY */
        UR_DIRECTORY_CACHE,         /* RUNTIME/cache/NAME,  $CACHE_DIRECTORY */
        UR_DIRECTORY_LOGS,          /* RUNTIME/logs/NAME,   $LOGS_DIRECTORY */
        UR_DIRECTORY_CONFIGURATION, /* /etc/NAME of the host, $CONFIGURATION_DIRECTORY; never made */
} ur_directory;

/* RuntimeDirectory=, StateDirectory=, ... (RUNTIME is the run's runtime directory, see
 * ur_context_get_runtime_dir()). name is relative, without "." or ".." components. Made
 * at start (state, cache and logs directories live until the context is freed, the runtime
 * ones until the stop), owned by User=/Group= with the mode of set_directory_mode(). */
int ur_executor_add_directory(ur_executor *e, ur_directory kind, const char *name);
/* RuntimeDirectoryMode= etc.: default 0755. */
int ur_executor_set_directory_mode(ur_executor *e, ur_directory kind, mode_t mode);

typedef enum ur_stdin {
        UR_STDIN_NULL, /* default: /dev/null */
        UR_STDIN_INHERIT,
        UR_STDIN_FILE, /* opened read-only for each command */
        UR_STDIN_DATA, /* the bytes of set_stdin_data(), from the start for each command */
        UR_STDIN_PIPE, /* a pipe whose write end ur_executor_get_stdin_fd() gives while it runs */
        UR_STDIN_FD,   /* an fd of the caller (duplicated now) */
} ur_stdin;

/* StandardInput=: path only for UR_STDIN_FILE; for UR_STDIN_FD see set_stdin_fd(). */
int ur_executor_set_stdin(ur_executor *e, ur_stdin mode, const char *path);
/* UR_STDIN_DATA with a copy of these bytes (StandardInputData=, StandardInputText=). */
int ur_executor_set_stdin_data(ur_executor *e, const void *data, size_t size);
/* UR_STDIN_FD with a duplicate of fd (the caller keeps its own). */
int ur_executor_set_stdin_fd(ur_executor *e, int fd);
/* UR_STDIN_PIPE: the write end (blocking, close-on-exec), from the start until the stop;
 * owned by the executor: do not close it, call ur_executor_close_stdin() for end of file.
 * -1 otherwise. A write after the unit closed its end raises SIGPIPE unless the caller
 * ignores it (the library installs no handler). */
int ur_executor_get_stdin_fd(const ur_executor *e);
void ur_executor_close_stdin(ur_executor *e);

/* Ready once a line of the stream matches the regular expression (searched, not anchored).
 * The dialect is PCRE2's, as in Python's re for everyday patterns (\d, \s, \b, (?i), lazy
 * quantifiers); POSIX extended syntax means the same there. -EINVAL for a pattern that does
 * not compile (ur_executor_get_error() says why and at which offset). */
int ur_executor_add_ready_output(ur_executor *e, const char *regex, ur_stream streams);

/* An HTTP readiness condition: ready once a request gets a status matching status_regex. */
typedef struct ur_http_check {
        const char *url;            /* http:// or https://; the query string is kept */
        const char *method;         /* NULL: GET; HEAD, POST, PUT, ... */
        const char *status_regex;   /* NULL: "2[0-9][0-9]"; matched against the whole code (PCRE2) */
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
/* A readiness check of the caller's: fn(userdata) is called on the loop's timer while the
 * executor starts, first one poll period after the spawn, then with the period of
 * set_ready_interval(), from inside ur_context_dispatch() (and so inside the blocking
 * calls); > 0 means ready, anything else not yet. It must not call back into the context.
 * Like every condition it is bounded by the start timeout. */
typedef int (*ur_ready_fn)(void *userdata);
int ur_executor_add_ready_callback(ur_executor *e, ur_ready_fn fn, void *userdata);
/* Ready once a process of the unit listens: addr NULL or "yes" for any TCP or unix stream
 * socket or bound UDP socket; else only PORT, HOST:PORT, [v6]:PORT, /path or @abstract.
 * Sockets of other processes never count. Detected from the unit's listen(2)/bind(2) calls
 * where the kernel lets us (seccomp notification), else by looking in /proc (polled). */
int ur_executor_add_ready_listen(ur_executor *e, const char *addr);
/* Poll period of TCP/unix/HTTP conditions; 0 (default): starts at 0.2 ms, grows to 5 ms
 * (and a unix socket path that does not exist yet is waited for with inotify). */
int ur_executor_set_ready_interval(ur_executor *e, uint64_t usec);
/* Default true: if a TCP/unix/HTTP address already answers before spawning, the start
 * fails with UR_FAILURE_IN_USE (UR_IN_USE), naming who listens there where we can tell. */
int ur_executor_set_refuse_if_ready(ur_executor *e, bool refuse);

/* Spawns and blocks until ready (UR_OK), skipped (UR_SKIPPED: it stays inactive, see
 * ur_executor_get_skip_reason()) or failed (a positive ur_outcome below; ur_executor_get_failure()
 * says why and ur_executor_get_error() how). A negative errno is an error of the call itself:
 * -EBUSY when it is already active, -EINVAL, -ENOMEM. A failed executor has been stopped,
 * whole cgroup, before this returns. */
int ur_executor_start(ur_executor *e);
/* Spawns and returns at once (UR_OK); progress happens in ur_context_dispatch(). What is
 * decided before anything runs returns at once: UR_SKIPPED, UR_START_FAILED (an Assert*=),
 * UR_IN_USE; a negative errno when a step of ours failed (the executor is FAILED then too). */
int ur_executor_start_begin(ur_executor *e);
/* KillSignal, TimeoutStopSec, final kill, wait until nothing of it is left. Returns UR_OK if it
 * stopped cleanly, UR_STOP_FAILED when it stopped with an error (ur_executor_get_failure() is
 * UR_FAILURE_STOP), or a negative errno. Stopping an inactive executor is a no-op. */
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
/* The errno behind the last failure where there is one (execve()'s for UR_FAILURE_EXEC),
 * else 0. */
int ur_executor_get_errno(const ur_executor *e);
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
/* Milliseconds the ExecStartPre= commands of the last start took (the first one's spawn
 * to the main command's spawn; not part of ur_executor_get_ready_msec()); 0 when none ran. */
uint64_t ur_executor_get_start_pre_msec(const ur_executor *e);
/* The i-th executor e is ordered after (its After=, or Before= on the other side), NULL
 * past the last: what decided when e could start. */
ur_executor *ur_executor_get_after(const ur_executor *e, size_t i);

/* ---- Unit files ------------------------------------------------------------------------ */

#define UR_LOAD_STRICT (1u << 0) /* unknown keys are errors, not warnings */
/* One warning per unit (line 0) listing the keys it sets that a run accepts and does not
 * apply (sandboxing, resource control, WatchdogSec=, ...): what `unitrun verify` shows. */
#define UR_LOAD_LIST_NOT_APPLIED (1u << 1)

/* One problem in a unit file: file, line (0: the file as a whole), error or warning. */
typedef void (*ur_diagnostic_fn)(
        const char *file, unsigned line, bool error, const char *message, void *userdata);

/* Loads units (systemd syntax, SPEC §1) into executors of ctx. Each entry of names is a
 * unit file's path (it contains a '/') or a unit name looked up on the search path
 * (systemd's, see unitrun.unit(5)); aliases resolve to their target, an instance
 * "foo@x.service" loads "foo@.service", and the drop-ins of every directory apply.
 * Requires=/Wants= (and BindsTo=, Requisite=) pull in the units they name, from the naming
 * unit's directory first, then the search path; dependencies on other unit types than
 * services are satisfied at once. Every problem goes to diagnostic. On any error (-EINVAL)
 * nothing is created; on success *ret_executors (malloc'ed, optional) lists the executors
 * made, given names first. */
int ur_context_load_units(
        ur_context *ctx, char *const *names, unsigned flags, ur_diagnostic_fn diagnostic, void *userdata,
        ur_executor ***ret_executors, size_t *ret_n);

/* What ur_context_load_units_with() adds. */
typedef struct ur_load_options {
        /* Directories searched before systemd's search path (unitrun --unit-path). */
        char *const *unit_path;
        /* Per entry of names (same index; NULL entries or a NULL array: none): KEY=VALUE
         * assignments applied after the unit file and its drop-ins, as a last drop-in
         * would; their diagnostics name "UNIT (command line)". */
        char *const *const *assignments;
} ur_load_options;

int ur_context_load_units_with(
        ur_context *ctx, char *const *names, const ur_load_options *options, unsigned flags,
        ur_diagnostic_fn diagnostic, void *userdata, ur_executor ***ret_executors, size_t *ret_n);

/* One unit made without a file (what `unitrun run --exec` does): each assignment is a
 * "KEY=VALUE" line as it could stand in a unit file's [Unit], [Service] or [X-Ready]
 * section (any key of unitrun.unit(5), specifiers expanded), applied in order, e.g.
 * { "ExecStart=redis-server --port 7000", "TCP=127.0.0.1:7000", NULL }. The unit is then
 * checked as a whole and becomes an executor called name (dependency keys are checked but
 * not wired: there are no other units to wire them to). Every problem goes to diagnostic
 * at line 0, from origin (e.g. "--exec #1"; NULL: name) for an assignment, from name for
 * the unit as a whole. Returns 0 with *ret set; -EINVAL when an assignment or the unit is
 * invalid (at least one error went to diagnostic); -EEXIST when ctx has a unit of that
 * name; -ENOMEM. Nothing is created on failure. */
int ur_context_add_unit(
        ur_context *ctx, const char *name, const char *origin, const char *const *assignments,
        ur_diagnostic_fn diagnostic, void *userdata, ur_executor **ret);

/* `unitrun cat`: the files unit name (or path) is read from, found as the loader finds them
 * (unit_path first, then systemd's search path), each after a "# PATH" header, drop-ins in
 * the order they apply, as `systemctl cat` shows them. *ret_text and *ret_error are
 * malloc'ed; on failure *ret_error says why when it can (-ENOENT, -EINVAL, -ELOOP, -EBADMSG
 * for a NUL byte, ...). */
int ur_unit_cat(const char *name, char *const *unit_path, char **ret_text, char **ret_error);

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
/* Blocking forms: start_all returns UR_OK once all are ready, or once nothing is starting any
 * more the outcome of the first unit that failed by itself (UR_DEPENDENCY_FAILED only when
 * every failed unit failed for a dependency); stop_all once nothing is left (UR_STOP_FAILED
 * if any stopped with an error). Negative: an error of the call. */
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
/* Blocks until every condition holds (UR_OK) or the timeout passes (UR_TIMED_OUT). */
int ur_waiter_wait(ur_waiter *w, uint64_t timeout_usec);
/* Why the last add or wait failed ("still waiting for: ..."), or NULL. */
const char *ur_waiter_get_error(const ur_waiter *w);

const char *ur_state_to_string(ur_state s);
const char *ur_failure_to_string(ur_failure f);
/* "ok", "skipped", "exec-failed", ...; NULL for a value that is no ur_outcome. */
const char *ur_outcome_to_string(ur_outcome o);

#ifdef __cplusplus
}
#endif

/* The process attributes of an executor (User=, Group=, UMask=, Limit*=, capabilities,
 * StandardInput=, the directories of systemd.exec(5)): what the setters record, and what
 * the parent prepares from it for each spawn, so that the child between fork and execve
 * only makes syscalls on numbers (spawn.h, struct spawn_attrs). Names are resolved by the
 * setters, once: a missing user is an error when it is configured, not when it starts. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "spawn.h"
#include "unitrun.h"

#define PROCESS_DIRECTORY_KINDS (UR_DIRECTORY_CONFIGURATION + 1)

struct process_config {
        bool user_set; /* a user change is asked for (not our own user) */
        char *user;    /* name, for initgroups() and $USER */
        uid_t uid;
        gid_t user_gid; /* the user's primary group */
        char *home, *shell;
        bool group_set;
        gid_t gid;
        gid_t *supplementary_groups;
        size_t n_supplementary_groups;
        bool permissions_start_only;

        bool cwd_optional; /* WorkingDirectory=-... */

        bool set_umask;
        mode_t umask;
        bool set_nice;
        int nice;
        bool set_oom_score_adjust;
        int oom_score_adjust;
        bool rlimit_set[SPAWN_RLIMIT_MAX];
        struct rlimit rlimits[SPAWN_RLIMIT_MAX];
        bool no_new_privileges;
        bool set_bounding_set;
        uint64_t bounding_set;
        bool set_ambient;
        uint64_t ambient;

        /* [UR_DIRECTORY_RUNTIME] is unused: RuntimeDirectory= names live in the executor. */
        char **directories[PROCESS_DIRECTORY_KINDS];
        mode_t directory_modes[PROCESS_DIRECTORY_KINDS];
        char **directory_paths[PROCESS_DIRECTORY_KINDS]; /* made for the run (not RUNTIME) */

        ur_stdin stdin_mode;
        char *stdin_path;
        char *stdin_data;
        size_t stdin_size;
        int stdin_fd;         /* UR_STDIN_FD: our duplicate */
        int stdin_pipe_write; /* UR_STDIN_PIPE: the caller's end during a run */

        /* Filled for each spawn by process_spawn_attrs(). */
        char oom_buf[16];
};

void process_config_init(struct process_config *p);
void process_config_done(struct process_config *p);

/* The attributes of one spawn of a command with these UR_COMMAND_* flags (main: an
 * ExecStart= command). *ret_groups is malloc'ed (NULL when none): free it after the spawn. */
int process_spawn_attrs(
        struct process_config *p, unsigned command_flags, bool main, struct spawn_attrs *ret,
        gid_t **ret_groups);

/* Whether a run has directories to make (runtime_names: the RuntimeDirectory= names). */
bool process_wants_directories(const struct process_config *p, char *const *runtime_names);
/* Makes the directories of a run under base (the context's runtime directory): the
 * RuntimeDirectory= names into *runtime_paths (removed by the caller at the stop), the
 * others into p->directory_paths. Each owned by User=/Group= with its mode. Returns 0 or
 * -errno with *ret_failed naming the path that could not be made. */
int process_make_directories(
        struct process_config *p, const char *base, char *const *runtime_names, char ***runtime_paths,
        char **ret_failed);
/* $STATE_DIRECTORY, $CACHE_DIRECTORY, $LOGS_DIRECTORY, $CONFIGURATION_DIRECTORY. */
int process_directories_env(const struct process_config *p, char ***env);

/* Standard input of a run: *ret_run_fd becomes the fd every spawn gets (NULL, INHERIT, FD,
 * PIPE; /dev/null for the per-spawn kinds). Never 0..2. */
int process_stdin_setup(struct process_config *p, int *ret_run_fd);
/* For FILE and DATA: a fresh fd for one spawn (1, the caller closes it after the spawn), or
 * 0 when the run's fd is the one. -errno when the file cannot be opened. */
int process_stdin_for_spawn(const struct process_config *p, int *ret_fd);
/* The end of a run: the pipe's write end is closed. */
void process_release_run(struct process_config *p);

/* A decimal id (uid, gid), or -1. */
long long process_parse_id(const char *s);
/* A group name or number; -ESRCH: no such group. */
int process_resolve_group(const char *name, gid_t *ret);

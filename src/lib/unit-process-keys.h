/* The process keys of a unit file (systemd.exec(5)): User=, Group=, SupplementaryGroups=,
 * PermissionsStartOnly=, UMask=, Nice=, OOMScoreAdjust=, Limit*=, NoNewPrivileges=,
 * CapabilityBoundingSet=, AmbientCapabilities=, StateDirectory= and the other directories,
 * PassEnvironment=, SyslogIdentifier=, StandardInput= and its data. What a unit_config holds
 * of them, the value parsers of the key table, the whole-unit checks that need the host
 * (does the user exist, may we become it) and the transfer onto an executor. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "unitrun.h"

#define UNIT_RLIMIT_MAX 16
#define UNIT_DIRECTORY_KINDS (UR_DIRECTORY_CONFIGURATION + 1)

struct unit_process_config {
        char *user, *group;
        char **supplementary_groups;
        bool permissions_start_only;
        bool umask_set, nice_set, oom_score_adjust_set;
        mode_t umask;
        int nice, oom_score_adjust;
        bool rlimit_set[UNIT_RLIMIT_MAX];
        uint64_t rlimit_soft[UNIT_RLIMIT_MAX], rlimit_hard[UNIT_RLIMIT_MAX];
        bool no_new_privileges;
        bool bounding_set_set, ambient_set;
        uint64_t bounding_set, ambient;
        /* [UR_DIRECTORY_RUNTIME] unused: RuntimeDirectory= is unit_config.runtime_directories. */
        char **directories[UNIT_DIRECTORY_KINDS];
        bool directory_mode_set[UNIT_DIRECTORY_KINDS];
        mode_t directory_modes[UNIT_DIRECTORY_KINDS];
        char **pass_environment;
        char *syslog_identifier;
        ur_stdin stdin_mode;
        bool stdin_mode_set;
        char *stdin_path;
        char *stdin_data; /* StandardInputData= decoded, StandardInputText= lines */
        size_t stdin_size;
        bool stdin_data_set;
        struct {
                unsigned user, group, supplementary_groups, stdin_mode, stdin_data;
        } lines;
};

struct unit_config;
struct unit_key;
struct unit_parse_ctx;
struct unit_diagnostics;

void unit_process_config_done(struct unit_process_config *p);

/* Value parsers and resets for the key table (unit-keys.c). */
int unit_parse_process_key(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
void unit_reset_process_key(struct unit_config *c, const struct unit_key *key);

/* Whole-unit checks: the user and groups exist, we may become them, StandardInput=data has
 * data. Reports errors naming file and the key's line; returns how many errors (or -ENOMEM). */
int unit_process_verify(const struct unit_config *c, const char *file, struct unit_diagnostics *diags);

/* Sets the process attributes of a verified config on e. */
int unit_process_to_executor(ur_executor *e, const struct unit_config *c);

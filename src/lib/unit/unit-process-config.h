/* What a unit_config holds of the process keys of systemd.exec(5) (unit-process-keys.c
 * parses them): a type of its own, so that unit-file.h can embed it without depending on
 * the parsers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
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

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

#include "unit-process-config.h"
#include "unitrun.h"

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

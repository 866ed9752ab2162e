/* --json and --events FILE: one JSON object per line, on stderr and/or to FILE, for every
 * event of a run (schema in unitrun(1); `unitrun analyze` reads it). Every function
 * accepts NULL and then does nothing. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "unitrun.h"

/* The "schema" of the first line; bumped when a field changes meaning. */
#define JSON_SCHEMA 1

struct json_log;

/* events (optional): the --events file, closed by json_log_free(). */
int json_log_new(struct json_log **ret, bool to_stderr, FILE *events);
void json_log_free(struct json_log *j);

void json_log_isolation(struct json_log *j, ur_isolation isolation, const char *cgroup, const char *reason);
/* --private-network/--private-dirs: UR_NAMESPACE_* of ur_context_get_namespaces(). */
void json_log_namespaces(struct json_log *j, unsigned namespaces);
void json_log_state(struct json_log *j, ur_executor *e, ur_state state);
void json_log_command_exited(struct json_log *j, int status);
void json_log_command_started(struct json_log *j, const char *command, int pid);

/* --json: one JSON object per line on stderr for every event of a run (schema in
 * unitrun(1)). Every function accepts NULL and then does nothing. */
#pragma once

#include "unitrun.h"

struct json_log;

int json_log_new(struct json_log **ret);
void json_log_free(struct json_log *j);

void json_log_isolation(struct json_log *j, ur_isolation isolation, const char *cgroup, const char *reason);
/* --private-network/--private-dirs: UR_NAMESPACE_* of ur_context_get_namespaces(). */
void json_log_namespaces(struct json_log *j, unsigned namespaces);
void json_log_state(struct json_log *j, ur_executor *e, ur_state state);
void json_log_command_exited(struct json_log *j, int status);

/* What an executor is before anything is set: one list, used by executor-lifecycle.c for a new
 * executor and by unit-keys.c for a unit file's unset keys (and for a key reset to empty),
 * so that a unit without a key and an executor without the setter behave the same. */
#pragma once

#include <signal.h>
#include <stdbool.h>

#include "macro.h"
#include "unitrun.h"

#define EXECUTOR_DEFAULT_TYPE UR_TYPE_SIMPLE
#define EXECUTOR_DEFAULT_START_TIMEOUT_USEC (90 * USEC_PER_SEC)
/* Shorter than systemd's 90s on purpose (SPEC §1): a test run should not hang that long. */
#define EXECUTOR_DEFAULT_STOP_TIMEOUT_USEC (10 * USEC_PER_SEC)
/* systemd's DefaultTimeoutStopSec=, for units from files (unit_config_new_for_file()). */
#define UNIT_FILE_DEFAULT_STOP_TIMEOUT_USEC (90 * USEC_PER_SEC)
#define EXECUTOR_DEFAULT_KILL_SIGNAL SIGTERM
#define EXECUTOR_DEFAULT_FINAL_KILL_SIGNAL SIGKILL
#define EXECUTOR_DEFAULT_SEND_SIGKILL true
#define EXECUTOR_DEFAULT_KILL_MODE UR_KILL_CONTROL_GROUP
#define EXECUTOR_DEFAULT_NOTIFY_ACCESS UR_NOTIFY_ALL
#define EXECUTOR_DEFAULT_REFUSE_IF_READY true
#define EXECUTOR_DEFAULT_GUESS_MAIN_PID true
#define EXECUTOR_DEFAULT_RESTART_USEC (100 * USEC_PER_MSEC)
#define EXECUTOR_DEFAULT_START_LIMIT_INTERVAL_USEC (10 * USEC_PER_SEC)
#define EXECUTOR_DEFAULT_START_LIMIT_BURST 5

/* The lifecycle keys of systemd.service(5) and systemd.unit(5): Restart= and its limits,
 * RemainAfterExit=, ExitType=, GuessMainPID=, and the Condition*=/Assert*= family (every
 * test systemd 252 knows, with the "|" and "!" prefixes). Values are checked here, with
 * FILE:LINE; the tests run against the system when a start begins (condition.c). */
#include <stdlib.h>
#include <string.h>

#include "condition-value.h"
#include "executor-defaults.h"
#include "strv.h"
#include "timespan.h"
#include "unit-file-internal.h"

int unit_parse_restart(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        static const char *const names[] = {
                [UR_RESTART_NO] = "no",
                [UR_RESTART_ON_SUCCESS] = "on-success",
                [UR_RESTART_ON_FAILURE] = "on-failure",
                [UR_RESTART_ON_ABNORMAL] = "on-abnormal",
                [UR_RESTART_ON_WATCHDOG] = "on-watchdog",
                [UR_RESTART_ON_ABORT] = "on-abort",
                [UR_RESTART_ALWAYS] = "always",
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcmp(value, names[i]) == 0) {
                        c->restart = (ur_restart) i;
                        return 0;
                }
        return unit_key_error(
                ctx,
                "Restart=%s: expected no, on-success, on-failure, on-abnormal, on-watchdog, on-abort or "
                "always",
                value);
}

void unit_reset_restart(struct unit_config *c, const struct unit_key *key)
{
        c->restart = UR_RESTART_NO;
}

int unit_parse_exit_type(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        if (strcmp(value, "main") == 0)
                c->exit_type = UR_EXIT_MAIN;
        else if (strcmp(value, "cgroup") == 0)
                c->exit_type = UR_EXIT_CGROUP;
        else
                return unit_key_error(ctx, "ExitType=%s: expected main or cgroup", value);
        return 0;
}

void unit_reset_exit_type(struct unit_config *c, const struct unit_key *key)
{
        c->exit_type = UR_EXIT_MAIN;
}

/* RestartSec=, StartLimitIntervalSec= (and the old StartLimitInterval=): plain time spans,
 * 0 allowed. */
int unit_parse_span(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        uint64_t usec;

        if (timespan_parse(value, &usec) < 0)
                return unit_key_error(ctx, "%s=%s: not a time span", key->name, value);
        *FIELD(c, key, uint64_t) = usec;
        return 0;
}

void unit_reset_restart_sec(struct unit_config *c, const struct unit_key *key)
{
        c->restart_usec = EXECUTOR_DEFAULT_RESTART_USEC;
}

void unit_reset_start_limit_interval(struct unit_config *c, const struct unit_key *key)
{
        c->start_limit_interval_usec = EXECUTOR_DEFAULT_START_LIMIT_INTERVAL_USEC;
}

int unit_parse_start_limit_burst(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        char *end;
        unsigned long n = strtoul(value, &end, 10);

        if (*end || end == value || value[0] == '-' || n > 10000)
                return unit_key_error(ctx, "StartLimitBurst=%s: not a number of starts (0..10000)", value);
        c->start_limit_burst = (unsigned) n;
        return 0;
}

void unit_reset_start_limit_burst(struct unit_config *c, const struct unit_key *key)
{
        c->start_limit_burst = EXECUTOR_DEFAULT_START_LIMIT_BURST;
}

int unit_parse_restart_prevent_exit_status(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        return unit_parse_exit_statuses(
                ctx, key->name, value, &c->restart_prevent_statuses, &c->n_restart_prevent_statuses,
                &c->restart_prevent_signals, &c->n_restart_prevent_signals);
}

void unit_reset_restart_prevent_exit_status(struct unit_config *c, const struct unit_key *key)
{
        c->restart_prevent_statuses = mfree(c->restart_prevent_statuses);
        c->restart_prevent_signals = mfree(c->restart_prevent_signals);
        c->n_restart_prevent_statuses = c->n_restart_prevent_signals = 0;
}

/* ConditionFoo= and AssertFoo=: the kind comes from the key's name. */
int unit_parse_condition(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        struct unit_condition *conditions;
        ur_condition_kind kind;
        const char *rest, *reason;
        unsigned flags;
        bool assert;
        char *copy;

        if (condition_kind_from_key(key->name, &kind, &assert) < 0)
                return unit_key_error(ctx, "%s=: not a condition", key->name); /* a table bug */
        rest = condition_split_prefixes(value, &flags);
        if (unit_string_has_control(rest))
                return unit_key_error(ctx, "%s=: the value contains control characters", key->name);
        if (condition_value_check(kind, rest, &reason) < 0)
                return unit_key_error(ctx, "%s=%s: %s", key->name, value, reason ?: "cannot be checked");
        copy = strdup(rest);
        conditions = copy ? realloc(c->conditions, (c->n_conditions + 1) * sizeof(*conditions)) : NULL;
        if (!conditions) {
                free(copy);
                return -ENOMEM;
        }
        c->conditions = conditions;
        c->conditions[c->n_conditions++] = (struct unit_condition){
                .kind = kind,
                .flags = flags | (assert ? UR_CONDITION_ASSERT : 0),
                .value = copy,
        };
        return 0;
}

/* systemd.unit(5): an empty Condition*= resets every condition, an empty Assert*= every
 * assertion. */
void unit_reset_conditions(struct unit_config *c, const struct unit_key *key)
{
        bool asserts = strncmp(key->name, "Assert", 6) == 0;
        size_t kept = 0;

        for (size_t i = 0; i < c->n_conditions; i++)
                if (!!(c->conditions[i].flags & UR_CONDITION_ASSERT) == asserts)
                        free(c->conditions[i].value);
                else
                        c->conditions[kept++] = c->conditions[i];
        c->n_conditions = kept;
}

void unit_conditions_done(struct unit_config *c)
{
        for (size_t i = 0; i < c->n_conditions; i++)
                free(c->conditions[i].value);
        c->conditions = mfree(c->conditions);
        c->n_conditions = 0;
}

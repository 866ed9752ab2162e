/* What the files of the unit-file parser share, in three layers with calls only going
 * down: unit-value.c at the bottom (diagnostics, specifiers, small checks, generic setters),
 * the key table in the middle (unit-keys.c, with the Exec*= commands in unit-exec.c and the
 * [X-Ready] value checks in unit-ready-keys.c; unit-keys.c also owns the config's lifetime,
 * since it knows every field), and the reader on top (unit-file.c). Also the per-assignment
 * context the value parsers report through. Not installed, not exported. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"
#include "unit-file.h"

enum unit_section {
        UNIT_SECTION_UNIT,
        UNIT_SECTION_SERVICE,
        UNIT_SECTION_READY,
        _UNIT_SECTION_MAX,
};

/* "Unit", "Service", "X-Ready". */
const char *unit_section_name(enum unit_section s);

/* One assignment being parsed. */
struct unit_parse_ctx {
        const char *file;     /* for diagnostics: the path, or the origin of a -p */
        unsigned line;        /* 0 for -p */
        const char *name;     /* the unit name, for %n %N %p %i ... */
        const char *fragment; /* the unit file (for a template: foo@.service), for %y %Y */
        unsigned file_index;  /* of file in unit_config.files; 0 for -p */
        bool expanding;       /* unit_config_expand(): variables are already expanded */
        const struct unit_specifiers *specifiers;
        struct unit_diagnostics *diags;
};

struct unit_key;
/* value is stripped, specifiers already expanded when the key has UNIT_KEY_SPECIFIERS, and
 * never empty (the dispatcher resets the key instead). Returns 0, -EINVAL after adding an
 * error diagnostic, or -ENOMEM; on failure the config is left as it was. */
typedef int (*unit_key_parse_fn)(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
/* Back to the default, for an empty assignment. */
typedef void (*unit_key_reset_fn)(struct unit_config *c, const struct unit_key *key);

#define UNIT_KEY_SPECIFIERS (1u << 0)
/* Meaningless without HTTP=: its line goes to unit_config.lines.http_option. */
#define UNIT_KEY_HTTP_OPTION (1u << 1)

/* Records where a key of unit_config.lines was set. */
#define UNIT_MARK_LINE(c, ctx, field)                                                                       \
        do {                                                                                                \
                (c)->lines.field = (ctx)->line;                                                             \
                (c)->line_files.field = (ctx)->file_index;                                                  \
        } while (0)

/* The field of struct unit_config that a table row's offset names. */
#define FIELD(c, key, type) ((type *) (void *) ((char *) (c) + (key)->offset))

struct unit_key {
        const char *name;
        enum unit_section section;
        unit_key_parse_fn parse;
        unit_key_reset_fn reset;
        size_t offset; /* of the field in struct unit_config, for the generic parsers */
        unsigned flags;
};

/* Exact (keys are case-sensitive, as in systemd), or NULL. */
const struct unit_key *unit_key_lookup(const char *name);
/* Case-insensitive, for a "did you mean" hint; NULL if none. */
const struct unit_key *unit_key_lookup_case(const char *name);

/* Applies every key's default (unit-keys.c). */
void unit_config_set_defaults(struct unit_config *c);
/* Frees what a key's field owns; used by the resets and unit_config_free() (unit-exec.c). */
void unit_commands_done(struct unit_commands *l);

/* ---- unit-value.c: the bottom layer ---- */

int unit_diag_add(
        struct unit_diagnostics *d, const char *file, unsigned line, bool error, const char *fmt, ...)
        _printf_(5, 6);
/* An error about the current assignment: returns -EINVAL (or -ENOMEM). */
int unit_key_error(struct unit_parse_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
/* A warning about the current assignment: returns 0 (or -ENOMEM). */
int unit_key_warn(struct unit_parse_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
/* Records that a run refuses key (accepted by verify, as by systemd): the first one wins.
 * 0 or -ENOMEM. unit_refusal_reset() forgets it when key is reset (an empty assignment). */
int unit_refuse_at_start(
        struct unit_config *c, struct unit_parse_ctx *ctx, const char *key, const char *fmt, ...)
        _printf_(4, 5);
void unit_refusal_reset(struct unit_config *c, const char *key);

/* Every specifier of systemd.unit(5) in s ("%%" is a '%'); an unknown or unavailable one
 * is an error naming key. */
int unit_specifiers_expand(struct unit_parse_ctx *ctx, const char *key, const char *s, char **ret);

/* Whether s references a variable: '$' then a letter, '_' or '{'. */
bool unit_string_has_variable(const char *s);
/* $NAME, ${NAME} from env (unset: empty), "$$" a '$'; -EINVAL for an unterminated ${. */
int unit_env_expand(const char *s, char *const *env, char **ret);

/* systemd's rule: ASCII letters, digits and '_', not starting with a digit. */
bool unit_env_name_is_valid(const char *name);
/* Whether s holds a control character (C0 or DEL). */
bool unit_string_has_control(const char *s);

/* Keys accepted and not applied (unit-accepted-keys.c), looked up after the table. */
enum unit_accept_kind {
        UNIT_ACCEPT_SILENT, /* no meaning in a run */
        UNIT_ACCEPT_LISTED, /* not applied: unit_config.not_applied, listed by verify */
};
struct unit_accepted_key {
        const char *name;
        enum unit_section section;
        enum unit_accept_kind kind;
        /* NULL: any value; "b": a boolean; "t": a time span; "b|w1|w2": a boolean or one
         * of the words; "w1|w2": one of the words. */
        const char *check;
};
const struct unit_accepted_key *unit_accepted_key_lookup(const char *name);
const struct unit_accepted_key *unit_accepted_key_lookup_case(const char *name);
/* Checks the value (no control characters) and records a LISTED key; 0, -EINVAL, -ENOMEM. */
int unit_accept_key(
        struct unit_config *c, const struct unit_accepted_key *k, const char *value,
        struct unit_parse_ctx *ctx);

/* Exec*= (unit-exec.c). */
int unit_parse_exec(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
void unit_reset_commands(struct unit_config *c, const struct unit_key *key);

/* Value parsers of [X-Ready] (unit-ready-keys.c). */
int unit_parse_ready_tcp(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
int unit_parse_ready_listen(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
int unit_parse_ready_http(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
int unit_parse_ready_regex_list(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
int unit_parse_http_status(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
int unit_parse_http_method(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
int unit_parse_http_header(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
int unit_parse_http_body(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
int unit_parse_output_stream(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
int unit_parse_interval(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
void unit_reset_output_stream(struct unit_config *c, const struct unit_key *key);
void unit_reset_interval(struct unit_config *c, const struct unit_key *key);
/* An absolute path list (UnixSocket=, File=) or a single one (HTTPUnixSocket=). */
int unit_parse_ready_path_list(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
int unit_parse_ready_path(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);

/* Generic parsers and setters (unit-value.c), used by every section's keys. */
/* systemd's parse_boolean(): 1, 0, or -EINVAL. */
int unit_parse_boolean(const char *v);
int unit_parse_string(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
void unit_reset_bool_true(struct unit_config *c, const struct unit_key *key);
void unit_reset_bool_false(struct unit_config *c, const struct unit_key *key);
int unit_parse_bool_field(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
void unit_reset_strv(struct unit_config *c, const struct unit_key *key);
void unit_reset_string(struct unit_config *c, const struct unit_key *key);
int unit_set_string(struct unit_config *c, const struct unit_key *key, const char *value);
int unit_append_string(struct unit_config *c, const struct unit_key *key, const char *value);
/* Path checks shared by several keys: absolute, no control characters. */
int unit_check_absolute_path(struct unit_parse_ctx *ctx, const char *key, const char *path);

/* Splits a list value into words, with systemd's quoting rules (unit-value.c). */
int unit_split_words(struct unit_parse_ctx *ctx, const char *key, const char *value, char ***ret);
/* A SuccessExitStatus=-style list: exit statuses (numbers, systemd's names) and signals,
 * added to the lists (unit-value.c). */
int unit_parse_exit_statuses(
        struct unit_parse_ctx *ctx, const char *key, const char *value, int **statuses, size_t *n_statuses,
        int **signals, size_t *n_signals);

/* Lifecycle keys (unit-lifecycle-keys.c). */
int unit_parse_restart(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
void unit_reset_restart(struct unit_config *c, const struct unit_key *key);
int unit_parse_exit_type(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
void unit_reset_exit_type(struct unit_config *c, const struct unit_key *key);
int unit_parse_span(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
void unit_reset_restart_sec(struct unit_config *c, const struct unit_key *key);
void unit_reset_start_limit_interval(struct unit_config *c, const struct unit_key *key);
int unit_parse_start_limit_burst(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
void unit_reset_start_limit_burst(struct unit_config *c, const struct unit_key *key);
int unit_parse_restart_prevent_exit_status(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
void unit_reset_restart_prevent_exit_status(struct unit_config *c, const struct unit_key *key);
int unit_parse_condition(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx);
void unit_reset_conditions(struct unit_config *c, const struct unit_key *key);
void unit_conditions_done(struct unit_config *c);

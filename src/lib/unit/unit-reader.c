/* The syntax layer of unit files (systemd.syntax(7)): physical lines joined at a trailing
 * backslash, comments, [Section] headers and Key=Value assignments, each dispatched to the
 * key table of unit-keys.c. This is the top layer of the parser: what values share lives in
 * unit-value.c, the keys in unit-keys.c; the whole-unit checks live in unit-verify.c.
 *
 * Lines follow systemd 252's reader: a line whose first non-blank character is '#' or ';'
 * is a comment wherever it is, also in the middle of a continuation (where it is skipped
 * and the continuation goes on); a line continues when it ends in a backslash that is not
 * itself escaped, and that backslash becomes a space. Trailing blanks after the backslash
 * end the continuation, as in systemd, because the check looks at the raw line. */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "strv.h"
#include "unit-file-internal.h"
#include "unit-file.h"

/* systemd's LONG_LINE_MAX: a bigger logical line is refused rather than read. */
#define UNIT_LINE_MAX (1024u * 1024u)

static const char *const unit_section_names[_UNIT_SECTION_MAX] = {
        [UNIT_SECTION_UNIT] = "Unit",
        [UNIT_SECTION_SERVICE] = "Service",
        [UNIT_SECTION_READY] = "X-Ready",
};

const char *unit_section_name(enum unit_section s)
{
        return s < _UNIT_SECTION_MAX ? unit_section_names[s] : "?";
}

static void unit_config_freep(struct unit_config **c)
{
        unit_config_free(*c);
}

/* ---- one assignment ---------------------------------------------------------------- */

static char *unit_strip(char *s)
{
        char *e;

        while (isspace((unsigned char) *s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char) e[-1]))
                e--;
        *e = 0;
        return s;
}

/* ---- [X-Ready] values that name variables ------------------------------------------- */

static void unit_deferred_drop(struct unit_config *c, const char *key)
{
        size_t kept = 0;

        for (size_t i = 0; i < c->n_deferred; i++)
                if (streq_ptr(c->deferred[i].key, key)) {
                        free(c->deferred[i].key);
                        free(c->deferred[i].value);
                } else
                        c->deferred[kept++] = c->deferred[i];
        c->n_deferred = kept;
}

static int
unit_deferred_add(struct unit_config *c, const char *key, const char *value, struct unit_parse_ctx *ctx)
{
        struct unit_deferred *d;
        char *k = strdup(key), *v = strdup(value);

        d = k && v ? realloc(c->deferred, (c->n_deferred + 1) * sizeof(*d)) : NULL;
        if (!d) {
                free(k);
                free(v);
                return -ENOMEM;
        }
        c->deferred = d;
        d[c->n_deferred++] =
                (struct unit_deferred){ .key = k, .value = v, .file = ctx->file_index, .line = ctx->line };
        return 0;
}

static int
unit_assign(struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        _cleanup_free_ char *expanded = NULL;
        int r;

        if (!*value) {
                key->reset(c, key);
                unit_deferred_drop(c, key->name);
                return 0;
        }
        if (key->flags & UNIT_KEY_SPECIFIERS) {
                r = unit_specifiers_expand(ctx, key->name, value, &expanded);
                if (r < 0)
                        return r;
                value = expanded;
        }
        if (key->section == UNIT_SECTION_READY && !ctx->expanding && unit_string_has_variable(value))
                return unit_deferred_add(c, key->name, value, ctx);
        r = key->parse(c, key, value, ctx);
        if (r >= 0 && (key->flags & UNIT_KEY_HTTP_OPTION))
                UNIT_MARK_LINE(c, ctx, http_option);
        return r;
}

int unit_config_assign(
        struct unit_config *c, const char *key, const char *value, const struct unit_specifiers *specifiers,
        const char *origin, struct unit_diagnostics *diags)
{
        struct unit_parse_ctx ctx = {
                .file = origin ?: "-p",
                .name = c->name,
                .fragment = c->path,
                .specifiers = specifiers,
                .diags = diags,
        };
        const struct unit_key *k = unit_key_lookup(key);
        _cleanup_free_ char *copy = NULL;

        if (!k && unit_accepted_key_lookup(key)) {
                copy = strdup(value ?: "");
                if (!copy)
                        return -ENOMEM;
                return unit_accept_key(c, unit_accepted_key_lookup(key), unit_strip(copy), &ctx);
        }
        if (!k) {
                const struct unit_key *hint = unit_key_lookup_case(key);

                if (hint)
                        return unit_key_error(&ctx, "unknown key %s=, did you mean %s=?", key, hint->name);
                return unit_key_error(&ctx, "unknown key %s=", key);
        }
        copy = strdup(value ?: "");
        if (!copy)
                return -ENOMEM;
        return unit_assign(c, k, unit_strip(copy), &ctx);
}

int unit_config_expand(
        struct unit_config *c, char *const *base, const struct unit_specifiers *specifiers,
        struct unit_diagnostics *diags)
{
        _cleanup_strv_free_ char **env = strv_copy(base);
        unsigned errors = 0;
        int r;

        if (!env)
                return -ENOMEM;
        for (char **a = c->environment; a && *a; a++) {
                _cleanup_free_ char *name = strndup(*a, strcspn(*a, "="));

                if (!name || strv_env_set(&env, name, *a + strlen(name) + 1) < 0)
                        return -ENOMEM;
        }
        for (char **u = c->unset_environment; u && *u; u++)
                if (!strchr(*u, '='))
                        (void) strv_env_unset(env, *u);
        for (size_t i = 0; i < c->n_deferred; i++) {
                const struct unit_deferred *d = &c->deferred[i];
                const struct unit_key *k = unit_key_lookup(d->key);
                struct unit_parse_ctx ctx = {
                        .file = d->file < strv_length(c->files) ? c->files[d->file] : c->path ?: c->name,
                        .line = d->line,
                        .file_index = d->file,
                        .name = c->name,
                        .fragment = c->path,
                        .specifiers = specifiers,
                        .diags = diags,
                        .expanding = true,
                };
                _cleanup_free_ char *value = NULL;

                if (!k)
                        continue;
                r = unit_env_expand(d->value, env, &value);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        r = unit_key_error(&ctx, "%s=%s: unterminated ${", d->key, d->value);
                        if (r == -ENOMEM)
                                return r;
                        errors++;
                        continue;
                }
                if (!*value) {
                        r = unit_key_error(
                                &ctx, "%s=%s: empty once its variables are expanded", d->key, d->value);
                        if (r == -ENOMEM)
                                return r;
                        errors++;
                        continue;
                }
                /* No second round of specifiers: the variable's value is taken as it is. */
                r = k->parse(c, k, value, &ctx);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        errors++;
                else if (k->flags & UNIT_KEY_HTTP_OPTION)
                        UNIT_MARK_LINE(c, (&ctx), http_option);
        }
        for (size_t i = 0; i < c->n_deferred; i++) {
                free(c->deferred[i].key);
                free(c->deferred[i].value);
        }
        c->deferred = mfree(c->deferred);
        c->n_deferred = 0;
        return errors > 0 ? -EINVAL : 0;
}

/* ---- the file ------------------------------------------------------------------ */

enum unit_section_state {
        SECTION_NONE,    /* before the first header */
        SECTION_KNOWN,   /* ours */
        SECTION_IGNORED, /* X-* that are not ours, and [Install]: silently skipped */
        SECTION_UNKNOWN, /* warned about once, at its header */
};

struct unit_file_parser {
        struct unit_config *config;
        struct unit_parse_ctx ctx;
        bool strict;
        enum unit_section_state state;
        enum unit_section section;
        unsigned n_errors;
};

/* Counts errors as it goes: diags may be NULL, and the verdict must not depend on it. */
static int parser_note(struct unit_file_parser *p, int r)
{
        if (r == -EINVAL)
                p->n_errors++;
        return r == -EINVAL ? 0 : r;
}

static int parser_section(struct unit_file_parser *p, char *l)
{
        size_t len = strlen(l);
        char *name;

        if (len < 2 || l[len - 1] != ']')
                return parser_note(
                        p, unit_key_error(&p->ctx, "invalid section header '%s': missing ']'", l));
        l[len - 1] = 0;
        name = l + 1;
        if (!*name)
                return parser_note(p, unit_key_error(&p->ctx, "empty section name"));
        for (enum unit_section s = 0; s < _UNIT_SECTION_MAX; s++)
                if (streq_ptr(name, unit_section_names[s])) {
                        p->state = SECTION_KNOWN;
                        p->section = s;
                        return 0;
                }
        /* [Install] is meaningful to systemctl enable only: a unit shared with systemd
         * often has one, and warning about it would train users to ignore warnings. */
        if (strncmp(name, "X-", 2) == 0 || streq_ptr(name, "Install")) {
                p->state = SECTION_IGNORED;
                return 0;
        }
        p->state = SECTION_UNKNOWN;
        if (p->strict)
                return parser_note(p, unit_key_error(&p->ctx, "unknown section [%s]", name));
        return unit_key_warn(&p->ctx, "unknown section [%s], its keys are ignored", name);
}

static int parser_assignment(struct unit_file_parser *p, char *l)
{
        char *eq = strchr(l, '='), *key, *value;
        const struct unit_key *k;

        if (!eq)
                return parser_note(p, unit_key_error(&p->ctx, "missing '=' in '%s'", l));
        *eq = 0;
        key = unit_strip(l);
        value = unit_strip(eq + 1);
        if (!*key)
                return parser_note(p, unit_key_error(&p->ctx, "missing key name before '='"));

        switch (p->state) {
        case SECTION_NONE:
                return parser_note(p, unit_key_error(&p->ctx, "%s= is outside of any section", key));
        case SECTION_IGNORED:
        case SECTION_UNKNOWN:
                return 0;
        case SECTION_KNOWN:
                break;
        }
        if (strncmp(key, "X-", 2) == 0)
                return 0;

        k = unit_key_lookup(key);
        if (!k && unit_accepted_key_lookup(key)) {
                const struct unit_accepted_key *a = unit_accepted_key_lookup(key);

                /* systemd ignores such a line with a warning: so do we, the key is unused. */
                if (a->section != p->section && p->strict)
                        return parser_note(
                                p, unit_key_error(
                                           &p->ctx, "%s= belongs in [%s], not in [%s]", key,
                                           unit_section_name(a->section), unit_section_name(p->section)));
                if (a->section != p->section)
                        return unit_key_warn(
                                &p->ctx, "%s= belongs in [%s], not in [%s]: ignored", key,
                                unit_section_name(a->section), unit_section_name(p->section));
                return parser_note(p, unit_accept_key(p->config, a, value, &p->ctx));
        }
        if (!k) {
                const struct unit_key *hint = unit_key_lookup_case(key);
                const char *section = unit_section_name(p->section);

                if (p->strict && hint)
                        return parser_note(
                                p, unit_key_error(
                                           &p->ctx, "unknown key %s= in [%s], did you mean %s=?", key,
                                           section, hint->name));
                if (p->strict)
                        return parser_note(
                                p, unit_key_error(&p->ctx, "unknown key %s= in [%s]", key, section));
                if (hint)
                        return unit_key_warn(
                                &p->ctx, "unknown key %s= in [%s] ignored, did you mean %s=?", key, section,
                                hint->name);
                return unit_key_warn(&p->ctx, "unknown key %s= in [%s] ignored", key, section);
        }
        if (k->section != p->section)
                return parser_note(
                        p, unit_key_error(
                                   &p->ctx, "%s= belongs in [%s], not in [%s]", key,
                                   unit_section_name(k->section), unit_section_name(p->section)));
        return parser_note(p, unit_assign(p->config, k, value, &p->ctx));
}

static int parser_line(struct unit_file_parser *p, char *l)
{
        l = unit_strip(l);
        if (!*l)
                return 0;
        if (*l == '[')
                return parser_section(p, l);
        return parser_assignment(p, l);
}

/* Whether the line ends in a backslash that is not itself escaped. */
static bool line_continues(const char *s, size_t len)
{
        size_t n = 0;

        while (n < len && s[len - 1 - n] == '\\')
                n++;
        return n % 2 == 1;
}

static int parser_run(struct unit_file_parser *p, const char *text)
{
        _cleanup_free_ char *logical = NULL;
        size_t logical_len = 0;
        unsigned line_no = 0, start_line = 0;
        const char *s = text;
        int r;

        /* A UTF-8 byte order mark, as some editors write. */
        if (strncmp(s, "\xef\xbb\xbf", 3) == 0)
                s += 3;

        while (*s) {
                const char *nl = strchr(s, '\n');
                size_t len = nl ? (size_t) (nl - s) : strlen(s);
                const char *next = s + len + (nl ? 1 : 0);
                const char *first = s;
                char *grown;

                line_no++;
                if (len > 0 && s[len - 1] == '\r')
                        len--;
                while (first < s + len && isspace((unsigned char) *first))
                        first++;
                if (first < s + len && (*first == '#' || *first == ';')) {
                        s = next;
                        continue;
                }

                if (!logical)
                        start_line = line_no;
                if (logical_len + len >= UNIT_LINE_MAX) {
                        p->ctx.line = start_line;
                        return parser_note(
                                p, unit_key_error(&p->ctx, "line longer than %u bytes", UNIT_LINE_MAX));
                }
                grown = realloc(logical, logical_len + len + 1);
                if (!grown)
                        return -ENOMEM;
                logical = grown;
                memcpy(logical + logical_len, s, len);
                logical_len += len;
                logical[logical_len] = 0;
                s = next;

                if (line_continues(logical, logical_len) && *s) {
                        logical[logical_len - 1] = ' ';
                        continue;
                }
                /* A backslash on the very last line continues into nothing: drop it. */
                if (line_continues(logical, logical_len))
                        logical[--logical_len] = 0;

                p->ctx.line = start_line;
                r = parser_line(p, logical);
                if (r < 0)
                        return r;
                logical = mfree(logical);
                logical_len = 0;
        }
        if (logical) {
                p->ctx.line = start_line;
                r = parser_line(p, logical);
                if (r < 0)
                        return r;
        }
        return 0;
}

int unit_file_parse_into(
        struct unit_config *c, const char *path, const char *text, const struct unit_specifiers *specifiers,
        bool strict, struct unit_diagnostics *diags)
{
        struct unit_file_parser p = {
                .config = c,
                .strict = strict,
                .state = SECTION_NONE,
        };
        int r;

        if (!c || !path || !text)
                return -EINVAL;
        r = strv_push(&c->files, path);
        if (r < 0)
                return r;
        p.ctx = (struct unit_parse_ctx){
                .file = c->files[strv_length(c->files) - 1],
                .file_index = (unsigned) strv_length(c->files) - 1,
                .name = c->name,
                .fragment = c->path,
                .specifiers = specifiers,
                .diags = diags,
        };
        r = parser_run(&p, text);
        if (r < 0)
                return r;
        return p.n_errors > 0 ? -EINVAL : 0;
}

int unit_file_parse(
        const char *path, const char *name, const char *text, const struct unit_specifiers *specifiers,
        bool strict, struct unit_config **ret, struct unit_diagnostics *diags)
{
        _cleanup_(unit_config_freep) struct unit_config *c = NULL;
        int r;

        if (!name || !text)
                return -EINVAL;
        c = unit_config_new_for_file(name);
        if (!c)
                return -ENOMEM;
        c->path = strdup(path ?: name);
        if (!c->path)
                return -ENOMEM;
        r = unit_file_parse_into(c, c->path, text, specifiers, strict, diags);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

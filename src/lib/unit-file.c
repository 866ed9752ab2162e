/* The syntax layer of unit files (systemd.syntax(7)): physical lines joined at a trailing
 * backslash, comments, [Section] headers and Key=Value assignments, each dispatched to the
 * key table of unit-keys.c. Also what every value parser shares: diagnostics and the
 * %-specifiers. The whole-unit checks live in unit-verify.c.
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

/* ---- diagnostics ---------------------------------------------------------------- */

static int unit_diag_addv(
        struct unit_diagnostics *d, const char *file, unsigned line, bool error, const char *fmt, va_list ap)
{
        _cleanup_free_ char *message = NULL, *file_copy = NULL;
        struct unit_diagnostic *items;

        if (!d)
                return 0;
        if (vasprintf(&message, fmt, ap) < 0) {
                message = NULL;
                return -ENOMEM;
        }
        file_copy = strdup(file ?: "");
        if (!file_copy)
                return -ENOMEM;
        items = realloc(d->items, (d->n + 1) * sizeof(*items));
        if (!items)
                return -ENOMEM;
        d->items = items;
        d->items[d->n++] = (struct unit_diagnostic){
                .file = TAKE_PTR(file_copy),
                .line = line,
                .error = error,
                .message = TAKE_PTR(message),
        };
        return 0;
}

int unit_diag_add(
        struct unit_diagnostics *d, const char *file, unsigned line, bool error, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = unit_diag_addv(d, file, line, error, fmt, ap);
        va_end(ap);
        return r;
}

int unit_key_error(struct unit_parse_ctx *ctx, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = unit_diag_addv(ctx->diags, ctx->file, ctx->line, true, fmt, ap);
        va_end(ap);
        return r < 0 ? r : -EINVAL;
}

int unit_key_warn(struct unit_parse_ctx *ctx, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = unit_diag_addv(ctx->diags, ctx->file, ctx->line, false, fmt, ap);
        va_end(ap);
        return r;
}

void unit_diagnostics_done(struct unit_diagnostics *d)
{
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++) {
                free(d->items[i].file);
                free(d->items[i].message);
        }
        d->items = mfree(d->items);
        d->n = 0;
}

char *unit_diagnostic_format(const struct unit_diagnostic *d)
{
        char *s;
        int r;

        if (d->line > 0)
                r = asprintf(&s, "%s:%u: %s%s", d->file, d->line, d->error ? "" : "warning: ", d->message);
        else
                r = asprintf(&s, "%s: %s%s", d->file, d->error ? "" : "warning: ", d->message);
        return r < 0 ? NULL : s;
}

/* ---- small shared checks ------------------------------------------------------------ */

bool unit_env_name_is_valid(const char *name)
{
        if (!name || !*name || isdigit((unsigned char) *name))
                return false;
        for (const char *p = name; *p; p++)
                if (!isalnum((unsigned char) *p) && *p != '_')
                        return false;
        return true;
}

bool unit_string_has_control(const char *s)
{
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

/* ---- specifiers ------------------------------------------------------------------ */

int unit_specifiers_expand(struct unit_parse_ctx *ctx, const char *key, const char *s, char **ret)
{
        const struct unit_specifiers *sp = ctx->specifiers;
        _cleanup_free_ char *out = NULL;
        size_t size = 0;
        FILE *f;
        int r = 0;

        f = open_memstream(&out, &size);
        if (!f)
                return -ENOMEM;
        for (const char *p = s; *p && r == 0; p++) {
                const char *v = NULL;
                size_t suffix;

                if (*p != '%') {
                        fputc(*p, f);
                        continue;
                }
                switch (*++p) {
                case '%':
                        v = "%";
                        break;
                case 'n':
                        v = ctx->name;
                        break;
                case 'N':
                        /* The name without its type suffix: "redis.service" gives "redis". */
                        suffix = strrchr(ctx->name, '.') ? strlen(strrchr(ctx->name, '.')) : 0;
                        fwrite(ctx->name, 1, strlen(ctx->name) - suffix, f);
                        continue;
                case 't':
                        v = sp ? sp->runtime_dir : NULL;
                        break;
                case 'T':
                        v = sp ? sp->tmp_dir : NULL;
                        break;
                case 'h':
                        v = sp ? sp->home : NULL;
                        break;
                case 'u':
                        v = sp ? sp->user : NULL;
                        break;
                case 'U':
                        v = sp ? sp->uid : NULL;
                        break;
                case '\0':
                        /* systemd keeps a '%' that ends the value: "100%" means what it says. */
                        fputc('%', f);
                        p--;
                        continue;
                default:
                        r = unit_key_error(
                                ctx,
                                "%s=: unknown specifier '%%%c' (supported: %%n %%N %%t %%T %%h %%u %%U "
                                "%%%%; write "
                                "%%%% for a literal '%%')",
                                key, isprint((unsigned char) *p) ? *p : '?');
                        continue;
                }
                if (!v) {
                        r = unit_key_error(ctx, "%s=: specifier '%%%c' is not available here", key, *p);
                        continue;
                }
                fputs(v, f);
        }
        if (fclose(f) != 0 && r == 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(out);
        return 0;
}

/* ---- config lifetime ------------------------------------------------------------ */

struct unit_config *unit_config_new(const char *name)
{
        struct unit_config *c;

        if (!name)
                return NULL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        c->name = strdup(name);
        if (!c->name)
                return mfree(c);
        unit_config_set_defaults(c);
        return c;
}

struct unit_config *unit_config_free(struct unit_config *c)
{
        if (!c)
                return NULL;
        free(c->path);
        free(c->name);
        free(c->description);
        strv_free(c->requires);
        strv_free(c->wants);
        strv_free(c->after);
        strv_free(c->before);
        unit_commands_done(&c->exec_start);
        unit_commands_done(&c->exec_start_pre);
        unit_commands_done(&c->exec_start_post);
        unit_commands_done(&c->exec_stop);
        unit_commands_done(&c->exec_stop_post);
        strv_free(c->environment);
        for (size_t i = 0; i < c->n_environment_files; i++)
                free(c->environment_files[i].path);
        free(c->environment_files);
        strv_free(c->unset_environment);
        free(c->working_directory);
        free(c->success_statuses);
        free(c->success_signals);
        free(c->pid_file);
        strv_free(c->runtime_directories);
        unit_process_config_done(&c->process);
        free(c->standard_output.path);
        free(c->standard_error.path);
        strv_free(c->ready_tcp);
        strv_free(c->ready_unix);
        strv_free(c->ready_http);
        strv_free(c->ready_output);
        strv_free(c->ready_file);
        free(c->http_status);
        free(c->http_method);
        free(c->http_body);
        free(c->http_unix_socket);
        strv_free(c->http_headers);
        return mfree(c);
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

static int
unit_assign(struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        _cleanup_free_ char *expanded = NULL;
        int r;

        if (!*value) {
                key->reset(c, key);
                return 0;
        }
        if (key->flags & UNIT_KEY_SPECIFIERS) {
                r = unit_specifiers_expand(ctx, key->name, value, &expanded);
                if (r < 0)
                        return r;
                value = expanded;
        }
        r = key->parse(c, key, value, ctx);
        if (r >= 0 && (key->flags & UNIT_KEY_HTTP_OPTION))
                c->lines.http_option = ctx->line;
        return r;
}

int unit_config_assign(
        struct unit_config *c, const char *key, const char *value, const struct unit_specifiers *specifiers,
        const char *origin, struct unit_diagnostics *diags)
{
        struct unit_parse_ctx ctx = {
                .file = origin ?: "-p",
                .name = c->name,
                .specifiers = specifiers,
                .diags = diags,
        };
        const struct unit_key *k = unit_key_lookup(key);
        _cleanup_free_ char *copy = NULL;

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

int unit_file_parse(
        const char *path, const char *name, const char *text, const struct unit_specifiers *specifiers,
        bool strict, struct unit_config **ret, struct unit_diagnostics *diags)
{
        _cleanup_(unit_config_freep) struct unit_config *c = NULL;
        struct unit_file_parser p = {
                .strict = strict,
                .state = SECTION_NONE,
        };
        int r;

        if (!name || !text)
                return -EINVAL;
        c = unit_config_new(name);
        if (!c)
                return -ENOMEM;
        c->path = strdup(path ?: name);
        if (!c->path)
                return -ENOMEM;

        p.config = c;
        p.ctx = (struct unit_parse_ctx){
                .file = c->path,
                .name = c->name,
                .specifiers = specifiers,
                .diags = diags,
        };
        r = parser_run(&p, text);
        if (r < 0)
                return r;
        if (p.n_errors > 0)
                return -EINVAL;

        *ret = TAKE_PTR(c);
        return 0;
}

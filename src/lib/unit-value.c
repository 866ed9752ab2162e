/* The bottom layer of the unit-file parser: what every value parser shares, whatever key
 * it parses. Diagnostics (FILE:LINE: message), the %-specifiers, the small checks (variable
 * names, control characters, absolute paths) and the generic setters the key table points
 * at for plain strings, lists and booleans. Nothing here knows the key table or the reader:
 * unit-keys.c, unit-exec.c and unit-ready-keys.c build on it, and unit-file.c on them. */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "strv.h"
#include "unit-file-internal.h"
#include "unit-file.h"

/* ---- diagnostics ---------------------------------------------------------------- */

static int unit_diag_addv(
        struct unit_diagnostics *d, const char *file, unsigned line, bool error, const char *fmt, va_list ap)
        _printf_(5, 0);
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

/* ---- generic fields ------------------------------------------------------------------ */

void unit_reset_string(struct unit_config *c, const struct unit_key *key)
{
        char **field = FIELD(c, key, char *);

        *field = mfree(*field);
}

void unit_reset_strv(struct unit_config *c, const struct unit_key *key)
{
        char ***field = FIELD(c, key, char **);

        *field = strv_free(*field);
}

int unit_set_string(struct unit_config *c, const struct unit_key *key, const char *value)
{
        char **field = FIELD(c, key, char *);
        char *copy = strdup(value);

        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

/* Appends unless already there: a repeated entry of a list key means nothing more. */
int unit_append_string(struct unit_config *c, const struct unit_key *key, const char *value)
{
        char ***field = FIELD(c, key, char **);

        for (char **s = *field; s && *s; s++)
                if (streq_ptr(*s, value))
                        return 0;
        return strv_push(field, value);
}

int unit_parse_string(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        return unit_set_string(c, key, value);
}

/* systemd's parse_boolean(): case-insensitive, with the one-letter forms too. */
int unit_parse_boolean(const char *v)
{
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

int unit_parse_bool_field(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        int b = unit_parse_boolean(value);

        if (b < 0)
                return unit_key_error(
                        ctx, "%s=%s: not a boolean (expected yes/no, true/false, on/off or 1/0)", key->name,
                        value);
        *FIELD(c, key, bool) = b;
        return 0;
}

void unit_reset_bool_true(struct unit_config *c, const struct unit_key *key)
{
        *FIELD(c, key, bool) = true;
}

void unit_reset_bool_false(struct unit_config *c, const struct unit_key *key)
{
        *FIELD(c, key, bool) = false;
}

int unit_check_absolute_path(struct unit_parse_ctx *ctx, const char *key, const char *path)
{
        if (unit_string_has_control(path))
                return unit_key_error(ctx, "%s=: the path contains control characters", key);
        if (path[0] != '/')
                return unit_key_error(
                        ctx, "%s=%s: not an absolute path (%%t is the run's runtime directory)", key, path);
        return 0;
}

/* The bottom layer of the unit-file parser: what every value parser shares, whatever key
 * it parses. Diagnostics (FILE:LINE: message), the %-specifiers, the small checks (variable
 * names, control characters, absolute paths) and the generic setters the key table points
 * at for plain strings, lists and booleans. Nothing here knows the key table or the reader:
 * unit-keys.c, unit-exec.c and unit-ready-keys.c build on it, and unit-file.c on them. */

#include <ctype.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cmdline.h"
#include "macro.h"
#include "signal-name.h"
#include "strv.h"
#include "unit-file-internal.h"
#include "unit-file.h"
#include "unit-name.h"

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

int unit_refuse_at_start(
        struct unit_config *c, struct unit_parse_ctx *ctx, const char *key, const char *fmt, ...)
{
        _cleanup_free_ char *k = NULL, *f = NULL, *m = NULL;
        va_list ap;
        int r;

        if (c->refused_at_start.key && !streq_ptr(c->refused_at_start.key, key))
                return 0;
        va_start(ap, fmt);
        r = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (r < 0) {
                m = NULL;
                return -ENOMEM;
        }
        k = strdup(key);
        f = strdup(ctx->file ?: "");
        if (!k || !f)
                return -ENOMEM;
        unit_refusal_reset(c, c->refused_at_start.key);
        c->refused_at_start.key = TAKE_PTR(k);
        c->refused_at_start.file = TAKE_PTR(f);
        c->refused_at_start.message = TAKE_PTR(m);
        c->refused_at_start.line = ctx->line;
        return 0;
}

void unit_refusal_reset(struct unit_config *c, const char *key)
{
        if (!c->refused_at_start.key || !streq_ptr(c->refused_at_start.key, key))
                return;
        c->refused_at_start.key = mfree(c->refused_at_start.key);
        c->refused_at_start.file = mfree(c->refused_at_start.file);
        c->refused_at_start.message = mfree(c->refused_at_start.message);
        c->refused_at_start.line = 0;
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

bool unit_string_has_variable(const char *s)
{
        for (const char *p = strchr(s, '$'); p; p = strchr(p + 1, '$'))
                if (p[1] == '{' || p[1] == '_' || isalpha((unsigned char) p[1]))
                        return true;
        return false;
}

int unit_env_expand(const char *s, char *const *env, char **ret)
{
        _cleanup_free_ char *out = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);
        int r = 0;

        if (!f)
                return -ENOMEM;
        for (const char *p = s; *p; p++) {
                const char *name = p + 1, *end, *v;
                _cleanup_free_ char *n = NULL;

                if (*p != '$' || !p[1]) {
                        fputc(*p, f);
                        continue;
                }
                if (p[1] == '$') {
                        fputc('$', f);
                        p++;
                        continue;
                }
                if (p[1] == '{') {
                        name = p + 2;
                        end = strchr(name, '}');
                        if (!end) {
                                r = -EINVAL;
                                break;
                        }
                } else {
                        for (end = name; *end == '_' || isalnum((unsigned char) *end); end++)
                                ;
                        if (end == name || isdigit((unsigned char) *name)) {
                                fputc('$', f);
                                continue;
                        }
                }
                n = strndup(name, (size_t) (end - name));
                if (!n) {
                        r = -ENOMEM;
                        break;
                }
                v = strv_env_get(env, n);
                if (v)
                        fputs(v, f);
                p = *end == '}' ? end : end - 1;
        }
        if (fclose(f) != 0 && r == 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(out);
        return 0;
}

/* ---- specifiers ------------------------------------------------------------------ */

/* The unit's own specifiers, from its name: NULL when c is none of them. */
static int unit_specifier_name_part(struct unit_parse_ctx *ctx, char c, char **ret)
{
        _cleanup_free_ char *part = NULL;
        int r;

        switch (c) {
        case 'N': {
                /* The name without its type suffix: "redis.service" gives "redis". */
                const char *dot = strrchr(ctx->name, '.');

                *ret = strndup(ctx->name, dot ? (size_t) (dot - ctx->name) : strlen(ctx->name));
                return *ret ? 1 : -ENOMEM;
        }
        case 'p':
                return unit_name_prefix(ctx->name, ret) < 0 ? -ENOMEM : 1;
        case 'i':
                return unit_name_instance(ctx->name, ret) < 0 ? -ENOMEM : 1;
        case 'j':
                return unit_name_prefix_last(ctx->name, ret) < 0 ? -ENOMEM : 1;
        case 'P':
                r = unit_name_prefix(ctx->name, &part);
                break;
        case 'I':
                r = unit_name_instance(ctx->name, &part);
                break;
        case 'J':
                r = unit_name_prefix_last(ctx->name, &part);
                break;
        case 'f':
                /* The unescaped instance as a path, or the prefix when there is none. */
                r = unit_name_instance(ctx->name, &part);
                if (r >= 0 && !*part) {
                        part = mfree(part);
                        r = unit_name_prefix(ctx->name, &part);
                }
                if (r < 0)
                        return -ENOMEM;
                return unit_name_path_unescape(part, ret) < 0 ? -ENOMEM : 1;
        default:
                return 0;
        }
        if (r < 0)
                return -ENOMEM;
        return unit_name_unescape(part, ret) < 0 ? -ENOMEM : 1;
}

/* A host or run specifier: its value (NULL: not available), or false when c is unknown. */
static bool unit_specifier_host(const struct unit_specifiers *sp, char c, const char **ret)
{
        static const struct {
                char c;
                size_t offset;
        } table[] = {
                { 't', offsetof(struct unit_specifiers, runtime_dir) },
                { 'S', offsetof(struct unit_specifiers, state_dir) },
                { 'C', offsetof(struct unit_specifiers, cache_dir) },
                { 'L', offsetof(struct unit_specifiers, logs_dir) },
                { 'E', offsetof(struct unit_specifiers, config_dir) },
                { 'T', offsetof(struct unit_specifiers, tmp_dir) },
                { 'V', offsetof(struct unit_specifiers, var_tmp_dir) },
                { 'h', offsetof(struct unit_specifiers, home) },
                { 'u', offsetof(struct unit_specifiers, user) },
                { 'U', offsetof(struct unit_specifiers, uid) },
                { 'g', offsetof(struct unit_specifiers, group) },
                { 'G', offsetof(struct unit_specifiers, gid) },
                { 's', offsetof(struct unit_specifiers, shell) },
                { 'H', offsetof(struct unit_specifiers, hostname) },
                { 'l', offsetof(struct unit_specifiers, short_hostname) },
                { 'q', offsetof(struct unit_specifiers, pretty_hostname) },
                { 'm', offsetof(struct unit_specifiers, machine_id) },
                { 'b', offsetof(struct unit_specifiers, boot_id) },
                { 'v', offsetof(struct unit_specifiers, kernel_release) },
                { 'a', offsetof(struct unit_specifiers, architecture) },
                { 'o', offsetof(struct unit_specifiers, os_id) },
                { 'w', offsetof(struct unit_specifiers, os_version_id) },
                { 'W', offsetof(struct unit_specifiers, os_variant_id) },
                { 'B', offsetof(struct unit_specifiers, os_build_id) },
                { 'M', offsetof(struct unit_specifiers, os_image_id) },
                { 'A', offsetof(struct unit_specifiers, os_image_version) },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (table[i].c == c) {
                        *ret = sp ? *(const char *const *) (const void
                                                                    *) ((const char *) sp + table[i].offset)
                                  : NULL;
                        return true;
                }
        return false;
}

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
                _cleanup_free_ char *owned = NULL;
                const char *v = NULL;
                int k;

                if (*p != '%') {
                        fputc(*p, f);
                        continue;
                }
                p++;
                if (*p == '\0') {
                        /* systemd keeps a '%' that ends the value: "100%" means what it says. */
                        fputc('%', f);
                        p--;
                        continue;
                }
                k = unit_specifier_name_part(ctx, *p, &owned);
                if (k < 0) {
                        r = k;
                        continue;
                }
                if (k > 0)
                        v = owned;
                else if (*p == '%')
                        v = "%";
                else if (*p == 'n')
                        v = ctx->name;
                else if (*p == 'y' || *p == 'Y') {
                        const char *slash = ctx->fragment ? strrchr(ctx->fragment, '/') : NULL;

                        if (*p == 'y')
                                v = ctx->fragment;
                        else if (slash) {
                                owned = slash == ctx->fragment
                                                ? strdup("/")
                                                : strndup(ctx->fragment, (size_t) (slash - ctx->fragment));
                                if (!owned) {
                                        r = -ENOMEM;
                                        continue;
                                }
                                v = owned;
                        }
                } else if ((k = unit_specifiers_load(sp, *p)) < 0) {
                        r = k;
                        continue;
                } else if (*p == 'd') {
                        if (sp && sp->credentials_dir) {
                                if (asprintf(&owned, "%s/%s", sp->credentials_dir, ctx->name) < 0) {
                                        owned = NULL;
                                        r = -ENOMEM;
                                        continue;
                                }
                                v = owned;
                        }
                } else if (!unit_specifier_host(sp, *p, &v)) {
                        r = unit_key_error(
                                ctx,
                                "%s=: unknown specifier '%%%c' (see systemd.unit(5) for the list; write "
                                "%%%% "
                                "for a literal '%%')",
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

/* Splits a list value into words, with systemd's quoting rules. */
int unit_split_words(struct unit_parse_ctx *ctx, const char *key, const char *value, char ***ret)
{
        const char *reason = NULL;
        int r = cmdline_split(value, ret, &reason);

        if (r == -EINVAL)
                return unit_key_error(ctx, "%s=: %s", key, reason);
        return r;
}

/* The exit status names systemd's SuccessExitStatus= takes besides numbers: the BSD
 * sysexits.h and the LSB init-script ones (systemd.exec(5), "Process Exit Codes"). */
static int unit_exit_status_from_name(const char *name)
{
        static const struct {
                const char *name;
                int status;
        } names[] = {
                { "INVALIDARGUMENT", 2 }, { "NOTIMPLEMENTED", 3 }, { "NOPERMISSION", 4 },
                { "NOTINSTALLED", 5 },    { "NOTCONFIGURED", 6 },  { "NOTRUNNING", 7 },
                { "USAGE", 64 },          { "DATAERR", 65 },       { "NOINPUT", 66 },
                { "NOUSER", 67 },         { "NOHOST", 68 },        { "UNAVAILABLE", 69 },
                { "SOFTWARE", 70 },       { "OSERR", 71 },         { "OSFILE", 72 },
                { "CANTCREAT", 73 },      { "IOERR", 74 },         { "TEMPFAIL", 75 },
                { "PROTOCOL", 76 },       { "NOPERM", 77 },        { "CONFIG", 78 },
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq_ptr(name, names[i].name))
                        return names[i].status;
        return -1;
}

/* Numbers (and systemd's exit status names) are exit statuses, signal names are signals,
 * as in systemd: "15" is exit(15), "TERM" is death by SIGTERM. Adds to the lists. */
int unit_parse_exit_statuses(
        struct unit_parse_ctx *ctx, const char *key, const char *value, int **statuses_list,
        size_t *n_statuses_list, int **signals_list, size_t *n_signals_list)
{
        _cleanup_strv_free_ char **words = NULL;
        _cleanup_free_ int *statuses = NULL, *signals = NULL;
        size_t n_statuses = *n_statuses_list, n_signals = *n_signals_list, n_words;
        int r;

        r = unit_split_words(ctx, key, value, &words);
        if (r < 0)
                return r;
        n_words = strv_length(words);
        statuses = malloc((n_statuses + n_words) * sizeof(int));
        signals = malloc((n_signals + n_words) * sizeof(int));
        if (!statuses || !signals)
                return -ENOMEM;
        if (n_statuses > 0)
                memcpy(statuses, *statuses_list, n_statuses * sizeof(int));
        if (n_signals > 0)
                memcpy(signals, *signals_list, n_signals * sizeof(int));

        for (char **w = words; *w; w++) {
                int *list = statuses, v;
                size_t *n = &n_statuses, i;

                if (isdigit((unsigned char) **w)) {
                        char *end;
                        long l = strtol(*w, &end, 10);

                        if (*end || l < 0 || l > 255)
                                return unit_key_error(
                                        ctx, "%s=%s: exit status out of range 0..255", key, *w);
                        v = (int) l;
                } else if ((v = unit_exit_status_from_name(*w)) >= 0) {
                        /* A name of systemd's exit status table: an exit status. */
                } else {
                        v = signal_from_string(*w);
                        if (v < 0)
                                return unit_key_error(
                                        ctx, "%s=%s: neither an exit status (0..255) nor a signal name", key,
                                        *w);
                        list = signals;
                        n = &n_signals;
                }
                for (i = 0; i < *n && list[i] != v; i++)
                        ;
                if (i == *n)
                        list[(*n)++] = v;
        }

        free(*statuses_list);
        free(*signals_list);
        *statuses_list = TAKE_PTR(statuses);
        *signals_list = TAKE_PTR(signals);
        *n_statuses_list = n_statuses;
        *n_signals_list = n_signals;
        return 0;
}

/* Command lines of Exec*=: checked as far as the unit file alone allows (quoting and
 * escapes, the prefixes, the program word, the $VAR syntax), then stored after the prefixes.
 * A line holding several commands (a lone ";" word between them, systemd.service(5)) is cut
 * into one unit_command each, and a lone "\;" becomes a plain ";" word, so that the
 * executor only ever sees cmdline_split() syntax. Variables stay unexpanded: their values
 * are only known at spawn time. */

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "macro.h"
#include "strv.h"
#include "unit-file-internal.h"
#include "unit-file.h"

void unit_commands_done(struct unit_commands *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i].line);
        l->items = mfree(l->items);
        l->n = 0;
}

void unit_reset_commands(struct unit_config *c, const struct unit_key *key)
{
        unit_commands_done(FIELD(c, key, struct unit_commands));
}

/* The end of the raw word at p, with cmdline_split()'s idea of quotes and backslashes, so
 * that a ";" inside quotes or after a backslash is never taken for a separator. */
static const char *unit_exec_word_end(const char *p)
{
        char quote = 0;

        if (*p == '"' || *p == '\'')
                quote = *p++;
        for (; *p; p++) {
                if (*p == '\\') {
                        if (p[1])
                                p++;
                        continue;
                }
                if (quote) {
                        if (*p == quote)
                                quote = 0;
                        continue;
                }
                if (isspace((unsigned char) *p))
                        break;
        }
        return p;
}

/* Reads the prefixes of one command: each at most once, "+" and "!"/"!!" exclusive. "!!"
 * is taken as "!": the user is not changed for that command. */
static int
unit_exec_prefixes(struct unit_parse_ctx *ctx, const char *key, const char **p, struct unit_command *cmd)
{
        bool plus = false, bang = false;

        for (;; (*p)++) {
                char c = **p;
                bool *flag = NULL;

                if (c == '-')
                        flag = &cmd->ignore_failure;
                else if (c == '@')
                        flag = &cmd->argv0;
                else if (c == ':')
                        flag = &cmd->no_env_expand;
                else if (c == '+')
                        flag = &plus;
                else if (c == '!') {
                        if ((*p)[1] == '!')
                                (*p)++;
                        flag = &bang;
                } else
                        break;
                if (*flag)
                        return unit_key_error(ctx, "%s=: prefix '%c' given twice", key, c);
                *flag = true;
        }
        if (plus && bang)
                return unit_key_error(ctx, "%s=: prefixes '+' and '!' exclude each other", key);
        cmd->privileged = plus;
        cmd->no_setuid = bang;
        if (!**p || isspace((unsigned char) **p))
                return unit_key_error(ctx, "%s=: missing program after the prefixes", key);
        return 0;
}

static int unit_exec_check(struct unit_parse_ctx *ctx, const char *key, const struct unit_command *cmd)
{
        _cleanup_strv_free_ char **argv = NULL, **expanded = NULL;
        const char *reason = NULL, *program;
        int r;

        r = cmdline_split(cmd->line, &argv, &reason);
        if (r == -EINVAL)
                return unit_key_error(ctx, "%s=: %s", key, reason);
        if (r < 0)
                return r;
        program = argv[0];
        if (!*program)
                return unit_key_error(ctx, "%s=: empty program name", key);
        if (unit_string_has_control(program))
                return unit_key_error(ctx, "%s=: the program name contains control characters", key);
        if (program[0] != '/' && strchr(program, '/'))
                return unit_key_error(
                        ctx,
                        "%s=: the program %s must be an absolute path or a plain name looked up in PATH",
                        key, program);
        if (cmd->argv0 && !argv[1])
                return unit_key_error(ctx, "%s=: prefix '@' needs the argv[0] word after the program", key);
        if (!cmd->no_env_expand) {
                r = cmdline_split_expand(cmd->line, NULL, &expanded, &reason);
                if (r == -EINVAL)
                        return unit_key_error(ctx, "%s=: %s", key, reason);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void unit_command_array_free(struct unit_command *items, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(items[i].line);
        free(items);
}

/* One command starting at *p (after blanks), up to a lone ";" word (consumed, and
 * *ret_separator set) or the end. */
static int unit_exec_one(
        struct unit_parse_ctx *ctx, const char *key, const char **p, struct unit_command *ret,
        bool *ret_separator)
{
        struct unit_command cmd = { .line_no = ctx->line, .file_no = ctx->file_index };
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        *ret_separator = false;
        if (**p == ';' && (!(*p)[1] || isspace((unsigned char) (*p)[1])))
                return unit_key_error(ctx, "%s=: empty command before ';'", key);
        r = unit_exec_prefixes(ctx, key, p, &cmd);
        if (r < 0)
                return r;
        f = open_memstream(&line, &size);
        if (!f)
                return -ENOMEM;
        for (bool first = true;; first = false) {
                const char *end;

                while (isspace((unsigned char) **p))
                        (*p)++;
                if (!**p)
                        break;
                end = unit_exec_word_end(*p);
                if (end - *p == 1 && **p == ';' && !first) {
                        *p = end;
                        *ret_separator = true;
                        break;
                }
                if (!first)
                        fputc(' ', f);
                /* "\;" is how a literal ";" argument is written; cmdline_split() has no such
                 * escape, and needs none, since it never separates commands. */
                if (end - *p == 2 && (*p)[0] == '\\' && (*p)[1] == ';')
                        fputc(';', f);
                else
                        fwrite(*p, 1, (size_t) (end - *p), f);
                *p = end;
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        cmd.line = line;
        r = unit_exec_check(ctx, key, &cmd);
        if (r < 0)
                return r;
        cmd.line = TAKE_PTR(line);
        *ret = cmd;
        return 0;
}

int unit_parse_exec(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        struct unit_commands *list = FIELD(c, key, struct unit_commands);
        struct unit_command *items = NULL, *grown;
        size_t n = 0;
        const char *p = value;
        int r = 0;

        for (;;) {
                struct unit_command cmd;
                bool separator;

                r = unit_exec_one(ctx, key->name, &p, &cmd, &separator);
                if (r < 0)
                        break;
                grown = realloc(items, (n + 1) * sizeof(*items));
                if (!grown) {
                        free(cmd.line);
                        r = -ENOMEM;
                        break;
                }
                items = grown;
                items[n++] = cmd;

                if (!separator)
                        break;
                while (isspace((unsigned char) *p))
                        p++;
                if (!*p) {
                        r = unit_key_error(ctx, "%s=: empty command after ';'", key->name);
                        break;
                }
        }
        if (r >= 0) {
                grown = realloc(list->items, (list->n + n) * sizeof(*grown));
                if (!grown)
                        r = -ENOMEM;
        }
        if (r < 0) {
                unit_command_array_free(items, n);
                return r;
        }
        memcpy(grown + list->n, items, n * sizeof(*items));
        list->items = grown;
        list->n += n;
        free(items);
        return 0;
}

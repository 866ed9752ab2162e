/* The EnvironmentFile= format of systemd.exec(5): NAME=VALUE lines read shortly before a
 * spawn. A character-by-character state machine, because quoted values may span lines and
 * the rules differ per quoting: unquoted text follows POSIX-shell backslash rules (and a
 * trailing backslash joins lines), 'single' quotes are verbatim, "double" quotes honour
 * backslash before " \ ` $ and newline only. After a closing quote the value goes on, so
 * A='x'y gives "xy", like a shell word. A '#' or ';' comment runs to the end of its line,
 * and, as in systemd, a backslash at its end swallows the next line too.
 *
 * Where systemd ignores a line (no '=', or an invalid name such as "export FOO"), so do we,
 * with a warning for the second kind. An unterminated quote is the one error: systemd
 * would quietly make the rest of the file the value. */

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "strv.h"
#include "environment-file.h"
#include "unit-file-internal.h"
#include "unit-file.h"

enum env_state {
        ENV_PRE_KEY,
        ENV_KEY,
        ENV_PRE_VALUE,
        ENV_VALUE,
        ENV_VALUE_ESCAPE,
        ENV_SINGLE_QUOTE,
        ENV_DOUBLE_QUOTE,
        ENV_DOUBLE_QUOTE_ESCAPE,
        ENV_COMMENT,
        ENV_COMMENT_ESCAPE,
};

/* systemd counts '\r' as a line end here, so CRLF files read as if the lines were LF. */
static bool env_is_newline(char c)
{
        return c == '\n' || c == '\r';
}

static bool env_is_space(char c)
{
        return c == ' ' || c == '\t' || env_is_newline(c);
}

struct env_parser {
        const char *path;
        struct unit_diagnostics *diags;
        char **env; /* the working copy, swapped in on success */
        char *key, *value;
        size_t n_key, n_value;
        size_t key_keep;   /* the key's length without trailing whitespace */
        size_t value_keep; /* quoted or escaped text up to here survives the final trim */
        unsigned key_line;
};

static void env_parser_done(struct env_parser *p)
{
        strv_free(p->env);
        free(p->key);
        free(p->value);
}

static int env_push(struct env_parser *p)
{
        size_t n = p->n_value;
        int r;

        while (n > p->value_keep && env_is_space(p->value[n - 1]))
                n--;
        p->value[n] = 0;
        p->key[p->key_keep] = 0;

        if (!unit_env_name_is_valid(p->key))
                return unit_diag_add(
                        p->diags, p->path, p->key_line, false,
                        "ignoring assignment to invalid variable name \"%s\"", p->key);
        r = strv_env_set(&p->env, p->key, p->value);
        return r == -EINVAL ? 0 : r;
}

int environment_file_parse_full(
        const char *path, const char *text, char ***env, struct unit_diagnostics *diags)
{
        _cleanup_(env_parser_done) struct env_parser p = {
                .path = path ?: "(environment file)",
                .diags = diags,
        };
        enum env_state state = ENV_PRE_KEY;
        unsigned line = 1, quote_line = 0;
        size_t len = strlen(text);
        int r;

        p.env = strv_copy(*env);
        p.key = malloc(len + 1);
        p.value = malloc(len + 1);
        if (!p.env || !p.key || !p.value)
                return -ENOMEM;

        for (const char *s = text; *s; s++) {
                char c = *s;

                switch (state) {
                case ENV_PRE_KEY:
                        if (c == '#' || c == ';')
                                state = ENV_COMMENT;
                        else if (!env_is_space(c)) {
                                state = ENV_KEY;
                                p.key[0] = c;
                                p.n_key = p.key_keep = 1;
                                p.key_line = line;
                        }
                        break;
                case ENV_KEY:
                        if (env_is_newline(c))
                                state = ENV_PRE_KEY; /* no '=': ignored, like systemd */
                        else if (c == '=') {
                                state = ENV_PRE_VALUE;
                                p.n_value = p.value_keep = 0;
                        } else {
                                p.key[p.n_key++] = c;
                                if (!env_is_space(c))
                                        p.key_keep = p.n_key;
                        }
                        break;
                case ENV_PRE_VALUE:
                        if (env_is_newline(c)) {
                                r = env_push(&p);
                                if (r < 0)
                                        return r;
                                state = ENV_PRE_KEY;
                        } else if (c == '\'') {
                                state = ENV_SINGLE_QUOTE;
                                quote_line = line;
                        } else if (c == '"') {
                                state = ENV_DOUBLE_QUOTE;
                                quote_line = line;
                        } else if (c == '\\')
                                state = ENV_VALUE_ESCAPE;
                        else if (!env_is_space(c)) {
                                state = ENV_VALUE;
                                p.value[p.n_value++] = c;
                        }
                        break;
                case ENV_VALUE:
                        if (env_is_newline(c)) {
                                r = env_push(&p);
                                if (r < 0)
                                        return r;
                                state = ENV_PRE_KEY;
                        } else if (c == '\\')
                                state = ENV_VALUE_ESCAPE;
                        else
                                p.value[p.n_value++] = c;
                        break;
                case ENV_VALUE_ESCAPE:
                        /* Backslash-newline joins lines; any other character is taken
                         * literally and survives the final whitespace trim. */
                        state = ENV_VALUE;
                        if (!env_is_newline(c)) {
                                p.value[p.n_value++] = c;
                                p.value_keep = p.n_value;
                        }
                        break;
                case ENV_SINGLE_QUOTE:
                        if (c == '\'') {
                                state = ENV_PRE_VALUE;
                                p.value_keep = p.n_value;
                        } else
                                p.value[p.n_value++] = c;
                        break;
                case ENV_DOUBLE_QUOTE:
                        if (c == '"') {
                                state = ENV_PRE_VALUE;
                                p.value_keep = p.n_value;
                        } else if (c == '\\')
                                state = ENV_DOUBLE_QUOTE_ESCAPE;
                        else
                                p.value[p.n_value++] = c;
                        break;
                case ENV_DOUBLE_QUOTE_ESCAPE:
                        state = ENV_DOUBLE_QUOTE;
                        if (strchr("\"\\`$", c))
                                p.value[p.n_value++] = c;
                        else if (!env_is_newline(c)) {
                                p.value[p.n_value++] = '\\';
                                p.value[p.n_value++] = c;
                        }
                        break;
                case ENV_COMMENT:
                        if (c == '\\')
                                state = ENV_COMMENT_ESCAPE;
                        else if (env_is_newline(c))
                                state = ENV_PRE_KEY;
                        break;
                case ENV_COMMENT_ESCAPE:
                        state = ENV_COMMENT;
                        break;
                }
                if (c == '\n')
                        line++;
        }

        switch (state) {
        case ENV_SINGLE_QUOTE:
        case ENV_DOUBLE_QUOTE:
        case ENV_DOUBLE_QUOTE_ESCAPE:
                r = unit_diag_add(
                        diags, p.path, quote_line, true, "unterminated %s quote in the value of %.*s",
                        state == ENV_SINGLE_QUOTE ? "single" : "double", (int) p.key_keep, p.key);
                return r < 0 ? r : -EINVAL;
        case ENV_PRE_VALUE:
        case ENV_VALUE:
        case ENV_VALUE_ESCAPE:
                r = env_push(&p);
                if (r < 0)
                        return r;
                break;
        default:
                break;
        }

        strv_free(*env);
        *env = TAKE_PTR(p.env);
        return 0;
}

int environment_file_parse(const char *text, char ***env, unsigned *ret_line)
{
        struct unit_diagnostics diags = {};
        int r;

        r = environment_file_parse_full(NULL, text, env, &diags);
        if (r == -EINVAL) {
                for (size_t i = 0; i < diags.n; i++)
                        if (diags.items[i].error) {
                                *ret_line = diags.items[i].line;
                                break;
                        }
        }
        unit_diagnostics_done(&diags);
        return r;
}

/* ExecStart=-style word splitting, and the $VAR expansion applied to the words right before
 * a spawn; see cmdline.h.
 *
 * Expansion works on the words cmdline_split() produced, as systemd does: it unquotes and
 * unescapes when it loads the unit and expands at exec time, so quoting a $FOO does not stop
 * it, and the value of a variable is never unescaped a second time. */
#include <ctype.h>
#include <stdbool.h>

#include "cmdline.h"
#include "macro.h"
#include "strv.h"

static int hex_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        c = (char) tolower((unsigned char) c);
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes one escape after a backslash at *p; returns the byte or -1. Multi-byte \u/\U
 * escapes are written to out directly (returns -2 with *out_len set). */
static int unescape_one(const char **p, char *out, size_t *out_len)
{
        char c = **p;
        int a, b;

        (*p)++;
        switch (c) {
        case 'a':
                return '\a';
        case 'b':
                return '\b';
        case 'f':
                return '\f';
        case 'n':
                return '\n';
        case 'r':
                return '\r';
        case 't':
                return '\t';
        case 'v':
                return '\v';
        case 's':
                return ' ';
        case '\\':
                return '\\';
        case '"':
                return '"';
        case '\'':
                return '\'';
        case 'x':
                a = hex_value((*p)[0]);
                b = a >= 0 ? hex_value((*p)[1]) : -1;
                if (b < 0)
                        return -1;
                *p += 2;
                return a * 16 + b;
        case 'u':
        case 'U': {
                unsigned digits = c == 'u' ? 4 : 8, cp = 0;
                for (unsigned i = 0; i < digits; i++) {
                        int v = hex_value((*p)[i]);
                        if (v < 0)
                                return -1;
                        cp = cp * 16 + (unsigned) v;
                }
                *p += digits;
                if (cp == 0 || cp > 0x10FFFF)
                        return -1;
                /* UTF-8 encode. */
                if (cp < 0x80) {
                        out[0] = (char) cp;
                        *out_len = 1;
                } else if (cp < 0x800) {
                        out[0] = (char) (0xC0 | (cp >> 6));
                        out[1] = (char) (0x80 | (cp & 0x3F));
                        *out_len = 2;
                } else if (cp < 0x10000) {
                        out[0] = (char) (0xE0 | (cp >> 12));
                        out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
                        out[2] = (char) (0x80 | (cp & 0x3F));
                        *out_len = 3;
                } else {
                        out[0] = (char) (0xF0 | (cp >> 18));
                        out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
                        out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
                        out[3] = (char) (0x80 | (cp & 0x3F));
                        *out_len = 4;
                }
                return -2;
        }
        default:
                if (c >= '0' && c <= '7' && (*p)[0] >= '0' && (*p)[0] <= '7' && (*p)[1] >= '0' &&
                    (*p)[1] <= '7') {
                        int v = (c - '0') * 64 + ((*p)[0] - '0') * 8 + ((*p)[1] - '0');
                        *p += 2;
                        return v > 0 && v < 256 ? v : -1;
                }
                return -1;
        }
}

int cmdline_split(const char *s, char ***ret_argv, const char **ret_reason)
{
        _cleanup_strv_free_ char **argv = calloc(1, sizeof(char *));
        _cleanup_free_ char *word = malloc(strlen(s) * 4 + 1);
        const char *p = s;
        int r;

        if (!argv || !word)
                return -ENOMEM;
        for (;;) {
                size_t len = 0;
                char quote = 0;

                while (*p && isspace((unsigned char) *p))
                        p++;
                if (!*p)
                        break;
                if (*p == '"' || *p == '\'')
                        quote = *p++;
                for (;;) {
                        if (!*p) {
                                if (quote) {
                                        *ret_reason = "unterminated quote";
                                        return -EINVAL;
                                }
                                break;
                        }
                        if (quote && *p == quote) {
                                p++;
                                if (*p && !isspace((unsigned char) *p)) {
                                        *ret_reason = "a closing quote must end the word";
                                        return -EINVAL;
                                }
                                break;
                        }
                        if (!quote && isspace((unsigned char) *p))
                                break;
                        if (*p == '\\') {
                                size_t n = 0;
                                int c;

                                p++;
                                if (!*p) {
                                        *ret_reason = "trailing backslash";
                                        return -EINVAL;
                                }
                                c = unescape_one(&p, word + len, &n);
                                if (c == -1) {
                                        *ret_reason = "invalid escape sequence";
                                        return -EINVAL;
                                }
                                if (c == -2)
                                        len += n;
                                else
                                        word[len++] = (char) c;
                                continue;
                        }
                        word[len++] = *p++;
                }
                word[len] = 0;
                r = strv_push(&argv, word);
                if (r < 0)
                        return r;
        }
        if (!argv[0]) {
                *ret_reason = "empty command line";
                return -EINVAL;
        }
        *ret_argv = TAKE_PTR(argv);
        return 0;
}

/* systemd's rule for environment variable names (systemd.exec(5)). */
static bool cmdline_env_name_valid(const char *name, size_t len)
{
        if (len == 0 || (name[0] >= '0' && name[0] <= '9'))
                return false;
        for (size_t i = 0; i < len; i++)
                if (!isalnum((unsigned char) name[i]) && name[i] != '_')
                        return false;
        return true;
}

/* The last entry wins: that is how a unit's Environment= lines override each other, and
 * the caller may pass the list before any deduplication. */
static const char *cmdline_env_lookup(char *const *env, const char *name, size_t len)
{
        const char *found = NULL;

        for (char *const *e = env; e && *e; e++)
                if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
                        found = *e + len + 1;
        return found;
}

static bool cmdline_is_value_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A whole-word $FOO: the value split at whitespace, quotes respected and removed, a
 * backslash keeping the next character. Never fails on syntax: an unterminated quote ends
 * with the value, and a trailing backslash stays, since the value is data, not config. */
static int cmdline_push_split_value(char ***argv, const char *value)
{
        _cleanup_free_ char *word = malloc(strlen(value) + 1);
        const char *p = value;
        int r;

        if (!word)
                return -ENOMEM;
        for (;;) {
                size_t len = 0;
                char quote = 0;
                bool started = false;

                while (*p && cmdline_is_value_space(*p))
                        p++;
                if (!*p)
                        return 0;
                for (; *p; p++) {
                        if (!quote && cmdline_is_value_space(*p))
                                break;
                        if (*p == '\\' && p[1]) {
                                word[len++] = *++p;
                                continue;
                        }
                        if (quote && *p == quote) {
                                quote = 0;
                                continue;
                        }
                        if (!quote && (*p == '\'' || *p == '"')) {
                                quote = *p;
                                started = true;
                                continue;
                        }
                        word[len++] = *p;
                }
                word[len] = 0;
                if (len > 0 || started) {
                        r = strv_push(argv, word);
                        if (r < 0)
                                return r;
                }
        }
}

/* ${NAME} and $$ inside one word; the result is always exactly one argument. */
static int cmdline_expand_word(const char *w, char *const *env, char **ret, const char **ret_reason)
{
        _cleanup_free_ char *out = NULL;
        size_t size = 0;
        FILE *f;
        int r = 0;

        f = open_memstream(&out, &size);
        if (!f)
                return -ENOMEM;
        for (const char *p = w; *p; p++) {
                const char *end, *value;

                if (p[0] != '$' || (p[1] != '$' && p[1] != '{')) {
                        fputc(*p, f);
                        continue;
                }
                if (p[1] == '$') {
                        fputc('$', f);
                        p++;
                        continue;
                }
                end = strchr(p + 2, '}');
                if (!end) {
                        *ret_reason = "unterminated ${";
                        r = -EINVAL;
                        break;
                }
                if (!cmdline_env_name_valid(p + 2, (size_t) (end - p - 2))) {
                        *ret_reason = "${...} does not hold a valid variable name";
                        r = -EINVAL;
                        break;
                }
                value = cmdline_env_lookup(env, p + 2, (size_t) (end - p - 2));
                if (value)
                        fputs(value, f);
                p = end;
        }
        if (fclose(f) != 0 && r == 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(out);
        return 0;
}

int cmdline_split_expand(const char *s, char *const *env, char ***ret_argv, const char **ret_reason)
{
        _cleanup_strv_free_ char **words = NULL;
        _cleanup_strv_free_ char **argv = NULL;
        const char *reason = NULL;
        int r;

        r = cmdline_split(s, &words, &reason);
        if (r < 0) {
                if (r == -EINVAL)
                        *ret_reason = reason;
                return r;
        }

        /* systemd keeps the program out of the expansion; a variable there would silently
         * stay literal, so say it. */
        if ((words[0][0] == '$' && words[0][1] != '$') || strstr(words[0], "${")) {
                *ret_reason = "the program to execute may not be a variable";
                return -EINVAL;
        }

        argv = calloc(1, sizeof(char *));
        if (!argv)
                return -ENOMEM;
        r = strv_push(&argv, words[0]);
        if (r < 0)
                return r;
        for (size_t i = 1; words[i]; i++) {
                const char *w = words[i];
                _cleanup_free_ char *expanded = NULL;

                if (w[0] == '$' && cmdline_env_name_valid(w + 1, strlen(w + 1))) {
                        const char *value = cmdline_env_lookup(env, w + 1, strlen(w + 1));

                        r = value ? cmdline_push_split_value(&argv, value) : 0;
                        if (r < 0)
                                return r;
                        continue;
                }
                r = cmdline_expand_word(w, env, &expanded, &reason);
                if (r < 0) {
                        if (r == -EINVAL)
                                *ret_reason = reason;
                        return r;
                }
                r = strv_push(&argv, expanded);
                if (r < 0)
                        return r;
        }

        *ret_argv = TAKE_PTR(argv);
        return 0;
}

/* ExecStart=-style word splitting; see cmdline.h. */
#include <ctype.h>

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
        case 'a': return '\a';
        case 'b': return '\b';
        case 'f': return '\f';
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        case 'v': return '\v';
        case 's': return ' ';
        case '\\': return '\\';
        case '"': return '"';
        case '\'': return '\'';
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
                if (c >= '0' && c <= '7' && (*p)[0] >= '0' && (*p)[0] <= '7' && (*p)[1] >= '0' && (*p)[1] <= '7') {
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

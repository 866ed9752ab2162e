/* PCRE2 behind a three-call interface (pattern.h): compile with an error that names the
 * offset, search a byte range, free. The match data is made once per pattern: a banner
 * check runs on every output line. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

#include "pattern.h"

struct pattern {
        pcre2_code *code;
        pcre2_match_data *match;
};

int pattern_compile(const char *source, bool whole, pattern **ret, char **ret_error)
{
        /* UTF so that "." is one character as in Python; MATCH_INVALID_UTF so that a line of
         * binary garbage is searched, never refused. */
        uint32_t options =
                PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (whole ? PCRE2_ANCHORED | PCRE2_ENDANCHORED : 0);
        PCRE2_SIZE offset = 0;
        int code = 0;
        pattern *re;

        *ret_error = NULL;
        re = calloc(1, sizeof(*re));
        if (!re)
                return -ENOMEM;
        re->code = pcre2_compile((PCRE2_SPTR) source, PCRE2_ZERO_TERMINATED, options, &code, &offset, NULL);
        if (!re->code) {
                PCRE2_UCHAR message[256];

                if (code == PCRE2_ERROR_HEAPLIMIT || code == PCRE2_ERROR_NOMEMORY) {
                        free(re);
                        return -ENOMEM;
                }
                if (pcre2_get_error_message(code, message, sizeof(message)) < 0)
                        snprintf((char *) message, sizeof(message), "error %d", code);
                if (asprintf(ret_error, "%s at offset %zu", (const char *) message, (size_t) offset) < 0)
                        *ret_error = NULL;
                free(re);
                return -EINVAL;
        }
        re->match = pcre2_match_data_create(1, NULL);
        if (!re->match) {
                pcre2_code_free(re->code);
                free(re);
                return -ENOMEM;
        }
        *ret = re;
        return 0;
}

bool pattern_search(const pattern *re, const char *subject, size_t len)
{
        return pcre2_match(re->code, (PCRE2_SPTR) (subject ? subject : ""), len, 0, 0, re->match, NULL) >= 0;
}

pattern *pattern_free(pattern *re)
{
        if (re) {
                pcre2_match_data_free(re->match);
                pcre2_code_free(re->code);
                free(re);
        }
        return NULL;
}

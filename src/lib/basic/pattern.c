/* PCRE2 behind a three-call interface (pattern.h): compile with an error that names the
 * offset, search a byte range, free. The match data is made once per pattern: a banner
 * check runs on every output line. libpcre2 is dlopen()ed at the first pattern, as libcurl
 * is at the first HTTP= check: a run without Output= or HTTP= does not map it (loading it
 * at every start was a tenth of a millisecond of the CLI's start+stop cycle). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <dlfcn.h>
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

struct pattern {
        pcre2_code *code;
        pcre2_match_data *match;
};

static struct {
        __typeof__(pcre2_compile) *compile;
        __typeof__(pcre2_get_error_message) *get_error_message;
        __typeof__(pcre2_match_data_create) *match_data_create;
        __typeof__(pcre2_match) *match;
        __typeof__(pcre2_match_data_free) *match_data_free;
        __typeof__(pcre2_code_free) *code_free;
} pcre2;

/* 0 once loaded; -ENOENT (for good) when libpcre2-8.so.0 or a symbol is missing. */
static int pattern_load(void)
{
        static int loaded; /* 1 done, -errno failed */
        void *handle;

        if (loaded)
                return loaded > 0 ? 0 : loaded;
        /* Never closed: compiled patterns live as long as their owners. */
        handle = dlopen("libpcre2-8.so.0", RTLD_NOW | RTLD_LOCAL);
        if (handle) {
                /* Object and function pointers have one representation on Linux (dlsym(3)). */
                *(void **) &pcre2.compile = dlsym(handle, "pcre2_compile_8");
                *(void **) &pcre2.get_error_message = dlsym(handle, "pcre2_get_error_message_8");
                *(void **) &pcre2.match_data_create = dlsym(handle, "pcre2_match_data_create_8");
                *(void **) &pcre2.match = dlsym(handle, "pcre2_match_8");
                *(void **) &pcre2.match_data_free = dlsym(handle, "pcre2_match_data_free_8");
                *(void **) &pcre2.code_free = dlsym(handle, "pcre2_code_free_8");
        }
        loaded = handle && pcre2.compile && pcre2.get_error_message && pcre2.match_data_create &&
                                 pcre2.match && pcre2.match_data_free && pcre2.code_free
                         ? 1
                         : -ENOENT;
        return loaded > 0 ? 0 : loaded;
}

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
        if (pattern_load() < 0) {
                *ret_error = strdup(
                        "regular expressions need libpcre2-8 (libpcre2-8.so.0), which cannot be loaded");
                return -ENOENT;
        }
        re = calloc(1, sizeof(*re));
        if (!re)
                return -ENOMEM;
        re->code = pcre2.compile((PCRE2_SPTR) source, PCRE2_ZERO_TERMINATED, options, &code, &offset, NULL);
        if (!re->code) {
                PCRE2_UCHAR message[256];

                if (code == PCRE2_ERROR_HEAPLIMIT || code == PCRE2_ERROR_NOMEMORY) {
                        free(re);
                        return -ENOMEM;
                }
                if (pcre2.get_error_message(code, message, sizeof(message)) < 0)
                        snprintf((char *) message, sizeof(message), "error %d", code);
                if (asprintf(ret_error, "%s at offset %zu", (const char *) message, (size_t) offset) < 0)
                        *ret_error = NULL;
                free(re);
                return -EINVAL;
        }
        re->match = pcre2.match_data_create(1, NULL);
        if (!re->match) {
                pcre2.code_free(re->code);
                free(re);
                return -ENOMEM;
        }
        *ret = re;
        return 0;
}

bool pattern_search(const pattern *re, const char *subject, size_t len)
{
        return pcre2.match(re->code, (PCRE2_SPTR) (subject ? subject : ""), len, 0, 0, re->match, NULL) >= 0;
}

pattern *pattern_free(pattern *re)
{
        if (re) {
                pcre2.match_data_free(re->match);
                pcre2.code_free(re->code);
                free(re);
        }
        return NULL;
}

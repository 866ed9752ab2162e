/* Output= readiness: a POSIX extended regex searched in each line of stdout and/or stderr,
 * including the unfinished last line, so a banner without newline still counts. */
#include <regex.h>

#include "macro.h"
#include "ready.h"

struct ready_output {
        struct ready_check check;
        regex_t regex;
        char *pattern;
        int streams;
};

static int ready_output_begin(struct ready_check *c)
{
        return 0;
}

static void ready_output_on_line(struct ready_check *c, int stream, const char *line, size_t len)
{
        struct ready_output *o = (struct ready_output *) c;
        regmatch_t m = { .rm_so = 0, .rm_eo = (regoff_t) len };

        if (c->met || !(o->streams & stream))
                return;
        /* REG_STARTEND: lines are not NUL-terminated and may contain NULs. */
        if (regexec(&o->regex, line, 1, &m, REG_STARTEND) == 0)
                ready_check_met(c);
}

static void ready_output_end(struct ready_check *c)
{
}

static void ready_output_describe(const struct ready_check *c, char *buf, size_t size)
{
        const struct ready_output *o = (const struct ready_output *) c;
        const char *where = o->streams == 1 ? "stdout" : o->streams == 2 ? "stderr" : "output";

        snprintf(buf, size, "%s matching '%s'", where, o->pattern);
}

static void ready_output_free(struct ready_check *c)
{
        struct ready_output *o = (struct ready_output *) c;

        regfree(&o->regex);
        free(o->pattern);
        free(o);
}

static const struct ready_ops ready_output_ops = {
        .kind = "output",
        .begin = ready_output_begin,
        .on_line = ready_output_on_line,
        .end = ready_output_end,
        .describe = ready_output_describe,
        .free = ready_output_free,
};

int ready_output_new(
        struct ready_owner *owner, const char *regex, int streams, struct ready_check **ret,
        char **ret_error)
{
        struct ready_output *o;
        int r;

        if (streams < 1 || streams > 3)
                return -EINVAL;
        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->pattern = strdup(regex);
        if (!o->pattern) {
                free(o);
                return -ENOMEM;
        }
        r = regcomp(&o->regex, regex, REG_EXTENDED | REG_NOSUB);
        if (r != 0) {
                char msg[256], full[512];

                regerror(r, &o->regex, msg, sizeof(msg));
                snprintf(full, sizeof(full), "invalid regular expression '%s': %s", regex, msg);
                *ret_error = strdup(full);
                free(o->pattern);
                free(o);
                return -EINVAL;
        }
        o->streams = streams;
        o->check = (struct ready_check){ .ops = &ready_output_ops, .owner = owner };
        *ret = &o->check;
        return 0;
}

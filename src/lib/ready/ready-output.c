/* Output= readiness: a regular expression (PCRE2, pattern.h) searched in each line of stdout and/or stderr,
 * including the unfinished last line, so a banner without newline still counts. */
#include "macro.h"
#include "pattern.h"
#include "ready.h"

struct ready_output {
        struct ready_check check;
        pattern *regex;
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

        if (c->met || !(o->streams & stream))
                return;
        /* Lines are not NUL-terminated and may contain NULs: searched by length. */
        if (pattern_search(o->regex, line, len))
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

        pattern_free(o->regex);
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
        char *msg = NULL;
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
        r = pattern_compile(regex, false, &o->regex, &msg);
        if (r < 0) {
                if (msg && asprintf(ret_error, "invalid regular expression '%s': %s", regex, msg) < 0)
                        *ret_error = NULL;
                free(msg);
                free(o->pattern);
                free(o);
                return r;
        }
        o->streams = streams;
        o->check = (struct ready_check){ .ops = &ready_output_ops, .owner = owner, .streams = streams };
        *ret = &o->check;
        return 0;
}

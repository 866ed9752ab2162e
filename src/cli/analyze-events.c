/* The event stream reader of unitrun analyze; see analyze-events.h. A JSON reader of
 * exactly what the stream holds: one flat object per line whose values are strings,
 * numbers, booleans, null, or arrays of strings (anything nested deeper is checked and
 * skipped, so that newer fields do not break older readers). Each line is parsed on its
 * own: a line cut in the middle, or one that is not unitrun's, costs that line only. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analyze-events.h"

/* Bounds against hostile input: a stream of a real run is far below each. */
#define MAX_NOTES 200
#define MAX_UNITS 10000
#define MAX_DEPTH 32
#define MAX_FIELDS 64
/* Times beyond this (about 30 years) are not a run's: the line is refused. */
#define MAX_MS 1e12

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_STRINGS, JSON_OTHER };

struct json_field {
        char *key;
        enum json_type type;
        bool boolean;
        double number;
        char *string;   /* JSON_STRING */
        char **strings; /* JSON_STRINGS, NULL-terminated */
        size_t n_strings;
};

struct json_parser {
        const char *p, *end, *start;
        const char *error; /* why it stopped, or NULL */
};

static void fields_free(struct json_field *f, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(f[i].key);
                free(f[i].string);
                for (size_t s = 0; s < f[i].n_strings; s++)
                        free(f[i].strings[s]);
                free(f[i].strings);
        }
}

static void skip_space(struct json_parser *j)
{
        while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
                j->p++;
}

static bool fail(struct json_parser *j, const char *why)
{
        if (!j->error)
                j->error = why;
        return false;
}

static void put_utf8(char *buf, size_t *o, unsigned c)
{
        if (c < 0x80)
                buf[(*o)++] = (char) c;
        else if (c < 0x800) {
                buf[(*o)++] = (char) (0xc0 | (c >> 6));
                buf[(*o)++] = (char) (0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
                buf[(*o)++] = (char) (0xe0 | (c >> 12));
                buf[(*o)++] = (char) (0x80 | ((c >> 6) & 0x3f));
                buf[(*o)++] = (char) (0x80 | (c & 0x3f));
        } else {
                buf[(*o)++] = (char) (0xf0 | (c >> 18));
                buf[(*o)++] = (char) (0x80 | ((c >> 12) & 0x3f));
                buf[(*o)++] = (char) (0x80 | ((c >> 6) & 0x3f));
                buf[(*o)++] = (char) (0x80 | (c & 0x3f));
        }
}

static int hex4(const char *p, const char *end)
{
        int v = 0;

        if (end - p < 4)
                return -1;
        for (int i = 0; i < 4; i++) {
                char c = p[i];
                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= c - '0';
                else if (c >= 'a' && c <= 'f')
                        v |= c - 'a' + 10;
                else if (c >= 'A' && c <= 'F')
                        v |= c - 'A' + 10;
                else
                        return -1;
        }
        return v;
}

/* A string at j->p (on its '"'); *ret malloc'ed when ret, else only checked. A NUL escape
 * becomes U+FFFD: the text goes into C strings. */
static bool parse_string(struct json_parser *j, char **ret)
{
        char *buf = NULL;
        size_t o = 0;

        j->p++;
        if (ret) {
                /* Never longer than the rest of the line, escapes included (4 bytes max
                 * for 6 input bytes, 3 for U+FFFD from "\u0000"). */
                buf = malloc((size_t) (j->end - j->p) + 4);
                if (!buf)
                        return fail(j, "out of memory");
        }
        while (j->p < j->end && *j->p != '"') {
                unsigned char c = (unsigned char) *j->p;

                if (c < 0x20) {
                        free(buf);
                        return fail(j, "a control character in a string");
                }
                if (c != '\\') {
                        if (buf)
                                buf[o++] = (char) c;
                        j->p++;
                        continue;
                }
                if (++j->p >= j->end)
                        break;
                c = (unsigned char) *j->p++;
                switch (c) {
                case '"':
                case '\\':
                case '/':
                        break;
                case 'b':
                        c = '\b';
                        break;
                case 'f':
                        c = '\f';
                        break;
                case 'n':
                        c = '\n';
                        break;
                case 'r':
                        c = '\r';
                        break;
                case 't':
                        c = '\t';
                        break;
                case 'u': {
                        int u = hex4(j->p, j->end), lo;
                        unsigned cp;

                        if (u < 0) {
                                free(buf);
                                return fail(j, "a bad \\u escape");
                        }
                        j->p += 4;
                        cp = (unsigned) u;
                        if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
                            j->p[1] == 'u' && (lo = hex4(j->p + 2, j->end)) >= 0xdc00 && lo < 0xe000) {
                                cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned) lo - 0xdc00);
                                j->p += 6;
                        } else if (cp == 0 || (cp >= 0xd800 && cp < 0xe000))
                                cp = 0xfffd;
                        if (buf)
                                put_utf8(buf, &o, cp);
                        continue;
                }
                default:
                        free(buf);
                        return fail(j, "a bad escape in a string");
                }
                if (buf)
                        buf[o++] = (char) c;
        }
        if (j->p >= j->end) {
                free(buf);
                return fail(j, "a string that does not end (the line is cut?)");
        }
        j->p++;
        if (buf) {
                buf[o] = 0;
                *ret = buf;
        }
        return true;
}

static bool parse_number(struct json_parser *j, double *ret)
{
        char tmp[64];
        size_t n = 0;
        char *e;

        while (j->p + n < j->end && n < sizeof(tmp) - 1 && j->p[n] && strchr("+-0123456789.eE", j->p[n]))
                n++;
        if (n == 0 || n >= sizeof(tmp) - 1)
                return fail(j, "a bad number");
        memcpy(tmp, j->p, n);
        tmp[n] = 0;
        *ret = strtod(tmp, &e);
        if (*e || !isfinite(*ret))
                return fail(j, "a bad number");
        j->p += n;
        return true;
}

static bool parse_word(struct json_parser *j, const char *word)
{
        size_t n = strlen(word);

        if ((size_t) (j->end - j->p) < n || memcmp(j->p, word, n) != 0)
                return fail(j, j->end - j->p < (long) n ? "the line ends early (cut?)" : "an unknown word");
        j->p += n;
        return true;
}

/* Any value, checked and dropped: what this reader does not use. */
static bool skip_value(struct json_parser *j, unsigned depth)
{
        double d;

        if (depth > MAX_DEPTH)
                return fail(j, "nested too deep");
        skip_space(j);
        if (j->p >= j->end)
                return fail(j, "the line ends early (cut?)");
        switch (*j->p) {
        case '"':
                return parse_string(j, NULL);
        case 't':
                return parse_word(j, "true");
        case 'f':
                return parse_word(j, "false");
        case 'n':
                return parse_word(j, "null");
        case '[':
        case '{': {
                char close = *j->p == '[' ? ']' : '}';
                bool object = close == '}';

                j->p++;
                skip_space(j);
                if (j->p < j->end && *j->p == close) {
                        j->p++;
                        return true;
                }
                for (;;) {
                        if (object) {
                                skip_space(j);
                                if (j->p >= j->end || *j->p != '"')
                                        return fail(
                                                j, j->p >= j->end ? "the line ends early (cut?)"
                                                                  : "a key that is not a string");
                                if (!parse_string(j, NULL))
                                        return false;
                                skip_space(j);
                                if (j->p >= j->end || *j->p != ':')
                                        return fail(j, "no ':' after a key");
                                j->p++;
                        }
                        if (!skip_value(j, depth + 1))
                                return false;
                        skip_space(j);
                        if (j->p < j->end && *j->p == ',') {
                                j->p++;
                                continue;
                        }
                        if (j->p < j->end && *j->p == close) {
                                j->p++;
                                return true;
                        }
                        return fail(
                                j, j->p >= j->end ? "the line ends early (cut?)" : "no ',' between values");
                }
        }
        default:
                return parse_number(j, &d);
        }
}

/* The value of one field: what the stream uses is kept, the rest skipped. */
static bool parse_field_value(struct json_parser *j, struct json_field *f)
{
        skip_space(j);
        if (j->p >= j->end)
                return fail(j, "the line ends early (cut?)");
        switch (*j->p) {
        case '"':
                f->type = JSON_STRING;
                return parse_string(j, &f->string);
        case 't':
        case 'f':
                f->type = JSON_BOOL;
                f->boolean = *j->p == 't';
                return parse_word(j, f->boolean ? "true" : "false");
        case 'n':
                f->type = JSON_NULL;
                return parse_word(j, "null");
        case '{':
                f->type = JSON_OTHER;
                return skip_value(j, 1);
        case '[': {
                const char *save = j->p;

                /* An array of strings (After=), else skipped. */
                f->type = JSON_STRINGS;
                j->p++;
                skip_space(j);
                if (j->p < j->end && *j->p == ']') {
                        j->p++;
                        return true;
                }
                for (;;) {
                        char **s;

                        skip_space(j);
                        if (j->p >= j->end || *j->p != '"') {
                                j->p = save;
                                f->type = JSON_OTHER;
                                return skip_value(j, 1);
                        }
                        s = realloc(f->strings, (f->n_strings + 2) * sizeof(*s));
                        if (!s)
                                return fail(j, "out of memory");
                        f->strings = s;
                        s[f->n_strings] = s[f->n_strings + 1] = NULL;
                        if (!parse_string(j, &s[f->n_strings]))
                                return false;
                        f->n_strings++;
                        skip_space(j);
                        if (j->p < j->end && *j->p == ',') {
                                j->p++;
                                continue;
                        }
                        if (j->p < j->end && *j->p == ']') {
                                j->p++;
                                return true;
                        }
                        return fail(
                                j, j->p >= j->end ? "the line ends early (cut?)" : "no ',' between values");
                }
        }
        default:
                f->type = JSON_NUMBER;
                return parse_number(j, &f->number);
        }
}

/* One line as an object; false with j->error set when it is not one. */
static bool parse_object(struct json_parser *j, struct json_field *fields, size_t *ret_n)
{
        size_t n = 0;

        *ret_n = 0;
        skip_space(j);
        if (j->p >= j->end || *j->p != '{')
                return fail(j, "not a JSON object");
        j->p++;
        skip_space(j);
        if (j->p < j->end && *j->p == '}')
                j->p++;
        else
                for (;;) {
                        struct json_field f = { 0 };

                        skip_space(j);
                        if (j->p >= j->end || *j->p != '"') {
                                *ret_n = n;
                                return fail(
                                        j, j->p >= j->end ? "the line ends early (cut?)"
                                                          : "a key that is not a string");
                        }
                        if (!parse_string(j, &f.key)) {
                                *ret_n = n;
                                return false;
                        }
                        skip_space(j);
                        if (j->p >= j->end || *j->p != ':') {
                                free(f.key);
                                *ret_n = n;
                                return fail(
                                        j, j->p >= j->end ? "the line ends early (cut?)"
                                                          : "no ':' after a key");
                        }
                        j->p++;
                        if (!parse_field_value(j, &f)) {
                                fields_free(&f, 1);
                                *ret_n = n;
                                return false;
                        }
                        if (n < MAX_FIELDS)
                                fields[n++] = f;
                        else
                                fields_free(&f, 1);
                        skip_space(j);
                        if (j->p < j->end && *j->p == ',') {
                                j->p++;
                                continue;
                        }
                        if (j->p < j->end && *j->p == '}') {
                                j->p++;
                                break;
                        }
                        *ret_n = n;
                        return fail(
                                j, j->p >= j->end ? "the line ends early (cut?)" : "no ',' between fields");
                }
        *ret_n = n;
        skip_space(j);
        if (j->p < j->end)
                return fail(j, "text after the object");
        return true;
}

static const struct json_field *field(const struct json_field *f, size_t n, const char *key)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(f[i].key, key) == 0)
                        return &f[i];
        return NULL;
}

static const char *field_string(const struct json_field *f, size_t n, const char *key)
{
        const struct json_field *x = field(f, n, key);
        return x && x->type == JSON_STRING ? x->string : NULL;
}

static bool field_number(const struct json_field *f, size_t n, const char *key, double *ret)
{
        const struct json_field *x = field(f, n, key);

        if (!x || x->type != JSON_NUMBER)
                return false;
        *ret = x->number;
        return true;
}

/* A duration in ms: 0 when absent, negative or out of range. */
static uint64_t field_ms(const struct json_field *f, size_t n, const char *key)
{
        double number;

        if (!field_number(f, n, key, &number) || !(number >= 0 && number <= MAX_MS))
                return 0;
        return (uint64_t) number;
}

/* ---- The run ------------------------------------------------------------------------------ */

static int note(struct analyze_run *run, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int note(struct analyze_run *run, unsigned line, const char *fmt, ...)
{
        struct analyze_note *n;
        va_list ap;
        char *text;
        int r;

        if (run->n_notes >= MAX_NOTES) {
                run->n_notes_dropped++;
                return 0;
        }
        va_start(ap, fmt);
        r = vasprintf(&text, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        n = realloc(run->notes, (run->n_notes + 1) * sizeof(*n));
        if (!n) {
                free(text);
                return -ENOMEM;
        }
        run->notes = n;
        n[run->n_notes++] = (struct analyze_note){ .line = line, .text = text };
        return 0;
}

/* Replaces *slot with a copy of s (NULL stays NULL); false when out of memory. */
static bool set_string(char **slot, const char *s)
{
        char *c = NULL;

        if (s && !(c = strdup(s)))
                return false;
        free(*slot);
        *slot = c;
        return true;
}

static struct analyze_unit *unit_get(struct analyze_run *run, const char *name, unsigned line)
{
        struct analyze_unit *u;

        for (size_t i = 0; i < run->n_units; i++)
                if (strcmp(run->units[i].name, name) == 0)
                        return &run->units[i];
        if (run->n_units >= MAX_UNITS)
                return NULL;
        u = realloc(run->units, (run->n_units + 1) * sizeof(*u));
        if (!u)
                return NULL;
        run->units = u;
        u = &run->units[run->n_units];
        *u = (struct analyze_unit){
                .name = strdup(name),
                .line = line,
                .starting_ms = ANALYZE_NONE,
                .pre_ms = ANALYZE_NONE,
                .spawn_ms = ANALYZE_NONE,
                .ready_ms = ANALYZE_NONE,
                .failed_ms = ANALYZE_NONE,
                .skipped_ms = ANALYZE_NONE,
                .stopping_ms = ANALYZE_NONE,
                .stopped_ms = ANALYZE_NONE,
        };
        if (!u->name)
                return NULL;
        run->n_units++;
        return u;
}

/* "after": unitrun writes one string of names separated by spaces; an array of names is
 * read too. */
static int set_after(struct analyze_unit *u, const struct json_field *x)
{
        size_t max = x->type == JSON_STRINGS ? x->n_strings : strlen(x->string) / 2 + 1;

        for (size_t i = 0; i < u->n_after; i++)
                free(u->after[i]);
        free(u->after);
        u->n_after = 0;
        u->after = calloc(max + 1, sizeof(char *));
        if (!u->after)
                return -ENOMEM;
        if (x->type == JSON_STRINGS) {
                for (size_t i = 0; i < x->n_strings; i++)
                        if (!(u->after[u->n_after++] = strdup(x->strings[i])))
                                return -ENOMEM;
                return 0;
        }
        for (const char *p = x->string; *p;) {
                size_t len = strcspn(p, " ");

                if (len > 0 && u->n_after < max && !(u->after[u->n_after++] = strndup(p, len)))
                        return -ENOMEM;
                p += len;
                p += strspn(p, " ");
        }
        return 0;
}

static const char *const unit_events[] = {
        "starting", "restarting", "ready", "failed", "skipped", "stopping", "stopped",
};

static bool is_unit_event(const char *event)
{
        for (size_t i = 0; i < sizeof(unit_events) / sizeof(unit_events[0]); i++)
                if (strcmp(event, unit_events[i]) == 0)
                        return true;
        return false;
}

/* One event of a unit. -ENOMEM, or 0 (problems are notes). */
static int unit_event(
        struct analyze_run *run, unsigned line, const char *event, double t, const struct json_field *f,
        size_t n)
{
        const char *name = field_string(f, n, "unit");
        struct analyze_unit *u;
        double number;
        const struct json_field *x;

        if (!name)
                return note(run, line, "a \"%s\" event without a \"unit\": skipped", event);
        u = unit_get(run, name, line);
        if (!u)
                return run->n_units >= MAX_UNITS ? note(run, line, "too many units: skipped") : -ENOMEM;
        u->last_ms = t > u->last_ms ? t : u->last_ms;
        u->last_line = line;
        if (u->stopped_ms != ANALYZE_NONE && strcmp(event, "stopped") != 0)
                note(run, line, "%s: \"%s\" after \"stopped\" (line out of order?)", name, event);

        if (strcmp(event, "starting") == 0) {
                if (u->starting_ms == ANALYZE_NONE)
                        u->starting_ms = t;
                x = field(f, n, "after");
                if (x && (x->type == JSON_STRINGS || x->type == JSON_STRING)) {
                        int r = set_after(u, x);
                        if (r < 0)
                                return r;
                }
        } else if (strcmp(event, "restarting") == 0) {
                struct analyze_mark *m = realloc(u->restarts, (u->n_restarts + 1) * sizeof(*m));
                const char *reason = field_string(f, n, "reason"), *message = field_string(f, n, "message");

                if (!m)
                        return -ENOMEM;
                u->restarts = m;
                m = &m[u->n_restarts];
                m->ms = t;
                if (asprintf(
                            &m->text, "restart %zu: %s%s%s", u->n_restarts + 1, reason ? reason : "?",
                            message ? ": " : "", message ? message : "") < 0)
                        return -ENOMEM;
                u->n_restarts++;
                /* The last start counts: ready comes after this. */
                u->ready_seen = false;
                u->ready_ms = u->spawn_ms = u->pre_ms = u->stopping_ms = ANALYZE_NONE;
        } else if (strcmp(event, "ready") == 0) {
                if (u->starting_ms == ANALYZE_NONE)
                        note(run, line, "%s: \"ready\" without \"starting\" before it", name);
                u->ready_seen = true;
                u->ready_ms = t;
                u->ready_elapsed_ms = field_ms(f, n, "elapsed_ms");
                u->start_pre_ms = field_ms(f, n, "start_pre_ms");
                u->spawn_ms = t - (double) u->ready_elapsed_ms;
                if (u->starting_ms != ANALYZE_NONE && u->spawn_ms < u->starting_ms)
                        u->spawn_ms = u->starting_ms;
                u->pre_ms = u->start_pre_ms ? u->spawn_ms - (double) u->start_pre_ms : ANALYZE_NONE;
                x = field(f, n, "finished");
                u->finished = x && x->type == JSON_BOOL && x->boolean;
                if (!set_string(&u->conditions, field_string(f, n, "conditions")))
                        return -ENOMEM;
        } else if (strcmp(event, "failed") == 0) {
                u->failed_ms = t;
                if (!set_string(&u->failed_reason, field_string(f, n, "reason")) ||
                    !set_string(&u->failed_message, field_string(f, n, "message")))
                        return -ENOMEM;
        } else if (strcmp(event, "skipped") == 0) {
                u->skipped_ms = t;
                if (!set_string(&u->skipped_reason, field_string(f, n, "reason")))
                        return -ENOMEM;
        } else if (strcmp(event, "stopping") == 0) {
                if (u->stopping_ms == ANALYZE_NONE)
                        u->stopping_ms = t;
        } else if (strcmp(event, "stopped") == 0) {
                u->stopped_ms = t;
                x = field(f, n, "clean");
                u->clean = x && x->type == JSON_BOOL && x->boolean;
                u->status = field_number(f, n, "status", &number) && fabs(number) < 1e9 ? (int) number : 0;
                if (!set_string(&u->exit, field_string(f, n, "exit")))
                        return -ENOMEM;
        }
        return 0;
}

static int read_line(struct analyze_run *run, unsigned line, const char *text, size_t len, bool last_cut)
{
        struct json_field fields[MAX_FIELDS];
        struct json_parser j = { .p = text, .start = text, .end = text + len };
        const char *event;
        double t, number;
        size_t n;
        int r = 0;

        if (!parse_object(&j, fields, &n)) {
                fields_free(fields, n);
                if (strcmp(j.error, "out of memory") == 0)
                        return -ENOMEM;
                return note(
                        run, line, "cannot read: %s at column %zu%s", j.error, (size_t) (j.p - text) + 1,
                        last_cut ? " (the last line, without a newline: cut in the middle)" : "");
        }
        event = field_string(fields, n, "event");
        if (!event) {
                r = note(run, line, "not a unitrun event (no \"event\"): skipped");
                goto out;
        }
        if (!field_number(fields, n, "time_ms", &t) || !(t >= 0 && t <= MAX_MS)) {
                r = note(run, line, "a \"%s\" event without a valid \"time_ms\": skipped", event);
                goto out;
        }
        if (t + 0.0005 < run->last_ms)
                note(run, line, "\"%s\" at %.3f ms comes after an event at %.3f ms: events out of order",
                     event, t, run->last_ms);
        else
                run->last_ms = t;
        run->n_events++;

        /* The version, on the first event (isolation) of a stream; any event may carry it. */
        if (field(fields, n, "schema")) {
                if (!field_number(fields, n, "schema", &number) || number < 0 || number > 1e6)
                        r = note(run, line, "a \"schema\" that is not a version number: ignored");
                else if (run->schema != (int) number) {
                        run->schema = (int) number;
                        if (run->schema > ANALYZE_SCHEMA)
                                r =
                                        note(run, line,
                                             "schema %d is newer than this unitrun reads (%d): reading what "
                                             "it knows",
                                             run->schema, ANALYZE_SCHEMA);
                }
        }
        if (r < 0)
                goto out;
        if (is_unit_event(event))
                r = unit_event(run, line, event, t, fields, n);
        else if (strcmp(event, "command-started") == 0) {
                run->command_start_ms = t;
                if (!set_string(&run->command, field_string(fields, n, "command")))
                        r = -ENOMEM;
        } else if (strcmp(event, "command-exited") == 0) {
                run->command_exit_ms = t;
                run->command_status =
                        field_number(fields, n, "status", &number) && fabs(number) < 1e9 ? (int) number : 0;
        } else if (strcmp(event, "isolation") != 0 && strcmp(event, "schema") != 0)
                r = note(run, line, "unknown event \"%s\" (from a newer unitrun?): skipped", event);
out:
        fields_free(fields, n);
        return r;
}

/* Notes in line order (stable: those of one line keep theirs), the stream's own last. */
static void sort_notes(struct analyze_run *run)
{
        for (size_t i = 1; i < run->n_notes; i++) {
                struct analyze_note n = run->notes[i];
                unsigned key = n.line ? n.line : UINT_MAX;
                size_t j = i;

                for (; j > 0 && (run->notes[j - 1].line ? run->notes[j - 1].line : UINT_MAX) > key; j--)
                        run->notes[j] = run->notes[j - 1];
                run->notes[j] = n;
        }
}

/* What a stream that ends early (a SIGKILLed run) leaves open. */
static int read_finish(struct analyze_run *run)
{
        int r = 0;

        if (run->n_foreign)
                r =
                        note(run, run->first_foreign,
                             "%u line%s not JSON (unit output or messages in the same file?), the first "
                             "here: skipped",
                             run->n_foreign, run->n_foreign == 1 ? " is" : "s are");
        for (size_t i = 0; r >= 0 && i < run->n_units; i++) {
                const struct analyze_unit *u = &run->units[i];

                if (u->stopped_ms == ANALYZE_NONE && u->skipped_ms == ANALYZE_NONE)
                        r =
                                note(run, u->last_line,
                                     "%s: no \"stopped\" after this line: the run ended early (killed?); "
                                     "shown up to its last event",
                                     u->name);
        }
        if (r >= 0 && run->command_start_ms != ANALYZE_NONE && run->command_exit_ms == ANALYZE_NONE)
                r = note(
                        run, 0,
                        "COMMAND started and never exited in the stream: the run ended early (killed?)");
        sort_notes(run);
        return r;
}

int analyze_read(struct analyze_run *run, const char *data, size_t size)
{
        unsigned line = 0;
        int r = 0;

        *run = (struct analyze_run){
                .command_start_ms = ANALYZE_NONE,
                .command_exit_ms = ANALYZE_NONE,
        };
        for (size_t at = 0; at < size && r >= 0;) {
                const char *text = data + at, *nl = memchr(text, '\n', size - at);
                size_t len = nl ? (size_t) (nl - text) : size - at;
                size_t skip = 0;

                at += len + (nl ? 1 : 0);
                line++;
                while (skip < len && (text[skip] == ' ' || text[skip] == '\t' || text[skip] == '\r'))
                        skip++;
                if (skip == len)
                        continue;
                if (text[skip] != '{') {
                        if (run->n_foreign++ == 0)
                                run->first_foreign = line;
                        continue;
                }
                r = read_line(run, line, text, len, !nl);
        }
        run->n_lines = line;
        if (r >= 0)
                r = read_finish(run);
        return r;
}

void analyze_run_done(struct analyze_run *run)
{
        for (size_t i = 0; i < run->n_units; i++) {
                struct analyze_unit *u = &run->units[i];

                free(u->name);
                for (size_t a = 0; a < u->n_after; a++)
                        free(u->after[a]);
                free(u->after);
                free(u->conditions);
                free(u->failed_reason);
                free(u->failed_message);
                free(u->skipped_reason);
                free(u->exit);
                for (size_t m = 0; m < u->n_restarts; m++)
                        free(u->restarts[m].text);
                free(u->restarts);
        }
        free(run->units);
        free(run->command);
        for (size_t i = 0; i < run->n_notes; i++)
                free(run->notes[i].text);
        free(run->notes);
        *run = (struct analyze_run){ 0 };
}

const struct analyze_unit *analyze_find_unit(const struct analyze_run *run, const char *name)
{
        for (size_t i = 0; i < run->n_units; i++)
                if (strcmp(run->units[i].name, name) == 0)
                        return &run->units[i];
        return NULL;
}

double analyze_unit_settled_ms(const struct analyze_unit *u)
{
        if (u->ready_seen)
                return u->ready_ms;
        if (u->failed_ms != ANALYZE_NONE)
                return u->failed_ms;
        return u->skipped_ms;
}

double analyze_command_start_ms(const struct analyze_run *run)
{
        double t = ANALYZE_NONE;

        if (run->command_start_ms != ANALYZE_NONE)
                return run->command_start_ms;
        if (run->command_exit_ms == ANALYZE_NONE)
                return ANALYZE_NONE;
        /* Schema 0: COMMAND ran once the last unit was ready. */
        for (size_t i = 0; i < run->n_units; i++)
                if (run->units[i].ready_seen && run->units[i].ready_ms <= run->command_exit_ms &&
                    run->units[i].ready_ms > t)
                        t = run->units[i].ready_ms;
        return t == ANALYZE_NONE ? 0 : t;
}

void analyze_format_ms(double ms, char *buf, size_t size)
{
        double s;

        if (ms < 0)
                ms = 0;
        if (ms < 1000) {
                snprintf(buf, size, "%.0fms", ms);
                return;
        }
        s = ms / 1000.0;
        if (s < 60) {
                int n = snprintf(buf, size, "%.3f", s);
                /* "1.500" -> "1.5s", "2.000" -> "2s", as systemd does. */
                while (n > 0 && (size_t) n < size && buf[n - 1] == '0')
                        buf[--n] = 0;
                if (n > 0 && (size_t) n < size && buf[n - 1] == '.')
                        buf[--n] = 0;
                snprintf(buf + n, size - (size_t) n, "s");
                return;
        }
        {
                /* Whole minutes by truncation (s is positive): no libm for the CLI. */
                double minutes = (double) (long long) (s / 60);

                snprintf(buf, size, "%.0fmin %.3gs", minutes, s - 60 * minutes);
        }
}

/* Unit output as users see it: each line prefixed with the unit's name on stderr, and/or
 * written to DIR/NAME.log with --log-dir.
 *
 * Built to keep up with a daemon that logs as fast as it can: a line is two memcpy()s
 * into the stderr queue (prefix and line), with no allocation and no write of its own;
 * the queue goes out in one write per loop iteration (sink.c, never blocking), and each
 * log file gets its lines through a buffer of its own, written once full or once per
 * iteration. A unit whose queued stderr output passes OUTPUT_PAUSE_AT is paused (its
 * pipe is not read, so it blocks on its own write) until the queue drained; during the
 * teardown nothing is paused, and what passes OUTPUT_DROP_AT is dropped and counted. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "macro.h"
#include "progress.h"
#include "sink.h"

#define OUTPUT_PAUSE_AT (1024 * 1024)
#define OUTPUT_RESUME_AT (256 * 1024)
#define OUTPUT_DROP_AT (4 * 1024 * 1024)
#define LOG_BUFFER_SIZE (64 * 1024)

struct unit_output {
        ur_executor *executor;
        char prefix[320];
        size_t prefix_len;
        struct sink_owner owner;
        bool paused;
        int log_fd; /* -1: none (or failed) */
        char *log_buf;
        size_t log_len;
};

struct forwarder {
        bool quiet;
        bool color;
        char *log_dir;
        struct sink *sink;
        struct unit_output **units;
        size_t n_units;
        struct unit_output *last; /* lines come in runs from one unit */
};

int forwarder_new(const struct run_options *o, struct sink *sink, struct forwarder **ret)
{
        struct forwarder *f = calloc(1, sizeof(*f));

        if (!f)
                return -ENOMEM;
        f->quiet = o->quiet;
        f->color = o->color;
        f->sink = sink;
        if (o->log_dir) {
                if (mkdir(o->log_dir, 0755) < 0 && errno != EEXIST) {
                        int r = -errno;
                        cli_error("cannot create log directory %s: %s", o->log_dir, strerror(errno));
                        free(f);
                        return r;
                }
                f->log_dir = strdup(o->log_dir);
        }
        *ret = f;
        return 0;
}

static struct unit_output *forwarder_unit(struct forwarder *f, ur_executor *e)
{
        struct unit_output *u, **units;
        const char *name;

        if (f->last && f->last->executor == e)
                return f->last;
        for (size_t i = 0; i < f->n_units; i++)
                if (f->units[i]->executor == e)
                        return f->last = f->units[i];
        u = calloc(1, sizeof(*u));
        units = realloc(f->units, (f->n_units + 1) * sizeof(*units));
        if (!u || !units) {
                free(u);
                if (units)
                        f->units = units;
                return NULL;
        }
        f->units = units;
        f->units[f->n_units++] = u;
        u->executor = e;
        u->log_fd = -1;
        name = ur_executor_get_name(e);
        if (f->color) {
                /* One of six colors, the same for a name on every run. */
                unsigned hash = 0;
                for (const char *c = name; *c; c++)
                        hash = hash * 31 + (unsigned char) *c;
                snprintf(u->prefix, sizeof(u->prefix), "\033[%um%s|\033[0m ", 31 + hash % 6, name);
        } else
                snprintf(u->prefix, sizeof(u->prefix), "%s| ", name);
        u->prefix_len = strlen(u->prefix);
        if (f->log_dir) {
                char path[PATH_MAX];

                snprintf(path, sizeof(path), "%s/%s.log", f->log_dir, name);
                u->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
                if (u->log_fd < 0)
                        cli_warning("cannot open %s: %s", path, strerror(errno));
        }
        /* The launcher forwards the lines; a second copy of 4 MiB per stream and unit
         * would only cost memory. */
        (void) ur_executor_set_output_capture(e, 0);
        return f->last = u;
}

void forwarder_add_unit(struct forwarder *f, ur_executor *e)
{
        (void) forwarder_unit(f, e);
}

static void log_write(struct unit_output *u, const char *data, size_t len)
{
        while (len > 0 && u->log_fd >= 0) {
                ssize_t n = write(u->log_fd, data, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        cli_warning(
                                "cannot write the log of %s: %s", ur_executor_get_name(u->executor),
                                n < 0 ? strerror(errno) : "short write");
                        u->log_fd = safe_close(u->log_fd);
                        return;
                }
                data += n;
                len -= (size_t) n;
        }
}

static void log_flush(struct unit_output *u)
{
        log_write(u, u->log_buf, u->log_len);
        u->log_len = 0;
}

static void log_line(struct unit_output *u, const char *line, size_t len)
{
        if (!u->log_buf) {
                u->log_buf = malloc(LOG_BUFFER_SIZE);
                if (!u->log_buf) {
                        log_write(u, line, len);
                        log_write(u, "\n", 1);
                        return;
                }
        }
        if (u->log_len + len + 1 > LOG_BUFFER_SIZE)
                log_flush(u);
        if (len + 1 > LOG_BUFFER_SIZE) {
                log_write(u, line, len);
                log_write(u, "\n", 1);
                return;
        }
        memcpy(u->log_buf + u->log_len, line, len);
        u->log_buf[u->log_len + len] = '\n';
        u->log_len += len + 1;
}

static void
forwarder_on_output(ur_executor *e, ur_stream stream, const char *line, size_t len, void *userdata)
{
        struct forwarder *f = userdata;
        struct unit_output *u = forwarder_unit(f, e);

        if (!u)
                return;
        if (!f->quiet && !f->sink->broken) {
                struct sink_owner *o = &u->owner;

                /* The status block moves out of the way once per batch; session.c draws it
                 * again after the batch is queued. */
                progress_hide(progress_current);
                if (o->queued + u->prefix_len + len + 1 > OUTPUT_DROP_AT)
                        o->dropped += u->prefix_len + len + 1;
                else
                        (void) sink_append_line(f->sink, o, u->prefix, u->prefix_len, line, len);
        }
        if (u->log_fd >= 0)
                log_line(u, line, len);
}

void forwarder_set_quiet(struct forwarder *f, bool quiet)
{
        if (f)
                f->quiet = quiet;
}

void forwarder_attach(struct forwarder *f, ur_context *ctx)
{
        ur_context_set_output_callback(ctx, forwarder_on_output, f);
}

void forwarder_balance(struct forwarder *f, bool stopping)
{
        for (size_t i = 0; i < f->n_units; i++) {
                struct unit_output *u = f->units[i];
                bool pause;

                if (u->log_len > 0)
                        log_flush(u);
                /* Stopping: a daemon blocked on a full pipe could not finish its stop. */
                pause = !stopping && !f->sink->broken &&
                        u->owner.queued > (u->paused ? OUTPUT_RESUME_AT : OUTPUT_PAUSE_AT);
                if (pause != u->paused && ur_executor_set_output_paused(u->executor, pause) >= 0)
                        u->paused = pause;
        }
}

void forwarder_report_dropped(struct forwarder *f)
{
        for (size_t i = 0; i < f->n_units; i++) {
                struct unit_output *u = f->units[i];

                if (u->owner.dropped > 0)
                        cli_warning(
                                "%llu bytes of %s's output not shown", (unsigned long long) u->owner.dropped,
                                ur_executor_get_name(u->executor));
                u->owner.dropped = 0;
        }
}

struct forwarder *forwarder_free(struct forwarder *f)
{
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_units; i++) {
                struct unit_output *u = f->units[i];

                log_flush(u);
                if (u->log_fd >= 0)
                        close(u->log_fd);
                free(u->log_buf);
                free(u);
        }
        free(f->units);
        free(f->log_dir);
        free(f);
        return NULL;
}

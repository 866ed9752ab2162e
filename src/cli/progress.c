/* Status lines on a terminal; see progress.h. The block is redrawn in place: move the
 * cursor up over it, clear to the end of the screen, print it again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "progress.h"

struct progress *progress_current;

struct progress {
        ur_executor **units;
        bool *started; /* seen in a state other than inactive: "stopped", not "waiting" */
        size_t n_units;
        unsigned drawn; /* lines of the block now on the screen */
        bool finished;
        bool color;
};

struct progress *progress_new(const struct run_options *o)
{
        struct progress *p;

        if (o->quiet || o->verbose || o->json || !isatty(STDERR_FILENO) || getenv("UNITRUN_NO_PROGRESS"))
                return NULL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        p->color = o->color;
        progress_current = p;
        return p;
}

struct progress *progress_free(struct progress *p)
{
        if (!p)
                return NULL;
        if (progress_current == p)
                progress_current = NULL;
        free(p->units);
        free(p->started);
        free(p);
        return NULL;
}

int progress_add(struct progress *p, ur_executor *e)
{
        ur_executor **units;
        bool *started;

        if (!p)
                return 0;
        units = realloc(p->units, (p->n_units + 1) * sizeof(*units));
        if (!units)
                return -1;
        p->units = units;
        started = realloc(p->started, (p->n_units + 1) * sizeof(*started));
        if (!started)
                return -1;
        p->started = started;
        p->started[p->n_units] = false;
        p->units[p->n_units++] = e;
        return 0;
}

/* One line, never wider than the terminal: a wrapped line would break the redraw. */
static void progress_line(const struct progress *p, size_t i)
{
        ur_executor *e = p->units[i];
        struct winsize ws = {};
        int width;
        const char *mark = "-", *on = "", *off = p->color ? "\033[0m" : "";
        char text[1024];

        switch (ur_executor_get_state(e)) {
        case UR_STATE_STARTING:
                snprintf(text, sizeof(text), "starting");
                mark = "~";
                on = p->color ? "\033[33m" : "";
                break;
        case UR_STATE_RUNNING:
        case UR_STATE_EXITED: {
                char conditions[900];

                ur_executor_describe_conditions(e, conditions, sizeof(conditions));
                snprintf(
                        text, sizeof(text), "%s in %llu ms (%s)",
                        ur_executor_get_state(e) == UR_STATE_RUNNING ? "ready" : "finished",
                        (unsigned long long) ur_executor_get_ready_msec(e), conditions);
                mark = "+";
                on = p->color ? "\033[32m" : "";
                break;
        }
        case UR_STATE_FAILED:
                snprintf(
                        text, sizeof(text), "failed (%s)", ur_failure_to_string(ur_executor_get_failure(e)));
                mark = "!";
                on = p->color ? "\033[31m" : "";
                break;
        case UR_STATE_STOPPING:
                snprintf(text, sizeof(text), "stopping");
                break;
        default:
                snprintf(text, sizeof(text), "%s", p->started[i] ? "stopped" : "waiting");
                break;
        }
        width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 40 ? ws.ws_col - 1 : 79;
        fprintf(stderr, "%s%s%s %-28.28s %.*s\n", on, mark, off, ur_executor_get_name(e), width - 31, text);
}

void progress_hide(struct progress *p)
{
        if (!p || p->finished || p->drawn == 0)
                return;
        fprintf(stderr, "\033[%uA\r\033[J", p->drawn);
        /* Queued now: the forwarder's lines go to the queue directly, after this. */
        fflush(stderr);
        p->drawn = 0;
}

void progress_show(struct progress *p)
{
        if (!p || p->finished || p->drawn > 0)
                return;
        for (size_t i = 0; i < p->n_units; i++) {
                if (ur_executor_get_state(p->units[i]) != UR_STATE_INACTIVE)
                        p->started[i] = true;
                progress_line(p, i);
        }
        p->drawn = (unsigned) p->n_units;
        fflush(stderr);
}

void progress_update(struct progress *p)
{
        progress_hide(p);
        progress_show(p);
}

void progress_finish(struct progress *p)
{
        if (!p || p->finished)
                return;
        progress_update(p);
        p->finished = true;
        if (progress_current == p)
                progress_current = NULL;
}

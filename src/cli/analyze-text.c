/* unitrun analyze blame and critical-chain: the two text views of a run (see
 * analyze-events.h). Pure: they read the struct and write to a FILE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze-events.h"

#define EPSILON_MS 0.0005

static int out_status(FILE *out)
{
        return ferror(out) ? -EIO : 0;
}

/* Spawn to ready, the measure blame sorts by; failures and the rest sort last. */
static double blame_time(const struct analyze_unit *u)
{
        return u->ready_seen ? (double) u->ready_elapsed_ms : -1.0;
}

static int blame_compare(const void *a, const void *b)
{
        const struct analyze_unit *x = *(const struct analyze_unit *const *) a;
        const struct analyze_unit *y = *(const struct analyze_unit *const *) b;
        double dx = blame_time(x), dy = blame_time(y);

        if (dx != dy)
                return dx < dy ? 1 : -1;
        return strcmp(x->name, y->name);
}

int analyze_blame(const struct analyze_run *run, FILE *out)
{
        const struct analyze_unit **sorted = calloc(run->n_units + 1, sizeof(*sorted));
        int width = 4;

        if (!sorted)
                return -ENOMEM;
        for (size_t i = 0; i < run->n_units; i++) {
                int len = (int) strlen(run->units[i].name);

                sorted[i] = &run->units[i];
                width = len > width ? (len > 60 ? 60 : len) : width;
        }
        qsort(sorted, run->n_units, sizeof(*sorted), blame_compare);
        fprintf(out, "%14s %14s  %-*s  %s\n", "spawn-to-ready", "ExecStartPre=", width, "UNIT", "READY BY");
        for (size_t i = 0; i < run->n_units; i++) {
                const struct analyze_unit *u = sorted[i];
                char ready[64] = "-", pre[64] = "-";
                double from = u->spawn_ms != ANALYZE_NONE ? u->spawn_ms : u->starting_ms;

                if (u->ready_seen)
                        analyze_format_ms((double) u->ready_elapsed_ms, ready, sizeof(ready));
                else if (u->failed_ms != ANALYZE_NONE && from != ANALYZE_NONE)
                        analyze_format_ms(u->failed_ms - from, ready, sizeof(ready));
                if (u->start_pre_ms)
                        analyze_format_ms((double) u->start_pre_ms, pre, sizeof(pre));
                fprintf(out, "%14s %14s  %-*s  ", ready, pre, width, u->name);
                if (u->ready_seen)
                        fprintf(out, "%s%s", u->conditions ? u->conditions : "?",
                                u->finished ? " (finished)" : "");
                else if (u->failed_ms != ANALYZE_NONE)
                        /* The message's first line: the rest is its last output. */
                        fprintf(out, "failed (%s): %.*s", u->failed_reason ? u->failed_reason : "?",
                                u->failed_message ? (int) strcspn(u->failed_message, "\n") : 1,
                                u->failed_message ? u->failed_message : "?");
                else if (u->skipped_ms != ANALYZE_NONE)
                        fprintf(out, "skipped: %s", u->skipped_reason ? u->skipped_reason : "?");
                else if (u->stopped_ms != ANALYZE_NONE)
                        fputs("never ready: stopped while starting", out);
                else
                        fputs("not ready when the stream ends", out);
                if (u->n_restarts)
                        fprintf(out, " (after %zu restart%s)", u->n_restarts, u->n_restarts == 1 ? "" : "s");
                fputc('\n', out);
        }
        free(sorted);
        return out_status(out);
}

/* Of the units named (all: every unit), the one settled last at or before limit_ms. */
static const struct analyze_unit *
latest_settled(const struct analyze_run *run, bool all, char *const *names, size_t n_names, double limit_ms)
{
        const struct analyze_unit *best = NULL;
        size_t n = all ? run->n_units : n_names;

        for (size_t i = 0; i < n; i++) {
                const struct analyze_unit *u = all ? &run->units[i] : analyze_find_unit(run, names[i]);
                double t;

                if (!u)
                        continue;
                t = analyze_unit_settled_ms(u);
                if (t == ANALYZE_NONE || t > limit_ms + EPSILON_MS)
                        continue;
                if (!best || t > analyze_unit_settled_ms(best))
                        best = u;
        }
        return best;
}

static void print_link(const struct analyze_unit *u, unsigned depth, FILE *out)
{
        char at[64], took[64];
        double settled = analyze_unit_settled_ms(u);

        for (unsigned i = 1; i < depth; i++)
                fputs("  ", out);
        analyze_format_ms(settled, at, sizeof(at));
        fprintf(out, "└─%s @%s", u->name, at);
        if (u->starting_ms != ANALYZE_NONE) {
                analyze_format_ms(settled - u->starting_ms, took, sizeof(took));
                fprintf(out, " +%s", took);
        }
        if (!u->ready_seen && u->failed_ms != ANALYZE_NONE)
                fprintf(out, " (failed: %s)", u->failed_reason ? u->failed_reason : "?");
        else if (!u->ready_seen)
                fputs(" (skipped)", out);
        fputc('\n', out);
}

int analyze_critical_chain(const struct analyze_run *run, FILE *out)
{
        double target = analyze_command_start_ms(run);
        const struct analyze_unit *u = NULL;
        char at[64];

        fputs("The time when unit became active or started is printed after the \"@\" character.\n"
              "The time the unit took to start is printed after the \"+\" character.\n\n",
              out);
        if (target != ANALYZE_NONE) {
                analyze_format_ms(target, at, sizeof(at));
                fprintf(out, "COMMAND%s%s%s @%s\n", run->command ? " (" : "",
                        run->command ? run->command : "", run->command ? ")" : "", at);
                u = latest_settled(run, true, NULL, 0, target);
        } else {
                /* No COMMAND (up, or a start that failed): the unit that settled last. */
                const struct analyze_unit *failed = NULL;

                for (size_t i = 0; i < run->n_units; i++)
                        if (!failed && !run->units[i].ready_seen && run->units[i].failed_ms != ANALYZE_NONE)
                                failed = &run->units[i];
                u = failed ? failed : latest_settled(run, true, NULL, 0, run->last_ms);
                analyze_format_ms(u ? analyze_unit_settled_ms(u) : run->last_ms, at, sizeof(at));
                if (failed)
                        fprintf(out, "COMMAND (not started: %s failed) @%s\n", failed->name, at);
                else
                        fprintf(out, "all units ready @%s\n", at);
        }
        for (unsigned depth = 1; u && depth <= run->n_units; depth++) {
                print_link(u, depth, out);
                if (u->starting_ms == ANALYZE_NONE)
                        break;
                /* What it waited for: of those it is ordered after, the last one ready. */
                u = latest_settled(run, false, u->after, u->n_after, u->starting_ms);
        }
        if (run->schema < 1 && run->n_units)
                fputs("(a stream without \"schema\": no After= lists, the chain ends at its first unit)\n",
                      out);
        return out_status(out);
}

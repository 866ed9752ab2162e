/* unitrun analyze plot: the run as one self-contained SVG timeline (no scripts, no fonts
 * but the viewer's generic sans-serif). One row per unit in the order they appeared, then
 * COMMAND; each phase a bar, the ready moment a mark, failures red with the reason as a
 * <title> tooltip. Every bar carries data-unit/data-from-ms/data-to-ms so that tests (and
 * people) can read the numbers back. Pure: reads the struct, writes to a FILE. */
#include <errno.h>
#include <string.h>

#include "analyze-events.h"

#define ROW_H 22
#define BAR_H 14
#define TOP 78
#define CHART_W 960
#define CHAR_W 7 /* of the 12px sans-serif labels, generously */

static const struct {
        const char *kind;
        const char *fill;
        const char *label;
} kinds[] = {
        { "pre", "#8e6fd8", "ExecStartPre=" },
        { "starting", "#f5b041", "starting" },
        { "ready", "#1e8449", "ready" },
        { "running", "#82e0aa", "running" },
        { "exited", "#d5f5e3", "exited (oneshot)" },
        { "stopping", "#aab7b8", "stopping" },
        { "failed", "#e74c3c", "failed" },
        { "restart", "#922b21", "restart" },
        { "skipped", "#d7dbdd", "skipped" },
        { "command", "#5dade2", "COMMAND" },
        { "open", "#fdfefe", "no end (killed?)" },
};

static const char *kind_fill(const char *kind)
{
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
                if (strcmp(kinds[i].kind, kind) == 0)
                        return kinds[i].fill;
        return "#000000";
}

/* s as XML character data: escaped, invalid UTF-8 and control characters as '?', at most
 * max_chars characters (0: all) and then an ellipsis. */
static void xml_text(FILE *out, const char *s, size_t max_chars)
{
        size_t chars = 0;

        if (!s)
                return;
        while (*s) {
                unsigned char c = (unsigned char) *s;
                size_t len = c < 0x80             ? 1
                             : (c & 0xe0) == 0xc0 ? 2
                             : (c & 0xf0) == 0xe0 ? 3
                             : (c & 0xf8) == 0xf0 ? 4
                                                  : 0;
                bool valid = len > 0 && (len == 1 || c >= 0xc2);

                if (max_chars && chars == max_chars) {
                        fputs("…", out);
                        return;
                }
                chars++;
                for (size_t i = 1; valid && i < len; i++)
                        valid = ((unsigned char) s[i] & 0xc0) == 0x80;
                if (valid && len == 3) {
                        unsigned cp = ((c & 0x0fu) << 12) | (((unsigned char) s[1] & 0x3fu) << 6) |
                                      ((unsigned char) s[2] & 0x3fu);
                        valid = cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff) && cp != 0xfffe && cp != 0xffff;
                } else if (valid && len == 4) {
                        unsigned cp = ((c & 0x07u) << 18) | (((unsigned char) s[1] & 0x3fu) << 12) |
                                      (((unsigned char) s[2] & 0x3fu) << 6) | ((unsigned char) s[3] & 0x3fu);
                        valid = cp >= 0x10000 && cp <= 0x10ffff;
                }
                if (!valid) {
                        fputc('?', out);
                        s++;
                        continue;
                }
                if (len > 1) {
                        fwrite(s, 1, len, out);
                        s += len;
                        continue;
                }
                if (c == '&')
                        fputs("&amp;", out);
                else if (c == '<')
                        fputs("&lt;", out);
                else if (c == '>')
                        fputs("&gt;", out);
                else if (c == '"')
                        fputs("&quot;", out);
                else if (c < 0x20 && c != '\t' && c != '\n')
                        fputc('?', out);
                else
                        fputc(c, out);
                s++;
        }
}

struct plot {
        FILE *out;
        double scale; /* px per ms */
        double end_ms;
        int label_w;
        size_t label_chars;
};

static double px(const struct plot *p, double ms)
{
        if (ms < 0)
                ms = 0;
        if (ms > p->end_ms)
                ms = p->end_ms;
        return p->label_w + ms * p->scale;
}

/* One bar of row y, [from, to] ms, with a tooltip: "kind of unit: title". */
static void
bar(const struct plot *p, int y, const char *unit, const char *kind, double from, double to,
    const char *title)
{
        double x0 = px(p, from), x1 = px(p, to);
        char a[64], b[64];

        if (from == ANALYZE_NONE || to == ANALYZE_NONE || to < from)
                return;
        analyze_format_ms(from, a, sizeof(a));
        analyze_format_ms(to - from, b, sizeof(b));
        fprintf(p->out, "<rect class=\"bar %s\" data-unit=\"", kind);
        xml_text(p->out, unit, 0);
        fprintf(p->out,
                "\" data-from-ms=\"%.3f\" data-to-ms=\"%.3f\" x=\"%.2f\" y=\"%d\" width=\"%.2f\" "
                "height=\"%d\" "
                "fill=\"%s\" stroke=\"%s\"%s><title>",
                from, to, x0, y + (ROW_H - BAR_H) / 2, x1 - x0 < 1 ? 1 : x1 - x0, BAR_H, kind_fill(kind),
                strcmp(kind, "open") == 0 ? "#7f8c8d" : "none",
                strcmp(kind, "open") == 0 || strcmp(kind, "skipped") == 0 ? " stroke-dasharray=\"3,2\""
                                                                          : "");
        xml_text(p->out, unit, 0);
        fprintf(p->out, ": %s from %s for %s", kind, a, b);
        if (title) {
                fputs(": ", p->out);
                xml_text(p->out, title, 0);
        }
        fputs("</title></rect>\n", p->out);
}

/* A moment of row y (ready, a failure, a restart): a mark with its tooltip and a short label. */
static void
mark(const struct plot *p, int y, const char *unit, const char *kind, double ms, const char *label,
     const char *title)
{
        double x = px(p, ms);

        if (ms == ANALYZE_NONE)
                return;
        fprintf(p->out, "<g class=\"mark %s\" data-unit=\"", kind);
        xml_text(p->out, unit, 0);
        fprintf(p->out, "\" data-ms=\"%.3f\"><title>", ms);
        xml_text(p->out, unit, 0);
        fprintf(p->out, ": %s at %.3f ms", kind, ms);
        if (title) {
                fputs(": ", p->out);
                xml_text(p->out, title, 0);
        }
        fprintf(p->out,
                "</title><path d=\"M%.2f %d l4 4 l-4 4 l-4 -4 z\" fill=\"%s\" stroke=\"#17202a\" "
                "stroke-width=\"0.5\"/>",
                x, y + ROW_H / 2 - 4, kind_fill(kind));
        if (label) {
                fprintf(p->out, "<text x=\"%.2f\" y=\"%d\" font-size=\"10\" fill=\"%s\">", x + 6,
                        y + ROW_H / 2 + 4,
                        strcmp(kind, "failed") == 0 || strcmp(kind, "restart") == 0 ? "#922b21" : "#17202a");
                xml_text(p->out, label, 80);
                fputs("</text>", p->out);
        }
        fputs("</g>\n", p->out);
}

static void
unit_row(const struct plot *p, const struct analyze_run *run, const struct analyze_unit *u, int y)
{
        double start = u->starting_ms, end, settled = analyze_unit_settled_ms(u);
        double open_end =
                u->stopped_ms == ANALYZE_NONE && u->skipped_ms == ANALYZE_NONE ? run->last_ms : ANALYZE_NONE;
        char label[512], fail_label[128], t1[64], t2[64];

        /* The failure's tooltip (reason: message) and its short label. */
        snprintf(
                label, sizeof(label), "%s: %s", u->failed_reason ? u->failed_reason : "?",
                u->failed_message ? u->failed_message : "?");
        snprintf(fail_label, sizeof(fail_label), "failed: %s", u->failed_reason ? u->failed_reason : "?");

        if (start == ANALYZE_NONE)
                start = u->pre_ms != ANALYZE_NONE ? u->pre_ms : u->spawn_ms;
        if (u->skipped_ms != ANALYZE_NONE && !u->ready_seen) {
                bar(p, y, u->name, "skipped", start != ANALYZE_NONE ? start : u->skipped_ms, u->skipped_ms,
                    u->skipped_reason);
                mark(p, y, u->name, "skipped", u->skipped_ms, "skipped", u->skipped_reason);
                return;
        }
        /* ExecStartPre=, then the main command until ready (or the failure). */
        if (u->pre_ms != ANALYZE_NONE)
                bar(p, y, u->name, "pre", u->pre_ms, u->spawn_ms, NULL);
        end = settled != ANALYZE_NONE ? settled : open_end != ANALYZE_NONE ? open_end : u->stopping_ms;
        if (!u->ready_seen && u->failed_ms != ANALYZE_NONE) {
                bar(p, y, u->name, "failed", u->spawn_ms != ANALYZE_NONE ? u->spawn_ms : start, u->failed_ms,
                    label);
                if (u->stopped_ms != ANALYZE_NONE && u->stopped_ms > u->failed_ms)
                        bar(p, y, u->name, "stopping", u->failed_ms, u->stopped_ms, NULL);
                mark(p, y, u->name, "failed", u->failed_ms, fail_label, label);
        } else if (u->ready_seen)
                bar(p, y, u->name, "starting", u->pre_ms != ANALYZE_NONE ? u->spawn_ms : start, end, NULL);
        else if (open_end != ANALYZE_NONE)
                bar(p, y, u->name, "open", start, open_end,
                    "no ready event: the stream ends while it starts");
        else {
                /* Stopped while starting: the teardown after another unit failed. */
                bar(p, y, u->name, "starting", start,
                    u->stopping_ms != ANALYZE_NONE ? u->stopping_ms : u->stopped_ms,
                    "never ready: stopped while starting");
                bar(p, y, u->name, "stopping", u->stopping_ms, u->stopped_ms, NULL);
        }
        for (size_t i = 0; i < u->n_restarts; i++) {
                snprintf(t1, sizeof(t1), "restart %zu", i + 1);
                mark(p, y, u->name, "restart", u->restarts[i].ms, t1, u->restarts[i].text);
        }
        if (!u->ready_seen)
                return;

        /* Up: running (or exited) until the stop, failure or the stream's end. */
        end = u->failed_ms != ANALYZE_NONE && u->failed_ms > u->ready_ms ? u->failed_ms
              : u->stopping_ms != ANALYZE_NONE                           ? u->stopping_ms
              : u->stopped_ms != ANALYZE_NONE                            ? u->stopped_ms
                                                                         : open_end;
        bar(p, y, u->name,
            open_end != ANALYZE_NONE && u->stopping_ms == ANALYZE_NONE ? "open"
            : u->finished                                              ? "exited"
                                                                       : "running",
            u->ready_ms, end,
            open_end != ANALYZE_NONE && u->stopping_ms == ANALYZE_NONE
                    ? "no stopped event: the stream ends here (killed?)"
                    : NULL);
        if (u->stopping_ms != ANALYZE_NONE)
                bar(p, y, u->name, open_end != ANALYZE_NONE ? "open" : "stopping", u->stopping_ms,
                    u->stopped_ms != ANALYZE_NONE ? u->stopped_ms : open_end,
                    open_end != ANALYZE_NONE ? "stopping; no stopped event: the stream ends here (killed?)"
                                             : NULL);
        if (u->failed_ms != ANALYZE_NONE && u->failed_ms > u->ready_ms) {
                mark(p, y, u->name, "failed", u->failed_ms, fail_label, label);
        }
        analyze_format_ms(u->ready_ms, t1, sizeof(t1));
        analyze_format_ms(start != ANALYZE_NONE ? u->ready_ms - start : 0, t2, sizeof(t2));
        snprintf(label, sizeof(label), "%s (+%s)", t1, t2);
        mark(p, y, u->name, "ready", u->ready_ms, label, u->conditions);
}

/* The largest power of ten not above x (x > 0), without libm: the CLI links libc alone,
 * which saves mapping libm at every start. */
static double power_of_ten_below(double x)
{
        double base = 1;

        while (base * 10 <= x)
                base *= 10;
        while (base > x)
                base /= 10;
        return base;
}

/* The smallest whole multiple of step not below x (x, step > 0). */
static double round_up_to(double x, double step)
{
        double q = x / step, whole = (double) (long long) q;

        return (whole < q ? whole + 1 : whole) * step;
}

/* A step of 1, 2 or 5 times a power of ten giving about ten ticks. */
static double tick_step(double end_ms)
{
        double raw = end_ms / 10, base = power_of_ten_below(raw);

        if (raw / base <= 1)
                return base;
        if (raw / base <= 2)
                return 2 * base;
        if (raw / base <= 5)
                return 5 * base;
        return 10 * base;
}

int analyze_plot(const struct analyze_run *run, FILE *out)
{
        struct plot p = { .out = out };
        size_t longest = 7, n_rows;
        double step, command_start = analyze_command_start_ms(run);
        int width, height, chart_bottom, x;
        char text[128];

        for (size_t i = 0; i < run->n_units; i++)
                longest = strlen(run->units[i].name) > longest ? strlen(run->units[i].name) : longest;
        if (longest > 50)
                longest = 50;
        p.label_chars = longest;
        p.label_w = (int) longest * CHAR_W + 24;
        step = tick_step(run->last_ms > 1 ? run->last_ms : 1);
        p.end_ms = round_up_to(run->last_ms > 1 ? run->last_ms : 1, step);
        p.scale = CHART_W / p.end_ms;
        n_rows = run->n_units + (command_start != ANALYZE_NONE ? 1 : 0);
        width = p.label_w + CHART_W + 120;
        chart_bottom = TOP + (int) n_rows * ROW_H;
        height = chart_bottom + 40;

        fprintf(out,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
                "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
                "font-size=\"12\">\n"
                "<title>unitrun analyze plot</title>\n"
                "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
                width, height, width, height, width, height);
        snprintf(text, sizeof(text), "%zu unit%s", run->n_units, run->n_units == 1 ? "" : "s");
        fprintf(out, "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">unitrun: %s", text);
        if (run->command_exit_ms != ANALYZE_NONE)
                fprintf(out, ", COMMAND exited with status %d", run->command_status);
        else if (command_start == ANALYZE_NONE)
                for (size_t i = 0; i < run->n_units; i++)
                        if (!run->units[i].ready_seen && run->units[i].failed_ms != ANALYZE_NONE) {
                                fputs(", COMMAND not started: ", out);
                                xml_text(out, run->units[i].name, 60);
                                fputs(" failed", out);
                                break;
                        }
        analyze_format_ms(run->last_ms, text, sizeof(text));
        fprintf(out, ", %s in all</text>\n", text);

        /* Legend. */
        x = 10;
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
                fprintf(out,
                        "<g class=\"legend\"><rect x=\"%d\" y=\"32\" width=\"12\" height=\"12\" fill=\"%s\" "
                        "stroke=\"#7f8c8d\" stroke-width=\"0.5\"/><text x=\"%d\" y=\"42\">%s</text></g>\n",
                        x, kinds[i].fill, x + 16, kinds[i].label);
                x += 16 + (int) strlen(kinds[i].label) * 8 + 14;
        }

        /* Rows' backgrounds, the time axis (ms) and its grid, then the rows. */
        for (size_t i = 0; i < n_rows; i++)
                if (i % 2)
                        fprintf(out,
                                "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f4f6f7\"/>\n",
                                TOP + (int) i * ROW_H, width, ROW_H);
        fputs("<g class=\"axis\">\n", out);
        /* A bounded count: the reader keeps times finite and below MAX_MS. */
        for (int i = 0; i <= 100 && i * step <= p.end_ms + step / 2; i++)
                fprintf(out,
                        "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#d5d8dc\"/>"
                        "<text class=\"tick\" data-ms=\"%.0f\" x=\"%.2f\" y=\"%d\" font-size=\"10\" "
                        "text-anchor=\"middle\">%.0f ms</text>\n",
                        px(&p, i * step), TOP - 6, px(&p, i * step), chart_bottom, i * step,
                        px(&p, i * step), TOP - 9, i * step);
        fprintf(out,
                "<text x=\"%.2f\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">time since start "
                "(ms)</text>\n",
                px(&p, p.end_ms), chart_bottom + 18);
        fputs("</g>\n", out);

        for (size_t i = 0; i < run->n_units; i++) {
                const struct analyze_unit *u = &run->units[i];
                int y = TOP + (int) i * ROW_H;

                fputs("<g class=\"row\" data-unit=\"", out);
                xml_text(out, u->name, 0);
                fprintf(out, "\">\n<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\"><title>",
                        p.label_w - 8, y + ROW_H / 2 + 4);
                xml_text(out, u->name, 0);
                fputs("</title>", out);
                xml_text(out, u->name, p.label_chars);
                fputs("</text>\n", out);
                unit_row(&p, run, u, y);
                fputs("</g>\n", out);
        }
        if (command_start != ANALYZE_NONE) {
                int y = TOP + (int) run->n_units * ROW_H;
                double end = run->command_exit_ms != ANALYZE_NONE ? run->command_exit_ms : run->last_ms;

                snprintf(text, sizeof(text), "exited with status %d", run->command_status);
                fprintf(out,
                        "<g class=\"row command\" data-unit=\"COMMAND\">\n<text class=\"label\" x=\"%d\" "
                        "y=\"%d\" "
                        "text-anchor=\"end\" font-weight=\"bold\">COMMAND</text>\n",
                        p.label_w - 8, y + ROW_H / 2 + 4);
                bar(&p, y, "COMMAND", run->command_exit_ms != ANALYZE_NONE ? "command" : "open",
                    command_start, end,
                    run->command_exit_ms != ANALYZE_NONE ? text : "no command-exited event (killed?)");
                if (run->command_exit_ms != ANALYZE_NONE)
                        mark(&p, y, "COMMAND", run->command_status ? "failed" : "command",
                             run->command_exit_ms, text, run->command ? run->command : NULL);
                fputs("</g>\n", out);
        }
        /* A stream that ends before everything stopped (a killed run): where it ends. */
        for (size_t i = 0; i < run->n_units; i++)
                if (run->units[i].stopped_ms == ANALYZE_NONE && run->units[i].skipped_ms == ANALYZE_NONE) {
                        fprintf(out,
                                "<g class=\"stream-end\" data-ms=\"%.3f\"><title>the stream ends here, "
                                "before "
                                "every unit stopped: the run was killed?</title><line x1=\"%.2f\" y1=\"%d\" "
                                "x2=\"%.2f\" y2=\"%d\" stroke=\"#c0392b\" stroke-dasharray=\"4,3\"/>"
                                "<text x=\"%.2f\" y=\"%d\" font-size=\"10\" fill=\"#922b21\">stream ends "
                                "(killed?)</text></g>\n",
                                run->last_ms, px(&p, run->last_ms), TOP - 4, px(&p, run->last_ms),
                                chart_bottom, px(&p, run->last_ms) + 4, chart_bottom + 32);
                        break;
                }
        fputs("</svg>\n", out);
        return ferror(out) ? -EIO : 0;
}

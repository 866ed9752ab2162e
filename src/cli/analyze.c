/* unitrun analyze blame|critical-chain|plot [EVENTS]: reads an event stream (a file, or
 * stdin), says what it could not read as FILE:LINE: reason, and shows what it can. The
 * reading and the views are pure (analyze-events.c, analyze-text.c, analyze-plot.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze-events.h"
#include "cli.h"
#include "macro.h"

#define MAX_STREAM (256u << 20)

static int read_all(int fd, char **ret, size_t *ret_size)
{
        size_t size = 0, allocated = 0;
        char *buf = NULL;

        for (;;) {
                ssize_t n;

                if (allocated - size < 65536) {
                        char *b;

                        if (allocated >= MAX_STREAM) {
                                free(buf);
                                return -EFBIG;
                        }
                        allocated = allocated ? allocated * 2 : 262144;
                        b = realloc(buf, allocated);
                        if (!b) {
                                free(buf);
                                return -ENOMEM;
                        }
                        buf = b;
                }
                n = read(fd, buf + size, allocated - size);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = -errno;
                        free(buf);
                        return r;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
        }
        *ret = buf;
        *ret_size = size;
        return 0;
}

static const struct {
        const char *name;
        int (*view)(const struct analyze_run *run, FILE *out);
} views[] = {
        { "blame", analyze_blame },
        { "critical-chain", analyze_critical_chain },
        { "plot", analyze_plot },
};

int verb_analyze(int argc, char **argv)
{
        const char *view = argc > 2 ? argv[2] : NULL, *path = argc > 3 ? argv[3] : "-";
        int (*fn)(const struct analyze_run *run, FILE *out) = NULL;
        const char *shown = strcmp(path, "-") == 0 ? "(stdin)" : path;
        struct analyze_run run;
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int fd = STDIN_FILENO, r;

        for (size_t i = 0; view && i < sizeof(views) / sizeof(views[0]); i++)
                if (strcmp(view, views[i].name) == 0)
                        fn = views[i].view;
        if (!fn || argc > 4) {
                cli_error(
                        !view ? "analyze needs a view: blame, critical-chain or plot"
                        : !fn ? "unknown analyze view; expected blame, critical-chain or plot"
                              : "analyze takes one events file (or none: stdin)");
                return EXIT_USAGE;
        }
        if (strcmp(path, "-") != 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
                cli_error("cannot open %s: %s", path, strerror(errno));
                return EXIT_USAGE;
        }
        r = read_all(fd, &data, &size);
        if (fd != STDIN_FILENO)
                close(fd);
        if (r < 0) {
                cli_error("cannot read %s: %s", shown, strerror(-r));
                return EXIT_SYSTEM;
        }
        if (analyze_read(&run, data, size) < 0) {
                cli_error("out of memory reading %s", shown);
                analyze_run_done(&run);
                return EXIT_SYSTEM;
        }
        for (size_t i = 0; i < run.n_notes; i++)
                if (run.notes[i].line)
                        fprintf(stderr, "%s:%u: %s\n", shown, run.notes[i].line, run.notes[i].text);
                else
                        fprintf(stderr, "%s: %s\n", shown, run.notes[i].text);
        if (run.n_notes_dropped)
                fprintf(stderr, "%s: %zu more problems not shown\n", shown, run.n_notes_dropped);
        if (run.n_events == 0) {
                cli_error(
                        "%s: no unitrun events in it (write them with run/up --events FILE or --json)",
                        shown);
                analyze_run_done(&run);
                return EXIT_BAD_UNIT;
        }
        r = fn(&run, stdout);
        analyze_run_done(&run);
        if (r >= 0 && fflush(stdout) != 0)
                r = -errno;
        if (r < 0) {
                cli_error("cannot write the %s: %s", view, strerror(-r));
                return EXIT_SYSTEM;
        }
        return 0;
}

/* unitrun logs [--name NAME] [-f] [UNIT...]: what a detached run's units printed, from
 * its log directory (--log-dir, or STATE/logs), each line after the "UNIT| " prefix a
 * foreground run gives it; -f follows until the run ends. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "detach.h"
#include "macro.h"
#include "strv.h"

struct log_file {
        char *unit;
        FILE *f;
        char partial[4096]; /* a line not finished yet (follow mode) */
        size_t n_partial;
};

/* Whole lines out with their prefix; the unfinished tail waits unless flush is set. */
static bool log_pump(struct log_file *l, bool flush)
{
        char buf[8192];
        size_t n;
        bool any = false;

        while ((n = fread(buf, 1, sizeof(buf), l->f)) > 0) {
                any = true;
                for (size_t i = 0; i < n; i++) {
                        if (buf[i] != '\n' && l->n_partial + 1 < sizeof(l->partial)) {
                                l->partial[l->n_partial++] = buf[i];
                                continue;
                        }
                        printf("%s| %.*s\n", l->unit, (int) l->n_partial, l->partial);
                        l->n_partial = 0;
                        if (buf[i] != '\n')
                                l->partial[l->n_partial++] = buf[i];
                }
        }
        clearerr(l->f);
        if (flush && l->n_partial) {
                printf("%s| %.*s\n", l->unit, (int) l->n_partial, l->partial);
                l->n_partial = 0;
        }
        fflush(stdout);
        return any;
}

static bool wanted(char **units, const char *unit)
{
        if (!units)
                return true;
        for (char **u = units; *u; u++) {
                size_t n = strlen(*u);
                if (strcmp(*u, unit) == 0 ||
                    (strncmp(*u, unit, n) == 0 && strcmp(unit + n, ".service") == 0))
                        return true;
        }
        return false;
}

int verb_logs(int argc, char **argv)
{
        const char *name = DETACH_DEFAULT_NAME;
        _cleanup_free_ char *dir = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct detach_state st = {};
        struct log_file *logs = NULL;
        size_t n_logs = 0;
        char **units = NULL;
        bool follow = false;
        struct dirent *de;
        int r, status = 0, lock_fd = -1;
        const struct client_option options[] = {
                { "--follow", "-f", .flag = &follow },
                {},
        };

        r = client_args_parse(
                argc, argv, &(struct client_args){ .name = &name, .options = options, .operands = &units },
                NULL);
        if (r) {
                strv_free(units);
                return r;
        }
        r = detach_state_dir(name, false, &dir);
        if (r >= 0)
                r = detach_state_read(dir, &st);
        if (r < 0 || !st.log_dir) {
                strv_free(units);
                detach_state_done(&st);
                return control_explain(name, r == -ENOENT || r >= 0 ? -ENOENT : r);
        }
        d = opendir(st.log_dir);
        while (d && (de = readdir(d))) {
                size_t len = strlen(de->d_name);
                _cleanup_free_ char *path = NULL;
                struct log_file *p;
                FILE *f;

                if (len <= 4 || strcmp(de->d_name + len - 4, ".log") != 0)
                        continue;
                de->d_name[len - 4] = 0;
                if (!wanted(units, de->d_name))
                        continue;
                if (asprintf(&path, "%s/%s.log", st.log_dir, de->d_name) < 0 || !(f = fopen(path, "re")))
                        continue;
                p = realloc(logs, (n_logs + 1) * sizeof(*logs));
                if (!p) {
                        fclose(f);
                        break;
                }
                logs = p;
                logs[n_logs++] = (struct log_file){ .unit = strdup(de->d_name), .f = f };
        }
        for (char **u = units; u && *u; u++) {
                bool found = false;
                for (size_t i = 0; i < n_logs; i++)
                        found = found || wanted((char *[]){ *u, NULL }, logs[i].unit);
                if (!found) {
                        cli_error("run '%s' has no output of unit '%s'", name, *u);
                        status = EXIT_USAGE;
                }
        }
        for (size_t i = 0; i < n_logs; i++)
                log_pump(&logs[i], !follow);
        /* Following: until the supervisor is gone (its lock free, or its state removed). */
        while (follow && status == 0) {
                struct timespec ts = { .tv_nsec = 200 * 1000 * 1000 };
                bool any = false;

                for (size_t i = 0; i < n_logs; i++)
                        any = log_pump(&logs[i], false) || any;
                if (any)
                        continue;
                if (detach_lock(dir, false, &lock_fd) != -EBUSY) {
                        lock_fd = safe_close(lock_fd);
                        break;
                }
                nanosleep(&ts, NULL);
        }
        for (size_t i = 0; i < n_logs; i++) {
                if (follow)
                        log_pump(&logs[i], true);
                fclose(logs[i].f);
                free(logs[i].unit);
        }
        free(logs);
        strv_free(units);
        detach_state_done(&st);
        return status;
}

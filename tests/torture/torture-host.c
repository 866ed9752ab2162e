/* torture-host: a program that embeds libunitrun, for the torture tests of the library's
 * own teardown. It starts the executor ARGV (and a companion executor, a small process
 * tree), writes READY-FILE once both are ready, waits for GO-FILE, then either stops
 * everything the orderly way or calls _exit(0) with the executors running, which leaves
 * the cleanup to the context's guardian.
 *
 *   torture-host [--exit] [--forking MAINPIDFILE] [--stop-ms N] [--companion PIDFILE]
 *                --ready-file FILE --go-file FILE -- ARGV...
 *
 * Exit status: 0 (stopped cleanly, or --exit), 20 (a stop error: UR_STOP_FAILED), 10 (a start
 * failed), 30 (another failure), 64 (usage). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test-lib.h"
#include "unitrun.h"

static void on_log(ur_log_level level, const char *unit, const char *message, void *userdata)
{
        if (level <= UR_LOG_WARNING || getenv("TORTURE_VERBOSE"))
                fprintf(stderr, "torture-host: <%d> %s: %s\n", (int) level, unit ? unit : "-", message);
}

static int new_started(
        ur_context *ctx, const char *name, char *const argv[], ur_type type, const char *pid_file,
        uint64_t stop_usec, ur_executor **ret)
{
        ur_executor *e = NULL;
        int r;

        r = ur_executor_new(ctx, name, argv, &e);
        if (r < 0) {
                fprintf(stderr, "torture-host: %s: ur_executor_new: %s\n", name, strerror(-r));
                return r;
        }
        *ret = e;
        if ((r = ur_executor_set_type(e, type)) < 0 ||
            (r = ur_executor_set_start_timeout(e, 30000000)) < 0 ||
            (r = ur_executor_set_stop_timeout(e, stop_usec)) < 0 ||
            (pid_file && (r = ur_executor_set_pid_file(e, pid_file)) < 0)) {
                fprintf(stderr, "torture-host: %s: configuration: %s\n", name, strerror(-r));
                return r;
        }
        r = ur_executor_start(e);
        if (r != UR_OK)
                fprintf(stderr, "torture-host: %s: start: %s (%s)\n", name, test_outcome_name(r),
                        ur_executor_get_error(e) ? ur_executor_get_error(e) : "no message");
        return r;
}

static void wait_for_file(const char *path)
{
        struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };

        /* Bounded: a test that died must not leave us (and our executors) forever. */
        for (int i = 0; i < 6000 && access(path, F_OK) < 0; i++)
                nanosleep(&ts, NULL);
}

int main(int argc, char *argv[])
{
        static const struct option options[] = {
                { "exit", no_argument, NULL, 'x' },
                { "forking", required_argument, NULL, 'f' },
                { "stop-ms", required_argument, NULL, 's' },
                { "companion", required_argument, NULL, 'c' },
                { "ready-file", required_argument, NULL, 'r' },
                { "go-file", required_argument, NULL, 'g' },
                {},
        };
        const char *forking = NULL, *companion = NULL, *ready_file = NULL, *go_file = NULL;
        bool do_exit = false;
        uint64_t stop_usec = 5000000;
        ur_context *ctx = NULL;
        ur_executor *main_e = NULL, *comp_e = NULL;
        char self[PATH_MAX], proc[PATH_MAX + 16];
        FILE *f;
        ssize_t n;
        int c, r, status;

        while ((c = getopt_long(argc, argv, "+", options, NULL)) >= 0) {
                switch (c) {
                case 'x':
                        do_exit = true;
                        break;
                case 'f':
                        forking = optarg;
                        break;
                case 's':
                        stop_usec = strtoull(optarg, NULL, 10) * 1000;
                        break;
                case 'c':
                        companion = optarg;
                        break;
                case 'r':
                        ready_file = optarg;
                        break;
                case 'g':
                        go_file = optarg;
                        break;
                default:
                        return 64;
                }
        }
        if (!ready_file || !go_file || optind >= argc) {
                fprintf(stderr, "usage: torture-host [--exit] [--forking F] [--stop-ms N] [--companion F] "
                                "--ready-file F --go-file F -- ARGV...\n");
                return 64;
        }

        r = ur_context_new(&ctx);
        if (r < 0) {
                fprintf(stderr, "torture-host: ur_context_new: %s\n", strerror(-r));
                return 30;
        }
        ur_context_set_log(ctx, on_log, NULL);

        if (new_started(
                    ctx, "torture.service", argv + optind, forking ? UR_TYPE_FORKING : UR_TYPE_NOTIFY,
                    forking, stop_usec, &main_e) < 0) {
                ur_context_free(ctx);
                return 10;
        }
        if (companion) {
                char *comp_argv[] = { proc, (char *) "tree", (char *) companion, NULL };

                n = readlink("/proc/self/exe", self, sizeof(self) - 1);
                if (n < 0)
                        return 30;
                self[n] = 0;
                *strrchr(self, '/') = 0;
                snprintf(proc, sizeof(proc), "%s/torture-proc", self);
                if (new_started(
                            ctx, "companion.service", comp_argv, UR_TYPE_NOTIFY, NULL, stop_usec, &comp_e) <
                    0) {
                        ur_context_free(ctx);
                        return 10;
                }
        }

        f = fopen(ready_file, "we");
        if (!f)
                return 30;
        fprintf(f, "%d\n%s\n%s\n", (int) ur_executor_get_pid(main_e),
                ur_executor_get_cgroup(main_e) ? ur_executor_get_cgroup(main_e) : "-",
                ur_context_get_runtime_dir(ctx) ? ur_context_get_runtime_dir(ctx) : "-");
        fclose(f);

        wait_for_file(go_file);
        if (do_exit)
                _exit(0); /* no cleanup at all: the guardian's job */

        status = 0;
        r = ur_context_stop_all(ctx);
        if (r == UR_STOP_FAILED)
                status = 20;
        else if (r < 0) {
                fprintf(stderr, "torture-host: stop: %s\n", strerror(-r));
                status = 30;
        }
        if (status && getenv("TORTURE_VERBOSE"))
                fprintf(stderr, "torture-host: %s\n",
                        ur_executor_get_error(main_e) ? ur_executor_get_error(main_e) : "no message");
        ur_executor_free(comp_e);
        ur_executor_free(main_e);
        ur_context_free(ctx);
        return status;
}

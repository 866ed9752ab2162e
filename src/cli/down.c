/* unitrun down [--name NAME] [--timeout SPAN]: asks a detached run's supervisor to stop
 * everything as `run` does at its end, and returns once the supervisor has (processes,
 * cgroups, runtime and state directories gone), with run's exit status: 0 clean, 70 a
 * unit failed or stopped with an error. A run whose supervisor died is swept here (and
 * exits 70); an unknown NAME exits 4. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "detach.h"
#include "macro.h"
#include "timespan.h"

/* Another down (or a signal) is stopping it: wait until its state is gone. */
static int wait_gone(const char *dir)
{
        for (int i = 0; i < 6000 && access(dir, F_OK) == 0; i++) {
                struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };
                int fd = -1, r;

                r = detach_lock(dir, false, &fd);
                if (r >= 0) {
                        close(fd);
                        /* Free, yet there: the supervisor died midway; sweep below. */
                        return -ESRCH;
                }
                if (r != -EBUSY)
                        return r == -ENOENT ? 0 : r;
                nanosleep(&ts, NULL);
        }
        return access(dir, F_OK) == 0 ? -ETIMEDOUT : 0;
}

/* --timeout SPAN: a time span above zero, into *(uint64_t *) userdata. */
static int parse_timeout(const char *value, void *userdata)
{
        uint64_t *timeout = userdata;

        if (timespan_parse(value, timeout) < 0 || *timeout == 0) {
                cli_error("invalid --timeout '%s': not a time span (e.g. 30s, 1min 30s)", value);
                return EXIT_USAGE;
        }
        return 0;
}

int verb_down(int argc, char **argv)
{
        const char *name = DETACH_DEFAULT_NAME;
        _cleanup_free_ char *body = NULL, *dir = NULL;
        uint64_t timeout = 0;
        char request[64];
        size_t size = 0;
        int r, lock_fd = -1;
        const struct client_option options[] = {
                { "--timeout", .takes_value = true, .check = parse_timeout, .userdata = &timeout },
                {},
        };

        r = client_args_parse(argc, argv, &(struct client_args){ .name = &name, .options = options }, NULL);
        if (r)
                return r;
        r = detach_state_dir(name, false, &dir);
        if (r < 0)
                return control_explain(name, r);
        snprintf(request, sizeof(request), "down %llu", (unsigned long long) timeout);
        r = control_request(name, request, &body, &size);
        if (r >= 0) {
                fwrite(body, 1, size, stderr);
                return r;
        }
        if (r == -EPIPE) {
                r = wait_gone(dir);
                if (r == 0) {
                        fprintf(stderr, "%s: run '%s' was stopped meanwhile\n", program_name, name);
                        return 0;
                }
        }
        if (r != -ESRCH)
                return control_explain(name, r);
        /* The supervisor is gone: what it left is ours to sweep, under its lock. */
        r = detach_lock(dir, true, &lock_fd);
        if (r < 0)
                return control_explain(name, r == -EBUSY ? -EAGAIN : r);
        r = detach_sweep(name, dir, false);
        close(lock_fd);
        if (r < 0) {
                cli_error("run '%s': cannot remove %s: %s", name, dir, strerror(-r));
                return EXIT_SYSTEM;
        }
        return EXIT_UNIT_FAILED;
}

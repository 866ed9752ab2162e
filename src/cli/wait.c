/* unitrun wait: wait until every condition holds, starting nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "strv.h"
#include "timespan.h"

#define DEFAULT_WAIT_TIMEOUT_USEC (90 * UINT64_C(1000000))

struct wait_options {
        uint64_t timeout_usec;
        const char *http_status;
        const char *http_method;
        char **http_headers;
        char **conditions;
};

static int wait_parse(int argc, char **argv, struct wait_options *o)
{
        for (int i = 2; i < argc; i++) {
                const char *a = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;

                if (a[0] != '-' || strcmp(a, "-") == 0) {
                        if (strv_push(&o->conditions, a) < 0)
                                return EXIT_SYSTEM;
                        continue;
                }
                if (strcmp(a, "--") == 0) {
                        for (i++; i < argc; i++)
                                if (strv_push(&o->conditions, argv[i]) < 0)
                                        return EXIT_SYSTEM;
                        break;
                }
                if (!value) {
                        cli_error("option %s needs a value", a);
                        return EXIT_USAGE;
                }
                if (strcmp(a, "--timeout") == 0) {
                        if (timespan_parse(value, &o->timeout_usec) < 0) {
                                cli_error(
                                        "invalid --timeout '%s': not a time span (e.g. 30s, 1min 30s)",
                                        value);
                                return EXIT_USAGE;
                        }
                } else if (strcmp(a, "--http-status") == 0)
                        o->http_status = value;
                else if (strcmp(a, "--http-method") == 0)
                        o->http_method = value;
                else if (strcmp(a, "--http-header") == 0) {
                        if (strv_push(&o->http_headers, value) < 0)
                                return EXIT_SYSTEM;
                } else {
                        cli_error("unknown option '%s'", a);
                        return EXIT_USAGE;
                }
                i++;
        }
        if (!o->conditions) {
                cli_error("nothing to wait for; see '%s help wait'", program_name);
                return EXIT_USAGE;
        }
        return 0;
}

static int wait_add(ur_waiter *w, const struct wait_options *o, const char *condition)
{
        int r;

        if (strncmp(condition, "tcp:", 4) == 0)
                r = ur_waiter_add_tcp(w, condition + 4);
        else if (strncmp(condition, "unix:", 5) == 0)
                r = ur_waiter_add_unix(w, condition + 5);
        else if (strncmp(condition, "file:", 5) == 0)
                r = ur_waiter_add_file(w, condition + 5);
        else if (strncmp(condition, "http://", 7) == 0 || strncmp(condition, "https://", 8) == 0) {
                ur_http_check check = {
                        .url = condition,
                        .method = o->http_method,
                        .status_regex = o->http_status,
                        .headers = (const char *const *) o->http_headers,
                };
                r = ur_waiter_add_http(w, &check);
        } else {
                cli_error(
                        "unknown condition '%s': expected tcp:HOST:PORT, unix:PATH, http(s)://URL or "
                        "file:PATH",
                        condition);
                return EXIT_USAGE;
        }
        if (r == -EINVAL) {
                cli_error("%s", ur_waiter_get_error(w) ? ur_waiter_get_error(w) : "invalid condition");
                return EXIT_USAGE;
        }
        if (r < 0) {
                cli_error("%s: %s", condition, strerror(-r));
                return EXIT_SYSTEM;
        }
        return 0;
}

int verb_wait(int argc, char **argv)
{
        struct wait_options o = { .timeout_usec = DEFAULT_WAIT_TIMEOUT_USEC };
        ur_context *ctx = NULL;
        ur_waiter *w = NULL;
        int status, r;

        status = wait_parse(argc, argv, &o);
        if (status)
                goto out;
        r = ur_context_new(&ctx);
        if (r >= 0)
                r = ur_waiter_new(ctx, &w);
        if (r < 0) {
                cli_error("cannot set up: %s", strerror(-r));
                status = EXIT_SYSTEM;
                goto out;
        }
        for (char **c = o.conditions; *c && !status; c++)
                status = wait_add(w, &o, *c);
        if (status)
                goto out;
        r = ur_waiter_wait(w, o.timeout_usec);
        if (r == UR_TIMED_OUT) {
                cli_error("%s", ur_waiter_get_error(w));
                status = EXIT_NOT_READY;
        } else if (r < 0) {
                cli_error("waiting failed: %s", strerror(-r));
                status = EXIT_SYSTEM;
        }
out:
        ur_waiter_free(w);
        ur_context_free(ctx);
        strv_free(o.http_headers);
        strv_free(o.conditions);
        return status;
}

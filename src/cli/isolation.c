/* The run's isolation options: --private-network and --private-dirs (namespaces begun by
 * the library before any unit is loaded and waited for before the first start, so that a
 * refusal stops the run before anything runs), and
 * --port NAME (a free loopback port per NAME, exported to every unit and to COMMAND). */
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "json.h"
#include "session.h"
#include "strv.h"

/* Begun here, before the units are loaded, and waited for in cli_finish_namespaces()
 * just before the first start: the kernel makes them while we read unit files. */
int cli_setup_namespaces(ur_context *ctx, const struct run_options *o, struct json_log *json)
{
        bool dirs = o->private_dirs < 0 ? o->private_network || o->private_paths : o->private_dirs == 1;
        int r;

        if (!o->private_network && !dirs)
                return 0;
        r = ur_context_set_private_network(ctx, o->private_network);
        if (r >= 0)
                r = ur_context_set_private_dirs(ctx, dirs);
        for (char **p = o->private_paths; r >= 0 && p && *p; p++)
                r = ur_context_add_private_path(ctx, *p);
        if (r >= 0)
                r = ur_context_begin_namespaces(ctx);
        return r < 0 ? cli_finish_namespaces(ctx, o, json) : 0;
}

int cli_finish_namespaces(ur_context *ctx, const struct run_options *o, struct json_log *json)
{
        bool dirs = o->private_dirs < 0 ? o->private_network || o->private_paths : o->private_dirs == 1;
        unsigned made;
        int r;

        if (!o->private_network && !dirs)
                return 0;
        r = ur_context_create_namespaces(ctx);
        if (r < 0) {
                /* Never a run without the isolation asked for. */
                cli_error(
                        "cannot give the run %s: %s",
                        o->private_network ? "a private network" : "private directories",
                        ur_context_get_namespace_error(ctx) ?: strerror(-r));
                return EXIT_SYSTEM;
        }
        made = ur_context_get_namespaces(ctx);
        json_log_namespaces(json, made);
        if (o->verbose)
                fprintf(stderr, "%s: isolation: %s%s%s%s\n", program_name,
                        made & UR_NAMESPACE_NETWORK ? "private network (loopback only, no route out)" : "",
                        (made & UR_NAMESPACE_NETWORK) && (made & UR_NAMESPACE_DIRS) ? ", " : "",
                        made & UR_NAMESPACE_DIRS
                                ? "private unit directories at /run, /var/lib, /var/cache, /var/log"
                                : "",
                        made & UR_NAMESPACE_USER ? "; through a user namespace (caller mapped to root)"
                                                 : "");
        return 0;
}

/* The lock that makes a picked port ours among unitrun runs: an abstract unix socket,
 * which vanishes with its last fd (a SIGKILLed launcher leaves nothing). */
static int port_lock(unsigned port)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int len;

        if (fd < 0)
                return -errno;
        len = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "unitrun-port-%u", port);
        if (bind(fd, (struct sockaddr *) &sa,
                 (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + len)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd; /* held for the run */
}

static int port_pick(unsigned *ret)
{
        for (int attempt = 0; attempt < 64; attempt++) {
                struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
                socklen_t len = sizeof(sa);
                int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), lock;

                if (fd < 0)
                        return -errno;
                if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
                    getsockname(fd, (struct sockaddr *) &sa, &len) < 0) {
                        int r = -errno;
                        close(fd);
                        return r;
                }
                close(fd);
                lock = port_lock(ntohs(sa.sin_port));
                if (lock == -EADDRINUSE)
                        continue; /* another run (or this one) has it */
                if (lock < 0)
                        return lock;
                *ret = ntohs(sa.sin_port);
                return 0;
        }
        return -EADDRINUSE;
}

int cli_pick_ports(const struct run_options *o)
{
        for (char **n = o->ports; n && *n; n++) {
                char name[256], value[16];
                unsigned port = 0;
                bool seen = false;
                int r;

                for (char **m = o->ports; m != n; m++)
                        seen = seen || strcmp(*m, *n) == 0;
                if (seen)
                        continue; /* the same NAME twice: one port */
                snprintf(name, sizeof(name), "UNITRUN_PORT_%s", *n);
                r = port_pick(&port);
                if (r < 0) {
                        cli_error("cannot pick a free port for %s: %s", *n, strerror(-r));
                        return EXIT_SYSTEM;
                }
                snprintf(value, sizeof(value), "%u", port);
                if (setenv(name, value, 1) < 0) {
                        cli_error("cannot set %s: %s", name, strerror(errno));
                        return EXIT_SYSTEM;
                }
                if (o->verbose)
                        fprintf(stderr, "%s: %s=%s\n", program_name, name, value);
        }
        return 0;
}

/* The supervisor's end of the control socket (see detach.h for the client's). */
#pragma once

#include <stdint.h>

struct session;

struct control {
        const char *name;
        struct session *session;
        int listen_fd;
        int down_fd;        /* the `down` waiting for the verdict, once one asked */
        uint64_t down_usec; /* its --timeout, or 0 */
};

/* The listening socket is readable: answers each waiting client (status, env) or takes
 * a down. Peers of another uid than ours (and not root) are refused. */
void control_on_connect(struct session *s);
/* "CPU time: ..." for the down client, or NULL. */
char *control_usage_report(const struct session *s);

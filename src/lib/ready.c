/* What every readiness check shares: the met callback, the poll period, the list and how
 * a check is made from its public description (ready_list_add()). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "macro.h"
#include "ready.h"

#define READY_INTERVAL_FIRST_USEC (1 * USEC_PER_MSEC)
#define READY_INTERVAL_CAP_USEC (5 * USEC_PER_MSEC)

void ready_check_met(struct ready_check *c)
{
        char what[1024];

        if (c->met)
                return;
        c->met = true;
        c->ops->describe(c, what, sizeof(what));
        log_unit(c->owner->log, UR_LOG_INFO, c->owner->name, "condition holds: %s", what);
        c->owner->on_met(c->owner);
}

static const struct ready_owner *ready_owner_root(const struct ready_owner *owner)
{
        while (owner->parent)
                owner = owner->parent;
        return owner;
}

uint64_t ready_deadline(const struct ready_owner *owner)
{
        return ready_owner_root(owner)->deadline_usec;
}

uint64_t ready_next_interval(const struct ready_owner *owner, uint64_t previous_usec)
{
        uint64_t next;

        owner = ready_owner_root(owner);
        if (owner->interval_usec)
                return owner->interval_usec;
        if (!previous_usec)
                return READY_INTERVAL_FIRST_USEC;
        next = previous_usec + previous_usec / 2;
        return next > READY_INTERVAL_CAP_USEC ? READY_INTERVAL_CAP_USEC : next;
}

int ready_list_add(
        struct ready_check **list, const struct ready_spec *spec, struct ready_owner *owner,
        char **ret_error)
{
        struct ready_check *c = NULL;
        int r;

        *ret_error = NULL;
        if (spec->kind == READY_HTTP ? !spec->http || !spec->http->url : !spec->arg)
                return -EINVAL;
        switch (spec->kind) {
        case READY_OUTPUT:
                r = ready_output_new(owner, spec->arg, spec->streams, &c, ret_error);
                break;
        case READY_TCP:
                r = ready_tcp_new(owner, spec->arg, &c, ret_error);
                break;
        case READY_UNIX:
                r = ready_unix_new(owner, spec->arg, &c, ret_error);
                break;
        case READY_FILE:
                r = ready_file_new(owner, spec->arg, &c, ret_error);
                break;
        case READY_HTTP:
                r = ready_http_new(owner, spec->http, &c, ret_error);
                break;
        default:
                return -EINVAL;
        }
        if (r < 0)
                return r;
        ready_list_append(list, c);
        return 0;
}

void ready_list_append(struct ready_check **list, struct ready_check *c)
{
        while (*list)
                list = &(*list)->next;
        *list = c;
}

void ready_list_free(struct ready_check **list)
{
        while (*list) {
                struct ready_check *c = *list;
                *list = c->next;
                c->ops->end(c);
                c->ops->free(c);
        }
}

void ready_list_describe_pending(const struct ready_check *list, char *buf, size_t size)
{
        size_t used = strlen(buf);

        for (const struct ready_check *c = list; c && used + 4 < size; c = c->next) {
                char what[1024];

                if (c->met)
                        continue;
                c->ops->describe(c, what, sizeof(what));
                used += (size_t) snprintf(buf + used, size - used, "%s%s", used ? ", " : "", what);
        }
}

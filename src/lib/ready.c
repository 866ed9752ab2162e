/* What every readiness check shares: the met callback, the poll period, the list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
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
        context_log(c->owner->ctx, UR_LOG_INFO, c->owner->name, "condition holds: %s", what);
        c->owner->on_met(c->owner);
}

uint64_t ready_next_interval(const struct ready_owner *owner, uint64_t previous_usec)
{
        uint64_t next;

        if (owner->interval_usec)
                return owner->interval_usec;
        if (!previous_usec)
                return READY_INTERVAL_FIRST_USEC;
        next = previous_usec + previous_usec / 2;
        return next > READY_INTERVAL_CAP_USEC ? READY_INTERVAL_CAP_USEC : next;
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

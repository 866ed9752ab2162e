/* What every readiness check shares and calls: the met callback, the deadline and the poll
 * period. Below the kinds; ready-list.c, which makes them, sits above. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "macro.h"
#include "ready.h"
#include "run-ns.h"
#include "time-util.h"

/* A probe (a refused loopback connect: the kernel's SYN and reset, the socket made and
 * closed, the timer) costs the launcher 60-130 us on this kind of VM: at 0.2 ms growing by
 * half each time to 5 ms a daemon that is up within milliseconds is seen at once, but a
 * second of waiting at 5 ms would cost 1-1.5 % of a core (bench-ready). So a long wait
 * stretches the period further, to an eighth of the time waited so far and at most 50 ms:
 * the overshoot stays under an eighth of the wait, and the launcher's CPU while waiting
 * under 0.5 %. */
#define READY_INTERVAL_FIRST_USEC 200
#define READY_INTERVAL_CAP_USEC (5 * USEC_PER_MSEC)
#define READY_INTERVAL_LONG_CAP_USEC (50 * USEC_PER_MSEC)

int ready_socket_open(const struct ready_owner *owner, int family, int type)
{
        for (const struct ready_owner *o = owner; o; o = o->parent)
                if (o->open_socket)
                        return o->open_socket((struct ready_owner *) o, family, type);
        while (owner->parent && !owner->ns)
                owner = owner->parent;
        return run_ns_socket(owner->ns ? *owner->ns : NULL, family, type, 0);
}

const char *ready_real_path(const struct ready_owner *owner, const char *path, char *buf, size_t size)
{
        const struct run_ns *ns;

        while (owner->parent && !owner->ns)
                owner = owner->parent;
        ns = owner->ns ? *owner->ns : NULL;
        if (!ns || ns->mnt_fd < 0 || path[0] != '/')
                return path;
        if (snprintf(buf, size, "/proc/%d/root%s", (int) ns->holder, path) >= (int) size)
                return path;
        return buf;
}

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

bool ready_interval_fixed(const struct ready_owner *owner)
{
        return ready_owner_root(owner)->interval_usec != 0;
}

uint64_t ready_stretched_cap(uint64_t cap_usec, uint64_t long_cap_usec, uint64_t since_usec, unsigned share)
{
        uint64_t now = now_usec(), stretched;

        if (!since_usec || now <= since_usec)
                return cap_usec;
        stretched = (now - since_usec) / share;
        if (stretched > long_cap_usec)
                stretched = long_cap_usec;
        return stretched > cap_usec ? stretched : cap_usec;
}

bool ready_hears_listens(const struct ready_owner *owner)
{
        return ready_owner_root(owner)->listen_events;
}

uint64_t ready_next_interval(
        const struct ready_owner *owner, uint64_t previous_usec, uint64_t since_usec, bool backup)
{
        uint64_t next, cap;

        owner = ready_owner_root(owner);
        if (owner->interval_usec)
                return owner->interval_usec;
        if (!previous_usec && !backup)
                return READY_INTERVAL_FIRST_USEC;
        /* The backup stretches to a quarter of the time waited (still at most 50 ms): what
         * it is for is rare, and a poll costs ~0.1 ms of a VM's core, most of it the
         * wake-up itself (by this schedule 46 -> 31 polls over a 1 s wait). */
        cap = ready_stretched_cap(
                READY_INTERVAL_CAP_USEC, READY_INTERVAL_LONG_CAP_USEC, since_usec, backup ? 4 : 8);
        next = previous_usec + previous_usec / 2;
        /* The owner may learn that it hears the listen()s after the first polls (the
         * seccomp listener arrives from the child): from then on, at least the cap. */
        if (backup && next < READY_INTERVAL_CAP_USEC)
                next = READY_INTERVAL_CAP_USEC;
        return next > cap ? cap : next;
}

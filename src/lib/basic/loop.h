/* The context's event loop: one epoll fd, watches embedded in their owners, and deadline
 * timers on CLOCK_MONOTONIC timerfds. Nothing here sleeps; everything is an fd event. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "time-util.h"

struct watch;
typedef void (*watch_fn)(struct watch *w, uint32_t events);

/* Embedded in the object it belongs to. A removed watch keeps its memory until its owner is
 * freed, which only happens outside dispatch, so a stale event in the current batch finds
 * fd == -1 and is skipped. */
struct watch {
        int fd;
        bool borrowed; /* the fd belongs to someone else (libcurl): don't close it */
        watch_fn callback;
        void *data;
};

/* Work for after the current batch of events (systemd's run queue): queued from inside a
 * handler, it runs once every handler of the batch has returned. Embedded in its owner. */
struct loop_defer {
        void (*fn)(void *data);
        void *data;
        bool queued;
        struct loop_defer *next;
};

struct loop {
        int epoll_fd;
        bool dispatching;   /* handling a batch of events */
        bool running_queue; /* running deferred work, after the batch */
        void **deferred;    /* freed once the current batch of events is handled */
        size_t n_deferred;
        struct loop_defer *queue; /* deferred work, in the order it was queued */
        struct watch wakeup;      /* an eventfd: work queued outside dispatch wakes the poller */
};

int loop_init(struct loop *l);
void loop_done(struct loop *l);

/* Takes ownership of fd: watch_remove() closes it. */
int loop_add(struct loop *l, struct watch *w, int fd, uint32_t events, watch_fn cb, void *data);
/* The same for an fd someone else owns and closes. */
int loop_add_borrowed(struct loop *l, struct watch *w, int fd, uint32_t events, watch_fn cb, void *data);
/* free(p), or later if a batch of events (that may still point into p) is being handled. */
void loop_free_later(struct loop *l, void *p);
int loop_modify(struct loop *l, struct watch *w, uint32_t events);
void watch_remove(struct loop *l, struct watch *w);
static inline bool watch_active(const struct watch *w)
{
        return w->fd >= 0;
}

/* A deadline timer is a watch on a timerfd; arm with an absolute CLOCK_MONOTONIC time. */
int timer_add(struct loop *l, struct watch *w, watch_fn cb, void *data);
int timer_arm(struct watch *w, uint64_t deadline_usec);
int timer_disarm(struct watch *w);

/* Queues d (once: queuing it again before it ran changes nothing). Outside dispatch the
 * loop's fd turns readable, so an embedder that polls it comes back to dispatch. */
void loop_defer(struct loop *l, struct loop_defer *d);

/* Waits up to timeout_ms for events, handles one batch, then runs the deferred work. */
int loop_dispatch(struct loop *l, int timeout_ms);

/* now + span, saturating at infinity. */
uint64_t deadline_after(uint64_t span_usec);

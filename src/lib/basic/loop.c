/* epoll dispatch and CLOCK_MONOTONIC deadlines; see loop.h for the ownership rules. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>

#include "loop.h"
#include "macro.h"

static void loop_on_wakeup(struct watch *w, uint32_t events)
{
        uint64_t n;

        /* Only wakes the poller; the queue runs at the end of this batch. */
        (void) !read(w->fd, &n, sizeof(n));
}

int loop_init(struct loop *l)
{
        int fd, r;

        *l = (struct loop){ .wakeup.fd = -1 };
        l->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (l->epoll_fd < 0)
                return negative_errno();
        fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        r = fd < 0 ? negative_errno() : loop_add(l, &l->wakeup, fd, EPOLLIN, loop_on_wakeup, l);
        if (r < 0) {
                l->epoll_fd = safe_close(l->epoll_fd);
                return r;
        }
        return 0;
}

void loop_defer(struct loop *l, struct loop_defer *d)
{
        struct loop_defer **tail = &l->queue;
        uint64_t one = 1;

        if (d->queued)
                return;
        d->queued = true;
        d->next = NULL;
        while (*tail)
                tail = &(*tail)->next;
        *tail = d;
        if (!l->dispatching && !l->running_queue)
                (void) !write(l->wakeup.fd, &one, sizeof(one));
}

static void loop_run_queue(struct loop *l)
{
        /* Deferred work may queue more (a scheduler pass that starts a unit): run it all. */
        l->running_queue = true;
        while (l->queue) {
                struct loop_defer *d = l->queue;

                l->queue = d->next;
                d->queued = false;
                d->next = NULL;
                d->fn(d->data);
        }
        l->running_queue = false;
}

static void loop_free_deferred(struct loop *l)
{
        for (size_t i = 0; i < l->n_deferred; i++)
                free(l->deferred[i]);
        l->deferred = mfree(l->deferred);
        l->n_deferred = 0;
}

void loop_done(struct loop *l)
{
        loop_free_deferred(l);
        for (struct loop_defer *d = l->queue, *next; d; d = next) {
                next = d->next;
                d->queued = false;
                d->next = NULL;
        }
        l->queue = NULL;
        watch_remove(l, &l->wakeup);
        l->epoll_fd = safe_close(l->epoll_fd);
}

void loop_free_later(struct loop *l, void *p)
{
        void **d;

        if (!l->dispatching) {
                free(p);
                return;
        }
        d = realloc(l->deferred, (l->n_deferred + 1) * sizeof(*d));
        if (!d) {
                /* Leaking beats a use-after-free; this needs an allocation failure anyway. */
                return;
        }
        l->deferred = d;
        l->deferred[l->n_deferred++] = p;
}

int loop_add(struct loop *l, struct watch *w, int fd, uint32_t events, watch_fn cb, void *data)
{
        struct epoll_event ev = { .events = events, .data.ptr = w };

        w->fd = fd;
        w->borrowed = false;
        w->callback = cb;
        w->data = data;
        if (epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                int r = negative_errno();
                w->fd = safe_close(fd);
                return r;
        }
        return 0;
}

int loop_add_borrowed(struct loop *l, struct watch *w, int fd, uint32_t events, watch_fn cb, void *data)
{
        struct epoll_event ev = { .events = events, .data.ptr = w };

        w->fd = fd;
        w->borrowed = true;
        w->callback = cb;
        w->data = data;
        if (epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                w->fd = -1;
                return negative_errno();
        }
        return 0;
}

int loop_modify(struct loop *l, struct watch *w, uint32_t events)
{
        struct epoll_event ev = { .events = events, .data.ptr = w };

        if (epoll_ctl(l->epoll_fd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
                return negative_errno();
        return 0;
}

void watch_remove(struct loop *l, struct watch *w)
{
        if (w->fd < 0)
                return;
        /* Closing alone would leave the registration alive if the fd were duplicated. */
        (void) epoll_ctl(l->epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
        if (w->borrowed)
                w->fd = -1;
        else
                w->fd = safe_close(w->fd);
}

int timer_add(struct loop *l, struct watch *w, watch_fn cb, void *data)
{
        int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (fd < 0)
                return negative_errno();
        return loop_add(l, w, fd, EPOLLIN, cb, data);
}

int timer_arm(struct watch *w, uint64_t deadline_usec)
{
        struct itimerspec its = {};

        if (deadline_usec == USEC_INFINITY)
                return timer_disarm(w);
        /* An all-zero it_value would disarm; a deadline in the past must fire at once. */
        if (deadline_usec == 0)
                deadline_usec = 1;
        its.it_value.tv_sec = deadline_usec / USEC_PER_SEC;
        its.it_value.tv_nsec = (deadline_usec % USEC_PER_SEC) * NSEC_PER_USEC;
        if (timerfd_settime(w->fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
                return negative_errno();
        return 0;
}

int timer_disarm(struct watch *w)
{
        struct itimerspec its = {};
        uint64_t expirations;

        if (timerfd_settime(w->fd, 0, &its, NULL) < 0)
                return negative_errno();
        /* Drop an expiry that happened before disarming so no stale event follows. */
        (void) !read(w->fd, &expirations, sizeof(expirations));
        return 0;
}

int loop_dispatch(struct loop *l, int timeout_ms)
{
        struct epoll_event events[16];
        int n;

        n = epoll_wait(l->epoll_fd, events, ELEMENTSOF(events), l->queue ? 0 : timeout_ms);
        if (n < 0) {
                if (errno != EINTR)
                        return negative_errno();
                n = 0;
        }

        l->dispatching = true;
        for (int i = 0; i < n; i++) {
                struct watch *w = events[i].data.ptr;
                if (w->fd < 0)
                        continue; /* removed by an earlier callback of this batch */
                w->callback(w, events[i].events);
        }
        l->dispatching = false;
        loop_run_queue(l);
        loop_free_deferred(l);
        return n;
}

uint64_t deadline_after(uint64_t span_usec)
{
        uint64_t now = now_usec();

        if (span_usec == USEC_INFINITY || span_usec > USEC_INFINITY - now)
                return USEC_INFINITY;
        return now + span_usec;
}

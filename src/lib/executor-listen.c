/* An executor's side of the listen(2)/bind(2) events (listen-notify.h): whether its main
 * command gets the filter (a check that wants the events, and not forced off), receiving
 * the notification fd from the child, answering every notification at once for as long as
 * the unit lives, and telling the checks. Without the fd (the kernel refused the filter,
 * or it was not installed) the checks poll, as they would anyway, and the log says so. */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "internal.h"
#include "listen-notify.h"
#include "macro.h"

static bool executor_wants_listen_events(const ur_executor *e)
{
        if (listen_notify_disabled())
                return false;
        for (const struct ready_check *c = e->checks; c; c = c->next)
                if (c->ops->kick)
                        return true;
        return false;
}

static void executor_on_listen_notify(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        struct pollfd p = { .fd = w->fd, .events = POLLIN };
        bool any = false;

        /* The answers first, so the daemon waits as little as it can; RECV would block
         * once nothing is pending, hence the poll before each. */
        while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
                int r = listen_notify_answer(w->fd);
                if (r <= 0)
                        break;
                any = true;
        }
        if (events & (EPOLLHUP | EPOLLERR) && !(p.revents & POLLIN)) {
                /* Every process holding the filter is gone. */
                watch_remove(&e->ctx->loop, w);
                return;
        }
        if (any)
                for (struct ready_check *c = e->checks; c; c = c->next)
                        if (c->ops->kick && !c->met)
                                c->ops->kick(c);
}

static void executor_on_listen_setup(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        int fd = listen_notify_receive(w->fd);

        if (fd == -EAGAIN)
                return;
        watch_remove(&e->ctx->loop, w);
        watch_remove(&e->ctx->loop, &e->listen_notify_watch);
        if (fd >= 0 &&
            loop_add(&e->ctx->loop, &e->listen_notify_watch, fd, EPOLLIN, executor_on_listen_notify, e) >=
                    0) {
                e->owner.listen_events = true;
                context_log(
                        e->ctx, UR_LOG_INFO, e->name,
                        "listen detection: seccomp notification of listen()/bind() (polling as backup)");
                /* Calls made before the fd arrived are pending already. */
                executor_on_listen_notify(&e->listen_notify_watch, EPOLLIN);
                return;
        }
        e->owner.listen_events = false;
        context_log(
                e->ctx, UR_LOG_INFO, e->name,
                "listen detection: polling (the kernel refused the seccomp listener)");
}

int executor_listen_prepare(ur_executor *e, int *ret_child_sock)
{
        int pair[2];

        *ret_child_sock = -1;
        e->owner.listen_events = false;
        if (!executor_wants_listen_events(e)) {
                for (const struct ready_check *c = e->checks; c; c = c->next)
                        if (c->ops->kick) {
                                context_log(
                                        e->ctx, UR_LOG_INFO, e->name,
                                        "listen detection: polling (UNITRUN_NO_LISTEN_EVENTS=1)");
                                break;
                        }
                return 0;
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return 0; /* no events: the checks poll */
        watch_remove(&e->ctx->loop, &e->listen_setup_watch);
        if (loop_add(&e->ctx->loop, &e->listen_setup_watch, pair[0], EPOLLIN, executor_on_listen_setup, e) <
            0) {
                close(pair[1]);
                return 0;
        }
        *ret_child_sock = pair[1];
        return 0;
}

void executor_listen_spawned(ur_executor *e, int child_sock)
{
        /* Our copy of the child's end: once the child has exec'ed (or died), the socket
         * reads EOF and the setup handler learns that no fd is coming. */
        safe_close(child_sock);
}

void executor_listen_release(ur_executor *e)
{
        watch_remove(&e->ctx->loop, &e->listen_setup_watch);
        watch_remove(&e->ctx->loop, &e->listen_notify_watch);
        e->owner.listen_events = false;
}

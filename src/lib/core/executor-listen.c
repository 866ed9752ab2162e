/* An executor's side of the listen(2)/bind(2) events (listen-notify.h): whether its main
 * command gets the filter (a check that wants the events, and not forced off), receiving
 * the notification fd from the child and handing it to the answerer process (which lets
 * every call through at once, whether or not our loop runs), and telling the checks of
 * each call the answerer reports. Without the fd (the kernel refused the filter,
 * or it was not installed) the checks poll, as they would anyway, and the log says so. */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "internal.h"
#include "listen-notify.h"
#include "macro.h"

/* 0: no events; 1: listen(2); 2: listen(2) and bind(2), for a Listen= check (bound UDP
 * sockets count there). */
static int executor_wants_listen_events(const ur_executor *e)
{
        int want = 0;

        if (listen_notify_disabled())
                return 0;
        for (const struct ready_check *c = e->checks; c; c = c->next)
                if (c->ops->kick)
                        want = strcmp(c->ops->kind, "listen") == 0 ? 2 : want > 0 ? want : 1;
        return want;
}

/* One byte per listen()/bind() the answerer let through. */
static void executor_on_listen_event(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        char buf[256];
        bool any = false;
        ssize_t n;

        bool waiting = false;

        while ((n = read(w->fd, buf, sizeof(buf))) > 0)
                any = true;
        if (any)
                for (struct ready_check *c = e->checks; c; c = c->next)
                        if (c->ops->kick && !c->met) {
                                c->ops->kick(c);
                                waiting = true;
                        }
        /* Gone (the answerer), or no longer needed: once every check that listens for the
         * events holds, closing our end tells the answerer to stop reporting, so that a
         * daemon that goes on calling listen() pays for the answer alone. */
        if (n == 0 || (!any && (events & (EPOLLHUP | EPOLLERR))) || (any && !waiting))
                watch_remove(&e->ctx->loop, w);
}

void executor_listen_check_met(ur_executor *e)
{
        if (e->listen_notify_watch.callback != executor_on_listen_event ||
            !watch_active(&e->listen_notify_watch))
                return;
        for (const struct ready_check *c = e->checks; c; c = c->next)
                if (c->ops->kick && !c->met)
                        return;
        /* The answerer stops reporting (and its daemon's calls get cheaper, listen-notify.c). */
        watch_remove(&e->ctx->loop, &e->listen_notify_watch);
}

static void executor_on_answerer_exit(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        siginfo_t si;

        (void) waitid((idtype_t) P_PIDFD, (id_t) w->fd, &si, WEXITED | WNOHANG);
        watch_remove(&e->ctx->loop, w);
}

/* No answerer process (fork refused): the loop answers, as well as it can while it runs;
 * the notification fd must never be dropped, or the unit's listen() would fail. */
static void executor_on_listen_notify_inline(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        struct pollfd p = { .fd = w->fd, .events = POLLIN };
        bool any = false;

        while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN) && listen_notify_answer(w->fd) > 0)
                any = true;
        if (!any && (events & (EPOLLHUP | EPOLLERR))) {
                watch_remove(&e->ctx->loop, w);
                return;
        }
        if (any)
                for (struct ready_check *c = e->checks; c; c = c->next)
                        if (c->ops->kick && !c->met)
                                c->ops->kick(c);
}

static int executor_listen_start_answerer(ur_executor *e, int notify_fd)
{
        int pipe_fds[2], pidfd, r;

        if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0)
                goto inline_answers;
        r = listen_notify_start_answerer(notify_fd, pipe_fds[1], &pidfd);
        close(pipe_fds[1]);
        if (r < 0) {
                close(pipe_fds[0]);
                goto inline_answers;
        }
        r = loop_add(
                &e->ctx->loop, &e->listen_notify_watch, pipe_fds[0], EPOLLIN, executor_on_listen_event, e);
        if (r >= 0)
                r = loop_add(
                        &e->ctx->loop, &e->listen_answerer_watch, pidfd, EPOLLIN, executor_on_answerer_exit,
                        e);
        else
                close(pidfd);
        /* Without its watches the answerer still answers; it ends with the unit. */
        return r;

inline_answers:
        context_log(
                e->ctx, UR_LOG_WARNING, e->name, "cannot start the seccomp answerer: answering in the loop");
        return loop_add(
                &e->ctx->loop, &e->listen_notify_watch, notify_fd, EPOLLIN, executor_on_listen_notify_inline,
                e);
}

static void executor_on_listen_setup(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        int fd = listen_notify_receive(w->fd);

        if (fd == -EAGAIN)
                return;
        watch_remove(&e->ctx->loop, w);
        watch_remove(&e->ctx->loop, &e->listen_notify_watch);
        if (fd >= 0 && executor_listen_start_answerer(e, fd) >= 0) {
                e->owner.listen_events = true;
                context_log(
                        e->ctx, UR_LOG_INFO, e->name,
                        "listen detection: seccomp notification of listen()/bind() (polling as backup)");
                return;
        }
        e->owner.listen_events = false;
        context_log(
                e->ctx, UR_LOG_INFO, e->name,
                fd >= 0 ? "listen detection: polling (cannot start the seccomp answerer)"
                        : "listen detection: polling (the kernel refused the seccomp listener)");
}

int executor_listen_prepare(ur_executor *e, int *ret_child_sock, bool *ret_with_bind)
{
        int pair[2], want = executor_wants_listen_events(e);

        *ret_child_sock = -1;
        *ret_with_bind = want == 2;
        e->owner.listen_events = false;
        if (!want) {
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
        /* The answerer exits by itself once the unit's processes are gone (they are, at
         * release): reap it if it has, else leave it to the kernel's init (PDEATHSIG). */
        if (watch_active(&e->listen_answerer_watch)) {
                siginfo_t si;
                (void) waitid(
                        (idtype_t) P_PIDFD, (id_t) e->listen_answerer_watch.fd, &si, WEXITED | WNOHANG);
        }
        watch_remove(&e->ctx->loop, &e->listen_answerer_watch);
        e->owner.listen_events = false;
}

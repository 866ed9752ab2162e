/* An executor's side of the listen(2)/bind(2) events: which mechanism its main command
 * gets, in this order: BPF programs on its cgroup leaf when asked for (listen-bpf.h:
 * nothing on the daemon's side; for TCP and UDP checks, a cgroup leaf, and a launcher
 * allowed to load them; unread once no check wants the events, detached with the run),
 * else the seccomp filter (listen-notify.h: receiving the notification fd from the child
 * and handing it to the answerer process, which lets every call through at once, whether
 * or not our loop runs), else none; then telling the checks of each call reported.
 * Without events (refused, or forced off) the checks poll, as they would anyway, and the
 * log says so. */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "internal.h"
#include "listen-bpf.h"
#include "listen-notify.h"
#include "macro.h"

/* The calls the checks that want events must hear of (READY_LISTEN_* bits; 0: none, or
 * forced off). */
static unsigned executor_listen_needs(const ur_executor *e)
{
        unsigned needs = 0;

        if (listen_notify_disabled())
                return 0;
        for (const struct ready_check *c = e->checks; c; c = c->next)
                if (c->ops->kick)
                        needs |= c->ops->listen_needs
                                         ? c->ops->listen_needs(c)
                                         : READY_LISTEN_TCP | READY_LISTEN_UDP | READY_LISTEN_UNIX;
        return needs;
}

static void executor_listen_bpf_detach(ur_executor *e)
{
        watch_remove(&e->ctx->loop, &e->listen_bpf_watch);
        e->listen_bpf = listen_bpf_free(e->listen_bpf);
}

/* The kicks of the checks that still wait; false if none does. */
static bool executor_listen_kick(ur_executor *e)
{
        bool waiting = false;

        for (struct ready_check *c = e->checks; c; c = c->next)
                if (c->ops->kick && !c->met) {
                        c->ops->kick(c);
                        waiting = true;
                }
        return waiting;
}

/* Reports in the BPF ring buffer: the checks look. */
static void executor_on_listen_bpf(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;

        if (listen_bpf_drain(e->listen_bpf) > 0 && !executor_listen_kick(e))
                watch_remove(&e->ctx->loop, &e->listen_bpf_watch);
}

/* 1: BPF it is; 0: not here (said in the log), the caller tries seccomp. */
static int executor_listen_try_bpf(ur_executor *e, int cgroup_dir, unsigned needs)
{
        const char *why = NULL;
        struct listen_bpf *b = NULL;
        int r;

        if (!listen_bpf_wanted())
                return 0; /* not asked for: nothing to say */
        if (needs & READY_LISTEN_UNIX)
                why = "a unix socket's listen() has no cgroup hook";
        else if (cgroup_dir < 0)
                why = "no cgroup leaf for the unit";
        else {
                r = listen_bpf_attach(
                        cgroup_dir,
                        (needs & READY_LISTEN_TCP ? LISTEN_BPF_TCP : 0) |
                                (needs & READY_LISTEN_UDP ? LISTEN_BPF_UDP : 0),
                        &b);
                if (r == -EPERM)
                        why = "not allowed: CAP_BPF and CAP_NET_ADMIN are needed";
                else if (r < 0)
                        why = strerror(-r);
                else if (
                        loop_add_borrowed(
                                &e->ctx->loop, &e->listen_bpf_watch, listen_bpf_fd(b), EPOLLIN,
                                executor_on_listen_bpf, e) < 0) {
                        b = listen_bpf_free(b);
                        why = "cannot watch the ring buffer";
                }
        }
        if (!b) {
                context_log(e->ctx, UR_LOG_INFO, e->name, "listen detection: no BPF (%s)", why);
                return 0;
        }
        e->listen_bpf = b;
        e->owner.listen_events = true;
        e->owner.listen_events_by = "BPF events";
        context_log(
                e->ctx, UR_LOG_INFO, e->name,
                "listen detection: BPF on the unit's cgroup (sock_ops TCP_LISTEN_CB%s; polling as backup)",
                needs & READY_LISTEN_UDP ? ", post_bind of UDP sockets" : "");
        return 1;
}

/* One byte per listen()/bind() the answerer let through. */
static void executor_on_listen_event(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;
        char buf[256];
        bool any = false, waiting = false;
        ssize_t n;

        while ((n = read(w->fd, buf, sizeof(buf))) > 0)
                any = true;
        if (any)
                waiting = executor_listen_kick(e);
        /* Gone (the answerer), or no longer needed: once every check that listens for the
         * events holds, closing our end tells the answerer to stop reporting, so that a
         * daemon that goes on calling listen() pays for the answer alone. */
        if (n == 0 || (!any && (events & (EPOLLHUP | EPOLLERR))) || (any && !waiting))
                watch_remove(&e->ctx->loop, w);
}

void executor_listen_check_met(ur_executor *e)
{
        bool answerer = e->listen_notify_watch.callback == executor_on_listen_event &&
                        watch_active(&e->listen_notify_watch);

        if (!answerer && !watch_active(&e->listen_bpf_watch))
                return;
        for (const struct ready_check *c = e->checks; c; c = c->next)
                if (c->ops->kick && !c->met)
                        return;
        /* BPF: no longer read (no wake-ups; a full ring makes a report fail at once), and
         * detached when the unit's run is released: a detach costs the launcher ~0.1 ms a
         * program (the kernel's static keys), which has no place between "ready" and the
         * COMMAND. Seccomp: the answerer stops reporting (and its daemon's calls get
         * cheaper, listen-notify.c). */
        watch_remove(&e->ctx->loop, &e->listen_bpf_watch);
        if (answerer)
                watch_remove(&e->ctx->loop, &e->listen_notify_watch);
}

static void executor_on_answerer_exit(struct watch *w, uint32_t events)
{
        ur_executor *e = w->data;

        watch_remove(&e->ctx->loop, w);
        listen_answerer_free(&e->listen_answerer, false);
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
                (void) executor_listen_kick(e);
}

static int executor_listen_start_answerer(ur_executor *e, int notify_fd)
{
        int pipe_fds[2], r;

        /* One per run: the last run's was ended at its release. */
        watch_remove(&e->ctx->loop, &e->listen_answerer_watch);
        listen_answerer_free(&e->listen_answerer, true);
        if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0)
                goto inline_answers;
        r = listen_notify_start_answerer(notify_fd, pipe_fds[1], &e->listen_answerer);
        close(pipe_fds[1]);
        if (r < 0) {
                close(pipe_fds[0]);
                goto inline_answers;
        }
        r = loop_add(
                &e->ctx->loop, &e->listen_notify_watch, pipe_fds[0], EPOLLIN, executor_on_listen_event, e);
        if (r >= 0)
                r = loop_add_borrowed(
                        &e->ctx->loop, &e->listen_answerer_watch, e->listen_answerer.pidfd, EPOLLIN,
                        executor_on_answerer_exit, e);
        /* Without its watches the answerer still answers; it is ended at the release. */
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
                e->owner.listen_events_by = "seccomp events";
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

int executor_listen_prepare(ur_executor *e, int cgroup_dir, int *ret_child_sock, bool *ret_with_bind)
{
        unsigned needs = executor_listen_needs(e);
        int pair[2];

        *ret_child_sock = -1;
        /* bind(2) for the checks that count bound UDP sockets (Listen=). */
        *ret_with_bind = needs & READY_LISTEN_UDP;
        e->owner.listen_events = false;
        executor_listen_bpf_detach(e);
        if (needs && executor_listen_try_bpf(e, cgroup_dir, needs))
                return 0;
        if (!needs) {
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
        /* The unit's processes are gone at release, and nothing holds the filter: the
         * answerer, if it has not exited (before Linux 6.11 it cannot tell), is ended now,
         * and reaped before its stack, which may be in our memory, is freed. */
        watch_remove(&e->ctx->loop, &e->listen_answerer_watch);
        listen_answerer_free(&e->listen_answerer, true);
        /* The run is over: the programs are detached and unloaded (closing our fds; the
         * cgroup's removal would detach them too, but not unload what we hold). */
        executor_listen_bpf_detach(e);
        e->owner.listen_events = false;
}

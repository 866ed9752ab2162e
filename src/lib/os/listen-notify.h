/* The unit's listen(2) and bind(2) calls as events: a seccomp filter installed in the child
 * before execve() turns each into a user notification (SECCOMP_RET_USER_NOTIF) that the
 * launcher answers at once with SECCOMP_USER_NOTIF_FLAG_CONTINUE: the call then runs in the
 * kernel exactly as without the filter, and the launcher knows it is happening.
 *
 * The notification fd travels from the child to the launcher over a socketpair
 * (SCM_RIGHTS) and the child keeps no copy: should the launcher die, the fd is closed with
 * it, a pending call fails with ENOSYS instead of waiting forever, and the unit's cgroup is
 * killed by the guardian anyway. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Child side, between clone and execve (async-signal-safe calls only): installs the
 * filter (listen(2), and bind(2) too with with_bind: a round trip to the answerer per call
 * for the unit's life, asked for only by Listen=, which counts bound UDP sockets) and sends
 * its notification fd over sock. 0, or -errno: ENOTSUP where the
 * architecture is not handled, EACCES without CAP_SYS_ADMIN or no_new_privs, EBUSY when
 * an inherited filter already has a listener. */
int listen_notify_child_install(int sock, bool with_bind);

/* Launcher side: the fd the child sent (>= 0), -EAGAIN when nothing came yet, -ENOENT when
 * the child went on without one (the socket is closed). */
int listen_notify_receive(int sock);

/* Answers one pending notification with "continue". 1 if one was answered, 0 if none was
 * pending (or the caller died meanwhile), -errno otherwise. */
int listen_notify_answer(int notify_fd);

/* The answering is not left to the launcher's loop, which a library caller may not run
 * for a while (its test code between start and stop): a daemon's listen() would wait for
 * it. A small helper process answers every notification at once, for the unit's whole
 * life, and writes one byte per call to event_fd (non-blocking: a full pipe loses bytes,
 * not answers). It shares the launcher's memory where it can (clone3_shared_vm(): the same
 * cost at any size of the launcher), else it is forked; either way it is a process of its
 * own, so a stopped launcher stops no answer. It exits when every process holding the
 * filter is gone (so with a dead launcher once the guardian has killed the unit, never
 * before: a daemon's listen() must not fail while it runs), or at listen_answerer_free().
 * On success notify_fd is the helper's (closed here); on failure the caller keeps
 * notify_fd and must answer itself. */
struct listen_answerer {
        int pidfd;   /* readable once it exited */
        void *stack; /* its stack region when it shares our memory, else NULL */
        size_t stack_size;
};
int listen_notify_start_answerer(int notify_fd, int event_fd, struct listen_answerer *ret);

/* Reaps it (ending it first with end_it: at the run's end, when nothing holds the filter
 * any more) and frees its stack; then *a holds nothing. */
void listen_answerer_free(struct listen_answerer *a, bool end_it);

/* UNITRUN_NO_LISTEN_EVENTS=1: no filter, Listen= polls (the fallback, forced). */
bool listen_notify_disabled(void);

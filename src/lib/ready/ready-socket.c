/* TCP= and UnixSocket= readiness: a non-blocking connect to every address, repeated on the
 * loop's timer until one succeeds. A listening socket has no event of its own to wait for,
 * so this is a polled kind; the period starts at 0.2 ms and grows (ready_next_interval()).
 * Two events stand in for polling where they can: a unix socket path that does not exist
 * yet is waited for with inotify on its directory, and when the owner hears of the unit's
 * listen(2)/bind(2) calls (seccomp, executor-listen.c) the check looks right after each. */
#include <libgen.h>
#include <sys/inotify.h>
#include <netdb.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "loop.h"
#include "macro.h"
#include "log.h"
#include "ready-lookup.h"
#include "ready.h"
#include "socket-owner.h"

/* A connect that neither succeeds nor fails (a filtered remote port) is abandoned after
 * this long, or at the deadline, and tried again. */
#define CONNECT_ATTEMPT_USEC (1 * USEC_PER_SEC)
#define PROBE_TIMEOUT_MSEC 200
#define MAX_ADDRESSES 16

struct ready_socket {
        struct ready_check check;
        bool is_unix;
        bool path_resolved; /* sun_path as the launcher reaches it (ready_real_path()) */
        char *spec;         /* as the user wrote it, for messages */
        char *host, *port;
        struct sockaddr_storage addrs[MAX_ADDRESSES];
        socklen_t addr_lens[MAX_ADDRESSES];
        size_t n_addrs;
        struct watch conns[MAX_ADDRESSES];
        size_t n_in_flight;
        struct watch timer;
        int inotify_fd;         /* on a unix socket's directory, once the path was found missing */
        struct watch dir_watch; /* borrows inotify_fd */
        uint64_t interval_usec;
        uint64_t since_usec;   /* when the check began: long waits poll more slowly */
        unsigned kick_retries; /* quick attempts left after a listen() event */
        bool owner_interval_set;
        int last_error;
        struct ready_lookup lookup; /* TCP: is anything listening, before each connect */
};

/* After a listen()/bind() event: the call runs on the other core within microseconds. */
#define KICK_RETRY_USEC 30
#define KICK_RETRIES 6

/* "host:port", "[v6]:port"; the host may be a name. */
static int split_host_port(const char *spec, char **ret_host, char **ret_port)
{
        const char *colon, *host = spec;
        size_t host_len;

        if (spec[0] == '[') {
                const char *end = strchr(spec, ']');
                if (!end || end[1] != ':')
                        return -EINVAL;
                host = spec + 1;
                host_len = (size_t) (end - host);
                colon = end + 1;
        } else {
                colon = strrchr(spec, ':');
                if (!colon || strchr(spec, ':') != colon)
                        return -EINVAL; /* a bare IPv6 address needs brackets */
                host_len = (size_t) (colon - spec);
        }
        if (host_len == 0 || !colon[1])
                return -EINVAL;
        *ret_host = strndup(host, host_len);
        *ret_port = strdup(colon + 1);
        if (!*ret_host || !*ret_port)
                return -ENOMEM;
        return 0;
}

/* Resolved anew for each round while it fails: a name may appear later (e.g. in /etc/hosts). */
static int ready_socket_resolve(struct ready_socket *s)
{
        /* No AI_ADDRCONFIG: it hides ::1 on hosts whose only IPv6 address is loopback, and
         * "every address" is the contract. */
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
        struct addrinfo *res = NULL;
        int r;

        if (s->is_unix && !s->path_resolved) {
                struct sockaddr_un *sa = (struct sockaddr_un *) &s->addrs[0];
                char buf[PATH_MAX];
                const char *real = ready_real_path(s->check.owner, sa->sun_path, buf, sizeof(buf));

                /* Once, when the namespaces exist (from the first start on). */
                if (real != sa->sun_path && strlen(real) < sizeof(sa->sun_path)) {
                        strcpy(sa->sun_path, real);
                        s->path_resolved = true;
                }
        }
        if (s->is_unix || s->n_addrs > 0)
                return 0;
        r = getaddrinfo(s->host, s->port, &hints, &res);
        if (r != 0)
                return r == EAI_MEMORY ? -ENOMEM : -EHOSTUNREACH;
        for (struct addrinfo *a = res; a && s->n_addrs < MAX_ADDRESSES; a = a->ai_next) {
                memcpy(&s->addrs[s->n_addrs], a->ai_addr, a->ai_addrlen);
                s->addr_lens[s->n_addrs++] = a->ai_addrlen;
        }
        freeaddrinfo(res);
        return s->n_addrs ? 0 : -EHOSTUNREACH;
}

static void ready_socket_close_all(struct ready_socket *s)
{
        for (size_t i = 0; i < MAX_ADDRESSES; i++)
                watch_remove(s->check.owner->loop, &s->conns[i]);
        s->n_in_flight = 0;
}

static void ready_socket_attempt(struct ready_socket *s);

static void ready_socket_on_dir_event(struct watch *w, uint32_t events)
{
        struct ready_socket *s = w->data;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

        while (read(w->fd, buf, sizeof(buf)) > 0)
                ;
        (void) timer_disarm(&s->timer);
        s->interval_usec = 0;
        ready_socket_attempt(s);
}

/* The unix path is missing: an inotify wait on its directory instead of polling, where the
 * directory exists. True when waiting that way. */
static bool ready_socket_wait_for_path(struct ready_socket *s)
{
        char dir[sizeof(((struct sockaddr_un *) NULL)->sun_path) + 1];
        int fd;

        if (!s->is_unix || s->last_error != ENOENT || s->owner_interval_set)
                return false;
        /* Made once and kept until free: closing an inotify fd (or removing a watch) waits
         * for an SRCU grace period in the kernel, 10-25 ms, which must not fall between
         * "connected" and "ready" (see ready-file.c). */
        if (s->inotify_fd < 0) {
                snprintf(dir, sizeof(dir), "%s", s->spec);
                fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
                if (fd < 0)
                        return false;
                if (inotify_add_watch(fd, dirname(dir), IN_CREATE | IN_MOVED_TO | IN_ATTRIB) < 0) {
                        close(fd);
                        return false;
                }
                s->inotify_fd = fd;
        }
        if (!watch_active(&s->dir_watch) && loop_add_borrowed(
                                                    s->check.owner->loop, &s->dir_watch, s->inotify_fd,
                                                    EPOLLIN, ready_socket_on_dir_event, s) < 0)
                return false;
        /* Created between the connect and the watch: look again now. */
        if (access(s->spec, F_OK) == 0) {
                (void) timer_arm(&s->timer, now_usec());
                return true;
        }
        (void) timer_disarm(&s->timer);
        return true;
}

static void ready_socket_schedule(struct ready_socket *s)
{
        if (ready_socket_wait_for_path(s))
                return;
        if (s->kick_retries > 0) {
                /* Right after a listen() event: the call may not have run yet (the daemon
                 * waits for a CPU), so quick attempts, doubling from 30 us to ~2 ms. */
                s->kick_retries--;
                (void) timer_arm(
                        &s->timer, now_usec() + (KICK_RETRY_USEC << (KICK_RETRIES - s->kick_retries)));
                return;
        }
        /* With the unit's listen()s heard, a unix path or a loopback address of our own
         * network (where the lookups run) is polled only for a listener outside the unit. */
        s->interval_usec = ready_next_interval(
                s->check.owner, s->interval_usec, s->since_usec,
                ready_hears_listens(s->check.owner) && (s->is_unix || s->lookup.fd >= 0));
        (void) timer_arm(&s->timer, now_usec() + s->interval_usec);
}

static void ready_socket_succeeded(struct ready_socket *s)
{
        if (!s->is_unix) {
                char what[160];

                ready_lookup_describe(&s->lookup, what, sizeof(what));
                log_unit(
                        s->check.owner->log, UR_LOG_INFO, s->check.owner->name, "TCP %s: %s", s->spec, what);
        }
        ready_socket_close_all(s);
        watch_remove(s->check.owner->loop, &s->dir_watch);
        (void) timer_disarm(&s->timer);
        ready_check_met(&s->check);
}

static void ready_socket_on_connect(struct watch *w, uint32_t events)
{
        struct ready_socket *s = w->data;
        int error = 0;
        socklen_t len = sizeof(error);

        if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
                error = errno;
        if (error == 0 && !(events & (EPOLLERR | EPOLLHUP))) {
                ready_socket_succeeded(s);
                return;
        }
        s->last_error = error ? error : ECONNREFUSED;
        watch_remove(s->check.owner->loop, w);
        if (--s->n_in_flight == 0)
                ready_socket_schedule(s);
}

static void ready_socket_attempt(struct ready_socket *s)
{
        uint64_t attempt_end;

        ready_socket_close_all(s);
        if (ready_socket_resolve(s) < 0) {
                s->last_error = EHOSTUNREACH;
                ready_socket_schedule(s);
                return;
        }
        if (!s->is_unix)
                ready_lookup_round(&s->lookup, s->check.owner, s->addrs, s->n_addrs);
        for (size_t i = 0; i < s->n_addrs; i++) {
                int fd;

                if (!s->is_unix && !ready_lookup_wants_connect(&s->lookup, &s->addrs[i])) {
                        s->last_error = ECONNREFUSED; /* what the connect would have said */
                        continue;
                }
                fd = ready_socket_open(s->check.owner, s->addrs[i].ss_family, SOCK_STREAM | SOCK_NONBLOCK);

                if (fd < 0) {
                        s->last_error = errno;
                        continue;
                }
                if (connect(fd, (struct sockaddr *) &s->addrs[i], s->addr_lens[i]) == 0) {
                        close(fd);
                        ready_socket_succeeded(s);
                        return;
                }
                if (errno != EINPROGRESS && errno != EAGAIN) {
                        s->last_error = errno;
                        close(fd);
                        continue;
                }
                /* On loopback the answer (accept or reset) is usually in by now: taken at
                 * once, without a round through the loop (half a probe's cost while
                 * waiting). */
                {
                        struct pollfd p = { .fd = fd, .events = POLLOUT };
                        int error = 0;
                        socklen_t len = sizeof(error);

                        if (poll(&p, 1, 0) == 1) {
                                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
                                        error = errno;
                                close(fd);
                                if (error == 0 && !(p.revents & (POLLERR | POLLHUP))) {
                                        ready_socket_succeeded(s);
                                        return;
                                }
                                s->last_error = error ? error : ECONNREFUSED;
                                continue;
                        }
                }
                if (loop_add(s->check.owner->loop, &s->conns[i], fd, EPOLLOUT, ready_socket_on_connect, s) >=
                    0)
                        s->n_in_flight++;
        }
        if (s->n_in_flight == 0) {
                ready_socket_schedule(s);
                return;
        }
        attempt_end = now_usec() + CONNECT_ATTEMPT_USEC;
        if (attempt_end > ready_deadline(s->check.owner))
                attempt_end = ready_deadline(s->check.owner);
        (void) timer_arm(&s->timer, attempt_end);
}

static void ready_socket_on_timer(struct watch *w, uint32_t events)
{
        ready_socket_attempt(w->data);
}

static unsigned ready_socket_listen_needs(const struct ready_check *c)
{
        return ((const struct ready_socket *) c)->is_unix ? READY_LISTEN_UNIX : READY_LISTEN_TCP;
}

static void ready_socket_kick(struct ready_check *c)
{
        struct ready_socket *s = (struct ready_socket *) c;

        /* A fixed Interval= is a promise to poll at that period, nothing sooner. */
        if (c->met || !watch_active(&s->timer) || s->n_in_flight > 0 || s->owner_interval_set)
                return;
        s->interval_usec = 0;
        s->kick_retries = KICK_RETRIES;
        (void) timer_arm(&s->timer, now_usec() + KICK_RETRY_USEC);
}

static int ready_socket_begin(struct ready_check *c)
{
        struct ready_socket *s = (struct ready_socket *) c;
        int r;

        /* A fixed Interval= is a promise to poll: no inotify then. */
        s->owner_interval_set = ready_interval_fixed(c->owner);
        s->interval_usec = 0;
        s->since_usec = now_usec();
        s->kick_retries = 0;
        s->last_error = 0;
        ready_lookup_begin(&s->lookup);
        r = timer_add(c->owner->loop, &s->timer, ready_socket_on_timer, s);
        if (r < 0)
                return r;
        ready_socket_attempt(s);
        return 0;
}

static void ready_socket_end(struct ready_check *c)
{
        struct ready_socket *s = (struct ready_socket *) c;

        ready_socket_close_all(s);
        watch_remove(c->owner->loop, &s->dir_watch);
        watch_remove(c->owner->loop, &s->timer);
}

/* One blocking-bounded connect per address: does anything answer there right now? */
static bool ready_socket_answers(struct ready_socket *s)
{
        if (ready_socket_resolve(s) < 0)
                return false;
        for (size_t i = 0; i < s->n_addrs; i++) {
                _cleanup_close_ int fd = ready_socket_open(
                        s->check.owner, s->addrs[i].ss_family, SOCK_STREAM | SOCK_NONBLOCK);
                struct pollfd p = { .fd = fd, .events = POLLOUT };
                int error = 0;
                socklen_t len = sizeof(error);

                if (fd < 0)
                        continue;
                if (connect(fd, (struct sockaddr *) &s->addrs[i], s->addr_lens[i]) == 0)
                        return true;
                if (errno != EINPROGRESS || poll(&p, 1, PROBE_TIMEOUT_MSEC) != 1)
                        continue;
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0)
                        return true;
        }
        return false;
}

static int ready_socket_probe(struct ready_check *c, char *buf, size_t size)
{
        struct ready_socket *s = (struct ready_socket *) c;
        char owner[256];
        int r;

        if (!ready_socket_answers(s))
                return 0;
        if (s->is_unix)
                r = socket_owner_unix(s->spec, owner, sizeof(owner));
        else {
                struct servent *se = NULL;
                char *end;
                long port = strtol(s->port, &end, 10);

                if (*end)
                        se = getservbyname(s->port, "tcp");
                r = se ? socket_owner_tcp(ntohs((uint16_t) se->s_port), owner, sizeof(owner))
                       : socket_owner_tcp((uint16_t) port, owner, sizeof(owner));
        }
        if (r >= 0)
                snprintf(
                        buf, size, "%s %s is already in use by %s", s->is_unix ? "unix socket" : "TCP",
                        s->spec, owner);
        else
                snprintf(
                        buf, size, "%s %s is already in use: something else accepts connections there",
                        s->is_unix ? "unix socket" : "TCP", s->spec);
        return 1;
}

static void ready_socket_describe(const struct ready_check *c, char *buf, size_t size)
{
        const struct ready_socket *s = (const struct ready_socket *) c;

        bool show_last = s->last_error && !c->met;

        snprintf(
                buf, size, "%s %s%s%s%s", s->is_unix ? "unix socket" : "TCP", s->spec,
                show_last ? " (last: " : "", show_last ? strerror(s->last_error) : "", show_last ? ")" : "");
}

static void ready_socket_free(struct ready_check *c)
{
        struct ready_socket *s = (struct ready_socket *) c;

        safe_close(s->inotify_fd);
        ready_lookup_done(&s->lookup);
        free(s->spec);
        free(s->host);
        free(s->port);
        free(s);
}

static const struct ready_ops ready_socket_ops = {
        .kind = "socket",
        .probe = ready_socket_probe,
        .begin = ready_socket_begin,
        .kick = ready_socket_kick,
        .listen_needs = ready_socket_listen_needs,
        .end = ready_socket_end,
        .describe = ready_socket_describe,
        .free = ready_socket_free,
};

static struct ready_socket *ready_socket_alloc(struct ready_owner *owner, const char *spec)
{
        struct ready_socket *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        s->spec = strdup(spec);
        if (!s->spec) {
                free(s);
                return NULL;
        }
        s->timer.fd = -1;
        s->dir_watch.fd = -1;
        s->inotify_fd = -1;
        ready_lookup_init(&s->lookup);
        for (size_t i = 0; i < MAX_ADDRESSES; i++)
                s->conns[i].fd = -1;
        s->check = (struct ready_check){ .ops = &ready_socket_ops, .owner = owner };
        return s;
}

int ready_tcp_new(
        struct ready_owner *owner, const char *host_port, struct ready_check **ret, char **ret_error)
{
        struct ready_socket *s = ready_socket_alloc(owner, host_port);
        int r;

        if (!s)
                return -ENOMEM;
        r = split_host_port(host_port, &s->host, &s->port);
        if (r < 0) {
                if (r == -EINVAL &&
                    asprintf(
                            ret_error, "invalid TCP address '%s': expected HOST:PORT or [IPv6]:PORT",
                            host_port) < 0)
                        *ret_error = NULL;
                ready_socket_free(&s->check);
                return r;
        }
        *ret = &s->check;
        return 0;
}

int ready_unix_new(struct ready_owner *owner, const char *path, struct ready_check **ret, char **ret_error)
{
        struct sockaddr_un *sa;
        struct ready_socket *s;

        if (!*path || strlen(path) >= sizeof(sa->sun_path)) {
                if (asprintf(
                            ret_error, "invalid unix socket path '%s': empty or longer than %zu bytes", path,
                            sizeof(sa->sun_path) - 1) < 0)
                        *ret_error = NULL;
                return -EINVAL;
        }
        s = ready_socket_alloc(owner, path);
        if (!s)
                return -ENOMEM;
        s->is_unix = true;
        sa = (struct sockaddr_un *) &s->addrs[0];
        sa->sun_family = AF_UNIX;
        strcpy(sa->sun_path, path);
        s->addr_lens[0] = sizeof(*sa);
        s->n_addrs = 1;
        *ret = &s->check;
        return 0;
}

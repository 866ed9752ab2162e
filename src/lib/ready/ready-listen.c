/* Listen= readiness: ready once a process of the unit listens on a TCP or unix stream
 * socket or has bound a UDP socket (Listen=yes), or does so on one address (PORT,
 * HOST:PORT, [v6]:PORT, /path, @abstract).
 *
 * "Of the unit" is decided by socket inode: the owner lists the unit's PIDs, their
 * /proc/PID/fd links give the socket inodes they hold, and sock_diag netlink (sock-diag.c:
 * listening sockets only, filtered in the kernel) says which of those inodes listen, and
 * where. A unit in another network namespace, or a kernel without the diag tables, is
 * read through /proc/PID/net/{tcp,tcp6,udp,udp6,unix} of a PID of the unit instead (which
 * prints every connection of the namespace: milliseconds on a busy machine). A socket someone else
 * listens on never counts, even on the same port.
 *
 * A look asks the kernel first (ready_listen_gate()) and reads the unit's fds (50-100 us,
 * more for a process with many files) only when it shows something the last reading did
 * not see: has a thread of the unit run since (one pread() of its schedstat per thread:
 * a socket changes only by a syscall of the unit)? Then, for HOST:PORT, which socket a
 * connection or a datagram to each address would reach (sock_diag_lookup(), a few
 * microseconds for all); for /path, whether the path is a socket (stat()) and a listening
 * one of that name (a unix_diag dump). Every eighth look is a whole one anyway (what the
 * gates cannot see: a socket bound to a device, one of a SO_REUSEPORT group, a socket
 * handed in from outside, a process of the unit in a network namespace of its own).
 *
 * The check runs on a timer that starts at 100 us and grows; an owner that learns of
 * listen(2)/bind(2) calls as they happen (ready_listen_kick(), fed by the seccomp
 * notifier) runs it at once instead, and the timer then only backs that up. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grow.h"
#include "log.h"
#include "loop.h"
#include "macro.h"
#include "ready-lookup.h"
#include "ready.h"
#include "sock-diag.h"

#define LISTEN_INTERVAL_FIRST_USEC 100
#define LISTEN_INTERVAL_CAP_USEC (5 * USEC_PER_MSEC)
#define LISTEN_INTERVAL_LONG_CAP_USEC (50 * USEC_PER_MSEC)
/* With events, the timer is only a safety net (an event lost to a filter the daemon
 * installed in front of ours, a socket passed in from outside, io_uring's listen), and a
 * look costs 50-100 us: at most five a second, so that waiting costs next to nothing. */
#define LISTEN_INTERVAL_EVENT_FIRST_USEC (2 * USEC_PER_MSEC)
#define LISTEN_INTERVAL_EVENT_CAP_USEC (200 * USEC_PER_MSEC)
/* After an event: the call runs on the other core within microseconds. */
#define KICK_RETRY_USEC 20
#define KICK_RETRIES 7
#define MAX_HOST_ADDRS 16
/* HOST:PORT: TCP and UDP at each address, and at [::] for the IPv4 ones. */
#define MAX_QUERIES (2 * MAX_HOST_ADDRS + 2)
#define TCP_STATE_LISTEN 0x0A
#define TCP_STATE_CLOSE 0x07
#define UNIX_FLAG_ACCEPTCON 0x10000

/* /proc/PID/fd of each process of the unit, open from one look to the next: a look then
 * costs a rewind and a getdents() per process, plus a readlink() per fd, where opening and
 * closing the directory cost as much again. A directory outlives its process (reads fail),
 * never follows its PID to another process: a failed read opens the PID's anew. */

struct fd_dir {
        pid_t pid;
        DIR *dir;
        unsigned pass; /* the last collection that listed this PID */
};

struct fd_dirs {
        struct fd_dir *items;
        size_t n, cap;
        unsigned pass;
};

/* A set of socket inodes, small (the sockets of a port or a path). */
struct inode_set {
        unsigned long *items;
        size_t n, cap;
};

/* The threads of the unit, and the CPU time each had used when its fds were last read. */
struct unit_thread {
        pid_t tid;
        int fd; /* /proc/PID/task/TID/schedstat, kept open */
        uint64_t runtime_ns;
};

struct unit_threads {
        struct unit_thread *items;
        size_t n, cap;
        bool valid; /* the last reading recorded every thread of the unit */
};

/* What a look asks the kernel before it reads the unit's fds (ready_listen_gate()). */
enum listen_gate {
        GATE_LOOKUPS, /* HOST:PORT: exact sock_diag lookups of the addresses */
        GATE_PATH,    /* /path: stat() of the path, then the unix listeners of that name */
        GATE_RAN,     /* PORT, yes, @name: has a thread of the unit run since the reading? */
};

enum listen_match {
        LISTEN_ANY,
        LISTEN_PORT,      /* any host, this port */
        LISTEN_HOST_PORT, /* one of addrs, or a wildcard of the same family */
        LISTEN_PATH,      /* a unix path, or "@name" for an abstract one */
};

struct ready_listen {
        struct ready_check check;
        char *spec;
        enum listen_match match;
        uint16_t port;
        struct sockaddr_storage addrs[MAX_HOST_ADDRS];
        size_t n_addrs;
        struct watch timer;
        uint64_t interval_usec;
        uint64_t since_usec; /* when the check began: long waits look less often */
        unsigned retries;    /* quick looks left after an event */
        bool kicked;         /* looking because of a listen()/bind() event */
        bool diag_failed;    /* sock_diag refused: /proc/PID/net instead */
        char found[256];     /* what matched, for the "condition holds" message */
        int diag_fd;         /* NETLINK_SOCK_DIAG, kept from the first look to end(); -1 */
        bool decided;        /* the first look since begin() set up diag_fd and gate_off */
        /* The kernel asked in front of the look (ready_listen_gate()), or why not. */
        enum listen_gate gate;
        struct sock_diag_query *queries; /* HOST:PORT */
        size_t n_queries;
        const char *gate_off;
        bool gate_saw; /* the last look's gate asked for the reading (the log says who found) */
        struct unit_threads threads; /* in front of every gate */
        bool threads_off;            /* no /proc/PID/task/TID/schedstat here */
        bool no_safety_net;          /* UNITRUN_LISTEN_NO_SAFETY_NET=1: the gates alone (tests) */
        /* The sockets the kernel showed at the last reading of the unit's fds (none of them
         * made the condition hold, so none was the unit's then): only another one makes
         * the next look read them. */
        struct inode_set known;
        unsigned looks, readings;
        struct ready_safety_net net; /* a whole look every few, whatever the kernel says */
        struct fd_dirs fd_dirs;
};

/* The socket inodes the unit holds, and one PID per network namespace to read
 * /proc/PID/net through. */
struct unit_sockets {
        unsigned long *inodes;
        size_t n_inodes, cap_inodes;
        pid_t netns_pids[8];
        unsigned long netns_ids[8];
        size_t n_netns;
};

static int unit_sockets_add(struct unit_sockets *u, unsigned long inode)
{
        if (ARRAY_GROW(u->inodes, u->n_inodes + 1, u->cap_inodes, 64) < 0)
                return -ENOMEM;
        u->inodes[u->n_inodes++] = inode;
        return 0;
}

static bool unit_sockets_has(const struct unit_sockets *u, unsigned long inode)
{
        for (size_t i = 0; i < u->n_inodes; i++)
                if (u->inodes[i] == inode)
                        return true;
        return false;
}

static unsigned long link_inode(int dirfd, const char *name, const char *prefix)
{
        char target[64];
        ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
        size_t plen = strlen(prefix);

        if (n <= (ssize_t) plen || strncmp(target, prefix, plen) != 0)
                return 0;
        target[n] = '\0';
        return strtoul(target + plen, NULL, 10);
}

static DIR *fd_dir_open(pid_t pid)
{
        char path[64];
        int fd;
        DIR *d;

        snprintf(path, sizeof(path), "/proc/%d/fd", (int) pid);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        d = fdopendir(fd);
        if (!d)
                close(fd);
        return d;
}

/* The directory for pid, rewound; NULL if the process is gone. */
static DIR *fd_dirs_get(struct fd_dirs *c, pid_t pid, bool reopen)
{
        struct fd_dir *e = NULL;

        for (size_t i = 0; i < c->n && !e; i++)
                if (c->items[i].pid == pid)
                        e = &c->items[i];
        if (!e) {
                if (ARRAY_GROW(c->items, c->n + 1, c->cap, 8) < 0)
                        return NULL;
                e = &c->items[c->n++];
                *e = (struct fd_dir){ .pid = pid };
        }
        e->pass = c->pass;
        if (e->dir && reopen) {
                closedir(e->dir);
                e->dir = NULL;
        }
        if (!e->dir)
                e->dir = fd_dir_open(pid);
        else
                rewinddir(e->dir);
        return e->dir;
}

/* After a collection: the processes that have left the unit are forgotten. */
static void fd_dirs_prune(struct fd_dirs *c)
{
        size_t kept = 0;

        for (size_t i = 0; i < c->n; i++) {
                if (c->items[i].pass == c->pass) {
                        c->items[kept++] = c->items[i];
                        continue;
                }
                if (c->items[i].dir)
                        closedir(c->items[i].dir);
        }
        c->n = kept;
}

static void fd_dirs_clear(struct fd_dirs *c)
{
        for (size_t i = 0; i < c->n; i++)
                if (c->items[i].dir)
                        closedir(c->items[i].dir);
        free(c->items);
        *c = (struct fd_dirs){ 0 };
}

/* GATE_RAN. A socket is made, bound or put to listen by a syscall of the unit only, so
 * while no thread of the unit has run since its fds were read (the first field of
 * /proc/PID/task/TID/schedstat: nanoseconds on a CPU, one pread() of a kept fd per thread),
 * no look needs another reading. A thread or process that appears was made by one that
 * ran; one that ends fails its read. The kernel adds a running thread's time at its next
 * tick or switch: a time not added yet at one look is a change at a later one. */
#define UNIT_THREADS_MAX 128

static int thread_runtime(int fd, uint64_t *ret)
{
        char buf[96], *end;
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

        if (n <= 0)
                return n < 0 ? negative_errno() : -ESRCH;
        buf[n] = '\0';
        errno = 0;
        *ret = strtoull(buf, &end, 10);
        return end == buf || errno ? -EIO : 0;
}

static bool unit_threads_ran(const struct unit_threads *t)
{
        if (!t->valid || t->n == 0)
                return true;
        for (size_t i = 0; i < t->n; i++) {
                uint64_t ns;

                if (thread_runtime(t->items[i].fd, &ns) < 0 || ns != t->items[i].runtime_ns)
                        return true;
        }
        return false;
}

/* At a reading, before the PIDs are listed (so that a process forked after the listing was
 * forked by a thread whose time is taken here, before): the known threads' times now,
 * the ones gone forgotten. */
static void unit_threads_refresh(struct unit_threads *t)
{
        size_t kept = 0;

        for (size_t i = 0; i < t->n; i++) {
                if (thread_runtime(t->items[i].fd, &t->items[i].runtime_ns) < 0) {
                        safe_close(t->items[i].fd);
                        continue;
                }
                t->items[kept++] = t->items[i];
        }
        t->n = kept;
}

/* The threads of pid the reading did not know yet. */
static int unit_threads_add_pid(struct unit_threads *t, pid_t pid)
{
        _cleanup_closedir_ DIR *d = NULL;
        char path[96];
        struct dirent *de;

        snprintf(path, sizeof(path), "/proc/%d/task", (int) pid);
        d = opendir(path);
        if (!d)
                return 0; /* gone */
        while ((de = readdir(d))) {
                pid_t tid = (pid_t) atoi(de->d_name);
                bool known = false;
                uint64_t ns;
                int fd;

                for (size_t i = 0; i < t->n && !known; i++)
                        known = t->items[i].tid == tid;
                if (tid <= 0 || known)
                        continue;
                if (t->n >= UNIT_THREADS_MAX)
                        return -E2BIG; /* a look every time rather than a fd per thread */
                snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int) pid, (int) tid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue; /* gone */
                if (thread_runtime(fd, &ns) < 0 || ARRAY_GROW(t->items, t->n + 1, t->cap, 8) < 0) {
                        safe_close(fd);
                        continue;
                }
                t->items[t->n++] = (struct unit_thread){ .tid = tid, .fd = fd, .runtime_ns = ns };
        }
        return 0;
}

static void unit_threads_clear(struct unit_threads *t)
{
        for (size_t i = 0; i < t->n; i++)
                safe_close(t->items[i].fd);
        free(t->items);
        *t = (struct unit_threads){ 0 };
}

static void unit_sockets_add_netns(struct unit_sockets *u, pid_t pid)
{
        char path[64], ns[64];
        ssize_t n;
        unsigned long id = 0;

        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) pid);
        n = readlink(path, ns, sizeof(ns) - 1);
        if (n > 0) {
                ns[n] = '\0';
                id = strtoul(strchr(ns, '[') ? strchr(ns, '[') + 1 : ns, NULL, 10);
        }
        for (size_t i = 0; i < u->n_netns; i++)
                if (u->netns_ids[i] == id)
                        return;
        if (u->n_netns < ELEMENTSOF(u->netns_pids)) {
                u->netns_ids[u->n_netns] = id;
                u->netns_pids[u->n_netns++] = pid;
        }
}

static int unit_sockets_collect_pid(struct unit_sockets *u, struct fd_dirs *dirs, pid_t pid)
{
        bool any = false;

        for (int attempt = 0; attempt < 2; attempt++) {
                DIR *d = fd_dirs_get(dirs, pid, attempt > 0);
                struct dirent *de;

                if (!d)
                        return 0; /* gone: it holds nothing */
                for (;;) {
                        unsigned long inode;

                        errno = 0;
                        de = readdir(d);
                        if (!de)
                                break;
                        if (de->d_name[0] == '.')
                                continue;
                        inode = link_inode(dirfd(d), de->d_name, "socket:[");
                        if (inode) {
                                int r = unit_sockets_add(u, inode);
                                if (r < 0)
                                        return r;
                                any = true;
                        }
                }
                /* A read error: the directory's process is gone, and the PID may be another
                 * process of the unit now. */
                if (errno == 0)
                        break;
        }
        if (any)
                unit_sockets_add_netns(u, pid);
        return 0;
}

/* The socket inodes of every process of the unit; false if the owner cannot list them. */
static bool ready_listen_collect(struct ready_listen *l, struct unit_sockets *u, bool *ret_any_pid)
{
        struct ready_owner *o = l->check.owner;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        bool threads = !l->threads_off && !l->gate_off;

        *ret_any_pid = false;
        if (threads)
                unit_threads_refresh(&l->threads);
        l->threads.valid = false;
        if (!o->list_pids || o->list_pids(o, &pids, &n) < 0)
                return false;
        *ret_any_pid = n > 0;
        if (threads) {
                bool all = true;

                for (size_t i = 0; i < n; i++)
                        all = unit_threads_add_pid(&l->threads, pids[i]) >= 0 && all;
                l->threads.valid = all;
        }
        l->fd_dirs.pass++;
        for (size_t i = 0; i < n; i++)
                if (unit_sockets_collect_pid(u, &l->fd_dirs, pids[i]) < 0) {
                        fd_dirs_prune(&l->fd_dirs);
                        return false;
                }
        fd_dirs_prune(&l->fd_dirs);
        return true;
}

static char *read_whole(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        size_t size = 16384, used = 0;
        char *buf;

        if (fd < 0)
                return NULL;
        buf = malloc(size);
        for (;;) {
                ssize_t n;

                if (!buf)
                        return NULL;
                if (size - used < 4096) {
                        char *grown = realloc(buf, size * 2);
                        if (!grown) {
                                free(buf);
                                return NULL;
                        }
                        buf = grown;
                        size *= 2;
                }
                n = read(fd, buf + used, size - used - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                used += (size_t) n;
        }
        buf[used] = '\0';
        return buf;
}

/* The kernel prints each 32-bit word of the address as the native integer holding
 * network-order bytes: parsing the hex back into a native integer restores the bytes. */
static int parse_hex_addr(const char *hex, size_t len, struct sockaddr_storage *ss, uint16_t port)
{
        char word[9] = { 0 };
        uint32_t words[4];
        size_t n = len / 8;

        if ((len != 8 && len != 32))
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                memcpy(word, hex + 8 * i, 8);
                words[i] = (uint32_t) strtoul(word, NULL, 16);
        }
        memset(ss, 0, sizeof(*ss));
        if (n == 1) {
                struct sockaddr_in *sin = (struct sockaddr_in *) ss;
                sin->sin_family = AF_INET;
                sin->sin_port = htons(port);
                memcpy(&sin->sin_addr, words, 4);
        } else {
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;
                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons(port);
                memcpy(&sin6->sin6_addr, words, 16);
        }
        return 0;
}

static bool addr_is_wildcard(const struct sockaddr_storage *ss)
{
        if (ss->ss_family == AF_INET)
                return ((const struct sockaddr_in *) ss)->sin_addr.s_addr == htonl(INADDR_ANY);
        return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *) ss)->sin6_addr);
}

static bool addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
        if (a->ss_family != b->ss_family)
                return false;
        if (a->ss_family == AF_INET)
                return ((const struct sockaddr_in *) a)->sin_addr.s_addr ==
                       ((const struct sockaddr_in *) b)->sin_addr.s_addr;
        return IN6_ARE_ADDR_EQUAL(
                &((const struct sockaddr_in6 *) a)->sin6_addr,
                &((const struct sockaddr_in6 *) b)->sin6_addr);
}

static void format_addr(const struct sockaddr_storage *ss, uint16_t port, char *buf, size_t size)
{
        char host[INET6_ADDRSTRLEN] = "?";

        if (ss->ss_family == AF_INET) {
                inet_ntop(AF_INET, &((const struct sockaddr_in *) ss)->sin_addr, host, sizeof(host));
                snprintf(buf, size, "%s:%u", host, port);
        } else {
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) ss)->sin6_addr, host, sizeof(host));
                snprintf(buf, size, "[%s]:%u", host, port);
        }
}

static bool
ready_listen_inet_matches(const struct ready_listen *l, const struct sockaddr_storage *ss, uint16_t port)
{
        if (l->match == LISTEN_ANY)
                return true;
        if (l->match != LISTEN_PORT && l->match != LISTEN_HOST_PORT)
                return false;
        if (port != l->port)
                return false;
        if (l->match == LISTEN_PORT)
                return true;
        for (size_t i = 0; i < l->n_addrs; i++) {
                /* A wildcard socket of either family serves the host: [::] takes IPv4 too
                 * unless IPV6_V6ONLY, which /proc does not show; count it. */
                if (addr_is_wildcard(ss) &&
                    (ss->ss_family == l->addrs[i].ss_family || ss->ss_family == AF_INET6))
                        return true;
                if (addr_equal(ss, &l->addrs[i]))
                        return true;
        }
        return false;
}

/* /proc/PID/net/{tcp,udp}[6]: "sl: LOCALHEX:PORTHEX REMOTE st tx:rx tr:when retr uid timeout
 * inode". TCP counts in LISTEN; UDP unconnected (CLOSE) with a port, i.e. bound. */
static bool ready_listen_scan_inet(
        struct ready_listen *l, const struct unit_sockets *u, const char *text, bool udp, const char *proto)
{
        const char *line = strchr(text, '\n');

        while (line && *++line) {
                char local[40];
                unsigned port, state;
                unsigned long inode;
                struct sockaddr_storage ss;

                if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*u %*u %lu", local, &port,
                           &state, &inode) == 4 &&
                    (udp ? state == TCP_STATE_CLOSE && port != 0 : state == TCP_STATE_LISTEN) &&
                    unit_sockets_has(u, inode) &&
                    parse_hex_addr(local, strlen(local), &ss, (uint16_t) port) >= 0 &&
                    ready_listen_inet_matches(l, &ss, (uint16_t) port)) {
                        char addr[128];

                        format_addr(&ss, (uint16_t) port, addr, sizeof(addr));
                        snprintf(l->found, sizeof(l->found), "%s %s", proto, addr);
                        return true;
                }
                line = strchr(line, '\n');
        }
        return false;
}

/* /proc/PID/net/unix: "Num: RefCount Protocol Flags Type St Inode [Path]"; abstract
 * names are shown with a leading '@'. */
static bool ready_listen_scan_unix(struct ready_listen *l, const struct unit_sockets *u, const char *text)
{
        const char *line = strchr(text, '\n');

        while (line && *++line) {
                unsigned flags, type, state;
                unsigned long inode;
                int off = 0;

                if (sscanf(line, "%*[0-9a-fA-F]: %*x %*x %x %x %x %lu%n", &flags, &type, &state, &inode,
                           &off) == 4 &&
                    (flags & UNIX_FLAG_ACCEPTCON) && unit_sockets_has(u, inode)) {
                        const char *path = line + off, *end;

                        while (*path == ' ')
                                path++;
                        end = strchrnul(path, '\n');
                        if (l->match == LISTEN_ANY ||
                            (l->match == LISTEN_PATH && (size_t) (end - path) == strlen(l->spec) &&
                             strncmp(path, l->spec, (size_t) (end - path)) == 0)) {
                                snprintf(
                                        l->found, sizeof(l->found), "unix %.*s", (int) (end - path),
                                        end > path ? path : "(unnamed)");
                                return true;
                        }
                }
                line = strchr(line, '\n');
        }
        return false;
}

struct diag_match {
        struct ready_listen *l;
        const struct unit_sockets *u;
        const char *proto;
        bool udp;
};

static int diag_match_socket(
        unsigned long inode, const struct sockaddr_storage *ss, uint16_t port, const char *path,
        void *userdata)
{
        struct diag_match *d = userdata;
        struct ready_listen *l = d->l;

        if (!unit_sockets_has(d->u, inode))
                return 0;
        if (ss) {
                char addr[128];

                if ((d->udp && port == 0) || !ready_listen_inet_matches(l, ss, port))
                        return 0;
                format_addr(ss, port, addr, sizeof(addr));
                snprintf(l->found, sizeof(l->found), "%s %s", d->proto, addr);
                return 1;
        }
        if (l->match == LISTEN_PATH && strcmp(path, l->spec) != 0)
                return 0;
        snprintf(l->found, sizeof(l->found), "unix %s", path[0] ? path : "(unnamed)");
        return 1;
}

static unsigned long own_netns_id(void)
{
        static unsigned long id;
        char ns[64];
        ssize_t n;

        if (id)
                return id;
        n = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
        if (n > 0) {
                ns[n] = '\0';
                id = strtoul(strchr(ns, '[') ? strchr(ns, '[') + 1 : ns, NULL, 10);
        }
        return id;
}

/* Through sock_diag (our namespace only): 1 found, 0 not, -errno to fall back on /proc for
 * that table. */
static int ready_listen_diag(struct ready_listen *l, const struct unit_sockets *u, int family, int protocol)
{
        struct diag_match d = { .l = l, .u = u };
        uint32_t states = 1U << TCP_STATE_LISTEN;

        if (protocol == IPPROTO_UDP) {
                d.udp = true;
                d.proto = "UDP";
                states = 1U << TCP_STATE_CLOSE;
        } else if (family != AF_UNIX)
                d.proto = "TCP";
        if (l->diag_fd >= 0)
                return sock_diag_walk_fd(l->diag_fd, family, protocol, states, diag_match_socket, &d);
        return sock_diag_walk(family, protocol, states, diag_match_socket, &d);
}

static bool ready_listen_scan_netns(struct ready_listen *l, const struct unit_sockets *u, size_t ns)
{
        static const struct {
                int family, protocol;
        } diag[] = {
                { AF_INET, IPPROTO_TCP }, { AF_INET6, IPPROTO_TCP },
                { AF_INET, IPPROTO_UDP }, { AF_INET6, IPPROTO_UDP },
                { AF_UNIX, 0 },
        };
        bool use_diag = u->netns_ids[ns] == own_netns_id() && !l->diag_failed;
        pid_t pid = u->netns_pids[ns];
        static const struct {
                const char *file, *proto;
                bool udp;
        } inet[] = {
                { "tcp", "TCP", false },
                { "tcp6", "TCP", false },
                { "udp", "UDP", true },
                { "udp6", "UDP", true },
        };
        char path[64];

        if (use_diag) {
                for (size_t i = 0; i < ELEMENTSOF(diag); i++) {
                        int r;

                        if ((diag[i].family == AF_UNIX) != (l->match == LISTEN_PATH) &&
                            l->match != LISTEN_ANY)
                                continue;
                        r = ready_listen_diag(l, u, diag[i].family, diag[i].protocol);
                        if (r > 0)
                                return true;
                        if (r < 0) {
                                /* No diag for this table here (a module not loaded, a
                                 * seccomp'ed launcher): /proc from now on. */
                                l->diag_failed = true;
                                break;
                        }
                }
                if (!l->diag_failed)
                        return false;
        }
        if (l->match != LISTEN_PATH)
                for (size_t i = 0; i < ELEMENTSOF(inet); i++) {
                        _cleanup_free_ char *text = NULL;

                        /* UDP= counts for Listen=yes and for addresses: a DNS server's port
                         * is ready when it is bound. */
                        snprintf(path, sizeof(path), "/proc/%d/net/%s", (int) pid, inet[i].file);
                        text = read_whole(path);
                        if (text && ready_listen_scan_inet(l, u, text, inet[i].udp, inet[i].proto))
                                return true;
                }
        if (l->match == LISTEN_ANY || l->match == LISTEN_PATH) {
                _cleanup_free_ char *text = NULL;

                snprintf(path, sizeof(path), "/proc/%d/net/unix", (int) pid);
                text = read_whole(path);
                if (text && ready_listen_scan_unix(l, u, text))
                        return true;
        }
        return false;
}

/* A reading of the unit's fds into u (counted); false, with u freed, when it failed.
 * *ret_read: the unit had a process whose fds were read (before its execve() it has none
 * that counts). */
static bool ready_listen_read_unit(struct ready_listen *l, struct unit_sockets *u, bool *ret_read)
{
        bool any_pid = false;

        l->readings++;
        *ret_read = false;
        if (!ready_listen_collect(l, u, &any_pid)) {
                free(u->inodes);
                u->inodes = NULL;
                return false;
        }
        *ret_read = any_pid;
        return true;
}

/* The whole look: the unit's sockets, then the tables of each network namespace they are
 * in. *ret_read: as for ready_listen_read_unit(). */
static bool ready_listen_holds_whole(struct ready_listen *l, bool *ret_read)
{
        struct unit_sockets u = { 0 };
        bool found = false;

        if (!ready_listen_read_unit(l, &u, ret_read))
                return false;
        for (size_t i = 0; i < u.n_netns && !found; i++)
                found = ready_listen_scan_netns(l, &u, i);
        free(u.inodes);
        return found;
}

/* What the lookup found counts for the condition: a listening TCP socket, a bound
 * unconnected UDP one, on an address the condition names (or the wildcard). */
static bool ready_listen_query_counts(const struct ready_listen *l, const struct sock_diag_query *q)
{
        uint16_t port;

        if (!q->found)
                return false;
        if (q->protocol == IPPROTO_UDP ? q->state != TCP_STATE_CLOSE : q->state != TCP_STATE_LISTEN)
                return false;
        if (q->local.ss_family != AF_INET && q->local.ss_family != AF_INET6)
                return false;
        port =
                ntohs(q->local.ss_family == AF_INET ? ((const struct sockaddr_in *) &q->local)->sin_port
                                                    : ((const struct sockaddr_in6 *) &q->local)->sin6_port);
        return port != 0 && ready_listen_inet_matches(l, &q->local, port);
}

static bool inode_in(const unsigned long *set, size_t n, unsigned long inode)
{
        for (size_t i = 0; i < n; i++)
                if (set[i] == inode)
                        return true;
        return false;
}

static int inode_set_add(struct inode_set *set, unsigned long inode)
{
        if (inode_in(set->items, set->n, inode))
                return 0;
        if (ARRAY_GROW(set->items, set->n + 1, set->cap, 8) < 0)
                return -ENOMEM;
        set->items[set->n++] = inode;
        return 0;
}

struct gate_dump {
        const struct ready_listen *l;
        struct inode_set *seen;
};

static int gate_dump_socket(
        unsigned long inode, const struct sockaddr_storage *ss, uint16_t port, const char *path,
        void *userdata)
{
        struct gate_dump *g = userdata;

        if (strcmp(path, g->l->spec) != 0)
                return 0;
        return inode_set_add(g->seen, inode) < 0 ? -ENOMEM : 0;
}

/* The sockets the kernel shows that would make the condition hold, were they the unit's
 * (into seen): 0, or -errno when the kernel could not say.
 *   HOST:PORT: which socket a connection or a datagram to each address would reach (exact
 *     lookups, a few microseconds for all);
 *   /path: none while the path is not a socket in the file system (a stat(): bind() makes
 *     it, before listen()); then the listening unix sockets of that name (a unix_diag
 *     dump, which says what stat() cannot: whether it listens; 40-60 us, only from bind()
 *     on). */
static int ready_listen_candidates(struct ready_listen *l, struct inode_set *seen)
{
        struct gate_dump g = { .l = l, .seen = seen };

        if (l->match == LISTEN_HOST_PORT) {
                int r = sock_diag_lookup(l->diag_fd, l->queries, l->n_queries);

                if (r < 0)
                        return r;
                for (size_t i = 0; i < l->n_queries; i++)
                        if (ready_listen_query_counts(l, &l->queries[i])) {
                                r = inode_set_add(seen, l->queries[i].inode);
                                if (r < 0)
                                        return r;
                        }
                return 0;
        }
        if (l->match == LISTEN_PATH && l->spec[0] == '/') {
                char buf[PATH_MAX];
                struct stat st;

                if (stat(ready_real_path(l->check.owner, l->spec, buf, sizeof(buf)), &st) < 0 ||
                    !S_ISSOCK(st.st_mode))
                        return 0;
        }
        return sock_diag_walk_fd(l->diag_fd, AF_UNIX, 0, 1U << TCP_STATE_LISTEN, gate_dump_socket, &g);
}

/* Does the kernel show something the last reading of the unit's fds did not see? 1 yes
 * (read them), 0 no, -errno when it could not say. First, for every form: has a thread of
 * the unit run since (one pread() per thread)? If not, nothing of the unit changed. Then,
 * for the sockets the kernel shows (seen: GATE_LOOKUPS, GATE_PATH), "something" is one it
 * did not show at the last reading: someone else's socket on the address or path does not
 * make every look read the fds while it stays. They are found before the fds are read,
 * so one the unit made in between is not taken for someone else's. */
static int ready_listen_gate(struct ready_listen *l, struct inode_set *seen)
{
        int r;

        if (!unit_threads_ran(&l->threads)) {
                /* Nothing of the unit changed: what the kernel showed before stays known. */
                for (size_t i = 0; i < l->known.n; i++) {
                        r = inode_set_add(seen, l->known.items[i]);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        if (l->gate == GATE_RAN)
                return 1;
        r = ready_listen_candidates(l, seen);
        if (r < 0)
                return r;
        for (size_t i = 0; i < seen->n; i++)
                if (!inode_in(l->known.items, l->known.n, seen->items[i]))
                        return 1;
        return 0;
}

static int diag_stop(
        unsigned long inode, const struct sockaddr_storage *ss, uint16_t port, const char *path,
        void *userdata)
{
        return 1;
}

/* For the log: what a look asks the kernel first. */
static const char *ready_listen_gate_name(const struct ready_listen *l)
{
        switch (l->gate) {
        case GATE_LOOKUPS:
                return "sock_diag lookups first";
        case GATE_PATH:
                return "stat() of the path and a unix_diag dump first";
        default:
                return "the unit's CPU time first";
        }
}

/* At the first look since begin(): the kept netlink socket, and whether the look may ask
 * the kernel first. The sock_diag gates need the unit's sockets in our network namespace,
 * and a kernel with the diag tables (a lookup's "not found" is also what a kernel without
 * them says).
 *
 * Why PORT and yes do not ask sock_diag (measured, Linux 6.18 on this 2-core VM): the only
 * complete answer there is a dump (any address for PORT, any socket of the unit's cgroup
 * for yes, with INET_DIAG_BC_CGROUP_COND), and a dump walks the whole table in the kernel
 * whatever the filter (16384 buckets of TCP listeners here, as many UDP slots, 512 locked
 * unix slots): 15-20 us each hot, 40-60 us after a sleep, where reading a small unit's fds
 * costs ~50 us. The four or five a look needs cost more than the reading they spare
 * (bench-ready, 1 s waits: PORT 0.71 -> 0.77 %, yes 0.72 -> 0.94 %, the latter measured
 * without the cgroup program, which adds work per socket, not fewer buckets). The unit's
 * CPU time is one pread() per thread. @name likewise: a unix_diag dump costs about the
 * reading. */
static void ready_listen_decide(struct ready_listen *l)
{
        const char *v = getenv("UNITRUN_NO_SOCK_DIAG"), *nn = getenv("UNITRUN_LISTEN_NO_SAFETY_NET");

        l->decided = true;
        /* For tests: a socket the gates miss is then never found, where the safety net
         * would find it some looks later and hide the miss. */
        l->no_safety_net = nn && *nn && strcmp(nn, "0") != 0;
        l->gate_off = NULL;
        l->known.n = 0;
        unit_threads_clear(&l->threads);
        l->looks = l->readings = 0;
        ready_safety_net_reset(&l->net);
        if (l->diag_fd < 0) {
                int fd = sock_diag_open();
                l->diag_fd = fd < 0 ? -1 : fd;
        }
        l->threads_off = access("/proc/self/schedstat", R_OK) < 0;
        if (l->gate == GATE_RAN) {
                if (l->threads_off)
                        l->gate_off = "no /proc/PID/schedstat in this kernel (CONFIG_SCHED_INFO)";
                return;
        }
        if (v && *v && strcmp(v, "0") != 0)
                l->gate_off = "UNITRUN_NO_SOCK_DIAG=1";
        else if (l->diag_fd < 0)
                l->gate_off = "the kernel refused sock_diag";
        else if (!ready_lookup_same_netns(l->check.owner))
                l->gate_off = "the unit's network namespace";
        else
                for (size_t i = 0; i < l->n_queries && !l->gate_off; i++) {
                        bool asked = false;

                        for (size_t k = 0; k < i; k++)
                                asked = asked ||
                                        (l->queries[k].addr.ss_family == l->queries[i].addr.ss_family &&
                                         l->queries[k].protocol == l->queries[i].protocol);
                        if (!asked &&
                            sock_diag_walk_fd(
                                    l->diag_fd, l->queries[i].addr.ss_family, l->queries[i].protocol,
                                    1u << TCP_STATE_LISTEN, diag_stop, NULL) < 0)
                                l->gate_off = "the kernel refused sock_diag";
                }
}

/* The reading a sock_diag gate asked for: the unit's fds only, no tables (the kernel said
 * where the sockets it showed are, and how they count). */
static bool ready_listen_holds_seen(struct ready_listen *l, const struct inode_set *seen, bool *ret_read)
{
        struct unit_sockets u = { 0 };
        bool found = false;

        if (!ready_listen_read_unit(l, &u, ret_read))
                return false;
        for (size_t i = 0; i < l->n_queries && !found; i++) {
                const struct sock_diag_query *q = &l->queries[i];
                char addr[128];

                if (!ready_listen_query_counts(l, q) || !unit_sockets_has(&u, q->inode))
                        continue;
                format_addr(
                        &q->local,
                        ntohs(q->local.ss_family == AF_INET
                                      ? ((const struct sockaddr_in *) &q->local)->sin_port
                                      : ((const struct sockaddr_in6 *) &q->local)->sin6_port),
                        addr, sizeof(addr));
                snprintf(
                        l->found, sizeof(l->found), "%s %s", q->protocol == IPPROTO_UDP ? "UDP" : "TCP",
                        addr);
                found = true;
        }
        for (size_t i = 0; l->gate == GATE_PATH && i < seen->n && !found; i++)
                if (unit_sockets_has(&u, seen->items[i])) {
                        snprintf(l->found, sizeof(l->found), "unix %s", l->spec);
                        found = true;
                }
        free(u.inodes);
        return found;
}

/* A look: the kernel first (ready_listen_gate()); the unit's fds and the tables (a whole
 * look) when it shows something new, and every few looks anyway (the safety net: what the
 * gate cannot see, e.g. a socket bound to a device, one of a SO_REUSEPORT group, a socket
 * handed in from outside, a process of the unit in a network namespace of its own). */
static bool ready_listen_holds(struct ready_listen *l)
{
        struct inode_set seen = { 0 };
        bool read, found, net = false;

        if (!l->decided)
                ready_listen_decide(l);
        l->looks++;
        l->gate_saw = false;
        if (!l->gate_off) {
                int r;

                /* Asked in the safety net's looks too, so that the log can say who found it. */
                net = !l->no_safety_net && ready_safety_net_due(&l->net);
                r = ready_listen_gate(l, &seen);

                if (r < 0)
                        l->gate_off = "the kernel refused sock_diag";
                l->gate_saw = r > 0;
                if (r == 0 && !net) {
                        /* The known sockets that are gone are forgotten: the set stays small. */
                        free(l->known.items);
                        l->known = seen;
                        return false;
                }
        }
        if (l->gate_saw && !net && l->gate != GATE_RAN)
                found = ready_listen_holds_seen(l, &seen, &read);
        else
                found = ready_listen_holds_whole(l, &read);
        /* Not read (no process of the unit yet): what the kernel showed is new again at the
         * next look. */
        if (found || !read || l->gate_off) {
                free(seen.items);
                return found;
        }
        free(l->known.items);
        l->known = seen;
        return false;
}

static void ready_listen_run(struct ready_listen *l)
{
        /* A look costs 50-100 us (every fd of the unit, a sock_diag dump): long waits look
         * less often (ready_stretched_cap()), as the connect probes do. */
        uint64_t cap =
                l->check.owner->listen_events
                        ? LISTEN_INTERVAL_EVENT_CAP_USEC
                        : ready_stretched_cap(
                                  LISTEN_INTERVAL_CAP_USEC, LISTEN_INTERVAL_LONG_CAP_USEC, l->since_usec, 8);

        if (l->check.met)
                return;
        if (ready_listen_holds(l)) {
                (void) timer_disarm(&l->timer);
                ready_check_met(&l->check);
                return;
        }
        if (l->check.owner->interval_usec)
                l->interval_usec = l->check.owner->interval_usec;
        else if (l->retries > 0) {
                /* Right after an event: the call may not have run yet (the daemon waits for
                 * a CPU), so quick looks, doubling from 20 us to 2.5 ms; then the schedule
                 * where it was. */
                l->retries--;
                (void) timer_arm(&l->timer, now_usec() + (KICK_RETRY_USEC << (KICK_RETRIES - l->retries)));
                return;
        } else if (!l->interval_usec)
                l->interval_usec = l->check.owner->listen_events && !l->kicked
                                           ? LISTEN_INTERVAL_EVENT_FIRST_USEC
                                           : LISTEN_INTERVAL_FIRST_USEC;
        else {
                l->interval_usec += l->interval_usec / 2;
                if (l->interval_usec > cap)
                        l->interval_usec = cap;
        }
        (void) timer_arm(&l->timer, now_usec() + l->interval_usec);
}

static void ready_listen_on_timer(struct watch *w, uint32_t events)
{
        ready_listen_run(w->data);
}

static void ready_listen_kick(struct ready_check *c)
{
        struct ready_listen *l = (struct ready_listen *) c;

        if (c->met || !watch_active(&l->timer))
                return;
        /* The call was reported before it ran, and runs as we look: a first look at once,
         * then the fast start of the polling again. */
        l->kicked = true;
        if (ready_listen_holds(l)) {
                (void) timer_disarm(&l->timer);
                ready_check_met(c);
                return;
        }
        /* Not the whole fast start again: a bind() before a listen() that comes much later
         * (or a listen() on another address) would make a long wait expensive. */
        l->retries = KICK_RETRIES;
        (void) timer_arm(&l->timer, now_usec() + KICK_RETRY_USEC);
}

static int ready_listen_begin(struct ready_check *c)
{
        struct ready_listen *l = (struct ready_listen *) c;
        int r;

        l->interval_usec = 0;
        l->retries = 0;
        l->since_usec = now_usec();
        l->kicked = false;
        l->found[0] = '\0';
        l->decided = false;
        r = timer_add(c->owner->loop, &l->timer, ready_listen_on_timer, l);
        if (r < 0)
                return r;
        /* The first look waits for the timer: the process was spawned a moment ago. */
        (void) timer_arm(&l->timer, now_usec() + LISTEN_INTERVAL_FIRST_USEC);
        return 0;
}

static void ready_listen_end(struct ready_check *c)
{
        struct ready_listen *l = (struct ready_listen *) c;

        watch_remove(c->owner->loop, &l->timer);
        l->diag_fd = safe_close(l->diag_fd);
        fd_dirs_clear(&l->fd_dirs);
        unit_threads_clear(&l->threads);
        l->known.items = mfree(l->known.items);
        l->known.n = l->known.cap = 0;
}

static void ready_listen_describe(const struct ready_check *c, char *buf, size_t size)
{
        const struct ready_listen *l = (const struct ready_listen *) c;
        const char *what = l->match == LISTEN_ANY ? "a listening socket" : l->spec;

        if (c->met && l->found[0] && l->gate_off)
                snprintf(
                        buf, size,
                        "Listen=%s (%s, seen by %s), %u looks, %u reading the unit's fds (%s: %s)", l->spec,
                        l->found, c->owner->listen_events ? c->owner->listen_events_by : "polling", l->looks,
                        l->readings, l->gate == GATE_LOOKUPS ? "sock_diag lookups off" : "no gate",
                        l->gate_off);
        else if (c->met && l->found[0])
                snprintf(
                        buf, size,
                        "Listen=%s (%s, seen by %s), %u looks, %u reading the unit's fds (%s), %s", l->spec,
                        l->found, c->owner->listen_events ? c->owner->listen_events_by : "polling", l->looks,
                        l->readings, ready_listen_gate_name(l),
                        l->gate_saw ? "the gate saw it" : "found by the safety net's whole look");
        else
                snprintf(buf, size, "Listen=%s (%s of the unit)", l->spec, what);
}

static unsigned ready_listen_needs(const struct ready_check *c)
{
        const struct ready_listen *l = (const struct ready_listen *) c;

        if (l->match == LISTEN_PATH)
                return READY_LISTEN_UNIX;
        if (l->match == LISTEN_ANY)
                return READY_LISTEN_TCP | READY_LISTEN_UDP | READY_LISTEN_UNIX;
        return READY_LISTEN_TCP | READY_LISTEN_UDP;
}

static void ready_listen_free(struct ready_check *c)
{
        struct ready_listen *l = (struct ready_listen *) c;

        safe_close(l->diag_fd);
        fd_dirs_clear(&l->fd_dirs);
        unit_threads_clear(&l->threads);
        free(l->known.items);
        free(l->queries);
        free(l->spec);
        free(l);
}

static const struct ready_ops ready_listen_ops = {
        .kind = "listen",
        .begin = ready_listen_begin,
        .kick = ready_listen_kick,
        .listen_needs = ready_listen_needs,
        .end = ready_listen_end,
        .describe = ready_listen_describe,
        .free = ready_listen_free,
};

static int parse_port(const char *s, uint16_t *ret)
{
        char *end;
        unsigned long v;

        if (!*s || strspn(s, "0123456789") != strlen(s))
                return -EINVAL;
        v = strtoul(s, &end, 10);
        if (v == 0 || v > 65535)
                return -EINVAL;
        *ret = (uint16_t) v;
        return 0;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
        if (ss->ss_family == AF_INET)
                ((struct sockaddr_in *) ss)->sin_port = htons(port);
        else
                ((struct sockaddr_in6 *) ss)->sin6_port = htons(port);
}

/* HOST:PORT: TCP and UDP at each address; for an IPv4 one also at [::] (the match counts an
 * IPv6 wildcard socket for any host, IPV6_V6ONLY or not, and only the [::] lookup finds a
 * V6ONLY one). */
static int ready_listen_make_queries(struct ready_listen *l)
{
        bool v4 = false;

        l->queries = calloc(MAX_QUERIES, sizeof(*l->queries));
        if (!l->queries)
                return -ENOMEM;
        for (size_t i = 0; i < l->n_addrs; i++) {
                for (int k = 0; k < 2; k++) {
                        struct sock_diag_query *q = &l->queries[l->n_queries++];

                        q->addr = l->addrs[i];
                        set_port(&q->addr, l->port);
                        q->protocol = k == 0 ? IPPROTO_TCP : IPPROTO_UDP;
                }
                v4 = v4 || l->addrs[i].ss_family == AF_INET;
        }
        if (v4)
                for (int k = 0; k < 2; k++) {
                        struct sock_diag_query *q = &l->queries[l->n_queries++];

                        memset(&q->addr, 0, sizeof(q->addr));
                        q->addr.ss_family = AF_INET6; /* in6addr_any */
                        set_port(&q->addr, l->port);
                        q->protocol = k == 0 ? IPPROTO_TCP : IPPROTO_UDP;
                }
        return 0;
}

static int ready_listen_parse(struct ready_listen *l, const char *spec)
{
        const char *host, *colon;
        size_t host_len;
        char hostbuf[256];
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;

        if (strcmp(spec, "yes") == 0) {
                l->match = LISTEN_ANY;
                return 0;
        }
        if (spec[0] == '/' || spec[0] == '@') {
                if (strlen(spec) < 2 || strlen(spec) > 107)
                        return -EINVAL;
                l->match = LISTEN_PATH;
                return 0;
        }
        if (parse_port(spec, &l->port) >= 0) {
                l->match = LISTEN_PORT;
                return 0;
        }
        if (spec[0] == '[') {
                const char *close = strchr(spec, ']');
                if (!close || close[1] != ':')
                        return -EINVAL;
                host = spec + 1;
                host_len = (size_t) (close - host);
                colon = close + 1;
        } else {
                colon = strrchr(spec, ':');
                if (!colon || strchr(spec, ':') != colon)
                        return -EINVAL;
                host = spec;
                host_len = (size_t) (colon - spec);
        }
        if (host_len == 0 || host_len >= sizeof(hostbuf) || parse_port(colon + 1, &l->port) < 0)
                return -EINVAL;
        memcpy(hostbuf, host, host_len);
        hostbuf[host_len] = '\0';
        if (getaddrinfo(hostbuf, NULL, &hints, &res) != 0)
                return -EHOSTUNREACH;
        for (struct addrinfo *a = res; a && l->n_addrs < MAX_HOST_ADDRS; a = a->ai_next)
                if (a->ai_family == AF_INET || a->ai_family == AF_INET6)
                        memcpy(&l->addrs[l->n_addrs++], a->ai_addr, a->ai_addrlen);
        freeaddrinfo(res);
        if (l->n_addrs == 0)
                return -EHOSTUNREACH;
        l->match = LISTEN_HOST_PORT;
        return ready_listen_make_queries(l);
}

int ready_listen_new(struct ready_owner *owner, const char *spec, struct ready_check **ret, char **ret_error)
{
        struct ready_listen *l;
        int r;

        if (!spec)
                spec = "yes";
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->timer.fd = -1;
        l->diag_fd = -1;
        l->check = (struct ready_check){ .ops = &ready_listen_ops, .owner = owner };
        l->spec = strdup(spec);
        if (!l->spec) {
                free(l);
                return -ENOMEM;
        }
        r = ready_listen_parse(l, spec);
        if (r == -ENOMEM) {
                ready_listen_free(&l->check);
                return r;
        }
        if (r < 0) {
                if (asprintf(
                            ret_error,
                            r == -EHOSTUNREACH
                                    ? "Listen=%s: the host does not resolve"
                                    : "invalid Listen= address '%s': expected yes, PORT, HOST:PORT, "
                                      "[IPv6]:PORT, /path or @name",
                            spec) < 0)
                        *ret_error = NULL;
                ready_listen_free(&l->check);
                return -EINVAL;
        }
        l->gate = l->match == LISTEN_HOST_PORT                   ? GATE_LOOKUPS
                  : l->match == LISTEN_PATH && l->spec[0] == '/' ? GATE_PATH
                                                                 : GATE_RAN;
        *ret = &l->check;
        return 0;
}

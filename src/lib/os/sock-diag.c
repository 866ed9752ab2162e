/* sock_diag netlink dumps; see sock-diag.h. */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "macro.h"
#include "sock-diag.h"

static int sock_diag_send(int fd, int family, int protocol, uint32_t states)
{
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        struct {
                struct nlmsghdr nlh;
                union {
                        struct inet_diag_req_v2 inet;
                        struct unix_diag_req un;
                };
        } req;

        memset(&req, 0, sizeof(req));
        req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
        req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        if (family == AF_UNIX) {
                req.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(req.un));
                req.un.sdiag_family = AF_UNIX;
                req.un.udiag_states = states;
                req.un.udiag_show = UDIAG_SHOW_NAME;
        } else {
                req.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(req.inet));
                req.inet.sdiag_family = (uint8_t) family;
                req.inet.sdiag_protocol = (uint8_t) protocol;
                req.inet.idiag_states = states;
        }
        if (sendto(fd, &req, req.nlh.nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof(kernel)) < 0)
                return negative_errno();
        return 0;
}

static int sock_diag_one_inet(const struct nlmsghdr *h, int family, sock_diag_fn fn, void *userdata)
{
        const struct inet_diag_msg *m = NLMSG_DATA(h);
        struct sockaddr_storage ss = { .ss_family = (sa_family_t) family };

        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
                return 0;
        if (family == AF_INET)
                memcpy(&((struct sockaddr_in *) &ss)->sin_addr, m->id.idiag_src, 4);
        else
                memcpy(&((struct sockaddr_in6 *) &ss)->sin6_addr, m->id.idiag_src, 16);
        return fn(m->idiag_inode, &ss, ntohs(m->id.idiag_sport), NULL, userdata);
}

static int sock_diag_one_unix(const struct nlmsghdr *h, sock_diag_fn fn, void *userdata)
{
        const struct unix_diag_msg *m = NLMSG_DATA(h);
        char path[sizeof(((struct sockaddr_un *) NULL)->sun_path) + 1] = "";
        size_t left;
        const struct nlattr *a;

        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
                return 0;
        left = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
        a = (const struct nlattr *) ((const char *) m + NLMSG_ALIGN(sizeof(*m)));
        while (left >= sizeof(*a) && a->nla_len >= sizeof(*a) && a->nla_len <= left) {
                if (a->nla_type == UNIX_DIAG_NAME) {
                        size_t len = a->nla_len - NLA_HDRLEN;
                        const char *name = (const char *) a + NLA_HDRLEN;

                        if (len >= sizeof(path))
                                len = sizeof(path) - 1;
                        memcpy(path, name, len);
                        path[len] = '\0';
                        if (len > 0 && path[0] == '\0')
                                path[0] = '@';
                }
                if ((size_t) NLA_ALIGN(a->nla_len) >= left)
                        break;
                left -= NLA_ALIGN(a->nla_len);
                a = (const struct nlattr *) ((const char *) a + NLA_ALIGN(a->nla_len));
        }
        return fn(m->udiag_ino, NULL, 0, path, userdata);
}

/* Reads one dump to its end: a walk that stops early still drains the rest, so that a kept
 * socket starts the next request clean. */
int sock_diag_walk_fd(int fd, int family, int protocol, uint32_t states, sock_diag_fn fn, void *userdata)
{
        char buf[16384] __attribute__((aligned(__alignof__(struct nlmsghdr))));
        int r, result = 0;

        r = sock_diag_send(fd, family, protocol, states);
        if (r < 0)
                return r;
        for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf), 0);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        return -EIO;
                for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK(h, (size_t) n);
                     h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_type == NLMSG_DONE)
                                return result;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);
                                return e->error ? e->error : -EIO;
                        }
                        if (result != 0)
                                continue;
                        result = family == AF_UNIX ? sock_diag_one_unix(h, fn, userdata)
                                                   : sock_diag_one_inet(h, family, fn, userdata);
                }
        }
}

int sock_diag_walk(int family, int protocol, uint32_t states, sock_diag_fn fn, void *userdata)
{
        _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

        if (fd < 0)
                return negative_errno();
        return sock_diag_walk_fd(fd, family, protocol, states, fn, userdata);
}

int sock_diag_open(void)
{
        int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

        return fd < 0 ? negative_errno() : fd;
}

int sock_diag_tcp_listening(int fd, const struct sockaddr *sa)
{
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        struct {
                struct nlmsghdr nlh;
                struct inet_diag_req_v2 inet;
        } req;
        char buf[1024] __attribute__((aligned(__alignof__(struct nlmsghdr))));
        const struct nlmsghdr *h = (const struct nlmsghdr *) buf;
        ssize_t n;

        memset(&req, 0, sizeof(req));
        req.nlh.nlmsg_len = sizeof(req);
        req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
        req.nlh.nlmsg_flags = NLM_F_REQUEST; /* no dump: one lookup, the SYN's */
        req.inet.sdiag_family = (uint8_t) sa->sa_family;
        req.inet.sdiag_protocol = IPPROTO_TCP;
        req.inet.idiag_states = 1u << TCP_LISTEN;
        /* The remote end stays 0.0.0.0:0, which no established socket has, so only the
         * listener lookup can answer. */
        req.inet.id.idiag_if = 1;
        req.inet.id.idiag_cookie[0] = req.inet.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
        if (sa->sa_family == AF_INET) {
                const struct sockaddr_in *in = (const struct sockaddr_in *) sa;
                req.inet.id.idiag_sport = in->sin_port;
                memcpy(req.inet.id.idiag_src, &in->sin_addr, 4);
        } else if (sa->sa_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) sa;
                req.inet.id.idiag_sport = in6->sin6_port;
                memcpy(req.inet.id.idiag_src, &in6->sin6_addr, 16);
        } else
                return -EAFNOSUPPORT;
        if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *) &kernel, sizeof(kernel)) < 0)
                return negative_errno();
        do
                n = recv(fd, buf, sizeof(buf), 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        if (!NLMSG_OK(h, (size_t) n))
                return -EIO;
        if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);

                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
                        return -EIO;
                return e->error == -ENOENT ? 0 : e->error ? e->error : -EIO;
        }
        if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
            h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
                return -EIO;
        return ((const struct inet_diag_msg *) NLMSG_DATA(h))->idiag_state == TCP_LISTEN ? 1 : 0;
}

/* A tag for each batch, so that an answer left over from an earlier batch that gave up is
 * never taken for one of this batch. */
static uint32_t sock_diag_batch_seq;

int sock_diag_lookup(int fd, struct sock_diag_query *q, size_t n)
{
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        struct request {
                struct nlmsghdr nlh;
                struct inet_diag_req_v2 inet;
        };
        _cleanup_free_ struct request *req = NULL;
        _cleanup_free_ char *answers = NULL;
        struct mmsghdr msgs[SOCK_DIAG_LOOKUP_MAX];
        struct iovec iov[SOCK_DIAG_LOOKUP_MAX];
        size_t left = n;
        uint32_t seq0;

        if (n == 0 || n > SOCK_DIAG_LOOKUP_MAX)
                return -EINVAL;
        req = calloc(n, sizeof(*req));
        answers = malloc(n * SOCK_DIAG_ANSWER_SIZE);
        if (!req || !answers)
                return -ENOMEM;
        seq0 = sock_diag_batch_seq += SOCK_DIAG_LOOKUP_MAX;
        for (size_t i = 0; i < n; i++) {
                struct inet_diag_req_v2 *r = &req[i].inet;
                const struct sockaddr_storage *sa = &q[i].addr;
                /* TCP looks the listener up by the local end (idiag_src), as a SYN's; UDP's
                 * dump_one takes the local end from idiag_dst (swapped, for historical
                 * reasons, says the kernel). The remote end stays 0.0.0.0:0, which no
                 * established or connected socket has. */
                bool udp = q[i].protocol == IPPROTO_UDP;
                __be16 *port = udp ? &r->id.idiag_dport : &r->id.idiag_sport;
                __be32 *addr = udp ? r->id.idiag_dst : r->id.idiag_src;

                q[i].found = false;
                req[i].nlh.nlmsg_len = sizeof(req[i]);
                req[i].nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
                req[i].nlh.nlmsg_flags = NLM_F_REQUEST;
                req[i].nlh.nlmsg_seq = seq0 + (uint32_t) i;
                r->sdiag_family = (uint8_t) sa->ss_family;
                r->sdiag_protocol = (uint8_t) q[i].protocol;
                r->idiag_states = udp ? 1u << TCP_CLOSE : 1u << TCP_LISTEN;
                r->id.idiag_if = 1;
                r->id.idiag_cookie[0] = r->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
                if (sa->ss_family == AF_INET) {
                        const struct sockaddr_in *in = (const struct sockaddr_in *) sa;
                        *port = in->sin_port;
                        memcpy(addr, &in->sin_addr, 4);
                } else if (sa->ss_family == AF_INET6) {
                        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) sa;
                        *port = in6->sin6_port;
                        memcpy(addr, &in6->sin6_addr, 16);
                } else
                        return -EAFNOSUPPORT;
        }
        /* One datagram carries every request; the kernel answers each (a socket, or an
         * error) before sendto() returns, so the answers are all queued by then. */
        if (sendto(fd, req, n * sizeof(*req), 0, (struct sockaddr *) &kernel, sizeof(kernel)) < 0)
                return negative_errno();
        while (left > 0) {
                int got;

                for (size_t i = 0; i < left; i++) {
                        iov[i] =
                                (struct iovec){ answers + i * SOCK_DIAG_ANSWER_SIZE, SOCK_DIAG_ANSWER_SIZE };
                        msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
                }
                got = recvmmsg(fd, msgs, (unsigned) left, MSG_DONTWAIT, NULL);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0)
                        return errno == EAGAIN ? -EIO : negative_errno();
                for (int k = 0; k < got; k++) {
                        const struct nlmsghdr *h = iov[k].iov_base;
                        size_t len = msgs[k].msg_len, i;

                        if (!NLMSG_OK(h, len) || h->nlmsg_seq - seq0 >= n)
                                continue; /* not an answer of this batch */
                        i = h->nlmsg_seq - seq0;
                        left--;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);

                                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
                                        return -EIO;
                                if (e->error != -ENOENT)
                                        return e->error ? e->error : -EIO;
                                continue;
                        }
                        if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
                            h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
                                return -EIO;
                        {
                                const struct inet_diag_msg *m = NLMSG_DATA(h);
                                struct sockaddr_storage *local = &q[i].local;

                                memset(local, 0, sizeof(*local));
                                local->ss_family = m->idiag_family;
                                if (m->idiag_family == AF_INET) {
                                        ((struct sockaddr_in *) local)->sin_port = m->id.idiag_sport;
                                        memcpy(&((struct sockaddr_in *) local)->sin_addr, m->id.idiag_src,
                                               4);
                                } else {
                                        ((struct sockaddr_in6 *) local)->sin6_port = m->id.idiag_sport;
                                        memcpy(&((struct sockaddr_in6 *) local)->sin6_addr, m->id.idiag_src,
                                               16);
                                }
                                q[i].found = true;
                                q[i].inode = m->idiag_inode;
                                q[i].state = m->idiag_state;
                        }
                }
        }
        return 0;
}

/* Listing sockets through sock_diag netlink (NETLINK_SOCK_DIAG), filtered by state in the
 * kernel: the listening TCP sockets come from the listening hash alone, which costs
 * microseconds where /proc/net/tcp prints every connection of the namespace (thousands
 * of TIME_WAIT entries on a busy CI machine: milliseconds per read). Sockets of the
 * caller's network namespace only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* One socket: its inode, and its local address (inet: ss with the port; unix: path, "@name"
 * for abstract ones, "" unnamed). Return nonzero to stop the walk. */
typedef int (*sock_diag_fn)(
        unsigned long inode, const struct sockaddr_storage *ss, uint16_t port, const char *path,
        void *userdata);

/* AF_INET/AF_INET6 with IPPROTO_TCP or IPPROTO_UDP, or AF_UNIX (protocol 0); states is a
 * mask of TCP_* states (1 << TCP_LISTEN ...). Returns the callback's nonzero value, 0 at
 * the end of the list, or -errno (e.g. -ENOENT when the kernel has no diag for it). */
int sock_diag_walk(int family, int protocol, uint32_t states, sock_diag_fn fn, void *userdata);
/* The same on a kept socket (sock_diag_open()): no socket made per walk. */
int sock_diag_walk_fd(int fd, int family, int protocol, uint32_t states, sock_diag_fn fn, void *userdata);

/* A NETLINK_SOCK_DIAG socket of the caller's network namespace, for sock_diag_tcp_listening()
 * (made once and kept by a polled check: a probe then costs one request, no socket). */
int sock_diag_open(void);

/* Would a TCP connect to sa (AF_INET or AF_INET6, port set) from this namespace find a
 * listening socket, now? The kernel answers with the lookup an incoming SYN makes
 * (inet_lookup(): the address and the wildcard, dual-stack sockets, sk_lookup BPF), through
 * one exact SOCK_DIAG_BY_FAMILY request on fd. 1 yes, 0 no, -errno when it cannot say.
 * Meaningful for local destinations only (loopback: the SYN arrives on lo, ifindex 1), and
 * "no" is ambiguous on a kernel without TCP diag: check sock_diag_walk() first. */
int sock_diag_tcp_listening(int fd, const struct sockaddr *sa);

/* One exact lookup of a batch: which socket a packet to addr (AF_INET or AF_INET6, port
 * set) would reach in this namespace now. TCP: the listener a SYN finds (inet_lookup():
 * the address, the wildcard, a dual-stack [::]); UDP: the bound unconnected socket a
 * datagram finds (the address, the wildcard, a dual-stack [::]). The kernel gives one
 * socket per lookup: another one on the same address and port (SO_REUSEPORT) stays
 * unseen. */
struct sock_diag_query {
        struct sockaddr_storage addr;
        int protocol; /* IPPROTO_TCP or IPPROTO_UDP */
        /* The answer: */
        bool found;
        unsigned long inode;
        uint8_t state;                 /* TCP_LISTEN; TCP_CLOSE for an unconnected UDP socket */
        struct sockaddr_storage local; /* the socket's own address, port set */
};

#define SOCK_DIAG_LOOKUP_MAX 64
#define SOCK_DIAG_ANSWER_SIZE 512

/* n (at most SOCK_DIAG_LOOKUP_MAX) lookups in one request on fd: one sendto(), one
 * recvmmsg() (a few microseconds for all). 0 with every answer set; -errno when the kernel
 * could not say (then no answer means anything). "Not found" is also what a kernel without
 * the protocol's diag says: check sock_diag_walk() first. */
int sock_diag_lookup(int fd, struct sock_diag_query *q, size_t n);

/* Listing sockets through sock_diag netlink (NETLINK_SOCK_DIAG), filtered by state in the
 * kernel: the listening TCP sockets come from the listening hash alone, which costs
 * microseconds where /proc/net/tcp prints every connection of the namespace (thousands
 * of TIME_WAIT entries on a busy CI machine: milliseconds per read). Sockets of the
 * caller's network namespace only. */
#pragma once

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

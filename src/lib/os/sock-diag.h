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

/* Who listens on a TCP port or a unix socket path: the answer to "already in use by whom".
 * Listening sockets come from /proc/net/{tcp,tcp6,unix} (this network namespace), their
 * owners from the socket:[inode] links in /proc/PID/fd. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* Pure parsers, for canned text: the inode of a listening socket, 0 when none. */
unsigned long proc_net_tcp_listener(const char *text, uint16_t port);
unsigned long proc_net_unix_listener(const char *text, const char *path);

/* "PID 123 (postgres)" into buf when a process of ours can be found; -ENOENT otherwise. */
int socket_owner_tcp(uint16_t port, char *buf, size_t size);
int socket_owner_unix(const char *path, char *buf, size_t size);

/* The receiving end of sd_notify: one datagram socket per executor, with the sender's
 * credentials attached by the kernel (SO_PASSCRED). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "notify-message.h"

int notify_socket_open(const char *path);

/* Receives one datagram. Returns 1 with *ret filled, 0 when a datagram was dropped (too
 * big, no credentials, unparsable: the reason in *ret_dropped), -EAGAIN when none is
 * queued. Every passed fd is closed: we keep none, and closing is what answers BARRIER=1. */
int notify_socket_receive(int fd, struct notify_message *ret, pid_t *ret_sender, const char **ret_dropped);

/* The sd_notify datagram format: newline-separated KEY=VALUE assignments. Pure code: the
 * socket side lives in notify-socket.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NOTIFY_MESSAGE_MAX 4096

struct notify_message {
        bool ready;      /* READY=1 */
        bool stopping;   /* STOPPING=1 */
        bool reloading;  /* RELOADING=1 */
        bool barrier;    /* BARRIER=1 */
        char *status;    /* STATUS=, malloc'ed, or NULL */
        pid_t main_pid;  /* MAINPID=, 0 when absent or invalid */
        int errno_value; /* ERRNO=, 0 when absent or invalid */
        bool has_extend_timeout;
        uint64_t extend_timeout_usec; /* EXTEND_TIMEOUT_USEC= */
};

/* Parses len bytes (not NUL-terminated). Unknown keys and malformed values are ignored the
 * way systemd ignores them; an embedded NUL or len > NOTIFY_MESSAGE_MAX gives -EBADMSG. */
int notify_message_parse(const char *buf, size_t len, struct notify_message *ret);
void notify_message_done(struct notify_message *m);

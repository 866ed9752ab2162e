/* Whole writes for a detached run's supervisor: its answers on a client's control socket
 * (control.c), the report to up --detach's caller through a pipe and the verdict to the
 * down client (detach.c). */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

int cli_write_all(int fd, const void *buf, size_t n, bool nosignal)
{
        const char *p = buf;

        while (n > 0) {
                /* send() only for MSG_NOSIGNAL: a client gone must not SIGPIPE the
                 * supervisor; write() where fd may be a pipe (send() there is ENOTSOCK). */
                ssize_t k = nosignal ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -EIO;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

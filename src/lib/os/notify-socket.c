/* sd_notify datagrams in: size limit, credentials, fd hygiene. Parsing is notify-message.c. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "macro.h"
#include "notify-socket.h"

/* systemd accepts up to 768 fds per message; we size the control buffer the same way so
 * that a message with many fds is not truncated into leaking some of them. */
#define NOTIFY_FD_MAX 768

int notify_socket_open(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        int one = 1;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return negative_errno();
        (void) unlink(path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return negative_errno();
        /* Daemons that drop privileges before READY=1 must be able to send: who may is
         * decided by the sender's credentials, and the directory is private anyway. */
        (void) chmod(path, 0777);
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                return negative_errno();
        return TAKE_FD(fd);
}

static void close_passed_fds(struct msghdr *mh)
{
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                size_t n;
                int *fds;

                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                fds = (int *) CMSG_DATA(c);
                for (size_t i = 0; i < n; i++)
                        (void) close(fds[i]);
        }
}

int notify_socket_receive(int fd, struct notify_message *ret, pid_t *ret_sender, const char **ret_dropped)
{
        char buf[NOTIFY_MESSAGE_MAX + 1];
        union {
                struct cmsghdr align;
                char data[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * NOTIFY_FD_MAX)];
        } control;
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        struct ucred *cred = NULL;
        ssize_t n;
        int r;

        n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
        if (n < 0)
                return errno == EINTR ? -EAGAIN : negative_errno();

        close_passed_fds(&mh);
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
                    c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
                        cred = (struct ucred *) CMSG_DATA(c);

        if ((size_t) n > NOTIFY_MESSAGE_MAX || (mh.msg_flags & MSG_TRUNC)) {
                *ret_dropped = "message larger than 4096 bytes";
                return 0;
        }
        if (mh.msg_flags & MSG_CTRUNC) {
                *ret_dropped = "too many file descriptors attached";
                return 0;
        }
        if (!cred || cred->pid <= 0) {
                *ret_dropped = "no sender credentials";
                return 0;
        }
        r = notify_message_parse(buf, (size_t) n, ret);
        if (r < 0) {
                *ret_dropped = "malformed message";
                return 0;
        }
        *ret_sender = cred->pid;
        return 1;
}

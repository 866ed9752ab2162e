/* Seccomp user notification of listen(2)/bind(2); see listen-notify.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "listen-notify.h"
#include "macro.h"
#include "shims.h"

/* Linux 6.6 uapi; Debian 12's headers are older. */
#if defined(SECCOMP_IOW) && !defined(SECCOMP_IOCTL_NOTIF_SET_FLAGS)
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#if defined(__x86_64__)
#define LISTEN_NOTIFY_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define LISTEN_NOTIFY_ARCH AUDIT_ARCH_AARCH64
#endif

bool listen_notify_disabled(void)
{
        const char *v = getenv("UNITRUN_NO_LISTEN_EVENTS");

        return v && strcmp(v, "1") == 0;
}

int listen_notify_child_install(int sock, bool with_bind)
{
#if defined(LISTEN_NOTIFY_ARCH) && defined(SECCOMP_USER_NOTIF_FLAG_CONTINUE)
        /* Any other architecture (x32, a 32-bit personality) passes untouched: those calls
         * are found by the polling that backs the events up. */
        struct sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LISTEN_NOTIFY_ARCH, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_listen, 2, 0),
                /* Without bind: a number no syscall has, so the jump never fires. */
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, with_bind ? __NR_bind : 0xffffffffU, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        };
        struct sock_fprog prog = { .len = ELEMENTSOF(filter), .filter = filter };
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control;
        char byte = 'L';
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        struct cmsghdr *cmsg;
        long fd;
        ssize_t n;

        memset(control.buf, 0, sizeof(control.buf));
        /* SPEC_ALLOW (Linux 4.17, before NEW_LISTENER): where the kernel's speculative store
         * bypass mitigation is "seccomp" (the default before 5.16), a filter would otherwise
         * switch it on for the daemon, slowing all its code, not only its listen(). */
        fd =
                syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
                        SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_SPEC_ALLOW, &prog);
        if (fd < 0)
                return -errno;
        cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &(int){ (int) fd }, sizeof(int));
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        /* Whether or not it went: the child must not hold it (a listen() of its own would
         * then wait on itself should the launcher be gone). */
        close((int) fd);
        return n == 1 ? 0 : -errno;
#else
        return -ENOTSUP;
#endif
}

int listen_notify_receive(int sock)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control;
        char byte;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        ssize_t n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        int fd = -1;

        if (n < 0)
                return errno == EAGAIN ? -EAGAIN : -ENOENT;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                        memcpy(&fd, CMSG_DATA(c), sizeof(int));
        return fd >= 0 ? fd : -ENOENT;
}

/* report: an fd to write one byte to before the answer (-1: none); set to -1 once the
 * reader is gone. Before the answer: the launcher is on its way while the call runs. */
static int listen_notify_answer_reporting(int notify_fd, int *report)
{
#ifdef SECCOMP_USER_NOTIF_FLAG_CONTINUE
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;

        memset(&req, 0, sizeof(req));
        if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
                return errno == ENOENT || errno == EAGAIN || errno == EINTR ? 0 : -errno;
        if (*report >= 0 && write(*report, "L", 1) < 0 && errno == EPIPE)
                *report = -1;
        resp = (struct seccomp_notif_resp){ .id = req.id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
        /* ENOENT: the caller was killed meanwhile; nothing waits for the answer. EINTR (the
         * answerer's alarm, while the lock was taken): again, the caller still waits. */
        while (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
                if (errno != EINTR) {
                        if (errno != ENOENT)
                                return -errno;
                        break;
                }
        return 1;
#else
        return -ENOTSUP;
#endif
}

int listen_notify_answer(int notify_fd)
{
        int none = -1;

        return listen_notify_answer_reporting(notify_fd, &none);
}

static void answerer_on_alarm(int sig)
{
        (void) sig; /* only to interrupt the blocking receive */
}

/* Whether every process holding the filter is gone (POLLHUP, Linux 5.8). */
static bool answerer_orphaned(int notify_fd)
{
        struct pollfd p = { .fd = notify_fd, .events = POLLIN };

        return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)) && !(p.revents & POLLIN);
}

_Noreturn static void answerer_run(int notify_fd, int event_fd, pid_t launcher)
{
        struct sigaction sa = { .sa_handler = answerer_on_alarm };
        struct itimerval tick = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
        int report = event_fd;
        sigset_t all, alarm_only;

        /* Nothing of the launcher's signal handling applies here; only SIGKILL ends us (and
         * a SIGPIPE stays pending: a write to a closed pipe just fails). */
        sigfillset(&all);
        (void) sigprocmask(SIG_SETMASK, &all, NULL);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != launcher)
                _exit(0);
        /* The receive blocks by itself instead of a poll() before each: one syscall less per
         * call of the daemon (bench-listen: ~0.4 of ~6.5 us). It returns when the last holder
         * of the filter is gone only from Linux 6.11 on; before, a SIGALRM each second (no
         * SA_RESTART: EINTR) lets us look for the hang-up. */
        sigemptyset(&alarm_only);
        sigaddset(&alarm_only, SIGALRM);
        if (sigaction(SIGALRM, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &tick, NULL) < 0 ||
            sigprocmask(SIG_UNBLOCK, &alarm_only, NULL) < 0)
                _exit(1);
        for (;;) {
                bool reporting = report >= 0;
                int r = listen_notify_answer_reporting(notify_fd, &report);

                if (r < 0)
                        _exit(1);
                if (r == 0) {
                        /* Interrupted, or no notification: orphaned, or a caller killed
                         * between its notification and our receive. */
                        if (answerer_orphaned(notify_fd))
                                _exit(0);
                        continue;
                }
                /* The launcher closes its end once the unit is ready: from then on the
                 * answer is all there is to do. */
#ifdef SECCOMP_IOCTL_NOTIF_SET_FLAGS
                /* Linux 6.6: from then on synchronous wake-ups, so that the daemon, woken by
                 * our answer, runs on at once on our CPU instead of waiting for its own to
                 * wake up: a call then costs it ~8 us instead of ~25 (bench-listen). Not
                 * before: on our CPU it would run ahead of the launcher, which then learns
                 * of its listen() later (0.5 ms instead of 0.15, bench-ready). Older
                 * kernels: EINVAL, and the plain wake-ups. */
                if (reporting && report < 0)
                        (void) ioctl(
                                notify_fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
                                (__u64) SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
#endif
        }
}

int listen_notify_start_answerer(int notify_fd, int event_fd, int *ret_pidfd)
{
        pid_t launcher = getpid(), pid;
        int pidfd;

        pid = fork();
        if (pid < 0)
                return negative_errno();
        if (pid == 0) {
                /* Only what it needs, as fds 3 and 4: a copy of any other fd (a pipe, a
                 * socket of ours) would keep it open past its owner's close. */
                int n = fcntl(notify_fd, F_DUPFD, 5), e = fcntl(event_fd, F_DUPFD, 5);

                if (n < 0 || e < 0 || dup2(n, 3) < 0 || dup2(e, 4) < 0)
                        _exit(1);
                if (shim_close_range(5, ~0U, 0) < 0)
                        for (int fd = 5; fd < 65536; fd++)
                                (void) close(fd);
                answerer_run(3, 4, launcher);
        }
        pidfd = shim_pidfd_open(pid, 0);
        if (pidfd < 0) {
                int r = negative_errno();
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                return r;
        }
        close(notify_fd);
        *ret_pidfd = pidfd;
        return 0;
}

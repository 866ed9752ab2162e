/* Seccomp user notification of listen(2)/bind(2); see listen-notify.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone-vfork.h"
#include "listen-notify.h"
#include "macro.h"
#include "raw-syscall.h"
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

/* The answerer runs either beside us sharing our memory (clone3_shared_vm()) or forked: raw
 * system calls only, none of which writes errno (raw-syscall.h), and no stack protector,
 * whose canary is read through the thread pointer, which in the shared-memory child is the
 * launcher thread's: should that thread end, its TCB may go with it. */
#define ANSWERER_CODE __attribute__((no_stack_protector))

ANSWERER_CODE static long sys(long nr, long a1, long a2, long a3)
{
        return raw_syscall5(nr, a1, a2, a3, 0, 0);
}

ANSWERER_CODE _Noreturn static void answerer_exit(int status)
{
        for (;;)
                (void) sys(SYS_exit, status, 0, 0);
}

/* report: an fd to write one byte to before the answer (-1: none); set to -1 once the
 * reader is gone. Before the answer: the launcher is on its way while the call runs. */
ANSWERER_CODE static int answer_reporting(int notify_fd, int *report)
{
#ifdef SECCOMP_USER_NOTIF_FLAG_CONTINUE
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;
        long r;

        memset(&req, 0, sizeof(req));
        r = sys(SYS_ioctl, notify_fd, (long) SECCOMP_IOCTL_NOTIF_RECV, (long) &req);
        if (r < 0)
                return r == -ENOENT || r == -EAGAIN || r == -EINTR ? 0 : (int) r;
        if (*report >= 0 && sys(SYS_write, *report, (long) "L", 1) == -EPIPE)
                *report = -1;
        resp = (struct seccomp_notif_resp){ .id = req.id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
        /* ENOENT: the caller was killed meanwhile; nothing waits for the answer. */
        while ((r = sys(SYS_ioctl, notify_fd, (long) SECCOMP_IOCTL_NOTIF_SEND, (long) &resp)) < 0)
                if (r != -EINTR) {
                        if (r != -ENOENT)
                                return (int) r;
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

        return answer_reporting(notify_fd, &none);
}

/* Whether every process holding the filter is gone (POLLHUP, Linux 5.8), looking (zero
 * timeout) or waiting for a notification or that (NULL). */
ANSWERER_CODE static bool answerer_poll_orphaned(int notify_fd, const struct timespec *timeout)
{
        struct pollfd p = { .fd = notify_fd, .events = POLLIN };

        return raw_syscall5(SYS_ppoll, (long) &p, 1, (long) timeout, 0, sizeof(uint64_t)) == 1 &&
               (p.revents & (POLLHUP | POLLERR | POLLNVAL)) && !(p.revents & POLLIN);
}

ANSWERER_CODE static bool answerer_orphaned(int notify_fd)
{
        static const struct timespec zero = { 0, 0 };

        return answerer_poll_orphaned(notify_fd, &zero);
}

ANSWERER_CODE static bool answerer_wait(int notify_fd)
{
        return answerer_poll_orphaned(notify_fd, NULL);
}

/* What the answerer starts from; on its own stack region when it shares our memory, since
 * ours moves on at once. */
struct answerer_start {
        int notify_fd, event_fd;
        bool poll_first;
};

/* From Linux 6.11 a blocked SECCOMP_IOCTL_NOTIF_RECV returns once the last process holding
 * the filter is gone; before (Debian 12's 6.1), only poll() says so (POLLHUP, 5.8).
 * UNITRUN_ANSWERER_POLL=1 takes the older kernels' way here too, for tests. */
static bool recv_sees_hangup(void)
{
        static int known = -1;
        const char *forced = getenv("UNITRUN_ANSWERER_POLL");
        struct utsname u;
        unsigned major = 0, minor = 0;

        if (forced && strcmp(forced, "1") == 0)
                return false;
        if (known < 0)
                known = uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
                        (major > 6 || (major == 6 && minor >= 11));
        return known;
}

ANSWERER_CODE _Noreturn static void answerer_run(int notify_fd, int report, bool poll_first)
{
        /* The receive blocks by itself where it sees the hang-up, instead of a poll() before
         * each: one syscall less per call of the daemon (bench-listen: ~0.4 of ~6.5 us). */
        for (;;) {
                bool reporting = report >= 0;
                int r;

                if (poll_first && answerer_wait(notify_fd))
                        answerer_exit(0);
                r = answer_reporting(notify_fd, &report);

                if (r < 0)
                        answerer_exit(1);
                if (r == 0) {
                        /* Interrupted, or no notification: orphaned, or a caller killed
                         * between its notification and our receive. */
                        if (answerer_orphaned(notify_fd))
                                answerer_exit(0);
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
                        (void) sys(
                                SYS_ioctl, notify_fd, (long) SECCOMP_IOCTL_NOTIF_SET_FLAGS,
                                (long) SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
#endif
        }
}

ANSWERER_CODE _Noreturn static void answerer_main(void *data)
{
        const struct answerer_start *start = data;
        int notify_fd = start->notify_fd, event_fd = start->event_fd, n, e;
        bool poll_first = start->poll_first;
        uint64_t all = ~(uint64_t) 0;

        /* Nothing of the launcher's signal handling applies here; only SIGKILL ends us (and
         * a SIGPIPE stays pending: a write to a closed pipe just fails). No
         * PR_SET_PDEATHSIG: it fires when the thread that made us ends, and a library caller
         * may start a unit from a thread that then ends while the unit runs on (its later
         * listen() calls would fail with ENOSYS). Should the launcher die, the guardian
         * kills the unit, and with its last process we go. */
        (void) raw_syscall5(SYS_rt_sigprocmask, SIG_SETMASK, (long) &all, 0, sizeof(all), 0);
        /* Only what it needs, as fds 3 and 4: a copy of any other fd (a pipe, a socket of
         * ours) would keep it open past its owner's close. */
        n = (int) sys(SYS_fcntl, notify_fd, F_DUPFD, 5);
        e = (int) sys(SYS_fcntl, event_fd, F_DUPFD, 5);
        if (n < 0 || e < 0 || sys(SYS_dup3, n, 3, 0) < 0 || sys(SYS_dup3, e, 4, 0) < 0)
                answerer_exit(1);
        if (sys(SYS_close_range, 5, ~0U, 0) < 0)
                for (int fd = 5; fd < 65536; fd++)
                        (void) sys(SYS_close, fd, 0, 0);
        answerer_run(3, 4, poll_first);
}

/* Enough for the answerer's few frames; only the pages it touches are ever allocated. */
#define ANSWERER_STACK (64 * 1024)

int listen_notify_start_answerer(int notify_fd, int event_fd, struct listen_answerer *ret)
{
        struct answerer_start here = { .notify_fd = notify_fd,
                                       .event_fd = event_fd,
                                       .poll_first = !recv_sees_hangup() };
        int pidfd = -1;
        void *region;
        pid_t pid = -ENOSYS;

        /* Beside us when we can: a fork copies our page tables, which for an embedder of
         * a few hundred MB (pytest) costs milliseconds at every start of a unit. */
        region =
                mmap(NULL, ANSWERER_STACK, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
        if (region != MAP_FAILED) {
                /* The start at the top, the stack below it, the lowest page a guard. */
                struct answerer_start *start =
                        (struct answerer_start *) ((char *) region + ANSWERER_STACK - 64);
                struct shim_clone_args args = {
                        .flags = CLONE_PIDFD,
                        .pidfd = (uint64_t) (uintptr_t) &pidfd,
                        .exit_signal = SIGCHLD,
                };

                (void) mprotect(region, 4096, PROT_NONE);
                *start = here;
                pid = clone3_shared_vm(&args, answerer_main, start, region, ANSWERER_STACK - 64);
                if (pid < 0) {
                        (void) munmap(region, ANSWERER_STACK);
                        region = NULL;
                        if (pid != -ENOSYS)
                                return pid;
                }
        } else
                region = NULL;
        if (!region) {
                pid = fork_with_pidfd(&pidfd);
                if (pid < 0)
                        return pid;
                if (pid == 0)
                        answerer_main(&here);
        }
        close(notify_fd);
        *ret = (struct listen_answerer){ .pidfd = pidfd, .stack = region, .stack_size = ANSWERER_STACK };
        return 0;
}

void listen_answerer_free(struct listen_answerer *a, bool end_it)
{
        siginfo_t si;

        if (a->pidfd >= 0) {
                if (end_it)
                        (void) shim_pidfd_send_signal(a->pidfd, SIGKILL);
                /* Once reaped it no longer runs on its stack: only then is it ours again. */
                while (waitid((idtype_t) P_PIDFD, (id_t) a->pidfd, &si, WEXITED) < 0 && errno == EINTR)
                        ;
                a->pidfd = safe_close(a->pidfd);
        }
        if (a->stack)
                (void) munmap(a->stack, a->stack_size);
        a->stack = NULL;
}

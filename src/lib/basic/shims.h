/* Kernel interfaces that glibc 2.36 does not wrap (clone3, close_range flags) or wraps only in
 * recent releases (pidfd_open, pidfd_send_signal). Everything goes through syscall() so the
 * library builds against any libc that has the syscall numbers. */
#pragma once

#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* struct clone_args as of Linux 5.7 (CLONE_ARGS_SIZE_VER2); older uapi headers lack `cgroup`. */
struct shim_clone_args {
        uint64_t flags;
        uint64_t pidfd;
        uint64_t child_tid;
        uint64_t parent_tid;
        uint64_t exit_signal;
        uint64_t stack;
        uint64_t stack_size;
        uint64_t tls;
        uint64_t set_tid;
        uint64_t set_tid_size;
        uint64_t cgroup;
};

static inline pid_t shim_clone3(struct shim_clone_args *args)
{
        return (pid_t) syscall(SYS_clone3, args, sizeof(*args));
}

static inline int shim_pidfd_open(pid_t pid, unsigned flags)
{
        return (int) syscall(SYS_pidfd_open, pid, flags);
}

static inline int shim_pidfd_send_signal(int pidfd, int sig)
{
        return (int) syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static inline int shim_close_range(unsigned first, unsigned last, unsigned flags)
{
        return (int) syscall(SYS_close_range, first, last, flags);
}

/* System calls that never touch errno nor anything else of libc's: for a child that shares
 * our memory for its whole life (clone3_vm()), where errno, the lazy binding of a libc
 * function or a cancellation point would write into the TLS of the thread that cloned it,
 * while that thread runs on. Returns the kernel's value: >= 0, or -errno. x86-64 by
 * instruction; elsewhere through syscall() (errno is written: only use it where the child
 * got a copy of our memory, as the fork fallback of clone3_vm()'s callers does). */
#pragma once

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
static inline long raw_syscall(long n, long a1, long a2, long a3, long a4)
{
        register long r10 __asm__("r10") = a4;
        long ret;

        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "0"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
                         : "rcx", "r11", "memory");
        return ret;
}
#else
static inline long raw_syscall(long n, long a1, long a2, long a3, long a4)
{
        long r = syscall(n, a1, a2, a3, a4);
        return r < 0 ? -errno : r;
}
#endif

/* A system call that returns -errno and never writes errno: for code that runs in a child
 * sharing our memory and our thread pointer (clone3_shared_vm()), where errno is the
 * launcher thread's own and a write to it would race with that thread. x86-64 only (the
 * architecture of clone3_shared_vm()); elsewhere syscall(), whose errno is then a child's
 * own (a forked child). */
#pragma once

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline long raw_syscall5(long nr, long a1, long a2, long a3, long a4, long a5)
{
#if defined(__x86_64__)
        register long r10 __asm__("r10") = a4;
        register long r8 __asm__("r8") = a5;
        long ret;

        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "0"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
                         : "rcx", "r11", "memory");
        return ret;
#else
        long ret = syscall(nr, a1, a2, a3, a4, a5);
        return ret < 0 ? -errno : ret;
#endif
}

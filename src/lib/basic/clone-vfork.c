/* clone3() sharing our address space, until the child's execve() (clone3_vfork()) or for
 * the child's life (clone3_shared_vm()); see clone-vfork.h. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone-vfork.h"

#if defined(__SANITIZE_ADDRESS__)
#define CLONE_VFORK_NO_ASM 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CLONE_VFORK_NO_ASM 1
#endif
#endif

/* Enough for execvp()'s PATH buffers and the spawn child's PATH_MAX arrays, with room. */
#define CLONE_VFORK_STACK (256 * 1024)

#if defined(__x86_64__) && !defined(CLONE_VFORK_NO_ASM)
static pid_t clone3_raw(struct shim_clone_args *args, void (*fn)(void *), void *data)
{
        /* fn and data travel in callee-saved registers: the child starts on its new stack
         * right after the syscall instruction with our registers, rax = 0. It calls fn and,
         * should fn ever return, exits without touching anything of ours. */
        register void *r12 __asm__("r12") = (void *) fn;
        register void *r13 __asm__("r13") = data;
        long ret;

        __asm__ volatile("syscall\n\t"
                         "test %%rax, %%rax\n\t"
                         "jnz 1f\n\t"
                         "xor %%ebp, %%ebp\n\t"
                         "mov %%r13, %%rdi\n\t"
                         "call *%%r12\n\t"
                         "mov $127, %%edi\n\t"
                         "mov %[exit_nr], %%eax\n\t"
                         "syscall\n\t"
                         "hlt\n"
                         "1:\n\t"
                         : "=a"(ret)
                         : "0"((long) SYS_clone3), "D"(args), "S"(sizeof(*args)), "r"(r12),
                           "r"(r13), [exit_nr] "i"(SYS_exit)
                         : "rcx", "r11", "memory", "cc");
        return (pid_t) ret;
}
#endif

pid_t clone3_vfork(struct shim_clone_args *args, void (*fn)(void *data), void *data)
{
#if defined(__x86_64__) && !defined(CLONE_VFORK_NO_ASM)
        sigset_t all, saved;
        void *stack;
        pid_t pid;

        stack =
                mmap(NULL, CLONE_VFORK_STACK, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
        if (stack == MAP_FAILED)
                return -errno;
        /* The lowest page as a guard: a child that overflows faults instead of writing ours. */
        (void) mprotect(stack, 4096, PROT_NONE);
        args->flags |= CLONE_VM | CLONE_VFORK;
        args->stack = (uint64_t) (uintptr_t) stack;
        args->stack_size = CLONE_VFORK_STACK;
        /* No handler of ours may run in the child: it would run on our memory, as us. */
        sigfillset(&all);
        (void) pthread_sigmask(SIG_SETMASK, &all, &saved);
        pid = clone3_raw(args, fn, data);
        (void) pthread_sigmask(SIG_SETMASK, &saved, NULL);
        (void) munmap(stack, CLONE_VFORK_STACK);
        return pid;
#else
        (void) args;
        (void) fn;
        (void) data;
        return -ENOSYS;
#endif
}

pid_t clone3_shared_vm(
        struct shim_clone_args *args, void (*fn)(void *data), void *data, void *stack, size_t stack_size)
{
#if defined(__x86_64__) && !defined(CLONE_VFORK_NO_ASM)
        sigset_t all, saved;
        pid_t pid;

        args->flags |= CLONE_VM;
        args->flags &= ~(uint64_t) CLONE_VFORK;
        args->stack = (uint64_t) (uintptr_t) stack;
        args->stack_size = stack_size;
        sigfillset(&all);
        (void) pthread_sigmask(SIG_SETMASK, &all, &saved);
        pid = clone3_raw(args, fn, data);
        (void) pthread_sigmask(SIG_SETMASK, &saved, NULL);
        return pid;
#else
        (void) args;
        (void) fn;
        (void) data;
        (void) stack;
        (void) stack_size;
        return -ENOSYS;
#endif
}

pid_t fork_with_pidfd(int *ret_pidfd)
{
        pid_t pid = fork();
        int pidfd;

        if (pid <= 0)
                return pid < 0 ? -errno : 0;
        pidfd = shim_pidfd_open(pid, 0);
        if (pidfd < 0) {
                int r = -errno;
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                return r;
        }
        *ret_pidfd = pidfd;
        return pid;
}

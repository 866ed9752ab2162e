/* clone3() with CLONE_VM | CLONE_VFORK: the child borrows our address space until it calls
 * execve() or exits, as posix_spawn() does, instead of getting a copy of it. A fork-like
 * clone3() copies the page tables of the whole launcher (an embedder's too: a Python
 * process of 50 MB) and makes every page we write afterwards fault once more for its
 * copy-on-write; both showed in the launcher's start+stop cycle (bench-cycle). glibc 2.36
 * has no clone3() wrapper that takes a function and a stack, hence the few lines of
 * assembly in clone-vfork.c (x86-64 only; elsewhere, and under AddressSanitizer, which
 * cannot follow a child on a stack of ours, -ENOSYS, and the caller clones as before).
 *
 * The child runs fn(data) on a stack of its own, with every signal blocked (restore the
 * mask you want before execve()), sharing our memory: it must only make direct system
 * calls and write nothing of ours but its own stack, and it must end in execve() or
 * _exit(). Our thread is suspended meanwhile. */
#pragma once

#include <sys/types.h>

#include "shims.h"

/* args as for clone3(); CLONE_VM | CLONE_VFORK and the stack are added. Returns the
 * child's PID, or -errno (-ENOSYS: not available here, clone the usual way). */
pid_t clone3_vfork(struct shim_clone_args *args, void (*fn)(void *data), void *data);

/* clone3() with CLONE_VM and without CLONE_VFORK: the child runs fn(data) beside us, on
 * stack (stack_size bytes, the caller's, to be freed only once the child is reaped), as a
 * process of its own (its own signals, its own fd table unless asked for; a SIGSTOP of
 * ours does not stop it) sharing our memory and our thread pointer, until it exits. Like
 * clone3_vfork()'s child it must only make direct system calls (raw-syscall.h: errno is
 * our thread's), read what stays valid (data on its stack region, not on ours) and never
 * return. Unlike a fork, it costs the same however much memory we map (a fork copies our
 * page tables: 20 ms for a Python process of 1 GiB here). Every signal blocked in the
 * child. Returns the child's PID, or -errno (-ENOSYS: not available here, fork instead). */
pid_t clone3_shared_vm(
        struct shim_clone_args *args, void (*fn)(void *data), void *data, void *stack, size_t stack_size);

/* fork() with a pidfd for the child: returns 0 in the child, the child's PID in the parent
 * (with *ret_pidfd, safe against PID reuse: the child is unreaped until waited for), or
 * -errno (no child left behind: one whose pidfd cannot be had is killed and reaped). */
pid_t fork_with_pidfd(int *ret_pidfd);

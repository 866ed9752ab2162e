/* A unit's TCP listen(2) and UDP bind(2) calls as events from BPF programs on its cgroup v2
 * leaf, for a launcher that may load them (CAP_BPF and CAP_NET_ADMIN: root): a sock_ops
 * program that reports BPF_SOCK_OPS_TCP_LISTEN_CB (a TCP socket of the cgroup entering the
 * listening state, after it is in the listening hash: a connect reaches it) and, if asked,
 * cgroup post_bind4/post_bind6 programs that report a bound UDP socket. Each report is a
 * record in a BPF ring buffer whose fd is readable (epoll) while records wait.
 *
 * Unlike the seccomp filter (listen-notify.h) the daemon makes no round trip: the program
 * runs inside its call, in the kernel, and nothing of it stays with the daemon: the links
 * are fds of ours, not pinned, so closing them (listen_bpf_free(), or our death) detaches
 * the programs, and removing the cgroup detaches them too. Unix sockets have no such hook:
 * a check on one keeps the seccomp filter. */
#pragma once

#include <stdbool.h>

enum {
        LISTEN_BPF_TCP = 1 << 0, /* listen() of a TCP socket */
        LISTEN_BPF_UDP = 1 << 1, /* bind() of a UDP socket */
};

struct listen_bpf;

#define LISTEN_BPF_PROG_NAME "unitrun_listen"

/* Loads the programs for what (LISTEN_BPF_* bits) and links them to the cgroup (a directory
 * fd of a cgroup v2 leaf). 0, or -errno: EPERM without the capabilities, EINVAL or
 * ENOSYS on kernels without BPF links for cgroups (Linux 5.7) or ring buffers (5.8),
 * EBADF where the fd is no cgroup v2 directory. */
int listen_bpf_attach(int cgroup_fd, unsigned what, struct listen_bpf **ret);

/* The ring buffer's fd: readable while reports wait. */
int listen_bpf_fd(const struct listen_bpf *b);

/* Consumes every waiting report: how many there were (>= 0). */
int listen_bpf_drain(struct listen_bpf *b);

/* Detaches and unloads (closing the links, programs and map): from then on the unit's
 * calls run no program of ours. Accepts NULL; returns NULL. */
struct listen_bpf *listen_bpf_free(struct listen_bpf *b);

/* UNITRUN_LISTEN_BPF=1: BPF asked for. Not the default: the ring buffer's reader is woken
 * while the daemon runs on, on a VM often on an idle vCPU that is slow to wake (bench-ready
 * on an idle machine: 0.45-0.55 ms median overshoot against seccomp's 0.17 ms), where the
 * filter stops the daemon at the call and unitrun runs on the CPU it leaves. */
bool listen_bpf_wanted(void);

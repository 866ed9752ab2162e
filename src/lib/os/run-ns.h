/* The run's private namespaces (--private-network, --private-dirs): a network namespace
 * with only loopback, up, and a mount namespace (propagation from the host as slave) where
 * the units' directories appear at systemd's paths. Without root both belong to a user
 * namespace in which the caller is root and nobody else exists.
 *
 * A holder process is born into them and stays there for the run: it hands out their fds,
 * which every spawn joins (setns in the child), creates sockets in the run's network for
 * the launcher's readiness checks, and makes the bind mounts. As root in a single-threaded
 * process the launcher's thread makes them itself and forks the holder into them (no
 * handshake to wait for); otherwise the holder makes them and replies with their fds. It
 * exits when its socket closes, so a launcher that is SIGKILLed takes it along; the
 * namespaces die with their last process and the last fd, and nothing of them ever was in
 * the host's mount table. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

enum run_ns_flags {
        RUN_NS_NETWORK = 1 << 0,
        RUN_NS_MOUNT = 1 << 1,
};

/* Which step failed; with the errno it makes the error message. */
enum run_ns_step {
        RUN_NS_STEP_NONE,
        RUN_NS_STEP_FORK,
        RUN_NS_STEP_USERNS,
        RUN_NS_STEP_SETGROUPS,
        RUN_NS_STEP_UID_MAP,
        RUN_NS_STEP_GID_MAP,
        RUN_NS_STEP_UNSHARE,
        RUN_NS_STEP_LOOPBACK,
        RUN_NS_STEP_PROPAGATION,
        RUN_NS_STEP_OPEN_NS,
        RUN_NS_STEP_SOCKET,
        RUN_NS_STEP_SHADOW,
        RUN_NS_STEP_BIND,
        RUN_NS_STEP_TMPFS,
        RUN_NS_STEP_SETNS,
};

struct run_ns {
        unsigned flags;
        bool user;     /* a user namespace too (not root) */
        bool pending;  /* run_ns_start() done, its reply not read yet: no fds yet */
        bool let_go;   /* run_ns_let_go(): no fds any more */
        pid_t holder;  /* the holder process: /proc/HOLDER/ns/ are the namespaces */
        int holder_fd; /* its request socket (SOCK_SEQPACKET) */
        int user_fd;   /* the namespaces' fds, -1 where there is none */
        int mnt_fd;
        int net_fd;
        bool parent_mnt, parent_net; /* the parent's joined: its fds are kept, not the host's */
        char *stage_dir;             /* an empty host directory the holder may mount on, inside only */
        char **shadowed;             /* parents already replaced by a copy (see run_ns_bind()) */
};

/* Creates the namespaces for flags; stage_dir is a path of ours (in the run directory),
 * made by the holder as an empty directory when it first stages mounts there. With a parent, they are made
 * inside the parent's (a unit's PrivateNetwork=/PrivateTmp= within the run's), and keep what of the parent's
 * they do not replace. On failure *ret_error says which step and why. */
int run_ns_new(
        unsigned flags, const struct run_ns *parent, const char *stage_dir, struct run_ns **ret,
        char **ret_error);
/* The same in two halves, so that the caller works while the kernel makes the namespaces
 * (a network namespace alone takes half a millisecond): run_ns_start() forks the holder
 * and returns at once with a pending *ret; run_ns_wait() reads what the holder says (0, or
 * -errno with *ret_error; then only run_ns_free() is left to do). Nothing but
 * run_ns_wait() and run_ns_free() may be called on a pending ns. */
int run_ns_start(
        unsigned flags, const struct run_ns *parent, const char *stage_dir, struct run_ns **ret,
        char **ret_error);
int run_ns_wait(struct run_ns *ns, char **ret_error);
/* For the end, when nothing will be spawned into them any more: closes their fds, then the
 * holder's socket, so that the holder is their last process and tears them down as it
 * exits (a mount namespace's teardown waits for an RCU grace period, milliseconds on a
 * loaded machine) while the caller does the rest of its teardown; run_ns_free() reaps it.
 * After this run_ns_enter(), run_ns_socket() and run_ns_bind() fail with EBADF. */
void run_ns_let_go(struct run_ns *ns);
struct run_ns *run_ns_free(struct run_ns *ns);

/* socket(2) in the run's network namespace; plain socket() for ns == NULL. */
int run_ns_socket(struct run_ns *ns, int family, int type, int protocol);

/* Inside the mount namespace: src (a host directory) appears at dst. When dst does not
 * exist on the host, its parent is first replaced, inside only, by a tmpfs holding a bind
 * mount of each of the parent's entries, so nothing is ever created on the host. */
int run_ns_bind(struct run_ns *ns, const char *src, const char *dst, char **ret_error);

/* Moves the calling (single-threaded) process into the namespaces, keeping its working
 * directory; async-signal-safe, for a child between fork and exec. Returns 0 or -errno. */
int run_ns_enter(const struct run_ns *ns);

const char *run_ns_step_to_string(int step);

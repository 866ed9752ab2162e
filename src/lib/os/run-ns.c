/* The run's namespaces and the holder process that lives in them (see run-ns.h). The
 * holder is a fork of a possibly multi-threaded embedder: it makes system calls only, on
 * memory prepared before the fork, and talks to us over a SOCK_SEQPACKET pair, one
 * request and one reply at a time. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "shims.h"
#include "run-ns.h"
#include "strv.h"

enum { NS_OP_SOCKET = 1, NS_OP_BIND };

struct ns_request {
        int op;
        int family, type, protocol;
        char src[PATH_MAX];
        char dst[PATH_MAX];
};

struct ns_reply {
        int step;
        int error;
};

#define HOLDER_MAX_SHADOWED 16

/* The holder's own state: filled before the fork, then only its copy changes. */
struct holder {
        unsigned flags;
        const struct run_ns *parent; /* joined first: a unit's namespaces inside the run's */
        bool new_user;               /* unshare a user namespace (not root, no parent's) */
        bool user;                   /* in a user namespace: its fd goes out too */
        bool made_here;              /* born in namespaces the launcher made: no reply */
        uid_t uid;
        gid_t gid;
        int fd;
        const char *stage;
        char shadowed[HOLDER_MAX_SHADOWED][PATH_MAX];
        int n_shadowed;
};

const char *run_ns_step_to_string(int step)
{
        switch (step) {
        case RUN_NS_STEP_FORK:
                return "starting the namespace holder (fork)";
        case RUN_NS_STEP_USERNS:
                return "creating a user namespace (unshare CLONE_NEWUSER)";
        case RUN_NS_STEP_SETGROUPS:
                return "denying setgroups in the user namespace (/proc/self/setgroups)";
        case RUN_NS_STEP_UID_MAP:
                return "mapping the caller to root (/proc/self/uid_map)";
        case RUN_NS_STEP_GID_MAP:
                return "mapping the caller's group (/proc/self/gid_map)";
        case RUN_NS_STEP_UNSHARE:
                return "creating the network/mount namespaces (unshare CLONE_NEWNET/CLONE_NEWNS)";
        case RUN_NS_STEP_LOOPBACK:
                return "bringing up loopback (SIOCSIFFLAGS lo)";
        case RUN_NS_STEP_PROPAGATION:
                return "making mount propagation from the host one-way (MS_SLAVE on /)";
        case RUN_NS_STEP_OPEN_NS:
                return "opening the namespaces (/proc/self/ns)";
        case RUN_NS_STEP_SOCKET:
                return "creating a socket in the run's network";
        case RUN_NS_STEP_SHADOW:
                return "replacing the parent directory inside the run (tmpfs + bind mounts)";
        case RUN_NS_STEP_BIND:
                return "bind-mounting the directory";
        case RUN_NS_STEP_TMPFS:
                return "mounting a tmpfs";
        case RUN_NS_STEP_SETNS:
                return "joining the run's namespaces (setns)";
        default:
                return "talking to the namespace holder";
        }
}

static int write_file(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t len = (ssize_t) strlen(text), n;

        if (fd < 0)
                return -1;
        n = write(fd, text, (size_t) len);
        close(fd);
        return n == len ? 0 : -1;
}

static int loopback_up(void)
{
        struct ifreq ifr = {};
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = -1;

        if (fd < 0)
                return -1;
        strcpy(ifr.ifr_name, "lo");
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) >= 0) {
                ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
                r = ioctl(fd, SIOCSIFFLAGS, &ifr);
        }
        close(fd);
        return r;
}

static int send_reply(int fd, int step, int error, const int *fds, int n_fds)
{
        struct ns_reply reply = { .step = step, .error = error };
        struct iovec iov = { .iov_base = &reply, .iov_len = sizeof(reply) };
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(3 * sizeof(int))];
        } control = {};
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (n_fds > 0) {
                struct cmsghdr *c;

                msg.msg_control = control.buf;
                msg.msg_controllen = CMSG_SPACE((size_t) n_fds * sizeof(int));
                c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN((size_t) n_fds * sizeof(int));
                memcpy(CMSG_DATA(c), fds, (size_t) n_fds * sizeof(int));
        }
        return sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* Reads a reply and the fds passed with it (at most max_fds, the rest closed). */
static int recv_reply(int fd, struct ns_reply *reply, int *fds, int max_fds)
{
        struct iovec iov = { .iov_base = reply, .iov_len = sizeof(*reply) };
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(3 * sizeof(int))];
        } control = {};
        struct msghdr msg = { .msg_iov = &iov,
                              .msg_iovlen = 1,
                              .msg_control = control.buf,
                              .msg_controllen = sizeof(control.buf) };
        ssize_t n;
        int got = 0;

        do
                n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if (n != (ssize_t) sizeof(*reply))
                return -EPIPE; /* the holder is gone */
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                int *in = (int *) CMSG_DATA(c);
                size_t k;

                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < k; i++) {
                        if (got < max_fds)
                                fds[got++] = in[i];
                        else
                                close(in[i]);
                }
        }
        return got;
}

/* The holder's directory listing, with getdents64: no malloc after fork. */
struct linux_dirent64 {
        uint64_t d_ino;
        int64_t d_off;
        unsigned short d_reclen;
        unsigned char d_type;
        char d_name[];
};

/* parent (a directory of the host, say /run) is replaced inside by a tmpfs with the same
 * mode that holds, for each entry, a bind mount of the host's (or the same symlink):
 * everything there stays what it was, and new names can be made without touching the
 * host. The copy is built on the stage directory and moved into place. */
static int holder_shadow(struct holder *h, const char *parent)
{
        char buf[8192], opts[64], from[PATH_MAX + NAME_MAX + 2], to[PATH_MAX + NAME_MAX + 2];
        struct stat st;
        int dfd, saved;
        long n;

        if (stat(parent, &st) < 0)
                return -1;
        /* Made here, when first needed: most runs never shadow anything, and a directory
         * made and removed is not free (ext4 looks for a long-unused inode each time). On
         * the host it stays an empty directory of the run's. */
        if (mkdir(h->stage, 0700) < 0 && errno != EEXIST)
                return -1;
        snprintf(opts, sizeof(opts), "mode=%04o", (unsigned) (st.st_mode & 07777));
        if (mount("tmpfs", h->stage, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
                return -1;
        dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                goto fail;
        while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0)
                for (long off = 0; off < n;) {
                        struct linux_dirent64 *de = (struct linux_dirent64 *) (buf + off);
                        struct stat est;

                        off += de->d_reclen;
                        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                                continue;
                        if (fstatat(dfd, de->d_name, &est, AT_SYMLINK_NOFOLLOW) < 0)
                                continue; /* gone meanwhile */
                        if (snprintf(from, sizeof(from), "%s/%s", parent, de->d_name) >=
                                    (int) sizeof(from) ||
                            snprintf(to, sizeof(to), "%s/%s", h->stage, de->d_name) >= (int) sizeof(to)) {
                                errno = ENAMETOOLONG;
                                goto fail_dir;
                        }
                        if (S_ISLNK(est.st_mode)) {
                                char target[PATH_MAX];
                                ssize_t len = readlinkat(dfd, de->d_name, target, sizeof(target) - 1);

                                if (len < 0)
                                        goto fail_dir;
                                target[len] = 0;
                                if (symlink(target, to) < 0)
                                        goto fail_dir;
                                continue;
                        }
                        if (S_ISDIR(est.st_mode)) {
                                if (mkdir(to, 0755) < 0)
                                        goto fail_dir;
                        } else {
                                int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                                if (fd < 0)
                                        goto fail_dir;
                                close(fd);
                        }
                        if (mount(from, to, NULL, MS_BIND | MS_REC, NULL) < 0)
                                goto fail_dir;
                }
        if (n < 0)
                goto fail_dir;
        close(dfd);
        if (mount(h->stage, parent, NULL, MS_MOVE, NULL) < 0)
                goto fail;
        if (h->n_shadowed < HOLDER_MAX_SHADOWED && strlen(parent) < PATH_MAX)
                strcpy(h->shadowed[h->n_shadowed++], parent);
        return 0;

fail_dir:
        close(dfd);
fail:
        saved = errno;
        (void) umount2(h->stage, MNT_DETACH);
        errno = saved;
        return -1;
}

static int holder_bind(struct holder *h, const char *src, const char *dst, int *ret_step)
{
        char parent[PATH_MAX];
        struct stat st;
        char *slash;
        bool shadowed = false;

        *ret_step = RUN_NS_STEP_BIND;
        if (stat(dst, &st) == 0) {
                if (!S_ISDIR(st.st_mode)) {
                        errno = ENOTDIR;
                        return -1;
                }
                return mount(src, dst, NULL, MS_BIND | MS_REC, NULL);
        }
        if (errno != ENOENT)
                return -1;
        snprintf(parent, sizeof(parent), "%s", dst);
        slash = strrchr(parent, '/');
        if (!slash || slash == parent) {
                errno = EINVAL;
                return -1;
        }
        *slash = 0;
        for (int i = 0; i < h->n_shadowed; i++)
                if (strcmp(h->shadowed[i], parent) == 0)
                        shadowed = true;
        *ret_step = RUN_NS_STEP_SHADOW;
        if (!shadowed && holder_shadow(h, parent) < 0)
                return -1;
        *ret_step = RUN_NS_STEP_BIND;
        if (mkdir(dst, 0755) < 0 && errno != EEXIST)
                return -1;
        return mount(src, dst, NULL, MS_BIND | MS_REC, NULL);
}

/* The new namespaces themselves, for the calling thread (the holder, or the launcher's
 * own thread in run_ns_start_here()). -1 with errno and *ret_step. */
static int ns_unshare(unsigned run_flags, int *ret_step)
{
        int flags = 0;

        if (run_flags & RUN_NS_NETWORK)
                flags |= CLONE_NEWNET;
        if (run_flags & RUN_NS_MOUNT)
                flags |= CLONE_NEWNS;
        *ret_step = RUN_NS_STEP_UNSHARE;
        if (unshare(flags) < 0)
                return -1;
        *ret_step = RUN_NS_STEP_LOOPBACK;
        if ((run_flags & RUN_NS_NETWORK) && loopback_up() < 0)
                return -1;
        *ret_step = RUN_NS_STEP_PROPAGATION;
        if ((run_flags & RUN_NS_MOUNT) && mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                return -1;
        return 0;
}

static int holder_setup(struct holder *h, int *ret_step)
{
        char map[64];

        if (h->parent) {
                int r = run_ns_enter(h->parent);

                *ret_step = RUN_NS_STEP_SETNS;
                if (r < 0) {
                        errno = -r;
                        return -1;
                }
        }
        /* Nothing of the launcher's stays open in here: another holder's socket kept
         * open would keep that holder from ever seeing EOF. */
        if (h->fd > 3)
                (void) shim_close_range(3, (unsigned) h->fd - 1, 0);
        (void) shim_close_range((unsigned) h->fd + 1, ~0U, 0);
        if (h->new_user) {
                *ret_step = RUN_NS_STEP_USERNS;
                if (unshare(CLONE_NEWUSER) < 0)
                        return -1;
                *ret_step = RUN_NS_STEP_SETGROUPS;
                if (write_file("/proc/self/setgroups", "deny") < 0)
                        return -1;
                *ret_step = RUN_NS_STEP_UID_MAP;
                snprintf(map, sizeof(map), "0 %u 1\n", (unsigned) h->uid);
                if (write_file("/proc/self/uid_map", map) < 0)
                        return -1;
                *ret_step = RUN_NS_STEP_GID_MAP;
                snprintf(map, sizeof(map), "0 %u 1\n", (unsigned) h->gid);
                if (write_file("/proc/self/gid_map", map) < 0)
                        return -1;
        }
        return h->made_here ? 0 : ns_unshare(h->flags, ret_step);
}

_Noreturn static void holder_serve(struct holder *h);

_Noreturn static void holder_main(struct holder *h)
{
        int fds[3], n_fds = 0, step = RUN_NS_STEP_NONE;

        /* No PR_SET_PDEATHSIG: it fires when the forking *thread* ends, which in an
         * embedder is not the end of the run. EOF on our socket is: the launcher closed
         * it, or died, SIGKILL included. */
        if (holder_setup(h, &step) < 0) {
                (void) send_reply(h->fd, step, errno, NULL, 0);
                _exit(1);
        }
        if (h->made_here)
                holder_serve(h); /* born in them: the launcher has their fds already */
        step = RUN_NS_STEP_OPEN_NS;
        if (h->user)
                fds[n_fds++] = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
        fds[n_fds++] = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
        fds[n_fds++] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        for (int i = 0; i < n_fds; i++)
                if (fds[i] < 0) {
                        (void) send_reply(h->fd, step, errno, NULL, 0);
                        _exit(1);
                }
        if (send_reply(h->fd, 0, 0, fds, n_fds) < 0)
                _exit(1);
        for (int i = 0; i < n_fds; i++)
                close(fds[i]);
        holder_serve(h);
}

_Noreturn static void holder_serve(struct holder *h)
{
        struct ns_request req;
        int step = RUN_NS_STEP_NONE;

        for (;;) {
                ssize_t n = recv(h->fd, &req, sizeof(req), 0);
                int fd;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n != (ssize_t) sizeof(req))
                        _exit(0); /* EOF: the launcher is done (or dead) */
                req.src[PATH_MAX - 1] = req.dst[PATH_MAX - 1] = 0;
                switch (req.op) {
                case NS_OP_SOCKET:
                        fd = socket(req.family, req.type | SOCK_CLOEXEC, req.protocol);
                        if (fd < 0)
                                (void) send_reply(h->fd, RUN_NS_STEP_SOCKET, errno, NULL, 0);
                        else {
                                (void) send_reply(h->fd, 0, 0, &fd, 1);
                                close(fd);
                        }
                        break;
                case NS_OP_BIND:
                        if (holder_bind(h, req.src, req.dst, &step) < 0)
                                (void) send_reply(h->fd, step, errno, NULL, 0);
                        else
                                (void) send_reply(h->fd, 0, 0, NULL, 0);
                        break;
                default:
                        (void) send_reply(h->fd, RUN_NS_STEP_NONE, EINVAL, NULL, 0);
                }
        }
}

static char *step_message(int step, int error)
{
        char buf[512];

        snprintf(buf, sizeof(buf), "%s: %s", run_ns_step_to_string(step), strerror(error));
        return strdup(buf);
}

/* One thread in the whole process: unshare(CLONE_NEWNS) would otherwise give the calling
 * thread an fs_struct (cwd, root) of its own for good. /proc/self/task counts its threads
 * in its link count. */
static bool single_threaded(void)
{
        struct stat st;

        return stat("/proc/self/task", &st) == 0 && st.st_nlink == 3;
}

/* Back from the new namespaces to where we were (here_*), with our root and working
 * directory, which joining a mount namespace resets to its root. */
static int ns_go_back(unsigned flags, int here_net, int here_mnt, int root, int cwd)
{
        struct stat was, now;

        if ((flags & RUN_NS_NETWORK) && setns(here_net, CLONE_NEWNET) < 0)
                return -1;
        if (!(flags & RUN_NS_MOUNT))
                return 0;
        if (setns(here_mnt, CLONE_NEWNS) < 0 || fstat(root, &was) < 0 || stat("/", &now) < 0)
                return -1;
        /* A chroot'ed caller gets its root back (the namespace's root is what setns gave). */
        if ((was.st_dev != now.st_dev || was.st_ino != now.st_ino) && (fchdir(root) < 0 || chroot(".") < 0))
                return -1;
        return fchdir(cwd);
}

/* As root in a single-threaded process: the calling thread makes the namespaces itself,
 * forks the holder into them and goes back. The kernel's work is the same as the holder's
 * (about 0.5 ms of CPU for a network namespace, mostly its sysctl tables), but nobody
 * waits for another process to be scheduled (on a loaded machine that wait comes on top of
 * the work), and no fds travel. */
static int ns_start_here(struct run_ns *ns, struct holder *h, int pair[2], int *ret_step)
{
        _cleanup_close_ int here_net = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int here_mnt = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        int r = 0, saved;

        *ret_step = RUN_NS_STEP_OPEN_NS;
        if (here_net < 0 || here_mnt < 0 || root < 0 || cwd < 0)
                return -errno;
        if (ns_unshare(ns->flags, ret_step) < 0) {
                r = -errno;
                if (*ret_step == RUN_NS_STEP_UNSHARE)
                        return r; /* refused: we are still where we were */
                goto back;
        }
        *ret_step = RUN_NS_STEP_OPEN_NS;
        if (((ns->flags & RUN_NS_NETWORK) &&
             (ns->net_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) ||
            ((ns->flags & RUN_NS_MOUNT) &&
             (ns->mnt_fd = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC)) < 0)) {
                r = -errno;
                goto back;
        }
        h->made_here = true;
        *ret_step = RUN_NS_STEP_FORK;
        ns->holder = fork();
        if (ns->holder == 0) {
                close(pair[0]);
                holder_main(h);
        }
        if (ns->holder < 0)
                r = -errno;
back:
        saved = errno;
        if (ns_go_back(ns->flags, here_net, here_mnt, root, cwd) < 0) {
                /* Cannot be with the capability that let us in; if it were, stop here
                 * rather than run on in the wrong namespaces. */
                *ret_step = RUN_NS_STEP_SETNS;
                return -errno;
        }
        errno = saved;
        return r;
}

int run_ns_start(
        unsigned flags, const struct run_ns *parent, const char *stage_dir, struct run_ns **ret,
        char **ret_error)
{
        _cleanup_free_ struct holder *h = NULL;
        struct run_ns *ns;
        int pair[2], r;

        h = calloc(1, sizeof(*h));
        ns = calloc(1, sizeof(*ns));
        if (!h || !ns || (stage_dir && !(ns->stage_dir = strdup(stage_dir)))) {
                free(ns);
                return -ENOMEM;
        }
        *ns = (struct run_ns){ .flags = flags,
                               .user = parent ? parent->user_fd >= 0 : geteuid() != 0,
                               .holder = -1,
                               .holder_fd = -1,
                               .user_fd = -1,
                               .mnt_fd = -1,
                               .net_fd = -1,
                               .parent_mnt = parent && parent->mnt_fd >= 0,
                               .parent_net = parent && parent->net_fd >= 0,
                               .stage_dir = ns->stage_dir };
        *h = (struct holder){
                .flags = flags,
                .parent = parent,
                .new_user = ns->user && !parent,
                .user = ns->user,
                .uid = geteuid(),
                .gid = getegid(),
                .stage = ns->stage_dir,
        };
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
                r = -errno;
                run_ns_free(ns);
                return r;
        }
        ns->holder_fd = pair[0];
        h->fd = pair[1];
        if (!ns->user && !parent && flags && single_threaded()) {
                int step;

                r = ns_start_here(ns, h, pair, &step);
                close(pair[1]);
                if (r < 0) {
                        *ret_error = step_message(step, -r);
                        run_ns_free(ns);
                        return r;
                }
                *ret = ns;
                return 0;
        }
        ns->holder = fork();
        if (ns->holder == 0) {
                close(pair[0]);
                holder_main(h); /* its own copy of *h: ours goes when we return */
        }
        close(pair[1]);
        if (ns->holder < 0) {
                r = -errno;
                *ret_error = step_message(RUN_NS_STEP_FORK, -r);
                run_ns_free(ns);
                return r;
        }
        ns->pending = true;
        *ret = ns;
        return 0;
}

int run_ns_wait(struct run_ns *ns, char **ret_error)
{
        struct ns_reply reply;
        int fds[3] = { -1, -1, -1 }, r;

        if (!ns->pending)
                return 0;
        ns->pending = false;
        r = recv_reply(ns->holder_fd, &reply, fds, 3);
        if (r >= 0 && reply.error) {
                for (int i = 0; i < r; i++)
                        close(fds[i]);
                *ret_error = step_message(reply.step, reply.error);
                r = -reply.error;
        } else if (r >= 0 && r != (ns->user ? 3 : 2)) {
                for (int i = 0; i < r; i++)
                        close(fds[i]);
                *ret_error = step_message(RUN_NS_STEP_OPEN_NS, EPROTO);
                r = -EPROTO;
        } else if (r < 0)
                *ret_error = step_message(RUN_NS_STEP_NONE, -r);
        if (r < 0) {
                /* Failed for good: nothing to join, and the holder is exiting. */
                ns->holder_fd = safe_close(ns->holder_fd);
                return r;
        }
        if (ns->user) {
                ns->user_fd = fds[0];
                ns->mnt_fd = fds[1];
                ns->net_fd = fds[2];
        } else {
                ns->mnt_fd = fds[0];
                ns->net_fd = fds[1];
        }
        /* Only join what was made new, here or in the parent: the rest is the host's. */
        if (!(ns->flags & RUN_NS_MOUNT) && !ns->parent_mnt)
                ns->mnt_fd = safe_close(ns->mnt_fd);
        if (!(ns->flags & RUN_NS_NETWORK) && !ns->parent_net)
                ns->net_fd = safe_close(ns->net_fd);
        return 0;
}

int run_ns_new(
        unsigned flags, const struct run_ns *parent, const char *stage_dir, struct run_ns **ret,
        char **ret_error)
{
        struct run_ns *ns = NULL;
        int r = run_ns_start(flags, parent, stage_dir, &ns, ret_error);

        if (r < 0)
                return r;
        r = run_ns_wait(ns, ret_error);
        if (r < 0) {
                run_ns_free(ns);
                return r;
        }
        *ret = ns;
        return 0;
}

void run_ns_let_go(struct run_ns *ns)
{
        if (!ns)
                return;
        ns->let_go = true;
        /* Ours first: the holder, still in them, stays their last reference. */
        ns->user_fd = safe_close(ns->user_fd);
        ns->mnt_fd = safe_close(ns->mnt_fd);
        ns->net_fd = safe_close(ns->net_fd);
        ns->holder_fd = safe_close(ns->holder_fd); /* the holder exits on EOF */
}

struct run_ns *run_ns_free(struct run_ns *ns)
{
        if (!ns)
                return NULL;
        safe_close(ns->holder_fd); /* the holder exits on EOF */
        if (ns->holder > 0)
                while (waitpid(ns->holder, NULL, 0) < 0 && errno == EINTR)
                        ;
        safe_close(ns->user_fd);
        safe_close(ns->mnt_fd);
        safe_close(ns->net_fd);
        free(ns->stage_dir);
        free(ns);
        return NULL;
}

static int holder_call(struct run_ns *ns, const struct ns_request *req, int *ret_fd, int *ret_step)
{
        struct ns_reply reply;
        int fd = -1, r;

        *ret_step = RUN_NS_STEP_NONE;
        if (send(ns->holder_fd, req, sizeof(*req), MSG_NOSIGNAL) < 0)
                return -errno;
        r = recv_reply(ns->holder_fd, &reply, &fd, 1);
        if (r < 0)
                return r;
        if (reply.error) {
                safe_close(fd);
                *ret_step = reply.step;
                return -reply.error;
        }
        if (ret_fd)
                *ret_fd = fd;
        else
                safe_close(fd);
        return 0;
}

int run_ns_socket(struct run_ns *ns, int family, int type, int protocol)
{
        _cleanup_free_ struct ns_request *req = NULL;
        int fd = -1, step, r;

        if (ns && (ns->pending || ns->let_go)) {
                errno = ns->pending ? EAGAIN : EBADF; /* never the host's network instead */
                return -1;
        }
        if (!ns || ns->net_fd < 0)
                return socket(family, type | SOCK_CLOEXEC, protocol);
        /* As root (no user namespace) this thread steps in and out itself: a socket
         * belongs to the namespace it was made in, and two setns() calls are much
         * cheaper than a round trip to the holder, which a readiness poll pays often. */
        if (!ns->user) {
                _cleanup_close_ int here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

                if (here >= 0 && setns(ns->net_fd, CLONE_NEWNET) == 0) {
                        int saved;

                        fd = socket(family, type | SOCK_CLOEXEC, protocol);
                        saved = errno;
                        /* Back where we were: it cannot fail with the capability that
                         * just let us in, but if it did, say so rather than go on. */
                        if (setns(here, CLONE_NEWNET) < 0) {
                                saved = errno;
                                safe_close(fd);
                                fd = -1;
                        }
                        errno = saved;
                        return fd;
                }
        }
        req = calloc(1, sizeof(*req));
        if (!req) {
                errno = ENOMEM;
                return -1;
        }
        *req = (struct ns_request){
                .op = NS_OP_SOCKET, .family = family, .type = type, .protocol = protocol
        };
        r = holder_call(ns, req, &fd, &step);
        if (r < 0 || fd < 0) {
                errno = r < 0 ? -r : EPROTO;
                return -1;
        }
        return fd;
}

int run_ns_bind(struct run_ns *ns, const char *src, const char *dst, char **ret_error)
{
        _cleanup_free_ struct ns_request *req = calloc(1, sizeof(*req));
        int step, r;

        if (!req)
                return -ENOMEM;
        if (ns->pending || ns->let_go)
                return ns->pending ? -EAGAIN : -EBADF;
        if (strlen(src) >= PATH_MAX || strlen(dst) >= PATH_MAX)
                return -ENAMETOOLONG;
        req->op = NS_OP_BIND;
        strcpy(req->src, src);
        strcpy(req->dst, dst);
        r = holder_call(ns, req, NULL, &step);
        if (r < 0 && ret_error) {
                char buf[PATH_MAX * 2 + 256];
                snprintf(buf, sizeof(buf), "%s at %s: %s", run_ns_step_to_string(step), dst, strerror(-r));
                *ret_error = strdup(buf);
        }
        return r;
}

int run_ns_enter(const struct run_ns *ns)
{
        int cwd, r = 0;

        if (ns->pending || ns->let_go)
                return ns->pending ? -EAGAIN : -EBADF; /* never a silent run without them */
        cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);

        /* The user namespace first: the others belong to it. */
        if ((ns->user_fd >= 0 && setns(ns->user_fd, CLONE_NEWUSER) < 0) ||
            (ns->mnt_fd >= 0 && setns(ns->mnt_fd, CLONE_NEWNS) < 0) ||
            (ns->net_fd >= 0 && setns(ns->net_fd, CLONE_NEWNET) < 0))
                r = -errno;
        /* Joining a mount namespace moves us to its root. */
        if (cwd >= 0) {
                if (r == 0 && fchdir(cwd) < 0)
                        r = -errno;
                close(cwd);
        }
        return r;
}

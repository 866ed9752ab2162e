/* The guardian: a small process forked per context that outlives the launcher only to
 * clean up after it. The launcher holds one end of a socket pair; the guardian reads the
 * other. A clean teardown writes 'q' first; end-of-file without it means the launcher died
 * (SIGKILL, a crash, _exit with executors running), and the guardian then kills every unit
 * of the run (cgroup.kill per leaf, or the recorded sessions in the fallback), removes the
 * leaves and the runtime directory, and exits.
 *
 * It is cloned with CLONE_VM (clone3_vm()): it shares the launcher's memory instead of
 * getting a copy, so the launcher's page tables are not copied and no page it writes
 * afterwards faults for its copy-on-write (a fork() here was ~0.35 ms of every CLI
 * start+stop cycle, measured; an embedder's 50 MB Python process costs more). It survives
 * the launcher's SIGKILL or crash all the same: a process's memory lives as long as one
 * of the processes sharing it (as a vfork() child's does). Sharing has rules: the
 * guardian makes raw system calls only (raw-syscall.h: no errno, no libc, nothing that
 * writes the launcher's TLS), writes nothing but its own block (struct guardian_data
 * and its stack, mapped for it and unmapped once it is reaped), and keeps every signal
 * blocked, so no handler of the launcher's ever runs in it. One price: the kernel's OOM
 * killer kills every process that shares the victim's memory, so a launcher chosen by it
 * takes its guardian along (the next launcher's stale sweep removes what was left; the
 * OOM killer picks the largest process, rarely the launcher). Where clone3_vm() is not
 * available (not x86-64, AddressSanitizer) it is a fork(), on the same code.
 *
 * A socket and not a pipe: the guardian may be gone (SIGKILLed, OOM-killed) when the
 * launcher writes, and a pipe would then raise SIGPIPE in a host that never asked for
 * it. send() with MSG_NOSIGNAL gets EPIPE instead, which just means "no guardian". */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "clone-vfork.h"
#include "guardian.h"
#include "macro.h"
#include "raw-syscall.h"
#include "shims.h"

#define GUARDIAN_MAX_SESSIONS 4096
/* The guardian's stack: rm_rf_at_safe() takes ~12 KB a level, RM_RF_MAX_DEPTH levels. */
#define GUARDIAN_STACK (1024 * 1024)
#define RM_RF_MAX_DEPTH 64

struct linux_dirent64 {
        uint64_t d_ino;
        int64_t d_off;
        unsigned short d_reclen;
        unsigned char d_type;
        char d_name[];
};

/* Everything the guardian needs, written before it starts and never after. It lives at the
 * top of the guardian's own mapping, right above its stack. */
struct guardian_data {
        char run_dir[PATH_MAX];     /* cgroup run directory, or "" */
        char origin[PATH_MAX];      /* cgroup to move to, out of the way of cgroup.kill */
        char runtime_dir[PATH_MAX]; /* or "" */
        int sock_fd;
        pid_t sessions[GUARDIAN_MAX_SESSIONS]; /* the guardian's own: filled from messages */
        size_t n_sessions;
};

#define GUARDIAN_MAP_SIZE (GUARDIAN_STACK + ((sizeof(struct guardian_data) + 4095) & ~(size_t) 4095))

/* ---- Raw system calls (see raw-syscall.h): the guardian's only way to the kernel ---- */

static int g_open(const char *path, int flags)
{
        return (int) raw_syscall(SYS_openat, AT_FDCWD, (long) path, flags | O_CLOEXEC, 0);
}

static int g_openat(int dir_fd, const char *path, int flags)
{
        return (int) raw_syscall(SYS_openat, dir_fd, (long) path, flags | O_CLOEXEC, 0);
}

static long g_read(int fd, void *buf, size_t n)
{
        return raw_syscall(SYS_read, fd, (long) buf, (long) n, 0);
}

static void g_close(int fd)
{
        (void) raw_syscall(SYS_close, fd, 0, 0, 0);
}

static int g_unlinkat(int dir_fd, const char *name, int flags)
{
        return (int) raw_syscall(SYS_unlinkat, dir_fd, (long) name, flags, 0);
}

static size_t str_len(const char *s)
{
        size_t n = 0;
        while (s[n])
                n++;
        return n;
}

/* dst = a + "/" + b, truncated safely. */
static void path_join(char *dst, size_t size, const char *a, const char *b)
{
        size_t o = 0;

        for (size_t i = 0; a[i] && o + 1 < size; i++)
                dst[o++] = a[i];
        if (o + 1 < size)
                dst[o++] = '/';
        for (size_t i = 0; b[i] && o + 1 < size; i++)
                dst[o++] = b[i];
        dst[o] = 0;
}

static void write_file(const char *dir, const char *file, const char *value)
{
        char path[PATH_MAX];
        int fd;

        path_join(path, sizeof(path), dir, file);
        fd = g_open(path, O_WRONLY);
        if (fd < 0)
                return;
        (void) raw_syscall(SYS_write, fd, (long) value, (long) str_len(value), 0);
        g_close(fd);
}

static bool contains(const char *haystack, const char *needle)
{
        for (; *haystack; haystack++) {
                size_t i = 0;
                while (needle[i] && haystack[i] == needle[i])
                        i++;
                if (!needle[i])
                        return true;
        }
        return false;
}

/* Waits (at most ~2 s) until the cgroup is empty, on its cgroup.events. */
static void wait_cgroup_empty(const char *dir)
{
        char path[PATH_MAX], buf[256];
        int fd;

        path_join(path, sizeof(path), dir, "cgroup.events");
        fd = g_open(path, O_RDONLY);
        if (fd < 0)
                return;
        for (int i = 0; i < 20; i++) {
                struct pollfd p = { .fd = fd, .events = POLLPRI };
                struct timespec timeout = { .tv_nsec = 100 * 1000 * 1000 };
                long n = raw_syscall(SYS_pread64, fd, (long) buf, sizeof(buf) - 1, 0);

                if (n <= 0)
                        break;
                buf[n] = 0;
                if (!contains(buf, "populated 1"))
                        break;
                (void) raw_syscall(SYS_ppoll, (long) &p, 1, (long) &timeout, 0);
        }
        g_close(fd);
}

/* Calls fn(dir_fd, name, type, data) for each entry of the directory at fd. */
static void
for_each_entry(int fd, void (*fn)(int dir_fd, const char *name, unsigned char type, void *data), void *data)
{
        char buf[8192] __attribute__((aligned(8)));

        for (;;) {
                long n = raw_syscall(SYS_getdents64, fd, (long) buf, sizeof(buf), 0);
                if (n <= 0)
                        return;
                for (long off = 0; off < n;) {
                        struct linux_dirent64 *d = (struct linux_dirent64 *) (buf + off);
                        off += d->d_reclen;
                        if (d->d_name[0] == '.' && (!d->d_name[1] || (d->d_name[1] == '.' && !d->d_name[2])))
                                continue;
                        fn(fd, d->d_name, d->d_type, data);
                }
        }
}

static void kill_leaf(int dir_fd, const char *name, unsigned char type, void *data)
{
        const struct guardian_data *gd = data;
        char path[PATH_MAX];

        if (type != DT_DIR)
                return;
        path_join(path, sizeof(path), gd->run_dir, name);
        write_file(path, "cgroup.kill", "1");
        wait_cgroup_empty(path);
        (void) g_unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}

static void rm_rf_entry(int dir_fd, const char *name, unsigned char type, void *data);

static void rm_rf_at_safe(int dir_fd, const char *name, unsigned depth)
{
        int fd;

        if (g_unlinkat(dir_fd, name, 0) == 0 || depth >= RM_RF_MAX_DEPTH)
                return;
        fd = g_openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (fd < 0)
                return;
        for_each_entry(fd, rm_rf_entry, &depth);
        g_close(fd);
        (void) g_unlinkat(dir_fd, name, AT_REMOVEDIR);
}

static void rm_rf_entry(int dir_fd, const char *name, unsigned char type, void *data)
{
        rm_rf_at_safe(dir_fd, name, *(unsigned *) data + 1);
}

struct session_kill {
        const struct guardian_data *gd;
        pid_t self;
        unsigned killed;
};

/* Fallback isolation: SIGKILL to every process of a recorded session. */
static void kill_session_entry(int dir_fd, const char *name, unsigned char type, void *data)
{
        struct session_kill *k = data;
        char path[64], buf[512];
        long pid = 0, sid = 0, n;
        int fd, field = 0;
        const char *p;

        for (p = name; *p; p++) {
                if (*p < '0' || *p > '9')
                        return;
                pid = pid * 10 + (*p - '0');
        }
        path_join(path, sizeof(path), "/proc", name);
        path_join(path, sizeof(path), path, "stat");
        fd = g_open(path, O_RDONLY);
        if (fd < 0)
                return;
        n = g_read(fd, buf, sizeof(buf) - 1);
        g_close(fd);
        if (n <= 0)
                return;
        buf[n] = 0;
        /* After the last ')': state ppid pgrp session ... */
        for (p = buf + n; p > buf && *p != ')'; p--)
                ;
        for (; *p && field < 4; p++)
                if (*p == ' ')
                        field++;
        for (; *p >= '0' && *p <= '9'; p++)
                sid = sid * 10 + (*p - '0');
        for (size_t i = 0; i < k->gd->n_sessions; i++)
                if (k->gd->sessions[i] == sid && pid != k->self) {
                        (void) raw_syscall(SYS_kill, pid, SIGKILL, 0, 0);
                        k->killed++;
                }
}

static void guardian_cleanup(struct guardian_data *gd)
{
        int fd;

        if (gd->run_dir[0]) {
                /* Out of the run directory first, so that nothing we kill includes us. */
                write_file(gd->origin, "cgroup.procs", "0");
                fd = g_open(gd->run_dir, O_RDONLY | O_DIRECTORY);
                if (fd >= 0) {
                        for_each_entry(fd, kill_leaf, gd);
                        g_close(fd);
                }
                (void) g_unlinkat(AT_FDCWD, gd->run_dir, AT_REMOVEDIR);
        }
        /* Sessions keep forking while we kill: repeat until a pass finds nobody. */
        for (int pass = 0; pass < 50 && gd->n_sessions > 0; pass++) {
                struct session_kill k = { .gd = gd, .self = (pid_t) raw_syscall(SYS_getpid, 0, 0, 0, 0) };

                fd = g_open("/proc", O_RDONLY | O_DIRECTORY);
                if (fd < 0)
                        break;
                for_each_entry(fd, kill_session_entry, &k);
                g_close(fd);
                if (k.killed == 0)
                        break;
        }
        if (gd->runtime_dir[0])
                rm_rf_at_safe(AT_FDCWD, gd->runtime_dir, 0);
}

_Noreturn static void guardian_main(void *data)
{
        struct guardian_data *gd = data;
        uint64_t all = ~(uint64_t) 0;
        int sock_fd = gd->sock_fd;
        char buf[512];
        bool quit = false;

        /* Every signal blocked (clone3_vm() starts us so; the fork fallback gets here with
         * the launcher's mask and handlers): a ^C, a SIGTERM or SIGHUP to the job, or a
         * SIGPIPE must not take us along before the launcher is gone, and no handler of
         * the launcher's may run in us. */
        (void) raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long) &all, 0, sizeof(all));
        /* Out of the launcher's process group, for the kill of the job's process group. A
         * process group and not a session of our own: setsid() also makes a scheduler
         * autogroup (a task group per CPU, allocated and freed again), which the guardian
         * does not need: it never touches a terminal, and it blocks a hangup's SIGHUP. */
        (void) raw_syscall(SYS_setpgid, 0, 0, 0, 0);
        /* Our own copy of the fd table: only the socket stays. */
        if (raw_syscall(SYS_close_range, 3, sock_fd - 1, 0, 0) < 0 ||
            raw_syscall(SYS_close_range, sock_fd + 1, ~0U, 0, 0) < 0)
                for (int fd = 3; fd < 1024; fd++)
                        if (fd != sock_fd)
                                g_close(fd);
        (void) raw_syscall(SYS_chdir, (long) "/", 0, 0, 0);

        for (;;) {
                long n = g_read(sock_fd, buf, sizeof(buf));

                if (n == -EINTR)
                        continue;
                if (n <= 0)
                        break;
                /* Messages: 'q' (clean end) and "s<pid>\n" (a fallback session to watch). */
                for (long i = 0; i < n; i++) {
                        if (buf[i] == 'q')
                                quit = true;
                        else if (buf[i] == 's' && gd->n_sessions < GUARDIAN_MAX_SESSIONS) {
                                long pid = 0;
                                for (i++; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
                                        pid = pid * 10 + (buf[i] - '0');
                                gd->sessions[gd->n_sessions++] = (pid_t) pid;
                        }
                }
        }
        if (!quit)
                guardian_cleanup(gd);
        else if (gd->runtime_dir[0])
                /* A clean end: the launcher removes the runtime directory while we exit
                 * (guardian_release()); should it die meanwhile, the rest is ours. */
                rm_rf_at_safe(AT_FDCWD, gd->runtime_dir, 0);
        for (;;)
                (void) raw_syscall(SYS_exit_group, 0, 0, 0, 0);
}

static void copy_path(char *dst, const char *src)
{
        size_t n = src ? str_len(src) : 0;

        if (n >= PATH_MAX)
                n = 0;
        for (size_t i = 0; i < n; i++)
                dst[i] = src[i];
        dst[n] = 0;
}

static void guardian_unmap(struct guardian *gd)
{
        if (gd->map)
                (void) munmap(gd->map, GUARDIAN_MAP_SIZE);
        gd->map = NULL;
}

int guardian_start(
        struct guardian *gd, const char *run_dir, const char *origin, bool move_out, const char *runtime_dir)
{
        struct guardian_data *data;
        int fds[2], pidfd = -1;
        struct shim_clone_args args = {
                .flags = CLONE_PIDFD,
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
        };
        bool shares_memory;
        char *map;
        pid_t pid;

        /* [guard page][stack ... ][data]: the stack grows down from the data. */
        map =
                mmap(NULL, GUARDIAN_MAP_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (map == MAP_FAILED)
                return negative_errno();
        (void) mprotect(map, 4096, PROT_NONE);
        data = (struct guardian_data *) (map + GUARDIAN_STACK);
        copy_path(data->run_dir, run_dir);
        copy_path(data->origin, origin);
        copy_path(data->runtime_dir, runtime_dir);
        data->n_sessions = 0;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
                int r = negative_errno();
                (void) munmap(map, GUARDIAN_MAP_SIZE);
                return r;
        }
        data->sock_fd = fds[0];

        pid = clone3_vm(&args, map + 4096, GUARDIAN_STACK - 4096, guardian_main, data);
        shares_memory = pid >= 0;
        if (pid == -ENOSYS) {
                /* Not here: a copy of us instead, on the same code. */
                pid = fork();
                if (pid == 0)
                        guardian_main(data);
                if (pid < 0)
                        pid = (pid_t) negative_errno();
                else
                        pidfd = shim_pidfd_open(pid, 0);
        }
        close(fds[0]);
        if (pid < 0) {
                close(fds[1]);
                (void) munmap(map, GUARDIAN_MAP_SIZE);
                return (int) pid;
        }
        /* Out of the launcher's supervisor leaf before anything else happens: the launcher
         * removes the run directory at a clean end, and the guardian must not be in it. */
        if (move_out && data->origin[0]) {
                char path[PATH_MAX], value[32];
                int fd;

                path_join(path, sizeof(path), data->origin, "cgroup.procs");
                snprintf(value, sizeof(value), "%d", (int) pid);
                fd = open(path, O_WRONLY | O_CLOEXEC);
                if (fd >= 0) {
                        (void) !write(fd, value, strlen(value));
                        close(fd);
                }
        }
        gd->pid = pid;
        gd->pidfd = pidfd;
        gd->pipe_fd = fds[1];
        gd->map = map;
        gd->shares_memory = shares_memory;
        return 0;
}

/* Waits for the guardian's end and unmaps its memory once it cannot be using it any more
 * (a copy from fork() never did). */
static void guardian_wait_gone(struct guardian *gd)
{
        bool gone = !gd->shares_memory;

        if (gd->pidfd >= 0) {
                siginfo_t si;
                int r;

                do
                        r = waitid((idtype_t) P_PIDFD, (id_t) gd->pidfd, &si, WEXITED);
                while (r < 0 && errno == EINTR);
                /* ECHILD: a host's waitpid(-1) reaped it first; dead all the same. */
                if (r == 0 || errno == ECHILD)
                        gone = true;
        }
        gd->pidfd = safe_close(gd->pidfd);
        gd->pid = 0;
        if (gone)
                guardian_unmap(gd);
}

/* The guardian is gone: nobody will clean up should we die now, but our own teardown
 * still does everything it would have done. Reaped here so no zombie is left. */
static void guardian_lost(struct guardian *gd)
{
        gd->pipe_fd = safe_close(gd->pipe_fd);
        guardian_wait_gone(gd);
}

/* Never SIGPIPE: false when the guardian is gone. */
static bool guardian_send(struct guardian *gd, const char *msg, size_t len)
{
        while (len > 0) {
                ssize_t n = send(gd->pipe_fd, msg, len, MSG_NOSIGNAL);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return false; /* EPIPE, ECONNRESET: it died */
                msg += n;
                len -= (size_t) n;
        }
        return true;
}

void guardian_track_session(struct guardian *gd, pid_t session)
{
        char msg[32];
        int n;

        if (gd->pipe_fd < 0)
                return;
        n = snprintf(msg, sizeof(msg), "s%d\n", (int) session);
        if (!guardian_send(gd, msg, (size_t) n))
                guardian_lost(gd);
}

bool guardian_alive(const struct guardian *gd)
{
        return gd->pipe_fd >= 0;
}

void guardian_release(struct guardian *gd)
{
        if (gd->pipe_fd < 0)
                return;
        /* Every unit is gone: tell it, and let it go while we finish. */
        (void) guardian_send(gd, "q", 1);
        gd->pipe_fd = safe_close(gd->pipe_fd);
}

void guardian_reap(struct guardian *gd)
{
        guardian_wait_gone(gd);
}

void guardian_stop(struct guardian *gd)
{
        guardian_release(gd);
        guardian_reap(gd);
}

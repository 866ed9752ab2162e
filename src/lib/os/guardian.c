/* The guardian: a small process forked per context that outlives the launcher only to
 * clean up after it. The launcher holds one end of a socket pair; the guardian reads the
 * other. A clean teardown writes 'q' first; end-of-file without it means the launcher died
 * (SIGKILL, a crash, _exit with executors running), and the guardian then kills every unit
 * of the run (cgroup.kill per leaf, or the recorded sessions in the fallback), removes the
 * leaves and the runtime directory, and exits.
 *
 * It is forked from a process that may have threads, so from the fork on it only makes
 * async-signal-safe calls (raw syscalls, no malloc, no stdio) on fixed buffers prepared
 * before the fork.
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
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "guardian.h"
#include "macro.h"
#include "shims.h"

#define GUARDIAN_MAX_SESSIONS 4096

struct linux_dirent64 {
        uint64_t d_ino;
        int64_t d_off;
        unsigned short d_reclen;
        unsigned char d_type;
        char d_name[];
};

/* Everything the guardian needs, copied before the fork. */
static struct {
        char run_dir[PATH_MAX];     /* cgroup run directory, or "" */
        char origin[PATH_MAX];      /* cgroup to move to, out of the way of cgroup.kill */
        char runtime_dir[PATH_MAX]; /* or "" */
        pid_t sessions[GUARDIAN_MAX_SESSIONS];
        size_t n_sessions;
} g;

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
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        (void) !write(fd, value, str_len(value));
        close(fd);
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
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        for (int i = 0; i < 20; i++) {
                struct pollfd p = { .fd = fd, .events = POLLPRI };
                ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

                if (n <= 0)
                        break;
                buf[n] = 0;
                if (!contains(buf, "populated 1"))
                        break;
                (void) poll(&p, 1, 100);
        }
        close(fd);
}

/* Calls fn(dir_fd, name, type) for each entry of the directory at fd. */
static void
for_each_entry(int fd, void (*fn)(int dir_fd, const char *name, unsigned char type, void *data), void *data)
{
        char buf[8192] __attribute__((aligned(8)));

        for (;;) {
                long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
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
        char path[PATH_MAX];

        if (type != DT_DIR)
                return;
        path_join(path, sizeof(path), g.run_dir, name);
        write_file(path, "cgroup.kill", "1");
        wait_cgroup_empty(path);
        (void) rmdir(path);
}

static void rm_rf_entry(int dir_fd, const char *name, unsigned char type, void *data);

static void rm_rf_at_safe(int dir_fd, const char *name)
{
        int fd;

        if (unlinkat(dir_fd, name, 0) == 0)
                return;
        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return;
        for_each_entry(fd, rm_rf_entry, NULL);
        close(fd);
        (void) unlinkat(dir_fd, name, AT_REMOVEDIR);
}

static void rm_rf_entry(int dir_fd, const char *name, unsigned char type, void *data)
{
        rm_rf_at_safe(dir_fd, name);
}

/* Fallback isolation: SIGKILL to every process of a recorded session. */
static void kill_session_entry(int dir_fd, const char *name, unsigned char type, void *data)
{
        unsigned *killed = data;
        char path[64], buf[512];
        long pid = 0, sid = 0;
        int fd, field = 0;
        ssize_t n;
        const char *p;

        for (p = name; *p; p++) {
                if (*p < '0' || *p > '9')
                        return;
                pid = pid * 10 + (*p - '0');
        }
        path_join(path, sizeof(path), "/proc", name);
        path_join(path, sizeof(path), path, "stat");
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
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
        for (size_t i = 0; i < g.n_sessions; i++)
                if (g.sessions[i] == sid && pid != getpid()) {
                        (void) kill((pid_t) pid, SIGKILL);
                        (*killed)++;
                }
}

static void guardian_cleanup(void)
{
        int fd;

        if (g.run_dir[0]) {
                /* Out of the run directory first, so that nothing we kill includes us. */
                write_file(g.origin, "cgroup.procs", "0");
                fd = open(g.run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0) {
                        for_each_entry(fd, kill_leaf, NULL);
                        close(fd);
                }
                (void) rmdir(g.run_dir);
        }
        /* Sessions keep forking while we kill: repeat until a pass finds nobody. */
        for (int pass = 0; pass < 50 && g.n_sessions > 0; pass++) {
                unsigned killed = 0;

                fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        break;
                for_each_entry(fd, kill_session_entry, &killed);
                close(fd);
                if (killed == 0)
                        break;
        }
        if (g.runtime_dir[0])
                rm_rf_at_safe(AT_FDCWD, g.runtime_dir);
}

_Noreturn static void guardian_main(int pipe_fd)
{
        struct sigaction ignore = { .sa_handler = SIG_IGN };
        char buf[512];
        bool quit = false;

        /* Out of the launcher's session and process group: a ^C or a kill of the job's
         * process group must not take us along before the launcher is gone. */
        (void) setsid();
        (void) sigaction(SIGINT, &ignore, NULL);
        (void) sigaction(SIGTERM, &ignore, NULL);
        (void) sigaction(SIGHUP, &ignore, NULL);
        (void) sigaction(SIGPIPE, &ignore, NULL);
        if (shim_close_range(3, (unsigned) pipe_fd - 1, 0) < 0 ||
            shim_close_range((unsigned) pipe_fd + 1, ~0U, 0) < 0)
                for (int fd = 3; fd < 1024; fd++)
                        if (fd != pipe_fd)
                                (void) close(fd);
        (void) chdir("/");

        for (;;) {
                ssize_t n = read(pipe_fd, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                /* Messages: 'q' (clean end) and "s<pid>\n" (a fallback session to watch). */
                for (ssize_t i = 0; i < n; i++) {
                        if (buf[i] == 'q')
                                quit = true;
                        else if (buf[i] == 's' && g.n_sessions < GUARDIAN_MAX_SESSIONS) {
                                long pid = 0;
                                for (i++; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
                                        pid = pid * 10 + (buf[i] - '0');
                                g.sessions[g.n_sessions++] = (pid_t) pid;
                        }
                }
        }
        if (!quit)
                guardian_cleanup();
        else if (g.runtime_dir[0])
                /* A clean end: the launcher removes the runtime directory while we exit
                 * (guardian_release()); should it die meanwhile, the rest is ours. */
                rm_rf_at_safe(AT_FDCWD, g.runtime_dir);
        _exit(0);
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

int guardian_start(
        struct guardian *gd, const char *run_dir, const char *origin, bool move_out, const char *runtime_dir)
{
        int fds[2];
        pid_t pid;

        copy_path(g.run_dir, run_dir);
        copy_path(g.origin, origin);
        copy_path(g.runtime_dir, runtime_dir);
        g.n_sessions = 0;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
                return negative_errno();
        pid = fork();
        if (pid < 0) {
                int r = negative_errno();
                close(fds[0]);
                close(fds[1]);
                return r;
        }
        if (pid == 0) {
                close(fds[1]);
                guardian_main(fds[0]);
        }
        close(fds[0]);
        /* Out of the launcher's supervisor leaf before anything else happens: the launcher
         * removes the run directory at a clean end, and the guardian must not be in it. */
        if (move_out && g.origin[0]) {
                char path[PATH_MAX], value[32];
                int fd;

                path_join(path, sizeof(path), g.origin, "cgroup.procs");
                snprintf(value, sizeof(value), "%d", (int) pid);
                fd = open(path, O_WRONLY | O_CLOEXEC);
                if (fd >= 0) {
                        (void) !write(fd, value, strlen(value));
                        close(fd);
                }
        }
        gd->pid = pid;
        gd->pidfd = shim_pidfd_open(pid, 0);
        gd->pipe_fd = fds[1];
        return 0;
}

/* The guardian is gone: nobody will clean up should we die now, but our own teardown
 * still does everything it would have done. Reaped here so no zombie is left. */
static void guardian_lost(struct guardian *gd)
{
        siginfo_t si;

        gd->pipe_fd = safe_close(gd->pipe_fd);
        if (gd->pidfd >= 0)
                (void) waitid((idtype_t) P_PIDFD, (id_t) gd->pidfd, &si, WEXITED);
        gd->pidfd = safe_close(gd->pidfd);
        gd->pid = 0;
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
        siginfo_t si;

        if (gd->pidfd >= 0)
                (void) waitid((idtype_t) P_PIDFD, (id_t) gd->pidfd, &si, WEXITED);
        gd->pidfd = safe_close(gd->pidfd);
        gd->pid = 0;
}

void guardian_stop(struct guardian *gd)
{
        guardian_release(gd);
        guardian_reap(gd);
}

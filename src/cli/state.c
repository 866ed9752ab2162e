/* A detached run's state directory: its place ($XDG_RUNTIME_DIR/unitrun/NAME, root:
 * /run/unitrun/NAME), the lock that says a supervisor is alive (a lock file the
 * supervisor holds for its whole life: the kernel drops it when the supervisor dies,
 * however it dies), the state file, and the sweep of what a dead supervisor left. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "detach.h"
#include "macro.h"
#include "proc.h"

bool detach_name_valid(const char *name)
{
        size_t n = strlen(name);

        if (n == 0 || n > 64 || name[0] == '.')
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = name[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-'))
                        return false;
        }
        return true;
}

int detach_base_dir(bool create, char **ret)
{
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        char *path;

        if (geteuid() == 0)
                path = strdup("/run/unitrun");
        else if (xdg && xdg[0] == '/') {
                if (asprintf(&path, "%s/unitrun", xdg) < 0)
                        path = NULL;
        } else
                return -ENXIO;
        if (!path)
                return -ENOMEM;
        /* Root's is world-traversable like /run/systemd; each run's own dir is 0700. */
        if (create && mkdir(path, geteuid() == 0 ? 0755 : 0700) < 0 && errno != EEXIST) {
                int r = -errno;
                free(path);
                return r;
        }
        *ret = path;
        return 0;
}

int detach_state_dir(const char *name, bool create, char **ret)
{
        _cleanup_free_ char *base = NULL;
        char *path;
        int r;

        r = detach_base_dir(create, &base);
        if (r < 0)
                return r;
        if (asprintf(&path, "%s/%s", base, name) < 0)
                return -ENOMEM;
        *ret = path;
        return 0;
}

int detach_lock(const char *dir, bool create, int *ret_fd)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/lock", dir) < 0)
                return -ENOMEM;
        for (unsigned attempt = 0; attempt < 100; attempt++) {
                _cleanup_close_ int fd = -1;
                struct stat a, b;

                if (create && mkdir(dir, 0700) < 0 && errno != EEXIST) {
                        _cleanup_free_ char *base = NULL;

                        /* The last run's down removed the base between our mkdir of it and
                         * this one: make it again. */
                        if (errno != ENOENT || detach_base_dir(true, &base) < 0)
                                return -errno;
                        continue;
                }
                fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);
                if (fd < 0)
                        return -errno;
                if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                        return errno == EWOULDBLOCK ? -EBUSY : -errno;
                /* Whoever held it before may have removed the directory meanwhile: then
                 * this lock is on a file nobody else will open; take the new one. */
                if (fstat(fd, &a) < 0)
                        return -errno;
                if (stat(path, &b) < 0) {
                        if (errno != ENOENT)
                                return -errno;
                        if (!create)
                                return -ENOENT;
                        continue;
                }
                if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
                        continue;
                *ret_fd = TAKE_FD(fd);
                return 0;
        }
        return -EAGAIN;
}

unsigned long long detach_process_start_time(pid_t pid)
{
        struct proc_stat st;

        return proc_get_stat(pid, &st) < 0 ? 0 : st.start_time;
}

int detach_state_write(const char *dir, const struct detach_state *st)
{
        _cleanup_free_ char *path = NULL, *tmp = NULL;
        FILE *f;
        int r = 0;

        if (asprintf(&path, "%s/state", dir) < 0 || asprintf(&tmp, "%s/.state.tmp", dir) < 0)
                return -ENOMEM;
        f = fopen(tmp, "we");
        if (!f)
                return -errno;
        fprintf(f, "pid %d\nstart %llu\n", (int) st->pid, st->start_time);
        if (st->runtime_dir)
                fprintf(f, "runtime_dir %s\n", st->runtime_dir);
        if (st->cgroup)
                fprintf(f, "cgroup %s\n", st->cgroup);
        if (st->isolation)
                fprintf(f, "isolation %s\n", st->isolation);
        if (st->log_dir)
                fprintf(f, "log_dir %s\n", st->log_dir);
        if (fflush(f) != 0 || ferror(f))
                r = -EIO;
        fclose(f);
        /* Readers see the old file or the new one, never half of one. */
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}

int detach_state_read(const char *dir, struct detach_state *ret)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        struct detach_state st = {};
        char *line = NULL;
        size_t size = 0;
        ssize_t n;

        if (asprintf(&path, "%s/state", dir) < 0)
                return -ENOMEM;
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while ((n = getline(&line, &size, f)) > 0) {
                char *value = strchr(line, ' ');
                char **slot = NULL;

                if (line[n - 1] == '\n')
                        line[n - 1] = 0;
                if (!value)
                        continue;
                *value++ = 0;
                if (strcmp(line, "pid") == 0)
                        st.pid = (pid_t) atoi(value);
                else if (strcmp(line, "start") == 0)
                        st.start_time = strtoull(value, NULL, 10);
                else if (strcmp(line, "runtime_dir") == 0)
                        slot = &st.runtime_dir;
                else if (strcmp(line, "cgroup") == 0)
                        slot = &st.cgroup;
                else if (strcmp(line, "isolation") == 0)
                        slot = &st.isolation;
                else if (strcmp(line, "log_dir") == 0)
                        slot = &st.log_dir;
                if (slot) {
                        free(*slot);
                        *slot = strdup(value);
                }
        }
        free(line);
        *ret = st;
        return 0;
}

void detach_state_done(struct detach_state *st)
{
        free(st->runtime_dir);
        free(st->cgroup);
        free(st->isolation);
        free(st->log_dir);
        *st = (struct detach_state){};
}

static int remove_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
        (void) sb;
        (void) ftw;
        if (type == FTW_DP)
                (void) rmdir(path);
        else
                (void) unlink(path);
        return 0;
}

int detach_remove_tree(const char *path)
{
        if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
                return -errno;
        return access(path, F_OK) == 0 ? -ENOTEMPTY : 0;
}

int detach_remove_state_dir(const char *dir)
{
        _cleanup_free_ char *base = strdup(dir);
        char *slash = base ? strrchr(base, '/') : NULL;
        int r = detach_remove_tree(dir);

        /* The last run of this user takes the base (/run/unitrun) with it: nothing of ours
         * stays on the host. Another run's dir there keeps it (ENOTEMPTY). */
        if (r >= 0 && slash && slash != base) {
                *slash = 0;
                (void) rmdir(base);
        }
        return r;
}

/* The run's cgroup when the sweeping process is in it (the state watcher, next to the
 * guardian in a delegated scope): its leaves go, the cgroup stays for the manager to
 * collect once we are gone. */
static const char *sweep_keep;

/* Leaves first; a leaf being emptied by cgroup.kill needs a moment before rmdir works. */
static int remove_cgroup(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
        (void) sb;
        (void) ftw;
        if (type != FTW_DP || (sweep_keep && strcmp(path, sweep_keep) == 0))
                return 0;
        for (int i = 0; i < 100 && rmdir(path) < 0 && errno == EBUSY; i++) {
                struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };
                nanosleep(&ts, NULL);
        }
        return 0;
}

static void cgroup_kill(const char *cgroup)
{
        _cleanup_free_ char *kill_path = NULL;
        int fd;

        if (asprintf(&kill_path, "%s/cgroup.kill", cgroup) < 0)
                return;
        fd = open(kill_path, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                (void) !write(fd, "1", 1);
                close(fd);
        }
}

/* Whether this process is in the cgroup v2 directory cgroup itself (its path ends with our
 * "0::" path from /proc/self/cgroup). */
static bool in_cgroup(const char *cgroup)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
        char line[4096];
        bool in = false;

        while (f && fgets(line, sizeof(line), f)) {
                size_t n, len = strlen(cgroup);

                if (strncmp(line, "0::/", 4) != 0)
                        continue;
                line[strcspn(line, "\n")] = 0;
                n = strlen(line + 3);
                in = n > 1 && n <= len && strcmp(cgroup + len - n, line + 3) == 0;
        }
        return in;
}

static bool sweep_cgroup(const char *cgroup)
{
        if (!cgroup || cgroup[0] != '/' || access(cgroup, F_OK) < 0)
                return false;
        sweep_keep = NULL;
        if (in_cgroup(cgroup)) {
                _cleanup_closedir_ DIR *d = opendir(cgroup);
                struct dirent *de;

                sweep_keep = cgroup;
                while (d && (de = readdir(d))) {
                        _cleanup_free_ char *leaf = NULL;

                        if (de->d_type == DT_DIR && de->d_name[0] != '.' &&
                            asprintf(&leaf, "%s/%s", cgroup, de->d_name) >= 0)
                                cgroup_kill(leaf);
                }
        } else
                cgroup_kill(cgroup);
        (void) nftw(cgroup, remove_cgroup, 16, FTW_DEPTH | FTW_PHYS);
        sweep_keep = NULL;
        return true;
}

int detach_sweep(const char *name, const char *dir, bool quiet)
{
        struct detach_state st = {};
        bool any = false;

        if (detach_state_read(dir, &st) >= 0) {
                if (sweep_cgroup(st.cgroup))
                        any = true;
                if (st.runtime_dir && access(st.runtime_dir, F_OK) == 0) {
                        (void) detach_remove_tree(st.runtime_dir);
                        any = true;
                }
                if (!quiet)
                        cli_warning(
                                "run '%s': its supervisor (PID %d) is gone; swept its state%s", name,
                                (int) st.pid, any ? ", cgroups and runtime directory" : "");
        } else if (!quiet)
                cli_warning("run '%s': no supervisor; swept its stale state directory", name);
        detach_state_done(&st);
        return detach_remove_state_dir(dir);
}

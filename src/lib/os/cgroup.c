/* cgroup v2 mechanics: leaves per executor, their cgroup.events, signalling, killing,
 * statistics and removing them. Which cgroup the run lives in is cgroup-run.c's choice. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "macro.h"
#include "proc.h"

static unsigned leaf_counter;

void cgroup_run_free(struct cgroup_run *run)
{
        if (!run)
                return;
        free(run->mount);
        free(run->origin);
        free(run->path);
        free(run->supervisor);
        free(run);
}

int cgroup_leaf_create(struct cgroup_run *run, const char *name, char **ret_path)
{
        char path[PATH_MAX];

        for (unsigned attempt = 0; attempt < 1000; attempt++) {
                if (attempt == 0)
                        snprintf(path, sizeof(path), "%s/%s", run->path, name);
                else
                        snprintf(path, sizeof(path), "%s/%s-%u", run->path, name, ++leaf_counter);
                if (mkdir(path, 0755) == 0) {
                        char *p = strdup(path);
                        if (!p) {
                                (void) rmdir(path);
                                return -ENOMEM;
                        }
                        *ret_path = p;
                        return 0;
                }
                if (errno != EEXIST)
                        return negative_errno();
        }
        return -EEXIST;
}

const char *cgroup_relative(const struct cgroup_run *run, const char *abs_path)
{
        size_t l = strlen(run->mount);

        if (strncmp(abs_path, run->mount, l) != 0)
                return abs_path;
        return abs_path[l] ? abs_path + l : "/";
}

int cgroup_open_dir(const char *path)
{
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

/* path/name opened for reading. */
static int cgroup_open_file(const char *path, const char *name)
{
        char p[PATH_MAX];
        int fd;

        snprintf(p, sizeof(p), "%s/%s", path, name);
        fd = open(p, O_RDONLY | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

int cgroup_open_events(const char *path)
{
        return cgroup_open_file(path, "cgroup.events");
}

int cgroup_read_populated(int events_fd)
{
        char buf[256];
        const char *p;
        ssize_t n;

        n = pread(events_fd, buf, sizeof(buf) - 1, 0);
        if (n < 0)
                return negative_errno();
        buf[n] = 0;
        p = strstr(buf, "populated ");
        if (!p)
                return -EBADMSG;
        return p[strlen("populated ")] == '1';
}

/* cgroup.procs is a seq_file: a read from offset 0 lists the cgroup as it is now, on the
 * same open file. */
static int cgroup_read_procs_fd(int fd, char **ret)
{
        size_t size = 4096, used = 0;
        _cleanup_free_ char *buf = malloc(size);

        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = pread(fd, buf + used, size - used - 1, (off_t) used);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return negative_errno();
                if (k == 0)
                        break;
                used += (size_t) k;
                if (size - used < 2) {
                        char *grown = realloc(buf, size * 2);

                        if (!grown)
                                return -ENOMEM;
                        buf = grown;
                        size *= 2;
                }
        }
        buf[used] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

/* Appends the processes of path and of every cgroup below it: a unit may make cgroups of its
 * own (a delegated daemon, a container runtime), and its processes there are its too. */
static int
cgroup_collect_pids(const char *path, int procs_fd, unsigned depth, pid_t **pids, size_t *n, size_t *alloc)
{
        char p[PATH_MAX];
        _cleanup_free_ char *text = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        char *line, *save = NULL;
        struct dirent *de;
        struct stat st;
        int r;

        snprintf(p, sizeof(p), "%s/cgroup.procs", path);
        /* A kept file of a cgroup removed since (ENODEV) or any other failure: the path. */
        r = procs_fd >= 0 ? cgroup_read_procs_fd(procs_fd, &text) : -EBADF;
        if (r < 0)
                r = read_full_file(p, &text);
        if (r < 0)
                return r;
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (*n == *alloc) {
                        size_t new_alloc = *alloc ? *alloc * 2 : 16;
                        pid_t *q = realloc(*pids, new_alloc * sizeof(*q));
                        if (!q)
                                return -ENOMEM;
                        *pids = q;
                        *alloc = new_alloc;
                }
                (*pids)[(*n)++] = (pid_t) atoi(line);
        }
        if (depth >= 32)
                return 0; /* cgroup.max.depth is unlimited by default; a unit that nests
                           * deeper than this is not worth a stack overflow */
        /* cgroupfs (kernfs) counts a directory's subdirectories in its link count: 2 is none,
         * and a stat() costs a fraction of reading the directory (a polled Listen= lists the
         * unit's processes at each look). */
        if (stat(path, &st) == 0 && st.st_nlink == 2)
                return 0;
        d = opendir(path);
        if (!d)
                return errno == ENOENT ? 0 : negative_errno();
        while ((de = readdir(d))) {
                char sub[PATH_MAX];

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
                r = cgroup_collect_pids(sub, -1, depth + 1, pids, n, alloc);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return 0;
}

int cgroup_list_pids(const char *path, pid_t **ret_pids, size_t *ret_n)
{
        return cgroup_list_pids_fd(path, -1, ret_pids, ret_n);
}

int cgroup_open_procs(const char *path)
{
        return cgroup_open_file(path, "cgroup.procs");
}

int cgroup_list_pids_fd(const char *path, int procs_fd, pid_t **ret_pids, size_t *ret_n)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0, alloc = 0;
        int r = cgroup_collect_pids(path, procs_fd, 0, &pids, &n, &alloc);

        if (r < 0)
                return r;
        *ret_pids = TAKE_PTR(pids);
        *ret_n = n;
        return 0;
}

static bool pid_in(const pid_t *pids, size_t n, pid_t pid)
{
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return true;
        return false;
}

int cgroup_signal_all(const char *path, int sig, bool then_cont)
{
        _cleanup_free_ pid_t *done = NULL;
        size_t n_done = 0;

        /* Processes fork while we signal them: repeat until a pass finds nobody new. A PID
         * read from cgroup.procs cannot be recycled into another cgroup while we hold no
         * reference, but the window is tiny and the signal would go to a process that just
         * appeared in *this* cgroup's place, which is what systemd accepts too. */
        for (unsigned pass = 0; pass < 64; pass++) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n;
                bool found_new = false;
                int r;

                r = cgroup_list_pids(path, &pids, &n);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n; i++) {
                        pid_t *q;

                        if (pid_in(done, n_done, pids[i]))
                                continue;
                        (void) kill(pids[i], sig);
                        if (then_cont)
                                (void) kill(pids[i], SIGCONT);
                        q = realloc(done, (n_done + 1) * sizeof(*q));
                        if (!q)
                                return -ENOMEM;
                        done = q;
                        done[n_done++] = pids[i];
                        found_new = true;
                }
                if (!found_new)
                        break;
        }
        return 0;
}

int cgroup_kill(const char *path)
{
        char p[PATH_MAX];
        int r;

        snprintf(p, sizeof(p), "%s/cgroup.kill", path);
        r = write_string_file(p, "1");
        if (r != -ENOENT)
                return r;

        /* Before Linux 5.14: freeze so nobody forks, kill everyone we see, thaw so the kills
         * are delivered, and repeat until the cgroup is empty. */
        for (unsigned pass = 0; pass < 64; pass++) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n;

                snprintf(p, sizeof(p), "%s/cgroup.freeze", path);
                (void) write_string_file(p, "1");
                r = cgroup_list_pids(path, &pids, &n);
                if (r >= 0)
                        for (size_t i = 0; i < n; i++)
                                (void) kill(pids[i], SIGKILL);
                (void) write_string_file(p, "0");
                if (r < 0)
                        return r;
                if (n == 0)
                        break;
        }
        return 0;
}

int cgroup_read_cpu_usec(const char *path, uint64_t *ret_usec)
{
        char p[PATH_MAX];
        _cleanup_free_ char *text = NULL;
        const char *s;
        int r;

        snprintf(p, sizeof(p), "%s/cpu.stat", path);
        r = read_full_file(p, &text);
        if (r < 0)
                return r;
        s = strstr(text, "usage_usec ");
        if (!s)
                return -ENODATA;
        *ret_usec = strtoull(s + strlen("usage_usec "), NULL, 10);
        return 0;
}

int cgroup_remove(const char *path)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (rmdir(path) == 0 || errno == ENOENT)
                return 0;
        if (errno != EBUSY && errno != ENOTEMPTY)
                return negative_errno();
        /* A delegated daemon may have made sub-cgroups: remove them depth first. */
        d = opendir(path);
        if (!d)
                return negative_errno();
        while ((de = readdir(d))) {
                char sub[PATH_MAX];

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
                (void) cgroup_remove(sub);
        }
        return rmdir(path) < 0 ? negative_errno() : 0;
}

int cgroup_read_memory_peak(const char *path, uint64_t *ret_bytes)
{
        char p[PATH_MAX];
        _cleanup_free_ char *text = NULL;
        int r;

        /* Only where the memory controller is enabled for the run (not on hybrid hosts). */
        snprintf(p, sizeof(p), "%s/memory.peak", path);
        r = read_full_file(p, &text);
        if (r < 0)
                return r == -ENOENT ? -ENODATA : r;
        *ret_bytes = strtoull(text, NULL, 10);
        return 0;
}

/* /proc readers and the session scan behind the fallback isolation. */
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>

#include "macro.h"
#include "mountinfo.h"
#include "proc.h"

int read_full_fd(int fd, char **ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, alloc = 0;

        for (;;) {
                ssize_t n;

                if (alloc - len < 4096) {
                        char *p = realloc(buf, alloc + 8192);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        alloc += 8192;
                }
                n = read(fd, buf + len, alloc - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        if (!buf) {
                buf = strdup("");
                if (!buf)
                        return -ENOMEM;
        } else
                buf[len] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}

int read_full_file(const char *path, char **ret)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        return read_full_fd(fd, ret);
}

int write_string_fd(int fd, const char *s)
{
        size_t len = strlen(s);
        ssize_t n = write(fd, s, len);

        if (n < 0)
                return negative_errno();
        return (size_t) n == len ? 0 : -EIO;
}

int write_string_file(const char *path, const char *s)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        return write_string_fd(fd, s);
}

bool pid_is_gone(pid_t pid)
{
        return pid > 0 && kill(pid, 0) < 0 && errno == ESRCH;
}

int proc_get_stat(pid_t pid, struct proc_stat *ret)
{
        char path[64];
        _cleanup_free_ char *text = NULL;
        const char *p;
        unsigned long long start_time;
        int ppid, pgid, sid, r;
        char state;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        r = read_full_file(path, &text);
        if (r < 0)
                return r;
        /* comm may contain spaces and parentheses: the fields start after the last ')'. */
        p = strrchr(text, ')');
        if (!p)
                return -EBADMSG;
        if (sscanf(p + 1, " %c %d %d %d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                   &state, &ppid, &pgid, &sid, &start_time) != 5)
                return -EBADMSG;
        *ret = (struct proc_stat){
                .state = state,
                .ppid = ppid,
                .pgid = pgid,
                .sid = sid,
                .start_time = start_time,
        };
        return 0;
}

int proc_get_cgroup(pid_t pid, char **ret)
{
        char path[64];
        _cleanup_free_ char *text = NULL;
        int r;

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        r = read_full_file(path, &text);
        if (r < 0)
                return r;
        return proc_cgroup_v2_path(text, ret);
}

struct proc_entry {
        pid_t pid;
        pid_t ppid;
        bool member;
};

static int proc_collect_session_snapshot(pid_t sid, struct proc_entry **ret, size_t *ret_n)
{
        _cleanup_closedir_ DIR *d = opendir("/proc");
        _cleanup_free_ struct proc_entry *entries = NULL;
        size_t n = 0, alloc = 0;
        pid_t self = getpid();
        struct dirent *de;

        if (!d)
                return negative_errno();
        while ((de = readdir(d))) {
                struct proc_stat st;
                char *end;
                long pid;

                if (!isdigit((unsigned char) de->d_name[0]))
                        continue;
                pid = strtol(de->d_name, &end, 10);
                if (*end || pid <= 0 || pid == self)
                        continue;
                if (proc_get_stat((pid_t) pid, &st) < 0 || st.state == 'Z' || st.state == 'X')
                        continue; /* gone meanwhile, or already dead */
                if (n == alloc) {
                        size_t new_alloc = alloc ? alloc * 2 : 256;
                        struct proc_entry *p = realloc(entries, new_alloc * sizeof(*p));
                        if (!p)
                                return -ENOMEM;
                        entries = p;
                        alloc = new_alloc;
                }
                entries[n++] = (struct proc_entry){
                        .pid = (pid_t) pid,
                        .ppid = st.ppid,
                        .member = st.sid == sid,
                };
        }
        *ret = TAKE_PTR(entries);
        *ret_n = n;
        return 0;
}

int proc_collect_session(pid_t sid, pid_t **ret_pids, size_t *ret_n)
{
        _cleanup_free_ struct proc_entry *entries = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n, count = 0;
        bool changed;
        int r;

        r = proc_collect_session_snapshot(sid, &entries, &n);
        if (r < 0)
                return r;

        /* Descendants of members are members too (a child that called setpgid() or setsid()
         * while its parent is alive). Iterate to a fixpoint; trees are shallow. */
        do {
                changed = false;
                for (size_t i = 0; i < n; i++) {
                        if (entries[i].member)
                                continue;
                        for (size_t j = 0; j < n; j++)
                                if (entries[j].member && entries[j].pid == entries[i].ppid) {
                                        entries[i].member = changed = true;
                                        break;
                                }
                }
        } while (changed);

        pids = malloc(sizeof(pid_t) * (n ? n : 1));
        if (!pids)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (entries[i].member)
                        pids[count++] = entries[i].pid;
        *ret_pids = TAKE_PTR(pids);
        *ret_n = count;
        return 0;
}

/* Removes a directory tree without following symlinks: units may leave anything in %t. */
int rm_rf_at(int dir_fd, const char *name)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        if (unlinkat(dir_fd, name, 0) == 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return negative_errno();
        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return negative_errno();
        }
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        (void) rm_rf_at(dirfd(d), de->d_name);
        return unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 ? negative_errno() : 0;
}

int proc_collect_children(pid_t parent, pid_t **ret_pids, size_t *ret_n)
{
        _cleanup_free_ struct proc_entry *entries = NULL;
        pid_t *pids;
        size_t n, count = 0;
        int r = proc_collect_session_snapshot(0, &entries, &n);

        if (r < 0)
                return r;
        pids = malloc(sizeof(pid_t) * (n ? n : 1));
        if (!pids)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (entries[i].ppid == parent)
                        pids[count++] = entries[i].pid;
        *ret_pids = pids;
        *ret_n = count;
        return 0;
}

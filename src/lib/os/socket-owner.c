/* Finding the process behind a listening socket; see socket-owner.h. */
#include <ctype.h>
#include <limits.h>
#include <stdbool.h>

#include "macro.h"
#include "proc.h"
#include "socket-owner.h"

/* Lines: "sl local_address rem_address st ... uid timeout inode"; local_address is
 * HEXADDR:HEXPORT, st 0A is LISTEN. */
unsigned long proc_net_tcp_listener(const char *text, uint16_t port)
{
        const char *line = text;

        while (line && *line) {
                char local[128], state[8];
                unsigned long inode;
                unsigned p;
                const char *colon;

                if (sscanf(line, " %*s %127s %*s %7s %*s %*s %*s %*s %*s %lu", local, state, &inode) == 3 &&
                    (colon = strrchr(local, ':')) && sscanf(colon + 1, "%x", &p) == 1 && p == port &&
                    strcmp(state, "0A") == 0)
                        return inode;
                line = strchr(line, '\n');
                if (line)
                        line++;
        }
        return 0;
}

/* Lines: "Num RefCount Protocol Flags Type St Inode Path"; flag 0x10000 is __SO_ACCEPTCON,
 * i.e. listen() was called. */
unsigned long proc_net_unix_listener(const char *text, const char *path)
{
        const char *line = text;
        size_t path_len = strlen(path);

        while (line && *line) {
                unsigned long flags, inode;
                int offset = 0;

                if (sscanf(line, "%*s %*s %*s %lx %*s %*s %lu %n", &flags, &inode, &offset) == 2 &&
                    offset > 0 && (flags & 0x10000)) {
                        const char *p = line + offset;
                        const char *end = strchr(p, '\n');
                        size_t len = end ? (size_t) (end - p) : strlen(p);

                        if (len == path_len && strncmp(p, path, len) == 0)
                                return inode;
                }
                line = strchr(line, '\n');
                if (line)
                        line++;
        }
        return 0;
}

static int socket_owner_by_inode(unsigned long inode, char *buf, size_t size)
{
        _cleanup_closedir_ DIR *proc = opendir("/proc");
        char wanted[64];
        struct dirent *de;

        if (!proc)
                return negative_errno();
        snprintf(wanted, sizeof(wanted), "socket:[%lu]", inode);
        while ((de = readdir(proc))) {
                _cleanup_closedir_ DIR *fds = NULL;
                char path[PATH_MAX];
                struct dirent *fd;

                if (!isdigit((unsigned char) de->d_name[0]))
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/fd", de->d_name);
                fds = opendir(path);
                if (!fds)
                        continue; /* gone, or not ours to look at */
                while ((fd = readdir(fds))) {
                        char link[PATH_MAX], target[128];
                        ssize_t n;

                        snprintf(link, sizeof(link), "/proc/%s/fd/%s", de->d_name, fd->d_name);
                        n = readlink(link, target, sizeof(target) - 1);
                        if (n <= 0)
                                continue;
                        target[n] = 0;
                        if (strcmp(target, wanted) == 0) {
                                _cleanup_free_ char *comm = NULL;

                                snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
                                if (read_full_file(path, &comm) >= 0)
                                        comm[strcspn(comm, "\n")] = 0;
                                snprintf(buf, size, "PID %s (%s)", de->d_name, comm ? comm : "?");
                                return 0;
                        }
                }
        }
        return -ENOENT;
}

int socket_owner_tcp(uint16_t port, char *buf, size_t size)
{
        static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *text = NULL;
                unsigned long inode;

                if (read_full_file(files[i], &text) < 0)
                        continue;
                inode = proc_net_tcp_listener(text, port);
                if (inode)
                        return socket_owner_by_inode(inode, buf, size);
        }
        return -ENOENT;
}

int socket_owner_unix(const char *path, char *buf, size_t size)
{
        _cleanup_free_ char *text = NULL;
        unsigned long inode;
        int r;

        r = read_full_file("/proc/net/unix", &text);
        if (r < 0)
                return r;
        inode = proc_net_unix_listener(text, path);
        return inode ? socket_owner_by_inode(inode, buf, size) : -ENOENT;
}

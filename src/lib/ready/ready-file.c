/* File= readiness without polling: inotify on the deepest directory of the path that
 * exists, moving the watch down as directories appear, until the file itself does.
 *
 * Removing an inotify watch, or closing the inotify fd, waits for an SRCU grace period
 * in the kernel: 10-25 ms measured here. So no watch is removed on the way to "ready"
 * (stale ones only cause a spurious look), and the fd is closed at free, not at end. */
#include <limits.h>
#include <sys/epoll.h>
#include <sys/inotify.h>

#include "loop.h"
#include "macro.h"
#include "ready.h"

struct ready_file {
        struct ready_check check;
        char *path;
        int inotify_fd;
        struct watch inotify; /* borrows inotify_fd */
};

/* Watches the deepest existing ancestor of the path; 1 if the file exists already.
 *
 * A directory created between our look and our watch would send its event to nobody, so
 * once a watch is in place we look one level deeper again, and go down if it appeared. */
static int ready_file_rearm(struct ready_file *f)
{
        char real[PATH_MAX];
        const char *path = ready_real_path(f->check.owner, f->path, real, sizeof(real));

        for (unsigned round = 0; round < 4096; round++) {
                char dir[PATH_MAX], deeper[PATH_MAX];
                char *slash;
                int wd;

                snprintf(dir, sizeof(dir), "%s", path);
                deeper[0] = 0;
                for (;;) {
                        slash = strrchr(dir, '/');
                        if (!slash)
                                strcpy(dir, ".");
                        else if (slash == dir)
                                dir[1] = 0;
                        else
                                *slash = 0;
                        wd = inotify_add_watch(
                                f->inotify_fd, dir,
                                IN_CREATE | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF |
                                        IN_ONLYDIR);
                        if (wd >= 0 || !slash || slash == dir)
                                break;
                        if (errno != ENOENT && errno != ENOTDIR)
                                return negative_errno();
                        snprintf(deeper, sizeof(deeper), "%s", dir);
                }
                if (wd < 0)
                        return negative_errno();
                /* Checked after the watch is in place, so a creation from now on is seen. */
                if (access(path, F_OK) == 0)
                        return 1;
                if (!deeper[0] || access(deeper, F_OK) < 0)
                        return 0;
                /* The next level appeared meanwhile: watch it (and below) instead. */
        }
        return 0;
}

static void ready_file_on_event(struct watch *w, uint32_t events)
{
        struct ready_file *f = w->data;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

        while (read(w->fd, buf, sizeof(buf)) > 0)
                ; /* which event does not matter: look again */
        if (ready_file_rearm(f) > 0) {
                watch_remove(f->check.owner->loop, &f->inotify);
                ready_check_met(&f->check);
        }
}

static int ready_file_begin(struct ready_check *c)
{
        struct ready_file *f = (struct ready_file *) c;
        int r;

        safe_close(f->inotify_fd);
        f->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (f->inotify_fd < 0)
                return negative_errno();
        r = loop_add_borrowed(c->owner->loop, &f->inotify, f->inotify_fd, EPOLLIN, ready_file_on_event, f);
        if (r < 0)
                return r;
        r = ready_file_rearm(f);
        if (r < 0)
                return r;
        if (r > 0) {
                watch_remove(c->owner->loop, &f->inotify);
                ready_check_met(c);
        }
        return 0;
}

static void ready_file_end(struct ready_check *c)
{
        watch_remove(c->owner->loop, &((struct ready_file *) c)->inotify);
}

static void ready_file_describe(const struct ready_check *c, char *buf, size_t size)
{
        snprintf(buf, size, "file %s", ((const struct ready_file *) c)->path);
}

static void ready_file_free(struct ready_check *c)
{
        struct ready_file *f = (struct ready_file *) c;

        safe_close(f->inotify_fd);
        free(f->path);
        free(f);
}

static const struct ready_ops ready_file_ops = {
        .kind = "file",
        .begin = ready_file_begin,
        .end = ready_file_end,
        .describe = ready_file_describe,
        .free = ready_file_free,
};

int ready_file_new(struct ready_owner *owner, const char *path, struct ready_check **ret, char **ret_error)
{
        struct ready_file *f;

        if (!*path || strlen(path) >= PATH_MAX) {
                *ret_error = strdup("invalid file path: empty or too long");
                return -EINVAL;
        }
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->path = strdup(path);
        if (!f->path) {
                free(f);
                return -ENOMEM;
        }
        f->inotify.fd = f->inotify_fd = -1;
        f->check = (struct ready_check){ .ops = &ready_file_ops, .owner = owner };
        *ret = &f->check;
        return 0;
}

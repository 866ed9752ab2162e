/* The non-blocking stderr queue; see sink.h.
 *
 * fd 2 itself is never made non-blocking: its open file description is shared with
 * COMMAND and whoever else writes to the same pipe or terminal, which would then get
 * EAGAIN. A pipe or terminal is opened again through /proc/self/fd/2 (a new description
 * of the same object) with O_NONBLOCK; a socket gets MSG_DONTWAIT per send; a regular file
 * (whose offset must stay shared) is written as is, since file writes complete. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grow.h"
#include "sink.h"

void sink_open_stderr(struct sink *s)
{
        struct stat st;

        *s = (struct sink){ .fd = -1 };
        if (fstat(STDERR_FILENO, &st) < 0) {
                s->broken = true;
                return;
        }
        if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
                s->fd = STDERR_FILENO;
                return;
        }
        if (S_ISSOCK(st.st_mode)) {
                s->fd = STDERR_FILENO;
                s->use_send = s->pollable = true;
                return;
        }
        s->fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (s->fd >= 0) {
                s->own_fd = s->pollable = true;
                return;
        }
        if (errno == ENXIO && S_ISFIFO(st.st_mode)) {
                /* A pipe nobody reads any more. */
                s->broken = true;
                return;
        }
        /* No /proc: fd 2 with a poll before each write of at most PIPE_BUF bytes (which
         * then fit in one go), unless someone else fills the pipe in between. */
        s->fd = STDERR_FILENO;
        s->pollable = true;
}

void sink_done(struct sink *s)
{
        if (s->own_fd && s->fd >= 0)
                close(s->fd);
        s->fd = -1;
        free(s->buf);
        free(s->segs);
        s->buf = NULL;
        s->segs = NULL;
        s->len = s->head = s->size = s->n_segs = s->seg_head = s->seg_size = 0;
}

static bool sink_reserve(struct sink *s, size_t len)
{
        if (s->head + s->len + len <= s->size && s->n_segs < s->seg_size)
                return true;
        if (s->head > 0 && s->head + s->len + len > s->size) {
                memmove(s->buf, s->buf + s->head, s->len);
                s->head = 0;
        }
        /* The bytes: 64 KiB at first; the segments: 256. */
        if (ARRAY_GROW(s->buf, s->len + len, s->size, 65536) < 0)
                return false;
        if (s->n_segs > 0 && s->seg_head > s->n_segs / 2) {
                memmove(s->segs, s->segs + s->seg_head, (s->n_segs - s->seg_head) * sizeof(*s->segs));
                s->n_segs -= s->seg_head;
                s->seg_head = 0;
        }
        if (ARRAY_GROW(s->segs, s->n_segs + 1, s->seg_size, 256) < 0)
                return false;
        return true;
}

bool sink_append(struct sink *s, struct sink_owner *owner, const void *data, size_t len, size_t max)
{
        size_t queued = owner ? owner->queued : 0;

        if (s->broken || (max > 0 && queued + len > max) || !sink_reserve(s, len)) {
                if (owner && !s->broken)
                        owner->dropped += len;
                return false;
        }
        memcpy(s->buf + s->head + s->len, data, len);
        s->len += len;
        if (s->n_segs > s->seg_head && s->segs[s->n_segs - 1].owner == owner)
                s->segs[s->n_segs - 1].len += len;
        else
                s->segs[s->n_segs++] = (struct sink_segment){ .owner = owner, .len = len };
        if (owner)
                owner->queued += len;
        return true;
}

bool sink_append_line(
        struct sink *s, struct sink_owner *owner, const char *prefix, size_t prefix_len, const char *line,
        size_t len)
{
        size_t total = prefix_len + len + 1;
        char *p;

        if (s->broken || !sink_reserve(s, total)) {
                if (!s->broken)
                        owner->dropped += total;
                return false;
        }
        p = s->buf + s->head + s->len;
        memcpy(p, prefix, prefix_len);
        memcpy(p + prefix_len, line, len);
        p[prefix_len + len] = '\n';
        s->len += total;
        if (s->n_segs > s->seg_head && s->segs[s->n_segs - 1].owner == owner)
                s->segs[s->n_segs - 1].len += total;
        else
                s->segs[s->n_segs++] = (struct sink_segment){ .owner = owner, .len = total };
        owner->queued += total;
        return true;
}

static void sink_consume(struct sink *s, size_t n)
{
        s->mid_line = s->buf[s->head + n - 1] != '\n';
        s->head += n;
        s->len -= n;
        if (s->len == 0)
                s->head = 0;
        while (n > 0 && s->seg_head < s->n_segs) {
                struct sink_segment *g = &s->segs[s->seg_head];
                size_t k = n < g->len ? n : g->len;

                g->len -= k;
                if (g->owner)
                        g->owner->queued -= k;
                n -= k;
                s->head_cut = g->len > 0;
                if (g->len == 0)
                        s->seg_head++;
        }
        if (s->seg_head == s->n_segs)
                s->seg_head = s->n_segs = 0;
}

static void sink_break(struct sink *s)
{
        /* EPIPE and the like: this sink is gone; what it held goes nowhere. */
        s->broken = true;
        if (s->own_fd && s->fd >= 0)
                close(s->fd);
        s->fd = -1;
        for (size_t i = s->seg_head; i < s->n_segs; i++)
                if (s->segs[i].owner)
                        s->segs[i].owner->queued -= s->segs[i].len;
        s->len = s->head = s->n_segs = s->seg_head = 0;
}

bool sink_flush(struct sink *s)
{
        while (s->len > 0 && !s->broken) {
                size_t len = s->len;
                ssize_t n;

                if (s->pollable && !s->own_fd && !s->use_send) {
                        struct pollfd p = { .fd = s->fd, .events = POLLOUT };

                        if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLOUT))
                                return true;
                        if (len > PIPE_BUF)
                                len = PIPE_BUF;
                }
                if (s->use_send)
                        n = send(s->fd, s->buf + s->head, len, MSG_DONTWAIT | MSG_NOSIGNAL);
                else
                        n = write(s->fd, s->buf + s->head, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        return true;
                if (n <= 0) {
                        sink_break(s);
                        return false;
                }
                sink_consume(s, (size_t) n);
        }
        return false;
}

bool sink_pending(const struct sink *s)
{
        return s->len > 0 && !s->broken;
}

void sink_discard_units(struct sink *s)
{
        size_t from = s->head, to = s->head, kept = 0, n = 0;
        /* A unit's segment is whole lines: cut by a partial write, its line is unfinished. */
        bool cut = s->mid_line && s->head_cut && s->seg_head < s->n_segs && s->segs[s->seg_head].owner;

        for (size_t i = s->seg_head; i < s->n_segs; i++) {
                struct sink_segment *g = &s->segs[i];

                if (g->owner) {
                        g->owner->dropped += g->len;
                        g->owner->queued -= g->len;
                } else {
                        memmove(s->buf + to, s->buf + from, g->len);
                        to += g->len;
                        kept += g->len;
                        s->segs[n++] = *g;
                }
                from += g->len;
        }
        s->len = kept;
        s->seg_head = 0;
        s->n_segs = n;
        if (s->len == 0)
                s->head = 0;
        s->head_cut = false;
        if (cut) {
                /* The rest of a line is gone: whatever follows starts on a line of its own. */
                char nl = '\n';

                if (sink_reserve(s, 1)) {
                        memmove(s->buf + s->head + 1, s->buf + s->head, s->len);
                        s->buf[s->head] = nl;
                        s->len++;
                        memmove(s->segs + 1, s->segs, s->n_segs * sizeof(*s->segs));
                        s->segs[0] = (struct sink_segment){ .owner = NULL, .len = 1 };
                        s->n_segs++;
                        s->mid_line = false;
                }
        }
}

static ssize_t sink_cookie_write(void *cookie, const char *buf, size_t size)
{
        (void) sink_append(cookie, NULL, buf, size, 0);
        return (ssize_t) size;
}

FILE *sink_stdio(struct sink *s)
{
        FILE *f = fopencookie(s, "w", (cookie_io_functions_t){ .write = sink_cookie_write });

        if (f)
                setvbuf(f, NULL, _IOLBF, 0);
        return f;
}

/* Output pipes: bounded reads, line splitting in place, capture and the recent-lines ring.
 * Nothing here allocates per line: complete lines are handed out of the read buffer
 * itself; only a line split across reads is assembled, in one buffer per stream. */
#include <sys/epoll.h>

#include "macro.h"
#include "output.h"

static size_t min_size(size_t a, size_t b)
{
        return a < b ? a : b;
}

void output_stream_init(struct output_stream *s, int which, output_line_fn on_line, void *data)
{
        *s = (struct output_stream){
                .watch.fd = -1,
                .which = which,
                .on_line = on_line,
                .data = data,
                .capture_max = OUTPUT_CAPTURE_MAX,
        };
}

/* The capture keeps the newest capture_max bytes. The buffer has room for half as much
 * again, so the tail is moved to the front once per capture_max / 2 bytes, not per read. */
static void output_capture(struct output_stream *s, const char *buf, size_t n)
{
        size_t max = s->capture_max, start;

        if (max == 0)
                return;
        if (n >= max) {
                buf += n - max;
                n = max;
                s->capture_len = 0;
        }
        if (!s->capture_buf) {
                s->capture_size = max + max / 2 + 1;
                s->capture_buf = malloc(s->capture_size);
                if (!s->capture_buf)
                        return; /* capture is best effort; lines still flow */
                s->capture = s->capture_buf;
                s->capture_len = 0;
        }
        start = (size_t) (s->capture - s->capture_buf);
        if (start + s->capture_len + n + 1 > s->capture_size) {
                /* Keep the tail: the newest output is what explains a failure. */
                size_t keep = min_size(s->capture_len, max - n);
                memmove(s->capture_buf, s->capture + s->capture_len - keep, keep);
                s->capture = s->capture_buf;
                s->capture_len = keep;
        }
        memcpy(s->capture + s->capture_len, buf, n);
        s->capture_len += n;
        if (s->capture_len > max) {
                s->capture += s->capture_len - max;
                s->capture_len = max;
        }
        s->capture[s->capture_len] = 0;
}

static void output_deliver_partial(struct output_stream *s, bool complete)
{
        s->partial[s->partial_len] = 0;
        s->on_line(s, s->partial, s->partial_len, complete);
        if (complete) {
                s->partial_len = 0;
                s->lines++;
        }
}

/* buf has one spare byte at buf[n] so that every line can be NUL-terminated in place. */
static void output_feed(struct output_stream *s, char *buf, size_t n)
{
        while (n > 0) {
                char *nl = memchr(buf, '\n', n);
                size_t take = nl ? (size_t) (nl - buf) : n;
                bool complete = nl != NULL;

                if (s->partial_len == 0 && nl && take <= OUTPUT_LINE_MAX) {
                        /* The common case: a whole line in the buffer, handed out in place. */
                        *nl = 0;
                        s->on_line(s, buf, take, true);
                        s->lines++;
                        buf = nl + 1;
                        n -= take + 1;
                        continue;
                }
                if (!s->partial) {
                        s->partial = malloc(OUTPUT_LINE_MAX + 1);
                        if (!s->partial)
                                return;
                }
                if (s->partial_len + take > OUTPUT_LINE_MAX) {
                        take = OUTPUT_LINE_MAX - s->partial_len;
                        complete = true; /* an endless line is cut into pieces */
                        nl = NULL;
                }
                memcpy(s->partial + s->partial_len, buf, take);
                s->partial_len += take;
                buf += take + (nl ? 1 : 0);
                n -= take + (nl ? 1 : 0);
                if (complete)
                        output_deliver_partial(s, true);
        }
        if (s->partial_len > 0)
                output_deliver_partial(s, false);
}

static void output_flush_partial(struct output_stream *s)
{
        if (s->partial_len > 0)
                output_deliver_partial(s, true);
}

/* One read of at most size bytes; false once there is nothing more now (EAGAIN) or the
 * stream ended (then detached). */
static bool output_read_once(struct output_stream *s, struct loop *l, size_t size, size_t *ret_n)
{
        char buf[OUTPUT_READ_SIZE + 1];
        ssize_t n;

        do
                n = read(s->watch.fd, buf, size);
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno == EAGAIN)
                return false;
        if (n <= 0) {
                /* The end of the stream; a read error counts as one. */
                output_flush_partial(s);
                output_stream_end(s, l);
                return false;
        }
        if (s->on_chunk)
                s->on_chunk(s, buf, (size_t) n, s->offset, false);
        s->offset += (uint64_t) n;
        output_capture(s, buf, (size_t) n);
        output_feed(s, buf, (size_t) n);
        *ret_n = (size_t) n;
        return true;
}

void output_stream_drain(struct output_stream *s, struct loop *l)
{
        for (size_t done = 0, n = 0; done < OUTPUT_DRAIN_MAX && watch_active(&s->watch); done += n)
                if (!output_read_once(s, l, OUTPUT_READ_SIZE, &n))
                        return;
}

void output_stream_finish(struct output_stream *s, struct loop *l)
{
        output_stream_drain(s, l);
        /* Nothing can write any more (we hold a write end ourselves, so no EOF comes). */
        output_flush_partial(s);
        output_stream_end(s, l);
}

void output_stream_end(struct output_stream *s, struct loop *l)
{
        bool attached = watch_active(&s->watch);

        watch_remove(l, &s->watch);
        if (attached && s->on_chunk)
                s->on_chunk(s, NULL, 0, s->offset, true);
}

/* One read per event: the loop goes round and serves everything else that is ready
 * (level-triggered, so the rest of the pipe is the next round's). */
static void output_on_event(struct watch *w, uint32_t events)
{
        struct output_stream *s = w->data;
        size_t size = s->event_read ? s->event_read : OUTPUT_EVENT_READ_MIN, got = 0;
        unsigned long before = s->lines;

        if (!output_read_once(s, s->loop, size, &got) || !watch_active(w))
                return;
        /* A full read of few (long) lines may grow; one of many shrinks, so that an event's
         * work stays small beside a flood of short lines. */
        if (got == size && s->lines - before <= 16 && size < OUTPUT_READ_SIZE)
                s->event_read = size * 2;
        else if (s->lines - before > 128 && size > OUTPUT_EVENT_READ_MIN)
                s->event_read = size / 2;
        /* Long lines at full size: what the writer added meanwhile is cheap to take now. */
        for (unsigned i = 1; i < 4 && got == OUTPUT_READ_SIZE && s->lines - before <= 16 * i; i++)
                if (!output_read_once(s, s->loop, OUTPUT_READ_SIZE, &got) || !watch_active(w))
                        return;
}

static int output_register(struct output_stream *s)
{
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->watch };

        if (epoll_ctl(s->loop->epoll_fd, EPOLL_CTL_ADD, s->watch.fd, &ev) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

int output_stream_attach(struct output_stream *s, struct loop *l, int fd)
{
        int r;

        s->loop = l;
        r = loop_add(l, &s->watch, fd, EPOLLIN, output_on_event, s);
        if (r >= 0 && s->paused)
                (void) epoll_ctl(l->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
        return r;
}

int output_stream_set_paused(struct output_stream *s, bool paused)
{
        if (s->paused == paused)
                return 0;
        s->paused = paused;
        if (!watch_active(&s->watch))
                return 0;
        /* Unregistered rather than registered for no events: epoll reports a hangup
         * regardless of the mask, and a paused pipe whose writer is gone would spin. */
        if (paused)
                return epoll_ctl(s->loop->epoll_fd, EPOLL_CTL_DEL, s->watch.fd, NULL) < 0 ? negative_errno()
                                                                                          : 0;
        return output_register(s);
}

void output_stream_set_capture_max(struct output_stream *s, size_t max)
{
        s->capture_buf = mfree(s->capture_buf);
        s->capture = NULL;
        s->capture_len = s->capture_size = 0;
        s->capture_max = max;
}

void output_stream_reset(struct output_stream *s)
{
        s->capture = s->capture_buf;
        s->capture_len = 0;
        if (s->capture)
                s->capture[0] = 0;
        s->partial_len = 0;
        s->offset = 0;
}

void output_stream_done(struct output_stream *s, struct loop *l)
{
        watch_remove(l, &s->watch);
        s->partial = mfree(s->partial);
        s->capture_buf = mfree(s->capture_buf);
        s->capture = NULL;
        s->partial_len = s->capture_len = s->capture_size = 0;
}

/* ---- The recent-lines ring -------------------------------------------------------------- */

static void line_ring_put(struct line_ring *r, const char *p, size_t n)
{
        while (n > 0) {
                size_t at = r->end % OUTPUT_RING_SIZE, chunk = min_size(n, OUTPUT_RING_SIZE - at);

                memcpy(r->data + at, p, chunk);
                r->end += chunk;
                p += chunk;
                n -= chunk;
        }
}

void line_ring_push(struct line_ring *r, const char *line, size_t len)
{
        const char *nul = memchr(line, 0, len);
        size_t at = r->end % OUTPUT_RING_SIZE;

        /* As printed: up to a NUL, at most OUTPUT_RECENT_LINE_MAX. */
        if (nul)
                len = (size_t) (nul - line);
        len = min_size(len, OUTPUT_RECENT_LINE_MAX);
        if (at + len + 1 <= OUTPUT_RING_SIZE) {
                /* Called for every line of a flood: the common case without wrapping. */
                memcpy(r->data + at, line, len);
                r->data[at + len] = '\n';
                r->end += len + 1;
                return;
        }
        line_ring_put(r, line, len);
        line_ring_put(r, "\n", 1);
}

bool line_ring_empty(const struct line_ring *r)
{
        return r->end == 0;
}

void line_ring_format(const struct line_ring *r, const char *prefix, char *buf, size_t size)
{
        size_t avail = min_size(r->end, OUTPUT_RING_SIZE), lo = r->end - avail, start = lo;
        size_t used = strlen(buf);
        unsigned lines = 0;
        bool found = false;

        if (r->end == 0 || used + 1 >= size)
                return;
        /* Back from the newest line to the start of the oldest one to show. */
        for (size_t p = r->end - 1; p > lo; p--)
                if (r->data[(p - 1) % OUTPUT_RING_SIZE] == '\n' && ++lines == OUTPUT_RECENT_LINES) {
                        start = p;
                        found = true;
                        break;
                }
        if (!found && r->end > OUTPUT_RING_SIZE) {
                /* The oldest bytes kept may be the tail of an overwritten line. */
                while (start < r->end && r->data[start % OUTPUT_RING_SIZE] != '\n')
                        start++;
                start++;
        }
        while (start < r->end) {
                size_t len = 0, plen = strlen(prefix);

                while (start + len < r->end && r->data[(start + len) % OUTPUT_RING_SIZE] != '\n')
                        len++;
                if (used + 1 + plen >= size)
                        break;
                buf[used++] = '\n';
                memcpy(buf + used, prefix, plen);
                used += plen;
                for (size_t i = 0; i < len && used + 1 < size; i++)
                        buf[used++] = r->data[(start + i) % OUTPUT_RING_SIZE];
                buf[used] = 0;
                start += len + 1;
        }
}

void line_ring_clear(struct line_ring *r)
{
        r->end = 0;
}

/* Output pipes: draining, line splitting, capture and the recent-lines ring. */
#include <sys/epoll.h>

#include "macro.h"
#include "output.h"

void output_stream_init(struct output_stream *s, int which, output_line_fn on_line, void *data)
{
        *s = (struct output_stream){ .watch.fd = -1, .which = which, .on_line = on_line, .data = data };
}

static void output_capture(struct output_stream *s, const char *buf, size_t n)
{
        if (n >= OUTPUT_CAPTURE_MAX) {
                buf += n - OUTPUT_CAPTURE_MAX;
                n = OUTPUT_CAPTURE_MAX;
        }
        if (!s->capture) {
                s->capture = malloc(OUTPUT_CAPTURE_MAX + 1);
                if (!s->capture)
                        return; /* capture is best effort; lines still flow */
        }
        if (s->capture_len + n > OUTPUT_CAPTURE_MAX) {
                /* Keep the tail: the newest output is what explains a failure. */
                size_t drop = s->capture_len + n - OUTPUT_CAPTURE_MAX;
                memmove(s->capture, s->capture + drop, s->capture_len - drop);
                s->capture_len -= drop;
        }
        memcpy(s->capture + s->capture_len, buf, n);
        s->capture_len += n;
        s->capture[s->capture_len] = 0;
}

static void output_feed(struct output_stream *s, const char *buf, size_t n)
{
        while (n > 0) {
                const char *nl = memchr(buf, '\n', n);
                size_t take = nl ? (size_t) (nl - buf) : n;
                bool complete = nl != NULL;
                char *p;

                if (s->partial_len + take > OUTPUT_LINE_MAX) {
                        take = OUTPUT_LINE_MAX - s->partial_len;
                        complete = true; /* an endless line is cut into pieces */
                        nl = NULL;
                }
                p = realloc(s->partial, s->partial_len + take + 1);
                if (!p)
                        return;
                s->partial = p;
                memcpy(s->partial + s->partial_len, buf, take);
                s->partial_len += take;
                s->partial[s->partial_len] = 0;

                buf += take + (nl ? 1 : 0);
                n -= take + (nl ? 1 : 0);

                if (complete) {
                        s->on_line(s, s->partial, s->partial_len, true);
                        s->partial_len = 0;
                        s->partial[0] = 0;
                }
        }
        if (s->partial_len > 0)
                s->on_line(s, s->partial, s->partial_len, false);
}

static void output_flush_partial(struct output_stream *s)
{
        if (s->partial_len > 0) {
                s->on_line(s, s->partial, s->partial_len, true);
                s->partial_len = 0;
        }
}

void output_stream_drain(struct output_stream *s, struct loop *l)
{
        char buf[65536];

        while (watch_active(&s->watch)) {
                ssize_t n = read(s->watch.fd, buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return;
                        n = 0; /* treat a read error like the end of the stream */
                }
                if (n == 0) {
                        output_flush_partial(s);
                        watch_remove(l, &s->watch);
                        if (s->on_chunk)
                                s->on_chunk(s, NULL, 0, s->offset, true);
                        return;
                }
                if (s->on_chunk)
                        s->on_chunk(s, buf, (size_t) n, s->offset, false);
                s->offset += (uint64_t) n;
                output_capture(s, buf, (size_t) n);
                output_feed(s, buf, (size_t) n);
        }
}

static void output_on_event(struct watch *w, uint32_t events)
{
        struct output_stream *s = w->data;

        output_stream_drain(s, s->loop);
}

int output_stream_attach(struct output_stream *s, struct loop *l, int fd)
{
        s->loop = l;
        return loop_add(l, &s->watch, fd, EPOLLIN, output_on_event, s);
}

void output_stream_reset(struct output_stream *s)
{
        s->capture_len = 0;
        if (s->capture)
                s->capture[0] = 0;
        s->partial_len = 0;
        s->offset = 0;
}

void output_stream_end(struct output_stream *s, struct loop *l)
{
        bool attached = watch_active(&s->watch);

        watch_remove(l, &s->watch);
        if (attached && s->on_chunk)
                s->on_chunk(s, NULL, 0, s->offset, true);
}

void output_stream_done(struct output_stream *s, struct loop *l)
{
        watch_remove(l, &s->watch);
        s->partial = mfree(s->partial);
        s->capture = mfree(s->capture);
        s->partial_len = s->capture_len = 0;
}

void line_ring_push(struct line_ring *r, const char *line, size_t len)
{
        char *copy = strndup(line, len);

        if (!copy)
                return;
        free(r->lines[r->next]);
        r->lines[r->next] = copy;
        r->next = (r->next + 1) % OUTPUT_RECENT_LINES;
}

void line_ring_format(const struct line_ring *r, const char *prefix, char *buf, size_t size)
{
        size_t used = strlen(buf);

        for (unsigned i = 0; i < OUTPUT_RECENT_LINES; i++) {
                const char *line = r->lines[(r->next + i) % OUTPUT_RECENT_LINES];
                if (!line || used + 1 >= size)
                        continue;
                snprintf(buf + used, size - used, "\n%s%s", prefix, line);
                used += strlen(buf + used);
        }
}

void line_ring_clear(struct line_ring *r)
{
        for (unsigned i = 0; i < OUTPUT_RECENT_LINES; i++)
                r->lines[i] = mfree(r->lines[i]);
        r->next = 0;
}

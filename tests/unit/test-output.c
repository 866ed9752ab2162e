/* Unit tests for the output path: output.c (line splitting in place, pieces of an endless
 * line, the unfinished last line, the capture's tail, pausing) on real pipes with the
 * library's loop; the recent-lines byte ring; and the CLI's stderr queue (src/cli/sink.c)
 * on a non-blocking pipe: partial writes, owners' accounting, discarding, EPIPE. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "cunit-main.h"
#include "loop.h"
#include "macro.h"
#include "output.h"
#include "sink.h"

/* ---- output streams ---------------------------------------------------------------- */

struct seen {
        char lines[16][OUTPUT_LINE_MAX + 1];
        size_t lens[16];
        bool complete[16];
        unsigned n;
        bool terminated; /* every line came NUL-terminated */
};

static void on_line(struct output_stream *s, const char *line, size_t len, bool complete)
{
        struct seen *seen = s->data;

        if (line[len] != 0)
                seen->terminated = false;
        if (seen->n >= 16)
                return;
        memcpy(seen->lines[seen->n], line, len);
        seen->lines[seen->n][len] = 0;
        seen->lens[seen->n] = len;
        seen->complete[seen->n++] = complete;
}

static void write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                CU_ASSERT_FATAL(k > 0);
                p += k;
                n -= (size_t) k;
        }
}

/* A stream (number id) on a fresh non-blocking pipe with the library's loop, its lines into
 * *seen (reset); not attached yet, so a case may configure it first. */
static void stream_setup(struct output_stream *s, struct loop *l, int fds[2], int id, struct seen *seen)
{
        *seen = (struct seen){ .terminated = true };
        CU_ASSERT_FATAL(loop_init(l) >= 0);
        CU_ASSERT_FATAL(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
        output_stream_init(s, id, on_line, seen);
}

static void stream_teardown(struct output_stream *s, struct loop *l)
{
        output_stream_done(s, l);
        loop_done(l);
}

static void test_lines_and_partial(void)
{
        static struct seen seen;
        struct output_stream s;
        struct loop l = {};
        int fds[2];

        stream_setup(&s, &l, fds, 1, &seen);
        CU_ASSERT_FATAL(output_stream_attach(&s, &l, fds[0]) >= 0);

        write_all(fds[1], "a\nbb\nccc", 8);
        output_stream_drain(&s, &l);
        CU_ASSERT_EQUAL(seen.n, 3);
        CU_ASSERT_STRING_EQUAL(seen.lines[0], "a");
        CU_ASSERT_STRING_EQUAL(seen.lines[1], "bb");
        CU_ASSERT_STRING_EQUAL(seen.lines[2], "ccc");
        CU_ASSERT(seen.complete[0] && seen.complete[1] && !seen.complete[2]);

        /* The rest of the line, then the end of the stream: delivered once, complete. */
        write_all(fds[1], "c\n", 2);
        output_stream_drain(&s, &l);
        CU_ASSERT_EQUAL(seen.n, 4);
        CU_ASSERT_STRING_EQUAL(seen.lines[3], "cccc");
        CU_ASSERT(seen.complete[3]);
        write_all(fds[1], "tail", 4);
        close(fds[1]);
        output_stream_drain(&s, &l);
        CU_ASSERT_EQUAL(seen.n, 6);
        CU_ASSERT_STRING_EQUAL(seen.lines[5], "tail");
        CU_ASSERT(!seen.complete[4] && seen.complete[5]);
        CU_ASSERT_FALSE(watch_active(&s.watch));
        CU_ASSERT(seen.terminated);
        CU_ASSERT_STRING_EQUAL(s.capture, "a\nbb\ncccc\ntail");

        stream_teardown(&s, &l);
}

static void test_endless_line_and_finish(void)
{
        static struct seen seen;
        struct output_stream s;
        struct loop l = {};
        int fds[2];
        char *big = malloc(150000);

        CU_ASSERT_FATAL(big != NULL);
        memset(big, 'x', 150000);
        stream_setup(&s, &l, fds, 2, &seen);
        CU_ASSERT_FATAL(fcntl(fds[1], F_SETPIPE_SZ, 1 << 20) >= 0);
        CU_ASSERT_FATAL(output_stream_attach(&s, &l, fds[0]) >= 0);
        write_all(fds[1], big, 150000);
        output_stream_drain(&s, &l);
        /* Two pieces of 64 KiB, complete; the rest as the unfinished line (each piece is
         * also seen unfinished while it grows). */
        {
                unsigned complete = 0;
                for (unsigned i = 0; i < seen.n; i++)
                        if (seen.complete[i]) {
                                CU_ASSERT_EQUAL(seen.lens[i], OUTPUT_LINE_MAX);
                                complete++;
                        }
                CU_ASSERT_EQUAL(complete, 2);
        }
        CU_ASSERT_FATAL(seen.n >= 3);
        CU_ASSERT_EQUAL(seen.lens[seen.n - 1], 150000 - 2 * OUTPUT_LINE_MAX);
        CU_ASSERT(!seen.complete[seen.n - 1]);

        /* The run ends while we still hold a write end: no EOF, and yet the line is done. */
        seen.n = 0;
        output_stream_finish(&s, &l);
        CU_ASSERT_EQUAL(seen.n, 1);
        CU_ASSERT_EQUAL(seen.lens[0], 150000 - 2 * OUTPUT_LINE_MAX);
        CU_ASSERT(seen.complete[0]);
        CU_ASSERT_FALSE(watch_active(&s.watch));
        CU_ASSERT(seen.terminated);

        close(fds[1]);
        stream_teardown(&s, &l);
        free(big);
}

static void test_capture_tail(void)
{
        static struct seen seen;
        struct output_stream s;
        struct loop l = {};
        int fds[2];
        char expected[101], all[7001];

        stream_setup(&s, &l, fds, 1, &seen);
        output_stream_set_capture_max(&s, 100);
        CU_ASSERT_FATAL(output_stream_attach(&s, &l, fds[0]) >= 0);
        /* Many small reads: the buffer's tail moves to the front now and then. */
        for (unsigned i = 0; i < 1000; i++) {
                char chunk[8];
                snprintf(chunk, sizeof(chunk), "%06u", i);
                memcpy(all + i * 7, chunk, 6);
                all[i * 7 + 6] = '\n';
                write_all(fds[1], all + i * 7, 7);
                output_stream_drain(&s, &l);
                if (i * 7 + 7 >= 100) {
                        memcpy(expected, all + i * 7 + 7 - 100, 100);
                        expected[100] = 0;
                        CU_ASSERT_EQUAL(s.capture_len, 100);
                        CU_ASSERT_STRING_EQUAL(s.capture, expected);
                }
        }
        CU_ASSERT(s.capture_size <= 100 + 50 + 1);
        output_stream_set_capture_max(&s, 0);
        write_all(fds[1], "more\n", 5);
        output_stream_drain(&s, &l);
        CU_ASSERT_EQUAL(s.capture_len, 0);
        CU_ASSERT_PTR_NULL(s.capture_buf);

        close(fds[1]);
        stream_teardown(&s, &l);
}

static void test_pause(void)
{
        static struct seen seen;
        struct output_stream s;
        struct loop l = {};
        int fds[2];

        stream_setup(&s, &l, fds, 1, &seen);
        CU_ASSERT_EQUAL(output_stream_set_paused(&s, true), 0);
        CU_ASSERT_FATAL(output_stream_attach(&s, &l, fds[0]) >= 0);
        write_all(fds[1], "x\n", 2);
        close(fds[1]); /* a hangup too: must not wake a paused stream */
        CU_ASSERT_EQUAL(loop_dispatch(&l, 50), 0);
        CU_ASSERT_EQUAL(seen.n, 0);
        CU_ASSERT_EQUAL(output_stream_set_paused(&s, false), 0);
        CU_ASSERT_EQUAL(loop_dispatch(&l, 1000), 1);
        CU_ASSERT_EQUAL(seen.n, 1);
        CU_ASSERT_STRING_EQUAL(seen.lines[0], "x");
        stream_teardown(&s, &l);
}

/* ---- the recent-lines ring --------------------------------------------------------- */

static void test_ring_basic(void)
{
        static struct line_ring r;
        char buf[8192] = "";

        line_ring_clear(&r);
        CU_ASSERT(line_ring_empty(&r));
        line_ring_format(&r, "  ", buf, sizeof(buf));
        CU_ASSERT_STRING_EQUAL(buf, "");
        line_ring_push(&r, "one", 3);
        line_ring_push(&r, "", 0);
        line_ring_push(&r, "th\0ree", 6);
        CU_ASSERT_FALSE(line_ring_empty(&r));
        snprintf(buf, sizeof(buf), "Last:");
        line_ring_format(&r, "  ", buf, sizeof(buf));
        CU_ASSERT_STRING_EQUAL(buf, "Last:\n  one\n  \n  th");
}

static void test_ring_last_ten_and_wrap(void)
{
        static struct line_ring r;
        char buf[16384], expected[16384], line[600];
        size_t o = 0;

        line_ring_clear(&r);
        /* Far more than the ring holds, in lines that straddle its end. */
        for (unsigned i = 0; i < 200; i++) {
                memset(line, 'a' + i % 26, sizeof(line));
                snprintf(line, 8, "%05u", i);
                line[5] = '-';
                line_ring_push(&r, line, 500 + i % 7);
        }
        for (unsigned i = 190; i < 200; i++) {
                memset(line, 'a' + i % 26, sizeof(line));
                snprintf(line, 8, "%05u", i);
                line[5] = '-';
                o += (size_t) snprintf(
                        expected + o, sizeof(expected) - o, "\n> %.*s", (int) (500 + i % 7), line);
        }
        buf[0] = 0;
        line_ring_format(&r, "> ", buf, sizeof(buf));
        CU_ASSERT_STRING_EQUAL(buf, expected);

        /* Long lines are kept cut; a small buffer is never overrun and stays a string. */
        line_ring_clear(&r);
        {
                char *big = malloc(5000);
                CU_ASSERT_FATAL(big != NULL);
                memset(big, 'z', 5000);
                line_ring_push(&r, big, 5000);
                free(big);
        }
        buf[0] = 0;
        line_ring_format(&r, "", buf, sizeof(buf));
        CU_ASSERT_EQUAL(strlen(buf), 1 + OUTPUT_RECENT_LINE_MAX);
        buf[0] = 0;
        line_ring_format(&r, "", buf, 40);
        CU_ASSERT_EQUAL(strlen(buf), 39);
}

/* ---- the stderr queue ---------------------------------------------------------------- */

static void sink_on_pipe(struct sink *s, int fds[2])
{
        CU_ASSERT_FATAL(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
        *s = (struct sink){ .fd = fds[1], .own_fd = true, .pollable = true };
}

static size_t drain_pipe(int fd, char *buf, size_t size)
{
        size_t got = 0;
        ssize_t n;

        while (got < size && (n = read(fd, buf + got, size - got)) > 0)
                got += (size_t) n;
        return got;
}

static void test_sink_backlog_and_discard(void)
{
        struct sink s;
        struct sink_owner a = {}, b = {};
        int fds[2];
        char line[100], *buf = malloc(1 << 20);
        size_t total = 0, got;

        CU_ASSERT_FATAL(buf != NULL);
        sink_on_pipe(&s, fds);
        memset(line, 'l', sizeof(line));
        /* Far more than the pipe takes: the rest stays queued, accounted per owner. */
        for (unsigned i = 0; i < 2000; i++) {
                CU_ASSERT(sink_append_line(&s, i % 2 ? &a : &b, "u| ", 3, line, 96));
                total += 100;
        }
        CU_ASSERT(sink_append(&s, NULL, "note\n", 5, 0));
        CU_ASSERT_EQUAL(a.queued + b.queued, total);
        CU_ASSERT_TRUE(sink_flush(&s)); /* the pipe is full: pending */
        CU_ASSERT(sink_pending(&s));
        CU_ASSERT(a.queued + b.queued < total);
        CU_ASSERT_EQUAL(a.queued + b.queued + 5, s.len);

        /* The limit: an owner over max gets nothing queued, and it is counted. */
        CU_ASSERT_FALSE(sink_append(&s, &a, line, 100, a.queued + 50));
        CU_ASSERT_EQUAL(a.dropped, 100);

        /* The end after a signal: the units' bytes go, our own message stays, and the cut
         * line is ended first. */
        sink_discard_units(&s);
        CU_ASSERT_EQUAL(a.queued, 0);
        CU_ASSERT_EQUAL(b.queued, 0);
        got = drain_pipe(fds[0], buf, 1 << 20);
        CU_ASSERT(got < total);
        CU_ASSERT_EQUAL(a.dropped + b.dropped, total - got + 100);
        CU_ASSERT_FALSE(sink_flush(&s));
        got += drain_pipe(fds[0], buf + got, (1 << 20) - got);
        buf[got] = 0;
        CU_ASSERT(got >= 6);
        CU_ASSERT(memcmp(buf + got - 5, "note\n", 5) == 0);
        /* Every line that came through is whole, the last one ended by the inserted '\n'. */
        CU_ASSERT_EQUAL(buf[got - 6], '\n');

        close(fds[0]);
        sink_done(&s);
        free(buf);
}

static void test_sink_epipe(void)
{
        struct sink s;
        struct sink_owner a = {};
        int fds[2];

        sink_on_pipe(&s, fds);
        close(fds[0]);
        CU_ASSERT(sink_append_line(&s, &a, "u| ", 3, "x", 1));
        CU_ASSERT_FALSE(sink_flush(&s)); /* EPIPE (SIGPIPE is ignored, as the CLI does) */
        CU_ASSERT(s.broken);
        CU_ASSERT_EQUAL(s.fd, -1);
        CU_ASSERT_EQUAL(a.queued, 0);
        CU_ASSERT_FALSE(sink_append(&s, &a, "y\n", 2, 0));
        CU_ASSERT_FALSE(sink_pending(&s));
        sink_done(&s);
}

int main(void)
{
        static CU_TestInfo stream_tests[] = {
                { "lines in place, unfinished last line, EOF", test_lines_and_partial },
                { "endless line in pieces; finish without EOF", test_endless_line_and_finish },
                { "capture keeps the tail", test_capture_tail },
                { "paused: not read, not even on hangup", test_pause },
                CU_TEST_INFO_NULL,
        };
        static CU_TestInfo ring_tests[] = {
                { "lines, empty lines, NUL", test_ring_basic },
                { "last ten, wrapping, cut lines, small buffer", test_ring_last_ten_and_wrap },
                CU_TEST_INFO_NULL,
        };
        static CU_TestInfo sink_tests[] = {
                { "backlog, owners, limit, discard", test_sink_backlog_and_discard },
                { "EPIPE breaks the sink", test_sink_epipe },
                CU_TEST_INFO_NULL,
        };
        CU_SuiteInfo suites[] = {
                { .pName = "output stream", .pTests = stream_tests },
                { .pName = "recent lines", .pTests = ring_tests },
                { .pName = "stderr queue", .pTests = sink_tests },
                CU_SUITE_INFO_NULL,
        };

        (void) signal(SIGPIPE, SIG_IGN);
        return cunit_run(suites);
}

/* A child's stdout or stderr pipe, read by the loop whenever it is readable: split into
 * lines, kept as a capped capture, and a ring of the last lines for failure messages.
 * Each event reads a bounded amount, so a daemon that writes without pause never keeps
 * the loop from its other work; the stream can be paused (the pipe then fills and the
 * daemon blocks on its own write: the kernel pipe is the backpressure). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define OUTPUT_LINE_MAX (64 * 1024) /* longer lines are delivered in pieces */
#define OUTPUT_READ_SIZE (64 * 1024)
/* Bytes read per loop event: from 4 KiB (a flood of short lines: the work is per line) up
 * to OUTPUT_READ_SIZE (long lines), adapted from the lines the last read held. */
#define OUTPUT_EVENT_READ_MIN (4 * 1024)
#define OUTPUT_DRAIN_MAX (1024 * 1024) /* what output_stream_drain() reads at most */
#define OUTPUT_CAPTURE_MAX (4 * 1024 * 1024)
#define OUTPUT_RECENT_LINES 10
#define OUTPUT_RECENT_LINE_MAX 768 /* bytes of each line kept in the ring */
#define OUTPUT_RING_SIZE 16384

struct output_stream;
/* complete == false: the stream's unfinished last line, as it stands (for readiness
 * checks on a banner without newline); it is delivered again once complete. The line is
 * NUL-terminated at line[len]. */
typedef void (*output_line_fn)(struct output_stream *s, const char *line, size_t len, bool complete);
/* Each chunk as read, at its byte offset in the stream; eof (no data) once it ended. */
typedef void (*output_chunk_fn)(
        struct output_stream *s, const char *data, size_t len, uint64_t offset, bool eof);

struct output_stream {
        struct watch watch;
        struct loop *loop;
        int which; /* UR_STDOUT or UR_STDERR */
        output_line_fn on_line;
        void *data;
        char *partial; /* OUTPUT_LINE_MAX + 1 bytes, allocated at the first split line */
        size_t partial_len;
        char *capture; /* capture_len bytes (NUL-terminated), inside capture_buf */
        size_t capture_len;
        char *capture_buf;
        size_t capture_size;
        size_t capture_max;       /* OUTPUT_CAPTURE_MAX by default; 0: no capture */
        bool paused;              /* not registered with the loop while set */
        size_t event_read;        /* bytes per event now (0: OUTPUT_EVENT_READ_MIN) */
        unsigned long lines;      /* complete lines delivered, ever */
        output_chunk_fn on_chunk; /* optional */
        uint64_t offset;          /* bytes read since the last reset */
};

/* The last lines as one fixed byte ring: lines separated by '\n', each cut to
 * OUTPUT_RECENT_LINE_MAX; no allocation per line. */
struct line_ring {
        char data[OUTPUT_RING_SIZE];
        size_t end; /* bytes ever written; data[(end - 1) % size] is the newest */
};

void output_stream_init(struct output_stream *s, int which, output_line_fn on_line, void *data);
/* Takes ownership of the pipe's read end. */
int output_stream_attach(struct output_stream *s, struct loop *l, int fd);
/* Reads what is there now (at most OUTPUT_DRAIN_MAX, even when paused); at EOF delivers
 * the last partial line and detaches. */
void output_stream_drain(struct output_stream *s, struct loop *l);
/* The run is over (every process of it gone): drains, delivers an unfinished last line as
 * complete, and detaches. */
void output_stream_finish(struct output_stream *s, struct loop *l);
/* Detaches the stream where the run ends without EOF on the pipe (something of the unit
 * may still hold it): the chunk callback still learns that it ended. */
void output_stream_end(struct output_stream *s, struct loop *l);
void output_stream_done(struct output_stream *s, struct loop *l);
/* Forgets the capture of the previous run (restart). */
void output_stream_reset(struct output_stream *s);
/* Stops (or resumes) reading the pipe; survives a restart. */
int output_stream_set_paused(struct output_stream *s, bool paused);
/* How much of the stream get_output keeps (0: nothing); drops what is captured. */
void output_stream_set_capture_max(struct output_stream *s, size_t max);

void line_ring_push(struct line_ring *r, const char *line, size_t len);
bool line_ring_empty(const struct line_ring *r);
/* "\nPREFIXline" for each remembered line (the last OUTPUT_RECENT_LINES), oldest first,
 * appended to the string in buf. */
void line_ring_format(const struct line_ring *r, const char *prefix, char *buf, size_t size);
void line_ring_clear(struct line_ring *r);

/* A child's stdout or stderr pipe, drained by the loop whenever it is readable so a chatty
 * daemon never blocks: split into lines, kept as a capped capture, and a ring of the last
 * lines for failure messages. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define OUTPUT_LINE_MAX (64 * 1024) /* longer lines are delivered in pieces */
#define OUTPUT_CAPTURE_MAX (4 * 1024 * 1024)
#define OUTPUT_RECENT_LINES 10

struct output_stream;
/* complete == false: the stream's unfinished last line, as it stands (for readiness
 * checks on a banner without newline); it is delivered again once complete. */
typedef void (*output_line_fn)(struct output_stream *s, const char *line, size_t len, bool complete);
/* Each chunk as read, at its byte offset in the stream; eof (no data) once it closed. */
typedef void (*output_chunk_fn)(
        struct output_stream *s, const char *data, size_t len, uint64_t offset, bool eof);

struct output_stream {
        struct watch watch;
        struct loop *loop;
        int which; /* UR_STDOUT or UR_STDERR */
        output_line_fn on_line;
        void *data;
        char *partial;
        size_t partial_len;
        char *capture;
        size_t capture_len;
        output_chunk_fn on_chunk; /* optional */
        uint64_t offset;          /* bytes read since the last reset */
};

struct line_ring {
        char *lines[OUTPUT_RECENT_LINES];
        unsigned next;
};

void output_stream_init(struct output_stream *s, int which, output_line_fn on_line, void *data);
/* Takes ownership of the pipe's read end. */
int output_stream_attach(struct output_stream *s, struct loop *l, int fd);
/* Reads what is there now; at EOF delivers the last partial line and detaches. */
void output_stream_drain(struct output_stream *s, struct loop *l);
/* Detaches the stream where the run ends without EOF on the pipe (something of the unit
 * may still hold it): the chunk callback still learns that it ended. */
void output_stream_end(struct output_stream *s, struct loop *l);
void output_stream_done(struct output_stream *s, struct loop *l);
/* Forgets the capture of the previous run (restart). */
void output_stream_reset(struct output_stream *s);

void line_ring_push(struct line_ring *r, const char *line, size_t len);
/* "  line\n" for each remembered line, oldest first, appended to buf. */
void line_ring_format(const struct line_ring *r, const char *prefix, char *buf, size_t size);
void line_ring_clear(struct line_ring *r);

/* Where unitrun's own stderr goes while units run: a bounded queue in front of fd 2,
 * written without ever blocking, so that a stalled log reader (a full pipe, a paused
 * terminal) cannot make the launcher deaf to signals and timers. Every byte is queued
 * under an owner (a unit, or NULL for unitrun's own messages) so that a unit whose queued
 * output passes a limit can be paused, and what is dropped can be counted per unit. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sink_owner {
        size_t queued;    /* bytes of this owner in the queue */
        uint64_t dropped; /* bytes discarded: over the limit, or not delivered in time */
};

struct sink_segment {
        struct sink_owner *owner;
        size_t len;
};

struct sink {
        int fd;        /* what we write to; -1 once closed or broken */
        bool own_fd;   /* a non-blocking reopening of fd 2, ours to close */
        bool use_send; /* a socket: send(MSG_DONTWAIT | MSG_NOSIGNAL) */
        bool pollable; /* can wait for EPOLLOUT; else writes always complete (files) */
        bool broken;   /* a write failed (EPIPE, ...): forwarding to it has stopped */
        bool mid_line; /* the last byte written was not '\n' */
        bool head_cut; /* the first queued segment was written in part */
        char *buf;     /* queue: buf[head..head+len) */
        size_t head, len, size;
        struct sink_segment *segs; /* segs[seg_head..n_segs): the owners, in order */
        size_t seg_head, n_segs, seg_size;
};

/* Opens the sink on fd 2 (never fails: a sink that cannot be opened is broken). */
void sink_open_stderr(struct sink *s);
void sink_done(struct sink *s);
/* Queues data; false (and owner->dropped counted) if it would take the owner's queued
 * bytes over max (0: no limit), or the sink is broken. */
bool sink_append(struct sink *s, struct sink_owner *owner, const void *data, size_t len, size_t max);
/* PREFIX LINE '\n' for a unit, in one piece (the forwarder's fast path). */
bool sink_append_line(
        struct sink *s, struct sink_owner *owner, const char *prefix, size_t prefix_len, const char *line,
        size_t len);
/* Writes what it can without blocking (all of it for a file); true if bytes remain. */
bool sink_flush(struct sink *s);
bool sink_pending(const struct sink *s);
/* Drops every queued byte of an owner (counting them as dropped); unitrun's own messages
 * stay. A line cut by a partial write is ended first. */
void sink_discard_units(struct sink *s);
/* A FILE for stdio whose writes are queued in s (owner NULL). */
FILE *sink_stdio(struct sink *s);

/* On a terminal, one status line per unit at the bottom of the screen while units start
 * (and, for up, while they run): starting, ready in N ms via which conditions, failed.
 * Other output to stderr goes above the block. Not a terminal (or --quiet, --verbose,
 * --json): nothing here, and the plain lines of session.c say it all. */
#pragma once

#include "cli.h"

struct progress;

/* NULL when progress lines are not wanted; every function accepts NULL. */
struct progress *progress_new(const struct run_options *o);
struct progress *progress_free(struct progress *p);
int progress_add(struct progress *p, ur_executor *e);
void progress_update(struct progress *p);
/* Around anything else written to the terminal. */
void progress_hide(struct progress *p);
void progress_show(struct progress *p);
/* Leaves the last block on the screen and draws no more (COMMAND gets the terminal). */
void progress_finish(struct progress *p);

/* The block in use, if any, for cli_error()/cli_warning() and the output forwarder. */
extern struct progress *progress_current;

/* Signal names both ways: "SIGTERM", "TERM", "15", "SIGRTMIN+3". Pure code. */
#pragma once

/* Returns the signal number (1.._NSIG-1) or -EINVAL. */
int signal_from_string(const char *s);
/* "SIGTERM"; for unnamed numbers a static "SIG<n>"-style string is not thread-safe, so
 * callers pass a buffer of at least 16 bytes. */
const char *signal_to_string(int sig, char buf[static 16]);

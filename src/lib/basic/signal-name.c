/* Signal names in both directions, for KillSignal= and friends. We accept what systemd
 * accepts: a decimal number, a classic name with or without the "SIG" prefix, and the
 * real-time forms "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n" (again with optional "SIG").
 * Names are case-sensitive upper case, like systemd. One addition: "SIG<n>" parses too,
 * because that is how signal_to_string() prints a number without a name, and every string
 * we print should read back.
 *
 * SIGRTMIN is a glibc function call, not a constant: glibc keeps the first few real-time
 * signals for its own threading, so the "RTMIN+n" forms are relative to that value. */

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "signal-name.h"

/* Indexed by number so the table stays right on architectures that number signals
 * differently (alpha, mips, sparc). Only the canonical names, no aliases such as SIGIOT
 * or SIGPOLL: systemd takes none either. */
static const char *const signal_names[] = {
        [SIGHUP] = "SIGHUP",       [SIGINT] = "SIGINT",       [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
        [SIGTRAP] = "SIGTRAP",     [SIGABRT] = "SIGABRT",     [SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",
        [SIGKILL] = "SIGKILL",     [SIGUSR1] = "SIGUSR1",     [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
        [SIGPIPE] = "SIGPIPE",     [SIGALRM] = "SIGALRM",     [SIGTERM] = "SIGTERM",
#ifdef SIGSTKFLT
        [SIGSTKFLT] = "SIGSTKFLT",
#endif
        [SIGCHLD] = "SIGCHLD",     [SIGCONT] = "SIGCONT",     [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
        [SIGTTIN] = "SIGTTIN",     [SIGTTOU] = "SIGTTOU",     [SIGURG] = "SIGURG",   [SIGXCPU] = "SIGXCPU",
        [SIGXFSZ] = "SIGXFSZ",     [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
        [SIGIO] = "SIGIO",
#ifdef SIGPWR
        [SIGPWR] = "SIGPWR",
#endif
        [SIGSYS] = "SIGSYS",
};

static bool signal_is_valid(int sig)
{
        return sig >= 1 && sig < _NSIG;
}

/* A plain run of decimal digits (no sign, no whitespace) into *ret; -EINVAL otherwise,
 * including values too big to be any signal. */
static int signal_parse_decimal(const char *s, int *ret)
{
        int n = 0;

        if (*s == '\0')
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                n = n * 10 + (*s - '0');
                if (n >= _NSIG)
                        return -EINVAL;
        }
        *ret = n;
        return 0;
}

int signal_from_string(const char *s)
{
        const char *name;
        int n;

        if (!s)
                return -EINVAL;

        name = strncmp(s, "SIG", 3) == 0 ? s + 3 : s;

        /* "15", and "SIG15", our own output for signals without a name (32 and 33 under
         * glibc). */
        if (name[0] >= '0' && name[0] <= '9') {
                if (signal_parse_decimal(name, &n) < 0 || !signal_is_valid(n))
                        return -EINVAL;
                return n;
        }

        for (size_t i = 0; i < ELEMENTSOF(signal_names); i++)
                if (signal_names[i] && strcmp(name, signal_names[i] + 3) == 0)
                        return (int) i;

        if (strncmp(name, "RTMIN", 5) == 0) {
                if (name[5] == '\0')
                        return SIGRTMIN;
                if (name[5] != '+' || signal_parse_decimal(name + 6, &n) < 0 || n > SIGRTMAX - SIGRTMIN)
                        return -EINVAL;
                return SIGRTMIN + n;
        }

        if (strncmp(name, "RTMAX", 5) == 0) {
                if (name[5] == '\0')
                        return SIGRTMAX;
                if (name[5] != '-' || signal_parse_decimal(name + 6, &n) < 0 || n > SIGRTMAX - SIGRTMIN)
                        return -EINVAL;
                return SIGRTMAX - n;
        }

        return -EINVAL;
}

const char *signal_to_string(int sig, char buf[static 16])
{
        /* Named signals need no buffer: the table's strings live forever. */
        if (sig > 0 && (size_t) sig < ELEMENTSOF(signal_names) && signal_names[sig])
                return signal_names[sig];

        if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
                if (sig == SIGRTMIN)
                        snprintf(buf, 16, "SIGRTMIN");
                else
                        snprintf(buf, 16, "SIGRTMIN+%d", sig - SIGRTMIN);
                return buf;
        }

        snprintf(buf, 16, "SIG%d", sig);
        return buf;
}

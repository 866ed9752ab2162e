/* Parsing one sd_notify(3) datagram: newline-separated KEY=VALUE lines, of which we act
 * on the handful that matter to a launcher. Like systemd's service manager we are lenient
 * with content and strict with framing: unknown keys, empty lines and malformed values
 * are skipped, since a daemon's notification library may send things we do not know;
 * but a NUL byte or an oversized datagram means the sender is not speaking the protocol
 * at all, so the whole message is refused.
 *
 * The flag keys count only with the exact value "1", which is what systemd compares
 * against ("READY=1" as a whole line). When a key repeats, its last valid value wins.
 * systemd 252 takes the first; we take the last, as two separate datagrams would, so
 * whether a sender batches its assignments or not never changes the outcome. */

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "notify-message.h"

/* systemd splits a datagram at '\r' as well as '\n', so "READY=1\r\n" from a sender
 * with DOS habits counts there, and must count here. */
static bool notify_message_is_line_end(char c)
{
        return c == '\n' || c == '\r';
}

/* If line (of length n) is "<key>=<value>", returns the value and stores its length;
 * NULL otherwise. key includes the '='. */
static const char *notify_message_value(const char *line, size_t n, const char *key, size_t *ret_len)
{
        size_t k = strlen(key);

        if (n < k || memcmp(line, key, k) != 0)
                return NULL;
        *ret_len = n - k;
        return line + k;
}

static bool notify_message_is_flag(const char *line, size_t n, const char *key)
{
        const char *v;
        size_t vlen;

        v = notify_message_value(line, n, key, &vlen);
        return v && vlen == 1 && v[0] == '1';
}

/* Plain decimal digits, no sign or whitespace, no more than max. */
static int notify_message_parse_decimal(const char *s, size_t n, uint64_t max, uint64_t *ret)
{
        uint64_t v = 0;

        if (n == 0)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                unsigned digit;

                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                digit = (unsigned) (s[i] - '0');
                if (v > (max - digit) / 10)
                        return -ERANGE;
                v = v * 10 + digit;
        }
        *ret = v;
        return 0;
}

/* Applies one line to m. Fails only for lack of memory; everything it does not
 * understand it ignores. */
static int notify_message_apply_line(struct notify_message *m, const char *line, size_t n)
{
        const char *v;
        size_t vlen;
        uint64_t u;

        if (notify_message_is_flag(line, n, "READY="))
                m->ready = true;
        else if (notify_message_is_flag(line, n, "STOPPING="))
                m->stopping = true;
        else if (notify_message_is_flag(line, n, "RELOADING="))
                m->reloading = true;
        else if (notify_message_is_flag(line, n, "BARRIER="))
                m->barrier = true;
        else if ((v = notify_message_value(line, n, "STATUS=", &vlen))) {
                char *status = strndup(v, vlen);

                if (!status)
                        return -ENOMEM;
                free(m->status);
                m->status = status;
        } else if ((v = notify_message_value(line, n, "MAINPID=", &vlen))) {
                /* pid_t is an int; 0 would mean "no main PID", which nobody can mean to send. */
                if (notify_message_parse_decimal(v, vlen, INT_MAX, &u) >= 0 && u > 0)
                        m->main_pid = (pid_t) u;
        } else if ((v = notify_message_value(line, n, "ERRNO=", &vlen))) {
                if (notify_message_parse_decimal(v, vlen, INT_MAX, &u) >= 0)
                        m->errno_value = (int) u;
        } else if ((v = notify_message_value(line, n, "EXTEND_TIMEOUT_USEC=", &vlen))) {
                if (notify_message_parse_decimal(v, vlen, UINT64_MAX, &u) >= 0) {
                        m->has_extend_timeout = true;
                        m->extend_timeout_usec = u;
                }
        }

        return 0;
}

int notify_message_parse(const char *buf, size_t len, struct notify_message *ret)
{
        struct notify_message m = {};
        const char *p, *end;
        int r;

        if (!ret || (!buf && len > 0))
                return -EINVAL;
        if (len > NOTIFY_MESSAGE_MAX || (len > 0 && memchr(buf, '\0', len)))
                return -EBADMSG;

        /* No pointer arithmetic on a NULL buf, not even "+ 0". */
        p = buf;
        end = len > 0 ? buf + len : buf;
        while (p < end) {
                const char *eol = p;

                while (eol < end && !notify_message_is_line_end(*eol))
                        eol++;
                r = notify_message_apply_line(&m, p, (size_t) (eol - p));
                if (r < 0) {
                        notify_message_done(&m);
                        return r;
                }
                p = eol < end ? eol + 1 : end;
        }

        *ret = m;
        return 0;
}

void notify_message_done(struct notify_message *m)
{
        if (!m)
                return;
        free(m->status);
        *m = (struct notify_message){};
}

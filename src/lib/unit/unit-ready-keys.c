/* Value checks of the [X-Ready] keys: addresses, URLs, regular expressions, HTTP request
 * parts. Everything a readiness check will need at start is validated here, at load time,
 * so that a typo fails `unitrun verify` instead of a test run 90 seconds later. Only libc
 * helpers without syscalls are used (inet_pton, pattern_compile). */

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "macro.h"
#include "pattern.h"
#include "strv.h"
#include "timespan.h"
#include "unit-file-internal.h"
#include "unit-file.h"

/* A port number, 1..65535, decimal only: service names would need a lookup. */
static bool ready_port_valid(const char *s, size_t len)
{
        unsigned long port = 0;

        if (len == 0 || len > 5)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (!isdigit((unsigned char) s[i]))
                        return false;
                port = port * 10 + (unsigned long) (s[i] - '0');
        }
        return port >= 1 && port <= 65535;
}

/* An IPv6 literal, optionally with a "%zone" (write it "%%zone" in a unit file). */
static bool ready_ipv6_valid(const char *s, size_t len)
{
        char buf[INET6_ADDRSTRLEN + 64];
        struct in6_addr addr;
        const char *zone = memchr(s, '%', len);
        size_t addr_len = zone ? (size_t) (zone - s) : len;

        if (addr_len == 0 || addr_len >= INET6_ADDRSTRLEN)
                return false;
        if (zone) {
                if ((size_t) (s + len - zone) < 2)
                        return false;
                for (const char *p = zone + 1; p < s + len; p++)
                        if (!isalnum((unsigned char) *p) && !strchr("-_.", *p))
                                return false;
        }
        memcpy(buf, s, addr_len);
        buf[addr_len] = 0;
        return inet_pton(AF_INET6, buf, &addr) == 1;
}

/* A DNS name or an IPv4 address: the characters of either. */
static bool ready_hostname_valid(const char *s, size_t len)
{
        if (len == 0 || len > 253)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!isalnum((unsigned char) s[i]) && !strchr("-._", s[i]))
                        return false;
        return true;
}

/* HOST:PORT or [IPv6]:PORT into a reason, NULL when fine. */
static const char *ready_host_port_problem(const char *v, bool port_required)
{
        const char *port;

        if (v[0] == '[') {
                const char *close = strchr(v, ']');

                if (!close)
                        return "missing ']' after the IPv6 address";
                if (!ready_ipv6_valid(v + 1, (size_t) (close - v - 1)))
                        return "invalid IPv6 address";
                if (!close[1] && !port_required)
                        return NULL;
                if (close[1] != ':')
                        return "expected :PORT after the ']'";
                port = close + 2;
        } else {
                const char *colon = strrchr(v, ':');

                if (!colon) {
                        if (port_required)
                                return "expected HOST:PORT";
                        colon = v + strlen(v);
                }
                if (memchr(v, ':', (size_t) (colon - v)))
                        return "an IPv6 address needs brackets, as in [::1]:5432";
                if (colon == v)
                        return "missing host before ':'";
                if (!ready_hostname_valid(v, (size_t) (colon - v)))
                        return "invalid host name";
                if (!*colon)
                        return NULL;
                port = colon + 1;
        }
        if (!ready_port_valid(port, strlen(port)))
                return "the port must be a number from 1 to 65535";
        return NULL;
}

int unit_parse_ready_tcp(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        const char *problem = ready_host_port_problem(value, true);

        if (problem)
                return unit_key_error(ctx, "TCP=%s: %s", value, problem);
        return unit_append_string(c, key, value);
}

int unit_parse_ready_http(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        _cleanup_free_ char *authority = NULL;
        const char *rest, *host, *problem;
        size_t len;

        if (strncasecmp(value, "http://", 7) == 0)
                rest = value + 7;
        else if (strncasecmp(value, "https://", 8) == 0)
                rest = value + 8;
        else
                return unit_key_error(ctx, "HTTP=%s: the URL must start with http:// or https://", value);
        for (const char *p = value; *p; p++)
                if ((unsigned char) *p <= ' ' || *p == 0x7f)
                        return unit_key_error(
                                ctx,
                                "HTTP=: the URL contains whitespace or control characters (percent-encode "
                                "them, as %%%%20)");

        len = strcspn(rest, "/?#");
        authority = strndup(rest, len);
        if (!authority)
                return -ENOMEM;
        /* user:password@ may precede the host. */
        host = strrchr(authority, '@') ? strrchr(authority, '@') + 1 : authority;
        if (!*host)
                return unit_key_error(ctx, "HTTP=%s: missing host", value);
        problem = ready_host_port_problem(host, false);
        if (problem)
                return unit_key_error(ctx, "HTTP=%s: %s", value, problem);
        return unit_append_string(c, key, value);
}

static int ready_check_regex(struct unit_parse_ctx *ctx, const char *key, const char *value)
{
        char *message = NULL;
        pattern *re = NULL;
        int r = pattern_compile(value, false, &re, &message);

        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = unit_key_error(
                        ctx, "%s=%s: invalid regular expression: %s", key, value,
                        message ? message : "does not compile");
                free(message);
                return r;
        }
        pattern_free(re);
        return 0;
}

int unit_parse_ready_regex_list(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        int r = ready_check_regex(ctx, key->name, value);

        if (r < 0)
                return r;
        return unit_append_string(c, key, value);
}

int unit_parse_http_status(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        int r = ready_check_regex(ctx, key->name, value);

        if (r < 0)
                return r;
        return unit_set_string(c, key, value);
}

/* RFC 9110 token characters: what a method or a header name may hold. */
static bool ready_token_valid(const char *s, size_t len)
{
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!isalnum((unsigned char) s[i]) && !strchr("!#$%&'*+-.^_`|~", s[i]))
                        return false;
        return true;
}

int unit_parse_http_method(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        if (!ready_token_valid(value, strlen(value)))
                return unit_key_error(
                        ctx, "HTTPMethod=%s: not a valid HTTP method (e.g. GET, HEAD, POST)", value);
        return unit_set_string(c, key, value);
}

int unit_parse_http_header(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        const char *colon = strchr(value, ':');

        if (!colon)
                return unit_key_error(ctx, "HTTPHeader=%s: expected 'Name: value'", value);
        if (!ready_token_valid(value, (size_t) (colon - value)))
                return unit_key_error(ctx, "HTTPHeader=%s: invalid header name before ':'", value);
        /* A CR or LF would let the value inject further headers. */
        if (unit_string_has_control(colon + 1))
                return unit_key_error(
                        ctx, "HTTPHeader=: the value of %.*s contains control characters",
                        (int) (colon - value), value);
        return strv_push(FIELD(c, key, char **), value);
}

int unit_parse_http_body(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        return unit_set_string(c, key, value);
}

int unit_parse_output_stream(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        if (streq_ptr(value, "stdout"))
                c->output_stream = UR_STDOUT;
        else if (streq_ptr(value, "stderr"))
                c->output_stream = UR_STDERR;
        else if (streq_ptr(value, "both"))
                c->output_stream = UR_STDOUT_AND_STDERR;
        else
                return unit_key_error(ctx, "OutputStream=%s: expected stdout, stderr or both", value);
        UNIT_MARK_LINE(c, ctx, output_stream);
        return 0;
}

void unit_reset_output_stream(struct unit_config *c, const struct unit_key *key)
{
        c->output_stream = UR_STDOUT_AND_STDERR;
        c->lines.output_stream = 0;
}

int unit_parse_interval(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        uint64_t usec = 0;
        int r = timespan_parse(value, &usec);

        if (r < 0)
                return unit_key_error(ctx, "Interval=%s: invalid time span (e.g. 20ms, 1s)", value);
        if (usec == 0 || usec == USEC_INFINITY)
                return unit_key_error(ctx, "Interval=%s: must be finite and greater than 0", value);
        c->interval_usec = usec;
        return 0;
}

void unit_reset_interval(struct unit_config *c, const struct unit_key *key)
{
        c->interval_usec = 0;
}

/* Listen=: "yes" (any socket of the unit), a PORT, HOST:PORT, [IPv6]:PORT, an absolute
 * unix socket path or an @abstract name. Stored as written; "no" clears the list. */
int unit_parse_ready_listen(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        const size_t sun_max = sizeof(((struct sockaddr_un *) NULL)->sun_path) - 1;
        int b = unit_parse_boolean(value);
        const char *problem = NULL;

        if (b == 1) {
                UNIT_MARK_LINE(c, ctx, listen);
                return unit_append_string(c, key, "yes");
        }
        if (b == 0) {
                unit_reset_strv(c, key);
                return 0;
        }
        if (unit_string_has_control(value))
                return unit_key_error(ctx, "Listen=: the value contains control characters");
        if (value[0] == '/') {
                if (strlen(value) > sun_max)
                        problem = "longer than a unix socket path may be";
        } else if (value[0] == '@') {
                if (!value[1])
                        problem = "an abstract socket needs a name after '@'";
                else if (strlen(value) > sun_max)
                        problem = "longer than an abstract socket name may be";
        } else if (strspn(value, "0123456789") == strlen(value)) {
                if (!ready_port_valid(value, strlen(value)))
                        problem = "the port must be a number from 1 to 65535";
        } else
                problem = ready_host_port_problem(value, true);
        if (problem)
                return unit_key_error(
                        ctx, "Listen=%s: %s (expected yes, PORT, HOST:PORT, [IPv6]:PORT, /path or @name)",
                        value, problem);
        UNIT_MARK_LINE(c, ctx, listen);
        return unit_append_string(c, key, value);
}

/* Unix socket paths must fit sun_path with its terminating NUL. */
static int ready_check_path(struct unit_parse_ctx *ctx, const char *key, const char *value)
{
        int r = unit_check_absolute_path(ctx, key, value);

        if (r < 0)
                return r;
        if (strstr(key, "UnixSocket") && strlen(value) >= sizeof(((struct sockaddr_un *) NULL)->sun_path))
                return unit_key_error(
                        ctx, "%s=%s: longer than %zu bytes, too long for a unix socket", key, value,
                        sizeof(((struct sockaddr_un *) NULL)->sun_path) - 1);
        return 0;
}

int unit_parse_ready_path_list(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        int r = ready_check_path(ctx, key->name, value);

        if (r < 0)
                return r;
        return unit_append_string(c, key, value);
}

int unit_parse_ready_path(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        int r = ready_check_path(ctx, key->name, value);

        if (r < 0)
                return r;
        return unit_set_string(c, key, value);
}

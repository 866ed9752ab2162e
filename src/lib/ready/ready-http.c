/* HTTP= readiness: a request through libcurl's multi interface on our loop, repeated until
 * the status matches. Each request is bounded by what is left of the owner's deadline, so
 * a server that accepts and never answers cannot hold a start past its timeout.
 *
 * While nothing listens yet, a plain connect check (ready-socket.c) stands in front: a
 * refused connect costs a few microseconds, a refused curl request a hundred. */
#include <sys/socket.h>
#include <sys/un.h>

#include "http-multi.h"
#include "loop.h"
#include "macro.h"
#include "pattern.h"
#include "ready.h"
#include "socket-owner.h"

struct ready_http {
        struct ready_check check;
        char *url;
        char *method;
        char *status_pattern;
        pattern *status_regex;
        struct curl_slist *headers;
        char *body;
        char *unix_socket;
        bool insecure;

        struct ready_check *gate;      /* connect check to the server's address, or NULL */
        struct ready_owner gate_owner; /* ours: its parent is the check's owner */
        bool gate_open;

        CURL *easy; /* the request in flight, or NULL */
        struct watch timer;
        uint64_t interval_usec;
        uint64_t since_usec; /* when the check began: long waits poll more slowly */
        char last[256];      /* what the last attempt got, for "still waiting for" */
};

/* Made on the first request, on the owner's loop, and shared with the owner's other HTTP
 * checks; the owner frees it. */
static struct http_multi *ready_http_multi(struct ready_http *h)
{
        struct ready_owner *o = h->check.owner;

        if (!*o->http && http_multi_new(o->loop, o->http) < 0)
                return NULL;
        return *o->http;
}

static size_t discard_body(char *data, size_t size, size_t n, void *userdata)
{
        return size * n;
}

static void ready_http_schedule(struct ready_http *h)
{
        h->interval_usec = ready_next_interval(h->check.owner, h->interval_usec, h->since_usec, false);
        (void) timer_arm(&h->timer, now_usec() + h->interval_usec);
}

static bool ready_http_status_matches(struct ready_http *h, long status)
{
        char code[16];

        snprintf(code, sizeof(code), "%03ld", status);
        return pattern_search(h->status_regex, code, strlen(code));
}

static void ready_http_on_done(CURL *easy, CURLcode result, void *userdata)
{
        struct ready_http *h = userdata;
        long status = 0;

        if (result == CURLE_OK)
                (void) curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(easy);
        h->easy = NULL;
        if (result == CURLE_OK && ready_http_status_matches(h, status)) {
                (void) timer_disarm(&h->timer);
                ready_check_met(&h->check);
                return;
        }
        if (result == CURLE_OK)
                snprintf(h->last, sizeof(h->last), "status %03ld", status);
        else if (!(result == CURLE_OPERATION_TIMEDOUT && h->last[0] &&
                   now_usec() + USEC_PER_MSEC >= ready_deadline(h->check.owner)))
                /* A request cut short by the start deadline itself says nothing new: the
                 * last real answer is what the timeout message should show. */
                snprintf(h->last, sizeof(h->last), "%s", curl_easy_strerror(result));
        ready_http_schedule(h);
}

/* Sockets where the units are (the run's network namespace, if it has one). */
static curl_socket_t
ready_http_open_socket(void *userdata, curlsocktype purpose, struct curl_sockaddr *address)
{
        const struct ready_owner *owner = userdata;
        int fd;

        if (purpose != CURLSOCKTYPE_IPCXN)
                return CURL_SOCKET_BAD;
        fd = ready_socket_open(owner, address->family, address->socktype);
        return fd < 0 ? CURL_SOCKET_BAD : fd;
}

static CURL *ready_http_request(struct ready_http *h)
{
        uint64_t now = now_usec(), deadline = ready_deadline(h->check.owner);
        CURL *easy = curl_easy_init();

        if (!easy)
                return NULL;
        curl_easy_setopt(easy, CURLOPT_URL, h->url);
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, ready_http_open_socket);
        curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, (void *) h->check.owner);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard_body);
        curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
        /* Every connection is new: a reused one could outlive the daemon we ask about. */
        curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
        if (deadline != USEC_INFINITY) {
                long ms = deadline > now ? (long) ((deadline - now + 999) / USEC_PER_MSEC) : 1;
                curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1L);
        }
        if (strcmp(h->method, "HEAD") == 0)
                curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
        else if (strcmp(h->method, "GET") != 0)
                curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, h->method);
        if (h->body) {
                curl_easy_setopt(easy, CURLOPT_POSTFIELDS, h->body);
                curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long) strlen(h->body));
                if (strcmp(h->method, "GET") == 0)
                        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "GET");
        }
        if (h->headers)
                curl_easy_setopt(easy, CURLOPT_HTTPHEADER, h->headers);
        if (h->unix_socket) {
                char real[PATH_MAX];

                /* Where the launcher reaches it with --private-dirs (curl copies it). */
                curl_easy_setopt(
                        easy, CURLOPT_UNIX_SOCKET_PATH,
                        ready_real_path(h->check.owner, h->unix_socket, real, sizeof(real)));
        }
        if (h->insecure) {
                curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
                curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        return easy;
}

static void ready_http_attempt(struct ready_http *h)
{
        struct http_multi *m = ready_http_multi(h);
        CURL *easy;

        if (h->easy || h->check.met || !h->gate_open)
                return;
        easy = m ? ready_http_request(h) : NULL;
        if (!easy || http_multi_add(m, easy, ready_http_on_done, h) < 0) {
                if (easy)
                        curl_easy_cleanup(easy);
                snprintf(h->last, sizeof(h->last), "cannot set up a request");
                ready_http_schedule(h);
                return;
        }
        h->easy = easy;
}

static void ready_http_on_timer(struct watch *w, uint32_t events)
{
        (void) timer_disarm(w);
        ready_http_attempt(w->data);
}

static void ready_http_on_gate_open(struct ready_owner *gate_owner)
{
        struct ready_http *h =
                (struct ready_http *) ((char *) gate_owner - offsetof(struct ready_http, gate_owner));

        h->gate_open = true;
        h->interval_usec = 0;
        ready_http_attempt(h);
}

static int ready_http_begin(struct ready_check *c)
{
        struct ready_http *h = (struct ready_http *) c;
        int r;

        h->interval_usec = 0;
        h->since_usec = now_usec();
        h->last[0] = 0;
        r = timer_add(c->owner->loop, &h->timer, ready_http_on_timer, h);
        if (r < 0)
                return r;
        if (h->gate) {
                h->gate_open = false;
                h->gate->met = false;
                r = h->gate->ops->begin(h->gate);
                if (r >= 0)
                        return 0;
                /* No gate then: plain HTTP polling still works. */
                h->gate->ops->end(h->gate);
        }
        h->gate_open = true;
        ready_http_attempt(h);
        return 0;
}

/* The unit calls listen()/bind(): its connect gate looks again at once. */
static void ready_http_kick(struct ready_check *c)
{
        struct ready_http *h = (struct ready_http *) c;

        if (h->gate && !h->gate_open && h->gate->ops->kick)
                h->gate->ops->kick(h->gate);
}

static unsigned ready_http_listen_needs(const struct ready_check *c)
{
        const struct ready_http *h = (const struct ready_http *) c;

        return h->unix_socket ? READY_LISTEN_UNIX : READY_LISTEN_TCP;
}

static void ready_http_end(struct ready_check *c)
{
        struct ready_http *h = (struct ready_http *) c;

        if (h->easy) {
                http_multi_remove(*c->owner->http, h->easy);
                curl_easy_cleanup(h->easy);
                h->easy = NULL;
        }
        if (h->gate)
                h->gate->ops->end(h->gate);
        watch_remove(c->owner->loop, &h->timer);
}

/* A connect check for the server behind the URL (its unix socket, or host:port). */
static int
ready_http_connect_check(const struct ready_http *h, struct ready_owner *owner, struct ready_check **ret)
{
        char *error = NULL, *host = NULL, *port = NULL, spec[512];
        CURLU *u;
        int r;

        if (h->unix_socket)
                r = ready_unix_new(owner, h->unix_socket, ret, &error);
        else {
                u = curl_url();
                if (!u || curl_url_set(u, CURLUPART_URL, h->url, 0) != CURLUE_OK ||
                    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
                    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
                        curl_url_cleanup(u);
                        curl_free(host);
                        return -EINVAL; /* the request itself will say what is wrong */
                }
                curl_url_cleanup(u);
                /* curl gives IPv6 hosts with their brackets already. */
                snprintf(spec, sizeof(spec), "%s:%s", host, port);
                curl_free(host);
                curl_free(port);
                r = ready_tcp_new(owner, spec, ret, &error);
        }
        free(error);
        return r;
}

/* Does anything accept connections where the URL points, right now? */
static int ready_http_probe(struct ready_check *c, char *buf, size_t size)
{
        struct ready_http *h = (struct ready_http *) c;
        int r;

        if (!h->gate)
                return 0;
        r = h->gate->ops->probe(h->gate, buf, size);
        if (r > 0) {
                size_t l = strlen(buf);
                snprintf(buf + l, size - l, " (HTTP %s)", h->url);
        }
        return r;
}

static void ready_http_describe(const struct ready_check *c, char *buf, size_t size)
{
        const struct ready_http *h = (const struct ready_http *) c;

        bool show_last = h->last[0] && !c->met;

        snprintf(
                buf, size, "HTTP %s %s status %s%s%s%s", h->method, h->url, h->status_pattern,
                show_last ? " (last: " : "", show_last ? h->last : "", show_last ? ")" : "");
}

static void ready_http_free(struct ready_check *c)
{
        struct ready_http *h = (struct ready_http *) c;

        free(h->url);
        free(h->method);
        pattern_free(h->status_regex);
        free(h->status_pattern);
        curl_slist_free_all(h->headers);
        free(h->body);
        free(h->unix_socket);
        if (h->gate)
                h->gate->ops->free(h->gate);
        free(h);
}

static const struct ready_ops ready_http_ops = {
        .kind = "http",
        .probe = ready_http_probe,
        .begin = ready_http_begin,
        .kick = ready_http_kick,
        .listen_needs = ready_http_listen_needs,
        .end = ready_http_end,
        .describe = ready_http_describe,
        .free = ready_http_free,
};

int ready_http_new(
        struct ready_owner *owner, const ur_http_check *spec, struct ready_check **ret, char **ret_error)
{
        struct ready_http *h;
        char *msg = NULL;
        int r;

        if (strncmp(spec->url, "http://", 7) != 0 && strncmp(spec->url, "https://", 8) != 0) {
                if (asprintf(
                            ret_error, "invalid HTTP URL '%s': must start with http:// or https://",
                            spec->url) < 0)
                        *ret_error = NULL;
                return -EINVAL;
        }
        {
                const char *why = NULL;

                /* libcurl is loaded here, for the first HTTP= check of the process. */
                r = curl_dl_load(&why);
                if (r < 0) {
                        *ret_error = why ? strdup(why) : NULL;
                        return r;
                }
        }
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->check = (struct ready_check){ .ops = &ready_http_ops, .owner = owner };
        h->timer.fd = -1;
        h->url = strdup(spec->url);
        h->method = strdup(spec->method ? spec->method : "GET");
        h->body = spec->body ? strdup(spec->body) : NULL;
        h->unix_socket = spec->unix_socket ? strdup(spec->unix_socket) : NULL;
        h->insecure = spec->insecure;
        h->status_pattern = strdup(spec->status_regex ? spec->status_regex : "2[0-9][0-9]");
        if (!h->url || !h->method || !h->status_pattern || (spec->body && !h->body) ||
            (spec->unix_socket && !h->unix_socket)) {
                free(h->status_pattern);
                h->status_pattern = NULL;
                ready_http_free(&h->check);
                return -ENOMEM;
        }
        /* The whole three-digit code must match, not a part of it. */
        r = pattern_compile(h->status_pattern, true, &h->status_regex, &msg);
        if (r < 0) {
                if (msg &&
                    asprintf(ret_error, "invalid HTTP status pattern '%s': %s", h->status_pattern, msg) < 0)
                        *ret_error = NULL;
                free(msg);
                ready_http_free(&h->check);
                return r;
        }
        for (const char *const *hd = spec->headers; hd && *hd; hd++) {
                struct curl_slist *l;

                if (!strchr(*hd, ':')) {
                        if (asprintf(ret_error, "invalid HTTP header '%s': expected 'Name: value'", *hd) < 0)
                                *ret_error = NULL;
                        ready_http_free(&h->check);
                        return -EINVAL;
                }
                l = curl_slist_append(h->headers, *hd);
                if (!l) {
                        ready_http_free(&h->check);
                        return -ENOMEM;
                }
                h->headers = l;
        }
        h->gate_owner = (struct ready_owner){
                .loop = owner->loop,
                .log = owner->log,
                .http = owner->http,
                .ns = owner->ns,
                .name = owner->name,
                .on_met = ready_http_on_gate_open,
                .parent = owner,
        };
        if (ready_http_connect_check(h, &h->gate_owner, &h->gate) < 0)
                h->gate = NULL;
        *ret = &h->check;
        return 0;
}

/* libcurl multi over our epoll loop; see http-multi.h. libcurl is only ever called from
 * loop callbacks and the public entry points, never from inside its own callbacks. */
#include <sys/epoll.h>

#include "http-multi.h"
#include "loop.h"
#include "macro.h"

struct http_multi {
        CURLM *multi;
        struct loop *loop;
        struct watch timer;
};

/* Per socket curl wants watched; freed through loop_free_later() since curl may drop a
 * socket while an event for it is still queued in the current batch. */
struct http_socket {
        struct watch watch;
        struct http_multi *multi;
};

/* What CURLOPT_PRIVATE points at: who to tell when the transfer is done. */
struct http_transfer {
        http_done_fn done;
        void *userdata;
};

static void http_multi_check_done(struct http_multi *m)
{
        CURLMsg *msg;
        int queued;

        while ((msg = curl_multi_info_read(m->multi, &queued))) {
                struct http_transfer *t = NULL;
                CURL *easy = msg->easy_handle;
                CURLcode result = msg->data.result;

                if (msg->msg != CURLMSG_DONE)
                        continue;
                (void) curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **) &t);
                curl_multi_remove_handle(m->multi, easy);
                (void) curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
                if (t) {
                        http_done_fn done = t->done;
                        void *userdata = t->userdata;
                        free(t);
                        done(easy, result, userdata);
                }
        }
}

static void http_socket_on_event(struct watch *w, uint32_t events)
{
        struct http_socket *s = w->data;
        struct http_multi *m = s->multi;
        int flags = 0, running;

        if (events & EPOLLIN)
                flags |= CURL_CSELECT_IN;
        if (events & EPOLLOUT)
                flags |= CURL_CSELECT_OUT;
        if (events & (EPOLLERR | EPOLLHUP))
                flags |= CURL_CSELECT_ERR;
        (void) curl_multi_socket_action(m->multi, w->fd, flags, &running);
        http_multi_check_done(m);
}

static int http_multi_on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
        struct http_multi *m = userp;
        struct http_socket *s = socketp;
        uint32_t events = 0;

        if (what == CURL_POLL_REMOVE) {
                if (s) {
                        watch_remove(m->loop, &s->watch);
                        curl_multi_assign(m->multi, fd, NULL);
                        loop_free_later(m->loop, s);
                }
                return 0;
        }
        if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
                events |= EPOLLIN;
        if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
                events |= EPOLLOUT;
        if (s)
                return loop_modify(m->loop, &s->watch, events) < 0 ? -1 : 0;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -1;
        s->multi = m;
        if (loop_add_borrowed(m->loop, &s->watch, fd, events, http_socket_on_event, s) < 0) {
                free(s);
                return -1;
        }
        curl_multi_assign(m->multi, fd, s);
        return 0;
}

static int http_multi_on_timeout(CURLM *multi, long timeout_ms, void *userp)
{
        struct http_multi *m = userp;

        if (timeout_ms < 0)
                return timer_disarm(&m->timer) < 0 ? -1 : 0;
        /* 0 means "as soon as possible": on the next loop iteration, not from in here. */
        return timer_arm(&m->timer, now_usec() + (uint64_t) timeout_ms * USEC_PER_MSEC) < 0 ? -1 : 0;
}

static void http_multi_on_timer(struct watch *w, uint32_t events)
{
        struct http_multi *m = w->data;
        int running;

        (void) timer_disarm(w);
        (void) curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        http_multi_check_done(m);
}

int http_multi_new(struct loop *l, struct http_multi **ret)
{
        static bool curl_initialized;
        struct http_multi *m;
        int r;

        /* Not thread-safe, like curl_global_init() itself; the library is single-threaded. */
        if (!curl_initialized) {
                const char *why;

                r = curl_dl_load(&why);
                if (r < 0)
                        return r;
                if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                        return -EIO;
                curl_initialized = true;
        }
        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->loop = l;
        m->multi = curl_multi_init();
        if (!m->multi) {
                free(m);
                return -ENOMEM;
        }
        r = timer_add(l, &m->timer, http_multi_on_timer, m);
        if (r < 0) {
                curl_multi_cleanup(m->multi);
                free(m);
                return r;
        }
        curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, http_multi_on_socket);
        curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
        curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, http_multi_on_timeout);
        curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m);
        *ret = m;
        return 0;
}

struct http_multi *http_multi_free(struct http_multi *m)
{
        if (!m)
                return NULL;
        curl_multi_cleanup(m->multi);
        watch_remove(m->loop, &m->timer);
        free(m);
        return NULL;
}

int http_multi_add(struct http_multi *m, CURL *easy, http_done_fn done, void *userdata)
{
        struct http_transfer *t = malloc(sizeof(*t));

        if (!t)
                return -ENOMEM;
        *t = (struct http_transfer){ .done = done, .userdata = userdata };
        curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
        if (curl_multi_add_handle(m->multi, easy) != CURLM_OK) {
                curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
                free(t);
                return -EIO;
        }
        return 0;
}

void http_multi_remove(struct http_multi *m, CURL *easy)
{
        struct http_transfer *t = NULL;

        (void) curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **) &t);
        curl_multi_remove_handle(m->multi, easy);
        curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
        free(t);
}

/* Waiting for conditions without starting anything (`unitrun wait`): the same checks an
 * executor uses, owned by a waiter with one deadline. */
#include "internal.h"
#include "macro.h"
#include "timespan.h"

struct ur_waiter {
        ur_context *ctx;
        struct ready_owner owner;
        struct ready_check *checks;
        struct watch timer;
        bool timed_out;
        char *error;
};

static bool waiter_all_met(const ur_waiter *w)
{
        for (const struct ready_check *c = w->checks; c; c = c->next)
                if (!c->met)
                        return false;
        return true;
}

static void waiter_on_met(struct ready_owner *owner)
{
        /* Nothing to do: ur_waiter_wait() looks at the checks after each dispatch. */
}

int ur_waiter_new(ur_context *ctx, ur_waiter **ret)
{
        ur_waiter *w;

        if (!ctx || !ret)
                return -EINVAL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->ctx = ctx;
        w->timer.fd = -1;
        w->owner = (struct ready_owner){
                .loop = &ctx->loop,
                .log = &ctx->log,
                .http = &ctx->http,
                .ns = &ctx->ns,
                .name = "wait",
                .on_met = waiter_on_met,
        };
        *ret = w;
        return 0;
}

ur_waiter *ur_waiter_free(ur_waiter *w)
{
        if (!w)
                return NULL;
        ready_list_free(&w->checks);
        watch_remove(&w->ctx->loop, &w->timer);
        free(w->error);
        free(w);
        return NULL;
}

/* The last add's message (or none) is what ur_waiter_get_error() says. */
static int waiter_add(ur_waiter *w, const struct ready_spec *spec)
{
        free(w->error);
        return ready_list_add(&w->checks, spec, &w->owner, &w->error);
}

int ur_waiter_add_tcp(ur_waiter *w, const char *host_port)
{
        return waiter_add(w, &(struct ready_spec){ .kind = READY_TCP, .arg = host_port });
}

int ur_waiter_add_unix(ur_waiter *w, const char *path)
{
        return waiter_add(w, &(struct ready_spec){ .kind = READY_UNIX, .arg = path });
}

int ur_waiter_add_http(ur_waiter *w, const ur_http_check *check)
{
        return waiter_add(w, &(struct ready_spec){ .kind = READY_HTTP, .http = check });
}

int ur_waiter_add_file(ur_waiter *w, const char *path)
{
        return waiter_add(w, &(struct ready_spec){ .kind = READY_FILE, .arg = path });
}

int ur_waiter_set_interval(ur_waiter *w, uint64_t usec)
{
        w->owner.interval_usec = usec;
        return 0;
}

static void waiter_on_timer(struct watch *t, uint32_t events)
{
        ur_waiter *w = t->data;

        (void) timer_disarm(t);
        w->timed_out = true;
}

int ur_waiter_wait(ur_waiter *w, uint64_t timeout_usec)
{
        char pending[4096] = "", span[64];
        int r;

        w->timed_out = false;
        w->owner.deadline_usec = deadline_after(timeout_usec);
        if (!watch_active(&w->timer)) {
                r = timer_add(&w->ctx->loop, &w->timer, waiter_on_timer, w);
                if (r < 0)
                        return r;
        }
        (void) timer_arm(&w->timer, w->owner.deadline_usec);
        for (struct ready_check *c = w->checks; c; c = c->next) {
                c->met = false;
                r = c->ops->begin(c);
                if (r < 0)
                        return r;
        }
        while (!waiter_all_met(w) && !w->timed_out) {
                r = loop_dispatch(&w->ctx->loop, -1);
                if (r < 0)
                        return r;
        }
        for (struct ready_check *c = w->checks; c; c = c->next)
                c->ops->end(c);
        (void) timer_disarm(&w->timer);
        free(w->error);
        w->error = NULL;
        if (waiter_all_met(w))
                return UR_OK;
        ready_list_describe_pending(w->checks, pending, sizeof(pending));
        if (asprintf(
                    &w->error, "not ready after %s; still waiting for: %s",
                    timespan_format(span, sizeof(span), timeout_usec), pending) < 0)
                w->error = NULL;
        return UR_TIMED_OUT;
}

const char *ur_waiter_get_error(const ur_waiter *w)
{
        return w->error;
}

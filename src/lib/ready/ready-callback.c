/* A readiness check of the caller's (ur_executor_add_ready_callback()): a function asked on
 * the loop's timer, with the same period as TCP= (ready_next_interval()), until it says
 * ready. What a binding needs for checks written in its own language, such as mirakuru's
 * after_start_check() overrides. There is no event to wait for, so it is a polled kind. */
#include "loop.h"
#include "macro.h"
#include "ready.h"

struct ready_callback {
        struct ready_check check;
        ur_ready_fn fn;
        void *userdata;
        struct watch timer;
        uint64_t interval_usec;
        uint64_t since_usec; /* when the check began: long waits poll more slowly */
        unsigned calls;
};

static void ready_callback_ask(struct ready_callback *cb)
{
        cb->calls++;
        if (cb->fn(cb->userdata) > 0) {
                (void) timer_disarm(&cb->timer);
                ready_check_met(&cb->check);
                return;
        }
        cb->interval_usec = ready_next_interval(cb->check.owner, cb->interval_usec, cb->since_usec, false);
        (void) timer_arm(&cb->timer, now_usec() + cb->interval_usec);
}

static void ready_callback_on_timer(struct watch *w, uint32_t events)
{
        struct ready_callback *cb = w->data;

        if (!cb->check.met)
                ready_callback_ask(cb);
}

static int ready_callback_begin(struct ready_check *c)
{
        struct ready_callback *cb = (struct ready_callback *) c;
        int r;

        cb->interval_usec = 0;
        cb->calls = 0;
        r = timer_add(c->owner->loop, &cb->timer, ready_callback_on_timer, cb);
        if (r < 0)
                return r;
        /* The first question waits one period: right after the spawn nothing can be ready,
         * and asking from inside begin() would let the caller's code run before the start
         * call has set everything up. */
        cb->since_usec = now_usec();
        cb->interval_usec = ready_next_interval(c->owner, 0, 0, false);
        return timer_arm(&cb->timer, now_usec() + cb->interval_usec);
}

static void ready_callback_end(struct ready_check *c)
{
        struct ready_callback *cb = (struct ready_callback *) c;

        watch_remove(c->owner->loop, &cb->timer);
}

static void ready_callback_describe(const struct ready_check *c, char *buf, size_t size)
{
        const struct ready_callback *cb = (const struct ready_callback *) c;

        snprintf(buf, size, "the caller's readiness check (asked %u times)", cb->calls);
}

static void ready_callback_free(struct ready_check *c)
{
        free(c);
}

static const struct ready_ops ready_callback_ops = {
        .kind = "callback",
        .begin = ready_callback_begin,
        .end = ready_callback_end,
        .describe = ready_callback_describe,
        .free = ready_callback_free,
};

int ready_callback_new(struct ready_owner *owner, ur_ready_fn fn, void *userdata, struct ready_check **ret)
{
        struct ready_callback *cb;

        if (!fn)
                return -EINVAL;
        cb = calloc(1, sizeof(*cb));
        if (!cb)
                return -ENOMEM;
        cb->check = (struct ready_check){ .ops = &ready_callback_ops, .owner = owner };
        cb->fn = fn;
        cb->userdata = userdata;
        cb->timer.fd = -1;
        *ret = &cb->check;
        return 0;
}

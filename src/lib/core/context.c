/* The context as a container: its executors, torn down together by ur_context_free(), and
 * the scheduler between them: After= ordering for start (each starts once what it is
 * ordered after is ready) and, reversed, for stop; Requires= failure propagation; cycle
 * detection. The scheduler runs after the batch of events that changed a state, and only
 * ever starts or stops what just became possible, so independent executors proceed in
 * parallel. */
#include <fcntl.h>

#include "http-multi.h"
#include "internal.h"
#include "macro.h"
#include "proc.h"

void context_unlink_executor(ur_context *ctx, ur_executor *e)
{
        for (ur_executor **p = &ctx->executors; *p; p = &(*p)->next)
                if (*p == e) {
                        *p = e->next;
                        return;
                }
}

static bool executor_is_up(const ur_executor *e)
{
        return e->state == EXECUTOR_RUNNING || e->state == EXECUTOR_EXITED;
}

static bool executor_is_down(const ur_executor *e)
{
        return (e->state == EXECUTOR_DEAD || e->state == EXECUTOR_FAILED) && !e->start_pending;
}

int ur_executor_add_dependency(ur_executor *e, ur_executor *dep, unsigned flags)
{
        struct dependency *deps;

        if (!e || !dep || e == dep || e->ctx != dep->ctx || !flags)
                return -EINVAL;
        for (size_t i = 0; i < e->n_deps; i++)
                if (e->deps[i].other == dep) {
                        e->deps[i].flags |= flags;
                        return 0;
                }
        deps = realloc(e->deps, (e->n_deps + 1) * sizeof(*deps));
        if (!deps)
                return -ENOMEM;
        e->deps = deps;
        e->deps[e->n_deps++] = (struct dependency){ .other = dep, .flags = flags };
        return 0;
}

/* Drops every edge to e (it is being freed). */
void context_forget_executor(ur_context *ctx, ur_executor *e)
{
        for (ur_executor *o = ctx->executors; o; o = o->next)
                for (size_t i = 0; i < o->n_deps;)
                        if (o->deps[i].other == e)
                                o->deps[i] = o->deps[--o->n_deps];
                        else
                                i++;
        e->deps = mfree(e->deps);
        e->n_deps = 0;
}

/* Depth-first search on After= edges; colour 1 = on the current path, 2 = done. */
static ur_executor *cycle_visit(
        ur_executor *e, unsigned *colour, ur_executor **path, size_t depth, size_t *ret_depth,
        ur_executor *const *all, size_t n)
{
        size_t me = 0;

        while (me < n && all[me] != e)
                me++;
        if (colour[me] == 1) {
                *ret_depth = depth;
                return e;
        }
        if (colour[me] == 2)
                return NULL;
        colour[me] = 1;
        path[depth] = e;
        for (size_t i = 0; i < e->n_deps; i++) {
                ur_executor *hit;

                if (!(e->deps[i].flags & UR_DEP_AFTER))
                        continue;
                hit = cycle_visit(e->deps[i].other, colour, path, depth + 1, ret_depth, all, n);
                if (hit)
                        return hit;
        }
        colour[me] = 2;
        return NULL;
}

int ur_context_check_cycles(ur_context *ctx, char **ret_cycle)
{
        _cleanup_free_ ur_executor **all = NULL, **path = NULL;
        _cleanup_free_ unsigned *colour = NULL;
        size_t n = 0, k = 0;

        for (ur_executor *e = ctx->executors; e; e = e->next)
                n++;
        all = calloc(n + 1, sizeof(*all));
        path = calloc(n + 2, sizeof(*path));
        colour = calloc(n + 1, sizeof(*colour));
        if (!all || !path || !colour)
                return -ENOMEM;
        for (ur_executor *e = ctx->executors; e; e = e->next)
                all[k++] = e;
        for (size_t i = 0; i < n; i++) {
                size_t depth = 0, start = 0, len = 0;
                ur_executor *hit = cycle_visit(all[i], colour, path, 0, &depth, all, n);
                char *text;

                if (!hit)
                        continue;
                if (!ret_cycle)
                        return -ELOOP;
                /* path[start..depth-1] is the cycle, back to hit. */
                while (path[start] != hit)
                        start++;
                for (size_t j = start; j < depth; j++)
                        len += strlen(path[j]->name) + 4;
                text = malloc(len + strlen(hit->name) + 1);
                if (!text)
                        return -ENOMEM;
                text[0] = 0;
                for (size_t j = start; j < depth; j++) {
                        strcat(text, path[j]->name);
                        strcat(text, " -> ");
                }
                strcat(text, hit->name);
                *ret_cycle = text;
                return -ELOOP;
        }
        return 0;
}

/* An executor that was to start but whose required predecessor failed. */
static void executor_fail_dependency(ur_executor *e, const ur_executor *dep)
{
        char message[512];

        snprintf(message, sizeof(message), "not started: dependency %s failed", dep->name);
        e->start_pending = false;
        executor_fail_unstarted(e, UR_FAILURE_DEPENDENCY, message);
}

static void schedule_start(ur_executor *e)
{
        for (size_t i = 0; i < e->n_deps; i++) {
                const struct dependency *d = &e->deps[i];

                if (!(d->flags & UR_DEP_AFTER))
                        continue;
                /* A unit skipped by a condition counts as done, as systemd's job does. */
                if (executor_is_up(d->other) || (d->other->state == EXECUTOR_DEAD && d->other->skip_reason))
                        continue;
                if (executor_is_down(d->other) && d->other->state == EXECUTOR_FAILED) {
                        if (d->flags & UR_DEP_REQUIRES) {
                                executor_fail_dependency(e, d->other);
                                return;
                        }
                        continue; /* Wants= or ordering only: its failure is not ours */
                }
                if (executor_is_down(d->other) && !(d->flags & UR_DEP_REQUIRES))
                        continue; /* not part of this start at all */
                return;           /* still on its way */
        }
        e->start_pending = false;
        (void) ur_executor_start_begin(e); /* a failure shows as FAILED, and schedules again */
}

static void schedule_stop(ur_executor *e)
{
        /* Everything ordered after e must be down first. */
        for (ur_executor *o = e->ctx->executors; o; o = o->next)
                for (size_t i = 0; i < o->n_deps; i++)
                        if (o->deps[i].other == e && (o->deps[i].flags & UR_DEP_AFTER) &&
                            (o->stop_pending || !executor_is_down(o)))
                                return;
        e->stop_pending = false;
        (void) ur_executor_stop_begin(e);
}

/* One pass; what it changes queues the next one (through executor state changes), which the
 * loop runs after this one, until nothing changes any more. */
static void context_schedule(ur_context *ctx)
{
        for (ur_executor *e = ctx->executors; e; e = e->next) {
                if (e->start_pending)
                        schedule_start(e);
                else if (e->stop_pending)
                        schedule_stop(e);
        }
}

static void context_on_schedule(void *data)
{
        context_schedule(data);
}

int ur_context_start_all_begin(ur_context *ctx)
{
        int r = ur_context_check_cycles(ctx, NULL);

        if (r < 0)
                return r;
        for (ur_executor *e = ctx->executors; e; e = e->next)
                if (e->state == EXECUTOR_DEAD || e->state == EXECUTOR_FAILED) {
                        e->stop_pending = false;
                        e->start_pending = true;
                }
        context_schedule(ctx);
        return 0;
}

int ur_context_stop_all_begin(ur_context *ctx)
{
        for (ur_executor *e = ctx->executors; e; e = e->next) {
                e->start_pending = false;
                if (executor_public_state(e) == UR_STATE_STARTING || executor_is_up(e))
                        e->stop_pending = true;
        }
        context_schedule(ctx);
        return 0;
}

static bool context_starting(const ur_context *ctx)
{
        for (const ur_executor *e = ctx->executors; e; e = e->next)
                if (e->start_pending || executor_public_state(e) == UR_STATE_STARTING ||
                    (executor_is_stopping(e) && e->failure != UR_FAILURE_NONE))
                        return true;
        return false;
}

static bool context_stopping(const ur_context *ctx)
{
        for (const ur_executor *e = ctx->executors; e; e = e->next)
                if (e->stop_pending || executor_is_stopping(e))
                        return true;
        return false;
}

int ur_context_start_all(ur_context *ctx)
{
        int r = ur_context_start_all_begin(ctx);

        while (r >= 0 && context_starting(ctx))
                r = loop_dispatch(&ctx->loop, -1);
        if (r < 0)
                return r;
        /* The root cause first: a dependent's failure only follows another's. */
        for (ur_executor *e = ctx->executors; e; e = e->next)
                if (e->state == EXECUTOR_FAILED && e->failure != UR_FAILURE_DEPENDENCY)
                        return executor_start_outcome(e);
        for (ur_executor *e = ctx->executors; e; e = e->next)
                if (e->state == EXECUTOR_FAILED)
                        return UR_DEPENDENCY_FAILED;
        return UR_OK;
}

int ur_context_stop_all(ur_context *ctx)
{
        int r = ur_context_stop_all_begin(ctx);

        while (r >= 0 && context_stopping(ctx))
                r = loop_dispatch(&ctx->loop, -1);
        if (r < 0)
                return r;
        for (ur_executor *e = ctx->executors; e; e = e->next)
                if (e->failure == UR_FAILURE_STOP)
                        return UR_STOP_FAILED;
        return UR_OK;
}

int ur_context_new(ur_context **ret)
{
        ur_context *ctx;
        int r;

        if (!ret)
                return -EINVAL;
        ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
                return -ENOMEM;
        ctx->guardian = (struct guardian){ .pidfd = -1, .pipe_fd = -1 };
        ctx->schedule = (struct loop_defer){ .fn = context_on_schedule, .data = ctx };
        r = loop_init(&ctx->loop);
        if (r < 0) {
                free(ctx);
                return r;
        }

        *ret = ctx;
        return 0;
}

static bool context_all_settled(ur_context *ctx)
{
        for (ur_executor *e = ctx->executors; e; e = e->next)
                if (executor_is_stopping(e))
                        return false;
        return true;
}

ur_executor *ur_executor_free(ur_executor *e)
{
        if (!e)
                return NULL;
        if (e->state != EXECUTOR_DEAD && e->state != EXECUTOR_FAILED) {
                (void) ur_executor_stop_begin(e);
                (void) ur_executor_stop_now(e);
                (void) ur_executor_stop(e);
        }
        executor_release_run(e);
        context_forget_executor(e->ctx, e);
        context_unlink_executor(e->ctx, e);
        executor_done(e);
        return NULL;
}

ur_context *ur_context_free(ur_context *ctx)
{
        if (!ctx)
                return NULL;
        /* Tearing down is no time for grace periods: the final kill for all at once. */
        for (ur_executor *e = ctx->executors; e; e = e->next)
                if (e->state != EXECUTOR_DEAD && e->state != EXECUTOR_FAILED)
                        (void) ur_executor_stop_now(e);
        while (!context_all_settled(ctx))
                if (loop_dispatch(&ctx->loop, -1) < 0)
                        break;
        context_let_go_namespaces(ctx);
        while (ctx->executors)
                ur_executor_free(ctx->executors);
        http_multi_free(ctx->http);
        /* Every unit is gone. The run's cgroup goes first (the guardian lives outside it),
         * then the guardian is let go and the runtime directory removed while it exits
         * (it removes that too, should we die meanwhile): waiting for its exit first was
         * a tenth of a millisecond of every start+stop cycle. */
        context_free_namespaces(ctx);
        cgroup_run_release(ctx->cgroup);
        guardian_release(&ctx->guardian);
        if (ctx->runtime_dir)
                (void) rm_rf_at(AT_FDCWD, ctx->runtime_dir);
        guardian_reap(&ctx->guardian);
        free(ctx->runtime_dir);
        free(ctx->isolation_reason);
        loop_done(&ctx->loop);
        free(ctx);
        return NULL;
}

/* The context's private namespaces (--private-network, --private-dirs): asked for before
 * the first start, made once (run-ns.c), joined by every spawn, and lent to embedders
 * (ur_context_enter(), ur_context_socket()). A run that asked for isolation and cannot have
 * it never starts anything. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "macro.h"
#include "strv.h"

static int context_set_ns_flag(ur_context *ctx, unsigned flag, bool on)
{
        if (ctx->ns || ctx->guardian.pipe_fd >= 0) /* after the first start */
                return -EBUSY;
        if (on)
                ctx->ns_flags |= flag;
        else
                ctx->ns_flags &= ~flag;
        return 0;
}

int ur_context_set_private_network(ur_context *ctx, bool on)
{
        return context_set_ns_flag(ctx, RUN_NS_NETWORK, on);
}

int ur_context_set_private_dirs(ur_context *ctx, bool on)
{
        return context_set_ns_flag(ctx, RUN_NS_MOUNT, on);
}

int context_ensure_namespaces(ur_context *ctx)
{
        char stage[PATH_MAX];
        int r;

        if (ctx->ns || !ctx->ns_flags)
                return 0;
        if (ctx->ns_error)
                return -EPERM; /* refused before: refused for good */
        r = context_ensure_runtime_dir(ctx);
        if (r < 0) {
                ctx->ns_error = strdup("cannot create the run directory");
                return r;
        }
        /* The holder mounts on it inside only; on the host it stays an empty directory. */
        snprintf(stage, sizeof(stage), "%s/ns-stage", ctx->runtime_dir);
        if (mkdir(stage, 0700) < 0 && errno != EEXIST) {
                r = -errno;
                ctx->ns_error = strdup("cannot create the run directory's ns-stage");
                return r;
        }
        r = run_ns_new(ctx->ns_flags, stage, &ctx->ns, &ctx->ns_error);
        if (r < 0 && !ctx->ns_error)
                ctx->ns_error = strdup(strerror(-r));
        return r;
}

int ur_context_create_namespaces(ur_context *ctx)
{
        return context_ensure_namespaces(ctx);
}

const char *ur_context_get_namespace_error(const ur_context *ctx)
{
        return ctx->ns_error;
}

unsigned ur_context_get_namespaces(const ur_context *ctx)
{
        unsigned r = 0;

        if (!ctx->ns)
                return 0;
        if (ctx->ns->net_fd >= 0)
                r |= UR_NAMESPACE_NETWORK;
        if (ctx->ns->mnt_fd >= 0)
                r |= UR_NAMESPACE_DIRS;
        if (ctx->ns->user_fd >= 0)
                r |= UR_NAMESPACE_USER;
        return r;
}

int ur_context_get_netns_fd(const ur_context *ctx)
{
        return ctx->ns ? ctx->ns->net_fd : -1;
}

int ur_context_enter(const ur_context *ctx)
{
        return ctx->ns ? run_ns_enter(ctx->ns) : 0;
}

int ur_context_socket(ur_context *ctx, int family, int type, int protocol)
{
        int fd = run_ns_socket(ctx->ns, family, type, protocol);

        return fd < 0 ? -errno : fd;
}

static const char *const directory_roots[PROCESS_DIRECTORY_KINDS] = {
        [UR_DIRECTORY_RUNTIME] = "/run",
        [UR_DIRECTORY_STATE] = "/var/lib",
        [UR_DIRECTORY_CACHE] = "/var/cache",
        [UR_DIRECTORY_LOGS] = "/var/log",
};

static const char *const directory_subdirs[PROCESS_DIRECTORY_KINDS] = {
        [UR_DIRECTORY_RUNTIME] = "",
        [UR_DIRECTORY_STATE] = "/state",
        [UR_DIRECTORY_CACHE] = "/cache",
        [UR_DIRECTORY_LOGS] = "/logs",
};

/* Each name's first component is bound: "a/b" is reached through /run/a. Bound again at
 * every start, since a RuntimeDirectory= is made anew each time (a stale bind underneath
 * goes with the namespace). */
int context_bind_directories(ur_context *ctx, ur_executor *e, char **ret_error)
{
        if (!ctx->ns || ctx->ns->mnt_fd < 0)
                return 0;
        for (int k = 0; k < PROCESS_DIRECTORY_KINDS; k++) {
                char *const *names =
                        k == UR_DIRECTORY_RUNTIME ? e->runtime_directories : e->proc.directories[k];

                if (!directory_roots[k])
                        continue;
                for (char *const *n = names; n && *n; n++) {
                        char top[NAME_MAX + 1], src[PATH_MAX], dst[PATH_MAX];
                        size_t len = strcspn(*n, "/");
                        int r;

                        if (len == 0 || len > NAME_MAX)
                                continue;
                        memcpy(top, *n, len);
                        top[len] = 0;
                        snprintf(src, sizeof(src), "%s%s/%s", ctx->runtime_dir, directory_subdirs[k], top);
                        snprintf(dst, sizeof(dst), "%s/%s", directory_roots[k], top);
                        r = run_ns_bind(ctx->ns, src, dst, ret_error);
                        if (r < 0)
                                return r;
                        context_log(ctx, UR_LOG_DEBUG, e->name, "%s is %s inside the run", dst, src);
                }
        }
        return 0;
}

void context_free_namespaces(ur_context *ctx)
{
        ctx->ns = run_ns_free(ctx->ns);
        ctx->ns_error = mfree(ctx->ns_error);
        ctx->ns_bound = strv_free(ctx->ns_bound);
}

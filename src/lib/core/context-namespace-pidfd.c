/* A pidfd of the process that holds the run's namespaces (run-ns.c), for a process that is
 * not ours to fork: `unitrun exec` in a later CI step joins the run with one setns() on
 * it. The holder is our own child until the namespaces go, so its PID cannot be reused
 * under us between the lookup and pidfd_open(). */
#include <errno.h>

#include "internal.h"
#include "shims.h"

int ur_context_open_namespace_pidfd(const ur_context *ctx)
{
        int fd;

        if (!ctx->ns || ctx->ns->holder <= 0)
                return -ENOENT;
        fd = shim_pidfd_open(ctx->ns->holder, 0);
        return fd < 0 ? -errno : fd;
}

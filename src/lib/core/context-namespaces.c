/* The context's private namespaces (--private-network, --private-dirs): asked for before
 * the first start, made once (run-ns.c), joined by every spawn, and lent to embedders
 * (ur_context_enter(), ur_context_socket()). A run that asked for isolation and cannot have
 * it never starts anything. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "macro.h"
#include "proc.h"
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

int ur_context_add_private_path(ur_context *ctx, const char *path)
{
        if (ctx->ns || ctx->guardian.pipe_fd >= 0)
                return -EBUSY;
        if (!path || path[0] != '/' || strstr(path, "/..") || strlen(path) >= PATH_MAX / 2)
                return -EINVAL;
        ctx->ns_flags |= RUN_NS_MOUNT;
        return strv_push(&ctx->private_paths, path);
}

/* Each private path gets an empty directory of the run's, with the host directory's
 * owner and mode where we may give them (as root), mounted over it inside. */
static int context_bind_private_paths(ur_context *ctx)
{
        size_t i = 0;

        for (char **p = ctx->private_paths; p && *p; p++, i++) {
                char top[PATH_MAX], dir[PATH_MAX + 32];
                struct stat st;
                int r;

                snprintf(top, sizeof(top), "%s/private-paths", ctx->runtime_dir);
                snprintf(dir, sizeof(dir), "%s/%zu", top, i);
                if ((mkdir(top, 0711) < 0 && errno != EEXIST) || mkdir(dir, 0755) < 0) {
                        r = -errno;
                        if (asprintf(&ctx->ns_error, "cannot create %s: %s", dir, strerror(-r)) < 0)
                                ctx->ns_error = NULL;
                        return r;
                }
                if (stat(*p, &st) == 0 && S_ISDIR(st.st_mode)) {
                        (void) chmod(dir, st.st_mode & 07777);
                        if (chown(dir, st.st_uid, st.st_gid) < 0 && errno != EPERM && errno != EINVAL)
                                return -errno;
                }
                r = run_ns_bind(ctx->ns, dir, *p, &ctx->ns_error);
                if (r < 0)
                        return r;
        }
        return 0;
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
        r = run_ns_new(ctx->ns_flags, NULL, stage, &ctx->ns, &ctx->ns_error);
        if (r < 0 && !ctx->ns_error)
                ctx->ns_error = strdup(strerror(-r));
        if (r >= 0)
                r = context_bind_private_paths(ctx);
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
        ctx->private_paths = strv_free(ctx->private_paths);
}

int ur_executor_set_private_tmp(ur_executor *e, bool on)
{
        e->private_tmp = on;
        return 0;
}

int ur_executor_set_private_network(ur_executor *e, bool on)
{
        e->private_network = on;
        return 0;
}

static int make_dir_mode(const char *path, mode_t mode)
{
        if (mkdir(path, mode) < 0 && errno != EEXIST)
                return -errno;
        /* Past the umask: 01777 for a /tmp. */
        return chmod(path, mode) < 0 ? -errno : 0;
}

/* PrivateTmp=: RUNDIR/private-tmp-ID/{tmp,var-tmp} become /tmp and /var/tmp. The run
 * directory, if it lives in /tmp, is bound into the new /tmp at its own path first: the
 * unit's notify socket and directories are in there. */
static int unit_private_tmp(ur_context *ctx, ur_executor *e, char **ret_error)
{
        char dir[PATH_MAX], tmp[PATH_MAX + 8], var_tmp[PATH_MAX + 8], inner[2 * PATH_MAX + 8];
        int r;

        snprintf(dir, sizeof(dir), "%s/private-tmp-%u", ctx->runtime_dir, e->id);
        snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
        snprintf(var_tmp, sizeof(var_tmp), "%s/var-tmp", dir);
        e->private_tmp_dir = strdup(dir);
        if (!e->private_tmp_dir)
                return -ENOMEM;
        r = make_dir_mode(dir, 0711);
        if (r >= 0)
                r = make_dir_mode(tmp, 01777);
        if (r >= 0)
                r = make_dir_mode(var_tmp, 01777);
        if (r < 0) {
                *ret_error = strdup("cannot create the PrivateTmp= directories");
                return r;
        }
        if (strncmp(ctx->runtime_dir, "/tmp/", 5) == 0) {
                snprintf(inner, sizeof(inner), "%s%s", tmp, ctx->runtime_dir + 4);
                /* Its parents too: /tmp/unitrun-UID/ holds the run directories (context-resources.c). */
                r = 0;
                for (char *slash = inner + strlen(tmp) + 1; r >= 0 && (slash = strchr(slash, '/'));
                     slash++) {
                        *slash = 0;
                        r = make_dir_mode(inner, 0711);
                        *slash = '/';
                }
                if (r >= 0)
                        r = make_dir_mode(inner, 0711);
                if (r >= 0)
                        r = run_ns_bind(e->ns, ctx->runtime_dir, inner, ret_error);
                if (r < 0)
                        return r;
        }
        r = run_ns_bind(e->ns, tmp, "/tmp", ret_error);
        if (r >= 0)
                r = run_ns_bind(e->ns, var_tmp, "/var/tmp", ret_error);
        return r;
}

int context_unit_namespaces(ur_context *ctx, ur_executor *e, char **ret_error)
{
        char stage[PATH_MAX];
        unsigned flags = (e->private_network ? RUN_NS_NETWORK : 0) | (e->private_tmp ? RUN_NS_MOUNT : 0);
        int r;

        if (!flags || e->ns)
                return 0;
        r = context_ensure_runtime_dir(ctx);
        if (r < 0)
                return r;
        snprintf(stage, sizeof(stage), "%s/ns-stage", ctx->runtime_dir);
        if (mkdir(stage, 0700) < 0 && errno != EEXIST)
                return -errno;
        r = run_ns_new(flags, ctx->ns, stage, &e->ns, ret_error);
        if (r < 0) {
                char *why = *ret_error;

                if (why && asprintf(
                                   ret_error, "%s: %s",
                                   e->private_network ? "PrivateNetwork=" : "PrivateTmp=", why) < 0)
                        *ret_error = NULL;
                if (*ret_error != why)
                        free(why);
                return r;
        }
        if (e->private_tmp) {
                r = unit_private_tmp(ctx, e, ret_error);
                if (r < 0)
                        context_release_unit_namespaces(ctx, e);
        }
        return r;
}

void context_release_unit_namespaces(ur_context *ctx, ur_executor *e)
{
        e->ns = run_ns_free(e->ns);
        if (e->private_tmp_dir) {
                _cleanup_close_ int fd = open(ctx->runtime_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                const char *slash = strrchr(e->private_tmp_dir, '/');

                /* Gone with the unit, as systemd's are. */
                if (fd >= 0 && slash)
                        (void) rm_rf_at(fd, slash + 1);
                e->private_tmp_dir = mfree(e->private_tmp_dir);
        }
}

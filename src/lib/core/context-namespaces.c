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
#include <sys/socket.h>
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

/* Forks the holder, which makes the namespaces while we go on; context_ensure_namespaces()
 * waits for it. Errors are kept in ctx->ns_error (refused once: refused for good). */
static int context_begin_namespaces(ur_context *ctx)
{
        char stage[PATH_MAX];
        int r;

        if (ctx->ns || !ctx->ns_flags)
                return 0;
        if (ctx->ns_error)
                return -EPERM;
        r = context_ensure_runtime_dir(ctx);
        if (r < 0) {
                ctx->ns_error = strdup("cannot create the run directory");
                return r;
        }
        /* The holder mounts on it inside only, and makes it when it first needs it. */
        snprintf(stage, sizeof(stage), "%s/ns-stage", ctx->runtime_dir);
        r = run_ns_start(ctx->ns_flags, NULL, stage, &ctx->ns, &ctx->ns_error);
        if (r < 0 && !ctx->ns_error)
                ctx->ns_error = strdup(strerror(-r));
        return r;
}

int context_ensure_namespaces(ur_context *ctx)
{
        int r;

        if (ctx->ns && !ctx->ns->pending)
                return 0;
        r = context_begin_namespaces(ctx);
        if (r < 0 || !ctx->ns)
                return r;
        r = run_ns_wait(ctx->ns, &ctx->ns_error);
        if (r < 0 && !ctx->ns_error)
                ctx->ns_error = strdup(strerror(-r));
        if (r >= 0)
                r = context_bind_private_paths(ctx);
        if (r < 0) {
                /* No run with half of what was asked for: the next start is refused too. */
                ctx->ns = run_ns_free(ctx->ns);
                if (!ctx->ns_error)
                        ctx->ns_error = strdup(strerror(-r));
        }
        return r;
}

int ur_context_begin_namespaces(ur_context *ctx)
{
        return context_begin_namespaces(ctx);
}

int ur_context_create_namespaces(ur_context *ctx)
{
        return context_ensure_namespaces(ctx);
}

const char *ur_context_get_namespace_error(const ur_context *ctx)
{
        return ctx->ns_error;
}

/* The getters below answer for namespaces that exist: one still being made is waited for
 * (the context is the caller's; const only says that what was asked for does not change). */
static const struct run_ns *context_made_namespaces(const ur_context *ctx)
{
        if (ctx->ns && ctx->ns->pending)
                (void) context_ensure_namespaces((ur_context *) ctx);
        return ctx->ns;
}

unsigned ur_context_get_namespaces(const ur_context *ctx)
{
        const struct run_ns *ns = context_made_namespaces(ctx);
        unsigned r = 0;

        if (!ns)
                return 0;
        if (ns->net_fd >= 0)
                r |= UR_NAMESPACE_NETWORK;
        if (ns->mnt_fd >= 0)
                r |= UR_NAMESPACE_DIRS;
        if (ns->user_fd >= 0)
                r |= UR_NAMESPACE_USER;
        return r;
}

int ur_context_get_netns_fd(const ur_context *ctx)
{
        const struct run_ns *ns = context_made_namespaces(ctx);

        return ns ? ns->net_fd : -1;
}

int ur_context_enter(const ur_context *ctx)
{
        /* No waiting here: this runs in a child between fork and exec (run_ns_enter()
         * refuses a pending ns with -EAGAIN). */
        return ctx->ns ? run_ns_enter(ctx->ns) : 0;
}

int ur_context_socket(ur_context *ctx, int family, int type, int protocol)
{
        int fd;

        if (ctx->ns && ctx->ns->pending) {
                int r = context_ensure_namespaces(ctx);
                if (r < 0)
                        return r;
        }
        fd = run_ns_socket(ctx->ns, family, type, protocol);
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

void context_let_go_namespaces(ur_context *ctx)
{
        run_ns_let_go(ctx->ns);
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

static bool names_contain(char *const *names, const char *name)
{
        for (; names && *names; names++)
                if (streq_ptr(*names, name))
                        return true;
        return false;
}

int ur_executor_add_joins_namespace_of(ur_executor *e, const char *unit_name)
{
        if (!unit_name || !*unit_name)
                return -EINVAL;
        if (names_contain(e->joins_namespace_of, unit_name))
                return 0;
        return strv_push(&e->joins_namespace_of, unit_name);
}

static bool executor_joins(const ur_executor *a, const ur_executor *b)
{
        return names_contain(a->joins_namespace_of, b->name) ||
               names_contain(b->joins_namespace_of, a->name);
}

/* The started unit whose namespaces e joins (JoinsNamespaceOf=, either way round): the
 * first one named by e, else the first that names e. As in systemd, one unit, and only
 * one with namespaces of its own (PrivateNetwork= or PrivateTmp=) counts. */
static ur_executor *unit_namespace_partner(ur_context *ctx, ur_executor *e)
{
        for (char **n = e->joins_namespace_of; n && *n; n++)
                for (ur_executor *o = ctx->executors; o; o = o->next)
                        if (o != e && o->ns && streq_ptr(o->name, *n))
                                return o;
        for (ur_executor *o = ctx->executors; o; o = o->next)
                if (o != e && o->ns && executor_joins(o, e))
                        return o;
        return NULL;
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
static int unit_private_tmp(ur_context *ctx, ur_executor *e, const char *shared, char **ret_error)
{
        char dir[PATH_MAX], tmp[PATH_MAX + 8], var_tmp[PATH_MAX + 8], inner[2 * PATH_MAX + 8];
        int r;

        /* JoinsNamespaceOf=: the partner's directories (they exist: it is started). */
        if (shared)
                snprintf(dir, sizeof(dir), "%s", shared);
        else
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
        const struct run_ns *parent = ctx->ns;
        struct run_ns joined;
        ur_executor *partner;
        bool share_tmp = false;
        int r;

        if (!flags || e->ns)
                return 0;
        /* JoinsNamespaceOf=: what both ask for is the partner's; the rest is e's own. The
         * network is joined at the kernel's level (the holder enters the partner's user and
         * network namespaces, and the run's mount namespace); /tmp is shared as systemd
         * shares it, as the same directories in a mount namespace of e's own. */
        partner = unit_namespace_partner(ctx, e);
        if (partner && e->private_network && partner->private_network && partner->ns->net_fd >= 0) {
                joined = (struct run_ns){
                        .user_fd = partner->ns->user_fd,
                        .mnt_fd = ctx->ns ? ctx->ns->mnt_fd : -1,
                        .net_fd = partner->ns->net_fd,
                };
                parent = &joined;
                flags &= ~RUN_NS_NETWORK;
                context_log(
                        ctx, UR_LOG_DEBUG, e->name, "in the network namespace of %s (JoinsNamespaceOf=)",
                        partner->name);
        }
        share_tmp = partner && e->private_tmp && partner->private_tmp && partner->private_tmp_dir;
        r = context_ensure_runtime_dir(ctx);
        if (r < 0)
                return r;
        snprintf(stage, sizeof(stage), "%s/ns-stage", ctx->runtime_dir);
        r = run_ns_new(flags, parent, stage, &e->ns, ret_error);
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
                if (share_tmp)
                        context_log(
                                ctx, UR_LOG_DEBUG, e->name, "/tmp and /var/tmp of %s (JoinsNamespaceOf=)",
                                partner->name);
                r = unit_private_tmp(ctx, e, share_tmp ? partner->private_tmp_dir : NULL, ret_error);
                if (r < 0)
                        context_release_unit_namespaces(ctx, e);
        }
        return r;
}

int executor_owner_socket(struct ready_owner *owner, int family, int type)
{
        ur_executor *e = (ur_executor *) ((char *) owner - offsetof(ur_executor, owner));

        /* A unix socket's path is in the filesystem, the same from every network namespace
         * (the checks take paths, no abstract names): the run's socket reaches it, before
         * the start too (the in-use probe), and without a round trip to the holder. */
        if (family == AF_UNIX)
                return run_ns_socket(e->ctx->ns, family, type, 0);
        /* The unit's own namespaces (its network, a JoinsNamespaceOf= partner's, or with
         * PrivateTmp= alone the run's, which they keep): a socket belongs to the network
         * namespace it was made in, and the unit's loopback is reachable from there only. */
        if (e->ns)
                return run_ns_socket(e->ns, family, type, 0);
        /* Not made yet: before the spawn, the in-use probe. Nothing can listen in a network
         * that does not exist yet, so nothing is in use there; and never the run's network
         * instead, where someone else's daemon would pass for this one. */
        if (e->private_network) {
                errno = ENETUNREACH;
                return -1;
        }
        return run_ns_socket(e->ctx->ns, family, type, 0);
}

void context_release_unit_namespaces(ur_context *ctx, ur_executor *e)
{
        bool shared = false;

        e->ns = run_ns_free(e->ns);
        if (!e->private_tmp_dir)
                return;
        for (ur_executor *o = ctx->executors; o; o = o->next)
                shared = shared || (o != e && streq_ptr(o->private_tmp_dir, e->private_tmp_dir));
        /* Gone with the unit, as systemd's are, or with the last that shares them. */
        if (!shared) {
                _cleanup_close_ int fd = open(ctx->runtime_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                const char *slash = strrchr(e->private_tmp_dir, '/');

                if (fd >= 0 && slash)
                        (void) rm_rf_at(fd, slash + 1);
        }
        e->private_tmp_dir = mfree(e->private_tmp_dir);
}

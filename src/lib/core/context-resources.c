/* What a context lends its executors: the private runtime directory, the isolation choice
 * (cgroup subtree, delegated scope or the fallback), the guardian, the log, and the event
 * loop's fd for embedders. Each is made on first need. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "internal.h"
#include "macro.h"
#include "proc.h"

void context_log(ur_context *ctx, ur_log_level level, const char *unit, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_unitv(&ctx->log, level, unit, fmt, ap);
        va_end(ap);
}

/* Runtime directories are named unitrun.<pid>.XXXXXX: one whose launcher is gone (it was
 * SIGKILLed or crashed) is removed by the next launcher that comes by. */
static void runtime_dir_sweep_stale(const char *base)
{
        _cleanup_closedir_ DIR *d = opendir(base);
        _cleanup_close_ int base_fd = -1;
        struct dirent *de;

        if (!d)
                return;
        base_fd = dup(dirfd(d));
        while ((de = readdir(d))) {
                struct stat st;
                char *end;
                long pid;

                if (strncmp(de->d_name, "unitrun.", 8) != 0)
                        continue;
                pid = strtol(de->d_name + 8, &end, 10);
                if (*end != '.' || pid == getpid() || !pid_is_gone((pid_t) pid))
                        continue;
                /* Only our own: /tmp is shared with other users. */
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
                    st.st_uid != geteuid())
                        continue;
                (void) rm_rf_at(base_fd, de->d_name);
        }
}

/* Without a usable $XDG_RUNTIME_DIR: /tmp/unitrun-UID, ours alone (made 0711, or found a
 * directory of ours that nobody else may write to; else /tmp itself). Not /tmp directly: on a
 * disk file system a directory made (and swept) among a busy /tmp's hundreds of entries
 * costs ~0.25 ms of every start, in a small one of its own a fifth of that (bench-cycle). */
static const char *runtime_dir_tmp_base(char *buf, size_t size)
{
        struct stat st;

        snprintf(buf, size, "/tmp/unitrun-%u", (unsigned) geteuid());
        if (mkdir(buf, 0711) < 0 && errno != EEXIST)
                return "/tmp";
        if (lstat(buf, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0022))
                return "/tmp";
        /* Passable by the users a unit may run as (User=), as the run directory itself is. */
        if ((st.st_mode & 0711) != 0711 && chmod(buf, (st.st_mode & 07777) | 0711) < 0)
                return "/tmp";
        return buf;
}

static int runtime_dir_create(char **ret)
{
        const char *base = getenv("XDG_RUNTIME_DIR");
        char path[PATH_MAX], tmp_base[64];
        struct stat st;

        /* Notify socket paths must fit in sun_path (108 bytes): keep the directory short. */
        if (!base || base[0] != '/' || strlen(base) > 60 || access(base, W_OK) < 0)
                base = runtime_dir_tmp_base(tmp_base, sizeof(tmp_base));
        /* As root, units may run as other users (User=, daemons that drop privileges): they
         * must be able to pass through to the run directory, which a 0700 /run/user/0
         * forbids. */
        else if (geteuid() == 0 && (stat(base, &st) < 0 || !(st.st_mode & S_IXOTH)))
                base = runtime_dir_tmp_base(tmp_base, sizeof(tmp_base));
        runtime_dir_sweep_stale(base);
        snprintf(path, sizeof(path), "%s/unitrun.%d.XXXXXX", base, (int) getpid());
        if (!mkdtemp(path)) /* mkdtemp creates it 0700 */
                return negative_errno();
        /* Searchable, not listable: a unit running as another user (User=, or a daemon that
         * drops privileges itself) must reach its directories and its notify socket in
         * here, as it would reach /run/NAME and /run/systemd/notify under systemd. */
        if (chmod(path, 0711) < 0) {
                int r = negative_errno();
                (void) rmdir(path);
                return r;
        }
        *ret = strdup(path);
        if (!*ret) {
                (void) rmdir(path);
                return -ENOMEM;
        }
        return 0;
}

void context_ensure_isolation(ur_context *ctx)
{
        const char *no_cgroup = getenv("UNITRUN_NO_CGROUP");
        int r;

        if (ctx->isolation_known)
                return;
        ctx->isolation_known = true;
        if (no_cgroup && strcmp(no_cgroup, "1") == 0) {
                ctx->isolation_reason = strdup("UNITRUN_NO_CGROUP=1 is set");
                r = -EPERM;
        } else
                r = cgroup_run_acquire(&ctx->cgroup, &ctx->isolation_reason);
        /* cgroup_run_acquire() tries (a) our own subtree, then (b) a delegated scope. */
        if (r >= 0)
                ctx->isolation = ctx->cgroup->delegated ? UR_ISOLATION_SCOPE : UR_ISOLATION_CGROUP;
        else {
                ctx->isolation = UR_ISOLATION_FALLBACK;
                ctx->cgroup = NULL;
        }
}

/* The guardian comes with the first spawn: before it there is nothing to clean up. */
int context_ensure_guardian(ur_context *ctx)
{
        int r;

        if (ctx->guardian.pipe_fd >= 0)
                return 0;
        r = context_ensure_runtime_dir(ctx);
        if (r < 0)
                return r;
        /* Born where we are: only out of the supervisor leaf does it need moving. */
        return guardian_start(
                &ctx->guardian, ctx->cgroup ? ctx->cgroup->path : NULL,
                ctx->cgroup ? ctx->cgroup->origin : NULL, ctx->cgroup && ctx->cgroup->settled,
                ctx->runtime_dir);
}

void ur_context_set_log(ur_context *ctx, ur_log_fn fn, void *userdata)
{
        ctx->log = (struct log_target){ .fn = fn, .userdata = userdata };
}

void ur_context_set_state_callback(ur_context *ctx, ur_state_fn fn, void *userdata)
{
        ctx->state_fn = fn;
        ctx->state_userdata = userdata;
}

void ur_context_set_output_callback(ur_context *ctx, ur_output_fn fn, void *userdata)
{
        ctx->output_fn = fn;
        ctx->output_userdata = userdata;
}

void ur_context_set_output_chunk_callback(ur_context *ctx, ur_output_chunk_fn fn, void *userdata)
{
        ctx->output_chunk_fn = fn;
        ctx->output_chunk_userdata = userdata;
}

ur_isolation ur_context_get_isolation(ur_context *ctx)
{
        context_ensure_isolation(ctx);
        return ctx->isolation;
}

const char *ur_context_get_isolation_reason(ur_context *ctx)
{
        context_ensure_isolation(ctx);
        return ctx->isolation == UR_ISOLATION_FALLBACK ? ctx->isolation_reason : NULL;
}

int context_ensure_runtime_dir(ur_context *ctx)
{
        if (ctx->runtime_dir)
                return 0;
        return runtime_dir_create(&ctx->runtime_dir);
}

const char *ur_context_get_runtime_dir(ur_context *ctx)
{
        return context_ensure_runtime_dir(ctx) < 0 ? NULL : ctx->runtime_dir;
}

const char *ur_context_get_cgroup(ur_context *ctx)
{
        context_ensure_isolation(ctx);
        return ctx->cgroup ? ctx->cgroup->path : NULL;
}

int ur_context_get_fd(const ur_context *ctx)
{
        return ctx->loop.epoll_fd;
}

int ur_context_dispatch(ur_context *ctx, int timeout_ms)
{
        return loop_dispatch(&ctx->loop, timeout_ms);
}

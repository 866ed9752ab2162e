/* The process's run: path (a), our own subtree (the stale sweep of dead launchers' runs,
 * the run directory beside the launcher's own cgroup), else path (b), a delegated scope
 * from scope.c (with a supervisor leaf the launcher moves into); one shared,
 * reference-counted run per process. */
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "cgroup-run.h"
#include "macro.h"
#include "mountinfo.h"
#include "proc.h"
#include "scope.h"
#include "time-util.h"

static struct cgroup_run *process_run;
static unsigned process_run_refs;

static int move_self(const char *cgroup_dir)
{
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup_dir);
        /* "0" means the writing process: all of its threads move together. */
        return write_string_file(path, "0");
}

/* "what path: error", kept for the fallback warning. */
static int set_reason(char **ret_reason, int r, const char *what, const char *path)
{
        char buf[PATH_MAX + 256];

        snprintf(buf, sizeof(buf), "%s%s%s", what, path ? " " : "", path ? path : "");
        if (r < 0) {
                size_t l = strlen(buf);
                snprintf(buf + l, sizeof(buf) - l, ": %s", strerror(-r));
        }
        free(*ret_reason);
        *ret_reason = strdup(buf);
        return r;
}

/* Waits (bounded) for a killed cgroup to empty, on its cgroup.events, not by sleeping. */
static void cgroup_wait_empty(const char *path, int timeout_ms)
{
        _cleanup_close_ int fd = cgroup_open_events(path);
        uint64_t deadline = 0;

        if (fd < 0)
                return;
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLPRI };
                uint64_t now;

                if (cgroup_read_populated(fd) <= 0)
                        return;
                now = now_usec() / USEC_PER_MSEC;
                if (!deadline)
                        deadline = now + (uint64_t) timeout_ms;
                if (now >= deadline || poll(&p, 1, (int) (deadline - now)) <= 0)
                        return;
        }
}

/* Runs of launchers that died without cleaning up (SIGKILL, crash) left unitrun-<pid>
 * directories: kill whatever survives in them and remove them. */
static void cgroup_sweep_stale(const char *parent)
{
        _cleanup_closedir_ DIR *d = opendir(parent);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                char path[PATH_MAX], *end;
                long pid;

                if (de->d_type != DT_DIR || strncmp(de->d_name, "unitrun-", 8) != 0)
                        continue;
                pid = strtol(de->d_name + 8, &end, 10);
                if (*end || pid == getpid() || !pid_is_gone((pid_t) pid))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", parent, de->d_name);
                (void) cgroup_kill(path);
                cgroup_wait_empty(path, 1000);
                (void) cgroup_remove(path);
        }
}

/* Where cgroup2 is mounted: where systemd mounts it (/sys/fs/cgroup, or /sys/fs/cgroup/unified
 * on hybrid hosts), confirmed by the file system's magic with one statfs() each, else the
 * first cgroup2 mount /proc/self/mountinfo lists (containers may put it anywhere). Reading
 * and parsing mountinfo costs ~40 us, a tenth of the CLI's setup before its first spawn. */
static int cgroup2_mount_point(char **ret)
{
        static const char *const known[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
        _cleanup_free_ char *mountinfo = NULL;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(known); i++) {
                struct statfs sfs;

                if (statfs(known[i], &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
                        *ret = strdup(known[i]);
                        return *ret ? 0 : -ENOMEM;
                }
        }
        r = read_full_file("/proc/self/mountinfo", &mountinfo);
        if (r < 0)
                return r;
        return mountinfo_find_cgroup2(mountinfo, ret);
}

/* Path (a): our own cgroup is writable, as for root or inside a delegated subtree. rel: our
 * cgroup v2 path, as /proc/self/cgroup said (NULL: it could not be read). */
static int cgroup_setup_own_subtree(const char *rel, struct cgroup_run **ret, char **ret_reason)
{
        struct cgroup_run *run = NULL;
        char path[PATH_MAX];
        int r;

        run = calloc(1, sizeof(*run));
        if (!run)
                return -ENOMEM;
        r = cgroup2_mount_point(&run->mount);
        if (r == -ENOMEM) {
                cgroup_run_free(run);
                return r;
        }
        if (r == -ENOENT || r == -EBADMSG) {
                cgroup_run_free(run);
                return set_reason(ret_reason, -ENOENT, "no cgroup2 filesystem is mounted", NULL);
        }
        if (r < 0) {
                cgroup_run_free(run);
                return set_reason(ret_reason, r, "cannot read /proc/self/mountinfo", NULL);
        }
        if (!rel) {
                cgroup_run_free(run);
                return set_reason(ret_reason, -ENOENT, "cannot find our own cgroup v2 path", NULL);
        }
        snprintf(path, sizeof(path), "%s%s", run->mount, streq_ptr(rel, "/") ? "" : rel);
        run->origin = strdup(path);
        cgroup_sweep_stale(run->origin);
        snprintf(path, sizeof(path), "%s/unitrun-%d", run->origin, (int) getpid());
        run->path = strdup(path);
        if (!run->origin || !run->path) {
                cgroup_run_free(run);
                return -ENOMEM;
        }

        /* No supervisor leaf here: the launcher stays in the cgroup it came from, outside
         * the run directory (cgroup_run_settle()), and so does the guardian. */
        if (mkdir(run->path, 0755) < 0 && errno != EEXIST) {
                r = set_reason(ret_reason, negative_errno(), "cannot create a cgroup in", run->origin);
                cgroup_run_free(run);
                return r;
        }
        /* Units are born in leaves of it: whether we may place processes there is known now. */
        snprintf(path, sizeof(path), "%s/cgroup.procs", run->path);
        if (access(path, W_OK) < 0) {
                r = set_reason(ret_reason, negative_errno(), "cannot place processes in", run->path);
                (void) rmdir(run->path);
                cgroup_run_free(run);
                return r;
        }
        *ret = run;
        return 0;
}

/* The launcher leaves the inner node for its supervisor leaf, so that nothing killed or
 * removed in the run directory ever involves it, and controllers could be enabled there.
 * It is done after the first spawn, not before: a process's first cgroup migration waits
 * for an RCU grace period in the kernel (12 ms measured here), and a unit born meanwhile
 * in its own leaf (CLONE_INTO_CGROUP: no migration) is starting instead of waiting. */
int cgroup_run_settle(struct cgroup_run *run)
{
        int r;

        /* In our own subtree (a) the launcher is not inside the run directory at all: it
         * stays in the cgroup it came from, the run directory is its child, and no
         * controller is enabled there, so a move would buy nothing and cost the 12 ms grace
         * period (once in, once out). A delegated scope (b) holds the launcher itself:
         * there it must leave the scope's inner node for its leaf. */
        if (run->settled || !run->delegated)
                return 0;
        r = move_self(run->supervisor);
        if (r < 0)
                return r;
        run->settled = true;
        return 0;
}

int cgroup_run_acquire(struct cgroup_run **ret, char **ret_reason)
{
        const char *no_own = getenv("UNITRUN_NO_OWN_CGROUP");
        _cleanup_free_ char *own_reason = NULL, *self_cgroup = NULL;
        char *reason;
        int r;

        if (process_run) {
                process_run_refs++;
                *ret = process_run;
                return 0;
        }
        /* Our cgroup, read once for both paths. */
        if (proc_get_cgroup(getpid(), &self_cgroup) < 0)
                self_cgroup = NULL;
        /* An earlier run left us in our own delegated scope: it is still ours. */
        r = scope_reuse(self_cgroup, &process_run, ret_reason);
        if (r == -ENOENT) {
                if (no_own && strcmp(no_own, "1") == 0) {
                        own_reason = strdup("UNITRUN_NO_OWN_CGROUP=1 is set");
                        r = -EPERM;
                } else
                        r = cgroup_setup_own_subtree(self_cgroup, &process_run, &own_reason);
                if (r < 0)
                        r = scope_acquire(&process_run, ret_reason);
        }
        if (r < 0) {
                /* One reason: why not (a), then why not (b) and what to do. */
                if (own_reason && !*ret_reason)
                        *ret_reason = TAKE_PTR(own_reason);
                else if (own_reason && asprintf(&reason, "%s; %s", own_reason, *ret_reason) >= 0) {
                        free(*ret_reason);
                        *ret_reason = reason;
                }
                process_run = NULL;
                return r;
        }
        process_run_refs = 1;
        *ret = process_run;
        return 0;
}

void cgroup_run_release(struct cgroup_run *run)
{
        if (!run || run != process_run || --process_run_refs > 0)
                return;
        if (run->delegated)
                scope_release(run);
        else {
                /* Back to where we came from, so the run directory can go. */
                if (run->settled)
                        (void) move_self(run->origin);
                if (run->supervisor)
                        (void) rmdir(run->supervisor);
                (void) rmdir(run->path);
        }
        cgroup_run_free(run);
        process_run = NULL;
}

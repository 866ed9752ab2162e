/* Isolation path (b): a transient scope with Delegate=yes from a systemd manager, asked for
 * over sd-bus, for hosts where our own cgroup is not ours to write (non-root in a session
 * scope, job steps in a service). The manager moves us into the scope; below it the tree is
 * ours, so the launcher takes a "supervisor" leaf and executors get leaves beside it.
 *
 * The manager is asked directly on its private socket where we may use it (no dbus-daemon
 * needed), else on the user bus. Everything is bounded by one deadline; the connection is
 * closed before we return. sd-bus neither blocks signals nor installs handlers. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "macro.h"
#include "mountinfo.h"
#include "proc.h"
#include "scope.h"
#include "sdbus-dl.h"
#include "time-util.h"

#define SCOPE_TIMEOUT_USEC (5 * USEC_PER_SEC)

#define SD_DESTINATION "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

struct job_wait {
        char *job;    /* our job's object path, once the call returned */
        char *result; /* its JobRemoved result, once seen */
};

/* Our own *p cleanup functions: sd-bus.h's would call libsystemd directly, and it is only
 * loaded at the first scope request (sdbus-dl.h). */
static void bus_closep(sd_bus **bus)
{
        if (*bus)
                (void) sd_bus_flush_close_unref(*bus);
}

static void bus_message_unrefp(sd_bus_message **m)
{
        if (*m)
                (void) sd_bus_message_unref(*m);
}

#define _cleanup_bus_ _cleanup_(bus_closep)
#define _cleanup_bus_message_ _cleanup_(bus_message_unrefp)

/* What a user can do about it, for the end of every reason. `systemd-run --user --scope`
 * would not help where our own request failed (it asks for the same move); a service of
 * the user manager starts inside its tree, where path (a) then works. */
static const char *scope_advice(void)
{
        if (geteuid() == 0)
                return "run it inside a writable cgroup v2 subtree, e.g. under "
                       "`systemd-run --scope -p Delegate=yes …`";
        return "start the job step under the user manager, e.g. with "
               "`systemd-run --user --pipe --wait --collect -p Delegate=yes …` "
               "(needs a running user manager: `loginctl enable-linger`), or run it as root";
}

static int set_reasonf(char **ret_reason, int r, const char *fmt, ...) _printf_(3, 4);
static int set_reasonf(char **ret_reason, int r, const char *fmt, ...)
{
        char buf[PATH_MAX + 512];
        size_t l;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        l = strlen(buf);
        snprintf(buf + l, sizeof(buf) - l, ": %s", scope_advice());
        free(*ret_reason);
        *ret_reason = strdup(buf);
        return r;
}

/* D-Bus addresses escape every byte outside a small safe set as %XX. */
static int bus_address_for_path(const char *path, char **ret)
{
        static const char hex[] = "0123456789abcdef";
        const char *prefix = "unix:path=";
        char *s, *p;

        s = malloc(strlen(prefix) + strlen(path) * 3 + 1);
        if (!s)
                return -ENOMEM;
        p = stpcpy(s, prefix);
        for (const unsigned char *c = (const unsigned char *) path; *c; c++) {
                if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                    strchr("-_/.\\*", *c))
                        *p++ = (char) *c;
                else {
                        *p++ = '%';
                        *p++ = hex[*c >> 4];
                        *p++ = hex[*c & 15];
                }
        }
        *p = 0;
        *ret = s;
        return 0;
}

static int bus_open_private(const char *socket_path, sd_bus **ret)
{
        _cleanup_bus_ sd_bus *bus = NULL;
        _cleanup_free_ char *address = NULL;
        int r;

        r = bus_address_for_path(socket_path, &address);
        if (r < 0)
                return r;
        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(bus, address);
        if (r < 0)
                return r;
        r = sd_bus_start(bus);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

/* Root asks the system manager; everyone (root too, when there is no system manager, as in
 * containers) asks the user manager of $XDG_RUNTIME_DIR: its private socket, else the user
 * bus. *ret_manager names the one we got, for messages. */
static int scope_bus_connect(sd_bus **ret, const char **ret_manager, char **ret_reason)
{
        const char *runtime_dir = getenv("XDG_RUNTIME_DIR");
        char path[PATH_MAX];
        int r, r_system = 0;

        r = sdbus_dl_load();
        if (r < 0)
                return set_reasonf(
                        ret_reason, r,
                        "no systemd manager to ask for a delegated scope "
                        "(libsystemd.so.0 cannot be loaded)");
        if (geteuid() == 0) {
                r_system = bus_open_private("/run/systemd/private", ret);
                if (r_system >= 0) {
                        *ret_manager = "system manager";
                        return 0;
                }
                if (!runtime_dir || runtime_dir[0] != '/')
                        return set_reasonf(
                                ret_reason, r_system,
                                "no systemd manager to ask for a delegated scope "
                                "(/run/systemd/private: %s; XDG_RUNTIME_DIR is not set)",
                                strerror(-r_system));
        }
        *ret_manager = "user manager";
        if (runtime_dir && runtime_dir[0] == '/') {
                snprintf(path, sizeof(path), "%s/systemd/private", runtime_dir);
                r = bus_open_private(path, ret);
                if (r >= 0)
                        return 0;
        }
        r = sd_bus_open_user(ret);
        if (r >= 0)
                return 0;
        if (r_system < 0)
                return set_reasonf(
                        ret_reason, r,
                        "no systemd manager to ask for a delegated scope "
                        "(/run/systemd/private: %s; nothing at %s/systemd/private or on the user bus)",
                        strerror(-r_system), runtime_dir);
        if (!runtime_dir || runtime_dir[0] != '/')
                return set_reasonf(
                        ret_reason, r,
                        "no systemd user manager to ask for a delegated scope "
                        "(XDG_RUNTIME_DIR is not set; user bus: %s)",
                        strerror(-r));
        return set_reasonf(
                ret_reason, r,
                "no systemd user manager to ask for a delegated scope "
                "(nothing at %s/systemd/private or on the user bus: %s)",
                runtime_dir, strerror(-r));
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct job_wait *w = userdata;
        const char *job, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) < 0)
                return 0;
        if (w->job && !w->result && strcmp(job, w->job) == 0)
                w->result = strdup(result);
        return 0;
}

static int random_suffix(char *buf, size_t size)
{
        uint64_t v;

        if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t) sizeof(v))
                v = now_usec() ^ ((uint64_t) getpid() << 32);
        return snprintf(buf, size, "%016llx", (unsigned long long) v);
}

static int
start_transient_scope(sd_bus *bus, const char *unit, uint64_t deadline, char **ret_job, sd_bus_error *error)
{
        _cleanup_bus_message_ sd_bus_message *m = NULL, *reply = NULL;
        char description[128];
        const char *job;
        uint64_t now = now_usec();
        int r;

        if (now >= deadline)
                return -ETIMEDOUT;
        snprintf(description, sizeof(description), "unitrun launcher %d and its units", (int) getpid());
        r = sd_bus_message_new_method_call(
                bus, &m, SD_DESTINATION, SD_PATH, SD_MANAGER, "StartTransientUnit");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "ss", unit, "fail");
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r < 0)
                return r;
        r = sd_bus_message_append(
                m, "(sv)(sv)(sv)(sv)", "Description", "s", description, "PIDs", "au", 1, (uint32_t) getpid(),
                "Delegate", "b", 1, "CollectMode", "s", "inactive-or-failed");
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, m, deadline - now, error, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &job);
        if (r < 0)
                return r;
        *ret_job = strdup(job);
        return *ret_job ? 0 : -ENOMEM;
}

/* Runs the connection until our job is gone or the deadline passes. */
static int wait_for_job(sd_bus *bus, struct job_wait *w, uint64_t deadline)
{
        while (!w->result) {
                uint64_t now;
                int r = sd_bus_process(bus, NULL);

                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                now = now_usec();
                if (now >= deadline)
                        return -ETIMEDOUT;
                r = sd_bus_wait(bus, deadline - now);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A call on `unit` (StopUnit) or without arguments (Subscribe), answered by the deadline. */
static int call_bounded(sd_bus *bus, const char *method, const char *unit, uint64_t deadline)
{
        _cleanup_bus_message_ sd_bus_message *m = NULL;
        uint64_t now = now_usec();
        int r;

        if (now >= deadline)
                return -ETIMEDOUT;
        r = sd_bus_message_new_method_call(bus, &m, SD_DESTINATION, SD_PATH, SD_MANAGER, method);
        if (r < 0)
                return r;
        if (unit) {
                r = sd_bus_message_append(m, "ss", unit, "replace");
                if (r < 0)
                        return r;
        }
        return sd_bus_call(bus, m, deadline - now, NULL, NULL);
}

static bool has_prefix(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
        size_t ls = strlen(s), lx = strlen(suffix);

        return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* A scope of ours is unitrun-<pid>-<hex>.scope; returns the pid, 0 when the name is not one. */
static pid_t scope_name_pid(const char *name)
{
        char *end;
        long pid;

        if (!has_prefix(name, "unitrun-") || !has_suffix(name, ".scope"))
                return 0;
        pid = strtol(name + strlen("unitrun-"), &end, 10);
        if (pid <= 0 || *end != '-')
                return 0;
        return (pid_t) pid;
}

static bool scope_populated(const char *path)
{
        _cleanup_close_ int fd = cgroup_open_events(path);

        return fd >= 0 && cgroup_read_populated(fd) > 0;
}

/* Launchers that were SIGKILLed leave their scope alive as long as a unit survives in it:
 * ask the manager to stop sibling scopes whose launcher is gone (its PID does not exist and
 * its supervisor leaf is empty). Best effort, within what is left of the deadline. */
static void scope_sweep_stale(sd_bus *bus, const char *scope_path, uint64_t deadline)
{
        _cleanup_free_ char *parent = strdup(scope_path);
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        char *slash;

        if (!parent || !(slash = strrchr(parent, '/')))
                return;
        *slash = 0;
        d = opendir(parent);
        if (!d)
                return;
        while ((de = readdir(d))) {
                char path[PATH_MAX], supervisor[PATH_MAX + 16];
                pid_t pid = scope_name_pid(de->d_name);

                if (de->d_type != DT_DIR || pid == getpid() || !pid_is_gone(pid))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", parent, de->d_name);
                snprintf(supervisor, sizeof(supervisor), "%s/supervisor", path);
                if (!scope_populated(path) || scope_populated(supervisor))
                        continue;
                if (call_bounded(bus, "StopUnit", de->d_name, deadline) == -ETIMEDOUT)
                        return;
        }
}

/* Builds the run in `scope_path` (absolute): the scope is the run directory, we move into
 * its supervisor leaf. */
static int
scope_run_setup(const char *mount, const char *scope_path, struct cgroup_run **ret, char **ret_reason)
{
        struct cgroup_run *run = calloc(1, sizeof(*run));
        char path[PATH_MAX];
        int r;

        if (!run)
                return -ENOMEM;
        snprintf(path, sizeof(path), "%s/supervisor", scope_path);
        run->mount = strdup(mount);
        run->origin = strdup(scope_path);
        run->path = strdup(scope_path);
        run->supervisor = strdup(path);
        run->delegated = true;
        if (!run->mount || !run->origin || !run->path || !run->supervisor) {
                cgroup_run_free(run);
                return -ENOMEM;
        }
        if (mkdir(run->supervisor, 0755) < 0 && errno != EEXIST) {
                r = set_reasonf(
                        ret_reason, negative_errno(), "cannot create %s in the delegated scope: %s",
                        run->supervisor, strerror(errno));
                cgroup_run_free(run);
                return r;
        }
        snprintf(path, sizeof(path), "%s/cgroup.procs", run->supervisor);
        r = write_string_file(path, "0");
        if (r < 0) {
                set_reasonf(
                        ret_reason, r, "cannot move into %s in the delegated scope: %s", run->supervisor,
                        strerror(-r));
                (void) rmdir(run->supervisor);
                cgroup_run_free(run);
                return r;
        }
        /* systemd moved us into the scope already: one more move costs no new wait. */
        run->settled = true;
        *ret = run;
        return 0;
}

/* Our cgroup v2 path (absolute) and the mount it is under. */
static int own_cgroup(char **ret_mount, char **ret_path)
{
        _cleanup_free_ char *mountinfo = NULL, *mount = NULL, *rel = NULL;
        char path[PATH_MAX];
        int r;

        r = read_full_file("/proc/self/mountinfo", &mountinfo);
        if (r < 0)
                return r;
        r = mountinfo_find_cgroup2(mountinfo, &mount);
        if (r < 0)
                return r;
        r = proc_get_cgroup(getpid(), &rel);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "%s%s", mount, strcmp(rel, "/") == 0 ? "" : rel);
        *ret_path = strdup(path);
        if (!*ret_path)
                return -ENOMEM;
        *ret_mount = TAKE_PTR(mount);
        return 0;
}

int scope_reuse(const char *self_cgroup, struct cgroup_run **ret, char **ret_reason)
{
        _cleanup_free_ char *mount = NULL, *path = NULL;
        const char *name;

        /* Our cgroup's name first (a short file): mountinfo only when it is one of ours. */
        if (!self_cgroup || !(name = strrchr(self_cgroup, '/')) || scope_name_pid(name + 1) != getpid())
                return -ENOENT;
        if (own_cgroup(&mount, &path) < 0)
                return -ENOENT;
        name = strrchr(path, '/');
        if (!name || scope_name_pid(name + 1) != getpid())
                return -ENOENT;
        return scope_run_setup(mount, path, ret, ret_reason);
}

int scope_acquire(struct cgroup_run **ret, char **ret_reason)
{
        _cleanup_bus_ sd_bus *bus = NULL;
        _cleanup_free_ char *mount = NULL, *path = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        struct job_wait w = {};
        uint64_t deadline = now_usec() + SCOPE_TIMEOUT_USEC;
        const char *manager = NULL, *name;
        char unit[128], suffix[32];
        int r;

        r = scope_bus_connect(&bus, &manager, ret_reason);
        if (r < 0)
                return r;
        random_suffix(suffix, sizeof(suffix));
        snprintf(unit, sizeof(unit), "unitrun-%d-%s.scope", (int) getpid(), suffix);

        /* Before the call: JobRemoved may be on its way before the reply is. */
        r = sd_bus_match_signal(
                bus, NULL, SD_DESTINATION, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed, &w);
        if (r < 0) {
                r = set_reasonf(
                        ret_reason, r, "cannot watch the systemd %s's jobs: %s", manager, strerror(-r));
                goto out;
        }
        /* Not needed on the private socket, and harmless: the manual asks for it. */
        (void) call_bounded(bus, "Subscribe", NULL, deadline);

        r = start_transient_scope(bus, unit, deadline, &w.job, &error);
        if (r == -ETIMEDOUT || sd_bus_error_has_name(&error, SD_BUS_ERROR_TIMEOUT) ||
            sd_bus_error_has_name(&error, SD_BUS_ERROR_NO_REPLY)) {
                r = set_reasonf(
                        ret_reason, -ETIMEDOUT, "the systemd %s did not answer within %llu s", manager,
                        (unsigned long long) (SCOPE_TIMEOUT_USEC / USEC_PER_SEC));
                goto out;
        }
        if (r < 0) {
                r = set_reasonf(
                        ret_reason, r, "the systemd %s refused a delegated scope: %s", manager,
                        error.message ? error.message : strerror(-r));
                goto out;
        }
        r = wait_for_job(bus, &w, deadline);
        if (r == -ETIMEDOUT) {
                r = set_reasonf(
                        ret_reason, r, "the systemd %s did not start scope %s within %llu s", manager, unit,
                        (unsigned long long) (SCOPE_TIMEOUT_USEC / USEC_PER_SEC));
                goto out;
        }
        if (r < 0) {
                r = set_reasonf(
                        ret_reason, r, "lost the systemd %s while it started scope %s: %s", manager, unit,
                        strerror(-r));
                goto out;
        }
        if (strcmp(w.result, "done") != 0) {
                /* The usual cause: the kernel refused the move (EACCES) because this process
                 * is outside the manager's cgroup tree and no system manager helped out. */
                r = set_reasonf(
                        ret_reason, -EACCES,
                        "the systemd %s could not put this process into scope %s (job %s; is the "
                        "process outside the manager's cgroup tree?)",
                        manager, unit, w.result);
                goto out;
        }

        r = own_cgroup(&mount, &path);
        if (r < 0) {
                r = set_reasonf(
                        ret_reason, r, "cannot find our cgroup v2 after joining scope %s: %s", unit,
                        strerror(-r));
                goto out;
        }
        name = strrchr(path, '/');
        if (!name || strcmp(name + 1, unit) != 0) {
                r = set_reasonf(
                        ret_reason, -ESRCH, "scope %s started, but this process is in %s", unit, path);
                goto out;
        }
        r = scope_run_setup(mount, path, ret, ret_reason);
        if (r >= 0)
                scope_sweep_stale(bus, path, deadline);
out:
        sd_bus_error_free(&error);
        free(w.job);
        free(w.result);
        return r;
}

void scope_release(struct cgroup_run *run)
{
        char path[PATH_MAX];

        /* Our parent is the manager's, so we cannot leave; but the supervisor leaf can go,
         * leaving the scope with only this process in it. systemd stops and collects the
         * scope, and any sub-cgroup left in it, once we exit. */
        snprintf(path, sizeof(path), "%s/cgroup.procs", run->path);
        if (write_string_file(path, "0") >= 0)
                (void) rmdir(run->supervisor);
}

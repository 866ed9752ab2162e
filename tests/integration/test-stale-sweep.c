/* The stale-run sweep: a launcher that died without cleaning up (SIGKILL, a crash) leaves
 * a unitrun-<pid> cgroup (with whatever survived in it) and a unitrun.<pid>.XXXXXX runtime
 * directory; the next launcher that comes by kills and removes the first and removes the
 * second, and leaves alone what belongs to a live launcher or (runtime directories in a
 * shared /tmp) to another user. Staged by hand: a PID that is gone, a process inside the
 * stale cgroup, directories for a live PID, one owned by nobody. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cunit-main.h"
#include "test-util.h"
#include "unitrun.h"

/* Our own cgroup v2 directory, where the launcher's run directory (and the sweep) goes: a
 * child of the one we were started in, so that other launchers beside us (they sweep their
 * own cgroup) cannot do the sweep this test is about. */
static char own_cgroup[PATH_MAX + 64];
static char start_cgroup[PATH_MAX];

static int find_own_cgroup(void)
{
        char line[4096], mount[PATH_MAX] = "", rel[PATH_MAX] = "";
        FILE *f = fopen("/proc/self/mountinfo", "re");

        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                char mp[PATH_MAX], *dash = strstr(line, " - cgroup2 ");

                if (dash && sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1) {
                        snprintf(mount, sizeof(mount), "%s", mp);
                        break;
                }
        }
        fclose(f);
        f = fopen("/proc/self/cgroup", "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, "0::", 3) == 0) {
                        line[strcspn(line, "\n")] = 0;
                        snprintf(rel, sizeof(rel), "%s", line + 3);
                }
        fclose(f);
        if (!*mount || !*rel)
                return -ENOENT;
        snprintf(start_cgroup, sizeof(start_cgroup), "%s%s", mount, strcmp(rel, "/") == 0 ? "" : rel);
        return access(start_cgroup, W_OK) < 0 ? -errno : 0;
}

static int write_file(const char *path, const char *s)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

        if (fd < 0)
                return -errno;
        if (write(fd, s, strlen(s)) != (ssize_t) strlen(s))
                r = -errno;
        close(fd);
        return r;
}

/* Into a cgroup of our own below the one we started in ("0": this process). Not named
 * unitrun-<pid>: no sweep takes it for a run. */
static int enter_own_cgroup(void)
{
        char procs[PATH_MAX + 96];

        snprintf(own_cgroup, sizeof(own_cgroup), "%s/stale-sweep-test-%d", start_cgroup, (int) getpid());
        if (mkdir(own_cgroup, 0755) < 0)
                return -errno;
        snprintf(procs, sizeof(procs), "%s/cgroup.procs", own_cgroup);
        return write_file(procs, "0");
}

static void leave_own_cgroup(void)
{
        char procs[PATH_MAX + 96];

        snprintf(procs, sizeof(procs), "%s/cgroup.procs", start_cgroup);
        (void) write_file(procs, "0");
        (void) rmdir(own_cgroup);
}

static pid_t spawn_sleeper(void)
{
        pid_t pid = fork();

        if (pid == 0) {
                execl("/bin/sleep", "sleep", "300", (char *) NULL);
                _exit(127);
        }
        return pid;
}

/* A PID that existed a moment ago and is gone now (reaped). */
static pid_t gone_pid(void)
{
        pid_t pid = fork();

        if (pid == 0)
                _exit(0);
        if (pid > 0)
                waitpid(pid, NULL, 0);
        return pid > 0 && kill(pid, 0) < 0 && errno == ESRCH ? pid : -1;
}

static void kill_reap(pid_t pid)
{
        if (pid > 0 && kill(pid, SIGKILL) == 0)
                waitpid(pid, NULL, 0);
}

/* Reaped within timeout_ms: it was killed (it would sleep for 300 s). */
static bool reaped_within(pid_t pid, int timeout_ms)
{
        for (int waited = 0; waited <= timeout_ms; waited += 10) {
                if (waitpid(pid, NULL, WNOHANG) == pid)
                        return true;
                usleep(10 * 1000);
        }
        return false;
}

static void test_sweep(void)
{
        char stale_cg[PATH_MAX * 2], stale_leaf[PATH_MAX * 2 + 32], live_cg[PATH_MAX * 2],
                procs[PATH_MAX * 2 + 64];
        char *tmp = test_make_temp_dir(), stale_rt[PATH_MAX], live_rt[PATH_MAX], foreign_rt[PATH_MAX];
        char pid_text[32], *stale_file = NULL;
        pid_t dead = gone_pid(), survivor = -1, live = spawn_sleeper();
        ur_context *ctx = NULL;
        const char *run;

        CU_ASSERT_FATAL(tmp != NULL && dead > 0 && live > 0);

        /* A dead launcher's cgroup with a unit's survivor in it; a live launcher's cgroup. */
        snprintf(stale_cg, sizeof(stale_cg), "%s/unitrun-%d", own_cgroup, (int) dead);
        snprintf(stale_leaf, sizeof(stale_leaf), "%s/left.service", stale_cg);
        snprintf(live_cg, sizeof(live_cg), "%s/unitrun-%d", own_cgroup, (int) live);
        CU_ASSERT_FATAL(mkdir(stale_cg, 0755) == 0 && mkdir(stale_leaf, 0755) == 0);
        CU_ASSERT_FATAL(mkdir(live_cg, 0755) == 0);
        survivor = spawn_sleeper();
        CU_ASSERT_FATAL(survivor > 0);
        snprintf(procs, sizeof(procs), "%s/cgroup.procs", stale_leaf);
        snprintf(pid_text, sizeof(pid_text), "%d", (int) survivor);
        CU_ASSERT_FATAL(write_file(procs, pid_text) == 0);

        /* Runtime directories: the dead launcher's (with a file), a live one's, and a dead
         * launcher's that belongs to another user. */
        snprintf(stale_rt, sizeof(stale_rt), "%s/unitrun.%d.aaaaaa", tmp, (int) dead);
        snprintf(live_rt, sizeof(live_rt), "%s/unitrun.%d.bbbbbb", tmp, (int) live);
        snprintf(foreign_rt, sizeof(foreign_rt), "%s/unitrun.%d.cccccc", tmp, (int) dead);
        CU_ASSERT_FATAL(
                mkdir(stale_rt, 0700) == 0 && mkdir(live_rt, 0700) == 0 && mkdir(foreign_rt, 0700) == 0);
        CU_ASSERT_FATAL(chown(foreign_rt, 65534, 65534) == 0);
        stale_file = test_path_join(stale_rt, "notify.sock");
        CU_ASSERT_FATAL(test_write_file(stale_file, "", 0600) == 0);
        /* Passable by others, or a root launcher would not put its run directory here. */
        CU_ASSERT_FATAL(chmod(tmp, 0711) == 0);
        CU_ASSERT_FATAL(setenv("XDG_RUNTIME_DIR", tmp, 1) == 0);

        /* The next launcher: isolation and runtime directory at first need. */
        CU_ASSERT_FATAL(ur_context_new(&ctx) >= 0);
        if (ur_context_get_isolation(ctx) != UR_ISOLATION_CGROUP) {
                fprintf(stderr, "  not on the own-subtree path: %s\n", ur_context_get_isolation_reason(ctx));
                CU_FAIL("cgroup isolation expected (the suite checked that our cgroup is writable)");
        }
        run = ur_context_get_cgroup(ctx);
        CU_ASSERT(run && strncmp(run, own_cgroup, strlen(own_cgroup)) == 0);
        run = ur_context_get_runtime_dir(ctx);
        CU_ASSERT(run && strncmp(run, tmp, strlen(tmp)) == 0);

        CU_ASSERT_FALSE(test_dir_exists(stale_cg));
        if (reaped_within(survivor, 5000))
                survivor = -1;
        else
                CU_FAIL("the process in the stale cgroup survived the sweep");
        CU_ASSERT_TRUE(test_dir_exists(live_cg));
        CU_ASSERT_FALSE(test_dir_exists(stale_rt));
        CU_ASSERT_TRUE(test_dir_exists(live_rt));
        CU_ASSERT_TRUE(test_dir_exists(foreign_rt));

        ur_context_free(ctx);
        kill_reap(survivor);
        kill_reap(live);
        rmdir(stale_leaf);
        rmdir(stale_cg);
        rmdir(live_cg);
        free(stale_file);
        test_remove_temp_dir(tmp);
}

static CU_TestInfo cases[] = {
        { "a dead launcher's cgroup and runtime dir are swept, others kept", test_sweep },
        CU_TEST_INFO_NULL,
};

int main(void)
{
        int r;

        if (getenv("UNITRUN_NO_CGROUP")) {
                printf("SKIP: UNITRUN_NO_CGROUP is set: the sweep is the cgroup path's\n");
                return 77;
        }
        if (geteuid() != 0) {
                printf("SKIP: needs root (a directory owned by another user)\n");
                return 77;
        }
        r = find_own_cgroup();
        if (r >= 0)
                r = enter_own_cgroup();
        if (r < 0) {
                printf("SKIP: our own cgroup v2 is not writable here: %s\n", strerror(-r));
                leave_own_cgroup();
                return 77;
        }
        r = cunit_run_tests("stale-sweep", cases);
        leave_own_cgroup();
        return r;
}

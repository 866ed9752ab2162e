/* Process attributes against real processes: User=/Group=/SupplementaryGroups= seen in
 * /proc/PID/status of the running unit, directory ownership and modes, READY=1 from a
 * daemon that dropped privileges itself, the refusals (missing user, another user when not
 * root), a setresuid() failure reported as an exec failure (in a user namespace where the
 * target uid is not mapped), UMask=, Nice=, LimitNOFILE=, NoNewPrivileges=, capabilities,
 * standard input. Needs root (exits 77 otherwise) and the fixtures ($FIXTURE_DIR); the
 * CLI cases need $UNITRUN. */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cunit-main.h"
#include "macro.h"
#include "test-util.h"
#include "test-lib.h"
#include "unitrun.h"

#define NOBODY 65534
#define CAP_NET_BIND_SERVICE_BIT (UINT64_C(1) << 10)

static char *tmp_dir;

/* "Key:\tvalue..." of /proc/PID/status, malloc'ed without the key, or NULL. */
static char *proc_status_field(pid_t pid, const char *key)
{
        char path[64];
        _cleanup_free_ char *text = NULL;
        const char *p;
        size_t klen = strlen(key);

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        text = test_read_file(path);
        for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
                        const char *v = p + klen + 1;
                        while (*v == '\t' || *v == ' ')
                                v++;
                        return strndup(v, strcspn(v, "\n"));
                }
        return NULL;
}

static ur_context *new_context(void)
{
        ur_context *ctx = NULL;

        CU_ASSERT_EQUAL_FATAL(ur_context_new(&ctx), 0);
        return ctx;
}

/* An executor of argv with the given name. */
static ur_executor *new_exec(ur_context *ctx, const char *name, char *const *argv)
{
        ur_executor *e = NULL;

        CU_ASSERT_EQUAL_FATAL(ur_executor_new(ctx, name, argv, &e), 0);
        return e;
}

static void test_user_and_groups(void)
{
        char *argv[] = { "sleep", "100", NULL };
        ur_context *ctx = new_context();
        ur_executor *e = new_exec(ctx, "user.service", argv);
        _cleanup_free_ char *uid = NULL, *gid = NULL, *groups = NULL;
        struct group *users = getgrnam("users");
        char expected_groups[64];
        pid_t pid;

        CU_ASSERT_PTR_NOT_NULL_FATAL(users);
        CU_ASSERT_EQUAL(ur_executor_set_user(e, "nobody"), 0);
        CU_ASSERT_EQUAL(ur_executor_add_supplementary_group(e, "users"), 0);
        CU_ASSERT_EQUAL_FATAL(ur_executor_start(e), 0);
        pid = ur_executor_get_pid(e);
        CU_ASSERT_TRUE_FATAL(pid > 0);
        uid = proc_status_field(pid, "Uid");
        gid = proc_status_field(pid, "Gid");
        groups = proc_status_field(pid, "Groups");
        CU_ASSERT_STRING_EQUAL(uid, "65534\t65534\t65534\t65534");
        CU_ASSERT_STRING_EQUAL(gid, "65534\t65534\t65534\t65534");
        /* nobody's own group (nogroup) and the supplementary one; the kernel sorts them. */
        snprintf(
                expected_groups, sizeof(expected_groups), "%u %u ",
                (unsigned) (users->gr_gid < NOBODY ? users->gr_gid : NOBODY),
                (unsigned) (users->gr_gid < NOBODY ? NOBODY : users->gr_gid));
        CU_ASSERT_STRING_EQUAL(groups, expected_groups);
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        ur_context_free(ctx);
}

/* Numeric ids work, and Group= overrides the user's primary group. */
static void test_numeric_user_group(void)
{
        char *argv[] = { "sleep", "100", NULL };
        ur_context *ctx = new_context();
        ur_executor *e = new_exec(ctx, "numeric.service", argv);
        _cleanup_free_ char *uid = NULL, *gid = NULL;

        CU_ASSERT_EQUAL(ur_executor_set_user(e, "4242"), 0); /* no passwd entry needed */
        CU_ASSERT_EQUAL(ur_executor_set_group(e, "4343"), 0);
        CU_ASSERT_EQUAL_FATAL(ur_executor_start(e), 0);
        uid = proc_status_field(ur_executor_get_pid(e), "Uid");
        gid = proc_status_field(ur_executor_get_pid(e), "Gid");
        CU_ASSERT_STRING_EQUAL(uid, "4242\t4242\t4242\t4242");
        CU_ASSERT_STRING_EQUAL(gid, "4343\t4343\t4343\t4343");
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        ur_context_free(ctx);
}

static void test_missing_user(void)
{
        char *argv[] = { "sleep", "100", NULL };
        ur_context *ctx = new_context();
        ur_executor *e = new_exec(ctx, "missing.service", argv);

        CU_ASSERT_EQUAL(ur_executor_set_user(e, "no-such-user-unitrun"), -ESRCH);
        CU_ASSERT_EQUAL(ur_executor_set_group(e, "no-such-group-unitrun"), -ESRCH);
        CU_ASSERT_EQUAL(ur_executor_add_supplementary_group(e, "no-such-group-unitrun"), -ESRCH);
        ur_context_free(ctx);
}

/* Runs fn in a child as nobody; returns its exit status. */
static int run_as_nobody(int (*fn)(void))
{
        pid_t pid = fork();
        int status = 0;

        CU_ASSERT_FATAL(pid >= 0);
        if (pid == 0) {
                gid_t g = NOBODY;
                if (setgroups(1, &g) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
                    setresuid(NOBODY, NOBODY, NOBODY) < 0)
                        _exit(90);
                _exit(fn());
        }
        CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

static int nonroot_set_user(void)
{
        char *argv[] = { "true", NULL };
        ur_context *ctx = NULL;
        ur_executor *e = NULL;
        int r;

        if (ur_context_new(&ctx) < 0 || ur_executor_new(ctx, "n.service", argv, &e) < 0)
                return 91;
        r = ur_executor_set_user(e, "root") == -EPERM ? 0 : 1;
        /* Our own user is no change at all, so it is fine. */
        if (r == 0 && ur_executor_set_user(e, "nobody") != 0)
                r = 2;
        if (r == 0 && ur_executor_add_supplementary_group(e, "users") != -EPERM)
                r = 3;
        ur_context_free(ctx);
        return r;
}

static void test_nonroot_refused(void)
{
        CU_ASSERT_EQUAL(run_as_nobody(nonroot_set_user), 0);
}

/* The run directory, the directories of the unit and their owner and mode. */
static void test_directories(void)
{
        char *argv[] = { "sleep", "100", NULL };
        ur_context *ctx = new_context();
        ur_executor *e = new_exec(ctx, "dirs.service", argv);
        const char *run;
        char path[4096];
        struct stat st;
        _cleanup_free_ char *environ_text = NULL;
        size_t env_len = 0;

        CU_ASSERT_EQUAL(ur_executor_set_user(e, "nobody"), 0);
        CU_ASSERT_EQUAL(ur_executor_add_directory(e, UR_DIRECTORY_RUNTIME, "rt/inner"), 0);
        CU_ASSERT_EQUAL(ur_executor_set_directory_mode(e, UR_DIRECTORY_RUNTIME, 0750), 0);
        CU_ASSERT_EQUAL(ur_executor_add_directory(e, UR_DIRECTORY_STATE, "st"), 0);
        CU_ASSERT_EQUAL(ur_executor_add_directory(e, UR_DIRECTORY_CACHE, "ca"), 0);
        CU_ASSERT_EQUAL(ur_executor_set_directory_mode(e, UR_DIRECTORY_CACHE, 0700), 0);
        CU_ASSERT_EQUAL(ur_executor_add_directory(e, UR_DIRECTORY_LOGS, "lo"), 0);
        CU_ASSERT_EQUAL(ur_executor_add_directory(e, UR_DIRECTORY_CONFIGURATION, "unitrun-test-conf"), 0);
        CU_ASSERT_EQUAL(ur_executor_add_directory(e, UR_DIRECTORY_STATE, "../escape"), -EINVAL);
        CU_ASSERT_EQUAL_FATAL(ur_executor_start(e), 0);
        run = ur_context_get_runtime_dir(ctx);
        CU_ASSERT_PTR_NOT_NULL_FATAL(run);

        CU_ASSERT_EQUAL(stat(run, &st), 0);
        CU_ASSERT_EQUAL(st.st_mode & 07777, 0711);
        snprintf(path, sizeof(path), "%s/rt/inner", run);
        CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
        CU_ASSERT_EQUAL(st.st_uid, NOBODY);
        CU_ASSERT_EQUAL(st.st_gid, NOBODY);
        CU_ASSERT_EQUAL(st.st_mode & 07777, 0750);
        snprintf(path, sizeof(path), "%s/rt", run);
        CU_ASSERT_EQUAL(stat(path, &st), 0);
        CU_ASSERT_EQUAL(st.st_uid, 0); /* only the innermost is the unit's */
        snprintf(path, sizeof(path), "%s/state/st", run);
        CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
        CU_ASSERT_EQUAL(st.st_uid, NOBODY);
        CU_ASSERT_EQUAL(st.st_mode & 07777, 0755);
        snprintf(path, sizeof(path), "%s/cache/ca", run);
        CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
        CU_ASSERT_EQUAL(st.st_uid, NOBODY);
        CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
        snprintf(path, sizeof(path), "%s/logs/lo", run);
        CU_ASSERT_EQUAL(stat(path, &st), 0);
        CU_ASSERT_FALSE(test_dir_exists("/etc/unitrun-test-conf")); /* never made */

        /* The environment names them. */
        snprintf(path, sizeof(path), "/proc/%d/environ", (int) ur_executor_get_pid(e));
        environ_text = test_read_file(path);
        CU_ASSERT_PTR_NOT_NULL_FATAL(environ_text);
        {
                char want[4200];
                char buf[65536];
                ssize_t n = -1;

                /* "Started" is the execve() (its close-on-exec pipe), which the kernel
                 * reports before it has laid out the new environment: until then the
                 * file reads empty. */
                for (int i = 0; i < 200 && n <= 0; i++) {
                        int fd = open(path, O_RDONLY | O_CLOEXEC);

                        n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
                        if (fd >= 0)
                                close(fd);
                        if (n <= 0)
                                usleep(5000);
                }
                CU_ASSERT_FATAL(n > 0);
                env_len = (size_t) n;
                snprintf(want, sizeof(want), "STATE_DIRECTORY=%s/state/st", run);
                CU_ASSERT_TRUE(test_contains(buf, env_len, want));
                snprintf(want, sizeof(want), "RUNTIME_DIRECTORY=%s/rt/inner", run);
                CU_ASSERT_TRUE(test_contains(buf, env_len, want));
                snprintf(want, sizeof(want), "CACHE_DIRECTORY=%s/cache/ca", run);
                CU_ASSERT_TRUE(test_contains(buf, env_len, want));
                snprintf(want, sizeof(want), "LOGS_DIRECTORY=%s/logs/lo", run);
                CU_ASSERT_TRUE(test_contains(buf, env_len, want));
                CU_ASSERT_TRUE(
                        test_contains(buf, env_len, "CONFIGURATION_DIRECTORY=/etc/unitrun-test-conf"));
                CU_ASSERT_TRUE(test_contains(buf, env_len, "USER=nobody"));
        }
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        /* The runtime directory goes at the stop; the state directory stays for the run. */
        snprintf(path, sizeof(path), "%s/rt/inner", run);
        CU_ASSERT_FALSE(test_dir_exists(path));
        snprintf(path, sizeof(path), "%s/state/st", run);
        CU_ASSERT_TRUE(test_dir_exists(path));
        ur_context_free(ctx);
}

/* Root with a private XDG_RUNTIME_DIR (/run/user/0 is 0700): the run directory goes
 * where the unit's user can reach it. */
static void test_private_xdg_runtime_dir(void)
{
        _cleanup_free_ char *xdg = test_path_join(tmp_dir, "xdg"), *notify = test_fixture_path("notify");
        char *saved = getenv("XDG_RUNTIME_DIR") ? strdup(getenv("XDG_RUNTIME_DIR")) : NULL;
        char *argv[] = { notify, "send=READY=1", NULL };
        ur_context *ctx;
        ur_executor *e;
        const char *run;

        CU_ASSERT_EQUAL_FATAL(mkdir(xdg, 0700), 0);
        setenv("XDG_RUNTIME_DIR", xdg, 1);
        ctx = new_context();
        e = new_exec(ctx, "xdg.service", argv);
        CU_ASSERT_EQUAL(ur_executor_set_user(e, "nobody"), 0);
        CU_ASSERT_EQUAL(ur_executor_set_type(e, UR_TYPE_NOTIFY), 0);
        CU_ASSERT_EQUAL(ur_executor_add_directory(e, UR_DIRECTORY_RUNTIME, "x"), 0);
        CU_ASSERT_EQUAL(ur_executor_set_start_timeout(e, 20 * 1000000ULL), 0);
        run = ur_context_get_runtime_dir(ctx);
        CU_ASSERT_PTR_NOT_NULL_FATAL(run);
        CU_ASSERT_NOT_EQUAL(strncmp(run, xdg, strlen(xdg)), 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        ur_context_free(ctx);
        if (saved)
                setenv("XDG_RUNTIME_DIR", saved, 1);
        else
                unsetenv("XDG_RUNTIME_DIR");
        free(saved);
        (void) rmdir(xdg);
}

/* A daemon that drops privileges itself reaches the notify socket. */
static void test_notify_after_setuid(void)
{
        _cleanup_free_ char *privdrop = test_fixture_path("privdrop"), *notify = test_fixture_path("notify");
        char *argv[] = { privdrop, "65534", "65534", notify, "wait=50", "send=READY=1", NULL };
        ur_context *ctx = new_context();
        ur_executor *e = new_exec(ctx, "drop.service", argv);

        CU_ASSERT_EQUAL(ur_executor_set_type(e, UR_TYPE_NOTIFY), 0);
        CU_ASSERT_EQUAL(ur_executor_set_start_timeout(e, 20 * 1000000ULL), 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        if (ur_executor_get_error(e))
                fprintf(stderr, "\n    %s\n", ur_executor_get_error(e));
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        ur_context_free(ctx);
}

/* The same for a unit we start as another user: its NOTIFY_SOCKET is reachable by it. */
static void test_notify_as_user(void)
{
        _cleanup_free_ char *notify = test_fixture_path("notify");
        char *argv[] = { notify, "wait=50", "send=READY=1", NULL };
        ur_context *ctx = new_context();
        ur_executor *e = new_exec(ctx, "asuser.service", argv);
        _cleanup_free_ char *uid = NULL;

        CU_ASSERT_EQUAL(ur_executor_set_user(e, "nobody"), 0);
        CU_ASSERT_EQUAL(ur_executor_set_type(e, UR_TYPE_NOTIFY), 0);
        CU_ASSERT_EQUAL(ur_executor_set_start_timeout(e, 20 * 1000000ULL), 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        if (ur_executor_get_error(e))
                fprintf(stderr, "\n    %s\n", ur_executor_get_error(e));
        uid = proc_status_field(ur_executor_get_pid(e), "Uid");
        CU_ASSERT_STRING_EQUAL(uid, "65534\t65534\t65534\t65534");
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        ur_context_free(ctx);
}

/* A notify unit that times out says whether it heard anything. */
static void test_notify_timeout_message(void)
{
        _cleanup_free_ char *notify = test_fixture_path("notify");
        char *argv[] = { notify, "send=STATUS=working", NULL };
        char *silent_argv[] = { "sleep", "100", NULL };
        ur_context *ctx = new_context();
        ur_executor *e = new_exec(ctx, "talk.service", argv);
        ur_executor *s = new_exec(ctx, "silent.service", silent_argv);

        CU_ASSERT_EQUAL(ur_executor_set_type(e, UR_TYPE_NOTIFY), 0);
        CU_ASSERT_EQUAL(ur_executor_set_start_timeout(e, 1000000ULL), 0);
        CU_ASSERT_EQUAL(ur_executor_start(e), UR_TIMED_OUT);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ur_executor_get_error(e));
        CU_ASSERT_PTR_NOT_NULL(strstr(ur_executor_get_error(e), "1 sd_notify message received"));

        CU_ASSERT_EQUAL(ur_executor_set_type(s, UR_TYPE_NOTIFY), 0);
        CU_ASSERT_EQUAL(ur_executor_set_start_timeout(s, 500000ULL), 0);
        CU_ASSERT_EQUAL(ur_executor_start(s), UR_TIMED_OUT);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ur_executor_get_error(s));
        CU_ASSERT_PTR_NOT_NULL(strstr(ur_executor_get_error(s), "0 sd_notify messages received"));
        ur_context_free(ctx);
}

/* In a user namespace where only uid 0 and gid 0/65534 are mapped, setgroups and
 * setresgid succeed and setresuid(65534) fails with EINVAL: a real failure of exactly that
 * step, reported as an exec failure. Runs in a child (the namespace is per process). */
static int setresuid_failure_child(int sync_fd)
{
        char *argv[] = { "/bin/true", NULL };
        ur_context *ctx = NULL;
        ur_executor *e = NULL;
        char c;
        int r;

        if (read(sync_fd, &c, 1) != 1)
                return 92;
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                return 93;
        setenv("UNITRUN_NO_CGROUP", "1", 1);
        if (ur_context_new(&ctx) < 0 || ur_executor_new(ctx, "ns.service", argv, &e) < 0)
                return 94;
        if (ur_executor_set_user(e, "nobody") < 0)
                return 95;
        r = ur_executor_start(e);
        if (r != UR_EXEC_FAILED || ur_executor_get_errno(e) != EINVAL) {
                fprintf(stderr, "start: %s, errno %d; %s\n", test_outcome_name(r), ur_executor_get_errno(e),
                        ur_executor_get_error(e) ? ur_executor_get_error(e) : "(no message)");
                return 1;
        }
        if (!strstr(ur_executor_get_error(e), "setresuid")) {
                fprintf(stderr, "message: %s\n", ur_executor_get_error(e));
                return 2;
        }
        ur_context_free(ctx);
        return 0;
}

/* One write(), as the kernel wants for these files (and no fchmod: it is /proc). */
static int write_map(pid_t pid, const char *file, const char *content)
{
        char path[64];
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = write(fd, content, strlen(content));
        close(fd);
        return n == (ssize_t) strlen(content) ? 0 : -EIO;
}

static void test_setresuid_failure(void)
{
        int go[2], ready[2], status = 0;
        pid_t pid;
        char c = 1;

        CU_ASSERT_EQUAL_FATAL(pipe(go), 0);
        CU_ASSERT_EQUAL_FATAL(pipe(ready), 0);
        pid = fork();
        CU_ASSERT_FATAL(pid >= 0);
        if (pid == 0) {
                close(go[1]);
                close(ready[0]);
                if (unshare(CLONE_NEWUSER) < 0)
                        _exit(77);
                (void) !write(ready[1], &c, 1);
                close(ready[1]);
                _exit(setresuid_failure_child(go[0]));
        }
        close(go[0]);
        close(ready[1]);
        if (read(ready[0], &c, 1) == 1) {
                /* Written by root from outside: several lines, setgroups stays allowed. */
                CU_ASSERT_EQUAL(write_map(pid, "uid_map", "0 0 1\n"), 0);
                CU_ASSERT_EQUAL(write_map(pid, "gid_map", "0 0 1\n65534 65534 1\n"), 0);
        }
        (void) !write(go[1], &c, 1);
        close(go[1]);
        close(ready[0]);
        CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
                fprintf(stderr, "\n    skipped: no user namespaces here\n");
                return;
        }
        CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* UMask=, Nice=, OOMScoreAdjust=, LimitNOFILE=, NoNewPrivileges=, capabilities. */
static void test_attributes(void)
{
        char *argv[] = { "sleep", "100", NULL };
        ur_context *ctx = new_context();
        ur_executor *e = new_exec(ctx, "attrs.service", argv);
        _cleanup_free_ char *umask_text = NULL, *nnp = NULL, *bnd = NULL, *amb = NULL, *oom = NULL,
                            *limits = NULL;
        char path[64];
        const char *line;
        unsigned long long soft = 0, hard = 0;
        pid_t pid;

        CU_ASSERT_EQUAL(ur_executor_set_user(e, "nobody"), 0);
        CU_ASSERT_EQUAL(ur_executor_set_umask(e, 0027), 0);
        CU_ASSERT_EQUAL(ur_executor_set_nice(e, 7), 0);
        CU_ASSERT_EQUAL(ur_executor_set_nice(e, 20), -EINVAL);
        CU_ASSERT_EQUAL(ur_executor_set_oom_score_adjust(e, 321), 0);
        CU_ASSERT_EQUAL(ur_executor_set_rlimit(e, RLIMIT_NOFILE, 1234, 2345), 0);
        CU_ASSERT_EQUAL(ur_executor_set_rlimit(e, RLIMIT_NOFILE, 3, 2), -EINVAL);
        CU_ASSERT_EQUAL(ur_executor_set_no_new_privileges(e, true), 0);
        CU_ASSERT_EQUAL(ur_executor_set_capability_bounding_set(e, CAP_NET_BIND_SERVICE_BIT), 0);
        CU_ASSERT_EQUAL(ur_executor_set_ambient_capabilities(e, CAP_NET_BIND_SERVICE_BIT), 0);
        CU_ASSERT_EQUAL_FATAL(ur_executor_start(e), 0);
        pid = ur_executor_get_pid(e);

        umask_text = proc_status_field(pid, "Umask");
        nnp = proc_status_field(pid, "NoNewPrivs");
        bnd = proc_status_field(pid, "CapBnd");
        amb = proc_status_field(pid, "CapAmb");
        CU_ASSERT_STRING_EQUAL(umask_text, "0027");
        CU_ASSERT_STRING_EQUAL(nnp, "1");
        CU_ASSERT_STRING_EQUAL(bnd, "0000000000000400");
        CU_ASSERT_STRING_EQUAL(amb, "0000000000000400");
        CU_ASSERT_EQUAL(getpriority(PRIO_PROCESS, (id_t) pid), 7);
        snprintf(path, sizeof(path), "/proc/%d/limits", (int) pid);
        limits = test_read_file(path);
        CU_ASSERT_PTR_NOT_NULL_FATAL(limits);
        line = strstr(limits, "Max open files");
        CU_ASSERT_PTR_NOT_NULL_FATAL(line);
        CU_ASSERT_EQUAL(sscanf(line, "Max open files %llu %llu", &soft, &hard), 2);
        CU_ASSERT_EQUAL(soft, 1234);
        CU_ASSERT_EQUAL(hard, 2345);
        snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int) pid);
        oom = test_read_file(path);
        CU_ASSERT_PTR_NOT_NULL_FATAL(oom);
        CU_ASSERT_EQUAL(atoi(oom), 321);
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        ur_context_free(ctx);
}

/* A limit above our own hard limit: raised where we may (CAP_SYS_RESOURCE), else the
 * closest value, as systemd does; never a failed start. */
static void test_rlimit_closest(void)
{
        char *argv[] = { "sleep", "100", NULL };
        ur_context *ctx = new_context();
        ur_executor *e = new_exec(ctx, "limit.service", argv);
        struct rlimit ours, theirs;
        rlim_t want;

        CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_NOFILE, &ours), 0);
        want = ours.rlim_max + 1000;
        CU_ASSERT_EQUAL(ur_executor_set_rlimit(e, RLIMIT_NOFILE, want, want), 0);
        CU_ASSERT_EQUAL_FATAL(ur_executor_start(e), 0);
        CU_ASSERT_EQUAL(prlimit(ur_executor_get_pid(e), RLIMIT_NOFILE, NULL, &theirs), 0);
        CU_ASSERT_TRUE(theirs.rlim_max == want || theirs.rlim_max == ours.rlim_max);
        CU_ASSERT_EQUAL(theirs.rlim_cur, theirs.rlim_max);
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        ur_context_free(ctx);
}

/* "+" runs a command with full privileges, "!" without the user change. */
static void test_privilege_prefixes(void)
{
        _cleanup_free_ char *out = test_path_join(tmp_dir, "prefix.out");
        char *argv[] = { "sleep", "100", NULL };
        char cmd[4200];
        ur_context *ctx = new_context();
        ur_executor *e = new_exec(ctx, "prefix.service", argv);
        _cleanup_free_ char *text = NULL, *uid = NULL;

        snprintf(cmd, sizeof(cmd), "/bin/sh -c 'id -u >> %s'", out);
        CU_ASSERT_EQUAL(ur_executor_set_user(e, "nobody"), 0);
        CU_ASSERT_EQUAL(ur_executor_add_command(e, UR_EXEC_START_PRE, cmd, UR_COMMAND_PRIVILEGED), 0);
        CU_ASSERT_EQUAL(ur_executor_add_command(e, UR_EXEC_START_PRE, cmd, UR_COMMAND_NO_SETUID), 0);
        CU_ASSERT_EQUAL_FATAL(ur_executor_start(e), 0);
        text = test_read_file(out);
        CU_ASSERT_STRING_EQUAL(text, "0\n0\n");
        uid = proc_status_field(ur_executor_get_pid(e), "Uid");
        CU_ASSERT_STRING_EQUAL(uid, "65534\t65534\t65534\t65534");
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        ur_context_free(ctx);
}

/* Without a prefix the same ExecStartPre= runs as the user; with PermissionsStartOnly= as
 * root again. */
static void test_permissions_start_only(void)
{
        _cleanup_free_ char *out = test_path_join(tmp_dir, "pso.out");
        char *argv[] = { "sleep", "100", NULL };
        char cmd[4200];
        ur_context *ctx = new_context();
        ur_executor *e = new_exec(ctx, "pso.service", argv);
        _cleanup_free_ char *text = NULL;

        /* nobody may not write in tmp_dir: go through a file it owns. */
        CU_ASSERT_EQUAL(test_write_file(out, "", 0666), 0);
        CU_ASSERT_EQUAL(chmod(out, 0666), 0);
        snprintf(cmd, sizeof(cmd), "/bin/sh -c 'id -u >> %s'", out);
        CU_ASSERT_EQUAL(ur_executor_set_user(e, "nobody"), 0);
        CU_ASSERT_EQUAL(ur_executor_add_command(e, UR_EXEC_START_PRE, cmd, 0), 0);
        CU_ASSERT_EQUAL_FATAL(ur_executor_start(e), 0);
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        CU_ASSERT_EQUAL(ur_executor_set_permissions_start_only(e, true), 0);
        CU_ASSERT_EQUAL_FATAL(ur_executor_start(e), 0);
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        text = test_read_file(out);
        CU_ASSERT_STRING_EQUAL(text, "65534\n0\n");
        ur_context_free(ctx);
}

static char *run_oneshot_cat(ur_context *ctx, const char *name, void (*setup)(ur_executor *e))
{
        _cleanup_free_ char *out = test_path_join(tmp_dir, name);
        char cmd[4200];
        ur_executor *e = NULL;

        snprintf(cmd, sizeof(cmd), "cat > %s", out);
        CU_ASSERT_EQUAL_FATAL(ur_executor_new_shell(ctx, name, cmd, &e), 0);
        CU_ASSERT_EQUAL(ur_executor_set_type(e, UR_TYPE_ONESHOT), 0);
        setup(e);
        CU_ASSERT_EQUAL(ur_executor_start(e), 0);
        return test_read_file(out);
}

static void setup_data(ur_executor *e)
{
        CU_ASSERT_EQUAL(ur_executor_set_stdin_data(e, "hello\0world\n", 12), 0);
}

static void setup_file(ur_executor *e)
{
        _cleanup_free_ char *in = test_path_join(tmp_dir, "stdin.in");

        CU_ASSERT_EQUAL(test_write_file(in, "from a file\n", 0644), 0);
        CU_ASSERT_EQUAL(ur_executor_set_stdin(e, UR_STDIN_FILE, in), 0);
}

static void setup_null(ur_executor *e)
{
}

static void test_stdin(void)
{
        ur_context *ctx = new_context();
        _cleanup_free_ char *data = run_oneshot_cat(ctx, "data.out", setup_data);
        _cleanup_free_ char *file = run_oneshot_cat(ctx, "file.out", setup_file);
        _cleanup_free_ char *null = run_oneshot_cat(ctx, "null.out", setup_null);
        _cleanup_free_ char *data_path = test_path_join(tmp_dir, "data.out");
        struct stat st;

        CU_ASSERT_EQUAL(stat(data_path, &st), 0);
        CU_ASSERT_EQUAL(st.st_size, 12);
        CU_ASSERT_STRING_EQUAL(data, "hello"); /* up to the NUL */
        CU_ASSERT_STRING_EQUAL(file, "from a file\n");
        CU_ASSERT_STRING_EQUAL(null, "");
        ur_context_free(ctx);
}

/* UR_STDIN_PIPE: what the caller writes, the unit reads; closing is end of file. */
static void test_stdin_pipe(void)
{
        _cleanup_free_ char *out = test_path_join(tmp_dir, "pipe.out");
        char cmd[4200];
        ur_context *ctx = new_context();
        ur_executor *e = NULL;
        _cleanup_free_ char *text = NULL;
        int fd;

        snprintf(cmd, sizeof(cmd), "cat > %s.tmp && mv %s.tmp %s && sleep 100", out, out, out);
        CU_ASSERT_EQUAL_FATAL(ur_executor_new_shell(ctx, "pipe.service", cmd, &e), 0);
        CU_ASSERT_EQUAL(ur_executor_set_stdin(e, UR_STDIN_PIPE, NULL), 0);
        CU_ASSERT_EQUAL(ur_executor_get_stdin_fd(e), -1);
        CU_ASSERT_EQUAL(ur_executor_add_ready_file(e, out), 0);
        CU_ASSERT_EQUAL(ur_executor_start_begin(e), 0);
        fd = ur_executor_get_stdin_fd(e);
        CU_ASSERT_FATAL(fd >= 0);
        CU_ASSERT_EQUAL(write(fd, "piped\n", 6), 6);
        ur_executor_close_stdin(e);
        CU_ASSERT_EQUAL(ur_executor_get_stdin_fd(e), -1);
        while (ur_executor_get_state(e) == UR_STATE_STARTING)
                ur_context_dispatch(ctx, 1000);
        CU_ASSERT_EQUAL(ur_executor_get_state(e), UR_STATE_RUNNING);
        text = test_read_file(out);
        CU_ASSERT_STRING_EQUAL(text, "piped\n");
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
        ur_context_free(ctx);
}

/* The CLI: a unit file whose User= does not exist, and User=root when not root: 65,
 * nothing started. */
static int
run_cli_command(const char *as_nobody, const char *unit, const char *command, char *out, size_t size)
{
        const char *unitrun = getenv("UNITRUN");
        char cmd[8192];
        FILE *f;
        size_t n;
        int status;

        snprintf(
                cmd, sizeof(cmd), "%s %s run %s -- %s 2>&1", as_nobody ? as_nobody : "", unitrun, unit,
                command);
        f = popen(cmd, "r");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        n = fread(out, 1, size - 1, f);
        out[n] = 0;
        status = pclose(f);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run_cli(const char *as_nobody, const char *unit, char *out, size_t size)
{
        return run_cli_command(as_nobody, unit, "true", out, size);
}

/* A unit file end to end: the keys reach the process. */
static void test_cli_unit_file(void)
{
        _cleanup_free_ char *path = test_path_join(tmp_dir, "keys.service");
        char out[8192];

        if (!getenv("UNITRUN")) {
                fprintf(stderr, "\n    skipped: UNITRUN is not set\n");
                return;
        }
        CU_ASSERT_EQUAL_FATAL(
                test_write_file(
                        path,
                        "[Service]\n"
                        "Type=oneshot\n"
                        "User=nobody\n"
                        "StateDirectory=st\n"
                        "StandardInputText=hello\n"
                        "LimitNOFILE=777\n"
                        "UMask=0077\n"
                        "ExecStartPre=+/bin/sh -c 'id -u > /dev/null'\n"
                        "ExecStart=/bin/sh -c 'cd \"$STATE_DIRECTORY\" && cat > in && id -u >> in && ulimit "
                        "-n >> in "
                        "&& stat -c %%U:%%a . >> in && umask >> in'\n",
                        0644),
                0);
        CU_ASSERT_EQUAL(
                run_cli_command(
                        NULL, path, "sh -c 'cat \"$UNITRUN_RUNTIME_DIR/state/st/in\"'", out, sizeof(out)),
                0);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "hello\n65534\n777\nnobody:755\n0077\n"));
        if (!strstr(out, "hello\n65534\n777\nnobody:755\n0077\n"))
                fprintf(stderr, "\n    got: %s\n", out);
}

static void test_cli_refusals(void)
{
        _cleanup_free_ char *missing = test_path_join(tmp_dir, "missing.service");
        _cleanup_free_ char *other = test_path_join(tmp_dir, "other.service");
        _cleanup_free_ char *marker = test_path_join(tmp_dir, "started");
        _cleanup_free_ char *setpriv = test_find_program("setpriv");
        char unit[4200], out[8192], as_nobody[4200];

        if (!getenv("UNITRUN")) {
                fprintf(stderr, "\n    skipped: UNITRUN is not set\n");
                return;
        }
        snprintf(
                unit, sizeof(unit), "[Service]\nUser=no-such-user-unitrun\nExecStart=/bin/touch %s\n",
                marker);
        CU_ASSERT_EQUAL_FATAL(test_write_file(missing, unit, 0644), 0);
        CU_ASSERT_EQUAL(run_cli(NULL, missing, out, sizeof(out)), 65);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "missing.service:2: User=no-such-user-unitrun: no such user"));
        CU_ASSERT_FALSE(test_file_exists(marker));

        if (!setpriv) {
                fprintf(stderr, "\n    skipped the non-root case: setpriv is not installed\n");
                return;
        }
        snprintf(unit, sizeof(unit), "[Service]\nUser=root\nExecStart=/bin/touch %s\n", marker);
        CU_ASSERT_EQUAL_FATAL(test_write_file(other, unit, 0644), 0);
        snprintf(as_nobody, sizeof(as_nobody), "%s --reuid=65534 --regid=65534 --clear-groups", setpriv);
        CU_ASSERT_EQUAL(run_cli(as_nobody, other, out, sizeof(out)), 65);
        CU_ASSERT_PTR_NOT_NULL(
                strstr(out, "other.service:2: User=root: unitrun runs as uid 65534, not root"));
        CU_ASSERT_FALSE(test_file_exists(marker));
}

int main(void)
{
        static CU_TestInfo tests[] = {
                { "User= and SupplementaryGroups= in /proc/PID/status", test_user_and_groups },
                { "numeric User= and Group=", test_numeric_user_group },
                { "a missing user or group is refused", test_missing_user },
                { "not root: another user is refused", test_nonroot_refused },
                { "directories: place, owner, mode, environment", test_directories },
                { "READY=1 after the daemon dropped privileges", test_notify_after_setuid },
                { "READY=1 from a unit run as another user", test_notify_as_user },
                { "root with a private XDG_RUNTIME_DIR", test_private_xdg_runtime_dir },
                { "a notify timeout says what was received", test_notify_timeout_message },
                { "a setresuid failure is an exec failure", test_setresuid_failure },
                { "UMask= Nice= OOMScoreAdjust= LimitNOFILE= NoNewPrivileges= capabilities",
                  test_attributes },
                { "a limit above ours gets the closest value", test_rlimit_closest },
                { "+ and ! prefixes", test_privilege_prefixes },
                { "PermissionsStartOnly=", test_permissions_start_only },
                { "standard input: data, file, null", test_stdin },
                { "standard input: a pipe the caller writes", test_stdin_pipe },
                { "CLI: a unit file's process keys reach the process", test_cli_unit_file },
                { "CLI: missing user, non-root User=root: 65", test_cli_refusals },
                CU_TEST_INFO_NULL,
        };
        int r;

        if (geteuid() != 0) {
                fprintf(stderr, "skipped: User= and friends need root\n");
                return 77;
        }
        if (!getenv("FIXTURE_DIR")) {
                fprintf(stderr, "skipped: the fixtures are not found (set FIXTURE_DIR)\n");
                return 77;
        }
        tmp_dir = test_make_temp_dir();
        if (!tmp_dir || chmod(tmp_dir, 0755) < 0)
                return 99;
        r = cunit_run_tests("process", tests);
        tmp_dir = test_remove_temp_dir(tmp_dir);
        return r;
}

/* Torture: nothing survives. Each case starts a unit that builds an awkward process tree
 * (torture-proc, or the forker fixture), ends the run one way or another, and asserts
 * zero survivors (every process the fixture recorded as "PID STARTTIME" is dead; a zombie
 * counts as dead), zero leftovers (no cgroup directory left in the case's box: neither
 * the unit's leaf nor the run's unitrun-<pid>; no runtime directory unitrun.<pid>.*), and
 * that nothing at all of the run is still alive (the box is unpopulated, and no orphan
 * came back to us, the subreaper).
 *
 *   test-torture GROUP      (UNITRUN_NO_CGROUP=1 selects the fallback path)
 *     cli-stop    `unitrun run UNITS -- COMMAND`, COMMAND exits: the orderly teardown
 *     cli-kill    the same, unitrun SIGKILLed while COMMAND runs
 *     lib-stop    torture-host (libunitrun embedded): ur_context_stop_all()
 *     lib-exit    torture-host calls _exit(0) with its executors running
 *     start-kill  unitrun SIGKILLed while a unit is not ready yet
 *     signals     SIGINT, SIGTERM, SIGHUP during start, COMMAND and stop; a second SIGINT
 *
 * A case the fallback cannot honestly guarantee is skipped on the fallback path, saying
 * why. Every case kills what it started (its box, the recorded processes, our adopted
 * children), even when an assertion failed, and every wait has a deadline. */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cunit-main.h"
#include "test-assert.h"
#include "test-util.h"
#include "torture-util.h"

/* The SIGKILL cases: SPEC §2 says within one second; we allow three (2 loaded cores). */
#define KILL_DEADLINE_MS 3000
#define LAUNCHER_TIMEOUT_MS 60000

static bool fallback_mode;
static const char *unitrun_bin, *proc_bin, *forker_bin, *host_bin;

/* ---- Shapes: the process trees ---------------------------------------------------------- */

enum outcome {
        CLEAN,      /* the stop is clean: exit 0 */
        STOP_ERROR, /* something needed the final kill: a stop error (70, UR_STOP_FAILED) */
        EITHER,     /* racy by nature (a storm forking while TERM goes round) */
};

struct shape {
        const char *name;
        bool forker;      /* the forker fixture, not torture-proc */
        const char *mode; /* argv[1] */
        const char *extra[4];
        int records; /* processes recorded (at least, for the storm) */
        bool at_least;
        bool forking; /* Type=forking with PIDFile=; else Type=notify */
        int stop_ms;
        enum outcome outcome;
        /* Non-NULL: why the fallback cannot honestly guarantee this shape; per end. */
        const char *fallback_stop;   /* lib-stop: the library stops it (no subreaper) */
        const char *fallback_killed; /* the launcher dies: the guardian's session kill */
        const char *fallback_cli;    /* cli-stop: unitrun, subreaper, kills adopted orphans */
};

#define STORM_LIVE "500"
#define STORM_CAP "1500"
#define STORM_LIFETIME "90"

#define SETSID_STOP                                                                                         \
        "a setsid()'ed grandchild whose parent died is outside the unit's session and no longer a "         \
        "descendant of the library's host: without a cgroup nothing finds it"
#define SETSID_KILLED                                                                                       \
        "a setsid()'ed grandchild whose parent died is outside every recorded session: with the "           \
        "launcher gone, the guardian's session kill cannot reach it"
#define DAEMON_SETSID                                                                                       \
        "a daemon that setsid()s is outside the unit's session: the fallback refuses its PIDFile= PID "     \
        "(\"not a process of this unit\") and could not stop it"

/* Designated: what a row does not say is false, NULL, no extra arguments, CLEAN. */
static const struct shape shapes[] = {
        { .name = "background-child", .forker = true, .mode = "child", .records = 2, .stop_ms = 5000 },
        { .name = "double-fork", .forker = true, .mode = "double", .records = 2, .stop_ms = 5000 },
        { .name = "double-fork-setsid",
          .forker = true,
          .mode = "double-setsid",
          .records = 2,
          .stop_ms = 5000,
          .fallback_stop = SETSID_STOP,
          .fallback_killed = SETSID_KILLED },
        { .name = "env-i-setsid",
          .forker = true,
          .mode = "env-setsid",
          .records = 2,
          .stop_ms = 5000,
          .fallback_stop = SETSID_STOP,
          .fallback_killed = SETSID_KILLED },
        { .name = "grandchild-ignores-term",
          .mode = "term-grandchild",
          .records = 3,
          .stop_ms = 1000,
          .outcome = STOP_ERROR },
        { .name = "sigstopped", .mode = "stopped", .records = 2, .stop_ms = 5000 },
        { .name = "pgrp-and-argv", .mode = "regroup", .records = 2, .stop_ms = 5000 },
        { .name = "fork-storm",
          .mode = "storm",
          .extra = { STORM_LIVE, STORM_CAP, STORM_LIFETIME, NULL },
          .records = 500,
          .at_least = true,
          .stop_ms = 5000,
          .outcome = EITHER },
        { .name = "forking-daemon", .mode = "forking", .records = 2, .forking = true, .stop_ms = 5000 },
        { .name = "forking-daemon-setsid",
          .mode = "forking",
          .extra = { "setsid", NULL },
          .records = 2,
          .forking = true,
          .stop_ms = 5000,
          .fallback_stop = DAEMON_SETSID,
          .fallback_killed = DAEMON_SETSID,
          .fallback_cli = DAEMON_SETSID },
};

#define N_SHAPES (sizeof(shapes) / sizeof(shapes[0]))
/* The companion unit: torture-proc tree (main, child, grandchild). */
#define COMPANION_RECORDS 3

/* ---- One case's state ---------------------------------------------------------------------- */

typedef struct tcase {
        char *dir;
        char *box;
        char pids[PATH_MAX];      /* the shape's records */
        char comp_pids[PATH_MAX]; /* the companion's */
        char main_pid[PATH_MAX];  /* Type=forking PID file */
        char log[PATH_MAX];
        char trigger[PATH_MAX], go[PATH_MAX];
        pid_t launcher;
        unsigned failures_before;
} tcase;

static bool tcase_init(tcase *t, const char *name)
{
        memset(t, 0, sizeof(*t));
        t->failures_before = CU_get_number_of_failures();
        t->dir = test_make_temp_dir();
        CU_ASSERT_PTR_NOT_NULL(t->dir);
        if (!t->dir)
                return false;
        snprintf(t->pids, sizeof(t->pids), "%s/unit.pids", t->dir);
        snprintf(t->comp_pids, sizeof(t->comp_pids), "%s/companion.pids", t->dir);
        snprintf(t->main_pid, sizeof(t->main_pid), "%s/daemon.pid", t->dir);
        snprintf(t->log, sizeof(t->log), "%s/launcher.log", t->dir);
        snprintf(t->trigger, sizeof(t->trigger), "%s/command-started", t->dir);
        snprintf(t->go, sizeof(t->go), "%s/go", t->dir);
        if (torture_have_boxes()) {
                t->box = box_new(name);
                CU_ASSERT_PTR_NOT_NULL(t->box);
                if (!t->box)
                        return false;
        }
        return true;
}

static void print_log(const tcase *t)
{
        char *text = test_read_file(t->log);

        if (text && *text) {
                size_t len = strlen(text);
                /* The end is what matters; a storm's launcher log can be long. */
                fprintf(stderr, "\n    --- launcher output%s ---\n%s    ---\n",
                        len > 6000 ? " (last 6000 bytes)" : "", len > 6000 ? text + len - 6000 : text);
        }
        free(text);
}

/* Kills whatever is left (only when the code under test failed to), then removes it all. */
static void tcase_done(tcase *t)
{
        char leftovers[4096];
        int killed = 0;

        if (t->launcher > 0) {
                int status;
                if (!torture_wait(t->launcher, 0, &status)) {
                        (void) kill(t->launcher, SIGKILL);
                        (void) torture_wait(t->launcher, 5000, &status);
                }
        }
        if (t->dir) {
                killed += torture_kill_recorded(t->pids);
                killed += torture_kill_recorded(t->comp_pids);
        }
        box_destroy(t->box);
        killed += torture_kill_children();
        if (killed)
                fprintf(stderr, "\n    cleanup: killed %d process(es) the run left\n", killed);
        if (torture_runtime_leftovers(leftovers, sizeof(leftovers)) > 0) {
                /* Remove them so that the next case starts clean. */
                char *line, *save = NULL;
                for (line = strtok_r(leftovers, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                        char *p = test_path_join(torture_runtime_base(), line);
                        test_remove_temp_dir(p);
                }
        }
        if (CU_get_number_of_failures() > t->failures_before)
                print_log(t);
        t->dir = test_remove_temp_dir(t->dir);
}

/* ---- Spawning --------------------------------------------------------------------------------- */

/* The shape's command line, for argv or ExecStart= (no quoting needed: our paths are plain). */
static int shape_argv(const struct shape *s, const tcase *t, char **argv, int max)
{
        int n = 0;

        argv[n++] = (char *) (s->forker ? forker_bin : proc_bin);
        argv[n++] = (char *) s->mode;
        argv[n++] = (char *) t->pids;
        if (s->forking)
                argv[n++] = (char *) t->main_pid;
        for (int i = 0; s->extra[i] && n < max - 1; i++)
                argv[n++] = (char *) s->extra[i];
        argv[n] = NULL;
        return n;
}

static char *write_unit(
        const tcase *t, const char *name, const char *type, char *const argv[], int stop_ms,
        const char *extra)
{
        char *path = test_path_join(t->dir, name);
        char text[8192];
        size_t len;

        len = (size_t) snprintf(text, sizeof(text), "[Service]\nType=%s\nExecStart=", type);
        for (int i = 0; argv[i]; i++)
                len += (size_t) snprintf(text + len, sizeof(text) - len, "%s%s", i ? " " : "", argv[i]);
        snprintf(
                text + len, sizeof(text) - len, "\nTimeoutStartSec=60s\nTimeoutStopSec=%dms\n%s", stop_ms,
                extra ? extra : "");
        if (!path || test_write_file(path, text, 0644) < 0) {
                free(path);
                return NULL;
        }
        return path;
}

/* `unitrun run --verbose UNIT-FILES... -- torture-proc command TRIGGER GO 60` in the box. */
static pid_t spawn_unitrun(tcase *t, char *const units[])
{
        char *argv[32];
        int n = 0;

        argv[n++] = (char *) unitrun_bin;
        argv[n++] = (char *) "run";
        argv[n++] = (char *) "--verbose";
        for (int i = 0; units[i]; i++)
                argv[n++] = units[i];
        argv[n++] = (char *) "--";
        argv[n++] = (char *) proc_bin;
        argv[n++] = (char *) "command";
        argv[n++] = t->trigger;
        argv[n++] = t->go;
        argv[n++] = (char *) "60";
        argv[n] = NULL;
        t->launcher = torture_spawn(t->box, argv, t->log, NULL);
        return t->launcher;
}

/* Waits until FILE exists while the launcher is alive; false on its exit or the deadline. */
static bool
wait_file_while_running(tcase *t, const char *file, int timeout_ms, int *ret_status, bool *ret_exited)
{
        uint64_t deadline = torture_now_ms() + (uint64_t) timeout_ms;

        *ret_exited = false;
        for (;;) {
                if (test_file_exists(file))
                        return true;
                if (torture_wait(t->launcher, 0, ret_status)) {
                        *ret_exited = true;
                        t->launcher = 0;
                        return test_file_exists(file);
                }
                if (torture_now_ms() >= deadline)
                        return false;
                torture_sleep_ms(5);
        }
}

static bool wait_lines_while_running(tcase *t, const char *file, int lines, int timeout_ms)
{
        uint64_t deadline = torture_now_ms() + (uint64_t) timeout_ms;
        int status;

        while (torture_count_lines(file) < lines) {
                if (torture_wait(t->launcher, 0, &status)) {
                        fprintf(stderr, "\n    launcher exited (%d) before %s had %d lines\n",
                                torture_exit_code(status), file, lines);
                        t->launcher = 0;
                        return false;
                }
                if (torture_now_ms() >= deadline)
                        return false;
                torture_sleep_ms(5);
        }
        return true;
}

/* Waits for the launcher's exit (bounded): its exit code, or -1 after SIGKILLing it. */
static int wait_launcher(tcase *t, int timeout_ms)
{
        int status;

        if (!torture_wait(t->launcher, timeout_ms, &status)) {
                fprintf(stderr, "\n    launcher %d did not exit within %d ms: killing it\n",
                        (int) t->launcher, timeout_ms);
                (void) kill(t->launcher, SIGKILL);
                (void) torture_wait(t->launcher, 5000, &status);
                t->launcher = 0;
                return -1;
        }
        t->launcher = 0;
        return torture_exit_code(status);
}

/* ---- Checks ----------------------------------------------------------------------------------- */

/* The tree really was built: every record is alive (else "all dead" would prove nothing). */
static void assert_tree_alive(const char *pid_file, int expected, bool at_least)
{
        int alive = 0, n;
        char buf[256];

        n = torture_count_alive(pid_file, &alive, buf, sizeof(buf));
        if (at_least) {
                CU_ASSERT_TRUE(n >= expected);
        } else {
                CU_ASSERT_EQUAL(n, expected);
        }
        if (alive != n)
                fprintf(stderr, "\n    %s: %d of %d recorded processes alive before the teardown\n",
                        pid_file, alive, n);
        CU_ASSERT_EQUAL(alive, n);
}

struct leftovers {
        int alive; /* recorded processes alive */
        int records;
        int comp_alive;
        bool populated; /* the box */
        int children;   /* live adopted children of ours */
        int runtime;    /* runtime dirs */
        bool cgroups;   /* cgroup dirs in the box */
        char survivors[1024], comp_survivors[512], child_list[1024], runtime_list[512];
        char *subdirs;
};

static bool leftovers_none(struct leftovers *l, const tcase *t)
{
        free(l->subdirs);
        memset(l, 0, sizeof(*l));
        l->records = torture_count_alive(t->pids, &l->alive, l->survivors, sizeof(l->survivors));
        if (test_file_exists(t->comp_pids))
                (void) torture_count_alive(
                        t->comp_pids, &l->comp_alive, l->comp_survivors, sizeof(l->comp_survivors));
        l->populated = t->box && box_populated(t->box);
        l->subdirs = box_subdirs(t->box);
        l->cgroups = l->subdirs && *l->subdirs;
        l->children = torture_live_children(l->child_list, sizeof(l->child_list));
        l->runtime = torture_runtime_leftovers(l->runtime_list, sizeof(l->runtime_list));
        return l->alive == 0 && l->comp_alive == 0 && !l->populated && !l->cgroups && l->children == 0 &&
               l->runtime == 0;
}

/* Asserts that nothing of the run is left, polling up to deadline_ms (0: now, as after an
 * orderly return). Returns the milliseconds it took. */
static uint64_t assert_nothing_left(const tcase *t, int expected_records, bool at_least, int deadline_ms)
{
        uint64_t begin = torture_now_ms(), took;
        struct leftovers l = { 0 };
        bool none;

        while (!(none = leftovers_none(&l, t)) && torture_now_ms() < begin + (uint64_t) deadline_ms)
                torture_sleep_ms(10);
        took = torture_now_ms() - begin;

        if (at_least) {
                CU_ASSERT_TRUE(l.records >= expected_records);
        } else {
                CU_ASSERT_EQUAL(l.records, expected_records);
        }
        if (l.alive)
                fprintf(stderr, "\n    %d recorded process(es) survived:\n%s", l.alive, l.survivors);
        CU_ASSERT_EQUAL(l.alive, 0);
        if (l.comp_alive)
                fprintf(stderr, "\n    %d companion process(es) survived:\n%s", l.comp_alive,
                        l.comp_survivors);
        CU_ASSERT_EQUAL(l.comp_alive, 0);
        if (l.populated)
                fprintf(stderr, "\n    the box %s is still populated\n", t->box);
        CU_ASSERT_FALSE(l.populated);
        if (l.cgroups)
                fprintf(stderr, "\n    cgroup directories left in %s:\n%s", t->box, l.subdirs);
        CU_ASSERT_FALSE(l.cgroups);
        if (l.children)
                fprintf(stderr, "\n    %d orphan(s) still alive:\n%s", l.children, l.child_list);
        CU_ASSERT_EQUAL(l.children, 0);
        if (l.runtime)
                fprintf(stderr, "\n    runtime directories left in %s:\n%s", torture_runtime_base(),
                        l.runtime_list);
        CU_ASSERT_EQUAL(l.runtime, 0);
        if (!none && deadline_ms > 0)
                fprintf(stderr, "\n    still not clean %llu ms after the launcher died\n",
                        (unsigned long long) took);
        free(l.subdirs);
        return took;
}

/* Shape-specific proof that the awkward part happened. */
static void assert_shape_state(const struct shape *s, const tcase *t)
{
        test_proc *procs = NULL;
        int n = test_read_pid_file(t->pids, &procs);

        if (strcmp(s->mode, "stopped") == 0 && n >= 2) {
                char state = test_proc_state(procs[1].pid);
                if (state != 'T')
                        fprintf(stderr, "\n    the stopped child is in state %c\n", state);
                CU_ASSERT_EQUAL(state, 'T');
        } else if (strcmp(s->mode, "regroup") == 0 && n >= 2) {
                char path[64];
                char *cmdline;

                CU_ASSERT_NOT_EQUAL(getpgid(procs[1].pid), getpgid(procs[0].pid));
                snprintf(path, sizeof(path), "/proc/%d/cmdline", (int) procs[1].pid);
                cmdline = test_read_file(path);
                CU_ASSERT_TRUE(cmdline && strcmp(cmdline, "regrouped-daemon") == 0);
                free(cmdline);
        } else if (s->forking && n >= 1) {
                char *text = test_read_file(t->main_pid);
                CU_ASSERT_TRUE(text && atoi(text) == procs[0].pid);
                free(text);
        }
        free(procs);
}

/* ---- Groups: cli-stop, cli-kill, lib-stop, lib-exit --------------------------------------- */

enum end { END_CLI_STOP, END_CLI_KILL, END_LIB_STOP, END_LIB_EXIT };

static const char *end_name(enum end end)
{
        static const char *const names[] = { "cli-stop", "cli-kill", "lib-stop", "lib-exit" };
        return names[end];
}

static const char *fallback_reason(const struct shape *s, enum end end)
{
        switch (end) {
        case END_CLI_STOP:
                return s->fallback_cli;
        case END_LIB_STOP:
                return s->fallback_stop;
        default:
                return s->fallback_killed;
        }
}

static void run_shape(const struct shape *s, enum end end)
{
        char *argv[16], *units[3] = { NULL, NULL, NULL };
        char name[128], ready[PATH_MAX];
        bool cli = end == END_CLI_STOP || end == END_CLI_KILL;
        bool kill_it = end == END_CLI_KILL || end == END_LIB_EXIT;
        int code, status = 0;
        bool exited;
        uint64_t took, begin;
        tcase t;

        snprintf(name, sizeof(name), "%s-%s", end_name(end), s->name);
        if (!tcase_init(&t, name))
                goto out;
        shape_argv(s, &t, argv, 16);
        snprintf(ready, sizeof(ready), "%s/host-ready", t.dir);

        if (cli) {
                char extra[PATH_MAX + 64] = "";
                char *comp_argv[] = { (char *) proc_bin, (char *) "tree", t.comp_pids, NULL };

                if (s->forking)
                        snprintf(extra, sizeof(extra), "PIDFile=%s\n", t.main_pid);
                units[0] = write_unit(
                        &t, "torture.service", s->forking ? "forking" : "notify", argv, s->stop_ms, extra);
                units[1] = write_unit(&t, "companion.service", "notify", comp_argv, 5000, NULL);
                REQUIRE(units[0] && units[1]);
                REQUIRE(spawn_unitrun(&t, units) > 0);
                REQUIRE(wait_file_while_running(&t, t.trigger, 60000, &status, &exited));
        } else {
                char *host_argv[32];
                char stop_ms[16];
                int n = 0;

                snprintf(stop_ms, sizeof(stop_ms), "%d", s->stop_ms);
                host_argv[n++] = (char *) host_bin;
                if (end == END_LIB_EXIT)
                        host_argv[n++] = (char *) "--exit";
                if (s->forking) {
                        host_argv[n++] = (char *) "--forking";
                        host_argv[n++] = t.main_pid;
                }
                host_argv[n++] = (char *) "--stop-ms";
                host_argv[n++] = stop_ms;
                host_argv[n++] = (char *) "--companion";
                host_argv[n++] = t.comp_pids;
                host_argv[n++] = (char *) "--ready-file";
                host_argv[n++] = ready;
                host_argv[n++] = (char *) "--go-file";
                host_argv[n++] = t.go;
                host_argv[n++] = (char *) "--";
                for (int i = 0; argv[i]; i++)
                        host_argv[n++] = argv[i];
                host_argv[n] = NULL;
                t.launcher = torture_spawn(t.box, host_argv, t.log, NULL);
                REQUIRE(t.launcher > 0);
                REQUIRE(wait_file_while_running(&t, ready, 60000, &status, &exited));
        }

        /* Everything is up: the tree is there, as the shape says. */
        assert_tree_alive(t.pids, s->records, s->at_least);
        assert_tree_alive(t.comp_pids, COMPANION_RECORDS, false);
        assert_shape_state(s, &t);

        begin = torture_now_ms();
        if (end == END_CLI_KILL) {
                REQUIRE(kill(t.launcher, SIGKILL) == 0);
                code = wait_launcher(&t, 5000);
                CU_ASSERT_EQUAL(code, 128 + SIGKILL);
        } else {
                REQUIRE(test_write_file(t.go, "", 0644) == 0);
                code = wait_launcher(&t, LAUNCHER_TIMEOUT_MS);
                if (end == END_LIB_EXIT) {
                        CU_ASSERT_EQUAL(code, 0);
                } else {
                        int clean = 0, error = cli ? 70 : 20;
                        bool ok = s->outcome == CLEAN        ? code == clean
                                  : s->outcome == STOP_ERROR ? code == error
                                                             : code == clean || code == error;
                        if (!ok)
                                fprintf(stderr, "\n    launcher exited %d, expected %s\n", code,
                                        s->outcome == CLEAN ? "a clean stop" : "a stop error");
                        CU_ASSERT_TRUE(ok);
                }
        }
        took = assert_nothing_left(&t, s->records, s->at_least, kill_it ? KILL_DEADLINE_MS : 0);
        if (getenv("TORTURE_VERBOSE"))
                fprintf(stderr, "\n    %s: exit %d, clean %llu ms after the end (%llu ms in all)\n", name,
                        code, (unsigned long long) took, (unsigned long long) (torture_now_ms() - begin));
out:
        free(units[0]);
        free(units[1]);
        tcase_done(&t);
}

/* ---- start-kill: unitrun SIGKILLed while a unit is not ready ------------------------------- */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
        return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The IDs of the BPF programs (sock_ops, post_bind4/6) on the cgroup of the first process
 * recorded in pid_file: the listen events of its unit. How many, or -errno. */
static int unit_bpf_programs(const char *pid_file, uint32_t *ids, uint32_t max)
{
        static const enum bpf_attach_type types[] = { BPF_CGROUP_SOCK_OPS, BPF_CGROUP_INET4_POST_BIND,
                                                      BPF_CGROUP_INET6_POST_BIND };
        char path[PATH_MAX], line[PATH_MAX], mount[PATH_MAX] = "", cgroup[PATH_MAX] = "";
        test_proc *procs = NULL;
        uint32_t n = 0;
        FILE *f;
        int fd;

        if (test_read_pid_file(pid_file, &procs) < 1)
                return -ENOENT;
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) procs[0].pid);
        free(procs);
        f = fopen(path, "re");
        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, "0::", 3) == 0)
                        snprintf(cgroup, sizeof(cgroup), "%.*s", (int) strcspn(line + 3, "\n"), line + 3);
        if (f)
                fclose(f);
        f = fopen("/proc/self/mountinfo", "re");
        while (f && fgets(line, sizeof(line), f)) {
                char point[PATH_MAX];
                const char *sep = strstr(line, " - cgroup2 ");

                if (sep && sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1)
                        snprintf(mount, sizeof(mount), "%s", point);
        }
        if (f)
                fclose(f);
        if (!mount[0] || !cgroup[0])
                return -ENOENT;
        snprintf(path, sizeof(path), "%s%s", mount, cgroup);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]) && n < max; i++) {
                union bpf_attr attr;

                memset(&attr, 0, sizeof(attr));
                attr.query.target_fd = (uint32_t) fd;
                attr.query.attach_type = types[i];
                attr.query.prog_ids = (uint64_t) (uintptr_t) (ids + n);
                attr.query.prog_cnt = max - n;
                if (sys_bpf(BPF_PROG_QUERY, &attr) < 0) {
                        int r = -errno;
                        close(fd);
                        return r;
                }
                n += attr.query.prog_cnt;
        }
        close(fd);
        return (int) n;
}

/* Whether any of the programs is still loaded. */
static bool bpf_programs_loaded(const uint32_t *ids, int n)
{
        for (int i = 0; i < n; i++) {
                union bpf_attr attr;
                long fd;

                memset(&attr, 0, sizeof(attr));
                attr.prog_id = ids[i];
                fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
                if (fd >= 0) {
                        close((int) fd);
                        return true;
                }
        }
        return false;
}

/* The launcher's own children (its main thread's: the guardian, the seccomp answerer), up
 * to max, with their start times; how many. */
static int launcher_children(pid_t launcher, test_proc *procs, int max)
{
        char path[64], *list;
        const char *p;
        int n = 0;

        snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int) launcher, (int) launcher);
        list = test_read_file(path);
        for (p = list; p && *p && n < max;) {
                char *end;
                long pid = strtol(p, &end, 10);

                if (end == p)
                        break;
                procs[n].pid = (pid_t) pid;
                procs[n].starttime = test_proc_starttime((pid_t) pid);
                n++;
                p = end;
        }
        free(list);
        return n;
}

/* Every child the launcher had is gone (a zombie counts as gone: its new parent may be
 * slow to reap) within timeout_ms; on failure they are killed and named. */
static void assert_children_gone(const test_proc *procs, int n, int timeout_ms)
{
        uint64_t end = torture_now_ms() + (uint64_t) timeout_ms;
        int alive;

        do {
                alive = 0;
                for (int i = 0; i < n; i++)
                        alive += test_process_alive(procs[i].pid, procs[i].starttime);
                if (alive)
                        torture_sleep_ms(10);
        } while (alive && torture_now_ms() < end);
        for (int i = 0; alive && i < n; i++)
                if (test_process_alive(procs[i].pid, procs[i].starttime))
                        fprintf(stderr, "\n    the launcher's child %d outlived it\n", (int) procs[i].pid);
        CU_ASSERT_EQUAL(alive, 0);
        test_kill_survivors(procs, n);
}

static void
run_start_kill(const char *label, const char *mode, const char *const extra[], int records, bool at_least)
{
        char *argv[16], *units[3] = { NULL, NULL, NULL };
        char *comp_argv[] = { (char *) proc_bin, (char *) "tree", NULL, NULL };
        uint32_t ids[8];
        test_proc children[8];
        int n = 0, code, n_ids = 0, n_children, r;
        char *log;
        tcase t;

        if (!tcase_init(&t, label))
                goto out;
        comp_argv[2] = t.comp_pids;
        argv[n++] = (char *) proc_bin;
        argv[n++] = (char *) mode;
        argv[n++] = t.pids;
        for (int i = 0; extra && extra[i]; i++)
                argv[n++] = (char *) extra[i];
        argv[n] = NULL;
        /* The companion is ready; the other one never will be, and waits with the listen
         * events armed (Listen= on a port nobody listens on: BPF on its cgroup, or the
         * seccomp filter on the fallback path). */
        units[0] = write_unit(&t, "companion.service", "notify", comp_argv, 5000, NULL);
        units[1] = write_unit(
                &t, "slow.service", "notify", argv, 5000,
                "Environment=TORTURE_NOT_READY=1\n[X-Ready]\nListen=127.0.0.1:1\n");
        REQUIRE(units[0] && units[1]);
        /* BPF asked for (not the default), so that the cgroup path arms both ways' kind. */
        setenv("UNITRUN_LISTEN_BPF", "1", 1);
        r = spawn_unitrun(&t, units);
        unsetenv("UNITRUN_LISTEN_BPF");
        REQUIRE(r > 0);
        REQUIRE(wait_lines_while_running(&t, t.pids, records, 30000));
        REQUIRE(wait_lines_while_running(&t, t.comp_pids, COMPANION_RECORDS, 30000));
        torture_sleep_ms(50);
        CU_ASSERT_FALSE(test_file_exists(t.trigger)); /* COMMAND must not have started */
        assert_tree_alive(t.pids, records, at_least);
        log = test_read_file(t.log);
        if (log && strstr(log, "slow.service: listen detection: BPF")) {
                n_ids = unit_bpf_programs(t.pids, ids, 8);
                CU_ASSERT(n_ids > 0);
        } else /* on the cgroup path as root: BPF, unless the kernel refused it and said so */
                CU_ASSERT(
                        fallback_mode || geteuid() != 0 ||
                        (log && strstr(log, "slow.service: listen detection: no BPF")));
        if (getenv("TORTURE_VERBOSE"))
                fprintf(stderr, "\n    %s: %d BPF programs of the slow unit's listen events\n", label,
                        n_ids);
        free(log);

        /* Its helpers too: the guardian, which cleans up, and the seccomp answerer (on the
         * fallback path), which goes with the unit's last process. */
        n_children = launcher_children(t.launcher, children, 8);
        CU_ASSERT(n_children >= 1);
        REQUIRE(kill(t.launcher, SIGKILL) == 0);
        code = wait_launcher(&t, 5000);
        CU_ASSERT_EQUAL(code, 128 + SIGKILL);
        assert_nothing_left(&t, records, at_least, KILL_DEADLINE_MS);
        assert_children_gone(children, n_children, KILL_DEADLINE_MS);
        /* The programs went with the launcher's fds (their release may lag a grace period). */
        for (uint64_t end = torture_now_ms() + KILL_DEADLINE_MS;
             n_ids > 0 && bpf_programs_loaded(ids, n_ids) && torture_now_ms() < end;)
                torture_sleep_ms(10);
        CU_ASSERT_FALSE(n_ids > 0 && bpf_programs_loaded(ids, n_ids));
out:
        free(units[0]);
        free(units[1]);
        tcase_done(&t);
}

static void test_start_kill_tree(void)
{
        run_start_kill("start-kill-tree", "tree", NULL, 3, false);
}

static void test_start_kill_tree_setsid(void)
{
        static const char *const extra[] = { "setsid", NULL };
        run_start_kill("start-kill-tree-setsid", "tree", extra, 4, false);
}

static void test_start_kill_storm(void)
{
        static const char *const extra[] = { STORM_LIVE, STORM_CAP, STORM_LIFETIME, NULL };
        run_start_kill("start-kill-storm", "storm", extra, 500, true);
}

/* ---- The final kill is atomic: a fork chain -------------------------------------------------- */

/* The fork-chain unit's TimeoutStopSec, and how much longer its stop may take: generous (a
 * loaded 2-core host) and still a verdict. In its sub-cgroup the swarm is out of reach of
 * any kill that reads the unit's cgroup.procs (checked: with cgroup_kill() replaced by
 * such a loop, that case fails, and so does the stale sweep); only cgroup.kill ends it. */
#define CHAIN_STOP_MS 1000
/* Times $TEST_TIMEOUT_MULTIPLIER (the sanitizer build's 3: there every process of the chain
 * maps the sanitizer's shadow, and 17000 of them took more than 10 s to exit under a CI
 * run's load). */
#define CHAIN_MARGIN_MS (10000 * chain_slowness())
#define CHAIN_FALLBACK                                                                                      \
        "the fallback kills what a session scan lists, and a fork chain outruns every list: only "          \
        "cgroup.kill is atomic"

static int chain_slowness(void)
{
        const char *m = getenv("TEST_TIMEOUT_MULTIPLIER");
        long v = m ? strtol(m, NULL, 10) : 1;

        return v >= 1 && v <= 10 ? (int) v : 1;
}

static void run_fork_chain(bool subgroup)
{
        char *argv[5], *units[2] = { NULL, NULL };
        char *chain_bin = test_fixture_path("fork-chain");
        uint64_t begin, took;
        int code, status;
        bool exited;
        tcase t;

        if (!tcase_init(&t, subgroup ? "fork-chain-subgroup" : "fork-chain"))
                goto out;
        REQUIRE(chain_bin && access(chain_bin, X_OK) == 0);
        argv[0] = chain_bin;
        argv[1] = t.pids;
        argv[2] = (char *) "16";
        argv[3] = subgroup ? (char *) "subgroup" : NULL;
        argv[4] = NULL;
        units[0] = write_unit(&t, "chain.service", "notify", argv, CHAIN_STOP_MS, NULL);
        REQUIRE(units[0]);
        REQUIRE(spawn_unitrun(&t, units) > 0);
        REQUIRE(wait_file_while_running(&t, t.trigger, 60000, &status, &exited));
        assert_tree_alive(t.pids, 1, false);

        /* COMMAND ends; SIGTERM is ignored; at TimeoutStopSec the final kill must win. */
        begin = torture_now_ms();
        REQUIRE(test_write_file(t.go, "", 0644) == 0);
        code = wait_launcher(&t, CHAIN_STOP_MS + CHAIN_MARGIN_MS);
        took = torture_now_ms() - begin;
        if (code != 70 || took >= (uint64_t) (CHAIN_STOP_MS + CHAIN_MARGIN_MS))
                fprintf(stderr, "\n    unitrun exited %d after %llu ms (TimeoutStopSec=%dms; expected 70)\n",
                        code, (unsigned long long) took, CHAIN_STOP_MS);
        CU_ASSERT_EQUAL(code, 70); /* the final kill was needed: a stop error */
        CU_ASSERT_TRUE(took < (uint64_t) (CHAIN_STOP_MS + CHAIN_MARGIN_MS));
        assert_nothing_left(&t, 1, false, 0);
out:
        free(units[0]);
        free(chain_bin);
        tcase_done(&t);
}

static void test_fork_chain(void)
{
        run_fork_chain(false);
}

/* The same swarm in a cgroup of its own below the unit's (as a container runtime makes
 * one): whatever reads only the unit's cgroup.procs finds nobody to kill. */
static void test_fork_chain_subgroup(void)
{
        run_fork_chain(true);
}

/* ---- The stale-run sweep: what a dead launcher left is removed by the next run ----------- */

static void test_stale_sweep(void)
{
        char stale_cg[PATH_MAX] = "", stale_leaf[PATH_MAX] = "", stale_rt[PATH_MAX], marker[PATH_MAX + 16];
        char *argv[] = { (char *) unitrun_bin,
                         (char *) "run",
                         (char *) "--exec",
                         (char *) "sleep 100",
                         (char *) "--",
                         (char *) "true",
                         NULL };
        char *sleeper_argv[] = { (char *) "/bin/sleep", (char *) "100", NULL };
        pid_t dead, sleeper = 0;
        unsigned long long sleeper_start = 0;
        int code;
        tcase t;

        if (!tcase_init(&t, "stale-sweep"))
                goto out;
        /* A launcher PID that is certainly gone: a child of ours, exited and reaped. */
        dead = fork();
        REQUIRE(dead >= 0);
        if (dead == 0)
                _exit(0);
        REQUIRE(waitpid(dead, NULL, 0) == dead);

        /* Its runtime directory, with something in it. */
        snprintf(stale_rt, sizeof(stale_rt), "%s/unitrun.%d.Stale1", torture_runtime_base(), (int) dead);
        snprintf(marker, sizeof(marker), "%s/notify", stale_rt);
        REQUIRE(mkdir(stale_rt, 0700) == 0);
        REQUIRE(test_write_file(marker, "", 0600) == 0);
        if (!fallback_mode) {
                /* Its run cgroup, beside where the next launcher makes its own, with a leaf in
                 * which a process still runs. */
                snprintf(stale_cg, sizeof(stale_cg), "%s/unitrun-%d", t.box, (int) dead);
                snprintf(stale_leaf, sizeof(stale_leaf), "%s/old.service", stale_cg);
                REQUIRE(mkdir(stale_cg, 0755) == 0);
                REQUIRE(mkdir(stale_leaf, 0755) == 0);
                sleeper = torture_spawn(stale_leaf, sleeper_argv, t.log, NULL);
                REQUIRE(sleeper > 0);
                sleeper_start = test_proc_starttime(sleeper);
                /* The child moves itself there after the fork: wait for it. */
                for (int i = 0; i < 500 && !box_populated(stale_leaf); i++)
                        torture_sleep_ms(10);
                REQUIRE(box_populated(stale_leaf));
        }

        t.launcher = torture_spawn(t.box, argv, t.log, NULL);
        REQUIRE(t.launcher > 0);
        code = wait_launcher(&t, 30000);
        CU_ASSERT_EQUAL(code, 0);
        CU_ASSERT_FALSE(test_dir_exists(stale_rt));
        if (!fallback_mode) {
                CU_ASSERT_FALSE(test_dir_exists(stale_cg));
                CU_ASSERT_FALSE(test_process_alive(sleeper, sleeper_start));
        }
out:
        tcase_done(&t); /* the box, and anything the sweep left in it */
        if (stale_rt[0] && test_dir_exists(stale_rt))
                test_remove_temp_dir(strdup(stale_rt));
}

/* ---- signals -------------------------------------------------------------------------------- */

enum phase { PHASE_START, PHASE_COMMAND, PHASE_STOP };

static void run_signal(int sig, enum phase phase)
{
        char *argv[8], *units[2] = { NULL, NULL };
        char name[64], stopping[PATH_MAX], clean[PATH_MAX];
        int code, status;
        bool exited;
        uint64_t signalled;
        tcase t;

        snprintf(name, sizeof(name), "signal-%d-%d", sig, (int) phase);
        if (!tcase_init(&t, name))
                goto out;
        snprintf(stopping, sizeof(stopping), "%s/stopping", t.dir);
        snprintf(clean, sizeof(clean), "%s/stopped-clean", t.dir);
        argv[0] = (char *) proc_bin;
        argv[1] = (char *) "slow-stop";
        argv[2] = t.pids;
        argv[3] = t.dir;
        argv[4] = (char *) "1000";
        argv[5] = NULL;
        units[0] = write_unit(
                &t, "slow-stop.service", "notify", argv, 10000,
                phase == PHASE_START ? "Environment=TORTURE_NOT_READY=1\n" : NULL);
        REQUIRE(units[0]);
        REQUIRE(spawn_unitrun(&t, units) > 0);

        switch (phase) {
        case PHASE_START:
                REQUIRE(wait_lines_while_running(&t, t.pids, 2, 30000));
                break;
        case PHASE_COMMAND:
                REQUIRE(wait_file_while_running(&t, t.trigger, 30000, &status, &exited));
                break;
        case PHASE_STOP:
                REQUIRE(wait_file_while_running(&t, t.trigger, 30000, &status, &exited));
                assert_tree_alive(t.pids, 2, false);
                REQUIRE(test_write_file(t.go, "", 0644) == 0);
                /* The unit got SIGTERM and takes its second to go. */
                REQUIRE(wait_file_while_running(&t, stopping, 30000, &status, &exited));
                REQUIRE(!exited);
                break;
        }
        if (phase != PHASE_STOP)
                assert_tree_alive(t.pids, 2, false);
        signalled = torture_now_ms();
        REQUIRE(kill(t.launcher, sig) == 0);
        code = wait_launcher(&t, 30000);
        if (code != 128 + sig)
                fprintf(stderr, "\n    unitrun exited %d, expected %d\n", code, 128 + sig);
        CU_ASSERT_EQUAL(code, 128 + sig);
        /* Orderly: the unit got its KillSignal and finished its own stop, no final kill. */
        CU_ASSERT_TRUE(test_file_exists(clean));
        if (phase == PHASE_START)
                CU_ASSERT_FALSE(test_file_exists(t.trigger)); /* COMMAND never ran */
        if (phase == PHASE_STOP)
                /* The grace period was not cut short by the signal. */
                CU_ASSERT_TRUE(torture_now_ms() - signalled >= 300);
        assert_nothing_left(&t, 2, false, 0);
out:
        free(units[0]);
        tcase_done(&t);
}

#define SIGNAL_TESTS(NAME, SIG)                                                                             \
        static void test_##NAME##_start(void)                                                               \
        {                                                                                                   \
                run_signal(SIG, PHASE_START);                                                               \
        }                                                                                                   \
        static void test_##NAME##_command(void)                                                             \
        {                                                                                                   \
                run_signal(SIG, PHASE_COMMAND);                                                             \
        }                                                                                                   \
        static void test_##NAME##_stop(void)                                                                \
        {                                                                                                   \
                run_signal(SIG, PHASE_STOP);                                                                \
        }

SIGNAL_TESTS(sigint, SIGINT)
SIGNAL_TESTS(sigterm, SIGTERM)
SIGNAL_TESTS(sighup, SIGHUP)

/* A second SIGINT during the teardown skips the grace period: a unit ignoring SIGTERM
 * with TimeoutStopSec=30s is gone well before 30 s. */
static void test_second_sigint(void)
{
        char *argv[8], *units[2] = { NULL, NULL };
        char term_file[PATH_MAX];
        int code, status;
        bool exited;
        uint64_t term_seen, elapsed;
        tcase t;

        if (!tcase_init(&t, "second-sigint"))
                goto out;
        snprintf(term_file, sizeof(term_file), "%s/got-term", t.dir);
        argv[0] = (char *) proc_bin;
        argv[1] = (char *) "ignore-term";
        argv[2] = t.pids;
        argv[3] = term_file;
        argv[4] = NULL;
        units[0] = write_unit(&t, "stubborn.service", "notify", argv, 30000, NULL);
        REQUIRE(units[0]);
        REQUIRE(spawn_unitrun(&t, units) > 0);
        REQUIRE(wait_file_while_running(&t, t.trigger, 30000, &status, &exited));
        assert_tree_alive(t.pids, 1, false);

        REQUIRE(kill(t.launcher, SIGINT) == 0);
        /* COMMAND died of it, the teardown began, the unit shrugged SIGTERM off. */
        REQUIRE(wait_file_while_running(&t, term_file, 15000, &status, &exited));
        REQUIRE(!exited);
        term_seen = torture_now_ms();
        torture_sleep_ms(300);
        CU_ASSERT_TRUE(torture_wait(t.launcher, 0, &status) == false); /* still in the grace period */
        REQUIRE(kill(t.launcher, SIGINT) == 0);
        code = wait_launcher(&t, 40000);
        elapsed = torture_now_ms() - term_seen;
        if (elapsed >= 10000)
                fprintf(stderr, "\n    unitrun took %llu ms after SIGTERM reached the unit\n",
                        (unsigned long long) elapsed);
        CU_ASSERT_TRUE(elapsed < 10000);
        CU_ASSERT_EQUAL(code, 128 + SIGINT);
        assert_nothing_left(&t, 1, false, 0);
out:
        free(units[0]);
        tcase_done(&t);
}

/* ---- Runner --------------------------------------------------------------------------------- */

static cunit_case entries[64];
static char entry_names[64][128];
static size_t n_entries;

static void add(const char *name, CU_TestFunc func, const char *fallback_na)
{
        snprintf(entry_names[n_entries], sizeof(entry_names[n_entries]), "%s", name);
        entries[n_entries] =
                (cunit_case){ .name = entry_names[n_entries], .func = func, .fallback_na = fallback_na };
        n_entries++;
}

/* CUnit takes plain function pointers: one trampoline per (end, shape). */
#define SHAPE_TESTS(I)                                                                                      \
        static void test_cli_stop_##I(void)                                                                 \
        {                                                                                                   \
                run_shape(&shapes[I], END_CLI_STOP);                                                        \
        }                                                                                                   \
        static void test_cli_kill_##I(void)                                                                 \
        {                                                                                                   \
                run_shape(&shapes[I], END_CLI_KILL);                                                        \
        }                                                                                                   \
        static void test_lib_stop_##I(void)                                                                 \
        {                                                                                                   \
                run_shape(&shapes[I], END_LIB_STOP);                                                        \
        }                                                                                                   \
        static void test_lib_exit_##I(void)                                                                 \
        {                                                                                                   \
                run_shape(&shapes[I], END_LIB_EXIT);                                                        \
        }

SHAPE_TESTS(0)
SHAPE_TESTS(1)
SHAPE_TESTS(2)
SHAPE_TESTS(3)
SHAPE_TESTS(4)
SHAPE_TESTS(5)
SHAPE_TESTS(6)
SHAPE_TESTS(7)
SHAPE_TESTS(8)
SHAPE_TESTS(9)

static const CU_TestFunc shape_funcs[][4] = {
        { test_cli_stop_0, test_cli_kill_0, test_lib_stop_0, test_lib_exit_0 },
        { test_cli_stop_1, test_cli_kill_1, test_lib_stop_1, test_lib_exit_1 },
        { test_cli_stop_2, test_cli_kill_2, test_lib_stop_2, test_lib_exit_2 },
        { test_cli_stop_3, test_cli_kill_3, test_lib_stop_3, test_lib_exit_3 },
        { test_cli_stop_4, test_cli_kill_4, test_lib_stop_4, test_lib_exit_4 },
        { test_cli_stop_5, test_cli_kill_5, test_lib_stop_5, test_lib_exit_5 },
        { test_cli_stop_6, test_cli_kill_6, test_lib_stop_6, test_lib_exit_6 },
        { test_cli_stop_7, test_cli_kill_7, test_lib_stop_7, test_lib_exit_7 },
        { test_cli_stop_8, test_cli_kill_8, test_lib_stop_8, test_lib_exit_8 },
        { test_cli_stop_9, test_cli_kill_9, test_lib_stop_9, test_lib_exit_9 },
};

_Static_assert(sizeof(shape_funcs) / sizeof(shape_funcs[0]) == N_SHAPES, "one row of trampolines per shape");

static bool select_group(const char *group)
{
        static const char *const ends[] = { "cli-stop", "cli-kill", "lib-stop", "lib-exit" };

        for (int end = 0; end < 4; end++)
                if (strcmp(group, ends[end]) == 0) {
                        for (size_t i = 0; i < N_SHAPES; i++) {
                                char name[128];
                                snprintf(name, sizeof(name), "%s: %s", ends[end], shapes[i].name);
                                add(name, shape_funcs[i][end], fallback_reason(&shapes[i], (enum end) end));
                        }
                        return true;
                }
        if (strcmp(group, "start-kill") == 0) {
                add("start-kill: tree", test_start_kill_tree, NULL);
                add("start-kill: tree with setsid", test_start_kill_tree_setsid, SETSID_KILLED);
                add("start-kill: fork storm", test_start_kill_storm, NULL);
                add("final kill: a fork chain that ignores SIGTERM", test_fork_chain, CHAIN_FALLBACK);
                add("final kill: a fork chain in a sub-cgroup of its unit", test_fork_chain_subgroup,
                    CHAIN_FALLBACK);
                add("stale run: a dead launcher's cgroup and runtime dir are swept", test_stale_sweep, NULL);
                return true;
        }
        if (strcmp(group, "signals") == 0) {
                add("SIGINT during start", test_sigint_start, NULL);
                add("SIGINT during COMMAND", test_sigint_command, NULL);
                add("SIGINT during stop", test_sigint_stop, NULL);
                add("SIGTERM during start", test_sigterm_start, NULL);
                add("SIGTERM during COMMAND", test_sigterm_command, NULL);
                add("SIGTERM during stop", test_sigterm_stop, NULL);
                add("SIGHUP during start", test_sighup_start, NULL);
                add("SIGHUP during COMMAND", test_sighup_command, NULL);
                add("SIGHUP during stop", test_sighup_stop, NULL);
                add("second SIGINT skips the grace period", test_second_sigint, NULL);
                return true;
        }
        return false;
}

/* Where are the programs? UNITRUN from meson, the rest next to us / in FIXTURE_DIR. */
static bool find_programs(void)
{
        static char proc[PATH_MAX + 32], host[PATH_MAX + 32];
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

        if (n < 0)
                return false;
        self[n] = 0;
        *strrchr(self, '/') = 0;
        snprintf(proc, sizeof(proc), "%s/torture-proc", self);
        snprintf(host, sizeof(host), "%s/torture-host", self);
        proc_bin = proc;
        host_bin = host;
        unitrun_bin = getenv("UNITRUN");
        forker_bin = test_fixture_path("forker");
        return unitrun_bin && forker_bin && access(unitrun_bin, X_OK) == 0 &&
               access(forker_bin, X_OK) == 0 && access(proc_bin, X_OK) == 0 && access(host_bin, X_OK) == 0;
}

int main(int argc, char *argv[])
{
        char suite_name[128];
        int r;

        fallback_mode = cunit_fallback_mode();
        if (argc != 2 || !select_group(argv[1])) {
                fprintf(stderr,
                        "usage: test-torture cli-stop|cli-kill|lib-stop|lib-exit|start-kill|signals\n");
                return 64;
        }
        if (!find_programs()) {
                fprintf(stderr,
                        "skipped: UNITRUN, FIXTURE_DIR/forker, torture-proc or torture-host not found\n");
                return 77;
        }
        if (!torture_init())
                return 99;
        if (!torture_have_boxes()) {
                if (!fallback_mode) {
                        /* unitrun's own cgroup path needs what the boxes need: a writable
                         * cgroup2 below ours. */
                        fprintf(stderr,
                                "skipped: no writable cgroup v2 here (%s); the fallback path is "
                                "tested with UNITRUN_NO_CGROUP=1\n",
                                torture_box_reason());
                        return 77;
                }
                fprintf(stderr,
                        "note: no cgroup boxes (%s): survivors are found through the pid records "
                        "and as orphans of ours only\n",
                        torture_box_reason());
        }

        snprintf(
                suite_name, sizeof(suite_name), "torture %s (%s)", argv[1],
                fallback_mode ? "fallback" : "cgroup");
        /* TORTURE_RUN_ALL=1: run the cases the fallback cannot guarantee anyway, to see the
         * limits for oneself. */
        r = cunit_run_cases(
                suite_name, entries, n_entries, NULL, fallback_mode && !getenv("TORTURE_RUN_ALL"));
        torture_cleanup();
        return r;
}

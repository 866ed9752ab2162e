/* See torture-util.h. Plain libc, /proc and cgroupfs: nothing of the library under test. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "torture-util.h"
#include "cunit-main.h"
#include "test-util.h"

static char top_cgroup[PATH_MAX + 64]; /* "" without boxes */
static char top_kill[PATH_MAX + 128];  /* its cgroup.kill, for the signal handler */
static char box_reason[PATH_MAX + 128];
static char runtime_base[64]; /* private XDG_RUNTIME_DIR */
static unsigned box_counter;
static bool initialized;

uint64_t torture_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

void torture_sleep_ms(unsigned ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static int write_file(const char *dir, const char *file, const char *value)
{
        char path[PATH_MAX];
        int fd, r = 0;

        snprintf(path, sizeof(path), "%s/%s", dir, file);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, value, strlen(value)) < 0)
                r = -errno;
        close(fd);
        return r;
}

/* The cgroup2 mount point and our own cgroup path within it. */
static bool find_own_cgroup(char *buf, size_t size)
{
        char line[4096], mount[PATH_MAX] = "", own[PATH_MAX] = "";
        FILE *f = fopen("/proc/self/mountinfo", "re");

        if (!f)
                return false;
        while (fgets(line, sizeof(line), f)) {
                char *sep = strstr(line, " - ");
                char point[PATH_MAX];

                if (!sep || strncmp(sep, " - cgroup2 ", 11) != 0)
                        continue;
                if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1) {
                        snprintf(mount, sizeof(mount), "%s", point);
                        break;
                }
        }
        fclose(f);
        if (!mount[0]) {
                snprintf(box_reason, sizeof(box_reason), "no cgroup2 filesystem is mounted");
                return false;
        }
        f = fopen("/proc/self/cgroup", "re");
        if (!f)
                return false;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, "0::", 3) == 0) {
                        line[strcspn(line, "\n")] = 0;
                        snprintf(own, sizeof(own), "%s", line + 3);
                }
        fclose(f);
        if (!own[0]) {
                snprintf(box_reason, sizeof(box_reason), "no cgroup v2 path in /proc/self/cgroup");
                return false;
        }
        snprintf(buf, size, "%s%s", mount, strcmp(own, "/") == 0 ? "" : own);
        return true;
}

static void kill_everything(void)
{
        if (top_cgroup[0]) {
                /* Boxes are below top: one write kills every process in all of them. */
                (void) write_file(top_cgroup, "cgroup.kill", "1");
        }
        (void) torture_kill_children();
}

/* cgroup.kill on the top box; only async-signal-safe calls: a signal handler's and the
 * runner's deadline hook. (The emptied top cgroup stays behind then: removing it needs
 * the processes gone first, which is no job for a signal handler.) */
static void kill_top_now(void)
{
        if (top_cgroup[0]) {
                int fd = open(top_kill, O_WRONLY | O_CLOEXEC);

                if (fd >= 0) {
                        (void) !write(fd, "1", 1);
                        close(fd);
                }
        }
}

static void on_fatal_signal(int sig)
{
        /* A meson timeout: leave nothing behind, then die of the signal. */
        kill_top_now();
        signal(sig, SIG_DFL);
        raise(sig);
}

bool torture_init(void)
{
        char own[PATH_MAX];
        struct sigaction sa = { .sa_handler = on_fatal_signal };

        if (initialized)
                return true;
        if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
                perror("torture: PR_SET_CHILD_SUBREAPER");
                return false;
        }
        snprintf(runtime_base, sizeof(runtime_base), "/tmp/urt-XXXXXX");
        if (!mkdtemp(runtime_base)) {
                perror("torture: mkdtemp");
                return false;
        }
        /* As root, unitrun only puts its run directory in an XDG_RUNTIME_DIR that other
         * users can pass through (its units may run as other users); else it uses /tmp,
         * where the leftover checks below would not look. */
        (void) chmod(runtime_base, 0711);
        setenv("XDG_RUNTIME_DIR", runtime_base, 1);

        if (find_own_cgroup(own, sizeof(own))) {
                snprintf(top_cgroup, sizeof(top_cgroup), "%s/torture-%d", own, (int) getpid());
                if (mkdir(top_cgroup, 0755) < 0) {
                        snprintf(
                                box_reason, sizeof(box_reason), "cannot create %s: %s", top_cgroup,
                                strerror(errno));
                        top_cgroup[0] = 0;
                } else {
                        snprintf(box_reason, sizeof(box_reason), "cgroup v2 at %s", top_cgroup);
                        snprintf(top_kill, sizeof(top_kill), "%s/cgroup.kill", top_cgroup);
                }
        }
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        atexit(torture_cleanup);
        cunit_add_kill_hook(kill_top_now);
        initialized = true;
        return true;
}

static void remove_cgroup_tree(const char *path)
{
        DIR *d;
        struct dirent *de;

        if (rmdir(path) == 0 || errno == ENOENT)
                return;
        d = opendir(path);
        if (!d)
                return;
        while ((de = readdir(d))) {
                char sub[PATH_MAX];

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
                remove_cgroup_tree(sub);
        }
        closedir(d);
        (void) rmdir(path);
}

/* Waits (bounded) until the cgroup is unpopulated. */
static bool wait_unpopulated(const char *path, int timeout_ms)
{
        uint64_t deadline = torture_now_ms() + (uint64_t) timeout_ms;

        while (box_populated(path)) {
                if (torture_now_ms() >= deadline)
                        return false;
                torture_sleep_ms(10);
        }
        return true;
}

void torture_cleanup(void)
{
        if (!initialized)
                return;
        kill_everything();
        if (top_cgroup[0]) {
                if (!wait_unpopulated(top_cgroup, 5000))
                        fprintf(stderr, "torture: %s is still populated\n", top_cgroup);
                remove_cgroup_tree(top_cgroup);
                top_cgroup[0] = 0;
        }
        torture_reap();
        if (runtime_base[0]) {
                char *copy = strdup(runtime_base);
                test_remove_temp_dir(copy);
                runtime_base[0] = 0;
        }
        initialized = false;
}

bool torture_have_boxes(void)
{
        return top_cgroup[0] != 0;
}

const char *torture_box_reason(void)
{
        return box_reason[0] ? box_reason : "cgroup v2 not usable";
}

const char *torture_runtime_base(void)
{
        return runtime_base;
}

char *box_new(const char *name)
{
        char path[PATH_MAX + 256];

        if (!top_cgroup[0])
                return NULL;
        snprintf(path, sizeof(path), "%s/%u-%s", top_cgroup, ++box_counter, name);
        if (mkdir(path, 0755) < 0) {
                fprintf(stderr, "torture: cannot create %s: %s\n", path, strerror(errno));
                return NULL;
        }
        return strdup(path);
}

bool box_populated(const char *box)
{
        char path[PATH_MAX], *text;
        bool populated;

        snprintf(path, sizeof(path), "%s/cgroup.events", box);
        text = test_read_file(path);
        populated = text && strstr(text, "populated 1") != NULL;
        free(text);
        return populated;
}

static void list_subdirs(const char *path, const char *prefix, char **buf, size_t *len)
{
        DIR *d = opendir(path);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                char sub[PATH_MAX], rel[PATH_MAX];
                char *p;

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
                snprintf(rel, sizeof(rel), "%s%s", prefix, de->d_name);
                p = realloc(*buf, *len + strlen(rel) + 2);
                if (!p)
                        break;
                *buf = p;
                *len += (size_t) sprintf(*buf + *len, "%s\n", rel);
                strcat(rel, "/");
                list_subdirs(sub, rel, buf, len);
        }
        closedir(d);
}

char *box_subdirs(const char *box)
{
        char *buf = calloc(1, 1);
        size_t len = 0;

        if (buf && box)
                list_subdirs(box, "", &buf, &len);
        return buf;
}

void box_destroy(char *box)
{
        if (!box)
                return;
        (void) write_file(box, "cgroup.kill", "1");
        if (!wait_unpopulated(box, 5000))
                fprintf(stderr, "torture: box %s is still populated after cgroup.kill\n", box);
        remove_cgroup_tree(box);
        torture_reap();
        free(box);
}

pid_t torture_spawn(const char *box, char *const argv[], const char *log_path, char *const extra_env[])
{
        pid_t pid = fork();

        if (pid < 0)
                return -1;
        if (pid == 0) {
                int fd;

                if (box && write_file(box, "cgroup.procs", "0") < 0) {
                        fprintf(stderr, "torture: cannot move into %s: %m\n", box);
                        _exit(126);
                }
                /* A suite started by nohup must not hand its ignored SIGINT/SIGHUP on. */
                cunit_reset_signals();
                (void) setpgid(0, 0);
                fd = open(
                        log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (fd >= 0) {
                        dup2(fd, STDOUT_FILENO);
                        dup2(fd, STDERR_FILENO);
                }
                fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (fd >= 0)
                        dup2(fd, STDIN_FILENO);
                /* The launcher gets the dispositions a shell would give it. */
                signal(SIGTERM, SIG_DFL);
                signal(SIGINT, SIG_DFL);
                signal(SIGHUP, SIG_DFL);
                (void) prctl(PR_SET_CHILD_SUBREAPER, 0);
                for (size_t i = 0; extra_env && extra_env[i]; i++)
                        putenv(extra_env[i]);
                execv(argv[0], argv);
                fprintf(stderr, "torture: cannot execute %s: %m\n", argv[0]);
                _exit(127);
        }
        return pid;
}

bool torture_wait(pid_t pid, int timeout_ms, int *ret_status)
{
        uint64_t deadline = torture_now_ms() + (uint64_t) timeout_ms;

        for (;;) {
                pid_t r = waitpid(pid, ret_status, WNOHANG);

                if (r == pid)
                        return true;
                if (r < 0 && errno != EINTR)
                        return false;
                if (torture_now_ms() >= deadline)
                        return false;
                torture_sleep_ms(5);
        }
}

int torture_exit_code(int status)
{
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return -1;
}

void torture_reap(void)
{
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
}

int torture_live_children(char *buf, size_t size)
{
        pid_t pids[4096];
        int n, live = 0;
        size_t len = 0;

        torture_reap();
        n = test_list_children(pids, 4096);
        if (size)
                buf[0] = 0;
        for (int i = 0; i < n; i++) {
                char comm[64] = "?", path[64];
                char state = test_proc_state(pids[i]);
                FILE *f;

                if (state == 0 || state == 'Z' || state == 'X')
                        continue;
                live++;
                snprintf(path, sizeof(path), "/proc/%d/comm", (int) pids[i]);
                f = fopen(path, "re");
                if (f) {
                        if (fgets(comm, sizeof(comm), f))
                                comm[strcspn(comm, "\n")] = 0;
                        fclose(f);
                }
                if (len + 96 < size)
                        len += (size_t) snprintf(
                                buf + len, size - len, "%d %s (%c)\n", (int) pids[i], comm, state);
        }
        return live;
}

int torture_kill_children(void)
{
        int kills = 0;

        for (int pass = 0; pass < 200; pass++) {
                pid_t pids[4096];
                int n;

                while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
                n = test_list_children(pids, 4096);
                if (n == 0)
                        break;
                for (int i = 0; i < n; i++) {
                        (void) kill(pids[i], SIGCONT);
                        if (kill(pids[i], SIGKILL) == 0)
                                kills++;
                }
                torture_sleep_ms(5);
        }
        torture_reap();
        return kills;
}

int torture_runtime_leftovers(char *buf, size_t size)
{
        DIR *d = opendir(runtime_base);
        struct dirent *de;
        size_t len = 0;
        int n = 0;

        if (size)
                buf[0] = 0;
        if (!d)
                return 0;
        while ((de = readdir(d))) {
                if (strncmp(de->d_name, "unitrun.", 8) != 0)
                        continue;
                n++;
                if (len + strlen(de->d_name) + 2 < size)
                        len += (size_t) snprintf(buf + len, size - len, "%s\n", de->d_name);
        }
        closedir(d);
        return n;
}

int torture_count_alive(const char *pid_file, int *ret_alive, char *buf, size_t size)
{
        test_proc *procs = NULL;
        int n = test_read_pid_file(pid_file, &procs), alive = 0;
        size_t len = 0;

        if (size)
                buf[0] = 0;
        if (n < 0)
                return n;
        for (int i = 0; i < n; i++) {
                if (!test_process_alive(procs[i].pid, procs[i].starttime))
                        continue;
                alive++;
                if (len + 64 < size)
                        len += (size_t) snprintf(
                                buf + len, size - len, "%d (line %d, state %c)\n", (int) procs[i].pid, i + 1,
                                test_proc_state(procs[i].pid));
        }
        free(procs);
        *ret_alive = alive;
        return n;
}

int torture_kill_recorded(const char *pid_file)
{
        test_proc *procs = NULL;
        int n = test_read_pid_file(pid_file, &procs), killed = 0;

        if (n > 0)
                killed = test_kill_survivors(procs, n);
        free(procs);
        return killed;
}

int torture_count_lines(const char *path)
{
        FILE *f = fopen(path, "re");
        int n = 0, c;

        if (!f)
                return 0;
        while ((c = getc(f)) != EOF)
                if (c == '\n')
                        n++;
        fclose(f);
        return n;
}

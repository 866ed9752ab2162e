/* Support for the integration tests; see test-util.h. Plain libc and /proc, nothing of
 * the library under test, so a library bug cannot hide in its own checks. */
#include "test-util.h"

#include "../fixtures/fixture-util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *test_make_temp_dir(void)
{
        const char *parent = getenv("TEST_TMPDIR");
        char *path;

        if (asprintf(&path, "%s/unitrun-test-XXXXXX", parent && *parent ? parent : "/tmp") < 0)
                return NULL;
        if (!mkdtemp(path)) {
                free(path);
                return NULL;
        }
        return path;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        if (remove(path) < 0 && errno != ENOENT)
                fprintf(stderr, "test: cannot remove %s: %m\n", path);
        return 0;
}

char *test_remove_temp_dir(char *path)
{
        if (!path)
                return NULL;
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(path);
        return NULL;
}

char *test_path_join(const char *dir, const char *name)
{
        char *path;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return NULL;
        return path;
}

int test_read_pid_file(const char *path, test_proc **ret)
{
        test_proc *procs = NULL;
        size_t n = 0, allocated = 0;
        long pid;
        unsigned long long starttime;
        FILE *f = fopen(path, "re");

        if (!f)
                return -errno;

        while (fscanf(f, "%ld %llu", &pid, &starttime) == 2) {
                if (n == allocated) {
                        size_t bigger = allocated ? allocated * 2 : 16;
                        test_proc *p = realloc(procs, bigger * sizeof(*p));

                        if (!p) {
                                free(procs);
                                fclose(f);
                                return -ENOMEM;
                        }
                        procs = p;
                        allocated = bigger;
                }
                procs[n].pid = (pid_t) pid;
                procs[n].starttime = starttime;
                n++;
        }
        fclose(f);
        *ret = procs;
        return (int) n;
}

/* Reads /proc/PID/stat; state and starttime out. False if it cannot be read. */
static bool read_proc_stat(pid_t pid, char *ret_state, unsigned long long *ret_starttime)
{
        return fixture_proc_stat(pid, ret_state, ret_starttime);
}

unsigned long long test_proc_starttime(pid_t pid)
{
        unsigned long long starttime;
        char state;

        if (!read_proc_stat(pid, &state, &starttime))
                return 0;
        return starttime;
}

char test_proc_state(pid_t pid)
{
        unsigned long long starttime;
        char state;

        if (!read_proc_stat(pid, &state, &starttime))
                return 0;
        return state;
}

bool test_process_alive(pid_t pid, unsigned long long starttime)
{
        unsigned long long actual;
        char state;

        if (pid <= 0)
                return false;
        if (!read_proc_stat(pid, &state, &actual))
                return false;
        /* A zombie is dead: on hosts whose PID 1 does not reap, orphans stay zombies. */
        if (state == 'Z' || state == 'X' || state == 'x')
                return false;
        if (starttime != 0 && actual != starttime)
                return false;
        return true;
}

int test_kill_survivors(const test_proc *procs, int n)
{
        int i, killed = 0;

        for (i = 0; i < n; i++) {
                if (test_process_alive(procs[i].pid, procs[i].starttime)) {
                        kill(procs[i].pid, SIGKILL);
                        killed++;
                }
        }
        return killed;
}

char *test_fixture_path(const char *name)
{
        const char *dir = getenv("FIXTURE_DIR");

        if (!dir || !*dir)
                return NULL;
        return test_path_join(dir, name);
}

int test_fixture_argv(char **argv, size_t max, const char *fixture, const char *const *args)
{
        size_t n = 1;

        argv[0] = test_fixture_path(fixture);
        if (!argv[0])
                return -ENOENT;
        for (const char *arg; (arg = *args); args++) {
                if (n + 1 >= max) {
                        free(argv[0]);
                        argv[0] = NULL;
                        return -E2BIG;
                }
                argv[n++] = (char *) arg;
        }
        argv[n] = NULL;
        return 0;
}

uint64_t test_now_msec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

bool test_file_exists(const char *path)
{
        return path && access(path, F_OK) == 0;
}

bool test_dir_exists(const char *path)
{
        struct stat st;

        return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool test_wait_for_file(const char *path, int timeout_ms)
{
        uint64_t deadline = test_now_msec() + (uint64_t) timeout_ms;

        while (!test_file_exists(path)) {
                if (test_now_msec() >= deadline)
                        return false;
                usleep(10 * 1000);
        }
        return true;
}

char *test_read_file(const char *path)
{
        char *buf = NULL;
        size_t size = 0, len = 0;
        FILE *f = fopen(path, "re");

        if (!f)
                return NULL;
        for (;;) {
                size_t n;

                if (len + 1 >= size) {
                        size_t bigger = size ? size * 2 : 4096;
                        char *p = realloc(buf, bigger);

                        if (!p) {
                                free(buf);
                                fclose(f);
                                return NULL;
                        }
                        buf = p;
                        size = bigger;
                }
                n = fread(buf + len, 1, size - len - 1, f);
                if (n == 0)
                        break;
                len += n;
        }
        fclose(f);
        buf[len] = '\0';
        return buf;
}

int test_write_file(const char *path, const char *content, mode_t mode)
{
        size_t len = strlen(content);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        if (fd < 0)
                return -errno;
        if (write(fd, content, len) != (ssize_t) len) {
                int r = errno ? -errno : -EIO;
                close(fd);
                return r;
        }
        /* open() applies the umask: set the mode we were asked for. */
        if (fchmod(fd, mode) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        close(fd);
        return 0;
}

int test_list_children(pid_t *pids, int max)
{
        char path[64];
        FILE *f;
        int n = 0, pid;

        snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int) getpid());
        f = fopen(path, "re");
        if (!f)
                return 0;
        while (n < max && fscanf(f, "%d", &pid) == 1) {
                if (pids)
                        pids[n] = pid;
                n++;
        }
        fclose(f);
        return n;
}

int test_count_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int n = 0;

        if (!d)
                return -1;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        return n - 1; /* the directory's own fd */
}

char *test_find_program(const char *program)
{
        const char *path = getenv("PATH");
        char *copy, *dir, *save = NULL, *found = NULL;

        if (!path)
                path = "/usr/bin:/bin";
        copy = strdup(path);
        if (!copy)
                return NULL;
        for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                char *candidate = test_path_join(dir, program);

                if (candidate && access(candidate, X_OK) == 0) {
                        found = candidate;
                        break;
                }
                free(candidate);
        }
        free(copy);
        return found;
}

bool test_contains(const char *haystack, size_t len, const char *needle)
{
        return haystack && memmem(haystack, len, needle, strlen(needle)) != NULL;
}

static int compare_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return (x > y) - (x < y);
}

void test_sort_doubles(double *v, size_t n)
{
        qsort(v, n, sizeof(double), compare_double);
}

/* The CUnit runner of every test program; see cunit-main.h. The deadline is an alarm()
 * armed by CUnit's test-start handler and disarmed by its test-complete handler; alarm()
 * is per process and forgotten by fork(), so no child inherits it. When it fires, the
 * handler names the case, runs the kill hooks, stops (SIGSTOP) every descendant of the
 * program until no new one appears, so that nothing forks away while we look, then
 * SIGKILLs them all and exits 1. Only async-signal-safe calls there: raw open/read/kill,
 * no stdio, no malloc. */
#include "cunit-main.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *current_suite = "";
static const char *current_case = "";
static unsigned deadline_sec;
static unsigned n_skipped;
static cunit_kill_hook kill_hooks[8];
static size_t n_kill_hooks;
/* The table of cunit_run_cases(), for deadlines and table-driven cases. */
static const cunit_case *registered;
static size_t n_registered;

bool cunit_fallback_mode(void)
{
        const char *v = getenv("UNITRUN_NO_CGROUP");

        return v && strcmp(v, "1") == 0;
}

void cunit_add_kill_hook(cunit_kill_hook hook)
{
        if (n_kill_hooks < sizeof(kill_hooks) / sizeof(kill_hooks[0]))
                kill_hooks[n_kill_hooks++] = hook;
}

const char *cunit_current_case(void)
{
        return current_case;
}

void cunit_reset_signals(void)
{
        struct sigaction sa = { .sa_handler = SIG_DFL };
        sigset_t none;

        for (int sig = 1; sig < NSIG; sig++) {
                if (sig == SIGKILL || sig == SIGSTOP)
                        continue;
                (void) sigaction(sig, &sa, NULL); /* fails harmlessly for 32/33 (libc's) */
        }
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
}

/* ---- The deadline: everything below runs in a signal handler --------------------------- */

static void say(const char *s)
{
        (void) !write(STDERR_FILENO, s, strlen(s));
}

static void say_number(unsigned long n)
{
        char buf[24];
        size_t i = sizeof(buf);

        buf[--i] = 0;
        do
                buf[--i] = (char) ('0' + n % 10);
        while ((n /= 10) && i > 0);
        say(buf + i);
}

#define MAX_DESCENDANTS 8192
static pid_t descendants[MAX_DESCENDANTS];
static size_t n_descendants;

static bool known(pid_t pid)
{
        for (size_t i = 0; i < n_descendants; i++)
                if (descendants[i] == pid)
                        return true;
        return false;
}

/* Appends the children listed in /proc/PID/task/PID/children (every thread of ours: the
 * library may spawn from any). Returns how many were new. */
static size_t add_children_of(pid_t pid, pid_t tid)
{
        char path[96], buf[8192];
        size_t added = 0;
        ssize_t n;
        long v = 0;
        bool in = false;
        int fd;

        /* "/proc/" PID "/task/" TID "/children", by hand: no snprintf here. */
        {
                char *p = path;
                const char *parts[] = { "/proc/", NULL, "/task/", NULL, "/children" };
                pid_t nums[] = { 0, pid, 0, tid, 0 };

                for (int i = 0; i < 5; i++) {
                        if (parts[i]) {
                                size_t l = strlen(parts[i]);
                                memcpy(p, parts[i], l);
                                p += l;
                        } else {
                                char digits[16];
                                int k = 0;
                                unsigned long x = (unsigned long) nums[i];

                                do
                                        digits[k++] = (char) ('0' + x % 10);
                                while ((x /= 10) && k < 15);
                                while (k > 0)
                                        *p++ = digits[--k];
                        }
                }
                *p = 0;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return 0;
        buf[n] = ' ';
        for (ssize_t i = 0; i <= n; i++) {
                if (buf[i] >= '0' && buf[i] <= '9') {
                        v = v * 10 + (buf[i] - '0');
                        in = true;
                } else if (in) {
                        if (!known((pid_t) v) && n_descendants < MAX_DESCENDANTS) {
                                descendants[n_descendants++] = (pid_t) v;
                                (void) kill((pid_t) v, SIGSTOP);
                                added++;
                        }
                        v = 0;
                        in = false;
                }
        }
        return added;
}

/* Our threads' TIDs from /proc/self/task, by getdents64 (opendir() allocates). */
static size_t list_own_tasks(pid_t *tids, size_t max)
{
        char buf[4096];
        size_t n = 0;
        long k;
        int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return 0;
        while ((k = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
                for (long off = 0; off < k;) {
                        struct {
                                unsigned long long ino;
                                long long off;
                                unsigned short reclen;
                                unsigned char type;
                                char name[];
                        } *de = (void *) (buf + off);
                        long tid = 0;

                        for (const char *c = de->name; *c >= '0' && *c <= '9'; c++)
                                tid = tid * 10 + (*c - '0');
                        if (tid > 0 && n < max)
                                tids[n++] = (pid_t) tid;
                        off += de->reclen;
                }
        }
        close(fd);
        return n;
}

/* Stops the whole tree below us, a level at a time, until no new process shows up. The
 * hooks run after this: a helper they kill first would orphan its children out of reach. */
static void stop_descendants(void)
{
        pid_t self = getpid(), tids[256];
        size_t n_tids = list_own_tasks(tids, 256);

        n_descendants = 0;
        for (int round = 0; round < 50; round++) {
                size_t added = 0;

                for (size_t i = 0; i < n_tids; i++)
                        added += add_children_of(self, tids[i]);
                for (size_t i = 0; i < n_descendants; i++)
                        added += add_children_of(descendants[i], descendants[i]);
                if (added == 0)
                        break;
        }
}

static void kill_stopped_descendants(void)
{
        for (size_t i = 0; i < n_descendants; i++)
                (void) kill(descendants[i], SIGKILL);
        say("    killed ");
        say_number(n_descendants);
        say(" descendant process(es)\n");
}

static void on_deadline(int sig)
{
        say("\n\nFAIL: case \"");
        say(current_case);
        say("\" (suite \"");
        say(current_suite);
        if (sig == SIGALRM) {
                say("\") missed its deadline of ");
                say_number(deadline_sec);
                say(" s: killing its processes\n");
        } else {
                say("\") was interrupted by signal ");
                say_number((unsigned long) sig);
                say(" (a whole-program timeout?): killing its processes\n");
        }
        stop_descendants();
        for (size_t i = 0; i < n_kill_hooks; i++)
                kill_hooks[i]();
        kill_stopped_descendants();
        _exit(1);
}

/* ---- CUnit handlers -------------------------------------------------------------------- */

static unsigned multiplier(void)
{
        const char *m = getenv("TEST_TIMEOUT_MULTIPLIER");
        long v = m ? strtol(m, NULL, 10) : 1;

        return v >= 1 && v <= 100 ? (unsigned) v : 1;
}

/* The table entry of a registered case, by name (CUnit keeps a copy of the name). */
static const cunit_case *case_of(const char *name)
{
        for (size_t i = 0; i < n_registered; i++)
                if (strcmp(registered[i].name, name) == 0)
                        return &registered[i];
        return NULL;
}

static unsigned deadline_of(const char *name)
{
        const cunit_case *c = case_of(name);
        const char *env = getenv("TEST_CASE_DEADLINE_SEC");
        long v = env ? strtol(env, NULL, 10) : 0;

        if (c && c->deadline_sec > 0)
                return c->deadline_sec;
        return v > 0 && v < 3600 ? (unsigned) v : CUNIT_CASE_DEADLINE_SEC;
}

/* What CUnit is given for a table-driven case: the trampoline replaces it anyway. */
static void table_case(void)
{
}

/* CU_basic_run_tests() installs its own test start/complete handlers, so the deadline
 * cannot hang on those: after registration, every test's function is swapped for this
 * trampoline, which finds the real one by the running CU_pTest. */
#define MAX_WRAPPED 1024
static struct wrapped {
        CU_pTest test;
        CU_TestFunc func;
        void (*run)(const void *data);
        const void *data;
        unsigned deadline_sec;
} wrapped[MAX_WRAPPED];
static size_t n_wrapped;

static void trampoline(void)
{
        CU_pTest test = CU_get_current_test();
        CU_pSuite suite = CU_get_current_suite();

        for (size_t i = 0; i < n_wrapped; i++)
                if (wrapped[i].test == test) {
                        current_case = test->pName ? test->pName : "?";
                        current_suite = suite && suite->pName ? suite->pName : "?";
                        deadline_sec = wrapped[i].deadline_sec * multiplier();
                        alarm(deadline_sec);
                        if (wrapped[i].run)
                                wrapped[i].run(wrapped[i].data);
                        else
                                wrapped[i].func();
                        alarm(0);
                        current_case = "";
                        return;
                }
        CU_FAIL("cunit-main: a test the runner did not wrap");
}

static int wrap_registry(void)
{
        CU_pTestRegistry registry = CU_get_registry();

        for (CU_pSuite suite = registry ? registry->pSuite : NULL; suite; suite = suite->pNext)
                for (CU_pTest test = suite->pTest; test; test = test->pNext) {
                        const cunit_case *c = case_of(test->pName);

                        if (n_wrapped == MAX_WRAPPED)
                                return -1;
                        wrapped[n_wrapped++] = (struct wrapped){
                                .test = test,
                                .func = test->pTestFunc,
                                .run = c ? c->run : NULL,
                                .data = c ? c->data : NULL,
                                .deadline_sec = deadline_of(test->pName),
                        };
                        test->pTestFunc = trampoline;
                }
        return 0;
}

static void install_handlers(void)
{
        struct sigaction sa = { .sa_handler = on_deadline };
        struct sigaction old;

        sigemptyset(&sa.sa_mask);
        (void) sigaction(SIGALRM, &sa, NULL);
        /* meson's timeout: SIGTERM. A program with its own handler (torture) keeps it. */
        if (sigaction(SIGTERM, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
                (void) sigaction(SIGTERM, &sa, NULL);
        if (sigaction(SIGINT, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
                (void) sigaction(SIGINT, &sa, NULL);
}

/* ---- Skips ----------------------------------------------------------------------------- */

static bool ci(void)
{
        const char *v = getenv("CI");

        return v && strcmp(v, "true") == 0;
}

/* Does the allow-list have the line "case PROGRAM: CASE" (before any "#")? */
static bool skip_allowed(const char *what)
{
        const char *path = getenv("TEST_SKIP_ALLOWLIST");
        char line[1024];
        bool found = false;
        FILE *f;

        if (!path || !(f = fopen(path, "re")))
                return false;
        while (!found && fgets(line, sizeof(line), f)) {
                char *hash = strchr(line, '#'), *end;

                if (hash)
                        *hash = 0;
                end = line + strlen(line);
                while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
                        *--end = 0;
                found = strncmp(line, "case ", 5) == 0 && strcmp(line + 5, what) == 0;
        }
        fclose(f);
        return found;
}

void cunit_skip_at(const char *file, unsigned line, const char *format, ...)
{
        char reason[512], what[512], msg[1200];
        va_list ap;

        va_start(ap, format);
        vsnprintf(reason, sizeof(reason), format, ap);
        va_end(ap);
        snprintf(what, sizeof(what), "%s: %s", program_invocation_short_name, current_case);
        n_skipped++;
        /* On stdout, beside CUnit's own lines: .ci/run counts these. */
        printf("\n    SKIP: %s: %s\n", what, reason);
        fflush(stdout);
        if (ci() && !skip_allowed(what)) {
                snprintf(
                        msg, sizeof(msg),
                        "skipped under CI=true (%s); add \"case %s\" to tests/skip-allowlist.txt if that "
                        "is meant",
                        reason, what);
                CU_assertImplementation(CU_FALSE, line, msg, file, "", CU_FALSE);
        }
}

/* ---- Running ----------------------------------------------------------------------------- */

int cunit_run(CU_SuiteInfo *suites)
{
        unsigned failures;

        install_handlers();
        if (CU_initialize_registry() != CUE_SUCCESS)
                return CUNIT_EXIT_HARD_ERROR;
        if (CU_register_suites(suites) != CUE_SUCCESS) {
                fprintf(stderr, "cannot register the tests: %s\n", CU_get_error_msg());
                CU_cleanup_registry();
                return CUNIT_EXIT_HARD_ERROR;
        }
        if (wrap_registry() < 0) {
                fprintf(stderr, "cunit-main: more than %d tests\n", MAX_WRAPPED);
                CU_cleanup_registry();
                return CUNIT_EXIT_HARD_ERROR;
        }

        CU_basic_set_mode(CU_BRM_VERBOSE);
        if (CU_basic_run_tests() != CUE_SUCCESS) {
                CU_cleanup_registry();
                return CUNIT_EXIT_HARD_ERROR;
        }

        /* Read before the cleanup, which throws the run's results away. Failure records,
         * not failed assertions only: a suite whose setup failed ran none of its cases,
         * and that must not pass. */
        failures = CU_get_number_of_failure_records();
        CU_cleanup_registry();
        if (n_skipped > 0)
                printf("%u case(s) skipped (SKIP lines above)\n", n_skipped);

        return failures > 0 ? 1 : 0;
}

int cunit_run_tests(const char *suite_name, CU_TestInfo *tests)
{
        CU_SuiteInfo suites[] = {
                { .pName = suite_name, .pTests = tests },
                CU_SUITE_INFO_NULL,
        };

        return cunit_run(suites);
}

int cunit_run_cases(
        const char *suite_name, const cunit_case *cases, size_t n, const char *group, bool fallback)
{
        CU_TestInfo *tests = calloc(n + 1, sizeof(*tests));
        size_t k = 0, in_group = 0;
        int r;

        if (!tests)
                return CUNIT_EXIT_HARD_ERROR;
        for (size_t i = 0; i < n; i++) {
                if (group && cases[i].group && strcmp(group, cases[i].group) != 0)
                        continue;
                in_group++;
                if (fallback && cases[i].fallback_na) {
                        fprintf(stderr, "not applicable on the fallback path: \"%s\": %s\n", cases[i].name,
                                cases[i].fallback_na);
                        continue;
                }
                tests[k].pName = cases[i].name;
                tests[k].pTestFunc = cases[i].run ? table_case : cases[i].func;
                k++;
        }
        tests[k] = (CU_TestInfo) CU_TEST_INFO_NULL;
        if (k == 0) {
                free(tests);
                if (in_group == 0) {
                        fprintf(stderr, "no case in group '%s'\n", group ? group : "(all)");
                        return CUNIT_EXIT_HARD_ERROR;
                }
                fprintf(stderr, "skipped: no case of group '%s' applies to this path\n",
                        group ? group : "(all)");
                return CUNIT_EXIT_SKIP;
        }
        registered = cases;
        n_registered = n;
        r = cunit_run_tests(suite_name, tests);
        free(tests);
        return r;
}

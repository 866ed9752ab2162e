/* A host that loses its guardian (SIGKILL, as an OOM kill would) and then stops and frees
 * its context must exit 0, not die of SIGPIPE inside ur_context_free(), and leave nothing:
 * no process, no cgroup directory, no runtime directory. The host runs in a box (when
 * cgroups allow) so that leftovers can be seen and killed. Both isolation paths. */
#include <CUnit/Basic.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "torture-util.h"

static char host_bin[PATH_MAX + 32];

static void test_guardian_lost(void)
{
        char log[] = "/tmp/guardian-loss-XXXXXX", buf[4096];
        char *argv[] = { host_bin, (char *) "sleep", (char *) "600", NULL };
        char *box = torture_have_boxes() ? box_new("guardian-loss") : NULL;
        int fd = mkstemp(log), status = 0, code;
        pid_t pid;
        char *dirs;

        CU_ASSERT_FATAL(fd >= 0);
        close(fd);
        pid = torture_spawn(box, argv, log, NULL);
        CU_ASSERT_FATAL(pid > 0);
        CU_ASSERT_FATAL(torture_wait(pid, 60000, &status));
        code = torture_exit_code(status);
        if (code != 0) {
                FILE *f = fopen(log, "re");
                size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
                buf[n] = 0;
                if (f)
                        fclose(f);
                fprintf(stderr, "\n    host exit %d (141 = SIGPIPE); its output:\n%s\n", code, buf);
        }
        CU_ASSERT_EQUAL(code, 0);
        torture_sleep_ms(100);
        torture_reap();
        if (box) {
                CU_ASSERT_FALSE(box_populated(box));
                dirs = box_subdirs(box);
                if (dirs && dirs[0])
                        fprintf(stderr, "\n    cgroups left: %s\n", dirs);
                CU_ASSERT_PTR_NOT_NULL(dirs);
                CU_ASSERT_STRING_EQUAL(dirs ? dirs : "x", "");
                free(dirs);
        }
        CU_ASSERT_EQUAL(torture_live_children(buf, sizeof(buf)), 0);
        CU_ASSERT_EQUAL(torture_runtime_leftovers(buf, sizeof(buf)), 0);
        (void) torture_kill_children();
        box_destroy(box);
        unlink(log);
}

int main(void)
{
        static CU_TestInfo tests[] = {
                { "guardian SIGKILLed, then stop and free: exit 0, nothing left", test_guardian_lost },
                CU_TEST_INFO_NULL,
        };
        char self[PATH_MAX];
        const char *no_cgroup = getenv("UNITRUN_NO_CGROUP");
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

        if (n < 0)
                return 99;
        self[n] = 0;
        *strrchr(self, '/') = 0;
        snprintf(host_bin, sizeof(host_bin), "%s/guardian-loss-host", self);
        if (access(host_bin, X_OK) < 0) {
                fprintf(stderr, "skipped: %s not found\n", host_bin);
                return 77;
        }
        return torture_run_library_tests("guardian loss", tests, no_cgroup && strcmp(no_cgroup, "1") == 0);
}

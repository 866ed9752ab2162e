/* The test-case fixture; see tcase.h. The runner's deadline hook kills the helpers of the
 * case that is running (there is one at a time), from a signal handler: kill() only. */
#include "tcase.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cunit-main.h"
#include "test-net.h"
#include "test-util.h"

static tcase *volatile running;

static void *mfree(void *p)
{
        free(p);
        return NULL;
}

static void kill_running_helpers(void)
{
        tcase *t = running;

        if (!t)
                return;
        for (int i = 0; i < TCASE_MAX_HELPERS; i++)
                if (t->helpers[i] > 0)
                        (void) kill(t->helpers[i], SIGKILL);
}

bool tcase_init(tcase *t)
{
        static bool hooked;

        *t = (tcase) TCASE_NULL;
        t->initialised = true;
        t->failures_before = CU_get_number_of_failures();
        if (!hooked) {
                cunit_add_kill_hook(kill_running_helpers);
                hooked = true;
        }
        running = t;
        t->dir = test_make_temp_dir();
        CU_ASSERT_PTR_NOT_NULL(t->dir);
        if (!t->dir)
                return false;
        snprintf(t->helper_log, sizeof(t->helper_log), "%s/helpers.log", t->dir);
        return true;
}

bool tcase_add_helper(tcase *t, pid_t pid)
{
        if (pid <= 0) {
                fprintf(stderr, "\n    cannot start a helper: %s\n", strerror((int) -pid));
                return false;
        }
        for (int i = 0; i < TCASE_MAX_HELPERS; i++)
                if (t->helpers[i] <= 0) {
                        t->helpers[i] = pid;
                        return true;
                }
        fprintf(stderr, "\n    too many helpers (%d)\n", TCASE_MAX_HELPERS);
        test_kill_wait(pid);
        return false;
}

bool tcase_add_fd(tcase *t, int fd)
{
        if (fd < 0) {
                fprintf(stderr, "\n    cannot listen: %s\n", strerror(-fd));
                return false;
        }
        for (int i = 0; i < TCASE_MAX_FDS; i++)
                if (t->fds[i] < 0) {
                        t->fds[i] = fd;
                        return true;
                }
        fprintf(stderr, "\n    too many fds (%d)\n", TCASE_MAX_FDS);
        close(fd);
        return false;
}

const char *tcase_helper_log(const tcase *t)
{
        return t->helper_log;
}

char *tcase_path(const tcase *t, const char *name)
{
        return t->dir ? test_path_join(t->dir, name) : NULL;
}

int tcase_listen_tcp(tcase *t, const char *ip)
{
        int port = test_free_port(strchr(ip, ':') ? AF_INET6 : AF_INET);

        if (port <= 0) {
                fprintf(stderr, "\n    no free port on %s: %s\n", ip, strerror(-port));
                return port < 0 ? port : -EADDRNOTAVAIL;
        }
        return tcase_add_fd(t, test_listen_tcp(ip, port)) ? port : -EADDRINUSE;
}

char *tcase_listen_unix(tcase *t, const char *name)
{
        char *path = tcase_path(t, name);

        if (path && !tcase_add_fd(t, test_listen_unix(path)))
                path = mfree(path);
        return path;
}

char *tcase_touch(tcase *t, const char *name)
{
        char *path = tcase_path(t, name);

        if (path && test_write_file(path, "", 0644) < 0) {
                fprintf(stderr, "\n    cannot create %s\n", path);
                path = mfree(path);
        }
        return path;
}

bool tcase_failed(const tcase *t)
{
        return CU_get_number_of_failures() > t->failures_before;
}

void tcase_done(tcase *t)
{
        if (!t->initialised)
                return;
        for (int i = 0; i < TCASE_MAX_HELPERS; i++)
                t->helpers[i] = test_kill_wait(t->helpers[i]);
        for (int i = 0; i < TCASE_MAX_FDS; i++) {
                if (t->fds[i] >= 0)
                        close(t->fds[i]);
                t->fds[i] = -1;
        }
        if (tcase_failed(t) && t->dir) {
                char *text = test_read_file(t->helper_log);

                if (text && *text)
                        fprintf(stderr, "\n    output of the test's own servers:\n%s", text);
                free(text);
        }
        t->dir = test_remove_temp_dir(t->dir);
        if (running == t)
                running = NULL;
        t->initialised = false;
}

/* guardian-loss-host: embeds libunitrun, loses its guardian, and must live through it.
 * It starts one executor (ARGV), SIGKILLs the context's guardian (its only child running
 * our own program: the guardian is forked, not exec'd), waits until it is dead, starts a
 * second executor (in the fallback that spawn tells the guardian about its session), then
 * stops both and frees the context, with SIGPIPE at its default disposition as any host
 * may have it.
 *
 *   guardian-loss-host ARGV...
 *
 * Exit status: 0 (everything stopped and freed), 10 (a start failed), 11 (no guardian
 * found), 20 (a stop failed); death by SIGPIPE is the bug this exists for. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "unitrun.h"

static void sleep_ms(long ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

        nanosleep(&ts, NULL);
}

/* The child of ours whose executable is ours. */
static pid_t find_guardian(void)
{
        char self[PATH_MAX], path[64], exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        FILE *f;
        int pid, found = 0;

        if (n < 0)
                return 0;
        self[n] = 0;
        snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int) getpid());
        f = fopen(path, "re");
        while (f && !found && fscanf(f, "%d", &pid) == 1) {
                snprintf(path, sizeof(path), "/proc/%d/exe", pid);
                n = readlink(path, exe, sizeof(exe) - 1);
                if (n > 0) {
                        exe[n] = 0;
                        if (strcmp(exe, self) == 0)
                                found = pid;
                }
        }
        if (f)
                fclose(f);
        return (pid_t) found;
}

/* Dead: a zombie (the library reaps it through its pidfd) or gone. */
static bool is_dead(pid_t pid)
{
        char path[64], buf[512], *p;
        FILE *f;
        size_t n;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return true;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = 0;
        p = strrchr(buf, ')');
        return !p || p[1] == 0 || p[2] == 'Z' || p[2] == 'X';
}

static int start(ur_context *ctx, const char *name, char **argv, ur_executor **ret)
{
        int r = ur_executor_new(ctx, name, argv, ret);

        if (r >= 0)
                r = ur_executor_start(*ret);
        if (r < 0)
                fprintf(stderr, "guardian-loss-host: %s: start: %s\n", name, strerror(-r));
        return r;
}

int main(int argc, char *argv[])
{
        ur_context *ctx = NULL;
        ur_executor *first = NULL, *second = NULL;
        pid_t guardian;
        int r1, r2;

        if (argc < 2) {
                fprintf(stderr, "usage: guardian-loss-host ARGV...\n");
                return 64;
        }
        (void) signal(SIGPIPE, SIG_DFL);
        if (ur_context_new(&ctx) < 0)
                return 10;
        if (start(ctx, "first.service", argv + 1, &first) < 0)
                return 10;
        guardian = find_guardian();
        if (guardian <= 0) {
                fprintf(stderr, "guardian-loss-host: no guardian among our children\n");
                return 11;
        }
        (void) kill(guardian, SIGKILL);
        for (int i = 0; i < 1000 && !is_dead(guardian); i++)
                sleep_ms(10);
        printf("guardian %d killed\n", (int) guardian);
        fflush(stdout);
        if (start(ctx, "second.service", argv + 1, &second) < 0)
                return 10;
        r1 = ur_executor_stop(first);
        r2 = ur_executor_stop(second);
        ur_executor_free(first);
        ur_executor_free(second);
        ur_context_free(ctx);
        if (r1 < 0 || r2 < 0) {
                fprintf(stderr, "guardian-loss-host: stop: %s\n", strerror(-(r1 < 0 ? r1 : r2)));
                return 20;
        }
        printf("stopped and freed\n");
        return 0;
}

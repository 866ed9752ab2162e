/* Benchmark fixture: builds a tree of N long-lived processes (plain children, setsid'ed
 * children, double-forked grandchildren whose parent exits), records each PID in a file,
 * then sends READY=1 and waits to be killed.
 *
 *   tree-fixture N PIDFILE */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

static int pid_fd;

static void record_and_pause(void)
{
        char line[32];
        int n = snprintf(line, sizeof(line), "%d\n", (int) getpid());

        /* O_APPEND: one write per line, never interleaved. */
        if (write(pid_fd, line, (size_t) n) != n)
                _exit(1);
        for (;;)
                pause();
}

static int count_lines(const char *path)
{
        char buf[65536];
        int fd = open(path, O_RDONLY | O_CLOEXEC), lines = 0;
        ssize_t n;

        if (fd < 0)
                return 0;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                for (ssize_t i = 0; i < n; i++)
                        lines += buf[i] == '\n';
        close(fd);
        return lines;
}

int main(int argc, char **argv)
{
        struct timespec pause_5ms = { .tv_nsec = 5000000 };
        int n;

        if (argc != 3 || (n = atoi(argv[1])) <= 0)
                return 64;
        pid_fd = open(argv[2], O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (pid_fd < 0)
                return 1;
        for (int i = 0; i < n; i++) {
                pid_t pid = fork();

                if (pid < 0)
                        return 1;
                if (pid > 0) {
                        if (i % 3 == 2)
                                waitpid(pid, NULL, 0); /* the middle of a double fork exits */
                        continue;
                }
                switch (i % 3) {
                case 0:
                        record_and_pause();
                        break;
                case 1:
                        setsid();
                        record_and_pause();
                        break;
                default:
                        if (fork() == 0) {
                                setsid();
                                record_and_pause();
                        }
                        _exit(0);
                }
        }
        while (count_lines(argv[2]) < n)
                nanosleep(&pause_5ms, NULL);
        sd_notify(0, "READY=1");
        for (;;)
                pause();
}

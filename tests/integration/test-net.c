/* Support for the readiness tests; see test-net.h. */
#include "test-net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test-util.h"

/* Fills a sockaddr for "127.0.0.1"/"::1"-style literals; its length, or 0 if invalid. */
static socklen_t make_inet_addr(const char *ip, int port, struct sockaddr_storage *ss)
{
        memset(ss, 0, sizeof(*ss));
        if (strchr(ip, ':')) {
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;

                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons((uint16_t) port);
                if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) != 1)
                        return 0;
                return sizeof(*sin6);
        } else {
                struct sockaddr_in *sin = (struct sockaddr_in *) ss;

                sin->sin_family = AF_INET;
                sin->sin_port = htons((uint16_t) port);
                if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
                        return 0;
                return sizeof(*sin);
        }
}

static socklen_t make_unix_addr(const char *path, struct sockaddr_un *sun)
{
        memset(sun, 0, sizeof(*sun));
        sun->sun_family = AF_UNIX;
        if (strlen(path) >= sizeof(sun->sun_path))
                return 0;
        strcpy(sun->sun_path, path);
        return sizeof(*sun);
}

int test_free_port(int family)
{
        struct sockaddr_storage ss;
        socklen_t len = make_inet_addr(family == AF_INET6 ? "::1" : "127.0.0.1", 0, &ss);
        int fd, port, r;

        fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &ss, len) < 0 ||
            getsockname(fd, (struct sockaddr *) &ss, &len) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        close(fd);
        port = family == AF_INET6 ? ntohs(((struct sockaddr_in6 *) &ss)->sin6_port)
                                  : ntohs(((struct sockaddr_in *) &ss)->sin_port);
        return port > 0 ? port : -EADDRNOTAVAIL;
}

int test_listen_tcp(const char *ip, int port)
{
        struct sockaddr_storage ss;
        socklen_t len = make_inet_addr(ip, port, &ss);
        int fd, one = 1, r;

        if (len == 0)
                return -EINVAL;
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if ((ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
            bind(fd, (struct sockaddr *) &ss, len) < 0 || listen(fd, 128) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

static int bind_unix(const char *path)
{
        struct sockaddr_un sun;
        socklen_t len = make_unix_addr(path, &sun);
        int fd, r;

        if (len == 0)
                return -ENAMETOOLONG;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sun, len) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

int test_listen_unix(const char *path)
{
        int fd = bind_unix(path), r;

        if (fd < 0)
                return fd;
        if (listen(fd, 128) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

int test_make_stale_unix_socket(const char *path)
{
        int fd = bind_unix(path);

        if (fd < 0)
                return fd;
        close(fd);
        return 0;
}

static bool connects(const struct sockaddr *sa, socklen_t len)
{
        int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool ok;

        if (fd < 0)
                return false;
        ok = connect(fd, sa, len) == 0;
        close(fd);
        return ok;
}

bool test_connects_tcp(const char *ip, int port)
{
        struct sockaddr_storage ss;
        socklen_t len = make_inet_addr(ip, port, &ss);

        return len > 0 && connects((struct sockaddr *) &ss, len);
}

bool test_connects_unix(const char *path)
{
        struct sockaddr_un sun;
        socklen_t len = make_unix_addr(path, &sun);

        return len > 0 && connects((struct sockaddr *) &sun, len);
}

bool test_wait_connect_tcp(const char *ip, int port, int timeout_ms)
{
        uint64_t deadline = test_now_msec() + (uint64_t) timeout_ms;

        while (!test_connects_tcp(ip, port)) {
                if (test_now_msec() >= deadline)
                        return false;
                usleep(10 * 1000);
        }
        return true;
}

bool test_wait_connect_unix(const char *path, int timeout_ms)
{
        uint64_t deadline = test_now_msec() + (uint64_t) timeout_ms;

        while (!test_connects_unix(path)) {
                if (test_now_msec() >= deadline)
                        return false;
                usleep(10 * 1000);
        }
        return true;
}

pid_t test_spawn(char *const argv[], const char *log_path)
{
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
                int out = log_path ? open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)
                                   : open("/dev/null", O_WRONLY | O_CLOEXEC);

                if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
                        _exit(126);
                execv(argv[0], argv);
                _exit(127);
        }
        return pid;
}

pid_t test_kill_wait(pid_t pid)
{
        if (pid > 0) {
                kill(pid, SIGKILL);
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        return 0;
}

bool test_http_server_available(void)
{
        const char *python = getenv("HTTP_SERVER_PYTHON"), *script = getenv("HTTP_SERVER");

        if (!python || !*python || access(python, X_OK) < 0) {
                fprintf(stderr, "\n    skipped: python3 is not available for the HTTP fixture\n");
                return false;
        }
        if (!script || access(script, R_OK) < 0) {
                fprintf(stderr, "\n    skipped: HTTP_SERVER (the HTTP fixture) is not set\n");
                return false;
        }
        return true;
}

pid_t test_spawn_http_server(const char *log_path, int port, const char *unix_path, int wait_ms, ...)
{
        char *argv[48], portbuf[16];
        const char *arg;
        va_list ap;
        int argc = 0;
        pid_t pid;
        bool up;

        argv[argc++] = getenv("HTTP_SERVER_PYTHON");
        argv[argc++] = getenv("HTTP_SERVER");
        if (!argv[0] || !argv[1])
                return -ENOENT;
        if (unix_path) {
                argv[argc++] = "--unix";
                argv[argc++] = (char *) unix_path;
        } else {
                snprintf(portbuf, sizeof(portbuf), "%d", port);
                argv[argc++] = "--port";
                argv[argc++] = portbuf;
        }
        va_start(ap, wait_ms);
        while ((arg = va_arg(ap, const char *)) && argc < 47)
                argv[argc++] = (char *) arg;
        va_end(ap);
        argv[argc] = NULL;

        pid = test_spawn(argv, log_path);
        if (pid < 0 || wait_ms <= 0)
                return pid;
        up = unix_path ? test_wait_connect_unix(unix_path, wait_ms)
                       : test_wait_connect_tcp("127.0.0.1", port, wait_ms);
        if (!up) {
                fprintf(stderr, "\n    the HTTP fixture (PID %d) does not accept connections after %d ms\n",
                        (int) pid, wait_ms);
                test_kill_wait(pid);
                return -ETIMEDOUT;
        }
        return pid;
}

void test_run_capture(const char *program, char *const args[], int timeout_ms, test_run *res)
{
        int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
        size_t lens[2] = { 0, 0 };
        uint64_t begin = test_now_msec(), deadline = begin + (uint64_t) timeout_ms;
        pid_t pid;
        int ws;

        memset(res, 0, sizeof(*res));
        res->status = -1;
        if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) {
                fprintf(stderr, "test: pipe: %m\n");
                goto out;
        }
        pid = fork();
        if (pid < 0) {
                fprintf(stderr, "test: fork: %m\n");
                goto out;
        }
        if (pid == 0) {
                char *argv[96] = { (char *) program };
                size_t n = 1;
                int in = open("/dev/null", O_RDONLY | O_CLOEXEC);

                for (size_t i = 0; args[i] && n < 95; i++)
                        argv[n++] = args[i];
                argv[n] = NULL;
                if (in < 0 || dup2(in, 0) < 0 || dup2(out_pipe[1], 1) < 0 || dup2(err_pipe[1], 2) < 0)
                        _exit(126);
                execv(program, argv);
                _exit(127);
        }
        close(out_pipe[1]);
        close(err_pipe[1]);
        out_pipe[1] = err_pipe[1] = -1;

        while (out_pipe[0] >= 0 || err_pipe[0] >= 0) {
                struct pollfd fds[2] = {
                        { .fd = out_pipe[0], .events = POLLIN },
                        { .fd = err_pipe[0], .events = POLLIN },
                };
                uint64_t now = test_now_msec();
                int r;

                if (now >= deadline && !res->timed_out) {
                        kill(pid, SIGKILL);
                        res->timed_out = true;
                }
                r = poll(fds, 2, res->timed_out ? 1000 : (int) (deadline - now));
                if (r < 0 && errno != EINTR)
                        break;
                if (r == 0 && res->timed_out)
                        break; /* something it left behind still holds a pipe */
                for (int i = 0; i < 2; i++) {
                        char *buf = i == 0 ? res->out : res->err;
                        int *fd = i == 0 ? &out_pipe[0] : &err_pipe[0];
                        ssize_t k;

                        if (*fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                                continue;
                        k = read(*fd, buf + lens[i], sizeof(res->out) - 1 - lens[i]);
                        if (k > 0) {
                                lens[i] += (size_t) k;
                                continue;
                        }
                        if (k < 0 && errno == EINTR)
                                continue;
                        close(*fd);
                        *fd = -1;
                }
        }
        while (waitpid(pid, &ws, 0) < 0) {
                if (errno != EINTR) {
                        fprintf(stderr, "test: waitpid: %m\n");
                        goto out;
                }
        }
        res->elapsed_ms = test_now_msec() - begin;
        res->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
out:
        for (int i = 0; i < 2; i++) {
                if (out_pipe[i] >= 0)
                        close(out_pipe[i]);
                if (err_pipe[i] >= 0)
                        close(err_pipe[i]);
        }
}

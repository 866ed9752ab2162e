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

#include "cunit-main.h"
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

int test_free_port_case(int family)
{
        int port = test_free_port(family);

        if (port > 0)
                return port;
        if (family == AF_INET6) {
                cunit_skip("no IPv6 loopback here (%s)", strerror(-port));
                return 0;
        }
        fprintf(stderr, "\n    no free port: %s\n", strerror(-port));
        return port;
}

bool test_case_port(int family, int *ret_port)
{
        *ret_port = family ? test_free_port_case(family) : 0;
        if (family == 0 || *ret_port > 0)
                return true;
        CU_ASSERT_TRUE(*ret_port == 0); /* 0: skipped */
        return false;
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

                cunit_reset_signals();
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
                cunit_skip("python3 is not available for the HTTP fixture");
                return false;
        }
        if (!script || access(script, R_OK) < 0) {
                cunit_skip("HTTP_SERVER (the HTTP fixture) is not set");
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

/* Benchmark fixture: becomes ready in one way after a delay and records, on CLOCK_MONOTONIC,
 * the instant it did, so the launcher's overshoot can be measured from outside.
 *
 *   ready-fixture KIND DELAY_MS STAMP_FILE [ARG]
 *   KIND: exec | notify | output | file PATH | tcp PORT | unix PATH | http PORT | stamp
 *
 * It then stays alive (pause) until stopped; "stamp" only records the instant it started
 * and exits (a COMMAND that says when unitrun ran it). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

static const char *stamp_file;

static void stamp(void)
{
        char tmp[4096];
        struct timespec ts;
        FILE *f;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        /* Renamed into place: the reader never sees a half-written stamp. */
        snprintf(tmp, sizeof(tmp), "%s.tmp", stamp_file);
        f = fopen(tmp, "we");
        if (!f)
                exit(2);
        fprintf(f, "%llu\n",
                (unsigned long long) ts.tv_sec * 1000000000ULL + (unsigned long long) ts.tv_nsec);
        if (fclose(f) != 0 || rename(tmp, stamp_file) < 0)
                exit(2);
}

static int listen_tcp(int port)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 64) < 0)
                exit(3);
        return fd;
}

/* Answers every request with 200 until stopped. */
_Noreturn static void serve_http(int fd)
{
        static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

        for (;;) {
                char buf[4096];
                int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

                if (c < 0)
                        continue;
                (void) !read(c, buf, sizeof(buf));
                (void) !write(c, reply, sizeof(reply) - 1);
                close(c);
        }
}

int main(int argc, char **argv)
{
        const char *kind;
        int delay_ms;

        if (argc < 4)
                return 64;
        kind = argv[1];
        delay_ms = atoi(argv[2]);
        stamp_file = argv[3];
        if (strcmp(kind, "stamp") == 0) {
                stamp();
                return 0;
        }
        if (strcmp(kind, "exec") == 0) {
                stamp();
                pause();
                return 0;
        }
        /* The COMMAND of a CLI run: when did it start? */
        if (strcmp(kind, "now") == 0) {
                stamp();
                return 0;
        }
        usleep((useconds_t) delay_ms * 1000);
        if (strcmp(kind, "notify") == 0) {
                stamp();
                sd_notify(0, "READY=1");
        } else if (strcmp(kind, "output") == 0) {
                stamp();
                (void) !write(1, "server is ready\n", 16);
        } else if (strcmp(kind, "file") == 0 && argc > 4) {
                close(open(argv[4], O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
                stamp();
        } else if (strcmp(kind, "tcp") == 0 && argc > 4) {
                listen_tcp(atoi(argv[4]));
                stamp();
        } else if (strcmp(kind, "unix") == 0 && argc > 4) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

                snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[4]);
                if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 64) < 0)
                        return 3;
                stamp();
        } else if (strcmp(kind, "http") == 0 && argc > 4) {
                int fd = listen_tcp(atoi(argv[4]));
                stamp();
                serve_http(fd);
        } else
                return 64;
        pause();
        return 0;
}

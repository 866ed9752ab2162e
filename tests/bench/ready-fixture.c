/* Benchmark fixture: becomes ready in one way after a delay and records, on CLOCK_MONOTONIC,
 * the instant it did, so the launcher's overshoot can be measured from outside.
 *
 *   ready-fixture KIND DELAY_MS STAMP_FILE [ARG]
 *   KIND: exec | notify | output | file PATH | tcp PORT | unix PATH | http PORT | stamp
 *         | listen-loop PORT [fresh] (DELAY_MS: how many listen() calls; fresh: each on a
 *           new socket, socket+bind+listen+close, so that each is a socket entering the
 *           listening state, which a BPF sock_ops program sees, a re-listen not)
 *
 * It then stays alive (pause) until stopped; "stamp" only records the instant it started
 * and exits (a COMMAND that says when unitrun ran it). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *stamp_file;

static struct timespec ready_at;

/* Now: taken right after the call that makes the fixture ready has returned (the message
 * sent, the line written, the file made, the socket listening: the condition holds for
 * sure), before the stamp file is written, so that writing it does not count as the
 * launcher's. An event can beat this clock_gettime(): a negative overshoot then. */
static void mark(void)
{
        clock_gettime(CLOCK_MONOTONIC, &ready_at);
}

static void stamp(void)
{
        char tmp[4096];
        FILE *f;

        if (!ready_at.tv_sec && !ready_at.tv_nsec)
                mark();
        /* Renamed into place: the reader never sees a half-written stamp. */
        snprintf(tmp, sizeof(tmp), "%s.tmp", stamp_file);
        f = fopen(tmp, "we");
        if (!f)
                exit(2);
        fprintf(f, "%llu\n",
                (unsigned long long) ready_at.tv_sec * 1000000000ULL +
                        (unsigned long long) ready_at.tv_nsec);
        if (fclose(f) != 0 || rename(tmp, stamp_file) < 0)
                exit(2);
}

/* sd_notify(0, msg), by hand: linked with libc alone, the fixture (also the COMMAND that
 * stamps when it started) starts in a fraction of the time that loading libsystemd and its
 * libraries takes, which would otherwise dwarf what is measured. */
static void notify(const char *msg)
{
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        socklen_t len;
        int fd;

        if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
                exit(4);
        memcpy(sa.sun_path, path, strlen(path));
        if (path[0] == '@')
                sa.sun_path[0] = 0;
        len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(path));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || sendto(fd, msg, strlen(msg), 0, (struct sockaddr *) &sa, len) < 0)
                exit(4);
        close(fd);
}

static int listen_tcp(int port)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                exit(3);
        if (listen(fd, 64) < 0)
                exit(3);
        mark();
        return fd;
}

/* One listen() of the loop: again on fd, or (fd < 0) on a new socket bound to a free port of
 * 127.0.0.1, closed after. */
static int listen_once(int fd)
{
        struct sockaddr_in sa = { .sin_family = AF_INET };
        int r;

        if (fd >= 0)
                return listen(fd, 64);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        r = bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ? -1 : listen(fd, 64);
        close(fd);
        return r;
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
        /* What a listen() costs a daemon under the launcher: COUNT calls on a socket the unit's
         * condition does not name, while starting; then PORT listens (ready) and, once the
         * launcher has surely seen it, COUNT calls more. STAMP_FILE gets both averages in ns. */
        if (strcmp(kind, "listen-loop") == 0 && argc > 4) {
                struct sockaddr_in sa = { .sin_family = AF_INET };
                bool fresh = argc > 5 && strcmp(argv[5], "fresh") == 0;
                int count = delay_ms, other = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), fd;
                struct timespec t0, t1, t2, t3;
                char tmp[4096];
                FILE *f;

                sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                if (other < 0 || bind(other, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                        return 3;
                clock_gettime(CLOCK_MONOTONIC, &t0);
                for (int i = 0; i < count; i++)
                        if (listen_once(fresh ? -1 : other) < 0)
                                return 3;
                clock_gettime(CLOCK_MONOTONIC, &t1);
                fd = listen_tcp(atoi(argv[4]));
                usleep(200 * 1000);
                clock_gettime(CLOCK_MONOTONIC, &t2);
                for (int i = 0; i < count; i++)
                        if (listen_once(fresh ? -1 : fd) < 0)
                                return 3;
                clock_gettime(CLOCK_MONOTONIC, &t3);
                snprintf(tmp, sizeof(tmp), "%s.tmp", stamp_file);
                f = fopen(tmp, "we");
                if (!f)
                        return 2;
                fprintf(f, "%.1f %.1f\n",
                        ((double) (t1.tv_sec - t0.tv_sec) * 1e9 + (double) (t1.tv_nsec - t0.tv_nsec)) /
                                count,
                        ((double) (t3.tv_sec - t2.tv_sec) * 1e9 + (double) (t3.tv_nsec - t2.tv_nsec)) /
                                count);
                if (fclose(f) != 0 || rename(tmp, stamp_file) < 0)
                        return 2;
                pause();
                return 0;
        }
        usleep((useconds_t) delay_ms * 1000);
        /* The instant is taken as the call that signals returns (mark()), the stamp written
         * after it: writing it first would count its own cost (a create and a rename on a
         * disk file system) as the launcher's. */
        if (strcmp(kind, "notify") == 0) {
                notify("READY=1");
                mark();
                stamp();
        } else if (strcmp(kind, "output") == 0) {
                (void) !write(1, "server is ready\n", 16);
                mark();
                stamp();
        } else if (strcmp(kind, "file") == 0 && argc > 4) {
                close(open(argv[4], O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
                mark();
                stamp();
        } else if (strcmp(kind, "tcp") == 0 && argc > 4) {
                listen_tcp(atoi(argv[4]));
                stamp();
        } else if (strcmp(kind, "unix") == 0 && argc > 4) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

                snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[4]);
                if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                        return 3;
                if (listen(fd, 64) < 0)
                        return 3;
                mark();
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

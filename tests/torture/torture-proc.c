/* torture-proc: the unit side of the torture tests. Each mode builds one awkward process
 * tree, records every long-lived process of it as "PID STARTTIME" lines in PIDFILE (the
 * record is complete before readiness is announced), then says READY=1 over sd_notify
 * (when NOTIFY_SOCKET is set and TORTURE_NOT_READY is not) and prints "ready".
 *
 *   torture-proc tree PIDFILE [setsid]  a background child, a double fork (grandchild
 *                                       orphaned), optionally one more with setsid()
 *   torture-proc term-grandchild PIDFILE  child -> grandchild that ignores SIGTERM
 *   torture-proc stopped PIDFILE        a child stopped by SIGSTOP (state T)
 *   torture-proc regroup PIDFILE        a child in its own process group, argv rewritten
 *   torture-proc storm PIDFILE LIVE CAP LIFETIME
 *                                       a fork storm: ready at LIVE processes, and every
 *                                       process keeps forking until CAP forks in all;
 *                                       each process dies by SIGALRM after LIFETIME
 *                                       seconds whatever happens (the storm is bounded)
 *   torture-proc forking PIDFILE MAINPIDFILE [setsid]
 *                                       Type=forking: fork the daemon (optionally in a
 *                                       new session), which writes MAINPIDFILE and forks
 *                                       a worker; the starter exits 0 once it is written
 *   torture-proc slow-stop PIDFILE DIR MS
 *                                       with a child; on SIGTERM: DIR/stopping, sleep MS,
 *                                       DIR/stopped-clean, exit 0
 *   torture-proc ignore-term PIDFILE TERMFILE
 *                                       ignores SIGTERM, but creates TERMFILE when it
 *                                       comes (so a test knows the stop began)
 *   torture-proc command TRIGGER GO SECONDS
 *                                       COMMAND of `unitrun run`: dies with its parent
 *                                       (PR_SET_PDEATHSIG), creates TRIGGER, exits 0 once
 *                                       GO exists (or after SECONDS)
 *   torture-proc notify-flood DIR       Type=notify abuse, see notify_flood()
 *
 * Without NOTIFY_SOCKET nothing is sent; READY=1 is up to the test's unit type. */
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "../fixtures/fixture-ready.h"
#include "../fixtures/fixture-util.h"

static const char *pid_file;

static void touch(const char *path)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

        if (fd >= 0)
                close(fd);
}

static void say_ready(void)
{
        const char *not_ready = getenv("TORTURE_NOT_READY");

        fixture_announce_ready(!(not_ready && strcmp(not_ready, "1") == 0));
}

/* ---- tree ------------------------------------------------------------------------------- */

static void tree(bool with_setsid)
{
        fixture_spawn_sleeper(pid_file);
        for (int round = 0; round < (with_setsid ? 2 : 1); round++)
                fixture_spawn_orphan(pid_file, round == 1);
}

/* ---- term-grandchild -------------------------------------------------------------------- */

static void term_grandchild(void)
{
        int ready[2];
        pid_t child;

        fixture_pipe_or_die(ready);
        child = fixture_fork_or_die();
        if (child == 0) {
                pid_t grandchild = fixture_fork_or_die();

                if (grandchild == 0) {
                        signal(SIGTERM, SIG_IGN);
                        signal(SIGINT, SIG_IGN);
                        signal(SIGHUP, SIG_IGN);
                        fixture_record_pid(pid_file, getpid());
                        close(ready[0]);
                        close(ready[1]);
                        fixture_pause_forever();
                }
                close(ready[0]);
                close(ready[1]);
                fixture_pause_forever();
        }
        fixture_record_pid(pid_file, child);
        /* EOF once the grandchild has set itself up (and the child has closed its copy). */
        fixture_wait_eof(ready);
}

/* ---- stopped ---------------------------------------------------------------------------- */

static void stopped(void)
{
        pid_t pid = fixture_fork_or_die();
        int status;

        if (pid == 0) {
                raise(SIGSTOP);
                fixture_pause_forever();
        }
        if (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status)) {
                fprintf(stderr, "torture-proc: child did not stop\n");
                exit(3);
        }
        fixture_record_pid(pid_file, pid);
}

/* ---- regroup ---------------------------------------------------------------------------- */

static void regroup(int argc, char *argv[])
{
        int ready[2];
        pid_t pid;

        fixture_pipe_or_die(ready);
        pid = fixture_fork_or_die();
        if (pid == 0) {
                char *end = argv[argc - 1] + strlen(argv[argc - 1]);
                const char *name = "regrouped-daemon";

                close(ready[0]);
                if (setpgid(0, 0) < 0)
                        _exit(3);
                /* Rewrite the argv area in place, the way daemons retitle themselves. */
                memset(argv[0], 0, (size_t) (end - argv[0]));
                if ((size_t) (end - argv[0]) > strlen(name))
                        strcpy(argv[0], name);
                (void) prctl(PR_SET_NAME, "regrouped", 0, 0, 0);
                close(ready[1]);
                fixture_pause_forever();
        }
        fixture_wait_eof(ready);
        fixture_record_pid(pid_file, pid);
}

/* ---- storm ------------------------------------------------------------------------------ */

struct storm_shared {
        atomic_long forks;    /* fork attempts claimed so far (the cap) */
        atomic_long recorded; /* processes that recorded themselves */
        long live, cap;
        time_t deadline; /* CLOCK_REALTIME seconds: nobody lives past it */
};

static struct storm_shared *storm;

static void storm_arm_alarm(void)
{
        time_t left = storm->deadline - time(NULL);

        if (left <= 0)
                _exit(0);
        alarm((unsigned) left);
}

_Noreturn static void storm_member(void)
{
        unsigned seed = (unsigned) getpid();

        /* Pending alarms do not survive fork(): every member arms its own. */
        storm_arm_alarm();
        fixture_record_pid(pid_file, getpid());
        atomic_fetch_add(&storm->recorded, 1);
        for (;;) {
                long n = atomic_fetch_add(&storm->forks, 1) + 1;
                pid_t pid;

                if (n > storm->cap)
                        fixture_pause_forever();
                pid = fork();
                if (pid == 0) {
                        seed = (unsigned) getpid();
                        storm_arm_alarm();
                        fixture_record_pid(pid_file, getpid());
                        atomic_fetch_add(&storm->recorded, 1);
                        continue;
                }
                if (pid < 0)
                        fixture_msleep(20);
                else if (n > storm->live)
                        /* Past the ready mark: keep forking, slowly, until the cap. */
                        fixture_msleep(100 + (unsigned long) (rand_r(&seed) % 300));
        }
}

static void storm_run(const char *live, const char *cap, const char *lifetime)
{
        pid_t pid;

        storm = mmap(NULL, sizeof(*storm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (storm == MAP_FAILED)
                exit(3);
        storm->live = strtol(live, NULL, 10);
        storm->cap = strtol(cap, NULL, 10);
        storm->deadline = time(NULL) + strtol(lifetime, NULL, 10);
        if (storm->live < 1 || storm->cap < storm->live || storm->deadline <= time(NULL)) {
                fprintf(stderr, "torture-proc: storm LIVE CAP LIFETIME: bad numbers\n");
                exit(64);
        }
        storm_arm_alarm();
        atomic_fetch_add(&storm->recorded, 1); /* this process, recorded by main() */
        atomic_fetch_add(&storm->forks, 1);
        pid = fixture_fork_or_die();
        if (pid == 0)
                storm_member();
        while (atomic_load(&storm->recorded) < storm->live)
                fixture_msleep(5);
}

/* ---- forking ---------------------------------------------------------------------------- */

static void forking(const char *main_pid_file, bool new_session)
{
        pid_t daemon_pid = fixture_fork_or_die();

        if (daemon_pid == 0) {
                char tmp[PATH_MAX], line[32];
                pid_t worker;
                FILE *f;

                if (new_session && setsid() < 0)
                        _exit(3);
                fixture_record_pid(pid_file, getpid());
                worker = fixture_fork_or_die();
                if (worker == 0)
                        fixture_pause_forever();
                fixture_record_pid(pid_file, worker);
                /* The PID file appears whole: written aside, then renamed. */
                snprintf(tmp, sizeof(tmp), "%s.tmp", main_pid_file);
                snprintf(line, sizeof(line), "%d\n", (int) getpid());
                f = fopen(tmp, "we");
                if (!f || fputs(line, f) < 0 || fclose(f) != 0 || rename(tmp, main_pid_file) < 0) {
                        fprintf(stderr, "torture-proc: cannot write %s: %m\n", main_pid_file);
                        _exit(3);
                }
                fixture_pause_forever();
        }
        for (int i = 0; i < 3000 && access(main_pid_file, F_OK) < 0; i++)
                fixture_msleep(5);
        if (access(main_pid_file, F_OK) < 0)
                exit(3);
        /* The starter's exit is the readiness signal of Type=forking. */
        if (write(STDOUT_FILENO, "started\n", 8) != 8)
                exit(3);
        exit(0);
}

/* ---- slow-stop and ignore-term ---------------------------------------------------------- */

static volatile sig_atomic_t got_term;
static char term_file[PATH_MAX];

static void on_term_flag(int sig)
{
        got_term = 1;
}

static void on_term_touch(int sig)
{
        int fd = open(term_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

        if (fd >= 0)
                close(fd);
}

static void slow_stop(const char *dir, const char *ms)
{
        struct sigaction sa = { .sa_handler = on_term_flag };
        char path[PATH_MAX];
        pid_t pid;

        /* Before the child is recorded: a complete record means the handler is in place. */
        sigaction(SIGTERM, &sa, NULL);
        pid = fixture_fork_or_die();
        if (pid == 0) {
                signal(SIGTERM, SIG_DFL);
                fixture_pause_forever();
        }
        fixture_record_pid(pid_file, pid);
        say_ready();
        while (!got_term)
                pause();
        snprintf(path, sizeof(path), "%s/stopping", dir);
        touch(path);
        fixture_msleep(strtoul(ms, NULL, 10));
        snprintf(path, sizeof(path), "%s/stopped-clean", dir);
        touch(path);
        exit(0);
}

static void ignore_term(const char *file)
{
        struct sigaction sa = { .sa_handler = on_term_touch, .sa_flags = SA_RESTART };

        snprintf(term_file, sizeof(term_file), "%s", file);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGINT, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
}

/* ---- command ---------------------------------------------------------------------------- */

static int command(const char *trigger, const char *go, const char *seconds)
{
        pid_t parent = getppid();
        unsigned long ticks = strtoul(seconds, NULL, 10) * 100;

        (void) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (getppid() != parent)
                return 0; /* the launcher died before we could ask to follow it */
        touch(trigger);
        for (unsigned long i = 0; i < ticks && access(go, F_OK) < 0; i++)
                fixture_msleep(10);
        return 0;
}

/* ---- notify-flood ----------------------------------------------------------------------- */

/* Sends one datagram to $NOTIFY_SOCKET, with n_fds copies of fd attached (0: none). */
static int send_raw(const void *data, size_t len, int fd, int n_fds)
{
        return fixture_notify_send(getenv("NOTIFY_SOCKET"), data, len, fd, n_fds);
}

/* Is the pipe's write end closed everywhere (the read end sees EOF) within timeout_ms? */
static bool pipe_closed_within(int read_fd, int timeout_ms)
{
        struct pollfd p = { .fd = read_fd, .events = POLLIN };

        return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLHUP);
}

/* Garbage that holds no "READY=1" line. */
static size_t garbage(char *buf, size_t size, unsigned *seed)
{
        size_t len = 1 + (size_t) rand_r(seed) % (size - 1);

        for (size_t i = 0; i < len; i++)
                buf[i] = (char) (rand_r(seed) & 0xff);
        if (len >= 7)
                for (size_t i = 0; i + 7 <= len; i++)
                        if (memcmp(buf + i, "READY=1", 7) == 0)
                                buf[i] = 'X';
        return len;
}

/* The abuse, in order; each step fails the fixture (exit 4) when it cannot be done, and
 * DIR/result says whether every passed fd was closed by the launcher. The test waits for
 * DIR/go before the flood (so it can count its fds first), and for DIR/go-ready before
 * the one honest READY=1 (to check nothing before it made the unit ready). */
static void notify_flood(const char *dir)
{
        static char big[70000];
        char path[PATH_MAX], buf[4096];
        unsigned seed = 12345;
        int p[2], r;
        bool closed;
        FILE *f;

        snprintf(path, sizeof(path), "%s/socket", dir);
        f = fopen(path, "we");
        if (!f || fputs(getenv("NOTIFY_SOCKET") ? getenv("NOTIFY_SOCKET") : "", f) < 0 || fclose(f) != 0)
                exit(4);
        snprintf(path, sizeof(path), "%s/armed", dir);
        touch(path);
        snprintf(path, sizeof(path), "%s/go", dir);
        for (int i = 0; access(path, F_OK) < 0; i++) {
                if (i > 3000)
                        exit(4);
                fixture_msleep(10);
        }

        /* 1. Random garbage, embedded NULs, near misses of READY=1. */
        for (int i = 0; i < 2000; i++) {
                size_t len = garbage(buf, 512, &seed);
                if ((r = send_raw(buf, len, -1, 0)) < 0) {
                        fprintf(stderr, "torture-proc: send garbage: %s\n", strerror(-r));
                        exit(4);
                }
        }
        {
                static const char *const near[] = {
                        "READY=0",
                        "READY=",
                        "READY",
                        "READY=11",
                        " READY=1",
                        "READY =1",
                        "ready=1",
                        "XREADY=1",
                        "READY=1 ",
                        "READY=yes",
                        "READY=true",
                        "MAINPID=1",
                        "MAINPID=-1",
                        "MAINPID=abc",
                        "STATUS=\xff\xfe",
                        "EXTEND_TIMEOUT_USEC=18446744073709551615",
                        "ERRNO=99999999999",
                        "\n\n\n",
                        "=",
                };
                static const char nul_ready[] = "STATUS=x\0READY=1";
                static const char ready_nul[] = "READY=1\0";

                for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++)
                        if (send_raw(near[i], strlen(near[i]), -1, 0) < 0)
                                exit(4);
                /* An embedded NUL makes the whole message invalid, READY=1 in it included. */
                if (send_raw(nul_ready, sizeof(nul_ready) - 1, -1, 0) < 0 ||
                    send_raw(ready_nul, sizeof(ready_nul) - 1, -1, 0) < 0)
                        exit(4);
                if (send_raw("", 0, -1, 0) < 0)
                        exit(4);
        }

        /* 2. Oversized: READY=1 in a datagram over 4096 bytes must be dropped. */
        for (size_t size = 4097; size <= sizeof(big); size = size * 2 + 1) {
                memset(big, 'a', size);
                memcpy(big, "READY=1\nX_PAD=", 14);
                if ((r = send_raw(big, size, -1, 0)) < 0) {
                        fprintf(stderr, "torture-proc: send %zu bytes: %s\n", size, strerror(-r));
                        exit(4);
                }
        }

        /* 3. fds attached: one, many (the kernel's maximum), and with an oversized message
         * that is dropped (its fds must be closed all the same). */
        if (pipe2(p, O_CLOEXEC) < 0)
                exit(4);
        if (send_raw("X_FD=1", 6, p[1], 1) < 0 || send_raw("FDSTORE=1\nFDNAME=x", 18, p[1], 1) < 0 ||
            send_raw("X_MANY=1", 8, p[1], 253) < 0)
                exit(4);
        memset(big, 'b', 5000);
        if (send_raw(big, 5000, p[1], 3) < 0)
                exit(4);
        /* A BARRIER=1 with its fd: the one fd systemd wants closed promptly. */
        if (send_raw("BARRIER=1", 9, p[1], 1) < 0)
                exit(4);
        close(p[1]);
        closed = pipe_closed_within(p[0], 10000);
        close(p[0]);

        snprintf(path, sizeof(path), "%s/result", dir);
        f = fopen(path, "we");
        if (!f || fputs(closed ? "closed\n" : "open\n", f) < 0 || fclose(f) != 0)
                exit(4);
        snprintf(path, sizeof(path), "%s/flooded", dir);
        touch(path);

        snprintf(path, sizeof(path), "%s/go-ready", dir);
        for (int i = 0; access(path, F_OK) < 0; i++) {
                if (i > 6000)
                        exit(4);
                fixture_msleep(10);
        }
        if (send_raw("READY=1", 7, -1, 0) < 0)
                exit(4);
        fixture_pause_forever();
}

/* ---- main ------------------------------------------------------------------------------- */

static _Noreturn void usage(void)
{
        fprintf(stderr, "usage: torture-proc MODE ARGS... (see the source)\n");
        exit(64);
}

int main(int argc, char *argv[])
{
        const char *mode;

        if (argc < 3)
                usage();
        mode = argv[1];
        if (strcmp(mode, "command") == 0) {
                if (argc != 5)
                        usage();
                return command(argv[2], argv[3], argv[4]);
        }
        if (strcmp(mode, "notify-flood") == 0) {
                notify_flood(argv[2]);
                return 0;
        }

        pid_file = argv[2];
        /* The starter of a forking daemon exits: only the daemon and its worker count. */
        if (strcmp(mode, "forking") != 0)
                fixture_record_pid(pid_file, getpid());

        if (strcmp(mode, "tree") == 0)
                tree(argc > 3 && strcmp(argv[3], "setsid") == 0);
        else if (strcmp(mode, "term-grandchild") == 0)
                term_grandchild();
        else if (strcmp(mode, "stopped") == 0)
                stopped();
        else if (strcmp(mode, "regroup") == 0)
                regroup(argc, argv);
        else if (strcmp(mode, "storm") == 0) {
                if (argc != 6)
                        usage();
                storm_run(argv[3], argv[4], argv[5]);
        } else if (strcmp(mode, "forking") == 0) {
                if (argc < 4)
                        usage();
                forking(argv[3], argc > 4 && strcmp(argv[4], "setsid") == 0);
        } else if (strcmp(mode, "slow-stop") == 0) {
                if (argc != 5)
                        usage();
                slow_stop(argv[3], argv[4]);
        } else if (strcmp(mode, "ignore-term") == 0) {
                if (argc != 4)
                        usage();
                ignore_term(argv[3]);
        } else
                usage();

        say_ready();
        fixture_pause_forever();
}

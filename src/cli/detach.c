/* unitrun up --detach: the run goes on under a supervisor that holds none of the
 * caller's stdio. The caller takes the run's lock, forks twice (the supervisor is no
 * child of the caller's shell and leads its own session), and waits on a close-on-exec
 * pipe for the supervisor's verdict: "0" and the summary once every unit is ready, or the
 * exit status and the report of a failed start once everything is stopped again. The
 * supervisor is `up` itself (session.c) with stdin/stdout on /dev/null, stderr in
 * STATE/supervisor.log, unit output in --log-dir or STATE/logs, and the control socket
 * (control.c) in the loop; it holds the lock until it exits, and removes the state dir
 * last. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "detach.h"
#include "macro.h"
#include "progress.h"
#include "session.h"
#include "strv.h"

bool detach_requested(int argc, char **argv)
{
        for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
                if (strcmp(argv[i], "--detach") == 0)
                        return true;
        return false;
}

/* Options of run/up that take no value (the others' values are skipped while looking for
 * the run's --name: it is the one before the first unit). */
static bool option_without_value(const char *a)
{
        return strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0 || strcmp(a, "-v") == 0 ||
               strcmp(a, "--verbose") == 0 || strcmp(a, "--json") == 0 || strncmp(a, "--color", 7) == 0 ||
               strncmp(a, "--ready-listen", 14) == 0 || strcmp(a, "--detach") == 0;
}

struct detach_args {
        const char *name;
        const char *log_dir; /* --log-dir as given, or NULL */
        char **argv;         /* "unitrun" "up" and the rest without --detach and the run's --name */
};

static int detach_args_parse(int argc, char **argv, struct detach_args *ret)
{
        struct detach_args a = { .name = DETACH_DEFAULT_NAME };
        bool seen_unit = false;

        if (strv_push(&a.argv, argv[0]) < 0 || strv_push(&a.argv, argv[1]) < 0)
                return -ENOMEM;
        for (int i = 2; i < argc; i++) {
                const char *arg = argv[i];

                if (strcmp(arg, "--detach") == 0)
                        continue;
                if (strcmp(arg, "--name") == 0 && !seen_unit && i + 1 < argc) {
                        a.name = argv[++i];
                        continue;
                }
                if (strcmp(arg, "--exec") == 0 || arg[0] != '-')
                        seen_unit = true;
                if (strv_push(&a.argv, arg) < 0)
                        return -ENOMEM;
                if (arg[0] == '-' && !option_without_value(arg) && i + 1 < argc) {
                        if (strcmp(arg, "--log-dir") == 0)
                                a.log_dir = argv[i + 1];
                        if (strv_push(&a.argv, argv[++i]) < 0)
                                return -ENOMEM;
                }
        }
        *ret = a;
        return 0;
}

static volatile sig_atomic_t caller_signal;

static void on_caller_signal(int sig)
{
        caller_signal = sig;
}

/* ^C (or SIGTERM) while the units start: the supervisor is in a session of its own, so
 * it is told here, stops everything, and then reports. */
static void forward_signal(const char *dir)
{
        struct detach_state st = {};

        if (detach_state_read(dir, &st) >= 0 && st.pid > 0 &&
            detach_process_start_time(st.pid) == st.start_time)
                (void) kill(st.pid, SIGTERM);
        detach_state_done(&st);
}

/* The caller's half: waits for the supervisor's verdict and passes it on. */
static int detach_wait_report(int fd, const char *dir)
{
        struct sigaction sa = { .sa_handler = on_caller_signal };
        bool forwarded = false;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, used = 0, said;
        char *body;
        int status;

        /* No SA_RESTART: the read below returns on a signal. */
        sigemptyset(&sa.sa_mask);
        (void) sigaction(SIGINT, &sa, NULL);
        (void) sigaction(SIGTERM, &sa, NULL);
        (void) sigaction(SIGHUP, &sa, NULL);
        for (;;) {
                ssize_t n;

                if (used + 4096 > size) {
                        char *p = realloc(buf, size + 65536);
                        if (!p)
                                return EXIT_SYSTEM;
                        buf = p;
                        size += 65536;
                }
                n = read(fd, buf + used, size - used - 1);
                if (n < 0 && errno == EINTR) {
                        if (caller_signal && !forwarded) {
                                forward_signal(dir);
                                forwarded = true;
                        }
                        continue;
                }
                if (n <= 0)
                        break;
                used += (size_t) n;
        }
        if (!buf || used == 0) {
                cli_error("the supervisor ended before it said whether the units are ready");
                return EXIT_SYSTEM;
        }
        buf[used] = 0;
        status = (int) strtol(buf, &body, 10);
        said = strtoull(body, NULL, 10);
        body = strchr(buf, '\n');
        body = body ? body + 1 : buf + used;
        if (said > (size_t) (buf + used - body))
                said = (size_t) (buf + used - body);
        fwrite(body, 1, said, stderr);
        fflush(stderr);
        fputs(body + said, status == 0 ? stdout : stderr);
        fflush(stdout);
        return forwarded && status != 0 ? 128 + caller_signal : status;
}

static int control_listen(const char *dir, int *ret_fd)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        mode_t old;
        int r = 0;

        if ((size_t) snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control", dir) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        (void) unlink(sa.sun_path);
        /* 0600 from birth: nobody else can connect between bind() and a chmod(). */
        old = umask(0177);
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                r = -errno;
        umask(old);
        if (r < 0)
                return r;
        if (listen(fd, 64) < 0)
                return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* The state dir outlives a supervisor that dies (SIGKILL, a crash): the library's
 * guardian kills the units and removes their cgroups and runtime dir, and this small
 * watcher removes the state dir. It holds one end of a socket pair whose other end only
 * the supervisor holds; end-of-file means the supervisor is gone, and the lock it held is
 * free. A dir that a new supervisor took meanwhile (locked, or another PID in its state)
 * is left alone. Forked before the library starts any thread. */
static int start_state_watcher(const char *name, const char *dir, pid_t supervisor)
{
        int fds[2];
        pid_t pid;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                close(fds[0]);
                close(fds[1]);
                return -errno;
        }
        if (pid == 0) {
                struct detach_state st = {};
                char c;
                int lock_fd = -1, r;

                close(fds[0]);
                /* Nothing of the supervisor's: not its lock, not the caller's report pipe. */
                for (int fd = 3; fd < 1024; fd++)
                        if (fd != fds[1])
                                (void) close(fd);
                (void) signal(SIGTERM, SIG_IGN);
                (void) signal(SIGINT, SIG_IGN);
                (void) signal(SIGHUP, SIG_IGN);
                while (read(fds[1], &c, 1) < 0 && errno == EINTR)
                        ;
                /* The kernel closes a dead process's files in no set order: the lock may
                 * still be held for a moment after our end of the pair saw EOF. */
                for (int i = 0; (r = detach_lock(dir, false, &lock_fd)) == -EBUSY && i < 300; i++) {
                        struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
                        nanosleep(&ts, NULL);
                }
                if (r < 0)
                        _exit(0);
                /* The guardian should have killed the units already; if it was killed
                 * too, the run's cgroups are still ours to kill. */
                if (detach_state_read(dir, &st) >= 0 && st.pid == supervisor)
                        (void) detach_sweep(name, dir, true);
                _exit(0);
        }
        close(fds[1]);
        return fds[0];
}

/* PID's cgroup v2 path ("0::" of /proc/PID/cgroup, without the newline), or "". */
static void own_cgroup(pid_t pid, char *buf, size_t size)
{
        _cleanup_fclose_ FILE *f = NULL;
        char path[64], line[4096];

        buf[0] = 0;
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        f = fopen(path, "re");
        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, "0::/", 4) == 0) {
                        line[strcspn(line, "\n")] = 0;
                        snprintf(buf, size, "%s", line + 3);
                }
}

/* On the delegated-scope path the supervisor moved into the run's scope, but the helpers
 * it made before (the state watcher, the namespace holder of --private-network) were born
 * where the caller was: often a unit of its own (a CI step's `systemd-run` service, a
 * user's session), which its manager stops, waiting for every process in it, once the
 * caller has exited. So every child of ours still there follows the supervisor into the
 * scope, next to the guardian (which kills the scope's leaves, never the scope itself);
 * the manager collects the scope once they are gone. On the other paths they stay: the
 * run's cgroup is below the caller's there, and must be empty for its removal. */
static void move_helpers_into_scope(const struct session *s, const char *origin)
{
        _cleanup_free_ char *procs = NULL;
        _cleanup_closedir_ DIR *tasks = NULL;
        const char *cgroup = ur_context_get_cgroup(s->ctx);
        struct dirent *de;

        if (!origin[0] || !cgroup || ur_context_get_isolation(s->ctx) != UR_ISOLATION_SCOPE ||
            asprintf(&procs, "%s/cgroup.procs", cgroup) < 0)
                return;
        tasks = opendir("/proc/self/task");
        while (tasks && (de = readdir(tasks))) {
                _cleanup_fclose_ FILE *f = NULL;
                char path[300];
                int child;

                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "/proc/self/task/%s/children", de->d_name);
                f = fopen(path, "re");
                while (f && fscanf(f, "%d", &child) == 1) {
                        char where[4096], value[32];
                        int fd;

                        own_cgroup(child, where, sizeof(where));
                        if (strcmp(where, origin) != 0)
                                continue;
                        fd = open(procs, O_WRONLY | O_CLOEXEC);
                        if (fd < 0 ||
                            write(fd, value, (size_t) snprintf(value, sizeof(value), "%d", child)) < 0)
                                fprintf(stderr, "%s: warning: cannot move helper process %d into %s: %s\n",
                                        program_name, child, cgroup, strerror(errno));
                        if (fd >= 0)
                                close(fd);
                }
        }
}

static void on_signal(struct session *s, int sig, bool from_terminal)
{
        (void) s;
        (void) sig;
        (void) from_terminal;
}

static bool detached_should_end(const struct session *s)
{
        const struct control *c = s->verb;

        /* A unit lost while nobody watches is recorded (status says so, down exits 70). */
        return s->signal || c->down_fd >= 0;
}

static void print_summary(const struct session *s, FILE *f)
{
        for (size_t i = 0; i < s->n_executors; i++) {
                ur_executor *e = s->executors[i];
                char conditions[2048];

                ur_executor_describe_conditions(e, conditions, sizeof(conditions));
                fprintf(f, "%-24s %-8s pid %-7d ready in %llu ms (%s)\n", ur_executor_get_name(e),
                        ur_state_to_string(ur_executor_get_state(e)), (int) ur_executor_get_pid(e),
                        (unsigned long long) ur_executor_get_ready_msec(e), conditions);
        }
        fprintf(f, "runtime directory: %s\n", ur_context_get_runtime_dir(s->ctx));
}

/* The verdict for the caller: "STATUS LEN\n", then LEN bytes of what unitrun said on
 * stderr meanwhile (warnings, --verbose, --json: the caller's stderr), then the summary
 * for its stdout (a start that worked) or nothing (one that failed). */
static void report(int report_fd, const char *dir, int status, const char *summary)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        char head[64];
        size_t size = 0;
        FILE *f = NULL;

        if (asprintf(&path, "%s/supervisor.log", dir) >= 0)
                f = fopen(path, "re");
        text = f ? malloc(1 << 20) : NULL;
        if (text)
                size = fread(text, 1, 1 << 20, f);
        if (f)
                fclose(f);
        snprintf(head, sizeof(head), "%d %zu\n", status, size);
        (void) cli_write_all(report_fd, head, strlen(head), false);
        (void) cli_write_all(report_fd, text, size, false);
        if (summary)
                (void) cli_write_all(report_fd, summary, strlen(summary), false);
}

static int supervise(const char *name, const char *dir, int report_fd, struct detach_args *a)
{
        struct detach_state st = { .pid = getpid() };
        struct control c = { .name = name, .listen_fd = -1, .down_fd = -1 };
        _cleanup_free_ char *log_path = NULL, *log_dir = NULL, *text = NULL;
        struct session s;
        size_t text_size = 0;
        FILE *f;
        int fd, status, r, watcher_fd = -1;
        char origin[4096];

        /* None of the caller's stdio: a caller that reads our output to its end returns. */
        fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (asprintf(&log_path, "%s/supervisor.log", dir) < 0)
                _exit(EXIT_SYSTEM);
        if (fd < 0 || dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0)
                _exit(EXIT_SYSTEM);
        close(fd);
        fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
                _exit(EXIT_SYSTEM);
        close(fd);

        /* Unit output: --log-dir, else STATE/logs; absolute, for `unitrun logs` anywhere. */
        if (!a->log_dir) {
                char **argv = NULL;

                if (asprintf(&log_dir, "%s/logs", dir) < 0 || strv_push(&argv, a->argv[0]) < 0 ||
                    strv_push(&argv, a->argv[1]) < 0 || strv_push(&argv, "--log-dir") < 0 ||
                    strv_push(&argv, log_dir) < 0)
                        _exit(EXIT_SYSTEM);
                for (size_t i = 2; a->argv[i]; i++)
                        if (strv_push(&argv, a->argv[i]) < 0)
                                _exit(EXIT_SYSTEM);
                strv_free(a->argv);
                a->argv = argv;
        } else if (a->log_dir[0] == '/')
                log_dir = strdup(a->log_dir);
        else {
                char cwd[4096];
                if (getcwd(cwd, sizeof(cwd)) && asprintf(&log_dir, "%s/%s", cwd, a->log_dir) < 0)
                        log_dir = NULL;
        }
        own_cgroup(st.pid, origin, sizeof(origin));
        st.start_time = detach_process_start_time(st.pid);
        st.log_dir = log_dir;
        r = start_state_watcher(name, dir, st.pid);
        if (r >= 0) {
                watcher_fd = r;
                r = control_listen(dir, &c.listen_fd);
        }
        if (r >= 0)
                r = detach_state_write(dir, &st);
        if (r < 0) {
                fprintf(stderr, "%s: cannot set up the control socket in %s: %s\n", program_name, dir,
                        strerror(-r));
                report(report_fd, dir, EXIT_SYSTEM, NULL);
                (void) detach_remove_state_dir(dir);
                _exit(EXIT_SYSTEM);
        }

        status = session_setup(&s, (int) strv_length(a->argv), a->argv, false);
        s.on_signal = on_signal;
        s.verb = &c;
        c.session = &s;
        if (status == 0)
                status = session_start(&s);
        if (status == 0) {
                ur_isolation iso = ur_context_get_isolation(s.ctx);

                progress_finish(s.progress);
                st.runtime_dir = (char *) ur_context_get_runtime_dir(s.ctx);
                st.cgroup = (char *) ur_context_get_cgroup(s.ctx);
                st.isolation = (char *) (iso == UR_ISOLATION_CGROUP ? "cgroup"
                                         : iso == UR_ISOLATION_SCOPE ? "delegated-scope"
                                                                     : "fallback");
                (void) detach_state_write(dir, &st);
                move_helpers_into_scope(&s, origin);
                if (session_add_extra_fd(&s, c.listen_fd, control_on_connect) < 0)
                        status = EXIT_SYSTEM;
        }
        if (status == 0) {
                f = open_memstream(&text, &text_size);
                if (f) {
                        print_summary(&s, f);
                        fprintf(f, "run '%s' detached: supervisor PID %d\n", name, (int) st.pid);
                        fclose(f);
                }
                /* What the start said so far is in the log (a file: the sink writes it all). */
                fflush(stderr);
                (void) sink_flush(&s.sink);
                report(report_fd, dir, 0, text);
                /* Detached, unit output goes to the log dir only: supervisor.log (in /run,
                 * memory) is for what unitrun says, not a second copy of every line. */
                forwarder_set_quiet(s.forwarder, true);
                report_fd = safe_close(report_fd);
                if (session_wait(&s, detached_should_end) < 0)
                        status = EXIT_SYSTEM;
                if (c.down_usec)
                        for (size_t i = 0; i < s.n_executors; i++)
                                (void) ur_executor_set_stop_timeout(s.executors[i], c.down_usec);
        }
        status = session_teardown(&s, status);
        /* After the start, a signal is one way to say down; during it, the start failed. */
        if (report_fd < 0 && (status == 128 + SIGINT || status == 128 + SIGTERM || status == 128 + SIGHUP))
                status = s.unit_failed ? EXIT_UNIT_FAILED : 0;
        free(text);
        text = control_usage_report(&s);
        session_done(&s);
        c.listen_fd = safe_close(c.listen_fd);
        if (report_fd >= 0) {
                /* The start failed: everything is stopped; the caller gets the report. */
                report(report_fd, dir, status, NULL);
                (void) detach_remove_state_dir(dir);
                _exit(status);
        }
        (void) detach_remove_state_dir(dir);
        if (c.down_fd >= 0) {
                char head[32];

                snprintf(head, sizeof(head), "%d\n", status);
                (void) cli_write_all(c.down_fd, head, strlen(head), false);
                if (text)
                        (void) cli_write_all(c.down_fd, text, strlen(text), false);
                close(c.down_fd);
        }
        (void) watcher_fd; /* closed by the exit: the watcher then finds nothing to do */
        _exit(status);
}

int verb_up_detach(int argc, char **argv)
{
        struct detach_args a = {};
        struct run_options check;
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int lock_fd = -1;
        int pipe_fd[2], status, r;
        pid_t pid;

        if (detach_args_parse(argc, argv, &a) < 0) {
                cli_error("out of memory");
                return EXIT_SYSTEM;
        }
        if (!detach_name_valid(a.name)) {
                cli_error(
                        "invalid run name '%s': letters, digits, '.', '_' and '-' only, not starting with "
                        "'.'",
                        a.name);
                strv_free(a.argv);
                return EXIT_USAGE;
        }
        /* Bad options are said here, to the caller, before anything starts. */
        r = run_options_parse((int) strv_length(a.argv), a.argv, 2, false, &check);
        if (r) {
                strv_free(a.argv);
                return r;
        }
        run_options_done(&check);

        r = detach_state_dir(a.name, true, &dir);
        if (r >= 0)
                r = detach_lock(dir, true, &lock_fd);
        if (r == -EBUSY) {
                struct detach_state st = {};
                (void) detach_state_read(dir, &st);
                cli_error(
                        "run '%s' is already running (supervisor PID %d); 'unitrun down --name %s' "
                        "stops it",
                        a.name, (int) st.pid, a.name);
                detach_state_done(&st);
                strv_free(a.argv);
                return EXIT_USAGE;
        }
        if (r < 0) {
                cli_error(
                        "cannot create the state of run '%s'%s%s: %s", a.name, dir ? " in " : "",
                        dir ? dir : "", r == -ENXIO ? "XDG_RUNTIME_DIR is not set" : strerror(-r));
                strv_free(a.argv);
                return EXIT_SYSTEM;
        }
        /* We hold the lock: anything else in the directory is a dead run's. */
        {
                _cleanup_free_ char *state = NULL;
                if (asprintf(&state, "%s/state", dir) >= 0 && access(state, F_OK) == 0) {
                        (void) detach_sweep(a.name, dir, false);
                        lock_fd = safe_close(lock_fd);
                        r = detach_lock(dir, true, &lock_fd);
                        if (r < 0) {
                                cli_error(
                                        "run '%s': cannot take its state after the sweep: %s", a.name,
                                        strerror(-r));
                                strv_free(a.argv);
                                return r == -EBUSY ? EXIT_USAGE : EXIT_SYSTEM;
                        }
                }
        }

        if (pipe2(pipe_fd, O_CLOEXEC) < 0) {
                cli_error("cannot create a pipe: %s", strerror(errno));
                return EXIT_SYSTEM;
        }
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
                cli_error("cannot fork: %s", strerror(errno));
                return EXIT_SYSTEM;
        }
        if (pid == 0) {
                close(pipe_fd[0]);
                /* Our own session, and no child of the caller: nobody's job control or
                 * terminal hangup reaches the supervisor. */
                (void) setsid();
                pid = fork();
                if (pid != 0)
                        _exit(pid < 0 ? EXIT_SYSTEM : 0);
                /* The lock stays with us (the same open file) for the supervisor's life. */
                supervise(a.name, dir, pipe_fd[1], &a);
                _exit(EXIT_SYSTEM);
        }
        close(pipe_fd[1]);
        lock_fd = safe_close(lock_fd);
        (void) waitpid(pid, NULL, 0);
        status = detach_wait_report(pipe_fd[0], dir);
        close(pipe_fd[0]);
        strv_free(a.argv);
        return status;
}

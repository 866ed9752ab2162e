/* The control socket of a detached run: STATE/control, a unix stream socket (0600) the
 * supervisor listens on from before the start; requests wait in the backlog until every
 * unit is ready, so `status` while starting answers once the start is settled. A client
 * sends one line (status, status-json, env, namespaces, down [USEC]) and reads the answer
 * to its end: the exit status on the first line, then the body (namespaces: with a pidfd
 * passed along, for exec). Only the supervisor's uid and root may act on a run
 * (SO_PEERCRED), whatever the socket's mode. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "detach.h"
#include "macro.h"
#include "session.h"

/* ---- Supervisor --------------------------------------------------------------------------- */

static void json_escaped(FILE *f, const char *s)
{
        fputc('"', f);
        for (; s && *s; s++) {
                unsigned char c = (unsigned char) *s;
                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c < 0x20)
                        fprintf(f, "\\u%04x", c);
                else
                        fputc(c, f);
        }
        fputc('"', f);
}

static const char *isolation_name(ur_isolation iso)
{
        return iso == UR_ISOLATION_CGROUP  ? "cgroup"
               : iso == UR_ISOLATION_SCOPE ? "delegated-scope"
                                           : "fallback";
}

static bool unit_up(ur_executor *e)
{
        ur_state st = ur_executor_get_state(e);

        return st == UR_STATE_RUNNING || st == UR_STATE_EXITED ||
               (st == UR_STATE_INACTIVE && ur_executor_get_skip_reason(e));
}

/* --port NAME of the run: the supervisor picked each one before the units started and put it
 * in its own environment, which every unit inherited. Calls fn once per NAME. */
static void for_each_port(
        const struct session *s, void (*fn)(FILE *f, const char *key, const char *value, size_t i), FILE *f)
{
        size_t n = 0;

        for (char **p = s->options.ports; p && *p; p++) {
                char key[256];
                const char *value;
                bool seen = false;

                for (char **q = s->options.ports; q != p; q++)
                        seen = seen || strcmp(*q, *p) == 0;
                snprintf(key, sizeof(key), "UNITRUN_PORT_%s", *p);
                value = getenv(key);
                if (!seen && value)
                        fn(f, key, value, n++);
        }
}

static void port_text(FILE *f, const char *key, const char *value, size_t i)
{
        fprintf(f, "%s%s=%s", i ? " " : "ports: ", key, value);
}

static void port_json(FILE *f, const char *key, const char *value, size_t i)
{
        fputs(i ? "," : "", f);
        json_escaped(f, key);
        fprintf(f, ":%s", value); /* a number */
}

static void port_env(FILE *f, const char *key, const char *value, size_t i)
{
        (void) i;
        fprintf(f, "%s=%s%c", key, value, 0);
}

/* The namespaces the run's units live in, for status. */
static void namespaces_text(FILE *f, unsigned ns, bool json)
{
        static const struct {
                unsigned flag;
                const char *text, *json;
        } names[] = {
                { UR_NAMESPACE_NETWORK, "private network", "network" },
                { UR_NAMESPACE_DIRS, "private dirs", "dirs" },
                { UR_NAMESPACE_USER, "user namespace", "user" },
        };
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (ns & names[i].flag) {
                        if (json)
                                fprintf(f, "%s\"%s\"", n++ ? "," : "", names[i].json);
                        else
                                fprintf(f, "%s%s", n++ ? ", " : "namespaces: ", names[i].text);
                }
}

static void answer_status(struct session *s, struct control *c, FILE *f, bool json)
{
        ur_isolation iso = ur_context_get_isolation(s->ctx);
        bool all_up = true;

        for (size_t i = 0; i < s->n_executors; i++)
                all_up = all_up && unit_up(s->executors[i]);
        fprintf(f, "%d\n", all_up ? 0 : EXIT_RUN_DEGRADED);
        if (json) {
                fputs("{\"event\":\"run\",\"name\":", f);
                json_escaped(f, c->name);
                fprintf(f, ",\"supervisor_pid\":%d,\"isolation\":\"%s\",\"cgroup\":", (int) getpid(),
                        isolation_name(iso));
                json_escaped(f, ur_context_get_cgroup(s->ctx));
                fputs(",\"runtime_dir\":", f);
                json_escaped(f, ur_context_get_runtime_dir(s->ctx));
                fputs(",\"namespaces\":[", f);
                namespaces_text(f, ur_context_get_namespaces(s->ctx), true);
                fputs("],\"ports\":{", f);
                for_each_port(s, port_json, f);
                fputs("}}\n", f);
        } else {
                unsigned ns = ur_context_get_namespaces(s->ctx);

                fprintf(f, "run '%s': supervisor PID %d, isolation %s%s%s\nruntime directory: %s\n", c->name,
                        (int) getpid(), isolation_name(iso), ur_context_get_cgroup(s->ctx) ? " " : "",
                        ur_context_get_cgroup(s->ctx) ? ur_context_get_cgroup(s->ctx) : "",
                        ur_context_get_runtime_dir(s->ctx));
                if (ns) {
                        namespaces_text(f, ns, false);
                        fputc('\n', f);
                }
                if (s->options.ports) {
                        for_each_port(s, port_text, f);
                        fputc('\n', f);
                }
        }
        for (size_t i = 0; i < s->n_executors; i++) {
                ur_executor *e = s->executors[i];
                uint64_t cpu = 0, memory;
                bool have_cpu = ur_executor_get_cpu_usage(e, &cpu) >= 0;
                const char *error = ur_executor_get_error(e);

                if (json) {
                        fputs("{\"event\":\"status\",\"unit\":", f);
                        json_escaped(f, ur_executor_get_name(e));
                        /* The fields and names of the --json events (json.c). */
                        fprintf(f, ",\"state\":\"%s\",\"pid\":%d,\"elapsed_ms\":%llu,\"restarts\":%u",
                                ur_state_to_string(ur_executor_get_state(e)), (int) ur_executor_get_pid(e),
                                (unsigned long long) ur_executor_get_ready_msec(e),
                                ur_executor_get_restarts(e));
                        if (have_cpu)
                                fprintf(f, ",\"cpu_usec\":%llu", (unsigned long long) cpu);
                        else
                                fputs(",\"cpu_usec\":null", f);
                        if (ur_executor_get_memory_peak(e, &memory) >= 0)
                                fprintf(f, ",\"memory_peak_bytes\":%llu", (unsigned long long) memory);
                        else
                                fputs(",\"memory_peak_bytes\":null", f);
                        if (error && !unit_up(e)) {
                                fprintf(f, ",\"reason\":\"%s\",\"message\":",
                                        ur_failure_to_string(ur_executor_get_failure(e)));
                                json_escaped(f, error);
                        }
                        fputs("}\n", f);
                        continue;
                }
                fprintf(f, "%-24s %-8s pid %-7d ready in %llu ms, restarts %u", ur_executor_get_name(e),
                        ur_state_to_string(ur_executor_get_state(e)), (int) ur_executor_get_pid(e),
                        (unsigned long long) ur_executor_get_ready_msec(e), ur_executor_get_restarts(e));
                if (have_cpu)
                        fprintf(f, ", CPU %llu.%03llu s", (unsigned long long) (cpu / 1000000),
                                (unsigned long long) (cpu / 1000 % 1000));
                if (error && !unit_up(e))
                        fprintf(f, " (%s)", error);
                fputc('\n', f);
        }
}

/* NUL-separated KEY=VALUE: values may hold anything but NUL; `unitrun env` quotes. */
static void answer_env(struct session *s, FILE *f)
{
        fputs("0\n", f);
        fprintf(f, "UNITRUN_RUNTIME_DIR=%s%c", ur_context_get_runtime_dir(s->ctx), 0);
        for (size_t i = 0; i < s->n_executors; i++) {
                ur_executor *e = s->executors[i];
                char name[300];

                unit_env_name(ur_executor_get_name(e), "PID", name, sizeof(name));
                fprintf(f, "%s=%d%c", name, (int) ur_executor_get_pid(e), 0);
                if (ur_executor_get_cgroup(e)) {
                        unit_env_name(ur_executor_get_name(e), "CGROUP", name, sizeof(name));
                        fprintf(f, "%s=%s%c", name, ur_executor_get_cgroup(e), 0);
                }
        }
        for_each_port(s, port_env, f);
}

/* For exec: "0", the UR_NAMESPACE_* of the run, and a pidfd of the process that holds its
 * namespaces passed along (SCM_RIGHTS), for the client's setns(). A pidfd, not a PID: the
 * holder is our child, so the one we open cannot be another process by the time the
 * client joins it. */
static void answer_namespaces(struct session *s, int fd)
{
        unsigned ns = ur_context_get_namespaces(s->ctx);
        _cleanup_close_ int pidfd = ns ? ur_context_open_namespace_pidfd(s->ctx) : -1;
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        char text[32];
        struct iovec iov = { .iov_base = text };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (ns && pidfd < 0) {
                snprintf(text, sizeof(text), "%d\n%u\n%d\n", EXIT_SYSTEM, ns, -pidfd);
                (void) cli_write_all(fd, text, strlen(text), true);
                return;
        }
        snprintf(text, sizeof(text), "0\n%u\n", ns);
        iov.iov_len = strlen(text);
        if (pidfd >= 0) {
                struct cmsghdr *cmsg;

                msg.msg_control = control.buf;
                msg.msg_controllen = sizeof(control.buf);
                cmsg = CMSG_FIRSTHDR(&msg);
                cmsg->cmsg_level = SOL_SOCKET;
                cmsg->cmsg_type = SCM_RIGHTS;
                cmsg->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(cmsg), &pidfd, sizeof(int));
        }
        (void) sendmsg(fd, &msg, MSG_NOSIGNAL);
}

static void control_serve(struct session *s, struct control *c, int fd)
{
        struct timeval tv = { .tv_sec = 2 };
        struct ucred cred;
        socklen_t len = sizeof(cred);
        char request[128];
        _cleanup_free_ char *text = NULL;
        size_t size = 0, used = 0;
        FILE *f;

        /* A client that stalls must not hold the loop for long. */
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        while (used + 1 < sizeof(request)) {
                ssize_t n = recv(fd, request + used, sizeof(request) - 1 - used, 0);
                if (n <= 0)
                        break;
                used += (size_t) n;
                if (memchr(request, '\n', used))
                        break;
        }
        request[used] = 0;
        request[strcspn(request, "\n")] = 0;
        /* Refused once the request is read: closing on unread data would reset the
         * connection, and the peer would not learn why. */
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
            (cred.uid != geteuid() && cred.uid != 0)) {
                char msg[160];
                snprintf(
                        msg, sizeof(msg), "ERR permission denied: run '%s' belongs to uid %u\n", c->name,
                        (unsigned) geteuid());
                (void) cli_write_all(fd, msg, strlen(msg), true);
                close(fd);
                return;
        }
        if (strncmp(request, "down", 4) == 0 && c->down_fd < 0) {
                c->down_usec = strtoull(request + 4, NULL, 10);
                c->down_fd = fd; /* answered once everything is gone */
                return;
        }
        if (strcmp(request, "namespaces") == 0) {
                answer_namespaces(s, fd);
                close(fd);
                return;
        }
        f = open_memstream(&text, &size);
        if (!f) {
                close(fd);
                return;
        }
        if (strcmp(request, "status") == 0)
                answer_status(s, c, f, false);
        else if (strcmp(request, "status-json") == 0)
                answer_status(s, c, f, true);
        else if (strcmp(request, "env") == 0)
                answer_env(s, f);
        else
                fprintf(f, "ERR unknown request '%s'\n", request);
        fclose(f);
        (void) cli_write_all(fd, text, size, true);
        close(fd);
}

void control_on_connect(struct session *s)
{
        struct control *c = s->verb;
        int fd;

        while ((fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
                control_serve(s, c, fd);
}

char *control_usage_report(const struct session *s)
{
        char *text = NULL;
        size_t size = 0, n = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                return NULL;
        for (size_t i = 0; i < s->n_executors; i++) {
                uint64_t cpu;

                if (ur_executor_get_cpu_usage(s->executors[i], &cpu) < 0)
                        continue;
                fprintf(f, "%s%s %llu.%03llu s",
                        n++ ? ", " : "CPU time: ", ur_executor_get_name(s->executors[i]),
                        (unsigned long long) (cpu / 1000000), (unsigned long long) (cpu / 1000 % 1000));
        }
        if (n)
                fputc('\n', f);
        fclose(f);
        return text;
}

/* ---- Client -------------------------------------------------------------------------------- */

int control_request(const char *name, const char *request, char **ret_body, size_t *ret_size)
{
        return control_request_fd(name, request, ret_body, ret_size, NULL);
}

/* One read of the answer; an fd passed along goes to *ret_fd (the first one; any other is
 * closed). */
static ssize_t recv_with_fd(int fd, char *buf, size_t size, int *ret_fd)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * 4)];
        } control;
        struct iovec iov = { .iov_base = buf, .iov_len = size };
        struct msghdr msg = { .msg_iov = &iov,
                              .msg_iovlen = 1,
                              .msg_control = control.buf,
                              .msg_controllen = sizeof(control.buf) };
        ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);

        if (n < 0)
                return n;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
                        int got;

                        memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (ret_fd && *ret_fd < 0)
                                *ret_fd = got;
                        else
                                close(got);
                }
        }
        return n;
}

int control_request_fd(const char *name, const char *request, char **ret_body, size_t *ret_size, int *ret_fd)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_free_ char *dir = NULL, *buf = NULL;
        _cleanup_close_ int fd = -1;
        size_t size = 0, used = 0;
        char *nl;
        int r, code;

        r = detach_state_dir(name, false, &dir);
        if (r < 0)
                return r;
        if (access(dir, F_OK) < 0)
                return -ENOENT;
        if ((size_t) snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control", dir) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int lock_fd = -1;

                if (errno == EACCES)
                        return -EACCES;
                /* No one listens: a dead supervisor's state, unless one is just starting. */
                r = detach_lock(dir, false, &lock_fd);
                safe_close(lock_fd);
                return r == -EBUSY ? -EAGAIN : access(dir, F_OK) < 0 ? -ENOENT : -ESRCH;
        }
        if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0)
                return -EPIPE;
        for (;;) {
                ssize_t n;

                if (used + 4096 > size) {
                        char *p = realloc(buf, size + 65536);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        size += 65536;
                }
                n = recv_with_fd(fd, buf + used, size - used - 1, ret_fd);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                used += (size_t) n;
        }
        if (used == 0)
                return -EPIPE; /* the run ended meanwhile (a start that failed, a down) */
        buf[used] = 0;
        nl = memchr(buf, '\n', used);
        if (strncmp(buf, "ERR ", 4) == 0) {
                cli_error("%.*s", nl ? (int) (nl - buf - 4) : (int) used - 4, buf + 4);
                return -EPERM;
        }
        code = atoi(buf);
        if (ret_body) {
                size_t skip = nl ? (size_t) (nl - buf) + 1 : used;
                memmove(buf, buf + skip, used - skip + 1);
                *ret_body = TAKE_PTR(buf);
                *ret_size = used - skip;
        }
        return code;
}

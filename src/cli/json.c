/* The --json event stream; see json.h. Each line is written with one fprintf so that
 * lines never interleave with the units' forwarded output; to an --events file it is
 * flushed at once, so that a run killed midway leaves every line it got to. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "json.h"
#include "time-util.h"

struct json_log {
        uint64_t start_usec;
        bool to_stderr; /* --json: the stderr of the moment (the session swaps it, sink.h) */
        FILE *events;   /* --events FILE */
};

static void json_emit(struct json_log *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void json_emit(struct json_log *j, const char *fmt, ...)
{
        va_list ap;

        if (j->to_stderr) {
                va_start(ap, fmt);
                vfprintf(stderr, fmt, ap);
                va_end(ap);
        }
        if (j->events) {
                va_start(ap, fmt);
                vfprintf(j->events, fmt, ap);
                va_end(ap);
                fflush(j->events);
        }
}

int json_log_new(struct json_log **ret, bool to_stderr, FILE *events)
{
        struct json_log *j = calloc(1, sizeof(*j));

        if (!j)
                return -1;
        j->start_usec = now_usec();
        j->to_stderr = to_stderr;
        j->events = events;
        *ret = j;
        return 0;
}

void json_log_free(struct json_log *j)
{
        if (j && j->events)
                fclose(j->events);
        free(j);
}

/* A JSON string literal of s, quotes included, into buf. */
static const char *json_string(const char *s, char *buf, size_t size)
{
        size_t o = 0;

        if (!s)
                return "null";
        buf[o++] = '"';
        for (; *s && o + 8 < size; s++) {
                unsigned char c = (unsigned char) *s;

                if (c == '"' || c == '\\') {
                        buf[o++] = '\\';
                        buf[o++] = (char) c;
                } else if (c == '\n') {
                        buf[o++] = '\\';
                        buf[o++] = 'n';
                } else if (c < 0x20) {
                        o += (size_t) snprintf(buf + o, size - o, "\\u%04x", c);
                } else
                        buf[o++] = (char) c;
        }
        buf[o++] = '"';
        buf[o] = 0;
        return buf;
}

/* "a.service b.service": the units e is ordered after, as one string (unit names have no
 * spaces) so that every event stays a flat object. */
static void json_after(ur_executor *e, char *buf, size_t size)
{
        size_t o = 0;
        ur_executor *dep;

        for (size_t i = 0; (dep = ur_executor_get_after(e, i)); i++) {
                const char *name = ur_executor_get_name(dep);

                if (o + strlen(name) + 2 >= size)
                        break;
                o += (size_t) snprintf(buf + o, size - o, "%s%s", i ? " " : "", name);
        }
        buf[o] = 0;
}

static double json_time_ms(const struct json_log *j)
{
        return (double) (now_usec() - j->start_usec) / 1000.0;
}

void json_log_isolation(struct json_log *j, ur_isolation isolation, const char *cgroup, const char *reason)
{
        char a[4096], b[4096];

        if (!j)
                return;
        /* The first event: "schema" versions what follows (unitrun(1), unitrun analyze). */
        json_emit(
                j,
                "{\"event\":\"isolation\",\"time_ms\":%.3f,\"schema\":%d,\"isolation\":\"%s\",\"cgroup\":%s,"
                "\"reason\":%s}"
                "\n",
                json_time_ms(j), JSON_SCHEMA,
                isolation == UR_ISOLATION_CGROUP  ? "cgroup"
                : isolation == UR_ISOLATION_SCOPE ? "delegated-scope"
                                                  : "fallback",
                json_string(cgroup, a, sizeof(a)), json_string(reason, b, sizeof(b)));
}

void json_log_namespaces(struct json_log *j, unsigned namespaces)
{
        if (!j)
                return;
        fprintf(stderr,
                "{\"event\":\"isolation\",\"time_ms\":%.3f,\"isolation\":\"namespaces\",\"network\":\"%s\","
                "\"dirs\":\"%s\",\"user_namespace\":%s}\n",
                json_time_ms(j), namespaces & UR_NAMESPACE_NETWORK ? "private" : "host",
                namespaces & UR_NAMESPACE_DIRS ? "private" : "host",
                namespaces & UR_NAMESPACE_USER ? "true" : "false");
}

void json_log_state(struct json_log *j, ur_executor *e, ur_state state)
{
        char name[1024], text[16384], conditions[4096], cgroup[4096];
        int code, status;
        uint64_t cpu, memory;

        if (!j)
                return;
        json_string(ur_executor_get_name(e), name, sizeof(name));
        switch (state) {
        case UR_STATE_STARTING:
                /* Starting again after a failure: Restart= at work, and why it ended. */
                if (ur_executor_get_error(e)) {
                        json_emit(
                                j,
                                "{\"event\":\"restarting\",\"time_ms\":%.3f,\"unit\":%s,\"restart\":%u,"
                                "\"reason\":\"%s\",\"message\":%s}\n",
                                json_time_ms(j), name, ur_executor_get_restarts(e) + 1,
                                ur_failure_to_string(ur_executor_get_failure(e)),
                                json_string(ur_executor_get_error(e), text, sizeof(text)));
                        break;
                }
                /* Before the first spawn: no PID yet (it comes with "ready"). "after": what
                 * it waited for (schema 1). */
                json_after(e, conditions, sizeof(conditions));
                json_emit(
                        j,
                        "{\"event\":\"starting\",\"time_ms\":%.3f,\"unit\":%s,\"cgroup\":%s,\"after\":%s}\n",
                        json_time_ms(j), name,
                        json_string(ur_executor_get_cgroup(e), cgroup, sizeof(cgroup)),
                        json_string(conditions, text, sizeof(text)));
                break;
        case UR_STATE_RUNNING:
        case UR_STATE_EXITED:
                ur_executor_describe_conditions(e, text, sizeof(text));
                json_emit(
                        j,
                        "{\"event\":\"ready\",\"time_ms\":%.3f,\"unit\":%s,\"pid\":%d,\"elapsed_ms\":"
                        "%" PRIu64 ",\"start_pre_ms\":%" PRIu64 ",\"conditions\":%s,\"finished\":%s}\n",
                        json_time_ms(j), name, (int) ur_executor_get_pid(e), ur_executor_get_ready_msec(e),
                        ur_executor_get_start_pre_msec(e), json_string(text, conditions, sizeof(conditions)),
                        state == UR_STATE_EXITED ? "true" : "false");
                break;
        case UR_STATE_STOPPING:
                json_emit(
                        j, "{\"event\":\"stopping\",\"time_ms\":%.3f,\"unit\":%s}\n", json_time_ms(j), name);
                break;
        case UR_STATE_FAILED:
        case UR_STATE_INACTIVE:
                if (state == UR_STATE_INACTIVE && ur_executor_get_skip_reason(e) &&
                    !ur_executor_get_exit(e, NULL, NULL)) {
                        /* A condition skipped it: nothing ran, nothing stopped. */
                        json_emit(
                                j, "{\"event\":\"skipped\",\"time_ms\":%.3f,\"unit\":%s,\"reason\":%s}\n",
                                json_time_ms(j), name,
                                json_string(ur_executor_get_skip_reason(e), text, sizeof(text)));
                        break;
                }
                if (state == UR_STATE_FAILED)
                        json_emit(
                                j,
                                "{\"event\":\"failed\",\"time_ms\":%.3f,\"unit\":%s,\"reason\":\"%s\","
                                "\"message\":%s}\n",
                                json_time_ms(j), name, ur_failure_to_string(ur_executor_get_failure(e)),
                                json_string(ur_executor_get_error(e), text, sizeof(text)));
                if (!ur_executor_get_exit(e, &code, &status)) {
                        code = 0;
                        status = 0;
                }
                json_emit(
                        j,
                        "{\"event\":\"stopped\",\"time_ms\":%.3f,\"unit\":%s,\"clean\":%s,\"exit\":\"%s\","
                        "\"status\":%d,"
                        "\"cpu_usec\":%s,\"memory_peak_bytes\":%s}\n",
                        json_time_ms(j), name, state == UR_STATE_INACTIVE ? "true" : "false",
                        code == CLD_EXITED                         ? "exited"
                        : code == CLD_KILLED || code == CLD_DUMPED ? "killed"
                                                                   : "unknown",
                        status,
                        ur_executor_get_cpu_usage(e, &cpu) >= 0
                                ? (snprintf(text, sizeof(text), "%" PRIu64, cpu), text)
                                : "null",
                        ur_executor_get_memory_peak(e, &memory) >= 0
                                ? (snprintf(conditions, sizeof(conditions), "%" PRIu64, memory), conditions)
                                : "null");
                break;
        default:
                break;
        }
}

void json_log_command_exited(struct json_log *j, int status)
{
        if (!j)
                return;
        json_emit(
                j, "{\"event\":\"command-exited\",\"time_ms\":%.3f,\"status\":%d}\n", json_time_ms(j),
                status);
}

void json_log_command_started(struct json_log *j, const char *command, int pid)
{
        char text[4096];

        if (!j)
                return;
        json_emit(
                j, "{\"event\":\"command-started\",\"time_ms\":%.3f,\"command\":%s,\"pid\":%d}\n",
                json_time_ms(j), json_string(command, text, sizeof(text)), pid);
}

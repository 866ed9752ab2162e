/* Unit files end to end: the real `unitrun` binary reads unit files this program writes into
 * a temporary directory, and every case checks what a user would see: the exit status,
 * FILE:LINE diagnostics, the --json event stream, and what real processes recorded (marker
 * files, `date +%s%N` timestamps, pids). Timing is only ever compared between processes
 * (A was ready before B started), never against a tight wall-clock bound: the host may be
 * a loaded 2-core machine.
 *
 * Cleanup never depends on a test getting to its end: every unitrun this program starts is
 * remembered and killed by pid in the suite cleanup, and so is every process that a unit
 * recorded in a "*.pid" file (only if it started after this program did, so that a recycled
 * pid is never hit). The temporary directory goes at the end.
 *
 * Environment (from meson): UNITRUN (the binary), UNITS_DIR (the shipped units/),
 * SYSTEMD_ANALYZE (optional: the independent oracle for the shipped units). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli-run.h"
#include "cunit-main.h"
#include "test-util.h"

#define ARGV(...) ((char *const[]){ __VA_ARGS__, NULL })

/* Generous: only reached when something hangs, and then the test fails anyway. */
#define RUN_DEADLINE_MS 30000

static const char *unitrun_bin;
static const char *units_dir;
static const char *systemd_analyze;
static char tmp_root[128];
static char test_dir[256]; /* the current test's own directory, "@D@" in templates */
static unsigned long long self_start_time;

/* ---- Small utilities ------------------------------------------------------------------ */

/* Replaces every "@D@" in text by the current test directory. The result is malloc'd. */
static char *expand(const char *text)
{
        size_t dlen = strlen(test_dir), n = 0, size = strlen(text) + 1;
        char *out;

        for (const char *p = strstr(text, "@D@"); p; p = strstr(p + 3, "@D@"))
                size += dlen;
        out = malloc(size);
        if (!out)
                abort();
        for (const char *p = text; *p;) {
                if (strncmp(p, "@D@", 3) == 0) {
                        memcpy(out + n, test_dir, dlen);
                        n += dlen;
                        p += 3;
                } else
                        out[n++] = *p++;
        }
        out[n] = 0;
        return out;
}

/* A path in the current test directory; a few rotating static buffers. */
static const char *in_dir(const char *name)
{
        static char buf[16][512];
        static unsigned next;
        char *p = buf[next++ % ELEMENTS(buf)];

        snprintf(p, sizeof(buf[0]), "%s/%s", test_dir, name);
        return p;
}

/* Writes name (in the test directory) from a template; returns its path. */
static const char *write_file(const char *name, const char *template)
{
        const char *path = in_dir(name);
        char *text = expand(template);
        FILE *f = fopen(path, "we");

        CU_ASSERT_PTR_NOT_NULL(f);
        if (f) {
                fputs(text, f);
                fclose(f);
        }
        free(text);
        return path;
}

static char *read_text(const char *path)
{
        static char buf[8][16384];
        static unsigned next;
        char *b = buf[next++ % ELEMENTS(buf)];
        FILE *f = fopen(path, "re");
        size_t n;

        if (!f)
                return NULL;
        n = fread(b, 1, sizeof(buf[0]) - 1, f);
        b[n] = 0;
        fclose(f);
        return b;
}

/* A number a process wrote (a pid, a `date +%s%N`); -1 when the file is missing. */
static long long read_number(const char *name)
{
        const char *text = read_text(in_dir(name));

        return text ? strtoll(text, NULL, 10) : -1;
}

static bool exists(const char *name)
{
        return access(in_dir(name), F_OK) == 0;
}

/* Starts a fresh directory for one test: its unit files and whatever its processes record. */
static void begin_test(const char *name)
{
        snprintf(test_dir, sizeof(test_dir), "%s/%s", tmp_root, name);
        CU_ASSERT(mkdir(test_dir, 0755) == 0);
}

/* ---- Processes ------------------------------------------------------------------------ */

/* Alive, and one of ours: started no earlier than this program (a recycled pid is not). */
static bool ours_alive(int pid)
{
        unsigned long long start;

        if (pid <= 0)
                return false;
        start = test_proc_starttime(pid);
        return start != 0 && test_process_alive(pid, start) && start >= self_start_time;
}

/* Asserts that the process a unit recorded in name is gone; kills it if it is not. */
static void assert_gone(const char *name)
{
        long long pid = read_number(name);
        bool alive;

        CU_ASSERT(pid > 0);
        alive = ours_alive((int) pid);
        if (alive) {
                fprintf(stderr, "\n%s: pid %lld (%s) survived\n", test_dir, pid, name);
                kill((pid_t) pid, SIGKILL);
        }
        CU_ASSERT(!alive);
}

/* ---- Running unitrun -------------------------------------------------------------------- */

/* Starts unitrun ARGV in the background; env: NULL-terminated NAME=VALUE list for it. */
static cli_run *run_start(char *const argv[], char *const env[])
{
        cli_run *r = cli_run_new();

        if (cli_run_spawn(r, unitrun_bin, argv, env) < 0)
                abort();
        return r;
}

static cli_run *run_env(char *const argv[], char *const env[])
{
        cli_run *r = run_start(argv, env);

        cli_run_finish(r, RUN_DEADLINE_MS);
        return r;
}

static cli_run *run(char *const argv[])
{
        return run_env(argv, NULL);
}

static void show(const cli_run *r, const char *what)
{
        fprintf(stderr, "\n[%s]", test_dir);
        cli_run_show(r, what);
}

/* An assertion that prints unitrun's output when it fails. */
#define CHECK(r, cond)                                                                                      \
        do {                                                                                                \
                bool _ok = (cond);                                                                          \
                if (!_ok)                                                                                   \
                        show(r, #cond);                                                                     \
                CU_ASSERT(_ok);                                                                             \
        } while (0)

/* ---- A flat JSON object parser (the --json events are flat) ----------------------------- */

struct json_field {
        char key[32];
        char type; /* 's' string, 'n' number, 'b' boolean, 'z' null */
        char value[2048];
};

struct json_object {
        size_t n;
        struct json_field fields[16];
};

static const char *json_skip_space(const char *p)
{
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
                p++;
        return p;
}

/* A string literal at p into out; returns the position after it, NULL if malformed. */
static const char *json_parse_string(const char *p, char *out, size_t size)
{
        size_t n = 0;

        if (*p++ != '"')
                return NULL;
        for (; *p != '"'; p++) {
                char c = *p;

                if (c == 0 || (unsigned char) c < 0x20)
                        return NULL;
                if (c == '\\') {
                        p++;
                        switch (*p) {
                        case '"':
                        case '\\':
                        case '/':
                                c = *p;
                                break;
                        case 'b':
                                c = '\b';
                                break;
                        case 'f':
                                c = '\f';
                                break;
                        case 'n':
                                c = '\n';
                                break;
                        case 'r':
                                c = '\r';
                                break;
                        case 't':
                                c = '\t';
                                break;
                        case 'u': {
                                unsigned code;

                                if (sscanf(p + 1, "%4x", &code) != 1 ||
                                    strspn(p + 1, "0123456789abcdefABCDEF") < 4)
                                        return NULL;
                                c = code < 0x80 ? (char) code : '?';
                                p += 4;
                                break;
                        }
                        default:
                                return NULL;
                        }
                }
                if (n + 1 < size)
                        out[n++] = c;
        }
        out[n] = 0;
        return p + 1;
}

static bool json_parse(const char *line, struct json_object *o)
{
        const char *p = json_skip_space(line);

        memset(o, 0, sizeof(*o));
        if (*p++ != '{')
                return false;
        p = json_skip_space(p);
        if (*p == '}')
                return *json_skip_space(p + 1) == 0;
        for (;;) {
                struct json_field *f;

                if (o->n == ELEMENTS(o->fields))
                        return false;
                f = &o->fields[o->n++];
                p = json_parse_string(json_skip_space(p), f->key, sizeof(f->key));
                if (!p)
                        return false;
                p = json_skip_space(p);
                if (*p++ != ':')
                        return false;
                p = json_skip_space(p);
                if (*p == '"') {
                        f->type = 's';
                        p = json_parse_string(p, f->value, sizeof(f->value));
                        if (!p)
                                return false;
                } else if (strncmp(p, "true", 4) == 0 || strncmp(p, "false", 5) == 0) {
                        f->type = 'b';
                        snprintf(f->value, sizeof(f->value), "%s", *p == 't' ? "true" : "false");
                        p += *p == 't' ? 4 : 5;
                } else if (strncmp(p, "null", 4) == 0) {
                        f->type = 'z';
                        p += 4;
                } else {
                        char *end;

                        f->type = 'n';
                        (void) strtod(p, &end);
                        if (end == p || (size_t) (end - p) >= sizeof(f->value))
                                return false;
                        memcpy(f->value, p, (size_t) (end - p));
                        p = end;
                }
                p = json_skip_space(p);
                if (*p == ',') {
                        p++;
                        continue;
                }
                if (*p++ != '}')
                        return false;
                return *json_skip_space(p) == 0;
        }
}

static const struct json_field *json_get(const struct json_object *o, const char *key)
{
        for (size_t i = 0; i < o->n; i++)
                if (strcmp(o->fields[i].key, key) == 0)
                        return &o->fields[i];
        return NULL;
}

/* The string value of key, or NULL when missing or not a string. */
static const char *json_str(const struct json_object *o, const char *key)
{
        const struct json_field *f = json_get(o, key);

        return f && f->type == 's' ? f->value : NULL;
}

static bool json_num(const struct json_object *o, const char *key, double *ret)
{
        const struct json_field *f = json_get(o, key);

        if (!f || f->type != 'n')
                return false;
        *ret = strtod(f->value, NULL);
        return true;
}

static bool json_is(const struct json_object *o, const char *key, const char *type_and_value)
{
        const struct json_field *f = json_get(o, key);

        return f && f->type == 'b' && strcmp(f->value, type_and_value) == 0;
}

struct events {
        size_t n;
        struct json_object items[64];
};

/* Every stderr line starting with '{' must be one valid flat JSON object. */
static struct events *parse_events(const cli_run *r)
{
        struct events *ev = calloc(1, sizeof(*ev));
        const char *line = r->err;

        if (!ev)
                abort();
        while (*line) {
                const char *eol = strchr(line, '\n');
                size_t len = eol ? (size_t) (eol - line) : strlen(line);

                if (line[0] == '{' && ev->n < ELEMENTS(ev->items)) {
                        char *copy = strndup(line, len);
                        bool ok = copy && json_parse(copy, &ev->items[ev->n]);

                        if (!ok)
                                fprintf(stderr, "\nnot a flat JSON object: %s\n", copy ? copy : "?");
                        CU_ASSERT(ok);
                        if (ok)
                                ev->n++;
                        free(copy);
                }
                line += len + (eol ? 1 : 0);
        }
        return ev;
}

/* Index of the first event named event (for unit, when not NULL) at or after from; -1. */
static int find_event(const struct events *ev, size_t from, const char *event, const char *unit)
{
        for (size_t i = from; i < ev->n; i++) {
                const char *e = json_str(&ev->items[i], "event"), *u = json_str(&ev->items[i], "unit");

                if (e && strcmp(e, event) == 0 && (!unit || (u && strcmp(u, unit) == 0)))
                        return (int) i;
        }
        return -1;
}

/* ---- Parsing through the binary: a corpus of broken unit files ------------------------- */

struct bad_unit {
        const char *name;       /* file name, also the unit name */
        const char *text;       /* template: @D@ is the test directory */
        unsigned line;          /* 0: a problem of the unit as a whole, "FILE: message" */
        const char *message;    /* expected after "FILE:LINE: " */
        bool strict_only;       /* a warning, unless --strict */
        const char *other_name; /* a second file next to it (a dependency) */
        const char *other_text;
        const char *also;    /* a second substring the message must contain */
        bool systemd_agrees; /* systemd-analyze reports the same FILE:LINE */
};

/* Each file would create @D@/started if anything of it ran (ExecStartPre= where ExecStart=
 * itself is the broken part). */
static const struct bad_unit bad_units[] = {
        { "unknown-key.service",
          "[Unit]\nDescription=unknown key\n[Service]\nExecStart=/bin/touch @D@/started\nFrobnicate=yes\n",
          5, "unknown key Frobnicate= in [Service]", .strict_only = true, .systemd_agrees = true },
        { "unknown-section.service", "[Service]\nExecStart=/bin/touch @D@/started\n\n[Bogus]\nKey=1\n", 4,
          "unknown section [Bogus]", .strict_only = true, .systemd_agrees = true },
        { "bad-timespan.service", "[Service]\nExecStart=/bin/touch @D@/started\nTimeoutStartSec=5 parsecs\n",
          3, "TimeoutStartSec=5 parsecs: invalid time span", .systemd_agrees = true },
        { "bad-boolean.service", "[Service]\nExecStart=/bin/touch @D@/started\nSendSIGKILL=maybe\n", 3,
          "SendSIGKILL=maybe: not a boolean" },
        { "bad-boolean-ready.service",
          "[Service]\nExecStart=/bin/touch @D@/started\n[X-Ready]\nFile=/\nRefuseIfReady=perhaps\n", 5,
          "RefuseIfReady=perhaps: not a boolean" },
        { "no-execstart.service",
          "[Unit]\nDescription=nothing to run\n[Service]\nExecStartPre=/bin/touch @D@/started\n", 0,
          "ExecStart= is missing" },
        { "two-execstart.service",
          "[Service]\nExecStart=/bin/touch @D@/started\n# a comment\nExecStart=/bin/touch @D@/started2\n", 4,
          "more than one ExecStart= command is only allowed with Type=oneshot" },
        { "bad-type.service", "[Service]\nType=forky\nExecStart=/bin/touch @D@/started\n", 2,
          "Type=forky: unknown type", .systemd_agrees = true },
        { "bad-signal.service", "[Service]\nExecStart=/bin/touch @D@/started\n\n\nKillSignal=SIGNOPE\n", 5,
          "KillSignal=SIGNOPE: not a signal", .systemd_agrees = true },
        { "wrong-section.service",
          "[Unit]\nDescription=x\nExecStart=/bin/touch @D@/started\n[Service]\nExecStart=/bin/touch "
          "@D@/started\n",
          3, "ExecStart= belongs in [Service], not in [Unit]", .systemd_agrees = true },
        { "unterminated-quote.service",
          "[Service]\nExecStartPre=/bin/touch @D@/started\nExecStart=/bin/sh -c \"touch @D@/started\n", 3,
          "ExecStart=: unterminated quote", .systemd_agrees = true },
        { "unknown-specifier.service",
          "[Service]\nExecStartPre=/bin/touch @D@/started\nExecStart=/bin/echo %k\n", 3,
          "unknown specifier '%k'" },
        { "bad-tcp.service", "[Service]\nExecStart=/bin/touch @D@/started\n[X-Ready]\nTCP=localhost\n", 4,
          "TCP=localhost: expected HOST:PORT" },
        { "bad-http-status.service",
          "[Service]\nExecStart=/bin/touch "
          "@D@/started\n[X-Ready]\nHTTP=http://127.0.0.1:9/\nHTTPStatus=2[0-9\n",
          5, "HTTPStatus=2[0-9: invalid regular expression" },
        { "http-option-alone.service",
          "[Service]\nExecStart=/bin/touch @D@/started\n[X-Ready]\nHTTPMethod=POST\n", 4,
          "need an HTTP= condition" },
        { "bad-output-regex.service", "[Service]\nExecStart=/bin/touch @D@/started\n[X-Ready]\nOutput=a(b\n",
          4, "Output=a(b: invalid regular expression" },
        { "missing-requires.service",
          "[Unit]\nRequires=not-there.service\n[Service]\nExecStart=/bin/touch @D@/started\n", 2,
          "Requires=not-there.service: no such unit", .also = "the naming unit's directory" },
        { "cycle-a.service",
          "[Unit]\nRequires=cycle-b.service\nAfter=cycle-b.service\n[Service]\nExecStart=/bin/touch "
          "@D@/started\n",
          0, "ordering cycle: ", .also = "cycle-b.service", .other_name = "cycle-b.service",
          .other_text = "[Unit]\nRequires=cycle-a.service\nAfter=cycle-a.service\n[Service]\n"
                        "ExecStart=/bin/touch @D@/started-b\n" },
        { "after-before.service",
          "[Unit]\nAfter=other.service\nBefore=other.service\n[Service]\nExecStart=/bin/touch @D@/started\n",
          0, "other.service is in both After= and Before=" },
        { "requires-itself.service",
          "[Unit]\nRequires=requires-itself.service\n[Service]\nExecStart=/bin/touch @D@/started\n", 0,
          "Requires= names the unit itself" },
        { "bad-killmode.service", "[Service]\nExecStart=/bin/touch @D@/started\nKillMode=nuke\n", 3,
          "KillMode=nuke: unknown mode", .systemd_agrees = true },
        { "bad-success-status.service",
          "[Service]\nExecStart=/bin/touch @D@/started\nSuccessExitStatus=3 300\n", 3,
          "exit status out of range", .systemd_agrees = true },
        { "outside-section.service",
          "ExecStart=/bin/touch @D@/started\n[Service]\nExecStart=/bin/touch @D@/started\n", 1,
          "ExecStart= is outside of any section", .systemd_agrees = true },
        { "missing-equals.service", "[Service]\nExecStart=/bin/touch @D@/started\nTimeoutStopSec 5\n", 3,
          "missing '=' in 'TimeoutStopSec 5'", .systemd_agrees = true },
        { "bad-environment.service", "[Service]\nExecStart=/bin/touch @D@/started\nEnvironment=1FOO=bar\n",
          3, "invalid variable name \"1FOO\"", .systemd_agrees = true },
        { "escaping-runtime-dir.service",
          "[Service]\nExecStart=/bin/touch @D@/started\nRuntimeDirectory=../escape\n", 3,
          "RuntimeDirectory=../escape", .systemd_agrees = true },
        { "relative-socket.service",
          "[Service]\nExecStart=/bin/touch @D@/started\n[X-Ready]\nUnixSocket=rel/sock\n", 4,
          "UnixSocket=rel/sock: not an absolute path" },
        { "bad-notify-access.service", "[Service]\nExecStart=/bin/touch @D@/started\nNotifyAccess=some\n", 3,
          "NotifyAccess=some: unknown value", .systemd_agrees = true },
        /* Comments and a continued command line before the mistake: the line count must
         * go on with physical lines. */
        { "after-continuation.service",
          "# comment\n; comment\n[Service]\nExecStart=/bin/sh -c \\\n  \"touch @D@/started; \\\n   "
          "true\"\n\n"
          "TimeoutStopSec=bogus\n",
          8, "TimeoutStopSec=bogus: invalid time span", .systemd_agrees = true },
};

/* "FILE:LINE: message" (or "FILE: message" for line 0) is somewhere in text. */
static bool
has_diagnostic(const char *text, const char *file, unsigned line, bool warning, const char *message)
{
        char prefix[1024];
        const char *p = text;
        size_t plen;

        if (line)
                snprintf(prefix, sizeof(prefix), "%s:%u: %s", file, line, warning ? "warning: " : "");
        else
                snprintf(prefix, sizeof(prefix), "%s: %s", file, warning ? "warning: " : "");
        plen = strlen(prefix);
        /* At the start of a line, and the message on that same line. */
        while ((p = strstr(p, prefix))) {
                const char *eol = strchr(p, '\n');
                const char *m = strstr(p + plen, message);

                if ((p == text || p[-1] == '\n') && m && (!eol || m < eol))
                        return true;
                p += plen;
        }
        return false;
}

static void check_bad_unit(size_t index, const struct bad_unit *b)
{
        char dir[64], *also = NULL;
        const char *path;
        cli_run *r;

        snprintf(dir, sizeof(dir), "corpus-%02zu", index);
        begin_test(dir);
        path = write_file(b->name, b->text);
        if (b->other_name)
                write_file(b->other_name, b->other_text);
        if (b->also)
                also = expand(b->also);

        /* verify: the problem, where it is; 65 unless it is only a warning. */
        r = run(ARGV("verify", (char *) path));
        CHECK(r, r->status == (b->strict_only ? 0 : 65));
        CHECK(r, has_diagnostic(r->out, path, b->line, b->strict_only, b->message));
        if (also)
                CHECK(r, strstr(r->out, also) != NULL);
        cli_run_free(r);

        if (b->strict_only) {
                r = run(ARGV("verify", "--strict", (char *) path));
                CHECK(r, r->status == 65);
                CHECK(r, has_diagnostic(r->out, path, b->line, false, b->message));
                cli_run_free(r);
        } else {
                /* run: the same diagnostic on stderr, 65, and nothing started at all. */
                r = run(ARGV("run", (char *) path, "--", "touch", (char *) in_dir("command-ran")));
                CHECK(r, r->status == 65);
                CHECK(r, has_diagnostic(r->err, path, b->line, false, b->message));
                CU_ASSERT(!exists("started"));
                CU_ASSERT(!exists("started-b"));
                CU_ASSERT(!exists("command-ran"));
                cli_run_free(r);
        }

        /* The independent oracle: systemd names the same line for the mistakes it knows. */
        if (b->systemd_agrees && systemd_analyze) {
                char cmd[2048], expect[1024];
                FILE *p;
                char *text = calloc(1, 65536);
                size_t n = 0;

                snprintf(cmd, sizeof(cmd), "'%s' verify --man=no '%s' 2>&1", systemd_analyze, path);
                snprintf(expect, sizeof(expect), "%s:%u:", path, b->line);
                p = popen(cmd, "re");
                CU_ASSERT_PTR_NOT_NULL(p);
                if (p && text) {
                        n = fread(text, 1, 65535, p);
                        text[n] = 0;
                        pclose(p);
                        if (!strstr(text, expect))
                                fprintf(stderr, "\nsystemd-analyze on %s does not say %s:\n%s\n", b->name,
                                        expect, text);
                        CU_ASSERT(strstr(text, expect) != NULL);
                }
                free(text);
        }
        free(also);
}

static void test_corpus_of_broken_units(void)
{
        CU_ASSERT(ELEMENTS(bad_units) >= 15);
        for (size_t i = 0; i < ELEMENTS(bad_units); i++)
                check_bad_unit(i, &bad_units[i]);
}

static void test_valid_unit_and_warnings(void)
{
        const char *good, *warned, *broken;
        cli_run *r;

        begin_test("valid");
        /* Everything here is valid: quoting, continuation, specifiers, X- keys and sections
         * (ours to ignore), [Install] (systemd's), an empty assignment resetting a list. */
        good = write_file(
                "good.service", "# A valid unit using much of the syntax\n"
                                "[Unit]\n"
                                "Description=good \\\n"
                                "  unit\n"
                                "X-Private=ignored\n"
                                "\n"
                                "[Service]\n"
                                "Type=notify\n"
                                "Environment=A=1 \"B=two words\"\n"
                                "Environment=\n"
                                "ExecStartPre=-/bin/false\n"
                                "ExecStart=/bin/sh -c 'echo %n %N %t %%; exec sleep 1'\n"
                                "TimeoutStartSec=1min 30s\n"
                                "TimeoutStopSec=500ms\n"
                                "KillSignal=SIGINT\n"
                                "SendSIGKILL=yes\n"
                                "SuccessExitStatus=3 SIGUSR1\n"
                                "RuntimeDirectory=good\n"
                                "[X-Ready]\n"
                                "Output=^ready$\n"
                                "File=%t/good/flag\n"
                                "RefuseIfReady=off\n"
                                "[X-Ours]\n"
                                "Anything=goes\n"
                                "[Install]\n"
                                "WantedBy=multi-user.target\n");
        r = run(ARGV("verify", (char *) good));
        CHECK(r, r->status == 0);
        CHECK(r, r->out[0] == 0 && r->err[0] == 0);
        cli_run_free(r);
        r = run(ARGV("verify", "--strict", (char *) good));
        CHECK(r, r->status == 0);
        CHECK(r, r->out[0] == 0);
        cli_run_free(r);

        /* An unknown key is a warning: exit 0, and run goes ahead. */
        warned = write_file(
                "warned.service",
                "[Service]\nExecStart=/bin/sh -c 'touch @D@/started; exec sleep 100'\nFrobnicate=always\n"
                "[X-Ready]\nFile=@D@/started\n");
        r = run(ARGV("verify", (char *) warned));
        CHECK(r, r->status == 0);
        CHECK(r, has_diagnostic(r->out, warned, 3, true, "Frobnicate="));
        CHECK(r, strstr(r->out, "warning") != NULL);
        cli_run_free(r);
        r = run(ARGV("verify", "--strict", (char *) warned));
        CHECK(r, r->status == 65);
        CHECK(r, has_diagnostic(r->out, warned, 3, false, "unknown key Frobnicate="));
        cli_run_free(r);
        r = run(ARGV("run", (char *) warned, "--", "touch", (char *) in_dir("command-ran")));
        CHECK(r, r->status == 0);
        CHECK(r, has_diagnostic(r->err, warned, 3, true, "Frobnicate="));
        CU_ASSERT(exists("started"));
        CU_ASSERT(exists("command-ran"));
        cli_run_free(r);

        /* Several files: each problem named with its own file, one bad file is enough. */
        broken = write_file("broken.service", "[Service]\nExecStart=/bin/true\nType=nope\n");
        r = run(ARGV("verify", (char *) good, (char *) broken));
        CHECK(r, r->status == 65);
        CHECK(r, has_diagnostic(r->out, broken, 3, false, "Type=nope"));
        CHECK(r, strstr(r->out, good) == NULL);
        cli_run_free(r);

        /* Requires= without After= in both directions is no ordering cycle (systemd agrees). */
        write_file(
                "mutual-a.service",
                "[Unit]\nRequires=mutual-b.service\n[Service]\nExecStart=/bin/sleep 100\n");
        write_file(
                "mutual-b.service",
                "[Unit]\nRequires=mutual-a.service\n[Service]\nExecStart=/bin/sleep 100\n");
        r = run(ARGV("verify", (char *) in_dir("mutual-a.service")));
        CHECK(r, r->status == 0);
        cli_run_free(r);
}

/* ---- Dependencies, checked by what real processes recorded -------------------------------- */

static const char stamp_sh[] = "date +%s%N > \"$1.tmp\" && mv \"$1.tmp\" \"$1\"\n";

static void test_after_requires_order_start_and_stop(void)
{
        long long a_start, a_ready, b_start, cmd_start, a_stop, b_stop;
        const char *b;
        cli_run *r;
        char *saw;

        begin_test("order");
        write_file("stamp.sh", stamp_sh);
        /* A: ready (READY=1) only ~300 ms after it started. On SIGTERM it records the time and
         * whether B was still alive: B must be stopped first. */
        write_file(
                "a.sh", "D=@D@\n"
                        "sh $D/stamp.sh $D/a.start\n"
                        "echo $$ > $D/a.pid\n"
                        "trap 'sh $D/stamp.sh $D/a.stop; if kill -0 \"$(cat $D/b.pid)\" 2>/dev/null; then "
                        "echo alive;"
                        " else echo gone; fi > $D/a.saw-b; exit 0' TERM\n"
                        "sleep 0.3\n"
                        "sh $D/stamp.sh $D/a.ready\n"
                        "systemd-notify --ready\n"
                        "while :; do sleep 0.05; done\n");
        write_file(
                "b.sh", "D=@D@\nsh $D/stamp.sh $D/b.start\necho $$ > $D/b.tmp; mv $D/b.tmp $D/b.pid\nexec "
                        "sleep 1000\n");
        /* KillMode=mixed: SIGTERM to A's shell alone. Its trap forks (stamp.sh, kill); with
         * the default control-group mode those children can be caught by the SIGTERM sent
         * to every process of the cgroup (systemd has the same race), losing the stamp. */
        write_file(
                "a.service",
                "[Service]\nType=notify\nExecStart=/bin/sh @D@/a.sh\nTimeoutStartSec=30s\nKillMode=mixed\n");
        b = write_file(
                "b.service",
                "[Unit]\nRequires=a.service\nAfter=a.service\n[Service]\nExecStart=/bin/sh @D@/b.sh\n"
                "ExecStop=/bin/sh @D@/stamp.sh @D@/b.stop\n"
                /* Ready once it stamped: else COMMAND may finish (and B be stopped)
                 * before a Type=simple B got that far. */
                "[X-Ready]\nFile=@D@/b.pid\n");

        /* Only b.service on the command line: a.service comes from Requires=. */
        r = run(ARGV(
                "run", (char *) b, "--", "sh", (char *) in_dir("stamp.sh"), (char *) in_dir("cmd.start")));
        CHECK(r, r->status == 0);
        a_start = read_number("a.start");
        a_ready = read_number("a.ready");
        b_start = read_number("b.start");
        cmd_start = read_number("cmd.start");
        a_stop = read_number("a.stop");
        b_stop = read_number("b.stop");
        CU_ASSERT(a_start > 0 && a_ready > 0 && b_start > 0 && cmd_start > 0 && a_stop > 0 && b_stop > 0);
        /* The 300 ms really passed before READY=1... */
        CU_ASSERT(a_ready - a_start >= 250 * 1000000LL);
        /* ...and B started only after A was ready, COMMAND only after both. */
        CU_ASSERT(b_start > a_ready);
        CU_ASSERT(cmd_start > b_start);
        /* Stop in reverse: B's ExecStop= before A's SIGTERM, and B gone by then. */
        CU_ASSERT(b_stop > cmd_start);
        CU_ASSERT(a_stop > b_stop);
        saw = read_text(in_dir("a.saw-b"));
        CU_ASSERT(saw && strcmp(saw, "gone\n") == 0);
        if (a_ready - a_start < 250 * 1000000LL || b_start <= a_ready || a_stop <= b_stop)
                show(r, "timestamps out of order");
        assert_gone("a.pid");
        assert_gone("b.pid");
        cli_run_free(r);

        /* Before= is After= seen from the other side: the same order with B's file saying it. */
        begin_test("order-before");
        write_file("stamp.sh", stamp_sh);
        write_file(
                "first.service",
                "[Unit]\nBefore=second.service\n[Service]\nExecStart=/bin/sh -c 'sleep 0.3; "
                "sh @D@/stamp.sh @D@/first.ready; echo ready; exec sleep "
                "1000'\n[X-Ready]\nOutput=^ready$\n");
        write_file(
                "second.service",
                "[Service]\nExecStart=/bin/sh -c 'sh @D@/stamp.sh @D@/second.start; exec sleep 1000'\n"
                "[X-Ready]\nFile=@D@/second.start\n");
        r = run(ARGV(
                "run", (char *) in_dir("second.service"), (char *) in_dir("first.service"), "--", "true"));
        CHECK(r, r->status == 0);
        CU_ASSERT(
                read_number("first.ready") > 0 && read_number("second.start") > read_number("first.ready"));
        cli_run_free(r);
}

static void test_independent_units_overlap(void)
{
        cli_run *r;

        begin_test("overlap");
        /* Each becomes ready only once the other has started: starting them one after the
         * other would end in a start timeout. */
        write_file(
                "p1.service", "[Service]\nExecStart=/bin/sh -c 'echo $$$$ > @D@/p1.pid; touch @D@/p1.up; "
                              "while [ ! -e @D@/p2.up ]; do sleep 0.01; done; echo ready; exec sleep 1000'\n"
                              "TimeoutStartSec=20s\n[X-Ready]\nOutput=ready\n");
        write_file(
                "p2.service", "[Service]\nExecStart=/bin/sh -c 'echo $$$$ > @D@/p2.pid; touch @D@/p2.up; "
                              "while [ ! -e @D@/p1.up ]; do sleep 0.01; done; echo ready; exec sleep 1000'\n"
                              "TimeoutStartSec=20s\n[X-Ready]\nOutput=ready\n");
        r = run(ARGV("run", (char *) in_dir("p1.service"), (char *) in_dir("p2.service"), "--", "true"));
        CHECK(r, r->status == 0);
        assert_gone("p1.pid");
        assert_gone("p2.pid");
        cli_run_free(r);
}

static void test_requires_failure_propagates(void)
{
        cli_run *r;
        struct events *ev;

        begin_test("requires-fail");
        write_file(
                "fa.service", "[Service]\nType=notify\nExecStart=/bin/sh -c 'echo $$$$ > @D@/fa.pid; echo "
                              "giving up; exit 1'\n");
        write_file(
                "fb.service", "[Unit]\nRequires=fa.service\nAfter=fa.service\n[Service]\n"
                              "ExecStartPre=/bin/touch @D@/fb.pre\nExecStart=/bin/sh -c 'touch "
                              "@D@/fb.started; exec sleep 1000'\n");
        r = run(ARGV("run", (char *) in_dir("fb.service"), "--", "touch", (char *) in_dir("command-ran")));
        CHECK(r, r->status == 69);
        CHECK(r, strstr(r->err, "fa.service: exited with status 1 before it was ready") != NULL);
        CHECK(r, strstr(r->err, "giving up") != NULL);
        /* The dependent is named too, saying why it did not start. */
        CHECK(r, strstr(r->err, "fb.service") != NULL && strstr(r->err, "fb.service: not started") != NULL);
        CU_ASSERT(!exists("fb.pre"));
        CU_ASSERT(!exists("fb.started"));
        CU_ASSERT(!exists("command-ran"));
        assert_gone("fa.pid");
        cli_run_free(r);

        /* Wants= + After=: A's failure fails the run (69), but does not keep B from being
         * started. The start failure then stops everything, B included, so B's own marker
         * may or may not be written: the --json "starting" event is the evidence. */
        begin_test("wants-fail");
        write_file("fa.service", "[Service]\nType=notify\nExecStart=/bin/sh -c 'exit 1'\n");
        write_file(
                "fw.service",
                "[Unit]\nWants=fa.service\nAfter=fa.service\n[Service]\nExecStart=/bin/sleep 1000\n");
        r = run(
                ARGV("run", "--json", (char *) in_dir("fw.service"), "--", "touch",
                     (char *) in_dir("command-ran")));
        CHECK(r, r->status == 69);
        CHECK(r, strstr(r->err, "fw.service: not started") == NULL);
        ev = parse_events(r);
        {
                int failed = find_event(ev, 0, "failed", "fa.service");
                int started = find_event(ev, 0, "starting", "fw.service");
                int stopped = find_event(ev, 0, "stopped", "fw.service");

                CHECK(r, failed >= 0);
                CHECK(r, started > failed); /* ordered After= A: started once A's start ended */
                CHECK(r, stopped > started);
                CHECK(r, find_event(ev, 0, "failed", "fw.service") < 0);
        }
        CU_ASSERT(!exists("command-ran"));
        free(ev);
        cli_run_free(r);
}

static void test_after_cycle_is_an_error(void)
{
        cli_run *r;
        const char *x;

        begin_test("cycle");
        /* After= only, no Requires=: all three given, x -> z -> y -> x. */
        x = write_file(
                "x.service", "[Unit]\nAfter=z.service\n[Service]\nExecStart=/bin/touch @D@/x.started\n");
        write_file("y.service", "[Unit]\nAfter=x.service\n[Service]\nExecStart=/bin/touch @D@/y.started\n");
        write_file("z.service", "[Unit]\nAfter=y.service\n[Service]\nExecStart=/bin/touch @D@/z.started\n");
        r = run(ARGV("verify", (char *) x, (char *) in_dir("y.service"), (char *) in_dir("z.service")));
        CHECK(r, r->status == 65);
        CHECK(r, strstr(r->out, "ordering cycle: ") != NULL);
        CHECK(r, strstr(r->out, "x.service") && strstr(r->out, "y.service") && strstr(r->out, "z.service"));
        cli_run_free(r);
        r = run(
                ARGV("run", (char *) x, (char *) in_dir("y.service"), (char *) in_dir("z.service"), "--",
                     "touch", (char *) in_dir("command-ran")));
        CHECK(r, r->status == 65);
        CHECK(r, strstr(r->err, "ordering cycle: ") != NULL);
        CU_ASSERT(
                !exists("x.started") && !exists("y.started") && !exists("z.started") &&
                !exists("command-ran"));
        cli_run_free(r);
        /* Without z the chain is open: valid. */
        r = run(ARGV("verify", (char *) x, (char *) in_dir("y.service")));
        CHECK(r, r->status == 0);
        cli_run_free(r);
}

/* ---- [Service] lifecycle ------------------------------------------------------------------ */

static void test_exec_command_order_and_mainpid(void)
{
        cli_run *r;
        char expected[512], *log;
        long long main_pid;

        begin_test("commands");
        write_file(
                "main.sh",
                "echo \"main $$\" >> @D@/order.log\necho $$ > @D@/main.tmp; mv @D@/main.tmp @D@/main.pid\n"
                "exec sleep 1000\n");
        write_file(
                "cmds.service", "[Service]\n"
                                "ExecStartPre=/bin/sh -c 'echo pre1 >> @D@/order.log'\n"
                                "ExecStartPre=-/bin/sh -c 'echo ignored-failure >> @D@/order.log; exit 7'\n"
                                "ExecStartPre=/bin/sh -c 'echo pre2 >> @D@/order.log'\n"
                                "ExecStart=/bin/sh @D@/main.sh\n"
                                "ExecStartPost=/bin/sh -c 'echo post >> @D@/order.log'\n"
                                "ExecStop=/bin/sh -c 'echo \"stop $MAINPID\" >> @D@/order.log'\n"
                                "ExecStopPost=/bin/sh -c 'echo stoppost >> @D@/order.log'\n"
                                /* Type=simple is ready at once: without this, COMMAND could be done and
                                 * the stop under way before the shell ran its first line. */
                                "[X-Ready]\nFile=@D@/main.pid\n");
        {
                char cmd[512];

                snprintf(cmd, sizeof(cmd), "echo \"command $UNITRUN_CMDS_PID\" >> %s", in_dir("order.log"));
                r = run(ARGV("run", (char *) in_dir("cmds.service"), "--", "sh", "-c", cmd));
        }
        CHECK(r, r->status == 0);
        main_pid = read_number("main.pid");
        CU_ASSERT(main_pid > 0);
        snprintf(
                expected, sizeof(expected),
                "pre1\nignored-failure\npre2\nmain %lld\npost\ncommand %lld\nstop %lld\nstoppost\n",
                main_pid, main_pid, main_pid);
        log = read_text(in_dir("order.log"));
        CU_ASSERT_PTR_NOT_NULL(log);
        if (log && strcmp(log, expected) != 0)
                fprintf(stderr, "\norder.log:\n%sexpected:\n%s", log, expected);
        CU_ASSERT(log && strcmp(log, expected) == 0);
        assert_gone("main.pid");
        cli_run_free(r);
}

static void test_failing_exec_start_pre(void)
{
        cli_run *r;

        begin_test("pre-fails");
        write_file(
                "pre.service",
                "[Service]\nExecStartPre=/bin/true\nExecStartPre=/bin/sh -c 'echo pre says no; exit 3'\n"
                "ExecStart=/bin/sh -c 'touch @D@/started; exec sleep 1000'\n"
                "ExecStopPost=/bin/touch @D@/stoppost\n");
        r = run(ARGV("run", (char *) in_dir("pre.service"), "--", "touch", (char *) in_dir("command-ran")));
        CHECK(r, r->status == 69);
        /* Named on one line: the unit, ExecStartPre=, which command, and how it ended. */
        {
                const char *line = strstr(r->err, "pre.service: ExecStartPre=");
                const char *eol = line ? strchr(line, '\n') : NULL;
                const char *cmd = line ? strstr(line, "echo pre says no; exit 3") : NULL;
                const char *how = line ? strstr(line, "exited with status 3") : NULL;

                CHECK(r, line && eol && cmd && how && cmd < eol && how < eol);
        }
        CU_ASSERT(!exists("started"));
        CU_ASSERT(!exists("command-ran"));
        cli_run_free(r);
}

static void test_environment_and_expansion(void)
{
        cli_run *r;
        char *got;

        begin_test("environment");
        /* AGAIN comes back through the file: UnsetEnvironment= is the last step (systemd.exec). */
        write_file(
                "env.file",
                "# comment\nFROM_FILE=file value\nQUOTED=\"a b\"\nOVERRIDE=from file\nAGAIN=back\n");
        write_file(
                "show.sh",
                "echo $$ > @D@/show.pid\n"
                "echo \"[$ONE][$TWO][$FROM_FILE][$QUOTED][$OVERRIDE][${GONE-unset}][${AGAIN-unset}]\" > "
                "@D@/env.tmp\n"
                "mv @D@/env.tmp @D@/env.out\n"
                "exec sleep 1000\n");
        write_file(
                "env.service", "[Service]\n"
                               "Environment=ONE=1 \"TWO=two words\" \"OVERRIDE=from unit\"\n"
                               "Environment=GONE=here\n"
                               "UnsetEnvironment=GONE AGAIN\n"
                               "EnvironmentFile=@D@/env.file\n"
                               "EnvironmentFile=-@D@/no-such.env\n"
                               "ExecStart=/bin/sh @D@/show.sh\n"
                               "[X-Ready]\nFile=@D@/env.out\n");
        r = run(ARGV("run", (char *) in_dir("env.service"), "--", "true"));
        CHECK(r, r->status == 0);
        got = read_text(in_dir("env.out"));
        /* systemd: EnvironmentFile= is applied after Environment=, so the file wins. */
        CU_ASSERT(got && strcmp(got, "[1][two words][file value][a b][from file][unset][unset]\n") == 0);
        if (got && strcmp(got, "[1][two words][file value][a b][from file][unset][unset]\n") != 0)
                fprintf(stderr, "\nenv.out: %s", got);
        assert_gone("show.pid");
        cli_run_free(r);

        /* A missing EnvironmentFile= without '-' is a start failure, and the message must say
         * which file (not a bare "No such file or directory", which sends a user looking for
         * a missing ExecStart= binary). */
        write_file(
                "env-missing.service", "[Service]\nEnvironmentFile=@D@/no-such.env\nExecStart=/bin/sh -c "
                                       "'touch @D@/started; exec sleep 1'\n");
        r = run(ARGV("run", (char *) in_dir("env-missing.service"), "--", "true"));
        CHECK(r, r->status == 69 || r->status == 65);
        CHECK(r, strstr(r->err, "no-such.env") != NULL || strstr(r->err, "EnvironmentFile") != NULL);
        CU_ASSERT(!exists("started"));
        cli_run_free(r);

        /* $VAR splits into words, ${VAR} stays one, $$ is a literal '$' (systemd rules);
         * printf shows the argument boundaries. */
        write_file(
                "expand.service", "[Service]\nType=oneshot\nEnvironment=\"TWO=two words\" ONE=1\n"
                                  "ExecStart=/usr/bin/env printf [%%s] $TWO ${TWO} x${ONE}y $$ONE\n"
                                  "StandardOutput=file:@D@/expand.out\n");
        r = run(ARGV("run", (char *) in_dir("expand.service"), "--", "true"));
        CHECK(r, r->status == 0);
        got = read_text(in_dir("expand.out"));
        CU_ASSERT(got && strcmp(got, "[two][words][two words][x1y][$ONE]") == 0);
        if (got && strcmp(got, "[two][words][two words][x1y][$ONE]") != 0)
                fprintf(stderr, "\nexpand.out: %s\n", got);
        cli_run_free(r);
}

static void test_runtime_directory(void)
{
        cli_run *r;
        char *dir, *runtime, cmd[512];

        begin_test("runtime-dir");
        write_file(
                "rt.service",
                "[Service]\nRuntimeDirectory=rt-unit\n"
                "ExecStart=/bin/sh -c 'echo $$$$ > @D@/rt.pid; echo \"$RUNTIME_DIRECTORY\" > @D@/rt.path;"
                " touch \"$RUNTIME_DIRECTORY/in-use\"; exec sleep 1000'\n"
                "[X-Ready]\nFile=%t/rt-unit/in-use\n");
        /* COMMAND sees the directory (with the file the unit made in it) while the unit runs. */
        snprintf(
                cmd, sizeof(cmd),
                "test -f \"$UNITRUN_RUNTIME_DIR/rt-unit/in-use\" && echo \"$UNITRUN_RUNTIME_DIR\" > %s",
                in_dir("runtime.path"));
        r = run(ARGV("run", (char *) in_dir("rt.service"), "--", "sh", "-c", cmd));
        CHECK(r, r->status == 0);
        dir = read_text(in_dir("rt.path"));
        runtime = read_text(in_dir("runtime.path"));
        CU_ASSERT(dir && runtime);
        if (dir && runtime) {
                dir[strcspn(dir, "\n")] = 0;
                runtime[strcspn(runtime, "\n")] = 0;
                CU_ASSERT(strlen(runtime) > 1 && strncmp(dir, runtime, strlen(runtime)) == 0);
                CU_ASSERT(strstr(dir, "/rt-unit") != NULL);
                /* Gone afterwards, and the whole runtime directory of the run with it. */
                CU_ASSERT(access(dir, F_OK) < 0);
                CU_ASSERT(access(runtime, F_OK) < 0);
        }
        assert_gone("rt.pid");
        cli_run_free(r);
}

static void test_oneshot_commands_in_order(void)
{
        cli_run *r;
        char *log, cmd[512];

        begin_test("oneshot");
        write_file(
                "once.service", "[Service]\nType=oneshot\n"
                                "ExecStart=/bin/sh -c 'sleep 0.2; echo one >> @D@/once.log'\n"
                                "ExecStart=/bin/sh -c 'echo two >> @D@/once.log'\n");
        snprintf(cmd, sizeof(cmd), "echo command >> %s", in_dir("once.log"));
        r = run(ARGV("run", (char *) in_dir("once.service"), "--", "sh", "-c", cmd));
        CHECK(r, r->status == 0);
        log = read_text(in_dir("once.log"));
        CU_ASSERT(log && strcmp(log, "one\ntwo\ncommand\n") == 0);
        cli_run_free(r);

        /* A failing command of a oneshot is a start failure; the next one does not run. */
        write_file(
                "once-fails.service",
                "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'exit 4'\nExecStart=/bin/touch @D@/second\n");
        r = run(ARGV("run", (char *) in_dir("once-fails.service"), "--", "true"));
        CHECK(r, r->status == 69);
        CHECK(r, strstr(r->err, "once-fails.service") != NULL && strstr(r->err, "status 4") != NULL);
        CU_ASSERT(!exists("second"));
        cli_run_free(r);
}

/* The isolation this host gives unitrun, from its --json "isolation" event. */
static bool isolation_is_fallback(void)
{
        static int known = -1;

        if (known < 0) {
                cli_run *r = run(ARGV("run", "--json", "--", "true"));
                struct events *ev = parse_events(r);
                int i = find_event(ev, 0, "isolation", NULL);
                const char *iso = i >= 0 ? json_str(&ev->items[i], "isolation") : NULL;

                known = iso && strcmp(iso, "fallback") == 0;
                free(ev);
                cli_run_free(r);
        }
        return known == 1;
}

static void test_forking_with_pid_file(void)
{
        cli_run *r;
        char cmd[512];
        long long daemon_pid, seen_pid;
        bool fallback = isolation_is_fallback();

        begin_test("forking");
        /* A classic daemon: the started shell double-forks (the daemon, in a new session, is
         * no longer its child), waits until the daemon wrote its pid file, and exits 0. $1 is
         * the pid file, under %t. Without cgroups a unit is its session, and a daemon that
         * leaves it is not the unit's any more (unitrun warns about exactly that): there the
         * daemon keeps the session. */
        if (fallback)
                printf("\n  note: fallback isolation, the forking daemon skips setsid ");
        write_file(
                "daemon.sh",
                fallback ? "echo $$ > @D@/launcher.pid\n"
                           "( sh -c 'echo $$ > @D@/daemon.pid; echo $$ > \"$1.tmp\"; mv \"$1.tmp\" \"$1\";"
                           " exec sleep 1000' sh \"$1\" & )\n"
                           "while [ ! -s \"$1\" ]; do sleep 0.01; done\n"
                           "exit 0\n"
                         : "echo $$ > @D@/launcher.pid\n"
                           "( setsid sh -c 'echo $$ > @D@/daemon.pid; echo $$ > \"$1.tmp\"; mv \"$1.tmp\" "
                           "\"$1\";"
                           " exec sleep 1000' sh \"$1\" & )\n"
                           "while [ ! -s \"$1\" ]; do sleep 0.01; done\n"
                           "exit 0\n");
        write_file(
                "forky.service",
                "[Service]\nType=forking\nPIDFile=forky/daemon.pid\nRuntimeDirectory=forky\n"
                "ExecStart=/bin/sh @D@/daemon.sh %t/forky/daemon.pid\n");
        snprintf(
                cmd, sizeof(cmd), "echo $UNITRUN_FORKY_PID > %s; kill -0 $UNITRUN_FORKY_PID",
                in_dir("seen.pid"));
        r = run(ARGV("run", (char *) in_dir("forky.service"), "--", "sh", "-c", cmd));
        CHECK(r, r->status == 0);
        daemon_pid = read_number("daemon.pid");
        seen_pid = read_number("seen.pid");
        /* The main PID is the daemon from the pid file, not the launcher that exited. */
        CU_ASSERT(daemon_pid > 0);
        CU_ASSERT_EQUAL(seen_pid, daemon_pid);
        CU_ASSERT(read_number("launcher.pid") != daemon_pid);
        assert_gone("daemon.pid");
        cli_run_free(r);

        /* A launcher that fails, or one that exits 0 without writing the PID file, is a start
         * failure (69). Regression guard: both used to hang forever (the Type=forking branch
         * of executor_on_child_exit() failed the unit without marking the reaped starter as
         * exited, so the stop waited for it; stderr repeated "processes survive the final
         * kill; killing again", and not even SIGINT twice ended it; fixed in af309f0). Each
         * normally takes milliseconds: 6 s each before the kill. */
        write_file(
                "forky-fails.service",
                "[Service]\nType=forking\nPIDFile=nope.pid\nExecStart=/bin/sh -c 'exit 2'\n");
        r = run_start(
                ARGV("run", (char *) in_dir("forky-fails.service"), "--", "touch",
                     (char *) in_dir("command-ran")),
                NULL);
        cli_run_finish(r, 6000);
        CHECK(r, r->status == 69);
        CHECK(r, strstr(r->err, "forky-fails.service: exited with status 2 before it was ready") != NULL);
        CU_ASSERT(!exists("command-ran"));
        cli_run_free(r);
        write_file(
                "forky-no-pidfile.service",
                "[Service]\nType=forking\nPIDFile=nope.pid\nExecStart=/bin/true\n");
        r = run_start(
                ARGV("run", (char *) in_dir("forky-no-pidfile.service"), "--", "touch",
                     (char *) in_dir("command-ran")),
                NULL);
        cli_run_finish(r, 6000);
        CHECK(r, r->status == 69);
        CHECK(r,
              strstr(r->err, "forky-no-pidfile.service: the starting process exited, but PID file") != NULL);
        CU_ASSERT(!exists("command-ran"));
        cli_run_free(r);
}

static void test_stop_semantics(void)
{
        cli_run *r;
        char *got;
        long long t0;

        begin_test("stop");
        write_file(
                "exit3.sh",
                "echo $$ > @D@/exit3.pid\ntrap 'exit 3' TERM\necho up\nwhile :; do sleep 0.05; done\n");
        /* Exit 3 on SIGTERM is not clean... */
        write_file("exit3.service", "[Service]\nExecStart=/bin/sh @D@/exit3.sh\n[X-Ready]\nOutput=^up$\n");
        r = run(ARGV("run", (char *) in_dir("exit3.service"), "--", "true"));
        CHECK(r, r->status == 70);
        CHECK(r, strstr(r->err, "exit3.service: main process exited with status 3 when stopped") != NULL);
        assert_gone("exit3.pid");
        cli_run_free(r);
        /* ...unless SuccessExitStatus= says so. */
        write_file(
                "exit3-ok.service", "[Service]\nExecStart=/bin/sh @D@/exit3.sh\nSuccessExitStatus=1 "
                                    "3\n[X-Ready]\nOutput=^up$\n");
        r = run(ARGV("run", (char *) in_dir("exit3-ok.service"), "--", "true"));
        CHECK(r, r->status == 0);
        assert_gone("exit3.pid");
        cli_run_free(r);

        /* KillSignal=: the daemon is asked with that signal, and dying of it is clean. */
        write_file(
                "usr1.sh", "echo $$ > @D@/usr1.pid\n"
                           "trap 'echo USR1 > @D@/usr1.got; exit 0' USR1\n"
                           "trap 'echo TERM > @D@/usr1.got; exit 0' TERM\n"
                           "echo up\nwhile :; do sleep 0.05; done\n");
        write_file(
                "usr1.service",
                "[Service]\nExecStart=/bin/sh @D@/usr1.sh\nKillSignal=SIGUSR1\n[X-Ready]\nOutput=^up$\n");
        r = run(ARGV("run", (char *) in_dir("usr1.service"), "--", "true"));
        CHECK(r, r->status == 0);
        got = read_text(in_dir("usr1.got"));
        CU_ASSERT(got && strcmp(got, "USR1\n") == 0);
        assert_gone("usr1.pid");
        cli_run_free(r);
        write_file(
                "usr2.service", "[Service]\nExecStart=/bin/sh -c 'echo $$$$ > @D@/usr2.tmp; mv @D@/usr2.tmp "
                                "@D@/usr2.pid; exec sleep 1000'\n"
                                "KillSignal=USR2\n"
                                "[X-Ready]\nFile=@D@/usr2.pid\n");
        r = run(ARGV("run", (char *) in_dir("usr2.service"), "--", "true"));
        CHECK(r, r->status == 0); /* sleep dies of SIGUSR2: its KillSignal, clean */
        assert_gone("usr2.pid");
        cli_run_free(r);

        /* TimeoutStopSec=: ignoring SIGTERM earns SIGKILL after it, and a stop error (70)
         * although COMMAND succeeded. Well below the 10 s default, so the value is used. */
        write_file(
                "stubborn.service",
                "[Service]\nExecStart=/bin/sh -c 'echo $$$$ > @D@/stubborn.pid; trap \"\" TERM; echo up;"
                " while :; do sleep 0.05; done'\nTimeoutStopSec=300ms\n[X-Ready]\nOutput=^up$\n");
        t0 = (long long) test_now_msec();
        r = run(ARGV("run", (char *) in_dir("stubborn.service"), "--", "true"));
        CHECK(r, r->status == 70);
        CHECK(r, strstr(r->err, "stubborn.service: processes were still running after 300ms") != NULL);
        CU_ASSERT((long long) test_now_msec() - t0 < 8000);
        assert_gone("stubborn.pid");
        cli_run_free(r);
}

/* ---- unitrun up ----------------------------------------------------------------------------- */

/* The pid of unit in up's summary ("NAME  STATE  pid N ..."), 0 if absent. */
static int summary_pid(const char *summary, const char *unit)
{
        const char *p = summary;
        size_t len = strlen(unit);

        while ((p = strstr(p, unit))) {
                const char *pid = strstr(p, " pid ");
                const char *eol = strchr(p, '\n');

                if ((p == summary || p[-1] == '\n') && p[len] == ' ' && pid && (!eol || pid < eol))
                        return atoi(pid + 5);
                p += len;
        }
        return 0;
}

/* The runtime directory up's summary names, into buf. */
static bool summary_runtime_dir(const char *summary, char *buf, size_t size)
{
        const char *p = strstr(summary, "runtime directory: ");
        size_t len;

        if (!p)
                return false;
        p += strlen("runtime directory: ");
        len = strcspn(p, "\n");
        if (len == 0 || len >= size)
                return false;
        memcpy(buf, p, len);
        buf[len] = 0;
        return true;
}

/* up with units: waits for the summary, checks up stays, sends sig, checks the exit and
 * that the unit's processes and the runtime directory are gone. */
static void check_up_until_signal(char *const argv[], const char *unit, int sig)
{
        char runtime[512] = "";
        cli_run *r = run_start(argv, NULL);
        bool summary;
        int pid;

        summary = cli_run_wait_for(r, true, "runtime directory: ", 30000) &&
                  cli_run_wait_for(r, true, "\n", 1000);
        /* The line is written at once; wait for its end. */
        cli_run_pump(r, 100);
        CHECK(r, summary);
        pid = summary_pid(r->out, unit);
        CHECK(r, pid > 0);
        CHECK(r, summary_runtime_dir(r->out, runtime, sizeof(runtime)));
        CU_ASSERT(runtime[0] == 0 || access(runtime, F_OK) == 0);
        /* up stays up. */
        cli_run_pump(r, 300);
        CHECK(r, cli_run_alive(r));
        CU_ASSERT(ours_alive(pid));
        kill(r->pid, sig);
        cli_run_finish(r, RUN_DEADLINE_MS);
        CHECK(r, r->status == 0);
        CU_ASSERT(!ours_alive(pid));
        if (ours_alive(pid))
                kill(pid, SIGKILL);
        CU_ASSERT(runtime[0] && access(runtime, F_OK) < 0);
        /* With --json, the unit cgroups it named are gone too. */
        {
                struct events *ev = parse_events(r);

                for (int i = find_event(ev, 0, "starting", NULL); i >= 0;
                     i = find_event(ev, (size_t) i + 1, "starting", NULL)) {
                        const char *cgroup = json_str(&ev->items[i], "cgroup");

                        if (cgroup && access(cgroup, F_OK) == 0) {
                                fprintf(stderr, "\ncgroup left behind: %s\n", cgroup);
                                CU_FAIL("cgroup left behind");
                        }
                }
                free(ev);
        }
        cli_run_free(r);
}

static void test_up_sigint(void)
{
        char app[512];
        cli_run *r;

        begin_test("up-sigint");
        /* The shipped dependency example: app-db.service is loaded from units/. */
        snprintf(app, sizeof(app), "%s/app.service", units_dir);
        check_up_until_signal(ARGV("up", "--json", app), "app.service", SIGINT);

        /* The summary names every unit, the pulled-in dependency too. */
        r = run_start(ARGV("up", app), NULL);
        CHECK(r, cli_run_wait_for(r, true, "runtime directory: ", 30000));
        CHECK(r, summary_pid(r->out, "app.service") > 0);
        CHECK(r, strstr(r->out, "app-db.service ") != NULL);
        kill(r->pid, SIGINT);
        cli_run_finish(r, RUN_DEADLINE_MS);
        CHECK(r, r->status == 0);
        cli_run_free(r);
}

static void test_up_sigterm(void)
{
        char demo[512];

        begin_test("up-sigterm");
        snprintf(demo, sizeof(demo), "%s/notify-demo.service", units_dir);
        check_up_until_signal(ARGV("up", demo), "notify-demo.service", SIGTERM);
}

static void test_up_unit_crash(void)
{
        char runtime[512] = "";
        cli_run *r;

        begin_test("up-crash");
        /* Crashes (exit 1) once the test says so, after up has printed its summary. */
        write_file(
                "crashy.service",
                "[Service]\nExecStart=/bin/sh -c 'echo $$$$ > @D@/crashy.pid; echo up;"
                " while [ ! -e @D@/crash-now ]; do sleep 0.02; done; exit 1'\n[X-Ready]\nOutput=^up$\n");
        write_file(
                "bystander.service", "[Service]\nExecStart=/bin/sh -c 'echo $$$$ > @D@/b.tmp; mv @D@/b.tmp "
                                     "@D@/bystander.pid; exec sleep 1000'\n"
                                     "[X-Ready]\nFile=@D@/bystander.pid\n");
        r = run_start(
                ARGV("up", (char *) in_dir("crashy.service"), (char *) in_dir("bystander.service")), NULL);
        CHECK(r, cli_run_wait_for(r, true, "runtime directory: ", 30000));
        cli_run_pump(r, 200);
        CHECK(r, summary_runtime_dir(r->out, runtime, sizeof(runtime)));
        CHECK(r, cli_run_alive(r));
        write_file("crash-now", "");
        cli_run_finish(r, RUN_DEADLINE_MS);
        CHECK(r, r->status == 70);
        CHECK(r, strstr(r->err, "crashy.service: main process exited with status 1") != NULL);
        assert_gone("crashy.pid");
        assert_gone("bystander.pid");
        CU_ASSERT(runtime[0] && access(runtime, F_OK) < 0);
        cli_run_free(r);
}

/* Receives one datagram within timeout_ms into buf; false on timeout. */
static bool receive_notification(int fd, char *buf, size_t size, int timeout_ms)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;

        if (poll(&p, 1, timeout_ms) <= 0)
                return false;
        n = recv(fd, buf, size - 1, MSG_DONTWAIT);
        if (n < 0)
                return false;
        buf[n] = 0;
        return true;
}

static void test_up_notifies_service_manager(void)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        char env[sizeof(addr.sun_path) + 32], demo[512], runtime[512] = "", msg[4096] = "", state[600];
        cli_run *r;
        int fd;
        bool got_ready, got_stopping;

        begin_test("up-notify");
        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", in_dir("manager.sock"));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        CU_ASSERT(fd >= 0);
        CU_ASSERT(bind(fd, (struct sockaddr *) &addr, sizeof(addr)) == 0);
        snprintf(env, sizeof(env), "NOTIFY_SOCKET=%s", addr.sun_path);
        snprintf(demo, sizeof(demo), "%s/notify-demo.service", units_dir);
        r = run_start(ARGV("up", demo), ARGV(env));

        /* READY=1 once every unit is: the demo's state file exists by then. */
        got_ready = receive_notification(fd, msg, sizeof(msg), 30000);
        CHECK(r, got_ready && strstr(msg, "READY=1") != NULL);
        if (!got_ready || !strstr(msg, "READY=1"))
                fprintf(stderr, "\nfirst notification: '%s'\n", msg);
        CHECK(r, cli_run_wait_for(r, true, "runtime directory: ", 5000));
        cli_run_pump(r, 100);
        CHECK(r, summary_runtime_dir(r->out, runtime, sizeof(runtime)));
        snprintf(state, sizeof(state), "%s/notify-demo/state", runtime);
        CU_ASSERT(access(state, F_OK) == 0);
        CU_ASSERT(!strstr(msg, "STOPPING=1"));

        kill(r->pid, SIGTERM);
        got_stopping = false;
        for (int i = 0; i < 5 && !got_stopping; i++) {
                msg[0] = 0;
                if (!receive_notification(fd, msg, sizeof(msg), 15000))
                        break;
                got_stopping = strstr(msg, "STOPPING=1") != NULL;
        }
        CHECK(r, got_stopping);
        cli_run_finish(r, RUN_DEADLINE_MS);
        CHECK(r, r->status == 0);
        CU_ASSERT(runtime[0] && access(runtime, F_OK) < 0);
        if (fd >= 0)
                close(fd);
        cli_run_free(r);
}

/* ---- --json --------------------------------------------------------------------------------- */

static void test_json_events(void)
{
        static const char *const units[] = { "ja.service", "jb.service" };
        cli_run *r;
        struct events *ev;
        int exited;
        double t, last_time = -1;
        long long ja_pid;

        begin_test("json");
        write_file(
                "ja.service",
                "[Service]\nType=notify\nExecStart=/bin/sh -c 'echo $$$$ > @D@/ja.pid; sleep 0.1;"
                " systemd-notify --ready; exec sleep 1000'\n");
        write_file(
                "jb.service", "[Unit]\nAfter=ja.service\n[Service]\nExecStart=/bin/sh "
                              "@D@/jb.sh\n[X-Ready]\nOutput=^ready\n");
        write_file("jb.sh", "echo 'ready \"quoted\" {\"event\":1}'\nexec sleep 1000\n");
        r = run(
                ARGV("run", "--json", (char *) in_dir("ja.service"), (char *) in_dir("jb.service"), "--",
                     "sh", "-c", "exit 3"));
        CHECK(r, r->status == 3);
        ev = parse_events(r);
        CHECK(r, ev->n >= 10);

        /* Every event has a name and a time, and time goes forward. */
        for (size_t i = 0; i < ev->n; i++) {
                CU_ASSERT_PTR_NOT_NULL(json_str(&ev->items[i], "event"));
                CU_ASSERT(json_num(&ev->items[i], "time_ms", &t) && t >= last_time);
                last_time = t;
        }
        /* The isolation obtained comes first. */
        CHECK(r, ev->n > 0 && find_event(ev, 0, "isolation", NULL) == 0);
        if (ev->n > 0) {
                const char *iso = json_str(&ev->items[0], "isolation");

                CU_ASSERT(
                        iso && (strcmp(iso, "cgroup") == 0 || strcmp(iso, "delegated-scope") == 0 ||
                                strcmp(iso, "fallback") == 0));
        }
        exited = find_event(ev, 0, "command-exited", NULL);
        CHECK(r, exited > 0);
        if (exited > 0) {
                double status = -1;

                CU_ASSERT(json_num(&ev->items[exited], "status", &status) && status == 3);
        }
        ja_pid = read_number("ja.pid");
        for (size_t u = 0; u < ELEMENTS(units); u++) {
                int starting = find_event(ev, 0, "starting", units[u]);
                int ready = find_event(ev, 0, "ready", units[u]);
                int stopping = find_event(ev, 0, "stopping", units[u]);
                int stopped = find_event(ev, 0, "stopped", units[u]);
                double pid = -1, start_pid = -1, elapsed = -1, status = -1;
                const char *conditions;

                CHECK(r, starting >= 0 && ready > starting && exited > ready && stopping > exited &&
                                 stopped > stopping);
                if (!(starting >= 0 && ready > starting && stopping > exited && stopped > stopping))
                        continue;
                /* "starting" comes before the first spawn: no pid there; "ready" has it. */
                CU_ASSERT(!json_num(&ev->items[starting], "pid", &start_pid));
                CU_ASSERT(json_num(&ev->items[ready], "pid", &pid) && pid > 0);
                if (u == 0)
                        CU_ASSERT(pid == (double) ja_pid);
                CU_ASSERT(json_num(&ev->items[ready], "elapsed_ms", &elapsed) && elapsed >= 0);
                conditions = json_str(&ev->items[ready], "conditions");
                CU_ASSERT(conditions && conditions[0]);
                /* (CU_ASSERT is a braced block: no if/else around it without braces.) */
                CU_ASSERT(conditions && strstr(conditions, u == 0 ? "READY=1" : "^ready"));
                /* A notify unit that waited ~100 ms for READY=1 did not take 0 ms. */
                if (u == 0)
                        CU_ASSERT(elapsed >= 50);
                CU_ASSERT(json_is(&ev->items[stopped], "clean", "true"));
                CU_ASSERT(json_num(&ev->items[stopped], "status", &status) && status == SIGTERM);
                CU_ASSERT_PTR_NOT_NULL(json_str(&ev->items[stopped], "exit"));
                CU_ASSERT(find_event(ev, 0, "failed", units[u]) < 0);
        }
        /* ordering: jb after ja ready; stop in reverse. */
        CHECK(r, find_event(ev, 0, "starting", "jb.service") > find_event(ev, 0, "ready", "ja.service"));
        CHECK(r, find_event(ev, 0, "stopping", "ja.service") > find_event(ev, 0, "stopped", "jb.service"));
        /* Unit output is forwarded, and never mixed into an event line. */
        CHECK(r, strstr(r->err, "jb.service| ready \"quoted\" {\"event\":1}\n") != NULL);
        assert_gone("ja.pid");
        free(ev);
        cli_run_free(r);
}

static void test_json_failed_event(void)
{
        cli_run *r;
        struct events *ev;
        int failed, stopped;

        begin_test("json-failed");
        write_file(
                "dies.service",
                "[Service]\nType=notify\nExecStart=/bin/sh -c 'echo \"last words\"; exit 5'\n");
        r = run(
                ARGV("run", "--json", (char *) in_dir("dies.service"), "--", "touch",
                     (char *) in_dir("command-ran")));
        CHECK(r, r->status == 69);
        ev = parse_events(r);
        failed = find_event(ev, 0, "failed", "dies.service");
        stopped = find_event(ev, 0, "stopped", "dies.service");
        CHECK(r, failed >= 0 && stopped > failed);
        if (failed >= 0) {
                const char *reason = json_str(&ev->items[failed], "reason");
                const char *message = json_str(&ev->items[failed], "message");

                CU_ASSERT(reason && strcmp(reason, "exited") == 0);
                CU_ASSERT(message && strstr(message, "exited with status 5 before it was ready"));
                CU_ASSERT(message && strstr(message, "last words"));
        }
        if (stopped >= 0) {
                double status = -1;

                CU_ASSERT(json_is(&ev->items[stopped], "clean", "false"));
                CU_ASSERT(json_num(&ev->items[stopped], "status", &status) && status == 5);
        }
        CU_ASSERT(find_event(ev, 0, "command-exited", NULL) < 0);
        CU_ASSERT(!exists("command-ran"));
        free(ev);
        cli_run_free(r);

        /* A start timeout has its own reason. */
        write_file(
                "slow.service",
                "[Service]\nType=notify\nExecStart=/bin/sleep 1000\nTimeoutStartSec=300ms\n");
        r = run(ARGV("run", "--json", (char *) in_dir("slow.service"), "--", "true"));
        CHECK(r, r->status == 69);
        ev = parse_events(r);
        failed = find_event(ev, 0, "failed", "slow.service");
        CHECK(r, failed >= 0);
        if (failed >= 0) {
                const char *reason = json_str(&ev->items[failed], "reason");

                CU_ASSERT(reason && strcmp(reason, "timeout") == 0);
        }
        free(ev);
        cli_run_free(r);
}

/* ---- The shipped units ---------------------------------------------------------------------- */

static int shipped_units(char paths[][512], size_t max)
{
        char cmd[600];
        size_t n = 0;
        FILE *p;

        snprintf(cmd, sizeof(cmd), "ls -1 '%s'/*.service", units_dir);
        p = popen(cmd, "re");
        if (!p)
                return 0;
        while (n < max && fgets(paths[n], 512, p)) {
                paths[n][strcspn(paths[n], "\n")] = 0;
                n++;
        }
        pclose(p);
        return (int) n;
}

static void test_shipped_units_verify_strict(void)
{
        char paths[32][512];
        int n = shipped_units(paths, 32);

        CU_ASSERT(n >= 4);
        for (int i = 0; i < n; i++) {
                cli_run *r = run(ARGV("verify", "--strict", paths[i]));

                CHECK(r, r->status == 0);
                CHECK(r, r->out[0] == 0 && r->err[0] == 0); /* not even a warning */
                cli_run_free(r);
        }
}

/* systemd-analyze verify is the independent oracle that the shipped units are valid systemd
 * units. It checks more than syntax, and some of that depends on this machine, not on the
 * files: whether the binaries in ExecStart= exist ("is not executable"), and, without a
 * running systemd, things about the manager. So the assertion is about what the files
 * themselves say: no line of its output may name a shipped file with a FILE:LINE (that is
 * how it reports every syntax problem: unknown keys or sections, values it fails to parse,
 * bad quoting), and none may say "bad unit file setting" or "Unknown". Our [X-Ready] section
 * is fine by design: systemd ignores X- sections silently. Its exit status is printed, not
 * asserted: a missing binary on a minimal host makes it non-zero. */
static void test_shipped_units_systemd_analyze(void)
{
        char paths[32][512];
        int n;

        if (!systemd_analyze) {
                cunit_skip("systemd-analyze not found, the shipped units are not checked by systemd");
                return;
        }
        n = shipped_units(paths, 32);
        CU_ASSERT(n >= 4);
        for (int i = 0; i < n; i++) {
                char *cmd = NULL, *with_line = NULL, line[2048];
                bool bad = false;
                FILE *p;
                int status;

                if (asprintf(&cmd, "'%s' verify --man=no '%s' 2>&1", systemd_analyze, paths[i]) < 0 ||
                    asprintf(&with_line, "%s:", paths[i]) < 0)
                        abort();
                p = popen(cmd, "re");
                free(cmd);
                CU_ASSERT_PTR_NOT_NULL(p);
                if (!p) {
                        free(with_line);
                        continue;
                }
                while (fgets(line, sizeof(line), p)) {
                        const char *after = strncmp(line, with_line, strlen(with_line)) == 0
                                                    ? line + strlen(with_line)
                                                    : NULL;
                        bool names_line = after && *after >= '0' && *after <= '9';

                        if (names_line || strstr(line, "bad unit file setting") || strstr(line, "Unknown")) {
                                fprintf(stderr, "\nsystemd-analyze: %s", line);
                                bad = true;
                        }
                }
                status = pclose(p);
                if (status != 0)
                        printf("\n  note: systemd-analyze verify %s exited %d (not asserted) ", paths[i],
                               WIFEXITED(status) ? WEXITSTATUS(status) : -1);
                free(with_line);
                CU_ASSERT(!bad);
        }
}

/* ---- Suite setup ---------------------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        return remove(path);
}

/* Kills any recorded process that is still alive: the safety net when a test failed early. */
static int kill_recorded(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        size_t len = strlen(path);

        if (type == FTW_F && len > 4 && strcmp(path + len - 4, ".pid") == 0) {
                FILE *f = fopen(path, "re");
                int pid = 0;

                if (f) {
                        if (fscanf(f, "%d", &pid) != 1)
                                pid = 0;
                        fclose(f);
                }
                if (ours_alive(pid)) {
                        fprintf(stderr, "\ncleanup: killing leftover pid %d (%s)\n", pid, path);
                        kill(pid, SIGKILL);
                }
        }
        return 0;
}

static int setup(void)
{
        const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

        unitrun_bin = getenv("UNITRUN");
        units_dir = getenv("UNITS_DIR");
        systemd_analyze = getenv("SYSTEMD_ANALYZE");
        if (systemd_analyze && !systemd_analyze[0])
                systemd_analyze = NULL;
        if (!unitrun_bin || !units_dir) {
                fprintf(stderr, "UNITRUN and UNITS_DIR must be set (meson does)\n");
                return -1;
        }
        self_start_time = test_proc_starttime(getpid());
        snprintf(tmp_root, sizeof(tmp_root), "%s/test-cli-units.XXXXXX", tmp);
        return mkdtemp(tmp_root) ? 0 : -1;
}

static int teardown(void)
{
        (void) cli_run_kill_all();
        if (!tmp_root[0])
                return 0;
        nftw(tmp_root, kill_recorded, 16, FTW_PHYS);
        return nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* systemd.service(5): what an ExecStartPre= leaves running is killed before the next
 * command; and ExecStopPost= still runs after the final kill of a stubborn unit (a cgroup
 * that was cgroup.kill'ed must not kill what is spawned in it afterwards). */
static void test_start_pre_leftovers_and_stop_post_after_kill(void)
{
        char command[1024];
        cli_run *r;
        char *got;

        begin_test("pre-leftovers");
        write_file(
                "leftover.service",
                "[Service]\n"
                "ExecStartPre=/bin/sh -c 'sleep 1000 & echo $! > @D@/leftover.pid'\n"
                "ExecStart=/bin/sh -c 'echo $$$$ > @D@/main.pid; echo up; exec sleep 1000'\n"
                "[X-Ready]\nOutput=^up$\n");
        snprintf(
                command, sizeof(command),
                "cat /proc/$(cat '%s/leftover.pid')/stat > '%s/leftover.stat' 2>/dev/null; exit 0", test_dir,
                test_dir);
        r = run(ARGV("run", (char *) in_dir("leftover.service"), "--", "sh", "-c", command));
        CHECK(r, r->status == 0);
        /* By the time COMMAND ran, the leftover was dead (a zombie at most: PID 1 here does
         * not reap), while the main process it preceded was alive. */
        got = read_text(in_dir("leftover.stat"));
        CU_ASSERT(!got || strstr(got, ") Z ") != NULL || strstr(got, ") X ") != NULL);
        CU_ASSERT(read_number("main.pid") > 0);
        assert_gone("leftover.pid");
        assert_gone("main.pid");
        cli_run_free(r);

        begin_test("stop-post-after-kill");
        write_file(
                "stubborn.service",
                "[Service]\n"
                "ExecStart=/bin/sh -c 'trap \"\" TERM; echo up; while :; do sleep 0.05; done'\n"
                "ExecStopPost=/bin/sh -c 'echo ran > @D@/stop-post'\n"
                "TimeoutStopSec=300ms\n"
                "[X-Ready]\nOutput=^up$\n");
        r = run(ARGV("run", (char *) in_dir("stubborn.service"), "--", "true"));
        CHECK(r, r->status == 70);
        got = read_text(in_dir("stop-post"));
        CU_ASSERT(got && strcmp(got, "ran\n") == 0);
        cli_run_free(r);
}

static CU_TestInfo parsing_tests[] = {
        { "corpus of broken unit files: verify and run", test_corpus_of_broken_units },
        { "valid unit, warnings, --strict", test_valid_unit_and_warnings },
        CU_TEST_INFO_NULL,
};

static CU_TestInfo dependency_tests[] = {
        { "After=/Requires= order start after ready, stop reversed",
          test_after_requires_order_start_and_stop },
        { "independent units start in parallel", test_independent_units_overlap },
        { "Requires= failure propagates, Wants= does not", test_requires_failure_propagates },
        { "After= cycle is an error", test_after_cycle_is_an_error },
        CU_TEST_INFO_NULL,
};

static CU_TestInfo lifecycle_tests[] = {
        { "ExecStartPre/Post/Stop/StopPost order and $MAINPID", test_exec_command_order_and_mainpid },
        { "failing ExecStartPre", test_failing_exec_start_pre },
        { "Environment=, EnvironmentFile=, expansion", test_environment_and_expansion },
        { "RuntimeDirectory=", test_runtime_directory },
        { "Type=oneshot runs its commands in order", test_oneshot_commands_in_order },
        { "Type=forking with PIDFile=", test_forking_with_pid_file },
        { "SuccessExitStatus=, KillSignal=, TimeoutStopSec=", test_stop_semantics },
        { "ExecStartPre= leftovers killed; ExecStopPost= after the final kill",
          test_start_pre_leftovers_and_stop_post_after_kill },
        CU_TEST_INFO_NULL,
};

static CU_TestInfo up_tests[] = {
        { "up: SIGINT tears down, exit 0", test_up_sigint },
        { "up: SIGTERM tears down, exit 0", test_up_sigterm },
        { "up: a unit crashing exits 70", test_up_unit_crash },
        { "up: READY=1 and STOPPING=1 to NOTIFY_SOCKET", test_up_notifies_service_manager },
        CU_TEST_INFO_NULL,
};

static CU_TestInfo json_tests[] = {
        { "--json event sequence and fields", test_json_events },
        { "--json failed event", test_json_failed_event },
        CU_TEST_INFO_NULL,
};

static CU_TestInfo shipped_tests[] = {
        { "units/*.service pass verify --strict", test_shipped_units_verify_strict },
        { "units/*.service pass systemd-analyze verify", test_shipped_units_systemd_analyze },
        CU_TEST_INFO_NULL,
};

int main(void)
{
        CU_SuiteInfo suites[] = {
                { .pName = "parsing",
                  .pInitFunc = setup,
                  .pCleanupFunc = teardown,
                  .pTests = parsing_tests },
                { .pName = "dependencies",
                  .pInitFunc = setup,
                  .pCleanupFunc = teardown,
                  .pTests = dependency_tests },
                { .pName = "lifecycle",
                  .pInitFunc = setup,
                  .pCleanupFunc = teardown,
                  .pTests = lifecycle_tests },
                { .pName = "up", .pInitFunc = setup, .pCleanupFunc = teardown, .pTests = up_tests },
                { .pName = "json", .pInitFunc = setup, .pCleanupFunc = teardown, .pTests = json_tests },
                { .pName = "shipped units",
                  .pInitFunc = setup,
                  .pCleanupFunc = teardown,
                  .pTests = shipped_tests },
                CU_SUITE_INFO_NULL,
        };

        return cunit_run(suites);
}

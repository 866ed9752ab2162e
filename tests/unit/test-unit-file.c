/* Unit tests for the unit-file parser (unit-file.c, unit-keys.c, unit-ready-keys.c,
 * unit-verify.c), fed canned text: every syntax rule, every key, every error path, warnings
 * against strict mode, specifiers, -p assignments, whole-unit checks, and allocation
 * failures. The corpus test (test-unit-corpus.c) adds one file per malformed case. */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-fail.h"
#include "cmdline.h"
#include "cunit-main.h"
#include "macro.h"
#include "strv.h"
#include "test-assert.h"
#include "unit-file.h"

static const struct unit_specifiers specs = {
        .runtime_dir = "/run/ur",
        .tmp_dir = "/tmp",
        .home = "/home/u",
        .user = "u",
        .uid = "1000",
};

#define SVC "[Service]\nExecStart=/bin/true\n"

static int parse(const char *text, bool strict, struct unit_config **ret, struct unit_diagnostics *diags)
{
        return unit_file_parse("/units/t.service", "t.service", text, &specs, strict, ret, diags);
}

/* A config that must parse; warnings are allowed and counted into *n_warnings if asked. */
static struct unit_config *ok(const char *text)
{
        struct unit_diagnostics diags = {};
        struct unit_config *c = NULL;
        int r = parse(text, false, &c, &diags);

        for (size_t i = 0; r != 0 && i < diags.n; i++)
                fprintf(stderr, "unexpected: %u: %s\n", diags.items[i].line, diags.items[i].message);
        unit_diagnostics_done(&diags);
        CU_ASSERT_EQUAL_FATAL(r, 0);
        return c;
}

static bool diags_have(const struct unit_diagnostics *d, bool error, unsigned line, const char *part)
{
        for (size_t i = 0; i < d->n; i++)
                if (d->items[i].error == error && d->items[i].line == line &&
                    strstr(d->items[i].message, part))
                        return true;
        for (size_t i = 0; i < d->n; i++)
                fprintf(stderr, "  have: %s %u: %s\n", d->items[i].error ? "error" : "warning",
                        d->items[i].line, d->items[i].message);
        return false;
}

/* The text must fail to parse with an error on line naming part. */
static void bad(const char *text, unsigned line, const char *part)
{
        struct unit_diagnostics diags = {};
        struct unit_config *c = (struct unit_config *) 0x1;

        CU_ASSERT_EQUAL(parse(text, false, &c, &diags), -EINVAL);
        CU_ASSERT_PTR_EQUAL(c, (struct unit_config *) 0x1);
        if (!diags_have(&diags, true, line, part)) {
                fprintf(stderr, "  wanted error %u: %s\n", line, part);
                CU_FAIL("missing error");
        }
        CU_ASSERT_STRING_EQUAL(diags.items[0].file, "/units/t.service");
        unit_diagnostics_done(&diags);
}

/* The text must parse with a warning on line naming part (and fail under strict when
 * strict_fails). */
static void warns(const char *text, unsigned line, const char *part, bool strict_fails)
{
        struct unit_diagnostics diags = {};
        struct unit_config *c = NULL;

        CU_ASSERT_EQUAL(parse(text, false, &c, &diags), 0);
        if (!diags_have(&diags, false, line, part)) {
                fprintf(stderr, "  wanted warning %u: %s\n", line, part);
                CU_FAIL("missing warning");
        }
        unit_config_free(c);
        unit_diagnostics_done(&diags);
        c = NULL;
        CU_ASSERT_EQUAL(parse(text, true, &c, &diags), strict_fails ? -EINVAL : 0);
        unit_config_free(c);
        unit_diagnostics_done(&diags);
}

/* unit_config_verify() on a parsed text must report part on line (error or warning). */
static void verify_says(const char *text, bool error, unsigned line, const char *part)
{
        struct unit_diagnostics diags = {};
        struct unit_config *c = ok(text);

        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        CU_ASSERT_EQUAL(unit_config_verify(c, &diags), error ? -EINVAL : 0);
        if (!diags_have(&diags, error, line, part)) {
                fprintf(stderr, "  wanted %s %u: %s\n", error ? "error" : "warning", line, part);
                CU_FAIL("missing verify diagnostic");
        }
        unit_diagnostics_done(&diags);
        unit_config_free(c);
}

/* ---- syntax ---------------------------------------------------------------------- */

static void test_defaults(void)
{
        struct unit_config *c = ok(SVC);
        struct unit_diagnostics diags = {};

        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        CU_ASSERT_STRING_EQUAL(c->name, "t.service");
        CU_ASSERT_STRING_EQUAL(c->path, "/units/t.service");
        CU_ASSERT_EQUAL(c->type, UR_TYPE_SIMPLE);
        CU_ASSERT_FALSE(c->type_forking);
        CU_ASSERT_EQUAL(c->timeout_start_usec, 90 * 1000000ULL);
        /* A unit file gets systemd's 90 s; ad-hoc units keep 10 s (see -p assignments). */
        CU_ASSERT_EQUAL(c->timeout_stop_usec, 90 * 1000000ULL);
        CU_ASSERT_EQUAL(c->kill_signal, SIGTERM);
        CU_ASSERT_EQUAL(c->final_kill_signal, SIGKILL);
        CU_ASSERT_EQUAL(c->kill_mode, UR_KILL_CONTROL_GROUP);
        CU_ASSERT_TRUE(c->send_sigkill);
        CU_ASSERT_EQUAL(c->notify_access, UR_NOTIFY_ALL);
        CU_ASSERT_FALSE(c->notify_access_set);
        CU_ASSERT_EQUAL(c->standard_output.mode, UR_STDIO_CAPTURE);
        CU_ASSERT_EQUAL(c->standard_error.mode, UR_STDIO_CAPTURE);
        CU_ASSERT_EQUAL(c->output_stream, UR_STDOUT_AND_STDERR);
        CU_ASSERT_TRUE(c->refuse_if_ready);
        CU_ASSERT_EQUAL(c->interval_usec, 0);
        CU_ASSERT_PTR_NULL(c->description);
        CU_ASSERT_EQUAL_FATAL(c->exec_start.n, 1);
        CU_ASSERT_STRING_EQUAL(c->exec_start.items[0].line, "/bin/true");
        CU_ASSERT_EQUAL(c->exec_start.items[0].line_no, 2);
        CU_ASSERT_EQUAL(unit_config_verify(c, &diags), 0);
        CU_ASSERT_EQUAL(diags.n, 0);
        unit_config_free(c);
        CU_ASSERT_PTR_NULL(unit_config_free(NULL));
}

static void test_lines(void)
{
        struct unit_config *c;

        /* Whitespace around '=' and at both ends; comments with '#' and ';', indented too. */
        c = ok("# head\n; other\n[Unit]\n   Description   =   My   daemon   \n  # indented comment\n" SVC);
        CU_ASSERT_STRING_EQUAL(c->description, "My   daemon");
        unit_config_free(c);

        /* Continuation: the backslash becomes a space; a comment inside is skipped. */
        c = ok("[Service]\nExecStart=/bin/echo one \\\n  two\\\n# skipped\n; skipped\nthree\nPIDFile=x\n");
        CU_ASSERT_STRING_EQUAL(c->exec_start.items[0].line, "/bin/echo one two three");
        CU_ASSERT_EQUAL(c->exec_start.items[0].line_no, 2);
        unit_config_free(c);

        /* An escaped backslash does not continue the line. */
        c = ok("[Unit]\nDescription=C:\\\\\n" SVC);
        CU_ASSERT_STRING_EQUAL(c->description, "C:\\\\");
        unit_config_free(c);

        /* CRLF line ends, a byte order mark, no newline at the end, a backslash at the end. */
        c = ok("\xef\xbb\xbf[Unit]\r\nDescription=crlf\r\n[Service]\r\nExecStart=/bin/true\r\nPIDFile=p\\");
        CU_ASSERT_STRING_EQUAL(c->description, "crlf");
        CU_ASSERT_STRING_EQUAL(c->pid_file, "p");
        unit_config_free(c);

        /* A section may come back; later assignments win. */
        c = ok("[Unit]\nDescription=a\n" SVC "[Unit]\nDescription=b\n");
        CU_ASSERT_STRING_EQUAL(c->description, "b");
        unit_config_free(c);

        /* The value keeps '=' after the first one. */
        c = ok(SVC "Environment=A=b=c\n");
        test_assert_strv(c->environment, (const char *const[]){ "A=b=c", NULL });
        unit_config_free(c);
}

static void test_syntax_errors(void)
{
        bad("Description=x\n" SVC, 1, "outside of any section");
        bad("[Service\nExecStart=/bin/true\n", 1, "invalid section header");
        bad("[]\n", 1, "empty section name");
        bad(SVC "just words\n", 3, "missing '='");
        bad(SVC "=value\n", 3, "missing key name");
        /* Errors do not stop the parse: both are reported. */
        bad(SVC "Type=bogus\nKillMode=bogus\n", 4, "KillMode=bogus");
        bad(SVC "Type=bogus\nKillMode=bogus\n", 3, "Type=bogus");
        /* An error on a continued line names the line where the assignment began. */
        bad(SVC "KillSignal=\\\n SIGFOO\n", 3, "not a signal");
}

static void test_sections(void)
{
        struct unit_config *c;

        /* [Install] and X-* sections are skipped silently, and so are X-* keys. */
        c = ok("[Install]\nWantedBy=multi-user.target\n[X-Mine]\nAnything=goes\n" SVC "X-Custom=1\n");
        unit_config_free(c);
        warns("[Socket]\nListenStream=80\n" SVC, 1, "unknown section [Socket]", true);
        warns(SVC "Frobnicate=always\n", 3, "unknown key Frobnicate= in [Service]", true);
        warns(SVC "execstart=/bin/x\n", 3, "did you mean ExecStart=", true);
        warns("[Unit]\nFrobnicate=man:x\n" SVC, 2, "unknown key Frobnicate= in [Unit]", true);
        /* A key of ours in the wrong section names the right one. */
        bad("[Unit]\nExecStart=/bin/true\n", 2, "ExecStart= belongs in [Service], not in [Unit]");
        bad(SVC "TCP=localhost:80\n", 3, "TCP= belongs in [X-Ready], not in [Service]");
        bad("[X-Ready]\nDescription=x\n" SVC, 2, "belongs in [Unit]");
}

/* ---- [Unit] ---------------------------------------------------------------------- */

static void test_unit_section(void)
{
        struct unit_config *c;

        c = ok("[Unit]\nDescription=%n is %N\nRequires=a.service b.service\nRequires=a.service\n"
               "Wants=w@1.service\nAfter=a.service\nAfter=\nAfter=c.service\nBefore=d.service\n" SVC);
        CU_ASSERT_STRING_EQUAL(c->description, "t.service is t");
        test_assert_strv(c->requires, (const char *const[]){ "a.service", "b.service", NULL });
        test_assert_strv(c->wants, (const char *const[]){ "w@1.service", NULL });
        test_assert_strv(c->after, (const char *const[]){ "c.service", NULL });
        test_assert_strv(c->before, (const char *const[]){ "d.service", NULL });
        unit_config_free(c);

        bad("[Unit]\nRequires=db\n" SVC, 2, "must end in .service");
        bad("[Unit]\nAfter=network.tagret\n" SVC, 2, "must end in .service");
        bad("[Unit]\nWants=a/b.service\n" SVC, 2, "invalid character");
        bad("[Unit]\nBefore=tpl@.service\n" SVC, 2, "template");
        bad("[Unit]\nRequires=.service\n" SVC, 2, "before its type suffix");
}

/* ---- [Service] ------------------------------------------------------------------- */

static void test_type(void)
{
        static const struct {
                const char *value;
                ur_type type;
        } types[] = {
                { "simple", UR_TYPE_SIMPLE },   { "exec", UR_TYPE_EXEC },       { "notify", UR_TYPE_NOTIFY },
                { "oneshot", UR_TYPE_ONESHOT }, { "forking", UR_TYPE_FORKING },
        };
        struct unit_config *c;
        char text[200];

        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                snprintf(text, sizeof(text), SVC "Type=%s\n", types[i].value);
                c = ok(text);
                CU_ASSERT_EQUAL(c->type, types[i].type);
                CU_ASSERT_EQUAL(c->type_forking, types[i].type == UR_TYPE_FORKING);
                CU_ASSERT_EQUAL(c->lines.type, 3);
                unit_config_free(c);
        }
        c = ok(SVC "Type=forking\nType=\n");
        CU_ASSERT_EQUAL(c->type, UR_TYPE_SIMPLE);
        CU_ASSERT_FALSE(c->type_forking);
        unit_config_free(c);
        c = ok(SVC "Type=idle\n"); /* simple, silently: the delay only means something at boot */
        CU_ASSERT_EQUAL(c->type, UR_TYPE_SIMPLE);
        unit_config_free(c);
        bad(SVC "Type=dbus\n", 3, "Type=dbus is not supported");
        bad(SVC "Type=Simple\n", 3, "unknown type");
}

static void test_exec(void)
{
        struct unit_config *c;

        c = ok("[Service]\nType=oneshot\nExecStartPre=-/bin/pre a\nExecStartPre=:@/bin/sh mysh -c 'echo "
               "$X'\n"
               "ExecStart=/bin/echo one ; echo \"two two\"\nExecStart=/bin/echo / >/dev/null & \\; \\\n ls\n"
               "ExecStartPost=/bin/post '%t/x'\nExecStop=/bin/kill $MAINPID\nExecStopPost=-:@/bin/a b\n");
        CU_ASSERT_EQUAL_FATAL(c->exec_start_pre.n, 2);
        CU_ASSERT_STRING_EQUAL(c->exec_start_pre.items[0].line, "/bin/pre a");
        CU_ASSERT_TRUE(c->exec_start_pre.items[0].ignore_failure);
        CU_ASSERT_FALSE(c->exec_start_pre.items[0].argv0);
        CU_ASSERT_STRING_EQUAL(c->exec_start_pre.items[1].line, "/bin/sh mysh -c 'echo $X'");
        CU_ASSERT_TRUE(c->exec_start_pre.items[1].argv0);
        CU_ASSERT_TRUE(c->exec_start_pre.items[1].no_env_expand);
        CU_ASSERT_FALSE(c->exec_start_pre.items[1].ignore_failure);
        /* A lone ';' separates commands; "\;" is a literal ';' argument (the man page's example). */
        CU_ASSERT_EQUAL_FATAL(c->exec_start.n, 3);
        CU_ASSERT_STRING_EQUAL(c->exec_start.items[0].line, "/bin/echo one");
        CU_ASSERT_STRING_EQUAL(c->exec_start.items[1].line, "echo \"two two\"");
        CU_ASSERT_STRING_EQUAL(c->exec_start.items[2].line, "/bin/echo / >/dev/null & ; ls");
        CU_ASSERT_EQUAL(c->exec_start.items[1].line_no, 5);
        CU_ASSERT_EQUAL(c->exec_start.items[2].line_no, 6);
        CU_ASSERT_STRING_EQUAL(c->exec_start_post.items[0].line, "/bin/post '/run/ur/x'");
        CU_ASSERT_STRING_EQUAL(c->exec_stop.items[0].line, "/bin/kill $MAINPID");
        CU_ASSERT_TRUE(c->exec_stop_post.items[0].ignore_failure);
        CU_ASSERT_TRUE(c->exec_stop_post.items[0].no_env_expand);
        CU_ASSERT_TRUE(c->exec_stop_post.items[0].argv0);
        unit_config_free(c);

        /* The stored line splits back into the man page's five arguments. */
        {
                _cleanup_strv_free_ char **argv = NULL;
                const char *reason = NULL;

                c = ok("[Service]\nExecStart=echo / >/dev/null & \\; \\\nls\n");
                CU_ASSERT_EQUAL(cmdline_split_expand(c->exec_start.items[0].line, NULL, &argv, &reason), 0);
                test_assert_strv(
                        argv, (const char *const[]){ "echo", "/", ">/dev/null", "&", ";", "ls", NULL });
                unit_config_free(c);
        }

        /* ';' inside quotes or escaped is not a separator. */
        c = ok("[Service]\nExecStart=/bin/sh -c 'a ; b' \";\"\n");
        CU_ASSERT_EQUAL(c->exec_start.n, 1);
        unit_config_free(c);

        /* An empty assignment resets the list. */
        c = ok("[Service]\nExecStart=/bin/a\nExecStart=\nExecStart=/bin/b\nExecStop=/bin/x\nExecStop=\n");
        CU_ASSERT_EQUAL_FATAL(c->exec_start.n, 1);
        CU_ASSERT_STRING_EQUAL(c->exec_start.items[0].line, "/bin/b");
        CU_ASSERT_EQUAL(c->exec_stop.n, 0);
        unit_config_free(c);

        /* The privilege prefixes are recorded for the spawn (process-config.c). */
        c = ok("[Service]\nExecStart=+/bin/true\nExecStartPre=!!/bin/a\nExecStop=!/bin/b\n");
        CU_ASSERT_TRUE(c->exec_start.items[0].privileged);
        CU_ASSERT_FALSE(c->exec_start.items[0].no_setuid);
        CU_ASSERT_TRUE(c->exec_start_pre.items[0].no_setuid);
        CU_ASSERT_TRUE(c->exec_stop.items[0].no_setuid);
        CU_ASSERT_STRING_EQUAL(c->exec_start_pre.items[0].line, "/bin/a");
        unit_config_free(c);
        bad("[Service]\nExecStart=--/bin/true\n", 2, "prefix '-' given twice");
        bad("[Service]\nExecStart=+!/bin/true\n", 2, "exclude each other");
        bad("[Service]\nExecStart=- /bin/true\n", 2, "missing program after the prefixes");
        bad("[Service]\nExecStart=-\n", 2, "missing program");
        bad("[Service]\nExecStart=@/bin/sh\n", 2, "argv[0]");
        bad("[Service]\nExecStart=./server\n", 2, "absolute path or a plain name");
        bad("[Service]\nExecStart=/bin/echo 'oops\n", 2, "unterminated quote");
        bad("[Service]\nExecStart=/bin/echo \\q\n", 2, "invalid escape");
        bad("[Service]\nExecStart=/bin/echo a ;\n", 2, "empty command after ';'");
        bad("[Service]\nExecStart=; /bin/echo\n", 2, "empty command before ';'");
        bad("[Service]\nExecStart=$PROG arg\n", 2, "may not be a variable");
        bad("[Service]\nExecStart=/bin/echo ${X\n", 2, "unterminated ${");
        bad("[Service]\nExecStartPre=/bin/echo %Z\n"
            "ExecStart=/bin/true\n",
            2, "unknown specifier");
        /* ':' turns expansion off, so a '$' is just a character. */
        c = ok("[Service]\nExecStart=:/bin/echo ${X\n");
        unit_config_free(c);
}

static void test_environment(void)
{
        struct unit_config *c;

        /* systemd.exec(5)'s example, and systemd.service(5)'s. */
        c = ok(SVC "Environment=\"VAR1=word1 word2\" VAR2=word3 \"VAR3=$word 5 6\"\n");
        test_assert_strv(
                c->environment,
                (const char *const[]){ "VAR1=word1 word2", "VAR2=word3", "VAR3=$word 5 6", NULL });
        unit_config_free(c);
        c = ok(SVC "Environment=ONE='one' \"TWO='two two' too\" THREE=\n");
        test_assert_strv(
                c->environment, (const char *const[]){ "ONE='one'", "TWO='two two' too", "THREE=", NULL });
        unit_config_free(c);

        /* Later wins; empty resets; specifiers per word, after unquoting. */
        c = ok(SVC
               "Environment=A=1 B=2\nEnvironment=A=3\nEnvironment=\nEnvironment=H=%h 'D=%t/a b' P=100%%\n");
        test_assert_strv(
                c->environment, (const char *const[]){ "H=/home/u", "D=/run/ur/a b", "P=100%", NULL });
        unit_config_free(c);

        bad(SVC "Environment=NOEQUALS\n", 3, "not an assignment");
        bad(SVC "Environment=1A=x\n", 3, "invalid variable name");
        bad(SVC "Environment=A-B=x\n", 3, "invalid variable name");
        bad(SVC "Environment=A=\\x01\n", 3, "control characters");
        bad(SVC "Environment=\"A=x\n", 3, "unterminated quote");

        c = ok(SVC "EnvironmentFile=/etc/a.env\nEnvironmentFile=-%h/.env\n");
        CU_ASSERT_EQUAL_FATAL(c->n_environment_files, 2);
        CU_ASSERT_STRING_EQUAL(c->environment_files[0].path, "/etc/a.env");
        CU_ASSERT_FALSE(c->environment_files[0].optional);
        CU_ASSERT_STRING_EQUAL(c->environment_files[1].path, "/home/u/.env");
        CU_ASSERT_TRUE(c->environment_files[1].optional);
        unit_config_free(c);
        c = ok(SVC "EnvironmentFile=/etc/a.env\nEnvironmentFile=\n");
        CU_ASSERT_EQUAL(c->n_environment_files, 0);
        CU_ASSERT_PTR_NULL(c->environment_files);
        unit_config_free(c);
        bad(SVC "EnvironmentFile=relative.env\n", 3, "not an absolute path");
        bad(SVC "EnvironmentFile=-\n", 3, "missing path");

        c = ok(SVC "UnsetEnvironment=A B=1\nUnsetEnvironment=C\n");
        test_assert_strv(c->unset_environment, (const char *const[]){ "A", "B=1", "C", NULL });
        unit_config_free(c);
        bad(SVC "UnsetEnvironment=A 9B\n", 3, "expected a variable name");

        c = ok(SVC "WorkingDirectory=-%t/w\n");
        CU_ASSERT_STRING_EQUAL(c->working_directory, "/run/ur/w");
        CU_ASSERT_TRUE(c->working_directory_optional);
        unit_config_free(c);
        c = ok(SVC "WorkingDirectory=~\n");
        CU_ASSERT_STRING_EQUAL(c->working_directory, "~");
        CU_ASSERT_FALSE(c->working_directory_optional);
        unit_config_free(c);
        c = ok(SVC "WorkingDirectory=/x\nWorkingDirectory=\n");
        CU_ASSERT_PTR_NULL(c->working_directory);
        unit_config_free(c);
        bad(SVC "WorkingDirectory=srv\n", 3, "not an absolute path");
        bad(SVC "WorkingDirectory=~/x\n", 3, "not an absolute path");
}

static void test_timeouts(void)
{
        struct unit_config *c;

        static const struct {
                const char *text;
                uint64_t start_usec, stop_usec;
        } cases[] = {
                { SVC "TimeoutStartSec=1min 30s\nTimeoutStopSec=500ms\n", 90 * 1000000ULL, 500000ULL },
                { SVC "TimeoutSec=5\n", 5000000ULL, 5000000ULL },
                /* Later wins between TimeoutSec= and the specific keys; 0 means infinity. */
                { SVC "TimeoutSec=5\nTimeoutStopSec=0\nTimeoutStartSec=infinity\n", UINT64_MAX, UINT64_MAX },
                { SVC "TimeoutSec=5\nTimeoutStartSec=\n", 90000000ULL, 5000000ULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                c = ok(cases[i].text);
                CU_ASSERT_EQUAL(c->timeout_start_usec, cases[i].start_usec);
                CU_ASSERT_EQUAL(c->timeout_stop_usec, cases[i].stop_usec);
                unit_config_free(c);
        }
        bad(SVC "TimeoutStartSec=soon\n", 3, "invalid time span");
        bad(SVC "TimeoutStopSec=-5\n", 3, "invalid time span");
        bad(SVC "TimeoutSec=%t\n", 3, "invalid time span");
}

static void test_kill(void)
{
        struct unit_config *c;

        c = ok(SVC "KillSignal=SIGINT\nFinalKillSignal=QUIT\nKillMode=mixed\nSendSIGKILL=no\n");
        CU_ASSERT_EQUAL(c->kill_signal, SIGINT);
        CU_ASSERT_EQUAL(c->final_kill_signal, SIGQUIT);
        CU_ASSERT_EQUAL(c->kill_mode, UR_KILL_MIXED);
        CU_ASSERT_FALSE(c->send_sigkill);
        unit_config_free(c);
        c = ok(SVC "KillSignal=9\nKillSignal=\nKillMode=process\nSendSIGKILL=off\nSendSIGKILL=\n");
        CU_ASSERT_EQUAL(c->kill_signal, SIGTERM);
        CU_ASSERT_EQUAL(c->kill_mode, UR_KILL_PROCESS);
        CU_ASSERT_TRUE(c->send_sigkill);
        unit_config_free(c);
        c = ok(SVC "KillMode=process\nKillMode=control-group\nKillSignal=SIGRTMIN+2\n");
        CU_ASSERT_EQUAL(c->kill_mode, UR_KILL_CONTROL_GROUP);
        CU_ASSERT_EQUAL(c->kill_signal, SIGRTMIN + 2);
        unit_config_free(c);
        bad(SVC "KillMode=none\n", 3, "nothing survives");
        bad(SVC "KillMode=all\n", 3, "unknown mode");
        bad(SVC "KillSignal=SIGFOO\n", 3, "not a signal");
        bad(SVC "FinalKillSignal=0\n", 3, "not a signal");
        bad(SVC "SendSIGKILL=maybe\n", 3, "not a boolean");
}

static void test_booleans(void)
{
        static const char *const yes[] = { "1", "yes", "true", "on", "YES", "y", "T" };
        static const char *const no[] = { "0", "no", "false", "off", "Off", "n", "f" };
        char text[200];
        struct unit_config *c;

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                snprintf(
                        text, sizeof(text), SVC "SendSIGKILL=%s\n[X-Ready]\nRefuseIfReady=%s\n", no[i],
                        no[i]);
                c = ok(text);
                CU_ASSERT_FALSE(c->send_sigkill);
                CU_ASSERT_FALSE(c->refuse_if_ready);
                unit_config_free(c);
                snprintf(text, sizeof(text), SVC "SendSIGKILL=%s\n", yes[i]);
                c = ok(text);
                CU_ASSERT_TRUE(c->send_sigkill);
                unit_config_free(c);
        }
        bad(SVC "SendSIGKILL=2\n", 3, "not a boolean");
        bad(SVC "SendSIGKILL=yess\n", 3, "not a boolean");
}

static void test_success_exit_status(void)
{
        struct unit_config *c;

        c = ok(SVC "SuccessExitStatus=1 2 SIGUSR1\nSuccessExitStatus=2 HUP 255 0\n");
        CU_ASSERT_EQUAL_FATAL(c->n_success_statuses, 4);
        CU_ASSERT_EQUAL(c->success_statuses[0], 1);
        CU_ASSERT_EQUAL(c->success_statuses[1], 2);
        CU_ASSERT_EQUAL(c->success_statuses[2], 255);
        CU_ASSERT_EQUAL(c->success_statuses[3], 0);
        CU_ASSERT_EQUAL_FATAL(c->n_success_signals, 2);
        CU_ASSERT_EQUAL(c->success_signals[0], SIGUSR1);
        CU_ASSERT_EQUAL(c->success_signals[1], SIGHUP);
        unit_config_free(c);
        c = ok(SVC "SuccessExitStatus=1 TERM\nSuccessExitStatus=\n");
        CU_ASSERT_EQUAL(c->n_success_statuses, 0);
        CU_ASSERT_EQUAL(c->n_success_signals, 0);
        unit_config_free(c);
        bad(SVC "SuccessExitStatus=256\n", 3, "out of range");
        bad(SVC "SuccessExitStatus=1x\n", 3, "out of range");
        bad(SVC "SuccessExitStatus=1 BOGUS\n", 3, "neither an exit status");
        /* A refused value leaves the earlier list alone. */
        {
                struct unit_config *a = unit_config_new("a.service");
                struct unit_diagnostics diags = {};

                CU_ASSERT_EQUAL(unit_config_assign(a, "SuccessExitStatus", "3", NULL, "-p", &diags), 0);
                CU_ASSERT_EQUAL(
                        unit_config_assign(a, "SuccessExitStatus", "4 nope", NULL, "-p", &diags), -EINVAL);
                CU_ASSERT_EQUAL(a->n_success_statuses, 1);
                unit_diagnostics_done(&diags);
                unit_config_free(a);
        }
}

static void test_paths_and_modes(void)
{
        struct unit_config *c;

        c = ok(SVC "Type=forking\nPIDFile=app.pid\n");
        CU_ASSERT_STRING_EQUAL(c->pid_file, "app.pid");
        CU_ASSERT_EQUAL(c->lines.pid_file, 4);
        unit_config_free(c);
        c = ok(SVC "PIDFile=%t/a.pid\nPIDFile=\n");
        CU_ASSERT_PTR_NULL(c->pid_file);
        unit_config_free(c);
        bad(SVC "PIDFile=run/\n", 3, "directory");

        c = ok(SVC "NotifyAccess=main\n");
        CU_ASSERT_EQUAL(c->notify_access, UR_NOTIFY_MAIN);
        CU_ASSERT_TRUE(c->notify_access_set);
        unit_config_free(c);
        c = ok(SVC "NotifyAccess=all\n");
        CU_ASSERT_EQUAL(c->notify_access, UR_NOTIFY_ALL);
        CU_ASSERT_TRUE(c->notify_access_set);
        unit_config_free(c);
        warns(SVC "NotifyAccess=exec\n", 3, "treated as NotifyAccess=all", false);
        bad(SVC "NotifyAccess=none\n", 3, "NotifyAccess=none is not supported");
        bad(SVC "NotifyAccess=some\n", 3, "expected all or main");

        c = ok(SVC "RuntimeDirectory=a b/c\nRuntimeDirectory=a %N\n");
        test_assert_strv(c->runtime_directories, (const char *const[]){ "a", "b/c", "t", NULL });
        unit_config_free(c);
        bad(SVC "RuntimeDirectory=/run/x\n", 3, "must be relative");
        bad(SVC "RuntimeDirectory=../x\n", 3, "'..'");
        bad(SVC "RuntimeDirectory=a/./b\n", 3, "'.'");
        bad(SVC "RuntimeDirectory=a//b\n", 3, "empty path components");
        bad(SVC "RuntimeDirectory=a/\n", 3, "empty path components");

        c = ok(SVC "StandardOutput=null\nStandardError=append:%t/err.log\n");
        CU_ASSERT_EQUAL(c->standard_output.mode, UR_STDIO_NULL);
        CU_ASSERT_PTR_NULL(c->standard_output.path);
        CU_ASSERT_EQUAL(c->standard_error.mode, UR_STDIO_APPEND);
        CU_ASSERT_STRING_EQUAL(c->standard_error.path, "/run/ur/err.log");
        unit_config_free(c);
        c = ok(SVC "StandardOutput=file:/tmp/o\nStandardError=truncate:/tmp/e\n");
        CU_ASSERT_EQUAL(c->standard_output.mode, UR_STDIO_FILE);
        CU_ASSERT_STRING_EQUAL(c->standard_output.path, "/tmp/o");
        CU_ASSERT_EQUAL(c->standard_error.mode, UR_STDIO_FILE);
        unit_config_free(c);
        c = ok(SVC
               "StandardOutput=file:/tmp/o\nStandardOutput=inherit\nStandardError=null\nStandardError=\n");
        CU_ASSERT_EQUAL(c->standard_output.mode, UR_STDIO_CAPTURE);
        CU_ASSERT_PTR_NULL(c->standard_output.path);
        CU_ASSERT_EQUAL(c->standard_error.mode, UR_STDIO_CAPTURE);
        unit_config_free(c);
        warns(SVC "StandardOutput=journal\n", 3, "treated as StandardOutput=inherit", false);
        warns(SVC "StandardError=kmsg+console\n", 3, "treated as StandardError=inherit", false);
        /* tty: accepted (systemd does), recorded for the run to refuse; a later value lifts it. */
        c = ok(SVC "StandardOutput=tty\n");
        CU_ASSERT_STRING_EQUAL(c->refused_at_start.key, "StandardOutput");
        CU_ASSERT_EQUAL(c->refused_at_start.line, 3);
        CU_ASSERT_PTR_NOT_NULL(strstr(c->refused_at_start.message, "StandardOutput=tty is not supported"));
        unit_config_free(c);
        c = ok(SVC "StandardOutput=tty\nStandardOutput=null\n");
        CU_ASSERT_PTR_NULL(c->refused_at_start.message);
        unit_config_free(c);
        c = ok(SVC "StandardError=tty\nStandardError=\n");
        CU_ASSERT_PTR_NULL(c->refused_at_start.message);
        unit_config_free(c);
        bad(SVC "StandardOutput=ttyy\n", 3, "not supported");
        bad(SVC "StandardOutput=file:out.log\n", 3, "not an absolute path");
        bad(SVC "StandardError=socket\n", 3, "not supported");
}

/* ---- [X-Ready] -------------------------------------------------------------------- */

static void test_ready(void)
{
        struct unit_config *c;

        c = ok(SVC
               "[X-Ready]\nTCP=localhost:5432\nTCP=[::1]:80\nTCP=127.0.0.1:65535\nTCP=[fe80::1%%eth0]:1\n"
               "UnixSocket=%t/redis.sock\nHTTP=http://127.0.0.1:8080/health?x=1\nHTTP=HTTPS://[::1]/\n"
               "HTTPStatus=(200|204)\nHTTPMethod=HEAD\nHTTPHeader=Accept: text/plain\nHTTPHeader=X-A:b\n"
               "HTTPBody={\"a\": 1}\nHTTPUnixSocket=/run/ur/h.sock\nHTTPInsecure=yes\n"
               "Output=ready to "
               "accept\nOutputStream=stderr\nFile=%t/ready\nInterval=20ms\nRefuseIfReady=no\n");
        test_assert_strv(
                c->ready_tcp, (const char *const[]){ "localhost:5432", "[::1]:80", "127.0.0.1:65535",
                                                     "[fe80::1%eth0]:1", NULL });
        test_assert_strv(c->ready_unix, (const char *const[]){ "/run/ur/redis.sock", NULL });
        test_assert_strv(
                c->ready_http,
                (const char *const[]){ "http://127.0.0.1:8080/health?x=1", "HTTPS://[::1]/", NULL });
        CU_ASSERT_STRING_EQUAL(c->http_status, "(200|204)");
        CU_ASSERT_STRING_EQUAL(c->http_method, "HEAD");
        test_assert_strv(c->http_headers, (const char *const[]){ "Accept: text/plain", "X-A:b", NULL });
        CU_ASSERT_STRING_EQUAL(c->http_body, "{\"a\": 1}");
        CU_ASSERT_STRING_EQUAL(c->http_unix_socket, "/run/ur/h.sock");
        CU_ASSERT_TRUE(c->http_insecure);
        test_assert_strv(c->ready_output, (const char *const[]){ "ready to accept", NULL });
        CU_ASSERT_EQUAL(c->output_stream, UR_STDERR);
        test_assert_strv(c->ready_file, (const char *const[]){ "/run/ur/ready", NULL });
        CU_ASSERT_EQUAL(c->interval_usec, 20000);
        CU_ASSERT_FALSE(c->refuse_if_ready);
        unit_config_free(c);

        /* Resets. */
        c = ok(SVC
               "[X-Ready]\nTCP=h:1\nTCP=\nHTTPHeader=A: b\nHTTPHeader=\nOutputStream=stdout\nOutputStream=\n"
               "Interval=1s\nInterval=\nRefuseIfReady=no\nRefuseIfReady=\n");
        CU_ASSERT_PTR_NULL(c->ready_tcp);
        CU_ASSERT_PTR_NULL(c->http_headers);
        CU_ASSERT_EQUAL(c->output_stream, UR_STDOUT_AND_STDERR);
        CU_ASSERT_EQUAL(c->interval_usec, 0);
        CU_ASSERT_TRUE(c->refuse_if_ready);
        unit_config_free(c);

        bad(SVC "[X-Ready]\nTCP=5432\n", 4, "expected HOST:PORT");
        bad(SVC "[X-Ready]\nTCP=localhost:0\n", 4, "port must be a number");
        bad(SVC "[X-Ready]\nTCP=localhost:65536\n", 4, "port must be a number");
        bad(SVC "[X-Ready]\nTCP=localhost:http\n", 4, "port must be a number");
        bad(SVC "[X-Ready]\nTCP=::1:5432\n", 4, "needs brackets");
        bad(SVC "[X-Ready]\nTCP=[::1:5432\n", 4, "missing ']'");
        bad(SVC "[X-Ready]\nTCP=[::g]:5432\n", 4, "invalid IPv6");
        bad(SVC "[X-Ready]\nTCP=[::1]5432\n", 4, "expected :PORT");
        bad(SVC "[X-Ready]\nTCP=:5432\n", 4, "missing host");
        bad(SVC "[X-Ready]\nTCP=local host:1\n", 4, "invalid host");
        bad(SVC "[X-Ready]\nHTTP=ftp://x/\n", 4, "http:// or https://");
        bad(SVC "[X-Ready]\nHTTP=localhost:8080\n", 4, "http:// or https://");
        bad(SVC "[X-Ready]\nHTTP=http:///path\n", 4, "missing host");
        bad(SVC "[X-Ready]\nHTTP=http://h:0/\n", 4, "port");
        bad(SVC "[X-Ready]\nHTTP=http://h/a b\n", 4, "whitespace");
        bad(SVC "[X-Ready]\nHTTP=http://h/a%20b\n", 4, "unknown specifier");
        bad(SVC "[X-Ready]\nHTTPStatus=(2\n", 4, "invalid regular expression");
        bad(SVC "[X-Ready]\nOutput=[a-\n", 4, "invalid regular expression");
        bad(SVC "[X-Ready]\nHTTPMethod=GE T\n", 4, "not a valid HTTP method");
        bad(SVC "[X-Ready]\nHTTPHeader=NoColon\n", 4, "expected 'Name: value'");
        bad(SVC "[X-Ready]\nHTTPHeader=Bad Name: x\n", 4, "invalid header name");
        bad(SVC "[X-Ready]\nOutputStream=stdin\n", 4, "expected stdout, stderr or both");
        bad(SVC "[X-Ready]\nInterval=0\n", 4, "finite and greater than 0");
        bad(SVC "[X-Ready]\nInterval=infinity\n", 4, "finite and greater than 0");
        bad(SVC "[X-Ready]\nInterval=fast\n", 4, "invalid time span");
        bad(SVC "[X-Ready]\nUnixSocket=redis.sock\n", 4, "not an absolute path");
        bad(SVC "[X-Ready]\nFile=ready\n", 4, "not an absolute path");
        bad(SVC "[X-Ready]\nUnixSocket=/"
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                "aaaaaaaaaaaa"
                "aaaaaaa\n",
            4, "too long for a unix socket");
        bad(SVC "[X-Ready]\nHTTPInsecure=sure\n", 4, "not a boolean");
}

/* ---- specifiers ------------------------------------------------------------------- */

static void test_specifiers(void)
{
        struct unit_config *c;
        struct unit_diagnostics diags = {};

        c = ok("[Unit]\nDescription=%n %N %t %T %h %u %U %%\n" SVC);
        CU_ASSERT_STRING_EQUAL(c->description, "t.service t /run/ur /tmp /home/u u 1000 %");
        unit_config_free(c);
        bad("[Unit]\nDescription=%k\n" SVC, 2, "unknown specifier '%k'");
        bad("[Unit]\nDescription=a %Z b\n" SVC, 2, "unknown specifier '%Z'");
        /* A '%' that ends the value stays, as in systemd. */
        c = ok("[Unit]\nDescription=100%\n" SVC);
        CU_ASSERT_STRING_EQUAL(c->description, "100%");
        unit_config_free(c);

        /* Without specifier values, the ones that need them are errors; %n still works. */
        c = NULL;
        CU_ASSERT_EQUAL(
                unit_file_parse(
                        "u.service", "u.service", "[Unit]\nDescription=%t\n" SVC, NULL, false, &c, &diags),
                -EINVAL);
        CU_ASSERT_PTR_NULL(c);
        CU_ASSERT_TRUE(diags_have(&diags, true, 2, "'%t' is not available"));
        CU_ASSERT_STRING_EQUAL(diags.items[0].file, "u.service");
        unit_diagnostics_done(&diags);
        CU_ASSERT_EQUAL(
                unit_file_parse(NULL, "u.service", "[Unit]\nDescription=%n\n" SVC, NULL, false, &c, &diags),
                0);
        CU_ASSERT_STRING_EQUAL(c->description, "u.service");
        unit_config_free(c);
}

/* ---- whole-unit checks ------------------------------------------------------------- */

static void test_verify(void)
{
        verify_says("[Unit]\nDescription=x\n", true, 0, "ExecStart= is missing");
        verify_says(
                "[Service]\nExecStart=/bin/a\nExecStart=/bin/b\n", true, 3,
                "only allowed with Type=oneshot");
        verify_says("[Service]\nExecStart=/bin/a ; /bin/b\n", true, 2, "only allowed with Type=oneshot");
        verify_says(SVC "PIDFile=x.pid\n", false, 3, "only used with Type=forking");
        verify_says(SVC "[X-Ready]\nHTTPStatus=200\n", true, 4, "need an HTTP= condition");
        verify_says(SVC "[X-Ready]\nTCP=h:1\nHTTPInsecure=yes\n", true, 5, "need an HTTP= condition");
        verify_says(SVC "[X-Ready]\nOutputStream=stdout\n", false, 4, "without an Output= condition");
        verify_says("[Unit]\nRequires=t.service\n" SVC, true, 0, "names the unit itself");
        verify_says("[Unit]\nAfter=a.service\nBefore=a.service\n" SVC, true, 0, "ordering cycle");

        /* Fine: oneshot with several commands, forking with a PID file. */
        {
                struct unit_diagnostics diags = {};
                struct unit_config *c = ok("[Service]\nType=oneshot\nExecStart=/bin/a\nExecStart=/bin/b\n");

                CU_ASSERT_EQUAL(unit_config_verify(c, &diags), 0);
                unit_config_free(c);
                c = ok("[Service]\nType=forking\nPIDFile=%t/x.pid\nExecStart=/bin/a\n"
                       "[X-Ready]\nHTTP=http://h/\nHTTPStatus=200\nOutput=x\nOutputStream=stdout\n");
                CU_ASSERT_EQUAL(unit_config_verify(c, &diags), 0);
                CU_ASSERT_EQUAL(diags.n, 0);
                unit_config_free(c);
        }
}

/* ---- -p KEY=VALUE ------------------------------------------------------------------- */

static void test_assign(void)
{
        struct unit_config *c = unit_config_new("redis.service");
        struct unit_diagnostics diags = {};

        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        CU_ASSERT_PTR_NULL(c->path);
        CU_ASSERT_EQUAL(
                unit_config_assign(c, "ExecStart", "  redis-server --dir %t  ", &specs, "--exec #1", &diags),
                0);
        CU_ASSERT_STRING_EQUAL(c->exec_start.items[0].line, "redis-server --dir /run/ur");
        CU_ASSERT_EQUAL(c->exec_start.items[0].line_no, 0);
        CU_ASSERT_EQUAL(unit_config_assign(c, "TCP", "localhost:6379", &specs, "--exec #1", &diags), 0);
        CU_ASSERT_EQUAL(unit_config_assign(c, "Description", "%N", &specs, "--exec #1", &diags), 0);
        CU_ASSERT_STRING_EQUAL(c->description, "redis");
        CU_ASSERT_EQUAL(diags.n, 0);

        /* Errors name the origin with line 0, and leave the config alone. */
        CU_ASSERT_EQUAL(
                unit_config_assign(c, "TimeoutStartSec", "later", &specs, "--exec #1", &diags), -EINVAL);
        CU_ASSERT_EQUAL(c->timeout_start_usec, 90000000ULL);
        CU_ASSERT_EQUAL(unit_config_assign(c, "Frobnicate", "always", &specs, "--exec #1", &diags), -EINVAL);
        CU_ASSERT_EQUAL(unit_config_assign(c, "type", "notify", &specs, "--exec #1", &diags), -EINVAL);
        CU_ASSERT_EQUAL(
                unit_config_assign(c, "ExecStart", "/bin/x 'y", &specs, "--exec #1", &diags), -EINVAL);
        CU_ASSERT_EQUAL(c->exec_start.n, 1);
        CU_ASSERT_EQUAL_FATAL(diags.n, 4);
        CU_ASSERT_STRING_EQUAL(diags.items[0].file, "--exec #1");
        CU_ASSERT_EQUAL(diags.items[0].line, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(diags.items[1].message, "unknown key Frobnicate="));
        CU_ASSERT_PTR_NOT_NULL(strstr(diags.items[2].message, "did you mean Type="));
        {
                _cleanup_free_ char *s = unit_diagnostic_format(&diags.items[0]);
                CU_ASSERT_STRING_EQUAL(
                        s, "--exec #1: TimeoutStartSec=later: invalid time span (e.g. 90, 500ms, "
                           "1min 30s, infinity)");
        }
        unit_diagnostics_done(&diags);

        /* The empty value resets; verify names the unit when there is no file. */
        CU_ASSERT_EQUAL(unit_config_assign(c, "ExecStart", "", &specs, "-p", &diags), 0);
        CU_ASSERT_EQUAL(unit_config_verify(c, &diags), -EINVAL);
        CU_ASSERT_STRING_EQUAL(diags.items[0].file, "redis.service");
        unit_diagnostics_done(&diags);
        unit_config_free(c);

        /* Diagnostics are optional. */
        c = unit_config_new("a.service");
        CU_ASSERT_EQUAL(unit_config_assign(c, "Type", "nope", NULL, NULL, NULL), -EINVAL);
        CU_ASSERT_EQUAL(unit_config_verify(c, NULL), -EINVAL);
        unit_config_free(c);
        c = NULL;
        CU_ASSERT_EQUAL(
                unit_file_parse("x", "x.service", "[Service]\nType=nope\n", NULL, false, &c, NULL), -EINVAL);
        CU_ASSERT_PTR_NULL(c);
}

static void test_diagnostic_format(void)
{
        struct unit_diagnostic d = {
                .file = (char *) "a.service", .line = 7, .error = true, .message = (char *) "m"
        };
        _cleanup_free_ char *e = NULL, *w = NULL;

        e = unit_diagnostic_format(&d);
        CU_ASSERT_STRING_EQUAL(e, "a.service:7: m");
        d.error = false;
        d.line = 0;
        w = unit_diagnostic_format(&d);
        CU_ASSERT_STRING_EQUAL(w, "a.service: warning: m");
}

/* Every allocation in turn fails once: -ENOMEM, *ret untouched, nothing leaked (ASan). */
static void test_alloc_failure(void)
{
        static const char text[] =
                "[Unit]\nDescription=%n\nRequires=a.service\n[Service]\nType=oneshot\n"
                "ExecStart=-/bin/echo ${A} ; /bin/true\nEnvironment=A=1 \"B=2 3\"\n"
                "EnvironmentFile=-/e\nSuccessExitStatus=1 TERM\nStandardOutput=file:/o\n"
                "RuntimeDirectory=r\nUnsetEnvironment=C\n[X-Ready]\nTCP=h:1\nHTTP=http://h/\n"
                "HTTPStatus=200\nOutput=x\nFrobnicate=always\n";
        unsigned failures = 0;

        for (long n = 0;; n++) {
                struct unit_config *c = (struct unit_config *) 0x1;
                struct unit_diagnostics diags = {};
                int r;

                alloc_fail_after(n);
                r = parse(text, false, &c, &diags);
                alloc_fail_disarm();
                unit_diagnostics_done(&diags);
                if (!alloc_fail_round(r, &failures)) {
                        unit_config_free(c);
                        break;
                }
                CU_ASSERT_PTR_EQUAL(c, (struct unit_config *) 0x1);
        }
        /* Else the loop proved nothing: a unit this size takes dozens of allocations. */
        CU_ASSERT(failures >= 20);
}

int main(void)
{
        static CU_TestInfo tests[] = {
                { "defaults", test_defaults },
                { "lines, comments, continuations", test_lines },
                { "syntax errors", test_syntax_errors },
                { "sections", test_sections },
                { "[Unit]", test_unit_section },
                { "Type=", test_type },
                { "Exec*=", test_exec },
                { "environment", test_environment },
                { "timeouts", test_timeouts },
                { "kill settings", test_kill },
                { "booleans", test_booleans },
                { "SuccessExitStatus=", test_success_exit_status },
                { "paths and modes", test_paths_and_modes },
                { "[X-Ready]", test_ready },
                { "specifiers", test_specifiers },
                { "verify", test_verify },
                { "-p assignments", test_assign },
                { "diagnostic format", test_diagnostic_format },
                { "allocation failures", test_alloc_failure },
                CU_TEST_INFO_NULL,
        };

        return cunit_run_tests("unit-file", tests);
}

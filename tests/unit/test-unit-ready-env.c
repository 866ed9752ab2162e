/* [X-Ready] values: Listen='s syntax, and the values that name variables (SPEC §1): kept until the unit's
 * environment is complete, whatever the order of the lines and files, then expanded ($VAR, ${VAR}, "$$",
 * unset = empty) and checked like any value, with the FILE:LINE where they were written. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit-main.h"
#include "macro.h"
#include "strv.h"
#include "unit-file-internal.h"
#include "unit-file.h"

static const struct unit_specifiers specs = {
        .runtime_dir = "/run/u",
};

static void test_expand_string(void)
{
        char *env[] = { "A=1", "HOST=db.local", "E=", NULL };
        char *out = NULL;

        CU_ASSERT_EQUAL_FATAL(unit_env_expand("$HOST:${A}0 $E$UNSET|$$|$1|$|a$", env, &out), 0);
        CU_ASSERT_STRING_EQUAL(out, "db.local:10 |$|$1|$|a$");
        free(out);
        CU_ASSERT_EQUAL(unit_env_expand("${A", env, &out), -EINVAL);
        CU_ASSERT_TRUE(unit_string_has_variable("x$A"));
        CU_ASSERT_TRUE(unit_string_has_variable("${A}"));
        CU_ASSERT_TRUE(unit_string_has_variable("$_x"));
        CU_ASSERT_FALSE(unit_string_has_variable("ready$"));
        CU_ASSERT_FALSE(unit_string_has_variable("a$|b$1"));
}

static struct unit_config *
load(const char *text, const char *dropin, char *const *base, int want, struct unit_diagnostics *diags)
{
        struct unit_config *c = NULL;
        int r;

        CU_ASSERT_EQUAL_FATAL(
                unit_file_parse("/u/t.service", "t.service", text, &specs, true, &c, diags), 0);
        if (dropin)
                CU_ASSERT_EQUAL_FATAL(
                        unit_file_parse_into(c, "/u/t.service.d/x.conf", dropin, &specs, true, diags), 0);
        r = unit_config_expand(c, base, &specs, diags);
        CU_ASSERT_EQUAL(r, want);
        if (r >= 0)
                CU_ASSERT_EQUAL(unit_config_verify(c, diags), 0);
        return c;
}

static void test_order_does_not_matter(void)
{
        struct unit_diagnostics diags = {};
        char *base[] = { "HOST=base", "PORT=1", "GONE=x", NULL };
        struct unit_config *c;

        /* [X-Ready] first, Environment= after it and in a drop-in: the final values count. */
        c = load(
                "[X-Ready]\nTCP=${HOST}:$PORT\nFile=%t/$NAME.ready\nOutput=up$\nUnixSocket=/s/${GONE}x\n"
                "[Service]\nExecStart=/bin/true\nEnvironment=PORT=5432\nUnsetEnvironment=GONE\n",
                "[Service]\nEnvironment=NAME=db HOST=127.0.0.1\n", base, 0, &diags);
        CU_ASSERT_EQUAL(diags.n, 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c->ready_tcp);
        CU_ASSERT_STRING_EQUAL(c->ready_tcp[0], "127.0.0.1:5432");
        CU_ASSERT_STRING_EQUAL(c->ready_file[0], "/run/u/db.ready");
        CU_ASSERT_STRING_EQUAL(c->ready_output[0], "up$");
        CU_ASSERT_STRING_EQUAL(c->ready_unix[0], "/s/x");
        CU_ASSERT_EQUAL(c->n_deferred, 0);
        unit_config_free(c);
        unit_diagnostics_done(&diags);

        /* An empty assignment resets the deferred values too. */
        c = load("[Service]\nExecStart=/bin/true\n[X-Ready]\nTCP=$HOST:1\nTCP=\n", NULL, base, 0, &diags);
        CU_ASSERT_PTR_NULL(c->ready_tcp);
        unit_config_free(c);
        unit_diagnostics_done(&diags);
}

static void test_errors_name_the_line(void)
{
        struct unit_diagnostics diags = {};
        char *base[] = { "HOST=localhost", NULL };
        struct unit_config *c;

        /* Checked once expanded: "localhost" has no port; the drop-in's line is named. */
        c = load("[Service]\nExecStart=/bin/true\n", "[X-Ready]\n\nTCP=$HOST\n", base, -EINVAL, &diags);
        CU_ASSERT_EQUAL_FATAL(diags.n, 1);
        CU_ASSERT_STRING_EQUAL(diags.items[0].file, "/u/t.service.d/x.conf");
        CU_ASSERT_EQUAL(diags.items[0].line, 3);
        CU_ASSERT_PTR_NOT_NULL(strstr(diags.items[0].message, "TCP=localhost"));
        unit_config_free(c);
        unit_diagnostics_done(&diags);

        c = load("[Service]\nExecStart=/bin/true\n[X-Ready]\nFile=${UNSET}\n", NULL, base, -EINVAL, &diags);
        CU_ASSERT_EQUAL_FATAL(diags.n, 1);
        CU_ASSERT_EQUAL(diags.items[0].line, 4);
        CU_ASSERT_PTR_NOT_NULL(strstr(diags.items[0].message, "empty once its variables are expanded"));
        unit_config_free(c);
        unit_diagnostics_done(&diags);

        c = load("[Service]\nExecStart=/bin/true\n[X-Ready]\nFile=/a/${OPEN\n", NULL, base, -EINVAL, &diags);
        CU_ASSERT_EQUAL_FATAL(diags.n, 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(diags.items[0].message, "unterminated ${"));
        unit_config_free(c);
        unit_diagnostics_done(&diags);
}

static void test_http_option_needs_http(void)
{
        struct unit_diagnostics diags = {};
        char *base[] = { "URL=http://127.0.0.1:1/health", NULL };
        struct unit_config *c;

        /* HTTP= from a variable still counts as the HTTP= condition of HTTPStatus=. */
        c =
                load("[Service]\nExecStart=/bin/true\n[X-Ready]\nHTTPStatus=204\nHTTP=$URL\n", NULL, base, 0,
                     &diags);
        CU_ASSERT_EQUAL(diags.n, 0);
        CU_ASSERT_STRING_EQUAL(c->ready_http[0], "http://127.0.0.1:1/health");
        unit_config_free(c);
        unit_diagnostics_done(&diags);
}

static struct unit_config *listen_config(const char *value, struct unit_diagnostics *diags, int *ret)
{
        struct unit_config *c = NULL;
        char text[512];

        snprintf(text, sizeof(text), "[Service]\nExecStart=/bin/true\n[X-Ready]\nListen=%s\n", value);
        *ret = unit_file_parse("/u/t.service", "t.service", text, &specs, true, &c, diags);
        return c;
}

static void test_listen_values(void)
{
        static const struct {
                const char *value, *stored;
        } good[] = {
                { "yes", "yes" },
                { "true", "yes" },
                { "1", "yes" },
                { "6379", "6379" },
                { "127.0.0.1:6379", "127.0.0.1:6379" },
                { "[::1]:80", "[::1]:80" },
                { "localhost:5432", "localhost:5432" },
                { "/run/x.sock", "/run/x.sock" },
                { "@abstract-name", "@abstract-name" },
        };
        static const struct {
                const char *value, *reason;
        } bad[] = {
                { "00000", "1 to 65535" },
                { "65536", "1 to 65535" },
                { "::1:80", "needs brackets" },
                { "[::1]", "expected :PORT" },
                { "host", "expected HOST:PORT" },
                { "@", "needs a name" },
                { "rel/path", "expected HOST:PORT" },
        };
        struct unit_diagnostics diags = {};
        struct unit_config *c;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                c = listen_config(good[i].value, &diags, &r);
                CU_ASSERT_EQUAL(r, 0);
                CU_ASSERT_EQUAL(diags.n, 0);
                if (c) {
                        CU_ASSERT_STRING_EQUAL(c->ready_listen[0], good[i].stored);
                        /* Checked, stored, and verified clean: ready-listen.c applies it. */
                        CU_ASSERT_EQUAL(unit_config_verify(c, &diags), 0);
                        CU_ASSERT_EQUAL(diags.n, 0);
                }
                unit_config_free(c);
                unit_diagnostics_done(&diags);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                c = listen_config(bad[i].value, &diags, &r);
                CU_ASSERT_EQUAL(r, -EINVAL);
                CU_ASSERT_EQUAL_FATAL(diags.n, 1);
                if (!strstr(diags.items[0].message, bad[i].reason))
                        fprintf(stderr, "  Listen=%s: %s\n", bad[i].value, diags.items[0].message);
                CU_ASSERT_PTR_NOT_NULL(strstr(diags.items[0].message, bad[i].reason));
                CU_ASSERT_EQUAL(diags.items[0].line, 4);
                unit_diagnostics_done(&diags);
        }

        /* "no" and an empty value clear the list. */
        CU_ASSERT_EQUAL(
                unit_file_parse(
                        "/u/t.service", "t.service",
                        "[Service]\nExecStart=/bin/true\n[X-Ready]\nListen=yes\nListen=80\nListen=no\n",
                        &specs, true, &c, &diags),
                0);
        CU_ASSERT_PTR_NULL(c->ready_listen);
        CU_ASSERT_EQUAL(unit_config_verify(c, &diags), 0);
        unit_config_free(c);
        unit_diagnostics_done(&diags);
}

static CU_TestInfo tests[] = {
        { "Listen= values", test_listen_values },
        { "expand a string", test_expand_string },
        { "the order of lines and files does not matter", test_order_does_not_matter },
        { "errors name the line", test_errors_name_the_line },
        { "HTTP= from a variable", test_http_option_needs_http },
        CU_TEST_INFO_NULL,
};

int main(void)
{
        return cunit_run_tests("unit-ready-env", tests);
}

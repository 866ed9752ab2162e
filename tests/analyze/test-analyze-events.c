/* Unit tests of analyze-events.c, the pure event-stream reader of unitrun analyze: the
 * JSON it accepts (escapes, surrogates, nested values it skips, both forms of "after"),
 * the notes it gives for what it refuses (by line, in line order, capped), and the
 * times it derives. */
#include <stdlib.h>
#include <string.h>

#include "analyze-events.h"
#include "cunit-main.h"

static int read_text(struct analyze_run *run, const char *text)
{
        return analyze_read(run, text, strlen(text));
}

/* The note of line, or NULL. */
static const char *note_of(const struct analyze_run *run, unsigned line)
{
        for (size_t i = 0; i < run->n_notes; i++)
                if (run->notes[i].line == line)
                        return run->notes[i].text;
        return NULL;
}

static void test_strings(void)
{
        struct analyze_run run;
        const struct analyze_unit *u;

        CU_ASSERT_EQUAL(
                read_text(
                        &run, "{\"event\":\"ready\",\"time_ms\":5,\"unit\":\"a\\\"b\\\\c\",\"elapsed_ms\":2,"
                              "\"conditions\":\"\\u00e9 \\ud83d\\ude00 \\u0000 \\udc00 \\n\\t\\/\"}\n"),
                0);
        u = analyze_find_unit(&run, "a\"b\\c");
        CU_ASSERT_PTR_NOT_NULL_FATAL(u);
        CU_ASSERT_STRING_EQUAL(u->conditions, "\xc3\xa9 \xf0\x9f\x98\x80 \xef\xbf\xbd \xef\xbf\xbd \n\t/");
        CU_ASSERT(u->ready_seen);
        CU_ASSERT_DOUBLE_EQUAL(u->spawn_ms, 3.0, 1e-9);
        analyze_run_done(&run);
}

static void test_skips_what_it_does_not_use(void)
{
        struct analyze_run run;
        const struct analyze_unit *u;

        CU_ASSERT_EQUAL(
                read_text(
                        &run, "{\"event\":\"starting\",\"time_ms\":1,\"new\":{\"a\":[1,{\"b\":null},true]},"
                              "\"unit\":\"x.service\",\"after\":\"a.service  b.service\"}\r\n"
                              "{\"event\":\"starting\",\"time_ms\":2,\"unit\":\"y.service\",\"after\":[\"a."
                              "service\"]}\n"
                              "{\"event\":\"starting\",\"time_ms\":3,\"unit\":\"z.service\",\"after\":[1,"
                              "\"a\"]}\n"),
                0);
        CU_ASSERT_EQUAL(run.n_events, 3);
        u = analyze_find_unit(&run, "x.service");
        CU_ASSERT_PTR_NOT_NULL_FATAL(u);
        CU_ASSERT_EQUAL_FATAL(u->n_after, 2);
        CU_ASSERT_STRING_EQUAL(u->after[0], "a.service");
        CU_ASSERT_STRING_EQUAL(u->after[1], "b.service");
        u = analyze_find_unit(&run, "y.service");
        CU_ASSERT_PTR_NOT_NULL_FATAL(u);
        CU_ASSERT_EQUAL_FATAL(u->n_after, 1);
        CU_ASSERT_STRING_EQUAL(u->after[0], "a.service");
        /* An array that is not of strings is skipped, not half-read. */
        u = analyze_find_unit(&run, "z.service");
        CU_ASSERT_PTR_NOT_NULL_FATAL(u);
        CU_ASSERT_EQUAL(u->n_after, 0);
        analyze_run_done(&run);
}

static void test_bad_lines(void)
{
        static const struct {
                const char *line;
                const char *note; /* a part of it */
        } cases[] = {
                { "{\"event\":\"ready\",\"time_ms\":1", "the line ends early" },
                { "{\"event\" \"ready\"}", "no ':' after a key" },
                { "{\"event\":\"ready\",\"time_ms\":1 \"unit\":\"a\"}", "no ',' between fields" },
                { "{\"event\":\"ready\",\"time_ms\":1e999}", "a bad number" },
                { "{\"event\":\"ready\",\"time_ms\":1e13,\"unit\":\"a\"}", "without a valid \"time_ms\"" },
                { "{\"event\":\"ready\",\"time_ms\":-1,\"unit\":\"a\"}", "without a valid \"time_ms\"" },
                { "{\"event\":\"ready\",\"time_ms\":1}", "without a \"unit\"" },
                { "{\"event\":\"x\\q\"}", "a bad escape" },
                { "{\"event\":\"\\u12\"}", "a bad \\u escape" },
                { "{\"a\":tru", "the line ends early" },
                { "{\"a\":nul }", "an unknown word" },
                { "{\"a\":1} {}", "text after the object" },
                { "{\"time_ms\":1}", "not a unitrun event" },
                { "{\"event\":\"ready\",\"time_ms\":1,\"unit\":\"a\",\"schema\":\"one\"}", "not a version" },
                { "{\"event\":\"teleported\",\"time_ms\":1}", "unknown event \"teleported\"" },
                { "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
                  "}",
                  "nested too deep" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct analyze_run run;
                char text[512];
                const char *note;

                /* Line 2, after a good one, and a newline: the reader names the line. */
                snprintf(
                        text, sizeof(text), "{\"event\":\"isolation\",\"time_ms\":0,\"schema\":1}\n%s\n",
                        cases[i].line);
                CU_ASSERT_EQUAL(read_text(&run, text), 0);
                note = note_of(&run, 2);
                if (!note || !strstr(note, cases[i].note))
                        fprintf(stderr, "\n%s: note %s, want \"%s\"\n", cases[i].line, note ? note : "none",
                                cases[i].note);
                CU_ASSERT(note && strstr(note, cases[i].note));
                analyze_run_done(&run);
        }
}

static void test_cut_last_line_and_order(void)
{
        struct analyze_run run;

        CU_ASSERT_EQUAL(
                read_text(
                        &run, "{\"event\":\"starting\",\"time_ms\":9,\"unit\":\"a\"}\n"
                              "unit output\n"
                              "{\"event\":\"ready\",\"time_ms\":3,\"unit\":\"a\"}\n"
                              "{\"event\":\"stopped\",\"time_ms\":10,\"un"),
                0);
        CU_ASSERT_EQUAL(run.n_lines, 4);
        CU_ASSERT_EQUAL(run.n_foreign, 1);
        CU_ASSERT_PTR_NOT_NULL(note_of(&run, 2));
        CU_ASSERT(note_of(&run, 3) && strstr(note_of(&run, 3), "out of order"));
        CU_ASSERT(note_of(&run, 4) && strstr(note_of(&run, 4), "cut in the middle"));
        /* "a" never stopped: said at its last line, 3, after that line's own note (stable). */
        CU_ASSERT_EQUAL_FATAL(run.n_notes, 4);
        CU_ASSERT(run.notes[1].line == 3 && strstr(run.notes[1].text, "out of order"));
        CU_ASSERT(run.notes[2].line == 3 && strstr(run.notes[2].text, "a: no \"stopped\""));
        for (size_t i = 1; i < run.n_notes; i++)
                CU_ASSERT(run.notes[i - 1].line <= run.notes[i].line);
        analyze_run_done(&run);
}

static void test_notes_capped(void)
{
        struct analyze_run run;
        size_t n = 1000, size = 0;
        char *text = malloc(n * 4 + 1);

        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        for (size_t i = 0; i < n; i++) {
                memcpy(text + size, "{x}\n", 4);
                size += 4;
        }
        CU_ASSERT_EQUAL(analyze_read(&run, text, size), 0);
        CU_ASSERT_EQUAL(run.n_events, 0);
        CU_ASSERT(run.n_notes > 0 && run.n_notes <= 200);
        CU_ASSERT_EQUAL(run.n_notes + run.n_notes_dropped, n);
        analyze_run_done(&run);
        free(text);
}

static void test_schema0_command_start(void)
{
        struct analyze_run run;

        CU_ASSERT_EQUAL(
                read_text(
                        &run, "{\"event\":\"ready\",\"time_ms\":40,\"unit\":\"a\",\"elapsed_ms\":10}\n"
                              "{\"event\":\"ready\",\"time_ms\":70,\"unit\":\"b\",\"elapsed_ms\":10}\n"
                              "{\"event\":\"command-exited\",\"time_ms\":90,\"status\":3}\n"),
                0);
        CU_ASSERT_EQUAL(run.schema, 0);
        CU_ASSERT_DOUBLE_EQUAL(analyze_command_start_ms(&run), 70.0, 1e-9);
        CU_ASSERT_EQUAL(run.command_status, 3);
        analyze_run_done(&run);
}

static void test_format_ms(void)
{
        static const struct {
                double ms;
                const char *text;
        } cases[] = {
                { 0, "0ms" },         { 0.4, "0ms" },        { 999.4, "999ms" },
                { 1000, "1s" },       { 1500, "1.5s" },      { 1234, "1.234s" },
                { 59999, "59.999s" }, { 125000, "2min 5s" }, { -5, "0ms" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char buf[64];

                analyze_format_ms(cases[i].ms, buf, sizeof(buf));
                CU_ASSERT_STRING_EQUAL(buf, cases[i].text);
        }
}

static CU_TestInfo analyze_events_tests[] = {
        { "strings: escapes, surrogates, NUL", test_strings },
        { "unknown and nested values skipped; both forms of after", test_skips_what_it_does_not_use },
        { "bad lines get a note naming the line and why", test_bad_lines },
        { "a cut last line, foreign lines, events out of order", test_cut_last_line_and_order },
        { "notes are capped and counted", test_notes_capped },
        { "schema 0: COMMAND started at the last ready", test_schema0_command_start },
        { "times formatted as systemd-analyze does", test_format_ms },
        CU_TEST_INFO_NULL,
};

int main(void)
{
        return cunit_run_tests("analyze-events", analyze_events_tests);
}

/* The unit-file corpus: every file of tests/unit-files/bad/ must be refused with the error
 * its first line announces ("# expect: LINE: part of the message"; a "# strict" line asks
 * for strict parsing; line 0 is an error about the whole unit), by unit_file_parse(),
 * unit_config_expand() (with an empty base environment) or unit_config_verify(). Every file of good/ must
 * parse in strict mode and verify without a single diagnostic. The directory comes from $UNIT_CORPUS_DIR
 * (set by meson). */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit-main.h"
#include "macro.h"
#include "test-specifiers.h"
#include "unit-file.h"

static char *read_text(const char *path)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *text = NULL;
        size_t size = 0;

        if (!f)
                return NULL;
        if (getdelim(&text, &size, '\0', f) < 0) {
                free(text);
                return strdup("");
        }
        return text;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

/* Calls fn for every file in dir/sub, which must all be *.service (a file of another name
 * would be checked by nothing); returns how many it checked, and asserts that this is
 * every file there. */
static size_t
for_each_unit(const char *sub, void (*fn)(const char *path, const char *name, const char *text))
{
        const char *dir = getenv("UNIT_CORPUS_DIR");
        _cleanup_free_ char *path = NULL;
        struct dirent **entries = NULL;
        size_t count = 0, files = 0;
        int n;

        CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
        CU_ASSERT_FATAL(asprintf(&path, "%s/%s", dir, sub) >= 0);
        n = scandir(path, &entries, NULL, by_name);
        CU_ASSERT_FATAL(n >= 0);
        for (int i = 0; i < n; i++) {
                const char *name = entries[i]->d_name;
                size_t len = strlen(name);

                if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
                        free(entries[i]);
                        continue;
                }
                files++;
                if (len <= 8 || strcmp(name + len - 8, ".service") != 0) {
                        fprintf(stderr, "\n  %s/%s: not a .service: no check reads it\n", path, name);
                        CU_FAIL("a corpus file that no check reads");
                }
                if (len > 8 && strcmp(name + len - 8, ".service") == 0) {
                        _cleanup_free_ char *file = NULL, *text = NULL;

                        CU_ASSERT_FATAL(asprintf(&file, "%s/%s", path, name) >= 0);
                        text = read_text(file);
                        CU_ASSERT_PTR_NOT_NULL(text);
                        if (text) {
                                fn(file, name, text);
                                count++;
                        }
                }
                free(entries[i]);
        }
        free(entries);
        CU_ASSERT_EQUAL(count, files);
        return count;
}

static void print_diags(const struct unit_diagnostics *d)
{
        for (size_t i = 0; i < d->n; i++) {
                _cleanup_free_ char *s = unit_diagnostic_format(&d->items[i]);
                fprintf(stderr, "    %s\n", s ?: "(out of memory)");
        }
}

static void check_bad(const char *path, const char *name, const char *text)
{
        struct unit_diagnostics diags = {};
        struct unit_config *c = NULL;
        unsigned line;
        int offset = 0, r;
        char expect[512];
        bool strict = strstr(text, "\n# strict\n") != NULL, found = false;

        if (sscanf(text, "# expect: %u: %n", &line, &offset) != 1 || offset == 0) {
                fprintf(stderr, "\n  %s: no '# expect: LINE: message' first line\n", path);
                CU_FAIL("corpus file without expectation");
                return;
        }
        snprintf(expect, sizeof(expect), "%.*s", (int) strcspn(text + offset, "\n"), text + offset);

        r = unit_file_parse(path, name, text, &test_specifiers, strict, &c, &diags);
        if (r == 0) {
                r = unit_config_expand(c, NULL, &test_specifiers, &diags);
                if (r >= 0)
                        r = unit_config_verify(c, &diags);
                unit_config_free(c);
        }
        for (size_t i = 0; i < diags.n; i++)
                if (diags.items[i].error && diags.items[i].line == line &&
                    strstr(diags.items[i].message, expect) && strcmp(diags.items[i].file, path) == 0)
                        found = true;
        if (r != -EINVAL || !found) {
                fprintf(stderr, "\n  %s: wanted an error on line %u with \"%s\" (r=%d); got:\n", path, line,
                        expect, r);
                print_diags(&diags);
                CU_FAIL("corpus file not refused as expected");
        }
        unit_diagnostics_done(&diags);
}

static void check_good(const char *path, const char *name, const char *text)
{
        struct unit_diagnostics diags = {};
        struct unit_config *c = NULL;
        int r;

        r = unit_file_parse(path, name, text, &test_specifiers, true, &c, &diags);
        if (r == 0) {
                r = unit_config_expand(c, NULL, &test_specifiers, &diags);
                if (r >= 0)
                        r = unit_config_verify(c, &diags);
                unit_config_free(c);
        }
        if (r != 0 || diags.n > 0) {
                fprintf(stderr, "\n  %s: wanted no diagnostics (r=%d); got:\n", path, r);
                print_diags(&diags);
                CU_FAIL("good corpus file not accepted cleanly");
        }
        unit_diagnostics_done(&diags);
}

static void test_bad(void)
{
        /* Every file of bad/ was checked (for_each_unit asserts it), and the corpus is
         * there: at least the 40 malformed files it promises. */
        CU_ASSERT(for_each_unit("bad", check_bad) >= 40);
}

static void test_good(void)
{
        CU_ASSERT(for_each_unit("good", check_good) >= 1);
}

int main(void)
{
        static CU_TestInfo tests[] = {
                { "bad/ files are refused with their expected error", test_bad },
                { "good/ files parse and verify cleanly", test_good },
                CU_TEST_INFO_NULL,
        };

        if (!getenv("UNIT_CORPUS_DIR")) {
                fprintf(stderr, "UNIT_CORPUS_DIR is not set\n");
                return 77;
        }
        return cunit_run_tests("unit-corpus", tests);
}

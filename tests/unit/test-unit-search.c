/* The pure parts of finding units: unit names (templates, instances, unescaping), the
 * search path, the order and masking of drop-ins, and every specifier as a unit file sees
 * it; plus the file-system half (aliases, templates, drop-in directories, safe reading)
 * on a temporary tree. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cunit-main.h"
#include "macro.h"
#include "strv.h"
#include "unit-file.h"
#include "unit-name.h"
#include "unit-search.h"

static void check_strv(char *const *l, const char *const *expected)
{
        size_t n = 0;

        while (expected[n])
                n++;
        if (strv_length(l) != n)
                for (char *const *s = l; s && *s; s++)
                        fprintf(stderr, "  have: %s\n", *s);
        CU_ASSERT_EQUAL_FATAL(strv_length(l), n);
        for (size_t i = 0; i < n; i++)
                CU_ASSERT_STRING_EQUAL(l[i], expected[i]);
}

static void check_part(int (*fn)(const char *, char **), const char *in, const char *expected)
{
        char *out = NULL;

        CU_ASSERT_EQUAL_FATAL(fn(in, &out), 0);
        if (strcmp(out, expected) != 0)
                fprintf(stderr, "  %s: got '%s', want '%s'\n", in, out, expected);
        CU_ASSERT_STRING_EQUAL(out, expected);
        free(out);
}

/* ---- names ---------------------------------------------------------------------- */

static void test_names(void)
{
        char *s = NULL;

        CU_ASSERT_PTR_NULL(unit_name_problem("redis.service"));
        CU_ASSERT_PTR_NULL(unit_name_problem("network-online.target"));
        CU_ASSERT_PTR_NULL(unit_name_problem("dev-sda1.device"));
        CU_ASSERT_PTR_NULL(unit_name_problem("postgresql@15-main.service"));
        CU_ASSERT_PTR_NULL(unit_name_problem("getty@.service"));
        CU_ASSERT_PTR_NOT_NULL(unit_name_problem("redis"));
        CU_ASSERT_PTR_NOT_NULL(unit_name_problem(".service"));
        CU_ASSERT_PTR_NOT_NULL(unit_name_problem("@x.service"));
        CU_ASSERT_PTR_NOT_NULL(unit_name_problem("a@b@c.service"));
        CU_ASSERT_PTR_NOT_NULL(unit_name_problem("a/b.service"));
        CU_ASSERT_PTR_NOT_NULL(unit_name_problem("a.servic"));
        CU_ASSERT_PTR_NOT_NULL(unit_name_problem(""));

        CU_ASSERT_TRUE(unit_name_is_service("a.service"));
        CU_ASSERT_FALSE(unit_name_is_service("a.socket"));
        CU_ASSERT_EQUAL(unit_name_kind("a.service"), UNIT_NAME_PLAIN);
        CU_ASSERT_EQUAL(unit_name_kind("a@.service"), UNIT_NAME_TEMPLATE);
        CU_ASSERT_EQUAL(unit_name_kind("a@b.service"), UNIT_NAME_INSTANCE);

        CU_ASSERT_EQUAL(unit_name_template("postgresql@15-main.service", &s), 0);
        CU_ASSERT_STRING_EQUAL(s, "postgresql@.service");
        free(s);
        CU_ASSERT_EQUAL(unit_name_template("plain.service", &s), -EINVAL);
        CU_ASSERT_EQUAL(unit_name_template("tpl@.service", &s), -EINVAL);
        CU_ASSERT_EQUAL(unit_name_instantiate("tpl@.service", "x", &s), 0);
        CU_ASSERT_STRING_EQUAL(s, "tpl@x.service");
        free(s);
        CU_ASSERT_EQUAL(unit_name_instantiate("plain.service", "x", &s), -EINVAL);
        CU_ASSERT_EQUAL(unit_name_instantiate("tpl@.service", "", &s), -EINVAL);
}

static void test_name_parts(void)
{
        /* %p %i %j and their unescaped %P %I %J, and %f. */
        check_part(unit_name_prefix, "postgresql@15-main.service", "postgresql");
        check_part(unit_name_prefix, "redis-server.service", "redis-server");
        check_part(unit_name_instance, "postgresql@15-main.service", "15-main");
        check_part(unit_name_instance, "redis-server.service", "");
        check_part(unit_name_prefix_last, "foo-bar-baz@x.service", "baz");
        check_part(unit_name_prefix_last, "plain.service", "plain");
        check_part(unit_name_unescape, "15-main", "15/main");
        check_part(unit_name_unescape, "a\\x20b\\x2dc", "a b-c");
        check_part(unit_name_unescape, "bad\\xzz", "bad\\xzz");
        check_part(unit_name_path_unescape, "dev-sda1", "/dev/sda1");
        check_part(unit_name_path_unescape, "-", "/");
        check_part(unit_name_path_unescape, "var-lib--x-", "/var/lib/x");
}

/* ---- specifiers, as a unit file sees them --------------------------------------------- */

static const struct unit_specifiers specs = {
        .runtime_dir = "/run/u",
        .state_dir = "/run/u/state",
        .cache_dir = "/run/u/cache",
        .logs_dir = "/run/u/logs",
        .config_dir = "/etc",
        .credentials_dir = "/run/u/credentials",
        .tmp_dir = "/tmp",
        .var_tmp_dir = "/var/tmp",
        .home = "/root",
        .user = "root",
        .uid = "0",
        .group = "root",
        .gid = "0",
        .shell = "/bin/sh",
        .hostname = "host.example.com",
        .short_hostname = "host",
        .pretty_hostname = "My Host",
        .machine_id = "0123456789abcdef0123456789abcdef",
        .boot_id = "fedcba9876543210fedcba9876543210",
        .kernel_release = "6.1.0",
        .architecture = "x86-64",
        .os_id = "debian",
        .os_version_id = "12",
        .os_variant_id = "",
        .os_build_id = "b1",
        .os_image_id = "img",
        .os_image_version = "1.2",
};

static char *description_of(const char *path, const char *name, const char *value)
{
        struct unit_diagnostics diags = {};
        struct unit_config *c = NULL;
        char *text = NULL, *d = NULL;

        CU_ASSERT_FATAL(
                asprintf(&text, "[Unit]\nDescription=%s\n[Service]\nExecStart=/bin/true\n", value) >= 0);
        if (unit_file_parse(path, name, text, &specs, true, &c, &diags) == 0) {
                d = strdup(c->description ? c->description : "");
                unit_config_free(c);
        } else
                for (size_t i = 0; i < diags.n; i++)
                        fprintf(stderr, "  %u: %s\n", diags.items[i].line, diags.items[i].message);
        unit_diagnostics_done(&diags);
        free(text);
        return d;
}

static void check_spec(const char *value, const char *expected)
{
        _cleanup_free_ char *d =
                description_of("/lib/systemd/system/foo-bar@.service", "foo-bar@a-b\\x2dc.service", value);

        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        if (strcmp(d, expected) != 0)
                fprintf(stderr, "  %s: got '%s', want '%s'\n", value, d, expected);
        CU_ASSERT_STRING_EQUAL(d, expected);
}

static void test_specifiers(void)
{
        check_spec(
                "%n|%N|%p|%P|%i|%I|%j|%J|%f", "foo-bar@a-b\\x2dc.service|foo-bar@a-b\\x2dc|foo-bar|foo/bar|"
                                              "a-b\\x2dc|a/b-c|bar|bar|/a/b-c");
        check_spec(
                "%t %S %C %L %d", "/run/u /run/u/state /run/u/cache /run/u/logs "
                                  "/run/u/credentials/foo-bar@a-b\\x2dc.service");
        check_spec("%E %T %V %h %u %U %g %G %s", "/etc /tmp /var/tmp /root root 0 root 0 /bin/sh");
        check_spec(
                "%H %l %q %m %b %v %a", "host.example.com host My Host 0123456789abcdef0123456789abcdef "
                                        "fedcba9876543210fedcba9876543210 6.1.0 x86-64");
        check_spec("%o %w [%W] %B %M %A", "debian 12 [] b1 img 1.2");
        check_spec("%y %Y", "/lib/systemd/system/foo-bar@.service /lib/systemd/system");
        check_spec("100%% and 100%", "100% and 100%");
}

static void test_specifier_errors(void)
{
        struct unit_diagnostics diags = {};
        struct unit_config *c = NULL;

        CU_ASSERT_EQUAL(
                unit_file_parse(
                        "/u/t.service", "t.service", "[Unit]\nDescription=%k\n", &specs, false, &c, &diags),
                -EINVAL);
        CU_ASSERT_EQUAL_FATAL(diags.n, 1);
        CU_ASSERT_EQUAL(diags.items[0].line, 2);
        CU_ASSERT_STRING_EQUAL(diags.items[0].file, "/u/t.service");
        CU_ASSERT_PTR_NOT_NULL(strstr(diags.items[0].message, "unknown specifier '%k'"));
        unit_diagnostics_done(&diags);

        /* Without host values, a host specifier is unavailable; the name ones still work. */
        CU_ASSERT_EQUAL(
                unit_file_parse(
                        "/u/t.service", "t.service", "[Unit]\nDescription=%H\n", NULL, false, &c, &diags),
                -EINVAL);
        CU_ASSERT_EQUAL_FATAL(diags.n, 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(diags.items[0].message, "'%H' is not available"));
        unit_diagnostics_done(&diags);
        CU_ASSERT_EQUAL(
                unit_file_parse(
                        "/u/t.service", "t.service", "[Unit]\nDescription=%p %i %y\n", NULL, false, &c,
                        &diags),
                0);
        CU_ASSERT_STRING_EQUAL(c->description, "t  /u/t.service");
        unit_config_free(c);
        unit_diagnostics_done(&diags);
}

/* ---- search path and drop-in order ------------------------------------------------------ */

static void test_search_path(void)
{
        char **l = NULL;

        CU_ASSERT_EQUAL_FATAL(
                unit_search_path_build(
                        (char *[]){ "/mine", NULL }, true, "/x", "/home/u", "/run/user/1", &l),
                0);
        check_strv(
                l, (const char *const[]){ "/mine", "/etc/systemd/system", "/run/systemd/system",
                                          "/usr/local/lib/systemd/system", "/lib/systemd/system",
                                          "/usr/lib/systemd/system", NULL });
        l = strv_free(l);

        CU_ASSERT_EQUAL_FATAL(unit_search_path_build(NULL, false, NULL, "/home/u", "/run/user/1", &l), 0);
        check_strv(
                l, (const char *const[]){ "/home/u/.config/systemd/user", "/etc/systemd/user",
                                          "/run/user/1/systemd/user", "/run/systemd/user",
                                          "/home/u/.local/share/systemd/user", "/usr/local/lib/systemd/user",
                                          "/usr/lib/systemd/user", "/etc/systemd/system",
                                          "/run/systemd/system", "/usr/local/lib/systemd/system",
                                          "/lib/systemd/system", "/usr/lib/systemd/system", NULL });
        l = strv_free(l);

        /* $XDG_CONFIG_HOME wins over HOME/.config; relative values are ignored. */
        CU_ASSERT_EQUAL_FATAL(unit_search_path_build(NULL, false, "/cfg", "rel", NULL, &l), 0);
        CU_ASSERT_STRING_EQUAL(l[0], "/cfg/systemd/user");
        CU_ASSERT_STRING_EQUAL(l[1], "/etc/systemd/user");
        CU_ASSERT_STRING_EQUAL(l[2], "/run/systemd/user");
        l = strv_free(l);

        /* A unit's own directory goes after --unit-path; one of the path keeps its place
         * (/etc before /lib, whichever of them the unit came from). */
        CU_ASSERT_EQUAL_FATAL(
                unit_search_path_insert((char *[]){ "/a", "/etc", "/lib", NULL }, 1, "/lib", &l), 0);
        check_strv(l, (const char *const[]){ "/a", "/etc", "/lib", NULL });
        l = strv_free(l);
        CU_ASSERT_EQUAL_FATAL(unit_search_path_insert((char *[]){ "/a", "/c", NULL }, 0, "/own", &l), 0);
        check_strv(l, (const char *const[]){ "/own", "/a", "/c", NULL });
        l = strv_free(l);
        CU_ASSERT_EQUAL_FATAL(unit_search_path_insert((char *[]){ "/a", NULL }, 1, "/own", &l), 0);
        check_strv(l, (const char *const[]){ "/a", "/own", NULL });
        strv_free(l);
}

static void test_dropin_dirs(void)
{
        char **l = NULL;

        CU_ASSERT_EQUAL_FATAL(
                unit_dropin_dirs(
                        (char *[]){ "/etc", "/lib", NULL }, "foo-bar@x.service",
                        (char *[]){ "alias.service", NULL }, &l),
                0);
        check_strv(
                l, (const char *const[]){
                           "/etc/foo-bar@x.service.d", "/etc/foo-bar@.service.d", "/etc/foo-@x.service.d",
                           "/etc/foo-@.service.d", "/lib/foo-bar@x.service.d", "/lib/foo-bar@.service.d",
                           "/lib/foo-@x.service.d", "/lib/foo-@.service.d", "/etc/alias.service.d",
                           "/lib/alias.service.d", "/etc/service.d", "/lib/service.d", NULL });
        l = strv_free(l);
        CU_ASSERT_EQUAL_FATAL(unit_dropin_dirs((char *[]){ "/d", NULL }, "a-b-c.service", NULL, &l), 0);
        check_strv(
                l, (const char *const[]){ "/d/a-b-c.service.d", "/d/a-b-.service.d", "/d/a-.service.d",
                                          "/d/service.d", NULL });
        l = strv_free(l);
        /* A trailing '-' is cut once; a leading one ends the walk. */
        CU_ASSERT_EQUAL_FATAL(unit_dropin_dirs((char *[]){ "/d", NULL }, "a-b-.service", NULL, &l), 0);
        check_strv(l, (const char *const[]){ "/d/a-b-.service.d", "/d/a-.service.d", "/d/service.d", NULL });
        l = strv_free(l);
        CU_ASSERT_EQUAL_FATAL(unit_dropin_dirs((char *[]){ "/d", NULL }, "-x.service", NULL, &l), 0);
        check_strv(l, (const char *const[]){ "/d/-x.service.d", "/d/service.d", NULL });
        strv_free(l);
}

static void test_dropin_merge(void)
{
        char *dirs[] = { "/etc/u.d", "/lib/u.d", "/lib/service.d", NULL };
        char *e0[] = { "50-b.conf", "90-z.conf", NULL };
        char *e1[] = { "10-a.conf", "50-b.conf", "60-masked.conf", NULL };
        char *e2[] = { "00-first.conf", "60-masked.conf", "90-z.conf", NULL };
        bool m0[] = { false, true }, m1[] = { false, false, false }, m2[] = { false, false, false };
        char **const entries[] = { e0, e1, e2 };
        bool *const masked[] = { m0, m1, m2 };
        char **l = NULL;

        /* Sorted by file name across directories; the first directory's 50-b.conf masks the
         * second's; its 90-z.conf is /dev/null, so no 90-z.conf applies at all. */
        CU_ASSERT_EQUAL_FATAL(unit_dropin_merge(dirs, entries, masked, &l), 0);
        check_strv(
                l, (const char *const[]){ "/lib/service.d/00-first.conf", "/lib/u.d/10-a.conf",
                                          "/etc/u.d/50-b.conf", "/lib/u.d/60-masked.conf", NULL });
        l = strv_free(l);
        CU_ASSERT_EQUAL_FATAL(unit_dropin_merge((char *[]){ NULL }, NULL, NULL, &l), 0);
        CU_ASSERT_EQUAL(strv_length(l), 0);
        strv_free(l);
}

/* ---- the file system --------------------------------------------------------------- */

static char tree[64];

static void put(const char *rel, const char *text)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", tree, rel);
        f = fopen(path, "we");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fputs(text, f);
        fclose(f);
}

static void sub(const char *rel, char *buf, size_t size)
{
        snprintf(buf, size, "%s/%s", tree, rel);
}

static void test_find(void)
{
        char a[128], b[128], p[256], t[256];
        struct unit_found f = {};
        const char *reason = NULL;
        char **search;

        strcpy(tree, "/tmp/test-unit-search.XXXXXX");
        CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tree));
        sub("a", a, sizeof(a));
        sub("b", b, sizeof(b));
        CU_ASSERT_EQUAL_FATAL(mkdir(a, 0755), 0);
        CU_ASSERT_EQUAL_FATAL(mkdir(b, 0755), 0);
        put("a/real.service", "[Service]\nExecStart=/bin/true\n");
        put("b/real.service", "[Service]\nExecStart=/bin/false\n");
        put("b/tpl@.service", "[Service]\nExecStart=/bin/echo %i\n");
        put("b/plain.service", "[Service]\nExecStart=/bin/true\n");
        sub("b/alias.service", p, sizeof(p));
        CU_ASSERT_EQUAL(symlink("real.service", p), 0);
        sub("b/loop1.service", p, sizeof(p));
        CU_ASSERT_EQUAL(symlink("loop2.service", p), 0);
        sub("b/loop2.service", p, sizeof(p));
        CU_ASSERT_EQUAL(symlink("loop1.service", p), 0);
        sub("b/masked.service", p, sizeof(p));
        CU_ASSERT_EQUAL(symlink("/dev/null", p), 0);
        search = (char *[]){ a, b, NULL };

        /* The first directory wins. */
        CU_ASSERT_EQUAL_FATAL(unit_search_find(search, "real.service", &f, &reason), 0);
        CU_ASSERT_STRING_EQUAL(f.name, "real.service");
        snprintf(t, sizeof(t), "%s/real.service", a);
        CU_ASSERT_STRING_EQUAL(f.path, t);
        CU_ASSERT_PTR_NULL(f.aliases);
        unit_found_done(&f);

        /* An alias loads under its target's name, from the target's file. */
        CU_ASSERT_EQUAL_FATAL(unit_search_find(search, "alias.service", &f, &reason), 0);
        CU_ASSERT_STRING_EQUAL(f.name, "real.service");
        CU_ASSERT_PTR_NOT_NULL(strstr(f.path, "/b/real.service"));
        CU_ASSERT_STRING_EQUAL(f.aliases[0], "alias.service");
        unit_found_done(&f);

        /* An instance keeps its name and reads its template. */
        CU_ASSERT_EQUAL_FATAL(unit_search_find(search, "tpl@one.service", &f, &reason), 0);
        CU_ASSERT_STRING_EQUAL(f.name, "tpl@one.service");
        CU_ASSERT_PTR_NOT_NULL(strstr(f.path, "/b/tpl@.service"));
        unit_found_done(&f);

        CU_ASSERT_EQUAL(unit_search_find(search, "tpl@.service", &f, &reason), -EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(reason, "needs an instance"));
        CU_ASSERT_EQUAL(unit_search_find(search, "plain@x.service", &f, &reason), -EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(reason, "not a template"));
        CU_ASSERT_EQUAL(unit_search_find(search, "loop1.service", &f, &reason), -ELOOP);
        CU_ASSERT_PTR_NOT_NULL(strstr(reason, "alias loop"));
        CU_ASSERT_EQUAL(unit_search_find(search, "masked.service", &f, &reason), -EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(reason, "masked"));
        CU_ASSERT_EQUAL(unit_search_find(search, "nowhere.service", &f, &reason), -ENOENT);
        CU_ASSERT_EQUAL(unit_search_find(search, "x.socket", &f, &reason), -EINVAL);
        CU_ASSERT_EQUAL(unit_search_find(search, "bad name.service", &f, &reason), -EINVAL);

        /* By path: that directory only, and the path's templates too. */
        snprintf(t, sizeof(t), "%s/tpl@two.service", b);
        CU_ASSERT_EQUAL_FATAL(unit_search_find(search, t, &f, &reason), 0);
        CU_ASSERT_STRING_EQUAL(f.name, "tpl@two.service");
        unit_found_done(&f);
        snprintf(t, sizeof(t), "%s/plain.service", a);
        CU_ASSERT_EQUAL(unit_search_find(search, t, &f, &reason), -ENOENT);
}

static void test_dropins_find(void)
{
        char d[256], *bad = NULL, **l = NULL;
        char *search[] = { d, NULL };

        sub("c", d, sizeof(d));
        CU_ASSERT_EQUAL_FATAL(mkdir(d, 0755), 0);
        sub("c/u.service.d", d, sizeof(d));
        CU_ASSERT_EQUAL_FATAL(mkdir(d, 0755), 0);
        sub("c/service.d", d, sizeof(d));
        CU_ASSERT_EQUAL_FATAL(mkdir(d, 0755), 0);
        put("c/u.service.d/20-b.conf", "[Service]\n");
        put("c/u.service.d/not-conf.txt", "ignored\n");
        put("c/service.d/10-a.conf", "[Service]\n");
        put("c/service.d/20-b.conf", "masked by the unit's own\n");
        sub("c", d, sizeof(d));

        CU_ASSERT_EQUAL_FATAL(unit_dropins_find(search, "u.service", NULL, &l, &bad), 0);
        CU_ASSERT_EQUAL_FATAL(strv_length(l), 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(l[0], "/c/service.d/10-a.conf"));
        CU_ASSERT_PTR_NOT_NULL(strstr(l[1], "/c/u.service.d/20-b.conf"));
        l = strv_free(l);

        /* A drop-in "directory" that is a file cannot be read: an error naming it. */
        put("c/v.service.d", "a file\n");
        CU_ASSERT_EQUAL(unit_dropins_find(search, "v.service", NULL, &l, &bad), -ENOTDIR);
        CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
        CU_ASSERT_PTR_NOT_NULL(strstr(bad, "/c/v.service.d"));
        free(bad);
}

static void test_read_file(void)
{
        char p[256], *text = NULL;
        unsigned line = 0;
        int fd;

        sub("ok.service", p, sizeof(p));
        put("ok.service", "[Service]\nExecStart=/bin/true\n");
        CU_ASSERT_EQUAL(unit_read_file(p, &text, &line), 0);
        CU_ASSERT_STRING_EQUAL(text, "[Service]\nExecStart=/bin/true\n");
        free(text);

        sub("nul.service", p, sizeof(p));
        fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        CU_ASSERT_FATAL(fd >= 0);
        CU_ASSERT_EQUAL(write(fd, "[Service]\n\nExecStart=/bin/true\0evil\n", 36), 36);
        close(fd);
        CU_ASSERT_EQUAL(unit_read_file(p, &text, &line), -EBADMSG);
        CU_ASSERT_EQUAL(line, 3);

        sub("fifo.service", p, sizeof(p));
        CU_ASSERT_EQUAL_FATAL(mkfifo(p, 0644), 0);
        CU_ASSERT_EQUAL(unit_read_file(p, &text, &line), -EBADFD);
        CU_ASSERT_EQUAL(unit_read_file("/dev/zero", &text, &line), -EBADFD);
        CU_ASSERT_EQUAL(unit_read_file(tree, &text, &line), -EBADFD);

        sub("big.service", p, sizeof(p));
        fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        CU_ASSERT_FATAL(fd >= 0);
        CU_ASSERT_EQUAL(ftruncate(fd, UNIT_FILE_SIZE_MAX + 1), 0);
        close(fd);
        CU_ASSERT_EQUAL(unit_read_file(p, &text, &line), -EFBIG);
        CU_ASSERT_PTR_NOT_NULL(strstr(unit_read_error(-EFBIG), "too big"));
}

static void test_cleanup(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
        CU_ASSERT_EQUAL(system(cmd), 0);
}

static CU_TestInfo name_tests[] = {
        { "validity, kinds, templates", test_names },
        { "prefix, instance, unescaping", test_name_parts },
        { "every specifier", test_specifiers },
        { "specifier errors", test_specifier_errors },
        CU_TEST_INFO_NULL,
};

static CU_TestInfo search_tests[] = {
        { "search path", test_search_path },
        { "drop-in directories", test_dropin_dirs },
        { "drop-in merge and masking", test_dropin_merge },
        { "find: aliases, templates, loops", test_find },
        { "find drop-ins", test_dropins_find },
        { "read: FIFO, device, NUL, size", test_read_file },
        { "cleanup", test_cleanup },
        CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
        { .pName = "unit-name", .pTests = name_tests },
        { .pName = "unit-search", .pTests = search_tests },
        CU_SUITE_INFO_NULL,
};

int main(void)
{
        return cunit_run(suites);
}

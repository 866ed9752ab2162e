/* Unit tests for mountinfo.c on canned /proc text: a hybrid host (cgroup2 at
 * /sys/fs/cgroup/unified among v1 hierarchies), a pure v2 host, a v1-only host, escaped
 * paths, malformed lines, and the "0::" line of /proc/PID/cgroup. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-fail.h"
#include "cunit-main.h"
#include "macro.h"
#include "mountinfo.h"

/* Shaped after a Debian 11 host booted with systemd.unified_cgroup_hierarchy=0: v1
 * hierarchies on both sides of the cgroup2 line, and every mount with optional fields. */
static const char hybrid_host[] =
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
        "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
        "24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw\n"
        "25 24 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:3 - tmpfs tmpfs ro,mode=755\n"
        "26 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:5 - cgroup cgroup "
        "rw,xattr,name=systemd\n"
        "27 25 0:25 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
        "rw,nsdelegate\n"
        "28 25 0:26 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:6 - cgroup cgroup "
        "rw,memory\n"
        "29 25 0:27 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:7 - cgroup cgroup "
        "rw,pids\n";

/* A container runtime's view: no optional fields at all, as in a private mount namespace. */
static const char hybrid_no_optional_fields[] =
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char pure_v2_host[] =
        "21 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n"
        "22 21 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw\n"
        "26 22 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
        "rw,nsdelegate,memory_recursiveprot\n"
        "27 22 0:25 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:5 - pstore pstore rw\n"
        "28 22 0:26 / /sys/firmware/efi/efivars rw,nosuid,nodev,noexec,relatime shared:6 - efivarfs "
        "efivarfs rw\n";

static const char v1_only_host[] =
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        "25 24 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:3 - tmpfs tmpfs ro,mode=755\n"
        "26 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:5 - cgroup cgroup "
        "rw,xattr,name=systemd\n"
        "28 25 0:26 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:6 - cgroup cgroup "
        "rw,memory\n";

#define SENTINEL ((char *) "untouched")

/* Runs parser (mountinfo_find_cgroup2() or proc_cgroup_v2_path()) and checks its
 * verdict; on failure also that the result pointer was left alone. */
static void
check_path(int (*parser)(const char *, char **), const char *text, int expected_r, const char *expected_path)
{
        char *path = SENTINEL;
        int r = parser(text, &path);

        CU_ASSERT_EQUAL(r, expected_r);
        if (r != expected_r)
                fprintf(stderr, "\n  r=%d, expected %d for:\n%s\n", r, expected_r, text);
        if (expected_r < 0) {
                CU_ASSERT_PTR_EQUAL(path, SENTINEL);
                return;
        }
        if (r < 0)
                return;
        CU_ASSERT_PTR_NOT_NULL_FATAL(path);
        CU_ASSERT_STRING_EQUAL(path, expected_path);
        free(path);
}

#define check_find(...) check_path(mountinfo_find_cgroup2, __VA_ARGS__)
#define check_v2_path(...) check_path(proc_cgroup_v2_path, __VA_ARGS__)

static void test_hybrid_host(void)
{
        check_find(hybrid_host, 0, "/sys/fs/cgroup/unified");
        check_find(hybrid_no_optional_fields, 0, "/sys/fs/cgroup/unified");
}

static void test_pure_v2_host(void)
{
        check_find(pure_v2_host, 0, "/sys/fs/cgroup");
}

static void test_no_cgroup2(void)
{
        check_find(v1_only_host, -ENOENT, NULL);
        check_find("", -ENOENT, NULL);
        check_find("\n\n", -ENOENT, NULL);
        /* Types that merely contain the word are something else. */
        check_find(
                "30 25 0:40 / /mnt/a rw - cgroup2x none rw\n"
                "31 25 0:41 / /mnt/b rw - fuse.cgroup2 none rw\n"
                "32 25 0:42 / /mnt/c rw - cgroup none rw\n",
                -ENOENT, NULL);
        /* cgroup2 as the mount source is not the type. */
        check_find("30 25 0:40 / /mnt/a rw - tmpfs cgroup2 rw\n", -ENOENT, NULL);
}

static void test_escaped_paths(void)
{
        check_find(
                "30 25 0:40 / /tmp/my\\040cgroup rw,relatime shared:9 - cgroup2 cgroup2 rw\n", 0,
                "/tmp/my cgroup");
        check_find("30 25 0:40 / /tmp/a\\011b\\012c\\134d rw - cgroup2 cgroup2 rw\n", 0, "/tmp/a\tb\nc\\d");
        check_find("30 25 0:40 / /tmp/end\\040 rw - cgroup2 cgroup2 rw\n", 0, "/tmp/end ");
        /* The kernel escapes only those four, but any three octal digits decode. */
        check_find("30 25 0:40 / /tmp/\\101\\377 rw - cgroup2 cgroup2 rw\n", 0, "/tmp/A\xff");
        /* An escaped " - " in an earlier path must not be taken for the separator. */
        check_find(
                "30 22 0:40 / /mnt/odd\\040-\\040name rw shared:9 - ext4 /dev/sdb1 rw\n"
                "31 22 0:41 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
                0, "/sys/fs/cgroup");
}

static void test_bad_escapes(void)
{
        check_find("30 25 0:40 / /tmp/a\\04 rw - cgroup2 cgroup2 rw\n", -EBADMSG, NULL);
        check_find("30 25 0:40 / /tmp/a\\0 rw - cgroup2 cgroup2 rw\n", -EBADMSG, NULL);
        check_find("30 25 0:40 / /tmp/a\\ rw - cgroup2 cgroup2 rw\n", -EBADMSG, NULL);
        check_find("30 25 0:40 / /tmp/a\\x41 rw - cgroup2 cgroup2 rw\n", -EBADMSG, NULL);
        check_find("30 25 0:40 / /tmp/a\\089 rw - cgroup2 cgroup2 rw\n", -EBADMSG, NULL);
        check_find("30 25 0:40 / /tmp/a\\400 rw - cgroup2 cgroup2 rw\n", -EBADMSG, NULL);
        /* No path can hold a NUL. */
        check_find("30 25 0:40 / /tmp/a\\000b rw - cgroup2 cgroup2 rw\n", -EBADMSG, NULL);
}

static void test_optional_fields(void)
{
        check_find(
                "30 25 0:40 / /cg rw,relatime shared:4 master:1 propagate_from:2 unbindable - cgroup2 "
                "cgroup2 rw\n",
                0, "/cg");
        check_find("30 25 0:40 / /cg rw,relatime master:1 - cgroup2 cgroup2 rw\n", 0, "/cg");
}

static void test_first_cgroup2_wins(void)
{
        check_find(
                "30 25 0:40 / /first rw - cgroup2 cgroup2 rw\n"
                "31 25 0:40 / /second rw - cgroup2 cgroup2 rw\n",
                0, "/first");
        /* Lines after the match are never looked at. */
        check_find(
                "30 25 0:40 / /first rw - cgroup2 cgroup2 rw\n"
                "garbage\n",
                0, "/first");
}

static void test_line_endings(void)
{
        /* No newline after the last line. */
        check_find(
                "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw", 0,
                "/sys/fs/cgroup/unified");
        /* Blank lines are skipped. */
        check_find(
                "\n41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n\n", 0,
                "/sys/fs/cgroup/unified");
        /* The super options are not needed to find the type. */
        check_find("41 31 0:38 / /cg rw - cgroup2", 0, "/cg");
}

static void test_malformed_lines(void)
{
        static const char *const cases[] = {
                /* no separator */
                "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime cgroup2 cgroup2 rw\n",
                /* separator but no type */
                "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime -\n",
                "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - \n",
                /* too few fixed fields: the "-" would be the options */
                "41 31 0:38 / /sys/fs/cgroup/unified - cgroup2 cgroup2 rw\n",
                "1 2 3\n",
                "garbage\n",
                " \n",
                /* a separator glued to its neighbour is not a separator */
                "41 31 0:38 / /cg rw -cgroup2 cgroup2 rw\n",
                /* a mount point that is not absolute */
                "41 31 0:38 / cg rw - cgroup2 cgroup2 rw\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check_find(cases[i], -EBADMSG, NULL);

        /* A malformed line before the cgroup2 line spoils the answer. */
        check_find(
                "garbage\n"
                "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n",
                -EBADMSG, NULL);
}

static void test_null_arguments(void)
{
        char *path = SENTINEL;

        CU_ASSERT_EQUAL(mountinfo_find_cgroup2(NULL, &path), -EINVAL);
        CU_ASSERT_PTR_EQUAL(path, SENTINEL);
        CU_ASSERT_EQUAL(mountinfo_find_cgroup2(pure_v2_host, NULL), -EINVAL);
        CU_ASSERT_EQUAL(proc_cgroup_v2_path(NULL, &path), -EINVAL);
        CU_ASSERT_PTR_EQUAL(path, SENTINEL);
        CU_ASSERT_EQUAL(proc_cgroup_v2_path("0::/\n", NULL), -EINVAL);
}

static void test_out_of_memory(void)
{
        char *path = SENTINEL;

        alloc_fail_after(0);
        CU_ASSERT_EQUAL(mountinfo_find_cgroup2(hybrid_host, &path), -ENOMEM);
        alloc_fail_disarm();
        CU_ASSERT_TRUE(alloc_fail_was_triggered());
        CU_ASSERT_PTR_EQUAL(path, SENTINEL);

        alloc_fail_after(0);
        CU_ASSERT_EQUAL(proc_cgroup_v2_path("0::/a\n", &path), -ENOMEM);
        alloc_fail_disarm();
        CU_ASSERT_TRUE(alloc_fail_was_triggered());
        CU_ASSERT_PTR_EQUAL(path, SENTINEL);
}

static void test_proc_cgroup_hybrid(void)
{
        check_v2_path(
                "12:cpuset:/\n"
                "11:memory:/user.slice/user-1000.slice/session-2.scope\n"
                "5:cpu,cpuacct:/user.slice\n"
                "1:name=systemd:/user.slice/user-1000.slice/session-2.scope\n"
                "0::/user.slice/user-1000.slice/session-2.scope\n",
                0, "/user.slice/user-1000.slice/session-2.scope");
        check_v2_path(
                "9:name=systemd:/\n"
                "4:memory:/process_api/8370cbe8\n"
                "0::/\n",
                0, "/");
}

static void test_proc_cgroup_pure_v2(void)
{
        check_v2_path("0::/system.slice/unitrun-test.service\n", 0, "/system.slice/unitrun-test.service");
        check_v2_path("0::/\n", 0, "/");
        check_v2_path("0::/init.scope", 0, "/init.scope");
        /* The path runs to the end of the line, colons and spaces included. */
        check_v2_path("0::/a:b:c/d e\n", 0, "/a:b:c/d e");
}

static void test_proc_cgroup_none(void)
{
        check_v2_path("", -ENOENT, NULL);
        check_v2_path("\n", -ENOENT, NULL);
        check_v2_path("12:cpuset:/\n1:name=systemd:/\n", -ENOENT, NULL);
        /* Neither hierarchy 10 nor a v1 hierarchy with ID 0 and controllers is v2. */
        check_v2_path("10::/x\n0:cpu:/y\n", -ENOENT, NULL);
        check_v2_path(" 0::/x\n", -ENOENT, NULL);
        check_v2_path("0:\n:/x\n", -ENOENT, NULL);
}

static void test_proc_cgroup_malformed(void)
{
        check_v2_path("0::\n", -EBADMSG, NULL);
        check_v2_path("0::", -EBADMSG, NULL);
        check_v2_path("0::relative\n", -EBADMSG, NULL);
}

static CU_TestInfo mountinfo_tests[] = {
        { "hybrid host", test_hybrid_host },
        { "pure v2 host", test_pure_v2_host },
        { "no cgroup2", test_no_cgroup2 },
        { "escaped paths", test_escaped_paths },
        { "bad escapes", test_bad_escapes },
        { "optional fields", test_optional_fields },
        { "first cgroup2 wins", test_first_cgroup2_wins },
        { "line endings", test_line_endings },
        { "malformed lines", test_malformed_lines },
        { "NULL arguments", test_null_arguments },
        { "out of memory", test_out_of_memory },
        CU_TEST_INFO_NULL,
};

static CU_TestInfo proc_cgroup_tests[] = {
        { "hybrid host", test_proc_cgroup_hybrid },
        { "pure v2 host", test_proc_cgroup_pure_v2 },
        { "no v2 line", test_proc_cgroup_none },
        { "malformed v2 line", test_proc_cgroup_malformed },
        CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
        { .pName = "mountinfo", .pTests = mountinfo_tests },
        { .pName = "proc-cgroup", .pTests = proc_cgroup_tests },
        CU_SUITE_INFO_NULL,
};

int main(void)
{
        return cunit_run(suites);
}

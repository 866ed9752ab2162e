/* The values the process keys of systemd.exec(5) parse to (unit-process-keys.c): limits
 * with systemd's units and SOFT:HARD, capability sets and how assignments merge, modes,
 * StandardInputData= base64 and StandardInputText= escapes, resets. The refusals are in
 * the corpus (tests/unit-files/bad); the effect on real processes in test-process.c. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cunit-main.h"
#include "macro.h"
#include "test-specifiers.h"
#include "unit-file.h"

static struct unit_config *ok(const char *body)
{
        struct unit_diagnostics diags = {};
        struct unit_config *c = NULL;
        char *text = NULL;
        int r;

        CU_ASSERT_FATAL(asprintf(&text, "[Service]\nExecStart=/bin/true\n%s", body) >= 0);
        r = unit_file_parse("/units/t.service", "t.service", text, &test_specifiers, true, &c, &diags);
        for (size_t i = 0; i < diags.n; i++) {
                _cleanup_free_ char *s = unit_diagnostic_format(&diags.items[i]);
                fprintf(stderr, "\n    %s", s ?: "?");
        }
        CU_ASSERT_EQUAL(diags.n, 0);
        unit_diagnostics_done(&diags);
        free(text);
        CU_ASSERT_EQUAL_FATAL(r, 0);
        return c;
}

static void test_limits(void)
{
        struct unit_config *c = ok("LimitNOFILE=1024:4096\n"
                                   "LimitCORE=infinity\n"
                                   "LimitMEMLOCK=64M:1G\n"
                                   "LimitCPU=90s:2min\n"
                                   "LimitRTTIME=500ms\n"
                                   "LimitNICE=-5\n"
                                   "LimitRTPRIO=7\n"
                                   "LimitAS=infinity:infinity\n");
        const struct unit_process_config *p = &c->process;

        CU_ASSERT_TRUE(p->rlimit_set[RLIMIT_NOFILE]);
        CU_ASSERT_EQUAL(p->rlimit_soft[RLIMIT_NOFILE], 1024);
        CU_ASSERT_EQUAL(p->rlimit_hard[RLIMIT_NOFILE], 4096);
        CU_ASSERT_EQUAL(p->rlimit_soft[RLIMIT_CORE], UR_RLIMIT_INFINITY);
        CU_ASSERT_EQUAL(p->rlimit_hard[RLIMIT_CORE], UR_RLIMIT_INFINITY);
        CU_ASSERT_EQUAL(p->rlimit_soft[RLIMIT_MEMLOCK], 64ULL << 20);
        CU_ASSERT_EQUAL(p->rlimit_hard[RLIMIT_MEMLOCK], 1ULL << 30);
        CU_ASSERT_EQUAL(p->rlimit_soft[RLIMIT_CPU], 90);
        CU_ASSERT_EQUAL(p->rlimit_hard[RLIMIT_CPU], 120);
        CU_ASSERT_EQUAL(p->rlimit_soft[RLIMIT_RTTIME], 500000);
        CU_ASSERT_EQUAL(p->rlimit_soft[RLIMIT_NICE], 25); /* 20 - nice */
        CU_ASSERT_EQUAL(p->rlimit_soft[RLIMIT_RTPRIO], 7);
        CU_ASSERT_EQUAL(p->rlimit_hard[RLIMIT_AS], UR_RLIMIT_INFINITY);
        CU_ASSERT_FALSE(p->rlimit_set[RLIMIT_STACK]);
        unit_config_free(c);

        /* Seconds round up; an empty assignment unsets. */
        c = ok("LimitCPU=500ms\nLimitNOFILE=10\nLimitNOFILE=\n");
        CU_ASSERT_EQUAL(c->process.rlimit_soft[RLIMIT_CPU], 1);
        CU_ASSERT_FALSE(c->process.rlimit_set[RLIMIT_NOFILE]);
        unit_config_free(c);
}

static void test_capabilities(void)
{
        struct unit_config *c = ok("CapabilityBoundingSet=CAP_NET_BIND_SERVICE cap_chown\n"
                                   "CapabilityBoundingSet=CAP_KILL\n"
                                   "AmbientCapabilities=~CAP_SYS_ADMIN\n");

        CU_ASSERT_TRUE(c->process.bounding_set_set);
        CU_ASSERT_EQUAL(c->process.bounding_set, (1ULL << 10) | (1ULL << 0) | (1ULL << 5));
        CU_ASSERT_TRUE(c->process.ambient_set);
        CU_ASSERT_EQUAL(c->process.ambient, ((1ULL << 41) - 1) & ~(1ULL << 21));
        unit_config_free(c);

        /* An inverted list removes from what is there; an empty assignment is the empty set. */
        c = ok("CapabilityBoundingSet=CAP_KILL CAP_CHOWN\nCapabilityBoundingSet=~CAP_CHOWN\n");
        CU_ASSERT_EQUAL(c->process.bounding_set, 1ULL << 5);
        unit_config_free(c);
        c = ok("CapabilityBoundingSet=CAP_KILL\nCapabilityBoundingSet=\n");
        CU_ASSERT_TRUE(c->process.bounding_set_set);
        CU_ASSERT_EQUAL(c->process.bounding_set, 0);
        unit_config_free(c);
}

static void test_numbers_and_modes(void)
{
        struct unit_config *c = ok("UMask=0027\nNice=-20\nOOMScoreAdjust=1000\n"
                                   "StateDirectory=a b/c\nStateDirectoryMode=0700\n"
                                   "RuntimeDirectoryMode=2755\nConfigurationDirectory=app\n"
                                   "NoNewPrivileges=yes\nPermissionsStartOnly=true\n");
        const struct unit_process_config *p = &c->process;

        CU_ASSERT_TRUE(p->umask_set);
        CU_ASSERT_EQUAL(p->umask, 0027);
        CU_ASSERT_EQUAL(p->nice, -20);
        CU_ASSERT_EQUAL(p->oom_score_adjust, 1000);
        CU_ASSERT_STRING_EQUAL(p->directories[UR_DIRECTORY_STATE][0], "a");
        CU_ASSERT_STRING_EQUAL(p->directories[UR_DIRECTORY_STATE][1], "b/c");
        CU_ASSERT_EQUAL(p->directory_modes[UR_DIRECTORY_STATE], 0700);
        CU_ASSERT_EQUAL(p->directory_modes[UR_DIRECTORY_RUNTIME], 02755);
        CU_ASSERT_STRING_EQUAL(p->directories[UR_DIRECTORY_CONFIGURATION][0], "app");
        CU_ASSERT_TRUE(p->no_new_privileges);
        CU_ASSERT_TRUE(p->permissions_start_only);
        unit_config_free(c);
}

static void test_users(void)
{
        struct unit_config *c = ok("User=%u\nGroup=4242\nSupplementaryGroups=a b\nSupplementaryGroups=c\n");

        CU_ASSERT_STRING_EQUAL(c->process.user, "tester"); /* specifiers expand */
        CU_ASSERT_EQUAL(c->process.lines.user, 3);
        CU_ASSERT_STRING_EQUAL(c->process.group, "4242");
        CU_ASSERT_STRING_EQUAL(c->process.supplementary_groups[2], "c");
        CU_ASSERT_PTR_NULL(c->process.supplementary_groups[3]);
        unit_config_free(c);
        c = ok("User=tester\nUser=\n");
        CU_ASSERT_PTR_NULL(c->process.user);
        unit_config_free(c);
}

static void test_standard_input(void)
{
        struct unit_config *c = ok("StandardInputData=aGVsbG8g\n"
                                   "StandardInputData=d29y bGQ=\n" /* whitespace inside is fine */
                                   "StandardInputText=a\\tb \\x41\n"
                                   "StandardInput=data\n");
        const struct unit_process_config *p = &c->process;

        CU_ASSERT_EQUAL(p->stdin_mode, UR_STDIN_DATA);
        CU_ASSERT_EQUAL_FATAL(p->stdin_size, 11 + 6);
        CU_ASSERT_EQUAL(memcmp(p->stdin_data, "hello worlda\tb A\n", 17), 0);
        unit_config_free(c);

        c = ok("StandardInput=file:/etc/hostname\n");
        CU_ASSERT_EQUAL(c->process.stdin_mode, UR_STDIN_FILE);
        CU_ASSERT_STRING_EQUAL(c->process.stdin_path, "/etc/hostname");
        unit_config_free(c);
}

int main(void)
{
        static CU_TestInfo tests[] = {
                { "Limit*=", test_limits },
                { "capability sets", test_capabilities },
                { "numbers, modes, booleans, directories", test_numbers_and_modes },
                { "User=, Group=, SupplementaryGroups=", test_users },
                { "StandardInput= and its data", test_standard_input },
                CU_TEST_INFO_NULL,
        };

        return cunit_run_tests("unit-process-keys", tests);
}

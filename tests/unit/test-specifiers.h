/* The specifiers of a unit test that expands them: a user "tester" (uid 1000) on a CI
 * host, every field set, so that what a test expects is written out in one place. For
 * the parser tests (test-unit-corpus.c, test-unit-process-keys.c). */
#pragma once

#include "unit-file.h"

static const struct unit_specifiers test_specifiers = {
        .runtime_dir = "/run/user/1000/unitrun.test",
        .tmp_dir = "/tmp",
        .home = "/home/tester",
        .user = "tester",
        .uid = "1000",
        .state_dir = "/run/user/1000/unitrun.test/state",
        .cache_dir = "/run/user/1000/unitrun.test/cache",
        .logs_dir = "/run/user/1000/unitrun.test/logs",
        .config_dir = "/home/tester/.config",
        .credentials_dir = "/run/user/1000/unitrun.test/credentials",
        .var_tmp_dir = "/var/tmp",
        .group = "tester",
        .gid = "1000",
        .shell = "/bin/sh",
        .hostname = "ci.example.org",
        .short_hostname = "ci",
        .pretty_hostname = "CI",
        .machine_id = "0123456789abcdef0123456789abcdef",
        .boot_id = "fedcba9876543210fedcba9876543210",
        .kernel_release = "6.1.0-18-amd64",
        .architecture = "x86-64",
        .os_id = "debian",
        .os_version_id = "12",
        .os_variant_id = "",
        .os_build_id = "",
        .os_image_id = "",
        .os_image_version = "",
};

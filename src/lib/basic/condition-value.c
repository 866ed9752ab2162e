/* Condition*=/Assert*= values, pure: their key names and whether a value is well-formed, so
 * that the unit parser can refuse a bad one with FILE:LINE before anything runs.
 * condition.c does the checking against the system. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "condition-value.h"
#include "macro.h"

static const char *const names[_UR_CONDITION_KIND_MAX] = {
        [UR_CONDITION_PATH_EXISTS] = "PathExists",
        [UR_CONDITION_PATH_EXISTS_GLOB] = "PathExistsGlob",
        [UR_CONDITION_PATH_IS_DIRECTORY] = "PathIsDirectory",
        [UR_CONDITION_PATH_IS_SYMBOLIC_LINK] = "PathIsSymbolicLink",
        [UR_CONDITION_PATH_IS_MOUNT_POINT] = "PathIsMountPoint",
        [UR_CONDITION_PATH_IS_READ_WRITE] = "PathIsReadWrite",
        [UR_CONDITION_PATH_IS_ENCRYPTED] = "PathIsEncrypted",
        [UR_CONDITION_DIRECTORY_NOT_EMPTY] = "DirectoryNotEmpty",
        [UR_CONDITION_FILE_NOT_EMPTY] = "FileNotEmpty",
        [UR_CONDITION_FILE_IS_EXECUTABLE] = "FileIsExecutable",
        [UR_CONDITION_USER] = "User",
        [UR_CONDITION_GROUP] = "Group",
        [UR_CONDITION_HOST] = "Host",
        [UR_CONDITION_KERNEL_COMMAND_LINE] = "KernelCommandLine",
        [UR_CONDITION_KERNEL_VERSION] = "KernelVersion",
        [UR_CONDITION_VIRTUALIZATION] = "Virtualization",
        [UR_CONDITION_ENVIRONMENT] = "Environment",
        [UR_CONDITION_ARCHITECTURE] = "Architecture",
        [UR_CONDITION_FIRST_BOOT] = "FirstBoot",
        [UR_CONDITION_NEEDS_UPDATE] = "NeedsUpdate",
        [UR_CONDITION_AC_POWER] = "ACPower",
        [UR_CONDITION_SECURITY] = "Security",
        [UR_CONDITION_CAPABILITY] = "Capability",
        [UR_CONDITION_CONTROL_GROUP_CONTROLLER] = "ControlGroupController",
        [UR_CONDITION_MEMORY] = "Memory",
        [UR_CONDITION_CPUS] = "CPUs",
        [UR_CONDITION_OS_RELEASE] = "OSRelease",
        [UR_CONDITION_CREDENTIAL] = "Credential",
};

const char *condition_kind_name(ur_condition_kind kind)
{
        return (unsigned) kind < ELEMENTSOF(names) ? names[kind] : NULL;
}

int condition_kind_from_key(const char *key, ur_condition_kind *ret_kind, bool *ret_assert)
{
        const char *rest;
        bool assert;

        if (strncmp(key, "Condition", 9) == 0) {
                rest = key + 9;
                assert = false;
        } else if (strncmp(key, "Assert", 6) == 0) {
                rest = key + 6;
                assert = true;
        } else
                return -ENOENT;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcmp(rest, names[i]) == 0) {
                        *ret_kind = (ur_condition_kind) i;
                        *ret_assert = assert;
                        return 0;
                }
        return -ENOENT;
}

const char *condition_split_prefixes(const char *value, unsigned *ret_flags)
{
        unsigned flags = 0;

        /* systemd.unit(5): "|" then "!", each optional; whitespace after them is allowed. */
        if (*value == '|') {
                flags |= UR_CONDITION_TRIGGER;
                value++;
                value += strspn(value, " \t");
        }
        if (*value == '!') {
                flags |= UR_CONDITION_NEGATE;
                value++;
                value += strspn(value, " \t");
        }
        *ret_flags = flags;
        return value;
}

/* "<=", "<", ">=", ">", "=", "!=" at the start of s, or 0. */
int condition_comparison(const char *s, size_t *ret_len)
{
        static const struct {
                const char *op;
                int code;
        } ops[] = {
                { "<=", CONDITION_LE }, { ">=", CONDITION_GE }, { "!=", CONDITION_NE },
                { "<", CONDITION_LT },  { ">", CONDITION_GT },  { "=", CONDITION_EQ },
        };
        for (size_t i = 0; i < ELEMENTSOF(ops); i++)
                if (strncmp(s, ops[i].op, strlen(ops[i].op)) == 0) {
                        *ret_len = strlen(ops[i].op);
                        return ops[i].code;
                }
        *ret_len = 0;
        return 0;
}

int condition_parse_size(const char *s, uint64_t *ret)
{
        static const char suffixes[] = "KMGTPE";
        unsigned long long v;
        const char *p;
        char *end;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (end == s || errno)
                return -EINVAL;
        if (*end) {
                p = strchr(suffixes, *end);
                if (!p || (end[1] && strcmp(end + 1, "B") != 0 && strcmp(end + 1, "iB") != 0))
                        return -EINVAL;
                for (long i = 0; i <= p - suffixes; i++) {
                        if (v > UINT64_MAX / 1024)
                                return -ERANGE;
                        v *= 1024;
                }
        }
        *ret = v;
        return 0;
}

static bool is_comparison_of_size(const char *v)
{
        size_t l;
        uint64_t n;

        (void) condition_comparison(v, &l);
        v += l;
        v += strspn(v, " \t");
        return condition_parse_size(v, &n) >= 0;
}

int condition_value_check(ur_condition_kind kind, const char *value, const char **ret_reason)
{
        *ret_reason = NULL;
        if ((unsigned) kind >= _UR_CONDITION_KIND_MAX)
                return -EINVAL;
        switch (kind) {
        case UR_CONDITION_PATH_EXISTS:
        case UR_CONDITION_PATH_EXISTS_GLOB:
        case UR_CONDITION_PATH_IS_DIRECTORY:
        case UR_CONDITION_PATH_IS_SYMBOLIC_LINK:
        case UR_CONDITION_PATH_IS_MOUNT_POINT:
        case UR_CONDITION_PATH_IS_READ_WRITE:
        case UR_CONDITION_PATH_IS_ENCRYPTED:
        case UR_CONDITION_DIRECTORY_NOT_EMPTY:
        case UR_CONDITION_FILE_NOT_EMPTY:
        case UR_CONDITION_FILE_IS_EXECUTABLE:
        case UR_CONDITION_NEEDS_UPDATE:
                if (value[0] != '/') {
                        *ret_reason = "not an absolute path";
                        return -EINVAL;
                }
                return 0;
        case UR_CONDITION_FIRST_BOOT:
        case UR_CONDITION_AC_POWER:
                if (strcmp(value, "yes") && strcmp(value, "no") && strcmp(value, "true") &&
                    strcmp(value, "false") && strcmp(value, "1") && strcmp(value, "0") &&
                    strcmp(value, "on") && strcmp(value, "off")) {
                        *ret_reason = "not a boolean";
                        return -EINVAL;
                }
                return 0;
        case UR_CONDITION_MEMORY:
                if (!is_comparison_of_size(value)) {
                        *ret_reason = "not a size, optionally after a comparison (\">=1G\")";
                        return -EINVAL;
                }
                return 0;
        case UR_CONDITION_CPUS: {
                size_t l;
                char *end;

                (void) condition_comparison(value, &l);
                value += l;
                value += strspn(value, " \t");
                if (strtoul(value, &end, 10) == 0 && end == value) {
                        *ret_reason = "not a number of CPUs, optionally after a comparison";
                        return -EINVAL;
                }
                if (*end) {
                        *ret_reason = "not a number of CPUs, optionally after a comparison";
                        return -EINVAL;
                }
                return 0;
        }
        default:
                if (!*value) {
                        *ret_reason = "empty";
                        return -EINVAL;
                }
                return 0;
        }
}

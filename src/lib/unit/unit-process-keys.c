/* The process keys of systemd.exec(5) in unit files: one dispatcher for the key table
 * (unit-keys.c lists the names), a value parser per kind of value, the checks that need
 * the host's user database, and unit_process_to_executor(). Like every key parser, each
 * builds its new value completely before it touches the config. */

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "macro.h"
#include "strv.h"
#include "timespan.h"
#include "capability-name.h"
#include "unit-file-internal.h"
#include "unit-file.h"
#include "unit-process-keys.h"

void unit_process_config_done(struct unit_process_config *p)
{
        free(p->user);
        free(p->group);
        strv_free(p->supplementary_groups);
        for (int k = 0; k < UNIT_DIRECTORY_KINDS; k++)
                strv_free(p->directories[k]);
        strv_free(p->pass_environment);
        free(p->syslog_identifier);
        free(p->stdin_path);
        free(p->stdin_data);
        *p = (struct unit_process_config){};
}

static int replace_string(char **field, const char *value)
{
        char *copy = strdup(value);

        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

/* ---- User=, Group=, SupplementaryGroups= ------------------------------------------------ */

/* systemd's valid_user_group_name() in its relaxed form, plus plain numbers: what a unit can
 * name without being a typo or an injection. */
static bool user_name_is_valid(const char *s)
{
        size_t len = strlen(s);

        if (len == 0 || len > 256 || s[0] == '-' || s[0] == '.' || strcmp(s, ".") == 0)
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f || *p == ':' || *p == '/' ||
                    isspace((unsigned char) *p))
                        return false;
        return true;
}

static int parse_user_or_group(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        bool user = streq_ptr(key->name, "User");
        int r;

        if (!user_name_is_valid(value))
                return unit_key_error(
                        ctx, "%s=%s: not a valid %s name or number", key->name, value,
                        user ? "user" : "group");
        r = replace_string(user ? &c->process.user : &c->process.group, value);
        if (r < 0)
                return r;
        if (user)
                c->process.lines.user = ctx->line;
        else
                c->process.lines.group = ctx->line;
        return 0;
}

static int parse_supplementary_groups(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        _cleanup_strv_free_ char **words = NULL, **list = NULL;
        int r;

        r = unit_split_words(ctx, key->name, value, &words);
        if (r < 0)
                return r;
        for (char **w = words; *w; w++)
                if (!user_name_is_valid(*w))
                        return unit_key_error(
                                ctx, "SupplementaryGroups=%s: not a valid group name or number", *w);
        list = strv_copy(c->process.supplementary_groups);
        if (!list)
                return -ENOMEM;
        for (char **w = words; *w; w++)
                if (strv_push(&list, *w) < 0)
                        return -ENOMEM;
        strv_free(c->process.supplementary_groups);
        c->process.supplementary_groups = TAKE_PTR(list);
        c->process.lines.supplementary_groups = ctx->line;
        return 0;
}

/* ---- numbers --------------------------------------------------------------------------- */

static int parse_int_range(const char *s, long min, long max, int base, long *ret)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, base);
        if (errno || end == s || *end || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_number_key(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        struct unit_process_config *p = &c->process;
        long v;

        if (streq_ptr(key->name, "UMask")) {
                /* systemd takes any mode; umask(2) uses the permission bits. */
                if (parse_int_range(value, 0, 07777, 8, &v) < 0)
                        return unit_key_error(ctx, "UMask=%s: not an octal mode from 0000 to 7777", value);
                p->umask = (mode_t) v & 0777;
                p->umask_set = true;
        } else if (streq_ptr(key->name, "Nice")) {
                if (parse_int_range(value, -20, 19, 10, &v) < 0)
                        return unit_key_error(ctx, "Nice=%s: not a nice level from -20 to 19", value);
                p->nice = (int) v;
                p->nice_set = true;
        } else {
                if (parse_int_range(value, -1000, 1000, 10, &v) < 0)
                        return unit_key_error(
                                ctx, "OOMScoreAdjust=%s: not a number from -1000 to 1000", value);
                p->oom_score_adjust = (int) v;
                p->oom_score_adjust_set = true;
        }
        return 0;
}

/* ---- Limit*= --------------------------------------------------------------------------- */

enum limit_kind { LIMIT_COUNT, LIMIT_BYTES, LIMIT_SECONDS, LIMIT_USEC, LIMIT_NICE };

static const struct {
        const char *key;
        int resource;
        enum limit_kind kind;
} limits[] = {
        { "LimitCPU", RLIMIT_CPU, LIMIT_SECONDS },
        { "LimitFSIZE", RLIMIT_FSIZE, LIMIT_BYTES },
        { "LimitDATA", RLIMIT_DATA, LIMIT_BYTES },
        { "LimitSTACK", RLIMIT_STACK, LIMIT_BYTES },
        { "LimitCORE", RLIMIT_CORE, LIMIT_BYTES },
        { "LimitRSS", RLIMIT_RSS, LIMIT_BYTES },
        { "LimitNOFILE", RLIMIT_NOFILE, LIMIT_COUNT },
        { "LimitAS", RLIMIT_AS, LIMIT_BYTES },
        { "LimitNPROC", RLIMIT_NPROC, LIMIT_COUNT },
        { "LimitMEMLOCK", RLIMIT_MEMLOCK, LIMIT_BYTES },
        { "LimitLOCKS", RLIMIT_LOCKS, LIMIT_COUNT },
        { "LimitSIGPENDING", RLIMIT_SIGPENDING, LIMIT_COUNT },
        { "LimitMSGQUEUE", RLIMIT_MSGQUEUE, LIMIT_BYTES },
        { "LimitNICE", RLIMIT_NICE, LIMIT_NICE },
        { "LimitRTPRIO", RLIMIT_RTPRIO, LIMIT_COUNT },
        { "LimitRTTIME", RLIMIT_RTTIME, LIMIT_USEC },
};

static int limit_index(const char *key)
{
        for (size_t i = 0; i < ELEMENTSOF(limits); i++)
                if (streq_ptr(key, limits[i].key))
                        return (int) i;
        return -1;
}

/* One side of a limit; -EINVAL or -ERANGE. */
static int parse_limit_value(const char *s, enum limit_kind kind, uint64_t *ret)
{
        char *end;
        unsigned long long v;
        uint64_t usec;
        int r;

        if (strcmp(s, "infinity") == 0) {
                *ret = UR_RLIMIT_INFINITY;
                return 0;
        }
        switch (kind) {
        case LIMIT_SECONDS:
        case LIMIT_USEC:
                r = timespan_parse(s, &usec);
                if (r < 0)
                        return r;
                /* Seconds are rounded up, as systemd does: "LimitCPU=500ms" is not 0. */
                *ret = kind == LIMIT_USEC ? usec : (usec + USEC_PER_SEC - 1) / USEC_PER_SEC;
                return 0;
        case LIMIT_NICE:
                if (s[0] == '+' || s[0] == '-') {
                        long n;
                        if (parse_int_range(s, -20, 19, 10, &n) < 0)
                                return -EINVAL;
                        *ret = (uint64_t) (20 - n); /* setrlimit(2)'s 20 - nice */
                        return 0;
                }
                if (!isdigit((unsigned char) s[0]))
                        return -EINVAL;
                v = strtoull(s, &end, 10);
                if (*end || v > 40)
                        return -EINVAL;
                *ret = v;
                return 0;
        default:
                break;
        }
        if (!isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno)
                return -ERANGE;
        if (kind == LIMIT_BYTES && *end) {
                static const char suffixes[] = "KMGTPE";
                const char *at = strchr(suffixes, *end);
                unsigned shift;

                if (!at || end[1])
                        return -EINVAL;
                shift = 10 * (unsigned) (at - suffixes + 1);
                if (v > (UINT64_MAX >> shift))
                        return -ERANGE;
                v <<= shift;
        } else if (*end)
                return -EINVAL;
        if (v == UR_RLIMIT_INFINITY)
                return -ERANGE;
        *ret = v;
        return 0;
}

static int
parse_limit(struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        static const char *const hints[] = {
                [LIMIT_COUNT] = "a number or infinity",
                [LIMIT_BYTES] = "bytes with an optional K, M, G, T, P or E (base 1024), or infinity",
                [LIMIT_SECONDS] = "seconds (a time span) or infinity",
                [LIMIT_USEC] = "microseconds (a time span) or infinity",
                [LIMIT_NICE] = "a nice level from -20 to +19 (with its sign) or 0..40, or infinity",
        };
        int i = limit_index(key->name);
        _cleanup_free_ char *copy = strdup(value);
        char *colon;
        uint64_t soft, hard;

        if (!copy)
                return -ENOMEM;
        colon = strchr(copy, ':');
        if (colon)
                *colon = 0;
        if (parse_limit_value(copy, limits[i].kind, &soft) < 0 ||
            (colon && parse_limit_value(colon + 1, limits[i].kind, &hard) < 0))
                return unit_key_error(
                        ctx, "%s=%s: invalid limit (expected SOFT[:HARD], each %s)", key->name, value,
                        hints[limits[i].kind]);
        if (!colon)
                hard = soft;
        if (soft > hard)
                return unit_key_error(
                        ctx, "%s=%s: the soft limit is above the hard limit", key->name, value);
        c->process.rlimit_set[limits[i].resource] = true;
        c->process.rlimit_soft[limits[i].resource] = soft;
        c->process.rlimit_hard[limits[i].resource] = hard;
        return 0;
}

/* ---- capabilities ---------------------------------------------------------------------- */

#define CAPABILITY_ALL ((UINT64_C(1) << CAPABILITY_COUNT) - 1)

static int parse_capabilities(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        bool bounding = streq_ptr(key->name, "CapabilityBoundingSet");
        bool invert = value[0] == '~';
        _cleanup_strv_free_ char **words = NULL;
        uint64_t listed = 0, *set = bounding ? &c->process.bounding_set : &c->process.ambient;
        bool *was_set = bounding ? &c->process.bounding_set_set : &c->process.ambient_set;
        int r;

        r = unit_split_words(ctx, key->name, value + invert, &words);
        if (r < 0)
                return r;
        for (char **w = words; *w; w++) {
                int cap = capability_from_name(*w);

                if (cap < 0)
                        return unit_key_error(
                                ctx,
                                "%s=%s: unknown capability (capabilities(7) names, e.g. "
                                "CAP_NET_BIND_SERVICE)",
                                key->name, *w);
                listed |= UINT64_C(1) << cap;
        }
        /* Several assignments merge, as in systemd: a list adds, an inverted list removes. */
        if (invert)
                *set = (*was_set ? *set : CAPABILITY_ALL) & ~listed;
        else
                *set = (*was_set ? *set : 0) | listed;
        *was_set = true;
        return 0;
}

/* ---- directories, environment, identifiers --------------------------------------------- */

static const struct {
        const char *key, *mode_key;
        ur_directory kind;
} directory_keys[] = {
        { "StateDirectory", "StateDirectoryMode", UR_DIRECTORY_STATE },
        { "CacheDirectory", "CacheDirectoryMode", UR_DIRECTORY_CACHE },
        { "LogsDirectory", "LogsDirectoryMode", UR_DIRECTORY_LOGS },
        { "ConfigurationDirectory", "ConfigurationDirectoryMode", UR_DIRECTORY_CONFIGURATION },
        { "RuntimeDirectory", "RuntimeDirectoryMode", UR_DIRECTORY_RUNTIME },
};

static int parse_directory(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        _cleanup_strv_free_ char **words = NULL, **list = NULL;
        ur_directory kind = UR_DIRECTORY_STATE;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(directory_keys); i++)
                if (streq_ptr(key->name, directory_keys[i].key))
                        kind = directory_keys[i].kind;
        r = unit_split_words(ctx, key->name, value, &words);
        if (r < 0)
                return r;
        for (char **w = words; *w; w++) {
                const char *p = *w;

                if (p[0] == '/')
                        return unit_key_error(
                                ctx, "%s=%s: must be relative (see unitrun.unit(5) for where it is made)",
                                key->name, p);
                if (unit_string_has_control(p))
                        return unit_key_error(ctx, "%s=: the name contains control characters", key->name);
                while (*p) {
                        size_t len = strcspn(p, "/");

                        if (len == 0 || (len == 1 && p[0] == '.') ||
                            (len == 2 && p[0] == '.' && p[1] == '.'))
                                return unit_key_error(
                                        ctx, "%s=%s: '.', '..' and empty path components are not allowed",
                                        key->name, *w);
                        p += len;
                        if (*p == '/' && !*++p)
                                return unit_key_error(
                                        ctx, "%s=%s: '.', '..' and empty path components are not allowed",
                                        key->name, *w);
                }
        }
        list = strv_copy(c->process.directories[kind]);
        if (!list)
                return -ENOMEM;
        for (char **w = words; *w; w++)
                if (strv_push(&list, *w) < 0)
                        return -ENOMEM;
        strv_free(c->process.directories[kind]);
        c->process.directories[kind] = TAKE_PTR(list);
        return 0;
}

static int parse_directory_mode(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        long v;

        if (parse_int_range(value, 0, 07777, 8, &v) < 0)
                return unit_key_error(ctx, "%s=%s: not an octal mode from 0000 to 7777", key->name, value);
        for (size_t i = 0; i < ELEMENTSOF(directory_keys); i++)
                if (streq_ptr(key->name, directory_keys[i].mode_key)) {
                        c->process.directory_modes[directory_keys[i].kind] = (mode_t) v;
                        c->process.directory_mode_set[directory_keys[i].kind] = true;
                }
        return 0;
}

/* RuntimeDirectoryPreserve=: within one run of unitrun the directory is made fresh at each
 * start and removed at each stop; "yes" and "restart" would keep it, which nothing in a
 * test run can observe beyond a restart. Checked, not applied. */
static int parse_runtime_directory_preserve(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        if (!streq_ptr(value, "yes") && !streq_ptr(value, "no") && !streq_ptr(value, "restart") &&
            !streq_ptr(value, "true") && !streq_ptr(value, "false") && !streq_ptr(value, "1") &&
            !streq_ptr(value, "0") && !streq_ptr(value, "on") && !streq_ptr(value, "off"))
                return unit_key_error(
                        ctx, "RuntimeDirectoryPreserve=%s: expected yes, no or restart", value);
        return 0;
}

static int parse_pass_environment(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        _cleanup_strv_free_ char **words = NULL, **list = NULL;
        int r;

        r = unit_split_words(ctx, key->name, value, &words);
        if (r < 0)
                return r;
        for (char **w = words; *w; w++)
                if (!unit_env_name_is_valid(*w))
                        return unit_key_error(ctx, "PassEnvironment=%s: not a variable name", *w);
        list = strv_copy(c->process.pass_environment);
        if (!list)
                return -ENOMEM;
        for (char **w = words; *w; w++)
                if (strv_push(&list, *w) < 0)
                        return -ENOMEM;
        strv_free(c->process.pass_environment);
        c->process.pass_environment = TAKE_PTR(list);
        return 0;
}

static int parse_syslog_identifier(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        if (unit_string_has_control(value))
                return unit_key_error(ctx, "SyslogIdentifier=: contains control characters");
        return replace_string(&c->process.syslog_identifier, value);
}

static int parse_bool_key(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        bool b;
        int r;
        struct unit_key shim = *key;

        /* The shared boolean parser writes through the offset; point it at ours. */
        shim.offset = streq_ptr(key->name, "NoNewPrivileges")
                              ? offsetof(struct unit_config, process.no_new_privileges)
                              : offsetof(struct unit_config, process.permissions_start_only);
        b = *(bool *) (void *) ((char *) c + shim.offset);
        r = unit_parse_bool_field(c, &shim, value, ctx);
        if (r < 0)
                *(bool *) (void *) ((char *) c + shim.offset) = b;
        return r;
}

/* ---- StandardInput= and its data -------------------------------------------------------- */

static int parse_standard_input(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        struct unit_process_config *p = &c->process;
        int r;

        if (strncmp(value, "file:", 5) == 0) {
                r = unit_check_absolute_path(ctx, key->name, value + 5);
                if (r < 0)
                        return r;
                r = replace_string(&p->stdin_path, value + 5);
                if (r < 0)
                        return r;
                p->stdin_mode = UR_STDIN_FILE;
        } else if (streq_ptr(value, "null"))
                p->stdin_mode = UR_STDIN_NULL;
        else if (streq_ptr(value, "data"))
                p->stdin_mode = UR_STDIN_DATA;
        else if (streq_ptr(value, "tty") || streq_ptr(value, "tty-force") || streq_ptr(value, "tty-fail")) {
                /* systemd accepts it (getty units): verify does too, a run refuses it. */
                r = unit_refuse_at_start(
                        c, ctx, key->name,
                        "StandardInput=%s is not supported in a run: unitrun gives its units no terminal "
                        "(use null, file:PATH or data in a drop-in)",
                        value);
                if (r < 0)
                        return r;
                p->stdin_mode = UR_STDIN_NULL;
                p->stdin_path = mfree(p->stdin_path);
                p->stdin_mode_set = true;
                p->lines.stdin_mode = ctx->line;
                return 0;
        } else if (strncmp(value, "tty", 3) == 0)
                return unit_key_error(
                        ctx, "StandardInput=%s: unknown input (expected null, tty, file:PATH or data)",
                        value);
        else if (strncmp(value, "data:", 5) == 0)
                return unit_key_error(
                        ctx,
                        "StandardInput=%s: not systemd syntax; write StandardInput=data and "
                        "StandardInputData=BASE64 (or StandardInputText=)",
                        value);
        else if (streq_ptr(value, "socket") || strncmp(value, "fd:", 3) == 0)
                return unit_key_error(
                        ctx,
                        "StandardInput=%s is not supported: there is no socket unit in a run (use null, "
                        "file:PATH or data)",
                        value);
        else
                return unit_key_error(
                        ctx, "StandardInput=%s: unknown input (expected null, file:PATH or data)", value);
        unit_refusal_reset(c, key->name);
        p->stdin_mode_set = true;
        p->lines.stdin_mode = ctx->line;
        return 0;
}

static int base64_value(char ch)
{
        const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *at = ch ? strchr(alphabet, ch) : NULL;

        return at ? (int) (at - alphabet) : -1;
}

/* RFC 4648 base64, whitespace ignored, padding optional at the very end. */
static int base64_decode(const char *s, char **ret, size_t *ret_size)
{
        _cleanup_free_ char *out = malloc(strlen(s) / 4 * 3 + 3);
        uint32_t acc = 0;
        size_t n = 0;
        int bits = 0;
        bool padding = false;

        if (!out)
                return -ENOMEM;
        for (; *s; s++) {
                int v;

                if (isspace((unsigned char) *s))
                        continue;
                if (*s == '=') {
                        padding = true;
                        continue;
                }
                v = base64_value(*s);
                if (v < 0 || padding)
                        return -EINVAL;
                acc = (acc << 6) | (uint32_t) v;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        out[n++] = (char) ((acc >> bits) & 0xff);
                }
        }
        /* A lone trailing sextet cannot hold a byte: a truncated value. */
        if (bits >= 6)
                return -EINVAL;
        *ret = TAKE_PTR(out);
        *ret_size = n;
        return 0;
}

/* C escapes of systemd.syntax(7) that a line of text can use. */
static int text_unescape(const char *s, char **ret, size_t *ret_size)
{
        _cleanup_free_ char *out = malloc(strlen(s) + 2);
        size_t n = 0;

        if (!out)
                return -ENOMEM;
        for (; *s; s++) {
                if (*s != '\\') {
                        out[n++] = *s;
                        continue;
                }
                switch (*++s) {
                case 'n':
                        out[n++] = '\n';
                        break;
                case 't':
                        out[n++] = '\t';
                        break;
                case 'r':
                        out[n++] = '\r';
                        break;
                case 'a':
                        out[n++] = '\a';
                        break;
                case 'b':
                        out[n++] = '\b';
                        break;
                case 'f':
                        out[n++] = '\f';
                        break;
                case 'v':
                        out[n++] = '\v';
                        break;
                case 's':
                        out[n++] = ' ';
                        break;
                case '\\':
                case '"':
                case '\'':
                        out[n++] = *s;
                        break;
                case 'x':
                        if (isxdigit((unsigned char) s[1]) && isxdigit((unsigned char) s[2])) {
                                char hex[3] = { s[1], s[2], 0 };
                                out[n++] = (char) strtol(hex, NULL, 16);
                                s += 2;
                                break;
                        }
                        return -EINVAL;
                default:
                        return -EINVAL;
                }
        }
        out[n++] = '\n'; /* each StandardInputText= is one line */
        *ret = TAKE_PTR(out);
        *ret_size = n;
        return 0;
}

static int parse_standard_input_data(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        struct unit_process_config *p = &c->process;
        bool text = streq_ptr(key->name, "StandardInputText");
        _cleanup_free_ char *bytes = NULL;
        size_t size = 0;
        char *joined;
        int r;

        r = text ? text_unescape(value, &bytes, &size) : base64_decode(value, &bytes, &size);
        if (r == -EINVAL)
                return unit_key_error(
                        ctx, text ? "StandardInputText=: invalid escape sequence"
                                  : "StandardInputData=: not valid base64");
        if (r < 0)
                return r;
        /* Each assignment appends, as in systemd. */
        joined = malloc(p->stdin_size + size + 1);
        if (!joined)
                return -ENOMEM;
        if (p->stdin_size)
                memcpy(joined, p->stdin_data, p->stdin_size);
        if (size)
                memcpy(joined + p->stdin_size, bytes, size);
        free(p->stdin_data);
        p->stdin_data = joined;
        p->stdin_size += size;
        p->stdin_data_set = true;
        p->lines.stdin_data = ctx->line;
        return 0;
}

/* DynamicUser=yes asks for a user made up for the unit; ignoring it would run the daemon
 * as root, the silent wrong-user run User= refuses too. */
static int parse_dynamic_user(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };

        for (size_t i = 0; i < ELEMENTSOF(no); i++) {
                if (strcasecmp(value, no[i]) == 0)
                        return 0;
                if (strcasecmp(value, yes[i]) == 0)
                        return unit_key_error(
                                ctx,
                                "DynamicUser=%s is not supported: unitrun makes no users; set User= to an "
                                "existing user",
                                value);
        }
        return unit_key_error(
                ctx, "DynamicUser=%s: not a boolean (expected yes/no, true/false, on/off or 1/0)", value);
}

/* ---- dispatch --------------------------------------------------------------------------- */

int unit_parse_process_key(
        struct unit_config *c, const struct unit_key *key, const char *value, struct unit_parse_ctx *ctx)
{
        const char *k = key->name;

        if (streq_ptr(k, "User") || streq_ptr(k, "Group"))
                return parse_user_or_group(c, key, value, ctx);
        if (streq_ptr(k, "SupplementaryGroups"))
                return parse_supplementary_groups(c, key, value, ctx);
        if (streq_ptr(k, "DynamicUser"))
                return parse_dynamic_user(c, key, value, ctx);
        if (streq_ptr(k, "UMask") || streq_ptr(k, "Nice") || streq_ptr(k, "OOMScoreAdjust"))
                return parse_number_key(c, key, value, ctx);
        if (limit_index(k) >= 0)
                return parse_limit(c, key, value, ctx);
        if (streq_ptr(k, "CapabilityBoundingSet") || streq_ptr(k, "AmbientCapabilities"))
                return parse_capabilities(c, key, value, ctx);
        if (streq_ptr(k, "NoNewPrivileges") || streq_ptr(k, "PermissionsStartOnly"))
                return parse_bool_key(c, key, value, ctx);
        if (streq_ptr(k, "RuntimeDirectoryPreserve"))
                return parse_runtime_directory_preserve(c, key, value, ctx);
        if (streq_ptr(k, "PassEnvironment"))
                return parse_pass_environment(c, key, value, ctx);
        if (streq_ptr(k, "SyslogIdentifier"))
                return parse_syslog_identifier(c, key, value, ctx);
        if (streq_ptr(k, "StandardInput"))
                return parse_standard_input(c, key, value, ctx);
        if (streq_ptr(k, "StandardInputData") || streq_ptr(k, "StandardInputText"))
                return parse_standard_input_data(c, key, value, ctx);
        for (size_t i = 0; i < ELEMENTSOF(directory_keys); i++)
                if (streq_ptr(k, directory_keys[i].mode_key))
                        return parse_directory_mode(c, key, value, ctx);
        return parse_directory(c, key, value, ctx);
}

void unit_reset_process_key(struct unit_config *c, const struct unit_key *key)
{
        struct unit_process_config *p = &c->process;
        const char *k = key->name;
        int i = limit_index(k);

        if (streq_ptr(k, "User")) {
                p->user = mfree(p->user);
                p->lines.user = 0;
        } else if (streq_ptr(k, "Group")) {
                p->group = mfree(p->group);
                p->lines.group = 0;
        } else if (streq_ptr(k, "SupplementaryGroups"))
                p->supplementary_groups = strv_free(p->supplementary_groups);
        else if (streq_ptr(k, "UMask"))
                p->umask_set = false;
        else if (streq_ptr(k, "Nice"))
                p->nice_set = false;
        else if (streq_ptr(k, "OOMScoreAdjust"))
                p->oom_score_adjust_set = false;
        else if (i >= 0)
                p->rlimit_set[limits[i].resource] = false;
        else if (streq_ptr(k, "CapabilityBoundingSet")) {
                /* Not "unset": systemd.exec(5) says an empty assignment empties the set
                 * (vendor units use it to drop every capability). */
                p->bounding_set_set = true;
                p->bounding_set = 0;
        } else if (streq_ptr(k, "AmbientCapabilities"))
                p->ambient_set = false, p->ambient = 0;
        else if (streq_ptr(k, "NoNewPrivileges"))
                p->no_new_privileges = false;
        else if (streq_ptr(k, "PermissionsStartOnly"))
                p->permissions_start_only = false;
        else if (streq_ptr(k, "PassEnvironment"))
                p->pass_environment = strv_free(p->pass_environment);
        else if (streq_ptr(k, "SyslogIdentifier"))
                p->syslog_identifier = mfree(p->syslog_identifier);
        else if (streq_ptr(k, "StandardInput")) {
                unit_refusal_reset(c, k);
                p->stdin_mode = UR_STDIN_NULL;
                p->stdin_mode_set = false;
                p->stdin_path = mfree(p->stdin_path);
        } else if (streq_ptr(k, "StandardInputData") || streq_ptr(k, "StandardInputText")) {
                p->stdin_data = mfree(p->stdin_data);
                p->stdin_size = 0;
                p->stdin_data_set = false;
        } else
                for (size_t d = 0; d < ELEMENTSOF(directory_keys); d++) {
                        if (streq_ptr(k, directory_keys[d].key))
                                p->directories[directory_keys[d].kind] =
                                        strv_free(p->directories[directory_keys[d].kind]);
                        if (streq_ptr(k, directory_keys[d].mode_key))
                                p->directory_mode_set[directory_keys[d].kind] = false;
                }
}

/* ---- whole-unit checks and the executor ------------------------------------------------- */

static bool is_number(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!isdigit((unsigned char) *s))
                        return false;
        return true;
}

int unit_process_verify(const struct unit_config *c, const char *file, struct unit_diagnostics *diags)
{
        const struct unit_process_config *p = &c->process;
        int errors = 0, r;

#define REPORT(line, ...)                                                                                   \
        do {                                                                                                \
                r = unit_diag_add(diags, file, line, true, __VA_ARGS__);                                    \
                if (r < 0)                                                                                  \
                        return r;                                                                           \
                errors++;                                                                                   \
        } while (0)

        if (p->user) {
                struct passwd *pw = is_number(p->user) ? getpwuid((uid_t) strtoul(p->user, NULL, 10))
                                                       : getpwnam(p->user);

                if (!pw && !is_number(p->user))
                        REPORT(p->lines.user, "User=%s: no such user on this host", p->user);
                else {
                        uid_t uid = pw ? pw->pw_uid : (uid_t) strtoul(p->user, NULL, 10);

                        if (geteuid() != 0 && uid != geteuid())
                                REPORT(p->lines.user,
                                       "User=%s: unitrun runs as uid %u, not root, and cannot run the unit "
                                       "as another "
                                       "user (run unitrun as root, or remove User=)",
                                       p->user, (unsigned) geteuid());
                }
        }
        if (p->group) {
                struct group *gr = is_number(p->group) ? NULL : getgrnam(p->group);
                gid_t gid = gr ? gr->gr_gid : (gid_t) strtoul(p->group, NULL, 10);

                if (!gr && !is_number(p->group))
                        REPORT(p->lines.group, "Group=%s: no such group on this host", p->group);
                else if (geteuid() != 0 && gid != getegid())
                        REPORT(p->lines.group,
                               "Group=%s: unitrun is not root and cannot run the unit in another group",
                               p->group);
        }
        for (char **g = p->supplementary_groups; g && *g; g++) {
                if (!is_number(*g) && !getgrnam(*g))
                        REPORT(p->lines.supplementary_groups,
                               "SupplementaryGroups=%s: no such group on this host", *g);
                else if (geteuid() != 0)
                        REPORT(p->lines.supplementary_groups,
                               "SupplementaryGroups=%s: unitrun is not root and cannot change groups", *g);
        }
        if (p->stdin_mode_set && p->stdin_mode == UR_STDIN_DATA && !p->stdin_data_set)
                REPORT(p->lines.stdin_mode,
                       "StandardInput=data needs StandardInputData= or StandardInputText=");
        else if (p->stdin_mode_set && p->stdin_mode != UR_STDIN_DATA && p->stdin_data_set)
                REPORT(p->lines.stdin_data, "StandardInputData=/StandardInputText= need StandardInput=data "
                                            "(or no StandardInput=)");
#undef REPORT
        return errors;
}

int unit_process_to_executor(ur_executor *e, const struct unit_config *c)
{
        const struct unit_process_config *p = &c->process;
        int r = 0;

#define TRY(expr)                                                                                           \
        do {                                                                                                \
                r = (expr);                                                                                 \
                if (r < 0)                                                                                  \
                        return r;                                                                           \
        } while (0)

        if (p->user)
                TRY(ur_executor_set_user(e, p->user));
        if (p->group)
                TRY(ur_executor_set_group(e, p->group));
        for (char **g = p->supplementary_groups; g && *g; g++)
                TRY(ur_executor_add_supplementary_group(e, *g));
        TRY(ur_executor_set_permissions_start_only(e, p->permissions_start_only));
        if (c->working_directory)
                TRY(ur_executor_set_working_directory(
                        e, c->working_directory, c->working_directory_optional));
        if (p->umask_set)
                TRY(ur_executor_set_umask(e, p->umask));
        if (p->nice_set)
                TRY(ur_executor_set_nice(e, p->nice));
        if (p->oom_score_adjust_set)
                TRY(ur_executor_set_oom_score_adjust(e, p->oom_score_adjust));
        for (int i = 0; i < UNIT_RLIMIT_MAX; i++)
                if (p->rlimit_set[i])
                        TRY(ur_executor_set_rlimit(e, i, p->rlimit_soft[i], p->rlimit_hard[i]));
        TRY(ur_executor_set_no_new_privileges(e, p->no_new_privileges));
        if (p->bounding_set_set)
                TRY(ur_executor_set_capability_bounding_set(e, p->bounding_set));
        if (p->ambient_set)
                TRY(ur_executor_set_ambient_capabilities(e, p->ambient));
        for (int k = UR_DIRECTORY_STATE; k < UNIT_DIRECTORY_KINDS; k++)
                for (char **d = p->directories[k]; d && *d; d++)
                        TRY(ur_executor_add_directory(e, (ur_directory) k, *d));
        for (int k = 0; k < UNIT_DIRECTORY_KINDS; k++)
                if (p->directory_mode_set[k])
                        TRY(ur_executor_set_directory_mode(e, (ur_directory) k, p->directory_modes[k]));
        if (p->stdin_data_set)
                TRY(ur_executor_set_stdin_data(e, p->stdin_data, p->stdin_size));
        else if (p->stdin_mode_set)
                TRY(ur_executor_set_stdin(
                        e, p->stdin_mode, p->stdin_mode == UR_STDIN_FILE ? p->stdin_path : NULL));
#undef TRY
        return 0;
}

/* Where cgroup v2 lives, read from the text of /proc/self/mountinfo and /proc/PID/cgroup.
 * We never assume /sys/fs/cgroup: hybrid hosts mount cgroup2 at /sys/fs/cgroup/unified,
 * and containers may put it anywhere.
 *
 * A mountinfo line (proc(5)) is
 *     36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:2 - ext3 /dev/root rw
 * six fixed fields, any number of optional fields, a lone "-", then the filesystem type.
 * The kernel escapes space, tab, newline and backslash in paths as three octal digits
 * (\040, \011, \012, \134), so fields split cleanly on spaces and paths need decoding. */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "mountinfo.h"

#define MOUNTINFO_FIXED_FIELDS 6
#define MOUNTINFO_MOUNT_POINT_FIELD 4

/* The next space-separated field of [*p, end), or false at the end of the line. */
static bool mountinfo_next_field(const char **p, const char *end, const char **ret_field, size_t *ret_len)
{
        const char *s = *p, *e;

        while (s < end && *s == ' ')
                s++;
        if (s == end)
                return false;
        for (e = s; e < end && *e != ' '; e++)
                ;
        *ret_field = s;
        *ret_len = (size_t) (e - s);
        *p = e;
        return true;
}

static bool mountinfo_field_is(const char *field, size_t len, const char *word)
{
        return strlen(word) == len && memcmp(field, word, len) == 0;
}

static bool mountinfo_is_octal(char c)
{
        return c >= '0' && c <= '7';
}

/* Undoes the kernel's escaping of a path. A backslash is always the start of a
 * three-digit escape in text the kernel wrote, so anything else, and an escaped NUL that
 * no path can hold, mean the text is not mountinfo. */
static int mountinfo_unescape(const char *s, size_t len, char **ret)
{
        _cleanup_free_ char *out = NULL;
        size_t n = 0;

        out = malloc(len + 1);
        if (!out)
                return -ENOMEM;

        for (size_t i = 0; i < len; i++) {
                unsigned value;

                if (s[i] != '\\') {
                        out[n++] = s[i];
                        continue;
                }
                if (len - i < 4 || !mountinfo_is_octal(s[i + 1]) || !mountinfo_is_octal(s[i + 2]) ||
                    !mountinfo_is_octal(s[i + 3]))
                        return -EBADMSG;
                value = (unsigned) (s[i + 1] - '0') * 64 + (unsigned) (s[i + 2] - '0') * 8 +
                        (unsigned) (s[i + 3] - '0');
                if (value == 0 || value > 0xff)
                        return -EBADMSG;
                out[n++] = (char) value;
                i += 3;
        }
        out[n] = '\0';

        *ret = TAKE_PTR(out);
        return 0;
}

/* Splits one line into the (still escaped) mount point and the filesystem type. */
static int mountinfo_parse_line(
        const char *line, const char *end, const char **ret_mount_point, size_t *ret_mount_point_len,
        const char **ret_fstype, size_t *ret_fstype_len)
{
        const char *p = line, *field, *mount_point = NULL;
        size_t len, mount_point_len = 0;
        unsigned i;

        for (i = 0; i < MOUNTINFO_FIXED_FIELDS; i++) {
                if (!mountinfo_next_field(&p, end, &field, &len))
                        return -EBADMSG;
                if (i == MOUNTINFO_MOUNT_POINT_FIELD) {
                        mount_point = field;
                        mount_point_len = len;
                }
        }

        /* Optional fields ("shared:1", "master:2", "unbindable", ...) up to the lone "-". */
        for (;;) {
                if (!mountinfo_next_field(&p, end, &field, &len))
                        return -EBADMSG;
                if (mountinfo_field_is(field, len, "-"))
                        break;
        }

        if (!mountinfo_next_field(&p, end, &field, &len))
                return -EBADMSG;

        *ret_mount_point = mount_point;
        *ret_mount_point_len = mount_point_len;
        *ret_fstype = field;
        *ret_fstype_len = len;
        return 0;
}

int mountinfo_find_cgroup2(const char *mountinfo_text, char **ret_mount_point)
{
        const char *line, *end;
        int r;

        if (!mountinfo_text || !ret_mount_point)
                return -EINVAL;

        for (line = mountinfo_text; *line; line = *end ? end + 1 : end) {
                const char *mount_point, *fstype;
                size_t mount_point_len, fstype_len;
                char *decoded;

                end = strchrnul(line, '\n');
                if (end == line)
                        continue;

                r = mountinfo_parse_line(line, end, &mount_point, &mount_point_len, &fstype, &fstype_len);
                if (r < 0)
                        return r;
                if (!mountinfo_field_is(fstype, fstype_len, "cgroup2"))
                        continue;

                r = mountinfo_unescape(mount_point, mount_point_len, &decoded);
                if (r < 0)
                        return r;
                /* The kernel hides mounts outside our root, so every mount point it shows is absolute. */
                if (decoded[0] != '/') {
                        free(decoded);
                        return -EBADMSG;
                }
                *ret_mount_point = decoded;
                return 0;
        }

        return -ENOENT;
}

int proc_cgroup_v2_path(const char *proc_cgroup_text, char **ret_path)
{
        const char *line, *end;

        if (!proc_cgroup_text || !ret_path)
                return -EINVAL;

        /* Lines are "hierarchy-ID:controllers:path"; v2 has ID 0 and no controllers, and
         * the path, which may itself hold colons, runs to the end of the line. */
        for (line = proc_cgroup_text; *line; line = *end ? end + 1 : end) {
                const char *start;
                char *path;

                end = strchrnul(line, '\n');
                if (strncmp(line, "0::", 3) != 0)
                        continue;

                start = line + 3;
                if (start == end || *start != '/')
                        return -EBADMSG;
                path = strndup(start, (size_t) (end - start));
                if (!path)
                        return -ENOMEM;
                *ret_path = path;
                return 0;
        }

        return -ENOENT;
}

/* Unit names (systemd.unit(5)): validity, the template/instance split and unescaping.
 * The rules follow systemd 252's unit-name.c: at most 255 bytes, letters, digits and
 * ":-_.\" in the prefix, '@' at most once, and a known type suffix. An instance may also
 * hold '@'-free characters of the same set (systemd allows the same set there). */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "unit-name.h"

static const char *const unit_types[] = {
        ".service", ".socket", ".target", ".device", ".mount", ".automount",
        ".swap",    ".timer",  ".path",   ".slice",  ".scope",
};

/* The type suffix of name (".service"), or NULL. */
static const char *unit_name_suffix(const char *name)
{
        const char *dot = strrchr(name, '.');

        if (!dot)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(unit_types); i++)
                if (strcmp(dot, unit_types[i]) == 0)
                        return dot;
        return NULL;
}

const char *unit_name_problem(const char *name)
{
        const char *suffix, *at;
        size_t len = strlen(name);

        if (len == 0)
                return "empty unit name";
        if (len > UNIT_NAME_MAX)
                return "too long (more than 255 bytes)";
        suffix = unit_name_suffix(name);
        if (!suffix)
                return "not a unit name (it must end in .service, .target, .socket, .mount, .device, "
                       ".path, .slice, .timer, .scope, .swap or .automount)";
        if (suffix == name)
                return "a unit name needs something before its type suffix";
        for (const char *p = name; p < suffix; p++)
                if (!isalnum((unsigned char) *p) && !strchr(":_.\\-@", *p))
                        return "invalid character in a unit name (allowed: letters, digits, and : _ . \\ - "
                               "@)";
        at = memchr(name, '@', (size_t) (suffix - name));
        if (at && memchr(at + 1, '@', (size_t) (suffix - at - 1)))
                return "more than one '@' in a unit name";
        if (at == name)
                return "a unit name needs a prefix before '@'";
        return NULL;
}

bool unit_name_is_service(const char *name)
{
        const char *suffix = unit_name_suffix(name);

        return !unit_name_problem(name) && suffix && strcmp(suffix, ".service") == 0;
}

enum unit_name_kind unit_name_kind(const char *name)
{
        const char *suffix = unit_name_suffix(name), *at = strchr(name, '@');

        if (!suffix || !at || at > suffix)
                return UNIT_NAME_PLAIN;
        return at + 1 == suffix ? UNIT_NAME_TEMPLATE : UNIT_NAME_INSTANCE;
}

int unit_name_template(const char *name, char **ret)
{
        const char *at = strchr(name, '@'), *suffix = unit_name_suffix(name);

        if (unit_name_kind(name) != UNIT_NAME_INSTANCE)
                return -EINVAL;
        if (asprintf(ret, "%.*s%s", (int) (at + 1 - name), name, suffix) < 0)
                return -ENOMEM;
        return 0;
}

int unit_name_instantiate(const char *template_name, const char *instance, char **ret)
{
        const char *at = strchr(template_name, '@');

        if (unit_name_kind(template_name) != UNIT_NAME_TEMPLATE || !instance || !*instance)
                return -EINVAL;
        if (asprintf(ret, "%.*s%s%s", (int) (at + 1 - template_name), template_name, instance, at + 1) < 0)
                return -ENOMEM;
        return 0;
}

int unit_name_prefix(const char *name, char **ret)
{
        const char *suffix = unit_name_suffix(name), *end = strchr(name, '@');

        if (!suffix)
                suffix = name + strlen(name);
        if (!end || end > suffix)
                end = suffix;
        *ret = strndup(name, (size_t) (end - name));
        return *ret ? 0 : -ENOMEM;
}

int unit_name_instance(const char *name, char **ret)
{
        const char *suffix = unit_name_suffix(name), *at = strchr(name, '@');

        if (!suffix)
                suffix = name + strlen(name);
        if (!at || at > suffix)
                *ret = strdup("");
        else
                *ret = strndup(at + 1, (size_t) (suffix - at - 1));
        return *ret ? 0 : -ENOMEM;
}

int unit_name_prefix_last(const char *name, char **ret)
{
        _cleanup_free_ char *prefix = NULL;
        const char *dash;
        int r = unit_name_prefix(name, &prefix);

        if (r < 0)
                return r;
        dash = strrchr(prefix, '-');
        *ret = strdup(dash ? dash + 1 : prefix);
        return *ret ? 0 : -ENOMEM;
}

static int unhex(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int unit_name_unescape(const char *s, char **ret)
{
        char *out = malloc(strlen(s) + 1), *t = out;

        if (!out)
                return -ENOMEM;
        for (const char *p = s; *p; p++) {
                if (*p == '-')
                        *t++ = '/';
                else if (p[0] == '\\' && p[1] == 'x' && unhex(p[2]) >= 0 && unhex(p[3]) >= 0) {
                        *t++ = (char) (unhex(p[2]) << 4 | unhex(p[3]));
                        p += 3;
                } else
                        *t++ = *p;
        }
        *t = 0;
        *ret = out;
        return 0;
}

int unit_name_path_unescape(const char *s, char **ret)
{
        _cleanup_free_ char *plain = NULL;
        char *out, *t;
        int r = unit_name_unescape(s, &plain);

        if (r < 0)
                return r;
        out = malloc(strlen(plain) + 2);
        if (!out)
                return -ENOMEM;
        t = out;
        *t++ = '/';
        for (const char *p = plain; *p; p++)
                if (*p != '/' || t[-1] != '/')
                        *t++ = *p;
        if (t > out + 1 && t[-1] == '/')
                t--;
        *t = 0;
        *ret = out;
        return 0;
}

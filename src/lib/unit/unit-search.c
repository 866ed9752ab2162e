/* The unit search path, name resolution (aliases, templates) and drop-ins, as
 * systemd.unit(5) describes them; see unit-search.h. The order of drop-in directories
 * follows systemd 252's dropin.c: per name, per directory of the path, the unit's own
 * NAME.d, then the template's, then the '-'-prefix ones, and the type-wide service.d of
 * every directory last; a file name masks the same name further down, and the survivors
 * apply sorted by file name. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "strv.h"
#include "unit-name.h"
#include "unit-search.h"

static int push_printf(char ***l, const char *fmt, ...) _printf_(2, 3);
static int push_printf(char ***l, const char *fmt, ...)
{
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0) {
                s = NULL;
                return -ENOMEM;
        }
        for (char **p = *l; p && *p; p++)
                if (strcmp(*p, s) == 0)
                        return 0;
        return strv_push(l, s);
}

int unit_search_path_build(
        char *const *extra, bool system, const char *xdg_config_home, const char *home,
        const char *xdg_runtime_dir, char ***ret)
{
        static const char *const system_dirs[] = {
                "/etc/systemd/system", "/run/systemd/system",     "/usr/local/lib/systemd/system",
                "/lib/systemd/system", "/usr/lib/systemd/system",
        };
        _cleanup_strv_free_ char **l = NULL;
        int r = 0;

        for (char *const *e = extra; e && *e && r >= 0; e++)
                r = push_printf(&l, "%s", *e);
        if (!system && r >= 0) {
                if (xdg_config_home && *xdg_config_home == '/')
                        r = push_printf(&l, "%s/systemd/user", xdg_config_home);
                else if (home && *home == '/')
                        r = push_printf(&l, "%s/.config/systemd/user", home);
                if (r >= 0)
                        r = push_printf(&l, "/etc/systemd/user");
                if (r >= 0 && xdg_runtime_dir && *xdg_runtime_dir == '/')
                        r = push_printf(&l, "%s/systemd/user", xdg_runtime_dir);
                if (r >= 0)
                        r = push_printf(&l, "/run/systemd/user");
                if (r >= 0 && home && *home == '/')
                        r = push_printf(&l, "%s/.local/share/systemd/user", home);
                if (r >= 0)
                        r = push_printf(&l, "/usr/local/lib/systemd/user");
                if (r >= 0)
                        r = push_printf(&l, "/usr/lib/systemd/user");
        }
        for (size_t i = 0; i < ELEMENTSOF(system_dirs) && r >= 0; i++)
                r = push_printf(&l, "%s", system_dirs[i]);
        if (r < 0)
                return r;
        if (!l && !(l = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

int unit_search_path_default(char *const *extra, char ***ret)
{
        return unit_search_path_build(
                extra, geteuid() == 0, getenv("XDG_CONFIG_HOME"), getenv("HOME"), getenv("XDG_RUNTIME_DIR"),
                ret);
}

int unit_search_path_insert(char *const *search, size_t n_extra, const char *dir, char ***ret)
{
        _cleanup_strv_free_ char **with = NULL;
        size_t n = strv_length(search);
        bool present = false;
        int r;

        /* A directory of the path keeps its place: /etc's drop-ins beat /lib's whoever
         * names the unit. */
        for (size_t i = 0; dir && i < n; i++)
                present = present || strcmp(search[i], dir) == 0;
        for (size_t i = 0; i <= n; i++) {
                if (i == n_extra && dir && !present) {
                        r = strv_push(&with, dir);
                        if (r < 0)
                                return r;
                }
                if (i == n)
                        break;
                r = strv_push(&with, search[i]);
                if (r < 0)
                        return r;
        }
        if (!with && !(with = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(with);
        return 0;
}

void unit_found_done(struct unit_found *f)
{
        free(f->name);
        free(f->path);
        strv_free(f->aliases);
        *f = (struct unit_found){};
}

/* dir/name as a unit: 1 found (aliases resolved), 0 not there, < 0 an error with reason. */
static int
unit_search_try(const char *dir, const char *name, char **ret_path, char **ret_target, const char **reason)
{
        _cleanup_free_ char *path = NULL;
        char resolved[PATH_MAX];
        struct stat st;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        if (lstat(path, &st) < 0)
                return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
        if (!S_ISLNK(st.st_mode)) {
                *ret_path = TAKE_PTR(path);
                *ret_target = NULL;
                return 1;
        }
        if (!realpath(path, resolved)) {
                if (errno == ELOOP) {
                        *reason = "alias loop: the symlinks of this unit point back at each other";
                        return -ELOOP;
                }
                if (errno == ENOENT) {
                        *reason = "the alias (symlink) points to a file that does not exist";
                        return -ENOENT;
                }
                return -errno;
        }
        if (strcmp(resolved, "/dev/null") == 0) {
                *reason = "the unit is masked (a symlink to /dev/null)";
                return -EINVAL;
        }
        *ret_path = strdup(resolved);
        *ret_target = strdup(basename(resolved));
        if (!*ret_path || !*ret_target) {
                free(*ret_path);
                free(*ret_target);
                return -ENOMEM;
        }
        return 1;
}

/* The first directory of search holding name: 1, 0, or an error. */
static int unit_search_dirs(
        char *const *search, const char *name, char **ret_path, char **ret_target, const char **reason)
{
        for (char *const *d = search; d && *d; d++) {
                int r = unit_search_try(*d, name, ret_path, ret_target, reason);

                if (r != 0)
                        return r;
        }
        return 0;
}

int unit_search_find(char *const *search, const char *name, struct unit_found *ret, const char **reason)
{
        _cleanup_free_ char *path = NULL, *target = NULL, *template_name = NULL, *own = NULL;
        _cleanup_strv_free_ char **one_dir = NULL;
        const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
        const char *problem = unit_name_problem(base);
        enum unit_name_kind kind;
        int r;

        *reason = NULL;
        if (base != name && !*base) {
                *reason = "names a directory, not a unit file";
                return -EINVAL;
        }
        /* A path may name any file, as it always could ("verify ./my-unit"): the name
         * rules apply to names looked up, and to a path's templates and instances. */
        if (base == name && problem) {
                *reason = problem;
                return -EINVAL;
        }
        if (base == name && !unit_name_is_service(base)) {
                *reason = "not a service: only .service units run";
                return -EINVAL;
        }
        kind = problem ? UNIT_NAME_PLAIN : unit_name_kind(base);
        if (kind == UNIT_NAME_TEMPLATE) {
                *reason = "a template needs an instance: name it NAME@INSTANCE.service";
                return -EINVAL;
        }
        if (base != name) {
                /* A path: its own directory only. */
                own = strndup(name, (size_t) (base - name - 1));
                if (!own || strv_push(&one_dir, *own ? own : "/") < 0)
                        return -ENOMEM;
                search = one_dir;
        }

        r = unit_search_dirs(search, base, &path, &target, reason);
        if (r < 0)
                return r;
        if (r == 0 && kind == UNIT_NAME_INSTANCE) {
                r = unit_name_template(base, &template_name);
                if (r < 0)
                        return r;
                r = unit_search_dirs(search, template_name, &path, &target, reason);
                if (r < 0)
                        return r;
                if (r > 0 && target && !streq_ptr(target, template_name)) {
                        /* An alias of the template: the instance keeps its own name. */
                        target = mfree(target);
                }
        }
        if (r == 0 && kind == UNIT_NAME_INSTANCE) {
                _cleanup_free_ char *prefix = NULL, *plain = NULL, *p2 = NULL, *t2 = NULL;

                if (unit_name_prefix(base, &prefix) < 0 || asprintf(&plain, "%s.service", prefix) < 0)
                        return -ENOMEM;
                if (unit_search_dirs(search, plain, &p2, &t2, reason) > 0) {
                        *reason = "an instance of a unit that is not a template (there is no NAME@.service)";
                        return -EINVAL;
                }
                *reason = NULL;
        }
        if (r == 0)
                return -ENOENT;

        *ret = (struct unit_found){};
        if (kind == UNIT_NAME_PLAIN && target && !streq_ptr(target, base)) {
                if (!unit_name_is_service(target) || unit_name_kind(target) != UNIT_NAME_PLAIN) {
                        *reason = "an alias (symlink) to something that is not a service unit file";
                        return -EINVAL;
                }
                ret->name = TAKE_PTR(target);
                if (strv_push(&ret->aliases, base) < 0) {
                        unit_found_done(ret);
                        return -ENOMEM;
                }
        } else if (!(ret->name = strdup(base)))
                return -ENOMEM;
        ret->path = TAKE_PTR(path);
        return 0;
}

/* The "-" prefixes of a unit name, as systemd walks them: "a-b-c.service" gives
 * "a-b-.service" and "a-.service"; an instance keeps its instance ("a-b@x.service" gives
 * "a-@x.service", then its template "a-@.service"). A trailing '-' of the name is cut
 * once first, a leading one ends the walk. */
static int push_dash_prefixes(char ***l, const char *dir, const char *name)
{
        _cleanup_free_ char *prefix = NULL, *instance = NULL;
        const char *suffix = strrchr(name, '.');
        bool chopped = false;
        int r = unit_name_prefix(name, &prefix);

        if (r >= 0)
                r = unit_name_instance(name, &instance);
        if (r < 0)
                return r;
        for (;;) {
                char *dash = strrchr(prefix, '-');

                if (!dash || dash == prefix)
                        return 0;
                if (!dash[1] && !chopped) {
                        *dash = 0;
                        chopped = true;
                        continue;
                }
                dash[1] = 0;
                chopped = false;
                if (*instance) {
                        r = push_printf(l, "%s/%s@%s%s.d", dir, prefix, instance, suffix);
                        if (r >= 0)
                                r = push_printf(l, "%s/%s@%s.d", dir, prefix, suffix);
                } else
                        r = push_printf(l, "%s/%s%s.d", dir, prefix, suffix);
                if (r < 0)
                        return r;
        }
}

int unit_dropin_dirs(char *const *search, const char *name, char *const *aliases, char ***ret)
{
        _cleanup_strv_free_ char **l = NULL, **names = NULL;
        int r;

        if (strv_push(&names, name) < 0)
                return -ENOMEM;
        for (char *const *a = aliases; a && *a; a++)
                if (strv_push(&names, *a) < 0)
                        return -ENOMEM;
        for (char **n = names; *n; n++)
                for (char *const *d = search; d && *d; d++) {
                        _cleanup_free_ char *template_name = NULL;
                        const char *suffix = strrchr(*n, '.');

                        r = push_printf(&l, "%s/%s.d", *d, *n);
                        if (r >= 0 && unit_name_kind(*n) == UNIT_NAME_INSTANCE) {
                                r = unit_name_template(*n, &template_name);
                                if (r >= 0)
                                        r = push_printf(&l, "%s/%s.d", *d, template_name);
                        }
                        if (r >= 0 && suffix)
                                r = push_dash_prefixes(&l, *d, *n);
                        if (r < 0)
                                return r;
                }
        for (char *const *d = search; d && *d; d++) {
                r = push_printf(&l, "%s/service.d", *d);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int by_base_name(const void *a, const void *b)
{
        const char *x = *(const char *const *) a, *y = *(const char *const *) b;

        return strcmp(strrchr(x, '/') + 1, strrchr(y, '/') + 1);
}

int unit_dropin_merge(char *const *dirs, char **const *entries, bool *const *masked, char ***ret)
{
        _cleanup_strv_free_ char **seen = NULL, **files = NULL;
        int r;

        for (size_t i = 0; dirs && dirs[i]; i++)
                for (size_t k = 0; entries[i] && entries[i][k]; k++) {
                        bool known = false;

                        for (char **s = seen; s && *s; s++)
                                known = known || strcmp(*s, entries[i][k]) == 0;
                        if (known)
                                continue;
                        r = strv_push(&seen, entries[i][k]);
                        if (r >= 0 && !(masked && masked[i] && masked[i][k]))
                                r = push_printf(&files, "%s/%s", dirs[i], entries[i][k]);
                        if (r < 0)
                                return r;
                }
        if (files)
                qsort(files, strv_length(files), sizeof(char *), by_base_name);
        else if (!(files = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(files);
        return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

static int conf_filter(const struct dirent *d)
{
        size_t len = strlen(d->d_name);

        return d->d_name[0] != '.' && len > 5 && strcmp(d->d_name + len - 5, ".conf") == 0;
}

/* The *.conf names of one directory; an absent directory has none. */
static int dropin_dir_list(const char *dir, char ***ret, bool **ret_masked)
{
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ bool *masked = NULL;
        struct dirent **entries = NULL;
        struct stat st;
        int n, r = 0;

        *ret = NULL;
        *ret_masked = NULL;
        /* A directory we cannot even see (EACCES on a parent: $HOME/.config of another user
         * when HOME was kept across a privilege change) is not there for us, as for systemd;
         * one that is there and cannot be read is an error. */
        if (stat(dir, &st) < 0)
                return errno == ENOENT || errno == EACCES || errno == ENOTDIR ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        n = scandir(dir, &entries, conf_filter, by_name);
        if (n < 0)
                return -errno;
        masked = calloc((size_t) n + 1, sizeof(bool));
        if (!masked)
                r = -ENOMEM;
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;
                char resolved[PATH_MAX];

                if (r >= 0 && asprintf(&path, "%s/%s", dir, entries[i]->d_name) < 0) {
                        path = NULL;
                        r = -ENOMEM;
                }
                if (r >= 0) {
                        masked[strv_length(l)] =
                                realpath(path, resolved) && strcmp(resolved, "/dev/null") == 0;
                        r = strv_push(&l, entries[i]->d_name);
                }
                free(entries[i]);
        }
        free(entries);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        *ret_masked = TAKE_PTR(masked);
        return 0;
}

int unit_dropins_find(
        char *const *search, const char *name, char *const *aliases, char ***ret, char **ret_bad)
{
        _cleanup_strv_free_ char **dirs = NULL;
        char ***entries = NULL;
        bool **masked = NULL;
        size_t n;
        int r;

        *ret_bad = NULL;
        r = unit_dropin_dirs(search, name, aliases, &dirs);
        if (r < 0)
                return r;
        n = strv_length(dirs);
        entries = calloc(n + 1, sizeof(*entries));
        masked = calloc(n + 1, sizeof(*masked));
        if (!entries || !masked)
                r = -ENOMEM;
        for (size_t i = 0; i < n && r >= 0; i++) {
                r = dropin_dir_list(dirs[i], &entries[i], &masked[i]);
                if (r < 0 && r != -ENOMEM && !(*ret_bad = strdup(dirs[i])))
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = unit_dropin_merge(dirs, entries, masked, ret);
        for (size_t i = 0; entries && masked && i < n; i++) {
                strv_free(entries[i]);
                free(masked[i]);
        }
        free(entries);
        free(masked);
        return r;
}

int unit_read_file(const char *path, char **ret, unsigned *ret_nul_line)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *text = NULL;
        size_t len = 0, size;
        struct stat st;
        const char *nul;

        /* stat() first: open() of a FIFO without a writer would block. */
        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uint64_t) st.st_size > UNIT_FILE_SIZE_MAX)
                return -EFBIG;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        /* Sized by stat, grown if the file grows while we read; the cap holds either way. */
        size = (size_t) st.st_size + 1;
        text = malloc(size + 1);
        if (!text)
                return -ENOMEM;
        for (;;) {
                ssize_t k;

                if (len == size) {
                        char *grown;

                        if (size > UNIT_FILE_SIZE_MAX)
                                return -EFBIG;
                        size = size * 2 > UNIT_FILE_SIZE_MAX + 1 ? UNIT_FILE_SIZE_MAX + 1 : size * 2;
                        grown = realloc(text, size + 1);
                        if (!grown)
                                return -ENOMEM;
                        text = grown;
                }
                k = read(fd, text + len, size - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        if (len > UNIT_FILE_SIZE_MAX)
                return -EFBIG;
        text[len] = 0;
        nul = memchr(text, 0, len);
        if (nul) {
                unsigned line = 1;

                for (const char *p = text; p < nul; p++)
                        line += *p == '\n';
                *ret_nul_line = line;
                return -EBADMSG;
        }
        *ret = TAKE_PTR(text);
        return 0;
}

const char *unit_read_error(int r)
{
        switch (r) {
        case -EBADFD:
                return "not a regular file (a unit file must be one; FIFOs and devices are refused unread)";
        case -EFBIG:
                return "the file is too big for a unit file (more than 4 MiB)";
        case -EBADMSG:
                return "a NUL byte inside the unit file";
        default:
                return strerror(-r);
        }
}

/* Finding unit files where systemd finds them (systemd.unit(5), "Unit File Load Path"):
 * the search path, names resolved through aliases (symlinks) and templates, the drop-ins
 * of a unit in systemd's order, and reading a unit file safely (regular files only, size
 * capped, no NUL byte). unit-load.c and `unitrun cat` build on it. The ordering and path
 * functions are pure; the others read the file system and nothing else. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* systemd's READ_FULL_BYTES_MAX (4 MiB - 1): a bigger unit file is refused unread. */
#define UNIT_FILE_SIZE_MAX (4u * 1024u * 1024u - 1u)

/* The search path: extra (--unit-path) first, then for a user (!system) the systemd --user
 * directories ($XDG_CONFIG_HOME or HOME/.config, /etc/systemd/user, $XDG_RUNTIME_DIR,
 * /run/systemd/user, HOME/.local/share, /usr/local/lib, /usr/lib), then the system ones
 * (/etc/systemd/system, /run/systemd/system, /usr/local/lib/systemd/system,
 * /lib/systemd/system, /usr/lib/systemd/system). NULL environment values are skipped. */
int unit_search_path_build(
        char *const *extra, bool system, const char *xdg_config_home, const char *home,
        const char *xdg_runtime_dir, char ***ret);
/* The same from this process's euid and environment. */
int unit_search_path_default(char *const *extra, char ***ret);

/* search with dir (a unit's own directory) inserted after its first n_extra entries (the
 * --unit-path ones), unless dir is in search already (it then keeps its place): where a
 * unit finds its drop-ins and the units it names. Pure. */
int unit_search_path_insert(char *const *search, size_t n_extra, const char *dir, char ***ret);

struct unit_found {
        char *name;     /* the unit's name: an alias's target, an instance's own name */
        char *path;     /* the file to read: for an instance, its template's */
        char **aliases; /* other names it was asked by (the alias's name), for drop-ins */
};
void unit_found_done(struct unit_found *f);

/* Finds a unit by name on search (or by path: what contains a '/' is a file, found in
 * its directory, which must then be search's first entry or absent). Returns 0; -ENOENT
 * when it is nowhere; -EINVAL, -ELOOP with *reason set (a template without instance, an
 * instance of a non-template, an alias loop, an alias to something that is no service,
 * a masked unit); -ENOMEM. */
int unit_search_find(char *const *search, const char *name, struct unit_found *ret, const char **reason);

/* The drop-in directories of a unit, most precedent first: for every name (the unit's
 * and its aliases) and every directory of search, NAME.d, for an instance also
 * TEMPLATE.d, and the prefixes cut at each '-' (foo-bar-baz.service: foo-bar-.service.d,
 * foo-.service.d); then the type-wide service.d of every directory. Pure. */
int unit_dropin_dirs(char *const *search, const char *name, char *const *aliases, char ***ret);
/* systemd's merge: a file name seen in a more precedent directory masks the same name in
 * later ones (a NULL entry, i.e. a /dev/null symlink, masks and is dropped), and the
 * result is sorted by file name across all directories. entries[i] lists the *.conf
 * names of dirs[i] (NULL: none); masked[i][k] is true for a /dev/null entry. Pure. */
int unit_dropin_merge(char *const *dirs, char **const *entries, bool *const *masked, char ***ret);
/* unit_dropin_dirs() then the file system: the drop-in files to apply, in order. A drop-in
 * directory that exists and cannot be read is -EACCES/-ENOTDIR/... with *ret_bad set to
 * it (malloc'ed). */
int unit_dropins_find(
        char *const *search, const char *name, char *const *aliases, char ***ret, char **ret_bad);

/* Reads a unit file or drop-in: refuses what is not a regular file before reading it
 * (-EBADFD: a FIFO, a device, a directory), a file bigger than UNIT_FILE_SIZE_MAX (-EFBIG),
 * and a NUL byte inside (-EBADMSG with *ret_nul_line, 1-based, set). */
int unit_read_file(const char *path, char **ret, unsigned *ret_nul_line);
/* Why unit_read_file() failed, for a diagnostic. */
const char *unit_read_error(int r);

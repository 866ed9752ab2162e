/* Process attributes as a mechanism (struct process_config, no executor): the per-spawn
 * preparation of what the child applies (spawn.h), the directories a unit gets, and its
 * standard input. Everything that can block or allocate (NSS lookups, group lists, opening
 * files) happens here, in the parent. The public setters are in executor-process.c. */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "macro.h"
#include "proc.h"
#include "process-config.h"
#include "strv.h"

void process_config_init(struct process_config *p)
{
        *p = (struct process_config){ .stdin_fd = -1, .stdin_pipe_write = -1 };
        for (int k = 0; k < PROCESS_DIRECTORY_KINDS; k++)
                p->directory_modes[k] = 0755;
}

void process_config_done(struct process_config *p)
{
        free(p->user);
        free(p->home);
        free(p->shell);
        free(p->supplementary_groups);
        for (int k = 0; k < PROCESS_DIRECTORY_KINDS; k++) {
                strv_free(p->directories[k]);
                strv_free(p->directory_paths[k]);
        }
        free(p->stdin_path);
        free(p->stdin_data);
        safe_close(p->stdin_fd);
        safe_close(p->stdin_pipe_write);
        process_config_init(p);
}

/* ---- User=, Group=, SupplementaryGroups= ------------------------------------------------- */

/* A decimal id, or -1. */
long long process_parse_id(const char *s)
{
        char *end;
        long long v;

        if (!*s || *s < '0' || *s > '9')
                return -1;
        errno = 0;
        v = strtoll(s, &end, 10);
        /* (uid_t) -1 means "unchanged" to the set*id() calls: never a real id. */
        if (errno || *end || v < 0 || v >= (long long) UINT32_MAX)
                return -1;
        return v;
}

int process_resolve_group(const char *name, gid_t *ret)
{
        long long id = process_parse_id(name);
        struct group *gr;

        if (id >= 0) {
                *ret = (gid_t) id;
                return 0;
        }
        errno = 0;
        gr = getgrnam(name);
        if (!gr)
                return errno && errno != ENOENT ? negative_errno() : -ESRCH;
        *ret = gr->gr_gid;
        return 0;
}

/* ---- Resources and capabilities -------------------------------------------------------- */

static int cap_last_cap(void)
{
        static int cached = -1;
        _cleanup_free_ char *text = NULL;

        if (cached < 0) {
                cached = 40; /* CAP_CHECKPOINT_RESTORE, Linux 5.9 */
                if (read_full_file("/proc/sys/kernel/cap_last_cap", &text) >= 0 && atoi(text) > 0)
                        cached = atoi(text);
        }
        return cached;
}

int process_spawn_attrs(
        struct process_config *p, unsigned command_flags, bool main, struct spawn_attrs *ret,
        gid_t **ret_groups)
{
        bool privileged = (command_flags & UR_COMMAND_PRIVILEGED) || (p->permissions_start_only && !main);
        bool keep_user = privileged || (command_flags & UR_COMMAND_NO_SETUID);
        _cleanup_free_ gid_t *groups = NULL;
        int n_groups = 0;
        struct spawn_attrs a = {
                .set_umask = p->set_umask,
                .umask = p->umask,
                .set_nice = p->set_nice,
                .nice = p->nice,
                .cwd_optional = p->cwd_optional,
        };

        memcpy(a.rlimit_set, p->rlimit_set, sizeof(a.rlimit_set));
        memcpy(a.rlimits, p->rlimits, sizeof(a.rlimits));
        if (p->set_oom_score_adjust) {
                snprintf(p->oom_buf, sizeof(p->oom_buf), "%d", p->oom_score_adjust);
                a.oom_score_adjust = p->oom_buf;
        }
        if (!privileged) {
                /* Only a capability set needs it: a file read (four system calls) otherwise
                 * spent on the first spawn of every run. */
                if (p->set_bounding_set || p->set_ambient)
                        a.cap_last = cap_last_cap();
                a.no_new_privileges = p->no_new_privileges;
                a.set_bounding_set = p->set_bounding_set;
                a.bounding_set = p->bounding_set;
                a.set_ambient = p->set_ambient;
                a.ambient = p->ambient;
        }
        if (!keep_user && (p->user_set || p->group_set || p->n_supplementary_groups > 0)) {
                a.set_credentials = true;
                a.uid = p->user_set ? p->uid : geteuid();
                a.gid = p->group_set ? p->gid : p->user_set ? p->user_gid : getegid();
                if (p->user_set) {
                        /* initgroups(), computed here: the child cannot read /etc/group. */
                        n_groups = 64;
                        for (;;) {
                                int n = n_groups;
                                gid_t *g = realloc(
                                        groups, (size_t) (n + p->n_supplementary_groups) * sizeof(gid_t));

                                if (!g)
                                        return -ENOMEM;
                                groups = g;
                                if (getgrouplist(p->user, a.gid, groups, &n) >= 0) {
                                        n_groups = n;
                                        break;
                                }
                                if (n <= n_groups) {
                                        /* No such user for NSS (a bare numeric uid): only its group. */
                                        groups[0] = a.gid;
                                        n_groups = 1;
                                        break;
                                }
                                n_groups = n;
                        }
                } else {
                        groups = malloc((p->n_supplementary_groups + 1) * sizeof(gid_t));
                        if (!groups)
                                return -ENOMEM;
                }
                for (size_t i = 0; i < p->n_supplementary_groups; i++) {
                        bool seen = false;
                        for (int j = 0; j < n_groups; j++)
                                seen = seen || groups[j] == p->supplementary_groups[i];
                        if (!seen)
                                groups[n_groups++] = p->supplementary_groups[i];
                }
                a.groups = groups;
                a.n_groups = (size_t) n_groups;
        }
        *ret = a;
        *ret_groups = TAKE_PTR(groups);
        return 0;
}

/* ---- Directories ---------------------------------------------------------------------- */

/* One directory: its parents 0755 (ours), itself with the mode asked for and owned by the
 * unit's user. fchown/fchmod on an O_NOFOLLOW fd: a symlink planted there is not followed. */
static int make_directory(const struct process_config *p, char *path, size_t base_len, mode_t mode)
{
        _cleanup_close_ int fd = -1;
        bool chown_it = p->user_set || p->group_set;

        for (char *s = path + base_len + 1; (s = strchr(s, '/')); s++) {
                *s = 0;
                if (mkdir(path, 0755) < 0 && errno != EEXIST) {
                        *s = '/';
                        return negative_errno();
                }
                *s = '/';
        }
        if (mkdir(path, mode) < 0 && errno != EEXIST)
                return negative_errno();
        fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (chown_it && fchown(fd, p->user_set ? p->uid : (uid_t) -1,
                               p->group_set  ? p->gid
                               : p->user_set ? p->user_gid
                                             : (gid_t) -1) < 0)
                return negative_errno();
        /* mkdir() was subject to our umask. */
        if (fchmod(fd, mode) < 0)
                return negative_errno();
        return 0;
}

bool process_wants_directories(const struct process_config *p, char *const *runtime_names)
{
        if (runtime_names && runtime_names[0])
                return true;
        for (int k = 0; k < PROCESS_DIRECTORY_KINDS; k++)
                if (p->directories[k] && p->directories[k][0])
                        return true;
        return false;
}

int process_make_directories(
        struct process_config *p, const char *base, char *const *runtime_names, char ***runtime_paths,
        char **ret_failed)
{
        static const char *const sub[PROCESS_DIRECTORY_KINDS] = {
                [UR_DIRECTORY_STATE] = "state",
                [UR_DIRECTORY_CACHE] = "cache",
                [UR_DIRECTORY_LOGS] = "logs",
        };
        int r;

        for (int k = 0; k < PROCESS_DIRECTORY_KINDS; k++) {
                char *const *names = k == UR_DIRECTORY_RUNTIME ? runtime_names : p->directories[k];
                char ***paths = k == UR_DIRECTORY_RUNTIME ? runtime_paths : &p->directory_paths[k];

                if (k != UR_DIRECTORY_RUNTIME)
                        *paths = strv_free(*paths);
                for (char *const *n = names; n && *n; n++) {
                        char path[PATH_MAX], top[PATH_MAX];
                        size_t base_len;

                        if (k == UR_DIRECTORY_CONFIGURATION) {
                                /* The host's: read, never made or removed. */
                                snprintf(path, sizeof(path), "/etc/%s", *n);
                                if (strv_push(paths, path) < 0)
                                        return -ENOMEM;
                                continue;
                        }
                        if (sub[k]) {
                                snprintf(top, sizeof(top), "%s/%s", base, sub[k]);
                                if (mkdir(top, 0755) < 0 && errno != EEXIST) {
                                        r = negative_errno();
                                        *ret_failed = strdup(top);
                                        return r;
                                }
                        } else
                                snprintf(top, sizeof(top), "%s", base);
                        base_len = strlen(top);
                        if ((size_t) snprintf(path, sizeof(path), "%s/%s", top, *n) >= sizeof(path))
                                return -ENAMETOOLONG;
                        r = make_directory(p, path, base_len, p->directory_modes[k]);
                        if (r < 0) {
                                *ret_failed = strdup(path);
                                return r;
                        }
                        if (strv_push(paths, path) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

int process_directories_env(const struct process_config *p, char ***env)
{
        static const char *const names[PROCESS_DIRECTORY_KINDS] = {
                [UR_DIRECTORY_STATE] = "STATE_DIRECTORY",
                [UR_DIRECTORY_CACHE] = "CACHE_DIRECTORY",
                [UR_DIRECTORY_LOGS] = "LOGS_DIRECTORY",
                [UR_DIRECTORY_CONFIGURATION] = "CONFIGURATION_DIRECTORY",
        };

        for (int k = UR_DIRECTORY_STATE; k < PROCESS_DIRECTORY_KINDS; k++) {
                _cleanup_free_ char *joined = NULL;
                int r;

                if (!p->directory_paths[k] || !p->directory_paths[k][0])
                        continue;
                joined = strv_join(p->directory_paths[k], ":");
                if (!joined)
                        return -ENOMEM;
                r = strv_env_set(env, names[k], joined);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- Standard input ------------------------------------------------------------------- */

/* Above 2, so that the child's dup2() sequence cannot clobber it. */
static int fd_move_above_stdio(int fd)
{
        int moved;

        if (fd < 0 || fd > 2)
                return fd;
        moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        close(fd);
        return moved < 0 ? negative_errno() : moved;
}

int process_stdin_setup(struct process_config *p, int *ret_run_fd)
{
        int fd, fds[2];

        switch (p->stdin_mode) {
        case UR_STDIN_INHERIT:
                *ret_run_fd = 0;
                return 0;
        case UR_STDIN_FD:
                fd = fcntl(p->stdin_fd, F_DUPFD_CLOEXEC, 3);
                break;
        case UR_STDIN_PIPE:
                if (pipe2(fds, O_CLOEXEC) < 0)
                        return negative_errno();
                safe_close(p->stdin_pipe_write);
                p->stdin_pipe_write = fds[1];
                fd = fds[0];
                break;
        default:
                fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                break;
        }
        if (fd < 0)
                return negative_errno();
        fd = fd_move_above_stdio(fd);
        if (fd < 0)
                return fd;
        *ret_run_fd = fd;
        return 0;
}

int process_stdin_for_spawn(const struct process_config *p, int *ret_fd)
{
        int fd;

        if (p->stdin_mode == UR_STDIN_FILE) {
                fd = open(p->stdin_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return negative_errno();
        } else if (p->stdin_mode == UR_STDIN_DATA) {
                size_t done = 0;

                /* A memfd, not a pipe: any size, no writer to keep alive. */
                fd = memfd_create("unitrun-stdin", MFD_CLOEXEC);
                if (fd < 0)
                        return negative_errno();
                while (done < p->stdin_size) {
                        ssize_t n = write(fd, p->stdin_data + done, p->stdin_size - done);
                        if (n < 0) {
                                int r = negative_errno();
                                close(fd);
                                return r;
                        }
                        done += (size_t) n;
                }
                if (lseek(fd, 0, SEEK_SET) < 0) {
                        int r = negative_errno();
                        close(fd);
                        return r;
                }
        } else
                return 0;
        fd = fd_move_above_stdio(fd);
        if (fd < 0)
                return fd;
        *ret_fd = fd;
        return 1;
}

void process_release_run(struct process_config *p)
{
        p->stdin_pipe_write = safe_close(p->stdin_pipe_write);
}

/* Process attributes of an executor: the public setters (User=, Group=, Limit*=, ...), the
 * per-spawn preparation of what the child applies (spawn.h), the directories a unit gets,
 * and its standard input. Everything that can block or allocate (NSS lookups, group lists,
 * opening files) happens here, in the parent. */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "internal.h"
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
static long long parse_id(const char *s)
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

static int resolve_group(const char *name, gid_t *ret)
{
        long long id = parse_id(name);
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

int ur_executor_set_user(ur_executor *e, const char *user)
{
        struct process_config *p = &e->proc;
        _cleanup_free_ char *name = NULL, *home = NULL, *shell = NULL;
        long long id;
        struct passwd *pw;
        uid_t uid;
        gid_t gid;
        int r;

        if (!user) {
                p->user_set = false;
                p->user = mfree(p->user);
                p->home = mfree(p->home);
                p->shell = mfree(p->shell);
                return 0;
        }
        if (!*user)
                return -EINVAL;
        id = parse_id(user);
        errno = 0;
        pw = id >= 0 ? getpwuid((uid_t) id) : getpwnam(user);
        if (!pw && id < 0)
                return errno && errno != ENOENT ? negative_errno() : -ESRCH;
        if (pw) {
                uid = pw->pw_uid;
                gid = pw->pw_gid;
                name = strdup(pw->pw_name);
                home = strdup(pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/");
                shell = strdup(pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh");
        } else {
                /* A uid without a passwd entry (containers): its own number as group. */
                uid = (uid_t) id;
                gid = (gid_t) id;
                name = strdup(user);
                home = strdup("/");
                shell = strdup("/bin/sh");
        }
        if (!name || !home || !shell)
                return -ENOMEM;
        /* Without root we cannot become anyone else; running as ourselves instead would be
         * the silent wrong-user run this refuses. */
        if (geteuid() != 0 && uid != geteuid())
                return -EPERM;

        r = strv_env_set(&e->env, "USER", name);
        if (r >= 0)
                r = strv_env_set(&e->env, "LOGNAME", name);
        if (r >= 0)
                r = strv_env_set(&e->env, "HOME", home);
        if (r >= 0)
                r = strv_env_set(&e->env, "SHELL", shell);
        if (r < 0)
                return r;
        free(p->user);
        free(p->home);
        free(p->shell);
        p->user = TAKE_PTR(name);
        p->home = TAKE_PTR(home);
        p->shell = TAKE_PTR(shell);
        p->uid = uid;
        p->user_gid = gid;
        /* Not root: it is our own user, and there is nothing to change. */
        p->user_set = geteuid() == 0;
        return 0;
}

int ur_executor_set_group(ur_executor *e, const char *group)
{
        gid_t gid;
        int r;

        if (!group) {
                e->proc.group_set = false;
                return 0;
        }
        r = resolve_group(group, &gid);
        if (r < 0)
                return r;
        if (geteuid() != 0 && gid != getegid())
                return -EPERM;
        e->proc.gid = gid;
        e->proc.group_set = geteuid() == 0;
        return 0;
}

int ur_executor_add_supplementary_group(ur_executor *e, const char *group)
{
        struct process_config *p = &e->proc;
        gid_t gid, *groups;
        int r;

        if (!group)
                return -EINVAL;
        r = resolve_group(group, &gid);
        if (r < 0)
                return r;
        if (geteuid() != 0)
                return -EPERM;
        for (size_t i = 0; i < p->n_supplementary_groups; i++)
                if (p->supplementary_groups[i] == gid)
                        return 0;
        groups = realloc(p->supplementary_groups, (p->n_supplementary_groups + 1) * sizeof(gid_t));
        if (!groups)
                return -ENOMEM;
        groups[p->n_supplementary_groups++] = gid;
        p->supplementary_groups = groups;
        return 0;
}

int ur_executor_set_permissions_start_only(ur_executor *e, bool only)
{
        e->proc.permissions_start_only = only;
        return 0;
}

int ur_executor_set_working_directory(ur_executor *e, const char *directory, bool optional)
{
        char *copy = NULL;

        if (directory && strcmp(directory, "~") == 0) {
                /* Resolved now, so that every message can name the directory. */
                directory = e->proc.home                   ? e->proc.home
                            : strv_env_get(e->env, "HOME") ? strv_env_get(e->env, "HOME")
                                                           : "/";
        }
        if (directory && directory[0] != '/')
                return -EINVAL;
        /* What ur_executor_set_cwd() does, without calling back into executor.c. */
        if (directory && !(copy = strdup(directory)))
                return -ENOMEM;
        free(e->cwd);
        e->cwd = copy;
        e->proc.cwd_optional = optional;
        return 0;
}

/* ---- Resources and capabilities -------------------------------------------------------- */

int ur_executor_set_umask(ur_executor *e, mode_t mask)
{
        if (mask > 0777)
                return -EINVAL;
        e->proc.set_umask = true;
        e->proc.umask = mask;
        return 0;
}

int ur_executor_set_nice(ur_executor *e, int nice)
{
        if (nice < -20 || nice > 19)
                return -EINVAL;
        e->proc.set_nice = true;
        e->proc.nice = nice;
        return 0;
}

int ur_executor_set_oom_score_adjust(ur_executor *e, int adjust)
{
        if (adjust < -1000 || adjust > 1000)
                return -EINVAL;
        e->proc.set_oom_score_adjust = true;
        e->proc.oom_score_adjust = adjust;
        return 0;
}

int ur_executor_set_rlimit(ur_executor *e, int resource, uint64_t soft, uint64_t hard)
{
        if (resource < 0 || resource >= SPAWN_RLIMIT_MAX || soft > hard)
                return -EINVAL;
        e->proc.rlimit_set[resource] = true;
        e->proc.rlimits[resource] = (struct rlimit){
                .rlim_cur = soft == UR_RLIMIT_INFINITY ? RLIM_INFINITY : (rlim_t) soft,
                .rlim_max = hard == UR_RLIMIT_INFINITY ? RLIM_INFINITY : (rlim_t) hard,
        };
        return 0;
}

int ur_executor_set_no_new_privileges(ur_executor *e, bool on)
{
        e->proc.no_new_privileges = on;
        return 0;
}

int ur_executor_set_capability_bounding_set(ur_executor *e, uint64_t keep)
{
        e->proc.set_bounding_set = true;
        e->proc.bounding_set = keep;
        return 0;
}

int ur_executor_set_ambient_capabilities(ur_executor *e, uint64_t caps)
{
        e->proc.set_ambient = caps != 0;
        e->proc.ambient = caps;
        return 0;
}

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
                .cap_last = cap_last_cap(),
                .cwd_optional = p->cwd_optional,
        };

        memcpy(a.rlimit_set, p->rlimit_set, sizeof(a.rlimit_set));
        memcpy(a.rlimits, p->rlimits, sizeof(a.rlimits));
        if (p->set_oom_score_adjust) {
                snprintf(p->oom_buf, sizeof(p->oom_buf), "%d", p->oom_score_adjust);
                a.oom_score_adjust = p->oom_buf;
        }
        if (!privileged) {
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

int ur_executor_add_directory(ur_executor *e, ur_directory kind, const char *name)
{
        const char *p;

        if ((unsigned) kind >= PROCESS_DIRECTORY_KINDS || !name || !*name || name[0] == '/')
                return -EINVAL;
        for (p = name; *p;) {
                size_t len = strcspn(p, "/");

                if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
                        return -EINVAL;
                p += len;
                if (*p == '/')
                        p++;
        }
        if (kind == UR_DIRECTORY_RUNTIME)
                return strv_push(&e->runtime_directories, name); /* as add_runtime_directory() */
        for (char **s = e->proc.directories[kind]; s && *s; s++)
                if (strcmp(*s, name) == 0)
                        return 0;
        return strv_push(&e->proc.directories[kind], name);
}

int ur_executor_set_directory_mode(ur_executor *e, ur_directory kind, mode_t mode)
{
        if ((unsigned) kind >= PROCESS_DIRECTORY_KINDS || mode > 07777)
                return -EINVAL;
        e->proc.directory_modes[kind] = mode;
        return 0;
}

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

int ur_executor_set_stdin(ur_executor *e, ur_stdin mode, const char *path)
{
        struct process_config *p = &e->proc;
        char *copy = NULL;

        if ((unsigned) mode > UR_STDIN_FD || (mode == UR_STDIN_FILE) != (path != NULL))
                return -EINVAL;
        if (mode == UR_STDIN_DATA && !p->stdin_data)
                return -EINVAL; /* set_stdin_data() says what */
        if (mode == UR_STDIN_FD && p->stdin_fd < 0)
                return -EINVAL; /* set_stdin_fd() says which */
        if (path && !(copy = strdup(path)))
                return -ENOMEM;
        free(p->stdin_path);
        p->stdin_path = copy;
        p->stdin_mode = mode;
        return 0;
}

int ur_executor_set_stdin_data(ur_executor *e, const void *data, size_t size)
{
        struct process_config *p = &e->proc;
        char *copy = malloc(size + 1);

        if (!copy)
                return -ENOMEM;
        if (size > 0)
                memcpy(copy, data, size);
        free(p->stdin_data);
        p->stdin_data = copy;
        p->stdin_size = size;
        p->stdin_mode = UR_STDIN_DATA;
        return 0;
}

int ur_executor_set_stdin_fd(ur_executor *e, int fd)
{
        int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);

        if (copy < 0)
                return negative_errno();
        safe_close(e->proc.stdin_fd);
        e->proc.stdin_fd = copy;
        e->proc.stdin_mode = UR_STDIN_FD;
        return 0;
}

int ur_executor_get_stdin_fd(const ur_executor *e)
{
        return e->proc.stdin_pipe_write;
}

void ur_executor_close_stdin(ur_executor *e)
{
        e->proc.stdin_pipe_write = safe_close(e->proc.stdin_pipe_write);
}

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

/* The public setters of an executor's process attributes (User=, Group=, Limit*=,
 * capabilities, directories, standard input): checked and resolved here, kept in its
 * struct process_config, applied by process-config.c and spawn.c at each spawn. */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>

#include "internal.h"
#include "macro.h"
#include "process-config.h"
#include "strv.h"

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
        id = process_parse_id(user);
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
        r = process_resolve_group(group, &gid);
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
        r = process_resolve_group(group, &gid);
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

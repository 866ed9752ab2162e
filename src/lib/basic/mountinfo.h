/* Finding cgroup v2: the cgroup2 mount point in /proc/self/mountinfo and a process's v2
 * path in /proc/PID/cgroup. Pure code on the files' text. */
#pragma once

/* The mount point of the first cgroup2 filesystem (octal escapes like \040 decoded).
 * -ENOENT when there is none, -EBADMSG on a malformed line. */
int mountinfo_find_cgroup2(const char *mountinfo_text, char **ret_mount_point);
/* The path of the "0::" line ("/" or "/user.slice/..."), -ENOENT when there is none. */
int proc_cgroup_v2_path(const char *proc_cgroup_text, char **ret_path);

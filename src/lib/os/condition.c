/* Checking Condition*=/Assert*= against this system, as systemd.unit(5) defines each test.
 * "The manager" there is unitrun here: User=/Group= tests are about the user unitrun runs as,
 * Environment= about its environment, Capability= about its bounding set. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "capability-name.h"
#include "condition-value.h"
#include "condition.h"
#include "macro.h"
#include "proc.h"

extern char **environ;

static int path_test(ur_condition_kind kind, const char *path)
{
        struct stat st;

        switch (kind) {
        case UR_CONDITION_PATH_EXISTS:
                return access(path, F_OK) == 0;
        case UR_CONDITION_PATH_IS_DIRECTORY:
                return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
        case UR_CONDITION_PATH_IS_SYMBOLIC_LINK:
                return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
        case UR_CONDITION_FILE_NOT_EMPTY:
                return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
        case UR_CONDITION_FILE_IS_EXECUTABLE:
                return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
        case UR_CONDITION_PATH_IS_READ_WRITE: {
                struct statvfs sv;
                return statvfs(path, &sv) == 0 && !(sv.f_flag & ST_RDONLY);
        }
        case UR_CONDITION_PATH_IS_MOUNT_POINT: {
                struct statx stx;
                if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) < 0)
                        return 0;
                return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
                       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
        }
        case UR_CONDITION_PATH_EXISTS_GLOB: {
                glob_t g = {};
                int r = glob(path, GLOB_NOSORT, NULL, &g);
                globfree(&g);
                return r == 0;
        }
        case UR_CONDITION_DIRECTORY_NOT_EMPTY: {
                _cleanup_closedir_ DIR *d = opendir(path);
                struct dirent *de;

                if (!d)
                        return 0;
                /* As systemd: hidden and backup files do not count. */
                while ((de = readdir(d))) {
                        size_t l = strlen(de->d_name);
                        if (de->d_name[0] == '.' || de->d_name[l - 1] == '~')
                                continue;
                        return 1;
                }
                return 0;
        }
        default:
                return -EOPNOTSUPP;
        }
}

static bool compare(int op, int cmp)
{
        switch (op) {
        case CONDITION_LT:
                return cmp < 0;
        case CONDITION_LE:
                return cmp <= 0;
        case CONDITION_NE:
                return cmp != 0;
        case CONDITION_GE:
                return cmp >= 0;
        case CONDITION_GT:
                return cmp > 0;
        default:
                return cmp == 0;
        }
}

/* ">=5.10", "6.*" (a glob without an operator), "=6.1.0". */
static int version_test(const char *have, const char *spec)
{
        size_t l;
        int op = condition_comparison(spec, &l);

        if (!op)
                return fnmatch(spec, have, 0) == 0;
        spec += l;
        spec += strspn(spec, " \t");
        return compare(op, strverscmp(have, spec));
}

static int number_test(uint64_t have, const char *spec)
{
        size_t l;
        int op = condition_comparison(spec, &l);
        uint64_t want;

        spec += l;
        spec += strspn(spec, " \t");
        if (condition_parse_size(spec, &want) < 0)
                return -EINVAL;
        return compare(op ? op : CONDITION_EQ, have < want ? -1 : have > want);
}

static int user_test(const char *value)
{
        uid_t uid = geteuid();
        struct passwd *pw;
        char *end;
        unsigned long n;

        if (strcmp(value, "@system") == 0)
                return uid <= 999; /* Debian's SYS_UID_MAX */
        n = strtoul(value, &end, 10);
        if (end != value && !*end)
                return (uid_t) n == uid;
        pw = getpwuid(uid);
        return pw && strcmp(pw->pw_name, value) == 0;
}

static int group_test(const char *value)
{
        gid_t groups[NGROUPS_MAX + 1];
        int n = getgroups(NGROUPS_MAX, groups);
        struct group *gr;
        char *end;
        unsigned long id;
        gid_t want;

        if (n < 0)
                return -errno;
        groups[n++] = getegid();
        id = strtoul(value, &end, 10);
        if (end != value && !*end)
                want = (gid_t) id;
        else if ((gr = getgrnam(value)))
                want = gr->gr_gid;
        else
                return 0;
        for (int i = 0; i < n; i++)
                if (groups[i] == want)
                        return 1;
        return 0;
}

static int host_test(const char *value)
{
        _cleanup_free_ char *machine_id = NULL;
        char host[HOST_NAME_MAX + 1];

        if (gethostname(host, sizeof(host)) == 0 && fnmatch(value, host, FNM_CASEFOLD) == 0)
                return 1;
        if (read_full_file("/etc/machine-id", &machine_id) >= 0) {
                machine_id[strcspn(machine_id, "\n")] = 0;
                if (strcasecmp(machine_id, value) == 0)
                        return 1;
        }
        return 0;
}

static int kernel_command_line_test(const char *value)
{
        _cleanup_free_ char *line = NULL;
        bool with_value = strchr(value, '=') != NULL;
        size_t vl = strlen(value);
        int r = read_full_file("/proc/cmdline", &line);

        if (r < 0)
                return r;
        for (char *w = strtok(line, " \t\n"); w; w = strtok(NULL, " \t\n"))
                if (strcmp(w, value) == 0 || (!with_value && strncmp(w, value, vl) == 0 && w[vl] == '='))
                        return 1;
        return 0;
}

/* What systemd-detect-virt would say, as far as files can tell: a container first, then a
 * VM from the DMI vendor or the CPU's hypervisor flag; "none" otherwise. */
static const char *detect_virtualization(bool *ret_container)
{
        static const struct {
                const char *vendor, *id;
        } vms[] = {
                { "QEMU", "qemu" },         { "KVM", "kvm" },
                { "VMware", "vmware" },     { "innotek", "oracle" },
                { "Xen", "xen" },           { "Microsoft", "microsoft" },
                { "Bochs", "bochs" },       { "Parallels", "parallels" },
                { "Amazon EC2", "amazon" },
        };
        _cleanup_free_ char *text = NULL;

        *ret_container = true;
        if (access("/.dockerenv", F_OK) == 0)
                return "docker";
        if (access("/run/.containerenv", F_OK) == 0)
                return "podman";
        if (read_full_file("/run/systemd/container", &text) >= 0) {
                static char id[64];
                snprintf(id, sizeof(id), "%.*s", (int) strcspn(text, "\n"), text);
                return id;
        }
        *ret_container = false;
        text = mfree(text);
        if (read_full_file("/sys/class/dmi/id/sys_vendor", &text) >= 0)
                for (size_t i = 0; i < ELEMENTSOF(vms); i++)
                        if (strstr(text, vms[i].vendor))
                                return vms[i].id;
        text = mfree(text);
        if (read_full_file("/proc/cpuinfo", &text) >= 0 && strstr(text, " hypervisor"))
                return "vm-other";
        return "none";
}

static int virtualization_test(const char *value)
{
        bool container;
        const char *id = detect_virtualization(&container);
        bool virtual = strcmp(id, "none") != 0;
        int b = strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 || strcmp(value, "1") == 0   ? 1
                : strcmp(value, "no") == 0 || strcmp(value, "false") == 0 || strcmp(value, "0") == 0 ? 0
                                                                                                     : -1;

        if (b >= 0)
                return virtual == (bool) b;
        if (strcmp(value, "vm") == 0)
                return virtual && !container;
        if (strcmp(value, "container") == 0)
                return container;
        if (strcmp(value, "private-users") == 0) {
                _cleanup_free_ char *map = NULL;
                /* A user namespace maps less than the whole range. */
                return read_full_file("/proc/self/uid_map", &map) >= 0 && !strstr(map, "4294967295");
        }
        return strcmp(value, id) == 0;
}

static int environment_test(const char *value)
{
        const char *eq = strchr(value, '=');

        if (!eq)
                return getenv(value) != NULL;
        for (char **e = environ; *e; e++)
                if (strcmp(*e, value) == 0)
                        return 1;
        return 0;
}

static int architecture_test(const char *value)
{
        static const struct {
                const char *uname, *systemd;
        } names[] = {
                { "x86_64", "x86-64" },    { "i386", "x86" },
                { "i486", "x86" },         { "i586", "x86" },
                { "i686", "x86" },         { "aarch64", "arm64" },
                { "armv7l", "arm" },       { "armv6l", "arm" },
                { "ppc64le", "ppc64-le" }, { "ppc64", "ppc64" },
                { "s390x", "s390x" },      { "riscv64", "riscv64" },
                { "mips64", "mips64" },    { "loongarch64", "loongarch64" },
        };
        struct utsname u;
        const char *mine;

        if (uname(&u) < 0)
                return -errno;
        mine = u.machine;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcmp(u.machine, names[i].uname) == 0)
                        mine = names[i].systemd;
        return strcmp(value, "native") == 0 || strcmp(value, mine) == 0;
}

static int boolean_value(const char *value)
{
        return strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 || strcmp(value, "1") == 0 ||
               strcmp(value, "on") == 0;
}

static int needs_update_test(const char *dir)
{
        struct stat usr, updated;
        char path[PATH_MAX];

        /* True when /usr is newer than DIR/.updated (missing: never updated). */
        if (stat("/usr", &usr) < 0)
                return 0;
        snprintf(path, sizeof(path), "%s/.updated", dir);
        if (stat(path, &updated) < 0)
                return 1;
        return usr.st_mtim.tv_sec > updated.st_mtim.tv_sec ||
               (usr.st_mtim.tv_sec == updated.st_mtim.tv_sec &&
                usr.st_mtim.tv_nsec > updated.st_mtim.tv_nsec);
}

static int ac_power_test(const char *value)
{
        _cleanup_closedir_ DIR *d = opendir("/sys/class/power_supply");
        bool found_mains = false, online = false;
        struct dirent *de;

        while (d && (de = readdir(d))) {
                _cleanup_free_ char *type = NULL, *on = NULL;
                char path[PATH_MAX];

                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "/sys/class/power_supply/%s/type", de->d_name);
                if (read_full_file(path, &type) < 0 || strncmp(type, "Mains", 5) != 0)
                        continue;
                found_mains = true;
                snprintf(path, sizeof(path), "/sys/class/power_supply/%s/online", de->d_name);
                if (read_full_file(path, &on) >= 0 && on[0] == '1')
                        online = true;
        }
        /* No mains supply known: as systemd, that counts as on AC power. */
        return boolean_value(value) == (!found_mains || online);
}

static int security_test(const char *value)
{
        _cleanup_free_ char *text = NULL;

        if (strcmp(value, "selinux") == 0)
                return access("/sys/fs/selinux/enforce", F_OK) == 0;
        if (strcmp(value, "apparmor") == 0)
                return read_full_file("/sys/module/apparmor/parameters/enabled", &text) >= 0 &&
                       text[0] == 'Y';
        if (strcmp(value, "smack") == 0)
                return access("/sys/fs/smackfs", F_OK) == 0;
        if (strcmp(value, "ima") == 0)
                return access("/sys/kernel/security/ima", F_OK) == 0;
        if (strcmp(value, "tomoyo") == 0)
                return access("/sys/kernel/security/tomoyo", F_OK) == 0;
        if (strcmp(value, "audit") == 0)
                return access("/proc/self/loginuid", F_OK) == 0;
        if (strcmp(value, "tpm2") == 0)
                return access("/sys/class/tpmrm/tpmrm0", F_OK) == 0;
        if (strcmp(value, "uefi-secureboot") == 0) {
                _cleanup_close_ int fd = -1;
                unsigned char buf[5];
                glob_t g = {};
                bool on = false;

                if (glob("/sys/firmware/efi/efivars/SecureBoot-*", 0, NULL, &g) == 0 &&
                    (fd = open(g.gl_pathv[0], O_RDONLY | O_CLOEXEC)) >= 0 && read(fd, buf, 5) == 5)
                        on = buf[4] == 1;
                globfree(&g);
                return on;
        }
        return 0; /* cvm, measured-uki, and names we do not know: not in effect here */
}

static int capability_test(const char *value)
{
        _cleanup_free_ char *status = NULL;
        unsigned long long bounding;
        const char *line;
        int cap = capability_from_name(value), r;

        if (cap < 0)
                return 0;
        r = read_full_file("/proc/self/status", &status);
        if (r < 0)
                return r;
        line = strstr(status, "\nCapBnd:");
        if (!line || sscanf(line + 8, "%llx", &bounding) != 1)
                return -EIO;
        return !!(bounding & (1ULL << cap));
}

static int controller_test(const char *value)
{
        _cleanup_free_ char *cgroups = NULL;
        int r;

        if (strcmp(value, "v1") == 0 || strcmp(value, "v2") == 0) {
                /* Pure v2 has cgroup.controllers at /sys/fs/cgroup itself. */
                bool unified = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
                return strcmp(value, "v2") == 0 ? unified : !unified;
        }
        r = read_full_file("/proc/cgroups", &cgroups);
        if (r < 0)
                return r;
        for (char *l = strtok(cgroups, "\n"); l; l = strtok(NULL, "\n")) {
                char name[64];
                int hierarchy, num, enabled;

                if (sscanf(l, "%63s %d %d %d", name, &hierarchy, &num, &enabled) == 4 && enabled &&
                    strcmp(name, value) == 0)
                        return 1;
        }
        return 0;
}

static int memory_test(const char *value)
{
        _cleanup_free_ char *meminfo = NULL;
        unsigned long long kb;
        int r = read_full_file("/proc/meminfo", &meminfo);

        if (r < 0)
                return r;
        if (sscanf(meminfo, "MemTotal: %llu kB", &kb) != 1)
                return -EIO;
        return number_test((uint64_t) kb * 1024, value);
}

static int cpus_test(const char *value)
{
        cpu_set_t set;

        if (sched_getaffinity(0, sizeof(set), &set) < 0)
                return -errno;
        return number_test((uint64_t) CPU_COUNT(&set), value);
}

static int os_release_test(const char *value)
{
        _cleanup_free_ char *text = NULL;
        size_t key_len = strcspn(value, "<>=!");
        size_t op_len;
        int op = condition_comparison(value + key_len, &op_len);
        const char *want = value + key_len + op_len;

        if (!op || key_len == 0)
                return -EINVAL;
        if (read_full_file("/etc/os-release", &text) < 0 && read_full_file("/usr/lib/os-release", &text) < 0)
                return 0;
        for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
                char *v;
                size_t vl;

                if (strncmp(l, value, key_len) != 0 || l[key_len] != '=')
                        continue;
                v = l + key_len + 1;
                vl = strlen(v);
                if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
                        v[vl - 1] = 0;
                        v++;
                }
                if (op == CONDITION_EQ || op == CONDITION_NE)
                        return (fnmatch(want, v, 0) == 0) == (op == CONDITION_EQ);
                return compare(op, strverscmp(v, want));
        }
        return op == CONDITION_NE;
}

int condition_test(ur_condition_kind kind, const char *value)
{
        switch (kind) {
        case UR_CONDITION_USER:
                return user_test(value);
        case UR_CONDITION_GROUP:
                return group_test(value);
        case UR_CONDITION_HOST:
                return host_test(value);
        case UR_CONDITION_KERNEL_COMMAND_LINE:
                return kernel_command_line_test(value);
        case UR_CONDITION_KERNEL_VERSION: {
                struct utsname u;
                return uname(&u) < 0 ? -errno : version_test(u.release, value);
        }
        case UR_CONDITION_VIRTUALIZATION:
                return virtualization_test(value);
        case UR_CONDITION_ENVIRONMENT:
                return environment_test(value);
        case UR_CONDITION_ARCHITECTURE:
                return architecture_test(value);
        case UR_CONDITION_FIRST_BOOT:
                /* A run is never a machine's first boot. */
                return !boolean_value(value);
        case UR_CONDITION_NEEDS_UPDATE:
                return needs_update_test(value);
        case UR_CONDITION_AC_POWER:
                return ac_power_test(value);
        case UR_CONDITION_SECURITY:
                return security_test(value);
        case UR_CONDITION_CAPABILITY:
                return capability_test(value);
        case UR_CONDITION_CONTROL_GROUP_CONTROLLER:
                return controller_test(value);
        case UR_CONDITION_MEMORY:
                return memory_test(value);
        case UR_CONDITION_CPUS:
                return cpus_test(value);
        case UR_CONDITION_OS_RELEASE:
                return os_release_test(value);
        case UR_CONDITION_CREDENTIAL: {
                const char *dir = getenv("CREDENTIALS_DIRECTORY");
                char path[PATH_MAX];

                if (!dir)
                        return 0;
                snprintf(path, sizeof(path), "%s/%s", dir, value);
                return access(path, F_OK) == 0;
        }
        case UR_CONDITION_PATH_IS_ENCRYPTED:
                /* Telling dm-crypt apart needs udev's view of the block device. */
                return -EOPNOTSUPP;
        default:
                return path_test(kind, value);
        }
}

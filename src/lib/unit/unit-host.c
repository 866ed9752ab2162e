/* What the host and run specifiers of unit files mean here (systemd.unit(5),
 * "Specifiers"), read once per load: the user (%u %U %g %G %h %s), the host (%H %l %q %m
 * %b %v %a), /etc/os-release (%o %w %W %B %M %A, "" when a field is not set, as in
 * systemd), the temporary directories (%T %V), and the run's own directories. Here is the
 * one place that decides where %t %S %C %L %d point: the run's runtime directory and its
 * subdirectories state/, cache/, logs/ and credentials/, so that a unit never writes the
 * host's /var/lib or /var/cache through a specifier. The parsers only see strings. */

#include <ctype.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "macro.h"
#include "proc.h"
#include "unit-file.h"

static const char *specifiers_keep(struct unit_specifiers *s, char *v)
{
        if (!v)
                return NULL;
        if (s->n_owned >= ELEMENTSOF(s->owned)) {
                free(v);
                return NULL;
        }
        s->owned[s->n_owned++] = v;
        return v;
}

static const char *specifiers_printf(struct unit_specifiers *s, const char *fmt, ...) _printf_(2, 3);
static const char *specifiers_printf(struct unit_specifiers *s, const char *fmt, ...)
{
        char *v;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&v, fmt, ap);
        va_end(ap);
        return r < 0 ? NULL : specifiers_keep(s, v);
}

/* The first line of a small file, without its newline; NULL when it cannot be read. */
static char *read_first_line(const char *path)
{
        char *text = NULL;

        if (read_full_file(path, &text) < 0)
                return NULL;
        text[strcspn(text, "\n")] = 0;
        return text;
}

/* KEY=VALUE of an os-release(5)-style file, unquoted; "" when not set. */
static char *env_file_get(const char *text, const char *key)
{
        size_t klen = strlen(key);

        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                const char *v;
                size_t len;

                if (strncmp(l, key, klen) != 0 || l[klen] != '=')
                        continue;
                v = l + klen + 1;
                len = strcspn(v, "\n");
                if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
                        v++;
                        len -= 2;
                }
                return strndup(v, len);
        }
        return strdup("");
}

/* systemd's architecture names for what uname(2) says. */
static const char *architecture_name(const char *machine)
{
        static const struct {
                const char *uname, *systemd;
        } names[] = {
                { "x86_64", "x86-64" },    { "i686", "x86" },        { "i586", "x86" },
                { "i386", "x86" },         { "aarch64", "arm64" },   { "aarch64_be", "arm64-be" },
                { "ppc64le", "ppc64-le" }, { "riscv64", "riscv64" }, { "s390x", "s390x" },
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq_ptr(machine, names[i].uname))
                        return names[i].systemd;
        return machine;
}

int unit_specifiers_init(ur_context *ctx, struct unit_specifiers *s)
{
        /* Nothing read yet: most units name no host specifier at all, and the lookups
         * (NSS for the user and group, six files) would cost every start. */
        *s = (struct unit_specifiers){ .ctx = ctx };
        return 0;
}

/* %t %S %C %L %d: the run's own directories (this makes the runtime directory). */
static int specifiers_load_run(struct unit_specifiers *s)
{
        const char *runtime;

        if (s->run_loaded)
                return 0;
        s->run_loaded = true;
        runtime = ur_context_get_runtime_dir(s->ctx);
        if (!runtime)
                return 0;
        s->runtime_dir = runtime;
        s->state_dir = specifiers_printf(s, "%s/state", runtime);
        s->cache_dir = specifiers_printf(s, "%s/cache", runtime);
        s->logs_dir = specifiers_printf(s, "%s/logs", runtime);
        s->credentials_dir = specifiers_printf(s, "%s/credentials", runtime);
        return s->state_dir && s->cache_dir && s->logs_dir && s->credentials_dir ? 0 : -ENOMEM;
}

/* Everything else: the user, the host, os-release, the temporary directories. */
static int specifiers_load_host(struct unit_specifiers *s)
{
        const char *tmp = getenv("TMPDIR");
        struct passwd *pw;
        struct group *gr;
        _cleanup_free_ char *os = NULL, *boot = NULL, *info = NULL;
        char host[256] = "";
        struct utsname u;

        if (s->host_loaded)
                return 0;
        s->host_loaded = true;
        pw = getpwuid(geteuid());
        gr = getgrgid(getegid());
        s->tmp_dir = tmp && *tmp == '/' ? tmp : "/tmp";
        s->var_tmp_dir = tmp && *tmp == '/' ? tmp : "/var/tmp";
        s->home = getenv("HOME") ? getenv("HOME") : pw ? pw->pw_dir : NULL;
        s->home = s->home ? specifiers_keep(s, strdup(s->home)) : NULL;
        s->user = pw ? specifiers_keep(s, strdup(pw->pw_name)) : NULL;
        s->shell = pw ? specifiers_keep(s, strdup(pw->pw_shell)) : NULL;
        s->group = gr ? specifiers_keep(s, strdup(gr->gr_name)) : NULL;
        s->uid = specifiers_printf(s, "%u", (unsigned) geteuid());
        s->gid = specifiers_printf(s, "%u", (unsigned) getegid());
        if (geteuid() == 0)
                s->config_dir = "/etc";
        else if (getenv("XDG_CONFIG_HOME") && getenv("XDG_CONFIG_HOME")[0] == '/')
                s->config_dir = getenv("XDG_CONFIG_HOME");
        else if (s->home)
                s->config_dir = specifiers_printf(s, "%s/.config", s->home);

        if (gethostname(host, sizeof(host) - 1) == 0 && host[0]) {
                s->hostname = specifiers_keep(s, strdup(host));
                s->short_hostname = specifiers_keep(s, strndup(host, strcspn(host, ".")));
        }
        if (read_full_file("/etc/machine-info", &info) >= 0) {
                char *pretty = env_file_get(info, "PRETTY_HOSTNAME");

                if (pretty && !*pretty)
                        pretty = mfree(pretty);
                s->pretty_hostname = specifiers_keep(s, pretty);
        }
        if (!s->pretty_hostname)
                s->pretty_hostname = s->hostname;
        s->machine_id = specifiers_keep(s, read_first_line("/etc/machine-id"));
        boot = read_first_line("/proc/sys/kernel/random/boot_id");
        if (boot) {
                /* systemd prints the 128-bit id as 32 hex digits, without the dashes. */
                char *t = boot;

                for (const char *p = boot; *p; p++)
                        if (isxdigit((unsigned char) *p))
                                *t++ = *p;
                *t = 0;
                s->boot_id = specifiers_keep(s, TAKE_PTR(boot));
        }
        if (uname(&u) == 0) {
                s->kernel_release = specifiers_keep(s, strdup(u.release));
                s->architecture = specifiers_keep(s, strdup(architecture_name(u.machine)));
        }
        if (read_full_file("/etc/os-release", &os) >= 0 || read_full_file("/usr/lib/os-release", &os) >= 0) {
                s->os_id = specifiers_keep(s, env_file_get(os, "ID"));
                s->os_version_id = specifiers_keep(s, env_file_get(os, "VERSION_ID"));
                s->os_variant_id = specifiers_keep(s, env_file_get(os, "VARIANT_ID"));
                s->os_build_id = specifiers_keep(s, env_file_get(os, "BUILD_ID"));
                s->os_image_id = specifiers_keep(s, env_file_get(os, "IMAGE_ID"));
                s->os_image_version = specifiers_keep(s, env_file_get(os, "IMAGE_VERSION"));
        }
        return s->uid && s->gid ? 0 : -ENOMEM;
}

int unit_specifiers_load(const struct unit_specifiers *specifiers, char c)
{
        /* The loader's own struct, filled on first need: const for the parsers only. */
        struct unit_specifiers *s = (struct unit_specifiers *) specifiers;

        /* No context: the caller filled the struct in itself (tests, fuzzers). */
        if (!s || !s->ctx)
                return 0;
        if (strchr("tSCLd", c))
                return specifiers_load_run(s);
        return specifiers_load_host(s);
}

void unit_specifiers_done(struct unit_specifiers *s)
{
        for (unsigned i = 0; i < s->n_owned; i++)
                free(s->owned[i]);
        *s = (struct unit_specifiers){};
}

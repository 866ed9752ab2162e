/* unitrun status [--name NAME] [--json]: what a detached run's supervisor says about its
 * units; without --name, one line per detached run of this user. Exit 0 all units up, 3
 * some unit failed (or the supervisor is gone), 4 no such run. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detach.h"
#include "macro.h"

/* What a request's failure means to the user; the exit status. */
int control_explain(const char *name, int r)
{
        switch (r) {
        case -ENOENT:
                cli_error("no detached run named '%s'", name);
                return EXIT_NO_SUCH_RUN;
        case -ESRCH:
                cli_error(
                        "run '%s': its supervisor is gone (stale state; 'unitrun down --name %s' sweeps it)",
                        name, name);
                return EXIT_RUN_DEGRADED;
        case -EPIPE:
                cli_error("run '%s' ended meanwhile", name);
                return EXIT_NO_SUCH_RUN;
        case -EAGAIN:
                cli_error("run '%s' is starting; try again", name);
                return EXIT_NO_SUCH_RUN;
        case -EPERM:
        case -EACCES:
                if (r == -EACCES)
                        cli_error("run '%s': permission denied", name);
                return EXIT_SYSTEM;
        case -ENXIO:
                cli_error("XDG_RUNTIME_DIR is not set: no detached runs");
                return EXIT_NO_SUCH_RUN;
        default:
                cli_error("run '%s': %s", name, strerror(-r));
                return EXIT_SYSTEM;
        }
}

static int list_runs(void)
{
        _cleanup_free_ char *base = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        r = detach_base_dir(false, &base);
        if (r < 0)
                return r == -ENXIO ? 0 : EXIT_SYSTEM;
        d = opendir(base);
        if (!d)
                return 0;
        while ((de = readdir(d))) {
                _cleanup_free_ char *body = NULL, *dir = NULL;
                struct detach_state st = {};
                size_t size;

                if (!detach_name_valid(de->d_name))
                        continue;
                if (asprintf(&dir, "%s/%s", base, de->d_name) < 0)
                        return EXIT_SYSTEM;
                (void) detach_state_read(dir, &st);
                r = control_request(de->d_name, "status", &body, &size);
                if (r >= 0)
                        printf("%-20s %-9s supervisor PID %d, runtime directory %s\n", de->d_name,
                               r == 0 ? "up" : "degraded", (int) st.pid,
                               st.runtime_dir ? st.runtime_dir : "-");
                else if (r == -ESRCH)
                        printf("%-20s %-9s supervisor PID %d is gone\n", de->d_name, "stale", (int) st.pid);
                else if (r == -EAGAIN)
                        printf("%-20s %-9s supervisor PID %d\n", de->d_name, "starting", (int) st.pid);
                detach_state_done(&st);
        }
        return 0;
}

int verb_status(int argc, char **argv)
{
        const char *name = NULL;
        _cleanup_free_ char *body = NULL;
        bool json = false;
        size_t size = 0;
        int r;
        const struct client_option options[] = {
                { "--json", .flag = &json },
                {},
        };

        r = client_args_parse(argc, argv, &(struct client_args){ .name = &name, .options = options }, NULL);
        if (r)
                return r;
        if (!name)
                return list_runs();
        r = control_request(name, json ? "status-json" : "status", &body, &size);
        if (r < 0)
                return control_explain(name, r);
        fwrite(body, 1, size, stdout);
        return r;
}

/* unitrun exec [--name NAME] -- COMMAND [ARG]...: COMMAND in a detached run, as a unit
 * of it would be: with the run's environment (what `unitrun env` prints, UNITRUN_PORT_*
 * included) and, for a run with --private-network or --private-dirs, inside its
 * namespaces: network, mount, and the user namespace when the run is unprivileged. The
 * supervisor passes a pidfd of the process that holds them; one setns() on it joins them
 * all at once (Linux 5.8), then unitrun becomes COMMAND, so the exit status is
 * COMMAND's. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detach.h"
#include "macro.h"

static int apply_env(char *body, size_t size)
{
        for (size_t o = 0; o < size;) {
                char *kv = body + o, *eq = strchr(kv, '=');

                o += strlen(kv) + 1;
                if (!eq)
                        continue;
                *eq = 0;
                if (setenv(kv, eq + 1, 1) < 0) {
                        cli_error("cannot set %s: %s", kv, strerror(errno));
                        return EXIT_SYSTEM;
                }
        }
        return 0;
}

/* The setns() flags for the run's UR_NAMESPACE_*, and their names for a message. */
static int namespace_flags(unsigned ns, char *names, size_t size)
{
        int flags = 0;

        names[0] = 0;
        /* The user namespace first in the message as in the kernel: the others are its. */
        if (ns & UR_NAMESPACE_USER) {
                flags |= CLONE_NEWUSER;
                snprintf(
                        names + strlen(names), size - strlen(names), "%sCLONE_NEWUSER", names[0] ? "|" : "");
        }
        if (ns & UR_NAMESPACE_DIRS) {
                flags |= CLONE_NEWNS;
                snprintf(names + strlen(names), size - strlen(names), "%sCLONE_NEWNS", names[0] ? "|" : "");
        }
        if (ns & UR_NAMESPACE_NETWORK) {
                flags |= CLONE_NEWNET;
                snprintf(names + strlen(names), size - strlen(names), "%sCLONE_NEWNET", names[0] ? "|" : "");
        }
        return flags;
}

/* Into the run's namespaces, keeping the working directory (joining a mount namespace
 * moves us to its root), as the library's spawns do. */
static int join_namespaces(const char *name, unsigned ns, int pidfd)
{
        _cleanup_close_ int cwd = -1;
        char names[64];
        int flags = namespace_flags(ns, names, sizeof(names));

        if (pidfd < 0) {
                cli_error("run '%s': its supervisor passed no pidfd of its namespace holder", name);
                return EXIT_SYSTEM;
        }
        cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cwd < 0) {
                cli_error("cannot open the working directory: %s", strerror(errno));
                return EXIT_SYSTEM;
        }
        if (setns(pidfd, flags) < 0) {
                cli_error(
                        "cannot join the namespaces of run '%s' (setns %s on its namespace holder's "
                        "pidfd): %s",
                        name, names, strerror(errno));
                return EXIT_SYSTEM;
        }
        if ((flags & CLONE_NEWNS) && fchdir(cwd) < 0) {
                cli_error(
                        "cannot keep the working directory inside run '%s' (fchdir): %s", name,
                        strerror(errno));
                return EXIT_SYSTEM;
        }
        return 0;
}

int verb_exec(int argc, char **argv)
{
        const char *name = DETACH_DEFAULT_NAME;
        _cleanup_free_ char *body = NULL, *ns_body = NULL;
        _cleanup_close_ int pidfd = -1;
        size_t size = 0, ns_size = 0;
        unsigned long ns = 0;
        int i, r;

        r = client_args_parse(argc, argv, &(struct client_args){ .name = &name, .command = true }, &i);
        if (r)
                return r;
        if (i + 1 >= argc) {
                cli_error("missing '-- COMMAND'");
                return EXIT_USAGE;
        }
        r = control_request(name, "env", &body, &size);
        if (r < 0)
                return control_explain(name, r);
        r = apply_env(body, size);
        if (r)
                return r;

        r = control_request_fd(name, "namespaces", &ns_body, &ns_size, &pidfd);
        if (r < 0)
                return control_explain(name, r);
        if (ns_body)
                ns = strtoul(ns_body, NULL, 10);
        if (r != 0) {
                /* The answer's body: the namespaces, then the errno of the pidfd_open(). */
                const char *why = ns_body ? strchr(ns_body, '\n') : NULL;
                int error = why ? atoi(why + 1) : 0;

                cli_error(
                        "run '%s': its supervisor cannot open a pidfd of its namespace holder: %s", name,
                        error > 0 ? strerror(error) : "unknown error");
                return EXIT_SYSTEM;
        }
        if (ns) {
                r = join_namespaces(name, (unsigned) ns, pidfd);
                if (r)
                        return r;
        }
        pidfd = safe_close(pidfd);
        execvp(argv[i + 1], argv + i + 1);
        r = errno;
        cli_error("cannot execute %s: %s", argv[i + 1], strerror(r));
        return r == ENOENT ? 127 : 126;
}

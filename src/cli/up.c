/* unitrun up: start the units, say they are ready (to a service manager too: READY=1),
 * stay until SIGINT/SIGTERM or a unit fails, then stop everything (SPEC §3). */
#include <stdio.h>
#include <dlfcn.h>
#include <stdlib.h>

#include "detach.h"
#include "progress.h"
#include "session.h"

/* sd_notify() for a service manager that started us: libsystemd is loaded only then (no
 * NOTIFY_SOCKET, the common case, costs nothing). */
static void up_notify(const char *state)
{
        static int (*notify)(int unset_environment, const char *state);
        static bool tried;

        if (!getenv("NOTIFY_SOCKET"))
                return;
        if (!tried) {
                void *handle = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);

                tried = true;
                if (handle)
                        *(void **) &notify = dlsym(handle, "sd_notify");
        }
        if (notify)
                (void) notify(0, state);
}

static void on_signal(struct session *s, int sig, bool from_terminal)
{
        /* session_wait() below sees s->signal: any signal means "tear down". */
}

static bool up_should_end(const struct session *s)
{
        return s->signal || s->unit_failed;
}

static void print_summary(const struct session *s)
{
        for (size_t i = 0; i < s->n_executors; i++) {
                ur_executor *e = s->executors[i];
                char conditions[2048];

                ur_executor_describe_conditions(e, conditions, sizeof(conditions));
                printf("%-24s %-8s pid %-7d ready in %llu ms (%s)\n", ur_executor_get_name(e),
                       ur_state_to_string(ur_executor_get_state(e)), (int) ur_executor_get_pid(e),
                       (unsigned long long) ur_executor_get_ready_msec(e), conditions);
        }
        printf("runtime directory: %s\n", ur_context_get_runtime_dir(s->ctx));
        fflush(stdout);
}

int verb_up(int argc, char **argv)
{
        struct session s;
        int status;

        if (detach_requested(argc, argv))
                return verb_up_detach(argc, argv);
        status = session_setup(&s, argc, argv, false);
        s.on_signal = on_signal;
        if (status == 0)
                status = session_start(&s);
        if (status == 0) {
                progress_finish(s.progress);
                print_summary(&s);
                /* Under a service manager, we are ready once everything is. */
                up_notify("READY=1\nSTATUS=all units ready");
                if (session_wait(&s, up_should_end) < 0)
                        status = EXIT_SYSTEM;
                up_notify("STOPPING=1");
        }
        status = session_teardown(&s, status);
        /* A teardown asked for by SIGINT/SIGTERM that ends clean is a success. */
        if (status == 128 + SIGINT || status == 128 + SIGTERM)
                status = s.unit_failed ? EXIT_UNIT_FAILED : 0;
        session_done(&s);
        return status;
}

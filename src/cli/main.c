/* unitrun: the command line. Parses the verb and hands over; all logic is in libunitrun. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "detach.h"
#include "progress.h"

const char *program_name = "unitrun";

void cli_error(const char *fmt, ...)
{
        va_list ap;

        progress_hide(progress_current);
        fprintf(stderr, "%s: ", program_name);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        progress_show(progress_current);
}

void cli_warning(const char *fmt, ...)
{
        va_list ap;

        progress_hide(progress_current);
        fprintf(stderr, "%s: warning: ", program_name);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        progress_show(progress_current);
}

static const char usage_main[] =
        "Usage: unitrun run    [OPTIONS] [UNIT-FILE | AD-HOC-UNIT]... -- COMMAND [ARG]...\n"
        "       unitrun up     [OPTIONS] [UNIT-FILE | AD-HOC-UNIT]...\n"
        "       unitrun up --detach [--name NAME] [OPTIONS] [UNIT-FILE | AD-HOC-UNIT]...\n"
        "       unitrun status [--name NAME] [--json]\n"
        "       unitrun env    [--name NAME] [--format sh|github|dotenv]\n"
        "       unitrun down   [--name NAME] [--timeout SPAN]\n"
        "       unitrun logs   [--name NAME] [-f] [UNIT]...\n"
        "       unitrun exec   [--name NAME] -- COMMAND [ARG]...\n"
        "       unitrun verify [--strict] [--unit-path DIR]... UNIT...\n"
        "       unitrun cat    [--unit-path DIR]... UNIT...\n"
        "       unitrun wait   [--timeout SPAN] CONDITION...\n"
        "       unitrun analyze blame|critical-chain|plot [EVENTS]\n"
        "       unitrun --help | --version | help COMMAND\n"
        "\n"
        "Start the daemons a test needs, wait until each one is really ready, run COMMAND,\n"
        "then stop everything: nothing survives, whatever it forked.\n"
        "\n"
        "Commands:\n"
        "  run     start units, run COMMAND, tear down; exit with COMMAND's status\n"
        "  up      start units, stay until SIGINT/SIGTERM or a unit fails, tear down\n"
        "  up --detach  start units, return once they are ready; the run goes on under a\n"
        "          supervisor until 'unitrun down' (state in $XDG_RUNTIME_DIR/unitrun/NAME)\n"
        "  status  a detached run's units (exit 0 all up, 3 some failed, 4 no such run)\n"
        "  env     a detached run's environment (UNITRUN_*) for eval, $GITHUB_ENV or dotenv\n"
        "  down    stop a detached run and wait until everything is gone\n"
        "  logs    what a detached run's units printed (-f: follow)\n"
        "  exec    run COMMAND with a detached run's environment, in its namespaces\n"
        "  verify  check unit files (keys, values, dependencies, cycles), start nothing\n"
        "  cat     print a unit and its drop-ins as a run reads them, start nothing\n"
        "  wait    wait until conditions hold (tcp:, unix:, http(s)://, file:), start nothing\n"
        "  analyze show a run's --events file: blame, critical-chain, plot (SVG)\n"
        "\n"
        "Exit status: COMMAND's, or 64 bad command line, 69 a unit did not become ready,\n"
        "70 a unit failed while COMMAND ran or stopped with an error, 71 system error,\n"
        "128+N after signal N.\n";

static const char usage_run[] =
        "Usage: unitrun run [OPTIONS] [UNIT [UNIT-OPTIONS] | --exec CMDLINE [UNIT-OPTIONS]]... -- COMMAND "
        "[ARG]...\n"
        "       unitrun up  [OPTIONS] [UNIT [UNIT-OPTIONS] | --exec CMDLINE [UNIT-OPTIONS]]...\n"
        "\n"
        "run starts every unit (each once what it is ordered after is ready, independent ones\n"
        "in parallel), runs COMMAND with stdin/stdout/stderr inherited, stops all units in\n"
        "reverse order, and exits with COMMAND's status. up starts them, prints a summary,\n"
        "and stays until SIGINT/SIGTERM or a unit fails. A UNIT is a unit file (a path with a\n"
        "'/') or a unit name (redis-server.service, postgresql@15-main.service) found on\n"
        "systemd's search path, with its drop-ins; the UNIT-OPTIONS after it apply on top.\n"
        "Units named by Requires=/Wants= are loaded from the naming unit's directory, then\n"
        "the search path.\n"
        "\n"
        "Options:\n"
        "  -q, --quiet            don't forward unit output\n"
        "  -v, --verbose          also say which isolation was obtained and what happens\n"
        "      --log-dir DIR      write each unit's output to DIR/NAME.log\n"
        "      --unit-path DIR    look units up in DIR first (repeatable)\n"
        "      --json             one JSON object per line on stderr for every event\n"
        "      --events FILE      the same events written to FILE (stderr stays as it is),\n"
        "                         for unitrun analyze\n"
        "      --color=WHEN       color unit prefixes: auto (default), always, never\n"
        "      --private-network  the run in its own network namespace (loopback only);\n"
        "                         implies --private-dirs\n"
        "      --private-dirs[=yes|no]  unit directories at /run/NAME, /var/lib/NAME, ...\n"
        "                         inside the run only (a mount namespace)\n"
        "      --private-path DIR an empty DIR of the run's own inside it (repeatable)\n"
        "      --port NAME        a free loopback port as UNITRUN_PORT_NAME (repeatable)\n"
        "      --detach           up: return once all are ready, the run goes on detached\n"
        "      --name NAME        with --detach, before the first unit: the run's name\n"
        "                         (default: default); see status, env, down\n"
        "\n"
        "Ad-hoc units: --exec CMDLINE begins one (no shell: use sh -c '...'). Until the next\n"
        "--exec or UNIT these options configure it (after a UNIT, that unit; not --name):\n"
        "      --name NAME        unit name (default: program name + .service)\n"
        "      --type TYPE        simple, exec, notify or oneshot\n"
        "      --ready-output RE  ready once an output line matches the extended regex\n"
        "      --ready-tcp HOST:PORT   ready once a TCP connect succeeds ([::1]:PORT for IPv6)\n"
        "      --ready-unix PATH  ready once a stream connect to the unix socket succeeds\n"
        "      --ready-http URL   ready once a request gets a 2xx status (see below)\n"
        "      --http-status RE   accepted statuses (ERE on the 3-digit code, default 2[0-9][0-9])\n"
        "      --http-method M    request method (default GET)\n"
        "      --http-header 'K: V'  request header (repeatable)\n"
        "      --ready-file PATH  ready once the file exists\n"
        "      --ready-listen[=ADDR]  ready once the unit listens (yes, PORT, HOST:PORT,\n"
        "                         [::1]:PORT, /path, @name)\n"
        "      --timeout SPAN     start timeout (TimeoutStartSec=, default 90s)\n"
        "      --stop-timeout SPAN  stop grace period (TimeoutStopSec=, default 10s)\n"
        "      --kill-signal SIG  signal that asks it to stop (default SIGTERM)\n"
        "      --env NAME=VALUE   set an environment variable\n"
        "      --cwd DIR          working directory\n"
        "  -p, --property KEY=VALUE  any supported unit key (Type=, Output=, OutputStream=,\n"
        "                         TimeoutStartSec=, TimeoutStopSec=, TimeoutSec=, KillSignal=,\n"
        "                         KillMode=, SendSIGKILL=, FinalKillSignal=, SuccessExitStatus=,\n"
        "                         TCP=, UnixSocket=, HTTP=, HTTPStatus=, HTTPMethod=, HTTPHeader=,\n"
        "                         HTTPBody=, HTTPUnixSocket=, HTTPInsecure=, File=, Interval=,\n"
        "                         RefuseIfReady=,\n"
        "                         NotifyAccess=, Environment=, UnsetEnvironment=,\n"
        "                         WorkingDirectory=, StandardOutput=, StandardError=)\n"
        "\n"
        "COMMAND gets UNITRUN_RUNTIME_DIR (the run's private directory) and, per unit,\n"
        "UNITRUN_<NAME>_PID and UNITRUN_<NAME>_CGROUP (NAME: the unit name without\n"
        ".service, upper-cased, other characters than letters and digits as _).\n";

static const char usage_wait[] = "Usage: unitrun wait [OPTIONS] CONDITION...\n"
                                 "\n"
                                 "Waits until every CONDITION holds, starting nothing:\n"
                                 "  tcp:HOST:PORT      a TCP connect succeeds (tcp:[::1]:5432 for IPv6)\n"
                                 "  unix:PATH          a stream connect to the unix socket succeeds\n"
                                 "  http://URL, https://URL   a request gets an accepted status\n"
                                 "  file:PATH          the file exists\n"
                                 "\n"
                                 "Options:\n"
                                 "      --timeout SPAN     give up after SPAN (default 90s): exit 69\n"
                                 "      --http-status RE   accepted statuses (default 2[0-9][0-9])\n"
                                 "      --http-method M    request method (default GET)\n"
                                 "      --http-header 'K: V'  request header (repeatable)\n"
                                 "\n"
                                 "Exit status: 0 when all hold, 69 on timeout, 64 bad command line.\n";

static const char usage_verify[] =
        "Usage: unitrun verify [--strict] [--unit-path DIR]... UNIT...\n"
        "\n"
        "Finds, parses and checks units (files or names), their drop-ins and the units they\n"
        "pull in (keys, values, dependencies, cycles), starting nothing. Prints FILE:LINE:\n"
        "message per problem, and one line per unit listing the keys it sets that a run\n"
        "accepts and does not apply (sandboxing, resource control). --strict makes unknown\n"
        "keys errors. Exit status: 0, or 65 when any unit has an error.\n";

static const char usage_cat[] =
        "Usage: unitrun cat [--unit-path DIR]... UNIT...\n"
        "\n"
        "Prints each unit file and its drop-ins in the order they apply, each after a\n"
        "'# PATH' line, as systemctl cat does. Exit status: 0, or 65 when a unit is not found.\n";

static const char usage_analyze[] =
        "Usage: unitrun analyze blame [EVENTS]\n"
        "       unitrun analyze critical-chain [EVENTS]\n"
        "       unitrun analyze plot [EVENTS] > run.svg\n"
        "\n"
        "Reads the event stream of a run (run/up --events FILE, or --json; EVENTS a file, or\n"
        "stdin when absent or -). blame: the units by spawn-to-ready time, their ExecStartPre=\n"
        "time apart, and what made each ready. critical-chain: the After= chain that decided\n"
        "when COMMAND could start, as systemd-analyze prints it. plot: an SVG timeline, one\n"
        "row per unit and one for COMMAND. Lines it cannot read are named as EVENTS:LINE:\n"
        "reason on stderr; the rest is shown. Exit status: 0, 64 bad command line or\n"
        "unreadable file, 65 no unitrun events in it, 71 write error.\n";
static const char usage_detached[] =
        "Usage: unitrun up --detach [--name NAME] [OPTIONS] [UNIT | --exec CMDLINE]...\n"
        "       unitrun status [--name NAME] [--json]\n"
        "       unitrun env    [--name NAME] [--format sh|github|dotenv]\n"
        "       unitrun logs   [--name NAME] [-f] [UNIT]...\n"
        "       unitrun exec   [--name NAME] -- COMMAND [ARG]...\n"
        "       unitrun down   [--name NAME] [--timeout SPAN]\n"
        "\n"
        "A detached run outlives the command that started it (CI steps): up --detach returns\n"
        "once every unit is ready (69 and nothing left if one is not) and a supervisor keeps\n"
        "the run; the other verbs act on it by NAME (default: default). State: in\n"
        "$XDG_RUNTIME_DIR/unitrun/NAME (root: /run/unitrun/NAME).\n"
        "  status  each unit; exit 0 all up, 3 some unit failed, 4 no such run; without\n"
        "          --name, one line per run\n"
        "  env     UNITRUN_RUNTIME_DIR, UNITRUN_<NAME>_PID, UNITRUN_<NAME>_CGROUP and\n"
        "          UNITRUN_PORT_<NAME> of --port: for eval (sh), >> $GITHUB_ENV (github) or\n"
        "          a dotenv file\n"
        "  logs    what the units printed, 'UNIT| ' before each line; -f follows\n"
        "  exec    COMMAND with the run's environment, inside its namespaces (network,\n"
        "          mount, user) with --private-network/--private-dirs; exits with its status\n"
        "  down    stop everything as run does; exit 0 clean, 70 a unit failed or stopped\n"
        "          with an error, 4 no such run; --timeout SPAN: stop timeout of every unit\n";

static int print_help(const char *verb)
{
        if (!verb) {
                fputs(usage_main, stdout);
                return 0;
        }
        if (strcmp(verb, "run") == 0 || strcmp(verb, "up") == 0) {
                fputs(usage_run, stdout);
                return 0;
        }
        if (strcmp(verb, "status") == 0 || strcmp(verb, "env") == 0 || strcmp(verb, "down") == 0 ||
            strcmp(verb, "logs") == 0 || strcmp(verb, "exec") == 0) {
                fputs(usage_detached, stdout);
                return 0;
        }
        if (strcmp(verb, "verify") == 0) {
                fputs(usage_verify, stdout);
                return 0;
        }
        if (strcmp(verb, "wait") == 0) {
                fputs(usage_wait, stdout);
                return 0;
        }
        if (strcmp(verb, "cat") == 0) {
                fputs(usage_cat, stdout);
                return 0;
        }
        if (strcmp(verb, "analyze") == 0) {
                fputs(usage_analyze, stdout);
                return 0;
        }
        cli_error("unknown command '%s'; see '%s --help'", verb, program_name);
        return EXIT_USAGE;
}

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
} verbs[] = {
        { "run", verb_run },   { "up", verb_up },           { "verify", verb_verify }, { "wait", verb_wait },
        { "cat", verb_cat },   { "analyze", verb_analyze }, { "status", verb_status }, { "env", verb_env },
        { "down", verb_down }, { "logs", verb_logs },       { "exec", verb_exec },
};

int main(int argc, char **argv)
{
        const char *verb = argc > 1 ? argv[1] : NULL;

        if (!verb) {
                fputs(usage_main, stderr);
                return EXIT_USAGE;
        }
        if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0)
                return print_help(NULL);
        if (strcmp(verb, "--version") == 0) {
                printf("unitrun %s\n", UNITRUN_VERSION);
                return 0;
        }
        if (strcmp(verb, "help") == 0)
                return print_help(argc > 2 ? argv[2] : NULL);
        for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
                if (strcmp(verb, verbs[v].name) != 0)
                        continue;
                for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
                        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
                                return print_help(verb);
                return verbs[v].fn(argc, argv);
        }
        cli_error("unknown command '%s'; see '%s --help'", verb, program_name);
        return EXIT_USAGE;
}

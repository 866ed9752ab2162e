/* unitrun env [--name NAME] [--format sh|github|dotenv]: the environment `run` gives
 * COMMAND (UNITRUN_RUNTIME_DIR, UNITRUN_<NAME>_PID, UNITRUN_<NAME>_CGROUP), for a later
 * CI step: `eval "$(unitrun env)"`, `unitrun env --format github >> "$GITHUB_ENV"`, or a
 * dotenv file. Values are quoted for each reader, whatever they hold. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detach.h"
#include "macro.h"

/* POSIX sh: single quotes hold everything but a single quote, which is '\''. */
static void print_sh(const char *key, const char *value)
{
        printf("export %s='", key);
        for (const char *c = value; *c; c++)
                if (*c == '\'')
                        fputs("'\\''", stdout);
                else
                        putchar(*c);
        fputs("'\n", stdout);
}

/* $GITHUB_ENV: KEY=VALUE, or for a value with a line break KEY<<DELIMITER lines, with a
 * delimiter the value cannot contain. */
static void print_github(const char *key, const char *value)
{
        unsigned char rnd[12];
        char delim[64];
        int fd;

        if (!strpbrk(value, "\r\n")) {
                printf("%s=%s\n", key, value);
                return;
        }
        fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, rnd, sizeof(rnd)) != (ssize_t) sizeof(rnd))
                memset(rnd, 0x5a, sizeof(rnd));
        if (fd >= 0)
                close(fd);
        snprintf(delim, sizeof(delim), "ghadelimiter_");
        for (size_t i = 0; i < sizeof(rnd); i++)
                snprintf(delim + strlen(delim), sizeof(delim) - strlen(delim), "%02x", rnd[i]);
        printf("%s<<%s\n%s\n%s\n", key, delim, value, delim);
}

/* dotenv: double quotes, with \\ \" \$ and \n escaped (no interpolation, one line). */
static void print_dotenv(const char *key, const char *value)
{
        printf("%s=\"", key);
        for (const char *c = value; *c; c++)
                switch (*c) {
                case '\\':
                case '"':
                case '$':
                case '`':
                        printf("\\%c", *c);
                        break;
                case '\n':
                        fputs("\\n", stdout);
                        break;
                case '\r':
                        fputs("\\r", stdout);
                        break;
                default:
                        putchar(*c);
                }
        fputs("\"\n", stdout);
}

int verb_env(int argc, char **argv)
{
        const char *name = DETACH_DEFAULT_NAME, *format = "sh";
        void (*print)(const char *key, const char *value);
        _cleanup_free_ char *body = NULL;
        size_t size = 0;
        int r;
        const struct client_option options[] = {
                { "--format", .takes_value = true, .equals = true, .value = &format },
                {},
        };

        r = client_args_parse(argc, argv, &(struct client_args){ .name = &name, .options = options }, NULL);
        if (r)
                return r;
        if (strcmp(format, "sh") == 0)
                print = print_sh;
        else if (strcmp(format, "github") == 0)
                print = print_github;
        else if (strcmp(format, "dotenv") == 0)
                print = print_dotenv;
        else {
                cli_error("invalid --format '%s': expected sh, github or dotenv", format);
                return EXIT_USAGE;
        }
        r = control_request(name, "env", &body, &size);
        if (r < 0)
                return control_explain(name, r);
        for (size_t o = 0; o < size;) {
                char *kv = body + o, *eq = strchr(kv, '=');

                o += strlen(kv) + 1;
                if (!eq)
                        continue;
                *eq = 0;
                print(kv, eq + 1);
        }
        return r;
}

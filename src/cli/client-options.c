/* The command line of the client verbs (status, env, down, logs, exec): --name NAME for
 * all, then each verb's own options from its table, its UNIT operands (logs) or the
 * COMMAND after "--" (exec). One loop, so that every verb says the same about the same
 * mistake. */
#include <string.h>

#include "detach.h"
#include "strv.h"

/* --name NAME (validated) at argv[*i]: 1 when taken (*i then on the value), 0 when argv[*i]
 * is something else, or the exit status 64 (said why). */
static int take_name(int argc, char **argv, int *i, const char **name)
{
        if (strcmp(argv[*i], "--name") != 0)
                return 0;
        if (*i + 1 >= argc) {
                cli_error("option --name needs a value");
                return EXIT_USAGE;
        }
        if (!detach_name_valid(argv[*i + 1])) {
                cli_error(
                        "invalid run name '%s': letters, digits, '.', '_' and '-' only, not starting with "
                        "'.'",
                        argv[*i + 1]);
                return EXIT_USAGE;
        }
        *name = argv[++*i];
        return 1;
}

/* o at argv[*i]: 1 when taken (*i then on its value, if it has one), 0 when argv[*i] is not
 * o (or o's value is missing: an unknown argument, as the verbs always said), or the exit
 * status o's check returned. */
static int take_option(int argc, char **argv, int *i, const struct client_option *o)
{
        const char *arg = argv[*i], *value;
        size_t n = strlen(o->name);

        if (!o->takes_value) {
                if (strcmp(arg, o->name) != 0 && !(o->alias && strcmp(arg, o->alias) == 0))
                        return 0;
                *o->flag = true;
                return 1;
        }
        if (strcmp(arg, o->name) == 0 && *i + 1 < argc)
                value = argv[++*i];
        else if (o->equals && strncmp(arg, o->name, n) == 0 && arg[n] == '=')
                value = arg + n + 1;
        else
                return 0;
        if (o->value)
                *o->value = value;
        if (o->check) {
                int r = o->check(value, o->userdata);
                if (r)
                        return r;
        }
        return 1;
}

int client_args_parse(int argc, char **argv, const struct client_args *a, int *ret_end)
{
        int i, r;

        for (i = 2; i < argc; i++) {
                if (a->command && strcmp(argv[i], "--") == 0)
                        break;
                r = take_name(argc, argv, &i, a->name);
                for (const struct client_option *o = a->options; r == 0 && o && o->name; o++)
                        r = take_option(argc, argv, &i, o);
                if (r == 1)
                        continue;
                if (r)
                        return r;
                if (a->operands && argv[i][0] != '-') {
                        if (strv_push(a->operands, argv[i]) < 0)
                                return EXIT_SYSTEM;
                        continue;
                }
                /* With operands, what is left starts with '-': an option, not just an argument. */
                cli_error(
                        "unknown %s '%s'%s", a->operands ? "option" : "argument", argv[i],
                        a->command ? " (COMMAND goes after '--')" : "");
                return EXIT_USAGE;
        }
        if (ret_end)
                *ret_end = i;
        return 0;
}

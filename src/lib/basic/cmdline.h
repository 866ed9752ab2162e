/* Splitting a command line the way systemd splits ExecStart= (systemd.syntax(7)): words
 * separated by whitespace, "double" or 'single' quotes around a whole word, C escapes. No
 * shell: <, |, & and > are ordinary characters. Then, optionally, the $VAR expansion of
 * systemd.service(5) "Command lines". Pure code. */
#pragma once

/* -EINVAL with a static reason in *ret_reason on an unterminated quote, a bad escape or an
 * empty command. */
int cmdline_split(const char *s, char ***ret_argv, const char **ret_reason);

/* cmdline_split(), then variable expansion in every word but the first (the program):
 *   - a word that is exactly $NAME is replaced by NAME's value split at whitespace, with
 *     'single' and "double" quotes respected and removed (and a backslash taking the next
 *     character literally): zero or more arguments;
 *   - ${NAME} anywhere in a word is replaced by the exact value, whitespace included: the
 *     word stays one argument;
 *   - $$ is a literal $; any other $ is kept as it is.
 * Quotes of the command line do not protect from expansion (systemd unquotes first), only
 * $$ does. env holds NAME=VALUE entries; the last entry of a name wins; unknown variables
 * expand to nothing. -EINVAL with a static reason when cmdline_split() fails, when the
 * program word is a variable (systemd forbids it), on an unterminated "${" or on a ${...}
 * that holds no valid name (systemd would pass the first literally and look the second up
 * in vain; both are typos worth reporting). */
int cmdline_split_expand(const char *s, char *const *env, char ***ret_argv, const char **ret_reason);

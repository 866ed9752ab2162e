/* Splitting a command line the way systemd splits ExecStart= (systemd.syntax(7)): words
 * separated by whitespace, "double" or 'single' quotes around a whole word, C escapes. No
 * shell: <, |, & and > are ordinary characters. Pure code. */
#pragma once

/* -EINVAL with a static reason in *ret_reason on an unterminated quote, a bad escape or an
 * empty command. */
int cmdline_split(const char *s, char ***ret_argv, const char **ret_reason);

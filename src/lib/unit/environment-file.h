/* The EnvironmentFile= reader (environment-file.c): its own header, so that the executor,
 * which reads those files right before a spawn, does not include the unit-file parser. */
#pragma once

struct unit_diagnostics;

/* The EnvironmentFile= format (systemd.exec(5)): NAME=VALUE lines, comments, quoting,
 * continuations. Appends to *env (later wins); -EINVAL with *ret_line set on a syntax error
 * (*env untouched then). Lines without '=' are ignored, as systemd does, and so are
 * assignments to invalid names ("export FOO=bar" is the name "export FOO"). An unterminated
 * quote is our only syntax error: systemd takes the rest of the file as the value. */
int environment_file_parse(const char *text, char ***env, unsigned *ret_line);
/* The same, with diagnostics naming path: the error, and a warning per ignored assignment
 * (diags may be NULL). */
int environment_file_parse_full(
        const char *path, const char *text, char ***env, struct unit_diagnostics *diags);

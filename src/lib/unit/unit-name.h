/* Unit names as systemd.unit(5) defines them: "PREFIX[@INSTANCE].TYPE", templates
 * ("foo@.service"), instances ("foo@bar.service") and the unescaping that %I, %P, %J and %f
 * apply. Pure string functions: no syscalls, no unit files. */
#pragma once

#include <stdbool.h>

/* systemd's UNIT_NAME_MAX. */
#define UNIT_NAME_MAX 255

enum unit_name_kind {
        UNIT_NAME_PLAIN,    /* foo.service */
        UNIT_NAME_TEMPLATE, /* foo@.service */
        UNIT_NAME_INSTANCE, /* foo@bar.service */
};

/* NULL when name is a valid unit name of any type systemd knows, else why not. */
const char *unit_name_problem(const char *name);
/* Whether name ends in ".service" (and is otherwise valid). */
bool unit_name_is_service(const char *name);
/* The kind of a valid name. */
enum unit_name_kind unit_name_kind(const char *name);
/* "foo@bar.service" -> "foo@.service" (malloc'ed); -EINVAL unless an instance. */
int unit_name_template(const char *name, char **ret);
/* "foo@bar.service" -> "foo@bar.service" with the instance swapped: "foo@.service" + "x" ->
 * "foo@x.service". -EINVAL unless a template. */
int unit_name_instantiate(const char *template_name, const char *instance, char **ret);
/* The parts %p, %i and %j stand for, malloc'ed: the prefix (before '@', or the name
 * without its type), the instance ("" when none), and the prefix's last '-' component. */
int unit_name_prefix(const char *name, char **ret);
int unit_name_instance(const char *name, char **ret);
int unit_name_prefix_last(const char *name, char **ret);
/* systemd-escape --unescape: "\xNN" -> the byte, '-' -> '/'. */
int unit_name_unescape(const char *s, char **ret);
/* %f: "/" + the unescaped path, with leading/duplicate slashes collapsed ("-" is "/"). */
int unit_name_path_unescape(const char *s, char **ret);

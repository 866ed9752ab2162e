/* Lists of readiness checks, and making a check from its public description
 * (ready_list_add()): the one place that knows every kind, above them all. */
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "ready.h"

int ready_list_add(
        struct ready_check **list, const struct ready_spec *spec, struct ready_owner *owner,
        char **ret_error)
{
        struct ready_check *c = NULL;
        int r;

        *ret_error = NULL;
        if (spec->kind == READY_HTTP       ? !spec->http || !spec->http->url
            : spec->kind == READY_CALLBACK ? !spec->fn
                                           : !spec->arg && spec->kind != READY_LISTEN)
                return -EINVAL;
        switch (spec->kind) {
        case READY_OUTPUT:
                r = ready_output_new(owner, spec->arg, spec->streams, &c, ret_error);
                break;
        case READY_TCP:
                r = ready_tcp_new(owner, spec->arg, &c, ret_error);
                break;
        case READY_UNIX:
                r = ready_unix_new(owner, spec->arg, &c, ret_error);
                break;
        case READY_FILE:
                r = ready_file_new(owner, spec->arg, &c, ret_error);
                break;
        case READY_HTTP:
                r = ready_http_new(owner, spec->http, &c, ret_error);
                break;
        case READY_CALLBACK:
                r = ready_callback_new(owner, spec->fn, spec->userdata, &c);
                break;
        case READY_LISTEN:
                r = ready_listen_new(owner, spec->arg, &c, ret_error);
                break;
        default:
                return -EINVAL;
        }
        if (r < 0)
                return r;
        ready_list_append(list, c);
        return 0;
}

void ready_list_append(struct ready_check **list, struct ready_check *c)
{
        while (*list)
                list = &(*list)->next;
        *list = c;
}

void ready_list_free(struct ready_check **list)
{
        while (*list) {
                struct ready_check *c = *list;
                *list = c->next;
                c->ops->end(c);
                c->ops->free(c);
        }
}

void ready_list_describe_pending(const struct ready_check *list, char *buf, size_t size)
{
        size_t used = strlen(buf);

        for (const struct ready_check *c = list; c && used + 4 < size; c = c->next) {
                char what[1024];

                if (c->met)
                        continue;
                c->ops->describe(c, what, sizeof(what));
                used += (size_t) snprintf(buf + used, size - used, "%s%s", used ? ", " : "", what);
        }
}

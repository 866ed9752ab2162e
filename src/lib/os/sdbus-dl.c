/* dlopen() of libsystemd's sd-bus at first use; see sdbus-dl.h. */
#define SDBUS_DL_IMPLEMENTATION
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#include "macro.h"
#include "sdbus-dl.h"

struct sdbus_dl sdbus_dl;

int sdbus_dl_load(void)
{
        static const struct {
                const char *name;
                size_t offset;
        } symbols[] = {
#define SYM(field, name) { #name, offsetof(struct sdbus_dl, field) }
                SYM(new_, sd_bus_new),
                SYM(set_address, sd_bus_set_address),
                SYM(start, sd_bus_start),
                SYM(open_user, sd_bus_open_user),
                SYM(flush_close_unref, sd_bus_flush_close_unref),
                SYM(call, sd_bus_call),
                SYM(process, sd_bus_process),
                SYM(wait, sd_bus_wait),
                SYM(match_signal, sd_bus_match_signal),
                SYM(message_new_method_call, sd_bus_message_new_method_call),
                SYM(message_append, sd_bus_message_append),
                SYM(message_open_container, sd_bus_message_open_container),
                SYM(message_close_container, sd_bus_message_close_container),
                SYM(message_read, sd_bus_message_read),
                SYM(message_unref, sd_bus_message_unref),
                SYM(error_free, sd_bus_error_free),
                SYM(error_has_name, sd_bus_error_has_name),
#undef SYM
        };
        static int loaded; /* 1 done, -errno failed */
        void *handle;

        if (loaded)
                return loaded > 0 ? 0 : loaded;
        /* Never closed: cheap to keep, and a scope may be asked for again. */
        handle = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
        if (!handle)
                return loaded = -ENOENT;
        for (size_t i = 0; i < ELEMENTSOF(symbols); i++) {
                void *f = dlsym(handle, symbols[i].name);

                if (!f)
                        return loaded = -ENOENT;
                *(void **) ((char *) &sdbus_dl + symbols[i].offset) = f;
        }
        loaded = 1;
        return 0;
}

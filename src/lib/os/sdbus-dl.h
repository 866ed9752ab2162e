/* libsystemd's sd-bus loaded when a run first asks a systemd manager for a delegated scope
 * (dlopen, as systemd itself does for its optional libraries), not at program start: root
 * in its own cgroup, the common case, never maps it. scope.c includes this after
 * <systemd/sd-bus.h>; the sd_bus_* names it uses become calls through the loaded table. */
#pragma once

#include <systemd/sd-bus.h>

struct sdbus_dl {
        int (*new_)(sd_bus **ret);
        int (*set_address)(sd_bus *bus, const char *address);
        int (*start)(sd_bus *bus);
        int (*open_user)(sd_bus **ret);
        sd_bus *(*flush_close_unref)(sd_bus *bus);
        int (*call)(
                sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *ret_error,
                sd_bus_message **reply);
        int (*process)(sd_bus *bus, sd_bus_message **r);
        int (*wait)(sd_bus *bus, uint64_t timeout_usec);
        int (*match_signal)(
                sd_bus *bus, sd_bus_slot **ret, const char *sender, const char *path, const char *interface,
                const char *member, sd_bus_message_handler_t callback, void *userdata);
        int (*message_new_method_call)(
                sd_bus *bus, sd_bus_message **m, const char *destination, const char *path,
                const char *interface, const char *member);
        int (*message_append)(sd_bus_message *m, const char *types, ...);
        int (*message_open_container)(sd_bus_message *m, char type, const char *contents);
        int (*message_close_container)(sd_bus_message *m);
        int (*message_read)(sd_bus_message *m, const char *types, ...);
        sd_bus_message *(*message_unref)(sd_bus_message *m);
        void (*error_free)(sd_bus_error *e);
        int (*error_has_name)(const sd_bus_error *e, const char *name);
};

extern struct sdbus_dl sdbus_dl;

/* Loads libsystemd.so.0 once: 0, or -ENOENT (it is missing or lacks a function). */
int sdbus_dl_load(void);

#ifndef SDBUS_DL_IMPLEMENTATION
#define sd_bus_new sdbus_dl.new_
#define sd_bus_set_address sdbus_dl.set_address
#define sd_bus_start sdbus_dl.start
#define sd_bus_open_user sdbus_dl.open_user
#define sd_bus_flush_close_unref sdbus_dl.flush_close_unref
#define sd_bus_call sdbus_dl.call
#define sd_bus_process sdbus_dl.process
#define sd_bus_wait sdbus_dl.wait
#define sd_bus_match_signal sdbus_dl.match_signal
#define sd_bus_message_new_method_call sdbus_dl.message_new_method_call
#define sd_bus_message_append sdbus_dl.message_append
#define sd_bus_message_open_container sdbus_dl.message_open_container
#define sd_bus_message_close_container sdbus_dl.message_close_container
#define sd_bus_message_read sdbus_dl.message_read
#define sd_bus_message_unref sdbus_dl.message_unref
#define sd_bus_error_free sdbus_dl.error_free
#define sd_bus_error_has_name sdbus_dl.error_has_name
#endif

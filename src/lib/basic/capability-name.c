/* Capability names of capabilities(7), by number. */
#include <stdlib.h>
#include <strings.h>

#include "capability-name.h"
#include "macro.h"

static const char *const capability_names[CAPABILITY_COUNT] = {
        "chown",
        "dac_override",
        "dac_read_search",
        "fowner",
        "fsetid",
        "kill",
        "setgid",
        "setuid",
        "setpcap",
        "linux_immutable",
        "net_bind_service",
        "net_broadcast",
        "net_admin",
        "net_raw",
        "ipc_lock",
        "ipc_owner",
        "sys_module",
        "sys_rawio",
        "sys_chroot",
        "sys_ptrace",
        "sys_pacct",
        "sys_admin",
        "sys_boot",
        "sys_nice",
        "sys_resource",
        "sys_time",
        "sys_tty_config",
        "mknod",
        "lease",
        "audit_write",
        "audit_control",
        "setfcap",
        "mac_override",
        "mac_admin",
        "syslog",
        "wake_alarm",
        "block_suspend",
        "audit_read",
        "perfmon",
        "bpf",
        "checkpoint_restore",
};

int capability_from_name(const char *s)
{
        char *end;
        long n;

        /* Numbers too, as systemd's capability_from_name() allows. */
        if (*s >= '0' && *s <= '9') {
                n = strtol(s, &end, 10);
                return *end || n > 63 ? -1 : (int) n;
        }
        if (strncasecmp(s, "cap_", 4) != 0)
                return -1;
        for (size_t i = 0; i < ELEMENTSOF(capability_names); i++)
                if (strcasecmp(s + 4, capability_names[i]) == 0)
                        return (int) i;
        return -1;
}

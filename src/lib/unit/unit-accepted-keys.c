/* Keys a run accepts and does not apply: a vendor unit written for systemd carries them by
 * the dozen (sandboxing, resource control, what systemctl and the job engine use), and a
 * launcher that warned about each would bury the one warning that matters. They come in
 * two kinds:
 *   - UNIT_ACCEPT_SILENT: no meaning at all in a run (Documentation=, Conflicts=,
 *     ExecReload=, ...): accepted, said nowhere;
 *   - UNIT_ACCEPT_LISTED: would change what the daemon may do (ProtectSystem=, MemoryMax=,
 *     WatchdogSec=, ...): accepted, and `unitrun verify` lists them in one line per unit,
 *     so that nobody believes a run sandboxes a daemon.
 * A key that a later version applies moves to the main table of unit-keys.c, which is
 * looked up first; a name here is then shadowed and harmless. Values are not used, but
 * they are checked as far as it is cheap (booleans, time spans, the words of an
 * enumeration: "b|full|strict" is a boolean or one of the words), so that a typo in a
 * vendor unit or a drop-in is reported as systemd would; others only for control
 * characters. */

#include <string.h>
#include <strings.h>

#include "macro.h"
#include "timespan.h"
#include "strv.h"
#include "unit-file-internal.h"

#define U UNIT_SECTION_UNIT
#define SV UNIT_SECTION_SERVICE
#define SILENT UNIT_ACCEPT_SILENT
#define LISTED UNIT_ACCEPT_LISTED

static const struct unit_accepted_key unit_accepted_keys[] = {
        /* [Unit]: documentation, the job engine, systemctl. */
        { "Documentation", U, SILENT, NULL },
        { "DefaultDependencies", U, SILENT, "b" },
        { "Conflicts", U, SILENT, NULL },
        { "OnFailure", U, SILENT, NULL },
        { "OnSuccess", U, SILENT, NULL },
        { "OnFailureJobMode", U, SILENT,
          "fail|replace|replace-irreversibly|isolate|flush|ignore-dependencies|ignore-requirements" },
        { "OnSuccessJobMode", U, SILENT,
          "fail|replace|replace-irreversibly|isolate|flush|ignore-dependencies|ignore-requirements" },
        { "OnFailureIsolate", U, SILENT, NULL },
        { "StartLimitAction", U, SILENT,
          "none|reboot|reboot-force|reboot-immediate|poweroff|poweroff-force|poweroff-immediate|exit|exit-"
          "force|soft-reboot|soft-reboot-force|kexec|kexec-force|halt|halt-force|halt-immediate" },
        { "FailureAction", U, SILENT,
          "none|reboot|reboot-force|reboot-immediate|poweroff|poweroff-force|poweroff-immediate|exit|exit-"
          "force|soft-reboot|soft-reboot-force|kexec|kexec-force|halt|halt-force|halt-immediate" },
        { "SuccessAction", U, LISTED,
          "none|reboot|reboot-force|reboot-immediate|poweroff|poweroff-force|poweroff-immediate|exit|exit-"
          "force|soft-reboot|soft-reboot-force|kexec|kexec-force|halt|halt-force|halt-immediate" },
        { "FailureActionExitStatus", U, SILENT, NULL },
        { "SuccessActionExitStatus", U, SILENT, NULL },
        { "JobTimeoutSec", U, SILENT, "t" },
        { "JobRunningTimeoutSec", U, SILENT, "t" },
        { "JobTimeoutAction", U, SILENT,
          "none|reboot|reboot-force|reboot-immediate|poweroff|poweroff-force|poweroff-immediate|exit|exit-"
          "force|soft-reboot|soft-reboot-force|kexec|kexec-force|halt|halt-force|halt-immediate" },
        { "JobTimeoutRebootArgument", U, SILENT, NULL },
        { "RebootArgument", U, SILENT, NULL },
        { "StopWhenUnneeded", U, SILENT, "b" },
        { "RefuseManualStart", U, SILENT, "b" },
        { "RefuseManualStop", U, SILENT, "b" },
        { "AllowIsolate", U, SILENT, "b" },
        { "IgnoreOnIsolate", U, SILENT, "b" },
        { "CollectMode", U, SILENT, "inactive|inactive-or-failed" },
        { "SourcePath", U, SILENT, NULL },
        { "Upholds", U, SILENT, NULL },
        { "PropagatesReloadTo", U, SILENT, NULL },
        { "ReloadPropagatedFrom", U, SILENT, NULL },
        { "PropagatesStopTo", U, SILENT, NULL },
        { "StopPropagatedFrom", U, SILENT, NULL },
        { "RequiresMountsFor", U, SILENT, NULL },

        /* [Service]: reload and the fd store are never used in a run. */
        { "ExecReload", SV, SILENT, NULL },
        { "ReloadSignal", SV, SILENT, NULL },
        { "FileDescriptorStoreMax", SV, SILENT, NULL },
        { "FileDescriptorStorePreserve", SV, SILENT, "b|restart" },
        { "USBFunctionDescriptors", SV, SILENT, NULL },
        { "USBFunctionStrings", SV, SILENT, NULL },
        { "Sockets", SV, SILENT, NULL },
        /* A run restarts a unit after it died (Restart=): there is nothing left to kill. */
        { "RestartKillSignal", SV, SILENT, NULL },
        { "RestartForceExitStatus", SV, LISTED, NULL },
        { "TimeoutCleanSec", SV, SILENT, "t" }, /* systemctl clean */
        { "BusName", SV, LISTED, NULL },
        { "ExecSearchPath", SV, LISTED, NULL },
        /* Removed from systemd long ago, which ignores them (with a warning): so does a run. */
        { "BusPolicy", SV, SILENT, NULL },
        { "Capabilities", SV, SILENT, NULL },
        { "NetClass", SV, SILENT, NULL },
        { "SysVStartPriority", SV, SILENT, NULL },
        { "IgnoreOnSnapshot", U, SILENT, NULL },
        { "WatchdogSec", SV, LISTED, "t" },
        { "WatchdogSignal", SV, LISTED, NULL },
        { "RuntimeMaxSec", SV, LISTED, "t" },
        { "RuntimeRandomizedExtraSec", SV, LISTED, "t" },
        { "OOMPolicy", SV, LISTED, "continue|stop|kill" },
        { "TimeoutAbortSec", SV, LISTED, "t" },
        { "TimeoutStartFailureMode", SV, LISTED, "terminate|abort|kill" },
        { "TimeoutStopFailureMode", SV, LISTED, "terminate|abort|kill" },
        { "RootDirectoryStartOnly", SV, LISTED, "b" },
        { "SendSIGHUP", SV, LISTED, "b" },
        { "NonBlocking", SV, LISTED, "b" },
        { "OpenFile", SV, LISTED, NULL },

        /* systemd.exec(5): sandboxing and other execution settings a run does not apply. */
        { "ProtectSystem", SV, LISTED, "b|full|strict" },
        { "ProtectHome", SV, LISTED, "b|read-only|tmpfs" },
        { "ProtectKernelTunables", SV, LISTED, "b" },
        { "ProtectKernelModules", SV, LISTED, "b" },
        { "ProtectKernelLogs", SV, LISTED, "b" },
        { "ProtectControlGroups", SV, LISTED, "b" },
        { "ProtectClock", SV, LISTED, "b" },
        { "ProtectHostname", SV, LISTED, "b" },
        { "ProtectProc", SV, LISTED, "noaccess|invisible|ptraceable|default" },
        { "ProcSubset", SV, LISTED, "all|pid" },
        { "PrivateDevices", SV, LISTED, "b" },
        { "PrivateUsers", SV, LISTED, "b" },
        { "PrivateMounts", SV, LISTED, "b" },
        { "PrivateIPC", SV, LISTED, "b" },
        { "RestrictAddressFamilies", SV, LISTED, NULL },
        { "RestrictNamespaces", SV, LISTED, NULL },
        { "RestrictRealtime", SV, LISTED, "b" },
        { "RestrictSUIDSGID", SV, LISTED, "b" },
        { "RestrictFileSystems", SV, LISTED, NULL },
        { "RestrictNetworkInterfaces", SV, LISTED, NULL },
        { "SystemCallFilter", SV, LISTED, NULL },
        { "SystemCallArchitectures", SV, LISTED, NULL },
        { "SystemCallErrorNumber", SV, LISTED, NULL },
        { "SystemCallLog", SV, LISTED, NULL },
        { "ReadWritePaths", SV, LISTED, NULL },
        { "ReadOnlyPaths", SV, LISTED, NULL },
        { "InaccessiblePaths", SV, LISTED, NULL },
        { "ExecPaths", SV, LISTED, NULL },
        { "NoExecPaths", SV, LISTED, NULL },
        { "ReadWriteDirectories", SV, LISTED, NULL },
        { "ReadOnlyDirectories", SV, LISTED, NULL },
        { "InaccessibleDirectories", SV, LISTED, NULL },
        { "TemporaryFileSystem", SV, LISTED, NULL },
        { "BindPaths", SV, LISTED, NULL },
        { "BindReadOnlyPaths", SV, LISTED, NULL },
        { "MountFlags", SV, LISTED, "shared|slave|private" },
        { "MountAPIVFS", SV, LISTED, "b" },
        { "MountImages", SV, LISTED, NULL },
        { "ExtensionImages", SV, LISTED, NULL },
        { "ExtensionDirectories", SV, LISTED, NULL },
        { "RootDirectory", SV, LISTED, NULL },
        { "RootImage", SV, LISTED, NULL },
        { "RootImageOptions", SV, LISTED, NULL },
        { "RootHash", SV, LISTED, NULL },
        { "RootHashSignature", SV, LISTED, NULL },
        { "RootVerity", SV, LISTED, NULL },
        { "MemoryDenyWriteExecute", SV, LISTED, "b" },
        { "LockPersonality", SV, LISTED, "b" },
        { "RemoveIPC", SV, LISTED, "b" },
        { "KeyringMode", SV, LISTED, "inherit|private|shared" },
        { "NetworkNamespacePath", SV, LISTED, NULL },
        { "IPCNamespacePath", SV, LISTED, NULL },
        { "SocketBindAllow", SV, LISTED, NULL },
        { "SocketBindDeny", SV, LISTED, NULL },
        { "Personality", SV, LISTED, NULL },
        { "SecureBits", SV, LISTED, NULL },
        { "SELinuxContext", SV, LISTED, NULL },
        { "AppArmorProfile", SV, LISTED, NULL },
        { "SmackProcessLabel", SV, LISTED, NULL },
        { "NUMAPolicy", SV, LISTED, NULL },
        { "NUMAMask", SV, LISTED, NULL },
        { "CPUAffinity", SV, LISTED, NULL },
        { "CPUSchedulingPolicy", SV, LISTED, NULL },
        { "CPUSchedulingPriority", SV, LISTED, NULL },
        { "CPUSchedulingResetOnFork", SV, LISTED, "b" },
        { "IOSchedulingClass", SV, LISTED, NULL },
        { "IOSchedulingPriority", SV, LISTED, NULL },
        { "TimerSlackNSec", SV, LISTED, NULL },
        { "CoredumpFilter", SV, LISTED, NULL },
        { "IgnoreSIGPIPE", SV, LISTED, "b" },
        { "PAMName", SV, LISTED, NULL },
        { "TTYPath", SV, LISTED, NULL },
        { "TTYReset", SV, LISTED, "b" },
        { "TTYVHangup", SV, LISTED, "b" },
        { "TTYVTDisallocate", SV, LISTED, "b" },
        { "TTYRows", SV, LISTED, NULL },
        { "TTYColumns", SV, LISTED, NULL },
        { "UtmpIdentifier", SV, LISTED, NULL },
        { "UtmpMode", SV, LISTED, "init|login|user" },
        { "SyslogFacility", SV, LISTED, NULL },
        { "SyslogLevel", SV, LISTED, NULL },
        { "SyslogLevelPrefix", SV, LISTED, "b" },
        { "LogLevelMax", SV, LISTED, NULL },
        { "LogExtraFields", SV, LISTED, NULL },
        { "LogRateLimitIntervalSec", SV, LISTED, "t" },
        { "LogRateLimitBurst", SV, LISTED, NULL },
        { "LogFilterPatterns", SV, LISTED, NULL },
        { "LogNamespace", SV, LISTED, NULL },
        { "LoadCredential", SV, LISTED, NULL },
        { "LoadCredentialEncrypted", SV, LISTED, NULL },
        { "SetCredential", SV, LISTED, NULL },
        { "SetCredentialEncrypted", SV, LISTED, NULL },
        { "ImportCredential", SV, LISTED, NULL },

        /* systemd.resource-control(5): no controllers are delegated to a run. */
        { "Slice", SV, LISTED, NULL },
        { "Delegate", SV, LISTED, NULL },
        { "DisableControllers", SV, LISTED, NULL },
        { "CPUAccounting", SV, LISTED, "b" },
        { "CPUWeight", SV, LISTED, NULL },
        { "StartupCPUWeight", SV, LISTED, NULL },
        { "CPUShares", SV, LISTED, NULL },
        { "StartupCPUShares", SV, LISTED, NULL },
        { "CPUQuota", SV, LISTED, NULL },
        { "CPUQuotaPeriodSec", SV, LISTED, "t" },
        { "AllowedCPUs", SV, LISTED, NULL },
        { "StartupAllowedCPUs", SV, LISTED, NULL },
        { "AllowedMemoryNodes", SV, LISTED, NULL },
        { "StartupAllowedMemoryNodes", SV, LISTED, NULL },
        { "MemoryAccounting", SV, LISTED, "b" },
        { "MemoryMin", SV, LISTED, NULL },
        { "MemoryLow", SV, LISTED, NULL },
        { "MemoryHigh", SV, LISTED, NULL },
        { "MemoryMax", SV, LISTED, NULL },
        { "MemorySwapMax", SV, LISTED, NULL },
        { "MemoryZSwapMax", SV, LISTED, NULL },
        { "MemoryLimit", SV, LISTED, NULL },
        { "DefaultMemoryMin", SV, LISTED, NULL },
        { "DefaultMemoryLow", SV, LISTED, NULL },
        { "TasksAccounting", SV, LISTED, "b" },
        { "TasksMax", SV, LISTED, NULL },
        { "IOAccounting", SV, LISTED, "b" },
        { "IOWeight", SV, LISTED, NULL },
        { "StartupIOWeight", SV, LISTED, NULL },
        { "IODeviceWeight", SV, LISTED, NULL },
        { "IOReadBandwidthMax", SV, LISTED, NULL },
        { "IOWriteBandwidthMax", SV, LISTED, NULL },
        { "IOReadIOPSMax", SV, LISTED, NULL },
        { "IOWriteIOPSMax", SV, LISTED, NULL },
        { "IODeviceLatencyTargetSec", SV, LISTED, NULL },
        { "BlockIOAccounting", SV, LISTED, "b" },
        { "BlockIOWeight", SV, LISTED, NULL },
        { "StartupBlockIOWeight", SV, LISTED, NULL },
        { "BlockIODeviceWeight", SV, LISTED, NULL },
        { "BlockIOReadBandwidth", SV, LISTED, NULL },
        { "BlockIOWriteBandwidth", SV, LISTED, NULL },
        { "DeviceAllow", SV, LISTED, NULL },
        { "DevicePolicy", SV, LISTED, "auto|closed|strict" },
        { "IPAccounting", SV, LISTED, "b" },
        { "IPAddressAllow", SV, LISTED, NULL },
        { "IPAddressDeny", SV, LISTED, NULL },
        { "IPIngressFilterPath", SV, LISTED, NULL },
        { "IPEgressFilterPath", SV, LISTED, NULL },
        { "BPFProgram", SV, LISTED, NULL },
        { "ManagedOOMSwap", SV, LISTED, "auto|kill" },
        { "ManagedOOMMemoryPressure", SV, LISTED, "auto|kill" },
        { "ManagedOOMMemoryPressureLimit", SV, LISTED, NULL },
        { "ManagedOOMPreference", SV, LISTED, "none|avoid|omit" },
};

const struct unit_accepted_key *unit_accepted_key_lookup(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(unit_accepted_keys); i++)
                if (streq_ptr(name, unit_accepted_keys[i].name))
                        return &unit_accepted_keys[i];
        return NULL;
}

const struct unit_accepted_key *unit_accepted_key_lookup_case(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(unit_accepted_keys); i++)
                if (strcasecmp(name, unit_accepted_keys[i].name) == 0)
                        return &unit_accepted_keys[i];
        return NULL;
}

/* Whether value is one of the '|'-separated words of list ("b" standing for a boolean). */
static bool accepted_value_in(const char *list, const char *value)
{
        for (const char *w = list; *w;) {
                size_t len = strcspn(w, "|");

                if ((len == 1 && *w == 'b' && unit_parse_boolean(value) >= 0) ||
                    (strlen(value) == len && strncmp(w, value, len) == 0))
                        return true;
                w += len + (w[len] == '|');
        }
        return false;
}

static int accepted_check(const struct unit_accepted_key *k, const char *value, struct unit_parse_ctx *ctx)
{
        bool with_bool = k->check && k->check[0] == 'b' && k->check[1] == '|';
        uint64_t usec;

        if (!k->check || !*value)
                return 0;
        if (streq_ptr(k->check, "t")) {
                if (timespan_parse(value, &usec) < 0)
                        return unit_key_error(
                                ctx, "%s=%s: invalid time span (e.g. 30s, 1min, infinity)", k->name, value);
                return 0;
        }
        if (accepted_value_in(k->check, value))
                return 0;
        if (streq_ptr(k->check, "b"))
                return unit_key_error(
                        ctx, "%s=%s: not a boolean (expected yes/no, true/false, on/off or 1/0)", k->name,
                        value);
        return unit_key_error(
                ctx, "%s=%s: unknown value (expected %s%s)", k->name, value,
                with_bool ? "a boolean or " : "", k->check + (with_bool ? 2 : 0));
}

int unit_accept_key(
        struct unit_config *c, const struct unit_accepted_key *k, const char *value,
        struct unit_parse_ctx *ctx)
{
        int r;

        if (unit_string_has_control(value))
                return unit_key_error(ctx, "%s=: the value contains control characters", k->name);
        r = accepted_check(k, value, ctx);
        if (r < 0)
                return r;
        if (k->kind == UNIT_ACCEPT_SILENT)
                return 0;
        for (char **s = c->not_applied; s && *s; s++)
                if (streq_ptr(*s, k->name))
                        return 0;
        return strv_push(&c->not_applied, k->name);
}

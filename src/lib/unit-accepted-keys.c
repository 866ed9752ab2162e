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
 * looked up first; a name here is then shadowed and harmless. Values are checked for
 * control characters only: they are not used. */

#include <string.h>
#include <strings.h>

#include "macro.h"
#include "strv.h"
#include "unit-file-internal.h"

#define U UNIT_SECTION_UNIT
#define SV UNIT_SECTION_SERVICE
#define SILENT UNIT_ACCEPT_SILENT
#define LISTED UNIT_ACCEPT_LISTED

static const struct unit_accepted_key unit_accepted_keys[] = {
        /* [Unit]: documentation, the job engine, systemctl. */
        { "Documentation", U, SILENT },
        { "DefaultDependencies", U, SILENT },
        { "Conflicts", U, SILENT },
        { "OnFailure", U, SILENT },
        { "OnSuccess", U, SILENT },
        { "OnFailureJobMode", U, SILENT },
        { "OnSuccessJobMode", U, SILENT },
        { "OnFailureIsolate", U, SILENT },
        { "StartLimitAction", U, SILENT },
        { "FailureAction", U, SILENT },
        { "SuccessAction", U, SILENT },
        { "FailureActionExitStatus", U, SILENT },
        { "SuccessActionExitStatus", U, SILENT },
        { "JobTimeoutSec", U, SILENT },
        { "JobRunningTimeoutSec", U, SILENT },
        { "JobTimeoutAction", U, SILENT },
        { "JobTimeoutRebootArgument", U, SILENT },
        { "RebootArgument", U, SILENT },
        { "StopWhenUnneeded", U, SILENT },
        { "RefuseManualStart", U, SILENT },
        { "RefuseManualStop", U, SILENT },
        { "AllowIsolate", U, SILENT },
        { "IgnoreOnIsolate", U, SILENT },
        { "CollectMode", U, SILENT },
        { "SourcePath", U, SILENT },
        { "Upholds", U, SILENT },
        { "PropagatesReloadTo", U, SILENT },
        { "ReloadPropagatedFrom", U, SILENT },
        { "PropagatesStopTo", U, SILENT },
        { "StopPropagatedFrom", U, SILENT },
        { "RequiresMountsFor", U, SILENT },
        { "JoinsNamespaceOf", U, LISTED },

        /* [Service]: reload and the fd store are never used in a run. */
        { "ExecReload", SV, SILENT },
        { "ReloadSignal", SV, SILENT },
        { "FileDescriptorStoreMax", SV, SILENT },
        { "FileDescriptorStorePreserve", SV, SILENT },
        { "USBFunctionDescriptors", SV, SILENT },
        { "USBFunctionStrings", SV, SILENT },
        { "Sockets", SV, SILENT },
        { "WatchdogSec", SV, LISTED },
        { "WatchdogSignal", SV, LISTED },
        { "RuntimeMaxSec", SV, LISTED },
        { "RuntimeRandomizedExtraSec", SV, LISTED },
        { "OOMPolicy", SV, LISTED },
        { "TimeoutAbortSec", SV, LISTED },
        { "TimeoutStartFailureMode", SV, LISTED },
        { "TimeoutStopFailureMode", SV, LISTED },
        { "RootDirectoryStartOnly", SV, LISTED },
        { "SendSIGHUP", SV, LISTED },
        { "NonBlocking", SV, LISTED },
        { "OpenFile", SV, LISTED },

        /* systemd.exec(5): sandboxing and other execution settings a run does not apply. */
        { "ProtectSystem", SV, LISTED },
        { "ProtectHome", SV, LISTED },
        { "ProtectKernelTunables", SV, LISTED },
        { "ProtectKernelModules", SV, LISTED },
        { "ProtectKernelLogs", SV, LISTED },
        { "ProtectControlGroups", SV, LISTED },
        { "ProtectClock", SV, LISTED },
        { "ProtectHostname", SV, LISTED },
        { "ProtectProc", SV, LISTED },
        { "ProcSubset", SV, LISTED },
        { "PrivateDevices", SV, LISTED },
        { "PrivateUsers", SV, LISTED },
        { "PrivateMounts", SV, LISTED },
        { "PrivateIPC", SV, LISTED },
        { "RestrictAddressFamilies", SV, LISTED },
        { "RestrictNamespaces", SV, LISTED },
        { "RestrictRealtime", SV, LISTED },
        { "RestrictSUIDSGID", SV, LISTED },
        { "RestrictFileSystems", SV, LISTED },
        { "RestrictNetworkInterfaces", SV, LISTED },
        { "SystemCallFilter", SV, LISTED },
        { "SystemCallArchitectures", SV, LISTED },
        { "SystemCallErrorNumber", SV, LISTED },
        { "SystemCallLog", SV, LISTED },
        { "ReadWritePaths", SV, LISTED },
        { "ReadOnlyPaths", SV, LISTED },
        { "InaccessiblePaths", SV, LISTED },
        { "ExecPaths", SV, LISTED },
        { "NoExecPaths", SV, LISTED },
        { "ReadWriteDirectories", SV, LISTED },
        { "ReadOnlyDirectories", SV, LISTED },
        { "InaccessibleDirectories", SV, LISTED },
        { "TemporaryFileSystem", SV, LISTED },
        { "BindPaths", SV, LISTED },
        { "BindReadOnlyPaths", SV, LISTED },
        { "MountFlags", SV, LISTED },
        { "MountAPIVFS", SV, LISTED },
        { "MountImages", SV, LISTED },
        { "ExtensionImages", SV, LISTED },
        { "ExtensionDirectories", SV, LISTED },
        { "RootDirectory", SV, LISTED },
        { "RootImage", SV, LISTED },
        { "RootImageOptions", SV, LISTED },
        { "RootHash", SV, LISTED },
        { "RootHashSignature", SV, LISTED },
        { "RootVerity", SV, LISTED },
        { "MemoryDenyWriteExecute", SV, LISTED },
        { "LockPersonality", SV, LISTED },
        { "RemoveIPC", SV, LISTED },
        { "KeyringMode", SV, LISTED },
        { "NetworkNamespacePath", SV, LISTED },
        { "IPCNamespacePath", SV, LISTED },
        { "SocketBindAllow", SV, LISTED },
        { "SocketBindDeny", SV, LISTED },
        { "Personality", SV, LISTED },
        { "SecureBits", SV, LISTED },
        { "SELinuxContext", SV, LISTED },
        { "AppArmorProfile", SV, LISTED },
        { "SmackProcessLabel", SV, LISTED },
        { "NUMAPolicy", SV, LISTED },
        { "NUMAMask", SV, LISTED },
        { "CPUAffinity", SV, LISTED },
        { "CPUSchedulingPolicy", SV, LISTED },
        { "CPUSchedulingPriority", SV, LISTED },
        { "CPUSchedulingResetOnFork", SV, LISTED },
        { "IOSchedulingClass", SV, LISTED },
        { "IOSchedulingPriority", SV, LISTED },
        { "TimerSlackNSec", SV, LISTED },
        { "CoredumpFilter", SV, LISTED },
        { "IgnoreSIGPIPE", SV, LISTED },
        { "PAMName", SV, LISTED },
        { "TTYPath", SV, LISTED },
        { "TTYReset", SV, LISTED },
        { "TTYVHangup", SV, LISTED },
        { "TTYVTDisallocate", SV, LISTED },
        { "TTYRows", SV, LISTED },
        { "TTYColumns", SV, LISTED },
        { "UtmpIdentifier", SV, LISTED },
        { "UtmpMode", SV, LISTED },
        { "SyslogFacility", SV, LISTED },
        { "SyslogLevel", SV, LISTED },
        { "SyslogLevelPrefix", SV, LISTED },
        { "LogLevelMax", SV, LISTED },
        { "LogExtraFields", SV, LISTED },
        { "LogRateLimitIntervalSec", SV, LISTED },
        { "LogRateLimitBurst", SV, LISTED },
        { "LogFilterPatterns", SV, LISTED },
        { "LogNamespace", SV, LISTED },
        { "LoadCredential", SV, LISTED },
        { "LoadCredentialEncrypted", SV, LISTED },
        { "SetCredential", SV, LISTED },
        { "SetCredentialEncrypted", SV, LISTED },
        { "ImportCredential", SV, LISTED },

        /* systemd.resource-control(5): no controllers are delegated to a run. */
        { "Slice", SV, LISTED },
        { "Delegate", SV, LISTED },
        { "DisableControllers", SV, LISTED },
        { "CPUAccounting", SV, LISTED },
        { "CPUWeight", SV, LISTED },
        { "StartupCPUWeight", SV, LISTED },
        { "CPUShares", SV, LISTED },
        { "StartupCPUShares", SV, LISTED },
        { "CPUQuota", SV, LISTED },
        { "CPUQuotaPeriodSec", SV, LISTED },
        { "AllowedCPUs", SV, LISTED },
        { "StartupAllowedCPUs", SV, LISTED },
        { "AllowedMemoryNodes", SV, LISTED },
        { "StartupAllowedMemoryNodes", SV, LISTED },
        { "MemoryAccounting", SV, LISTED },
        { "MemoryMin", SV, LISTED },
        { "MemoryLow", SV, LISTED },
        { "MemoryHigh", SV, LISTED },
        { "MemoryMax", SV, LISTED },
        { "MemorySwapMax", SV, LISTED },
        { "MemoryZSwapMax", SV, LISTED },
        { "MemoryLimit", SV, LISTED },
        { "DefaultMemoryMin", SV, LISTED },
        { "DefaultMemoryLow", SV, LISTED },
        { "TasksAccounting", SV, LISTED },
        { "TasksMax", SV, LISTED },
        { "IOAccounting", SV, LISTED },
        { "IOWeight", SV, LISTED },
        { "StartupIOWeight", SV, LISTED },
        { "IODeviceWeight", SV, LISTED },
        { "IOReadBandwidthMax", SV, LISTED },
        { "IOWriteBandwidthMax", SV, LISTED },
        { "IOReadIOPSMax", SV, LISTED },
        { "IOWriteIOPSMax", SV, LISTED },
        { "IODeviceLatencyTargetSec", SV, LISTED },
        { "BlockIOAccounting", SV, LISTED },
        { "BlockIOWeight", SV, LISTED },
        { "StartupBlockIOWeight", SV, LISTED },
        { "BlockIODeviceWeight", SV, LISTED },
        { "BlockIOReadBandwidth", SV, LISTED },
        { "BlockIOWriteBandwidth", SV, LISTED },
        { "DeviceAllow", SV, LISTED },
        { "DevicePolicy", SV, LISTED },
        { "IPAccounting", SV, LISTED },
        { "IPAddressAllow", SV, LISTED },
        { "IPAddressDeny", SV, LISTED },
        { "IPIngressFilterPath", SV, LISTED },
        { "IPEgressFilterPath", SV, LISTED },
        { "BPFProgram", SV, LISTED },
        { "ManagedOOMSwap", SV, LISTED },
        { "ManagedOOMMemoryPressure", SV, LISTED },
        { "ManagedOOMMemoryPressureLimit", SV, LISTED },
        { "ManagedOOMPreference", SV, LISTED },
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

int unit_accept_key(
        struct unit_config *c, const struct unit_accepted_key *k, const char *value,
        struct unit_parse_ctx *ctx)
{
        if (unit_string_has_control(value))
                return unit_key_error(ctx, "%s=: the value contains control characters", k->name);
        if (k->kind == UNIT_ACCEPT_SILENT)
                return 0;
        for (char **s = c->not_applied; s && *s; s++)
                if (streq_ptr(*s, k->name))
                        return 0;
        return strv_push(&c->not_applied, k->name);
}

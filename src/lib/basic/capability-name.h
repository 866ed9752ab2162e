/* Capability names of capabilities(7), shared by CapabilityBoundingSet=/AmbientCapabilities=
 * and ConditionCapability=. */
#pragma once

/* How many capabilities have names here (<linux/capability.h>, up to Linux 5.9). */
#define CAPABILITY_COUNT 41

/* "CAP_NET_ADMIN" (any case) or a number 0..63 to the capability's number; -1 if neither. */
int capability_from_name(const char *s);

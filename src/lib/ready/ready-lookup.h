/* A polled TCP= check asks the kernel whether anything listens at the address before it
 * connects (ready-socket.c): a refused loopback connect costs the launcher a socket, a SYN
 * and a reset, where one sock_diag lookup on a kept netlink socket costs a few microseconds.
 * The connect stays the confirmation, and every few rounds it is made anyway, so that what
 * the lookup cannot see (a NAT rule on OUTPUT, a listener bound to a device) is still found,
 * only later. Used for loopback and unspecified addresses of the launcher's own network
 * namespace; any other address, a unit network namespace, a kernel without TCP diag or
 * UNITRUN_NO_SOCK_DIAG=1 keep a connect every round. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct ready_owner;

/* The safety net of every check that asks the kernel before it does the real thing (a
 * connect, a reading of the unit's fds): the real thing anyway every
 * READY_SAFETY_NET_ROUNDS rounds, whatever the kernel said, so that what the kernel's
 * answer cannot see is found at most that many rounds late. */
#define READY_SAFETY_NET_ROUNDS 8

struct ready_safety_net {
        unsigned rounds_since; /* rounds since the last one of the safety net */
};

/* Counts a round: true when it is the safety net's (then the count starts again). */
bool ready_safety_net_due(struct ready_safety_net *s);
/* The real thing was done for another reason: the count starts again. */
void ready_safety_net_reset(struct ready_safety_net *s);

struct ready_lookup {
        int fd;          /* NETLINK_SOCK_DIAG, kept for the check's life; -1: connect every round */
        bool decided;    /* for this begin() */
        const char *off; /* why there are no lookups, for the log */
        bool force;      /* this round connects whatever the lookup says */
        bool seen;       /* the lookup saw a listener at the address connected to last */
        unsigned rounds, connects;
        struct ready_safety_net net;
};

void ready_lookup_init(struct ready_lookup *l);
/* At each begin(): counters to zero, and the decision taken again at the next round. */
void ready_lookup_begin(struct ready_lookup *l);
/* Before a round of connects to the n addresses (resolved). */
void ready_lookup_round(
        struct ready_lookup *l, const struct ready_owner *owner, const struct sockaddr_storage *addrs,
        size_t n);
/* Connect to sa in this round? False when the kernel says nothing listens there. */
bool ready_lookup_wants_connect(struct ready_lookup *l, const struct sockaddr_storage *sa);
/* "N polls, M connects (...)", for the log when the check is met: says whether the lookup
 * saw the listener the last connect reached, or only the safety net's connect found it. */
void ready_lookup_describe(const struct ready_lookup *l, char *buf, size_t size);
void ready_lookup_done(struct ready_lookup *l);

/* Are the owner's sockets made in the launcher's network namespace (so that sock_diag of
 * the launcher sees them)? Certainly without run namespaces; with them, a socket made
 * where the unit is says where it lives (SIOCGSKNS). */
bool ready_lookup_same_netns(const struct ready_owner *owner);

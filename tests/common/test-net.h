/* Support for the readiness tests: free ports from the kernel, listeners owned by the test
 * process itself, connect probes, and helper servers spawned and reaped by PID
 * (running a program with its output captured: cli-run.h). Plain libc, nothing of the library under test. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A port that was free a moment ago: bound with port 0 on 127.0.0.1 (AF_INET) or ::1
 * (AF_INET6), read back, closed. > 0, or -errno. */
int test_free_port(int family);

/* test_free_port() for a case: for AF_INET6 where this host has no IPv6 loopback, 0 after
 * cunit_skip() (the caller leaves the case); else the port, or -errno (and why). */
int test_free_port_case(int family);

/* The port of a case that needs one of family (0: none, *ret_port = 0): true, or false
 * when the case must be left, skipped (no IPv6 loopback) or failed (an assertion). */
bool test_case_port(int family, int *ret_port);

/* A listening socket in this very process (CLOEXEC, so children never hold it), on
 * "127.0.0.1" or "::1" (IPv6-only). The fd, or -errno. */
int test_listen_tcp(const char *ip, int port);
/* The same on a unix stream socket; the file is not removed on close. */
int test_listen_unix(const char *path);
/* A unix socket file that nobody listens on: bound, then closed (the file stays). */
int test_make_stale_unix_socket(const char *path);

/* One blocking connect; true when it was accepted. ip is a literal (IPv6 without brackets). */
bool test_connects_tcp(const char *ip, int port);
bool test_connects_unix(const char *path);
/* Retries the connect until it succeeds or timeout_ms passed. */
bool test_wait_connect_tcp(const char *ip, int port, int timeout_ms);
bool test_wait_connect_unix(const char *path, int timeout_ms);

/* fork+exec argv (argv[0] a path) with stdin from /dev/null and stdout/stderr appended to
 * log_path (or /dev/null when NULL). The PID, or -errno. */
pid_t test_spawn(char *const argv[], const char *log_path);
/* SIGKILL and reap a child from test_spawn(); accepts pid <= 0. Always returns 0. */
pid_t test_kill_wait(pid_t pid);

/* The python3 HTTP fixture: interpreter and script from HTTP_SERVER_PYTHON/HTTP_SERVER.
 * false when not available here, after cunit_skip() (the caller leaves the case). */
bool test_http_server_available(void);
/* Spawns the HTTP fixture with the NULL-terminated extra arguments (after the interpreter
 * and the script) and, if wait_ms > 0, waits that long for it to accept connections on
 * TCP port (port > 0) or the unix socket. The PID, or -errno / -ETIMEDOUT (then killed). */
pid_t test_spawn_http_server(const char *log_path, int port, const char *unix_path, int wait_ms, ...);

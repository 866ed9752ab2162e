"""Helpers of the unitrun package's own tests: free ports, liveness of PIDs, and small
servers written inline in Python, so every test runs against real processes."""
import os
import socket
import sys
import time

import pytest

PY = sys.executable

# A TCP server that starts listening after DELAY seconds: python3 -c TCP_SERVER PORT DELAY
TCP_SERVER = """
import socket, sys, time
time.sleep(float(sys.argv[2]))
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
print("listening", flush=True)
while True:
    c, _ = s.accept(); c.close()
"""

# An HTTP server that answers CODE (default 200) after DELAY s of answering 500.
HTTP_SERVER = """
import http.server, sys, time
port, delay = int(sys.argv[1]), float(sys.argv[2])
code = int(sys.argv[3]) if len(sys.argv) > 3 else 200
t0 = time.time()
class H(http.server.BaseHTTPRequestHandler):
    def reply(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        ok = time.time() - t0 >= delay
        if self.command == "POST" and b"key=hole" not in body:
            ok = False
        if "need=query" in self.path:
            ok = ok and "need=query" in self.path
        self.send_response(code if ok else 500); self.send_header("Content-Length", "0"); self.end_headers()
    do_GET = do_HEAD = do_POST = reply
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
"""

UNIX_SERVER = """
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])
time.sleep(float(sys.argv[2])); s.listen(4)
while True:
    c, _ = s.accept(); c.close()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pid: int, seconds: float = 10.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not alive(pid):
            return True
        time.sleep(0.02)
    return False


def connects(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def read_pid(path: str, seconds: float = 10.0) -> int:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with open(path) as f:
                text = f.read().strip()
            if text:
                return int(text)
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    raise AssertionError(f"{path} never got a PID")


@pytest.fixture
def port() -> int:
    return free_port()

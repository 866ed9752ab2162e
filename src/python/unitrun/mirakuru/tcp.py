"""mirakuru.tcp: TCPExecutor, ready once host:port accepts a connection.

Without an after_start_check() override the library's own TCP condition is used (a
non-blocking connect to every address the host resolves to, IPv6 included, retried within
milliseconds); an override is asked on the library's schedule instead."""
import socket
from typing import Any, List, Tuple, Union

import unitrun

from .base import Executor


def _connects(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return False
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as sock:
            sock.settimeout(timeout)
            try:
                sock.connect(address)
                return True
            except OSError:
                continue
    return False


class TCPExecutor(Executor):
    """Ready once a TCP connect to host:port succeeds."""

    def __init__(self, command: Union[str, List[str], Tuple[str, ...]], host: str, port: int, **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self.host = host
        self.port = port

    def pre_start_check(self) -> bool:
        return _connects(self.host, self.port)

    def after_start_check(self) -> bool:
        return _connects(self.host, self.port)

    def _host_port(self) -> str:
        host = str(self.host)
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{host}:{int(self.port)}"

    def _native_check(self, unit: unitrun.Executor) -> bool:
        if self._overrides(TCPExecutor):
            return False
        unit.add_ready_tcp(self._host_port())
        return True


__all__ = ["TCPExecutor"]

"""mirakuru.unixsocket: UnixSocketExecutor, ready once a stream connect to the socket
succeeds (the socket file alone is not enough: it exists before listen())."""
import socket
from typing import Any, List, Tuple, Union

import unitrun

from .base import Executor


class UnixSocketExecutor(Executor):
    """Ready once the unix stream socket accepts a connection."""

    def __init__(self, command: Union[str, List[str], Tuple[str, ...]], socket_name: str, **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self.socket = socket_name

    def pre_start_check(self) -> bool:
        return self._connects()

    def after_start_check(self) -> bool:
        return self._connects()

    def _connects(self) -> bool:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.0)
            try:
                sock.connect(self.socket)
                return True
            except OSError:
                return False

    def _native_check(self, unit: unitrun.Executor) -> bool:
        if self._overrides(UnixSocketExecutor):
            return False
        unit.add_ready_unix(self.socket)
        return True


__all__ = ["UnixSocketExecutor"]

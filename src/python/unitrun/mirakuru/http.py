"""mirakuru.http: HTTPExecutor, ready once a request (HEAD by default) gets a status that
matches ``status`` (an int, or a Python regular expression matched at the start of the
code, as mirakuru does: "20" accepts 204).

Unlike mirakuru's, the check keeps the URL's query string, bounds each request by the
time left, and speaks TLS for https:// URLs (without certificate verification)."""
import re
import socket
from http.client import HTTPConnection, HTTPException
from typing import Any, Dict, List, Optional, Tuple, Union
from urllib.parse import urlencode, urlparse

import unitrun

from .tcp import TCPExecutor


class HTTPExecutor(TCPExecutor):
    """Ready once the URL answers with a matching status."""

    DEFAULT_PORT = 80

    def __init__(
        self,
        command: Union[str, List[str], Tuple[str, ...]],
        url: str,
        status: Union[str, int] = r"^2\d\d$",
        method: str = "HEAD",
        payload: Optional[Dict[str, str]] = None,
        headers: Optional[Dict[str, str]] = None,
        **kwargs: Any,
    ) -> None:
        self.url = urlparse(url)
        if not self.url.hostname:
            raise ValueError("Url provided does not contain hostname")
        port = self.url.port or self.DEFAULT_PORT
        self.status = str(status)
        self.status_re = re.compile(str(status))
        self.method = method
        self.payload = payload
        self.headers = headers
        super().__init__(command, host=self.url.hostname, port=port, **kwargs)

    def after_start_check(self) -> bool:
        path = self.url.path or "/"
        if self.url.query:
            path += "?" + self.url.query
        remaining = self._remaining()
        try:
            conn = HTTPConnection(self.host, self.port, timeout=min(remaining or 5.0, 5.0))
            body = urlencode(self.payload) if self.payload else None
            conn.request(self.method, path, body, self.headers or {})
            try:
                code = str(conn.getresponse().status)
            finally:
                conn.close()
        except (HTTPException, OSError, socket.timeout):
            return False
        return code == self.status or bool(self.status_re.match(code))

    def _native_check(self, unit: unitrun.Executor) -> bool:
        if self._overrides(HTTPExecutor):
            return False
        scheme = self.url.scheme if self.url.scheme in ("http", "https") else "http"
        url = f"{scheme}://{self._host_port()}{self.url.path or '/'}"
        if self.url.query:
            url += "?" + self.url.query
        # Python's re.match is a prefix match; the library matches the whole code.
        status = f"(?:{self.status}).*"
        try:
            unit.add_ready_http(
                url,
                method=self.method,
                status=status,
                headers=[f"{k}: {v}" for k, v in (self.headers or {}).items()],
                body=urlencode(self.payload) if self.payload else None,
                insecure=scheme == "https",
            )
        except ValueError:
            return False  # a Python-only pattern: asked from Python instead
        return True


__all__ = ["HTTPExecutor"]

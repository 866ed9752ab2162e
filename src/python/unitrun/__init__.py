"""unitrun: start the daemons a test needs, know the moment each is ready, tear it all down.

The native API over libunitrun. A :class:`Context` is one run (an event loop, a private
runtime directory, a cgroup subtree); an :class:`Executor` is one unit in it: a process,
everything it forks, and the conditions that make it ready::

    import unitrun

    with unitrun.Executor(["redis-server", "--port", "7000"], ready_tcp=7000) as redis:
        ...  # redis answers on 127.0.0.1:7000 here; afterwards nothing of it is left

Readiness keywords: ``ready_tcp`` ("host:port", ("host", port) or a port on 127.0.0.1),
``ready_unix`` (a socket path), ``ready_http`` (a URL; ``http_status``, ``http_method``,
``http_headers``, ``http_body``), ``ready_output`` (a regular expression searched in each line,
PCRE2: Python's ``re`` for everyday patterns; ``output_stream``), ``ready_file`` (a path),
``ready_callback`` (a callable asked on the library's schedule) and ``type="notify"``
(sd_notify READY=1). Each may be a list. Failures raise :class:`StartError` /
:class:`StopError` with ``.unit``, ``.reason`` ("exec", "exited", "timeout", "in-use", ...)
and ``.output`` (the unit's last lines).

``unitrun.mirakuru`` is a drop-in for mirakuru; ``unitrun.pytest`` a pytest plugin.
"""
from __future__ import annotations

import atexit
import itertools
import os
import threading
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Union

from ._unitrun import Context as _Context
from ._unitrun import Error, LoadError, StartError, StopError
from ._unitrun import Executor as _Executor

__all__ = [
    "Context",
    "Executor",
    "Unit",
    "Error",
    "StartError",
    "StopError",
    "LoadError",
    "default_context",
    "STDOUT",
    "STDERR",
]

STDOUT = 1
STDERR = 2
_STREAMS = {"stdout": 1, "stderr": 2, "both": 3, 1: 1, 2: 2, 3: 3}
_names = itertools.count(1)
_local = threading.local()
_contexts: "list[Context]" = []
_contexts_lock = threading.Lock()


def _host_port(value: Any) -> str:
    if isinstance(value, int):
        return f"127.0.0.1:{value}"
    if isinstance(value, (tuple, list)) and len(value) == 2:
        host, port = value
        host = str(host)
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{host}:{int(port)}"
    return str(value)


def _many(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


class Context(_Context):
    """One run: executors made in it share a runtime directory and a cgroup subtree.

    Closing it (``close()``, the end of a ``with`` block, or garbage collection) stops every
    executor still running, whole cgroup, and removes what the run made. Executors made
    through its methods (executor(), load_units(), add_unit()) live as long as it does, so
    that start_all()/stop_all() find them; an Executor made directly lives as long as the
    last reference to it (and is stopped when it goes)."""

    def _kept(self, made: Any) -> Any:
        keep = self.__dict__.setdefault("_executors", [])
        keep.extend(made if isinstance(made, list) else [made])
        return made

    def executor(self, command: Union[str, Sequence[str]], **kwargs: Any) -> "Executor":
        """An :class:`Executor` in this context (the keywords of ``Executor``)."""
        return self._kept(Executor(command, context=self, **kwargs))

    def close(self) -> None:
        super().close()
        self.__dict__.pop("_executors", None)

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def load_units(
        self,
        names: Union[str, os.PathLike, Iterable[Union[str, os.PathLike]]],
        unit_path: Optional[Iterable[Union[str, os.PathLike]]] = None,
        strict: bool = False,
        assignments: Optional[Sequence[Optional[Sequence[str]]]] = None,
    ) -> "list[Executor]":
        """Loads unit files (paths) or unit names (searched on ``unit_path``, then systemd's
        search path), with their Requires=/Wants=; returns the executors made, the given ones
        first. ``assignments``: per name, KEY=VALUE lines applied after the unit file (as a
        last drop-in; an empty value resets a list key, e.g. ``"TCP="``). Raises :class:`LoadError` with every diagnostic (FILE:LINE: reason)."""
        if isinstance(names, (str, os.PathLike)):
            names = [names]
        return self._kept(
            super().load_units(
                list(names), unit_path=unit_path, strict=strict, executor_type=Executor, assignments=assignments
            )
        )

    def add_unit(self, name: str, assignments: Sequence[str]) -> "Executor":
        """One unit made of KEY=VALUE lines as a unit file would have them."""
        return self._kept(super().add_unit(name, assignments, executor_type=Executor))


def default_context() -> Context:
    """This thread's shared context, made at first use and closed at interpreter exit."""
    ctx = getattr(_local, "context", None)
    if ctx is None or ctx.closed:
        ctx = Context()
        _local.context = ctx
        with _contexts_lock:
            _contexts.append(ctx)
    return ctx


@atexit.register
def _close_contexts() -> None:
    with _contexts_lock:
        for ctx in _contexts:
            ctx.close()
        _contexts.clear()


class Executor(_Executor):
    """One unit: a command, its readiness conditions and how it is stopped.

    ``command`` is a list (argv) or a string (ExecStart= syntax, or a shell command line with
    ``shell=True``). ``timeout`` bounds the start (seconds; default 90), ``stop_timeout``
    the grace period after ``kill_signal`` (default SIGTERM) before everything left is
    killed (default 10 s)."""

    def __init__(
        self,
        command: Union[str, Sequence[str]],
        *,
        name: Optional[str] = None,
        context: Optional[Context] = None,
        shell: bool = False,
        type: Optional[str] = None,
        ready_tcp: Any = None,
        ready_listen: Any = None,
        ready_unix: Any = None,
        ready_http: Any = None,
        http_status: Optional[Union[int, str]] = None,
        http_method: Optional[str] = None,
        http_headers: Optional[Union[Mapping[str, str], Sequence[str]]] = None,
        http_body: Optional[str] = None,
        ready_output: Any = None,
        output_stream: Union[str, int] = "both",
        ready_file: Any = None,
        ready_callback: Optional[Union[Callable[[], Any], Sequence[Callable[[], Any]]]] = None,
        env: Optional[Mapping[str, Optional[str]]] = None,
        clear_env: bool = False,
        cwd: Optional[Union[str, os.PathLike]] = None,
        timeout: Optional[float] = None,
        stop_timeout: Optional[float] = None,
        kill_signal: Optional[int] = None,
        final_kill_signal: Optional[int] = None,
        exit_type: Optional[str] = None,
        remain_after_exit: Optional[bool] = None,
        stdout: str = "capture",
        stderr: str = "capture",
        stdin: Any = None,
        refuse_if_ready: bool = True,
        ready_interval: Optional[float] = None,
    ) -> None:
        if context is None:
            context = default_context()
        if name is None:
            base = command if isinstance(command, str) else (command[0] if command else "unit")
            base = os.path.basename(str(base).split()[0]) if str(base).strip() else "unit"
            base = "".join(c if c.isalnum() or c in "-_." else "_" for c in base).lstrip(".") or "unit"
            name = f"{base[:60]}-{next(_names)}.service"
        super().__init__(context, name, command, shell)
        if type is not None:
            self.set_type(type)
        if clear_env:
            self.clear_env()
        for k, v in (env or {}).items():
            self.set_env(k, v)
        if cwd is not None:
            self.set_cwd(cwd)
        if timeout is not None or stop_timeout is not None:
            self.set_timeouts(start=timeout, stop=stop_timeout)
        if kill_signal is not None or final_kill_signal is not None:
            self.set_signals(kill=int(kill_signal or 0), final=int(final_kill_signal or 0))
        if exit_type is not None:
            self.set_exit_type(exit_type)
        if remain_after_exit is not None:
            self.set_remain_after_exit(remain_after_exit)
        for which, mode in ((STDOUT, stdout), (STDERR, stderr)):
            if mode != "capture":
                if isinstance(mode, (str, os.PathLike)) and mode not in ("inherit", "null"):
                    self.set_stdio(which, "append", os.fspath(mode))
                else:
                    self.set_stdio(which, mode)
        if stdin is not None:
            if isinstance(stdin, (bytes, bytearray)):
                self.set_stdin("data", bytes(stdin))
            elif isinstance(stdin, int):
                self.set_stdin("fd", stdin)
            elif stdin in ("null", "inherit", "pipe"):
                self.set_stdin(stdin)
            else:
                self.set_stdin("file", stdin)
        if not refuse_if_ready:
            self.set_refuse_if_ready(False)
        if ready_interval is not None:
            self.set_ready_interval(ready_interval)
        for hp in _many(ready_tcp) if not isinstance(ready_tcp, tuple) else [ready_tcp]:
            self.add_ready_tcp(_host_port(hp))
        # True: any listening socket of the unit; else an address ("PORT", "HOST:PORT",
        # "/path", "@abstract"), or a port number.
        for addr in [ready_listen] if ready_listen is True else _many(ready_listen):
            self.add_ready_listen(None if addr is True else str(addr))
        for path in _many(ready_unix):
            self.add_ready_unix(path)
        for path in _many(ready_file):
            self.add_ready_file(path)
        streams = _STREAMS.get(output_stream)
        if streams is None:
            raise ValueError(f"output_stream must be stdout, stderr or both, not {output_stream!r}")
        for regex in _many(ready_output):
            self.add_ready_output(getattr(regex, "pattern", regex), streams)
        headers = None
        if http_headers is not None:
            headers = [f"{k}: {v}" for k, v in http_headers.items()] if isinstance(http_headers, Mapping) else list(http_headers)
        for url in _many(ready_http):
            self.add_ready_http(
                url,
                method=http_method,
                status=None if http_status is None else str(http_status),
                headers=headers,
                body=http_body,
            )
        for cb in _many(ready_callback):
            self.add_ready_callback(cb)

    def __enter__(self) -> "Executor":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def restart(self) -> bool:
        """Stops it (if active) and starts it again."""
        try:
            self.stop()
        except StopError:
            pass
        return self.start()

    def text(self, stream: int = STDOUT) -> str:
        """Captured output so far, decoded (UTF-8, invalid bytes replaced)."""
        return self.output(stream).decode("utf-8", "replace")

    def __repr__(self) -> str:
        try:
            return f"<unitrun.Executor {self.name} {self.state}>"
        except ValueError:
            return "<unitrun.Executor (closed)>"


Unit = Executor

"""unitrun.pytest: a pytest plugin (``-p unitrun.pytest``; registered by the package's entry
point when installed).

Fixtures:

* ``unitrun`` (session): a :class:`unitrun.Context` for the session, closed at its end, also
  when the session fails or is interrupted with Ctrl-C; everything its units forked goes
  with it. Units named by the ini option ``unitrun_units`` are started once, in order, and
  are in ``unitrun.units`` (unit name → executor).
* ``unitrun_units`` (function): a factory. ``unitrun_units("units/redis.service")`` loads a
  unit file or name (with its dependencies) and starts it; ``unitrun_units(["redis-server",
  "--port", str(port)], ready_tcp=port)`` starts an ad-hoc command with the readiness
  keywords of :class:`unitrun.Executor`. What it started is stopped after the test.
* ``unitrun_port`` (function): ``unitrun_port()`` gives a free TCP port on 127.0.0.1 from a
  range of this pytest-xdist worker's own (``unitrun_port_base``, 200 ports per worker), so
  parallel workers never pick the same one.

Under pytest-xdist every worker has its own context, runtime directory (``%t``) and cgroup
subtree; units that talk over unix sockets in ``%t`` (as the shipped ones do) cannot
collide. When a test fails, the last lines of output of the units it used are attached to
its report (a section per unit).

Ini options: ``unitrun_units`` (lines: unit files or names), ``unitrun_unit_path`` (lines:
directories searched for names), ``unitrun_port_base`` (default 20000).
"""
from __future__ import annotations

import os
import socket
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Union

import pytest

import unitrun as _ur

_STASH_UNITS: "pytest.StashKey[List[_ur.Executor]]" = pytest.StashKey()
_contexts: List[_ur.Context] = []
PORTS_PER_WORKER = 200


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("unitrun_units", "unit files or names started once for the session", type="linelist", default=[])
    parser.addini("unitrun_unit_path", "directories searched for unit names", type="linelist", default=[])
    parser.addini("unitrun_port_base", "first port of the per-worker port ranges", default="20000")


def worker_index() -> int:
    """0 for the controller or a run without xdist, N for worker gwN."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0


def _is_unit(arg: Any) -> bool:
    if isinstance(arg, os.PathLike):
        return True
    if not isinstance(arg, str) or " " in arg:
        return False
    return "/" in arg or arg.endswith((".service", ".target", ".socket"))


def _start_in_order(executors: Sequence[_ur.Executor]) -> None:
    # load_units() lists the given units first and what they pulled in after them.
    for e in reversed(executors):
        if e.state not in ("running", "exited"):
            e.start()


class _Ports:
    def __init__(self, base: int) -> None:
        self.next = base + worker_index() * PORTS_PER_WORKER
        self.end = self.next + PORTS_PER_WORKER

    def __call__(self) -> int:
        while self.next < self.end:
            port = self.next
            self.next += 1
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
        raise RuntimeError("this worker's port range is used up")


@pytest.fixture(scope="session", name="unitrun")
def unitrun_fixture(request: pytest.FixtureRequest) -> Iterator[_ur.Context]:
    ctx = _ur.Context()
    _contexts.append(ctx)
    ctx.units = {}  # type: ignore[attr-defined]
    request.config.stash[_STASH_UNITS] = []
    try:
        names = request.config.getini("unitrun_units")
        if names:
            base = str(request.config.rootpath)
            paths = [n if not _is_unit(n) or os.path.isabs(n) else os.path.join(base, n) for n in names]
            unit_path = [os.path.join(base, p) for p in request.config.getini("unitrun_unit_path")] or None
            made = ctx.load_units(paths, unit_path=unit_path)
            _start_in_order(made)
            ctx.units = {e.name: e for e in made}  # type: ignore[attr-defined]
            request.config.stash[_STASH_UNITS].extend(made)
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def unitrun_port(request: pytest.FixtureRequest) -> _Ports:
    ports = getattr(request.config, "_unitrun_ports", None)
    if ports is None:
        ports = _Ports(int(request.config.getini("unitrun_port_base")))
        request.config._unitrun_ports = ports  # type: ignore[attr-defined]
    return ports


@pytest.fixture
def unitrun_units(unitrun: _ur.Context, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    started: List[_ur.Executor] = []
    used: List[_ur.Executor] = request.config.stash.get(_STASH_UNITS, [])
    request.node._unitrun_used = list(used)  # type: ignore[attr-defined]

    def factory(
        what: Union[str, os.PathLike, Sequence[str]],
        *more: Union[str, os.PathLike],
        unit_path: Optional[Sequence[str]] = None,
        assignments: Optional[Sequence[str]] = None,
        **kwargs: Any,
    ) -> Any:
        if _is_unit(what):
            names = [what, *more]
            base = str(request.config.rootpath)
            names = [os.fspath(n) if os.path.isabs(os.fspath(n)) or not _is_unit(n) else os.path.join(base, os.fspath(n)) for n in names]
            made = unitrun.load_units(
                names,
                unit_path=unit_path,
                assignments=[list(assignments)] + [None] * (len(names) - 1) if assignments else None,
            )
            started.extend(made)
            request.node._unitrun_used.extend(made)  # type: ignore[attr-defined]
            _start_in_order(made)
            return made[0] if len(names) == 1 else made[: len(names)]
        if more:
            raise TypeError("an ad-hoc command is one argument (a list or a string)")
        e = _ur.Executor(what, context=unitrun, **kwargs)
        started.append(e)
        request.node._unitrun_used.append(e)  # type: ignore[attr-defined]
        e.start()
        return e

    try:
        yield factory
    finally:
        for e in reversed(started):
            if not e.closed and e.state not in ("inactive", "failed"):
                try:
                    e.stop()
                except _ur.Error:
                    pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    units = list(getattr(item, "_unitrun_used", []))
    for e in item.config.stash.get(_STASH_UNITS, []):
        if e not in units:
            units.append(e)
    for e in units:
        try:
            if e.closed:
                continue
            lines: List[str] = []
            for stream in (_ur.STDOUT, _ur.STDERR):
                lines += e.text(stream).splitlines()[-20:]
            why = e.error
        except (ValueError, RuntimeError):
            continue
        text = "\n".join(lines) if lines else "(no output)"
        if why:
            text = f"{why}\n{text}"
        report.sections.append((f"unitrun: {e.name} ({e.state})", text))


def pytest_unconfigure(config: pytest.Config) -> None:
    # A session torn down abnormally still leaves nothing behind.
    while _contexts:
        _contexts.pop().close()

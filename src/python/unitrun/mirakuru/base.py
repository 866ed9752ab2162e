"""mirakuru.base: SimpleExecutor and Executor, over libunitrun.

The names, arguments, defaults and exit-code conventions are mirakuru's (2.6). What runs
underneath is not: each start is a unit of libunitrun, spawned into a cgroup of its own,
made ready by the library's event loop (a TCP/unix connect retried within milliseconds, a
pipe read as it arrives, inotify for files) and stopped whole: stop signal, grace period,
then SIGKILL for everything left, whatever it forked, setsid'd or renamed.

Deliberate differences from mirakuru (see also the package documentation):

* stop() waits at most ``min(timeout, 10)`` seconds (or ``stop_timeout=``) before the
  final kill, not the 3600 s start timeout; it returns once nothing of the unit is left.
* Children are found through the cgroup, not an environment marker: a child that scrubs
  its environment or leaves the session is stopped too, and no other interpreter's
  processes are touched. The ``mirakuru_uuid`` variable is still set.
* An early exit is noticed at once: OutputExecutor raises ProcessExitedWithError instead
  of waiting for the whole timeout.
* ``timeout=None`` waits without a limit (mirakuru raises TypeError).
* stopped() always yields and restarts in a ``finally``; kill(wait=False) waits as well
  (mirakuru's does too, through Popen.__exit__).
"""
import errno
import io
import logging
import os
import shlex
import signal
import subprocess
import time
import uuid
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple, TypeVar, Union

import unitrun

from .base_env import processes_with_env
from .compat import SIGKILL
from .exceptions import (
    AlreadyRunning,
    ExecutorError,
    ProcessExitedWithError,
    ProcessFinishedWithError,
    TimeoutExpired,
)

LOG = logging.getLogger(__name__)

ENV_UUID = "mirakuru_uuid"
IGNORED_ERROR_CODES = [errno.ESRCH]
DEFAULT_STOP_GRACE = 10.0

SimpleExecutorType = TypeVar("SimpleExecutorType", bound="SimpleExecutor")
ExecutorType = TypeVar("ExecutorType", bound="Executor")

_ACTIVE = ("starting", "running", "exited", "stopping")


def cleanup_subprocesses() -> None:
    """Kills what executors of this interpreter left behind (by the env marker, exact PID).

    With unitrun nothing is left at exit: the contexts are closed at exit and a guardian
    kills their cgroups if this process dies. Kept for callers of mirakuru's name."""
    marker = f"{os.getpid()}:"
    for pid in processes_with_env(ENV_UUID, marker):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
            if not any(v.startswith(f"{ENV_UUID}={marker}".encode()) for v in env):
                continue
            os.kill(pid, SIGKILL)
        except OSError as exc:
            if exc.errno not in IGNORED_ERROR_CODES and not isinstance(exc, FileNotFoundError):
                raise


class _OutputReader(io.RawIOBase):
    """A captured stream of a unit as a readable file: reads what is there, waits for more
    while the unit runs, and ends once it is gone."""

    def __init__(self, unit: unitrun.Executor, stream: int) -> None:
        super().__init__()
        self._unit = unit
        self._stream = stream
        self.pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        while True:
            data = self._unit.output(self._stream)
            if self.pos < len(data):
                n = min(len(buf), len(data) - self.pos)
                buf[:n] = data[self.pos : self.pos + n]
                self.pos += n
                return n
            if self._unit.closed or self._unit.state not in _ACTIVE:
                return 0
            if self._unit.exit_status is not None and self._unit.state not in ("starting", "running"):
                return 0
            self._unit.context.dispatch(0.05)
            # A main process that exited leaves its pipes at EOF once drained.
            if self._unit.exit_status is not None and len(self._unit.output(self._stream)) == len(data):
                return 0


class _Process:
    """What mirakuru users reach through ``executor.process``: a Popen look-alike."""

    def __init__(self, unit: unitrun.Executor, args: Any, streams: Dict[str, bool]) -> None:
        self._unit = unit
        self.args = args
        self.pid = unit.pid
        self.returncode: Optional[int] = None
        self._readers: Dict[int, _OutputReader] = {}
        self.stdout = self._text(1) if streams.get("stdout") else None
        self.stderr = self._text(2) if streams.get("stderr") else None
        self.stdin = None
        if streams.get("stdin") and unit.stdin_fd >= 0:
            self.stdin = os.fdopen(os.dup(unit.stdin_fd), "w")

    def _text(self, stream: int) -> io.TextIOWrapper:
        reader = _OutputReader(self._unit, stream)
        self._readers[stream] = reader
        return io.TextIOWrapper(io.BufferedReader(reader))

    def poll(self) -> Optional[int]:
        if self.returncode is None and not self._unit.closed:
            status = self._unit.exit_status
            if status is not None:
                self.returncode = status
        return self.returncode

    def wait(self, timeout: Optional[float] = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() >= end:
                raise subprocess.TimeoutExpired(self.args, timeout)
            self._unit.context.dispatch(0.05)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, sig: int) -> None:
        if not self._unit.closed and self.poll() is None:
            self._unit.kill(sig, all=False)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _stdio_mode(value: Any, name: str) -> Tuple[str, Optional[str]]:
    if value is None:
        return ("inherit", None)
    if value == subprocess.PIPE:
        return ("capture", None)
    if value == subprocess.DEVNULL:
        return ("null", None)
    if value == subprocess.STDOUT:
        return ("capture", None)
    fd = value if isinstance(value, int) else getattr(value, "fileno", lambda: None)()
    if isinstance(fd, int) and fd >= 0:
        # Reopened through /proc: the unit appends to what the caller's fd is.
        return ("append", f"/proc/{os.getpid()}/fd/{fd}")
    raise ValueError(f"unsupported {name}: {value!r}")


class SimpleExecutor:
    """Runs a command, ready as soon as it runs; stop() takes down all of it."""

    def __init__(
        self,
        command: Union[str, List[str], Tuple[str, ...]],
        cwd: Optional[str] = None,
        shell: bool = False,
        timeout: Union[int, float, None] = 3600,
        sleep: float = 0.1,
        stop_signal: int = signal.SIGTERM,
        kill_signal: int = SIGKILL,
        expected_returncode: Optional[int] = None,
        envvars: Optional[Dict[str, str]] = None,
        stdin: Union[None, int, Any] = subprocess.PIPE,
        stdout: Union[None, int, Any] = subprocess.PIPE,
        stderr: Union[None, int, Any] = None,
        stop_timeout: Optional[float] = None,
    ) -> None:
        if isinstance(command, (list, tuple)):
            self.command = " ".join(shlex.quote(c) for c in command)
            self.command_parts = list(command)
        else:
            self.command = command
            self.command_parts = shlex.split(command)
        self._cwd = cwd
        self._shell = shell
        self._timeout = timeout
        self._sleep = sleep
        self._stop_signal = stop_signal
        self._kill_signal = kill_signal
        self._expected_returncode = expected_returncode
        self._envvars = envvars or {}
        self._stdin = stdin
        self._stdout = stdout
        self._stderr = stderr
        self._stop_timeout = stop_timeout
        self._endtime: Optional[float] = None
        self.process: Optional[_Process] = None
        self._unit: Optional[unitrun.Executor] = None
        self._uuid = f"{os.getpid()}:{uuid.uuid4()}"

    # -- mirakuru's public surface ------------------------------------------------------

    def __enter__(self: SimpleExecutorType) -> SimpleExecutorType:
        return self.start()

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        self.stop()

    def running(self) -> bool:
        """True while the main process runs (a daemonised child does not count)."""
        if self.process is None:
            return False
        return self.process.poll() is None

    @property
    def envvars(self) -> Dict[str, str]:
        envs = os.environ.copy()
        envs.update(self._envvars)
        envs[ENV_UUID] = self._uuid
        return envs

    def start(self: SimpleExecutorType) -> SimpleExecutorType:
        if self.process is None:
            self._spawn()
        self._set_timeout()
        return self

    def stop(
        self: SimpleExecutorType,
        stop_signal: Optional[int] = None,
        expected_returncode: Optional[int] = None,
    ) -> SimpleExecutorType:
        """Stops it with stop_signal (the whole cgroup), waits for everything to end (after
        the grace period: SIGKILL) and checks the exit code as mirakuru does."""
        if self.process is None or self._unit is None:
            return self
        if stop_signal is None:
            stop_signal = self._stop_signal
        unit = self._unit
        grace = self._stop_grace()
        began = time.monotonic()
        if not unit.closed:
            # Read when the stop begins (unitrun.h): this stop uses them.
            unit.set_signals(kill=int(stop_signal), final=int(SIGKILL))
            unit.set_timeouts(stop=grace)
            try:
                unit.stop()
            except unitrun.StopError:
                pass
        timed_out = time.monotonic() - began >= grace
        exit_code = self.process.poll()
        self._clear_process()
        if exit_code is None or exit_code == 0:
            return self
        if timed_out and exit_code == -SIGKILL and stop_signal != SIGKILL:
            # The grace period ran out and the final kill did it: mirakuru's timeout path,
            # which returns without an error.
            return self
        if expected_returncode is None:
            expected_returncode = self._expected_returncode
        if expected_returncode is None:
            expected_returncode = -stop_signal
        if exit_code != expected_returncode:
            raise ProcessFinishedWithError(self, exit_code)
        return self

    @contextmanager
    def stopped(self: SimpleExecutorType) -> Iterator[SimpleExecutorType]:
        """Stopped inside the block, started again after it (if it was running)."""
        was_running = self.running()
        if was_running:
            self.stop()
        try:
            yield self
        finally:
            if was_running:
                self.start()

    def kill(self: SimpleExecutorType, wait: bool = True, sig: Optional[int] = None) -> SimpleExecutorType:
        """Sends sig (default kill_signal) to every process of the unit and waits until all
        of them are gone."""
        if sig is None:
            sig = self._kill_signal
        unit = self._unit
        if unit is not None and not unit.closed and unit.state in _ACTIVE:
            unit.set_signals(kill=int(sig), final=int(SIGKILL))
            unit.set_timeouts(stop=self._stop_grace())
            try:
                unit.stop()
            except unitrun.StopError:
                pass
        self._kill_all_kids(sig)
        self._clear_process()
        return self

    def output(self) -> Optional[io.TextIOWrapper]:
        return self.process.stdout if self.process is not None else None

    def err_output(self) -> Optional[io.TextIOWrapper]:
        return self.process.stderr if self.process is not None else None

    def wait_for(self: SimpleExecutorType, wait_for: Any) -> SimpleExecutorType:
        """Calls wait_for() every ``sleep`` seconds until it is true; at the deadline kills
        the process and raises TimeoutExpired."""
        while self.check_timeout():
            if wait_for():
                return self
            if self._unit is not None and not self._unit.closed:
                self._unit.context.dispatch(self._sleep)
            else:
                time.sleep(self._sleep)
        self.kill()
        raise TimeoutExpired(self, timeout=self._timeout)

    def check_timeout(self) -> bool:
        return self._endtime is None or time.time() <= self._endtime

    # -- the underscore names big users reach into -----------------------------------------

    def _set_timeout(self, timeout: Union[int, float, None] = None) -> None:
        timeout = timeout or self._timeout
        self._endtime = time.time() + timeout if timeout is not None else None

    def _clear_process(self) -> None:
        process, self.process = self.process, None
        unit, self._unit = self._unit, None
        if process is not None:
            for f in (process.stdin,):
                if f is not None:
                    try:
                        f.close()
                    except OSError:
                        pass
        if unit is not None and not unit.closed and unit.state in _ACTIVE:
            try:
                unit.stop()
            except unitrun.StopError:
                pass
        self._endtime = None

    def _kill_all_kids(self, sig: int) -> Set[int]:
        """Sends sig to every process of the unit's cgroup (and, for processes of ours the
        cgroup cannot know, such as those of the fallback isolation, to those carrying our
        marker); returns their PIDs."""
        pids: Set[int] = set()
        unit = self._unit
        cgroup = unit.cgroup if unit is not None and not unit.closed else None
        if cgroup:
            try:
                with open(os.path.join(cgroup, "cgroup.procs")) as f:
                    pids.update(int(p) for p in f.read().split())
            except OSError:
                pass
        pids.update(processes_with_env(ENV_UUID, self._uuid))
        for pid in pids:
            try:
                os.kill(pid, sig)
            except OSError as exc:
                if exc.errno not in IGNORED_ERROR_CODES:
                    raise
        return pids

    def _stop_grace(self) -> float:
        if self._stop_timeout is not None:
            return float(self._stop_timeout)
        if self._timeout is None:
            return DEFAULT_STOP_GRACE
        return min(float(self._timeout), DEFAULT_STOP_GRACE)

    def _remaining(self) -> Optional[float]:
        if self._endtime is None:
            return None
        return max(self._endtime - time.time(), 0.001)

    # -- spawning through unitrun ------------------------------------------------------

    def _streams(self) -> Dict[str, bool]:
        return {
            "stdin": self._stdin == subprocess.PIPE,
            "stdout": self._stdout == subprocess.PIPE,
            "stderr": self._stderr in (subprocess.PIPE,),
        }

    def _make_unit(self) -> unitrun.Executor:
        command: Any = self.command if self._shell else self.command_parts
        unit = unitrun.Executor(command, shell=self._shell, refuse_if_ready=False)
        for k, v in self._envvars.items():
            unit.set_env(k, str(v))
        unit.set_env(ENV_UUID, self._uuid)
        if self._cwd is not None:
            unit.set_cwd(self._cwd)
        out = _stdio_mode(self._stdout, "stdout")
        err = _stdio_mode(self._stderr, "stderr")
        unit.set_stdio(1, *out)
        unit.set_stdio(2, *err)
        if self._stdin == subprocess.PIPE:
            unit.set_stdin("pipe")
        elif self._stdin is None:
            unit.set_stdin("inherit")
        elif self._stdin == subprocess.DEVNULL:
            unit.set_stdin("null")
        else:
            fd = self._stdin if isinstance(self._stdin, int) else self._stdin.fileno()
            unit.set_stdin("fd", fd)
        unit.set_signals(kill=int(self._stop_signal), final=int(SIGKILL))
        try:
            # Daemonising launchers (pg_ctl start, redis --daemonize yes) may exit 0 and
            # leave their children up, as mirakuru allows.
            unit.set_exit_type("cgroup")
        except (OSError, ValueError):
            pass
        return unit

    def _add_conditions(self, unit: unitrun.Executor) -> None:
        """Readiness conditions of this kind; SimpleExecutor has none (ready once it runs)."""

    def _after_ready(self) -> None:
        """Called once the unit is ready, before start() returns."""

    def _spawn(self) -> None:
        unit = self._make_unit()
        self._add_conditions(unit)
        self._set_timeout()
        remaining = self._remaining()
        unit.set_timeouts(start=-1 if remaining is None else remaining, stop=self._stop_grace())
        try:
            unit.start()
        except unitrun.StartError as exc:
            self._start_failed(unit, exc)
            return
        self._unit = unit
        self.process = _Process(unit, self.command if self._shell else self.command_parts, self._streams())
        self._after_ready()

    def _start_failed(self, unit: unitrun.Executor, exc: "unitrun.StartError") -> None:
        reason = getattr(exc, "reason", "")
        lines = list(getattr(exc, "output", []) or [])
        error: Exception
        if reason == "exec":
            program = self.command_parts[0] if self.command_parts else self.command
            raise OSError(exc.errno, os.strerror(exc.errno), program) from exc
        if reason == "timeout":
            error = TimeoutExpired(self, timeout=self._timeout)
        elif reason in ("exited", "crashed"):
            code = unit.exit_status
            if self._waits_for_nothing():
                # A SimpleExecutor is started once it runs: a command that ends at once
                # (echo) has still been started, as with Popen.
                self._unit = unit
                self.process = _Process(unit, self.command_parts, self._streams())
                return
            if code == 0 and self._tolerates_clean_exit():
                # mirakuru's double-forking allowance: the launcher exited cleanly and left
                # nothing running in its cgroup; keep asking the checks until the deadline.
                self._unit = unit
                self.process = _Process(unit, self.command_parts, self._streams())
                self.process.returncode = 0
                self.wait_for(self.check_subprocess)  # type: ignore[attr-defined]
                return
            error = ProcessExitedWithError(self, code if code is not None else -1)
        else:
            error = ExecutorError(self)
        error.output = lines
        self._unit = None
        self.process = None
        raise error from exc

    def _tolerates_clean_exit(self) -> bool:
        return False

    def _waits_for_nothing(self) -> bool:
        return type(self)._add_conditions is SimpleExecutor._add_conditions

    # -- odds and ends -------------------------------------------------------------------

    def __del__(self) -> None:
        try:
            if getattr(self, "process", None) is not None:
                self.kill()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    def __repr__(self) -> str:
        command = self.command
        if len(command) > 10:
            command = command[:10] + "..."
        return f"<{self.__class__.__module__}.{self.__class__.__name__}: {command!r} {hex(id(self))}>"

    def __str__(self) -> str:
        return f"<{self.__class__.__module__}.{self.__class__.__name__}: {self.command!r} {hex(id(self))}>"


class Executor(SimpleExecutor):
    """A SimpleExecutor that checks before it spawns (pre_start_check) and waits until its
    after_start_check holds. Subclasses override both."""

    def pre_start_check(self) -> bool:
        raise NotImplementedError

    def after_start_check(self) -> bool:
        raise NotImplementedError

    def start(self: ExecutorType) -> ExecutorType:
        if self.pre_start_check():
            raise AlreadyRunning(self)
        if self.process is None:
            self._spawn()
        return self

    def check_subprocess(self) -> bool:
        """mirakuru's check: a non-zero exit is an error, otherwise after_start_check()."""
        assert self.process is not None
        exit_code = self.process.poll()
        if exit_code is not None and exit_code != 0:
            self._kill_all_kids(self._kill_signal)
            self._clear_process()
            raise ProcessExitedWithError(self, exit_code)
        return self.after_start_check()

    def _tolerates_clean_exit(self) -> bool:
        return True

    def _native_check(self, unit: unitrun.Executor) -> bool:
        """Adds the library's own condition for this kind and returns True, when the class
        did not override after_start_check(); else False."""
        return False

    def _add_conditions(self, unit: unitrun.Executor) -> None:
        if not self._native_check(unit):
            unit.add_ready_callback(self.after_start_check)

    def _overrides(self, base: type) -> bool:
        return type(self).after_start_check is not base.after_start_check  # type: ignore[attr-defined]


__all__ = [
    "SimpleExecutor",
    "Executor",
    "ENV_UUID",
    "IGNORED_ERROR_CODES",
    "cleanup_subprocesses",
    "processes_with_env",
]

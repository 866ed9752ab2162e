"""mirakuru.exceptions: the same classes and messages, plus what unitrun knows.

Every exception also carries ``output``: the unit's last lines of output (a list of str),
so a failing start says why without a second look."""
from typing import Any, List, Optional


class ExecutorError(Exception):
    """Base of every executor error; ``executor`` is the executor concerned."""

    def __init__(self, executor: Any) -> None:
        super().__init__(executor)
        self.executor = executor
        self.output: List[str] = []


class TimeoutExpired(ExecutorError):
    """The start did not become ready in time; the process has been killed."""

    def __init__(self, executor: Any, timeout: Optional[float]) -> None:
        super().__init__(executor)
        self.timeout = timeout

    def __str__(self) -> str:
        return f"Executor {self.executor} timed out after {self.timeout} seconds"


class AlreadyRunning(ExecutorError):
    """pre_start_check() held before anything was spawned: someone answers already."""

    def __str__(self) -> str:
        # mirakuru reads .port unconditionally, which fails for pid and unix executors.
        where = getattr(self.executor, "port", None)
        if where is None:
            where = getattr(self.executor, "socket", None) or getattr(self.executor, "filename", None)
        return (
            f"Executor {self.executor} seems to be already running. It looks like the previous "
            "executor process hasn't been terminated or killed. Also there might be some "
            f"completely different service listening on {where} port."
        )


class ProcessExitedWithError(ExecutorError):
    """The process exited with a non-zero code while the executor waited for it."""

    def __init__(self, executor: Any, exit_code: int) -> None:
        super().__init__(executor)
        self.exit_code = exit_code

    def __str__(self) -> str:
        return (
            f"The process invoked by the {self.executor} executor has exited with a "
            f"non-zero code: {self.exit_code}."
        )


class ProcessFinishedWithError(ProcessExitedWithError):
    """stop() got an exit code that is neither 0 nor the expected one."""


__all__ = [
    "ExecutorError",
    "TimeoutExpired",
    "AlreadyRunning",
    "ProcessExitedWithError",
    "ProcessFinishedWithError",
]

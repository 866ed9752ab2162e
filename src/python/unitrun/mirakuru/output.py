"""mirakuru.output: OutputExecutor, ready once a line of output matches ``banner``.

The banner is a Python regular expression matched at the start of a line (re.match, as
mirakuru does). The library reads everything the process writes as it arrives, so a banner
in the same write() as earlier lines, or without a newline, is seen; a process that exits
before its banner raises ProcessExitedWithError at once. output()/err_output() read on
from the line after the banner."""
import re
import subprocess
from typing import Any, List, Tuple, Union

import unitrun

from .base import SimpleExecutor, SimpleExecutorType


class OutputExecutor(SimpleExecutor):
    """Ready once stdout (stderr with stderr=PIPE) shows a line matching banner."""

    def __init__(self, command: Union[str, List[str], Tuple[str, ...]], banner: str, **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self._banner = re.compile(banner)
        if not any((self._stdout, self._stderr)):
            raise TypeError("At least one of stdout or stderr has to be initialized")
        for name, value in (("stdout", self._stdout), ("stderr", self._stderr)):
            if value is not None and value != subprocess.PIPE:
                raise ValueError(f"{name} has to be a PIPE to watch it for the banner")

    def _watched(self) -> int:
        return (1 if self._stdout == subprocess.PIPE else 0) | (2 if self._stderr == subprocess.PIPE else 0)

    def _add_conditions(self, unit: unitrun.Executor) -> None:
        try:
            unit.add_ready_output(f"^(?:{self._banner.pattern})", self._watched())
        except ValueError:
            # Python-only syntax: the lines are matched here instead, on the library's
            # schedule.
            unit.add_ready_callback(lambda: self._find_banner(unit) is not None)

    def _find_banner(self, unit: unitrun.Executor) -> Any:
        for stream in (1, 2):
            if not self._watched() & stream:
                continue
            data = unit.output(stream)
            offset = 0
            for line in data.splitlines(keepends=True):
                offset += len(line)
                if self._banner.match(line.decode("utf-8", "replace")):
                    return stream, offset
        return None

    def _after_ready(self) -> None:
        assert self.process is not None and self._unit is not None
        found = self._find_banner(self._unit)
        if found:
            stream, offset = found
            reader = self.process._readers.get(stream)
            if reader is not None:
                reader.pos = offset

    def start(self: SimpleExecutorType) -> SimpleExecutorType:
        """Spawns and waits for the banner; a running executor is left as it is."""
        if self.process is None:
            self._spawn()
        return self


__all__ = ["OutputExecutor"]

"""mirakuru.pid: PidExecutor, ready once a file exists (watched with inotify).

As in mirakuru the file is not removed at stop, so a file left behind makes the next
start() raise AlreadyRunning."""
import os
from typing import Any, List, Tuple, Union

import unitrun

from .base import Executor


class PidExecutor(Executor):
    """Ready once ``filename`` exists."""

    def __init__(self, command: Union[str, List[str], Tuple[str, ...]], filename: str, **kwargs: Any) -> None:
        if not filename:
            raise ValueError("filename must be defined")
        super().__init__(command, **kwargs)
        self.filename = filename

    def pre_start_check(self) -> bool:
        return os.path.isfile(self.filename)

    def after_start_check(self) -> bool:
        return os.path.isfile(self.filename)

    def _native_check(self, unit: unitrun.Executor) -> bool:
        if self._overrides(PidExecutor):
            return False
        unit.add_ready_file(os.path.abspath(self.filename))
        return True


__all__ = ["PidExecutor"]

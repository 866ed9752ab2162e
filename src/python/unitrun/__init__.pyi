import os
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Union

from ._unitrun import Context as _Context
from ._unitrun import Error as Error
from ._unitrun import Executor as _Executor
from ._unitrun import LoadError as LoadError
from ._unitrun import StartError as StartError
from ._unitrun import StopError as StopError

STDOUT: int
STDERR: int

_HostPort = Union[str, int, tuple[str, int]]

class Context(_Context):
    def executor(self, command: Union[str, Sequence[str]], **kwargs: Any) -> Executor: ...
    def load_units(
        self,
        names: Union[str, os.PathLike[str], Iterable[Union[str, os.PathLike[str]]]],
        unit_path: Optional[Iterable[Union[str, os.PathLike[str]]]] = ...,
        strict: bool = ...,
        assignments: Optional[Sequence[Optional[Sequence[str]]]] = ...,
    ) -> list[Executor]: ...
    def add_unit(self, name: str, assignments: Sequence[str]) -> Executor: ...
    def __enter__(self) -> Context: ...

def default_context() -> Context: ...

class Executor(_Executor):
    def __init__(
        self,
        command: Union[str, Sequence[str]],
        *,
        name: Optional[str] = ...,
        context: Optional[Context] = ...,
        shell: bool = ...,
        type: Optional[str] = ...,
        ready_tcp: Union[None, _HostPort, list[_HostPort]] = ...,
        ready_listen: Union[None, bool, int, str, list[Union[int, str]]] = ...,
        ready_unix: Union[None, str, os.PathLike[str], list[Union[str, os.PathLike[str]]]] = ...,
        ready_http: Union[None, str, list[str]] = ...,
        http_status: Optional[Union[int, str]] = ...,
        http_method: Optional[str] = ...,
        http_headers: Optional[Union[Mapping[str, str], Sequence[str]]] = ...,
        http_body: Optional[str] = ...,
        ready_output: Union[None, str, list[str]] = ...,
        output_stream: Union[str, int] = ...,
        ready_file: Union[None, str, os.PathLike[str], list[Union[str, os.PathLike[str]]]] = ...,
        ready_callback: Optional[Union[Callable[[], Any], Sequence[Callable[[], Any]]]] = ...,
        env: Optional[Mapping[str, Optional[str]]] = ...,
        clear_env: bool = ...,
        cwd: Optional[Union[str, os.PathLike[str]]] = ...,
        timeout: Optional[float] = ...,
        stop_timeout: Optional[float] = ...,
        kill_signal: Optional[int] = ...,
        final_kill_signal: Optional[int] = ...,
        exit_type: Optional[str] = ...,
        remain_after_exit: Optional[bool] = ...,
        stdout: str = ...,
        stderr: str = ...,
        stdin: Any = ...,
        refuse_if_ready: bool = ...,
        ready_interval: Optional[float] = ...,
    ) -> None: ...
    def __enter__(self) -> Executor: ...
    def __exit__(self, *exc: Any) -> None: ...
    def restart(self) -> bool: ...
    def text(self, stream: int = ...) -> str: ...

Unit = Executor

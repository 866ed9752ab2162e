"""unitrun.mirakuru: mirakuru's API over libunitrun. ``import unitrun.mirakuru as mirakuru``.

The same modules (base, exceptions, compat, tcp, unixsocket, http, output, pid), classes,
constructor arguments, defaults, method chaining and exit-code conventions as mirakuru
2.6; readiness is noticed by libunitrun's event loop instead of a 100 ms poll, and stop()
takes down the unit's whole cgroup. The deliberate differences are listed in
``unitrun.mirakuru.base``'s docstring and in the README."""
import logging

from .base import Executor, SimpleExecutor
from .exceptions import (
    AlreadyRunning,
    ExecutorError,
    ProcessExitedWithError,
    ProcessFinishedWithError,
    TimeoutExpired,
)
from .http import HTTPExecutor
from .output import OutputExecutor
from .pid import PidExecutor
from .tcp import TCPExecutor
from .unixsocket import UnixSocketExecutor

__version__ = "2.6.0+unitrun"

__all__ = (
    "Executor",
    "SimpleExecutor",
    "OutputExecutor",
    "TCPExecutor",
    "HTTPExecutor",
    "PidExecutor",
    "UnixSocketExecutor",
    "ExecutorError",
    "TimeoutExpired",
    "AlreadyRunning",
    "ProcessExitedWithError",
    "ProcessFinishedWithError",
)

logging.getLogger("mirakuru").addHandler(logging.NullHandler())

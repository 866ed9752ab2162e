"""mirakuru.compat: the kill signal of the platform (SIGKILL on Linux)."""
import signal

SIGKILL = getattr(signal, "SIGKILL", signal.SIGTERM)

__all__ = ["SIGKILL"]

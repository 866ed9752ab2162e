"""mirakuru.base_env: find processes by an environment variable, through /proc.

unitrun does not need this to clean up (every unit lives in its own cgroup, and what is
in a cgroup cannot leave it by changing its environment); it is here for code that calls
it directly."""
import os
from typing import Set


def processes_with_env(env_name: str, env_value: str) -> Set[int]:
    """PIDs of the processes whose environment has ``env_name`` with ``env_value`` in its
    value (a substring, as mirakuru matches). Unreadable processes are skipped."""
    prefix = env_name.encode() + b"="
    needle = env_value.encode()
    pids: Set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                data = f.read()
        except OSError:
            continue
        for var in data.split(b"\0"):
            if var.startswith(prefix) and needle in var[len(prefix):]:
                pids.add(int(entry))
                break
    return pids


__all__ = ["processes_with_env"]

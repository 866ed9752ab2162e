"""Runs the package's pytest suite for meson: exits 77 (skipped) when this interpreter has
no pytest (python3-pytest) or the build cannot be loaded into it (UNITRUN_PYTHON_SKIP), else pytest's own status."""
import os
import sys

if os.environ.get("UNITRUN_PYTHON_SKIP"):
    print("skipped:", os.environ["UNITRUN_PYTHON_SKIP"])
    sys.exit(77)

try:
    import pytest
except ImportError:
    print("skipped: python3-pytest is not installed for", sys.executable)
    sys.exit(77)

try:
    import xdist  # noqa: F401
except ImportError:
    if any("plugin" in a for a in sys.argv[1:]):
        print("skipped: python3-pytest-xdist is not installed for", sys.executable)
        sys.exit(77)

sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", *sys.argv[1:]]))

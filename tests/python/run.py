"""Runs the package's pytest suite for meson: exits 77 (skipped) when this interpreter has
no pytest (python3-pytest), else pytest's own status."""
import sys

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

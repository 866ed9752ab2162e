"""The pytest plugin, run in a child pytest: the session fixture, the factory, the ini
option, per-worker contexts and ports under pytest-xdist (-n 2), the units' output in a
failing test's report, and teardown of a session interrupted by Ctrl-C."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import PY, alive, read_pid, wait_gone

UNIT = """\
[Service]
ExecStart=/bin/sh -c 'echo "demo pid $$$$ in %t"; echo $$$$ >> {record}; exec sleep 300'
[X-Ready]
Output=demo pid
"""

TESTS = """\
import os, socket, time
import pytest
import unitrun

def test_ini_unit(unitrun):
    (demo,) = unitrun.units.values()
    assert demo.running()
    assert unitrun.runtime_dir in demo.text()
    with open(os.path.join({out!r}, "ctx-" + os.environ.get("PYTEST_XDIST_WORKER", "x")), "w") as f:
        f.write(unitrun.runtime_dir)

@pytest.mark.parametrize("n", range(4))
def test_factory_and_ports(unitrun_units, unitrun_port, n):
    port = unitrun_port()
    server = ("import socket,time; s=socket.socket(); s.bind(('127.0.0.1', %d)); s.listen(); "
              "print('serving', flush=True); time.sleep(300)" % port)
    e = unitrun_units([{py!r}, "-c", server], ready_tcp=port, timeout=20)
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    with open(os.path.join({out!r}, "port-%d" % port), "w") as f:
        f.write(os.environ.get("PYTEST_XDIST_WORKER", "x"))
    assert e.running()

def test_unit_file_factory(unitrun_units):
    e = unitrun_units({unit!r})
    assert e.name == "factory.service" and e.running()

def test_fails_with_output(unitrun_units):
    unitrun_units(["sh", "-c", "echo 'the unit says hello'; exec sleep 300"], ready_output="hello")
    assert False, "on purpose"
"""


def run_pytest(tmp_path, *args, **kw):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return subprocess.run(
        [PY, "-m", "pytest", "-p", "unitrun.pytest", "-p", "no:cacheprovider", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        **kw,
    )


@pytest.fixture
def project(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    record = tmp_path / "pids"
    (tmp_path / "units").mkdir()
    (tmp_path / "units" / "demo.service").write_text(UNIT.format(record=record))
    (tmp_path / "units" / "factory.service").write_text(UNIT.format(record=record))
    (tmp_path / "pytest.ini").write_text("[pytest]\nunitrun_units = units/demo.service\n")
    (tmp_path / "test_demo.py").write_text(
        TESTS.format(out=str(out), py=PY, unit=str(tmp_path / "units" / "factory.service"))
    )
    return tmp_path


def recorded(project):
    path = project / "pids"
    return [int(x) for x in path.read_text().split()] if path.exists() else []


@pytest.mark.parametrize("workers", [None, "2"])
def test_plugin_session(project, workers):
    args = ["-n", workers] if workers else []
    r = run_pytest(project, *args, "-rf")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "1 failed, 6 passed" in r.stdout, r.stdout
    # The failing test's report shows the unit's last output.
    assert "unitrun: " in r.stdout and "the unit says hello" in r.stdout
    out = project / "out"
    contexts = [p.read_text() for p in out.glob("ctx-*")]
    assert len(contexts) == 1 and len(set(contexts)) == 1
    if workers:
        ports = {p.name: p.read_text() for p in out.glob("port-*")}
        assert len(ports) == 4  # four distinct ports, none taken twice
    pids = recorded(project)
    assert pids and all(wait_gone(p, 5) for p in pids)


def test_plugin_per_worker_contexts(project):
    # Each worker loads the ini unit into a context of its own.
    (project / "test_more.py").write_text(
        "import os\n"
        "def test_where(unitrun):\n"
        f"    open(os.path.join({str(project / 'out')!r}, 'ctx-' + os.environ['PYTEST_XDIST_WORKER']), 'w').write(unitrun.runtime_dir)\n"
    )
    r = run_pytest(project, "-n", "2", "test_more.py", "test_demo.py::test_ini_unit", "-p", "no:randomly")
    assert r.returncode == 0, r.stdout + r.stderr
    dirs = [p.read_text() for p in (project / "out").glob("ctx-gw*")]
    assert len(dirs) >= 1 and len(set(dirs)) == len(dirs)
    assert all(not os.path.exists(d) for d in dirs)  # removed with the session
    assert all(wait_gone(p, 5) for p in recorded(project))


def test_plugin_ctrl_c(project):
    (project / "test_slow.py").write_text("import time\ndef test_slow(unitrun):\n    time.sleep(120)\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    proc = subprocess.Popen(
        [PY, "-m", "pytest", "-p", "unitrun.pytest", "-p", "no:cacheprovider", "test_slow.py"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not recorded(project) and time.monotonic() < deadline:
        time.sleep(0.05)
    (pid,) = recorded(project)
    assert alive(pid)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert b"KeyboardInterrupt" in out
    assert wait_gone(pid, 5)

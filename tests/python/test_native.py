"""The native API (unitrun): every readiness kind against a real process, failures with
their reason and output, unit files, daemonising launchers, Ctrl-C during a start, an
executor forgotten without stop(), executors in parallel."""
import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import unitrun
from conftest import HTTP_SERVER, PY, TCP_SERVER, UNIX_SERVER, alive, connects, free_port, read_pid, wait_gone


def test_tcp_ready_and_stop(port):
    e = unitrun.Executor([PY, "-c", TCP_SERVER, str(port), "0.3"], ready_tcp=port, timeout=10)
    assert e.state == "inactive" and e.pid is None
    assert e.start() is True
    assert e.running() and connects(port)
    pid = e.pid
    assert alive(pid)
    assert e.cgroup is None or os.path.isdir(e.cgroup)
    assert e.runtime_dir and os.path.isdir(e.runtime_dir)
    e.stop()
    assert not e.running() and e.state == "inactive"
    assert not alive(pid) and not connects(port)
    assert e.exit_status == -signal.SIGTERM


def test_tcp_tuple_and_ipv6_literal(port):
    with unitrun.Executor([PY, "-c", TCP_SERVER, str(port), "0"], ready_tcp=("127.0.0.1", port), timeout=10) as e:
        assert "127.0.0.1:%d" % port in e.describe()


def test_listen_ready(port):
    # The server listens 0.3 s after it starts: ready_listen= waits for that moment.
    with unitrun.Executor([PY, "-c", TCP_SERVER, str(port), "0.3"], ready_listen=port, timeout=10) as e:
        assert connects(port)
        assert "listen" in e.describe().lower()
    with unitrun.Executor([PY, "-c", TCP_SERVER, str(port), "0"], ready_listen=True, timeout=10):
        assert connects(port)


def test_unix_ready(tmp_path):
    path = str(tmp_path / "s.sock")
    with unitrun.Executor([PY, "-c", UNIX_SERVER, path, "0.3"], ready_unix=path, timeout=10) as e:
        assert e.running()
        import socket

        with socket.socket(socket.AF_UNIX) as s:
            s.connect(path)


def test_http_ready_with_status_and_method(port):
    cmd = [PY, "-c", HTTP_SERVER, str(port), "0.5", "204"]
    with unitrun.Executor(
        cmd, ready_http=f"http://127.0.0.1:{port}/x?need=query", http_status=r"2\d4", http_method="HEAD", timeout=10
    ) as e:
        assert e.running()
        assert e.ready_msec >= 400


def test_output_ready_is_pcre2():
    cmd = ["sh", "-c", "echo boot; sleep 0.2; echo 'Ready to accept on port 6379'; exec sleep 100"]
    with unitrun.Executor(cmd, ready_output=r"(?i)ready TO accept on port \d+$", timeout=10) as e:
        assert "port 6379" in e.text()
    with pytest.raises(ValueError, match="offset"):
        unitrun.Executor(["true"], ready_output=r"port (\d+")


def test_file_ready(tmp_path):
    f = tmp_path / "sub" / "ready"
    cmd = ["sh", "-c", f"sleep 0.3; mkdir -p {tmp_path}/sub; touch {f}; exec sleep 100"]
    with unitrun.Executor(cmd, ready_file=str(f), timeout=10):
        assert f.exists()


def test_notify_ready():
    code = (
        "import os, socket, time; time.sleep(0.2); a = os.environ['NOTIFY_SOCKET'];"
        "a = '\\0' + a[1:] if a.startswith('@') else a;"
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b'READY=1', a); time.sleep(100)"
    )
    with unitrun.Executor([PY, "-c", code], type="notify", timeout=10) as e:
        assert e.running()


def test_ready_callback_and_its_exception():
    calls = []

    def check():
        calls.append(time.monotonic())
        return len(calls) >= 3

    with unitrun.Executor(["sleep", "100"], ready_callback=check, timeout=10):
        assert len(calls) == 3

    def broken():
        raise LookupError("from the check")

    e = unitrun.Executor(["sh", "-c", "echo $$; exec sleep 100"], ready_callback=broken, timeout=10)
    with pytest.raises(LookupError, match="from the check"):
        e.start()
    assert e.state in ("inactive", "failed") and not e.running()


def test_exit_before_ready_carries_reason_and_output():
    e = unitrun.Executor(["sh", "-c", "echo one; echo two >&2; exit 3"], ready_tcp=free_port(), timeout=10)
    with pytest.raises(unitrun.StartError) as info:
        e.start()
    err = info.value
    assert err.reason == "exited" and err.unit == e.name
    assert "one" in err.output and "two" in err.output
    assert e.exit_status == 3 and e.failure == "exited"


def test_timeout_and_exec_failure():
    e = unitrun.Executor(["sleep", "100"], ready_tcp=free_port(), timeout=0.3)
    with pytest.raises(unitrun.StartError) as info:
        e.start()
    assert info.value.reason == "timeout"
    assert not e.running()
    e = unitrun.Executor(["/nonexistent/program"])
    with pytest.raises(unitrun.StartError) as info:
        e.start()
    assert info.value.reason == "exec" and info.value.errno == 2


def test_in_use(port):
    with unitrun.Executor([PY, "-c", TCP_SERVER, str(port), "0"], ready_tcp=port, timeout=10):
        other = unitrun.Executor(["sleep", "100"], ready_tcp=port, timeout=10)
        with pytest.raises(unitrun.StartError) as info:
            other.start()
        assert info.value.reason == "in-use"


def test_daemonizing_launcher_exit_type_cgroup(tmp_path):
    if unitrun.default_context().isolation == "fallback":
        pytest.skip("ExitType=cgroup needs cgroup isolation")
    pidfile = tmp_path / "daemon.pid"
    launcher = f"sh -c 'setsid sleep 300 & echo $! > {pidfile}; exit 0'"
    e = unitrun.Executor(launcher, shell=True, exit_type="cgroup", timeout=10)
    e.start()
    daemon = read_pid(str(pidfile))
    time.sleep(0.2)
    assert alive(daemon) and e.state == "running"
    assert e.exit_status == 0
    e.stop()
    assert wait_gone(daemon)


def test_restart_kill_stdin():
    e = unitrun.Executor(
        ["sh", "-c", "read x; echo got $x; exec sleep 100"], stdin=b"hello\n", ready_output="got hello", timeout=10
    )
    e.start()
    first = e.pid
    e.restart()
    assert e.pid != first and not alive(first)
    assert e.kill(signal.SIGKILL) is True
    deadline = time.monotonic() + 10
    while e.state == "running" and time.monotonic() < deadline:
        e.context.dispatch(0.05)
    assert e.state == "failed" and e.exit_status == -signal.SIGKILL


def test_context_load_units_and_errors(tmp_path):
    unit = tmp_path / "demo.service"
    unit.write_text(
        textwrap.dedent(
            """\
            [Service]
            ExecStart=/bin/sh -c 'echo "demo up in $$RUNTIME_DIRECTORY"; exec sleep 100'
            RuntimeDirectory=demo
            [X-Ready]
            Output=demo up
            """
        )
    )
    with unitrun.Context() as ctx:
        (e,) = ctx.load_units(str(unit))
        assert e.name == "demo.service"
        e.start()
        assert "demo up in " + ctx.runtime_dir in e.text()
        pid = e.pid
    assert not alive(pid)
    bad = tmp_path / "bad.service"
    bad.write_text("[Service]\nExecStart=/bin/true\nType=bogus\n")
    with unitrun.Context() as ctx, pytest.raises(unitrun.LoadError) as info:
        ctx.load_units([bad])
    assert f"{bad}:3:" in str(info.value)


def test_add_unit_and_assignments(tmp_path, port):
    with unitrun.Context() as ctx:
        e = ctx.add_unit("adhoc.service", [f"ExecStart={PY} -c '{TCP_SERVER}' {port} 0", f"TCP=127.0.0.1:{port}"])
        e.start()
        assert connects(port)


def test_context_close_stops_everything(port):
    ctx = unitrun.Context()
    e = ctx.executor([PY, "-c", TCP_SERVER, str(port), "0"], ready_tcp=port, timeout=10)
    e.start()
    pid = e.pid
    ctx.close()
    assert not alive(pid) and e.closed
    with pytest.raises(ValueError):
        e.start()


def test_setter_argument_errors(tmp_path):
    """One setter of each argument kind: a wrong type is a TypeError, a value the library
    refuses a ValueError (a readiness condition's with the library's reason), and every
    kind refuses an executor whose context is closed."""
    ctx = unitrun.Context()
    e = ctx.executor(["sleep", "100"])
    wrong = {
        "clear_env": (1,),  # none: takes no argument
        "set_remain_after_exit": (),  # bool: any object has a truth value, but one is needed
        "add_success_status": ("3",),  # int
        "set_ready_interval": ("0.1",),  # seconds
        "add_ready_tcp": (8080,),  # string
        "set_cwd": (3,),  # path
    }
    for method, args in wrong.items():
        with pytest.raises(TypeError):
            getattr(e, method)(*args)
    with pytest.raises(ValueError, match="success_status"):
        e.add_success_status(-1)
    with pytest.raises(ValueError, match="invalid TCP address 'nope'"):
        e.add_ready_tcp("nope")
    with pytest.raises(ValueError, match="invalid file path"):
        e.add_ready_file("")
    good = {
        "clear_env": (),
        "set_remain_after_exit": (True,),
        "add_success_status": (3,),
        "set_ready_interval": (0.1,),
        "add_ready_tcp": ("127.0.0.1:1",),
        "set_cwd": (tmp_path,),
    }
    for method, args in good.items():
        assert getattr(e, method)(*args) is None
    ctx.close()
    for method, args in good.items():
        with pytest.raises(ValueError, match="closed"):
            getattr(e, method)(*args)

def test_del_without_stop(tmp_path):
    pidfile = tmp_path / "child.pid"
    e = unitrun.Executor(f"sh -c 'sleep 300 & echo $! > {pidfile}; wait'", shell=True, timeout=10)
    e.start()
    child = read_pid(str(pidfile))
    del e
    gc.collect()
    assert wait_gone(child, 5)


def test_parallel_start_all_and_threads():
    with unitrun.Context() as ctx:
        ports = [free_port() for _ in range(3)]
        for p in ports:
            ctx.executor([PY, "-c", TCP_SERVER, str(p), "1.0"], ready_tcp=p, timeout=20)
        t0 = time.monotonic()
        ctx.start_all()
        took = time.monotonic() - t0
        assert all(connects(p) for p in ports)
        assert took < 2.8, took  # serially it would be >= 3 s
        ctx.stop_all()
        assert not any(connects(p) for p in ports)

    # Threads, a context each: the GIL is released while the library waits.
    errors = []

    def one():
        try:
            with unitrun.Context() as c:
                p = free_port()
                with c.executor([PY, "-c", TCP_SERVER, str(p), "1.0"], ready_tcp=p, timeout=20):
                    assert connects(p)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(3)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert time.monotonic() - t0 < 2.8


LISTEN_AGAIN = """
import socket, sys, time
def listen(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(8); return s
a = listen(int(sys.argv[1]))
time.sleep(float(sys.argv[3]))
try:
    b = listen(int(sys.argv[2]))
    print("second listen: ok", flush=True)
except OSError as e:
    print("second listen:", e, flush=True)
time.sleep(60)
"""


def test_started_from_a_thread_that_ends(port):
    # The unit's listen() calls go through the launcher's seccomp answerer for the unit's
    # whole life: a thread that started the unit and then ended must not take it along
    # (a PR_SET_PDEATHSIG answerer did: the second listen() failed with ENOSYS).
    second = free_port()
    with unitrun.Context() as ctx:
        e = ctx.executor([PY, "-c", LISTEN_AGAIN, str(port), str(second), "0.5"], ready_tcp=port, timeout=20)
        t = threading.Thread(target=e.start)
        t.start()
        t.join()
        assert e.running()
        deadline = time.monotonic() + 10
        while "second listen" not in e.text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "second listen: ok" in e.text(), e.text()
        assert connects(second)
        e.stop()


def test_ctrl_c_during_start_tears_down(tmp_path):
    pidfile = tmp_path / "p"
    script = textwrap.dedent(
        f"""
        import unitrun
        e = unitrun.Executor("echo $$ > {pidfile}; exec sleep 300", shell=True, ready_tcp={free_port()}, timeout=60)
        e.start()
        """
    )
    proc = subprocess.Popen([PY, "-c", script], stderr=subprocess.PIPE, env=dict(os.environ))
    child = read_pid(str(pidfile))
    assert alive(child)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert b"KeyboardInterrupt" in err
    assert proc.returncode != 0
    assert wait_gone(child, 5)

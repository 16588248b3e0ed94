"""benchmarks/harness/dask_probe.py: an address where no dask scheduler speaks fails in seconds.

Each server listens on 127.0.0.1 in a thread of the test: one that sends an SSH banner,
one that accepts and never answers, an HTTP server, none at all. The command says
"no dask scheduler at ADDRESS" as a usage error, with no traceback, before it loads
any data; a call that is still connecting after a deadline fails the test instead of
hanging it.
"""

import contextlib
import http.server
import socket
import threading
import time

import pytest

distributed = pytest.importorskip(
    "distributed", reason="the --scheduler tests need dask.distributed: "
                          "pip install 'featbench[dask]'")

import benchmarks.harness.dask_probe as dask_probe  # noqa: E402
from benchmarks.harness.cli import main  # noqa: E402

# Well above the handshake time these tests allow (1 s), well below a hang.
DEADLINE = 20


@pytest.fixture(autouse=True)
def short_timeouts(monkeypatch):
    monkeypatch.setattr(dask_probe, "CONNECT_TIMEOUT", 1)
    monkeypatch.setattr(dask_probe, "HANDSHAKE_TIMEOUT", 1)


@contextlib.contextmanager
def _tcp_server(answer):
    """A server on 127.0.0.1 that calls ``answer(connection)`` on each connection.

    Yields its address; its connections stay open until the block ends.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop, connections = threading.Event(), []

    def serve():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connections.append(connection)
            answer(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        listener.close()
        for connection in connections:
            connection.close()


@contextlib.contextmanager
def _http_server():
    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the name http.server calls)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hello")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _within(seconds, function, *args, **kwargs):
    """``function(*args, **kwargs)``, its exception or its result, and the seconds it took.

    Called in a thread: a call still connecting after ``seconds`` fails the test.
    """
    done = {}

    def call():
        start = time.monotonic()
        try:
            done["result"] = function(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 (the caller says what it expects)
            done["raised"] = exc
        done["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still connecting after {seconds} s"
    return done.get("result"), done.get("raised"), done["seconds"]


def _run_at(address, tmp_path, capsys):
    """``featbench run --scheduler address``: its exit status, stderr and seconds."""
    code, raised, seconds = _within(DEADLINE, main, [
        "run", "--dataset", "digits", "--pipelines", "color/svm", "--no-cache", "--quiet",
        "--scheduler", address, "--out", str(tmp_path / "r")])
    assert raised is None, f"main() raised {raised!r}"
    return code, capsys.readouterr().err, seconds


def _said(err, address, why):
    assert err.startswith(f"featbench run: error: --scheduler: no dask scheduler at "
                          f"{address}: {why}"), err
    assert "'dask scheduler'" in err and "--scheduler local:N" in err
    assert "Traceback" not in err


def test_a_server_that_sends_a_banner_is_no_scheduler(no_work, tmp_path, capsys):
    def banner(connection):
        connection.sendall(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n")

    with _tcp_server(banner) as address:
        code, err, seconds = _run_at(address, tmp_path, capsys)
    assert code == 2
    _said(err, address, r"it sent b'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n', not a "
                        r"dask handshake")
    assert seconds < 5  # the banner is refused as soon as it comes


@pytest.mark.parametrize("server", [lambda: _tcp_server(lambda connection: None),
                                    _http_server], ids=["never-answers", "http"])
def test_a_server_that_sends_nothing_first_is_no_scheduler(server, no_work, tmp_path,
                                                            capsys):
    with server() as address:
        code, err, seconds = _run_at(address, tmp_path, capsys)
    assert code == 2
    _said(err, address, "it accepted the connection but sent no dask handshake within 1 s")
    assert seconds < 10


def test_a_server_that_closes_at_once_is_no_scheduler(no_work, tmp_path, capsys):
    with _tcp_server(lambda connection: connection.close()) as address:
        code, err, _ = _run_at(address, tmp_path, capsys)
    assert code == 2
    _said(err, address, "it closed the connection without sending a dask handshake")


def test_an_address_where_nothing_listens_is_said(no_work, tmp_path, capsys):
    with socket.socket() as sock:  # a free port on this machine, with no one listening
        sock.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
    code, err, _ = _run_at(address, tmp_path, capsys)
    assert code == 2
    _said(err, address, "nothing listens there (connection refused for 1 s)")


def test_a_silent_server_behind_another_dask_protocol_is_no_scheduler(no_work, tmp_path,
                                                                      capsys):
    # ws:// is connected through dask's own comms, under the same overall deadline.
    with _tcp_server(lambda connection: None) as address:
        address = address.replace("tcp://", "ws://")
        code, err, seconds = _run_at(address, tmp_path, capsys)
    assert code == 2
    _said(err, address, "")
    assert seconds < 10


def test_the_api_says_it_as_an_os_error(tmp_path):
    from benchmarks.harness.runner import run_benchmark
    from tests.benchmarks.harness._data import tiny_dataset

    with _tcp_server(lambda connection: None) as address:
        _, raised, _ = _within(DEADLINE, run_benchmark, tiny_dataset(), ["hog/svm"],
                               out=tmp_path / "r", use_cache=False, quiet=True,
                               scheduler=address)
    assert isinstance(raised, OSError)
    assert str(raised).startswith(f"--scheduler: no dask scheduler at {address}: ")
    assert not (tmp_path / "r").exists()  # refused before any work

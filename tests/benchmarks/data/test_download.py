"""Download, md5 check, atomic write and safe extraction, against a local HTTP server.

The server listens on 127.0.0.1 only and serves archives the tests build, so
nothing here touches the network.
"""

import hashlib
import io
import os
import pickle
import subprocess
import sys
import tarfile
import threading
import time
from unittest import mock
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

import benchmarks.data.download as download_module
from benchmarks.data.download import (
    ARCHIVES,
    URL_ENV,
    DownloadError,
    UnsafeArchiveError,
    archive_url,
    download_cifar10,
    fetch,
    file_md5,
    safe_extract,
)
from tests.conftest import REPO_ROOT

PY_NAME, _, PY_FOLDER = ARCHIVES["python"]
BIN_NAME, _, BIN_FOLDER = ARCHIVES["binary"]


def _batch_bytes(seed):
    """A tiny batch in the official python layout (3 images)."""
    data = np.random.default_rng(seed).integers(0, 256, size=(3, 3072), dtype=np.uint8)
    batch = {b"batch_label": b"fake", b"labels": [0, 1, 2], b"data": data,
             b"filenames": [b"a.png", b"b.png", b"c.png"]}
    return pickle.dumps(batch, protocol=2)


def _make_tar(entries):
    """Build a tar.gz in memory from (TarInfo-kwargs, data-or-None) pairs."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for info_kw, data in entries:
            info = tarfile.TarInfo(info_kw["name"])
            for key, value in info_kw.items():
                setattr(info, key, value)
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


FAKE_FILES = {
    f"{PY_FOLDER}/data_batch_1": _batch_bytes(1),
    f"{PY_FOLDER}/test_batch": _batch_bytes(2),
    f"{PY_FOLDER}/batches.meta": pickle.dumps({b"label_names": [b"a", b"b", b"c"]}),
}


def _good_archive(folder=PY_FOLDER, files=FAKE_FILES):
    entries = [({"name": folder, "type": tarfile.DIRTYPE, "mode": 0o755}, None)]
    entries += [({"name": name.replace(PY_FOLDER, folder, 1)}, data)
                for name, data in files.items()]
    return _make_tar(entries)


GOOD = _good_archive()
GOOD_MD5 = hashlib.md5(GOOD).hexdigest()


class _Server:
    """Routes: path -> (body, mode) with mode 'ok', 'truncate', 'stall', 'endless' or
    'drip'; counts GETs."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                if self.path not in server.routes:
                    self.send_error(404)
                    return
                body, mode = server.routes[self.path]
                self.send_response(200)
                self.send_header("Content-Type", "application/gzip")
                if mode in ("endless", "drip"):
                    self._dribble(body, mode)
                    return
                # 'truncate' promises more than it sends, then hangs up.
                extra = 1000 if mode == "truncate" else 0
                self.send_header("Content-Length", str(len(body) + extra))
                self.end_headers()
                if mode == "stall":  # half the body, then nothing until released
                    self.wfile.write(body[:len(body) // 2])
                    self.wfile.flush()
                    server.release.wait(30)
                    self.close_connection = True
                    return
                self.wfile.write(body)
                self.close_connection = True

            def _dribble(self, body, mode):
                """'endless': no length, ``body`` again and again (64 MB at most);
                'drip': the length of ``body``, then one byte every 50 ms."""
                if mode == "drip":
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.close_connection = True
                pieces = ([body] * (64 * 2**20 // len(body)) if mode == "endless"
                          else [body[i:i + 1] for i in range(len(body))])
                try:
                    for piece in pieces:
                        self.wfile.write(piece)
                        self.wfile.flush()
                        if mode == "drip" and server.release.wait(0.05):
                            return
                except OSError:  # the client hung up: what the tests expect
                    return

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mirror/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)

    def serve(self, name, body, mode="ok"):
        self.routes[f"/mirror/{name}"] = (body, mode)


@pytest.fixture
def server():
    srv = _Server()
    srv.thread.start()
    yield srv
    srv.release.set()
    srv.httpd.shutdown()
    srv.httpd.server_close()
    srv.thread.join(timeout=5)


@pytest.fixture
def dest(tmp_path):
    d = tmp_path / "dest"
    d.mkdir()
    return d


def _names(folder):
    return sorted(p.name for p in Path(folder).iterdir())


def _download(server, dest, **kw):
    kw.setdefault("md5", GOOD_MD5)
    return download_cifar10(dest=dest, url=server.url, progress=False, timeout=5, **kw)


# ---- the happy path -------------------------------------------------------


def test_right_md5_extracts_and_returns_folder(server, dest):
    server.serve(PY_NAME, GOOD)
    folder = _download(server, dest)
    assert folder == dest / PY_FOLDER
    for name, data in FAKE_FILES.items():
        assert (dest / name).read_bytes() == data
    assert file_md5(dest / PY_NAME) == GOOD_MD5
    # only the archive and the folder: no temporary file or staging folder left
    assert _names(dest) == sorted([PY_NAME, PY_FOLDER])


def test_binary_format_fetches_binary_archive(server, dest):
    archive = _good_archive(BIN_FOLDER, {f"{PY_FOLDER}/data_batch_1.bin": b"\x03" * 3073})
    server.serve(BIN_NAME, archive)
    folder = _download(server, dest, fmt="binary", md5=hashlib.md5(archive).hexdigest())
    assert folder == dest / BIN_FOLDER
    assert (folder / "data_batch_1.bin").read_bytes() == b"\x03" * 3073
    assert server.requests == [f"/mirror/{BIN_NAME}"]


def test_env_var_sets_base_url(server, dest, monkeypatch):
    server.serve(PY_NAME, GOOD)
    monkeypatch.setenv(URL_ENV, server.url)
    folder = download_cifar10(dest=dest, progress=False, timeout=5, md5=GOOD_MD5)
    assert folder.is_dir() and server.requests == [f"/mirror/{PY_NAME}"]


def test_default_dest_is_cache_dir(server, tmp_path, monkeypatch):
    monkeypatch.setenv("FEATBENCH_CACHE", str(tmp_path / "cache"))
    server.serve(PY_NAME, GOOD)
    folder = download_cifar10(url=server.url, progress=False, timeout=5, md5=GOOD_MD5)
    assert folder == tmp_path / "cache" / PY_FOLDER


def test_progress_bar_goes_to_stderr(server, dest, capsys):
    server.serve(PY_NAME, GOOD)
    download_cifar10(dest=dest, url=server.url, progress=True, timeout=5, md5=GOOD_MD5)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert PY_NAME in captured.err


# ---- failed downloads leave nothing behind --------------------------------


def test_wrong_md5_is_an_error_and_leaves_nothing(server, dest):
    server.serve(PY_NAME, GOOD)
    with pytest.raises(DownloadError, match=rf"md5 mismatch for {PY_NAME}.*expected 0{{32}}, "
                                            rf"received {GOOD_MD5}.*run the download again"):
        _download(server, dest, md5="0" * 32)
    assert _names(dest) == []


def test_truncated_transfer_is_an_error_and_leaves_nothing(server, dest):
    server.serve(PY_NAME, GOOD, mode="truncate")
    with pytest.raises(DownloadError, match=rf"cut off: received {len(GOOD)} of "
                                            rf"{len(GOOD) + 1000} bytes"):
        _download(server, dest)
    assert _names(dest) == []


def test_http_error_names_the_url(server, dest):
    expected = rf"downloading {server.url}{PY_NAME} failed.*HTTP 404.*Check the"
    with pytest.raises(DownloadError, match=expected):
        _download(server, dest)
    assert _names(dest) == []


def test_connection_refused_names_the_url(dest):
    # Bind and close a port so nothing listens on it.
    probe = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = probe.server_address[1]
    probe.server_close()
    url = f"http://127.0.0.1:{port}/"
    with pytest.raises(DownloadError, match=rf"downloading {url}{PY_NAME} failed"):
        download_cifar10(dest=dest, url=url, progress=False, timeout=5, md5=GOOD_MD5)
    assert _names(dest) == []


def test_interrupted_download_removes_temp_file(server, dest, monkeypatch):
    server.serve(PY_NAME, GOOD)
    # Ctrl-C arrives while the first chunk is being counted by the progress bar.
    bar = mock.MagicMock()
    bar.__enter__.return_value.update.side_effect = KeyboardInterrupt
    monkeypatch.setattr(download_module, "tqdm", lambda *args, **kwargs: bar)
    with pytest.raises(KeyboardInterrupt):
        _download(server, dest)
    assert bar.__enter__.return_value.update.called
    assert _names(dest) == []


def test_a_killed_download_leaves_no_part_file_once_the_next_one_succeeds(server, dest):
    body = np.random.default_rng(0).bytes(400_000)  # several chunks before the stall
    md5 = hashlib.md5(body).hexdigest()
    server.serve("big.bin", body, mode="stall")
    code = (f"from benchmarks.data.download import fetch; "
            f"fetch({server.url + 'big.bin'!r}, {str(dest / 'big.bin')!r}, {md5!r}, "
            f"progress=False, timeout=30)")
    child = subprocess.Popen([sys.executable, "-c", code], cwd=REPO_ROOT)
    try:
        deadline = time.monotonic() + 30
        while not any(p.name.endswith(".part") and p.stat().st_size > 0
                      for p in dest.iterdir()):
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        child.kill()  # SIGKILL: no cleanup code of the child runs
        child.wait()
    server.release.set()
    server.serve("big.bin", body)
    fetch(server.url + "big.bin", dest / "big.bin", md5, progress=False, timeout=5)
    assert _names(dest) == ["big.bin"] and (dest / "big.bin").read_bytes() == body


def test_a_download_in_progress_is_not_disturbed_by_a_second_one(server, dest, monkeypatch):
    if download_module.fcntl is None:
        pytest.skip("no fcntl: downloads are not locked on this platform")
    part = dest / f".{PY_NAME}.part"
    holder = open(part, "wb")
    download_module.fcntl.flock(holder, download_module.fcntl.LOCK_EX)
    try:
        with pytest.raises(DownloadError, match=r"another download is writing .*\.part"):
            _download(server, dest)
        assert part.exists() and server.requests == []
    finally:
        holder.close()


@pytest.fixture(params=[0o022, 0o027])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_the_archive_gets_the_users_umask(server, dest, umask):
    server.serve(PY_NAME, GOOD)
    _download(server, dest)
    assert oct((dest / PY_NAME).stat().st_mode & 0o777) == oct(0o666 & ~umask)


# ---- nothing the user has is overwritten ----------------------------------


def test_existing_good_archive_is_not_downloaded_again(server, dest):
    (dest / PY_NAME).write_bytes(GOOD)
    folder = _download(server, dest)
    assert server.requests == []
    assert (folder / "test_batch").read_bytes() == FAKE_FILES[f"{PY_FOLDER}/test_batch"]


def test_existing_folder_skips_everything(server, dest):
    (dest / PY_FOLDER).mkdir()
    (dest / PY_FOLDER / "mine.txt").write_text("keep")
    assert _download(server, dest) == dest / PY_FOLDER
    assert server.requests == []
    assert _names(dest / PY_FOLDER) == ["mine.txt"]


def test_existing_archive_with_other_md5_is_kept_and_reported(server, dest):
    server.serve(PY_NAME, GOOD)
    (dest / PY_NAME).write_bytes(b"the user's own file")
    with pytest.raises(DownloadError, match=r"already exists but its md5 is .*delete or move"):
        _download(server, dest)
    assert (dest / PY_NAME).read_bytes() == b"the user's own file"
    assert server.requests == []


def test_extract_refuses_to_overwrite_existing_entry(tmp_path, dest):
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(GOOD)
    (dest / PY_FOLDER).write_text("not a folder, but the user's")
    with pytest.raises(DownloadError, match=rf"{PY_FOLDER} already exist"):
        safe_extract(archive, dest)
    assert (dest / PY_FOLDER).read_text() == "not a folder, but the user's"
    assert _names(dest) == [PY_FOLDER]


# ---- hostile archives -----------------------------------------------------

F = PY_FOLDER
MALICIOUS = {
    "absolute": ({"name": "/tmp/featbench-evil"}, b"x", "/tmp/featbench-evil"),
    "dotdot": ({"name": "../evil"}, b"x", "../evil"),
    "nested-dotdot": ({"name": f"{F}/../../evil"}, b"x", f"{F}/../../evil"),
    "symlink-etc": ({"name": f"{F}/etc", "type": tarfile.SYMTYPE, "linkname": "/etc"},
                    None, f"{F}/etc"),
    "symlink-up": ({"name": f"{F}/up", "type": tarfile.SYMTYPE, "linkname": "../../.."},
                   None, f"{F}/up"),
    "hardlink-out": ({"name": f"{F}/hl", "type": tarfile.LNKTYPE, "linkname": "../evil"},
                     None, f"{F}/hl"),
    "hardlink-abs": ({"name": f"{F}/pw", "type": tarfile.LNKTYPE, "linkname": "/etc/passwd"},
                     None, f"{F}/pw"),
    "device": ({"name": f"{F}/dev", "type": tarfile.CHRTYPE, "devmajor": 1, "devminor": 3},
               None, f"{F}/dev"),
    "fifo": ({"name": f"{F}/fifo", "type": tarfile.FIFOTYPE}, None, f"{F}/fifo"),
}


def _malicious_archive(kind):
    info_kw, data, _ = MALICIOUS[kind]
    # A harmless member first: proves nothing is extracted before the check.
    return _make_tar([({"name": F, "type": tarfile.DIRTYPE, "mode": 0o755}, None),
                      ({"name": f"{F}/ok"}, b"fine"),
                      (info_kw, data)])


@pytest.mark.parametrize("kind", sorted(MALICIOUS))
def test_malicious_member_is_refused_by_name(tmp_path, dest, kind):
    archive = tmp_path / "evil.tar.gz"
    archive.write_bytes(_malicious_archive(kind))
    before = _names(tmp_path)
    with pytest.raises(UnsafeArchiveError, match=repr(MALICIOUS[kind][2]).replace(".", r"\.")):
        safe_extract(archive, dest)
    assert _names(dest) == []  # not even the harmless member, no staging folder
    assert _names(tmp_path) == before
    assert not Path("/tmp/featbench-evil").exists()


def test_malicious_archive_via_download_writes_nothing_but_the_archive(server, dest):
    body = _malicious_archive("symlink-etc")
    server.serve(PY_NAME, body)
    with pytest.raises(UnsafeArchiveError, match="symlink to absolute path '/etc'"):
        _download(server, dest, md5=hashlib.md5(body).hexdigest())
    assert _names(dest) == [PY_NAME]


def test_every_unsafe_member_is_listed(tmp_path, dest):
    archive = tmp_path / "evil.tar.gz"
    archive.write_bytes(_make_tar([({"name": "../a"}, b"x"), ({"name": "/b"}, b"y")]))
    with pytest.raises(UnsafeArchiveError, match=r"2 unsafe member\(s\): '\.\./a'.*'/b'"):
        safe_extract(archive, dest)


def test_link_inside_destination_is_allowed(tmp_path, dest):
    archive = tmp_path / "ok.tar.gz"
    archive.write_bytes(_make_tar([
        ({"name": F, "type": tarfile.DIRTYPE, "mode": 0o755}, None),
        ({"name": f"{F}/real"}, b"data"),
        ({"name": f"{F}/alias", "type": tarfile.SYMTYPE, "linkname": "real"}, None),
    ]))
    assert safe_extract(archive, dest) == [dest / F]
    assert (dest / F / "alias").read_bytes() == b"data"


def test_failed_extraction_leaves_no_half_folder(tmp_path, dest, monkeypatch):
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(GOOD)

    def extract_some_then_fail(self, path=".", members=None, **kwargs):
        for member in (members or self.getmembers())[:2]:  # the folder and one file
            self.extract(member, path, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tarfile.TarFile, "extractall", extract_some_then_fail)
    with pytest.raises(OSError, match="No space left"):
        safe_extract(archive, dest)
    assert _names(dest) == []  # neither a partial folder nor the staging folder


def test_corrupt_archive_is_a_clear_error(tmp_path, dest):
    archive = tmp_path / "broken.tar.gz"
    archive.write_bytes(GOOD[: len(GOOD) // 2])
    with pytest.raises(DownloadError, match=rf"cannot read the archive {archive}.*download"):
        safe_extract(archive, dest)
    assert _names(dest) == []


def test_archive_without_expected_folder_is_an_error(server, dest):
    body = _good_archive("something-else")
    server.serve(PY_NAME, body)
    with pytest.raises(DownloadError, match=rf"holds no {PY_FOLDER} folder"):
        _download(server, dest, md5=hashlib.md5(body).hexdigest())


# ---- bad arguments --------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pickle", "", None, "PYTHON"])
def test_bad_fmt_names_allowed_values(dest, fmt):
    with pytest.raises(ValueError, match=r"fmt must be one of \['binary', 'python'\]"):
        download_cifar10(dest=dest, fmt=fmt)


@pytest.mark.parametrize("timeout", [0, -1, "10", True])
def test_bad_timeout(dest, timeout):
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        download_cifar10(dest=dest, timeout=timeout)


def test_dest_that_is_a_file_is_refused(server, tmp_path):
    dest = tmp_path / "a-file"
    dest.write_text("mine")
    with pytest.raises(DownloadError, match=rf"dest {dest} exists and is not a folder"):
        _download(server, dest)
    assert dest.read_text() == "mine" and server.requests == []


@pytest.mark.parametrize("url", ["ftp://example.org/", "127.0.0.1:8000/x", "mirror"])
def test_bad_url_scheme(url):
    with pytest.raises(ValueError, match=r"url must be an http\(s\):// or file:// URL"):
        archive_url("python", url)


def test_archive_url_defaults_to_official(monkeypatch):
    monkeypatch.delenv(URL_ENV, raising=False)
    assert archive_url("python") == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert ARCHIVES["python"][1] == "c58f30108f718f92721af3b95e74349a"
    assert ARCHIVES["binary"][1] == "c32a1d4ab5d03f1284b67883e8d87530"

import errno
import json
import os

import pytest

from benchmarks.harness import atomic
from benchmarks.harness.atomic import check_writable, write_bytes_atomic, write_json_atomic


def test_write_replaces_and_leaves_no_temp(tmp_path):
    path = tmp_path / "sub" / "f.json"
    write_json_atomic(path, {"a": 1})
    write_json_atomic(path, {"a": 2})
    assert json.loads(path.read_text()) == {"a": 2}
    assert os.listdir(path.parent) == ["f.json"]


def test_failed_write_keeps_old_content(tmp_path):
    path = tmp_path / "f.bin"
    write_bytes_atomic(path, b"old")
    with pytest.raises(TypeError):
        write_bytes_atomic(path, "not bytes")
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["f.bin"]


def test_check_writable_refuses_unwritable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(PermissionError, match=r"--out folder .*file/sub is not writable"):
        check_writable(blocker / "sub")


@pytest.fixture(params=[0o022, 0o027, 0o077])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_written_files_get_the_users_umask(tmp_path, umask):
    path = tmp_path / "results.csv"
    write_bytes_atomic(path, b"a")
    write_bytes_atomic(path, b"b")  # replaced, still with the umask's mode
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~umask)


@pytest.mark.parametrize("code, hint", [
    (errno.ENOSPC, "the disk is full: free space on it, or write somewhere else"),
    (errno.EFBIG, r"the file would exceed the file-size limit of this process "
                  r"\(ulimit -f\).*raise the limit"),
])
def test_write_errors_name_the_file_and_say_what_to_do(tmp_path, monkeypatch, code, hint):
    path = tmp_path / "results.json"
    write_bytes_atomic(path, b"old")

    def failing_fsync(fd):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(atomic.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match=rf"writing {path} failed: {os.strerror(code)}; {hint}") \
            as info:
        write_json_atomic(path, {"a": 1})
    assert info.value.errno == code
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["results.json"]


def test_permission_errors_stay_permission_errors(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic, "_create_temp", denied)
    with pytest.raises(PermissionError, match=rf"writing {tmp_path / 'f.bin'} failed: "
                                              rf"Permission denied"):
        write_bytes_atomic(tmp_path / "f.bin", b"x")

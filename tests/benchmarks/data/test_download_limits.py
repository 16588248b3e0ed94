"""Downloads and extraction stop at a size, a ratio and a deadline; write errors name the file."""

import errno
import tarfile
import time

import pytest

import benchmarks.data.download as download_module
from benchmarks.data.download import DownloadError, UnsafeArchiveError, fetch, safe_extract
from tests.benchmarks.data.test_download import (  # noqa: F401 - fixtures
    GOOD, GOOD_MD5, PY_FOLDER, PY_NAME, _download, _make_tar, _names, dest, server,
)


def test_endless_body_stops_at_max_bytes_and_saves_nothing(server, dest):
    server.serve("big.bin", b"x" * 4096, mode="endless")
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"stopped: received [\d,]+ bytes, more than the "
                                            r"10,000 expected .*nothing was saved"):
        fetch(server.url + "big.bin", dest / "big.bin", "0" * 32, progress=False, timeout=5,
              max_bytes=10_000)
    assert time.monotonic() - started < 2
    assert _names(dest) == []


def test_announced_length_over_max_bytes_is_refused_before_reading(server, dest):
    server.serve(PY_NAME, GOOD)
    with pytest.raises(DownloadError, match=rf"the server announces {len(GOOD):,} bytes, more "
                                            rf"than the {len(GOOD) - 1:,} expected"):
        fetch(server.url + PY_NAME, dest / PY_NAME, GOOD_MD5, progress=False, timeout=5,
              max_bytes=len(GOOD) - 1)
    assert _names(dest) == []


def test_download_cifar10_stops_at_the_official_size(server, dest, monkeypatch):
    monkeypatch.setitem(download_module.SIZES, "python", 5000)
    server.serve(PY_NAME, b"x" * 4096, mode="endless")
    with pytest.raises(DownloadError, match=r"more than the 5,000 expected \(the archive's size\)"):
        _download(server, dest, md5=None)
    assert _names(dest) == []


def test_another_md5_allows_twice_the_official_size(server, dest, monkeypatch):
    monkeypatch.setitem(download_module.SIZES, "python", len(GOOD) // 2 + 1)
    server.serve(PY_NAME, GOOD)
    assert _download(server, dest) == dest / PY_FOLDER  # GOOD_MD5 is not the official md5


def test_deadline_stops_a_server_that_sends_a_byte_at_a_time(server, dest):
    server.serve(PY_NAME, GOOD, mode="drip")  # a byte every 50 ms: minutes for GOOD
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"stopped after 0\.\d s, over the deadline of 0\.4 s "
                                            r"\([\d,]+ bytes received\); nothing was saved.*"
                                            r"deadline="):
        _download(server, dest, deadline=0.4)
    assert time.monotonic() - started < 2
    assert _names(dest) == []


@pytest.mark.parametrize("kw, name", [({"deadline": 0}, "deadline"),
                                      ({"deadline": "1"}, "deadline"),
                                      ({"max_bytes": 0}, "max_bytes"),
                                      ({"max_bytes": 1.5}, "max_bytes")])
def test_bad_limits_are_refused(dest, kw, name):
    with pytest.raises(ValueError, match=rf"{name} must be a positive number"):
        download_module.download_cifar10(dest=dest, **kw)


def test_full_disk_names_the_file_and_keeps_the_errno(server, dest, monkeypatch):
    server.serve(PY_NAME, GOOD)

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(download_module.os, "fsync", disk_full)
    with pytest.raises(DownloadError, match=rf"saving the download to {dest / PY_NAME} failed: "
                                            rf"No space left on device; the disk is full: free "
                                            rf"space") as info:
        _download(server, dest)
    assert info.value.errno == errno.ENOSPC
    assert _names(dest) == []


# ---- extraction limits ------------------------------------------------------------


def _archive(tmp_path, size, name="a.tar.gz"):
    path = tmp_path / name
    path.write_bytes(_make_tar([({"name": f"{PY_FOLDER}/zeros"}, bytes(size))]))
    return path


def test_extraction_refuses_more_than_max_bytes(tmp_path, dest):
    archive = _archive(tmp_path, 5000)
    with pytest.raises(UnsafeArchiveError, match=rf"refusing to extract {archive}: its members "
                                                 rf"declare 5,000 bytes \(so far\), over the "
                                                 rf"limit of 4,999.*raise max_bytes"):
        safe_extract(archive, dest, max_bytes=4999)
    assert _names(dest) == []


def test_extraction_refuses_a_high_ratio_by_default(tmp_path, dest):
    archive = _archive(tmp_path, 2 * 2**20)  # 2 MB of zeros in about 2 KB
    assert archive.stat().st_size * 100 < 2 * 2**20
    with pytest.raises(UnsafeArchiveError, match=r"declare 2,097,152 bytes \(so far\), [\d,]+ "
                                                 r"times its [\d,]+ bytes, over the limit of "
                                                 r"100 times.*raise max_ratio"):
        safe_extract(archive, dest)
    assert _names(dest) == []
    assert safe_extract(archive, dest, max_ratio=10_000) == [dest / PY_FOLDER]


def test_extraction_stops_reading_at_the_member_over_the_limit(tmp_path, dest, monkeypatch):
    members = [({"name": f"{PY_FOLDER}/{i}"}, bytes(1000)) for i in range(50)]
    archive = tmp_path / "many.tar.gz"
    archive.write_bytes(_make_tar(members))
    seen = []
    real_next = tarfile.TarFile.next

    def counting(self):
        seen.append(1)
        return real_next(self)

    monkeypatch.setattr(tarfile.TarFile, "next", counting)
    with pytest.raises(UnsafeArchiveError, match=r"declare 3,000 bytes"):
        safe_extract(archive, dest, max_bytes=2500)
    assert len(seen) <= 4  # of 50 headers: reading stops at the third member


@pytest.mark.parametrize("kw", [{"max_bytes": 0}, {"max_ratio": -1}, {"max_bytes": "1"}])
def test_bad_extraction_limits_are_refused(tmp_path, dest, kw):
    with pytest.raises(ValueError, match=rf"{next(iter(kw))} must be a positive number"):
        safe_extract(_archive(tmp_path, 10), dest, **kw)


def test_full_disk_while_extracting_names_the_destination(tmp_path, dest, monkeypatch):
    archive = _archive(tmp_path, 10)

    def disk_full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tarfile.TarFile, "extractall", disk_full)
    with pytest.raises(DownloadError, match=rf"extracting {archive} into {dest} failed: No "
                                            rf"space left on device; the disk is full") as info:
        safe_extract(archive, dest)
    assert info.value.errno == errno.ENOSPC and _names(dest) == []


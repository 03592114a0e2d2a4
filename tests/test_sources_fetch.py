"""Finding sources locally, the download cache, and the failure without network."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from regionmap.errors import RegionmapError, SourceError
from regionmap.data.fetch import download_file, resolve_source
from regionmap.data.source_registry import load_registry

STATES = load_registry().by_role("states")


def no_download(url: str, dest: Path) -> None:
    raise AssertionError(f"unexpected download of {url}")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTP server: (base URL, directory it serves)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()
    httpd.server_close()


def test_source_dir_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for directory in (first, second):
        (directory / STATES.path).parent.mkdir(parents=True)
    (second / STATES.path).write_bytes(b"x")
    monkeypatch.setenv("REGIONMAP_SOURCE_DIR", str(second))
    found = resolve_source(STATES, first, download=no_download, cache=tmp_path / "cache")
    assert found.path == second / STATES.path and found.origin == "$REGIONMAP_SOURCE_DIR"
    (first / STATES.path).write_bytes(b"x")
    found = resolve_source(STATES, first, download=no_download, cache=tmp_path / "cache")
    assert found.path == first / STATES.path and found.origin == "--source-dir"


def test_relative_source_directories_are_resolved_against_the_current_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`REGIONMAP_SOURCE_DIR=../shared/data make test` in a fresh clone: relative means the current directory."""
    for name in ("env", "arg"):
        (tmp_path / "shared" / name / STATES.path).parent.mkdir(parents=True)
        (tmp_path / "shared" / name / STATES.path).write_bytes(name.encode())
    (tmp_path / "clone").mkdir()
    monkeypatch.chdir(tmp_path / "clone")
    monkeypatch.setenv("REGIONMAP_SOURCE_DIR", "../shared/env")
    found = resolve_source(STATES, None, download=no_download, cache=tmp_path / "cache")
    assert found.path == tmp_path / "shared" / "env" / STATES.path and found.path.is_absolute()
    assert found.relative_file == STATES.path and found.base == tmp_path / "shared" / "env"
    by_arg = resolve_source(STATES, Path("../shared/arg"), download=no_download, cache=Path("../cache"))
    assert by_arg.path == tmp_path / "shared" / "arg" / STATES.path and by_arg.origin == "--source-dir"
    monkeypatch.chdir(tmp_path)  # the resolved paths still name the same files
    assert found.path.read_bytes() == b"env" and by_arg.path.read_bytes() == b"arg"


def test_source_dir_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REGIONMAP_SOURCE_DIR", raising=False)
    with pytest.raises(RegionmapError, match=r"--source-dir .*absent: not a directory"):
        resolve_source(STATES, tmp_path / "absent", download=no_download)


def test_no_network_and_no_local_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REGIONMAP_SOURCE_DIR", raising=False)
    source = dataclasses.replace(STATES, url=f"http://127.0.0.1:{closed_port()}/vg5000.zip")
    started = time.perf_counter()
    with pytest.raises(SourceError) as err:
        resolve_source(source, tmp_path, cache=tmp_path / "cache")
    assert time.perf_counter() - started < 5
    message = str(err.value)
    assert "source 'vg5000_lan'" in message
    assert str(tmp_path / STATES.path) in message  # the expected path
    assert "REGIONMAP_SOURCE_DIR" in message and "--source-dir" in message
    assert not any((tmp_path / "cache").rglob("*.part"))


def test_download_extracts_member_with_sidecars_and_caches(tmp_path: Path, server, monkeypatch) -> None:
    monkeypatch.delenv("REGIONMAP_SOURCE_DIR", raising=False)
    base, root = server
    member = STATES.download_member
    stem = member.rsplit(".", 1)[0]
    with zipfile.ZipFile(root / "vg5000.zip", "w") as zf:
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            zf.writestr(f"{stem}.{ext}", ext)
        zf.writestr(stem.replace("LAN", "KRS") + ".shp", "other layer")
    source = dataclasses.replace(STATES, url=f"{base}/vg5000.zip")
    cache = tmp_path / "cache"
    found = resolve_source(source, cache=cache)
    assert found.origin == "download" and found.path == cache / "vg5000_lan" / "VG5000_LAN.shp"
    assert sorted(p.name for p in found.path.parent.iterdir()) == [
        "VG5000_LAN.cpg", "VG5000_LAN.dbf", "VG5000_LAN.prj", "VG5000_LAN.shp", "VG5000_LAN.shx", "vg5000.zip"]
    again = resolve_source(source, cache=cache, download=no_download)
    assert again.origin == "cache" and again.path == found.path


def test_download_without_member_keeps_the_archive_and_layer(tmp_path: Path, server, monkeypatch) -> None:
    monkeypatch.delenv("REGIONMAP_SOURCE_DIR", raising=False)
    base, root = server
    (root / "vg250.gpkg.zip").write_bytes(b"zip")
    source = dataclasses.replace(load_registry().by_role("municipalities"), url=f"{base}/vg250.gpkg.zip")
    found = resolve_source(source, cache=tmp_path)
    assert found.path == tmp_path / "vg250_ew" / "vg250.gpkg.zip" and found.layer == "vg250_gem"


def test_download_of_a_missing_url_leaves_no_file(tmp_path: Path, server) -> None:
    base, _ = server
    with pytest.raises(OSError, match="404"):
        download_file(f"{base}/absent.zip", tmp_path / "dl" / "absent.zip")
    assert list((tmp_path / "dl").iterdir()) == []


def test_archive_without_the_member(tmp_path: Path, server, monkeypatch) -> None:
    monkeypatch.delenv("REGIONMAP_SOURCE_DIR", raising=False)
    base, root = server
    with zipfile.ZipFile(root / "vg5000.zip", "w") as zf:
        zf.writestr("readme.txt", "nothing here")
    source = dataclasses.replace(STATES, url=f"{base}/vg5000.zip")
    with pytest.raises(SourceError, match="downloaded archive has no member"):
        resolve_source(source, cache=tmp_path)

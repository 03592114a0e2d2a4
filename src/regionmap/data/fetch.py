"""Find a source dataset locally, or download its official distribution into the cache."""

from __future__ import annotations

import http.client
import shutil
import sys
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tqdm import tqdm

from regionmap import __version__, config
from regionmap.config import SOURCE_DIR_ENV
from regionmap.errors import RegionmapError, SourceError
from regionmap.data.source_registry import Source

Downloader = Callable[[str, Path], None]
"""Downloads a URL to a file; raises OSError (or http.client.HTTPException, ValueError) when it cannot."""

DOWNLOAD_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ResolvedSource:
    """Where a source's dataset was found: an absolute `path` inside the directory `base` (None for --boundaries)."""

    source: Source
    path: Path
    origin: str  # "--source-dir", "$REGIONMAP_SOURCE_DIR", "cache", "download" or "--boundaries"
    layer: str | None = None  # the layer to read in a multi-layer download (registry `download_layer`)
    base: Path | None = None  # the source directory or the download cache the path lies in

    @property
    def relative_file(self) -> str:
        """The file relative to its directory (the same on every machine), or its absolute path without one."""
        return self.path.relative_to(self.base).as_posix() if self.base is not None else str(self.path)


def download_file(url: str, dest: Path, *, timeout: float = DOWNLOAD_TIMEOUT_S) -> None:
    """Download `url` to `dest` with a progress bar on stderr; `dest` only appears once complete."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    request = urllib.request.Request(url, headers={"User-Agent": f"regionmap/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, part.open("wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=dest.name,
                      file=sys.stderr) as bar:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    bar.update(len(chunk))
        part.replace(dest)
    finally:
        part.unlink(missing_ok=True)


def source_directories(source_dir: Path | None) -> list[tuple[str, Path]]:
    """The directories searched for sources, in order: `--source-dir`, then `$REGIONMAP_SOURCE_DIR` (both absolute)."""
    dirs: list[tuple[str, Path]] = []
    if source_dir is not None:
        dirs.append(("--source-dir", config.resolve_path(source_dir)))
    env_dir = config.source_dir()
    if env_dir is not None:
        dirs.append((f"${SOURCE_DIR_ENV}", env_dir))
    for label, directory in dirs:
        if not directory.is_dir():
            raise RegionmapError(f"{label} {directory}: not a directory")
    return dirs


def _cache_names(source: Source) -> tuple[str, str | None]:
    """The file name of the downloaded distribution and of the member extracted from it (if any)."""
    url_path = urllib.parse.unquote(urllib.parse.urlparse(source.url).path)
    archive = PurePosixPath(url_path).name or f"{source.id}.download"
    member = PurePosixPath(source.download_member).name if source.download_member else None
    return archive, member


def _extract_member(source: Source, archive: Path, target_dir: Path) -> Path:
    """Extract the registry's `download_member` (with its shapefile sidecars) from a downloaded zip."""
    member = PurePosixPath(source.download_member or "")
    try:
        with zipfile.ZipFile(archive) as zf:
            names = zf.namelist()
            if str(member) not in names:
                raise SourceError(source.id, archive, f"downloaded archive has no member '{member}'")
            siblings = [n for n in names
                        if PurePosixPath(n).parent == member.parent and PurePosixPath(n).stem == member.stem]
            for name in sorted(siblings, key=lambda n: n == str(member)):  # the member itself last: it marks completion
                with zf.open(name) as src, (target_dir / PurePosixPath(name).name).open("wb") as dst:
                    shutil.copyfileobj(src, dst)
    except zipfile.BadZipFile as exc:
        raise SourceError(source.id, archive, f"downloaded file is not a valid zip archive: {exc}") from exc
    return target_dir / member.name


def resolve_source(
    source: Source,
    source_dir: Path | None = None,
    *,
    download: Downloader = download_file,
    cache: Path | None = None,
) -> ResolvedSource:
    """Find `source`: in `--source-dir`, then `$REGIONMAP_SOURCE_DIR`, then the cache; else download it into the cache.

    Raises SourceError naming the source, the expected path and how to provide it when nothing works.
    """
    dirs = source_directories(source_dir)
    for label, directory in dirs:
        candidate = directory / source.path
        if candidate.is_file():
            return ResolvedSource(source, candidate, label, base=directory)

    cache = config.resolve_path(cache) if cache is not None else config.cache_dir()
    target_dir = cache / source.id
    archive_name, member_name = _cache_names(source)
    dataset = target_dir / (member_name or archive_name)
    if dataset.is_file():
        return ResolvedSource(source, dataset, "cache", source.download_layer, base=cache)

    archive = target_dir / archive_name
    try:
        if not archive.is_file():
            download(source.url, archive)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        looked = "; ".join(f"{label} {directory / source.path}" for label, directory in dirs)
        looked = looked or "no source directory given"
        expected = dirs[0][1] / source.path if dirs else Path(source.path)
        raise SourceError(
            source.id,
            expected,
            f"file not found ({looked}; cache {target_dir}) and downloading {source.url} failed: {exc}. "
            f"Provide it: set {SOURCE_DIR_ENV} or pass --source-dir to a directory that contains {source.path}",
        ) from exc
    if member_name:
        _extract_member(source, archive, target_dir)
    return ResolvedSource(source, dataset, "download", source.download_layer, base=cache)

"""The build manifest (`manifest.json` beside the store): sources, curated files, layers and checksums."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from regionmap import config
from regionmap.data.fetch import ResolvedSource
from regionmap.data.sources.tabular import read_records

SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")


def sha256_file(path: Path) -> str:
    """The SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def source_entry(resolved: ResolvedSource, rows_read: int, rows_kept: int,
                 rows_outside_region: int | None = None,
                 reference_date: tuple[str, str] | None = None) -> dict[str, Any]:
    """The manifest record of one source: where it was read (the file relative to its source directory or the
    download cache, so stores built on different machines agree), its checksum, licence and row counts.

    `reference_date` is (date, where it comes from) when known better than the registry's."""
    source, path = resolved.source, resolved.path
    entry: dict[str, Any] = {
        "id": source.id,
        "role": source.role,
        "title": source.title,
        "file": resolved.relative_file,
        "origin": resolved.origin,
        "sha256": sha256_file(path),
        "reference_date": reference_date[0] if reference_date else source.reference_date,
        "reference_date_from": reference_date[1] if reference_date else "data/sources.toml",
        "licence": source.licence,
        "licence_url": source.licence_url,
        "attribution": source.attribution,
        "url": source.url,
        "rows_read": rows_read,
        "rows_kept": rows_kept,
    }
    if path.suffix.lower() == ".shp":
        sidecars = [path.with_suffix(s) for s in SHAPEFILE_SIDECARS if path.with_suffix(s).is_file()]
        entry["sidecar_sha256"] = {p.name: sha256_file(p) for p in sidecars}
    if rows_outside_region is not None:
        entry["rows_outside_region"] = rows_outside_region
    return entry


def curated_entries(curated_dir: Path) -> list[dict[str, Any]]:
    """Path (relative to the data directory when inside it), checksum and record count of each curated CSV file."""
    entries = []
    for path in sorted(curated_dir.glob("*.csv")):
        try:
            shown = path.resolve().relative_to(config.data_dir().resolve()).as_posix()
        except ValueError:
            shown = str(path)
        entries.append({"file": shown, "sha256": sha256_file(path), "rows": len(read_records(path, path.stem))})
    return entries


def write_manifest(path: Path, manifest: dict[str, Any], store: Path) -> None:
    """Write `manifest` as JSON, recording the store file's name and checksum."""
    manifest["store"] = {"file": store.name, "sha256": sha256_file(store)}
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def population_reference_date(manifest: dict[str, Any]) -> str | None:
    """The reference date of the population: that of the source of the municipalities (role `municipalities`)."""
    return next((entry.get("reference_date") for entry in manifest.get("sources", [])
                 if entry.get("role") == "municipalities"), None)

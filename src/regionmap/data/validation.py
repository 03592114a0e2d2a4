"""`regionmap validate`: check curated files and the built store, reporting every problem with file, row, id, field."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from regionmap import config
from regionmap.data.curated import (
    MISSING_ID,
    CuratedTable,
    Field,
    Problem,
    Record,
    Reference,
    Schema,
    check_tables,
    core_fields,
    errors_of,
    layer_schema,
    read_curated,
    record_text_problems,
    schema_for,
    warnings_of,
)
from regionmap.data.manifest import sha256_file
from regionmap.data.source_registry import default_tolerance_m
from regionmap.spatial import WGS84
from regionmap.data.store import Store, StoreMissing, store_at
from regionmap.taxonomy import taxonomy
from regionmap.data.thematic import CORE_COLUMNS, REQUIRED_COLUMNS

NO_STORE = ("store not found: the geographic checks (coordinates inside the region and the municipality, swapped "
            "or projected coordinates) and the health register check need `regionmap build-data` first")


@dataclass(frozen=True)
class ValidationReport:
    """What `regionmap validate` checked (files and store layers) and every problem it found."""

    checked: tuple[str, ...]
    problems: tuple[Problem, ...]
    strict: bool = False  # warnings count as errors

    @property
    def ok(self) -> bool:
        return not errors_of(self.problems, self.strict)

    def format(self) -> str:
        lines = [p.format() for p in self.problems]
        where = f"in {len(self.checked)} checked file(s) and layer(s)"
        warnings = len(warnings_of(self.problems))
        if not self.problems:
            lines.append(f"OK: no problems {where}.")
        elif self.ok:
            lines.append(f"OK: {warnings} warning(s) and no errors {where}.")
        else:
            strict = " (--strict: warnings count as errors)" if self.strict and warnings else ""
            lines.append(f"{len(self.problems)} problem(s) {where}{strict}.")
        return "\n".join(lines)


def store_schema(layer: str) -> Schema:
    """The columns a thematic layer has in the store, checked like the curated files' columns of the same name."""
    own = taxonomy().layer(layer)
    curated = layer_schema(own)
    known = {f.name: f for f in (*core_fields((), join=False), *(curated.fields if curated else ()))}
    fields = tuple(replace(known.get(name, Field(name, "text")), required=name in REQUIRED_COLUMNS, may_be_absent=False)
                   for name in (*CORE_COLUMNS, *own.columns))
    return Schema(f"store {layer}", fields, layer=layer)


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def store_table(store: str, layer: str, frame: gpd.GeoDataFrame) -> CuratedTable:
    """A store layer as a table of text values (row = feature number), with lon/lat from the point geometry."""
    schema = store_schema(layer)
    label = Path(f"{store}[{layer}]")
    problems = tuple(Problem(str(label), None, MISSING_ID, column, "column missing from the layer")
                     for column in schema.columns if column not in frame.columns)
    frame = frame.to_crs(WGS84) if frame.crs is not None else frame
    records = []
    for position, (_, row) in enumerate(frame.iterrows(), start=1):
        values = {c: _cell(row[c]) for c in schema.columns if c in frame.columns}
        geometry = row.geometry
        if geometry is None or geometry.is_empty or geometry.geom_type != "Point":
            problems += (Problem(str(label), position, values.get("id") or MISSING_ID, "geometry", "not a point"),)
        else:
            values |= {"lon": repr(geometry.x), "lat": repr(geometry.y)}
        records.append(Record(position, values))
    point_schema = Schema(schema.name, schema.fields + (Field("lon", "lon"), Field("lat", "lat")), layer=layer)
    return CuratedTable(label, point_schema, tuple(records), problems)


def _files(paths: list[Path]) -> list[Path]:
    """The files to check: the given files, the CSVs in given directories, or every curated CSV."""
    if not paths:
        return sorted(config.curated_dir().glob("*.csv"))
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.csv")) if path.is_dir() else [path])
    return files


def _read_file(path: Path, layer: str | None = None) -> CuratedTable:
    """A curated CSV as the project writes them; any other file (or any file checked as `layer`) as an upload."""
    if layer is None and path.suffix.lower() == ".csv":
        return read_curated(path)
    from regionmap.uploads.records import upload_table

    schemas = {item.id: layer_schema(item) for item in taxonomy().layers if item.curated}
    if layer is not None and layer not in schemas:
        return CuratedTable(path, None, (), (Problem(str(path), None, MISSING_ID, "layer",
                                                     f"unknown layer '{layer}' (one of {', '.join(schemas)})"),))
    table = upload_table(path, schemas[layer] if layer else None)
    if table.schema is None:
        schema = schema_for(path, table.records)
        if schema is None:
            return CuratedTable(path, None, (), table.problems + (Problem(
                str(path), None, MISSING_ID, "layer", "cannot tell the file's schema: give --layer "
                f"({', '.join(schemas)}) or name the file after a layer"),))
        table = upload_table(path, schema)
    return table


def _read_store(store: Store) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, Any], list[Problem]]:
    """The store's layers (those it has) and manifest, or a problem saying why it cannot be used."""
    try:
        store.version()  # its metadata: a damaged or replaced-by-garbage store fails here, naming the file
        manifest = store.manifest()
        layers = {name: store.read_layer(name) for name in store.layer_names()
                  if name in ("gemeinden", "hospitals", *taxonomy().layer_ids)}
    except StoreMissing as exc:
        problem = NO_STORE if exc.problem == "file not found" else f"cannot read the store: {exc.problem}"
        return {}, {}, [Problem(store.location, None, MISSING_ID, MISSING_ID, problem)]
    problems = []
    if "gemeinden" not in layers:
        problems.append(Problem(store.location, None, MISSING_ID, MISSING_ID,
                                "the store has no 'gemeinden' layer: the geographic checks cannot run"))
    return layers, manifest, problems


def _changed_since_build(label: str, recorded: str, path: Path | None, what: str) -> Problem | None:
    """A problem when the file the build read is gone or has other contents than recorded; None when it agrees."""
    if path is None:
        return None
    if not path.is_file():
        return Problem(label, None, MISSING_ID, "sha256", f"{what} {path} read by the build is missing; "
                       "rebuild with `regionmap build-data`")
    if sha256_file(path) != recorded:
        return Problem(label, None, MISSING_ID, "sha256", f"{what} {path} changed since the store was built "
                       "(other SHA-256 than in the manifest); rebuild with `regionmap build-data`")
    return None


def _source_path(entry: dict[str, Any]) -> Path | None:
    """Where a source the manifest records is on this machine: its relative file in `$REGIONMAP_SOURCE_DIR` or the
    download cache, as the manifest's `origin` says; None when this machine has no such directory or file."""
    file = Path(str(entry.get("file", "")))
    if not file.is_absolute():
        base = config.cache_dir() if entry.get("origin") in ("cache", "download") else config.source_dir()
        if base is None:
            return None
        file = base / file
    return file if file.is_file() else None


def manifest_problems(store: Store, manifest: dict[str, Any]) -> list[Problem]:
    """Compare the checksums the manifest recorded with the files here: the curated files (relative to the data
    directory) and the sources found in `$REGIONMAP_SOURCE_DIR` or the download cache (relative to those)."""
    problems = []
    for entry in manifest.get("curated", []):
        file = Path(str(entry["file"]))
        path = file if file.is_absolute() else config.data_dir() / file
        problems.append(_changed_since_build(store.location, entry["sha256"], path, "curated file"))
    for entry in manifest.get("sources", []):
        problems.append(_changed_since_build(store.location, entry["sha256"], _source_path(entry),
                                             f"source '{entry['id']}'"))
    return [p for p in problems if p is not None]


def run_validation(paths: list[Path], store: str | os.PathLike[str] | None = None,
                   today: dt.date | None = None, *, strict: bool = False,
                   tolerance_m: float | None = None, layer: str | None = None) -> ValidationReport:
    """Check the given curated files (default: every CSV in the curated directory, and then also the store's
    thematic layers and the checksums in its manifest) against the taxonomy, the region and the store's boundaries.

    `store` is a location for `regionmap.data.store.store_at` (default `$REGIONMAP_STORE`). Points may lie outside
    their municipality by `tolerance_m` (default: the registry's boundary product's positional tolerance) with a
    warning; `strict` makes warnings fail the report."""
    target = store_at(store)
    files = _files(paths)
    problems: list[Problem] = []
    if not files:
        problems.append(Problem(str(paths[0] if paths else config.curated_dir()), None, MISSING_ID, MISSING_ID,
                                "no CSV files to check"))
    layers, manifest, store_problems = _read_store(target)
    problems.extend(store_problems)
    hospitals = layers.get("hospitals")
    reference = Reference(
        taxonomy=taxonomy(),
        kreis_ags=frozenset(config.region().kreis_ags),
        boundaries=layers.get("gemeinden"),
        register_ids=frozenset(str(v) for v in hospitals["id"]) if hospitals is not None else None,
        today=today or dt.date.today(),
        tolerance_m=default_tolerance_m() if tolerance_m is None else tolerance_m,
    )
    tables = [_read_file(path, layer) for path in files]
    if layers and hospitals is None and any(f.kind == "register_id" for t in tables if t.schema for f in t.schema.fields):
        problems.append(Problem(target.location, None, MISSING_ID, "register_id",
                                "the store has no 'hospitals' layer: health register ids cannot be checked"))
    problems.extend(record_text_problems(reference.record_texts))
    problems.extend(check_tables(tables, reference))
    checked = [str(path) for path in files]
    if not paths and layers:
        store_tables = []
        for layer in taxonomy().layer_ids:
            if layer in layers:
                store_tables.append(store_table(target.location, layer, layers[layer]))
            else:
                problems.append(Problem(target.location, None, MISSING_ID, MISSING_ID,
                                        f"thematic layer '{layer}' missing"))
        problems.extend(check_tables(store_tables, reference))
        problems.extend(manifest_problems(target, manifest))
        checked.extend(str(t.path) for t in store_tables)
    return ValidationReport(tuple(checked), tuple(problems), strict)

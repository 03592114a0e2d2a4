"""`regionmap validate`: check curated files and the built store, reporting every problem with file, row, id, field."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from regionmap import config
from regionmap.data.curated import (
    MISSING_ID,
    SCHEMAS,
    CuratedTable,
    Field,
    Problem,
    Record,
    Reference,
    Schema,
    check_tables,
    read_curated,
    schema_for,
)
from regionmap.spatial import WGS84
from regionmap.taxonomy import taxonomy
from regionmap.data.thematic import CORE_COLUMNS, LAYER_COLUMNS, REQUIRED_COLUMNS, THEMATIC_LAYERS

NO_STORE = ("store not found: the geographic checks (coordinates inside the region and the municipality, swapped "
            "or projected coordinates) and the health register check need `regionmap build-data` first")


@dataclass(frozen=True)
class ValidationReport:
    """What `regionmap validate` checked (files and store layers) and every problem it found."""

    checked: tuple[str, ...]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def format(self) -> str:
        lines = [p.format() for p in self.problems]
        if self.ok:
            lines.append(f"OK: no problems in {len(self.checked)} checked file(s) and layer(s).")
        else:
            lines.append(f"{len(self.problems)} problem(s) in {len(self.checked)} checked file(s) and layer(s).")
        return "\n".join(lines)


def store_schema(layer: str) -> Schema:
    """The columns a thematic layer has in the store, checked like the curated files' columns of the same name."""
    kinds = {f.name: f.kind for f in SCHEMAS["research"].fields} | {f.name: f.kind for f in SCHEMAS[layer].fields}
    fields = tuple(Field(name, kinds.get(name, "text"), required=name in REQUIRED_COLUMNS)
                   for name in (*CORE_COLUMNS, *LAYER_COLUMNS[layer]))
    return Schema(f"store {layer}", fields, layer=layer)


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def store_table(store: Path, layer: str, frame: gpd.GeoDataFrame) -> CuratedTable:
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

    if layer is not None and layer not in SCHEMAS:
        return CuratedTable(path, None, (), (Problem(str(path), None, MISSING_ID, "layer",
                                                     f"unknown layer '{layer}' (one of {', '.join(SCHEMAS)})"),))
    table = upload_table(path, SCHEMAS[layer] if layer else None)
    if table.schema is None:
        schema = schema_for(path, table.records)
        if schema is None:
            return CuratedTable(path, None, (), table.problems + (Problem(
                str(path), None, MISSING_ID, "layer", "cannot tell the file's schema: give --layer "
                f"({', '.join(SCHEMAS)}) or name the file after a layer"),))
        table = upload_table(path, schema)
    return table


def _read_store(store: Path) -> tuple[dict[str, gpd.GeoDataFrame], list[Problem]]:
    """The store's layers (those it has), or a problem saying why it cannot be used."""
    if not store.exists():
        return {}, [Problem(str(store), None, MISSING_ID, MISSING_ID, NO_STORE)]
    try:
        names = [str(name) for name, _ in pyogrio.list_layers(store)]
        layers = {name: gpd.read_file(store, layer=name) for name in names
                  if name in ("gemeinden", "hospitals", *THEMATIC_LAYERS)}
    except Exception as exc:  # any GDAL/driver failure: the store is not readable
        return {}, [Problem(str(store), None, MISSING_ID, MISSING_ID, f"cannot read the store: {exc}")]
    problems = []
    if "gemeinden" not in layers:
        problems.append(Problem(str(store), None, MISSING_ID, MISSING_ID,
                                "the store has no 'gemeinden' layer: the geographic checks cannot run"))
    return layers, problems


def run_validation(paths: list[Path], store: Path | None = None, today: dt.date | None = None,
                   layer: str | None = None) -> ValidationReport:
    """Check the given curated files (default: every CSV in the curated directory, and then also the store's
    thematic layers) against the taxonomy, the region and the store's boundaries."""
    store = store or config.default_store_path()
    files = _files(paths)
    problems: list[Problem] = []
    if not files:
        problems.append(Problem(str(paths[0] if paths else config.curated_dir()), None, MISSING_ID, MISSING_ID,
                                "no CSV files to check"))
    layers, store_problems = _read_store(store)
    problems.extend(store_problems)
    hospitals = layers.get("hospitals")
    reference = Reference(
        taxonomy=taxonomy(),
        kreis_ags=frozenset(config.region().kreis_ags),
        boundaries=layers.get("gemeinden"),
        register_ids=frozenset(str(v) for v in hospitals["id"]) if hospitals is not None else None,
        today=today or dt.date.today(),
    )
    tables = [_read_file(path, layer) for path in files]
    if layers and hospitals is None and any(t.schema is SCHEMAS["health"] for t in tables):
        problems.append(Problem(str(store), None, MISSING_ID, "register_id",
                                "the store has no 'hospitals' layer: health register ids cannot be checked"))
    problems.extend(check_tables(tables, reference))
    checked = [str(path) for path in files]
    if not paths and layers:
        store_tables = []
        for layer in THEMATIC_LAYERS:
            if layer in layers:
                store_tables.append(store_table(store, layer, layers[layer]))
            else:
                problems.append(Problem(str(store), None, MISSING_ID, MISSING_ID, f"thematic layer '{layer}' missing"))
        problems.extend(check_tables(store_tables, reference))
        checked.extend(str(t.path) for t in store_tables)
    return ValidationReport(tuple(checked), tuple(problems))

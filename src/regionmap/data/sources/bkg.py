"""BKG administrative boundaries (VG250/VG250-EW municipalities, VG5000 states) in the official and derived layouts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from regionmap import config
from regionmap.errors import ConfigError, SourceError
from regionmap.data.sources.tabular import SourceTable, read_records, require_columns
from regionmap.data.sources.vector import read_vector
from regionmap.spatial import METRIC_CRS, WGS84

STADT, GEMEINDE, GEMEINDEFREI = "Stadt", "Gemeinde", "gemeindefreies Gebiet"
KINDS = (STADT, GEMEINDE, GEMEINDEFREI)
ROW = "_row"  # 1-based feature number in the source file
FIELDS = ("ags", "name", "bez", "population", "area_km2", "gf")
MUNICIPALITY_COLUMNS = ["ags", "name", "kind", "population", "area_km2", "area_source", "population_known", "geometry"]


@dataclass(frozen=True)
class Layout:
    """How to read BKG files: column aliases, land GF codes, layer names, accepted CRSs and the BEZ -> kind table."""

    columns: Mapping[str, tuple[str, ...]]
    land_gf: frozenset[int]
    gemeinde_layers: tuple[str, ...]
    state_layers: tuple[str, ...]
    accepted_epsg: tuple[int, ...]
    kind_default: str
    kind_by_bez: Mapping[str, str]  # lower-case BEZ -> kind
    kind_contains: tuple[tuple[str, str], ...]  # (lower-case substring, kind)

    def kind(self, bez: str | None, ags: str, status: Mapping[str, str]) -> str:
        """The kind of a municipality: from its BEZ when known, else gemeindefrei by AGS, else the curated status."""
        key = (bez or "").strip().lower()
        if key:
            if key in self.kind_by_bez:
                return self.kind_by_bez[key]
            return next((kind for text, kind in self.kind_contains if text in key), self.kind_default)
        if ags[5] == "5":
            return GEMEINDEFREI
        return status.get(ags, self.kind_default)


@lru_cache(maxsize=None)
def load_layout(path: Path | None = None) -> Layout:
    """Load `data/bkg_layout.toml`."""
    path = path or config.data_dir() / "bkg_layout.toml"
    raw = config.load_toml(path)
    try:
        kind = raw["kind"]
        layout = Layout(
            columns={field: tuple(str(a).lower() for a in raw["columns"][field]) for field in FIELDS},
            land_gf=frozenset(int(v) for v in raw["gf"]["land"]),
            gemeinde_layers=tuple(raw["layers"]["gemeinden"]),
            state_layers=tuple(raw["layers"]["states"]),
            accepted_epsg=tuple(int(v) for v in raw["crs"]["accepted_epsg"]),
            kind_default=kind["default"],
            kind_by_bez={str(k).lower(): v for k, v in kind["bez"].items()},
            kind_contains=tuple((str(c["text"]).lower(), c["kind"]) for c in kind.get("contains", [])),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: missing or invalid entry {exc}") from exc
    kinds = {layout.kind_default, *layout.kind_by_bez.values(), *(k for _, k in layout.kind_contains)}
    if not kinds <= set(KINDS):
        unknown = ", ".join(sorted(kinds - set(KINDS)))
        raise ConfigError(f"{path}: unknown kind(s) {unknown}; expected {', '.join(KINDS)}")
    return layout


def _code(value: object, width: int) -> str | None:
    """A numeric key as a zero-padded string (an integer read from a file lost its leading zero), or None if invalid."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        return None
    if isinstance(value, (int, np.integer)):
        text = str(int(value))
    elif isinstance(value, (float, np.floating)):
        if not np.isfinite(value) or not float(value).is_integer():
            return None
        text = str(int(value))
    else:
        text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not width - 1 <= len(text) <= width:
        return None
    return text.zfill(width)


def normalise_codes(raw: pd.DataFrame, column: str, width: int, source_id: str, path: Path) -> list[str]:
    """The values of an AGS column as `width`-digit strings; a value that is not one names its row and field."""
    codes = []
    for row, value in enumerate(raw[column], start=1):
        code = _code(value, width)
        if code is None:
            raise SourceError(source_id, path,
                              f"row {row}, field '{column}': '{value}' is not a valid {width}-digit AGS")
        codes.append(code)
    return codes


def _find_column(raw: pd.DataFrame, field: str, layout: Layout) -> str | None:
    by_lower = {str(c).lower(): str(c) for c in raw.columns if c != raw.geometry.name}
    return next((by_lower[a] for a in layout.columns[field] if a in by_lower), None)


def _required_column(raw: pd.DataFrame, field: str, layout: Layout, source_id: str, path: Path) -> str:
    column = _find_column(raw, field, layout)
    if column is None:
        found = ", ".join(str(c) for c in raw.columns if c != raw.geometry.name)
        wanted = " or ".join(a.upper() for a in layout.columns[field])
        raise SourceError(source_id, path, f"no {field} column (looked for {wanted}; columns: {found})")
    return column


def _texts(raw: pd.DataFrame, column: str, source_id: str, path: Path) -> list[str]:
    values = []
    for row, value in enumerate(raw[column], start=1):
        text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()
        if not text:
            raise SourceError(source_id, path, f"row {row}, field '{column}': value is missing")
        values.append(text)
    return values


def _numbers(raw: pd.DataFrame, column: str | None, source_id: str, path: Path) -> pd.Series:
    """A non-negative numeric column (NaN where empty); absent columns give all NaN."""
    if column is None:
        return pd.Series(np.nan, index=raw.index, dtype="float64")
    original = raw[column]
    values = pd.to_numeric(original.astype("string").str.strip(), errors="coerce").astype("float64")
    bad = (values.isna() & original.notna() & (original.astype("string").str.strip() != "")) | (values < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        raise SourceError(source_id, path, f"row {row}, field '{column}': '{original[bad].iloc[0]}' is not a "
                                           "non-negative number")
    return values


def _check_polygons(raw: gpd.GeoDataFrame, source_id: str, path: Path) -> gpd.GeoDataFrame:
    """Polygonal, non-empty geometries (invalid ones repaired); anything else names its row."""
    geoms = raw.geometry.to_numpy()
    types = shapely.get_type_id(geoms)
    bad = ~np.isin(types, (3, 6)) | shapely.is_empty(geoms)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        kind = "empty" if geoms[row] is None or shapely.is_empty(geoms[row]) else geoms[row].geom_type
        raise SourceError(source_id, path, f"row {row + 1}: geometry is {kind}, expected a polygon")
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.buffer(geoms[invalid], 0)
        raw = raw.set_geometry(gpd.GeoSeries(geoms, index=raw.index, crs=raw.crs))
    return raw


def _land_parts(frame: gpd.GeoDataFrame, raw: gpd.GeoDataFrame, gf_column: str | None, layout: Layout,
                source_id: str, path: Path) -> gpd.GeoDataFrame:
    """Drop water parts (GF not a land code) when the file has a GF column."""
    if gf_column is None:
        return frame
    gf = _numbers(raw, gf_column, source_id, path)
    return frame[gf.isin(layout.land_gf).to_numpy()]


def _dissolve(frame: gpd.GeoDataFrame, key: str, rank: list[str]) -> gpd.GeoDataFrame:
    """One feature per `key`: geometries united, attributes from the part ranking highest on `rank` (then first)."""
    if not frame[key].duplicated().any():
        return frame
    ranked = frame.sort_values([key, *rank, ROW], ascending=[True, *[False] * len(rank), True], na_position="last")
    main = ranked.drop_duplicates(key).set_index(key)
    parts = frame[frame[key].duplicated(keep=False)]
    united = {k: shapely.union_all(g.geometry.to_numpy()) for k, g in parts.groupby(key)}
    geometry = main.geometry.copy()
    geometry.loc[list(united)] = list(united.values())
    return main.set_geometry(geometry).reset_index()


def _to_wgs84(frame: gpd.GeoDataFrame, source_id: str, path: Path) -> gpd.GeoDataFrame:
    frame = frame.to_crs(WGS84)
    if len(frame):
        minx, miny, maxx, maxy = frame.total_bounds
        finite = np.isfinite([minx, miny, maxx, maxy]).all()
        if not (finite and -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise SourceError(source_id, path, "coordinates do not fit the file's CRS (is the CRS declared correctly?)")
    return frame


def read_municipalities(path: Path, source_id: str, *, layer: str | None = None,
                        status: Mapping[str, str] | None = None, layout: Layout | None = None) -> SourceTable:
    """Municipality polygons from any BKG layout, normalised to one feature per AGS in EPSG:4326.

    Columns: `ags` (8 characters), `name`, `kind`, `population` (Int64, null = unknown), `area_km2` (from the file,
    else computed in EPSG:25832), `area_source` ("source"/"computed"), `population_known`. `status` maps AGS to kind
    for files without BEZ (the curated `gemeinde_status.csv`).
    """
    layout = layout or load_layout()
    raw = read_vector(path, source_id, accepted_epsg=layout.accepted_epsg, layer=layer,
                      preferred_layers=layout.gemeinde_layers)
    raw = _check_polygons(raw.reset_index(drop=True), source_id, path)
    ags_col = _required_column(raw, "ags", layout, source_id, path)
    name_col = _required_column(raw, "name", layout, source_id, path)
    bez_col = _find_column(raw, "bez", layout)
    frame = gpd.GeoDataFrame(
        {
            ROW: np.arange(1, len(raw) + 1),
            "ags": normalise_codes(raw, ags_col, 8, source_id, path),
            "name": _texts(raw, name_col, source_id, path),
            "bez": raw[bez_col].astype("string").to_numpy() if bez_col else None,
            "population": _numbers(raw, _find_column(raw, "population", layout), source_id, path).to_numpy(),
            "area_km2": _numbers(raw, _find_column(raw, "area_km2", layout), source_id, path).to_numpy(),
        },
        geometry=raw.geometry.to_numpy(),
        crs=raw.crs,
    )
    frame = _land_parts(frame, raw, _find_column(raw, "gf", layout), layout, source_id, path)
    frame = _to_wgs84(_dissolve(frame, "ags", ["population", "area_km2"]), source_id, path)
    computed = frame.to_crs(METRIC_CRS).area.to_numpy() / 1e6
    from_source = frame["area_km2"].notna() & (frame["area_km2"] > 0)
    status = status or {}
    frame = frame.assign(
        kind=[layout.kind(None if pd.isna(b) else b, a, status) for b, a in zip(frame["bez"], frame["ags"])],
        population=frame["population"].round().astype("Int64"),
        area_km2=np.where(from_source, frame["area_km2"], np.round(computed, 2)),
        area_source=np.where(from_source, "source", "computed"),
        population_known=frame["population"].notna(),
    )
    return SourceTable(frame[MUNICIPALITY_COLUMNS].sort_values("ags").reset_index(drop=True), rows_read=len(raw))


def read_states(path: Path, source_id: str, *, layer: str | None = None, layout: Layout | None = None) -> SourceTable:
    """State (Land) polygons, land areas only, one feature per 2-digit AGS with its name, in EPSG:4326."""
    layout = layout or load_layout()
    raw = read_vector(path, source_id, accepted_epsg=layout.accepted_epsg, layer=layer,
                      preferred_layers=layout.state_layers)
    raw = _check_polygons(raw.reset_index(drop=True), source_id, path)
    frame = gpd.GeoDataFrame(
        {
            ROW: np.arange(1, len(raw) + 1),
            "ags": normalise_codes(raw, _required_column(raw, "ags", layout, source_id, path), 2, source_id, path),
            "name": _texts(raw, _required_column(raw, "name", layout, source_id, path), source_id, path),
        },
        geometry=raw.geometry.to_numpy(),
        crs=raw.crs,
    )
    frame = _land_parts(frame, raw, _find_column(raw, "gf", layout), layout, source_id, path)
    frame = _to_wgs84(_dissolve(frame, "ags", []), source_id, path)
    return SourceTable(frame[["ags", "name", "geometry"]].sort_values("ags").reset_index(drop=True), rows_read=len(raw))


def read_gemeinde_status(path: Path) -> dict[str, str]:
    """The curated `gemeinde_status.csv` (`ags,name,kind,source,as_of`) as AGS -> kind."""
    source_id = "gemeinde_status"
    frame = require_columns(read_records(path, source_id), ["ags", "kind"], source_id, path)
    status: dict[str, str] = {}
    for line, ags, kind in zip(frame["_line"], frame["ags"], frame["kind"]):
        code = _code(ags, 8)
        if code is None or len((ags or "").strip()) != 8:
            raise SourceError(source_id, path, f"line {line}, field 'ags': '{ags}' is not an 8-digit AGS")
        if kind not in KINDS:
            raise SourceError(source_id, path, f"line {line}, field 'kind': '{kind}' is not one of {', '.join(KINDS)}")
        if code in status:
            raise SourceError(source_id, path, f"line {line}, field 'ags': duplicate AGS {code}")
        status[code] = kind
    return status

"""Geometries of an upload: points from coordinate columns (degrees or metres) or postcodes, any CRS to EPSG:4326.

Coordinate columns are found by name (`data/uploads.toml`) and else by their values. Numbers may use a decimal comma
or point, decided per column and parsed with Babel. Degrees and the region's projected CRSs (EPSG:25832, 31467) are
told apart by their range; longitude and latitude that look swapped are reported. Vector geometries keep their
type; invalid polygons are repaired with `shapely.make_valid`, and mixed types are reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from babel.numbers import get_decimal_symbol, get_group_symbol

from regionmap.spatial import WGS84
from regionmap.uploads.formats import ROW
from regionmap.uploads.problems import UploadProblem, fail, problem
from regionmap.uploads.settings import UploadSettings, normalise_header

GERMANY_LON, GERMANY_LAT = (5.5, 15.5), (47.0, 55.5)
SAMPLE_ROWS = 2_000  # rows looked at to tell which columns hold coordinates, and in which CRS
APPROXIMATE = "_approximate"  # APPROXIMATE_POSTCODE where a point stands for its postcode's centroid
APPROXIMATE_POSTCODE = "postcode"


@dataclass(frozen=True)
class CoordinateChoice:
    """Where an upload's points come from: `lonlat`/`xy` columns in a CRS, a `postcode` column, or `geometry`."""

    kind: str
    first: str | None = None  # lon or x or the postcode column
    second: str | None = None  # lat or y
    epsg: int | None = None


def _number_locale(values: pd.Series) -> str:
    """`de` when the column writes decimal commas (52,37 or 1.234,5), else `en`."""
    text = values.astype(str)
    comma = text.str.contains(",", regex=False)
    point = text.str.contains(".", regex=False)
    if not comma.any():
        return "en"
    if not point.any():
        return "de"
    last_comma = text.str.rfind(",")
    last_point = text.str.rfind(".")
    return "de" if (last_comma > last_point).sum() >= (last_point > last_comma).sum() else "en"


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(floats, the rows that hold text that is not a number); empty cells are NaN and not reported.

    The column's convention (decimal comma or point) is decided once; its separators come from Babel's locale
    data, and the whole column is converted at once (100,000 cells in well under a second)."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float), pd.Series(False, index=values.index)
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    filled = text != ""
    locale = _number_locale(text[filled])
    group, decimal_sign = get_group_symbol(locale), get_decimal_symbol(locale)
    g, d = re.escape(group), re.escape(decimal_sign)
    # plain digits, or digits grouped by threes; then the decimal part; "1.5" in a decimal-comma column is no number
    pattern = rf"^[+-]?(?:\d+|\d{{1,3}}(?:{g}\d{{3}})+)(?:{d}\d+)?(?:[eE][+-]?\d+)?$"
    compact = text.str.replace("\u00a0", "", regex=False).str.replace("\u202f", "", regex=False)
    valid = filled & compact.str.match(pattern)
    normalised = compact.str.replace(group, "", regex=False).str.replace(decimal_sign, ".", regex=False)
    out = pd.to_numeric(normalised.where(valid, None), errors="coerce").astype(float)
    bad = filled & out.isna()
    return out, bad


def _numeric_share(values: pd.Series) -> float:
    """The share of filled cells that are numbers (looked at on a sample of the rows)."""
    sample = values.head(SAMPLE_ROWS)
    numbers, bad = parse_numbers(sample)
    filled = numbers.notna() | bad
    return float(numbers.notna().sum() / filled.sum()) if filled.any() else 0.0


def _named(columns: Sequence[str], names: Sequence[str]) -> str | None:
    by_name = {normalise_header(c): c for c in columns}
    return next((by_name[n] for n in names if n in by_name), None)


def _in(values: np.ndarray, bounds: tuple[float, float]) -> float:
    finite = values[np.isfinite(values)]
    return float(((finite >= bounds[0]) & (finite <= bounds[1])).mean()) if finite.size else 0.0


def suggest_coordinates(frame: pd.DataFrame, settings: UploadSettings) -> CoordinateChoice | None:
    """The columns that most likely hold the points, and their CRS; None when none are found."""
    columns = [c for c in frame.columns if c != ROW]
    pairs = [(_named(columns, settings.columns["lon"]), _named(columns, settings.columns["lat"])),
             (_named(columns, settings.columns["x"]), _named(columns, settings.columns["y"]))]
    numeric = [c for c in columns if _numeric_share(frame[c]) > 0.9]
    pairs += [(a, b) for i, a in enumerate(numeric) for b in numeric[i + 1:]]
    for position, (first, second) in enumerate(pairs):
        if first is None or second is None or first == second:
            continue
        choice = classify_pair(frame, first, second, settings, named=position < 2)
        if choice is not None:
            return choice
    postcode = _named(columns, settings.columns["postcode"])
    return CoordinateChoice("postcode", postcode) if postcode else None


def classify_pair(frame: pd.DataFrame, first: str, second: str, settings: UploadSettings,
                  named: bool = True) -> CoordinateChoice | None:
    """How two columns hold coordinates: degrees (in either order) or one of the projected CRSs; None if neither.

    Columns `named` as coordinates need a majority of values in range; other numeric columns must lie in Germany
    almost throughout, so that two unrelated number columns are not taken for coordinates."""
    sample = frame.head(SAMPLE_ROWS)
    a, _ = parse_numbers(sample[first])
    b, _ = parse_numbers(sample[second])
    a, b = a.to_numpy(), b.to_numpy()
    share = 0.5 if named else 0.9
    if _in(b, GERMANY_LON) > share and _in(a, GERMANY_LAT) > share and _in(a, GERMANY_LON) < 0.5:
        return CoordinateChoice("lonlat", second, first, 4326)
    in_degrees = _in(a, (-180, 180)) > share and _in(b, (-90, 90)) > share
    if (named and in_degrees) or (_in(a, GERMANY_LON) > share and _in(b, GERMANY_LAT) > share):
        return CoordinateChoice("lonlat", first, second, 4326)
    for crs in settings.projected:
        if _in(a, crs.east) > share and _in(b, crs.north) > share:
            return CoordinateChoice("xy", first, second, crs.epsg)
        if _in(b, crs.east) > share and _in(a, crs.north) > share:
            return CoordinateChoice("xy", second, first, crs.epsg)
    return None


def points_from_columns(name: str, frame: pd.DataFrame, choice: CoordinateChoice,
                        problems: list[UploadProblem]) -> gpd.GeoDataFrame:
    """Points from two coordinate columns in `choice.epsg`; rows that cannot be placed are reported and left out."""
    assert choice.first is not None and choice.second is not None and choice.epsg is not None
    first, bad_first = parse_numbers(frame[choice.first])
    second, bad_second = parse_numbers(frame[choice.second])
    rows = frame[ROW]
    keep = pd.Series(True, index=frame.index)
    for column, values, bad in ((choice.first, first, bad_first), (choice.second, second, bad_second)):
        for index in frame.index[bad]:
            problems.append(problem("not_a_number", name, int(rows[index]), column, value=str(frame.at[index, column])))
        keep &= ~bad
        missing = values.isna() & ~bad
        for index in frame.index[missing]:
            problems.append(problem("missing_coordinate", name, int(rows[index]), column))
        keep &= ~missing
    if choice.epsg == 4326:
        out_of_range = keep & ((first.abs() > 180) | (second.abs() > 90))
        for index in frame.index[out_of_range]:
            field = choice.first if abs(first[index]) > 180 else choice.second
            hint = "metres" if max(abs(first[index]), abs(second[index])) > 1000 else "degrees"
            problems.append(problem("out_of_range", name, int(rows[index]), field, lon=first[index],
                                    lat=second[index], hint=hint))
        keep &= ~out_of_range
        swapped = keep & first.between(*GERMANY_LAT) & second.between(*GERMANY_LON)
        if swapped.any() and swapped.sum() < keep.sum():
            index = frame.index[swapped][0]
            problems.append(problem("swapped_rows", name, int(rows[index]), choice.first, count=int(swapped.sum())))
    kept = frame[keep].copy()
    points = gpd.GeoDataFrame(kept, geometry=gpd.points_from_xy(first[keep], second[keep]),
                              crs=f"EPSG:{choice.epsg}")
    return points.to_crs(WGS84)


def points_from_postcodes(name: str, frame: pd.DataFrame, column: str, postcodes: Mapping[str, tuple[float, float]],
                          problems: list[UploadProblem]) -> gpd.GeoDataFrame:
    """Points at the centroid of each row's postcode, marked approximate; unknown postcodes are reported."""
    codes = frame[column].map(lambda v: "" if v is None else str(v).strip().split(".")[0].zfill(5))
    found = codes.map(lambda c: postcodes.get(c))
    for index in frame.index[found.isna()]:
        problems.append(problem("unknown_postcode", name, int(frame.at[index, ROW]), column,
                                value=str(frame.at[index, column])))
    kept = frame[found.notna()].copy()
    located = found[found.notna()]
    points = gpd.GeoDataFrame(kept, geometry=gpd.points_from_xy([p[0] for p in located], [p[1] for p in located]),
                              crs=WGS84)
    points[APPROXIMATE] = APPROXIMATE_POSTCODE
    problems.append(problem("approximate_postcode", name, None, column, count=len(points)))
    return points


def guess_crs(frame: gpd.GeoDataFrame, settings: UploadSettings) -> int | None:
    """The CRS a vector file without one most likely uses, from its extent: WGS84 or a projected CRS."""
    minx, miny, maxx, maxy = frame.total_bounds
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        return None
    if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
        return 4326
    for crs in settings.projected:
        if crs.holds(minx, miny) and crs.holds(maxx, maxy):
            return crs.epsg
    return None


def clean_geometries(name: str, frame: gpd.GeoDataFrame, epsg: int | None,
                     problems: list[UploadProblem]) -> gpd.GeoDataFrame:
    """EPSG:4326 geometries: empty ones left out, invalid ones repaired, mixed types reported."""
    if frame.crs is None:
        if epsg is None:
            raise fail("crs_missing", name)
        frame = frame.set_crs(epsg=epsg)
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        problems.append(problem("empty_geometry", name, int(frame.loc[empty, ROW].iloc[0]), None,
                                count=int(empty.sum())))
        frame = frame[~empty]
    if frame.empty:
        raise fail("no_geometry", name)
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        problems.append(problem("repaired_geometry", name, int(frame.loc[invalid, ROW].iloc[0]), None,
                                count=int(invalid.sum())))
        frame = frame.copy()
        frame.loc[invalid, frame.geometry.name] = shapely.make_valid(frame.geometry[invalid].to_numpy())
    families = geometry_families(frame)
    if len(families) > 1:
        problems.append(problem("mixed_geometry", name, None, None,
                                types=", ".join(f"{n} {kind}" for kind, n in families.items())))
    return frame.to_crs(WGS84)


def geometry_families(frame: gpd.GeoDataFrame) -> dict[str, int]:
    """How many points, lines and polygons a frame holds (multi-parts counted with their family)."""
    kinds = frame.geometry.geom_type.str.replace("Multi", "", regex=False).str.lower()
    kinds = kinds.replace({"linestring": "line", "geometrycollection": "collection"})
    return {str(k): int(v) for k, v in kinds.value_counts().sort_index().items()}

"""Downloads of a (filtered) point layer as CSV, Excel and GeoJSON bytes, built when called.

Tabular exports carry `lon`/`lat` (WGS84) instead of the geometry, and text cells that a spreadsheet would run as a
formula (starting with = + - @, tab or carriage return) are prefixed with an apostrophe. `labelled()` puts the
labels of coded columns (category, sectors, availability, size class) in the user's language into the column and
moves the codes to `<column>_code` beside it. CSV follows the language's convention (`;` and decimal comma in de
and fr, `,` and point in en); Excel and GeoJSON keep real numbers. `download_name()` names a file after its filters.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from regionmap.config import DEFAULT_LANGUAGE
from regionmap.dashboard.details import CODED_COLUMNS, display_value
from regionmap.i18n import number_locale, t
from regionmap.numbers import decimal_symbol
from regionmap.spatial import WGS84
from regionmap.taxonomy import Taxonomy

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
COORDINATE_DECIMALS = 6
CODE_SUFFIX = "_code"
NAME_PREFIX = "regionmap"
MAX_PART = 40  # characters of one filter in a file name
MAX_STEM = 150  # characters of a file name before the extension
UNSAFE = re.compile(r"[^a-z0-9.+-]+")


def neutralise_formula(value: object) -> object:
    """`value` with an apostrophe in front when it is text a spreadsheet would evaluate; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def labelled(layer: gpd.GeoDataFrame, layer_id: str, tax: Taxonomy, lang: str) -> gpd.GeoDataFrame:
    """`layer` with the labels of its coded columns in `lang` and the codes in a `<column>_code` column after each."""
    frame = layer.copy()
    for key in CODED_COLUMNS:
        if key not in frame.columns:
            continue
        at = frame.columns.get_loc(key) + 1
        codes = frame[key]
        frame[key] = [display_value(key, value, layer_id, tax, lang) or None for value in codes]
        frame.insert(at, f"{key}{CODE_SUFFIX}", codes)
    return frame


def download_name(layer_id: str, ext: str, *, kreis: str | None = None, gemeinde: str | None = None,
                  categories: Iterable[str] = (), sectors: Iterable[str] = (), q: str = "",
                  extra: Iterable[str] = ()) -> str:
    """A file name that says what was filtered, e.g. `regionmap_sites_kreis-03159_logistics.csv`.

    Only lower-case ASCII letters, digits, `.`, `+`, `-` and `_` (between parts); each filter is shortened to
    `MAX_PART` characters and the whole name before the extension to `MAX_STEM`.
    """
    parts = [NAME_PREFIX, layer_id]
    if gemeinde:
        parts.append(f"gemeinde-{gemeinde}")
    elif kreis:
        parts.append(f"kreis-{kreis}")
    parts += ["+".join(sorted(categories)), "+".join(f"sector-{s}" for s in sorted(sectors))]
    parts += [f"q-{q}" if q.strip() else "", *extra]
    safe = [_safe_part(part) for part in parts]
    stem = "_".join(part for part in safe if part)[:MAX_STEM].rstrip("_-+.")
    return f"{stem}.{_safe_part(ext) or 'dat'}"


def _safe_part(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.replace("ß", "ss")).encode("ascii", "ignore").decode("ascii")
    safe = re.sub(r"\.{2,}", "-", UNSAFE.sub("-", ascii_text.lower()))
    return safe.strip("-+.")[:MAX_PART].strip("-+.")


def to_table(layer: gpd.GeoDataFrame) -> pd.DataFrame:
    """The layer as a plain table: geometry replaced by `lon`, `lat` (WGS84 point or representative point)."""
    frame = pd.DataFrame(layer.drop(columns=layer.geometry.name))
    geometry = layer.geometry.to_crs(WGS84) if layer.crs is not None else layer.geometry
    points = shapely.point_on_surface(geometry.values)
    frame["lon"] = np.round(shapely.get_x(points), COORDINATE_DECIMALS)
    frame["lat"] = np.round(shapely.get_y(points), COORDINATE_DECIMALS)
    return _map_text(frame, neutralise_formula)


def _map_text(frame: pd.DataFrame, func: Callable[[object], object]) -> pd.DataFrame:
    """`frame` with `func` applied to every non-missing cell of its text columns."""
    text = frame.select_dtypes(include=["object", "string"]).columns
    frame[text] = frame[text].apply(lambda column: column.map(func, na_action="ignore"))
    return frame


def _excel_safe(value: object) -> object:
    """Text without the control characters an .xlsx file cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def to_csv_bytes(layer: gpd.GeoDataFrame, lang: str = DEFAULT_LANGUAGE) -> bytes:
    """UTF-8 CSV (with BOM, so spreadsheet programs detect the encoding) with lon/lat columns, in the language's
    convention: the `number.csv_separator` text as separator (`;` in de and fr) and Babel's decimal symbol."""
    return table_csv_bytes(to_table(layer), lang)


def table_csv_bytes(frame: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> bytes:
    """A plain table as `to_csv_bytes` writes a layer, text a spreadsheet would evaluate neutralised (idempotent)."""
    table = _map_text(frame.copy(), neutralise_formula)
    return table.to_csv(index=False, sep=t("number.csv_separator", lang),
                        decimal=decimal_symbol(number_locale(lang))).encode("utf-8-sig")


def to_excel_bytes(layer: gpd.GeoDataFrame, sheet_name: str = "data") -> bytes:
    """An .xlsx workbook with one sheet holding the table with lon/lat columns (control characters removed)."""
    return table_excel_bytes(to_table(layer), sheet_name)


def table_excel_bytes(frame: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """A plain table as `to_excel_bytes` writes a layer: formulas neutralised, control characters removed."""
    frame = _map_text(_map_text(frame.copy(), neutralise_formula), _excel_safe)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet_name, index=False)
        writer.sheets[sheet_name].freeze_panes = "A2"
    return buffer.getvalue()


def to_geojson_bytes(layer: gpd.GeoDataFrame) -> bytes:
    """UTF-8 GeoJSON FeatureCollection in WGS84; text a spreadsheet would evaluate is neutralised here too, since
    spreadsheet programs and GIS tables open GeoJSON files as well."""
    frame = layer.to_crs(WGS84) if layer.crs is not None and layer.crs != WGS84 else layer.copy()
    frame = _map_text(frame, neutralise_formula)
    return frame.to_json(na="null", show_bbox=False, drop_id=True, ensure_ascii=False).encode("utf-8")

"""A placed upload on the map and in the tables: its display frame, its map layers, its legend entry, its records.

The display frame has what the map and the click lookup need (`id`, `name`, the colour class, the geometry); points
go through the same columnar point layer as the region's layers, lines and polygons through a `ShapeLayer`. Every
text stays text: the map escapes names, the cards and tables show values as plain strings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from regionmap.i18n import format_number, t
from regionmap.maps import ColourClass, LegendEntry, LegendItem, PointPayload, point_payload, shape_payload
from regionmap.maps.elements import PointLayer, ShapeLayer, html_text
from regionmap.maps.points import class_codes
from regionmap.uploads.formats import ROW, cell_value
from regionmap.uploads.geometry import APPROXIMATE, APPROXIMATE_POSTCODE
from regionmap.uploads.settings import UploadSettings, normalise_header
from regionmap.uploads.style import CLASS_COLUMN, Styled
from regionmap.uploads.upload import Upload

UPLOAD_LAYER = "upload"  # the layer id of the session's upload (legend `data-layer`, detail card selection)
POINT_TYPES = ("Point", "MultiPoint")


@dataclass(frozen=True)
class UploadMap:
    """An upload ready for the map: the display frame, its label, colour and colour classes."""

    frame: gpd.GeoDataFrame  # id (the file's row), name, CLASS_COLUMN, geometry; index as the upload's frame
    label: str
    colour: str
    classes: tuple[ColourClass, ...]


def layer_label(upload: Upload, lang: str) -> str:
    """"Eigene Daten: name.csv": the upload's name in the layer control, the legend and the indicators."""
    return t("upload.layer", lang, name=upload.name)


def name_column(upload: Upload, settings: UploadSettings) -> str | None:
    """The column that names a record: one with a configured name header, else the first mostly-text column."""
    columns = upload.columns
    by_header = {normalise_header(c): c for c in columns}
    named = next((by_header[n] for n in settings.columns["name"] if n in by_header), None)
    if named is not None:
        return named
    for column in columns:
        values = upload.frame[column].dropna()
        if len(values) and values.map(lambda v: isinstance(v, str) and not _is_number(v)).mean() >= 0.5:
            return column
    return None


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def record_names(upload: Upload, settings: UploadSettings, lang: str) -> pd.Series:
    """Each record's display name: its name column's text, or "Zeile 12" (the file's row) when it has none."""
    column = name_column(upload, settings)
    rows = upload.frame[ROW].map(lambda row: t("upload.card.row_name", lang, row=format_number(row, lang)))
    if column is None:
        return rows
    names = upload.frame[column].map(lambda v: "" if cell_value(v) is None else str(cell_value(v)).strip())
    return names.where(names != "", rows)


def upload_map(upload: Upload, styled: Styled | None, settings: UploadSettings, lang: str) -> UploadMap:
    """The upload's display frame and style: coloured by `styled` (from `style_by`), else in one colour."""
    classes = styled.classes if styled is not None else ()
    frame = gpd.GeoDataFrame({
        "id": upload.frame[ROW].astype("int64").astype(str),
        "name": record_names(upload, settings, lang),
        CLASS_COLUMN: styled.values if styled is not None else pd.Series("", index=upload.frame.index),
    }, geometry=upload.frame.geometry.to_numpy(), index=upload.frame.index, crs=upload.frame.crs)
    return UploadMap(frame, layer_label(upload, lang), settings.style.colour, tuple(classes))


def legend_entry(shown: UploadMap) -> LegendEntry:
    """The upload's legend entry: its label with the count of its features, and the count of each class."""
    codes = class_codes(shown.frame[CLASS_COLUMN], shown.classes)
    counts = np.bincount(codes, minlength=len(shown.classes) + 1)
    items = tuple(LegendItem(c.value, c.label, c.colour, int(n)) for c, n in zip(shown.classes, counts) if n)
    return LegendEntry(UPLOAD_LAYER, shown.label, shown.colour, len(shown.frame), items)


@dataclass(frozen=True)
class UploadLayers:
    """The upload's map layers, serialised (the costly part: keep it for the session); `elements` is cheap."""

    entry: LegendEntry
    points: PointPayload | None
    points_label: str
    shapes: str | None
    shapes_label: str

    def elements(self) -> list[PointLayer | ShapeLayer]:
        """New folium elements for one map; the first carries the legend entry of the whole upload."""
        layers: list[PointLayer | ShapeLayer] = []
        if self.points is not None:
            layers.append(PointLayer(self.points.json, name=html_text(self.points_label), legend_entry=self.entry))
        if self.shapes is not None:
            layers.append(ShapeLayer(self.shapes, name=html_text(self.shapes_label),
                                     legend_entry=None if layers else self.entry))
        return layers


def upload_layers(shown: UploadMap, lang: str) -> UploadLayers:
    """The upload's layers: one point layer for its points (the region's fast point path) and one for its lines and
    polygons, named apart when a file holds both."""
    frame = shown.frame[~(shown.frame.geometry.isna() | shown.frame.geometry.is_empty)]
    is_point = frame.geometry.geom_type.isin(POINT_TYPES).to_numpy()
    points, shapes = frame[is_point], frame[~is_point]
    if points.geom_type.eq("MultiPoint").any():
        points = points.explode(index_parts=False)
    both = len(points) > 0 and len(shapes) > 0
    return UploadLayers(
        entry=legend_entry(shown),
        points=point_payload(points, colour=shown.colour, by=CLASS_COLUMN, classes=shown.classes)
        if len(points) else None,
        points_label=t("upload.layer_points", lang, label=shown.label) if both else shown.label,
        shapes=shape_payload(shapes, colour=shown.colour, by=CLASS_COLUMN, classes=shown.classes)
        if len(shapes) else None,
        shapes_label=t("upload.layer_shapes", lang, label=shown.label) if both else shown.label,
    )


def field_text(value: object, lang: str) -> str:
    """A cell as the card and tables show it: numbers in the language's format, text as it is, nothing as ""."""
    value = cell_value(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return format_number(int(value), lang)
    if isinstance(value, (float, np.floating)):
        return format_number(float(value), lang, 6, trim=True)
    return str(value)


def upload_fields(upload: Upload, index: object, lang: str) -> list[tuple[str, str]]:
    """(column, value) of one uploaded record, in the file's order, without empty cells; an approximate position
    (placed at its postcode) says so first."""
    row = upload.frame.loc[index]
    fields = [(str(column), field_text(row[column], lang)) for column in upload.columns]
    out = [(c, v) for c, v in fields if v != ""]
    if row.get(APPROXIMATE) == APPROXIMATE_POSTCODE:
        out.insert(0, (t("upload.card.position", lang), t("upload.card.approximate", lang)))
    return out


def records_table(upload: Upload, index: Sequence[object], lang: str) -> pd.DataFrame:
    """The records at `index` as a table of text: the file's row and its columns."""
    frame = upload.frame.loc[list(index)]
    row_label = t("upload.card.row", lang)
    row_label = row_label if row_label not in upload.columns else ROW  # a file column of that name keeps its name
    table = pd.DataFrame({row_label: frame[ROW].astype("int64")}, index=frame.index)
    for column in upload.columns:
        table[str(column)] = frame[column].map(lambda v: field_text(v, lang))
    return table.reset_index(drop=True)

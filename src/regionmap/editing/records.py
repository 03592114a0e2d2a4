"""A partner's record as the editing side handles it: the curated file's fields as text, checked by the very rules of
`regionmap validate`, placed in its municipality, and converted from and to the store's rows.

A record's values are a `dict[str, str]` keyed by the fields of its layer's curated schema
(`regionmap.data.curated.layer_schema`): what one row of `data/geo/curated/<layer>.csv` holds. The form, the file
import, the history and `regionmap export-curated` all speak this one form.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from regionmap import config
from regionmap.data.curated import (
    CuratedTable,
    Field,
    Problem,
    Record,
    Reference,
    Schema,
    check_tables,
    errors_of,
    layer_schema,
    parse_bool,
    parse_float,
    point_municipalities,
)
from regionmap.data.record_texts import TRANSLATED_FIELDS, RecordTexts, load_record_texts, text_columns
from regionmap.numbers import format_plain
from regionmap.taxonomy import Layer, Taxonomy, taxonomy

PARTNER_SOURCE = "partner_record"  # the record-text id (data/record_texts.toml [source]) of partners' records
SYSTEM_FIELDS = ("id", "layer", "ags", "source", "as_of", "confirmed_by", "confirmed_on")
"""Fields the editing side fills itself: the id, the layer, the municipality (from the point), source and dates."""
PLACE_FIELDS = ("lon", "lat")
Values = dict[str, str]


@dataclass(frozen=True)
class Place:
    """Where a record lies: its municipality and Kreis (codes and names), from its point."""

    ags: str
    municipality: str
    kreis_ags: str
    kreis: str


def editable_layers(tax: Taxonomy | None = None) -> tuple[Layer, ...]:
    """The layers partners maintain (`[layers.editing]` in data/layers.toml)."""
    return tuple(layer for layer in (tax or taxonomy()).layers if layer.editing is not None)


def editable_layer(layer_id: str, tax: Taxonomy | None = None) -> Layer:
    """The editable layer `layer_id`; ValueError when there is none (a forged request, a typo)."""
    for layer in editable_layers(tax):
        if layer.id == layer_id:
            return layer
    raise ValueError(f"'{str(layer_id)[:40]}' is not an editable layer")


def schema_of(layer_id: str, tax: Taxonomy | None = None) -> Schema:
    schema = layer_schema(editable_layer(layer_id, tax))
    assert schema is not None  # editable layers have a curated point file (checked by the taxonomy)
    return schema


def form_fields(schema: Schema) -> tuple[Field, ...]:
    """The fields a person fills in (everything but the system fields and the point)."""
    return tuple(f for f in schema.fields if f.name not in SYSTEM_FIELDS + PLACE_FIELDS)


def canonical(f: Field, value: object) -> str:
    """A value as the curated file writes it: trimmed text, numbers without exponent or trailing zeros, booleans as
    true/false. A value that does not parse stays as given, for the checks to name."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) and f.kind in ("float", "lon", "lat"):
        return format_plain(float(value))
    text = " ".join(str(value).split()) if f.kind not in ("text",) else str(value).strip()
    try:
        if f.kind in ("float", "lon", "lat") and text:
            return format_plain(parse_float(text))
        if f.kind == "bool" and text:
            return "true" if parse_bool(text) else "false"
    except ValueError:
        return text
    return text


def canonical_values(schema: Schema, values: Mapping[str, object]) -> Values:
    """Every field of `schema` in canonical form ("" when not given); unknown keys are dropped."""
    return {f.name: canonical(f, values.get(f.name)) for f in schema.fields}


def changed_fields(before: Mapping[str, str] | None, after: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(field, before, after) of every field whose value differs (all of `after` for a new record)."""
    before = before or {}
    names = list(dict.fromkeys([*after, *before]))
    return [(n, before.get(n, ""), after.get(n, "")) for n in names if before.get(n, "") != after.get(n, "")]


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("ß", "ss")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60].strip("-") or "record"


def new_record_id(layer_id: str, name: str, taken: Iterable[str]) -> str:
    """A fresh id `<layer>-<slug of the name>` (with -2, -3 ... when taken)."""
    taken = set(taken)
    base = f"{layer_id}-{slug(name)}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def reference(boundaries: gpd.GeoDataFrame | None, today: dt.date | None = None) -> Reference:
    """What partner records are checked against: the taxonomy, the region's Kreise, the store's municipalities."""
    return Reference(taxonomy=taxonomy(), kreis_ags=frozenset(config.region().kreis_ags), boundaries=boundaries,
                     today=today or dt.date.today(), record_texts=load_record_texts())


def problems_of(layer_id: str, records: Sequence[tuple[int, Mapping[str, str]]], ref: Reference,
                origin: str = "form") -> list[Problem]:
    """Every error of `records` ((row, values)) by the checks of `regionmap validate`, naming `origin` as the file:
    fields, vocabularies, duplicate ids within them, and the point's municipality."""
    table = CuratedTable(Path(origin), schema_of(layer_id), tuple(Record(row, dict(v)) for row, v in records))
    return errors_of(check_tables([table], ref))


def place_of(values: Mapping[str, str], boundaries: gpd.GeoDataFrame) -> Place | None:
    """The municipality the record's point lies in (the first on a shared border), or None (no point, outside)."""
    try:
        lon, lat = parse_float(values.get("lon", "")), parse_float(values.get("lat", ""))
    except ValueError:
        return None
    found = point_municipalities(boundaries, [lon], [lat])[0]
    if not found:
        return None
    row = boundaries.loc[boundaries["ags"] == found[0]].iloc[0]
    return Place(str(row["ags"]), str(row["name"]), str(row["kreis_ags"]), str(row["kreis_name"]))


def source_id(row: Mapping[str, object], texts: RecordTexts, field_name: str) -> str:
    """The record-text id behind a store row's translated columns (`source_de` ...), "" when none matches."""
    german = row.get(text_columns(field_name)[0])
    for entry, translations in texts.texts.get(field_name, {}).items():
        if translations.get("de") == german:
            return entry
    return ""


def values_of_row(row: Mapping[str, object], schema: Schema, texts: RecordTexts | None = None) -> Values:
    """A store row (a built record, EPSG:4326 point) as curated values."""
    texts = texts or load_record_texts()
    values: dict[str, object] = {}
    for f in schema.fields:
        if f.name in TRANSLATED_FIELDS:
            values[f.name] = source_id(row, texts, f.name)
        elif f.kind in ("lon", "lat"):
            point = row.get("geometry")
            values[f.name] = None if point is None else (point.x if f.kind == "lon" else point.y)
        else:
            value = row.get(f.name)
            values[f.name] = None if value is None or (not isinstance(value, str) and pd.isna(value)) else value
    return canonical_values(schema, values)

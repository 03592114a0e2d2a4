"""The thematic point layers of `data/layers.toml` in the core schema.

A layer is its curated file, plus the records of every source role it declares that has a reader here
(`ROLE_READERS`: GISCO hospital sites, DB stations, OpenFlights airports). A curated file with `join` completes the
source records (categories, texts) instead of adding points.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from collections.abc import Callable

from regionmap import config
from regionmap.data.curated import (
    MISSING_ID,
    CuratedDataError,
    CuratedTable,
    Problem,
    Reference,
    check_tables,
    errors_of,
    layer_schema,
    normalise_sectors,
    read_curated,
    record_text_problems,
    split_sectors,
    table_frame,
    warnings_of,
)
from regionmap.errors import ConfigError
from regionmap.data.source_registry import Source, load_registry
from regionmap.data.record_texts import RecordTexts, text_columns
from regionmap.spatial import LOCATION_COLUMNS, WGS84, locate_points, points_from_lonlat
from regionmap.taxonomy import CONFIRMATION_FIELDS, Layer, Taxonomy, taxonomy

__all__ = ["CORE_COLUMNS", "REQUIRED_COLUMNS", "build_thematic_layers", "split_sectors", "load_derived_texts"]

CORE_COLUMNS = ("id", "name", "layer", "category", "sectors", "ags", "municipality", "kreis", "kreis_ags", "address",
                "website", *text_columns("source"), "as_of", "description_de", "description_en", "description_fr",
                *CONFIRMATION_FIELDS)
"""The store columns of every thematic record; the confirmation (by a partner organisation, on a day) is empty for
the project's records and in the source-derived ones."""
# The core columns every record must fill (the others may be empty).
REQUIRED_COLUMNS = ("id", "name", "layer", "category", "sectors", "ags", "municipality", "kreis", "kreis_ags",
                    *text_columns("source"), "as_of")
DESCRIPTION_COLUMNS = ("description_de", "description_en", "description_fr")
TEMPLATE_FIELDS = frozenset({"name", "site_name", "municipality", "kreis", "ref"})

DerivedTexts = dict[tuple[str, str], dict[str, str]]


def load_derived_texts(path: Path | None = None, tax: Taxonomy | None = None) -> DerivedTexts:
    """Description templates `(layer, category) -> {lang: template}` from `derived_texts.toml`, checked."""
    path = path or config.data_dir() / "derived_texts.toml"
    tax = tax or taxonomy()
    texts: DerivedTexts = {}
    for layer_id, categories in config.load_toml(path).items():
        layer = tax.layer(layer_id)
        for category, templates in categories.items():
            where = f"{path}: [{layer_id}.{category}]"
            if category not in layer.category_ids:
                raise ConfigError(f"{where}: '{category}' is not a category of layer '{layer_id}'")
            missing = [lang for lang in config.LANGUAGES if not str(templates.get(lang, "")).strip()]
            if missing:
                raise ConfigError(f"{where}: template missing for {', '.join(missing)}")
            for lang in config.LANGUAGES:
                try:
                    names = {f for _, f, _, _ in string.Formatter().parse(templates[lang]) if f is not None}
                except ValueError as exc:
                    raise ConfigError(f"{where}: {lang}: {exc}") from exc
                if not names <= TEMPLATE_FIELDS:
                    unknown = ", ".join(sorted(names - TEMPLATE_FIELDS))
                    raise ConfigError(f"{where}: {lang}: unknown placeholder(s) {unknown} "
                                      f"(known: {', '.join(sorted(TEMPLATE_FIELDS))})")
            texts[(layer_id, category)] = {lang: str(templates[lang]) for lang in config.LANGUAGES}
    return texts


def _text(value: object) -> str | None:
    """A source value as stripped text; None for nulls and empty strings."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _slug(value: str) -> str:
    """A source identifier as an id part: lower case, characters outside [a-z0-9_-] replaced by '-'."""
    return re.sub(r"[^a-z0-9_-]+", "-", value.lower()).strip("-")


def _fill_descriptions(frame: pd.DataFrame, layer: str, texts: DerivedTexts) -> None:
    """Fill empty descriptions from the (layer, category) template, where there is one."""
    rows = frame.to_dict("records")
    for lang in config.LANGUAGES:
        column = f"description_{lang}"
        filled = []
        for row in rows:
            templates = texts.get((layer, row["category"]))
            if _text(row[column]) or templates is None:
                filled.append(_text(row[column]))
            else:
                values = {name: _text(row.get(name)) or "–" for name in TEMPLATE_FIELDS}
                filled.append(templates[lang].format_map(values))
        frame[column] = pd.Series(filled, index=frame.index, dtype=object)


def layer_frame(frame: pd.DataFrame, layer: Layer) -> gpd.GeoDataFrame:
    """The layer in the core schema plus its own columns, EPSG:4326, sorted by id."""
    columns = [*CORE_COLUMNS, *layer.columns]
    frame = frame.assign(layer=layer.id)
    for column in columns:
        if column not in frame.columns:
            frame[column] = pd.Series(None, index=frame.index, dtype=object)
    out = gpd.GeoDataFrame(frame[[*columns, "geometry"]], geometry="geometry", crs=frame.crs).to_crs(WGS84)
    for column in columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = pd.Series([_text(v) for v in out[column]], index=out.index, dtype=object)
    return out.sort_values("id", kind="stable").reset_index(drop=True)


def _curated_points(table: CuratedTable, tax: Taxonomy, gemeinden: gpd.GeoDataFrame,
                    texts: RecordTexts, tolerance_m: float) -> gpd.GeoDataFrame:
    """A checked curated point file as located points (location columns from the boundaries, texts per language);
    a point outside every municipality by at most `tolerance_m` is given to the nearest."""
    frame = texts.expand(table_frame(table, tax.sector_ids))
    points, dropped = locate_points(points_from_lonlat(frame).drop(columns=["lon", "lat"]), gemeinden, tolerance_m)
    if dropped:  # the checks passed, so every point lies in its municipality
        raise CuratedDataError([Problem(str(table.path), None, MISSING_ID, "lon",
                                        f"{dropped} point(s) outside the region")])
    return points


def _derived(frame: gpd.GeoDataFrame, origin: Source, /, **columns: object) -> gpd.GeoDataFrame:
    """Source points with the columns given (values or per-row lists); the `source_*` columns (unless given) and
    `as_of` from the registry entry of their origin."""
    out = frame[[*LOCATION_COLUMNS, "geometry"]].copy()
    columns = dict.fromkeys(text_columns("source"), origin.attribution) | {"as_of": origin.reference_date} | columns
    for name, value in columns.items():
        out[name] = pd.Series(value if isinstance(value, list) else [value] * len(out), index=out.index, dtype=object)
    return out


def _address(street: object, number: object, postcode: object, city: object) -> str | None:
    """`Street 1, 12345 City`, leaving out what is missing."""
    parts = (" ".join(filter(None, (_text(street), _text(number)))),
             " ".join(filter(None, (_text(postcode), _text(city)))))
    return ", ".join(p for p in parts if p) or None


def _hospitals(hospitals: gpd.GeoDataFrame, layer: Layer, settings: dict, curated: pd.DataFrame | None, tax: Taxonomy,
               origin: Source) -> gpd.GeoDataFrame:
    """Every hospital site, with the curated category, sectors, website and descriptions joined on the register id
    (`curated` has its texts per language)."""
    register_ids = [_text(v) for v in hospitals["id"]]
    rows = curated.to_dict("records") if curated is not None else []
    joined = {row[layer.curated.join]: row for row in rows} if layer.curated and layer.curated.join else {}
    default_category = settings.get("default_category", layer.category_ids[0])

    def curated_or(column: str, default: str | None) -> list[str | None]:
        return [_text(joined[r].get(column)) or default if r in joined else default for r in register_ids]

    address = [_address(*parts) for parts in zip(hospitals["street"], hospitals["house_number"], hospitals["postcode"],
                                                 hospitals["city"])]
    columns = {column: curated_or(column, None) for column in ("website", *DESCRIPTION_COLUMNS, *CONFIRMATION_FIELDS)}
    columns |= {column: [f"{origin.attribution}; {joined[r][column]}" if r in joined else origin.attribution
                         for r in register_ids] for column in text_columns("source")}
    return _derived(
        hospitals, origin,
        id=[f"{layer.id}-{_slug(r)}" for r in register_ids],
        name=[_text(v) for v in hospitals["name"]],
        site_name=[_text(v) for v in hospitals["site_name"]],
        register_id=register_ids,
        address=address,
        category=curated_or("category", default_category),
        sectors=curated_or("sectors", normalise_sectors(settings.get("sectors", ()), tax.sector_ids)),
        **columns,
    )


def _rail_stations(stations: gpd.GeoDataFrame, layer: Layer, settings: dict, curated: pd.DataFrame | None,
                   tax: Taxonomy, origin: Source) -> gpd.GeoDataFrame:
    """DB stations, categorised by their traffic (`categories`: traffic -> category)."""
    eva = [_text(v) for v in stations["eva_nr"]]
    categories = dict(settings.get("categories", {}))
    default_category = settings.get("default_category", layer.category_ids[0])
    return _derived(
        stations, origin,
        id=[f"{layer.id}-db-{_slug(e)}" for e in eva],
        name=[_text(v) for v in stations["name"]],
        category=[categories.get(_text(t) or "", default_category) for t in stations["traffic"]],
        sectors=normalise_sectors(settings.get("sectors", ()), tax.sector_ids),
        ref=eva,
    )


def _airports(airports: gpd.GeoDataFrame, layer: Layer, settings: dict, curated: pd.DataFrame | None, tax: Taxonomy,
              origin: Source) -> gpd.GeoDataFrame:
    """Airports: `scheduled` ICAO codes get the `scheduled_category`, the others the `default_category`."""
    scheduled = {code.upper() for code in settings.get("scheduled", ())}
    default_category = settings.get("default_category", layer.category_ids[0])
    icao = [(_text(v) or "").upper() or None for v in airports["icao"]]
    return _derived(
        airports, origin,
        id=[f"{layer.id}-airport-{_slug(c or _text(i) or '')}" for c, i in zip(icao, airports["id"])],
        name=[_text(v) for v in airports["name"]],
        category=[settings.get("scheduled_category", default_category) if c in scheduled else default_category
                  for c in icao],
        sectors=normalise_sectors(settings.get("sectors", ()), tax.sector_ids),
        ref=[c or _text(iata) for c, iata in zip(icao, airports["iata"])],
    )


RoleReader = Callable[[gpd.GeoDataFrame, Layer, dict, "pd.DataFrame | None", Taxonomy, Source], gpd.GeoDataFrame]
ROLE_READERS: dict[str, RoleReader] = {"hospitals": _hospitals, "rail_stations": _rail_stations, "airports": _airports}
"""The source roles whose records a layer declaring them (`sources` in layers.toml) takes in, and how."""


def _duplicate_ids(layers: dict[str, gpd.GeoDataFrame]) -> list[Problem]:
    seen: dict[str, str] = {}
    problems = []
    for layer, frame in layers.items():
        for position, record_id in enumerate(frame["id"], start=1):
            if record_id in seen:
                problems.append(Problem(f"layer {layer}", position, record_id, "id",
                                        f"duplicate id: also in layer {seen[record_id]}"))
            seen.setdefault(record_id, layer)
    return problems


@dataclass(frozen=True)
class ThematicBuild:
    """The thematic layers of a build, and the warnings their curated records gave."""

    layers: dict[str, gpd.GeoDataFrame]
    warnings: tuple[Problem, ...]


def build_thematic_layers(base: dict[str, gpd.GeoDataFrame], curated_dir: Path, *, tolerance_m: float = 0.0,
                          strict: bool = False) -> ThematicBuild:
    """Every layer of `data/layers.toml` from the normalised base layers and the curated files.

    Points are placed in the municipality they lie in; `tolerance_m` is the boundaries' positional tolerance (see
    `regionmap.data.curated.coordinate_problems`). Raises CuratedDataError listing the problems when a curated file
    does not pass the checks of `regionmap validate` (with `strict`, warnings too), or when two records share an id.
    """
    tax = taxonomy()
    texts = load_derived_texts(tax=tax)
    registry = load_registry()
    gemeinden = base["gemeinden"]
    tables = {layer.id: read_curated(curated_dir / layer.curated.file, layer_schema(layer))
              for layer in tax.layers if layer.curated}
    reference = Reference(
        taxonomy=tax,
        kreis_ags=frozenset(config.region().kreis_ags),
        boundaries=gemeinden,
        register_ids=frozenset(_text(v) for v in base["hospitals"]["id"]),
        tolerance_m=tolerance_m,
    )
    problems = record_text_problems(reference.record_texts) + check_tables(list(tables.values()), reference)
    if errors_of(problems, strict):
        raise CuratedDataError(errors_of(problems, strict))
    record_texts = reference.record_texts
    layers = {}
    for layer in tax.layers:
        table = tables.get(layer.id)
        joined = layer.curated is not None and layer.curated.join is not None
        curated = record_texts.expand(table_frame(table, tax.sector_ids)) if table is not None and joined else None
        parts = [ROLE_READERS[role](base[role], layer, layer.derive.get(role, {}), curated, tax,
                                    registry.by_role(role))
                 for role in layer.source_roles if role in ROLE_READERS]
        if table is not None and not joined:
            parts.append(_curated_points(table, tax, gemeinden, record_texts, tolerance_m))
        parts = [p.to_crs(WGS84) for p in parts if len(p)] or [p.to_crs(WGS84) for p in parts[:1]]
        if not parts:
            raise ConfigError(f"layers.toml: layer '{layer.id}' has neither a curated file nor a source reader")
        frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=WGS84)
        layers[layer.id] = layer_frame(frame, layer)
        _fill_descriptions(layers[layer.id], layer.id, texts)
    duplicates = _duplicate_ids(layers)
    if duplicates:
        raise CuratedDataError(duplicates)
    return ThematicBuild(layers, tuple(warnings_of(problems)))

"""`regionmap build-data`: read the sources, normalise, clip to the region, join, dissolve, count, write atomically."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from regionmap import config
from regionmap.errors import RegionmapError, SourceError
from regionmap.data.changes import Build, ChangeReport, change_report
from regionmap.data.fetch import Downloader, ResolvedSource, download_file, resolve_source
from regionmap.investor.factors import SITES, compute_location_factors, location_factors
from regionmap.numbers import CLI_LOCALE, format_fixed
from regionmap.data.manifest import curated_entries, source_entry
from regionmap.data.sources.bkg import read_gemeinde_status, read_municipalities, read_states
from regionmap.data.sources.bkg_product import product_reference_date, product_scale
from regionmap.data.sources.db import read_stations
from regionmap.data.sources.geonames import read_postal_codes
from regionmap.data.sources.gisco import read_hospitals
from regionmap.data.sources.openflights import read_airports
from regionmap.data.sources.tabular import SourceTable
from regionmap.data.source_registry import Registry, load_registry, positional_tolerance_m
from regionmap.spatial import LOCATION_COLUMNS, WGS84, locate_points, points_from_lonlat
from regionmap.data.store import Store, StoreMissing, store_at
from regionmap.taxonomy import taxonomy

GEMEINDE_STATUS = "gemeinde_status.csv"
POLYGON_LAYERS = ("gemeinden", "kreise", "region", "states")


@dataclass(frozen=True)
class PointSource:
    """A base point layer: the registry role it comes from, its reader and its sort keys."""

    role: str
    read: Callable[[Path, str], SourceTable]
    sort_by: tuple[str, ...]


POINT_SOURCES = {
    "hospitals": PointSource("hospitals", read_hospitals, ("id", "site_name", "street", "house_number")),
    "rail_stations": PointSource("rail_stations", read_stations, ("eva_nr",)),
    "airports": PointSource("airports", read_airports, ("id",)),
}


@dataclass(frozen=True)
class BuildResult:
    """What `build_store` wrote: the store's location, its new version (build id) and the manifest."""

    store: str
    version: str
    manifest: dict[str, Any]

    def summary(self) -> str:
        """Human-readable counts of the build."""
        m = self.manifest
        lines = [f"Built {self.store} for {m['region']['name']} in {_cli(m['build_seconds'], 1)} s", "Layers:"]
        lines += [f"  {name:<14} {_cli(entry['features']):>6}" for name, entry in m["layers"].items()]
        pop = m["population"]
        total = _cli(pop["total"]) if pop["total"] is not None else "unknown"
        lines.append(f"Population {total}, area {_cli(m['area_km2'], 1)} km²")
        if pop["unknown_ags"]:
            lines.append(f"  population unknown for {len(pop['unknown_ags'])} municipalities: totals are incomplete")
        if m["missing_kreise"]:
            lines.append(f"  Kreise without municipalities in the boundaries: {', '.join(m['missing_kreise'])}")
        for entry in m["sources"]:
            outside = entry.get("rows_outside_region")
            extra = f", {_cli(outside)} outside the region dropped" if outside is not None else ""
            lines.append(f"Source {entry['id']}: {_cli(entry['rows_read'])} rows read, {_cli(entry['rows_kept'])} kept"
                         f"{extra}")
        placement = m["placement"]
        lines.append(f"Points placed with a positional tolerance of {_cli(placement['tolerance_m'])} m "
                     f"({placement['tolerance_from']})")
        lines += [f"Warning: {w}" for w in m["warnings"]]
        lines += ChangeReport.from_dict(m["changes"]).summary()
        return "\n".join(lines)


def _cli(value: float, decimals: int = 0) -> str:
    """A number for the command line: English grouping (6,519; 18,584.1)."""
    return format_fixed(value, CLI_LOCALE, decimals)


def _multi(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Polygons as MultiPolygons, so every polygon layer has one geometry type."""
    geoms = frame.geometry.to_numpy()
    single = shapely.get_type_id(geoms) == 3
    if single.any():
        geoms = geoms.copy()
        geoms[single] = [shapely.MultiPolygon([g]) for g in geoms[single]]
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


def _sorted(frame: gpd.GeoDataFrame, keys: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Rows in a stable order: by `keys`, then by coordinates for points."""
    order = frame.assign(_x=frame.geometry.x, _y=frame.geometry.y) if (frame.geom_type == "Point").all() else frame
    extra = [c for c in ("_x", "_y") if c in order.columns]
    order = order.sort_values([*keys, *extra], kind="stable", na_position="last")
    return frame.loc[order.index].reset_index(drop=True)


def _clip_municipalities(table: SourceTable, region: config.Region, resolved: ResolvedSource) -> gpd.GeoDataFrame:
    """The municipalities whose AGS starts with a Kreis of the region, with the Kreis AGS and name."""
    names = {k.ags: k.name for k in region.kreise}
    frame = table.frame
    frame = frame[frame["ags"].str[:5].isin(list(names))].copy()
    if frame.empty:
        raise SourceError(resolved.source.id, resolved.path,
                          f"empty result: no municipality has an AGS starting with a Kreis of region '{region.id}' "
                          f"({', '.join(names)})")
    frame["kreis_ags"] = frame["ags"].str[:5]
    frame["kreis_name"] = frame["kreis_ags"].map(names)
    return _multi(frame).reset_index(drop=True)


def _total(values: pd.Series) -> int | None:
    """Sum of a nullable column; None when any value is unknown."""
    return None if values.isna().any() else int(values.sum())


def _density(population: pd.Series, area: pd.Series) -> pd.Series:
    return (population.astype("Float64") / area.where(area > 0)).astype("Float64").round(2)


def _dissolve_kreise(gemeinden: gpd.GeoDataFrame, region: config.Region) -> gpd.GeoDataFrame:
    rows = []
    for kreis in region.kreise:
        members = gemeinden[gemeinden["kreis_ags"] == kreis.ags]
        if members.empty:
            continue
        rows.append({
            "ags": kreis.ags,
            "name": kreis.name,
            "population": _total(members["population"]),
            "area_km2": round(float(members["area_km2"].sum()), 2),
            "n_gemeinden": len(members),
            "geometry": shapely.union_all(members.geometry.to_numpy()),
        })
    kreise = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    kreise["population"] = kreise["population"].astype("Int64")
    kreise["density"] = _density(kreise["population"], kreise["area_km2"])
    columns = ["ags", "name", "population", "area_km2", "density", "n_gemeinden", "geometry"]
    return _multi(kreise[columns]).sort_values("ags").reset_index(drop=True)


def _dissolve_region(gemeinden: gpd.GeoDataFrame, kreise: gpd.GeoDataFrame, region: config.Region) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "id": [region.id],
            "name": [region.name()],
            "population": pd.array([_total(gemeinden["population"])], dtype="Int64"),
            "area_km2": [round(float(gemeinden["area_km2"].sum()), 2)],
            "n_gemeinden": [len(gemeinden)],
            "n_kreise": [len(kreise)],
        },
        geometry=[shapely.union_all(kreise.geometry.to_numpy())],
        crs=WGS84,
    )
    frame.insert(4, "density", _density(frame["population"], frame["area_km2"]))
    return _multi(frame)


def _locate(table: SourceTable, gemeinden: gpd.GeoDataFrame,
            sort_by: tuple[str, ...]) -> tuple[gpd.GeoDataFrame, int]:
    """Points inside the region's municipalities with their location columns; and how many were outside."""
    kept, dropped = locate_points(table.frame, gemeinden)
    columns = [c for c in table.frame.columns if c != "geometry"]
    return _sorted(kept[[*columns, *LOCATION_COLUMNS, "geometry"]], sort_by), dropped


def _thematic_layers(base: dict[str, gpd.GeoDataFrame], curated: Path, tolerance_m: float,
                     strict: bool) -> tuple[dict[str, gpd.GeoDataFrame], tuple[Any, ...]]:
    """The five thematic layers (`regionmap.data.thematic`), checked against `layers.toml`, and their warnings."""
    from regionmap.data.thematic import build_thematic_layers

    expected = [layer.id for layer in taxonomy().layers]
    built = build_thematic_layers(base, curated, tolerance_m=tolerance_m, strict=strict)
    layers = built.layers
    missing = [name for name in expected if name not in layers]
    if missing:
        raise RegionmapError(f"thematic layers missing from the build: {', '.join(missing)}")
    result = {}
    for name in expected:
        frame = layers[name]
        if "ags" not in frame.columns or "id" not in frame.columns:
            raise RegionmapError(f"thematic layer '{name}' lacks the 'id' or 'ags' column")
        result[name] = _sorted(frame.to_crs(WGS84), ("id",))
    return result, tuple(built.warnings)


def _count_points(gemeinden: gpd.GeoDataFrame, points: dict[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Add `n_<layer>`: the number of points of each layer in each municipality."""
    counts = {f"n_{name}": gemeinden["ags"].map(frame["ags"].value_counts()).fillna(0).astype("int64")
              for name, frame in points.items()}
    return gemeinden.assign(**counts)


def _geometry_type(layer: str) -> str:
    return "MultiPolygon" if layer in POLYGON_LAYERS else "Point"


def _previous_build(target: Store) -> Build | None:
    """What the change report compares of the store being replaced, or None when there is none (or it is unreadable)."""
    try:
        target.version()
        names = set(target.layer_names())
        if not {"gemeinden", "kreise", "region"} <= names:
            return None
        columns = ["ags", "name", "population", "area_km2"]
        return Build(
            gemeinden=target.read_built("gemeinden")[[*columns, "geometry"]],
            kreise=pd.DataFrame(target.read_built("kreise")[columns]),
            region=pd.DataFrame(target.read_built("region")[["id", "name", "population", "area_km2"]]),
            points={layer.id: pd.DataFrame(target.read_built(layer.id)[["id", "name", "ags"]])
                    for layer in taxonomy().layers if layer.id in names},
            manifest=target.manifest(),
        )
    except (StoreMissing, KeyError):
        return None


@dataclass(frozen=True)
class Tolerance:
    """The positional tolerance points are placed with, and where it comes from."""

    metres: float
    origin: str


def _tolerance(given: float | None, municipalities: ResolvedSource) -> Tolerance:
    """`--tolerance`, else the scale in the boundary file's name, else the registry's scale of the source."""
    if given is not None:
        if given < 0:
            raise RegionmapError(f"--tolerance {given}: give a distance in metres of 0 or more")
        return Tolerance(float(given), "--tolerance")
    scale = product_scale(municipalities.path) if municipalities.origin == "--boundaries" else None
    if scale is not None:
        return Tolerance(positional_tolerance_m(scale), f"{municipalities.path.name}: 1:{scale:,}")
    source = municipalities.source
    if source.scale is not None:
        return Tolerance(positional_tolerance_m(source.scale), f"data/sources.toml ({source.id}): 1:{source.scale:,}")
    return Tolerance(0.0, "no scale recorded")


def _reference_date(resolved: ResolvedSource, given: str | None) -> tuple[str, str]:
    """(reference date, where it comes from): the file's own, else `--reference-date`, else the registry's."""
    stated = product_reference_date(resolved.path)
    if stated is not None:
        return stated[0], stated[1]
    if given is not None:
        return given, "--reference-date"
    return resolved.source.reference_date, "data/sources.toml"


def _read_sources(
    municipalities: ResolvedSource,
    resolve: Callable[[str], ResolvedSource],
    region: config.Region,
    curated: Path,
    reference_date: str | None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, gpd.GeoDataFrame], list[dict[str, Any]],
           gpd.GeoDataFrame]:
    """Read every source: the region's municipalities, the states, the located base points, their manifest records,
    and the country's postcode centroids (for placing uploads; counted in the region for the manifest).

    `reference_date` is the municipalities' reference date when their file states none.
    """
    status_file = curated / GEMEINDE_STATUS
    status = read_gemeinde_status(status_file) if status_file.is_file() else {}
    table = read_municipalities(municipalities.path, municipalities.source.id, layer=municipalities.layer,
                                status=status)
    gemeinden = _clip_municipalities(table, region, municipalities)
    sources = [source_entry(municipalities, table.rows_read, len(gemeinden),
                            reference_date=_reference_date(municipalities, reference_date))]

    resolved = resolve("states")
    table = read_states(resolved.path, resolved.source.id, layer=resolved.layer)
    states = _multi(table.frame)
    sources.append(source_entry(resolved, table.rows_read, len(states), reference_date=_reference_date(resolved, None)))

    points: dict[str, gpd.GeoDataFrame] = {}
    for name, spec in POINT_SOURCES.items():
        resolved = resolve(spec.role)
        table = spec.read(resolved.path, resolved.source.id)
        points[name], outside = _locate(table, gemeinden, spec.sort_by)
        sources.append(source_entry(resolved, table.rows_read, len(points[name]), outside))

    resolved = resolve("postal_codes")
    postal = read_postal_codes(resolved.path, resolved.source.id)
    _, outside = locate_points(points_from_lonlat(postal), gemeinden)
    sources.append(source_entry(resolved, len(postal), len(postal) - outside, outside))
    return gemeinden, states, points, sources, postcode_centroids(postal)


def postcode_centroids(postal: pd.DataFrame) -> gpd.GeoDataFrame:
    """One point per postal code (the mean of its places, all of the country): for placing uploads by postcode."""
    grouped = postal.groupby("postal_code", sort=True).agg(
        place_name=("place_name", lambda names: ", ".join(sorted(set(map(str, names))))),
        lon=("lon", "mean"), lat=("lat", "mean"))
    return points_from_lonlat(grouped.reset_index()).drop(columns=["lon", "lat"])


def build_store(
    source_dir: Path | None = None,
    boundaries: Path | None = None,
    out: str | os.PathLike[str] | None = None,
    *,
    registry: Registry | None = None,
    region: config.Region | None = None,
    curated_dir: Path | None = None,
    download: Downloader = download_file,
    tolerance_m: float | None = None,
    strict: bool = False,
    reference_date: str | None = None,
) -> BuildResult:
    """Build the region store at `out` (a location for `regionmap.data.store.store_at`; default `$REGIONMAP_STORE`) from
    the registry's sources, written at once by `Store.write_build`.

    `boundaries` replaces the registry's municipality file (any vintage or scale of BKG's products);
    `download` fetches sources found nowhere locally. Points are placed by position with the boundaries' positional
    tolerance (`tolerance_m`, default from their scale); curated records that are off within it, or whose AGS the
    boundaries lack, are warnings (errors with `strict`). `reference_date` is the boundaries' reference date when
    their files state none. The manifest gets the warnings and a report of what changed against the store at `out`.
    """
    if reference_date is not None:
        try:
            reference_date = dt.date.fromisoformat(reference_date).isoformat()
        except ValueError as exc:
            raise RegionmapError(f"--reference-date {reference_date!r} is not a date (YYYY-MM-DD)") from exc
    started = time.perf_counter()
    built_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    registry = registry or load_registry()
    region = region or config.region()
    curated = curated_dir or config.curated_dir()
    target = store_at(out)

    def resolve(role: str) -> ResolvedSource:
        return resolve_source(registry.by_role(role), source_dir, download=download)

    municipalities = (ResolvedSource(registry.by_role("municipalities"), config.resolve_path(boundaries),
                                     "--boundaries") if boundaries else resolve("municipalities"))
    tolerance = _tolerance(tolerance_m, municipalities)
    gemeinden, states, points, sources, postcodes = _read_sources(municipalities, resolve, region, curated,
                                                                  reference_date)
    thematic, warnings = _thematic_layers({"gemeinden": gemeinden, **points}, curated, tolerance.metres, strict)
    thematic[SITES] = compute_location_factors(thematic[SITES], thematic, location_factors())
    gemeinden = gemeinden.assign(density=_density(gemeinden["population"], gemeinden["area_km2"]))
    gemeinden = _count_points(gemeinden, {**points, **thematic})
    columns = ["ags", "name", "kind", "kreis_ags", "kreis_name", "population", "area_km2", "density", "area_source",
               "population_known"]
    gemeinden = gemeinden[[*columns, *[c for c in gemeinden.columns if c.startswith("n_")], "geometry"]]
    kreise = _dissolve_kreise(gemeinden, region)
    layers = {
        "gemeinden": gemeinden,
        "kreise": kreise,
        "region": _dissolve_region(gemeinden, kreise, region),
        "states": states,
        **points,
        **thematic,
        "postcodes": postcodes,
    }

    unknown = gemeinden.loc[gemeinden["population"].isna(), "ags"].tolist()
    manifest: dict[str, Any] = {
        "format": 1,
        "region": {"id": region.id, "name": region.name()},
        "built_at": built_at.isoformat().replace("+00:00", "Z"),
        "build_seconds": 0.0,
        "sources": sources,
        "curated": curated_entries(curated),
        "layers": {name: {"features": len(frame), "geometry": _geometry_type(name)} for name, frame in layers.items()},
        "population": {"total": _total(gemeinden["population"]), "unknown_ags": unknown},
        "area_km2": round(float(gemeinden["area_km2"].sum()), 2),
        "missing_kreise": [k.ags for k in region.kreise if k.ags not in set(kreise["ags"])],
        "placement": {"tolerance_m": tolerance.metres, "tolerance_from": tolerance.origin},
        "warnings": [w.format() for w in warnings],
    }
    current = Build(gemeinden, kreise, layers["region"], thematic, manifest)
    manifest["changes"] = change_report(_previous_build(target), current).as_dict()
    manifest["build_seconds"] = round(time.perf_counter() - started, 2)
    version = target.write_build(layers, manifest)
    return BuildResult(store=target.location, version=version, manifest=manifest)


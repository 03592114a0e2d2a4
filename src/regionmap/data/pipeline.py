"""`regionmap build-data`: read the sources, normalise, clip to the region, join, dissolve, count, write atomically."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from regionmap import config
from regionmap.errors import RegionmapError, SourceError
from regionmap.data.fetch import Downloader, ResolvedSource, download_file, resolve_source
from regionmap.investor.factors import compute_location_factors, location_factors
from regionmap.data.manifest import curated_entries, source_entry, write_manifest
from regionmap.data.sources.bkg import read_gemeinde_status, read_municipalities, read_states
from regionmap.data.sources.db import read_stations
from regionmap.data.sources.geonames import read_postal_codes
from regionmap.data.sources.gisco import read_hospitals
from regionmap.data.sources.openflights import read_airports
from regionmap.data.sources.tabular import SourceTable
from regionmap.data.source_registry import Registry, load_registry
from regionmap.spatial import LOCATION_COLUMNS, WGS84, locate_points, points_from_lonlat
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
    """What `build_store` wrote."""

    store: Path
    manifest_path: Path
    manifest: dict[str, Any]

    def summary(self) -> str:
        """Human-readable counts of the build."""
        m = self.manifest
        lines = [f"Built {self.store} for {m['region']['name']} in {m['build_seconds']:.1f} s", "Layers:"]
        lines += [f"  {name:<14} {entry['features']:>6,}" for name, entry in m["layers"].items()]
        pop = m["population"]
        total = f"{pop['total']:,}" if pop["total"] is not None else "unknown"
        lines.append(f"Population {total}, area {m['area_km2']:,.1f} km²")
        if pop["unknown_ags"]:
            lines.append(f"  population unknown for {len(pop['unknown_ags'])} municipalities: totals are incomplete")
        if m["missing_kreise"]:
            lines.append(f"  Kreise without municipalities in the boundaries: {', '.join(m['missing_kreise'])}")
        for entry in m["sources"]:
            outside = entry.get("rows_outside_region")
            extra = f", {outside:,} outside the region dropped" if outside is not None else ""
            lines.append(f"Source {entry['id']}: {entry['rows_read']:,} rows read, {entry['rows_kept']:,} kept{extra}")
        return "\n".join(lines)


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


def _thematic_layers(base: dict[str, gpd.GeoDataFrame], curated: Path) -> dict[str, gpd.GeoDataFrame]:
    """The five thematic layers (`regionmap.data.thematic`), checked against `layers.toml`."""
    from regionmap.data.thematic import build_thematic_layers

    expected = [layer.id for layer in taxonomy().layers]
    layers = build_thematic_layers(base, curated)
    missing = [name for name in expected if name not in layers]
    if missing:
        raise RegionmapError(f"thematic layers missing from the build: {', '.join(missing)}")
    result = {}
    for name in expected:
        frame = layers[name]
        if "ags" not in frame.columns or "id" not in frame.columns:
            raise RegionmapError(f"thematic layer '{name}' lacks the 'id' or 'ags' column")
        result[name] = _sorted(frame.to_crs(WGS84), ("id",))
    return result


def _count_points(gemeinden: gpd.GeoDataFrame, points: dict[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Add `n_<layer>`: the number of points of each layer in each municipality."""
    counts = {f"n_{name}": gemeinden["ags"].map(frame["ags"].value_counts()).fillna(0).astype("int64")
              for name, frame in points.items()}
    return gemeinden.assign(**counts)


def _geometry_type(layer: str) -> str:
    return "MultiPolygon" if layer in POLYGON_LAYERS else "Point"


def _write_layers(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", geometry_type=_geometry_type(name))


def _publish(layers: dict[str, gpd.GeoDataFrame], out: Path, manifest: dict[str, Any], started: float) -> None:
    """Write the store and manifest in a temporary directory beside `out`, then move both into place.

    On failure the previous store and manifest are left as they were.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
    try:
        store = staging / out.name
        _write_layers(store, layers)
        manifest["build_seconds"] = round(time.perf_counter() - started, 2)
        manifest_file = staging / config.manifest_path(out).name
        write_manifest(manifest_file, manifest, store)
        store.replace(out)
        manifest_file.replace(config.manifest_path(out))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _read_sources(
    municipalities: ResolvedSource,
    resolve: Callable[[str], ResolvedSource],
    region: config.Region,
    curated: Path,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, gpd.GeoDataFrame], list[dict[str, Any]],
           gpd.GeoDataFrame]:
    """Read every source: the region's municipalities, the states, the located base points, their manifest records,
    and the country's postcode centroids (for placing uploads; counted in the region for the manifest).
    """
    status_file = curated / GEMEINDE_STATUS
    status = read_gemeinde_status(status_file) if status_file.is_file() else {}
    table = read_municipalities(municipalities.path, municipalities.source.id, layer=municipalities.layer,
                                status=status)
    gemeinden = _clip_municipalities(table, region, municipalities)
    sources = [source_entry(municipalities, table.rows_read, len(gemeinden))]

    resolved = resolve("states")
    table = read_states(resolved.path, resolved.source.id, layer=resolved.layer)
    states = _multi(table.frame)
    sources.append(source_entry(resolved, table.rows_read, len(states)))

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
    out: Path | None = None,
    *,
    registry: Registry | None = None,
    region: config.Region | None = None,
    curated_dir: Path | None = None,
    download: Downloader = download_file,
) -> BuildResult:
    """Build the region store (GeoPackage + manifest.json) from the registry's sources.

    `boundaries` replaces the registry's municipality file; `download` fetches sources found nowhere locally.
    """
    started = time.perf_counter()
    built_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    registry = registry or load_registry()
    region = region or config.region()
    curated = curated_dir or config.curated_dir()
    out = Path(out) if out else config.default_store_path()

    def resolve(role: str) -> ResolvedSource:
        return resolve_source(registry.by_role(role), source_dir, download=download)

    municipalities = (ResolvedSource(registry.by_role("municipalities"), Path(boundaries), "--boundaries")
                      if boundaries else resolve("municipalities"))
    gemeinden, states, points, sources, postcodes = _read_sources(municipalities, resolve, region, curated)
    thematic = _thematic_layers({"gemeinden": gemeinden, **points}, curated)
    thematic["sites"] = compute_location_factors(thematic["sites"], thematic, location_factors())
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
    }
    _publish(layers, out, manifest, started)
    return BuildResult(store=out, manifest_path=config.manifest_path(out), manifest=manifest)


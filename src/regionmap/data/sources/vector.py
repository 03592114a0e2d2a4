"""Opening vector files (shapefile, GeoPackage, GeoJSON, or any of them in a zip): layer choice and CRS check."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pyogrio
import pyogrio.errors
from pyproj import CRS

from regionmap.errors import SourceError

VECTOR_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".fgb", ".gml", ".sqlite")
POLYGONAL = ("Polygon", "MultiPolygon", "Polygon Z", "MultiPolygon Z")


def _datasets(path: Path, source_id: str) -> list[str]:
    """The GDAL dataset paths inside `path`: the file itself, or each vector file in a zip archive."""
    if path.suffix.lower() != ".zip":
        return [str(path)]
    try:
        with zipfile.ZipFile(path) as zf:
            members = [n for n in zf.namelist() if PurePosixPath(n).suffix.lower() in VECTOR_SUFFIXES]
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(source_id, path, f"unreadable file: not a valid zip archive ({exc})") from exc
    if not members:
        raise SourceError(source_id, path, f"the zip archive holds no vector file ({', '.join(VECTOR_SUFFIXES)})")
    return [f"/vsizip/{path}/{member}" for member in sorted(members)]


def _layers(path: Path, source_id: str) -> list[tuple[str, str, str | None]]:
    """(dataset, layer name, geometry type) of every layer in the file."""
    found = []
    for dataset in _datasets(path, source_id):
        try:
            found += [(dataset, str(name), geom) for name, geom in pyogrio.list_layers(dataset)]
        except (pyogrio.errors.DataSourceError, OSError) as exc:
            raise SourceError(source_id, path, f"unreadable file: {exc}") from exc
    if not found:
        raise SourceError(source_id, path, "the file has no layers")
    return found


def choose_layer(path: Path, source_id: str, layer: str | None, preferred: Sequence[str]) -> tuple[str, str]:
    """(dataset, layer) to read: the named layer, else the only one, else a preferred name, else the only polygons."""
    layers = _layers(path, source_id)
    names = ", ".join(name for _, name, _ in layers)
    if layer is not None:
        match = [(d, n) for d, n, _ in layers if n.lower() == layer.lower()]
        if not match:
            raise SourceError(source_id, path, f"no layer '{layer}' (layers: {names})")
        return match[0]
    if len(layers) == 1:
        return layers[0][0], layers[0][1]
    for wanted in preferred:
        match = [(d, n) for d, n, _ in layers if n.lower() == wanted.lower()]
        if match:
            return match[0]
    polygonal = [(d, n) for d, n, g in layers if g in POLYGONAL]
    if len(polygonal) == 1:
        return polygonal[0]
    raise SourceError(source_id, path, f"cannot tell which layer to read (layers: {names}); expected one of "
                                       f"{', '.join(preferred)} or a single polygon layer")


def read_vector(path: Path, source_id: str, *, accepted_epsg: Sequence[int], layer: str | None = None,
                preferred_layers: Sequence[str] = ()) -> gpd.GeoDataFrame:
    """Read one layer of a vector file, checking that it has a CRS whose EPSG code is accepted."""
    if not path.exists():
        raise SourceError(source_id, path, "file not found")
    dataset, name = choose_layer(path, source_id, layer, preferred_layers)
    try:
        frame = gpd.read_file(dataset, layer=name, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError, ValueError) as exc:
        raise SourceError(source_id, path, f"unreadable file: layer '{name}': {exc}") from exc
    crs = frame.crs
    if crs is None:
        raise SourceError(source_id, path, f"layer '{name}' has no coordinate reference system (CRS); "
                                           f"expected one of EPSG:{', '.join(map(str, accepted_epsg))}")
    epsg = CRS.from_user_input(crs).to_epsg(min_confidence=70)
    if epsg not in accepted_epsg:
        raise SourceError(source_id, path, f"layer '{name}' has an unknown or unsupported CRS '{crs.name}' "
                                           f"(EPSG:{epsg}); expected one of EPSG:{', '.join(map(str, accepted_epsg))}")
    return frame

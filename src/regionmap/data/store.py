"""The data store: one interface (`Store`) for the app, the pipeline and `regionmap validate`, and its backends.

A backend sits behind the `Store` protocol and is picked by the location string of `$REGIONMAP_STORE` (or
`--out`/`--store`), in one place: `store_at`. This follows pygeoapi's provider plugins: the callers speak the
interface, the configuration names the implementation. A file path gives `GeoPackageStore` (the embedded default, no
server); a `postgresql://` URL gives `PostGISStore` (`regionmap.data.postgis`), whose missing URL parts come from
libpq's PG* variables.

Every store carries its own metadata (the table `regionmap_meta` beside the layers): the build id that
`Store.version()` returns, and the build manifest. The app caches everything on that version, so a replaced store is
noticed on the next rerun and a damaged one gives `StoreMissing` instead of stale data.

`open_store`/`load_store` give a `StoreData`: every layer read once (GeoPackage), or each layer read when first used,
filtered reads and prebuilt simplified boundaries asked of the database (backends with `reads_in_place`). A missing,
unreadable or incomplete store raises `StoreMissing`, whose message names the store and says how to build it.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import importlib.util
import json
import os
import re
import shutil
import sqlite3
import tempfile
import time
import urllib.parse
import uuid
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import geopandas as gpd
import pandas as pd
import pyogrio

from regionmap import config
from regionmap.errors import RegionmapError
from regionmap.data.manifest import write_manifest
from regionmap.taxonomy import Taxonomy, taxonomy
from regionmap.data.thematic import REQUIRED_COLUMNS as THEMATIC_REQUIRED
from regionmap.dashboard.urlstate import Vocab

if TYPE_CHECKING:
    from regionmap.editing.repository import Edits


def required_columns() -> dict[str, tuple[str, ...]]:
    """The layers the app needs and their columns: the boundaries, and every layer of data/layers.toml."""
    layer_ids = taxonomy().layer_ids
    return {
        "gemeinden": ("ags", "name", "kind", "kreis_ags", "kreis_name", "population", "area_km2", "density",
                      *(f"n_{layer}" for layer in layer_ids)),
        "kreise": ("ags", "name", "population", "area_km2", "density", "n_gemeinden"),
        "region": ("id", "name", "population", "area_km2", "density", "n_gemeinden", "n_kreise"),
        "states": ("ags", "name"),
        **{layer: THEMATIC_REQUIRED for layer in layer_ids},
    }

AGS_KEYED = ("gemeinden", "kreise", "states")


def feature_key(layer: str) -> str:
    """The column whose values identify the features of store layer `layer` (unique within it; the OGC API's feature
    ids, the PostGIS table's primary key): `ags` of the municipalities, Kreise and states, else `id` (where the layer
    has it: postcodes and rail stations have no key)."""
    return "ags" if layer in AGS_KEYED else "id"


BUILD_HINT = (
    "Build it with `REGIONMAP_SOURCE_DIR=/path/to/sources regionmap build-data` "
    "(or set REGIONMAP_STORE to an existing store)."
)
META_TABLE = "regionmap_meta"
META_FORMAT = "1"
POSTGIS_SCHEMES = ("postgresql", "postgres")
URL_PATTERN = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")

Bounds = tuple[float, float, float, float]
"""(west, south, east, north) in degrees (EPSG:4326)."""


class StoreMissing(RegionmapError):
    """The store is missing, unreadable, or lacks layers, columns or metadata the app needs."""

    def __init__(self, location: Path | str, problem: str) -> None:
        self.location = str(location)
        self.problem = problem
        super().__init__(f"data store {self.location}: {problem}. {BUILD_HINT}")


class Store(Protocol):
    """A built region store, whatever holds it: the operations the app, the pipeline and validation use."""

    @property
    def location(self) -> str:
        """Where the store is (a file path, or a URL without its password), for messages."""
        ...

    def version(self) -> str:
        """The build id from the store's own metadata: cheap, so the app asks on every rerun and caches on it.

        Raises StoreMissing when the store is missing, damaged or has no metadata.
        """
        ...

    def manifest(self) -> dict[str, Any]:
        """The build manifest recorded with the layers (sources, curated files, layer counts, `build_id`)."""
        ...

    @property
    def reads_in_place(self) -> bool:
        """True when filtered reads run where the data is (a database): the app then reads each layer when it is
        first used, and a view's filtered layer by `read_layer`, instead of holding every layer from the start."""
        ...

    def layer_names(self) -> list[str]:
        """The names of the store's layers (not its metadata)."""
        ...

    def layer_columns(self, name: str) -> list[str]:
        """The columns of layer `name` (with `geometry`), without reading its features."""
        ...

    def read_layer(self, name: str, *, bbox: Bounds | None = None, ags: str | None = None,
                   kreis: str | None = None) -> gpd.GeoDataFrame:
        """One layer in EPSG:4326 in the stored order, optionally only the features in `bbox`, of municipality `ags` or
        Kreis `kreis`; with the partners' published records (`regionmap.editing.overlay`)."""
        ...

    def read_built(self, name: str, *, bbox: Bounds | None = None, ags: str | None = None,
                   kreis: str | None = None) -> gpd.GeoDataFrame:
        """Layer `name` as the official build wrote it, without the partners' records (the filters as above)."""
        ...

    def read_simplified(self, name: str, zoom: int) -> gpd.GeoDataFrame | None:
        """Boundary layer `name` as simplified for display at `zoom` when the build stored it, else None."""
        ...

    def edits(self) -> Edits:
        """The partners' editing tables in the store (records, change sets, grants, history), which every
        `read_layer` overlays and every build keeps."""
        ...

    def read_columns(self, name: str, columns: Sequence[str]) -> pd.DataFrame:
        """Attribute `columns` of layer `name` as `read_layer` gives them (with the partners' published records),
        without geometry, in the stored order (ids for a vocabulary, figures to sum). A column the layer lacks
        raises StoreMissing."""
        ...

    def count(self, name: str) -> int:
        """The number of features of layer `name`, as `read_layer` gives them."""
        ...

    def write_build(self, layers: Mapping[str, gpd.GeoDataFrame], manifest: dict[str, Any]) -> str:
        """Replace the store's content by `layers` and `manifest` at once, returning the new version.

        On failure the previous content and version stay as they were. Sets `manifest["build_id"]`.
        """
        ...


def store_at(location: str | os.PathLike[str] | None = None) -> Store:
    """The store at `location` (default `$REGIONMAP_STORE`, else `data/geo/regionmap.gpkg`): the one place where a
    location string is parsed. A path (relative to the current directory, or a `file:` URL) gives a GeoPackage;
    a `postgresql://` (or `postgres://`) URL gives PostGIS; any other scheme is an error."""
    if isinstance(location, os.PathLike):
        return GeoPackageStore(config.resolve_path(location))
    text = (config.store_location() if location is None else location).strip()
    if not text:
        raise StoreMissing(text, "the store location is empty; give a GeoPackage path")
    url = URL_PATTERN.match(text)
    if url is None:  # a plain path (a colon in a file name, or a Windows drive letter, does not make a URL)
        return GeoPackageStore(config.resolve_path(text))
    scheme = url.group(1).lower()
    if scheme == "file":
        return GeoPackageStore(Path(urllib.parse.unquote(urllib.parse.urlsplit(text).path)))
    if scheme in POSTGIS_SCHEMES:
        from regionmap.data.postgis import PostGISStore

        return PostGISStore(text)
    raise StoreMissing(without_password(text), f"unknown store scheme '{scheme}:'; give a GeoPackage path "
                       "or a postgresql:// URL")


def without_password(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def check_code(value: str, digits: int, what: str) -> str:
    if not (isinstance(value, str) and len(value) == digits and value.isascii() and value.isdigit()):
        raise ValueError(f"{what} must be {digits} digits, got {value!r}")
    return value


def filter_frame(frame: gpd.GeoDataFrame, *, ags: str | None = None, kreis: str | None = None) -> gpd.GeoDataFrame:
    """The features of municipality `ags` (8 digits) and/or Kreis `kreis` (5 digits; `kreis_ags`, or `ags` on the
    Kreis layer itself). Malformed codes raise ValueError: they never reach a query."""
    if ags is not None:
        frame = frame[frame["ags"] == check_code(ags, 8, "AGS")]
    if kreis is not None:
        column = "kreis_ags" if "kreis_ags" in frame.columns else "ags"
        frame = frame[frame[column] == check_code(kreis, 5, "Kreis AGS")]
    return frame.reset_index(drop=True)


def check_columns(location: Path | str, name: str, columns: Sequence[str], present: Sequence[str]) -> None:
    """StoreMissing naming the columns of `columns` that layer `name` lacks (`present`; geometry is not an
    attribute)."""
    absent = [c for c in columns if c not in present or c == "geometry"]
    if absent:
        raise StoreMissing(location, f"layer '{name}' has no column(s) {', '.join(absent)}")


def integer_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Counts and populations back to nullable integers (GeoPackage readers give floats when a value is null)."""
    for column in gdf.columns:
        if column != "population" and not column.startswith("n_"):
            continue
        values = gdf[column]
        if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
            gdf[column] = values.astype("Int64")
    return gdf


def _write_layers(path: Path, layers: Mapping[str, gpd.GeoDataFrame], geometry_types: Mapping[str, str]) -> None:
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", geometry_type=geometry_types.get(name))


class MetaTableStore:
    """What the backends share: `version()` and `manifest()` from their `_meta()` (the key/value rows of their
    META_TABLE) and the editing tables' revision, and `read_layer` as the backend's `read_built` with the partners'
    published records overlaid (`regionmap.editing.overlay`)."""

    @property
    def location(self) -> str:
        raise NotImplementedError

    def _meta(self) -> dict[str, str]:
        raise NotImplementedError

    def edits(self) -> Edits:
        """The partners' editing tables in this store (`regionmap.editing.repository.Edits`)."""
        raise NotImplementedError

    def read_built(self, name: str, *, bbox: Bounds | None = None, ags: str | None = None,
                   kreis: str | None = None) -> gpd.GeoDataFrame:
        """Layer `name` as the official build wrote it (see `Store.read_layer` for the filters)."""
        raise NotImplementedError

    def version(self) -> str:
        """The build id, followed by the edit revision once partners have published (`<build>+<revision>`)."""
        build = self._meta()["build_id"]
        revision = self.edits().revision()
        return f"{build}+{revision}" if revision else build

    def read_layer(self, name: str, *, bbox: Bounds | None = None, ags: str | None = None,
                   kreis: str | None = None) -> gpd.GeoDataFrame:
        from regionmap.editing.overlay import overlaid, recounted
        from regionmap.editing.records import editable_layers
        from regionmap.investor.factors import SITES

        frame = self.read_built(name, bbox=bbox, ags=ags, kreis=kreis)
        editable = {layer.id for layer in editable_layers()}
        if name not in editable and name != "gemeinden":
            return frame
        published = self.edits().published()
        if name in editable:
            return overlaid(name, frame, [r for r in published if r.layer == name], bbox=bbox, ags=ags, kreis=kreis,
                            derive=self._with_location_factors if name == SITES else None)
        for layer in sorted({r.layer for r in published}):
            frame = recounted(frame, layer, self.read_layer(layer))
        return frame

    def _with_location_factors(self, sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """Partner sites with their location factors, measured to the targets as every reader sees them."""
        from regionmap.investor.factors import SITES, compute_location_factors, location_factors

        factors = location_factors()
        targets = {layer: self.read_built(layer) if layer == SITES else self.read_layer(layer)
                   for layer in {f.layer for f in factors}}
        return compute_location_factors(sites, targets, factors)

    def read_columns(self, name: str, columns: Sequence[str]) -> pd.DataFrame:
        if not self._overlaid(name, columns):
            return self._built_columns(name, columns)
        frame = self.read_layer(name)
        check_columns(self.location, name, columns, list(frame.columns))
        return pd.DataFrame(frame[list(columns)])

    def count(self, name: str) -> int:
        return len(self.read_layer(name)) if self._overlaid(name, ()) else self._count_built(name)

    def _overlaid(self, name: str, columns: Sequence[str]) -> bool:
        """Whether the partners' published records change `columns` (or the rows) of layer `name`: an editable layer
        with published records, or the municipalities' counts `n_*` once anything is published."""
        from regionmap.editing.records import editable_layers

        editable = name in {layer.id for layer in editable_layers()}
        if not editable and not (name == "gemeinden" and any(c.startswith("n_") for c in columns)):
            return False
        published = self.edits().published()
        return any(r.layer == name for r in published) if editable else bool(published)

    def _built_columns(self, name: str, columns: Sequence[str]) -> pd.DataFrame:
        """`read_columns` of the layer as the build wrote it (only those columns read)."""
        raise NotImplementedError

    def _count_built(self, name: str) -> int:
        """`count` of the layer as the build wrote it (without reading it)."""
        raise NotImplementedError

    def _edits(self, engine: Any, schema: str | None, lock: Any) -> Edits:
        from regionmap.editing.repository import Edits

        return Edits(engine, schema=schema, lock=lock, built=lambda layer: self.read_built(layer),
                     boundaries=lambda: self.read_built("gemeinden"))

    def manifest(self) -> dict[str, Any]:
        try:
            manifest = json.loads(self._meta().get("manifest", "{}"))
        except json.JSONDecodeError as exc:
            raise StoreMissing(self.location, f"unreadable manifest in '{META_TABLE}' ({exc})") from exc
        if not isinstance(manifest, dict):
            raise StoreMissing(self.location, f"the manifest in '{META_TABLE}' is not a JSON object")
        return manifest


VERSION_SETTLE_S = 2.0
_VERSIONS: dict[Path, tuple[tuple[int, int, int], str]] = {}  # GeoPackage path -> (file signature, build id)


class GeoPackageStore(MetaTableStore):
    """The default backend: one GeoPackage file, its metadata in the table `regionmap_meta` of the same file, and
    `manifest.json` beside it as a readable export. Writes go to a temporary file beside it, renamed into place."""

    reads_in_place = False  # reading a whole layer costs about what reading part of it does: read each once

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = config.resolve_path(path)

    def __repr__(self) -> str:
        return f"GeoPackageStore({str(self.path)!r})"

    @property
    def location(self) -> str:
        return str(self.path)

    def version(self) -> str:
        """The build id, read again only when the file changed (its inode, size or modification time): opening the
        GeoPackage costs about 10 ms, a `stat` a few microseconds. A file changed within the last
        `VERSION_SETTLE_S` seconds is always read (timestamps are coarse)."""
        try:
            stat = self.path.stat()
        except OSError:
            return super().version()  # StoreMissing, naming the problem
        signature = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        known = _VERSIONS.get(self.path)
        if known is not None and known[0] == signature:
            return known[1]
        version = super().version()
        if time.time_ns() - stat.st_mtime_ns > VERSION_SETTLE_S * 1e9:
            _VERSIONS[self.path] = (signature, version)
        return version

    def _query(self, sql: str, params: Sequence[str] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only query on the file; StoreMissing when it is absent or not a readable GeoPackage."""
        if not self.path.is_file():
            raise StoreMissing(self.path, "file not found")
        try:
            with contextlib.closing(sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)) as connection:
                return connection.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            size = self.path.stat().st_size
            raise StoreMissing(self.path, f"not a readable GeoPackage ({exc}; {size:,} bytes)") from exc

    def _meta(self) -> dict[str, str]:
        tables = self._query("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)",
                             ("gpkg_contents", META_TABLE))
        names = {row[0] for row in tables}
        if "gpkg_contents" not in names:
            raise StoreMissing(self.path, "not a readable GeoPackage (no gpkg_contents table)")
        if META_TABLE not in names:
            raise StoreMissing(self.path, f"no '{META_TABLE}' table (built by an older version of regionmap?)")
        meta = {str(key): str(value) for key, value in self._query(f"SELECT key, value FROM {META_TABLE}")}
        if not meta.get("build_id"):
            raise StoreMissing(self.path, f"the '{META_TABLE}' table has no build id")
        return meta

    def layer_names(self) -> list[str]:
        rows = self._query("SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY rowid")
        return [str(row[0]) for row in rows]

    def layer_columns(self, name: str) -> list[str]:
        if name not in self.layer_names():
            raise StoreMissing(self.path, f"layer '{name}' missing")
        try:
            info = pyogrio.read_info(self.path, layer=name)
        except (RuntimeError, OSError, ValueError) as exc:
            raise StoreMissing(self.path, f"layer '{name}' unreadable ({exc})") from exc
        return [*info["fields"], "geometry"]

    def read_simplified(self, name: str, zoom: int) -> None:
        return None  # the app simplifies the boundaries it holds

    def _built_columns(self, name: str, columns: Sequence[str]) -> pd.DataFrame:
        present = self.layer_columns(name)
        check_columns(self.path, name, columns, present)
        try:
            with _file_lock(self.path, shared=True):
                frame = pyogrio.read_dataframe(self.path, layer=name, columns=list(columns), read_geometry=False,
                                               fid_as_index=True)
        except (RuntimeError, OSError, ValueError) as exc:
            raise StoreMissing(self.path, f"layer '{name}' unreadable ({exc})") from exc
        return integer_columns(frame.sort_index().reset_index(drop=True)[list(columns)])

    def _count_built(self, name: str) -> int:
        if name not in self.layer_names():  # a name from gpkg_contents, so safe to quote into the query
            raise StoreMissing(self.path, f"layer '{name}' missing")
        quoted = name.replace('"', '""')
        return int(self._query(f'SELECT COUNT(*) FROM "{quoted}"')[0][0])

    def read_built(self, name: str, *, bbox: Bounds | None = None, ags: str | None = None,
                   kreis: str | None = None) -> gpd.GeoDataFrame:
        if name not in self.layer_names():
            raise StoreMissing(self.path, f"layer '{name}' missing")
        use_arrow = importlib.util.find_spec("pyarrow") is not None
        try:
            with _file_lock(self.path, shared=True):
                gdf = gpd.read_file(self.path, layer=name, engine="pyogrio", use_arrow=use_arrow, fid_as_index=True,
                                    bbox=tuple(float(v) for v in bbox) if bbox is not None else None)
            gdf = gdf.sort_index().reset_index(drop=True)  # in the stored order (a bbox read comes in R-tree order)
        except (RuntimeError, OSError, ValueError) as exc:  # pyogrio's errors are RuntimeErrors
            raise StoreMissing(self.path, f"layer '{name}' unreadable ({exc})") from exc
        if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
            gdf = gdf.to_crs("EPSG:4326")
        return filter_frame(integer_columns(gdf), ags=ags, kreis=kreis)

    def edits(self) -> Edits:
        return self._edits(_sqlite_engine(str(self.path)), None, lambda connection: _file_lock(self.path))

    def write_build(self, layers: Mapping[str, gpd.GeoDataFrame], manifest: dict[str, Any]) -> str:
        manifest["build_id"] = uuid.uuid4().hex
        geometry_types = {name: entry["geometry"] for name, entry in manifest.get("layers", {}).items()}
        out = self.path
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
        try:
            store = staging / out.name
            _write_layers(store, layers, geometry_types)
            meta = {"format": META_FORMAT, "build_id": manifest["build_id"],
                    "built_at": str(manifest.get("built_at", "")),
                    "manifest": json.dumps(manifest, ensure_ascii=False, sort_keys=True)}
            pyogrio.write_dataframe(pd.DataFrame({"key": list(meta), "value": list(meta.values())}), store,
                                    layer=META_TABLE, driver="GPKG")
            manifest_file = staging / config.manifest_path(out).name
            write_manifest(manifest_file, manifest, store)
            with _file_lock(out):  # no partner's write between copying the editing tables and the swap
                if out.is_file():
                    _copy_edit_tables(out, store)
                store.replace(out)
            manifest_file.replace(config.manifest_path(out))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return manifest["build_id"]


@functools.lru_cache(maxsize=8)
def _sqlite_engine(path: str) -> Any:
    """The editing tables' engine of a GeoPackage: a new connection per use (a rebuilt file is a new file), to an
    existing file only (StoreMissing otherwise: a missing store is never created here)."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    def connect() -> sqlite3.Connection:
        if not Path(path).is_file():
            raise StoreMissing(path, "file not found")
        return sqlite3.connect(path, timeout=30, check_same_thread=False)

    return sa.create_engine("sqlite://", creator=connect, poolclass=NullPool)


@contextlib.contextmanager
def _file_lock(store: Path, shared: bool = False) -> Iterator[None]:
    """The lock file beside the GeoPackage (`<name>.lock`): the partners' writes and the rebuild's swap hold it
    exclusively, layer reads shared. (GDAL's own SQLite does not see the locks of Python's sqlite3 within one process,
    so without it a read could meet a commit half-way.) Where no lock file can be made (a read-only folder), nobody
    writes, and reads go ahead."""
    try:
        handle = open(store.with_name(store.name + ".lock"), "a+b")
    except OSError:
        if not shared:
            raise
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _copy_edit_tables(source: Path, target: Path) -> None:
    """Carry the editing tables (`edit_*`: partners' records, change sets, grants, history) with their indexes and
    triggers from the previous GeoPackage into the newly built one."""
    with contextlib.closing(sqlite3.connect(target)) as connection:
        connection.execute("ATTACH DATABASE ? AS previous", (f"{source.as_uri()}?mode=ro",))
        rows = connection.execute("SELECT type, name, sql FROM previous.sqlite_master WHERE name LIKE 'edit\\_%' "
                                  "ESCAPE '\\' AND sql IS NOT NULL ORDER BY type = 'trigger', type = 'index'").fetchall()
        for kind, name, sql in rows:
            connection.execute(sql)
            if kind == "table":
                connection.execute(f'INSERT INTO main."{name}" SELECT * FROM previous."{name}"')
        connection.commit()
        connection.execute("DETACH DATABASE previous")


class LazyLayers(Mapping[str, gpd.GeoDataFrame]):
    """The layers of a store that filters in place, each read on first use and then kept (safe across sessions)."""

    def __init__(self, store: Store, names: Sequence[str]) -> None:
        self._store = store
        self._names = list(names)
        self._read: dict[str, gpd.GeoDataFrame] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        if name not in self._names:
            raise KeyError(name)
        with self._lock:
            if name not in self._read:
                self._read[name] = self._store.read_layer(name)
            return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def loaded(self) -> list[str]:
        """The layers read so far."""
        return list(self._read)


@dataclass(frozen=True, eq=False)
class StoreData:
    """A store's layers (EPSG:4326; read at once, or when first used for a backend that filters in place), its
    manifest, and its version as the key for caches. `backend` answers filtered reads and prebuilt simplifications."""

    location: str
    layers: Mapping[str, gpd.GeoDataFrame]
    manifest: dict[str, Any]
    cache_key: str
    backend: Store | None = None

    @property
    def reads_in_place(self) -> bool:
        return self.backend is not None and self.backend.reads_in_place

    def filtered(self, name: str, *, kreis: str | None = None, ags: str | None = None) -> gpd.GeoDataFrame:
        """Layer `name` of Kreis `kreis` and/or municipality `ags`: a query where the backend filters in place
        (PostGIS: an indexed `WHERE`, whether or not the layer is held whole), else filtered in memory; the same rows
        in the same order either way."""
        if kreis is None and ags is None:
            return self.layers[name]
        if self.reads_in_place:
            return self.backend.read_layer(name, kreis=kreis, ags=ags)
        return filter_frame(self.layers[name], kreis=kreis, ags=ags)

    def _held(self, name: str) -> bool:
        """Whether layer `name` is in memory (always, unless the backend filters in place and it is not read yet)."""
        return not isinstance(self.layers, LazyLayers) or name in self.layers.loaded()

    def count(self, name: str) -> int:
        """The number of features of layer `name`: counted where it is held, else by the backend (PostGIS:
        `SELECT count(*)`, without reading the layer)."""
        return len(self.layers[name]) if self._held(name) else self.backend.count(name)

    def columns(self, name: str, columns: Sequence[str]) -> pd.DataFrame:
        """Attribute `columns` of layer `name` in the stored order: from the layer where it is held, else read alone
        by the backend (PostGIS: only those columns, no geometry)."""
        if self._held(name):
            check_columns(self.location, name, columns, list(self.layers[name].columns))
            return pd.DataFrame(self.layers[name][list(columns)])
        return self.backend.read_columns(name, columns)

    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        return self.layers[name]

    @property
    def gemeinden(self) -> gpd.GeoDataFrame:
        return self.layers["gemeinden"]

    @property
    def kreise(self) -> gpd.GeoDataFrame:
        return self.layers["kreise"]

    @property
    def region(self) -> gpd.GeoDataFrame:
        return self.layers["region"]

    @property
    def states(self) -> gpd.GeoDataFrame:
        return self.layers["states"]

    @property
    def thematic(self) -> dict[str, gpd.GeoDataFrame]:
        """The five thematic point layers by id."""
        return {layer: self.layers[layer] for layer in taxonomy().layer_ids}

    def url_vocab(self, tax: Taxonomy) -> Vocab:
        """The ids a dashboard URL may name: the taxonomy's layers, sectors and categories, this store's places, sites
        and records (only their id columns are read), and the pages' choices (indicators, location factors, site
        codes from data/*.toml)."""
        from regionmap.investor.comparison import MAX_COMPARED
        from regionmap.dashboard.composition import COLOUR_BY
        from regionmap.dashboard.indicators import CLASS_RANGE, SCHEMES, indicators
        from regionmap.investor.factors import location_factors
        from regionmap.investor.finder import site_vocabulary, sort_keys
        from regionmap.investor.matching import matching_settings, weighted_criteria

        factors = location_factors()
        return Vocab(
            layers=[layer.id for layer in tax.layers],
            sectors=tax.sector_ids,
            categories=[c for layer in tax.layers for c in layer.category_ids],
            kreise=self.columns("kreise", ["ags"])["ags"],
            gemeinden=self.columns("gemeinden", ["ags"])["ags"],
            sites=self.columns("sites", ["id"])["id"],
            records=[record_id for layer in taxonomy().layer_ids for record_id in self.columns(layer, ["id"])["id"]],
            colours=COLOUR_BY,
            indicators=[item.id for item in indicators([layer.id for layer in tax.layers])],
            schemes=SCHEMES,
            factors=[factor.id for factor in factors],
            availability=[code.id for code in site_vocabulary().availability],
            planning_status=tax.layer("sites").column("planning_status").choices,
            land_use=tax.layer("sites").column("land_use").choices,
            sort_keys=sort_keys(factors),
            criteria=weighted_criteria(factors),
            classes=CLASS_RANGE,
            max_compared=MAX_COMPARED,
            max_weight=matching_settings().max_weight,
        )


def open_store(location: str | os.PathLike[str] | None = None) -> StoreData:
    """Read every layer of the store at `location` (see `store_at`; default `$REGIONMAP_STORE`) into memory."""
    return load_store(store_at(location))


def load_store(store: Store) -> StoreData:
    """The layers of `store` (all read now, or each on first use when it `reads_in_place`), checking that the layers
    and columns the app needs are there."""
    version = store.version()
    manifest = store.manifest()
    available = store.layer_names()
    required = required_columns()
    missing = [layer for layer in required if layer not in available]
    if missing:
        raise StoreMissing(store.location, f"layer(s) missing: {', '.join(missing)}")
    layers: Mapping[str, gpd.GeoDataFrame] = (LazyLayers(store, available) if store.reads_in_place
                                              else {layer: store.read_layer(layer) for layer in available})
    for layer, columns in required.items():
        present = store.layer_columns(layer) if store.reads_in_place else layers[layer].columns
        absent = [c for c in columns if c not in present]
        if absent:
            raise StoreMissing(store.location,
                               f"layer '{layer}' lacks column(s) {', '.join(absent)} (built by an older version?)")
    if store.version() != version:
        raise StoreMissing(store.location, "replaced while it was being read; reload the page")
    return StoreData(location=store.location, layers=layers, manifest=manifest, cache_key=version, backend=store)

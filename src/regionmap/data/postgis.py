"""The PostGIS backend of the store: `PostGISStore`, picked by `store_at` for `postgresql://` URLs.

Layout (the shared contract): schema `regionmap`, one table per store layer with the GeoPackage layer's name, its
attribute columns, the geometry column `geometry` in SRID 4326 and `fid` (the row's position, unique, the written
order); the primary key is the layer's feature key (`store.feature_key`: `id`, or `ags` of the boundaries; the OGC
API's feature ids), else `fid`; `regionmap_meta` (key/value: build id, manifest JSON) and `regionmap_simplified` (the
boundary layers simplified at build time for each display zoom, by `fid`). A build writes all of it into
`regionmap_staging` and swaps that schema in within the same transaction, so readers see the old build or the new one
and a failed build (an error, a killed connection) leaves the old one as it was.

Queries go through SQLAlchemy with psycopg 3: every value is a bound parameter, and table and column names come from
the catalog (a layer must exist in `regionmap`) and are quoted by SQLAlchemy.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from regionmap.data.store import (
    META_FORMAT,
    META_TABLE,
    Bounds,
    MetaTableStore,
    StoreMissing,
    check_code,
    check_columns,
    feature_key,
    integer_columns,
    without_password,
)

if TYPE_CHECKING:
    from regionmap.editing.repository import Edits

SCHEMA = "regionmap"
STAGING = "regionmap_staging"
RETIRED = "regionmap_retired"
SIMPLIFIED_TABLE = "regionmap_simplified"
FID = "fid"
GEOMETRY = "geometry"
SRID = 4326
INDEXED = ("ags", "kreis_ags", "category")  # B-tree indexes wherever a layer has these columns
EMPTY_DTYPES = {"text": "str", "character varying": "str", "double precision": "float64", "real": "float64",
                "numeric": "float64", "bigint": "int64", "integer": "int64", "smallint": "int64", "boolean": "bool"}
LAYER_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
BUILD_LOCK = 0x7265_6769_6F6E  # pg_advisory_xact_lock key: one build at a time per database
EDIT_SCHEMA = "regionmap_edit"  # the partners' editing tables (regionmap.editing.repository): never swapped by a build
EDIT_LOCK = 0x6564_6974  # pg_advisory_xact_lock key: one editing write at a time per database


@contextlib.contextmanager
def _advisory_lock(connection: sa.Connection) -> Iterator[None]:
    """Serialise the editing writes (released with the transaction)."""
    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": EDIT_LOCK})
    yield


def engine_url(url: str) -> sa.URL:
    """The SQLAlchemy URL of a `postgresql://` or `postgres://` URL, with the psycopg 3 driver. Parts left out
    (host, port, user, database, password) come from libpq's PG* variables."""
    parsed = make_url(re.sub(r"^[A-Za-z]+(\+[A-Za-z0-9]+)?://", "postgresql://", url.strip()))
    return parsed.set(drivername="postgresql+psycopg")


@functools.lru_cache(maxsize=8)
def _engine(url: str) -> sa.Engine:
    """One connection pool per URL and process (pre-ping: a connection killed on the server is replaced)."""
    return sa.create_engine(engine_url(url), pool_pre_ping=True, pool_size=4, max_overflow=4)


class PostGISStore(MetaTableStore):
    """A store in a PostgreSQL database with PostGIS (see the module docstring for the layout)."""

    reads_in_place = True  # filters run in SQL: the app reads what a view needs instead of every layer

    def __init__(self, url: str) -> None:
        self.url = url.strip()

    def __repr__(self) -> str:
        return f"PostGISStore({self.location!r})"

    @property
    def location(self) -> str:
        return without_password(self.url)

    @property
    def engine(self) -> sa.Engine:
        return _engine(self.url)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sa.Connection]:
        """A pooled connection; a server that cannot be reached, or a connection lost meanwhile, is StoreMissing."""
        try:
            with self.engine.connect() as connection:
                yield connection
        except sa.exc.OperationalError as exc:
            raise StoreMissing(self.location, f"cannot connect to the database ({_first_line(exc)})") from exc

    def _tables(self, connection: sa.Connection, name: str | None = None) -> dict[str, dict[str, str]]:
        """The tables of schema `regionmap` (or only table `name`) in the order the build wrote them, each with its
        columns and their SQL types in order (empty when the schema is absent)."""
        rows = connection.execute(sa.text(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
            "WHERE n.nspname = :schema AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped "
            "AND (CAST(:name AS text) IS NULL OR c.relname = :name) ORDER BY c.oid, a.attnum"),
            {"schema": SCHEMA, "name": name})
        tables: dict[str, dict[str, str]] = {}
        for table, column, sql_type in rows:
            tables.setdefault(table, {})[column] = sql_type
        return tables

    def _meta(self) -> dict[str, str]:
        meta = _table(META_TABLE, ["key", "value"])
        with self._connect() as connection:
            try:
                rows = connection.execute(sa.select(meta.c.key, meta.c.value)).all()
            except sa.exc.ProgrammingError as exc:  # no such table (or schema): nothing built here yet
                raise StoreMissing(self.location, f"no '{SCHEMA}.{META_TABLE}' table (no build in this database "
                                   f"yet: {_first_line(exc)})") from exc
        values = {str(key): str(value) for key, value in rows}
        if not values.get("build_id"):
            raise StoreMissing(self.location, f"the '{SCHEMA}.{META_TABLE}' table has no build id")
        return values

    def _layers(self, connection: sa.Connection) -> dict[str, dict[str, str]]:
        return {name: columns for name, columns in self._tables(connection).items()
                if GEOMETRY in columns and not name.startswith("regionmap_")}

    def _layer(self, connection: sa.Connection, name: str) -> dict[str, str]:
        """Layer `name`'s attribute columns and types, geometry last as the GeoPackage gives them (without `fid`)."""
        columns = {} if name.startswith("regionmap_") else self._tables(connection, name).get(name, {})
        if GEOMETRY not in columns:  # no such table, or not a layer
            raise StoreMissing(self.location, f"layer '{name}' missing")
        return {**{c: t for c, t in columns.items() if c not in (FID, GEOMETRY)}, GEOMETRY: columns[GEOMETRY]}

    def layer_names(self) -> list[str]:
        with self._connect() as connection:
            return list(self._layers(connection))

    def layer_columns(self, name: str) -> list[str]:
        with self._connect() as connection:
            return list(self._layer(connection, name))

    def read_built(self, name: str, *, bbox: Bounds | None = None, ags: str | None = None,
                   kreis: str | None = None) -> gpd.GeoDataFrame:
        with self._connect() as connection:
            columns = self._layer(connection, name)
            table = _table(name, [FID, *columns])
            query = sa.select(*(table.c[c] for c in columns)).order_by(table.c[FID])
            for condition in _conditions(table, list(columns), bbox=bbox, ags=ags, kreis=kreis):
                query = query.where(condition)
            return self._read(connection, query, name, columns)

    def edits(self) -> Edits:
        return self._edits(self.engine, EDIT_SCHEMA, _advisory_lock)

    def read_simplified(self, name: str, zoom: int) -> gpd.GeoDataFrame | None:
        """Boundary layer `name` with the geometry simplified at build time for `zoom`; None when not stored."""
        with self._connect() as connection:
            if not self._tables(connection, SIMPLIFIED_TABLE):
                return None
            columns = self._layer(connection, name)
            table, simple = _table(name, [FID, *columns]), _table(SIMPLIFIED_TABLE, [FID, "layer", "zoom", GEOMETRY])
            shown = [table.c[c] if c != GEOMETRY else simple.c[GEOMETRY] for c in columns]
            query = (sa.select(*shown).join_from(table, simple, simple.c[FID] == table.c[FID])
                     .where(simple.c.layer == name, simple.c.zoom == int(zoom)).order_by(table.c[FID]))
            frame = self._read(connection, query, name, columns)
            return frame if len(frame) else None

    def _built_columns(self, name: str, columns: Sequence[str]) -> pd.DataFrame:
        with self._connect() as connection:
            present = self._layer(connection, name)
            check_columns(self.location, name, columns, list(present))
            table = _table(name, [FID, *columns])
            query = sa.select(*(table.c[c] for c in columns)).order_by(table.c[FID])
            try:
                frame = pd.read_sql(query, connection)
            except sa.exc.ProgrammingError as exc:
                raise StoreMissing(self.location, f"layer '{name}' unreadable ({_first_line(exc)})") from exc
        return integer_columns(_typed(frame, {c: present[c] for c in columns}))

    def _count_built(self, name: str) -> int:
        with self._connect() as connection:
            self._layer(connection, name)  # a layer of the catalog, else StoreMissing
            return int(connection.execute(sa.select(sa.func.count()).select_from(_table(name, [FID]))).scalar_one())

    def _read(self, connection: sa.Connection, query: sa.Select, name: str,
              columns: Mapping[str, str]) -> gpd.GeoDataFrame:
        try:
            frame = gpd.read_postgis(query, connection, geom_col=GEOMETRY, crs=f"EPSG:{SRID}")
        except sa.exc.ProgrammingError as exc:
            raise StoreMissing(self.location, f"layer '{name}' unreadable ({_first_line(exc)})") from exc
        if frame.empty:  # no rows: geopandas leaves the column as it came
            frame = frame.set_geometry(gpd.GeoSeries([], crs=f"EPSG:{SRID}", index=frame.index), crs=f"EPSG:{SRID}")
        return integer_columns(_typed(frame, columns))

    def write_build(self, layers: Mapping[str, gpd.GeoDataFrame], manifest: dict[str, Any]) -> str:
        for name, frame in layers.items():
            if not LAYER_NAME.fullmatch(name) or name.startswith("regionmap_"):
                raise ValueError(f"layer name {name!r}: give lower-case letters, digits and '_' (not regionmap_*)")
            _check_key(name, frame)
        manifest["build_id"] = uuid.uuid4().hex
        try:
            with self.engine.begin() as connection:  # one transaction: staging, indexes and the swap
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": BUILD_LOCK})
                connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
                connection.execute(sa.schema.DropSchema(STAGING, cascade=True, if_exists=True))
                connection.execute(sa.schema.CreateSchema(STAGING))
                _write_layers(connection, layers)
                _write_simplified(connection, layers)
                _write_meta(connection, manifest)
                _create_indexes(connection, layers)
                _swap(connection)
        except sa.exc.OperationalError as exc:
            raise StoreMissing(self.location, f"the build was not written ({_first_line(exc)}); "
                               "the previous build is unchanged") from exc
        return manifest["build_id"]


def _check_key(name: str, frame: gpd.GeoDataFrame) -> None:
    """ValueError naming the values when the layer's feature key (its primary key) is missing or not unique."""
    key = feature_key(name)
    if key not in frame.columns:
        return
    values = frame[key]
    if values.isna().any():
        rows = ", ".join(str(i + 1) for i in range(len(values)) if pd.isna(values.iloc[i]))
        raise ValueError(f"layer '{name}': no {key} in row(s) {rows} ({key} is the layer's key); nothing written")
    repeated = sorted(set(values[values.duplicated()].astype(str)))
    if repeated:
        raise ValueError(f"layer '{name}': {key} {', '.join(repeated[:10])} given more than once ({key} is the "
                         "layer's key); nothing written")


def _typed(frame: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    """`frame`'s columns in the types the GeoPackage gives them (by their SQL `columns` types), also with no rows or
    no values."""
    for column, sql_type in columns.items():
        if frame[column].dtype == object and sql_type in EMPTY_DTYPES:
            dtype = EMPTY_DTYPES[sql_type]
            if dtype == "int64" and len(frame):
                dtype = "float64"  # nulls: integer_columns makes them Int64 where the GeoPackage does
            frame[column] = frame[column].astype(dtype)
    return frame


def _table(name: str, columns: Sequence[str], schema: str = SCHEMA) -> sa.TableClause:
    return sa.table(name, *(sa.column(c) for c in columns), schema=schema)


def _conditions(table: sa.TableClause, columns: Sequence[str], *, bbox: Bounds | None, ags: str | None,
                kreis: str | None) -> list[sa.ColumnElement[bool]]:
    """The WHERE conditions of a filtered read, as bound parameters (codes checked as `filter_frame` does)."""
    conditions = []
    if ags is not None:
        conditions.append(table.c[_column(columns, "ags")] == check_code(ags, 8, "AGS"))
    if kreis is not None:
        column = "kreis_ags" if "kreis_ags" in columns else _column(columns, "ags")
        conditions.append(table.c[column] == check_code(kreis, 5, "Kreis AGS"))
    if bbox is not None:
        west, south, east, north = _bounds(bbox)
        envelope = sa.func.ST_MakeEnvelope(west, south, east, north, SRID)
        conditions.append(sa.func.ST_Intersects(table.c[GEOMETRY], envelope))
    return conditions


def _column(columns: Sequence[str], name: str) -> str:
    if name not in columns:
        raise ValueError(f"the layer has no '{name}' column to filter by")
    return name


def _bounds(bbox: Bounds) -> tuple[float, float, float, float]:
    values = tuple(float(v) for v in bbox)
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ValueError(f"bbox must be four finite numbers (west, south, east, north), got {bbox!r}")
    return values  # type: ignore[return-value]


def _write_layers(connection: sa.Connection, layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    for name, frame in layers.items():
        frame = frame.reset_index(drop=True)
        if frame.crs is not None and not frame.crs.equals(f"EPSG:{SRID}"):
            frame = frame.to_crs(SRID)
        frame.to_postgis(name, connection, schema=STAGING, index=True, index_label=FID)


def _write_simplified(connection: sa.Connection, layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    """The boundary layers simplified for each display zoom, as the app simplifies them (shared borders kept)."""
    from regionmap.dashboard.composition import BOUNDARY_LAYERS, DISPLAY_ZOOMS, simplified_layers

    if not set(BOUNDARY_LAYERS) <= set(layers):
        return
    parts = []
    for zoom in DISPLAY_ZOOMS:
        for name, frame in simplified_layers(layers, zoom).items():
            simple = frame.reset_index(drop=True)
            parts.append(gpd.GeoDataFrame({FID: simple.index, "layer": name, "zoom": zoom},
                                          geometry=simple.geometry.to_crs(SRID).to_numpy(), crs=SRID))
    pd.concat(parts, ignore_index=True).to_postgis(SIMPLIFIED_TABLE, connection, schema=STAGING, index=False)
    connection.execute(sa.text(
        f"CREATE INDEX {SIMPLIFIED_TABLE}_key ON {STAGING}.{SIMPLIFIED_TABLE} (layer, zoom, {FID})"))


def _write_meta(connection: sa.Connection, manifest: dict[str, Any]) -> None:
    meta = {"format": META_FORMAT, "build_id": manifest["build_id"], "built_at": str(manifest.get("built_at", "")),
            "manifest": json.dumps(manifest, ensure_ascii=False, sort_keys=True)}
    pd.DataFrame({"key": list(meta), "value": list(meta.values())}).to_sql(
        META_TABLE, connection, schema=STAGING, index=False)


def _create_indexes(connection: sa.Connection, layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    """The primary key on the layer's feature key (a duplicate fails the build), else on `fid`; a unique index on
    `fid` beside a key; B-tree indexes on `ags`, `kreis_ags` and `category` where they are no key; the GiST index on
    the geometry comes with the table (GeoAlchemy2 creates `idx_<layer>_geometry` with it)."""
    preparer = connection.dialect.identifier_preparer
    for name, frame in layers.items():
        table = f"{preparer.quote_schema(STAGING)}.{preparer.quote(name)}"
        key = feature_key(name) if feature_key(name) in frame.columns else FID
        connection.execute(sa.text(f"ALTER TABLE {table} ADD PRIMARY KEY ({preparer.quote(key)})"))
        if key != FID:
            index = preparer.quote(f"{name}_{FID}_key")
            connection.execute(sa.text(f"CREATE UNIQUE INDEX {index} ON {table} ({FID})"))
        for column in INDEXED:
            if column in frame.columns and column != key:
                index = preparer.quote(f"{name}_{column}_idx")
                connection.execute(sa.text(f"CREATE INDEX {index} ON {table} ({preparer.quote(column)})"))
        connection.execute(sa.text(f"ANALYZE {table}"))


def _swap(connection: sa.Connection) -> None:
    """Staging becomes `regionmap`; the previous build is dropped (all inside the caller's transaction)."""
    exists = connection.execute(sa.text("SELECT to_regnamespace(:schema) IS NOT NULL"), {"schema": SCHEMA}).scalar()
    connection.execute(sa.schema.DropSchema(RETIRED, cascade=True, if_exists=True))
    if exists:
        connection.execute(sa.text(f"ALTER SCHEMA {SCHEMA} RENAME TO {RETIRED}"))
    connection.execute(sa.text(f"ALTER SCHEMA {STAGING} RENAME TO {SCHEMA}"))
    connection.execute(sa.schema.DropSchema(RETIRED, cascade=True, if_exists=True))


def _first_line(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]

"""pygeoapi's feature provider for a regionmap store: a layer read through `regionmap.data.store.Store`.

pygeoapi loads a provider for every request, so each request asks the store for its version: a rebuilt or replaced
store (a published change) is served on the API's next request, and only the current version's layers stay cached.
Filters are applied to the layer as the app applies them: `bbox` by the store (`Store.read_layer`), codes and
categories by equality, `sectors` by membership in the record's comma-separated sectors.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import geopandas as gpd
from pygeoapi.provider.base import BaseProvider, ProviderItemNotFoundError, ProviderQueryError

from regionmap.data.store import store_at
from regionmap.data.curated import split_sectors

JSON_TYPES = {"b": "boolean", "i": "integer", "u": "integer", "f": "number"}


@lru_cache(maxsize=16)
def _layer(location: str, version: str, name: str) -> gpd.GeoDataFrame:
    """A whole layer of one store version (the version is part of the key: a new build is read afresh)."""
    return store_at(location).read_layer(name)


def field_types(frame: gpd.GeoDataFrame) -> dict[str, dict[str, str]]:
    """The layer's properties as JSON Schema types, for pygeoapi's queryables and its parameter checks."""
    return {column: {"type": JSON_TYPES.get(frame[column].dtype.kind, "string")}
            for column in frame.columns if column != frame.geometry.name}


def select(frame: gpd.GeoDataFrame, properties: list[tuple[str, str]]) -> gpd.GeoDataFrame:
    """The features matching every `(name, value)` filter: `sectors` by membership, the others by equality."""
    for name, value in properties:
        if name == "sectors":
            keep = frame[name].map(lambda text: value in split_sectors(text))
        else:
            keep = frame[name].astype("string") == value
        frame = frame[keep.fillna(False).astype(bool)]
    return frame


def features(frame: gpd.GeoDataFrame, id_field: str, skip_geometry: bool = False) -> list[dict[str, Any]]:
    """GeoJSON features of a frame, with JSON nulls for missing values and the id field as feature id."""
    collection = json.loads(frame.to_json(na="null", drop_id=True))
    out = collection["features"]
    for feature in out:
        feature["id"] = feature["properties"][id_field]
        if skip_geometry:
            feature["geometry"] = None
    return out


class StoreProvider(BaseProvider):
    """A store layer as a pygeoapi feature collection (read-only). `data` is the store location (see `store_at`),
    `table` the layer name."""

    def __init__(self, provider_def: dict[str, Any]) -> None:
        super().__init__(provider_def)
        self.table = provider_def["table"]
        self.store = store_at(str(self.data))
        self._fields = self.get_fields()

    def _frame(self) -> gpd.GeoDataFrame:
        return _layer(self.store.location, self.store.version(), self.table)

    def get_fields(self) -> dict[str, dict[str, str]]:
        return self._fields or field_types(self._frame())

    def query(self, offset: int = 0, limit: int = 10, resulttype: str = "results", bbox: list[float] | None = None,
              datetime_: str | None = None, properties: list[tuple[str, str]] | None = None,
              sortby: list[dict[str, str]] | None = None, select_properties: list[str] | None = None,
              skip_geometry: bool = False, q: str | None = None, **kwargs: Any) -> dict[str, Any]:
        if bbox:
            if len(bbox) != 4:
                raise ProviderQueryError("bbox must have 4 values: west,south,east,north")
            frame = self.store.read_layer(self.table, bbox=tuple(bbox[:4]))  # type: ignore[arg-type]
        else:
            frame = self._frame()
        frame = select(frame, list(properties or []))
        for order in reversed(sortby or []):
            frame = frame.sort_values(order["property"], ascending=order["order"] == "+", kind="stable")
        matched = len(frame)
        result: dict[str, Any] = {"type": "FeatureCollection", "features": [], "numberMatched": matched}
        if resulttype == "hits":
            return result
        page = frame.iloc[offset:offset + limit]
        if select_properties:
            page = page[[*dict.fromkeys([self.id_field, *select_properties]), page.geometry.name]]
        result["features"] = features(page, self.id_field, skip_geometry)
        result["numberReturned"] = len(result["features"])
        return result

    def get(self, identifier: str, **kwargs: Any) -> dict[str, Any]:
        frame = self._frame()
        match = frame[frame[self.id_field].astype("string") == str(identifier)]
        if match.empty:
            raise ProviderItemNotFoundError(f"feature {identifier} not found in {self.table}")
        return features(match.iloc[:1], self.id_field)[0]

    def __repr__(self) -> str:
        return f"<StoreProvider> {self.store.location} {self.table}"


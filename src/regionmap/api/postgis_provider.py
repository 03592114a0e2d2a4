"""The pygeoapi feature provider of a PostGIS store: pygeoapi's PostgreSQL provider, made to answer as the
GeoPackage's `StoreProvider` does.

The PostGIS build (`regionmap.data.postgis`) keeps the written order in `fid`, its primary key, and the feature key
(`id`, or `ags` of a boundary layer) as an ordinary column. pygeoapi's provider treats its `id_field` as the primary
key: it takes it out of the properties, orders by it, and shows every column, `fid` too. This provider keeps the
feature key among the properties, in the store's column order, hides `fid` (from features, queryables, `properties`
and `sortby`), and pages in the store's order (`fid`), so both backends give the same features on the same pages.
"""

from __future__ import annotations

from typing import Any

from pygeoapi.provider.sql import PostgreSQLProvider

from regionmap.data.postgis import FID


class PostGISProvider(PostgreSQLProvider):
    """A layer of schema `regionmap` (see the module docstring); with the settings of pygeoapi's PostgreSQL provider."""

    def get_fields(self) -> dict[str, dict[str, Any]]:
        fields = super().get_fields()
        fields.pop(FID, None)
        return fields

    def _feature(self, feature: dict[str, Any]) -> dict[str, Any]:
        """The feature with its key among the properties, in the table's column order, without `fid`."""
        properties = {**feature["properties"], self.id_field: feature["id"]}
        feature["properties"] = {name: properties[name] for name in self.fields if name in properties}
        return feature

    def query(self, offset: int = 0, limit: int = 10, resulttype: str = "results", bbox: list[float] | None = None,
              datetime_: str | None = None, properties: list[tuple[str, str]] | None = None,
              sortby: list[dict[str, str]] | None = None, select_properties: list[str] | None = None,
              skip_geometry: bool = False, q: str | None = None, **kwargs: Any) -> dict[str, Any]:
        order = [*(sortby or []), {"property": FID, "order": "+"}]  # ties, and no sortby: the store's order
        result = super().query(offset=offset, limit=limit, resulttype=resulttype, bbox=bbox or [],
                               datetime_=datetime_, properties=properties or [], sortby=order,
                               select_properties=select_properties or [], skip_geometry=skip_geometry, q=q,
                               **kwargs)
        result["features"] = [self._feature(feature) for feature in result["features"]]
        return result

    def get(self, identifier: str, crs_transform_spec: Any = None, **kwargs: Any) -> dict[str, Any]:
        return self._feature(super().get(identifier, crs_transform_spec=crs_transform_spec, **kwargs))

    def __repr__(self) -> str:
        return f"<PostGISProvider> {self.table}"

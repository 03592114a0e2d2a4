"""The dashboard's map for one view: store layers + taxonomy + view state -> an offline folium map.

Pure composition on top of `regionmap.maps`; no Streamlit. The pages cache the expensive parts (boundary payloads)
on the store's cache key and call `dashboard_parts` on every rerun.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import geopandas as gpd

from regionmap.i18n import format_number, label_for, t, tn
from regionmap.dashboard.indicators import Indicator, class_labels, class_ranges, classify
from regionmap.dashboard.map_style import MapStyle, map_style
from regionmap.freshness.states import overdue
from regionmap.maps import (
    Bounds,
    BoundaryPayload,
    ChoroplethClass,
    ChoroplethLegend,
    ColourClass,
    backdrop_layer,
    boundary_layer,
    boundary_payload,
    MapParts,
    compose_map,
    Basemap,
    basemap_from_config,
    bounds_of,
    outline_layer,
    point_layer,
    simplified_boundaries,
    tolerance_for_zoom,
)
from regionmap.maps.boundaries import decimals_for_tolerance
from regionmap.maps.build import BACKDROP_DECIMALS
from regionmap.maps.elements import PointLayer, ShapeLayer
from regionmap.data.source_registry import Registry
from regionmap.taxonomy import Layer, Taxonomy

COLOUR_BY = ("category", "sectors")
# Boundary detail per view: simplification tolerance of half a pixel at this zoom (see maps.tolerance_for_zoom).
OVERVIEW_ZOOM = 8  # the whole region
KREIS_ZOOM = 10  # a selected Kreis
GEMEINDE_ZOOM = 11  # a selected municipality
DISPLAY_ZOOMS = (OVERVIEW_ZOOM, KREIS_ZOOM, GEMEINDE_ZOOM)  # a PostGIS build stores the boundaries simplified for these
BOUNDARY_LAYERS = ("gemeinden", "kreise", "region", "states")


@dataclass(frozen=True)
class Choropleth:
    """Fill colours for the municipalities (aligned with the `gemeinden` rows) and their legend."""

    fills: tuple[str | None, ...]
    legend: ChoroplethLegend


def choropleth(gemeinden: gpd.GeoDataFrame, item: Indicator, scheme: str, k: int, lang: str) -> Choropleth:
    """Classed fill colours of the municipalities by an indicator (mapclassify) and the legend of the classes."""
    values = item.values(gemeinden)
    classification = classify(values, scheme, k)
    colours = map_style().classes.spread(len(classification.bins)) if classification.bins else []
    fills = tuple(colours[c] if c >= 0 else None for c in classification.classes)
    labels = class_labels(classification, values, item, lang)
    classes = tuple(
        ChoroplethClass(colour, lower, upper, label)
        for colour, (lower, upper), label in zip(colours, class_ranges(classification, values), labels)
    )
    return Choropleth(fills=fills, legend=ChoroplethLegend(layer="gemeinden", title=item.legend_title(lang),
                                                       classes=classes))


def display_zoom(kreis: str | None, gemeinde: str | None) -> int:
    """The zoom level whose detail the boundaries need for a view: the region, a Kreis or a municipality."""
    return GEMEINDE_ZOOM if gemeinde else KREIS_ZOOM if kreis else OVERVIEW_ZOOM


def simplified_layers(layers: Mapping[str, gpd.GeoDataFrame], zoom: int = OVERVIEW_ZOOM) -> dict[str, gpd.GeoDataFrame]:
    """The boundary layers (`gemeinden`, `kreise`, `region`, `states`) simplified for display at `zoom`."""
    tolerance = tolerance_for_zoom(zoom)
    return {name: simplified_boundaries(layers[name], tolerance) for name in BOUNDARY_LAYERS}


def boundary_tooltips(gemeinden: gpd.GeoDataFrame, lang: str) -> list[str]:
    """Municipality tooltips: name and kind (plain text; the map escapes it)."""
    kinds = [label_for("kind", str(k), lang) for k in gemeinden["kind"].fillna("")]
    return [f"{name} ({kind})" if kind else str(name) for name, kind in zip(gemeinden["name"], kinds)]


def boundary_payloads(
    simplified: Mapping[str, gpd.GeoDataFrame], lang: str, zoom: int = OVERVIEW_ZOOM
) -> dict[str, BoundaryPayload]:
    """The browser payloads of the unfilled boundary layers (cache them per store, language and zoom), with
    coordinates rounded to suit the simplification of `zoom`, and of the states' backdrop."""
    decimals = decimals_for_tolerance(tolerance_for_zoom(zoom))
    return {
        "gemeinden": boundary_payload(simplified["gemeinden"], tooltips=boundary_tooltips(simplified["gemeinden"], lang),
                                      decimals=decimals, navigable=True),
        "kreise": boundary_payload(simplified["kreise"], tooltips=simplified["kreise"]["name"], decimals=decimals),
        "region": boundary_payload(simplified["region"], decimals=decimals),
        "states": boundary_payload(simplified["states"], decimals=BACKDROP_DECIMALS),  # the backdrop without tiles
    }


def selected_area(
    simplified: Mapping[str, gpd.GeoDataFrame], kreis: str | None, gemeinde: str | None
) -> gpd.GeoDataFrame | None:
    """The selected municipality (else the selected Kreis) among the simplified boundaries, or None."""
    for layer, ags in (("gemeinden", gemeinde), ("kreise", kreis)):
        if ags:
            rows = simplified[layer][simplified[layer]["ags"].astype(str) == ags]
            if not rows.empty:
                return rows
    return None


def view_bounds(
    region: Bounds, area: Bounds | None, shown: Mapping[str, gpd.GeoDataFrame], filtered: bool,
    own: gpd.GeoDataFrame | None = None,
) -> Bounds:
    """What a map fits on first view: the selected area (else the region); when a filter narrows the points, the
    bounds of the shown points instead (joined with the selected area, if any). A single point gives a point's
    bounds (the map limits the zoom). The user's `own` features (an upload) are joined too unless an area is
    selected, so that a file reaching beyond the region is seen whole."""
    points = [gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)] for gdf in shown.values()] if filtered else []
    points = [gdf for gdf in points if not gdf.empty]
    boxes = [bounds_of(gdf) for gdf in points] + ([area] if area else [])
    if own is not None and area is None:
        own = own[~(own.geometry.isna() | own.geometry.is_empty)]
        if not own.empty:
            boxes += [bounds_of(own)] + ([] if points else [region])
    if not boxes:
        return region
    return ((min(b[0][0] for b in boxes), min(b[0][1] for b in boxes)),
            (max(b[1][0] for b in boxes), max(b[1][1] for b in boxes)))


def attributions(
    registry: Registry, taxonomy: Taxonomy, layer_ids: Sequence[str], basemap_id: str, lang: str
) -> list[str]:
    """The licence attribution of every dataset on the map: boundaries, the shown layers' sources, the basemap."""
    roles = ["municipalities"] + (["states"] if not registry.basemap(basemap_id).tiles else [])  # the backdrop
    for layer_id in layer_ids:
        roles += [r for r in taxonomy.layer(layer_id).source_roles if r not in roles]
    texts = [registry.by_role(role).attribution for role in roles]
    texts += [b.attribution for b in registry.basemaps if b.id == basemap_id and b.attribution]
    if layer_ids:  # every thematic layer holds curated records (data/geo/curated/), mobility and health included
        texts.append(t("map.curated_attribution", lang))
    return texts


def basemap_of(registry: Registry, basemap_id: str) -> Basemap:
    """The basemap `basemap_id` as configured in data/sources.toml (`[[basemaps]]`: tiles, attribution, zoom)."""
    try:
        entry = registry.basemap(basemap_id)
    except KeyError:
        raise ValueError(f"unknown basemap {basemap_id!r}: data/sources.toml has {list(registry.basemap_ids)}") from None
    return basemap_from_config({k: v for k, v in asdict(entry).items() if v is not None})


def offline_basemap(registry: Registry) -> str | None:
    """The id of the first basemap of data/sources.toml that needs no network (offered when tiles fail to load)."""
    return next((b.id for b in registry.basemaps if not b.online), None)


def colour_classes(layer: Layer, taxonomy: Taxonomy, colour_by: str, lang: str) -> tuple[str, list[ColourClass]]:
    """The column to colour a layer's markers by and its classes (categories of the layer, or all sectors)."""
    if colour_by == "sectors":
        return "sectors", [ColourClass(s.id, s.label(lang), s.colour, s.shape) for s in taxonomy.sectors]
    return "category", [ColourClass(c.id, c.label(lang), c.colour, c.shape) for c in layer.categories]


def dashboard_parts(
    *,
    shown: Mapping[str, gpd.GeoDataFrame],
    simplified: Mapping[str, gpd.GeoDataFrame],
    payloads: Mapping[str, BoundaryPayload],
    taxonomy: Taxonomy,
    registry: Registry,
    region_bounds: Bounds,
    lang: str,
    basemap_id: str | None = None,
    colour_by: str = "category",
    fit_bounds: Bounds | None = None,
    content_bounds: Bounds | None = None,
    kreis: str | None = None,
    gemeinde: str | None = None,
    choropleth: Choropleth | None = None,
    extra_layers: Sequence[PointLayer | ShapeLayer] = (),
) -> MapParts:
    """The map of a view: backdrop or tiles, region/Kreis/municipality boundaries, the shown point layers, legend.

    `shown` maps layer ids to the already filtered points; `simplified`/`payloads` come from `simplified_layers` and
    `boundary_payloads`. A `choropleth` fills the municipalities and adds its classes to the legend. The selected
    `gemeinde` (else `kreis`) is outlined. `extra_layers` (e.g. the session's upload) are drawn above the
    thematic layers, with their own legend entries. `content_bounds` (see `view_bounds`) is fitted when the content is first
    shown. The base part depends only on the boundaries, basemap, selection and choropleth: a filter change swaps the
    overlays alone.
    """
    basemap_id = basemap_id or registry.offline_basemap
    basemap = basemap_of(registry, basemap_id)
    style = map_style()
    lines = _lines(style, choropleth is not None)
    if choropleth is None:
        gemeinden = boundary_layer(
            simplified["gemeinden"], label=t("legend.gemeinden", lang), payload=payloads["gemeinden"], fill_opacity=0.0,
            keys_label=t("map.municipalities_keys", lang), **lines["gemeinden"],
        )
    else:
        gemeinden = boundary_layer(
            simplified["gemeinden"],
            label=choropleth.legend.title,
            tooltips=boundary_tooltips(simplified["gemeinden"], lang),
            fills=choropleth.fills,
            choropleth=choropleth.legend,
            fill_opacity=style.classes.fill_opacity,
            keys_label=t("map.municipalities_keys", lang),
            **lines["gemeinden"],
        )
    boundaries = [
        gemeinden,
        boundary_layer(simplified["kreise"], label=t("legend.kreise", lang), payload=payloads["kreise"],
                       interactive=False, **lines["kreise"]),
        boundary_layer(simplified["region"], label=t("legend.region", lang), payload=payloads["region"],
                       interactive=False, **lines["region"]),
    ]
    points = []
    for layer_id, gdf in shown.items():
        layer = taxonomy.layer(layer_id)
        by, classes = colour_classes(layer, taxonomy, colour_by, lang)
        months = layer.editing.max_age_months if layer.editing else 0
        points.append(point_layer(gdf, layer_id=layer_id, label=layer.label(lang), colour=layer.colour, by=by,
                                  classes=classes, stale=overdue(gdf, layer_id),
                                  stale_label=tn("legend.stale", months, lang) if months else ""))
    area = selected_area(simplified, kreis, gemeinde)
    return compose_map(
        bounds=region_bounds,
        basemap=basemap,
        backdrop=backdrop_layer(simplified["states"], payload=payloads.get("states")) if basemap.tiles is None else None,
        boundaries=boundaries,
        points=[*points, *extra_layers],
        attributions=attributions(registry, taxonomy, list(shown), basemap_id, lang),
        fit_bounds=fit_bounds,
        content_bounds=content_bounds,
        outline=outline_layer(area, t("map.outline", lang), **lines["selected"]) if area is not None else None,
        legend_title=t("legend.title", lang),
        format_count=lambda n: format_number(n, lang),
        collapsed_layer_control=True,  # the legend already names every layer; keep the map visible
        lang=lang,
        offline_basemap=offline_basemap(registry),
    )


def _lines(style: MapStyle, over_fills: bool) -> dict[str, dict[str, object]]:
    """`boundary_layer`'s arguments for each boundary line; over a choropleth's fills, every line inside the region
    takes the class colours' line colour (which each fill has 3:1 against), keeping its width."""
    return {name: line.arguments() | ({"colour": style.classes.lines} if over_fills and name != "region" else {})
            for name, line in style.boundaries.items()}

"""What the investor view shows of sites, without Streamlit: the result list, a site's location factors, the
side-by-side comparison and the site's location map (the site, the nearest feature of every factor, lines to them)."""

from __future__ import annotations

from collections.abc import Mapping

import folium
import geopandas as gpd
import pandas as pd

from regionmap.freshness.states import freshness_cells
from regionmap.investor.finder import FIT
from regionmap.investor.comparison import AREA_ROW, MAX_COMPARED, compare_sites
from regionmap.dashboard.composition import attributions, basemap_of, offline_basemap
from regionmap.dashboard.map_style import map_style
from regionmap.dashboard.details import (
    PRICE, SITE_FACTS, fact_fields, is_indicative, price_text, record_fields, table_frame,
)
from regionmap.i18n import format_number, format_quantity, t
from regionmap.investor.factors import LocationFactor, nearest_features
from regionmap.maps import Bounds, ColourClass, backdrop_layer, boundary_layer, build_map, outline_layer
from regionmap.maps.elements import OfflineMap, PointLayer, html_text
from regionmap.maps.points import point_legend_entry, point_payload
from regionmap.data.source_registry import Registry
from regionmap.spatial import METRIC_CRS, WGS84
from regionmap.taxonomy import Taxonomy, taxonomy

LAYER = "sites"
SITE_MARKER = "#e07b00"
TARGET_LINE = {"weight": 2, "opacity": 0.8, "dash_array": "6 4"}
MAP_PADDING = 0.15  # share of the span added around the site and its targets
MIN_SPAN_DEG = 0.02
MISSING_TEXT = "—"  # a text cell of a site that does not state the value


def result_frame(sites: pd.DataFrame, factors: tuple[LocationFactor, ...], tax: Taxonomy, lang: str) -> pd.DataFrame:
    """The result list for people: the layer's table columns (with the fit to the profile after the name when
    `sites` has one), the price, the indicative flag, then one km column per factor."""
    frame = table_frame(sites, LAYER, tax, lang)
    if FIT in sites.columns:  # the fit to the requirement profile, right after the name
        frame.insert(1, t("investor.match.fit", lang), pd.to_numeric(sites[FIT], errors="coerce"))
    rows = [row for _, row in sites.iterrows()]
    frame[t(f"column.{PRICE}", lang)] = [price_text(row, lang) or MISSING_TEXT for row in rows]
    frame[t("column.indicative", lang)] = [is_indicative(row) for row in rows]
    for factor in factors:
        frame[distance_header(factor, lang)] = pd.to_numeric(sites[factor.value_column], errors="coerce")
    return frame


def distance_header(factor: LocationFactor, lang: str) -> str:
    """The column header of a factor's distance, e.g. "Autobahnanschluss (km)"."""
    return f"{factor.label(lang)} (km)"


def factor_frame(site: pd.Series, factors: tuple[LocationFactor, ...], lang: str) -> pd.DataFrame:
    """A site's location factors: factor, name of the nearest feature, straight-line distance (formatted)."""
    distance = t("investor.expose.distance", lang, metric=t("investor.metric.straight_line", lang))
    rows = []
    for factor in factors:
        name = site.get(factor.name_column)
        rows.append({
            t("investor.expose.factor", lang): factor.label(lang),
            t("investor.expose.nearest", lang): "–" if pd.isna(name) or not str(name).strip() else str(name),
            distance: format_quantity(site.get(factor.value_column), "km", lang, 1),
        })
    return pd.DataFrame(rows)


def facts_frame(site: pd.Series, columns: tuple[str, ...], tax: Taxonomy, lang: str) -> pd.DataFrame:
    """A site's facts as a two-column table (label, value; "keine Angabe" where the site states none)."""
    fields = fact_fields(site, LAYER, tax, lang, columns)
    return pd.DataFrame({t("investor.compare.criterion", lang): [f.label for f in fields],
                         t("column.value", lang): [f.value for f in fields]})


def comparison_frame(
    sites: pd.DataFrame, ids: list[str], factors: tuple[LocationFactor, ...], lang: str, tax: Taxonomy | None = None,
    most: int = MAX_COMPARED,
) -> pd.DataFrame:
    """The side-by-side table of 2–3 sites: one row per criterion, one column per site; the better value has ✓.

    The figures (area, distances) come first and are compared; then the site facts (net area, price, planning
    status, ... of `SITE_FACTS`, "—" where a site states none), whether its values are indicative and how current
    they are (`freshness_cells`)."""
    tax = tax or taxonomy()
    comparison = compare_sites(sites, ids, factors, most)
    labels = {AREA_ROW: t("investor.compare.area", lang), **{f.id: f.label(lang) for f in factors}}
    by_id = sites.drop_duplicates("id").set_index("id")
    names = by_id.loc[ids, "name"].astype(str)
    headers = [name if list(names).count(name) == 1 else f"{name} ({site_id})" for site_id, name in names.items()]
    cells = {}
    for site_id, heading in zip(ids, headers):
        column = []
        for key in comparison.values.index:
            value = comparison.values.at[key, site_id]
            text = format_quantity(value, "ha" if key == AREA_ROW else "km", lang, 1)
            nearest = comparison.nearest.at[key, site_id]
            if nearest:
                text = f"{text} ({nearest})"
            column.append(f"✓ {text}" if comparison.better.at[key, site_id] else text)
        site = by_id.loc[site_id]
        facts = {f.key: f.value for f in record_fields(site, LAYER, tax, lang, SITE_FACTS)}
        column += [facts.get(key, MISSING_TEXT) for key in SITE_FACTS]
        column.append(t("value.yes" if is_indicative(site) else "value.no", lang))
        column += freshness_cells(by_id.loc[[site_id]], LAYER, lang=lang) or [MISSING_TEXT]
        cells[heading] = column
    index = [labels[k] for k in comparison.values.index]
    index += [t(f"column.{key}", lang) for key in SITE_FACTS] + [t("column.indicative", lang),
                                                                  t("column.freshness", lang)]
    frame = pd.DataFrame(cells, index=index)
    frame.index.name = t("investor.compare.criterion", lang)
    return frame.reset_index()


def site_location_map(
    site: pd.Series,
    *,
    layers: Mapping[str, gpd.GeoDataFrame],
    simplified: Mapping[str, gpd.GeoDataFrame],
    gemeinden_payload: object,
    factors: tuple[LocationFactor, ...],
    tax: Taxonomy,
    registry: Registry,
    lang: str,
    basemap_id: str,
    outline: gpd.GeoDataFrame | None = None,
) -> OfflineMap:
    """The site, the nearest feature of every location factor and a dashed straight line to each (no Streamlit).

    Names and distances travel as point names (escaped in the browser); the lines carry no text. `outline` is the
    selected Kreis or municipality of the view (see `regionmap.dashboard.composition.selected_area`), drawn as a bold outline.
    """
    site_point = gpd.GeoSeries([site.geometry], crs=WGS84).iloc[0]
    targets = nearest_features(site, layers, factors, tax, lang)
    target_points = gpd.GeoSeries([target.point for target in targets], crs=METRIC_CRS).to_crs(WGS84)
    labels = [
        t("investor.page.map_target", lang, factor=target.category_label, name=target.name,
          distance=format_quantity(target.km, "km", lang, 1))
        for target in targets
    ]
    basemap = basemap_of(registry, basemap_id)
    lines = map_style().boundaries
    gemeinden = boundary_layer(simplified["gemeinden"], label=t("legend.gemeinden", lang), payload=gemeinden_payload,
                               fill_opacity=0.0, keys_label=t("map.municipalities_keys", lang),
                               **lines["gemeinden"].arguments())
    site_frame = gpd.GeoDataFrame({"name": [str(site.get("name", ""))]}, geometry=[site_point], crs=WGS84)
    target_frame = gpd.GeoDataFrame({"name": labels, "cls": [str(i) for i in range(len(targets))]},
                                    geometry=list(target_points), crs=WGS84)
    # The legend stays small: factor and distance per target (the names are in the tooltips and the factor table).
    classes = [
        ColourClass(str(i), t("investor.page.map_target_short", lang, factor=target.category_label,
                              distance=format_quantity(target.km, "km", lang, 1)), target.colour)
        for i, target in enumerate(targets)
    ]
    points = [
        _unclustered(site_frame, "sites", t("investor.page.map_site", lang), SITE_MARKER, []),
        _unclustered(target_frame, "nearest", t("investor.expose.nearest", lang), "#263238", classes),
    ]
    fmap = build_map(
        bounds=_bounds([site_point, *target_points]),
        basemap=basemap,
        backdrop=backdrop_layer(simplified["states"]) if basemap.tiles is None else None,
        boundaries=[gemeinden],
        points=points,
        attributions=attributions(registry, tax, sorted({LAYER, *(f.layer for f in factors)}), basemap_id, lang),
        outline=outline_layer(outline, t("map.outline", lang), **lines["selected"].arguments())
        if outline is not None else None,
        legend_title=t("investor.page.location_map", lang),
        format_count=lambda n: format_number(n, lang),
        collapsed_layer_control=True,
        lang=lang,
        offline_basemap=offline_basemap(registry),
    )
    for target, point in zip(targets, target_points):
        folium.PolyLine([[site_point.y, site_point.x], [point.y, point.x]], color=target.colour,
                        **TARGET_LINE).add_to(fmap)
    return fmap


def _unclustered(frame: gpd.GeoDataFrame, layer_id: str, label: str, colour: str,
                 classes: list[ColourClass]) -> PointLayer:
    """A point layer whose markers stay apart (a cluster would hide the targets near the site)."""
    payload = point_payload(frame, colour=colour, by="cls" if classes else None, classes=classes)
    entry = point_legend_entry(payload, layer_id=layer_id, label=label, colour=colour, classes=classes,
                               item_counts=False)
    return PointLayer(payload.json, name=html_text(label), legend_entry=entry, cluster_radius=1)


def _bounds(points: list) -> Bounds:
    xs = [p.x for p in points]
    ys = [p.y for p in points]
    pad_x = max(max(xs) - min(xs), MIN_SPAN_DEG) * MAP_PADDING
    pad_y = max(max(ys) - min(ys), MIN_SPAN_DEG) * MAP_PADDING
    return (min(ys) - pad_y, min(xs) - pad_x), (max(ys) + pad_y, max(xs) + pad_x)

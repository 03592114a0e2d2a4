"""The exposé's static location map: a PNG drawn with matplotlib from the store's own data, without network access.

It shows the site's municipality, its neighbours in light grey, the site, and the nearest long-distance station,
airport, university and motorway junction joined to the site by straight lines, each labelled with name and distance.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from shapely.geometry import Point, box

from regionmap import i18n
from regionmap.investor.factors import NearestFeature
from regionmap.spatial import METRIC_CRS

MAP_FACTORS = {"station_fv": "s", "airport": "^", "university": "D", "motorway": "h"}  # factors drawn -> marker
SCALE_STEPS_KM = (0.5, 1, 2, 5, 10, 20, 50, 100)
MIN_SPAN_M = 4_000.0
PADDING = 0.12
LABEL_CHARS = 38
LABEL_PT = 6.5
SCALE_BAR_ZONE = 0.12  # share of the map height at the bottom that the scale bar may cover
LEGEND_STRIP = 0.12  # share of the image height below the map that holds the legend
SITE_COLOUR = "#e07b00"
INK = "#263238"
NEIGHBOUR_FILL = "#eceff1"
BORDER = "#ffffff"


def clip(text: str, limit: int) -> str:
    """`text` on one line, shortened to `limit` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _extent(points: Sequence[Point], municipality: gpd.GeoSeries, aspect: float) -> tuple[float, float, float, float]:
    """A box around the points and the municipality, padded, at least MIN_SPAN_M wide, with the image's aspect."""
    xs = [p.x for p in points]
    ys = [p.y for p in points]
    if not municipality.empty:
        minx, miny, maxx, maxy = municipality.total_bounds
        xs += [minx, maxx]
        ys += [miny, maxy]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    width = max(max(xs) - min(xs), MIN_SPAN_M) * (1 + 2 * PADDING)
    height = max(max(ys) - min(ys), MIN_SPAN_M) * (1 + 2 * PADDING)
    width, height = max(width, height * aspect), max(height, width / aspect)
    return cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2


def _scale_bar(ax, extent: tuple[float, float, float, float], lang: str) -> None:
    minx, miny, maxx, maxy = extent
    width = maxx - minx
    km = min(SCALE_STEPS_KM, key=lambda step: abs(step * 1000 - width / 5))
    x0, y0 = minx + width * 0.03, miny + (maxy - miny) * 0.05
    bar = km * 1000
    ax.add_patch(Rectangle((x0 - width * 0.01, y0 - (maxy - miny) * 0.025), bar + width * 0.05,
                                              (maxy - miny) * 0.085, facecolor="white", alpha=0.85, edgecolor="none",
                                              zorder=8))
    for i in range(2):
        ax.add_patch(Rectangle((x0 + i * bar / 2, y0), bar / 2, (maxy - miny) * 0.012,
                                                  facecolor=INK if i == 0 else "white", edgecolor=INK, linewidth=0.6,
                                                  zorder=9))
    label = i18n.format_quantity(km, "km", lang, decimals=0 if km >= 1 else 1)
    ax.text(x0 + bar / 2, y0 + (maxy - miny) * 0.022, label, ha="center", va="bottom", fontsize=7, color=INK,
            zorder=9, parse_math=False)


def _north_arrow(ax) -> None:
    ax.annotate("N", xy=(0.965, 0.95), xytext=(0.965, 0.85), xycoords="axes fraction", ha="center", va="center",
                fontsize=8, fontweight="bold", color=INK, zorder=9,
                arrowprops={"arrowstyle": "-|>", "color": INK, "linewidth": 1.0})


def _label_side(site: Point, target: Point, label: str, extent: tuple[float, float, float, float],
                size_mm: tuple[float, float]) -> tuple[int, int]:
    """Where a target's label goes (+1/-1 horizontally and vertically): away from the site, so that it covers
    neither the site nor the line to it, unless that would push it out of the map or onto the scale bar."""
    minx, miny, maxx, maxy = extent
    mm_to_x, mm_to_y = (maxx - minx) / size_mm[0], (maxy - miny) / (size_mm[1] * (1 - LEGEND_STRIP))
    lines = label.splitlines()
    width = max(len(line) for line in lines) * LABEL_PT * 0.6 / 72 * 25.4 * mm_to_x + 3 * mm_to_x  # approximate
    height = len(lines) * LABEL_PT * 1.4 / 72 * 25.4 * mm_to_y + 3 * mm_to_y
    dx = 1 if target.x >= site.x else -1
    dy = 1 if target.y >= site.y else -1
    if dx > 0 and target.x + width > maxx or dx < 0 and target.x - width < minx:
        dx = -dx
    bottom = miny + (maxy - miny) * SCALE_BAR_ZONE
    if dy > 0 and target.y + height > maxy or dy < 0 and target.y - height < bottom:
        dy = -dy
    return dx, dy


def render_site_map(
    site: pd.Series,
    site_point: Point,
    gemeinden: gpd.GeoDataFrame,
    targets: Sequence[NearestFeature],
    lang: str,
    size_mm: tuple[float, float] = (178.0, 100.0),
    dpi: int = 200,
) -> bytes:
    """The location map as PNG bytes, with its legend in a strip below. `site_point` and the targets: EPSG:25832."""
    aspect = size_mm[0] / (size_mm[1] * (1 - LEGEND_STRIP))
    metric = gemeinden.to_crs(METRIC_CRS)
    own = metric[metric["ags"] == site.get("ags")].geometry
    extent = _extent([site_point, *(t.point for t in targets)], own, aspect)
    visible = metric[metric.intersects(box(*extent))]

    fig = Figure(figsize=(size_mm[0] / 25.4, size_mm[1] / 25.4), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, LEGEND_STRIP, 1, 1 - LEGEND_STRIP))
    ax.set_axis_off()
    ax.set_facecolor("white")
    if not visible.empty:
        visible.plot(ax=ax, facecolor=NEIGHBOUR_FILL, edgecolor=BORDER, linewidth=0.8, zorder=1)
    if not own.empty:
        gpd.GeoSeries(own).plot(ax=ax, facecolor="#fdf0dd", edgecolor=SITE_COLOUR, linewidth=1.6, zorder=2)

    text_box = {"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "#cfd8dc", "linewidth": 0.4,
                "alpha": 0.92}
    for target in targets:
        ax.plot([site_point.x, target.point.x], [site_point.y, target.point.y], color=target.colour, linewidth=1.3,
                linestyle=(0, (4, 2)), zorder=4)
        ax.scatter([target.point.x], [target.point.y], s=48, marker=MAP_FACTORS.get(target.factor_id, "o"),
                   color=target.colour,
                   edgecolor="white", linewidth=0.9, zorder=6)
        label = clip(target.name, LABEL_CHARS)
        if not math.isnan(target.km):
            label += "\n" + i18n.format_quantity(target.km, "km", lang, decimals=1)
        dx, dy = _label_side(site_point, target.point, label, extent, size_mm)
        ax.annotate(label, (target.point.x, target.point.y), xytext=(7 * dx, 5 * dy), textcoords="offset points",
                    ha="left" if dx > 0 else "right", va="bottom" if dy > 0 else "top", fontsize=LABEL_PT, color=INK,
                    linespacing=1.3, bbox=text_box, zorder=10, annotation_clip=False, parse_math=False)
    ax.scatter([site_point.x], [site_point.y], s=170, marker="*", color=SITE_COLOUR, edgecolor=INK, linewidth=0.8,
               zorder=8)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal")
    _scale_bar(ax, extent, lang)
    _north_arrow(ax)

    handles = [
        Line2D([], [], marker="*", linestyle="none", markersize=10, color=SITE_COLOUR, markeredgecolor=INK,
               label=i18n.t("investor.expose.map_site", lang)),
        Patch(facecolor="#fdf0dd", edgecolor=SITE_COLOUR,
              label=clip(i18n.t("investor.expose.map_municipality", lang, name=site.get("municipality") or "–"),
                          48)),
        Patch(facecolor=NEIGHBOUR_FILL, edgecolor="#b0bec5", label=i18n.t("investor.expose.map_neighbours", lang)),
        *(Line2D([], [], marker=MAP_FACTORS.get(t.factor_id, "o"), linestyle="none", markersize=6, color=t.colour,
                 markeredgecolor="white", label=t.category_label) for t in targets),
    ]
    legend = fig.legend(handles=handles, loc="center", bbox_to_anchor=(0.5, LEGEND_STRIP / 2), ncol=4, fontsize=6.5,
                        frameon=False, columnspacing=1.6, handletextpad=0.5)
    for text in legend.get_texts():
        text.set_parse_math(False)
    ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False, edgecolor="#90a4ae",
                                              linewidth=1.0, zorder=11))
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, metadata={"Software": None})
    return out.getvalue()

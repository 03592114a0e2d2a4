"""The exposé's static location map: a PNG drawn with matplotlib from the store's own data, without network access.

It shows the site's municipality, its neighbours in light grey, the site, and the nearest long-distance station,
airport, university and motorway junction joined to the site by straight lines, each labelled with name and distance.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox
from shapely.geometry import Point, box

from regionmap import i18n
from regionmap.investor.factors import NearestFeature
from regionmap.spatial import METRIC_CRS

MAP_FACTORS = {"station_fv": "s", "airport": "^", "university": "D", "motorway": "h"}  # factors drawn -> marker
SCALE_STEPS_KM = (0.5, 1, 2, 5, 10, 20, 50, 100)
MIN_SPAN_M = 4_000.0
PADDING = 0.12
LABEL_CHARS = 30  # per line of a map label; a name wraps onto at most LABEL_LINES lines
LABEL_LINES = 3
LABEL_PT = 6.5
LABEL_GAP_PT = 7.0  # from a marker to its label, first ring
LABEL_RINGS = (1.0, 2.5, 4.5, 7.0)  # candidate distances, in LABEL_GAP_PT; beyond the first a thin leader joins them
LEADER = {"arrowstyle": "-", "color": "#90a4ae", "linewidth": 0.5, "shrinkA": 0, "shrinkB": 3}
LABEL_MARGIN_PT = 2.0  # labels keep this far inside the map frame
TARGET_MARKER_SIZE = 48  # points², matplotlib's scatter size
SITE_MARKER_SIZE = 170
LABEL_GID, MARKER_GID, LINE_GID, FURNITURE_GID = "rm-label", "rm-marker", "rm-line", "rm-furniture"
LEGEND_STRIP = 0.12  # share of the image height below the map that holds the legend
SITE_COLOUR = "#e07b00"
INK = "#263238"
NEIGHBOUR_FILL = "#eceff1"
BORDER = "#ffffff"


def clip(text: str, limit: int) -> str:
    """`text` on one line, shortened to `limit` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def wrap_label(text: str, width: int = LABEL_CHARS, lines: int = LABEL_LINES) -> str:
    """`text` wrapped at word boundaries onto at most `lines` lines of about `width` characters (long words are
    broken); only a text longer than that ends in an ellipsis."""
    wrapped = textwrap.wrap(" ".join(str(text).split()), width, break_long_words=True) or [""]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], clip(" ".join(wrapped[lines - 1 :]), width)]
    return "\n".join(wrapped)


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
                                              zorder=8, gid=FURNITURE_GID))
    for i in range(2):
        ax.add_patch(Rectangle((x0 + i * bar / 2, y0), bar / 2, (maxy - miny) * 0.012,
                                                  facecolor=INK if i == 0 else "white", edgecolor=INK, linewidth=0.6,
                                                  zorder=9))
    label = i18n.format_quantity(km, "km", lang, decimals=0 if km >= 1 else 1)
    ax.text(x0 + bar / 2, y0 + (maxy - miny) * 0.022, label, ha="center", va="bottom", fontsize=7, color=INK,
            zorder=9, parse_math=False)


def _north_arrow(ax) -> None:
    ax.annotate("N", xy=(0.965, 0.95), xytext=(0.965, 0.85), xycoords="axes fraction", ha="center", va="center",
                fontsize=8, fontweight="bold", color=INK, zorder=9, gid=FURNITURE_GID,
                arrowprops={"arrowstyle": "-|>", "color": INK, "linewidth": 1.0})


def render_site_map(*args: Any, dpi: int = 200, **kwargs: Any) -> bytes:
    """The location map as PNG bytes (the arguments of `draw_site_map`)."""
    fig = draw_site_map(*args, dpi=dpi, **kwargs)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, metadata={"Software": None})
    return out.getvalue()


def draw_site_map(
    site: pd.Series,
    site_point: Point,
    gemeinden: gpd.GeoDataFrame,
    targets: Sequence[NearestFeature],
    lang: str,
    size_mm: tuple[float, float] = (178.0, 100.0),
    dpi: int = 200,
) -> Figure:
    """The location map with its legend in a strip below, as a matplotlib figure; `site_point` and the targets in
    EPSG:25832. Its distance labels carry the gid `LABEL_GID`, its markers `MARKER_GID`; `place_labels` keeps every
    label clear of the others and of the markers."""
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

    labels = []
    for target in targets:
        ax.plot([site_point.x, target.point.x], [site_point.y, target.point.y], color=target.colour, linewidth=1.3,
                linestyle=(0, (4, 2)), zorder=4, gid=LINE_GID)
        ax.scatter([target.point.x], [target.point.y], s=TARGET_MARKER_SIZE,
                   marker=MAP_FACTORS.get(target.factor_id, "o"), color=target.colour, edgecolor="white",
                   linewidth=0.9, zorder=6, gid=MARKER_GID)
        label = wrap_label(target.name)
        if not math.isnan(target.km):
            label += "\n" + i18n.format_quantity(target.km, "km", lang, decimals=1)
        labels.append(label)
    ax.scatter([site_point.x], [site_point.y], s=SITE_MARKER_SIZE, marker="*", color=SITE_COLOUR, edgecolor=INK,
               linewidth=0.8, zorder=8, gid=MARKER_GID)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal")
    _scale_bar(ax, extent, lang)
    _north_arrow(ax)
    place_labels(ax, site_point, targets, labels)

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
    return fig


def marker_box(collection: PathCollection, renderer: RendererBase) -> Bbox:
    """The display box of a one-marker scatter: its centre and its size (points²) plus the edge line."""
    x, y = collection.get_offset_transform().transform(collection.get_offsets())[0]
    half = (math.sqrt(float(collection.get_sizes()[0])) / 2 + float(collection.get_linewidths()[0])) \
        * renderer.points_to_pixels(1.0)
    return Bbox.from_extents(x - half, y - half, x + half, y + half)


def label_box(label: Annotation, renderer: RendererBase) -> Bbox:
    """The display box of a label with its rounded frame."""
    label.update_positions(renderer)
    label.update_bbox_position_size(renderer)
    patch = label.get_bbox_patch()
    return patch.get_window_extent(renderer) if patch is not None else label.get_window_extent(renderer)


def _candidates(site: Point, target: Point) -> list[tuple[float, float, str, str, bool]]:
    """Label positions around a marker as (dx, dy in points, ha, va, beyond the first ring): nearest ring first, and
    in each ring the direction away from the site first, so that the label keeps off the site and its own line."""
    away_x = 1 if target.x >= site.x else -1
    away_y = 1 if target.y >= site.y else -1
    directions = [(away_x, away_y), (away_x, -away_y), (-away_x, away_y), (away_x, 0), (0, away_y), (0, -away_y),
                  (-away_x, 0), (-away_x, -away_y)]
    out = []
    for n, ring in enumerate(LABEL_RINGS):
        for dx, dy in directions:
            ha = "left" if dx > 0 else "right" if dx < 0 else "center"
            va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
            out.append((dx * LABEL_GAP_PT * ring, dy * LABEL_GAP_PT * ring * 0.8, ha, va, n > 0))
    return out


def _crosses(box_: Bbox, segment: Sequence[tuple[float, float]], steps: int = 60) -> bool:
    (x0, y0), (x1, y1) = segment
    return any(box_.contains(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps) for i in range(steps + 1))


def _overlap(a: Bbox, b: Bbox) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width * height if width > 0 and height > 0 else 0.0


def place_labels(ax, site: Point, targets: Sequence[NearestFeature], labels: Sequence[str]) -> list[Annotation]:
    """Put each target's label (nearest target first) where it covers no other label, no marker, neither the scale
    bar nor the north arrow, and stays inside the map. Of the candidate positions (see `_candidates`) the first that
    is free and crosses no line wins; else the one of least cost, where covered area weighs far more than a crossed
    line. Deterministic; every box is measured by the renderer in display pixels."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    ax.apply_aspect()
    frame = ax.get_window_extent(renderer).padded(-LABEL_MARGIN_PT * renderer.points_to_pixels(1.0))
    obstacles = [marker_box(c, renderer) for c in ax.collections if c.get_gid() == MARKER_GID]
    obstacles += [p.get_window_extent(renderer) for p in ax.patches if p.get_gid() == FURNITURE_GID]
    obstacles += [a.get_window_extent(renderer) for a in ax.texts if a.get_gid() == FURNITURE_GID]
    lines = [line.get_transform().transform(line.get_xydata()) for line in ax.lines if line.get_gid() == LINE_GID]
    text_box = {"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "#cfd8dc", "linewidth": 0.4,
                "alpha": 0.92}
    order = sorted(range(len(targets)), key=lambda i: (targets[i].km if not math.isnan(targets[i].km) else math.inf, i))
    placed: dict[int, Annotation] = {}
    for i in order:
        target, best, best_cost = targets[i], None, math.inf
        for dx, dy, ha, va, far in _candidates(site, target.point):
            label = ax.annotate(labels[i], (target.point.x, target.point.y), xytext=(dx, dy),
                                textcoords="offset points", ha=ha, va=va, fontsize=LABEL_PT, color=INK,
                                linespacing=1.3, bbox=text_box, zorder=10, annotation_clip=False, parse_math=False,
                                gid=LABEL_GID, arrowprops=LEADER if far else None)
            area = label_box(label, renderer)
            outside = area.width * area.height - _overlap(area, frame)
            cost = outside * 10 + sum(_overlap(area, other) for other in obstacles) * 10
            cost += sum(1.0 for line in lines for segment in zip(line, line[1:]) if _crosses(area, segment))
            if cost < best_cost:
                if best is not None:
                    best.remove()
                best, best_cost = label, cost
            else:
                label.remove()
            if cost == 0:
                break
        obstacles.append(label_box(best, renderer))
        placed[i] = best
    return [placed[i] for i in range(len(targets))]

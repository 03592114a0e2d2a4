"""Marker shapes: the outline of each shape a point class may be drawn with (WCAG 1.4.1, no information by colour
alone). Categories (`data/layers.toml`) and sectors (`data/sectors.toml`) name one; the point layer and the legend
draw the same outline.

An outline is a polygon in units of the marker's radius around its centre (x to the right, y downwards); the circle
has none (Leaflet's own circle marker). The polygons have about the circle's area, so no shape looks heavier.
"""

from __future__ import annotations

import math

Outline = tuple[tuple[float, float], ...]


def _regular(corners: int, radius: float) -> Outline:
    """A regular polygon with a corner at the top."""
    step = 2 * math.pi / corners
    return tuple((round(radius * math.sin(k * step), 3), round(-radius * math.cos(k * step), 3)) for k in range(corners))


def _star(points: int, outer: float, inner: float) -> Outline:
    corners = _regular(2 * points, 1.0)
    return tuple((round(x * (outer if k % 2 == 0 else inner), 3), round(y * (outer if k % 2 == 0 else inner), 3))
                 for k, (x, y) in enumerate(corners))


def _plus(arm: float, half: float) -> Outline:
    """A plus sign: arms reaching `arm` from the centre, `2 * half` wide."""
    a, h = arm, half
    return ((-h, -a), (h, -a), (h, -h), (a, -h), (a, h), (h, h), (h, a), (-h, a), (-h, h), (-a, h), (-a, -h), (-h, -h))


def _turned(outline: Outline, degrees: float) -> Outline:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return tuple((round(x * c - y * s, 3), round(x * s + y * c, 3)) for x, y in outline)


_HOURGLASS: Outline = ((-1.1, -1.1), (1.1, -1.1), (0.0, 0.0), (1.1, 1.1), (-1.1, 1.1), (0.0, 0.0))

# In the order a layer's categories get them when the TOML names none: the most distinct shapes first.
MARKER_SHAPES: dict[str, Outline] = {
    "circle": (),
    "square": ((-0.9, -0.9), (0.9, -0.9), (0.9, 0.9), (-0.9, 0.9)),
    "triangle": tuple((x, round(y + 0.2, 3)) for x, y in _regular(3, 1.45)),
    "diamond": _regular(4, 1.25),
    "star": _star(5, 1.45, 0.62),
    "plus": _plus(1.2, 0.42),
    "triangle_down": tuple((x, round(-y - 0.2, 3)) for x, y in _regular(3, 1.45)),
    "cross": _turned(_plus(1.25, 0.4), 45),
    "hourglass": _HOURGLASS,
    "bar": ((-1.45, -0.55), (1.45, -0.55), (1.45, 0.55), (-1.45, 0.55)),
    "bowtie": _turned(_HOURGLASS, 90),
}
# Left out: a pentagon or hexagon differs from the circle by a tenth of its area or less, too little at marker size.
SHAPE_NAMES = tuple(MARKER_SHAPES)
DEFAULT_SHAPE = "circle"


def check_shape(shape: str, what: str = "shape") -> str:
    """Return `shape` if it is a known marker shape, else raise ValueError naming `what` and the known shapes."""
    if shape not in MARKER_SHAPES:
        raise ValueError(f"{what}: {shape!r} is not a marker shape (one of {', '.join(SHAPE_NAMES)})")
    return shape


def outline(shape: str, what: str = "shape") -> list[list[float]]:
    """The outline of `shape` as the browser receives it: [[x, y], ...], [] for the circle."""
    return [list(p) for p in MARKER_SHAPES[check_shape(shape, what)]]


def outlines(shapes: list[str]) -> dict[str, list[list[float]]]:
    """The outlines of `shapes` (each once), by name."""
    return {name: outline(name) for name in dict.fromkeys(shapes)}


# Draws a marker's shape as an SVG path: `v` the outline ([] = circle), centred on (x, y), `r` its radius in pixels.
JS_SHAPE_PATH = (
    "function shapePath(v, x, y, r) { if (!v || !v.length) { return 'M' + (x - r) + ',' + y + 'a' + r + ',' + r "
    "+ ' 0 1,0 ' + 2 * r + ',0a' + r + ',' + r + ' 0 1,0 ' + (-2 * r) + ',0z'; } "
    "return v.map(function (p, k) { return (k ? 'L' : 'M') + (x + p[0] * r).toFixed(2) + ',' "
    "+ (y + p[1] * r).toFixed(2); }).join('') + 'z'; }"
)

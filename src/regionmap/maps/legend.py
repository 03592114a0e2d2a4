"""Map legend: every shown layer as "Label (count)" with its colour(s), and the classes of a choropleth."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from regionmap.maps.elements import LegendControl, check_colour
from regionmap.maps.markers import DEFAULT_SHAPE, check_shape, outline

POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")


@dataclass(frozen=True)
class LegendItem:
    """One class of a point layer (a category or sector): its colour and marker shape, and how many shown points it
    has."""

    value: str
    label: str
    colour: str
    count: int
    shape: str = DEFAULT_SHAPE


@dataclass(frozen=True)
class LegendEntry:
    """A shown layer: its id (`data-layer`), label, colour and number of shown features (`data-count`).

    `item_counts=False` leaves the count out of the items' texts (for items that are single features).
    """

    layer: str
    label: str
    colour: str
    count: int
    items: tuple[LegendItem, ...] = ()
    item_counts: bool = True
    stale: int = 0  # features drawn as not confirmed (hollow), shown as a row of their own
    stale_label: str = ""


@dataclass(frozen=True)
class ChoroplethClass:
    """A class of a choropleth: fill colour, value range (None = open) and its display text (e.g. "100 – 250")."""

    colour: str
    lower: float | None
    upper: float | None
    label: str


@dataclass(frozen=True)
class ChoroplethLegend:
    layer: str
    title: str
    classes: tuple[ChoroplethClass, ...]


def legend_spec(
    entries: Sequence[LegendEntry],
    choropleths: Sequence[ChoroplethLegend] = (),
    *,
    title: str | None = None,
    position: str = "bottomright",
    format_count: Callable[[int], str] = str,
) -> dict:
    """The legend as plain data (what the browser receives); colours are checked, text is left as text."""
    if position not in POSITIONS:
        raise ValueError(f"legend position {position!r}: expected one of {', '.join(POSITIONS)}")

    def text(label: str, count: int) -> str:
        return f"{label} ({format_count(count)})"

    return {
        "title": title or "",
        "position": position,
        "entries": [
            {
                "layer": e.layer,
                "colour": check_colour(e.colour, f"legend entry {e.layer!r}"),
                "count": int(e.count),
                "text": text(e.label, e.count),
                "items": [
                    {
                        "value": i.value,
                        "colour": check_colour(i.colour, f"legend item {i.value!r}"),
                        "shape": check_shape(i.shape, f"legend item {i.value!r}"),
                        "outline": outline(i.shape),
                        "count": int(i.count),
                        "text": text(i.label, i.count) if e.item_counts else i.label,
                    }
                    for i in e.items
                ],
                **({"stale": {"count": int(e.stale), "text": text(e.stale_label, e.stale)}} if e.stale else {}),
            }
            for e in entries
        ],
        "choropleths": [
            {
                "layer": c.layer,
                "title": c.title,
                "classes": [
                    {
                        "colour": check_colour(k.colour, f"choropleth class {k.label!r}"),
                        "lower": k.lower,
                        "upper": k.upper,
                        "text": k.label,
                    }
                    for k in c.classes
                ],
            }
            for c in choropleths
        ],
    }


def legend_control(
    entries: Sequence[LegendEntry],
    choropleths: Sequence[ChoroplethLegend] = (),
    *,
    title: str | None = None,
    position: str = "bottomright",
    format_count: Callable[[int], str] = str,
) -> LegendControl:
    """The legend as a map control (see `LegendControl` for its markup)."""
    return LegendControl(legend_spec(entries, choropleths, title=title, position=position, format_count=format_count))

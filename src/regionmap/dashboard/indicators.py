"""Choropleth indicators of the municipalities (definitions as data), their classification and ranks."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from regionmap.i18n import DEFAULT_LANGUAGE, format_number, format_quantity, has_text, t
from regionmap.taxonomy import taxonomy

# scheme id -> mapclassify classifier; "natural_breaks" is Fisher-Jenks: optimal and deterministic (unlike NaturalBreaks)
SCHEMES = {"quantiles": "Quantiles", "natural_breaks": "FisherJenks", "equal_interval": "EqualInterval"}
PER_INHABITANTS = 10_000
EXTRA_DECIMALS = 2  # legend labels may show this many decimals more than the indicator's own
FLOAT_SLACK = 1e-12  # relative tolerance of the class bounds for float noise
CLASS_RANGE = (3, 7)  # the number of classes a map may have
DEFAULT_CLASSES = 5


@dataclass(frozen=True)
class Indicator:
    """A figure per municipality: a column of the `gemeinden` layer, optionally per 10,000 inhabitants."""

    id: str
    column: str
    label_key: str
    unit: str  # a key of the locale table [unit]
    decimals: int
    layer: str | None = None  # the thematic layer counted, for count indicators
    per_inhabitants: bool = False
    subject: str | None = None  # what is counted when it is no layer of the registry (the session's upload)

    def values(self, gemeinden: pd.DataFrame) -> pd.Series:
        """The indicator for every municipality as floats; NaN where unknown (population unknown or 0 for rates)."""
        values = pd.to_numeric(gemeinden[self.column], errors="coerce").astype("float64")
        if not self.per_inhabitants:
            return values
        population = pd.to_numeric(gemeinden["population"], errors="coerce").astype("float64")
        return (values / population.where(population > 0) * PER_INHABITANTS).astype("float64")

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The indicator's name; count indicators name their layer with the label from layers.toml."""
        layer = self.subject or (taxonomy().layer(self.layer).label(lang) if self.layer else "")
        return t(self.label_key, lang, layer=layer)

    def format(self, value: Any, lang: str = DEFAULT_LANGUAGE) -> str:
        """One value with the indicator's unit and precision."""
        return format_quantity(value, self.unit, lang, self.decimals)

    def legend_title(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The title of the indicator's legend: its name, with the unit (`[legend_unit]`) when the name lacks it,
        e.g. "Fläche (km²)"; the class labels below it are bare numbers."""
        key = f"legend_unit.{self.unit}"
        if not has_text(key):
            return self.label(lang)
        return t("legend.with_unit", lang, label=self.label(lang), unit=t(key, lang))


def indicators(layers: Sequence[str] | None = None) -> tuple[Indicator, ...]:
    """Population, density, area, and for each thematic layer its count and count per 10,000 inhabitants."""
    layers = layers if layers is not None else [layer.id for layer in taxonomy().layers]
    base = (
        Indicator("population", "population", "indicator.population", "persons", 0),
        Indicator("density", "density", "indicator.density", "density", 0),
        Indicator("area", "area_km2", "indicator.area", "km2", 1),
    )
    per_layer = tuple(
        indicator
        for layer in layers
        for indicator in (
            Indicator(f"{layer}_count", f"n_{layer}", "indicator.count", "none", 0, layer),
            Indicator(f"{layer}_per_10k", f"n_{layer}", "indicator.per_10k", "per_10k", 2, layer, per_inhabitants=True),
        )
    )
    return base + per_layer


def indicator(indicator_id: str) -> Indicator:
    """The indicator with this id; KeyError when there is none."""
    for item in indicators():
        if item.id == indicator_id:
            return item
    raise KeyError(indicator_id)


class Classification(NamedTuple):
    """Upper bounds of the classes (ascending) and the class index per feature (-1 where the value is unknown)."""

    bins: tuple[float, ...]
    classes: np.ndarray


def _as_floats(values: Any) -> np.ndarray:
    return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def classify(values: Any, scheme: str = "quantiles", k: int = 5) -> Classification:
    """Class the known values into at most `k` classes with a mapclassify scheme.

    A value v is in class i when bins[i-1] < v <= bins[i]. With `k` or fewer distinct values each value is its own
    class; duplicate bounds (many equal values) are merged; unknown values (NaN, None, inf) get class -1.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown classification scheme '{scheme}' (expected one of {', '.join(SCHEMES)})")
    if k < 1:
        raise ValueError(f"number of classes must be at least 1, got {k}")
    data = _as_floats(values)
    known = np.isfinite(data)
    classes = np.full(len(data), -1, dtype=int)
    if not known.any():
        return Classification((), classes)
    valid = data[known]
    distinct = np.unique(valid)
    if len(distinct) <= k:
        bins = distinct
    else:
        import mapclassify  # imported here: it pulls in scipy and scikit-learn (seconds), needed on one page only

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # mapclassify warns when it has to reduce k
            classifier = getattr(mapclassify, SCHEMES[scheme])(valid, k=k)
        bins = np.unique(np.asarray(classifier.bins, dtype="float64"))
        bins[-1] = max(bins[-1], valid.max())
    # Equal rates computed differently differ in their last bits: such a twin of a bound stays in the bound's class.
    classes[known] = np.searchsorted(bins + np.abs(bins) * FLOAT_SLACK + FLOAT_SLACK, valid, side="left")
    return Classification(tuple(float(b) for b in bins), classes)


def class_ranges(classification: Classification, values: Any) -> list[tuple[float, float]]:
    """(lowest, highest) value of each class's range for a legend: from the minimum to the first bound, and so on."""
    data = _as_floats(values)
    if not classification.bins:
        return []
    lower = float(np.nanmin(data[np.isfinite(data)]))
    bounds = (lower, *classification.bins)
    return list(zip(bounds[:-1], bounds[1:]))


def class_labels(classification: Classification, values: Any, item: Indicator, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """Legend texts of the classes as locale numbers (the unit goes into `Indicator.legend_title`): the smallest to
    the largest value in each class ("2 – 5", or "8" when all are equal), and the class bounds for a class without
    features. `values` are the classified values, in the same order.

    The labels have the indicator's decimals, or up to EXTRA_DECIMALS more where rounding would make neighbouring
    classes read alike ("0 – 51 / 51 – 85" becomes "0,0 – 51,0 / 51,3 – 85,4"). The classes with members share
    their decimals; an empty class gets its own, so that its bounds read apart from its neighbours' values (two
    empty neighbours share a bound).
    """
    data = _as_floats(values)
    ranges, filled = [], []
    for i, (lower, upper) in enumerate(class_ranges(classification, data)):
        members = data[classification.classes == i]
        ranges.append((float(members.min()), float(members.max())) if len(members) else (lower, upper))
        filled.append(bool(len(members)))
    options = range(item.decimals, item.decimals + EXTRA_DECIMALS + 1)

    def clear(decimals: Sequence[int], shown: Sequence[bool]) -> bool:
        return _reads_apart([_ends(r, d, lang) if s else None for r, d, s in zip(ranges, decimals, shown)], ranges)

    common = next((d for d in options if clear([d] * len(ranges), filled)), item.decimals)
    decimals = [common] * len(ranges)
    for i in (i for i, full in enumerate(filled) if not full):
        shown = [full or j == i for j, full in enumerate(filled)]
        decimals[i] = next((d for d in options if clear([*decimals[:i], d, *decimals[i + 1:]], shown)), common)
    labels = []
    for (lower, upper), d in zip(ranges, decimals):
        low, high = _ends((lower, upper), d, lang)
        labels.append(high if lower == upper else t("legend.range", lang, lower=low, upper=high))
    return labels


def _ends(bounds: tuple[float, float], decimals: int, lang: str) -> tuple[str, str]:
    return format_number(bounds[0], lang, decimals), format_number(bounds[1], lang, decimals)


def _reads_apart(ends: Sequence[tuple[str, str] | None], ranges: Sequence[tuple[float, float]]) -> bool:
    """Whether every shown range (`ends` not None) has two different ends unless its values are equal, and no shown
    range begins with the text that the shown range before it ends with."""
    if any(e is not None and low != high and e[0] == e[1] for e, (low, high) in zip(ends, ranges)):
        return False
    return not any(a is not None and b is not None and a[1] == b[0] for a, b in zip(ends, ends[1:]))


class Rank(NamedTuple):
    rank: int  # 1 = highest value
    total: int  # municipalities with a known value


def rank_in_region(gemeinden: pd.DataFrame, ags: str, item: Indicator | str) -> Rank | None:
    """The municipality's rank by the indicator (1 = highest; ties share the best rank), or None when unknown."""
    item = indicator(item) if isinstance(item, str) else item
    values = item.values(gemeinden)
    mine = values[(gemeinden["ags"].astype(str) == ags).to_numpy()]
    if mine.empty or not np.isfinite(mine.iloc[0]):
        return None
    known = values[np.isfinite(values)]
    return Rank(rank=int((known > mine.iloc[0]).sum()) + 1, total=len(known))

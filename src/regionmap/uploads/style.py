"""Colouring an upload by one of its columns: categories as colours, numbers as classes (mapclassify).

Gives the class column and the `ColourClass`es the point layers and the legend take; labels follow the language
(number ranges formatted with its separators). The categories' palette comes from `data/uploads.toml`, the classes'
from `data/map_style.toml` (shared with the Kommunen choropleth).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from regionmap.dashboard.indicators import class_ranges, classify
from regionmap.dashboard.map_style import map_style
from regionmap.i18n import format_number, t
from regionmap.maps.markers import SHAPE_NAMES
from regionmap.maps.points import ColourClass
from regionmap.uploads.geometry import parse_numbers
from regionmap.uploads.settings import UploadStyle

OTHER = "_other"
CLASS_COLUMN = "_class"


@dataclass(frozen=True)
class Styled:
    """The class of every record (`values`, aligned with the frame) and the classes in legend order."""

    values: pd.Series
    classes: tuple[ColourClass, ...]


def _decimals(values: np.ndarray) -> int:
    """Decimals that tell class bounds apart: none for whole numbers, else up to two."""
    finite = values[np.isfinite(values)]
    return 0 if finite.size == 0 or np.allclose(finite, np.round(finite)) else 2


def style_by(frame: pd.DataFrame, column: str, style: UploadStyle, lang: str) -> Styled:
    """Classes of `column`: numeric columns (90 % numbers) in classes, other columns by their most frequent values."""
    numbers, bad = parse_numbers(frame[column])
    filled = frame[column].map(lambda v: v is not None and str(v).strip() != "")
    if filled.any() and (numbers.notna() & filled).sum() >= 0.9 * filled.sum() and numbers.nunique() > 1:
        return _numeric(numbers, style, lang)
    return _categorical(frame[column], style, lang)


def _numeric(numbers: pd.Series, style: UploadStyle, lang: str) -> Styled:
    classification = classify(numbers.to_numpy(), style.scheme, style.classes)
    ranges = class_ranges(classification, numbers.to_numpy())
    decimals = _decimals(numbers.to_numpy(dtype="float64"))
    colours = map_style().classes.spread(len(ranges)) if ranges else []
    classes = tuple(
        ColourClass(str(i), t("legend.range", lang, lower=format_number(lower, lang, decimals),
                              upper=format_number(upper, lang, decimals)) if lower != upper
                    else format_number(upper, lang, decimals), colour)
        for i, ((lower, upper), colour) in enumerate(zip(ranges, colours)))
    values = pd.Series([str(c) if c >= 0 else OTHER for c in classification.classes], index=numbers.index)
    return Styled(values, classes)


def _categorical(column: pd.Series, style: UploadStyle, lang: str) -> Styled:
    text = column.map(lambda v: "" if v is None else str(v).strip())
    counts = text[text != ""].value_counts()
    top = list(counts.index[:len(style.categorical)])
    # Each value has a marker shape of its own too, by its rank (no information by colour alone, WCAG 1.4.1).
    shapes = [SHAPE_NAMES[i % len(SHAPE_NAMES)] for i in range(len(top) + 1)]
    classes = [ColourClass(value, value, colour, shape) for value, colour, shape in zip(top, style.categorical, shapes)]
    if len(counts) > len(top):
        classes.append(ColourClass(OTHER, t("upload.style.other", lang), style.other, shapes[len(top)]))
    values = text.map(lambda v: v if v in set(top) else OTHER)
    return Styled(values, tuple(classes))

"""Colouring an upload by a column: categories and number classes, labels in the user's language."""

from __future__ import annotations

import pandas as pd

from regionmap.uploads.settings import settings
from regionmap.uploads.style import OTHER, style_by


def test_categories_most_frequent_first_and_the_rest_as_other():
    frame = pd.DataFrame({"Branche": ["Logistik"] * 5 + ["IT"] * 3 + [f"B{i}" for i in range(10)] + [""]})
    styled = style_by(frame, "Branche", settings().style, "de")
    assert [c.value for c in styled.classes][:2] == ["Logistik", "IT"]
    assert styled.classes[-1].value == OTHER and styled.classes[-1].label == "Sonstige"
    assert len(styled.classes) == len(settings().style.categorical) + 1
    assert styled.values.iloc[0] == "Logistik" and styled.values.iloc[-1] == OTHER


def test_numbers_in_classes_with_local_labels():
    frame = pd.DataFrame({"Fläche": [f"{v},5" for v in range(1, 1001)]})
    de = style_by(frame, "Fläche", settings().style, "de")
    en = style_by(frame, "Fläche", settings().style, "en")
    assert len(de.classes) == settings().style.classes
    assert de.classes[-1].label.endswith("1.000,50") and en.classes[-1].label.endswith("1,000.50")
    assert de.values.value_counts().to_dict() == {str(i): 200 for i in range(5)}


def test_hostile_category_values_stay_plain_values():
    frame = pd.DataFrame({"x": ["<script>alert(1)</script>", "a"]})
    styled = style_by(frame, "x", settings().style, "en")
    assert "<script>alert(1)</script>" in [c.label for c in styled.classes]  # escaped by the legend, not here

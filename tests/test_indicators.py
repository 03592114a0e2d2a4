"""Choropleth indicators: definitions, null-safe values, classification, legend texts and ranks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_filters import synthetic_layers

from regionmap.config import LANGUAGES
from regionmap.i18n import catalog
from regionmap.dashboard.indicators import (
    SCHEMES,
    Rank,
    class_labels,
    class_ranges,
    classify,
    indicator,
    indicators,
    rank_in_region,
)
from regionmap.data.store import open_store
from regionmap.taxonomy import taxonomy

THEMATIC_LAYERS = taxonomy().layer_ids

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def gemeinden():
    return synthetic_layers()["gemeinden"]


def test_indicator_list():
    ids = [i.id for i in indicators()]
    assert ids[:3] == ["population", "density", "area"]
    for layer in taxonomy().layers:
        assert f"{layer.id}_count" in ids and f"{layer.id}_per_10k" in ids
    assert len(ids) == len(set(ids)) == 3 + 2 * len(taxonomy().layers)
    assert indicator("sites_per_10k").layer == "sites"
    with pytest.raises(KeyError):
        indicator("bakeries")


def test_every_indicator_has_a_label_and_unit_in_every_language():
    for item in indicators():
        assert item.unit in {k.removeprefix("unit.") for k in catalog("de") if k.startswith("unit.")}
        for lang in LANGUAGES:
            assert item.label(lang)
            assert item.format(1234.5, lang)
    assert indicator("health_per_10k").label("de") == "Gesundheit je 10.000 Einwohner"
    assert indicator("events_count").label("en") == "Event hotspots: count"
    assert indicator("population").label("fr") == "Population"


def test_values_and_null_safe_rates(gemeinden):
    by_ags = gemeinden["ags"].tolist()
    population = dict(zip(by_ags, indicator("population").values(gemeinden)))
    assert population["03241001"] == 545_000 and np.isnan(population["03154501"])
    rates = dict(zip(by_ags, indicator("research_per_10k").values(gemeinden)))
    assert rates["03241001"] == pytest.approx(2 / 545_000 * 10_000)
    assert rates["03101000"] == pytest.approx(1 / 250_000 * 10_000)
    assert np.isnan(rates["03154501"])  # population unknown
    assert np.isnan(rates["03241003"])  # population 0
    counts = dict(zip(by_ags, indicator("research_count").values(gemeinden)))
    assert counts["03154501"] == 0 and counts["03241001"] == 2
    assert indicator("area").values(gemeinden).dtype == np.float64


def test_formatting_with_units():
    assert indicator("population").format(545000, "de") == f"545.000{NBSP}Einw."
    assert indicator("density").format(2670.3, "en") == f"2,670{NBSP}inhabitants/km²"
    assert indicator("area").format(204.14, "fr") == f"204,1{NBSP}km²"
    assert indicator("sites_count").format(3, "de") == "3"
    assert indicator("sites_per_10k").format(0.5, "de") == f"0,50{NBSP}je 10.000 Einw."
    assert indicator("sites_per_10k").format(np.nan, "de") == "k. A."


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_classify_many_values(scheme):
    values = np.random.default_rng(3).lognormal(8, 1.5, 381)
    bins, classes = classify(values, scheme, k=5)
    assert len(bins) == 5 and list(bins) == sorted(bins)
    assert bins[-1] == pytest.approx(values.max())
    assert set(classes) <= set(range(5))
    if scheme != "equal_interval":  # equal intervals may leave a class empty
        assert set(classes) == set(range(5))
    for value, cls in zip(values, classes):  # class i holds bins[i-1] < v <= bins[i]
        assert value <= bins[cls] and (cls == 0 or value > bins[cls - 1])


def test_quantiles_give_classes_of_about_equal_size():
    values = np.arange(1000, dtype=float)
    _, classes = classify(values, "quantiles", 5)
    assert np.bincount(classes).tolist() == [200] * 5


def test_natural_breaks_are_deterministic_and_find_clusters():
    values = [1, 2, 3, 100, 101, 102, 1000, 1001, 1002] * 3
    first = classify(values, "natural_breaks", 3)
    assert first.bins == (3.0, 102.0, 1002.0)
    assert all(classify(values, "natural_breaks", 3).bins == first.bins for _ in range(5))


def test_classify_with_unknown_values():
    values = pd.Series([5.0, np.nan, 1.0, None, 3.0, np.inf, 2.0, 4.0, 6.0, 7.0], dtype="float64")
    bins, classes = classify(values, "quantiles", 3)
    assert len(bins) == 3
    assert classes[[1, 3, 5]].tolist() == [-1, -1, -1]
    assert (classes[[0, 2, 4, 6, 7, 8, 9]] >= 0).all()
    nullable = pd.array([3, None, 1], dtype="Int64")
    assert classify(nullable, "quantiles", 5).classes.tolist() == [1, -1, 0]


def test_classify_few_distinct_values_gives_one_class_each():
    bins, classes = classify([0, 0, 0, 1, 1, 4], "natural_breaks", 5)
    assert bins == (0.0, 1.0, 4.0) and classes.tolist() == [0, 0, 0, 1, 1, 2]


def test_classify_all_equal_all_unknown_and_empty():
    assert classify([7, 7, 7]).bins == (7.0,)
    assert classify([7, 7, 7]).classes.tolist() == [0, 0, 0]
    assert classify([np.nan, None]).bins == ()
    assert classify([np.nan, None]).classes.tolist() == [-1, -1]
    assert classify([]).classes.tolist() == []


def test_classify_skewed_counts_merges_duplicate_bounds():
    values = [0] * 300 + list(range(1, 82))
    bins, classes = classify(values, "quantiles", 5)
    assert len(bins) == len(set(bins)) < 5
    assert (classes[:300] == 0).all()


def test_classify_rejects_bad_arguments():
    with pytest.raises(ValueError, match="unknown classification scheme 'magic'"):
        classify([1, 2], "magic")
    with pytest.raises(ValueError, match="at least 1"):
        classify([1, 2], k=0)


def test_class_ranges_and_labels():
    values = [0, 0, 0, 1, 2, 3, 5, 8, 13, 200, np.nan]
    classification = classify(values, "natural_breaks", 5)
    assert class_ranges(classification, values)[0] == (0.0, 2.0)
    assert class_labels(classification, values, indicator("research_count"), "de") == [
        "0 – 2", "3 – 5", "8", "13", "200"]
    population = [1200, 3400, 560_000, 25_000, 51_000, 7800]
    quantiles = classify(population, "quantiles", 3)
    assert class_labels(quantiles, population, indicator("population"), "de")[-1] == "51.000 – 560.000"
    assert class_labels(classify([]), [], indicator("population")) == []


def test_class_labels_of_empty_classes_show_their_bounds():
    values = [0, 1, 2, 3, 150]
    classification = classify(values, "equal_interval", 3)
    labels = class_labels(classification, values, indicator("area"), "en")
    assert labels == ["0.0 – 3.0", "50.0 – 100.0", "150.0"]


def test_legend_titles_name_the_unit_once():
    assert indicator("area").legend_title("de") == "Fläche (km²)"
    assert indicator("density").legend_title("fr") == "Densité de population (hab./km²)"
    assert indicator("population").legend_title("en") == "Population"
    assert indicator("health_per_10k").legend_title("de") == "Gesundheit je 10.000 Einwohner"


def test_rounding_never_makes_neighbouring_classes_read_alike():
    values = [0, 10, 50.6, 51.2, 60, 85.4, 86.0]
    classification = classify(values, "quantiles", 3)
    labels = class_labels(classification, values, indicator("density"), "de")
    assert labels == ["0,0 – 50,6", "51,2 – 60,0", "85,4 – 86,0"]  # at 0 decimals: "0 – 51 / 51 – 60 / …"
    assert class_labels(classification, values, indicator("density"), "en")[0] == "0.0 – 50.6"
    few = [1, 2, 3, 4, 9, 11]
    empty = classify(few, "equal_interval", 5)  # bounds 3, 5, 7, 9, 11: the class (5, 7] is empty
    assert class_labels(empty, few, indicator("events_count"), "de") == ["1 – 3", "4", "5 – 7", "9", "11"]


def test_equal_rates_computed_differently_share_a_class():
    values = [0.3, 0.1 + 0.2, 0.05, 0.1, 0.2, 1, 2, 3, 4, 5, 6]  # 0.1 + 0.2 is 0.3 plus float noise
    classification = classify(values, "quantiles", 3)
    assert classification.bins[0] == 0.3
    assert classification.classes[0] == classification.classes[1] == 0


def test_rank_in_region(gemeinden):
    assert rank_in_region(gemeinden, "03241001", "population") == Rank(1, 5)
    assert rank_in_region(gemeinden, "03241003", indicator("population")) == Rank(5, 5)
    assert rank_in_region(gemeinden, "03154501", "population") is None  # unknown value
    assert rank_in_region(gemeinden, "99999999", "population") is None
    assert rank_in_region(gemeinden, "03154013", "research_count") == Rank(2, 6)  # ties share the best rank
    assert rank_in_region(gemeinden, "03241002", "research_count") == Rank(2, 6)
    assert rank_in_region(gemeinden, "03154501", "research_count") == Rank(5, 6)
    assert rank_in_region(gemeinden, "03241001", "research_per_10k").total == 4


# --- the real store built from the sources ---------------------------------------------------------------------


def test_indicators_on_the_real_store(built_store):
    store = open_store(built_store)
    gemeinden = store.gemeinden
    for item in indicators():
        values = item.values(gemeinden)
        assert len(values) == 381
        classification = classify(values, "quantiles", 5)
        known = np.isfinite(values.to_numpy())
        assert ((classification.classes >= 0) == known).all(), item.id
        assert len(class_labels(classification, values, item, "fr")) == len(classification.bins)
        for scheme in SCHEMES:
            for k in (3, 5, 7):
                classification = classify(values, scheme, k)
                labels = class_labels(classification, values, item, "de")
                filled = [bool((classification.classes == i).any()) for i in range(len(labels))]
                ends = [(label.split(" – ")[0], label.split(" – ")[-1]) for label in labels]
                for i in range(len(labels) - 1):  # neighbours with members never share a number
                    assert not (filled[i] and filled[i + 1] and ends[i][1] == ends[i + 1][0]), (item.id, scheme, k, labels)
    for layer in THEMATIC_LAYERS:
        assert indicator(f"{layer}_count").values(gemeinden).sum() == len(store[layer])
    hannover = rank_in_region(gemeinden, "03241001", "population")
    assert hannover == Rank(1, int(gemeinden["population"].notna().sum()))

"""Site finder: filters, the size rule for sites with unknown area, and sorting."""

from __future__ import annotations

import math

import numpy as np
import pytest

from regionmap.errors import ConfigError
from regionmap.investor.finder import SiteQuery, find_sites, load_site_vocabulary, site_vocabulary, sort_sites
from sites_fixture import HOSTILE, sample_sites


def ids(frame) -> list[str]:
    return list(frame["id"])


def test_vocabulary_from_the_config() -> None:
    vocabulary = site_vocabulary()
    assert [c.id for c in vocabulary.size_classes] == ["S", "M", "L", "XL"]
    assert (vocabulary.size_class("M").min_ha, vocabulary.size_class("M").max_ha) == (5.0, 20.0)
    assert vocabulary.size_class("XL").max_ha == math.inf and vocabulary.size_class("XXL") is None
    assert vocabulary.availability_label("on_request", "fr") == "sur demande"
    assert vocabulary.availability_label(HOSTILE, "en") == HOSTILE
    assert vocabulary.size_class_label("S", "de") == "S (unter 5 ha)"


@pytest.mark.parametrize(
    "body, message",
    [
        ('[[size_classes]]\nid = "S"\nmin_ha = 10\nmax_ha = 5', "min_ha is larger"),
        ('[[size_classes]]\nid = "S"\nmin_ha = -1', "min_ha must be"),
        ('[[size_classes]]\nid = ""', "non-empty id"),
    ],
)
def test_vocabulary_errors_name_file_and_row(tmp_path, body: str, message: str) -> None:
    path = tmp_path / "location_factors.toml"
    labels = 'label = { de = "a", en = "b", fr = "c" }'
    path.write_text(f"{body}\n{labels}\n[[availability]]\nid = \"x\"\n{labels}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_site_vocabulary(path)
    assert str(path) in str(info.value) and "size_classes[0]" in str(info.value)


def test_logistics_sites_under_10_km_from_a_junction() -> None:
    """The issue's question: every logistics site under 10 km from an Autobahn junction."""
    found = find_sites(sample_sites(), SiteQuery(types={"logistics"}, max_km={"motorway": 10.0}))
    assert ids(found) == ["sites-a", "sites-b", "sites-f"]  # sites-d: distance unknown; sites-c: industry


def test_empty_query_returns_everything() -> None:
    sites = sample_sites()
    assert ids(find_sites(sites, SiteQuery())) == ids(sites)


@pytest.mark.parametrize(
    "min_ha, max_ha, expected",
    [
        (10, 30, ["sites-b"]),  # sites-b by its class M (5–20 ha); sites-a is 42 ha
        (40, None, ["sites-a", "sites-f"]),  # sites-f by its class XL (over 50 ha)
        (None, 5, ["sites-b", "sites-c", "sites-e"]),  # 5.0 ha and class bounds are inclusive
        (20, 20, ["sites-b"]),  # class bounds are inclusive
        (21, 41, []),
    ],
)
def test_size_filter(min_ha, max_ha, expected) -> None:
    assert ids(find_sites(sample_sites(), SiteQuery(min_ha=min_ha, max_ha=max_ha))) == expected


def test_other_filters() -> None:
    sites = sample_sites()
    assert ids(find_sites(sites, SiteQuery(availability={"available"}))) == ["sites-a", "sites-c", "sites-e", "sites-f"]
    assert ids(find_sites(sites, SiteQuery(sectors={"energy", "digital"}))) == ["sites-c", "sites-e"]
    assert ids(find_sites(sites, SiteQuery(sectors={"mobility"}))) == ["sites-a"]
    assert ids(find_sites(sites, SiteQuery(kreis="03101"))) == ["sites-b", "sites-c"]
    assert ids(find_sites(sites, SiteQuery(gemeinde="03241001", types={"logistics"}))) == ["sites-a", "sites-f"]
    assert ids(find_sites(sites, SiteQuery(max_km={"airport": 30, "station_fv": 5}))) == ["sites-b"]
    assert ids(find_sites(sites, SiteQuery(types={"office"}))) == []


def test_missing_values_never_match() -> None:
    sites = sample_sites()
    sites.loc[0, "sectors"] = None
    sites.loc[1, "kreis_ags"] = None
    assert "sites-a" not in ids(find_sites(sites, SiteQuery(sectors={"logistics"})))
    assert ids(find_sites(sites, SiteQuery(kreis="03101"))) == ["sites-c"]
    sites.loc[5, "size_class"] = "XXL"  # an unknown class matches no size filter
    assert ids(find_sites(sites, SiteQuery(min_ha=40))) == ["sites-a"]


def test_duplicate_index_is_handled() -> None:
    sites = sample_sites()
    sites.index = [0] * len(sites)
    assert ids(find_sites(sites, SiteQuery(sectors={"digital"}))) == ["sites-e"]


def test_bad_queries() -> None:
    with pytest.raises(ValueError, match="min_ha"):
        SiteQuery(min_ha=10, max_ha=5)
    with pytest.raises(ValueError, match="max_ha"):
        SiteQuery(max_ha=-1)
    with pytest.raises(ValueError, match="motorway"):
        SiteQuery(max_km={"motorway": float("nan")})
    with pytest.raises(TypeError):
        SiteQuery(types="logistics")
    with pytest.raises(KeyError, match="harbour"):
        find_sites(sample_sites(), SiteQuery(max_km={"harbour": 5}))


def test_sort_by_factor_and_column() -> None:
    sites = sample_sites()
    assert ids(sort_sites(sites, "motorway")) == ["sites-a", "sites-f", "sites-b", "sites-c", "sites-e", "sites-d"]
    assert ids(sort_sites(sites, "motorway", ascending=False)) == ["sites-e", "sites-c", "sites-b", "sites-f", "sites-a", "sites-d"]
    assert ids(sort_sites(sites, "area_ha", ascending=False))[:3] == ["sites-a", "sites-c", "sites-b"]
    assert np.isnan(sort_sites(sites, "area_ha")["area_ha"].iloc[-1])
    assert ids(sort_sites(sites, "name"))[:2] == ["sites-c", "sites-b"]  # "<img" sorts first, case-insensitive
    assert ids(sort_sites(sites, "dist_airport_km"))[-1] == "sites-c"
    with pytest.raises(KeyError, match="unknown location factor 'nope'"):
        sort_sites(sites, "nope")


def test_sort_after_filter_keeps_the_index() -> None:
    found = find_sites(sample_sites(), SiteQuery(types={"logistics"}))
    ordered = sort_sites(found, "station_fv")
    assert ids(ordered) == ["sites-d", "sites-b", "sites-a", "sites-f"]
    assert list(ordered.index) == [3, 1, 0, 5]

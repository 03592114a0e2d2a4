"""Explained matching: the fit of the sites meeting a requirement profile, weights changing the order, and every
excluded site's reasons with their amounts, formatted in each language."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from regionmap.errors import ConfigError
from regionmap.investor.factors import location_factors
from regionmap.investor.finder import SiteQuery, find_sites
from regionmap.investor.matching import BROADBAND, load_matching_settings, match_sites

FACTORS = location_factors()
MOTORWAY = next(f for f in FACTORS if f.id == "motorway")
AIRPORT = next(f for f in FACTORS if f.id == "airport")


def sites() -> pd.DataFrame:
    return pd.DataFrame({
        "id": ["a", "b", "c", "d", "e"],
        "name": ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"],
        "category": ["industrial", "industrial", "logistics", "industrial", "industrial"],
        "sectors": ["mobility", "mobility,energy", "logistics", "mobility", "mobility"],
        "area_ha": [10.0, 30.0, 12.0, None, 3.5],
        "size_class": ["M", "L", "M", "M", "S"],
        "broadband_mbps": [1000.0, 100.0, None, 500.0, 1000.0],
        "operation_24h": ["true", None, "true", "false", "true"],
        MOTORWAY.value_column: [1.0, 4.0, 2.0, 7.2, 0.5],
        AIRPORT.value_column: [20.0, 5.0, 40.0, 10.0, 25.0],
    })


def test_the_fit_ranks_the_meeting_sites_and_weights_change_the_order() -> None:
    query = SiteQuery(types=frozenset({"industrial"}), max_km={"motorway": 5.0, "airport": 30.0})
    found, missed = match_sites(sites(), query, FACTORS, weights={"motorway": 1, "airport": 1})
    assert list(found["id"]) == ["a", "e", "b"]  # closest to both first (Epsilon: 0.5 km but 25 km airport)
    assert found["fit"].iloc[0] == pytest.approx(100 * ((1 - 1 / 10) + (1 - 20 / 60)) / 2, abs=0.1)
    by_airport, _ = match_sites(sites(), query, FACTORS, weights={"motorway": 0, "airport": 5})
    assert list(by_airport["id"]) == ["b", "a", "e"]
    assert set(found["id"]) == set(find_sites(sites(), query, FACTORS)["id"])  # the same set as the plain finder
    assert [m.site_id for m in missed][0] == "d" and [m.site_id for m in missed] == ["d", "c"]


def test_every_miss_names_its_criterion_value_and_limit() -> None:
    query = SiteQuery(types=frozenset({"industrial"}), min_ha=5.0, max_ha=20.0, min_broadband=250.0,
                      operation_24h=True, max_km={"motorway": 5.0})
    found, missed = match_sites(sites(), query, FACTORS)
    assert list(found["id"]) == ["a"]
    misses = {m.site_id: {x.criterion: (x.actual, x.limit) for x in m.misses} for m in missed}
    assert misses["b"] == {"area_ha": (30.0, (5.0, 20.0)), BROADBAND: (100.0, 250.0), "operation_24h": (None, True)}
    assert misses["c"] == {"category": ("logistics", ("industrial",)), BROADBAND: (None, 250.0)}
    assert misses["d"] == {"operation_24h": (False, True), "motorway": (7.2, 5.0)}  # area by its size class
    assert misses["e"] == {"area_ha": (3.5, (5.0, 20.0))}
    assert [m.site_id for m in missed][0] == "e"  # one miss, the nearest


def test_an_area_known_only_by_its_class_fits_less() -> None:
    query = SiteQuery(min_ha=5.0, max_ha=20.0)
    found, _ = match_sites(sites(), query, FACTORS)
    assert found.set_index("id")["fit"].to_dict() == {"a": 100.0, "c": 100.0, "d": 75.0}


def test_no_criterion_with_degrees_fits_every_meeting_site_fully() -> None:
    found, missed = match_sites(sites(), SiteQuery(sectors=frozenset({"energy"})), FACTORS)
    assert list(found["id"]) == ["b"] and set(found["fit"]) == {100.0} and len(missed) == 4


@pytest.mark.parametrize("text", ["max_weight = 0", "default_weight = 9", "[weights]\nmotorway = true",
                                  "typo = 1"])
def test_bad_settings_name_the_file_and_key(tmp_path: Path, text: str) -> None:
    path = tmp_path / "matching.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="matching.toml"):
        load_matching_settings(path)


@pytest.mark.parametrize(("lang", "expected"), [
    ("de", ["Autobahnanschluss 7,2\u00a0km > 5\u00a0km", "Autobahnanschluss 2,94\u00a0km > 2,93\u00a0km",
            "Bruttofläche 3,5\u00a0ha < 5\u00a0ha", "Breitband: keine Angabe",
            "Bruttofläche: Größenklasse S (unter 5 ha), gesucht mindestens 5\u00a0ha"]),
    ("en", ["Motorway junction 7.2\u00a0km > 5\u00a0km", "Motorway junction 2.94\u00a0km > 2.93\u00a0km",
            "Gross area 3.5\u00a0ha < 5\u00a0ha", "Broadband: not stated",
            "Gross area: size class S (under 5 ha), wanted at least 5\u00a0ha"]),
    ("fr", ["Échangeur autoroutier 7,2\u00a0km > 5\u00a0km", "Échangeur autoroutier 2,94\u00a0km > 2,93\u00a0km",
            "Superficie brute 3,5\u00a0ha < 5\u00a0ha", "Haut débit\u00a0: non indiqué",
            "Superficie brute\u00a0: classe de taille S (moins de 5 ha), recherché au moins 5\u00a0ha"]),
])
def test_reasons_read_in_the_pages_language(lang: str, expected: list[str]) -> None:
    from regionmap.investor.matching import Miss
    from regionmap.ui.site_matching import miss_text

    misses = [Miss("motorway", 7.2, 5.0, 0.4), Miss("motorway", 2.94, 2.93, 0.01),
              Miss("area_ha", 3.5, (5.0, 20.0), 0.3), Miss(BROADBAND, None, 250.0, 10.0),
              Miss("area_ha", "S", (5.0, float("inf")), 1.0)]
    assert [miss_text(m, FACTORS, lang) for m in misses] == expected

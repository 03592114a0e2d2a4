"""Comparing sites: values side by side and the "better" marking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regionmap.investor.comparison import better_mask, compare_sites
from sites_fixture import HOSTILE, sample_sites


def test_values_nearest_and_marking() -> None:
    result = compare_sites(sample_sites(), ["sites-a", "sites-c", "sites-b"])
    assert list(result.values.columns) == ["sites-a", "sites-c", "sites-b"]
    assert list(result.values.index) == ["area_ha", "station_fv", "station_rv", "airport", "airfield", "university", "research", "motorway"]
    assert result.values.loc["motorway"].tolist() == [2.5, 10.0, 9.99]
    assert result.nearest.loc["motorway", "sites-a"] == "AS Lehrte-Ost (A2)"
    assert result.nearest.loc["area_ha"].isna().all()
    better = result.better
    assert better.loc["motorway"].tolist() == [True, False, False]  # lower distance is better
    assert better.loc["area_ha"].tolist() == [True, False, False]  # larger area; sites-b's area unknown
    assert better.loc["station_fv"].tolist() == [False, True, False]
    assert better.loc["airport"].tolist() == [True, False, False]  # sites-c unknown: never better
    assert better.loc["station_rv"].tolist() == [True, True, True]  # tie: all marked
    assert result.direction["area_ha"] == "higher" and result.direction["motorway"] == "lower"


def test_hostile_names_are_plain_values() -> None:
    sites = sample_sites()
    sites.loc[sites["id"] == "sites-a", "nearest_motorway"] = HOSTILE
    assert compare_sites(sites, ["sites-a", "sites-b"]).nearest.loc["motorway", "sites-a"] == HOSTILE


def test_better_mask_edge_cases() -> None:
    values = pd.DataFrame(
        [[np.nan, np.nan], [np.nan, 3.0], [1.0, 1.0], [0.0, 5.0], [2.0, 1.0]],
        index=["none", "one", "tie", "zero", "up"],
        columns=["x", "y"],
    )
    direction = pd.Series(["lower", "lower", "lower", "lower", "higher"], index=values.index)
    mask = better_mask(values, direction)
    assert mask.to_numpy().tolist() == [[False, False], [False, False], [True, True], [True, False], [True, False]]
    assert mask.dtypes.eq(bool).all()


@pytest.mark.parametrize("ids, message", [(["sites-a"], "2 to 3"), (["sites-a"] * 2, "2 to 3"),
                                          (["sites-a", "sites-b", "sites-c", "sites-d"], "2 to 3"),
                                          (["sites-a", "nope"], "nope")])
def test_bad_selection(ids: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compare_sites(sample_sites(), ids)

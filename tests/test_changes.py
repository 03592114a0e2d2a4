"""The change report between two builds, on vintages generated from the shipped boundaries."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from regionmap.data.changes import (
    ADDED, MERGED, REMOVED, RENAMED, RENUMBERED, SPLIT, Build, ChangeReport, MunicipalityChange, change_report,
    municipality_changes, point_moves, source_changes, value_changes,
)
from regionmap.spatial import METRIC_CRS


@pytest.fixture(scope="module")
def gemeinden(built_store) -> gpd.GeoDataFrame:
    return gpd.read_file(built_store, layer="gemeinden")[["ags", "name", "kreis_ags", "population", "area_km2",
                                                           "geometry"]]


def _neighbours(gemeinden: gpd.GeoDataFrame) -> tuple[str, str]:
    """Two municipalities of one Kreis that share a border."""
    for first in gemeinden.itertuples():
        same_kreis = gemeinden[(gemeinden["kreis_ags"] == first.kreis_ags) & (gemeinden["ags"] != first.ags)]
        touching = same_kreis[same_kreis.geometry.intersects(first.geometry)]
        if len(touching):
            return first.ags, touching.iloc[0]["ags"]
    raise AssertionError("no two neighbouring municipalities in one Kreis")


def _merge(gemeinden: gpd.GeoDataFrame, a: str, b: str, new_ags: str) -> gpd.GeoDataFrame:
    parts = gemeinden[gemeinden["ags"].isin([a, b])]
    merged = gpd.GeoDataFrame({"ags": [new_ags], "name": ["Neue Gemeinde"], "kreis_ags": [a[:5]],
                               "population": [int(parts["population"].sum())],
                               "area_km2": [float(parts["area_km2"].sum())]},
                              geometry=[parts.geometry.union_all()], crs=gemeinden.crs)
    return pd.concat([gemeinden[~gemeinden["ags"].isin([a, b])], merged], ignore_index=True)


def _split(gemeinden: gpd.GeoDataFrame, ags: str, new_ags: tuple[str, str]) -> gpd.GeoDataFrame:
    row = gemeinden[gemeinden["ags"] == ags].to_crs(METRIC_CRS).iloc[0]
    minx, miny, maxx, maxy = row.geometry.bounds
    middle = (minx + maxx) / 2
    halves = [row.geometry.intersection(box(minx - 1, miny - 1, middle, maxy + 1)),
              row.geometry.intersection(box(middle, miny - 1, maxx + 1, maxy + 1))]
    split = gpd.GeoDataFrame({"ags": list(new_ags), "name": ["West", "Ost"], "kreis_ags": [ags[:5]] * 2,
                              "population": [1, 2], "area_km2": [h.area / 1e6 for h in halves]},
                             geometry=halves, crs=METRIC_CRS).to_crs(gemeinden.crs)
    return pd.concat([gemeinden[gemeinden["ags"] != ags], split], ignore_index=True)


def test_same_boundaries_have_no_changes(gemeinden):
    assert municipality_changes(gemeinden, gemeinden) == ()
    assert value_changes("gemeinde", gemeinden, gemeinden) == ()


def test_merger_into_a_new_ags(gemeinden):
    a, b = _neighbours(gemeinden)
    new = _merge(gemeinden, a, b, a[:5] + "999")
    changes = municipality_changes(gemeinden, new)
    names = dict(zip(gemeinden["ags"], gemeinden["name"], strict=True))
    assert changes == (MunicipalityChange(MERGED, tuple(sorted([(a, names[a]), (b, names[b])])),
                                          ((a[:5] + "999", "Neue Gemeinde"),)),)


def test_split(gemeinden):
    ags = gemeinden.sort_values("area_km2").iloc[-1]["ags"]
    new = _split(gemeinden, ags, (ags[:5] + "901", ags[:5] + "902"))
    changes = municipality_changes(gemeinden, new)
    assert [c.kind for c in changes] == [SPLIT]
    assert [a for a, _ in changes[0].old] == [ags]
    assert [a for a, _ in changes[0].new] == [ags[:5] + "901", ags[:5] + "902"]


def test_renumbering_and_renaming(gemeinden):
    first, second = gemeinden.iloc[3]["ags"], gemeinden.iloc[7]["ags"]
    new = gemeinden.copy()
    new.loc[new["ags"] == first, "ags"] = first[:5] + "777"
    new.loc[new["ags"] == second, "name"] = "Umbenannt"
    kinds = {c.kind: c for c in municipality_changes(gemeinden, new)}
    assert set(kinds) == {RENUMBERED, RENAMED}
    assert kinds[RENUMBERED].old[0][0] == first and kinds[RENUMBERED].new[0][0] == first[:5] + "777"
    assert kinds[RENAMED].new == ((second, "Umbenannt"),)


def test_generalised_copy_is_no_structural_change(gemeinden):
    """A copy simplified to 1 km changes areas, but every municipality is still matched to itself."""
    metric = gemeinden.to_crs(METRIC_CRS)
    coarse = metric.set_geometry(shapely.coverage_simplify(metric.geometry.to_numpy(), 1000)).to_crs(gemeinden.crs)
    assert municipality_changes(gemeinden, coarse) == ()


def test_added_and_removed(gemeinden):
    changes = municipality_changes(gemeinden.iloc[1:], gemeinden.iloc[:-1])
    assert [(c.kind, c.old, c.new) for c in changes] == [
        (REMOVED, ((gemeinden.iloc[-1]["ags"], gemeinden.iloc[-1]["name"]),), ()),
        (ADDED, (), ((gemeinden.iloc[0]["ags"], gemeinden.iloc[0]["name"]),)),
    ]


def test_value_changes_list_only_what_changed(gemeinden):
    new = gemeinden.copy()
    new.loc[0, "population"] = int(new.loc[0, "population"]) + 12
    changes = value_changes("gemeinde", gemeinden, new)
    assert len(changes) == 1 and changes[0].ags == gemeinden.loc[0, "ags"] and changes[0].population_delta == 12


def test_point_moves_and_sources():
    old = pd.DataFrame({"id": ["a", "b", "c"], "name": ["A", "B", "C"], "ags": ["03101000", "03102000", "03103000"]})
    new = old.assign(ags=["03101000", "03152012", "03103000"])
    assert [(m.id, m.old_ags, m.new_ags) for m in point_moves("research", old, new)] == [("b", "03102000", "03152012")]
    before = [{"id": "bkg", "sha256": "1", "reference_date": "2023-12-31"}, {"id": "db", "sha256": "2"}]
    after = [{"id": "bkg", "sha256": "9", "reference_date": "2024-12-31"}, {"id": "gisco", "sha256": "3"}]
    assert [(c.id, c.field) for c in source_changes(before, after)] == [
        ("gisco", "added"), ("db", "removed"), ("bkg", "sha256"), ("bkg", "reference_date")]


def test_report_round_trips_through_the_manifest(gemeinden):
    a, b = _neighbours(gemeinden)
    kreise = pd.DataFrame({"ags": ["03101"], "name": ["K"], "population": [10], "area_km2": [1.0]})
    region = pd.DataFrame({"id": ["r"], "name": ["R"], "population": [10], "area_km2": [1.0]})
    points = {"research": pd.DataFrame({"id": ["x"], "name": ["X"], "ags": [a]})}
    previous = Build(gemeinden, kreise, region, points, {"built_at": "2025-12-01", "sources": []})
    current = Build(_merge(gemeinden, a, b, a[:5] + "999"), kreise.assign(population=[11]), region, {
        "research": points["research"].assign(ags=[a[:5] + "999"])}, {"sources": []})
    report = change_report(previous, current)
    assert [c.kind for c in report.municipalities] == [MERGED]
    assert [v.level for v in report.values][0] == "kreis"
    assert report.points[0].new_ags == a[:5] + "999"
    assert ChangeReport.from_dict(report.as_dict()) == report
    assert any("merged" in line for line in report.summary())
    assert change_report(None, current).first_build

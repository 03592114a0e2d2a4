"""Freshness on both store backends: "unchanged, confirm" through the library, and a year of changes made through the
real editing API (its clock set back) read back as the sites "as of" a day, the due list and the monitoring report,
also through `regionmap freshness`, `regionmap sites` and `regionmap monitoring`."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pypdfium2 as pdfium
import pytest
from editing_support import EDITOR, GOSLAR, HANNOVER, REVIEWER
from pypdf import PdfReader

from regionmap.cli import main
from regionmap.data.store import store_at
from regionmap.editing import repository
from regionmap.editing.repository import EditError, records_table
from regionmap.editing.roles import PermissionDenied
from regionmap.freshness.history import sites_as_of
from regionmap.freshness.monitoring import REGION, monitoring_figures
from regionmap.freshness.states import add_months
from regionmap.freshness.stock import all_records, layer_records

pytest_plugins = ["editing_fixtures"]  # location (each backend), edits

GOSLAR_SITE, OKER_SITE, HANNOVER_SITE = "sites-goslar-bassgeige", "sites-goslar-oker", "sites-hannover-marienwerder"
NEW_SITE = "sites-neues-gewerbegebiet-am-harz"
D = dt.date.fromisoformat


def publish(edits, changes: dict, record_id: str | None = GOSLAR_SITE) -> None:
    """An editor's change of one site (a new one when `record_id` is None), approved by the reviewer."""
    base = edits.current_records("sites")[record_id or GOSLAR_SITE]
    changeset = edits.open_change_set(EDITOR, "sites")
    values = dict(base.values, **changes)
    edits.put_change(EDITOR, changeset, values, record_id=record_id,
                     base_revision=base.revision if record_id else None)
    edits.approve(REVIEWER, changeset, edits.submit(EDITOR, changeset).digest)


def test_confirming_an_official_record_makes_it_the_partners(edits, location: str) -> None:
    version = store_at(location).version()
    sets = len(edits.change_sets(REVIEWER))
    [confirmed] = edits.confirm(EDITOR, "sites", [OKER_SITE])
    today = dt.date.today().isoformat()
    organisation = "Wirtschaftsförderung Goslar"
    assert (confirmed.status, confirmed.organisation, confirmed.confirmed_by, confirmed.confirmed_on,
            confirmed.revision) == ("published", organisation, organisation, today, 0)
    assert confirmed.values["source"] == "partner_record"
    assert store_at(location).version() != version  # every session reloads
    assert len(edits.change_sets(REVIEWER)) == sets  # no change set, no review, also on sites
    shown = store_at(location).read_layer("sites").set_index("id").loc[OKER_SITE]
    assert shown["source_en"].startswith("Data of the responsible partner")
    rows = edits.history(EDITOR, record_id=OKER_SITE)
    confirm = rows[rows["action"] == "confirm"]
    assert {"source", "confirmed_by", "confirmed_on"} <= set(confirm["field"])
    assert confirm.set_index("field").loc["confirmed_on", "after_value"] == today


def test_confirming_a_partner_record_sets_its_date_only(edits) -> None:
    publish(edits, {"area_ha": "15"})
    with edits._engine.begin() as connection:  # published long ago
        connection.execute(records_table.update().where(records_table.c.id == GOSLAR_SITE).values(
            confirmed_on="2026-01-05"))
    before = edits.current_records("sites")[GOSLAR_SITE]
    [after] = edits.confirm(EDITOR, "sites", [GOSLAR_SITE])

    def unconfirmed(values: dict) -> dict:
        return {k: v for k, v in values.items() if k not in ("confirmed_by", "confirmed_on")}

    assert (after.revision, unconfirmed(after.values), after.confirmed_on) == (
        before.revision, unconfirmed(before.values), dt.date.today().isoformat())
    confirm = edits.history(EDITOR, record_id=GOSLAR_SITE, action="confirm")
    assert confirm[["field", "before_value"]].values.tolist() == [["confirmed_on", "2026-01-05"]]
    edits.confirm(EDITOR, "sites", [GOSLAR_SITE])  # again the same day: still logged
    assert len(edits.history(EDITOR, record_id=GOSLAR_SITE, action="confirm")) == 2


def test_a_confirmation_outside_the_area_confirms_nothing(edits) -> None:
    with pytest.raises(PermissionDenied) as refused:
        edits.confirm(EDITOR, "sites", [OKER_SITE, HANNOVER_SITE])
    assert refused.value.reason == "area"
    assert edits.current_records("sites")[OKER_SITE].status == "official"  # all or none
    refusals = edits.history(None, action="refused")
    assert refusals["detail"].str.startswith("confirm: area").any()
    with pytest.raises(PermissionDenied):
        edits.confirm(EDITOR, "events", [])  # not the editor's layer
    with pytest.raises(EditError, match="no record 'sites-nowhere'"):
        edits.confirm(EDITOR, "sites", ["sites-nowhere"])
    publish(edits, {}, record_id=OKER_SITE)
    changeset = edits.open_change_set(EDITOR, "sites")
    edits.put_change(EDITOR, changeset, edits.current_records("sites")[OKER_SITE].values, record_id=OKER_SITE,
                     withdraw=True)
    edits.approve(REVIEWER, changeset, edits.submit(EDITOR, changeset).digest)
    with pytest.raises(EditError, match="to confirm"):
        edits.confirm(EDITOR, "sites", [OKER_SITE])


@pytest.fixture
def year(edits, monkeypatch: pytest.MonkeyPatch):
    """A year of site changes in Goslar, each on its own day (the history's clock set back): 15 Dec 2025 the
    Baßgeige site gets 20 ha, available; 10 Feb 2026 a new logistics site of 8 ha; 1 Apr the Baßgeige site is
    reserved; 15 Jun the new site grows to 10 ha; 1 Sep the Baßgeige site is sold (fully_let); 1 Oct the Oker site
    is confirmed unchanged."""
    day = {"value": "2025-12-15"}
    monkeypatch.setattr(repository, "_now", lambda: f"{day['value']}T09:30:00+00:00")
    publish(edits, {"area_ha": "20", "availability": "available"})
    day["value"] = "2026-02-10"
    publish(edits, {"id": "", "name": "Neues Gewerbegebiet am Harz", "category": "logistics", "area_ha": "8",
                    "availability": "available", "lon": "10.445", "lat": "51.915"}, record_id=None)
    for when, changes, record_id in (("2026-04-01", {"availability": "reserved"}, GOSLAR_SITE),
                                     ("2026-06-15", {"area_ha": "10"}, NEW_SITE),
                                     ("2026-09-01", {"availability": "fully_let"}, GOSLAR_SITE)):
        day["value"] = when
        publish(edits, changes, record_id=record_id)
    day["value"] = "2026-10-01"
    edits.confirm(EDITOR, "sites", [OKER_SITE])
    monkeypatch.undo()
    return edits


def test_sites_as_of_from_the_real_history(year) -> None:
    current, history = layer_records(year, "sites"), year.history(None, layer="sites")
    for day, old, new in (("2025-12-01", ("on_request", ""), None), ("2026-01-31", ("available", "20"), None),
                          ("2026-05-01", ("reserved", "20"), ("available", "8")),
                          ("2026-12-31", ("fully_let", "20"), ("available", "10"))):
        stock = sites_as_of(current, history, D(day)).set_index("id")
        assert tuple(stock.loc[GOSLAR_SITE, ["availability", "area_ha"]]) == old, day
        assert (tuple(stock.loc[NEW_SITE, ["availability", "area_ha"]]) if NEW_SITE in stock.index else None) == new
    assert stock.loc[GOSLAR_SITE, "status_since"] == "2026-09-01"


def test_the_monitoring_figures_of_the_year(year) -> None:
    figures = monitoring_figures(all_records(year), year.history(None), 2026)
    goslar = figures.kreise.set_index("kreis_ags").loc[GOSLAR]
    # start 20 (Baßgeige); added 8 (new site); removed 20 (reserved); resized +2; end 10; reserved 20; sold 20
    assert tuple(goslar[["available_start_ha", "added_ha", "removed_ha", "resized_ha", "available_end_ha",
                         "reserved_ha", "sold_ha"]]) == (20, 8, 20, 2, 10, 20, 20)
    assert figures.kreise.set_index("kreis_ags").loc[REGION, "available_end_ha"] == 10  # no other site has an area
    shown = layer_records(year, "sites")
    goslar_sites = int(((shown["kreis_ags"] == GOSLAR) & (shown["status"] != "withdrawn")).sum())
    confirmed = figures.confirmed.set_index(["layer", "kreis_ags"]).loc[("sites", GOSLAR)]
    assert (confirmed["records"], confirmed["confirmed"]) == (goslar_sites, 3)  # Baßgeige, the new site, Oker
    assert figures.data_date >= D("2026-10-01")


def run(capsys: pytest.CaptureFixture, *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_the_commands(year, location: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    sites = pd.read_csv(io.StringIO(run(capsys, "sites", "--as-of", "2026-05-01", "--format", "csv",
                                        "--store", location)), dtype=str, keep_default_na=False).set_index("id")
    assert tuple(sites.loc[GOSLAR_SITE, ["availability", "area_ha", "status_since"]]) == ("reserved", "20",
                                                                                            "2026-04-01")
    assert sites.loc[NEW_SITE, "area_ha"] == "8"
    text = run(capsys, "sites", "--as-of", "2026-01-31", "--store", location)
    assert GOSLAR_SITE in text and NEW_SITE not in text and "sites as of 2026-01-31" in text

    limit = add_months(dt.date.today(), 6)  # the published sites' limit: due that day, overdue the day after
    due = pd.read_csv(io.StringIO(run(capsys, "freshness", "--due", "--as-of", limit.isoformat(), "--format", "csv",
                                      "--store", location)), dtype=str, keep_default_na=False)
    mine = due[due["organisation"] == "Wirtschaftsförderung Goslar"].set_index("id")
    assert mine.loc[GOSLAR_SITE, "state"] == "due" and mine.loc[NEW_SITE, "state"] == "due"
    assert mine.loc[GOSLAR_SITE, "notice"] == f"zu bestätigen bis {limit:%d.%m.%Y}"
    hannover = due[due["organisation"] == "Wirtschaftsförderung Hannover"].set_index("id")
    assert hannover.loc[HANNOVER_SITE, "state"] == "overdue"  # its official as_of is older
    assert set(hannover["kreis_ags"]) == {HANNOVER}
    later = run(capsys, "freshness", "--due", "--as-of", (limit + dt.timedelta(days=1)).isoformat(), "--lang", "en",
                "--store", location)
    assert "Wirtschaftsförderung Goslar:" in later and "not confirmed since" in later
    assert "(no responsible organisation):" in later  # Kreise without an editor

    out = tmp_path / "report"
    run(capsys, "monitoring", "--year", "2026", "--out", str(out), "--lang", "en", "--store", location)
    kreise = pd.read_excel(out / "regionmap_monitoring_2026_en.xlsx", sheet_name="Districts").set_index("District")
    assert tuple(kreise.loc["Goslar", ["Start", "Added", "Removed", "Resized", "End", "Reserved", "Sold"]]) == (
        20, 8, 20, 2, 10, 20, 20)
    assert set(pd.ExcelFile(out / "regionmap_monitoring_2026_en.xlsx").sheet_names) == {
        "Districts", "Areas", "Confirmations", "Interest", "About"}
    pdf = (out / "regionmap_monitoring_2026_en.pdf").read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for expected in ("Business site monitoring 2026", "Data as of", "Available area by district (ha)", "Goslar",
                     "20.0", "10.0", "Records confirmed in 2026", "Investment sites"):
        assert expected in text, expected
    assert sum(len(page.images) for page in reader.pages) == 3  # two charts and the map
    document = pdfium.PdfDocument(pdf)
    first = np.asarray(document[0].render(scale=1).to_pil().convert("RGB")).astype(int)
    orange = (np.abs(first - np.array([224, 123, 0])).sum(axis=2) < 40).sum()
    assert orange > 100  # the end-of-year bar of Goslar in the first chart
    assert len(document) == len(reader.pages) >= 3


def test_records_only_the_sources_give_are_neither_edited_nor_confirmed(edits) -> None:
    from editing_support import HANNOVER_EDITOR

    from regionmap.freshness.stock import maintained

    mobility = edits.records_for(HANNOVER_EDITOR, "mobility")
    station = next(r for r in mobility if str(r.values.get("category")).startswith("station_"))
    curated = [r for r in mobility if r.values.get("category") in ("inland_port", "freight_terminal",
                                                                   "motorway_junction")]
    assert curated and station.status == "official"
    assert maintained(mobility, "mobility") == curated  # the Pflege page lists these only
    changeset = edits.open_change_set(HANNOVER_EDITOR, "mobility")
    with pytest.raises(EditError, match=f"'{station.id}' comes from its source dataset"):
        edits.put_change(HANNOVER_EDITOR, changeset, dict(station.values, name="Mine"), record_id=station.id)
    with pytest.raises(EditError, match="comes from its source dataset"):
        edits.confirm(HANNOVER_EDITOR, "mobility", [curated[0].id, station.id])
    assert edits.current_records("mobility")[curated[0].id].status == "official"  # all or none
    assert not edits.change_set(changeset).changes
    edits.confirm(HANNOVER_EDITOR, "mobility", [curated[0].id])
    assert edits.current_records("mobility")[curated[0].id].status == "published"

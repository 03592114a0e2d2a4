"""Freshness without a store: the layers' maximum age, confirmation states at their boundaries, who is responsible,
the due list, records "as of" a day from history rows, and the monitoring's figures against hand-computed totals."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from regionmap import config
from regionmap.editing.roles import Grant
from regionmap.errors import ConfigError
from regionmap.freshness.history import records_as_of, sites_as_of, status_changes
from regionmap.freshness.monitoring import (
    FLOWS,
    REGION,
    MonitoringSettings,
    load_monitoring_settings,
    monitoring_figures,
)
from regionmap.freshness.states import (
    CONFIRMED,
    DUE,
    NO_ORGANISATION,
    OVERDUE,
    FreshnessSettings,
    add_months,
    due_list,
    layer_counts,
    load_freshness_settings,
    max_ages,
    notice,
    responsible,
    state_on,
    with_states,
)
from regionmap.taxonomy import load_taxonomy

D = dt.date.fromisoformat
WINDOW = FreshnessSettings(due_window_days=30)
GOSLAR, HANNOVER = "03153", "03241"


def _data_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    for file in ("sectors.toml", "layers.toml", "location_factors.toml", "freshness.toml", "monitoring.toml"):
        shutil.copy(config.data_dir() / file, tmp_path / file)
    path = tmp_path / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_each_editable_layer_has_its_maximum_age() -> None:
    assert max_ages() == {"research": 12, "sites": 6, "events": 12, "mobility": 12, "business": 12}


@pytest.mark.parametrize("value", ["0", "121", "6.5", '"6"', "true"])
def test_a_wrong_maximum_age_names_the_layer_and_field(tmp_path: Path, value: str) -> None:
    _data_copy(tmp_path, "layers.toml", "max_age_months = 6", f"max_age_months = {value}")
    with pytest.raises(ConfigError, match=r"layers\[1\]\.editing: 'max_age_months' must be a whole number"):
        load_taxonomy(tmp_path)


def test_the_due_window_is_checked(tmp_path: Path) -> None:
    path = _data_copy(tmp_path, "freshness.toml", "due_window_days = 30", "due_window_days = -1")
    with pytest.raises(ConfigError, match="freshness.toml: 'due_window_days'"):
        load_freshness_settings(path)
    assert load_freshness_settings().due_window_days == 30


def test_months_are_calendar_months_clamped_to_the_month_end() -> None:
    assert add_months(D("2026-01-31"), 6) == D("2026-07-31")
    assert add_months(D("2025-08-31"), 6) == D("2026-02-28")
    assert add_months(D("2026-11-15"), 12) == D("2027-11-15")


def test_states_at_their_boundaries() -> None:
    confirmed = D("2026-01-31")  # limit 2026-07-31, due from 2026-07-02 (30 days before the limit)
    assert state_on(confirmed, 6, D("2026-07-01"), WINDOW) == CONFIRMED
    assert state_on(confirmed, 6, D("2026-07-02"), WINDOW) == DUE
    assert state_on(confirmed, 6, D("2026-07-31"), WINDOW) == DUE  # exactly at the limit: still due
    assert state_on(confirmed, 6, D("2026-08-01"), WINDOW) == OVERDUE  # one day after
    assert state_on(confirmed, 6, D("2026-07-31"), FreshnessSettings(0)) == CONFIRMED
    assert state_on(None, 6, D("2026-01-01"), WINDOW) == OVERDUE


def records() -> pd.DataFrame:
    """Records of two layers: confirmed by a partner, official with an as_of (a month), withdrawn, never dated."""
    rows = [
        ("sites", "sites-a", "published", "WF Goslar", "2026-03-10", "2026-03-10", GOSLAR, "03153017"),
        ("sites", "sites-b", "official", "", "", "2026-01", GOSLAR, "03153017"),
        ("sites", "sites-c", "official", "", "", "2026-06-20", HANNOVER, "03241001"),
        ("sites", "sites-gone", "withdrawn", "WF Goslar", "2025-01-01", "2025-01-01", GOSLAR, "03153017"),
        ("research", "research-x", "official", "", "", "", "03101", "03101000"),
    ]
    return pd.DataFrame([dict(zip(("layer", "id", "status", "organisation", "confirmed_on", "as_of", "kreis_ags",
                                   "ags"), r), name=r[1].upper(), kreis="K", municipality="M") for r in rows])


def test_states_counts_and_the_due_list() -> None:
    states = with_states(records(), D("2026-08-15"), settings=WINDOW)
    by_id = states.set_index("id")
    assert "sites-gone" not in by_id.index
    assert by_id.loc["sites-a", "state"] == DUE and by_id.loc["sites-a", "due_on"] == D("2026-09-10")
    assert by_id.loc["sites-b", "confirmation"] == D("2026-01-01") and by_id.loc["sites-b", "state"] == OVERDUE
    assert by_id.loc["sites-c", "state"] == CONFIRMED
    assert by_id.loc["research-x", "state"] == OVERDUE  # never dated
    counts = layer_counts(states)
    assert list(counts.columns) == ["layer", "state", "count"]
    assert counts["layer"].drop_duplicates().tolist() == ["research", "sites", "events", "mobility", "business"]
    table = counts.set_index(["layer", "state"])["count"]
    assert (table["sites", CONFIRMED], table["sites", DUE], table["sites", OVERDUE]) == (1, 1, 1)
    assert table["events", OVERDUE] == 0
    grants = [Grant("a@goslar.example", "editor", "WF Goslar", kreise=(GOSLAR,)),
              Grant("b@stadt-goslar.example", "editor", "Stadt Goslar", municipalities=("03153017",)),
              Grant("r@region.example", "reviewer", "Metropolregion")]
    due = due_list(states, grants, "de")
    assert due[["organisation", "id"]].values.tolist() == [["", "research-x"], ["Stadt Goslar", "sites-b"],
                                                            ["WF Goslar", "sites-a"]]
    assert due.set_index("id").loc["sites-b", "notice"] == "nicht bestätigt seit 01.01.2026"
    assert due.set_index("id").loc["sites-a", "notice"] == "zu bestätigen bis 10.09.2026"
    assert due.set_index("id").loc["research-x", "notice"] == "nie bestätigt"


def test_who_is_responsible_for_a_record() -> None:
    kreis = Grant("a@x.example", "editor", "WF Goslar", kreise=(GOSLAR,), layers=("sites",))
    town = Grant("b@x.example", "editor", "Stadt Goslar", municipalities=("03153017",), layers=("research",))
    region = Grant("c@x.example", "editor", "Metropolregion")
    assert responsible("sites", GOSLAR, "03153017", "", [kreis, town, region]) == ["WF Goslar"]  # town: not sites
    assert responsible("research", GOSLAR, "03153017", "", [kreis, town, region]) == ["Stadt Goslar"]
    assert responsible("events", HANNOVER, "03241001", "", [kreis, town, region]) == ["Metropolregion"]
    assert responsible("events", HANNOVER, "03241001", "", [kreis, town]) == [NO_ORGANISATION]
    assert responsible("sites", HANNOVER, "03241001", "WF Hannover", [kreis]) == ["WF Hannover"]


@pytest.mark.parametrize(("lang", "overdue", "due"), [
    ("de", "nicht bestätigt seit 05.03.2026", "zu bestätigen bis 05.09.2026"),
    ("en", "not confirmed since 5 Mar 2026", "to be confirmed by 5 Sept 2026"),
    ("fr", "non confirmé depuis le 5 mars 2026", "à confirmer avant le 5 sept. 2026"),
])
def test_notices_in_each_language(lang: str, overdue: str, due: str) -> None:
    assert notice(OVERDUE, D("2026-03-05"), D("2026-09-05"), lang) == overdue
    assert notice(DUE, D("2026-03-05"), D("2026-09-05"), lang) == due
    assert notice(CONFIRMED, D("2026-03-05"), D("2026-09-05"), lang) == ""


# --- history: a year of changes as rows ------------------------------------------------------------------------------

def history_rows(changes: str) -> pd.DataFrame:
    """History rows from lines "day action record field before after" ("-": empty); one change set per (day,
    record)."""
    rows = []
    for seq, line in enumerate(changes.strip().splitlines(), start=1):
        day, action, record_id, field, before, after = (None if v == "-" else v for v in line.split())
        rows.append({"seq": seq, "at": f"{day}T10:00:00+00:00", "actor": "Gina", "action": action,
                     "changeset_id": hash((day, record_id)) % 1000, "layer": record_id.split("-")[0],
                     "record_id": record_id, "field": field, "before_value": before, "after_value": after,
                     "detail": None})
    return pd.DataFrame(rows)


def site(record_id: str, kreis_ags: str, category: str, availability: str, area: str, status: str = "published",
         planning: str = "", confirmed_on: str = "") -> dict:
    return {"layer": "sites", "id": record_id, "name": record_id, "status": status, "organisation": "",
            "confirmed_by": "", "confirmed_on": confirmed_on, "ags": f"{kreis_ags}001", "kreis_ags": kreis_ags,
            "kreis": "", "municipality": "", "category": category, "availability": availability, "area_ha": area,
            "planning_status": planning, "as_of": "2025-11-01", "lon": "10.45", "lat": "51.91"}


YEAR_HISTORY = history_rows("""
2025-12-15 update   sites-old   area_ha      -              20
2025-12-15 update   sites-old   availability on_request     available
2026-02-10 create   sites-new   id           -              sites-new
2026-02-10 create   sites-new   availability -              available
2026-02-10 create   sites-new   area_ha      -              8
2026-02-10 create   sites-new   category     -              logistics
2026-04-01 update   sites-old   availability available      reserved
2026-06-15 update   sites-new   area_ha      8              10
2026-07-01 update   sites-moved ags          03153001       03241001
2026-09-01 update   sites-old   availability reserved       sold
2026-10-01 withdraw sites-gone  source       business_areas partner_record
2026-11-20 confirm  sites-kept  confirmed_on -              2026-11-20
2027-01-10 update   sites-new   availability available      sold
""")


def year_sites() -> pd.DataFrame:
    """The sites as they are now (after YEAR_HISTORY), withdrawn ones included."""
    return pd.DataFrame([
        site("sites-old", GOSLAR, "commercial", "sold", "20"),
        site("sites-new", GOSLAR, "logistics", "sold", "10", planning="in_force"),
        site("sites-moved", HANNOVER, "industry", "available", "5"),
        site("sites-gone", GOSLAR, "industry", "available", "3", status="withdrawn"),
        site("sites-kept", HANNOVER, "office", "limited", "4", status="published", confirmed_on="2026-11-20"),
        site("sites-official", HANNOVER, "office", "on_request", "", status="official", confirmed_on="2026-03-01"),
    ])


@pytest.mark.parametrize(("day", "expected"), [
    ("2025-12-01", {"sites-old": ("on_request", ""), "sites-moved": ("available", "5"),
                    "sites-gone": ("available", "3")}),
    ("2025-12-15", {"sites-old": ("available", "20"), "sites-gone": ("available", "3")}),
    ("2026-05-01", {"sites-old": ("reserved", "20"), "sites-new": ("available", "8"),
                    "sites-gone": ("available", "3")}),
    ("2026-12-31", {"sites-old": ("sold", "20"), "sites-new": ("available", "10")}),
    ("2027-02-01", {"sites-old": ("sold", "20"), "sites-new": ("sold", "10")}),
])
def test_sites_as_of_before_between_and_after_changes(day: str, expected: dict) -> None:
    stock = sites_as_of(year_sites(), YEAR_HISTORY, D(day)).set_index("id")
    for record_id, (availability, area) in expected.items():
        assert (stock.loc[record_id, "availability"], stock.loc[record_id, "area_ha"]) == (availability, area)
    assert ("sites-new" in stock.index) == (day >= "2026-02-10")  # created on 10 Feb 2026
    assert ("sites-gone" in stock.index) == (day < "2026-10-01")  # withdrawn on 1 Oct 2026
    assert stock.loc["sites-moved", "kreis_ags"] == (GOSLAR if day < "2026-07-01" else HANNOVER)
    assert {"sites-kept", "sites-official"} <= set(stock.index)
    assert list(stock.columns[:2]) == ["name", "category"]  # SITE_COLUMNS first (id is the index here)


def test_status_since_and_status_changes() -> None:
    stock = sites_as_of(year_sites(), YEAR_HISTORY, D("2026-06-30")).set_index("id")
    assert stock.loc["sites-old", "status_since"] == "2026-04-01"
    assert stock.loc["sites-official", "status_since"] == ""
    changes = status_changes(YEAR_HISTORY)
    old = changes[changes["record_id"] == "sites-old"]
    assert old[["day", "field", "before", "after"]].values.tolist() == [
        ["2025-12-15", "area_ha", "", "20"], ["2025-12-15", "availability", "on_request", "available"],
        ["2026-04-01", "availability", "available", "reserved"], ["2026-09-01", "availability", "reserved", "sold"]]
    gone = changes[changes["record_id"] == "sites-gone"]
    assert gone[["day", "field", "after"]].values.tolist() == [["2026-10-01", "status", "withdraw"]]


def test_typed_columns_go_back_in_their_type() -> None:
    typed = year_sites().assign(area_ha=lambda f: pd.to_numeric(f["area_ha"]))
    stock = records_as_of(typed, YEAR_HISTORY, D("2025-12-01")).set_index("id")
    assert pd.isna(stock.loc["sites-old", "area_ha"]) and stock.loc["sites-moved", "area_ha"] == 5.0


SETTINGS = MonitoringSettings(area="area_ha", classes={"available": ("available", "limited", "on_request"),
                                                       "reserved": ("reserved",), "sold": ("sold", "fully_let")})


def test_monitoring_figures_add_up_to_hand_computed_totals() -> None:
    figures = monitoring_figures(year_sites(), YEAR_HISTORY, 2026, built_at="2026-01-05T08:00:00+00:00",
                                 settings=SETTINGS)
    kreise = figures.kreise.set_index("kreis_ags")
    # Goslar: start old 20 (commercial) + gone 3 + moved 5 (in Goslar until July) = 28; new 8 added, resized +2;
    # old reserved (20 out), moved out (5), gone withdrawn (3); end: new 10.
    goslar = kreise.loc[GOSLAR]
    assert goslar["kreis"] == "Goslar"
    assert (goslar["available_start_ha"], goslar["added_ha"], goslar["removed_ha"], goslar["resized_ha"],
            goslar["available_end_ha"], goslar["reserved_ha"], goslar["sold_ha"]) == (28, 8, 28, 2, 10, 20, 20)
    # Hannover: start kept 4 + official 0; moved in with 5; end 9.
    hannover = kreise.loc[HANNOVER]
    assert (hannover["available_start_ha"], hannover["added_ha"], hannover["removed_ha"],
            hannover["available_end_ha"]) == (4, 5, 0, 9)
    region = kreise.loc[REGION]
    assert (region["available_start_ha"], region["available_end_ha"], region["reserved_ha"]) == (32, 19, 20)
    assert len(kreise) == len(config.region().kreise) + 1 and kreise.loc["03101", "available_end_ha"] == 0
    areas = figures.areas
    balance = (areas["available_start_ha"] + areas["added_ha"] - areas["removed_ha"] + areas["resized_ha"]
               - areas["available_end_ha"]).abs()
    assert balance.max() < 1e-9  # every group adds up
    regional = areas[areas["kreis_ags"] == REGION].set_index(["category", "planning_status"])
    assert regional.loc[("logistics", "in_force"), "available_end_ha"] == 10
    assert regional.loc[("commercial", "not_stated"), "sold_ha"] == 20
    sums = areas[areas["kreis_ags"] != REGION][list(FLOWS)].sum()
    assert (sums - areas[areas["kreis_ags"] == REGION][list(FLOWS)].sum()).abs().max() < 1e-9
    # Confirmed in 2026, of the sites shown at its end (old, new, moved, kept, official): old, new, moved (edited),
    # kept (confirmed), official (its official confirmed_on) = 5 of 5; Goslar 2 of 2.
    confirmed = figures.confirmed.set_index(["layer", "kreis_ags"])
    assert confirmed.loc[("sites", REGION), ["records", "confirmed"]].tolist() == [5, 5]
    assert confirmed.loc[("sites", GOSLAR), "share"] == 1.0
    assert pd.isna(confirmed.loc[("sites", "03101"), "share"])
    assert figures.data_date == D("2026-11-20")  # the last change of the year, after the build
    assert set(figures.sites["id"]) == {"sites-old", "sites-new", "sites-moved", "sites-kept", "sites-official"}


def test_a_year_before_the_changes_and_a_missing_planning_status() -> None:
    sites = year_sites().drop(columns=["planning_status"])
    figures = monitoring_figures(sites, YEAR_HISTORY, 2025, settings=SETTINGS)
    region = figures.kreise.set_index("kreis_ags").loc[REGION]
    # 2025: start: moved 5, gone 3, kept 4 (old: on request, so available, without an area; new not yet);
    # 15 Dec: old, still available, gets 20 ha: resized, not added.
    assert (region["available_start_ha"], region["added_ha"], region["resized_ha"],
            region["available_end_ha"]) == (12, 0, 20, 32)
    assert set(figures.areas["planning_status"]) == {"not_stated"}
    assert figures.data_date == D("2025-12-15")


def test_the_monitoring_classes_name_known_availability_codes(tmp_path: Path) -> None:
    path = _data_copy(tmp_path, "monitoring.toml", 'reserved = ["reserved"]', 'reserved = ["booked"]')
    with pytest.raises(ConfigError, match="reserved: booked not among the availability codes"):
        load_monitoring_settings(path)
    path = _data_copy(tmp_path, "monitoring.toml", 'reserved = ["reserved"]', 'reserved = ["available"]')
    with pytest.raises(ConfigError, match="more than one class"):
        load_monitoring_settings(path)


@pytest.mark.parametrize(("lang", "title", "kreise", "number", "planning"), [
    ("de", "Gewerbeflächenmonitoring 2026", "Kreise", "28,0", "B-Plan rechtskräftig"),
    ("en", "Business site monitoring 2026", "Districts", "28.0", "Land-use plan in force"),
    ("fr", "Suivi des zones d'activités 2026", "Arrondissements", "28,0", "Plan d'urbanisme en vigueur"),
])
def test_the_report_in_each_language(built_store, lang: str, title: str, kreise: str, number: str,
                                     planning: str) -> None:
    import io

    import pypdfium2 as pdfium
    from pypdf import PdfReader

    from regionmap.data.store import store_at
    from regionmap.freshness.report import ReportContext, render_pdf, render_xlsx

    figures = monitoring_figures(year_sites(), YEAR_HISTORY, 2026, settings=SETTINGS)
    context = ReportContext(kreise=store_at(built_store).read_layer("kreise"), generated=D("2027-01-15"))
    pdf = render_pdf(figures, context, lang)
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert title in text and "Goslar" in text and number in text  # Goslar's start: 28 ha
    assert planning in text  # the new logistics site's planning status, labelled from the registry
    assert sum(len(page.images) for page in reader.pages) == 3 and reader.metadata.title.startswith(title)
    assert len(pdfium.PdfDocument(pdf)) == len(reader.pages)
    sheets = pd.read_excel(io.BytesIO(render_xlsx(figures, context, lang)), sheet_name=None)
    assert kreise in sheets and len(sheets[kreise]) == len(config.region().kreise) + 1
    assert sheets[kreise].iloc[:, 2].tolist()[:2] == [0, 0]  # Braunschweig, Salzgitter: no area


def test_a_records_notice_follows_its_layers_maximum_age() -> None:
    import datetime as dt

    from regionmap.freshness.states import record_notice
    from regionmap.i18n import t

    day = dt.date(2026, 12, 2)
    fresh = {"layer": "sites", "confirmed_on": "2026-10-01", "as_of": "2026-01-01"}
    assert record_notice(fresh, day) == ""
    stale = {"layer": "sites", "confirmed_on": "", "as_of": "2026-05-01"}  # six months for sites
    assert record_notice(stale, day, "en") == t("freshness.overdue_since", "en", date="1 May 2026")
    due = {"layer": "sites", "as_of": "2026-06-20"}
    assert record_notice(due, day, "de").startswith("zu bestätigen bis")
    assert record_notice({"layer": "health", "as_of": "2001-01-01"}, day) == ""  # not an edited layer


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_the_tables_freshness_column(lang: str) -> None:
    from regionmap.dashboard.details import table_frame
    from regionmap.freshness.states import freshness_cells
    from regionmap.i18n import format_date, t

    day = dt.date(2026, 12, 2)
    records = pd.DataFrame({"name": ["Fresh", "Stale", "Due", "Never"],
                            "confirmed_on": ["2026-10-01", None, "", None],
                            "as_of": ["2026-01-01", "2026-05-01", "2026-06-20", None]})
    cells = freshness_cells(records, "sites", day, lang)
    assert cells == [t("freshness.state.confirmed", lang),
                     t("freshness.overdue_since", lang, date=format_date("2026-05-01", lang)),
                     t("freshness.due_until", lang, date=format_date("2026-12-20", lang)),
                     t("freshness.never_confirmed", lang)]
    assert freshness_cells(records, "health", day, lang) is None  # a layer partners do not maintain
    tax = load_taxonomy()
    shown = table_frame(records.assign(category="industrial"), "sites", tax, lang)
    assert shown.columns[-1] == t("column.freshness", lang) and len(shown[shown.columns[-1]]) == 4
    assert t("column.freshness", lang) not in table_frame(records.assign(category="hospital"), "health", tax, lang)

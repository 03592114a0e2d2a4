"""The investor fields of sites: their validation (types and cross-field rules), formatting in de/en/fr, the
indicative rule, the comparison rows and the finder filters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from curated_helpers import point_row, write_csv
from sites_fixture import INVESTOR_FIELDS, sample_sites
from regionmap.config import region
from regionmap.dashboard.details import (
    CONTACT_FIELDS, PLANNING_FIELDS, confirmation_text, display_value, fact_fields, is_indicative, price_text,
    record_fields,
)
from regionmap.data.curated import Reference, check_tables, email_problem, flag, phone_problem, read_curated, table_frame
from regionmap.data.exports import to_csv_bytes
from regionmap.errors import ConfigError
from regionmap.i18n import t
from regionmap.spatial import points_from_lonlat
from regionmap.investor.factors import location_factors
from regionmap.investor.finder import SiteQuery, find_sites
from regionmap.investor.sheet import comparison_frame, facts_frame, result_frame
from regionmap.taxonomy import load_layers, taxonomy

TODAY = dt.date(2026, 12, 2)
NBSP, NNBSP = "\u00a0", "\u202f"
# The same fields as a curated CSV gives them.
CSV_FIELDS = {key: str(value) if not isinstance(value, float) else f"{value:g}" for key, value in INVESTOR_FIELDS.items()}


def problems(tmp_path: Path, file: str = "sites.csv", **values: str) -> list[tuple[int | None, str, str]]:
    """(row, field, message) of every problem of a one-record file of the sites layer (or `file`'s layer)."""
    layer = file.removesuffix(".csv")
    category = taxonomy().layer(layer).category_ids[0]
    table = read_curated(write_csv(tmp_path / file, [point_row(layer, f"{layer}-a", category, **values)]))
    reference = Reference(taxonomy=taxonomy(), kreis_ags=frozenset(region().kreis_ags), today=TODAY)
    return [(p.row, p.field, p.message) for p in check_tables([table], reference)]


def only_problem(tmp_path: Path, field: str, **values: str) -> str:
    found = problems(tmp_path, **values)
    assert [(row, name) for row, name, _ in found] == [(2, field)], found
    return found[0][2]


# --- validation ---------------------------------------------------------------------------------------------------

def test_a_site_with_every_field_passes_and_reads_typed(tmp_path: Path) -> None:
    assert problems(tmp_path, **CSV_FIELDS) == []
    table = read_curated(tmp_path / "sites.csv")
    frame = table_frame(table, taxonomy().sector_ids)
    row = frame.iloc[0]
    assert (row["net_area_ha"], row["price_min_eur_m2"], row["broadband_mbps"]) == (38.0, 45.0, 1000.0)
    assert (row["serviced"], row["price_on_request"], row["indicative"]) == ("true", "false", True)
    assert (row["available_from"], row["land_use"], row["confirmed_on"]) == ("2027-06-01", "GI", "2026-11-20")


def test_the_project_records_leave_the_fields_empty(tmp_path: Path) -> None:
    assert problems(tmp_path) == []
    frame = table_frame(read_curated(tmp_path / "sites.csv"), taxonomy().sector_ids)
    assert frame["serviced"].iloc[0] is None and pd.isna(frame["net_area_ha"].iloc[0])
    assert frame["confirmed_by"].iloc[0] is None


@pytest.mark.parametrize("field, value, fragment", [
    ("net_area_ha", "12,5", "use a decimal point"),
    ("price_min_eur_m2", "-3", "must not be negative"),
    ("broadband_mbps", "schnell", "is not a number"),
    ("planning_status", "rechtskräftig", "is not one of: in_force, in_preparation, none"),
    ("land_use", "gi", "is not one of: GI, GE, MI, SO"),
    ("owner", "kommunal", "is not one of: public, private"),
    ("serviced", "ja", "is not true or false"),
    ("rail_siding", "1", "is not true or false"),
    ("available_from", "2027-06", "is not an ISO date (YYYY-MM-DD)"),
    ("available_from", "2027-02-30", "is not a valid date"),
    ("confirmed_on", "2027-01-01", "lies in the future"),
    ("confirmed_on", "2026-11", "is not an ISO date (YYYY-MM-DD)"),
    ("contact_email", "info@", "is not an e-mail address"),
    ("contact_email", "a b@example.org", "is not an e-mail address"),
    ("contact_email", "<script>@example.org", "is not an e-mail address"),
    ("contact_email", '=HYPERLINK("http://x.example","x")', "is not an e-mail address"),
    ("contact_phone", "12345", "has 5 digits: a phone number has 6 to 20"),
    ("contact_phone", "0511 1234-5 ext. 9", "is not a phone number"),
    ("contact_phone", "=HYPERLINK(1)", "is not a phone number"),
    ("contact_person", "<script>alert(1)</script>", "holds an HTML tag"),
    ("contact_org", "Wifo <b>Lehrte</b>", "holds an HTML tag"),
    ("confirmed_by", "<img src=x onerror=alert(1)>", "holds an HTML tag"),
])
def test_bad_values_name_row_and_field(tmp_path: Path, field: str, value: str, fragment: str) -> None:
    message = only_problem(tmp_path, field, **{field: value})
    assert fragment in message and (value in message or field in ("contact_person", "contact_org", "confirmed_by"))


def test_messages_name_file_row_and_field(tmp_path: Path) -> None:
    table = read_curated(write_csv(tmp_path / "sites.csv", [point_row("sites", "sites-a", "industry",
                                                                      contact_email="info@")]))
    reference = Reference(taxonomy=taxonomy(), kreis_ags=frozenset(region().kreis_ags), today=TODAY)
    (problem,) = check_tables([table], reference)
    assert problem.format() == (f"{tmp_path / 'sites.csv'}:2: id=sites-a field=contact_email: 'info@' is not an "
                                "e-mail address (name@example.org)")


def test_a_future_availability_is_fine(tmp_path: Path) -> None:
    assert problems(tmp_path, available_from="2031-01-15") == []


@pytest.mark.parametrize("values, field, fragment", [
    ({"area_ha": "10", "net_area_ha": "12.5"}, "net_area_ha", "'12.5' is larger than area_ha '10'"),
    ({"price_min_eur_m2": "70", "price_max_eur_m2": "60"}, "price_min_eur_m2", "larger than price_max_eur_m2 '60'"),
    ({"price_max_eur_m2": "60"}, "price_max_eur_m2", "given without price_min_eur_m2"),
    ({"price_min_eur_m2": "45", "price_on_request": "true"}, "price_min_eur_m2",
     "given although price_on_request is true"),
])
def test_cross_field_rules(tmp_path: Path, values: dict[str, str], field: str, fragment: str) -> None:
    assert fragment in only_problem(tmp_path, field, **values)


@pytest.mark.parametrize("values", [
    {"area_ha": "10", "net_area_ha": "10"},
    {"area_ha": "", "size_class": "M", "net_area_ha": "8"},  # no gross area: nothing to compare
    {"price_min_eur_m2": "45"},  # a single price
    {"price_min_eur_m2": "45", "price_max_eur_m2": "45"},
    {"price_on_request": "true"},
    {"price_on_request": "false", "price_min_eur_m2": "45", "price_max_eur_m2": "60"},
])
def test_cross_field_rules_allow(tmp_path: Path, values: dict[str, str]) -> None:
    assert problems(tmp_path, **values) == []


def test_a_bad_number_is_reported_once(tmp_path: Path) -> None:
    assert [f for _, f, _ in problems(tmp_path, area_ha="zehn", net_area_ha="5")] == ["area_ha"]


def test_hostile_text_is_stored_and_shown_as_text(tmp_path: Path) -> None:
    formula = '=HYPERLINK("http://evil.example","Klick")'
    assert problems(tmp_path, contact_org=formula, contact_person="@SUM(A1)") == []
    frame = table_frame(read_curated(tmp_path / "sites.csv"), taxonomy().sector_ids)
    assert frame["contact_org"].iloc[0] == formula
    site = frame.iloc[0]
    shown = {f.key: f.value for f in record_fields(site, "sites", taxonomy(), "de")}
    assert shown["contact_org"] == formula and shown["contact_person"] == "@SUM(A1)"
    layer = points_from_lonlat(frame)
    csv_text = to_csv_bytes(layer).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "'@SUM(A1)" in csv_text  # a spreadsheet shows them as text


def test_confirmation_columns_are_optional_in_every_file(tmp_path: Path) -> None:
    assert problems(tmp_path, "research.csv") == []  # left out of the header
    assert problems(tmp_path, "events.csv", confirmed_by="Hannover Marketing", confirmed_on="2026-10-01") == []
    row, field, message = problems(tmp_path, "events.csv", confirmed_on="01.10.2026")[0]
    assert (row, field) == (2, "confirmed_on") and "not an ISO date" in message


@pytest.mark.parametrize("value", ["info@example.org", "a.b-c+tag@sub.example.co.uk", "X_Y@EXAMPLE.DE"])
def test_email_accepts(value: str) -> None:
    assert email_problem(value) is None


@pytest.mark.parametrize("value", ["info@example", "a..b@example.org", "a@b@example.org", "info@example.org\n",
                                   "'x'@example.org", "info@-x.org", "a" * 250 + "@example.org"])
def test_email_refuses(value: str) -> None:
    assert email_problem(value)


@pytest.mark.parametrize("value", ["+49 511 123456", "0511/1234-0", "(0511) 12 34 56", "+49 (5132) 505-0", "0511 12"])
def test_phone_accepts(value: str) -> None:
    assert phone_problem(value) is None


@pytest.mark.parametrize("value", ["0511 12345 +1", "0511-CALL-NOW", "12 34", "1" * 21, "+", "0511\t123456"])
def test_phone_refuses(value: str) -> None:
    assert phone_problem(value)


def _registry(tmp_path: Path, columns: str, rules: str = "") -> Path:
    path = tmp_path / "layers.toml"
    path.write_text(f'''[[layers]]
id = "sites"
colour = "#ad5a00"
label = {{ de = "S", en = "S", fr = "S" }}
categories = [{{ id = "industry", colour = "#b35900", label = {{ de = "I", en = "I", fr = "I" }} }}]
[layers.curated]
columns = [{columns}]
{rules}
''', encoding="utf-8")
    return path


@pytest.mark.parametrize("columns, rules, fragment", [
    ('{ name = "x", type = "date", choices = ["a"] }', "", "'choices' go with type 'choice'"),
    ('{ name = "x", type = "text", unit = "ha" }', "", "'unit' names a [unit] text of a float column"),
    ('{ name = "x", type = "choice", choices = [{ id = "a", label = { de = "A" } }] }', "", "label missing for en, fr"),
    ('{ name = "x", type = "mail" }', "", "type 'mail' is not one of"),
    ('{ name = "x", type = "float", colour = "#fff" }', "", "unknown key(s) colour"),
    ('{ name = "x", type = "float" }, { name = "y", type = "text" }', 'at_most = { x = "y" }',
     "at_most.x = 'y' needs two float columns"),
    ('{ name = "x", type = "text" }, { name = "y", type = "text" }', 'excluded_if_true = { x = "y" }',
     "excluded_if_true.x = 'y' needs a column and a bool column"),
    ('{ name = "x", type = "text" }', 'requires = { x = "z" }', "requires.x = 'z' needs two columns"),
])
def test_registry_refuses_bad_declarations(tmp_path: Path, columns: str, rules: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_layers(_registry(tmp_path, columns, rules))
    assert fragment in str(raised.value) and "layers.toml" in str(raised.value)


# --- formatting ---------------------------------------------------------------------------------------------------

def full_site() -> pd.Series:
    sites = sample_sites()
    for column, value in INVESTOR_FIELDS.items():
        sites[column] = [value] + [None] * (len(sites) - 1)
    return sites.iloc[0]


@pytest.mark.parametrize("lang, expected", [
    ("de", {"price": f"45–60{NBSP}€/m²", "net_area_ha": f"38,0{NBSP}ha", "broadband_mbps": f"1.000{NBSP}Mbit/s",
            "available_from": "01.06.2027", "planning_status": "B-Plan rechtskräftig",
            "land_use": "Industriegebiet (GI)", "serviced": "ja", "owner": "öffentlich",
            "confirmed": "bestätigt von Region Hannover am 20.11.2026"}),
    ("en", {"price": f"45–60{NBSP}€/m²", "net_area_ha": f"38.0{NBSP}ha", "broadband_mbps": f"1,000{NBSP}Mbit/s",
            "available_from": "1 Jun 2027", "planning_status": "Land-use plan in force",
            "land_use": "Industrial zone (GI)", "serviced": "yes", "owner": "public",
            "confirmed": "confirmed by Region Hannover on 20 Nov 2026"}),
    ("fr", {"price": f"45–60{NBSP}€/m²", "net_area_ha": f"38,0{NBSP}ha",
            "broadband_mbps": f"1{NNBSP}000{NBSP}Mbit/s", "available_from": "1 juin 2027",
            "planning_status": "Plan d'urbanisme en vigueur", "land_use": "Zone industrielle (GI)", "serviced": "oui",
            "owner": "public", "confirmed": "confirmé par Region Hannover le 20 nov. 2026"}),
])
def test_card_fields_in_three_languages(lang: str, expected: dict[str, str]) -> None:
    shown = {f.key: f.value for f in record_fields(full_site(), "sites", taxonomy(), lang)}
    assert {key: shown[key] for key in expected} == expected
    assert shown["contact_email"] == "standorte@example.org" and shown["contact_phone"] == "+49 (5132) 505-0"


@pytest.mark.parametrize("values, lang, expected", [
    ({"price_min_eur_m2": 45.5}, "de", f"45,5{NBSP}€/m²"),
    ({"price_min_eur_m2": 45.5}, "en", f"45.5{NBSP}€/m²"),
    ({"price_min_eur_m2": 1250.0, "price_max_eur_m2": 1250.0}, "fr", f"1{NNBSP}250{NBSP}€/m²"),
    ({"price_min_eur_m2": 39.9, "price_max_eur_m2": 60.25}, "de", f"39,9–60,25{NBSP}€/m²"),
    ({"price_on_request": "true"}, "de", "auf Anfrage"),
    ({"price_on_request": True}, "en", "on request"),
    ({"price_on_request": "true"}, "fr", "sur demande"),
    ({"price_on_request": "false"}, "de", ""),
    ({}, "de", ""),
])
def test_price_text(values: dict[str, object], lang: str, expected: str) -> None:
    assert price_text(pd.Series(values, dtype=object), lang) == expected


def test_not_stated_facts() -> None:
    site = sample_sites().iloc[1]
    fields = {f.key: f.value for f in fact_fields(site, "sites", taxonomy(), "de", PLANNING_FIELDS)}
    assert fields["area_ha"] == "keine Angabe" and fields["price"] == "keine Angabe"
    assert [f.value for f in fact_fields(site, "sites", taxonomy(), "fr", CONTACT_FIELDS)] == ["non précisé"] * 4
    # no partner confirmed it and it carries no date: the card says so (regionmap.freshness)
    shown = {f.key: f.value for f in record_fields(site, "sites", taxonomy(), "de")}
    assert shown["confirmed"] == t("freshness.never_confirmed", "de")
    frame = facts_frame(full_site(), CONTACT_FIELDS, taxonomy(), "en")
    assert frame.iloc[:, 1].tolist() == ["Wirtschaftsförderung Lehrte", "Erika Mustermann", "standorte@example.org",
                                         "+49 (5132) 505-0"]


def test_confirmation_on_every_layer() -> None:
    record = pd.Series({"name": "TU", "category": "university", "confirmed_by": "TU Braunschweig",
                        "confirmed_on": "2026-10-01"})
    shown = {f.key: f.value for f in record_fields(record, "research", taxonomy(), "en")}
    assert shown["confirmed"] == "confirmed by TU Braunschweig on 1 Oct 2026"
    assert confirmation_text(pd.Series({"confirmed_on": "2026-10-01"}), "de") == "bestätigt am 01.10.2026"
    assert confirmation_text(pd.Series({"confirmed_by": "TU Braunschweig"}), "de") == ""


def test_flag_reads_both_stored_forms() -> None:
    assert [flag(v) for v in (True, False, "true", "FALSE", None, float("nan"), "", "ja", 1.0)] == [
        True, False, True, False, None, None, None, None, True]
    assert display_value("serviced", "false", "sites", taxonomy(), "fr") == "non"
    assert display_value("serviced", None, "sites", taxonomy(), "fr") == ""


# --- the indicative rule ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("values, expected", [
    ({"indicative": True}, True),
    ({"indicative": "true"}, True),
    ({"indicative": False}, False),
    ({}, False),
    ({"indicative": True, "confirmed_on": "2026-11-20"}, False),
    ({"indicative": True, "confirmed_by": "Region Hannover"}, True),  # a confirmation has its day
    ({"indicative": True, "confirmed_on": None}, True),
])
def test_a_confirmed_record_is_not_indicative(values: dict[str, object], expected: bool) -> None:
    assert is_indicative(pd.Series(values, dtype=object)) is expected


def test_result_list_and_comparison_use_the_rule() -> None:
    sites = sample_sites()
    sites["confirmed_on"] = ["2026-11-20", None, None, None, None, None]
    frame = result_frame(sites, location_factors(), taxonomy(), "de")
    assert frame["Richtwert"].tolist() == [False, False, True, True, False, True]


# --- comparison ---------------------------------------------------------------------------------------------------

def test_comparison_rows_show_the_fields() -> None:
    sites = sample_sites()
    for column, value in INVESTOR_FIELDS.items():
        sites[column] = [value, None, None, None, None, None]
    sites.loc[1, "price_on_request"] = "true"
    frame = comparison_frame(sites, ["sites-a", "sites-b"], location_factors(), "de", taxonomy())
    rows = frame.set_index("Kriterium")
    assert rows.loc["Bruttofläche"].tolist() == [f"42,5{NBSP}ha", "k. A."]  # one known value: nothing marked
    assert rows.loc["Preis"].tolist() == [f"45–60{NBSP}€/m²", "auf Anfrage"]
    assert rows.loc["Planungsstand"].tolist() == ["B-Plan rechtskräftig", "—"]
    assert rows.loc["Gebietsart"].tolist() == ["Industriegebiet (GI)", "—"]
    assert rows.loc["Nettofläche (ha)"].tolist() == [f"38,0{NBSP}ha", "—"]
    assert rows.loc["Breitband"].tolist() == [f"1.000{NBSP}Mbit/s", "—"]
    assert rows.loc["Gleisanschluss"].tolist() == ["ja", "—"]
    assert rows.loc["Verfügbar ab"].tolist() == ["01.06.2027", "—"]
    assert rows.loc["Richtwert"].tolist() == ["nein", "nein"]  # sites-a confirmed, sites-b never indicative
    assert not any(text.startswith("✓") for text in rows.loc["Preis":].to_numpy().ravel())
    en = comparison_frame(sites, ["sites-a", "sites-b"], location_factors(), "en").set_index("Criterion")
    assert en.loc["Price"].tolist() == [f"45–60{NBSP}€/m²", "on request"]


# --- the finder ---------------------------------------------------------------------------------------------------

def finder_sites() -> pd.DataFrame:
    sites = sample_sites()
    sites["planning_status"] = ["in_force", "in_preparation", None, "in_force", "none", None]
    sites["land_use"] = ["GI", "GE", "GI", None, "SO", "GE"]
    sites["serviced"] = ["true", "false", None, "true", "true", None]
    sites["rail_siding"] = ["true", None, "true", "false", None, None]
    return sites


@pytest.mark.parametrize("query, expected", [
    (SiteQuery(planning_status=frozenset({"in_force"})), ["sites-a", "sites-d"]),
    (SiteQuery(planning_status=frozenset({"in_force", "none"})), ["sites-a", "sites-d", "sites-e"]),
    (SiteQuery(land_use=frozenset({"GE"})), ["sites-b", "sites-f"]),
    (SiteQuery(serviced=True), ["sites-a", "sites-d", "sites-e"]),  # not stated is not serviced
    (SiteQuery(rail_siding=True), ["sites-a", "sites-c"]),
    (SiteQuery(serviced=True, rail_siding=True, land_use=frozenset({"GI"})), ["sites-a"]),
    (SiteQuery(land_use=frozenset({"MI"})), []),
    (SiteQuery(), ["sites-a", "sites-b", "sites-c", "sites-d", "sites-e", "sites-f"]),
])
def test_finder_filters(query: SiteQuery, expected: list[str]) -> None:
    assert find_sites(finder_sites(), query).id.tolist() == expected


def test_finder_without_the_columns_matches_nothing_asked() -> None:
    sites = sample_sites()  # a store built before the columns: no site states them
    assert find_sites(sites, SiteQuery(serviced=True)).empty
    assert find_sites(sites, SiteQuery(land_use=frozenset({"GI"}))).empty
    assert len(find_sites(sites, SiteQuery())) == len(sites)


def test_site_query_refuses_a_single_string() -> None:
    with pytest.raises(TypeError):
        SiteQuery(land_use="GI")  # type: ignore[arg-type]

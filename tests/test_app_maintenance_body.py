"""AppTest of the maintenance page's body (`render_body` with a signed-in identity) against a real store built from
the sources: an editor sees and edits only its Kreis's records and submits them, a reviewer approves, and the store's
layer then shows the new values; file import preview; conflicts; review of one's own change set; admin; no role.
The sign-in itself is the sign-in page's; here the identity is given."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from editing_support import age_records, clean_copy
from store_backends import BACKENDS

from regionmap.auth.identity import Identity
from regionmap.data.store import load_store, store_at
from regionmap.editing import changesets as cs
from regionmap.editing.repository import Edits
from regionmap.editing.roles import PermissionDenied
from regionmap.i18n import format_number, t, tn
from regionmap.ui.text import plain

LANGS = ("de", "en", "fr")
EDITOR, OTHER_EDITOR, REVIEWER, ADMIN = "ed@goslar.de", "team@harz.de", "rev@region.de", "admin@region.de"
GOSLAR, HANNOVER = "03153", "03241"
SITE = "sites-goslar-oker"
HANNOVER_SITE = "sites-hannover-expo-park"
RESEARCH = "research-tu-clausthal"


def _script(email: str, lang: str) -> None:
    from regionmap.auth.identity import Identity
    from regionmap.ui.maintenance_body import render_body

    render_body(Identity(email=email, subject=f"sub-{email}"), lang)


def _grant_roles(edits: Edits) -> None:
    edits.ensure()
    edits.set_grant(None, EDITOR, "editor", "WiReGo Goslar", kreise=[GOSLAR])
    edits.set_grant(None, OTHER_EDITOR, "editor", "Harz AG", kreise=[GOSLAR])
    edits.set_grant(None, REVIEWER, "reviewer", "Metropolregion")
    edits.set_grant(None, ADMIN, "admin", "Metropolregion")


def _drop_edits(url: str) -> None:
    import psycopg

    from regionmap.data.postgis import EDIT_SCHEMA

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{EDIT_SCHEMA}" CASCADE')


def _copy(built_store: Path, target: Path) -> str:
    return clean_copy(built_store, target)


@pytest.fixture(params=BACKENDS)
def edit_store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A writable store with the roles of these tests, on each backend (the PostGIS editing schema is dropped
    afterwards, so the session's database stays as built)."""
    if request.param == "gpkg":
        location = _copy(request.getfixturevalue("built_store"), tmp_path / "store")
    else:
        location = request.getfixturevalue("built_postgis")
        _drop_edits(location)
    monkeypatch.setenv("REGIONMAP_STORE", location)
    _grant_roles(store_at(location).edits())
    yield location
    if request.param != "gpkg":
        _drop_edits(location)


@pytest.fixture
def gpkg_store(built_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A writable copy of the session's GeoPackage with the roles of these tests."""
    location = _copy(built_store, tmp_path / "store")
    monkeypatch.setenv("REGIONMAP_STORE", location)
    _grant_roles(store_at(location).edits())
    return location


def page(email: str, lang: str = "de") -> AppTest:
    at = AppTest.from_function(_script, args=(email, lang), default_timeout=60)
    return run(at)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def layer(at: AppTest, layer_id: str) -> AppTest:
    at.selectbox(key="mt_layer").select(layer_id)
    return run(at)


def open_record(at: AppTest, layer_id: str, record_id: str) -> AppTest:
    at.selectbox(key=f"mt_record_{layer_id}").select(record_id)
    return run(at)


def field(at: AppTest, name: str):
    return next(w for w in at.text_input if w.key.startswith("mt_f") and w.key.endswith(f"_{name}"))


def click(at: AppTest, prefix: str) -> AppTest:
    at.button(key=next(b.key for b in at.button if b.key.startswith(prefix))).click()
    return run(at)


def layer_ids(location: str, layer_id: str, kreis: str) -> list[str]:
    frame = load_store(store_at(location)).layers[layer_id]
    return sorted(frame.loc[frame["kreis_ags"] == kreis, "id"])


@pytest.mark.parametrize("lang", LANGS)
def test_an_editor_sees_its_role_and_only_its_kreis_records(gpkg_store: str, lang: str) -> None:
    at = layer(page(EDITOR, lang), "sites")
    assert texts(at.markdown)[0] == plain(t("maintenance.who", lang, role=t("maintenance.role.editor", lang),
                                            organisation="WiReGo Goslar", area="Goslar"))
    assert [tab.label for tab in at.tabs] == [t(f"maintenance.tab.{n}", lang) for n in ("records", "due",
                                                                                         "changesets", "import",
                                                                                         "leads")]
    table = at.dataframe[0].value
    goslar = layer_ids(gpkg_store, "sites", GOSLAR)
    assert sorted(table.iloc[:, 0]) == goslar
    assert set(table.iloc[:, 3]) == {t("maintenance.record_status.official", lang)}
    assert sorted(at.selectbox(key="mt_record_sites").options) == sorted(
        f"{name} ({i})" for i, name in zip(table.iloc[:, 0], table.iloc[:, 1]))


@pytest.mark.parametrize(("editor_lang", "typed", "reviewer_lang"), [("de", "0,5", "en"), ("en", "0.5", "fr"),
                                                                     ("fr", "0,5", "de")])
def test_edit_submit_approve_and_the_layer_shows_it(edit_store: str, editor_lang: str, typed: str,
                                                    reviewer_lang: str) -> None:
    at = open_record(layer(page(EDITOR, editor_lang), "sites"), "sites", SITE)
    field(at, "area_ha").input(typed)
    at = click(run(at), "mt_save")
    assert any(plain(t("maintenance.form.saved", editor_lang, name="Industriegebiet Oker-Harlingerode",
                       changeset=1)) == s for s in texts(at.success))
    assert not any(w.key.startswith("mt_f") for w in at.text_input)  # the form closed
    at = click(at, "mt_submit")
    assert plain(t("maintenance.changesets.submitted", editor_lang, id=1)) in texts(at.success)
    assert load_store(store_at(edit_store)).layers["sites"].set_index("id").loc[SITE, "area_ha"] != 0.5

    review = page(REVIEWER, reviewer_lang)
    assert [b.key for b in review.button if b.key.startswith("mt_approve")] == ["mt_approve1"]
    review = click(review, "mt_approve1")
    assert plain(t("maintenance.review.approved", reviewer_lang, id=1)) in texts(review.success)

    sites = load_store(store_at(edit_store)).layers["sites"].set_index("id")
    assert sites.loc[SITE, "area_ha"] == 0.5
    edits = store_at(edit_store).edits()
    assert edits.change_set(1).status == cs.PUBLISHED and edits.change_set(1).reviewed_by == REVIEWER
    assert layer(page(EDITOR, editor_lang), "sites").dataframe[0].value.set_index(
        t("maintenance.records.id", editor_lang)).loc[SITE].iloc[2] == t("maintenance.record_status.published",
                                                                         editor_lang)


def test_a_goslar_editor_cannot_reach_a_hannover_record_by_any_widget(edit_store: str) -> None:
    at = layer(page(EDITOR), "sites")
    assert not [o for o in at.selectbox(key="mt_record_sites").options if HANNOVER_SITE in o]
    assert HANNOVER_SITE not in set(at.dataframe[0].value.iloc[:, 0])
    # a forged session state opening the Hannover record shows the refusal, never its form
    at.session_state["mt_open"] = {"layer": "sites", "record_id": HANNOVER_SITE, "revision": 0, "token": 99}
    at = run(at)
    assert plain(t("maintenance.refused.area", "de")) in texts(at.error)
    assert not any(w.key.startswith("mt_f99") for w in at.text_input)
    # a file that names the Hannover record at its own place is refused row by row
    hannover = next(r for r in store_at(edit_store).edits().current_records("sites").values()
                    if r.id == HANNOVER_SITE).values
    csv = (f"id;name;category;sectors;lon;lat;availability;indicative\n{HANNOVER_SITE};Expo;{hannover['category']};"
           f"{hannover['sectors']};{hannover['lon']};{hannover['lat']};available;false\n").encode()
    at.file_uploader(key="mt_import_file_sites").upload("liste.csv", csv, "text/csv")
    at = run(at)
    problems = at.dataframe[-1].value
    assert list(problems.iloc[:, 0]) == [2] and "außerhalb Ihres Gebiets" in problems.iloc[0, 2]
    assert next(b for b in at.button if b.key.startswith("mt_import_add")).disabled
    # and the library refuses the write itself, logging the refusal
    edits = store_at(edit_store).edits()
    draft = edits.open_change_set(Identity(EDITOR, "s"), "sites")
    with pytest.raises(PermissionDenied):
        edits.put_change(Identity(EDITOR, "s"), draft, dict(hannover, name="Mine"), record_id=HANNOVER_SITE)
    assert "refused" in set(edits.history(Identity(ADMIN, "s"), person=EDITOR)["action"])
    assert not edits.change_set(draft).changes


def test_a_number_in_the_wrong_notation_is_named_beside_its_field(gpkg_store: str) -> None:
    at = open_record(layer(page(EDITOR, "de"), "sites"), "sites", SITE)
    field(at, "area_ha").input("0.5")
    at = click(run(at), "mt_save")
    assert plain(t("maintenance.form.not_a_number", "de", value="0.5", example=format_number(0.5, "de", 1))) in \
        texts(at.error)
    assert field(at, "area_ha").value == "0.5"  # kept for the person to correct
    assert not store_at(gpkg_store).edits().change_sets(Identity(EDITOR, "s"))  # nothing was stored


@pytest.mark.parametrize(("lang", "lon", "lat"), [("en", "10.45", "51.912"), ("de", "10,45", "51,912"),
                                                   ("fr", "10,45", "51,912")])
def test_validation_errors_from_the_library_stand_beside_their_fields(gpkg_store: str, lang: str, lon: str,
                                                                      lat: str) -> None:
    at = click(layer(page(EDITOR, lang), "sites"), "mt_new_sites")
    field(at, "name").input("<img src=x onerror=alert(1)>")
    field(at, "lon").input(lon)
    field(at, "lat").input(lat)
    field(at, "contact_email").input("nobody at example")
    at = click(run(at), "mt_save")
    assert plain(t("maintenance.form.fix", lang)) in texts(at.error)
    errors = texts(at.error)
    assert plain(t("check.html_tag", lang)) in errors  # in the page's language, beside the name
    assert plain(t("check.email", lang, value="nobody at example")) in errors
    assert all("<img" not in e for e in errors)  # shown as text (escaped), never as markup
    assert not store_at(gpkg_store).edits().change_sets(Identity(EDITOR, "s"))[0].changes


def test_a_new_record_placed_by_coordinates_goes_into_the_draft(gpkg_store: str) -> None:
    at = click(layer(page(EDITOR, "de"), "research"), "mt_new_research")
    values = {"name": "Harzer Labor", "address": "Am Markt 1, 38640 Goslar", "website": "https://example.org",
              "description_de": "Labor", "description_en": "Lab", "description_fr": "Laboratoire",
              "lon": "10,43", "lat": "51,906"}
    for name, value in values.items():
        field(at, name).input(value)
    prefix = field(at, "name").key.removesuffix("_name")
    at.selectbox(key=f"{prefix}_category").select_index(0)
    at.multiselect(key=f"{prefix}_sectors").select("energy")
    at = click(run(at), "mt_save")
    assert not texts(at.error), texts(at.error)
    draft = store_at(gpkg_store).edits().change_sets(Identity(EDITOR, "s"), status=[cs.DRAFT])[0]
    (change,) = draft.changes
    assert change.action == cs.CREATE and change.record_id == "research-harzer-labor"
    assert change.after["lon"] == "10.43" and change.after["ags"].startswith(GOSLAR)


def test_a_conflict_shows_the_other_change_and_keep_mine_wins(gpkg_store: str) -> None:
    mine = open_record(layer(page(EDITOR, "en"), "research"), "research", RESEARCH)
    theirs = open_record(layer(page(OTHER_EDITOR, "en"), "research"), "research", RESEARCH)
    field(theirs, "address").input("Theirs 1, 38678 Clausthal-Zellerfeld")
    theirs = click(click(run(theirs), "mt_save"), "mt_submit")  # research needs no review: published at once
    assert plain(t("maintenance.changesets.published_now", "en", id=1)) in texts(theirs.info)

    field(mine, "address").input("Mine 2, 38678 Clausthal-Zellerfeld")
    mine = click(run(mine), "mt_save")
    assert plain(t("maintenance.conflict.title", "en", record=RESEARCH, by="Harz AG")) in texts(mine.warning)
    diff = mine.dataframe[-1].value
    assert diff.values.tolist() == [[t("column.address", "en"), "Theirs 1, 38678 Clausthal-Zellerfeld",
                                     "Mine 2, 38678 Clausthal-Zellerfeld"]]
    mine = click(mine, "mt_keep")
    assert not texts(mine.warning)
    edits = store_at(gpkg_store).edits()
    draft = edits.change_sets(Identity(EDITOR, "s"), status=[cs.DRAFT])[0]
    assert draft.changes[0].after["address"] == "Mine 2, 38678 Clausthal-Zellerfeld"
    assert draft.changes[0].base_revision == 1  # resolved over the published revision


def test_take_theirs_reloads_the_record(gpkg_store: str) -> None:
    mine = open_record(layer(page(EDITOR, "de"), "research"), "research", RESEARCH)
    theirs = open_record(layer(page(OTHER_EDITOR, "de"), "research"), "research", RESEARCH)
    field(theirs, "address").input("Neu 1, 38678 Clausthal-Zellerfeld")
    click(click(run(theirs), "mt_save"), "mt_submit")
    field(mine, "address").input("Meins 2, 38678 Clausthal-Zellerfeld")
    mine = click(click(run(mine), "mt_save"), "mt_take")
    assert field(mine, "address").value == "Neu 1, 38678 Clausthal-Zellerfeld"
    assert not store_at(gpkg_store).edits().change_sets(Identity(EDITOR, "s"), status=[cs.DRAFT])[0].changes


def test_import_preview_counts_and_only_the_added_preview_changes_the_draft(edit_store: str) -> None:
    edits = store_at(edit_store).edits()
    current = {r.id: r.values for r in edits.records_for(Identity(EDITOR, "s"), "sites")}
    oker, bassgeige = current[SITE], current["sites-goslar-bassgeige"]

    def line(values: dict[str, str], **changed: str) -> str:
        v = values | changed
        return ";".join([v["id"], v["name"], v["category"], v["sectors"], v["lon"].replace(".", ","),
                         v["lat"].replace(".", ","), v["availability"], "ja" if v["indicative"] == "true" else "nein",
                         v["size_class"]])

    csv = "\n".join(["Kennung;Name;Kategorie;Branchen;Länge;Breite;Verfügbarkeit;Richtwert;Größenklasse",
                     line(oker, availability="available"), line(bassgeige),
                     line(oker, id="", name="Neues Gebiet Goslar", lon="10.44", lat="51.905", indicative="false",
                          size_class="M")]).encode("cp1252")
    at = layer(page(EDITOR, "de"), "sites")
    at.file_uploader(key="mt_import_file_sites").upload("standorte.csv", csv, "text/csv")
    at = run(at)
    counts = {m.label: m.value for m in at.metric}
    assert counts == {t("maintenance.import.kind.new", "de"): "1", t("maintenance.import.kind.changed", "de"): "1",
                      t("maintenance.import.kind.unchanged", "de"): "1",
                      t("maintenance.import.kind.missing", "de"): "2"}
    assert not edits.change_sets(Identity(EDITOR, "s"))  # nothing stored by the preview
    diff = next(d.value for d in at.dataframe if d.value.shape[1] == 5)
    assert diff.values.tolist() == [[2, SITE, t("column.availability", "de"), oker["availability"], "available"]]
    at = click(at, "mt_import_add")
    assert plain(t("maintenance.import.added", "de", count="2", id=1)) in texts(at.success)
    (draft,) = edits.change_sets(Identity(EDITOR, "s"))
    assert sorted(c.action for c in draft.changes) == [cs.CREATE, cs.UPDATE]  # no withdrawal without the tick
    assert edits.mapping("WiReGo Goslar", "sites") == {}  # the mapping is saved only when asked


def test_a_reviewer_cannot_approve_its_own_change_set(gpkg_store: str) -> None:
    at = open_record(layer(page(REVIEWER, "en"), "sites"), "sites", SITE)
    field(at, "area_ha").input("7")
    at = click(click(run(at), "mt_save"), "mt_submit")
    assert t("maintenance.review.own", "en") in texts(at.info)
    at = click(at, "mt_approve")
    assert plain(t("maintenance.refused.own_change_set", "en")) in texts(at.error)
    assert store_at(gpkg_store).edits().change_set(1).status == cs.SUBMITTED


def test_an_admin_gives_and_revokes_roles_and_reads_the_history(gpkg_store: str) -> None:
    at = page(ADMIN, "fr")
    at.text_input(key="mt_g_email").input("neu@celle.de")
    at.selectbox(key="mt_g_role").select("editor")
    at.text_input(key="mt_g_organisation").input("=WFG Celle")
    at.multiselect(key="mt_g_kreise").select("03351")
    at = click(at, "FormSubmitter:mt_grant_form")
    edits = store_at(gpkg_store).edits()
    granted = edits.grant_of("neu@celle.de")
    assert granted is not None and granted.kreise == ("03351",) and granted.organisation == "=WFG Celle"
    history = at.dataframe[-1].value
    assert "grant" in set(history[t("maintenance.history.action", "fr")])
    at.selectbox(key="mt_h_action").select("grant")
    at = run(at)
    assert set(at.dataframe[-1].value[t("maintenance.history.action", "fr")]) == {"grant"}
    at.selectbox(key="mt_g_revoke").select("neu@celle.de")
    at = click(run(at), "mt_g_revoke_button")
    assert edits.grant_of("neu@celle.de") is None


def test_an_editor_has_no_review_or_admin_and_the_library_refuses_them(gpkg_store: str) -> None:
    at = page(EDITOR, "en")
    assert t("maintenance.tab.review", "en") not in [tab.label for tab in at.tabs]
    with pytest.raises(PermissionDenied):
        store_at(gpkg_store).edits().grants(Identity(EDITOR, "s"))


@pytest.mark.parametrize("lang", LANGS)
def test_a_person_without_a_role_is_told_whom_to_ask_and_the_refusal_is_logged(
        gpkg_store: str, lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIONMAP_ADMIN_EMAIL", "office@region.de")
    at = page("nobody@example.org", lang)
    assert texts(at.warning) == [plain(t("maintenance.no_role", lang, email="nobody@example.org"))]
    assert plain(t("maintenance.no_role_contact", lang, admin="office@region.de")) in texts(at.caption)
    assert not at.tabs
    run(at)  # a rerun logs nothing more
    history = store_at(gpkg_store).edits().history(Identity("office@region.de", "s"), person="nobody@example.org")
    assert list(history["action"]) == ["refused"]


def aged_sites(location: str) -> list[str]:
    """Age every site of the store in Hannover and Goslar past the maximum age (the sources' are current); the
    Goslar editor's due list then holds exactly its Kreis's sites."""
    from regionmap.freshness.states import with_states
    from regionmap.freshness.stock import layer_records

    sites = load_store(store_at(location)).layers["sites"]
    age_records(Path(location), "sites", list(sites.loc[sites["kreis_ags"].isin([GOSLAR, HANNOVER]), "id"]),
                "2024-01-15")
    states = with_states(layer_records(store_at(location).edits(), "sites"), dt.date.today())
    expected = sorted(states.loc[(states["kreis_ags"] == GOSLAR) & (states["state"] == "overdue"), "id"])
    assert len(expected) >= 3
    return expected


def due_ids(at: AppTest, layer_id: str) -> list[str]:
    prefix = f"mt_due_{layer_id}_"
    return [c.key[len(prefix):] for c in at.checkbox if c.key.startswith(prefix)]


@pytest.mark.parametrize("lang", LANGS)
def test_the_due_list_confirms_one_record_and_a_selection_unchanged(gpkg_store: str, lang: str) -> None:
    edit_store = gpkg_store
    expected = aged_sites(edit_store)
    edits = store_at(edit_store).edits()
    at = layer(page(EDITOR, lang), "sites")
    assert sorted(due_ids(at, "sites")) == expected  # the editor's Kreis only, nothing of Hannover
    before = {r.id: r.values for r in edits.current_records("sites").values()}

    first, *rest = due_ids(at, "sites")
    at = click(at, f"mt_due_one_sites_{first}")
    assert plain(tn("maintenance.due.confirmed", 1, lang)) in texts(at.success)
    assert first not in due_ids(at, "sites")
    selected = rest[:2]
    assert at.button(key="mt_due_selected_sites").disabled
    for record_id in selected:
        at.checkbox(key=f"mt_due_sites_{record_id}").check()
    at = click(run(at), "mt_due_selected_sites")
    assert plain(tn("maintenance.due.confirmed", 2, lang)) in texts(at.success)
    assert sorted(due_ids(at, "sites")) == sorted(set(expected) - {first, *selected})

    today = dt.date.today().isoformat()
    after = store_at(edit_store).edits().current_records("sites")
    for record_id in (first, *selected):
        record = after[record_id]
        assert (record.confirmed_by, record.confirmed_on) == ("WiReGo Goslar", today)
        assert {k: v for k, v in record.values.items() if not k.startswith("confirmed") and k != "source"} == {
            k: v for k, v in before[record_id].items() if not k.startswith("confirmed") and k != "source"}
    shown = load_store(store_at(edit_store)).layers["sites"].set_index("id")
    assert set(shown.loc[[first, *selected], "confirmed_on"]) == {today}


def test_select_all_on_the_page_then_confirm(gpkg_store: str) -> None:
    aged_sites(gpkg_store)
    at = layer(page(EDITOR), "sites")
    ids = due_ids(at, "sites")
    assert ids
    at = click(at, "mt_due_all_sites")
    assert all(at.checkbox(key=f"mt_due_sites_{i}").value for i in ids)
    at = click(at, "mt_due_selected_sites")
    assert not due_ids(at, "sites")
    assert t("freshness.nothing_due", "de") in texts(at.success)

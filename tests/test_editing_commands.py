"""The editing commands of `regionmap`: roles, history, export-curated (on a GeoPackage copy)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from editing_support import EDITOR, REVIEWER, writable_store

from regionmap.cli import main
from regionmap.data.store import store_at
from regionmap.data.validation import run_validation


@pytest.fixture(params=["gpkg"])
def location(request: pytest.FixtureRequest, tmp_path: Path):
    yield from writable_store(request, tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_roles_are_granted_listed_and_revoked(location, capsys):
    code, out, _ = run(capsys, "roles", "grant", EDITOR.email, "--role", "editor", "--organisation",
                       "Wirtschaftsförderung Goslar", "--kreis", "03153", "--layers", "sites", "research",
                       "--store", location)
    assert code == 0 and "03153" in out and "sites,research" in out
    code, out, _ = run(capsys, "roles", "list", "--store", location)
    assert EDITOR.email in out and "editor" in out
    code, _, err = run(capsys, "roles", "grant", "x@example.org", "--organisation", "X", "--kreis", "99999",
                       "--store", location)
    assert code == 2 and "not in the region: 99999" in err
    code, _, err = run(capsys, "roles", "grant", "not-an-address", "--organisation", "X", "--store", location)
    assert code == 2 and "e-mail" in err
    assert run(capsys, "roles", "revoke", EDITOR.email, "--store", location)[0] == 0
    assert store_at(location).edits().grant_of(EDITOR.email) is None


def test_export_curated_writes_files_that_validate(location, capsys, tmp_path: Path):
    edits = store_at(location).edits()
    run(capsys, "roles", "grant", EDITOR.email, "--organisation", "Wirtschaftsförderung Goslar", "--kreis", "03153",
        "--store", location)
    run(capsys, "roles", "grant", REVIEWER.email, "--role", "reviewer", "--organisation", "Metropolregion",
        "--store", location)
    site = edits.current_records("sites")["sites-goslar-bassgeige"]
    changeset = edits.open_change_set(EDITOR, "sites")
    edits.put_change(EDITOR, changeset, dict(site.values, name="=Baßgeige; \"Nord\""), record_id=site.id)
    new = dict(site.values, name="Gewerbepark Harzblick", lon="10.445", lat="51.915")
    created = edits.put_change(EDITOR, changeset, new)
    edits.approve(REVIEWER, changeset, edits.submit(EDITOR, changeset).digest)
    out = tmp_path / "curated"
    code, printed, _ = run(capsys, "export-curated", "--out", str(out), "--store", location)
    assert code == 0 and "sites.csv: 1 replaced, 1 added, 0 withdrawn" in printed
    with (out / "sites.csv").open(encoding="utf-8", newline="") as file:
        rows = {row["id"]: row for row in csv.DictReader(file)}
    assert rows[site.id]["name"] == "=Baßgeige; \"Nord\"" and rows[site.id]["source"] == "partner_record"
    assert rows[created.record_id]["name"] == "Gewerbepark Harzblick"
    assert rows[created.record_id]["confirmed_by"] == "Wirtschaftsförderung Goslar"
    report = run_validation([out / name for name in ("sites.csv", "research.csv")], store=location)
    assert report.ok, report.format()
    code, history, _ = run(capsys, "history", "--store", location)
    assert code == 0 and "publish" in history and "'=Baßgeige" in history  # a formula stays text in the CSV

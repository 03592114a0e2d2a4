"""Editing test support: people with grants, and a writable store per backend (editing tables reset per test)."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest

from regionmap.auth.identity import Identity
from regionmap.config import manifest_path
from regionmap.data.store import store_at

GOSLAR, HANNOVER = "03153", "03241"
EDITOR = Identity("wirtschaft@goslar.example", "sub-goslar", name="Gina Goslar")
HANNOVER_EDITOR = Identity("wfh@hannover.example", "sub-hannover", name="Hanno Hannover")
REVIEWER = Identity("pruefung@metropolregion.example", "sub-review", name="Rita Review")
NOBODY = Identity("niemand@example.org", "sub-nobody")


def clean_copy(store: Path, folder: Path) -> str:
    """A copy of a GeoPackage store (and its manifest) in `folder` as the build made it: without the partners' and
    visitors' tables (`edit_*`) that whatever else used the store wrote into it."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / store.name
    shutil.copy2(store, copy)
    shutil.copy2(manifest_path(store), manifest_path(copy))
    with contextlib.closing(sqlite3.connect(copy)) as connection:
        for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE "
                                          "'edit\\_%' ESCAPE '\\'").fetchall():
            connection.execute(f'DROP TABLE "{name}"')
        connection.commit()
    return str(copy)


def writable_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The real store of backend `request.param` for a test that writes: a copy of the GeoPackage, or the session's
    PostGIS build with its editing schema dropped before and after (builds never touch that schema)."""
    if request.param == "gpkg":
        yield clean_copy(request.getfixturevalue("built_store"), tmp_path)
        return
    import sqlalchemy as sa

    from regionmap.data.postgis import EDIT_SCHEMA

    url = request.getfixturevalue("built_postgis")
    engine = store_at(url).engine

    def reset() -> None:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{EDIT_SCHEMA}" CASCADE'))

    reset()
    yield url
    reset()


def grant_people(location: str) -> None:
    """An editor for Goslar (sites and research), one for Hannover, a region-wide reviewer."""
    edits = store_at(location).edits()
    edits.set_grant(None, EDITOR.email, "editor", "Wirtschaftsförderung Goslar", kreise=[GOSLAR],
                    layers=["sites", "research"])
    edits.set_grant(None, HANNOVER_EDITOR.email, "editor", "Wirtschaftsförderung Hannover", kreise=[HANNOVER])
    edits.set_grant(None, REVIEWER.email, "reviewer", "Metropolregion")


def age_records(store: Path, layer: str, ids: list[str], as_of: str) -> None:
    """Give records of a GeoPackage store an older `as_of`, as if no one had confirmed them since (the official
    build's layer is rewritten; the edit tables stay)."""
    frame = gpd.read_file(store, layer=layer, engine="pyogrio")
    frame.loc[frame["id"].isin(ids), "as_of"] = as_of
    frame.to_file(store, layer=layer, driver="GPKG", engine="pyogrio", layer_options={"OVERWRITE": "YES"})
    aged = gpd.read_file(store, layer=layer, engine="pyogrio").set_index("id").loc[ids, "as_of"]
    assert set(aged) == {as_of}, aged

"""Fixtures of the editing tests, loaded as a plugin (`pytest_plugins = ["editing_fixtures"]`): a writable store on
each backend (`location`) and its editing tables with the people of `editing_support.grant_people` granted
(`edits`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from editing_support import grant_people, writable_store
from store_backends import BACKENDS

from regionmap.data.store import store_at


@pytest.fixture(params=BACKENDS)
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from writable_store(request, tmp_path)


@pytest.fixture
def edits(location: str):
    grant_people(location)
    return store_at(location).edits()

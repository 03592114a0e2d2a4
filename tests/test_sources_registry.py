"""The source registry `data/sources.toml`."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionmap.errors import ConfigError
from regionmap.data.source_registry import ROLES, load_registry

ENTRY = """
[[sources]]
id = "{id}"
title = "t"
publisher = "p"
licence = "l"
licence_url = "https://example.org/licence"
attribution = "a"
reference_date = "{date}"
url = "{url}"
format = "f"
path = "{path}"
role = "{role}"
"""


def registry_text(**override: str) -> str:
    entries = []
    for role in ROLES:
        values = {"id": role, "date": "2024-01-01", "url": "https://example.org/x.zip", "path": f"{role}/x.csv",
                  "role": role}
        if role == "hospitals":
            values |= override
        entries.append(ENTRY.format(**values))
    return "".join(entries)


def test_project_registry() -> None:
    registry = load_registry()
    assert {s.role for s in registry.sources} == set(ROLES)
    municipalities = registry.by_role("municipalities")
    assert municipalities.id == "vg250_ew" and municipalities.download_layer == "vg250_gem"
    assert registry.get("geonames_postalcodes").download_member == "DE.txt"
    assert all(s.attribution and s.licence and s.reference_date for s in registry.sources)
    assert "osm" in {b.id for b in registry.basemaps}


def test_valid_minimal_registry(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(registry_text(), encoding="utf-8")
    assert len(load_registry(path).sources) == len(ROLES)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"role": "municipalities"}, "role 'municipalities' needs exactly one source"),
        ({"id": "states"}, "duplicate source id"),
        ({"role": "ships"}, "unknown role 'ships'"),
        ({"date": "08/03/2020"}, "reference_date '08/03/2020' is not an ISO date"),
        ({"url": "ftp://example.org/x"}, "is not an http(s) URL"),
        ({"path": "../outside.csv"}, "must be relative to the source directory"),
        ({"path": ""}, "'path' must be a non-empty string"),
    ],
)
def test_invalid_registry(tmp_path: Path, override: dict[str, str], message: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(registry_text(**override), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_registry(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_unknown_key_and_bad_toml(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(registry_text() + 'colour = "red"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key.s. colour"):
        load_registry(path)
    path.write_text("[[sources]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_registry(path)

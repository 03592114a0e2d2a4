"""Configuration test support: the registry's TOML files copied with one change."""

from __future__ import annotations

from pathlib import Path

from regionmap import config


def copy_with(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """data/sectors.toml and data/layers.toml copied into `tmp_path`, `old` replaced once by `new` in file `name`."""
    for file in ("sectors.toml", "layers.toml"):
        (tmp_path / file).write_text((config.data_dir() / file).read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path

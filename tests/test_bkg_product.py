"""What a BKG distribution says about itself: reference date and scale."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from regionmap.data.source_registry import load_registry, positional_tolerance_m
from regionmap.data.sources.bkg_product import product_reference_date, product_scale


def test_reference_date_beside_the_shipped_vg5000(source_dir: Path):
    assert product_reference_date(source_dir / "bkg/vg5000-2021/VG5000_LAN.shp") == ("2021-01-01", "aktualitaet.txt")


def test_reference_date_absent_from_the_shipped_vg250_geojson(source_dir: Path):
    assert product_reference_date(source_dir / "bkg/vg250-ew/vg250ew_niedersachsen_gemeinden.geojson") is None


def test_reference_date_inside_a_zip(tmp_path: Path):
    archive = tmp_path / "vg250-ew_12-31.utm32s.gpkg.ebenen.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("vg250-ew_12-31.utm32s.gpkg.ebenen/aktualitaet.txt", "Stand: 31.12.2024\r\n")
        zf.writestr("vg250-ew_12-31.utm32s.gpkg.ebenen/vg250_ebenen_1231/DE_VG250.gpkg", b"")
    assert product_reference_date(archive) == ("2024-12-31",
                                               f"{archive.name}/vg250-ew_12-31.utm32s.gpkg.ebenen/aktualitaet.txt")


@pytest.mark.parametrize("text", ["", "kein Datum", "31.02.2024", "\xff\xfe"])
def test_unreadable_reference_dates_give_none(tmp_path: Path, text: str):
    (tmp_path / "aktualitaet.txt").write_text(text, encoding="latin-1")
    assert product_reference_date(tmp_path / "x.shp") is None


def test_broken_zip_gives_none(tmp_path: Path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not a zip")
    assert product_reference_date(tmp_path / "broken.zip") is None


@pytest.mark.parametrize(("name", "scale"), [
    ("vg250_gem.shp", 250_000), ("VG5000_LAN.shp", 5_000_000), ("vg1000-ew_31-12.gk3.shape.zip", 1_000_000),
    ("DE_VG2500.gpkg", 2_500_000), ("gemeinden.geojson", None), ("vg25000.shp", None),
])
def test_scale_from_the_product_name(name: str, scale: int | None):
    assert product_scale(Path(name)) == scale


def test_tolerance_from_the_registry():
    registry = load_registry()
    assert registry.by_role("municipalities").tolerance_m == pytest.approx(50.0)
    assert registry.by_role("states").tolerance_m == pytest.approx(1000.0)
    assert positional_tolerance_m(1_000_000) == pytest.approx(200.0)


@pytest.mark.parametrize("value", ['"250000"', "0", "-5", "true", "2.5e5"])
def test_a_bad_scale_is_a_config_error(tmp_path: Path, value: str):
    from regionmap import config
    from regionmap.errors import ConfigError

    text = (config.data_dir() / "sources.toml").read_text(encoding="utf-8").replace("scale = 250000", f"scale = {value}")
    (tmp_path / "sources.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="source #1 .*'scale' must be a positive whole number"):
        load_registry(tmp_path / "sources.toml")

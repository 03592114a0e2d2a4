"""The presenter's themes (data/present_themes.toml): contrast ratios computed from the file, the checks of a theme
file, and `?contrast=` in the presenter's URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionmap.config import load_toml
from regionmap.errors import ConfigError
from regionmap.maps.contrast import contrast_ratio
from regionmap.presenter.display import parse_present_params
from regionmap.presenter.themes import default_themes_path, load_themes, page_css

AAA = 7.0  # WCAG 2.1 1.4.6, enhanced contrast: the bright stand


def test_high_contrast_theme_text_meets_7_to_1_computed_from_the_toml() -> None:
    table = load_toml(default_themes_path())["themes"]["high"]
    assert contrast_ratio(table["text"], table["background"]) >= AAA
    assert contrast_ratio(table["background"], table["accent"]) >= AAA  # a chosen button's text
    assert contrast_ratio(table["focus"], table["background"]) >= 3.0  # WCAG 1.4.11: the focus ring
    # Borders and marker rings are drawn on the map's light backdrop: dark enough to stand out (1.4.11: 3:1).
    assert contrast_ratio(table["boundary_colour"], table["background"]) >= 3.0
    assert contrast_ratio(table["marker_outline"], table["background"]) >= 3.0
    assert table["boundary_scale"] > 1 and table["legend_scale"] > 1 and table["marker_outline_width"] >= 2


def test_shipped_themes_load_and_their_css_uses_their_colours() -> None:
    themes = load_themes()
    assert "high" in themes
    css = page_css(themes["high"])
    assert themes["high"].text in css and themes["high"].background in css


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "themes.toml"
    base = load_toml(default_themes_path())["themes"]["high"]
    lines = [f"{k} = {v!r}".replace("'", '"') for k, v in base.items()]
    path.write_text("[themes.t]\n" + "\n".join(lines) + "\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(("body", "message"), [
    ('text = "#777777"\n', "contrast of"),
    ('accent = "#888888"\n', "primary button"),
    ('text = "black"\n', "text: 'black' is not a hex colour"),
    ("legend_scale = 0\n", "legend_scale = 0 is not a positive number"),
    ("sparkle = true\n", "unknown field(s) sparkle"),
])
def test_a_wrong_theme_is_an_error_naming_file_theme_and_field(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, "")
    text = path.read_text(encoding="utf-8")
    key = body.split(" =")[0]
    text = "\n".join(line for line in text.splitlines() if not line.startswith(f"{key} =")) + "\n" + body
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_themes(path)
    assert str(path) in str(info.value) and "themes.t" in str(info.value) and message in str(info.value)


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    path.write_text("\n".join(l for l in path.read_text().splitlines() if not l.startswith("focus =")), "utf-8")
    with pytest.raises(ConfigError, match="missing field.*focus"):
        load_themes(path)


def test_contrast_parameter_names_a_theme_or_falls_back_with_a_notice() -> None:
    params, notices = parse_present_params({"contrast": "High"}, ["region"], ["high"])
    assert params.contrast == "high" and notices == []
    params, notices = parse_present_params({"contrast": "<b>neon</b>"}, ["region"], ["high"])
    assert params.contrast is None and [n.param for n in notices] == ["contrast"]
    assert "neon" in notices[0].message("en")
    assert parse_present_params({}, ["region"], ["high"])[0].contrast is None

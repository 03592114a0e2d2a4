"""`data/map_style.toml`: the boundary lines and class colours, their checks and the spreading of classes."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionmap.dashboard.map_style import BOUNDARIES, ClassColours, load_map_style, map_style
from regionmap.errors import ConfigError

SEVEN = ["#287d8e", "#2f6c8e", "#375a8c", "#404688", "#46307e", "#481a6c", "#440154"]
LINES = "\n".join(f'{name} = {{ colour = "#34495e", weight = 1.5 }}' for name in BOUNDARIES)


def written(tmp_path: Path, boundaries: str = LINES, classes: str = "") -> Path:
    path = tmp_path / "map_style.toml"
    path.write_text(f"[boundaries]\n{boundaries}\n\n[classes]\n"
                    + (classes or f"colours = {SEVEN!r}\nfill_opacity = 0.9\nlines = \"#ffffff\"\n").replace("'", '"'),
                    encoding="utf-8")
    return path


def test_the_shipped_style_loads() -> None:
    style = map_style()
    assert set(style.boundaries) == set(BOUNDARIES)
    assert len(style.classes.colours) >= 7 and 0 < style.classes.fill_opacity <= 1


def test_classes_spread_from_the_lightest_to_the_darkest() -> None:
    classes = ClassColours(tuple(SEVEN), 0.9, "#ffffff")
    assert classes.spread(7) == SEVEN
    assert classes.spread(3) == [SEVEN[0], SEVEN[3], SEVEN[6]]
    assert classes.spread(2) == [SEVEN[0], SEVEN[6]]
    assert classes.spread(1) == [SEVEN[6]]
    assert classes.spread(5)[0] == SEVEN[0] and classes.spread(5)[-1] == SEVEN[6]
    assert len(set(classes.spread(5))) == 5
    with pytest.raises(ValueError, match="8 classes"):
        classes.spread(8)


def test_a_good_file_loads(tmp_path: Path) -> None:
    style = load_map_style(written(tmp_path))
    assert style.boundaries["kreise"].arguments() == {"colour": "#34495e", "weight": 1.5}
    assert style.classes.lines == "#ffffff"


@pytest.mark.parametrize("boundaries, classes, message", [
    (LINES.replace('colour = "#34495e", weight = 1.5 }', 'colour = "blue", weight = 1.5 }', 1), "",
     r"\[boundaries\] gemeinden: colour: 'blue' is not a hex colour"),
    (LINES.replace("weight = 1.5", "weight = 0", 1), "", r"\[boundaries\] gemeinden: weight must be"),
    (LINES.replace("weight = 1.5", 'weight = "2"', 1), "", r"\[boundaries\] gemeinden: weight must be"),
    (LINES.replace(", weight = 1.5", "", 1), "", r"\[boundaries\] gemeinden needs exactly colour and weight"),
    ("\n".join(LINES.splitlines()[1:]), "", r"\[boundaries\] needs exactly gemeinden, kreise, region, selected"),
    (LINES, f'colours = {SEVEN[:6]!r}\nfill_opacity = 0.9\nlines = "#ffffff"\n', "at least 7 colours"),
    (LINES, f'colours = {SEVEN!r}\nfill_opacity = 1.5\nlines = "#ffffff"\n', "fill_opacity must be"),
    (LINES, f'colours = {SEVEN!r}\nfill_opacity = 0.9\nlines = 3\n', "lines: 3 is not a hex colour"),
    (LINES, f'colours = {SEVEN[:6] + ["#12345"]!r}\nfill_opacity = 0.9\nlines = "#fff"\n',
     r"colours\[6\]: '#12345' is not a hex colour"),
    (LINES, f'colours = {SEVEN!r}\nlines = "#fff"\n', "needs exactly colours, fill_opacity and lines"),
])
def test_bad_values_name_the_file_table_and_field(tmp_path: Path, boundaries: str, classes: str,
                                                  message: str) -> None:
    path = written(tmp_path, boundaries, classes)
    with pytest.raises(ConfigError, match=message) as caught:
        load_map_style(path)
    assert str(path) in str(caught.value)


def test_an_unknown_table_is_refused(tmp_path: Path) -> None:
    path = written(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + "\n[choropleth]\ncolours = []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown table"):
        load_map_style(path)

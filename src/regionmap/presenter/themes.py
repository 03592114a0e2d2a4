"""Presenter themes (data/present_themes.toml), e.g. the high contrast of `/present?contrast=high` for a bright
trade-fair stand: colours and sizes of the page and the map, checked on load, and the page's CSS made from them."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from regionmap.config import data_dir, load_toml
from regionmap.errors import ConfigError
from regionmap.maps.contrast import contrast_ratio
from regionmap.maps.elements import check_colour

COLOURS = ("text", "background", "accent", "focus", "boundary_colour", "marker_outline")
NUMBERS = ("min_contrast", "boundary_scale", "marker_outline_width", "legend_scale")


@dataclass(frozen=True)
class Theme:
    """One theme: every field of a `[themes.<id>]` table."""

    id: str
    min_contrast: float
    text: str
    background: str
    accent: str
    focus: str
    boundary_colour: str
    boundary_scale: float
    marker_outline: str
    marker_outline_width: float
    legend_scale: float

    def text_pairs(self) -> dict[str, tuple[str, str]]:
        """Each text colour with the background it is read on (name: (text, background))."""
        return {"text": (self.text, self.background), "primary button": (self.background, self.accent),
                "focus ring": (self.focus, self.background)}


def default_themes_path() -> Path:
    return data_dir() / "present_themes.toml"


def load_themes(path: Path | None = None) -> dict[str, Theme]:
    """The themes of `path` (default data/present_themes.toml) by id; a missing or wrong field, or text below the
    theme's `min_contrast`, raises ConfigError naming the file, the theme and the field."""
    path = path or default_themes_path()
    tables = load_toml(path).get("themes", {})
    themes = {}
    for theme_id, table in tables.items():
        where = f"{path}: themes.{theme_id}"
        known = {f.name for f in fields(Theme)} - {"id"}
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError(f"{where}: unknown field(s) {', '.join(unknown)}")
        missing = sorted(known - set(table))
        if missing:
            raise ConfigError(f"{where}: missing field(s) {', '.join(missing)}")
        for name in COLOURS:
            try:
                check_colour(table[name], name)
            except ValueError as exc:
                raise ConfigError(f"{where}: {exc}") from exc
        for name in NUMBERS:
            value = table[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ConfigError(f"{where}: {name} = {value!r} is not a positive number")
        theme = Theme(id=theme_id, **{k: float(v) if k in NUMBERS else v for k, v in table.items()})
        for name, (front, back) in theme.text_pairs().items():
            ratio = contrast_ratio(front, back)
            if ratio < theme.min_contrast:
                raise ConfigError(f"{where}: {name} {front} on {back} has a contrast of {ratio:.1f}:1, "
                                  f"below min_contrast {theme.min_contrast:g}:1")
        themes[theme_id] = theme
    return themes


def page_css(theme: Theme) -> str:
    """The presenter page's CSS for `theme`: every text in the theme's text colour on its background, the buttons
    outlined, the chosen one filled with the accent colour."""
    text, back, accent = theme.text, theme.background, theme.accent
    return f"""<style>
.stApp, .stApp [data-testid="stMainBlockContainer"] {{ background: {back}; color: {text}; }}
.stApp h1, .stApp h2, .stApp p, .stApp [data-testid="stCaptionContainer"], .stApp [data-testid="stCaptionContainer"] *,
.stApp [data-testid="stImageCaption"] {{ color: {text} !important; }}
.st-key-present_controls button {{ background: {back} !important; color: {text} !important;
    border: 3px solid {text} !important; }}
.st-key-present_controls button p {{ color: inherit !important; }}
.st-key-present_controls button[kind="primary"] {{ background: {accent} !important; color: {back} !important;
    border-color: {accent} !important; }}
:focus-visible {{ outline: 4px solid {theme.focus} !important; outline-offset: 3px !important; }}
</style>"""

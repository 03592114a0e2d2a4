"""WCAG 2.1 contrast of colours (relative luminance, contrast ratio), for the checks of the configured map colours."""

from __future__ import annotations

from regionmap.maps.elements import check_colour

NON_TEXT = 3.0  # WCAG 1.4.11: graphical objects against adjacent colours
TEXT = 4.5  # WCAG 1.4.3: normal text


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG's relative luminance of a `#rgb` or `#rrggbb` colour (0 black to 1 white)."""
    digits = check_colour(colour).lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    red, green, blue = (_channel(int(digits[i:i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG's contrast ratio of two colours, from 1 (equal) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)

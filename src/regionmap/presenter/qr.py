"""QR codes of share links as PNG bytes (segno: pure Python, no network)."""

from __future__ import annotations

import io

import segno

from regionmap.errors import RegionmapError

ERROR_LEVEL = "m"  # recovers ~15 % damage: a screen seen at an angle, glare, a finger on it
DARK = "#000000"
LIGHT = "#ffffff"


def qr_code(url: str) -> segno.QRCode:
    """The QR code (not Micro QR) of `url`; a RegionmapError when the URL is empty or too long for a QR code."""
    if not url.strip():
        raise RegionmapError("QR code: the URL is empty")
    try:
        return segno.make_qr(url, error=ERROR_LEVEL)
    except segno.DataOverflowError as exc:
        raise RegionmapError(f"QR code: the URL is too long ({len(url)} characters) for a QR code") from exc


def qr_png(url: str, scale: int = 8) -> bytes:
    """The QR code of `url` as a PNG image, `scale` pixels per module, with the standard quiet zone."""
    out = io.BytesIO()
    qr_code(url).save(out, kind="png", scale=scale, dark=DARK, light=LIGHT)
    return out.getvalue()

"""QR codes of share links: deterministic modules and a PNG whose pixels are those modules."""

from __future__ import annotations

import io

import numpy as np
import pytest
import segno
from matplotlib import image

from regionmap.errors import RegionmapError
from regionmap.presenter.qr import qr_png
from regionmap.testing import qr_matrix

URL = "https://karte.example.org/?layers=research,health&gemeinde=03159016&lang=fr"
BORDER = 4  # the standard quiet zone in modules


def test_matrix_is_deterministic_and_depends_on_the_url() -> None:
    matrix = qr_matrix(URL)
    assert matrix == qr_matrix(URL)
    assert matrix == tuple(tuple(row) for row in segno.make_qr(URL, error="m").matrix)
    assert matrix != qr_matrix(URL.replace("fr", "en"))
    size = len(matrix)
    assert all(len(row) == size for row in matrix) and (size - 17) % 4 == 0  # a QR code of version (size - 17) / 4
    assert {value for row in matrix for value in row} == {0, 1}


def test_png_pixels_are_the_modules() -> None:
    scale = 5
    data = qr_png(URL, scale=scale)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pixels = image.imread(io.BytesIO(data), format="png")
    grey = pixels if pixels.ndim == 2 else pixels[..., :3].mean(axis=2)
    matrix = np.array(qr_matrix(URL))
    side = (len(matrix) + 2 * BORDER) * scale
    assert grey.shape == (side, side)
    centres = np.arange(len(matrix)) * scale + BORDER * scale + scale // 2
    dark = grey[np.ix_(centres, centres)] < 0.5
    assert (dark == (matrix == 1)).all()
    assert (grey[: BORDER * scale] > 0.5).all()  # light quiet zone


def test_empty_and_too_long_urls_are_errors() -> None:
    with pytest.raises(RegionmapError, match="empty"):
        qr_png("  ")
    with pytest.raises(RegionmapError, match="too long"):
        qr_png("https://x.org/?q=" + "x" * 3000)

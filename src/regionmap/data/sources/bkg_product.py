"""What a BKG distribution says about itself: its reference date (`aktualitaet.txt`) and its scale (the name).

BKG ships `aktualitaet.txt` ("01.01.2021") beside the layers of its VG products, and names the products after their
scale (`vg250` = 1:250,000, `vg5000` = 1:5,000,000). A file without either gives None, and the caller falls back
to what the user or `data/sources.toml` says.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path, PurePosixPath

REFERENCE_DATE_FILE = "aktualitaet.txt"
_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_PRODUCT = re.compile(r"(?i)(?<![a-z])vg(250|1000|2500|5000)(?!\d)")


def _read_reference_file(path: Path) -> tuple[str, str] | None:
    """(text, where) of the reference-date file beside `path` or inside it (zip), or None."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = sorted(n for n in zf.namelist() if PurePosixPath(n).name.lower() == REFERENCE_DATE_FILE)
            return (zf.read(names[0]).decode("utf-8", "replace"), f"{path.name}/{names[0]}") if names else None
    candidate = path.parent / REFERENCE_DATE_FILE
    if not candidate.is_file():
        return None
    return candidate.read_text(encoding="utf-8", errors="replace"), candidate.name


def product_reference_date(path: Path) -> tuple[str, str] | None:
    """The reference date the distribution of `path` states, as (ISO date, the file it was read from), or None."""
    try:
        found = _read_reference_file(path)
    except (zipfile.BadZipFile, OSError):
        return None
    match = _DATE.search(found[0]) if found else None
    if found is None or match is None:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day).isoformat(), found[1]
    except ValueError:
        return None


def product_scale(path: Path) -> int | None:
    """The scale denominator a BKG file name states (`vg250_gem.shp` -> 250000), or None."""
    match = _PRODUCT.search(path.name)
    return int(match.group(1)) * 1000 if match else None

"""The visitor's shortlist without Streamlit: its size limit (data/shortlist.toml), adding and removing a site, and
the public link that opens it.

The list is a tuple of site ids in the order they were added. Its link names only the sites, the language and the
page (`/sites?shortlist=a,b&lang=de`): nothing about the visitor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from regionmap.config import LANGUAGES, data_dir, load_toml
from regionmap.errors import ConfigError

PARAM = "shortlist"
PAGE_PATH = "sites"  # the dashboard page that shows a shortlist


@dataclass(frozen=True)
class ShortlistConfig:
    """`max_sites`: the most sites a shortlist holds."""

    max_sites: int


def default_config_path() -> Path:
    return data_dir() / "shortlist.toml"


@lru_cache(maxsize=4)
def load_config(path: Path) -> ShortlistConfig:
    """The `[shortlist]` table of `path`; a missing or wrong `max_sites` raises ConfigError naming file and field."""
    table = load_toml(path).get("shortlist")
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: missing table [shortlist]")
    unknown = sorted(set(table) - {"max_sites"})
    if unknown:
        raise ConfigError(f"{path}: shortlist: unknown field(s) {', '.join(unknown)}")
    value = table.get("max_sites")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 50:
        raise ConfigError(f"{path}: shortlist.max_sites must be a whole number from 1 to 50, got {value!r}")
    return ShortlistConfig(max_sites=value)


def shortlist_config() -> ShortlistConfig:
    """The shortlist configuration of data/shortlist.toml."""
    return load_config(default_config_path())


def toggle(ids: Sequence[str], site_id: str, max_sites: int) -> tuple[str, ...]:
    """The shortlist with `site_id` removed when it is on it, else added at the end (unchanged when full)."""
    if site_id in ids:
        return tuple(i for i in ids if i != site_id)
    if len(ids) >= max_sites:
        return tuple(ids)
    return (*ids, site_id)


def shortlist_url(base_url: str, ids: Sequence[str], lang: str) -> str:
    """The public link opening the shortlist `ids` on the sites page in `lang`; `base_url` is where visitors reach
    the dashboard (http(s), a host, no query or fragment)."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"share base URL {base_url!r} must be an http(s) URL with a host and no query or fragment")
    if lang not in LANGUAGES:
        raise ValueError(f"language '{lang}' is not one of {', '.join(LANGUAGES)}")
    path = "/".join(p for p in (parts.path.strip("/"), PAGE_PATH) if p)
    query = urlencode({PARAM: ",".join(ids), "lang": lang}, safe=",")
    return f"{parts.scheme}://{parts.netloc}/{path}?{query}"

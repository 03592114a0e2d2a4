"""Exception types that say which source, file, row and field a problem is in."""

from __future__ import annotations

from pathlib import Path


class RegionmapError(Exception):
    """Base class for errors reported to the user without a traceback."""


class SourceError(RegionmapError):
    """A source dataset is missing, unreadable or does not have the expected content."""

    def __init__(self, source_id: str, path: Path | str | None, problem: str) -> None:
        self.source_id = source_id
        self.path = Path(path) if path is not None else None
        self.problem = problem
        where = f" ({self.path})" if self.path is not None else ""
        super().__init__(f"source '{source_id}'{where}: {problem}")


class ConfigError(RegionmapError):
    """A configuration file (region, sources, sectors, layers, tours, locales) is invalid."""

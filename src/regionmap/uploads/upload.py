"""An uploaded file, from bytes to an EPSG:4326 layer: inspect it (format, layers, suggested coordinates), then load.

`inspect_upload` tells the UI what to offer (a layer or sheet to choose, the coordinate columns and CRS to confirm);
`load_upload` reads the file with the user's choice, or with the suggestion when there is none. Nothing is written
anywhere but a temporary folder that is removed. Problems name the file, and the row and field where there is one;
fatal ones raise `UploadError`, the rest come with the layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd

from regionmap.uploads.formats import ROW, RawData, read_raw
from regionmap.uploads.geometry import (
    APPROXIMATE, APPROXIMATE_POSTCODE, CoordinateChoice, classify_pair, clean_geometries, geometry_families, guess_crs,
    points_from_columns, points_from_postcodes, suggest_coordinates,
)
from regionmap.uploads.problems import UploadError, UploadProblem, fail, problem
from regionmap.uploads.settings import UploadSettings, normalise_header, settings as default_settings


@dataclass(frozen=True)
class Inspection:
    """What an upload holds before it is placed on the map."""

    name: str
    format: str
    layers: tuple[str, ...]
    layer: str | None
    columns: tuple[str, ...]
    rows: int
    suggestion: CoordinateChoice | None
    crs_from_file: bool
    problems: tuple[UploadProblem, ...]

    @property
    def needs_choice(self) -> bool:
        """Whether the user must say where the points are (no coordinates found, or a file without a CRS)."""
        return self.suggestion is None or (self.suggestion.kind == "geometry" and not self.crs_from_file
                                           and self.suggestion.epsg is None)


@dataclass(frozen=True)
class Upload:
    """A placed upload: EPSG:4326 features with the file's columns, `_row`, and `_approximate` for postcodes."""

    name: str
    frame: gpd.GeoDataFrame
    choice: CoordinateChoice
    problems: tuple[UploadProblem, ...] = field(default=())

    @property
    def families(self) -> dict[str, int]:
        """Points, lines, polygons: how many of each."""
        return geometry_families(self.frame)

    @property
    def approximate(self) -> int:
        """How many records stand at their postcode's centroid rather than at their own position."""
        return int((self.frame[APPROXIMATE] == APPROXIMATE_POSTCODE).sum()) if APPROXIMATE in self.frame else 0

    @property
    def columns(self) -> tuple[str, ...]:
        """The file's own columns (not the geometry, row number or approximation marker)."""
        hidden = {ROW, APPROXIMATE, self.frame.geometry.name}
        return tuple(c for c in self.frame.columns if c not in hidden)


def _named_swap(raw: RawData, choice: CoordinateChoice, settings: UploadSettings) -> list[UploadProblem]:
    """A notice when the columns named lon/lat (or x/y) hold the values the other way round, or metres."""
    columns = {normalise_header(c): c for c in raw.frame.columns}
    lon = next((columns[n] for n in settings.columns["lon"] if n in columns), None)
    if lon is None or choice.kind == "postcode":
        return []
    if choice.kind == "lonlat" and choice.second == lon:
        return [problem("swapped_columns", raw.name, None, lon, lon=choice.first, lat=choice.second)]
    if choice.kind == "xy" and lon in (choice.first, choice.second):
        label = next(p.label for p in settings.projected if p.epsg == choice.epsg)
        return [problem("metres_detected", raw.name, None, lon, crs=label, epsg=choice.epsg)]
    return []


def inspect_upload(name: str, data: bytes, layer: str | None = None,
                   settings: UploadSettings | None = None) -> Inspection:
    """What the file holds and where its points most likely are."""
    settings = settings or default_settings()
    raw = read_raw(name, data, settings, layer)
    problems = list(raw.problems)
    if raw.is_vector:
        frame = raw.frame
        epsg = None if raw.crs_from_file else guess_crs(frame, settings)
        suggestion: CoordinateChoice | None = CoordinateChoice("geometry", epsg=epsg)
        if not raw.crs_from_file:
            problems.append(problem("crs_guessed" if epsg else "crs_missing", name, None, None, epsg=epsg or "-"))
    else:
        suggestion = suggest_coordinates(raw.frame, settings)
        if suggestion is not None:
            problems += _named_swap(raw, suggestion, settings)
    geometry = raw.frame.geometry.name if raw.is_vector else None
    columns = tuple(c for c in raw.frame.columns if c not in (ROW, geometry))
    return Inspection(name, raw.format, raw.layers, raw.layer, columns, len(raw.frame), suggestion,
                      raw.crs_from_file, tuple(problems))


def _place_vector(raw: RawData, choice: CoordinateChoice | None, settings: UploadSettings,
                  problems: list[UploadProblem]) -> tuple[gpd.GeoDataFrame, CoordinateChoice]:
    """A vector file's features in EPSG:4326: its own CRS, else the user's choice, else the one its extent suggests."""
    frame = raw.frame
    epsg = choice.epsg if choice is not None and choice.epsg else None
    if frame.crs is None:
        epsg = epsg or guess_crs(frame, settings)
    elif epsg and frame.crs.to_epsg() != epsg:
        frame = frame.set_crs(epsg=epsg, allow_override=True)
    placed = clean_geometries(raw.name, frame, epsg, problems)
    return placed, CoordinateChoice("geometry", epsg=epsg or (frame.crs.to_epsg() if frame.crs else None))


def _no_coordinates(raw: RawData) -> UploadError:
    return fail("no_coordinates", raw.name, columns=", ".join(c for c in raw.frame.columns if c != ROW))


def _place_table(raw: RawData, choice: CoordinateChoice | None, postcodes: Mapping[str, tuple[float, float]] | None,
                 settings: UploadSettings, problems: list[UploadProblem]) -> tuple[gpd.GeoDataFrame, CoordinateChoice]:
    """A table's rows as points: from the chosen (or suggested) coordinate columns, or at their postcode's centroid."""
    used = choice or suggest_coordinates(raw.frame, settings)
    if used is None or used.kind not in ("postcode", "lonlat", "xy"):
        raise _no_coordinates(raw)
    for column in (used.first, used.second):
        if column is not None and column not in raw.frame.columns:
            raise fail("unknown_column", raw.name, None, column)
    if used.kind == "postcode":
        if not postcodes:
            raise fail("no_postcodes", raw.name)
        assert used.first is not None
        return points_from_postcodes(raw.name, raw.frame, used.first, postcodes, problems), used
    if used.epsg is None:  # columns chosen without a CRS: told by their range
        checked = classify_pair(raw.frame, used.first or "", used.second or "", settings)
        if checked is None:
            raise fail("crs_unknown", raw.name, None, used.first)
        used = checked
    return points_from_columns(raw.name, raw.frame, used, problems), used


def load_upload(name: str, data: bytes, choice: CoordinateChoice | None = None, *, layer: str | None = None,
                postcodes: Mapping[str, tuple[float, float]] | None = None,
                settings: UploadSettings | None = None) -> Upload:
    """The upload as an EPSG:4326 layer, placed as `choice` says (default: the inspection's suggestion)."""
    settings = settings or default_settings()
    raw = read_raw(name, data, settings, layer)
    problems = list(raw.problems)
    if raw.is_vector:
        placed, used = _place_vector(raw, choice, settings, problems)
    else:
        placed, used = _place_table(raw, choice, postcodes, settings, problems)
        if placed.empty:  # the reason, then why each record was left out
            raise UploadError([*fail("nothing_placed", name).problems, *_listed(problems, settings)])
    placed = gpd.GeoDataFrame(placed.reset_index(drop=True), geometry=placed.geometry.name, crs=placed.crs)
    return Upload(name, placed, used, tuple(_listed(problems, settings)))


def _listed(problems: list[UploadProblem], settings: UploadSettings) -> list[UploadProblem]:
    """The first problems of each kind one by one, then one line counting the rest of that kind."""
    out: list[UploadProblem] = []
    counts: dict[str, int] = {}
    for p in problems:
        counts[p.code] = counts.get(p.code, 0) + 1
        if counts[p.code] <= settings.max_listed_problems:
            out.append(p)
    for code, n in counts.items():
        if n > settings.max_listed_problems:
            out.append(problem("more_problems", problems[0].file, None, None, count=n - settings.max_listed_problems,
                               code=code))
    return out


def postcode_lookup(postcodes: gpd.GeoDataFrame) -> dict[str, tuple[float, float]]:
    """The store's `postcodes` layer as postcode -> (lon, lat) of its centroid."""
    return {str(code): (point.x, point.y) for code, point in zip(postcodes["postal_code"], postcodes.geometry)}

"""What changed between two builds: municipalities, population and area, points and sources.

Municipalities are matched by AGS and by area overlap, so a merger, a split or a renumbering is told apart from a
boundary that was only generalised differently. Each old municipality's *successor* is the new one that covers most
of it, each new municipality's *predecessor* the old one that covers most of it:

- several old municipalities with the same successor were merged into it;
- several new municipalities with the same predecessor were split from it;
- a one-to-one match with another AGS was renumbered, with another name renamed;
- an old one without any overlap was removed, a new one without any was added.

Pure functions over GeoDataFrames and manifest dicts; the pipeline reads the previous store and passes them in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from regionmap.spatial import METRIC_CRS

MERGED, SPLIT, RENUMBERED, RENAMED, ADDED, REMOVED = "merged", "split", "renumbered", "renamed", "added", "removed"


@dataclass(frozen=True)
class MunicipalityChange:
    """One structural change: `old` municipalities became `new` ones (AGS and name of each)."""

    kind: str
    old: tuple[tuple[str, str], ...]
    new: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ValueChange:
    """Population and area of one unit (`gemeinde`, `kreis` or `region`) before and after."""

    level: str
    ags: str
    name: str
    population_old: int | None
    population_new: int | None
    area_km2_old: float | None
    area_km2_new: float | None

    @property
    def population_delta(self) -> int | None:
        """New minus old population, or None when either is unknown."""
        if self.population_old is None or self.population_new is None:
            return None
        return self.population_new - self.population_old


@dataclass(frozen=True)
class PointMove:
    """A point of a layer that lies in another municipality than in the previous build."""

    layer: str
    id: str
    name: str
    old_ags: str
    new_ags: str


@dataclass(frozen=True)
class SourceChange:
    """A source whose checksum or reference date changed, or that was added or dropped."""

    id: str
    field: str  # sha256, reference_date, added, removed
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ChangeReport:
    """Everything that changed from the previous build to this one."""

    municipalities: tuple[MunicipalityChange, ...] = ()
    values: tuple[ValueChange, ...] = ()
    points: tuple[PointMove, ...] = ()
    sources: tuple[SourceChange, ...] = ()
    previous_built_at: str | None = None
    first_build: bool = field(default=False)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready dicts (for the manifest)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ChangeReport:
        """The report stored in a manifest (the inverse of `as_dict`)."""
        return cls(
            municipalities=tuple(MunicipalityChange(c["kind"], _pairs(c["old"]), _pairs(c["new"]))
                                 for c in raw.get("municipalities", ())),
            values=tuple(ValueChange(**v) for v in raw.get("values", ())),
            points=tuple(PointMove(**p) for p in raw.get("points", ())),
            sources=tuple(SourceChange(**s) for s in raw.get("sources", ())),
            previous_built_at=raw.get("previous_built_at"),
            first_build=bool(raw.get("first_build", False)),
        )

    def summary(self) -> list[str]:
        """Plain-text lines for the build's output."""
        if self.first_build:
            return ["Changes: first build, no previous store to compare with"]
        lines = [f"Changes against the previous build ({self.previous_built_at or 'date unknown'}):"]
        for change in self.municipalities:
            lines.append(f"  {change.kind}: {_names(change.old) or '-'} -> {_names(change.new) or '-'}")
        for value in self.values:
            if value.level != "gemeinde":
                lines.append(f"  {value.level} {value.name} ({value.ags}): population "
                             f"{_count(value.population_old)} -> {_count(value.population_new)}, area "
                             f"{_area(value.area_km2_old)} -> {_area(value.area_km2_new)} km²")
        changed = sum(1 for v in self.values if v.level == "gemeinde")
        lines.append(f"  municipalities with another population or area: {changed}")
        for move in self.points:
            lines.append(f"  {move.layer} {move.id} ({move.name}): {move.old_ags} -> {move.new_ags}")
        for source in self.sources:
            lines.append(f"  source {source.id}: {source.field} {source.old or '-'} -> {source.new or '-'}")
        return lines if len(lines) > 2 or changed else [f"{lines[0]} none"]


def _pairs(raw: Sequence[Sequence[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(a), str(n)) for a, n in raw)


def _names(pairs: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{name} ({ags})" for ags, name in pairs)


def _count(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"


def _area(value: float | None) -> str:
    return "unknown" if value is None else f"{value:,.2f}"


def _overlaps(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> pd.DataFrame:
    """Area of every non-empty intersection of an old and a new municipality (`old`, `new`, `area`)."""
    a = old[["ags", "geometry"]].to_crs(METRIC_CRS).reset_index(drop=True)
    b = new[["ags", "geometry"]].to_crs(METRIC_CRS).reset_index(drop=True)
    pairs = gpd.sjoin(a, b, how="inner", predicate="intersects", lsuffix="old", rsuffix="new")
    left = a.geometry.iloc[pairs.index.to_numpy()].reset_index(drop=True)
    right = b.geometry.iloc[pairs["index_new"].to_numpy()].reset_index(drop=True)
    frame = pd.DataFrame({"old": pairs["ags_old"].to_numpy(), "new": pairs["ags_new"].to_numpy(),
                          "area": left.intersection(right).area.to_numpy()})
    return frame[frame["area"] > 0]


def _main(overlaps: pd.DataFrame, by: str, other: str) -> dict[str, str]:
    """For each `by` AGS, the `other` AGS sharing the largest area with it (ties: the lower AGS)."""
    ranked = overlaps.sort_values([by, "area", other], ascending=[True, False, True])
    return dict(zip(ranked.drop_duplicates(by)[by], ranked.drop_duplicates(by)[other], strict=True))


def municipality_changes(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> tuple[MunicipalityChange, ...]:
    """The mergers, splits, renumberings, renamings, additions and removals from `old` to `new` (`ags`, `name`)."""
    overlaps = _overlaps(old, new)
    successor = _main(overlaps, "old", "new")
    predecessor = _main(overlaps, "new", "old")
    old_name = dict(zip(old["ags"], old["name"], strict=True))
    new_name = dict(zip(new["ags"], new["name"], strict=True))
    merged_into: dict[str, list[str]] = {}
    for o, n in successor.items():
        merged_into.setdefault(n, []).append(o)
    split_from: dict[str, list[str]] = {}
    for n, o in predecessor.items():
        split_from.setdefault(o, []).append(n)

    def olds(ags: Sequence[str]) -> tuple[tuple[str, str], ...]:
        return tuple((a, old_name[a]) for a in sorted(ags))

    def news(ags: Sequence[str]) -> tuple[tuple[str, str], ...]:
        return tuple((a, new_name[a]) for a in sorted(ags))

    changes: list[MunicipalityChange] = []
    for n, sources in sorted(merged_into.items()):
        if len(sources) > 1:
            changes.append(MunicipalityChange(MERGED, olds(sources), news([n])))
    for o, targets in sorted(split_from.items()):
        if len(targets) > 1:
            changes.append(MunicipalityChange(SPLIT, olds([o]), news(targets)))
    for o, n in sorted(successor.items()):
        if len(merged_into[n]) == 1 and len(split_from.get(o, ())) <= 1 and predecessor.get(n) == o:
            if o != n:
                changes.append(MunicipalityChange(RENUMBERED, olds([o]), news([n])))
            elif old_name[o] != new_name[n]:
                changes.append(MunicipalityChange(RENAMED, olds([o]), news([n])))
    changes += [MunicipalityChange(REMOVED, olds([o]), ()) for o in sorted(set(old["ags"]) - set(successor))]
    changes += [MunicipalityChange(ADDED, (), news([n])) for n in sorted(set(new["ags"]) - set(predecessor))]
    return tuple(changes)


def _optional_int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _optional_float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 2)


def value_changes(level: str, old: pd.DataFrame, new: pd.DataFrame) -> tuple[ValueChange, ...]:
    """Population and area changes of the units present in both (`ags`, `name`, `population`, `area_km2`)."""
    joined = old[["ags", "population", "area_km2"]].merge(
        new[["ags", "name", "population", "area_km2"]], on="ags", suffixes=("_old", "_new"))
    changes = []
    for row in joined.sort_values("ags").itertuples(index=False):
        change = ValueChange(level, str(row.ags), str(row.name), _optional_int(row.population_old),
                             _optional_int(row.population_new), _optional_float(row.area_km2_old),
                             _optional_float(row.area_km2_new))
        if (change.population_old, change.area_km2_old) != (change.population_new, change.area_km2_new):
            changes.append(change)
    return tuple(changes)


def point_moves(layer: str, old: pd.DataFrame, new: pd.DataFrame) -> tuple[PointMove, ...]:
    """Points (by `id`) of one layer whose municipality (`ags`) differs between the builds."""
    joined = old[["id", "ags"]].merge(new[["id", "name", "ags"]], on="id", suffixes=("_old", "_new"))
    moved = joined[joined["ags_old"].astype(str) != joined["ags_new"].astype(str)].sort_values("id")
    return tuple(PointMove(layer, str(r.id), str(r.name), str(r.ags_old), str(r.ags_new))
                 for r in moved.itertuples(index=False))


def source_changes(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> tuple[SourceChange, ...]:
    """Sources (manifest entries) added, dropped, or with another checksum or reference date."""
    before = {s["id"]: s for s in old}
    after = {s["id"]: s for s in new}
    changes = [SourceChange(i, "added", None, after[i].get("reference_date")) for i in sorted(after.keys() - before)]
    changes += [SourceChange(i, "removed", before[i].get("reference_date"), None) for i in sorted(before.keys() - after)]
    for i in sorted(before.keys() & after.keys()):
        for name in ("sha256", "reference_date"):
            if before[i].get(name) != after[i].get(name):
                changes.append(SourceChange(i, name, before[i].get(name), after[i].get(name)))
    return tuple(changes)


@dataclass(frozen=True)
class Build:
    """What the change report compares of one build: its area layers, point layers and manifest."""

    gemeinden: gpd.GeoDataFrame
    kreise: pd.DataFrame
    region: pd.DataFrame
    points: Mapping[str, pd.DataFrame]
    manifest: Mapping[str, Any]


def change_report(previous: Build | None, current: Build) -> ChangeReport:
    """The report of what changed from `previous` (None: first build) to `current`."""
    if previous is None:
        return ChangeReport(first_build=True)
    moves = tuple(move for layer in sorted(current.points.keys() & previous.points.keys())
                  for move in point_moves(layer, previous.points[layer], current.points[layer]))
    return ChangeReport(
        municipalities=municipality_changes(previous.gemeinden, current.gemeinden),
        values=(value_changes("region", previous.region.assign(ags=previous.region["id"]),
                              current.region.assign(ags=current.region["id"]))
                + value_changes("kreis", previous.kreise, current.kreise)
                + value_changes("gemeinde", previous.gemeinden, current.gemeinden)),
        points=moves,
        sources=source_changes(previous.manifest.get("sources", ()), current.manifest.get("sources", ())),
        previous_built_at=previous.manifest.get("built_at"),
    )

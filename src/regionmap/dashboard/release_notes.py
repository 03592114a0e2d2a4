"""What the data page shows of a build's change report: tables in the user's language (no Streamlit).

The report is the manifest's `changes` (`regionmap.data.changes`). Every number and date follows the language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from regionmap.data.changes import ChangeReport
from regionmap.i18n import format_date, format_km2, format_number, t


@dataclass(frozen=True)
class ReleaseNotes:
    """The change report as a heading line and tables (empty tables are left out by the page)."""

    summary: str
    municipalities: pd.DataFrame
    values: pd.DataFrame
    changed_municipalities: int
    points: pd.DataFrame
    sources: pd.DataFrame


def _names(pairs: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{name} ({ags})" for ags, name in pairs)


def release_notes(changes: Mapping[str, Any] | None, lang: str) -> ReleaseNotes:
    """The manifest's change report (None: a store built before reports existed counts as a first build)."""
    report = ChangeReport.from_dict(changes) if changes else ChangeReport(first_build=True)
    date = format_date((report.previous_built_at or "")[:10], lang)
    empty = not (report.municipalities or report.values or report.points or report.sources)
    if report.first_build:
        summary = t("changes.first_build", lang)
    else:
        summary = t("changes.none" if empty else "changes.since", lang, date=date)
    municipalities = pd.DataFrame([{
        t("changes.change", lang): t(f"changes.kind.{c.kind}", lang),
        t("changes.before", lang): _names(c.old),
        t("changes.after", lang): _names(c.new),
    } for c in report.municipalities])
    values = pd.DataFrame([{
        t("changes.unit", lang): f"{t(f'changes.level.{v.level}', lang)} {v.name}",
        t("changes.population_before", lang): format_number(v.population_old, lang),
        t("changes.population_after", lang): format_number(v.population_new, lang),
        t("changes.area_before", lang): format_km2(v.area_km2_old, lang, 2),
        t("changes.area_after", lang): format_km2(v.area_km2_new, lang, 2),
    } for v in report.values if v.level != "gemeinde"])
    points = pd.DataFrame([{
        t("changes.record", lang): f"{p.name} ({p.id})",
        t("changes.before", lang): p.old_ags,
        t("changes.after", lang): p.new_ags,
    } for p in report.points])
    sources = pd.DataFrame([{
        t("changes.source", lang): s.id,
        t("changes.what", lang): t(f"changes.field.{s.field}", lang),
        t("changes.before", lang): format_date(s.old, lang) if s.field == "reference_date" else (s.old or "")[:12],
        t("changes.after", lang): format_date(s.new, lang) if s.field == "reference_date" else (s.new or "")[:12],
    } for s in report.sources])
    changed = sum(1 for v in report.values if v.level == "gemeinde")
    return ReleaseNotes(summary, municipalities, values, changed, points, sources)

"""The data page's "what changed in this release": the change report as tables in de/en/fr."""

from __future__ import annotations

import pytest

from regionmap.dashboard.release_notes import release_notes
from regionmap.data.changes import MERGED, ChangeReport, MunicipalityChange, PointMove, SourceChange, ValueChange
from regionmap.data.manifest import population_reference_date
from regionmap.i18n import t

REPORT = ChangeReport(
    municipalities=(MunicipalityChange(MERGED, (("03153006", "Hahausen"), ("03153007", "Langelsheim")),
                                       (("03153019", "Langelsheim"),)),),
    values=(ValueChange("kreis", "03153", "Goslar", 136_000, 135_500, 965.1, 965.1),
            ValueChange("gemeinde", "03153019", "Langelsheim", 11_000, 11_500, 100.0, 120.0)),
    points=(PointMove("sites", "sites-x", "<b>X</b>", "03153006", "03153019"),),
    sources=(SourceChange("vg250_ew", "reference_date", "2022-12-31", "2023-12-31"),),
    previous_built_at="2025-12-01T10:00:00Z",
)


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_the_report_in_each_language(lang: str) -> None:
    notes = release_notes(REPORT.as_dict(), lang)
    assert notes.summary == t("changes.since", lang, date={"de": "01.12.2025", "en": "1 Dec 2025",
                                                           "fr": "1 déc. 2025"}[lang])
    row = notes.municipalities.iloc[0]
    assert list(row) == [t("changes.kind.merged", lang), "Hahausen (03153006), Langelsheim (03153007)",
                         "Langelsheim (03153019)"]
    assert len(notes.values) == 1 and notes.changed_municipalities == 1  # the Kreis listed, municipalities counted
    assert notes.values.iloc[0, 1] == {"de": "136.000", "en": "136,000", "fr": "136\u202f000"}[lang]
    assert notes.points.iloc[0, 0] == "<b>X</b> (sites-x)"  # plain text: the page escapes it
    assert notes.sources.iloc[0, 1] == t("changes.field.reference_date", lang)


def test_first_build_and_nothing_changed() -> None:
    assert release_notes(None, "de").summary == t("changes.first_build", "de")
    assert release_notes(ChangeReport(first_build=True).as_dict(), "en").summary == t("changes.first_build", "en")
    unchanged = ChangeReport(previous_built_at="2026-11-30T08:00:00Z").as_dict()
    notes = release_notes(unchanged, "en")
    assert notes.summary == t("changes.none", "en", date="30 Nov 2026") and notes.municipalities.empty


def test_population_reference_date_of_the_municipalities_source() -> None:
    manifest = {"sources": [{"role": "states", "reference_date": "2021-01-01"},
                            {"role": "municipalities", "reference_date": "2023-12-31"}]}
    assert population_reference_date(manifest) == "2023-12-31"
    assert population_reference_date({}) is None

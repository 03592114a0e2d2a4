"""The data page's freshness section under AppTest: the chart's table per layer and state, the monitoring downloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app_pages import assert_clean, open_page

from regionmap.config import LANGUAGES
from regionmap.data.store import load_store, store_at
from regionmap.freshness.states import layer_counts, with_states
from regionmap.freshness.stock import all_records
from regionmap.i18n import format_number, t
from regionmap.ui.freshness_section import counts_table


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_data_page_shows_how_current_each_layer_is(built_store: Path, monkeypatch: pytest.MonkeyPatch,
                                                       lang: str) -> None:
    monkeypatch.setenv("REGIONMAP_STORE", str(built_store))
    at = open_page("data", lang=lang)
    assert_clean(at)
    assert t("freshness.page.heading", lang) in [h.value for h in at.subheader]
    assert t("freshness.page.monitoring_heading", lang) in [h.value for h in at.subheader]
    import datetime as dt

    counts = layer_counts(with_states(all_records(store_at(str(built_store)).edits()), dt.date.today()))
    expected = counts_table(counts, lang)
    shown = [table.value for table in at.table if t("freshness.state.overdue", lang) in list(table.value.columns)]
    assert len(shown) == 1
    assert shown[0].iloc[:, 1:].to_numpy().tolist() == [[format_number(v, lang) for v in row]
                                                        for row in expected.to_numpy().tolist()]
    total = int(expected.to_numpy().sum())
    layers = load_store(store_at(str(built_store))).layers
    assert total == sum(len(layers[layer]) for layer in ("research", "sites", "events", "business")) + sum(
        layers["mobility"]["category"].isin(["inland_port", "freight_terminal", "motorway_junction"]))

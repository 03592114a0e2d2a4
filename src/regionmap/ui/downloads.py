"""Download buttons of a filtered layer: labelled CSV in the language's convention, Excel, GeoJSON, named after
the view's filters."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import geopandas as gpd

from regionmap.data.exports import download_name, labelled, to_csv_bytes, to_excel_bytes, to_geojson_bytes
from regionmap.ui import data
from regionmap.dashboard.urlstate import ViewState

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS: dict[str, tuple[Callable[[gpd.GeoDataFrame, str], bytes], str]] = {
    "csv": (to_csv_bytes, "text/csv"),
    "xlsx": (lambda layer, lang: to_excel_bytes(layer), XLSX),
    "geojson": (lambda layer, lang: to_geojson_bytes(layer), "application/geo+json"),
}


def file_name(state: ViewState, layer_id: str, ext: str, extra: Iterable[str] = ()) -> str:
    """The download's file name after the view's filters (Kreis or municipality, the layer's categories, ...)."""
    categories = set(data.tax().layer(layer_id).category_ids)
    return download_name(layer_id, ext, kreis=state.kreis, gemeinde=state.gemeinde,
                         categories=[c for c in state.categories if c in categories], sectors=state.sectors,
                         q=state.q, extra=extra)


def download_button(container: Any, label: str, layer: gpd.GeoDataFrame, layer_id: str, ext: str,
                    state: ViewState, key: str, extra: Iterable[str] = ()) -> None:
    """A button that downloads `layer` as `ext` (csv, xlsx, geojson), built only when it is pressed."""
    lang = state.lang
    frame_download(container, label, lambda: labelled(layer, layer_id, data.tax(), lang), ext, lang,
                   file_name(state, layer_id, ext, extra), key, disabled=layer.empty)


def frame_download(container: Any, label: str, frame: Callable[[], gpd.GeoDataFrame], ext: str, lang: str,
                   name: str, key: str, disabled: bool = False) -> None:
    """A button that downloads the frame `frame()` returns as `ext` under `name`; nothing is built until pressed."""
    build, mime = FORMATS[ext]
    container.download_button(label, data=lambda: build(frame(), lang), file_name=name, mime=mime, key=key,
                              on_click="ignore", disabled=disabled, width="stretch")

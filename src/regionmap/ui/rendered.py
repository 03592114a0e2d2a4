"""Rendered parts that many sessions share: a map's st_folium arguments and a table's Styler, built once per view.

A filter change used to render the same folium map and format the same table again for every visitor asking for
the same Kreis or layer set (docs/scaling.md). Here the expensive, view-determined output is produced once and
handed unchanged to Streamlit on every rerun that shows it (the caches live in `regionmap.ui.data`):

- `render_map` renders a composed map to exactly the arguments `st_folium` passes to its component (HTML, header,
  Leaflet script, injected overlays, layer control, assets), and `mount_map` mounts such arguments. The folium
  objects are built fresh for each rendering and thrown away: `st_folium` adds the overlays to the base map while
  rendering them, so a cached folium map would carry every earlier view's overlays.
- `freeze_styler` computes a pandas Styler's marshalled form (the display values and styles that `st.dataframe`
  derives from a Styler on every call) and its frame's Arrow bytes once.

Both rely on private parts of streamlit-folium (`_component_func`) and Streamlit (`arrow.marshall_styler`,
`dataframe_util.convert_pandas_df_to_arrow_bytes`), checked by tests/test_rendered.py against the uncached paths.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import streamlit_folium
import pandas as pd
from pandas.io.formats.style import Styler
from streamlit import dataframe_util
from streamlit.elements import arrow
from streamlit.proto.ArrowData_pb2 import ArrowData as ArrowDataProto
from streamlit_folium import st_folium

from regionmap.maps import MapParts

RenderedMap = Mapping[str, Any]
"""The keyword arguments of the st_folium component for one map (see `render_map`)."""

_COMPONENT = getattr(streamlit_folium, "_regionmap_component", streamlit_folium._component_func)
_capturing = threading.local()


def _component(**kwargs: Any) -> Any:
    """st_folium's component: its arguments while this thread renders a map (`render_map`), else the component."""
    if getattr(_capturing, "active", False):
        return kwargs
    return _COMPONENT(**kwargs)


streamlit_folium._regionmap_component = _COMPONENT
streamlit_folium._component_func = _component


def rows_digest(ids: Iterable[object], *parts: str) -> str:
    """A short digest of record ids (and `parts`): the key of what a view shows of a layer."""
    return hashlib.sha1("\n".join([*parts, *(str(i) for i in ids)]).encode("utf-8")).hexdigest()[:12]


class FrameMemo:
    """Values computed from frames that are never changed (shared ones), kept while the frame lives, by identity."""

    def __init__(self) -> None:
        self._values: dict[int, tuple[weakref.ref, Any]] = {}

    def known(self, frame: pd.DataFrame) -> Any | None:
        """The value kept for `frame`, else None."""
        entry = self._values.get(id(frame))
        return entry[1] if entry is not None and entry[0]() is frame else None

    def keep(self, frame: pd.DataFrame, value: Any) -> Any:
        """Keep `value` for `frame` (until the frame is dropped); returns it."""
        frame_id = id(frame)
        self._values[frame_id] = (weakref.ref(frame, lambda _: self._values.pop(frame_id, None)), value)
        return value


_IDS, _DIGESTS = FrameMemo(), FrameMemo()


def frame_ids(frame: pd.DataFrame) -> pd.Series:
    """The `id` column of a shared (never changed) frame, taken once per frame (a GeoDataFrame's column costs)."""
    known = _IDS.known(frame)
    return known if known is not None else _IDS.keep(frame, frame["id"])


def frame_digest(frame: pd.DataFrame) -> str:
    """`rows_digest` of a shared (never changed) frame's `id` column, computed once per frame."""
    known = _DIGESTS.known(frame)
    return known if known is not None else _DIGESTS.keep(frame, rows_digest(frame_ids(frame)))


def render_map(parts: MapParts, key: str, height: int, returned_objects: Sequence[str]) -> RenderedMap:
    """The st_folium component's arguments for `parts`, as `st_folium(parts.base, key=key, ...)` computes them.

    The base map is mounted once per `key` and base; a rerun that changes only the overlays (points, legend,
    attributions) injects them into the mounted map, whose view stays. `parts` are used up (st_folium adds the
    overlays to the base map)."""
    _capturing.active = True
    try:
        return st_folium(
            parts.base,
            key=key,
            height=height,
            use_container_width=True,
            returned_objects=list(returned_objects),
            feature_group_to_add=list(parts.overlays),
            layer_control=parts.layer_control,
        )
    finally:
        _capturing.active = False


def mount_map(rendered: RenderedMap) -> dict | None:
    """Draw a rendered map (see `render_map`); returns st_folium's result."""
    return _COMPONENT(**{**rendered, "default": dict(rendered["default"])})


_MARSHALLED = "_regionmap_marshalled"
_ARROW = FrameMemo()  # a frozen Styler's frame -> its Arrow bytes


def freeze_styler(styler: Styler) -> Styler:
    """`styler` with its marshalled form (the display values and styles `st.dataframe` derives from a Styler) and
    its frame's Arrow bytes computed now: `st.dataframe` then takes them as they are on every call. Never change the
    Styler or its frame after that."""
    proto = ArrowDataProto()
    _MARSHALL(proto, styler, str(styler.uuid))
    setattr(styler, _MARSHALLED, proto)
    _ARROW.keep(styler.data, _TO_ARROW(styler.data))
    return styler


def _marshall(proto: ArrowDataProto, styler: Styler, default_uuid: str) -> None:
    marshalled = getattr(styler, _MARSHALLED, None)
    if marshalled is None:
        _MARSHALL(proto, styler, default_uuid)
    else:
        proto.styler.CopyFrom(marshalled.styler)


def _to_arrow(frame: pd.DataFrame) -> bytes:
    known = _ARROW.known(frame)
    return known if known is not None else _TO_ARROW(frame)


_MARSHALL = getattr(arrow, "_regionmap_marshall_styler", arrow.marshall_styler)
arrow._regionmap_marshall_styler = _MARSHALL
arrow.marshall_styler = _marshall
_TO_ARROW = getattr(dataframe_util, "_regionmap_to_arrow", dataframe_util.convert_pandas_df_to_arrow_bytes)
dataframe_util._regionmap_to_arrow = _TO_ARROW
dataframe_util.convert_pandas_df_to_arrow_bytes = _to_arrow

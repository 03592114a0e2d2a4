"""The benchmark's Streamlit app: N synthetic points on regionmap's map or on the naive folium map.

Query parameters: `impl` (`regionmap` or `naive`) and `n` (number of points). The checkbox "half" filters half of the
points (a columnar mask), which is the benchmark's filter change. It uses the real app's cached store, boundaries and
payloads (`regionmap.ui.data`) and the real map code (`regionmap.dashboard.composition.dashboard_parts`, drawn by `regionmap.ui.mapview.draw_map`).
`benchmarks.maps` copies this file into a temporary directory beside a `static` link to the project's `static/`.
"""

from __future__ import annotations

import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from benchmarks.maps import naive_map, regionmap_parts, synthetic_points
from regionmap.ui import data
from regionmap.ui.mapview import draw_map

LANG = "en"


@st.cache_resource(show_spinner=False, max_entries=4)
def _points(cache_key: str, n: int, _gemeinden: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return synthetic_points(_gemeinden, n)


st.set_page_config(page_title="regionmap benchmark", layout="wide")
data.vendor_assets()
impl = st.query_params.get("impl", "regionmap")
n = int(st.query_params.get("n", "1000"))
store = data.store(LANG)
points = _points(store.cache_key, n, store.gemeinden)
shown = points[points["half"].to_numpy()] if st.checkbox("half", key="half") else points
if impl == "naive":
    st_folium(naive_map(store.gemeinden, shown), key="map", height=600, use_container_width=True, returned_objects=[])
else:
    parts = regionmap_parts(store, shown, data.simplified(store), data.payloads(store, LANG), data.tax(), data.registry())
    draw_map(parts, "map", 600, [])

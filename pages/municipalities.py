"""Page: the municipalities as a choropleth of a chosen indicator, and the profile of the selected one."""

from regionmap.ui import data, view
from regionmap.ui.layout import header
from regionmap.ui.municipalities_page import choropleth_map, indicator_controls, municipalities, profile

state = view.current()
store = data.store(state.lang)
header("page.municipalities", state)
offered = municipalities(store, state.lang)
item, scheme, k = indicator_controls(state, offered)
choropleth_map(store, offered, state, item, scheme, k)
profile(store, offered, state, item)

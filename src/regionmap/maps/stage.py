"""Map elements for the presenter's big screen: a view change that keeps the mounted map, and a big-screen style.

A map whose view is part of its base is mounted anew by streamlit-folium whenever the view changes: the iframe is
blank until Leaflet, the boundaries and the points are loaded again. `ViewTransition` moves the view from an overlay
instead, so the mounted map stays and flies to the new view. `StageStyle` lets the map fill its iframe, whatever
height the page gives it, and sizes the legend and cluster labels to be read from a distance.
"""

from __future__ import annotations

from folium.template import Template

from regionmap.maps.build import Bounds
from regionmap.maps.elements import _JS_ON_MAP, VerbatimRender, script_json


class ViewTransition(VerbatimRender):
    """As the child of an overlay group: when the group is added to the map, fit the map to `bounds`.

    On a map that already showed a view it flies there in `duration` seconds, with the new points drawn from the
    start of the flight; a new map, or a browser that asks for reduced motion, jumps there without animation.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (owner) {
            {{ this.js_on_map }}
            onMap(owner, function (map) {
                var bounds = L.latLngBounds({{ this.bounds }});
                var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
                if (map.rmViewSet && !still) {
                    map.flyToBounds(bounds, {duration: {{ this.duration }}});
                    // The stop's point groups are added right after this one. Once they are, their clusters are
                    // drawn all over the map, not only around the view the flight starts from: the markers of the
                    // new view are there during the flight instead of appearing after it.
                    setTimeout(function () {
                        map.eachLayer(function (layer) {
                            if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup
                                && layer.options.removeOutsideVisibleBounds) {
                                layer.options.removeOutsideVisibleBounds = false;
                                layer._moveEnd();
                            }
                        });
                    }, 0);
                } else {
                    map.fitBounds(bounds, {animate: false});
                }
                map.rmViewSet = true;
            }, function () {});
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: Bounds, duration: float = 1.0):
        super().__init__()
        self._name = "ViewTransition"
        (south, west), (north, east) = bounds
        self.bounds = script_json([[float(south), float(west)], [float(north), float(east)]])
        self.duration = float(duration)
        self.js_on_map = _JS_ON_MAP


class StageStyle(VerbatimRender):
    """As the child of a map: the map fills the height of its iframe (the page sizes the iframe), and the legend,
    cluster labels and attribution are sized relative to the map's width (about 20 px legend text at 1920 px)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        html, body { height: 100%; margin: 0; }
        #map_div { height: 100vh !important; }
        .rm-legend { font-size: clamp(13px, 1.5vw, 24px) !important; max-width: max(40vw, 240px) !important; max-height: 80vh !important;
                     padding: 0.5em 0.7em !important; }
        .rm-swatch { width: 0.9em !important; height: 0.9em !important; }
        .rm-cluster div { font-size: clamp(12px, 1.1vw, 18px) !important; }
        .leaflet-control-attribution { font-size: clamp(11px, 0.8vw, 14px) !important; }
        .leaflet-control-zoom a { width: 44px !important; height: 44px !important; line-height: 44px !important;
                                  font-size: 26px !important; }
        @media (max-width: 500px) {  /* a phone: the legend leaves most of the map free and scrolls */
            .rm-legend { font-size: 12px !important; max-width: 62vw !important; max-height: 38vh !important; }
        }
        </style>
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "StageStyle"

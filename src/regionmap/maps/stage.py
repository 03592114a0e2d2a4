"""Map elements for the presenter's big screen: a view change that keeps the mounted map, a big-screen style and a
high-contrast look (`StageContrast`).

A map whose view is part of its base is mounted anew by streamlit-folium whenever the view changes: the iframe is
blank until Leaflet, the boundaries and the points are loaded again. `ViewTransition` moves the view from an overlay
instead, so the mounted map stays and flies to the new view. `StageStyle` lets the map fill its iframe, whatever
height the page gives it, and sizes the legend and cluster labels to be read from a distance.
"""

from __future__ import annotations

from folium.template import Template

from regionmap.maps.build import Bounds
from regionmap.maps.elements import _JS_ON_MAP, VerbatimRender, check_colour, script_json


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


class StageContrast(VerbatimRender):
    """As the child of a map: a high-contrast look for a bright room. Borders in `boundary_colour`, their widths
    times `boundary_scale`; markers (`path.rm-point`) and clusters with a `marker_outline` ring of
    `marker_outline_width` px; the legend's text `legend_scale` times the `StageStyle` size, in `text` on
    `background`. Layers added later (a stop's points) get the same look. A record past its maximum age keeps its
    hollow marker with the dashed outline in its colour (`rm-stale`), so that it stays apart from the others."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .rm-legend { font-size: calc({{ this.legend_scale }} * clamp(13px, 1.5vw, 24px)) !important;
                     color: {{ this.text }} !important; background: {{ this.background }} !important;
                     border: 2px solid {{ this.text }}; max-width: max(45vw, 280px) !important; }
        .rm-legend-title { color: {{ this.text }}; }
        .rm-swatch { box-shadow: 0 0 0 1.5px {{ this.marker_outline }} !important; }
        .rm-cluster { box-shadow: 0 0 0 {{ this.marker_outline_width }}px {{ this.marker_outline }}; }
        .leaflet-control-attribution { color: {{ this.text }} !important; background: {{ this.background }} !important; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map) {
            var look = function (layer) {
                if (!(layer instanceof L.Path) || layer.rmContrast) { return; }
                layer.rmContrast = true;
                if ((layer.options.className || "").indexOf("rm-stale") >= 0) { return; }  // hollow: its colour
                if (layer.options.pane === "rmPoints") {
                    layer.setStyle({color: {{ this.marker_outline|tojson }}, weight: {{ this.marker_outline_width }},
                                    opacity: 1});
                } else {
                    layer.setStyle({color: {{ this.boundary_colour|tojson }}, opacity: 1,
                                    weight: (layer.options.weight || 1) * {{ this.boundary_scale }}});
                }
            };
            map.eachLayer(look);
            map.on("layeradd", function (ev) { look(ev.layer); });
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, *, text: str, background: str, boundary_colour: str, boundary_scale: float,
                 marker_outline: str, marker_outline_width: float, legend_scale: float) -> None:
        super().__init__()
        self._name = "StageContrast"
        self.text = check_colour(text)
        self.background = check_colour(background)
        self.boundary_colour = check_colour(boundary_colour)
        self.marker_outline = check_colour(marker_outline)
        self.boundary_scale = float(boundary_scale)
        self.marker_outline_width = float(marker_outline_width)
        self.legend_scale = float(legend_scale)

"""folium element classes that load their JavaScript and CSS from the app (`/app/static/vendor/...`), never from a CDN.

Data reaches the page as JSON made safe for a `<script>` block (`script_json`). Text from data is only ever shown as
text: the scripts escape it (`esc`) before handing it to Leaflet APIs that set `innerHTML` (tooltips), or build DOM
nodes with `textContent` (legend).

branca renders an element's macros and then wraps the output in a new Jinja template that the figure renders again:
text such as `{{ ... }}` inside data would be evaluated as a template expression. These elements add their rendered
output verbatim instead (`VerbatimRender`), and `script_json` / `html_text` neutralise Jinja delimiters as well.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import folium
from branca.element import Element, Figure, MacroElement
from folium.map import Layer
from folium.template import Template

from regionmap.maps.assets import JQUERY, LEAFLET, MARKERCLUSTER
from regionmap.maps.markers import JS_SHAPE_PATH

if TYPE_CHECKING:
    from regionmap.maps.legend import ChoroplethLegend, LegendEntry

_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029", "{": "\\u007b"}
_SCRIPT_UNSAFE_RE = re.compile("[<>&\u2028\u2029]|\\{(?=[{%#])")

# Escapes text for the Leaflet APIs that assign innerHTML (bindTooltip, addAttribution). streamlit-folium reads a
# clicked layer's tooltip back by parsing it as HTML and taking its text, so an escaped string round-trips exactly.
_JS_ESCAPE = (
    "function esc(s) { return String(s == null ? '' : s).replace(/[&<>\"']/g, "
    "function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }"
)


def script_json(value: Any) -> str:
    """Compact JSON that is also safe inside an HTML `<script>` block (no `</script>`, `<!--`, U+2028/2029) and
    inside a Jinja template (no `{{`, `{%`, `{#`: in JSON these only occur inside strings, where `\\u007b` means `{`)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _SCRIPT_UNSAFE_RE.sub(lambda m: _SCRIPT_UNSAFE[m.group()], text)


def html_text(text: str) -> str:
    """`text` for a Leaflet API that assigns innerHTML (layer names, tile attribution): escaped, Jinja-inert."""
    return html.escape(str(text)).replace("{", "&#123;")


def check_colour(colour: str, what: str = "colour") -> str:
    """Return `colour` if it is a hex colour (`#rgb` or `#rrggbb`), else raise ValueError naming `what`."""
    if not isinstance(colour, str) or not _HEX_COLOUR.fullmatch(colour):
        raise ValueError(f"{what}: {colour!r} is not a hex colour such as '#1f77b4'")
    return colour


class _Verbatim(Element):
    """Already rendered text: the figure inserts it as it is, without another Jinja pass."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class VerbatimRender(MacroElement):
    """Renders the `header`, `html` and `script` macros like MacroElement, but adds their output verbatim."""

    def render(self, **kwargs: Any) -> None:
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError(f"{type(self).__name__} can only be rendered inside a Figure")
        macros = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = macros.get(part)
            if macro is not None:
                getattr(figure, part).add_child(_Verbatim(macro(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


# Runs `add(map)` when `owner` (a map, or a layer such as a FeatureGroup) is on a map, and `remove(map)` when the
# layer leaves it: controls and attributions that belong to swappable content go away with it.
_JS_ON_MAP = (
    "function onMap(owner, add, remove) { if (owner instanceof L.Map) { add(owner); return; } "
    "owner.on('add', function () { add(owner._map); }); owner.on('remove', function () { remove(owner._map); }); }"
)


class OfflineMap(folium.Map):
    """A folium Map whose Leaflet, Leaflet.markercluster and jQuery come from the app. No Bootstrap, awesome-markers
    or Font Awesome: do not use folium.Marker icons or Bootstrap popups on it.

    The map itself loads every script the point layers need: streamlit-folium loads scripts only when it mounts a
    map, not for layers it injects later (`st_folium(..., feature_group_to_add=...)`).
    """

    default_js = [
        ("leaflet", LEAFLET.url("leaflet.js")),
        ("jquery", JQUERY.url("jquery.min.js")),
        ("markerclusterjs", MARKERCLUSTER.url("leaflet.markercluster.js")),
    ]
    default_css = [
        ("leaflet_css", LEAFLET.url("leaflet.css")),
        ("markerclustercss", MARKERCLUSTER.url("MarkerCluster.css")),
        ("markerclusterdefaultcss", MARKERCLUSTER.url("MarkerCluster.Default.css")),
    ]


class OverlayGroup(folium.FeatureGroup):
    """A FeatureGroup for swappable content (point layers, legend). streamlit-folium keeps every group it injected in
    `window.feature_group` and removes them all before injecting new ones; the first group of an injection empties
    that list, so that the removed groups and their markers can be garbage-collected."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {% if this.first %}if (Array.isArray(window.feature_group)) { window.feature_group.length = 0; }{% endif %}
        var {{ this.get_name() }} = L.featureGroup();
        {% endmacro %}
        """
    )

    def __init__(self, name: str | None = None, *, control: bool = True, first: bool = False):
        super().__init__(name=name, overlay=True, control=control)
        self.first = bool(first)


class PointLayer(Layer, VerbatimRender):
    """A toggleable point layer whose markers are created in the browser from a columnar payload.

    `payload` is the JSON from `regionmap.maps.points.point_payload`: `lat`/`lng` as integers scaled by `scale`,
    `cls` (class index per point), `colours` (hex per class), `shapes` (marker shape per class) with their `outlines`,
    `labels` (per class), `names`. Markers are SVG paths in their class's shape (`path.rm-point.rm-shape-<shape>`) in
    a pane above the boundaries; each is a keyboard stop named by its record's name and class label (see
    `MapDecorations`). Up to `cluster_limit` points they are clustered by
    Leaflet.markercluster (chunked loading). Above it its cluster tree would take many seconds to build, so the points
    in view are clustered on a grid of cells of `2 * cluster_radius` pixels, recomputed from the arrays after every
    move: markers exist only for the lone points and the clusters in view. Tooltips are bound on first hover or
    click, so no tooltip objects exist for points nobody looks at. The layer works as a child of the map or a group.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            {{ this.js_escape }}
            {{ this.js_shape_path }}
            var d = {{ this.payload }}, n = d.lat.length, s = d.scale, group, stale = new Set(d.stale || []);
            // A circle marker drawn in its class's shape; its accessible name is the record's name and class.
            var Marker = L.CircleMarker.extend({
                _updatePath: function () {
                    var v = d.outlines[d.shapes[d.cls[this.rmIndex]]];
                    if (!v.length) { return L.CircleMarker.prototype._updatePath.call(this); }
                    this._renderer._setPath(this, this._empty() ? "M0 0" : shapePath(v, this._point.x, this._point.y, this._radius));
                },
                rmName: function () {
                    var label = d.labels[d.cls[this.rmIndex]];
                    return d.names[this.rmIndex] + (label ? ", " + label : "");
                }
            });
            function marker(i) {
                var fill = d.colours[d.cls[i]], shape = " rm-shape-" + d.shapes[d.cls[i]];
                // A record past its layer's maximum age is drawn hollow with a dashed outline in its colour.
                var m = new Marker([d.lat[i] / s, d.lng[i] / s], stale.has(i) ? {
                    pane: "rmPoints", radius: {{ this.radius }}, weight: 2.5, color: fill, dashArray: "3 2",
                    fillColor: "#ffffff", fillOpacity: 0.85, className: "rm-point rm-stale" + shape
                } : {
                    pane: "rmPoints", radius: {{ this.radius }}, weight: 1, color: "#ffffff",
                    fillColor: fill, fillOpacity: 0.9, className: "rm-point" + shape
                });
                m.rmIndex = i;
                return m;
            }
            function clusterIcon(count) {
                return L.divIcon({
                    html: "<div style=\\"background:" + d.colour + "\\"><span>" + count + "</span></div>",
                    className: "marker-cluster rm-cluster",
                    iconSize: L.point(40, 40)
                });
            }
            if (n <= {{ this.cluster_limit }}) {
                group = L.markerClusterGroup({
                    chunkedLoading: true,
                    showCoverageOnHover: false,
                    maxClusterRadius: {{ this.cluster_radius }},
                    iconCreateFunction: function (cluster) { return clusterIcon(cluster.getChildCount()); }
                });
                var markers = new Array(n);
                for (var i = 0; i < n; i++) { markers[i] = marker(i); }
                group.addLayers(markers);
            } else {
                // Grid clusters of the points in view, recomputed from the arrays after every move.
                group = L.featureGroup();
                var cell = 2 * {{ this.cluster_radius }};
                var redraw = function () {
                    var map = group._map;
                    if (!map) { return; }
                    var z = map.getZoom(), b = map.getBounds().pad(0.25), cells = new Map();
                    var south = b.getSouth() * s, north = b.getNorth() * s, west = b.getWest() * s, east = b.getEast() * s;
                    for (var i = 0; i < n; i++) {
                        if (d.lat[i] < south || d.lat[i] > north || d.lng[i] < west || d.lng[i] > east) { continue; }
                        var p = map.project([d.lat[i] / s, d.lng[i] / s], z);
                        var key = Math.floor(p.x / cell) + ":" + Math.floor(p.y / cell), c = cells.get(key);
                        if (!c) { c = []; cells.set(key, c); }
                        c.push(i);
                    }
                    group.clearLayers();
                    var last = z >= map.getMaxZoom();
                    cells.forEach(function (members) {
                        if (members.length === 1 || last) { members.forEach(function (i) { group.addLayer(marker(i)); }); return; }
                        var lat = 0, lng = 0;
                        members.forEach(function (i) { lat += d.lat[i]; lng += d.lng[i]; });
                        var at = L.latLng(lat / s / members.length, lng / s / members.length);
                        group.addLayer(L.marker(at, {icon: clusterIcon(members.length), rmCount: members.length}).on("click", function () {
                            map.setView(at, Math.min(z + 2, map.getMaxZoom()));
                        }));
                    });
                };
                group.on("add", function () { group._map.on("moveend", redraw); redraw(); });
                group.on("remove", function () { group._map.off("moveend", redraw); });
            }
            group.beforeAdd = function (map) {
                if (!map.getPane("rmPoints")) { map.createPane("rmPoints").style.zIndex = 450; }
            };
            group.on("mouseover click focus", function (e) {
                var m = e.layer;
                if (!m || m.rmIndex === undefined || m.getTooltip()) { return; }
                // The tooltip names the class too: categories of different layers may share a shape (WCAG 1.4.1).
                m.bindTooltip(esc(m.rmName()), {direction: "top", offset: [0, -4]});
                if (e.type !== "click") { m.openTooltip(); }
            });
            return group;
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        payload: str,
        name: str,
        *,
        legend_entry: LegendEntry | None = None,
        radius: int = 7,
        cluster_radius: int = 45,
        cluster_limit: int = 20_000,
        show: bool = True,
    ):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self.legend_entry = legend_entry
        self._name = "PointLayer"
        if not 1 <= radius <= 10:
            # Leaflet reports the marker's own position on click only for radius <= 10 (see regionmap.maps.clicks).
            raise ValueError(f"radius {radius}: must be between 1 and 10 pixels")
        self.payload = payload
        self.radius = int(radius)
        self.cluster_radius = int(cluster_radius)
        self.cluster_limit = int(cluster_limit)
        self.js_escape = _JS_ESCAPE
        self.js_shape_path = JS_SHAPE_PATH


class ShapeLayer(Layer, VerbatimRender):
    """A toggleable layer of lines and polygons from the JSON of `regionmap.maps.shapes.shape_payload`: GeoJSON
    geometries, coloured by their class (`cls` into `colours`), with their name as an escaped tooltip. The features
    lie in their own pane between the boundaries and the point markers; the layer works as the child of a group."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            {{ this.js_escape }}
            var d = {{ this.payload }};
            var features = d.geoms.map(function (g, i) { return {type: "Feature", geometry: g, properties: {i: i}}; });
            var group = L.geoJSON(features, {
                pane: "rmShapes",
                style: function (f) {
                    var c = d.colours[d.cls[f.properties.i]];
                    return {color: c, weight: {{ this.weight }}, opacity: 0.9, fillColor: c, fillOpacity: {{ this.fill_opacity }}};
                },
                onEachFeature: function (f, layer) {
                    layer.bindTooltip(esc(d.names[f.properties.i]), {sticky: true});
                }
            });
            group.beforeAdd = function (map) {
                if (!map.getPane("rmShapes")) { map.createPane("rmShapes").style.zIndex = 440; }
            };
            return group;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, payload: str, name: str, *, legend_entry: LegendEntry | None = None, weight: float = 2.0,
                 fill_opacity: float = 0.35, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "ShapeLayer"
        self.legend_entry = legend_entry
        self.payload = payload
        self.weight = float(weight)
        self.fill_opacity = float(fill_opacity)
        self.js_escape = _JS_ESCAPE


# The polygons of a navigable boundary layer as one keyboard stop (the ARIA composite pattern, roving tabindex): one
# polygon at a time is in the tab order, the last focused one while it is in view, else the one at the map's centre.
# On a focused polygon the arrow keys move to the neighbour lying most in that direction (else to the nearest polygon
# there); the focused polygon is brought into view by keyboard and shows its tooltip. Enter or Space fires the click a
# pointer would (at the point inside it, so streamlit-folium reports it) and, when that redraws the map, the new map
# gives the focus back to the same polygon; Escape gives the focus to the map.
_JS_AREA_KEYS = """
function areaKeys(map, group, d, label) {
    var s = d.scale, items = [], entry = null, last = null, container = map.getContainer();
    var DIRECTIONS = {ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]}, RESUME = "rmAreaFocus";
    group.eachLayer(function (l) { l.rmArea = true; items[l.feature.properties.i] = l; });
    function at(i) { var c = d.features[i].c; return L.latLng(c[1] / s, c[0] / s); }
    function contains(l, p) {
        if (!l.getBounds().contains(p)) { return false; }
        var inside = false;
        (function walk(rings) {
            if (rings.length && !(rings[0] instanceof L.LatLng)) { rings.forEach(walk); return; }
            for (var a = 0, b = rings.length - 1; a < rings.length; b = a++) {
                var u = rings[a], v = rings[b];
                if ((u.lat > p.lat) !== (v.lat > p.lat)
                    && p.lng < (v.lng - u.lng) * (p.lat - u.lat) / (v.lat - u.lat) + u.lng) { inside = !inside; }
            }
        })(l.getLatLngs());
        return inside;
    }
    function stop(i) {
        if (entry === i) { return; }
        if (entry !== null && items[entry].getElement()) { items[entry].getElement().setAttribute("tabindex", "-1"); }
        entry = i;
        items[i].getElement().setAttribute("tabindex", "0");
    }
    function choose(i) {
        stop(i);
        items[i].bringToFront();
        items[i].getElement().focus({preventScroll: true});
    }
    // Without the focus in the group, its stop follows the view.
    function follow() {
        var active = document.activeElement;
        if (active && active.rmArea) { return; }
        if (last !== null && map.getBounds().contains(at(last))) { stop(last); return; }
        var centre = map.getCenter(), best = null, bestDistance = Infinity;
        for (var i = 0; i < items.length; i++) {
            if (contains(items[i], centre)) { best = i; break; }
            var distance = centre.distanceTo(at(i));
            if (distance < bestDistance) { best = i; bestDistance = distance; }
        }
        if (best !== null) { items[best].bringToFront(); stop(best); }
    }
    // The neighbour within 60 degrees of the key's direction that lies closest to it; else the nearest polygon there.
    function toward(i, dir) {
        var z = map.getZoom(), p = map.project(at(i), z), pick = null, top = 0.5, nearest = Infinity;
        function offset(j) {
            var v = map.project(at(j), z).subtract(p), length = Math.sqrt(v.x * v.x + v.y * v.y);
            return {cos: length ? (v.x * dir[0] + v.y * dir[1]) / length : -1, length: length};
        }
        d.features[i].n.forEach(function (j) {
            var o = offset(j);
            if (o.cos > top) { pick = j; top = o.cos; }
        });
        if (pick !== null) { return pick; }
        items.forEach(function (l, j) {
            var o = offset(j);
            if (j !== i && o.cos > 0.5 && o.length < nearest) { pick = j; nearest = o.length; }
        });
        return pick;
    }
    group.on("add", function () {
        var svg = group.options.renderer._container;
        svg.setAttribute("role", "group");
        svg.setAttribute("aria-label", label);
        entry = null;
        group.eachLayer(function (l) {
            var el = l.getElement();
            el.setAttribute("tabindex", "-1");
            el.setAttribute("role", "button");
            el.setAttribute("aria-label", d.features[l.feature.properties.i].t || "");
            el.rmArea = l;
        });
        map.on("moveend", follow);
        follow();
        // The click of Enter redrew the map, in a new frame: the keyboard's place stays on the same polygon, unless
        // the focus went on elsewhere meanwhile.
        var resume = null, tries = 0;
        try {
            resume = JSON.parse(sessionStorage.getItem(RESUME));
            sessionStorage.removeItem(RESUME);
        } catch (e) { /* no storage */ }
        if (!resume || Date.now() - resume.at > 30000 || !d.features[resume.i] || d.features[resume.i].t !== resume.t) {
            return;
        }
        (function again() {
            var el = items[resume.i].getElement(), active = document.activeElement, page = null;
            try { page = window.parent.document.activeElement; } catch (e) { /* a map outside the app */ }
            if (!el || el === active || (active && active !== document.body)
                || (page && page !== window.parent.document.body && page !== window.frameElement)) { return; }
            choose(resume.i);
            if (++tries < 10) { setTimeout(again, 200); }  // until the page has settled
        })();
    });
    group.on("remove", function () { map.off("moveend", follow); });
    container.addEventListener("focusin", function (ev) {
        var l = ev.target.rmArea;
        if (!l || !group.hasLayer(l)) { return; }
        var i = l.feature.properties.i;
        stop(i);
        last = i;
        // By keyboard, a polygon whose point lies near an edge (under a control) or outside is brought into view.
        if (ev.target.matches(":focus-visible") && !map.getBounds().pad(-0.2).contains(at(i))) { map.panTo(at(i)); }
        l.openTooltip(L.latLng(l.getBounds().getNorth(), at(i).lng));  // above it, not over it
    });
    container.addEventListener("keydown", function (ev) {
        var l = ev.target.rmArea;
        if (!l || !group.hasLayer(l)) { return; }
        var i = l.feature.properties.i, dir = DIRECTIONS[ev.key];
        if (dir) {
            ev.preventDefault();
            var j = toward(i, dir);
            if (j !== null) { choose(j); }
        } else if (ev.key === "Enter" || ev.key === " ") {
            ev.preventDefault();
            try { sessionStorage.setItem(RESUME, JSON.stringify({i: i, t: d.features[i].t, at: Date.now()})); } catch (e) {}
            l.fire("click", {latlng: at(i), originalEvent: ev}, true);
        } else if (ev.key === "Escape") {
            ev.preventDefault();
            container.focus({preventScroll: true});
        }
    });
}
"""


class BoundaryLayer(Layer, VerbatimRender):
    """Polygons from the compact payload of `regionmap.maps.boundaries.boundary_payload`, turned into GeoJSON here.

    Feature keys: `g` polygons of rings of delta-encoded integer coordinates, `t` tooltip text (escaped when shown), `f` index into `fills` (absent: `fill_colour`, or
    no fill). With `tooltip_on_area`, an interactive layer gets an invisible fill so that hovering anywhere inside a
    polygon shows its tooltip; without, only its outline reacts (for outlines drawn above another interactive layer).
    Each `z_index` gets its own pane (Leaflet's overlay pane is 400, the point markers' pane 450), so the stacking
    stays the same when layers are toggled.

    With `keys_label` (a `navigable` payload: features with a point inside `c` and their neighbours `n`) the
    polygons are one keyboard stop, a group (`role=group`, named `keys_label`) of buttons named by their tooltips
    (see `_JS_AREA_KEYS`).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function (map) {
            {{ this.js_escape }}
            var fills = {{ this.fills }}, style = {{ this.style }}, opacity = {{ this.fill_opacity }};
            var pane = "rmBoundaries{{ this.z_index }}";
            if (!map.getPane(pane)) { map.createPane(pane).style.zIndex = {{ this.z_index }}; }
            var d = {{ this.payload }}, s = d.scale;
            function ring(r) {
                var out = new Array(r.length / 2), x = 0, y = 0;
                for (var i = 0; i < r.length; i += 2) { x += r[i]; y += r[i + 1]; out[i / 2] = [x / s, y / s]; }
                return out;
            }
            var features = d.features.map(function (f, i) {
                return {type: "Feature", properties: {t: f.t, f: f.f, i: i},
                        geometry: {type: "MultiPolygon", coordinates: f.g.map(function (p) { return p.map(ring); })}};
            });
            var group = L.geoJSON(features, {
                pane: pane,
                interactive: {{ this.interactive|tojson }},
                {% if this.keys_label %}renderer: L.svg({pane: pane}), className: "rm-area",{% endif %}
                style: function (f) {
                    var k = f.properties.f;
                    return k === undefined ? style : L.extend({}, style, {fill: true, fillColor: fills[k], fillOpacity: opacity});
                },
                onEachFeature: function (f, layer) {
                    if (f.properties.t) { layer.bindTooltip(esc(f.properties.t), {sticky: true}); }
                }
            });
            {% if this.keys_label %}
            {{ this.js_area_keys }}
            areaKeys(map, group, d, {{ this.keys_label }});
            {% endif %}
            return group;
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        payload: str,
        name: str,
        *,
        fills: Sequence[str] = (),
        choropleth: ChoroplethLegend | None = None,
        colour: str = "#555555",
        weight: float = 1.0,
        fill_colour: str | None = None,
        fill_opacity: float = 0.6,
        interactive: bool = True,
        tooltip_on_area: bool = True,
        z_index: int = 400,
        control: bool = True,
        show: bool = True,
        keys_label: str | None = None,
    ):
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "BoundaryLayer"
        if keys_label is not None and not interactive:
            raise ValueError(f"boundaries {name!r}: keyboard navigation needs an interactive layer")
        self.keys_label = script_json(str(keys_label)) if keys_label is not None else None
        self.js_area_keys = _JS_AREA_KEYS
        self.z_index = int(z_index)
        self.choropleth = choropleth
        self.payload = payload
        self.fills = script_json([check_colour(c, "fill colour") for c in fills])
        self.fill_opacity = float(fill_opacity)
        self.style = script_json(
            {
                "color": check_colour(colour),
                "weight": float(weight),
                "opacity": 0.9,
                "fill": fill_colour is not None or (interactive and tooltip_on_area),
                "fillColor": check_colour(fill_colour or colour, "fill colour"),
                "fillOpacity": float(fill_opacity) if fill_colour is not None else 0.0,
            }
        )
        self.interactive = bool(interactive)
        self.js_escape = _JS_ESCAPE


class LegendControl(VerbatimRender):
    """A Leaflet control listing the shown layers, built with DOM text nodes from a JSON spec. As the child of a
    layer (an `OverlayGroup`) it is shown while that layer is on the map. Its CSS comes with `MapDecorations`.
    A legend with more than `collapse_rows` rows, or on a map narrower than `narrow_px`, starts with its categories
    folded; its title unfolds them.

    Markup for tests: `.rm-legend` > `.rm-legend-entry[data-layer][data-count]` (with `.rm-legend-item[data-value]
    [data-count][data-shape]` per class, its swatch an `svg.rm-swatch-shape` drawn like the class's markers) and `.rm-legend-classes[data-layer]` > `.rm-legend-class[data-lower][data-upper]`.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (owner) {
            {{ this.js_on_map }}
            var spec = {{ this.spec }};
            function el(tag, cls, text) {
                var e = document.createElement(tag);
                if (cls) { e.className = cls; }
                if (text !== undefined) { e.textContent = text; }
                return e;
            }
            {{ this.js_shape_path }}
            function row(colour, text, cls) {
                var r = el("div", "rm-legend-row " + (cls || "")), sw = el("span", "rm-swatch");
                sw.style.background = colour;
                r.appendChild(sw);
                r.appendChild(el("span", "rm-legend-label", text));
                return r;
            }
            // A class's swatch is its markers' shape in its colour (the same path as on the map).
            function shapeRow(item, cls) {
                var r = row(item.colour, item.text, cls), svg = L.SVG.create("svg"), path = L.SVG.create("path");
                svg.setAttribute("class", "rm-swatch-shape rm-shape-" + item.shape);
                svg.setAttribute("viewBox", "-8 -8 16 16");
                svg.setAttribute("aria-hidden", "true");
                path.setAttribute("d", shapePath(item.outline, 0, 0, 5.5));
                path.setAttribute("fill", item.colour);
                path.setAttribute("stroke", "#ffffff");
                svg.appendChild(path);
                r.replaceChild(svg, r.firstChild);
                return r;
            }
            var control = L.control({position: spec.position});
            control.onAdd = function (map) {
                var box = el("div", "leaflet-control rm-legend");
                var rows = spec.entries.reduce(function (n, e) { return n + 1 + e.items.length; }, 0);
                var hasItems = spec.entries.some(function (e) { return e.items.length > 0; });
                if (spec.title) {
                    var title = el("div", "rm-legend-title", spec.title);
                    if (hasItems) {
                        // A long legend starts with its categories folded; its title unfolds them.
                        title.className += " rm-legend-toggle";
                        title.setAttribute("role", "button");
                        title.tabIndex = 0;
                        var toggle = function () { box.classList.toggle("rm-legend-collapsed"); };
                        title.addEventListener("click", toggle);
                        title.addEventListener("keydown", function (ev) {
                            if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); toggle(); }
                        });
                        // On a narrow map (a phone) it starts folded too, so that it leaves the map visible.
                        if (rows > {{ this.collapse_rows }} || map.getSize().x < {{ this.narrow_px }}) {
                            box.classList.add("rm-legend-collapsed");
                        }
                    }
                    box.appendChild(title);
                }
                spec.entries.forEach(function (entry) {
                    var e = row(entry.colour, entry.text, "rm-legend-entry");
                    e.setAttribute("data-layer", entry.layer);
                    e.setAttribute("data-count", String(entry.count));
                    box.appendChild(e);
                    if (entry.items.length) {
                        var items = el("div", "rm-legend-items");
                        entry.items.forEach(function (item) {
                            var i = shapeRow(item, "rm-legend-item");
                            i.setAttribute("data-shape", item.shape);
                            i.setAttribute("data-value", item.value);
                            i.setAttribute("data-count", String(item.count));
                            items.appendChild(i);
                        });
                        box.appendChild(items);
                    }
                    if (entry.stale) {
                        var hollow = row("#ffffff", entry.stale.text, "rm-legend-stale");
                        hollow.firstChild.style.border = "2px dashed " + entry.colour;
                        hollow.setAttribute("data-count", String(entry.stale.count));
                        box.appendChild(hollow);
                    }
                });
                spec.choropleths.forEach(function (ch) {
                    var c = el("div", "rm-legend-classes");
                    c.setAttribute("data-layer", ch.layer);
                    if (ch.title) { c.appendChild(el("div", "rm-legend-title", ch.title)); }
                    ch.classes.forEach(function (k) {
                        var r = row(k.colour, k.text, "rm-legend-class");
                        r.setAttribute("data-lower", k.lower === null ? "" : String(k.lower));
                        r.setAttribute("data-upper", k.upper === null ? "" : String(k.upper));
                        c.appendChild(r);
                    });
                    box.appendChild(c);
                });
                L.DomEvent.disableClickPropagation(box);
                L.DomEvent.disableScrollPropagation(box);
                return box;
            };
            onMap(owner, function (map) { control.addTo(map); }, function () { control.remove(); });
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, spec: dict[str, Any], collapse_rows: int = 14, narrow_px: int = 480):
        super().__init__()
        self._name = "LegendControl"
        self.spec = script_json(spec)
        self.collapse_rows = int(collapse_rows)
        self.narrow_px = int(narrow_px)
        self.js_on_map = _JS_ON_MAP
        self.js_shape_path = JS_SHAPE_PATH


class MapDecorations(VerbatimRender):
    """The map's background colour, the CSS of its swappable content (cluster icons, legend), which streamlit-folium
    would not add when it injects that content later, and the map's own behaviour:

    - a click focuses the map without scrolling the page (Leaflet's keyboard handler focuses the map container on
      mousedown; in an iframe that is partly below the fold the browser then scrolls the page, so the pointer is no
      longer over the marker at mouseup and the first click is lost);
    - the controls come first in the tab order (before the markers), boundaries are no tab stops (but a navigable
      `BoundaryLayer`, one stop of its own), keyboard focus is outlined on the map, its
      markers and its controls, and Enter or Space on the layer control's toggle opens it and focuses its first check box, Escape closes it;
    - point markers and clusters are keyboard stops (`role=button`, named by the record's name and class, or by the
      cluster's `cluster` text with its `{count}`): Enter or Space on a marker selects it as a click does (the same
      position and tooltip reach streamlit-folium), on a cluster it zooms in or spreads the cluster out and moves the
      focus to the nearest marker; a marker focused by keyboard is panned into view, and a focused marker shows its tooltip;
    - the attribution control is folded to one line, with a toggle button (`.rm-attribution-toggle`, keyboard
      accessible, `aria-expanded`) that shows every attribution;
    - when a tile of a basemap fails to load (offline), a notice (`.rm-offline-notice`) offers the map without
      basemap `offline_basemap`: its link sets `{"rm_basemap": offline_basemap}` as the component value (see
      `regionmap.ui.mapview.offline_switch`) and points at the same page with `basemap=offline_basemap`.

    `texts` are the user-facing strings: `attribution_show`, `attribution_hide`, `tiles_offline`,
    `tiles_offline_action`, `cluster`; they are shown as text.
    """

    TEXT_KEYS = ("attribution_show", "attribution_hide", "tiles_offline", "tiles_offline_action", "cluster")

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        #map_div { height: 100vh !important; } /* the map fills its iframe, whose height the page may set */
        .leaflet-interactive:focus { outline: none; }
        /* Keyboard focus is visible on the map, its markers and its controls (WCAG 2.4.7). */
        .leaflet-container:focus-visible, .leaflet-container .leaflet-interactive:focus-visible,
        .leaflet-control a:focus-visible, .leaflet-control button:focus-visible, .leaflet-control input:focus-visible,
        .leaflet-control [tabindex]:focus-visible { outline: 3px solid #0b5394 !important; outline-offset: -3px; }
        .leaflet-control input:focus-visible { outline-offset: 1px; }
        .leaflet-container .leaflet-interactive:focus-visible { outline-offset: 0; }
        .leaflet-container path.rm-point:focus-visible { stroke: #0b5394; stroke-width: 3px; stroke-dasharray: none; }
        /* A focused municipality: a black border in a white halo that follows its shape (not the box around it),
           visible on light and dark fills alike (1.4.11). */
        .leaflet-container path.rm-area:focus-visible { outline: none !important; stroke: #000; stroke-width: 3px;
                     stroke-opacity: 1; filter: drop-shadow(0 0 1.5px #fff) drop-shadow(0 0 1.5px #fff)
                     drop-shadow(0 0 1.5px #fff); }
        .rm-cluster { background: rgba(255, 255, 255, 0.7); }
        .rm-cluster div { color: #fff; font: 600 12px/30px sans-serif; }
        .rm-cluster span { line-height: 30px; }
        .rm-legend { background: rgba(255, 255, 255, 0.92); padding: 6px 8px; border-radius: 4px; font: 12px/1.4 sans-serif;
                     box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3); max-height: 45vh; overflow-y: auto; max-width: 260px; }
        .rm-legend-title { font-weight: 600; margin-bottom: 4px; }
        .rm-legend-row { display: flex; align-items: center; gap: 6px; }
        .rm-legend-items { margin: 0 0 4px 14px; }
        .rm-legend-collapsed .rm-legend-items { display: none; }
        .rm-legend-toggle { cursor: pointer; user-select: none; }
        .rm-legend-toggle::before { content: "\\25BE  "; }
        .rm-legend-collapsed .rm-legend-toggle::before { content: "\\25B8  "; }
        .rm-swatch { display: inline-block; flex: none; width: 12px; height: 12px; border-radius: 50%; border: 1px solid #fff;
                     box-shadow: 0 0 0 1px rgba(0, 0, 0, 0.25); }
        .rm-legend-class .rm-swatch { border-radius: 2px; }
        .rm-swatch-shape { flex: none; width: 16px; height: 16px; overflow: visible; }
        .leaflet-control-attribution.rm-attribution { max-width: calc(100vw - 20px); box-sizing: border-box;
                     font: 11px/16px sans-serif; max-height: 40vh; overflow-y: auto; }
        .leaflet-control-attribution.rm-attribution-collapsed { white-space: nowrap; overflow: hidden;
                     text-overflow: ellipsis; max-width: min(520px, calc(100vw - 120px)); } /* the scale bar stays visible */
        .rm-attribution-toggle { font: 600 11px/14px sans-serif; margin: 0 4px 0 0; padding: 0 4px; cursor: pointer;
                     border: 1px solid #8a949e; border-radius: 3px; background: #fff; color: #1f2d3a; vertical-align: baseline; }
        .rm-attribution-toggle:focus-visible { outline: 2px solid #0b5394; outline-offset: 1px; }
        .rm-offline-notice { background: #fff8e1; border: 1px solid #c98a00; border-radius: 4px; padding: 6px 8px;
                     font: 12px/1.4 sans-serif; color: #3e2c00; max-width: min(320px, calc(100vw - 80px));
                     box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3); }
        .rm-offline-notice a { display: inline-block; margin-top: 4px; font-weight: 600; color: #0b5394; }
        </style>
        {% endmacro %}

        {% macro script(this, kwargs) %}
        (function (map) {
            var texts = {{ this.texts }}, offlineBasemap = {{ this.offline_basemap|tojson }};
            map.getContainer().style.background = {{ this.background|tojson }};
            // Unbind Leaflet's own mousedown handler (disable) before replacing it, then bind the new one (enable).
            var keyboard = L.Map.Keyboard.prototype, rebind = map.keyboard && map.keyboard.enabled();
            if (rebind) { map.keyboard.disable(); }
            if (!keyboard.rmNoScroll) {
                keyboard._onMouseDown = function () {
                    if (!this._focused) { this._map._container.focus({preventScroll: true}); }
                };
                keyboard.rmNoScroll = true;
            }
            if (rebind) { map.keyboard.enable(); }
            // The controls (zoom, layers, legend, credits) come first in the tab order, before the markers: in the
            // DOM Leaflet puts them after the panes (their place on screen is set by CSS).
            var container = map.getContainer();
            container.insertBefore(map._controlContainer, container.firstChild);
            // Boundaries are no tab stops: Leaflet makes every polygon with a tooltip focusable, hundreds of them,
            // also outside the view, where a focused one cannot be seen. A navigable layer's polygons (`rmArea`) are
            // one stop of their own (see `_JS_AREA_KEYS`).
            var inert = function (layer) {
                if (layer instanceof L.Path && layer.options.pane !== "rmPoints" && !layer.rmArea && layer.getElement
                    && layer.getElement()) { layer.getElement().setAttribute("tabindex", "-1"); }
            };
            // Point markers and clusters are keyboard stops (buttons): a marker is named by its record (`rmName`),
            // a cluster by its number of points.
            var accessible = function (layer) {
                var el = layer.getElement && layer.getElement(), count = layer.getChildCount ? layer.getChildCount()
                    : layer.options.rmCount;
                if (!el || !layer.getLatLng || !(layer.rmName || count)) { return; }
                el.setAttribute("tabindex", "0");
                el.setAttribute("role", "button");
                el.setAttribute("aria-label", layer.rmName ? layer.rmName() : texts.cluster.replace("{count}", count));
                el.rmLayer = layer;
            };
            map.eachLayer(function (layer) { inert(layer); accessible(layer); });
            map.on("layeradd", function (ev) { inert(ev.layer); accessible(ev.layer); });
            // After a cluster opened (zoomed in or spread out), the focus goes to the marker or cluster nearest to it.
            var nearest = function (at) {
                var best = null, bestDistance = Infinity, size = map.getSize(), p = map.latLngToContainerPoint(at);
                container.querySelectorAll(".rm-point, .rm-cluster").forEach(function (el) {
                    if (!el.rmLayer || !el.isConnected) { return; }
                    var q = map.latLngToContainerPoint(el.rmLayer.getLatLng()), distance = q.distanceTo(p);
                    if (q.x >= 0 && q.y >= 0 && q.x <= size.x && q.y <= size.y && distance < bestDistance) {
                        best = el;
                        bestDistance = distance;
                    }
                });
                return best;
            };
            // A focused marker or cluster that goes away (a cluster opened, the clusters redrawn after a zoom) leaves
            // the focus on the map, then on what lies nearest to where it was, once the markers have settled.
            var keep = function (at) {
                container.focus({preventScroll: true});
                var tries = 0, again = function () {
                    if (document.activeElement !== container) { return; }  // the user moved on
                    var next = nearest(at);
                    if (next) { next.focus({preventScroll: true}); } else if (++tries < 5) { setTimeout(again, 300); }
                };
                setTimeout(again, 400);
            };
            container.addEventListener("focusout", function (ev) {
                var el = ev.target, layer = el.rmLayer;
                if (!layer || ev.relatedTarget) { return; }
                setTimeout(function () {
                    var active = document.activeElement;
                    if (!el.isConnected && (!active || active === document.body)) { keep(layer.getLatLng()); }
                }, 0);
            });
            var activate = function (layer, ev) {
                layer.fire("click", {latlng: layer.getLatLng(), originalEvent: ev}, true);
                if (!layer.rmName) { keep(layer.getLatLng()); }  // a cluster: zoomed in or spread out
            };
            // A focused marker is shown: the map pans to it (the browser would scroll the map's container instead),
            // and it shows its tooltip (a `focus` event of the layer).
            container.addEventListener("focusin", function (ev) {
                var layer = ev.target.rmLayer;
                container.scrollTop = 0;
                container.scrollLeft = 0;
                if (!layer) { return; }
                // Near an edge it could lie under a control (the legend, the scale): it is brought to the centre;
                // not when a pointer focused it (a click's mouseup must still land on the marker).
                var keyboard = ev.target.matches(":focus-visible");
                if (keyboard && !map.getBounds().pad(-0.2).contains(layer.getLatLng())) { map.panTo(layer.getLatLng()); }
                layer.fire("focus", {originalEvent: ev}, true);
            });
            // The layer control hides its toggle when it opens: from the keyboard, the focus moves on to its first
            // check box instead of getting lost.
            // Escape inside the open control closes it and gives the focus back to its toggle.
            container.addEventListener("keydown", function (ev) {
                var target = ev.target;
                // Enter or Space on a marker selects its record as a click does; on a cluster it opens the cluster.
                if (target.rmLayer && (ev.key === "Enter" || ev.key === " ")) {
                    ev.preventDefault();
                    activate(target.rmLayer, ev);
                    return;
                }
                var box = target.closest && target.closest(".leaflet-control-layers");
                if (!box) { return; }
                var link = box.querySelector(".leaflet-control-layers-toggle");
                if (target === link && (ev.key === "Enter" || ev.key === " ")) {
                    ev.preventDefault();
                    box.classList.add("leaflet-control-layers-expanded");
                    var first = box.querySelector(".leaflet-control-layers-selector");
                    if (first) { first.focus(); }
                } else if (ev.key === "Escape" && box.classList.contains("leaflet-control-layers-expanded")) {
                    box.classList.remove("leaflet-control-layers-expanded");
                    link.focus();
                }
            });
            var credits = map.attributionControl;
            if (credits) {
                var box = credits.getContainer(), toggle = document.createElement("button"), update = credits._update;
                toggle.type = "button";
                toggle.className = "rm-attribution-toggle";
                box.classList.add("rm-attribution", "rm-attribution-collapsed");
                var sync = function () {
                    var open = !box.classList.contains("rm-attribution-collapsed");
                    toggle.setAttribute("aria-expanded", String(open));
                    toggle.textContent = open ? "\\u25BE" : "\\u25B8";
                    toggle.title = open ? texts.attribution_hide : texts.attribution_show;
                    toggle.setAttribute("aria-label", toggle.title);
                };
                toggle.addEventListener("click", function (ev) {
                    L.DomEvent.stop(ev);
                    box.classList.toggle("rm-attribution-collapsed");
                    sync();
                });
                credits._update = function () {
                    update.apply(this, arguments);
                    box.insertBefore(toggle, box.firstChild);
                };
                credits._update();
                sync();
                L.DomEvent.disableClickPropagation(box);
            }
            var notice = null;
            function offline() {
                if (notice) { return; }
                notice = L.control({position: "topleft"});
                notice.onAdd = function () {
                    var div = L.DomUtil.create("div", "leaflet-control rm-offline-notice");
                    div.setAttribute("role", "status");
                    div.appendChild(document.createTextNode(texts.tiles_offline + " "));
                    var link = document.createElement("a"), href = "?basemap=" + encodeURIComponent(offlineBasemap);
                    try {
                        var url = new URL(window.parent.location.href);
                        url.searchParams.set("basemap", offlineBasemap);
                        href = url.toString();
                    } catch (e) { /* a map outside the app: keep the relative link */ }
                    link.href = href;
                    link.target = "_top";
                    link.className = "rm-offline-switch";
                    link.textContent = texts.tiles_offline_action;
                    link.addEventListener("click", function (ev) {
                        var streamlit = window.Streamlit, data = window.__GLOBAL_DATA__;
                        if (!streamlit || !data) { return; }
                        ev.preventDefault();
                        streamlit.setComponentValue(L.extend({}, data.previous_data, {rm_basemap: offlineBasemap}));
                    });
                    div.appendChild(document.createElement("br"));
                    div.appendChild(link);
                    L.DomEvent.disableClickPropagation(div);
                    return div;
                };
                notice.addTo(map);
            }
            if (offlineBasemap) {
                map.eachLayer(function (layer) { if (layer instanceof L.TileLayer) { layer.on("tileerror", offline); } });
            }
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, background: str, texts: Mapping[str, str], offline_basemap: str | None = None):
        super().__init__()
        self._name = "MapDecorations"
        self.background = check_colour(background, "background")
        self.offline_basemap = offline_basemap
        missing = [key for key in self.TEXT_KEYS if key not in texts]
        if missing:
            raise ValueError(f"map texts: missing {', '.join(missing)}")
        self.texts = script_json({key: str(texts[key]) for key in self.TEXT_KEYS})


class FitView(VerbatimRender):
    """Fits the map to `bounds` ((south, west), (north, east)) when this content is first shown, at most to
    `max_zoom` (a single point). As the child of a swappable layer it refits only when its bounds differ from the last
    fitted ones: a rerun with the same content keeps the user's view. Until the user touches the map (pointer, wheel,
    key), a resize of the map (the iframe getting its final size) fits the bounds again."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (owner) {
            {{ this.js_on_map }}
            var spec = {{ this.spec }};
            onMap(owner, function (map) {
                var fit = map.rmFit;
                if (!fit) {
                    fit = map.rmFit = {key: null, touched: false};
                    ["pointerdown", "wheel", "touchstart", "keydown"].forEach(function (name) {
                        map.getContainer().addEventListener(name, function () { fit.touched = true; }, true);
                    });
                    map.on("resize", function () {
                        if (!fit.touched && fit.bounds) { map.fitBounds(fit.bounds, fit.options); }
                    });
                }
                var key = JSON.stringify(spec);
                if (fit.key === key) { return; }
                fit.key = key;
                fit.bounds = L.latLngBounds(spec.bounds);
                fit.options = {maxZoom: spec.maxZoom, padding: [12, 12]};
                fit.touched = false;
                map.fitBounds(fit.bounds, fit.options);
            }, function () {});
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: Sequence[Sequence[float]], max_zoom: float):
        super().__init__()
        self._name = "FitView"
        (south, west), (north, east) = bounds
        self.spec = script_json({"bounds": [[float(south), float(west)], [float(north), float(east)]],
                                 "maxZoom": float(max_zoom)})
        self.js_on_map = _JS_ON_MAP


class Attributions(VerbatimRender):
    """Licence attributions (shown as text) of the map's content; as the child of a layer, shown while it is on
    the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (owner) {
            {{ this.js_escape }}
            {{ this.js_on_map }}
            var texts = {{ this.attributions }}.map(esc);
            function each(map, method) {
                if (map && map.attributionControl) { texts.forEach(function (a) { map.attributionControl[method](a); }); }
            }
            onMap(owner, function (map) { each(map, "addAttribution"); }, function (map) { each(map, "removeAttribution"); });
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, attributions: Sequence[str]):
        super().__init__()
        self._name = "Attributions"
        self.attributions = script_json(list(dict.fromkeys(a for a in attributions if a)))
        self.js_escape = _JS_ESCAPE
        self.js_on_map = _JS_ON_MAP

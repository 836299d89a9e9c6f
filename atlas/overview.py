"""The overview map (the map page and the home page) drawn with folium: the region's
outlines, the circles, and a layer that draws every place and supply link from the
shared place data (static/atlas-map.js). Kept apart from atlas/maps.py so that folium
is imported only by a build that draws an overview map."""
from __future__ import annotations

import itertools
from contextlib import contextmanager

import branca.element
import folium

from . import maps
from .maps import (MARKER_KINDS, REGION_CENTRE, TILE_LAYERS, MapMaker, RenderedMap, bilingual,
                   circle_centre, circle_rings, js_string, root_prefix, safe)
from .model import Circle


@contextmanager
def stable_ids():
    """Name every folium/branca element from a counter instead of random bytes, so two
    builds of the same content are byte-identical."""
    counter = itertools.count(1)
    original = branca.element.Element._generate_id
    branca.element.Element._generate_id = classmethod(lambda cls: f"{next(counter):04d}")
    try:
        yield
    finally:
        branca.element.Element._generate_id = original


class _BasemapLayer(branca.element.MacroElement):
    """Province, district and city outlines (static/atlas-map.js draws them from a
    global that static/geo/basemap.js sets: no tile server, no fetch())."""

    _template = branca.element.Template("""
        {% macro script(this, kwargs) %}
        window.atlasBasemap({{ this._parent.get_name() }});
        {% endmacro %}
    """)


class _PlacesLayer(branca.element.MacroElement):
    """Every place and supply link, from the shared compact array, with a layer control
    that also lists the circles drawn by folium."""

    _template = branca.element.Template("""
        {% macro script(this, kwargs) %}
        window.atlasOverview({{ this._parent.get_name() }}, {{ this.root }}, {{ this.labels }},
            [{% for name, label in this.circles %}[{{ name }}, {{ label }}]{% if not loop.last %}, {% endif %}{% endfor %}],
            {{ this.collapsed }}, {{ this.lines_at_first }});
        window.atlas_map = {{ this._parent.get_name() }};
        {% endmacro %}
    """)

    def __init__(self, root: str, labels: list[str], circles: list[tuple[str, str]],
                 collapsed: bool, lines_at_first: int):
        super().__init__()
        self.lines_at_first = int(lines_at_first)
        self.root = js_string(root)
        self.labels = js_string(labels)
        self.circles = [(name, js_string(label)) for name, label in circles]
        self.collapsed = "true" if collapsed else "false"


def _new_map(maker: MapMaker, location, zoom: int) -> folium.Map:
    fmap = folium.Map(location=maker.point(*location), zoom_start=zoom, tiles=None,
                      control_scale=True)
    # With no tile layer folium sets no zoom limits; the marker clusters need them.
    # The first view fits the circles (static/atlas-map.js): quarter steps, so the
    # region is not shown at half the size needed, and a phone's 320 px needs 5.9.
    fmap.options.update(min_zoom=5.5, max_zoom=16, zoom_snap=0.25)
    # Assets come from the page's own <script>/<link> tags, pointing at static/.
    fmap.default_js = []
    fmap.default_css = []
    _BasemapLayer().add_to(fmap)
    for name in maker.config.tiles:
        spec = dict(TILE_LAYERS[name])
        spec["tiles"] = spec["tiles"].replace("{key}", maker.config.tianditu_key)
        folium.TileLayer(overlay=True, show=False, max_zoom=16, **spec).add_to(fmap)
    return fmap

def _circle_layer(maker: MapMaker, circle: Circle, show: bool) -> folium.FeatureGroup | None:
    centre = circle_centre(circle, maker.atlas)
    rings = circle_rings(circle)
    if centre is None or not rings:
        return None
    group = folium.FeatureGroup(name=safe(circle.name), show=show, control=False)
    for km, label, stated in rings:
        folium.Circle(maker.point(centre.lat, centre.lon), radius=km * 1000,
                      color="#1d6fa5" if stated else "#777777", weight=2 if stated else 1.5,
                      fill=stated, fill_opacity=0.04, dash_array=None if stated else "4 6",
                      tooltip=folium.Tooltip(safe(f"{circle.name} {circle.name_en}: {label}"))
                      ).add_to(group)
    return group

def overview_map(maker: MapMaker, page_path: str, collapsed_controls: bool = False) -> RenderedMap:
    """The full map: every located record by kind, supply links, and the circles."""
    with stable_ids():
        fmap = _new_map(maker, REGION_CENTRE, 8)
        circles = []
        for index, circle in enumerate(maker.atlas.circles.values()):
            layer = _circle_layer(maker, circle, show=index == 0)
            if layer:
                layer.add_to(fmap)
                circles.append((layer.get_name(), bilingual(circle.name, circle.name_en)))
        labels = [f'<span class="mk mk-{kind}"></span> {bilingual(label, label_en)}'
                  for kind, label, label_en in MARKER_KINDS]
        labels.append(f'<span class="mk-line"></span> {bilingual("供应关系", "Supply links")}')
        _PlacesLayer(root_prefix(page_path), labels, circles, collapsed_controls,
                     maps.LINES_AT_FIRST).add_to(fmap)
        figure = fmap.get_root()
        figure.render()
        return RenderedMap(html=figure.html.render(), script=figure.script.render())

"""Stage 5, maps: folium maps of the Atlas, with local assets, escaped text and stable ids."""
from __future__ import annotations

import html
import itertools
from contextlib import contextmanager
from dataclasses import dataclass

import branca.element
import folium
from folium.plugins import MarkerCluster

from . import geo
from .format import PRECISION_ZH, fact_value
from .model import Atlas, Circle, Company, Link, Park, Record
from .urls import record_path, relative

REGION_CENTRE = (39.3, 116.9)

# The map's assets, served from the site itself (see static/vendor/README.md); pages
# link them relative to their own path, so folium's CDN lists are emptied below.
MAP_CSS = ("static/vendor/leaflet-1.9.4/leaflet.css",
           "static/vendor/leaflet.markercluster-1.1.0/MarkerCluster.css",
           "static/vendor/leaflet.markercluster-1.1.0/MarkerCluster.Default.css")
MAP_JS = ("static/vendor/leaflet-1.9.4/leaflet.js",
          "static/vendor/jquery-3.7.1/jquery.min.js",
          "static/vendor/leaflet.markercluster-1.1.0/leaflet.markercluster.js",
          "static/geo/basemap.js")

# The kinds of marker, in legend order: (id, label, English label, CSS class).
MARKER_KINDS = (
    ("park", "园区", "Parks"),
    ("vehicle", "整车厂", "Vehicle plants"),
    ("supplier", "零部件与制造企业", "Suppliers and manufacturers"),
    ("institution", "机构", "Institutions"),
)
INSTITUTION_ROLES = {"research-institute", "university", "bank", "investor", "platform",
                     "hospital", "government", "association", "other"}


def marker_kind(record: Record) -> str:
    if isinstance(record, Park):
        return "park"
    if isinstance(record, Company):
        if record.role == "vehicle-maker":
            return "vehicle"
        return "institution" if record.role in INSTITUTION_ROLES else "supplier"
    return "park"


def safe(text: str) -> str:
    """Escape text for folium popups and tooltips: HTML-escaped, and inert inside the
    JavaScript template literals folium wraps them in (no backtick, no `${`, no backslash)."""
    return safe_html(html.escape(str(text), quote=True))


def safe_html(markup: str) -> str:
    """Make HTML that we built from escaped parts inert inside a JS template literal."""
    return markup.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


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


@dataclass(frozen=True)
class RenderedMap:
    """The parts of a folium map that a page embeds: a div and a script."""

    html: str
    script: str


class _BasemapLayer(branca.element.MacroElement):
    """Province and district outlines from a global set by a <script src> file, so the map
    needs no tile server and no fetch() (which file:// forbids)."""

    _template = branca.element.Template("""
        {% macro script(this, kwargs) %}
        if (window.ATLAS_BASEMAP) {
            L.geoJSON(window.ATLAS_BASEMAP, {
                style: function (f) { return f.properties.level === 'province'
                    ? {color: '#55606e', weight: 1.6, fill: false, interactive: false}
                    : {color: '#9aa5b1', weight: 0.7, fillColor: '#f4f1ea', fillOpacity: 1,
                       interactive: false}; }
            }).addTo({{ this._parent.get_name() }});
        }
        {% endmacro %}
    """)


def _new_map(location, zoom: int, height_class: str = "") -> folium.Map:
    fmap = folium.Map(location=list(location), zoom_start=zoom, tiles=None, control_scale=True)
    # With no tile layer folium sets no zoom limits; the marker clusters need them.
    fmap.options.update(min_zoom=6, max_zoom=16)
    # Assets come from the page's own <script>/<link> tags, pointing at static/vendor.
    fmap.default_js = []
    fmap.default_css = []
    _BasemapLayer().add_to(fmap)
    return fmap


def _cluster_group(name: str, show: bool = True) -> MarkerCluster:
    group = MarkerCluster(name=name, show=show,
                          options={"maxClusterRadius": 18, "spiderfyOnMaxZoom": True,
                                   "showCoverageOnHover": False, "disableClusteringAtZoom": 15})
    group.default_js = []
    group.default_css = []
    return group


def _render(fmap: folium.Map) -> RenderedMap:
    figure = fmap.get_root()
    figure.render()
    return RenderedMap(html=figure.html.render(), script=figure.script.render())


def _popup(record: Record, page_path: str, atlas: Atlas) -> str:
    kind = record.kind_name
    link = relative(page_path, record_path(kind, record.id))
    role = {"park": "园区", "vehicle": "整车企业", "supplier": "企业",
            "institution": "机构"}[marker_kind(record)]
    location = record.location
    where = PRECISION_ZH[location.precision] if location else ""
    return safe_html(
        f'<div class="popup"><strong>{html.escape(record.name)}</strong><br>'
        f'<span lang="en">{html.escape(record.name_en)}</span><br>'
        f'<span class="popup-role">{role} · {where}</span><br>'
        f'<a href="{html.escape(link)}">查看档案 Profile</a></div>')


def _marker(record: Record, page_path: str, atlas: Atlas, highlight: bool = False) -> folium.Marker:
    kind = marker_kind(record)
    loc = record.location
    icon = folium.DivIcon(html=f'<span class="mk mk-{kind}{" mk-here" if highlight else ""}"></span>',
                          class_name="mk-wrap", icon_size=(16, 16), icon_anchor=(8, 8))
    return folium.Marker([loc.lat, loc.lon], icon=icon,
                         popup=folium.Popup(_popup(record, page_path, atlas), max_width=280),
                         tooltip=folium.Tooltip(safe(f"{record.name} {record.name_en}")))


def link_label(link: Link, atlas: Atlas) -> str:
    supplier, customer = atlas.companies[link.supplier], atlas.companies[link.customer]
    parts = [f"{supplier.name} → {customer.name}"]
    if link.product:
        parts.append(link.product)
    parts += [f"{atlas.metrics[f.metric].name} {fact_value(f)}" for f in link.facts]
    return " · ".join(parts)


def _link_line(link: Link, atlas: Atlas) -> folium.PolyLine | None:
    a, b = atlas.companies[link.supplier].location, atlas.companies[link.customer].location
    if not a or not b or (a.lat, a.lon) == (b.lat, b.lon):
        return None
    approximate = a.precision in ("district", "city") or b.precision in ("district", "city")
    return folium.PolyLine([[a.lat, a.lon], [b.lat, b.lon]], color="#b4541c", weight=2,
                           opacity=0.7, dash_array="6 6" if approximate else None,
                           tooltip=folium.Tooltip(safe(link_label(link, atlas))))


def circle_centre(circle: Circle, atlas: Atlas):
    park = atlas.parks.get(circle.centre)
    return park.location if park else None


def circle_rings(circle: Circle) -> list[tuple[float, str, bool]]:
    """Every radius to draw: (km, label, stated-by-a-source)."""
    rings = [(r.km, f"{r.value:g} {r.unit} · {r.source_id}", True) for r in circle.radii]
    if circle.assumed_radius_km:
        rings.append((circle.assumed_radius_km, f"{circle.assumed_radius_km:g} km · 本图假设", False))
    return rings


def _circle_layers(circle: Circle, atlas: Atlas, show: bool) -> folium.FeatureGroup | None:
    centre = circle_centre(circle, atlas)
    rings = circle_rings(circle)
    if centre is None or not rings:
        return None
    group = folium.FeatureGroup(name=safe(f"{circle.name}"), show=show)
    for km, label, stated in rings:
        folium.Circle([centre.lat, centre.lon], radius=km * 1000,
                      color="#1d6fa5" if stated else "#777777", weight=2 if stated else 1.5,
                      fill=stated, fill_opacity=0.04, dash_array=None if stated else "4 6",
                      interactive=True,
                      tooltip=folium.Tooltip(safe(f"{circle.name} {circle.name_en}: {label}"))
                      ).add_to(group)
    return group


def located(atlas: Atlas):
    """Every park and company that has a (possibly inherited) location."""
    return [r for r in list(atlas.parks.values()) + list(atlas.companies.values()) if r.location]


def overview_map(atlas: Atlas, page_path: str, collapsed_controls: bool = False) -> RenderedMap:
    """The full map: every located record by kind, supply links, and the circles."""
    with stable_ids():
        fmap = _new_map(REGION_CENTRE, 8)
        groups = {}
        for kind, label, label_en in MARKER_KINDS:
            groups[kind] = _cluster_group(
                safe_html(f'<span class="mk mk-{kind}"></span> {html.escape(label)} '
                          f'<span lang="en">{html.escape(label_en)}</span>'))
        for record in located(atlas):
            _marker(record, page_path, atlas).add_to(groups[marker_kind(record)])
        for group in groups.values():
            group.add_to(fmap)
        lines = folium.FeatureGroup(name=safe_html('<span class="mk-line"></span> 供应关系 '
                                                   '<span lang="en">Supply links</span>'))
        for link in atlas.links:
            line = _link_line(link, atlas)
            if line:
                line.add_to(lines)
        lines.add_to(fmap)
        for index, circle in enumerate(atlas.circles.values()):
            layer = _circle_layers(circle, atlas, show=index == 0)
            if layer:
                layer.add_to(fmap)
        folium.LayerControl(collapsed=collapsed_controls).add_to(fmap)
        return _render(fmap)


def small_map(focus: list[Record], context: list[Record], page_path: str, atlas: Atlas,
              links: list[Link] = ()) -> RenderedMap | None:
    """A small map on an entity page: the focus records highlighted, related ones around."""
    points = [r for r in focus + context if r.location]
    if not points:
        return None
    lats = [r.location.lat for r in points]
    lons = [r.location.lon for r in points]
    with stable_ids():
        fmap = _new_map(((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2), 10)
        group = _cluster_group("places")
        seen = set()
        for record in points:
            key = (record.kind_name, record.id)
            if key in seen:
                continue
            seen.add(key)
            _marker(record, page_path, atlas, highlight=record in focus).add_to(group)
        group.add_to(fmap)
        for link in links:
            line = _link_line(link, atlas)
            if line:
                line.add_to(fmap)
        if len({(a, b) for a, b in zip(lats, lons)}) > 1:
            fmap.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(24, 24),
                            max_zoom=12)
        return _render(fmap)


def places_inside(circle: Circle, atlas: Atlas, km: float) -> list[tuple[Record, float]]:
    """Located parks and companies within `km` of the circle's centre, nearest first."""
    centre = circle_centre(circle, atlas)
    if centre is None:
        return []
    found = []
    for record in located(atlas):
        d = geo.distance_km((centre.lat, centre.lon), (record.location.lat, record.location.lon))
        if d <= km:
            found.append((record, d))
    return sorted(found, key=lambda pair: (pair[1], pair[0].id))

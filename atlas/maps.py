"""Stage 5, maps: folium maps of the Atlas, with local assets, escaped text and stable ids."""
from __future__ import annotations

import html
import itertools
import json
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import branca.element
import folium
from folium.plugins import MarkerCluster

from . import geo
from .config import Config
from .format import PRECISION_ZH, fact_value
from .load import load_boundaries
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

# The kinds of marker, in legend order: (id, label, English label).
MARKER_KINDS = (
    ("park", "园区", "Parks"),
    ("vehicle", "整车厂", "Vehicle plants"),
    ("supplier", "零部件与制造企业", "Suppliers and manufacturers"),
    ("institution", "机构", "Institutions"),
)
INSTITUTION_ROLES = {"research-institute", "university", "bank", "investor", "platform",
                     "hospital", "government", "association", "other"}

# Optional online backgrounds (atlas.toml [map] tiles); never on by default.
TILE_LAYERS = {
    "osm": dict(tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png", name="OpenStreetMap",
                attr="© OpenStreetMap contributors"),
    "tianditu": dict(tiles="https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                           "&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                           "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
                     name="天地图 Tianditu", attr="© 天地图 Tianditu"),
    "gaode": dict(tiles="https://webrd01.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                        "&style=8&x={x}&y={y}&z={z}", name="高德地图 AutoNavi (GCJ-02)",
                  attr="© 高德地图 AutoNavi"),
}


def marker_kind(record: Record) -> str:
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
    """Province, district and city outlines from a global set by a <script src> file, so
    the map needs no tile server and no fetch() (which file:// forbids). Areas are shaded
    by how many clusters they host; names show once the map is zoomed in far enough."""

    _template = branca.element.Template("""
        {% macro script(this, kwargs) %}
        (function (map) {
            if (!window.ATLAS_BASEMAP) { return; }
            var shades = ['#f4f1ea', '#e3eddc', '#c9dfbd', '#a9cc98'];
            var layer = L.geoJSON(window.ATLAS_BASEMAP, {
                style: function (f) {
                    if (f.properties.level === 'province') {
                        return {color: '#55606e', weight: 1.6, fill: false, interactive: false};
                    }
                    var n = Math.min(f.properties.clusters || 0, 3);
                    return {color: '#9aa5b1', weight: 0.7, fillColor: shades[n], fillOpacity: 1,
                            interactive: false};
                }
            }).addTo(map);
            var labels = L.layerGroup();
            window.ATLAS_BASEMAP.features.forEach(function (f) {
                if (f.properties.level === 'province' || !f.properties.label) { return; }
                var text = f.properties.label.replace(/[&<>"']/g, function (c) {
                    return '&#' + c.charCodeAt(0) + ';'; });
                var icon = L.divIcon({className: 'area-label area-' + f.properties.level,
                                      html: '<span>' + text + '</span>', iconSize: [0, 0]});
                var marker = L.marker(f.properties.label_at, {icon: icon, interactive: false,
                                                             keyboard: false});
                marker.addTo(labels);
                marker.feature_level = f.properties.level;
            });
            function update() {
                var z = map.getZoom();
                labels.eachLayer(function (m) {
                    var show = m.feature_level === 'city' ? z >= 7 : z >= 9;
                    var el = m.getElement && m.getElement();
                    if (el) { el.style.display = show ? '' : 'none'; }
                });
            }
            labels.addTo(map);
            map.on('zoomend', update);
            update();
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)


def basemap_geojson(static: Path, atlas: Atlas, datum: str = "wgs84") -> dict:
    """The boundary features for the basemap script: each labelled, counted by the clusters
    it hosts, and converted to the maps' datum."""
    features = load_boundaries(static / "geo")
    hosted: dict[str, int] = {}
    for cluster in atlas.clusters.values():
        district = atlas.districts.get(cluster.district)
        if district:
            hosted[district.boundary] = hosted.get(district.boundary, 0) + 1
    convert = geo.wgs84_to_gcj02 if datum == "gcj02" else (lambda lat, lon: (lat, lon))
    out = []
    for name in sorted(features, key=lambda n: (features[n]["properties"]["level"] != "province", n)):
        feature = features[name]
        props = feature["properties"]
        lat, lon = props.get("centroid", (0, 0))
        out.append({"type": "Feature",
                    "properties": {"name": name, "level": props["level"],
                                   "clusters": hosted.get(name, 0),
                                   "label": name if props["level"] != "province" else "",
                                   "label_at": [round(c, 5) for c in convert(lat, lon)]},
                    "geometry": geo.transform_geometry(feature["geometry"], convert)
                    if datum == "gcj02" else feature["geometry"]})
    return {"type": "FeatureCollection", "features": out}


def link_label(link: Link, atlas: Atlas) -> str:
    supplier, customer = atlas.companies[link.supplier], atlas.companies[link.customer]
    parts = [f"{supplier.name} → {customer.name}"]
    if link.product:
        parts.append(link.product)
    parts += [f"{atlas.metrics[f.metric].name} {fact_value(f)}" for f in link.facts]
    return " · ".join(parts)


def circle_centre(circle: Circle, atlas: Atlas):
    park = atlas.parks.get(circle.centre)
    return park.location if park else None


def circle_rings(circle: Circle) -> list[tuple[float, str, bool]]:
    """Every radius to draw: (km, label, stated-by-a-source)."""
    rings = [(r.km, f"{r.value:g} {r.unit} · {r.source_id}", True) for r in circle.radii]
    if circle.assumed_radius_km:
        rings.append((circle.assumed_radius_km, f"{circle.assumed_radius_km:g} km · 本图假设", False))
    return rings


def located(atlas: Atlas) -> list[Record]:
    """Every park and company that has a (possibly inherited) location."""
    return [r for r in list(atlas.parks.values()) + list(atlas.companies.values()) if r.location]


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


class MapMaker:
    """Makes the site's folium maps for one Atlas and configuration."""

    def __init__(self, atlas: Atlas, config: Config):
        self.atlas = atlas
        self.config = config
        self.gcj02 = config.map_datum == "gcj02"

    def point(self, lat: float, lon: float) -> list[float]:
        """A WGS-84 point in the datum the map is drawn in."""
        if self.gcj02:
            lat, lon = geo.wgs84_to_gcj02(lat, lon)
        return [round(lat, 6), round(lon, 6)]

    def _new_map(self, location, zoom: int) -> folium.Map:
        fmap = folium.Map(location=self.point(*location), zoom_start=zoom, tiles=None,
                          control_scale=True)
        # With no tile layer folium sets no zoom limits; the marker clusters need them.
        fmap.options.update(min_zoom=6, max_zoom=16)
        # Assets come from the page's own <script>/<link> tags, pointing at static/vendor.
        fmap.default_js = []
        fmap.default_css = []
        _BasemapLayer().add_to(fmap)
        for name in self.config.tiles:
            spec = dict(TILE_LAYERS[name])
            spec["tiles"] = spec["tiles"].replace("{key}", self.config.tianditu_key)
            folium.TileLayer(overlay=True, show=False, max_zoom=16, **spec).add_to(fmap)
        return fmap

    @staticmethod
    def _cluster_group(name: str, show: bool = True) -> MarkerCluster:
        group = MarkerCluster(name=name, show=show,
                              options={"maxClusterRadius": 18, "spiderfyOnMaxZoom": True,
                                       "showCoverageOnHover": False,
                                       "disableClusteringAtZoom": 15})
        group.default_js = []
        group.default_css = []
        return group

    @staticmethod
    def _render(fmap: folium.Map) -> RenderedMap:
        figure = fmap.get_root()
        figure.render()
        return RenderedMap(html=figure.html.render(), script=figure.script.render())

    def _popup(self, record: Record, page_path: str) -> str:
        link = relative(page_path, record_path(record.kind_name, record.id))
        role = {"park": "园区", "vehicle": "整车企业", "supplier": "企业",
                "institution": "机构"}[marker_kind(record)]
        where = PRECISION_ZH[record.location.precision]
        return safe_html(
            f'<div class="popup"><strong>{html.escape(record.name)}</strong><br>'
            f'<span lang="en">{html.escape(record.name_en)}</span><br>'
            f'<span class="popup-role">{role} · {where}</span><br>'
            f'<a href="{html.escape(link)}">查看档案 Profile</a></div>')

    def _marker(self, record: Record, page_path: str, highlight: bool = False) -> folium.Marker:
        kind = marker_kind(record)
        here = " mk-here" if highlight else ""
        icon = folium.DivIcon(html=f'<span class="mk mk-{kind}{here}"></span>',
                              class_name="mk-wrap", icon_size=(16, 16), icon_anchor=(8, 8))
        return folium.Marker(self.point(record.location.lat, record.location.lon), icon=icon,
                             popup=folium.Popup(self._popup(record, page_path), max_width=280),
                             tooltip=folium.Tooltip(safe(f"{record.name} {record.name_en}")))

    def _link_line(self, link: Link) -> folium.PolyLine | None:
        a = self.atlas.companies[link.supplier].location
        b = self.atlas.companies[link.customer].location
        if not a or not b or (a.lat, a.lon) == (b.lat, b.lon):
            return None
        approximate = a.precision in ("district", "city") or b.precision in ("district", "city")
        return folium.PolyLine([self.point(a.lat, a.lon), self.point(b.lat, b.lon)],
                               color="#b4541c", weight=2, opacity=0.7,
                               dash_array="6 6" if approximate else None,
                               tooltip=folium.Tooltip(safe(link_label(link, self.atlas))))

    def _circle_layer(self, circle: Circle, show: bool) -> folium.FeatureGroup | None:
        centre = circle_centre(circle, self.atlas)
        rings = circle_rings(circle)
        if centre is None or not rings:
            return None
        group = folium.FeatureGroup(name=safe(circle.name), show=show)
        for km, label, stated in rings:
            folium.Circle(self.point(centre.lat, centre.lon), radius=km * 1000,
                          color="#1d6fa5" if stated else "#777777", weight=2 if stated else 1.5,
                          fill=stated, fill_opacity=0.04, dash_array=None if stated else "4 6",
                          tooltip=folium.Tooltip(safe(f"{circle.name} {circle.name_en}: {label}"))
                          ).add_to(group)
        return group

    def overview(self, page_path: str, collapsed_controls: bool = False) -> RenderedMap:
        """The full map: every located record by kind, supply links, and the circles."""
        with stable_ids():
            fmap = self._new_map(REGION_CENTRE, 8)
            groups = {kind: self._cluster_group(safe_html(
                f'<span class="mk mk-{kind}"></span> {html.escape(label)} '
                f'<span lang="en">{html.escape(label_en)}</span>'))
                for kind, label, label_en in MARKER_KINDS}
            for record in located(self.atlas):
                self._marker(record, page_path).add_to(groups[marker_kind(record)])
            for group in groups.values():
                group.add_to(fmap)
            lines = folium.FeatureGroup(name=safe_html(
                '<span class="mk-line"></span> 供应关系 <span lang="en">Supply links</span>'))
            for link in self.atlas.links:
                line = self._link_line(link)
                if line:
                    line.add_to(lines)
            lines.add_to(fmap)
            for index, circle in enumerate(self.atlas.circles.values()):
                layer = self._circle_layer(circle, show=index == 0)
                if layer:
                    layer.add_to(fmap)
            folium.LayerControl(collapsed=collapsed_controls).add_to(fmap)
            return self._render(fmap)

    def small(self, focus: list[Record], context: list[Record], page_path: str,
              links: list[Link] = ()) -> RenderedMap | None:
        """A small map on an entity page: the focus records highlighted, related ones around."""
        points = [r for r in focus + context if r.location]
        if not points:
            return None
        lats = [r.location.lat for r in points]
        lons = [r.location.lon for r in points]
        with stable_ids():
            fmap = self._new_map(((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2), 10)
            group = self._cluster_group("places")
            seen = set()
            for record in points:
                key = (record.kind_name, record.id)
                if key not in seen:
                    seen.add(key)
                    self._marker(record, page_path, highlight=record in focus).add_to(group)
            group.add_to(fmap)
            for link in links:
                line = self._link_line(link)
                if line:
                    line.add_to(fmap)
            if len(set(zip(lats, lons))) > 1:
                fmap.fit_bounds([self.point(min(lats), min(lons)), self.point(max(lats), max(lons))],
                                padding=(24, 24), max_zoom=12)
            return self._render(fmap)

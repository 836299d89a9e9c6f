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

from . import geo
from .config import Config
from .format import fact_value, fact_value_en
from .load import load_boundaries
from .model import Atlas, Circle, Company, Link, Record
from .urls import SECTIONS

REGION_CENTRE = (39.3, 116.9)

# The map's assets, served from the site itself (see static/vendor/README.md); pages
# link them relative to their own path, so folium's CDN lists are emptied below.
MAP_CSS = ("static/vendor/leaflet-1.9.4/leaflet.css",
           "static/vendor/leaflet.markercluster-1.1.0/MarkerCluster.css",
           "static/vendor/leaflet.markercluster-1.1.0/MarkerCluster.Default.css")
MAP_JS = ("static/vendor/leaflet-1.9.4/leaflet.js",
          "static/vendor/leaflet.markercluster-1.1.0/leaflet.markercluster.js",
          "static/geo/basemap.js",
          "static/data/places.js",
          "static/atlas-map.js")
PRECISIONS = ("exact", "park", "district", "city")

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
            {{ this.collapsed }});
        window.atlas_map = {{ this._parent.get_name() }};
        {% endmacro %}
    """)

    def __init__(self, root: str, labels: list[str], circles: list[tuple[str, str]],
                 collapsed: bool):
        super().__init__()
        self.root = js_string(root)
        self.labels = js_string(labels)
        self.circles = [(name, js_string(label)) for name, label in circles]
        self.collapsed = "true" if collapsed else "false"


def js_string(value, compact: bool = False) -> str:
    """A value as JavaScript source that cannot end the <script> it sits in."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":") if compact else None)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def root_prefix(page_path: str) -> str:
    """The relative path from a page to the site's root folder: '', '../', ..."""
    return "../" * page_path.count("/")


@dataclass(frozen=True)
class SmallMap:
    """A small map is a few indexes into the shared place array."""

    element_id: str
    root: str
    focus: tuple[int, ...]
    context: tuple[int, ...]
    links: tuple[int, ...]

    @property
    def html(self) -> str:
        return f'<div class="folium-map" id="{self.element_id}"></div>'

    @property
    def script(self) -> str:
        return (f"window.atlasSmall({js_string(self.element_id)}, {js_string(self.root)}, "
                f"{list(self.focus)}, {list(self.context)}, {list(self.links)});")


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


def link_figures(link: Link, atlas: Atlas) -> str:
    return " · ".join(f"{atlas.metrics[f.metric].name} {fact_value(f)}" for f in link.facts)


def link_figures_en(link: Link, atlas: Atlas) -> str:
    return " · ".join(f"{atlas.metrics[f.metric].name_en} {fact_value_en(f)}" for f in link.facts)


def bilingual(zh: str, en: str) -> str:
    """Label HTML for a map control shared by both editions: the stylesheet shows the
    half in the page's language (static/atlas.css, `.only-zh` / `.only-en`)."""
    return (f'<span class="only-zh" lang="zh-CN">{safe(zh)}</span>'
            f'<span class="only-en" lang="en">{safe(en)}</span>')


def circle_centre(circle: Circle, atlas: Atlas):
    park = atlas.parks.get(circle.centre)
    return park.location if park else None


def circle_rings(circle: Circle) -> list[tuple[float, str, bool]]:
    """Every radius to draw: (km, label, stated-by-a-source)."""
    rings = [(r.km, f"{r.value:g} {r.unit} · {r.source_id}", True) for r in circle.radii]
    if circle.assumed_radius_km:
        rings.append((circle.assumed_radius_km,
                      f"{circle.assumed_radius_km:g} km · 本图假设 (assumed by this atlas)", False))
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
    """Makes the site's maps for one Atlas and configuration: the place array every map
    reads, the overview map (folium) and the small maps (a few indexes each)."""

    def __init__(self, atlas: Atlas, config: Config):
        self.atlas = atlas
        self.config = config
        self.gcj02 = config.map_datum == "gcj02"
        self.places = located(atlas)
        self.place_index = {(r.kind_name, r.id): i for i, r in enumerate(self.places)}
        self.links = [link for link in atlas.links if self._drawable(link)]
        self.link_index = {link.index: i for i, link in enumerate(self.links)}

    def tracking_text(self) -> str:
        """What the maps take from this maker besides the records they look up (for
        page fingerprints: atlas/tracking.py): the settings, and the index each place
        and link has in places.js."""
        return repr((repr(self.config), list(self.place_index), list(self.link_index)))

    def point(self, lat: float, lon: float) -> list[float]:
        """A WGS-84 point in the datum the map is drawn in."""
        if self.gcj02:
            lat, lon = geo.wgs84_to_gcj02(lat, lon)
        return [round(lat, 5), round(lon, 5)]  # 1 m: finer than any location we hold

    def _drawable(self, link: Link) -> bool:
        a = self.atlas.companies[link.supplier].location
        b = self.atlas.companies[link.customer].location
        return bool(a and b and (a.lat, a.lon) != (b.lat, b.lon))

    def places_script(self) -> str:
        """static/data/places.js: every located record and drawable link, compactly (it
        is loaded by every page with a map, so at 10,000 places every byte counts).
        A place: [lat, lon, marker kind, name, English name ('' when the same),
        section, id, precision]; its page is sections[section]/id.html. A link:
        [from, to, approximate, product (index into products: [name, English name]),
        figures, English figures], empty fields at the end left out; its label is
        made from the names."""
        kinds = [kind for kind, _, _ in MARKER_KINDS]
        sections = list(SECTIONS)
        rows = [[*self.point(r.location.lat, r.location.lon), kinds.index(marker_kind(r)),
                 r.name, "" if r.name_en == r.name else r.name_en,
                 sections.index(r.kind_name), r.id, PRECISIONS.index(r.location.precision)]
                for r in self.places]
        links, products = [], {}
        for link in self.links:
            a = self.atlas.companies[link.supplier].location
            b = self.atlas.companies[link.customer].location
            approximate = a.precision in ("district", "city") or b.precision in ("district", "city")
            product = products.setdefault((link.product, link.product_en), len(products)) \
                if link.product else -1
            row = [self.place_index[("company", link.supplier)],
                   self.place_index[("company", link.customer)], 1 if approximate else 0,
                   product, link_figures(link, self.atlas), link_figures_en(link, self.atlas)]
            while row[-1] in ("", -1):
                row.pop()
            links.append(row)
        data = {"sections": [SECTIONS[k] for k in sections],
                "products": [list(pair) for pair in products], "places": rows, "links": links}
        return "window.ATLAS_PLACES = " + js_string(data, compact=True) + ";\n"

    def networks_data(self, networks) -> str:
        """Each vehicle maker's supply network (atlas/browse.py Network) for the map's
        filter (map.html?maker=<id>), as JSON: maker id -> [tier-1 suppliers, every
        member], as indexes into the places array (unplaced companies left out)."""
        def indexes(ids):
            return [self.place_index[("company", c)] for c in ids if ("company", c) in self.place_index]
        return json.dumps({n.maker.id: [indexes(n.suppliers_at(1)), indexes(n.members)]
                           for n in networks}, sort_keys=True, separators=(",", ":"))

    def _new_map(self, location, zoom: int) -> folium.Map:
        fmap = folium.Map(location=self.point(*location), zoom_start=zoom, tiles=None,
                          control_scale=True)
        # With no tile layer folium sets no zoom limits; the marker clusters need them.
        fmap.options.update(min_zoom=6, max_zoom=16)
        # Assets come from the page's own <script>/<link> tags, pointing at static/.
        fmap.default_js = []
        fmap.default_css = []
        _BasemapLayer().add_to(fmap)
        for name in self.config.tiles:
            spec = dict(TILE_LAYERS[name])
            spec["tiles"] = spec["tiles"].replace("{key}", self.config.tianditu_key)
            folium.TileLayer(overlay=True, show=False, max_zoom=16, **spec).add_to(fmap)
        return fmap

    def _circle_layer(self, circle: Circle, show: bool) -> folium.FeatureGroup | None:
        centre = circle_centre(circle, self.atlas)
        rings = circle_rings(circle)
        if centre is None or not rings:
            return None
        group = folium.FeatureGroup(name=safe(circle.name), show=show, control=False)
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
            circles = []
            for index, circle in enumerate(self.atlas.circles.values()):
                layer = self._circle_layer(circle, show=index == 0)
                if layer:
                    layer.add_to(fmap)
                    circles.append((layer.get_name(), bilingual(circle.name, circle.name_en)))
            labels = [f'<span class="mk mk-{kind}"></span> {bilingual(label, label_en)}'
                      for kind, label, label_en in MARKER_KINDS]
            labels.append(f'<span class="mk-line"></span> {bilingual("供应关系", "Supply links")}')
            _PlacesLayer(root_prefix(page_path), labels, circles, collapsed_controls).add_to(fmap)
            figure = fmap.get_root()
            figure.render()
            return RenderedMap(html=figure.html.render(), script=figure.script.render())

    def small(self, focus: list[Record], context: list[Record], page_path: str,
              links: list[Link] = ()) -> SmallMap | None:
        """A small map on an entity page: the focus records highlighted, related ones around."""
        def indexes(records):
            return tuple(self.place_index[(r.kind_name, r.id)] for r in records
                         if (r.kind_name, r.id) in self.place_index)
        shown = indexes(focus) + indexes(context)
        if not shown:
            return None
        return SmallMap("small-map", root_prefix(page_path), indexes(focus), indexes(context),
                        tuple(self.link_index[l.index] for l in links if l.index in self.link_index))

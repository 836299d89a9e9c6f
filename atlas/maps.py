"""Stage 5, maps: the shared place data, small maps and the overview map (drawn with
folium in atlas/overview.py), with local assets and escaped text."""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import html
import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

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
# Past this many supply links the overview map's lines start switched off (the layer
# list switches them on; a maker's network always shows its own): 30,000 lines are a
# tangle at the region's zoom, and drawing them held the page for a second.
LINES_AT_FIRST = 2000

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


# places.js writes numbers as fixed-width digits in base 90: the printable ASCII
# characters that need no escaping in a JS string and cannot start "</" or "<!--".
DIGITS = "".join(chr(c) for c in range(0x23, 0x7F) if chr(c) not in "\\<")
# Frequent substrings of a packed text each become one of these characters (two bytes
# in UTF-8; combining marks left out); a text's own characters are never used.
WORD_CODES = tuple(chr(c) for c in [*range(0x100, 0x300), *range(0x370, 0x590)])
SEPARATORS = "|~^`"
WORD_SAMPLE = 1000     # texts the dictionary is chosen from (evenly spaced): the cost stays flat
WORD_MAX_CHARS = 8


def digits_width(count: int) -> int:
    """How many base-90 digits the numbers 0..count-1 need (at least one)."""
    width = 1
    while len(DIGITS) ** width < count:
        width += 1
    return width


def digits(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, digit = divmod(number, len(DIGITS))
        out.append(DIGITS[digit])
    if number:
        raise ValueError("number too large for its width")
    return "".join(reversed(out))


def digit_table(count: int) -> list[str]:
    """digits(i, width) for i in 0..count-1, all of one width."""
    width = digits_width(count)
    return [digits(i, width) for i in range(count)]


def frequent_substrings(texts: list[str], limit: int) -> list[str]:
    """The substrings (2 to WORD_MAX_CHARS characters) whose replacement by a two-byte
    code saves the most bytes, counted over an even sample of the texts."""
    step = max(1, len(texts) // WORD_SAMPLE)
    sample = texts[::step]
    counts: Counter = Counter()
    for size in range(2, WORD_MAX_CHARS + 1):
        counts.update(text[i:i + size] for text in sample for i in range(len(text) - size + 1))
    scored = []
    for word, count in counts.items():
        size = len(word.encode("utf-8"))
        gain = count * step * (size - 2) - size - 4  # the dictionary entry costs too
        if count > 1 and gain > 0:
            scored.append((-gain, word))
    return [word for _, word in sorted(scored)[:limit]]


def trie_pattern(words: list[str]) -> re.Pattern:
    """A regular expression matching the longest of `words` at a position (a trie, so
    the engine does not try each word in turn)."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: dict) -> str:
        options = [re.escape(char) + branch(child) for char, child in sorted(node.items()) if char]
        if not options:
            return ""
        body = options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"
        return f"(?:{body})?" if "" in node else body
    return re.compile(branch(trie))


def packed_texts(texts: list[str]) -> dict:
    """Texts as one string: joined by `sep`, each of `words` written as the character
    at the same place in `codes` (the longest word first, from the left)."""
    used = set().union(*texts) if texts else set()
    sep = next((c for c in SEPARATORS if c not in used), None)
    free = [c for c in WORD_CODES if c not in used]
    if sep is None:
        sep, free = free[0], free[1:]
    words = frequent_substrings(texts, len(free))
    text = sep.join(texts)
    if words:
        code_of = dict(zip(words, free))
        text = trie_pattern(words).sub(lambda m: code_of[m.group()], text)
    return {"sep": sep, "codes": "".join(free[:len(words)]), "words": words, "text": text}


def unpacked_texts(packed: dict, count: int) -> list[str]:
    """The texts packed_texts packed (what static/atlas-map.js does in the browser)."""
    word_of = dict(zip(packed["codes"], packed["words"]))
    texts = packed["text"].split(packed["sep"]) if count else []
    return ["".join(word_of.get(c, c) for c in text) for text in texts]


def read_places_data(data: dict) -> dict:
    """places_data() back as rows: places [lat, lon, kind, name, English name, section,
    id, precision], links [from, to, approximate, product, figures, English figures]
    (product -1 and figures '' when none); for tests and tools."""
    count = data["places"]["count"]
    width = digits_width(len(data["points"]) // 2)
    texts = [unpacked_texts(data["places"][k], count) for k in ("name", "name_en", "id")]
    places = []
    for i in range(count):
        point = number_at(data["places"]["point"], i * width, width)
        flag = DIGITS.index(data["places"]["flags"][i])
        places.append([data["points"][2 * point] / 100_000, data["points"][2 * point + 1] / 100_000,
                       flag % 4, texts[0][i], texts[1][i], flag // 16, texts[2][i], flag // 4 % 4])
    links, rows, widths = [], data["links"]["rows"], data["links"]["widths"]
    at = 0
    for _ in range(data["links"]["count"]):
        a, b, product, figure = (number_at(rows, at + sum(widths[:k]), widths[k]) for k in range(4))
        at += sum(widths)
        approximate = places[a][7] >= 2 or places[b][7] >= 2
        shown = data["figures"][figure - 1] if figure else ["", ""]
        links.append([a, b, int(approximate), product - 1, *shown])
    return {"sections": data["sections"], "products": data["products"],
            "places": places, "links": links}


def number_at(text: str, at: int, width: int) -> int:
    number = 0
    for c in text[at:at + width]:
        number = number * len(DIGITS) + DIGITS.index(c)
    return number


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


@dataclass(frozen=True)
class RenderedMap:
    """The parts of a folium map that a page embeds: a div and a script."""

    html: str
    script: str


@functools.lru_cache(maxsize=1)
def _drawing_libraries() -> tuple[str, ...]:
    return tuple(metadata.version(name) for name in ("folium", "branca"))


def _write_whole(path: Path, text: str) -> None:
    """Best effort, never half-written (two render workers may draw the same map)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


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

    def __init__(self, atlas: Atlas, config: Config, drawn: Path | None = None):
        self.atlas = atlas
        self.config = config
        self.drawn = drawn   # a folder keeping overview maps drawn by earlier builds
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
        """static/data/places.js: every located record and drawable link (it is loaded by
        every page with a map, so at 10,000 places every byte counts; see places_data).
        The browser decodes it once (static/atlas-map.js, `data()`)."""
        return "window.ATLAS_PLACES = " + js_string(self.places_data(), compact=True) + ";\n"

    def places_data(self) -> dict:
        """The place array in columns. A place i has: its point (`points`, scaled by
        1e5, shared by every place at the same spot), its marker kind, precision and
        section packed in one digit of `flags` (kind + 4 * precision + 16 * section),
        its name, English name ('' when the same) and id in three packed texts; its page
        is sections[section]/id.html. A link: from, to, product (index + 1 into
        products: [name, English name], 0 for none) and figures (likewise into figures:
        [figures, English figures]) as fixed-width numbers in `links`; whether it is
        approximate follows from its ends' precision, and its label from the names."""
        kinds = [kind for kind, _, _ in MARKER_KINDS]
        sections = list(SECTIONS)
        points: dict[tuple[int, int], int] = {}
        point_of, flags = [], []
        for r in self.places:
            lat, lon = (round(c * 100_000) for c in self.point(r.location.lat, r.location.lon))
            point_of.append(points.setdefault((lat, lon), len(points)))
            flags.append(kinds.index(marker_kind(r)) + 4 * PRECISIONS.index(r.location.precision)
                         + 16 * sections.index(r.kind_name))
        products: dict[tuple[str, str], int] = {}
        figures: dict[tuple[str, str], int] = {}
        ends, extras = [], []
        for link in self.links:
            product = products.setdefault((link.product, link.product_en), len(products)) + 1 \
                if link.product else 0
            shown = (link_figures(link, self.atlas), link_figures_en(link, self.atlas))
            figure = figures.setdefault(shown, len(figures)) + 1 if shown[0] else 0
            ends.append((self.place_index[("company", link.supplier)],
                         self.place_index[("company", link.customer)]))
            extras.append((product, figure))
        place_digits = digit_table(len(self.places))
        product_digits, figure_digits = digit_table(len(products) + 1), digit_table(len(figures) + 1)
        point_digits = digit_table(len(points))
        return {"v": 2, "sections": [SECTIONS[k] for k in sections],
                "products": [list(pair) for pair in products],
                "figures": [list(pair) for pair in figures],
                "points": [c for point in points for c in point],
                "places": {"count": len(self.places),
                           "point": "".join(point_digits[i] for i in point_of),
                           "flags": "".join(DIGITS[f] for f in flags),
                           "name": packed_texts([r.name for r in self.places]),
                           "name_en": packed_texts(["" if r.name_en == r.name else r.name_en
                                                    for r in self.places]),
                           "id": packed_texts([r.id for r in self.places])},
                "links": {"count": len(self.links),
                          "widths": [digits_width(n) for n in (len(self.places), len(self.places),
                                                               len(products) + 1, len(figures) + 1)],
                          "rows": "".join(place_digits[a] + place_digits[b] + product_digits[p]
                                          + figure_digits[f]
                                          for (a, b), (p, f) in zip(ends, extras))}}

    def networks_data(self, networks) -> str:
        """Each vehicle maker's supply network (atlas/browse.py Network) for the map's
        filter (map.html?maker=<id>), as JSON: maker id -> [tier-1 suppliers, every
        member], as indexes into the places array (unplaced companies left out)."""
        def indexes(ids):
            return [self.place_index[("company", c)] for c in ids if ("company", c) in self.place_index]
        return json.dumps({n.maker.id: [indexes(n.suppliers_at(1)), indexes(n.members)]
                           for n in networks}, sort_keys=True, separators=(",", ":"))

    def overview(self, page_path: str, collapsed_controls: bool = False) -> RenderedMap:
        """The full map: every located record by kind, supply links, and the circles.
        Taken from `drawn` when an earlier build drew it from the same circles."""
        key = self._overview_key(page_path, collapsed_controls)
        kept = self.drawn / f"{key}.json" if self.drawn is not None else None
        if kept is not None:
            try:
                return RenderedMap(**json.loads(kept.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                pass   # not drawn yet, or unreadable: drawn again
        # folium (with branca, numpy and requests) is imported only here: a build that
        # draws no overview map, and every process that forks from one, goes without.
        from .overview import overview_map
        drawn = overview_map(self, page_path, collapsed_controls)
        if kept is not None:
            _write_whole(kept, json.dumps(dataclasses.asdict(drawn)))
        return drawn

    def _overview_key(self, page_path: str, collapsed_controls: bool) -> str:
        """Everything an overview map is drawn from besides the settings and code (in
        the site digest that names the `drawn` folder): the page's place in the site,
        the circles with their centres (looked up here as the drawing looks them up),
        and the drawing libraries' versions. The places and links come from places.js."""
        circles = [(circle, circle_centre(circle, self.atlas))
                   for circle in self.atlas.circles.values()]
        text = repr((page_path, collapsed_controls, LINES_AT_FIRST, _drawing_libraries(), circles))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

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

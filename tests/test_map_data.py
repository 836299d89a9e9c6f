"""The shared place data (static/data/places.js): compact, and read back exactly, in
Python and in the browser; the overview map's first view shows its circles whole; the
rings of a circle are named and the supply lines are no unnamed Tab stops."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from atlas import Project, load_atlas, maps
from atlas.config import Config
from fixture_atlas import bench_synth

PREFIX = "window.ATLAS_PLACES = "


def _places_data(site: Path) -> dict:
    text = (site / "static/data/places.js").read_text(encoding="utf-8")
    assert text.startswith(PREFIX) and text.endswith(";\n")
    return json.loads(text[len(PREFIX):-2])


def _expected_rows(mapper: maps.MapMaker) -> tuple[list, list]:
    """What the map shows for each place and link, straight from the records."""
    kinds = [kind for kind, _, _ in maps.MARKER_KINDS]
    sections = list(maps.SECTIONS)
    places = [[*mapper.point(r.location.lat, r.location.lon), kinds.index(maps.marker_kind(r)),
               r.name, "" if r.name_en == r.name else r.name_en, sections.index(r.kind_name),
               r.id, maps.PRECISIONS.index(r.location.precision)] for r in mapper.places]
    links = []
    for link in mapper.links:
        ends = [mapper.atlas.companies[c].location for c in (link.supplier, link.customer)]
        links.append([mapper.place_index[("company", link.supplier)],
                      mapper.place_index[("company", link.customer)],
                      int(any(e.precision in ("district", "city") for e in ends)),
                      link.product, link.product_en,
                      maps.link_figures(link, mapper.atlas), maps.link_figures_en(link, mapper.atlas)])
    return places, links


def _shown_links(data: dict) -> list:
    return [[a, b, approx, *(data["products"][p] if p >= 0 else ["", ""]), fig, fig_en]
            for a, b, approx, p, fig, fig_en in data["links"]]


def test_places_data_reads_back_to_every_place_and_link(real_atlas):
    mapper = maps.MapMaker(real_atlas, Config())
    data = maps.read_places_data(json.loads(mapper.places_script()[len(PREFIX):-2]))
    places, links = _expected_rows(mapper)
    assert data["places"] == places and len(places) == len(maps.located(real_atlas))
    assert _shown_links(data) == links and len(links) > 20


@pytest.mark.parametrize("texts", [
    ["天津安博汽车零部件有限公司", "天津安辰汽车零部件有限公司", "", "天津安博汽车零部件有限公司"],
    # a name holding the separators and the code characters themselves
    ["a|b~c^d`e", "Āā Ăă Co., Ltd.", "Āā Ăă Co., Ltd.", "|", "Co., Ltd. Co., Ltd."],
    [],
])
def test_packed_texts_read_back_exactly(texts):
    packed = maps.packed_texts(texts * 3)
    assert maps.unpacked_texts(packed, len(texts) * 3) == texts * 3


def test_places_file_is_well_under_the_plain_json_of_its_rows(tmp_path):
    """With 1,000 companies and 3 links each, the file every map page loads is well
    under its rows as plain JSON (products by index, empty fields left out), the format
    before: 58% of it at 1,000 companies, 37% at 10,000."""
    bench_synth().generate(tmp_path, 1000)
    mapper = maps.MapMaker(load_atlas(Project(tmp_path)), Config())
    places, links = _expected_rows(mapper)
    products: dict = {}
    rows = [[a, b, approx, products.setdefault((p, p_en), len(products)) if p else -1, f, f_en]
            for a, b, approx, p, p_en, f, f_en in links]
    rows = [row[:4] if not row[4] else row for row in rows]
    plain = json.dumps({"products": list(products), "places": places, "links": rows},
                       ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    packed = mapper.places_script().encode("utf-8")
    assert len(links) > 2000
    assert len(packed) < 0.6 * len(plain), (len(packed), len(plain))


# --- in a real Chromium ----------------------------------------------------------

def _open(browser, base: str, path: str, width: int, height: int = 740):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + path)
    page.wait_for_load_state("load")
    page.wait_for_selector(".leaflet-marker-pane .leaflet-interactive")
    return context, page, errors


@pytest.mark.browser
def test_browser_reads_the_same_places_and_links(built_site, server, browser):
    expected = maps.read_places_data(_places_data(built_site))
    context, page, errors = _open(browser, server, "map.html", 1280)
    try:
        shown = page.evaluate("() => window.atlasPlaces()")
        assert shown["places"] == expected["places"]
        assert _shown_links(shown) == _shown_links(expected)
        assert not errors
    finally:
        context.close()


CIRCLES_IN_VIEW = """() => {
    const map = window.atlas_map, view = map.getBounds(), rings = [];
    map.eachLayer(l => { if (l instanceof L.Circle)
        rings.push([Math.round(l.getRadius() / 1000), view.contains(l.getBounds())]); });
    return rings;
}"""


@pytest.mark.browser
@pytest.mark.parametrize("path", ["map.html", "en/map.html", "index.html"])
@pytest.mark.parametrize("width, height", [(360, 740), (1280, 800)])
def test_first_view_shows_every_drawn_circle_whole(server, browser, path, width, height):
    context, page, errors = _open(browser, server, path, width, height)
    try:
        rings = page.evaluate(CIRCLES_IN_VIEW)
        assert 310 in [km for km, _ in rings], rings
        assert all(whole for _, whole in rings), rings
        assert page.evaluate("() => window.atlas_map.getZoom()") >= 5.5  # the region stays readable
        assert not errors
    finally:
        context.close()


FOCUSABLE_IN_MAP = """() => {
    const map = document.querySelector('.leaflet-container');
    return Array.from(map.querySelectorAll('path, canvas, svg')).filter(e => {
        e.focus();
        return document.activeElement === e;
    }).map(e => ({tag: e.tagName, role: e.getAttribute('role'),
                  name: (e.getAttribute('aria-label') || '').trim()}));
}"""


@pytest.mark.browser
@pytest.mark.parametrize("path, words", [("map.html", "公里"), ("en/map.html", " km radius"),
                                         ("companies/langfang-leoni-wiring.html", None)])
def test_every_focusable_ring_is_named_and_lines_are_not_tab_stops(
        server, browser, path, words):
    context, page, errors = _open(browser, server, path, 1280, 800)
    try:
        focusable = page.evaluate(FOCUSABLE_IN_MAP)
        assert all(f["name"] and f["role"] == "img" for f in focusable), focusable
        if words:  # the two rings of the circle shown first, named in the page's language
            assert len(focusable) >= 2 and all(words in f["name"] for f in focusable), focusable
        else:      # a company's small map: its supply lines draw but take no focus
            assert focusable == []
            assert page.locator(".folium-map canvas").count() == 1
        assert not errors
    finally:
        context.close()


LINES_ON_MAP = """() => { let n = 0;
    window.atlas_map.eachLayer(l => { if (l instanceof L.Polyline && !(l instanceof L.Polygon)) n++; });
    return n; }"""


@pytest.mark.browser
def test_past_the_limit_lines_start_off_and_the_layer_list_draws_them(
        tmp_path, monkeypatch, browser):
    from atlas import Project, build
    from browser_kit import serving_under_subpath
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.setattr(maps, "LINES_AT_FIRST", 10)   # the real atlas has more links
    site = tmp_path / "site"
    build(Project(Path(__file__).resolve().parent.parent), site)
    drawable = len(_shown_links(maps.read_places_data(_places_data(site))))
    assert drawable > 10
    with serving_under_subpath(site, tmp_path / "www") as base:
        context, page, errors = _open(browser, base, "en/map.html", 1280, 800)
        try:
            assert page.evaluate(LINES_ON_MAP) == 0
            toggle = page.get_by_role("checkbox", name="Supply links")
            assert not toggle.is_checked()
            if not toggle.is_visible():   # the layer list folds on small screens
                page.locator(".leaflet-control-layers-toggle").hover()
            toggle.check()
            assert page.evaluate(LINES_ON_MAP) == drawable
            # A maker's network shows its own lines whatever the count.
            page.goto(base + "en/map.html?maker=beijing-benz")
            page.wait_for_selector(".leaflet-marker-pane .leaflet-interactive")
            assert page.evaluate(LINES_ON_MAP) > 0
            assert not errors
        finally:
            context.close()

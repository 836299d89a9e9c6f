"""Accessibility audit in a real headless Chromium: axe-core (bundled in the
axe-playwright-python wheel, so it runs offline) finds no serious or critical violation on
one page of every template kind, at a 360 px phone width and at 1280 px; the map page
lists every place it maps in a table a keyboard or screen-reader user can reach without
the map, and every map marker can be reached with the keyboard."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from browser_kit import require_chromium

require_chromium()

from axe_playwright_python.sync_playwright import Axe  # noqa: E402

pytestmark = pytest.mark.browser
WIDTHS = (360, 1280)
BLOCKING = ("serious", "critical")

# One page of every template kind. Record pages are chosen from the built site: the
# preferred record (one with tables, a small map, links and citations) when it is
# there, else the first page of that folder.
FIXED_PAGES = ("index.html", "map.html", "supply.html", "about.html", "404.html",
               "clusters/index.html", "companies/index.html", "parks/index.html",
               "sources/index.html", "browse/index.html", "browse/district/index.html",
               "browse/district/wuqing.html", "data.html", "search.html",
               # the English edition's own words and layout
               "en/index.html", "en/supply.html", "en/companies/langfang-leoni-wiring.html")
RECORD_PAGES = {
    "clusters": "jjj-auto-industry.html",
    "companies": "langfang-leoni-wiring.html",
    "parks": "jingqing-auto-park.html",
    "circles": "one-hour-parts-circle.html",
    "sources": "tjrb-2025-10-auto-chain.html",
}


def record_page(site: Path, folder: str) -> str:
    preferred = site / folder / RECORD_PAGES[folder]
    if preferred.is_file():
        return f"{folder}/{preferred.name}"
    records = sorted(p.name for p in (site / folder).glob("*.html") if p.name != "index.html")
    assert records, f"no {folder} pages were built"
    return f"{folder}/{records[0]}"


def audited_pages(site: Path) -> list[str]:
    return list(FIXED_PAGES) + [record_page(site, folder) for folder in RECORD_PAGES]


@pytest.fixture(scope="module")
def axe():
    return Axe()


def open_page(browser, base: str, path: str, width: int):
    """A new page at `width` px showing `path`; requests leaving the site are aborted,
    so neither the page nor axe can reach the network."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    outside: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(base) or url.startswith("data:"):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    response = page.goto(base + path)
    page.wait_for_load_state("load")
    assert response.status == 200, path
    assert not outside, (path, outside)
    return context, page


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"][:3]]
        lines.append(f"  {v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}\n"
                     f"      e.g. {' | '.join(targets)}")
    return "\n".join(lines)


def test_axe_runs_offline_from_the_installed_package():
    from axe_playwright_python import base
    script = base.AXE_FILE_PATH
    assert script.is_file() and script.stat().st_size > 100_000
    assert re.search(r"axe v4\.\d+", script.read_text(encoding="utf-8")[:200])


@pytest.mark.parametrize("width", WIDTHS)
def test_no_serious_or_critical_axe_violations(built_site, server, browser, axe, width):
    pages = audited_pages(built_site)
    assert len(pages) == len(FIXED_PAGES) + len(RECORD_PAGES)
    failures = []
    for path in pages:
        context, page = open_page(browser, server, path, width)
        try:
            if page.locator(".leaflet-container").count():
                page.wait_for_selector(".leaflet-marker-pane .leaflet-interactive", timeout=5000)
            results = axe.run(page).response
        finally:
            context.close()
        blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
        if blocking:
            failures.append(f"{path} at {width}px:\n{describe(blocking)}")
    assert not failures, "axe found serious or critical violations:\n" + "\n".join(failures)


MARKERS_JS = """() => {
    const text = c => {
        if (typeof c === 'function') c = c();
        if (c instanceof Node) return c.textContent;
        return new DOMParser().parseFromString(String(c), 'text/html').body.textContent;
    };
    const seen = new Set(), out = [];
    for (const key of Object.keys(window)) {
        const v = window[key];
        if (!(v && v instanceof L.MarkerClusterGroup) || seen.has(v)) continue;
        seen.add(v);
        v.eachLayer(m => out.push({
            name: m.getTooltip() ? text(m.getTooltip().getContent()) : '',
            keyboard: m.options.keyboard !== false,
        }));
    }
    return out;
}"""


def normal(text: str) -> str:
    return " ".join(text.split())


def test_map_page_lists_every_mapped_place_after_the_map(server, browser, real_atlas):
    from atlas.maps import located
    context, page = open_page(browser, server, "map.html", 360)
    try:
        page.wait_for_selector(".leaflet-marker-pane .leaflet-interactive")
        markers = page.evaluate(MARKERS_JS)
        assert len(markers) == len(located(real_atlas)) > 0
        # The table of places: outside the map, after it in reading order, one row per marker.
        table = page.locator("main table.list").last
        after_map = page.evaluate("""t => {
            const map = document.querySelector('.leaflet-container');
            return !map.contains(t)
                && !!(map.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING);
        }""", table.element_handle())
        assert after_map, "the list of places must follow the map, outside it"
        assert table.locator("thead th[scope=col]").count() >= 2
        rows = table.locator("tbody tr")
        assert rows.count() == len(markers)
        listed = Counter(normal(t) for t in rows.locator("td:first-child").all_inner_texts())
        mapped = Counter(normal(m["name"]) for m in markers)
        assert listed == mapped
        # Each row leads to the record's own page, as the marker's popup does.
        hrefs = rows.locator("td:first-child a").evaluate_all("as => as.map(a => a.href)")
        assert len(hrefs) == len(markers)
        assert all(re.search(r"/(companies|parks)/[\w-]+\.html$", h) for h in hrefs), hrefs
    finally:
        context.close()


def test_every_map_marker_is_reachable_by_keyboard(server, browser):
    context, page = open_page(browser, server, "map.html", 1280)
    try:
        page.wait_for_selector(".leaflet-marker-pane .leaflet-interactive")
        markers = page.evaluate(MARKERS_JS)
        assert markers and all(m["keyboard"] for m in markers), "a marker has keyboard: false"
        # What is drawn now (single markers and the cluster icons that hold the others)
        # is in the tab order as a named button; Enter on a cluster zooms in, as a click does.
        icons = page.locator(".leaflet-marker-pane .leaflet-interactive")
        assert icons.count() > 0
        for info in icons.evaluate_all("""els => els.map(e => ({
                tabindex: e.getAttribute('tabindex'), role: e.getAttribute('role'),
                cluster: e.classList.contains('marker-cluster'), count: e.textContent.trim(),
                name: (e.getAttribute('aria-label') || e.getAttribute('title')
                       || e.textContent).trim()}))"""):
            assert info["tabindex"] == "0" and info["role"] == "button", info
            assert info["name"], info
            if info["cluster"]:  # says how many places it holds, in words
                assert info["name"].startswith(info["count"] + " ") and "地点" in info["name"], info
        zoom = """() => { for (const key of Object.keys(window))
            if (window[key] instanceof L.Map) return window[key].getZoom(); }"""
        singles = page.locator(".leaflet-marker-pane .mk-wrap")
        for index in range(min(page.locator(".leaflet-marker-pane .marker-cluster").count(), 4)):
            # Clusters of places at one point spread out; the others zoom in.
            before = (page.evaluate(zoom), singles.count())
            page.locator(".leaflet-marker-pane .marker-cluster").nth(index).focus()
            assert page.evaluate("document.activeElement.classList.contains('marker-cluster')")
            page.keyboard.press("Enter")
            page.wait_for_timeout(800)
            after = (page.evaluate(zoom), singles.count())
            assert after[0] > before[0] or after[1] > before[1], \
                f"Enter on cluster {index} neither zooms in nor spreads it out"
            page.goto(page.url)
            page.wait_for_selector(".leaflet-marker-pane .leaflet-interactive")
        # Once zoomed in far enough, single markers are named buttons too.
        page.evaluate("""() => {
            for (const key of Object.keys(window)) {
                const v = window[key];
                if (v && v instanceof L.MarkerClusterGroup && v.getLayers().length) {
                    const m = v.getLayers()[0];
                    m._map.setView(m.getLatLng(), 15, {animate: false});
                    return;
                }
            }
        }""")
        page.wait_for_timeout(400)
        assert singles.count() > 0
        for info in singles.evaluate_all("""els => els.map(e => ({
                tabindex: e.getAttribute('tabindex'), role: e.getAttribute('role'),
                name: (e.getAttribute('aria-label') || e.getAttribute('title') || '').trim()}))"""):
            assert info["tabindex"] == "0" and info["role"] == "button" and info["name"], info
    finally:
        context.close()

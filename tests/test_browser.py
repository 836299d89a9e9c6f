"""In a real headless Chromium: every page loads from the site alone, the maps draw their
markers and popups lead to the records' pages."""
from __future__ import annotations

from pathlib import Path

import pytest

from browser_kit import PageWatch, require_chromium

require_chromium()

pytestmark = pytest.mark.browser


def test_every_page_loads_without_errors_or_outside_requests(built_site, server, browser):
    watch = PageWatch(browser, server)
    pages = sorted(p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html"))
    assert len(pages) > 150
    try:
        for path in pages:
            response = watch.open(path)
            assert response.status == 200, path
            assert not watch.errors, (path, watch.errors)
            assert not watch.outside, (path, watch.outside)
            assert not watch.failed, (path, watch.failed)
            # Readable on a 360 px phone: nothing forces sideways scrolling of the page.
            width = watch.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 362, (path, width)
    finally:
        watch.close()


def test_map_shows_every_located_record_and_popups_link_to_profiles(server, browser, real_atlas):
    from atlas.maps import located
    watch = PageWatch(browser, server)
    try:
        watch.open("map.html")
        page = watch.page
        page.wait_for_selector(".leaflet-container")
        assert page.locator(".leaflet-interactive").count() > 0, "no basemap, lines or circles drawn"
        # Markers sit in marker clusters: count what the cluster layers hold.
        total = page.evaluate("""() => {
            let n = 0;
            for (const key of Object.keys(window)) {
                const v = window[key];
                if (v && typeof v.getLayers === 'function' && v instanceof L.MarkerClusterGroup)
                    n += v.getLayers().length;
            }
            return n;
        }""")
        assert total == len(located(real_atlas))
        # Zoom far in on the Leoni plant's marker and follow its popup link.
        leoni = real_atlas.companies["langfang-leoni-wiring"].location
        page.evaluate(f"""() => {{
            for (const key of Object.keys(window)) {{
                const v = window[key];
                if (v instanceof L.Map) v.setView([{leoni.lat}, {leoni.lon}], 16, {{animate: false}});
            }}
        }}""")
        page.wait_for_timeout(400)
        page.evaluate(f"""() => {{
            for (const key of Object.keys(window)) {{
                const v = window[key];
                if (v && v instanceof L.MarkerClusterGroup) v.eachLayer(m => {{
                    const ll = m.getLatLng();
                    if (Math.abs(ll.lat - {leoni.lat}) < 1e-6 && Math.abs(ll.lng - {leoni.lon}) < 1e-6
                        && m.getTooltip() && m.getTooltip().getContent().textContent.includes('莱尼'))
                        v.zoomToShowLayer(m, () => m.openPopup());
                }});
            }}
        }}""")
        link = page.locator(".leaflet-popup-content a")
        link.first.wait_for(timeout=5000)
        # A DOM click: the popup may sit under the open layer control on a 360 px screen.
        with page.expect_navigation():
            link.first.evaluate("a => a.click()")
        assert page.url.endswith("/companies/langfang-leoni-wiring.html")
        assert "莱尼" in page.locator("h1").inner_text()
        assert not watch.errors and not watch.outside
    finally:
        watch.close()


def test_one_hour_circle_is_drawn_on_the_map(server, browser):
    watch = PageWatch(browser, server)
    try:
        watch.open("map.html")
        radii = watch.page.evaluate("""() => {
            const found = [];
            for (const key of Object.keys(window)) {
                const v = window[key];
                if (v instanceof L.Circle) found.push(Math.round(v.getRadius() / 1000));
            }
            return found.sort((a, b) => a - b);
        }""")
        assert 100 in radii and 310 in radii
    finally:
        watch.close()


def _marker_count(page) -> int:
    return page.evaluate("""() => {
        let n = 0;
        for (const key of Object.keys(window)) {
            const v = window[key];
            if (v && v instanceof L.MarkerClusterGroup) n += v.getLayers().length;
        }
        return n;
    }""")


def _basemap_areas(page) -> int:
    """How many boundary areas the vector basemap drew."""
    return page.evaluate("""() => {
        let n = 0;
        for (const key of Object.keys(window)) {
            const v = window[key];
            if (v instanceof L.Map) v.eachLayer(l => {
                if (l.feature && l.feature.properties && l.feature.properties.level) n += 1;
            });
        }
        return n;
    }""")


@pytest.fixture(scope="module")
def unzipped_bundle(tmp_path_factory):
    import zipfile
    from atlas import Project, bundle
    root = Path(__file__).resolve().parent.parent
    folder = tmp_path_factory.mktemp("usb-stick")
    archive = bundle(Project(root), folder / "dist")
    with zipfile.ZipFile(archive) as z:
        z.extractall(folder)
    return folder / archive.stem


def test_offline_bundle_works_from_file_with_the_network_cut(unzipped_bundle, browser, real_atlas):
    from atlas.maps import located
    base = unzipped_bundle.as_uri() + "/"
    watch = PageWatch(browser, base)  # every request not under the bundle folder is aborted
    pages = sorted(p.relative_to(unzipped_bundle).as_posix() for p in unzipped_bundle.rglob("*.html"))
    try:
        for path in pages:
            watch.open(path)
            assert not watch.errors, (path, watch.errors)
            assert not watch.outside, (path, watch.outside)
            assert not watch.failed, (path, watch.failed)
            if watch.page.locator(".folium-map").count():
                assert _basemap_areas(watch.page) > 40, f"{path}: basemap not drawn"
        watch.open("map.html")
        assert _marker_count(watch.page) == len(located(real_atlas))
        # Every internal link of the home page opens a file that exists.
        for href in watch.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            if href.startswith("file://"):
                assert Path(href.split("#")[0].removeprefix("file://")).is_file(), href
        # A popup's link leads to the record's page.
        watch.page.evaluate("""() => {
            for (const key of Object.keys(window)) {
                const v = window[key];
                if (v && v instanceof L.MarkerClusterGroup) {
                    const m = v.getLayers().find(m => m.getTooltip().getContent().textContent.includes('京清汽车产业园'));
                    if (m) { v.zoomToShowLayer(m, () => m.openPopup()); return; }
                }
            }
        }""")
        link = watch.page.locator(".leaflet-popup-content a").first
        link.wait_for(timeout=5000)
        with watch.page.expect_navigation():
            link.evaluate("a => a.click()")
        assert watch.page.url.endswith("/parks/jingqing-auto-park.html")
        assert not watch.errors and not watch.outside
    finally:
        watch.close()


def test_basemap_is_drawn_on_the_served_site(server, browser):
    watch = PageWatch(browser, server)
    try:
        watch.open("map.html")
        assert _basemap_areas(watch.page) > 40
        assert watch.page.locator(".area-label").count() > 40
    finally:
        watch.close()

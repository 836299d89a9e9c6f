"""Publishing the atlas three ways: a plain build, GitHub Pages under a sub-path (one
--base-url setting) and the offline bundle; plus configuration and the maps' datum."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from atlas import Project, bundle, geo, maps
from atlas.config import load_config
from atlas.problems import ContentError

ROOT = Path(__file__).resolve().parent.parent
ENV = {"SOURCE_DATE_EPOCH": "1767225600", "PATH": "/usr/bin:/bin"}


def _build(*args: str, root: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args, "--root", str(root)],
                          capture_output=True, text=True, env=ENV)


@pytest.fixture(scope="module")
def pages_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pages") / "site"
    result = _build("--out", str(out), "--base-url", "https://example.github.io/atlas")
    assert result.returncode == 0, result.stderr
    return out


def test_base_url_gives_canonical_links_sitemap_and_robots(pages_site):
    html_pages = sorted(p.relative_to(pages_site).as_posix() for p in pages_site.rglob("*.html"))
    sitemap = (pages_site / "sitemap.xml").read_text(encoding="utf-8")
    listed = re.findall(r"<loc>https://example\.github\.io/atlas/([^<]+)</loc>", sitemap)
    assert listed == [p for p in html_pages if p != "404.html"]
    robots = (pages_site / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: https://example.github.io/atlas/sitemap.xml" in robots
    page = (pages_site / "companies/langfang-leoni-wiring.html").read_text(encoding="utf-8")
    assert ('<link rel="canonical" '
            'href="https://example.github.io/atlas/companies/langfang-leoni-wiring.html">') in page
    assert (pages_site / ".nojekyll").exists()


def test_404_links_work_wherever_it_is_shown(pages_site):
    """GitHub Pages serves 404.html at any missing address: its links must be absolute."""
    page = (pages_site / "404.html").read_text(encoding="utf-8")
    refs = re.findall(r'(?:href|src)="([^"#][^"]*)"', page)
    assert refs
    for ref in refs:
        assert ref.startswith("https://example.github.io/atlas/"), ref
        assert (pages_site / ref.removeprefix("https://example.github.io/atlas/")).is_file(), ref
    assert 'rel="canonical"' not in page


def test_without_a_site_url_there_is_no_sitemap(built_site):
    assert not (built_site / "sitemap.xml").exists()
    assert 'rel="canonical"' not in (built_site / "index.html").read_text(encoding="utf-8")


def test_offline_bundle_is_a_complete_reproducible_zip(tmp_path):
    first = bundle(Project(ROOT), tmp_path / "a")
    second = bundle(Project(ROOT), tmp_path / "b")
    assert first.name == "jjj-atlas-offline-0.1.0.zip"
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
    assert all(n.startswith("jjj-atlas-offline-0.1.0/") for n in names)
    assert "jjj-atlas-offline-0.1.0/index.html" in names
    assert "jjj-atlas-offline-0.1.0/static/geo/basemap.js" in names
    assert "jjj-atlas-offline-0.1.0/static/vendor/leaflet-1.9.4/leaflet.js" in names


def test_bundle_command_reports_the_zip(tmp_path):
    result = _build("bundle", "--dist", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "jjj-atlas-offline-0.1.0.zip").exists()
    assert "open index.html" in result.stdout


def test_maps_never_fetch_their_data(built_site):
    """file:// forbids fetch(): map data comes inline or by <script src>."""
    for page in built_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "fetch(" not in text and "$.ajax" not in text and "XMLHttpRequest" not in text
    basemap = (built_site / "static/geo/basemap.js").read_text(encoding="utf-8")
    assert basemap.startswith("window.ATLAS_BASEMAP = ")


def test_basemap_names_and_shades_the_districts(built_site, real_atlas):
    data = json.loads((built_site / "static/geo/basemap.js").read_text(encoding="utf-8")
                      .removeprefix("window.ATLAS_BASEMAP = ").rstrip(";\n"))
    by_name = {f["properties"]["name"]: f["properties"] for f in data["features"]}
    assert {"北京市", "天津市", "河北省", "武清区", "宁河区", "廊坊市"} <= set(by_name)
    beichen = sum(1 for c in real_atlas.clusters.values() if c.district == "beichen")
    assert beichen >= 3
    assert by_name["北辰区"]["clusters"] == beichen
    assert by_name["武清区"]["label"] == "武清区"


def test_gcj02_conversion_matches_prcoords():
    prcoords = pytest.importorskip("prcoords")
    for lat in (36.2, 38.0, 39.1, 40.0, 41.5, 42.5):
        for lon in (113.6, 115.5, 116.4, 117.2, 118.9, 119.8):
            theirs = prcoords.wgs_gcj(prcoords.Coords(lat, lon))
            ours = geo.wgs84_to_gcj02(lat, lon)
            assert ours == pytest.approx((theirs.lat, theirs.lon), abs=1e-9)
            back = geo.gcj02_to_wgs84(*ours)
            assert back == pytest.approx((lat, lon), abs=1e-8)


def test_autonavi_tiles_put_every_overlay_in_gcj02(project_copy, real_atlas):
    (project_copy / "atlas.toml").write_text('[map]\ntiles = ["gaode"]\n', encoding="utf-8")
    result = _build("--out", str(project_copy / "site"), root=project_copy)
    assert result.returncode == 0, result.stderr
    page = (project_copy / "site/map.html").read_text(encoding="utf-8")
    assert "webrd01.is.autonavi.com" in page  # offered, switched off until chosen
    places = (project_copy / "site/static/data/places.js").read_text(encoding="utf-8")
    leoni = real_atlas.companies["langfang-leoni-wiring"].location
    glat, glon = geo.wgs84_to_gcj02(leoni.lat, leoni.lon)
    data = maps.read_places_data(json.loads(places[len("window.ATLAS_PLACES = "):-2]))
    row = next(p for p in data["places"] if p[6] == "langfang-leoni-wiring")
    assert row[:2] == [round(glat, 5), round(glon, 5)]
    assert row[:2] != [round(leoni.lat, 5), round(leoni.lon, 5)]


def test_default_build_offers_no_online_tiles(built_site):
    for page in built_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "tile.openstreetmap" not in text and "autonavi" not in text and "tianditu" not in text


@pytest.mark.parametrize("toml, message", [
    ('[map]\ntiles = ["gaode", "osm"]\n', "cannot be combined"),
    ('[map]\ntiles = ["tianditu"]\n', "needs `tianditu_key`"),
    ('[map]\ntiles = ["bing"]\n', "unknown tile layer `bing`"),
    ('[site]\nbuild_date = "yesterday"\n', "is not a date"),
    ('[site]\ntitel = "x"\n', "unknown setting `titel`"),
    ('[site\n', "TOML syntax error"),
])
def test_bad_configuration_is_reported(tmp_path, toml, message):
    path = tmp_path / "atlas.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_config(path, "1.0")
    assert message in str(err.value)
    assert "atlas.toml" in str(err.value)

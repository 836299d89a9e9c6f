"""Integration tests on the real content: what a reader of the built site relies on."""
from __future__ import annotations

import html
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


from atlas.urls import record_path
from atlas.validate import normalise_quote

ROOT = Path(__file__).resolve().parent.parent


class _Refs(HTMLParser):
    """Collects every href/src and every element id of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.refs.append(attrs[key])


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def _parse(page: Path) -> _Refs:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_every_record_has_its_page(built_site, real_atlas):
    kinds = {"cluster": real_atlas.clusters, "company": real_atlas.companies,
             "park": real_atlas.parks, "source": real_atlas.sources, "circle": real_atlas.circles}
    for kind, records in kinds.items():
        assert records, f"the dataset has no {kind}"
        for ident, record in records.items():
            page = built_site / record_path(kind, ident)
            assert page.is_file(), f"no page for {kind} {ident}"
            name = getattr(record, "name", None) or record.outlet
            assert html.escape(name, quote=False) in page.read_text(encoding="utf-8")


def test_every_internal_link_and_asset_resolves(built_site):
    parsed = {page: _parse(page) for page in _pages(built_site)}
    broken = []
    for page, refs in parsed.items():
        for ref in refs.refs:
            parts = urlsplit(ref)
            assert parts.scheme not in ("http", "https", "javascript"), \
                f"{page.relative_to(built_site)} links outside the site: {ref}"
            if parts.scheme == "mailto":
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file():
                broken.append(f"{page.relative_to(built_site)} -> {ref}")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if parts.fragment not in ids:
                    broken.append(f"{page.relative_to(built_site)} -> {ref} (no such anchor)")
    assert not broken, "\n".join(broken[:20])


def test_internal_links_end_in_a_file_name(built_site):
    """file:// has no directory index: every link names an .html file or an asset."""
    for page in _pages(built_site):
        for ref in _parse(page).refs:
            path = urlsplit(ref).path
            if path:
                assert not path.endswith("/"), f"{page.name}: {ref} ends in a directory"


VALUE_WITH_CITATION = re.compile(
    r'<span class="value">[^<]*</span>(?: <span class="badge[^"]*">[^<]*</span>)?'
    r'<sup class="cite"><a href="#note-(\d+)"')


def test_every_figure_shown_carries_a_citation(built_site):
    checked = 0
    for page in _pages(built_site):
        if "/sources/" in page.as_posix():
            continue  # source pages print each figure beside its own quote
        text = page.read_text(encoding="utf-8")
        values = text.count('<span class="value">')
        cited = VALUE_WITH_CITATION.findall(text)
        assert values == len(cited), f"{page.relative_to(built_site)}: a figure has no citation"
        for number in cited:
            assert f'id="note-{number}"' in text, f"{page.name}: citation {number} has no note"
        checked += values
    assert checked > 200, "the site shows suspiciously few figures"


def test_every_quote_shown_is_in_its_source(built_site, real_atlas):
    texts = {ident: normalise_quote(s.text) for ident, s in real_atlas.sources.items()}
    note = re.compile(r'<li id="note-\d+"><q[^>]*>(.*?)</q>\s*— <a href="[^"]*?sources/([a-z0-9-]+)\.html')
    seen = 0
    for page in _pages(built_site):
        for quote, source in note.findall(page.read_text(encoding="utf-8")):
            assert normalise_quote(html.unescape(quote)) in texts[source], (page.name, quote)
            seen += 1
    assert seen > 200


def test_source_pages_list_every_fact_with_its_quote(built_site, real_atlas):
    for ident, source in real_atlas.sources.items():
        text = (built_site / record_path("source", ident)).read_text(encoding="utf-8")
        for fact in source.facts:
            assert f'id="{fact.anchor}"' in text
            assert html.escape(fact.quote, quote=False) in text


def test_customers_and_suppliers_are_linked_both_ways(built_site, real_atlas):
    assert real_atlas.links
    for link in real_atlas.links:
        supplier = (built_site / record_path("company", link.supplier)).read_text(encoding="utf-8")
        customer = (built_site / record_path("company", link.customer)).read_text(encoding="utf-8")
        assert f"{link.customer}.html" in supplier
        assert f"{link.supplier}.html" in customer


def test_one_hour_circle_shows_every_stated_radius_and_computed_members(built_site, real_atlas):
    circle = real_atlas.circles["one-hour-parts-circle"]
    assert {r.value for r in circle.radii} >= {100, 310}, "both stated radii must be kept"
    page = (built_site / record_path("circle", circle.id)).read_text(encoding="utf-8")
    assert "来源说法不一" in page
    assert "100 km 范围内" in page and "310 km 范围内" in page
    # The centre park itself and companies placed in the Jingqing park lie at distance 0.
    assert "jjj-icv-eco-port-wuqing.html" in page.split("100 km 范围内")[1]
    assert "aorui-auto-parts-tianjin.html" in page.split("100 km 范围内")[1]


def test_about_page_lists_the_disagreements(built_site):
    page = (built_site / "about.html").read_text(encoding="utf-8")
    assert 'id="disagreements"' in page
    section = page.split('id="disagreements"')[1]
    assert "100 km" in section and "310 km" in section


def test_pages_declare_their_language_and_are_mobile_ready(built_site):
    for page in _pages(built_site):
        text = page.read_text(encoding="utf-8")
        english = page.relative_to(built_site).parts[0] == "en"
        assert f'<html lang="{"en" if english else "zh-CN"}">' in text, page.name
        assert 'name="viewport"' in text
        assert "fonts.googleapis" not in text and "cdn" not in text.lower(), page.name


def test_builds_are_byte_identical(tmp_path):
    """Two builds in separate processes write the same bytes (folium ids are counters)."""
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(out)], check=True,
                       capture_output=True, env={"SOURCE_DATE_EPOCH": "1767225600",
                                                 "PATH": "/usr/bin:/bin"})
        outs.append(out)
    files_a = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(outs[1]) for p in outs[1].rglob("*") if p.is_file())
    assert files_a == files_b
    different = [str(f) for f in files_a if (outs[0] / f).read_bytes() != (outs[1] / f).read_bytes()]
    assert not different, different[:10]

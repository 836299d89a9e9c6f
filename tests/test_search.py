"""Site search: the compact offline index, the Pagefind index, and in real headless
Chromium the search box and results page over http under a sub-path and from file://."""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from atlas import Project, build
from browser_kit import needs_chromium
from atlas.search import (Entry, han_suffixes, pagefind_records, search_script, write_search)
from atlas.urls import record_path

LEONI = "langfang-leoni-wiring"
HOSTILE = "<img src=x onerror=\"window.__xss='img'\"></script><script>window.__xss='close'</script><!--"


def compact(site: Path) -> dict:
    text = (site / "static/data/search.js").read_text(encoding="utf-8")
    prefix = "window.ATLAS_SEARCH="
    assert text.startswith(prefix) and text.endswith(";\n")
    return json.loads(text[len(prefix):-2])


def records_by_page(data: dict) -> dict[str, list]:
    kinds = {i: kind for i, (kind, *_rest) in enumerate(data["kinds"])}
    return {record_path(kinds[r[0]], r[1]): r for r in data["records"]}


# -- the indexes ----------------------------------------------------------------------

def test_compact_index_holds_every_record_with_its_names_aliases_and_products(built_site, real_atlas):
    pages = records_by_page(compact(built_site))
    expected = {record_path(r.kind_name, r.id): r for r in real_atlas.records()}
    expected.update({record_path("source", s): src for s, src in real_atlas.sources.items()})
    assert set(expected) <= set(pages)
    for path, record in expected.items():
        assert (built_site / path).is_file() and (built_site / "en" / path).is_file()
        _kind, _ident, name, name_en, aliases, products = pages[path]
        if path.startswith("sources/"):
            assert record.outlet in name and record.headlines[0].title in aliases
            continue
        assert (name, name_en) == (record.name, record.name_en)
        assert aliases == record.aliases
        for product in getattr(record, "products", []):
            assert product.name in products and product.name_en in products


def test_pagefind_index_has_every_page_in_both_languages(built_site):
    entry = json.loads((built_site / "pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    count = len(compact(built_site)["records"])
    assert {lang: v["page_count"] for lang, v in entry["languages"].items()} == {"zh": count, "en": count}
    assert (built_site / "pagefind/pagefind.js").is_file()


def test_indexes_are_byte_identical_across_builds(real_atlas, built_site, tmp_path):
    paths = [p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html")]
    for name in ("a", "b"):
        write_search(tmp_path / name, real_atlas, paths)
    files = {name: {p.relative_to(tmp_path / name).as_posix(): p.read_bytes()
                    for p in sorted((tmp_path / name).rglob("*")) if p.is_file()} for name in "ab"}
    assert files["a"] == files["b"]
    assert len(files["a"]) > 5


def test_han_suffixes_start_a_word_at_every_character():
    assert han_suffixes("车用线束 Leoni 储能") == ["用线束", "线束", "束", "能"]
    assert han_suffixes("A") == []


def test_hostile_names_stay_inert_in_both_indexes():
    entry = Entry("company", "x", HOSTILE + "\u2028", "en" + HOSTILE, (HOSTILE,), (HOSTILE,))
    script = search_script([entry])
    assert "<" not in script and "\u2028" not in script
    assert json.loads(script[len("window.ATLAS_SEARCH="):-2])["records"][0][2] == HOSTILE + "\u2028"
    record = pagefind_records([entry], {"companies/x.html"})["companies/x.html"]
    assert "<img" not in record and "<script>" not in record and "&lt;img src=x" in record


# -- in the browser -------------------------------------------------------------------

browser_only = needs_chromium


@pytest.fixture(scope="module")
def chromium(browser):
    return browser


@pytest.fixture(scope="module")
def served(server):
    return server


class Reader:
    """One phone-sized tab that records errors and every request that leaves `allowed`."""

    def __init__(self, browser, allowed: str):
        self.context = browser.new_context(viewport={"width": 360, "height": 740})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

        def route(r):
            if r.request.url.startswith(allowed):
                r.continue_()
            else:
                self.outside.append(r.request.url)
                r.abort()
        self.context.route("**/*", route)

    def search_from_header(self, start: str, query: str) -> list[str]:
        """Reach the header box with the keyboard, type, press Enter; the result links."""
        page = self.page
        page.goto(start)
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "site-search-q":
                break
        else:
            raise AssertionError("the header search box cannot be reached with Tab")
        page.keyboard.type(query)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"search\.html\?q="))
        return self.results()

    def results(self) -> list[str]:
        self.page.wait_for_function(
            "() => { const s = document.getElementById('search-status');"
            " return s && s.textContent && !/…/.test(s.textContent); }")
        return self.page.eval_on_selector_all("#search-results a", "els => els.map(a => a.href)")

    def close(self):
        self.context.close()


def page_of(href: str, root: str) -> str:
    """The site path of a result link."""
    return urlsplit(href).path[len(urlsplit(root).path):]


def named(atlas, word: str) -> set[str]:
    """Pages of records whose name or an alias contains `word`."""
    return {record_path(r.kind_name, r.id) for r in atlas.records()
            if word in r.name or any(word in a for a in r.aliases)}


@browser_only
def test_http_search_finds_and_opens_the_leoni_page(served, chromium, real_atlas):
    reader = Reader(chromium, served)
    try:
        hits = [page_of(h, served) for h in reader.search_from_header(served + "parks/index.html", "线束")]
        assert record_path("company", LEONI) in hits
        assert reader.page.evaluate("typeof window.ATLAS_SEARCH") == "undefined"
        assert reader.page.evaluate("document.documentElement.scrollWidth") <= 362
        reader.page.locator(f'#search-results a[href$="{LEONI}.html"]').click()
        reader.page.wait_for_url(re.compile(LEONI))
        assert real_atlas.companies[LEONI].name in reader.page.locator("h1").inner_text()
        assert not reader.errors and not reader.outside
    finally:
        reader.close()


@browser_only
def test_http_search_for_energy_storage_finds_every_storage_record(served, chromium, real_atlas):
    storage = named(real_atlas, "储能")
    assert storage
    reader = Reader(chromium, served)
    try:
        reader.page.goto(served + "search.html?q=储能")
        hits = {page_of(h, served) for h in reader.results()}
        assert storage <= hits
        # Pagefind answered: the offline index was never needed.
        assert reader.page.evaluate("typeof window.ATLAS_SEARCH") == "undefined"
        # Pagefind served from our own folder, nothing else from anywhere else.
        assert not reader.errors and not reader.outside
    finally:
        reader.close()


@browser_only
@pytest.mark.parametrize("query", ["wire harness", "Leoni"])
def test_http_english_search_leads_to_the_english_page(served, chromium, query):
    reader = Reader(chromium, served)
    try:
        hits = [page_of(h, served) for h in reader.search_from_header(served + "en/index.html", query)]
        assert "en/" + record_path("company", LEONI) in hits
        kinds = reader.page.eval_on_selector_all("#search-results .search-kind", "els => els.map(e => e.textContent)")
        assert "Company" in kinds
        assert not reader.errors and not reader.outside
    finally:
        reader.close()


@browser_only
def test_offline_search_uses_the_compact_index_without_network(built_site, chromium, real_atlas):
    root = built_site.as_uri() + "/"
    reader = Reader(chromium, root)
    try:
        hits = [page_of(h, root) for h in reader.search_from_header(root + "companies/index.html", "线束")]
        assert record_path("company", LEONI) in hits
        assert reader.page.evaluate("typeof window.ATLAS_SEARCH") == "object"

        # Full-width letters match, and an exact name comes first.
        reader.page.goto(root + "search.html?q=ＬＥＯＮＩ")
        assert record_path("company", LEONI) in [page_of(h, root) for h in reader.results()]
        park = next(iter(real_atlas.parks.values()))
        reader.page.goto(root + "search.html?q=" + park.name)
        assert page_of(reader.results()[0], root) == record_path("park", park.id)

        reader.page.goto(root + "search.html?q=储能")
        assert named(real_atlas, "储能") <= {page_of(h, root) for h in reader.results()}

        reader.page.goto(root + "en/search.html?q=leoni")
        english = reader.results()
        assert "en/" + record_path("company", LEONI) in [page_of(h, root) for h in english]
        reader.page.locator(f'#search-results a[href$="{LEONI}.html"]').click()
        reader.page.wait_for_url(re.compile("en/companies/" + LEONI))
        assert not reader.errors
        assert reader.outside == []
    finally:
        reader.close()


@browser_only
def test_hostile_name_shows_as_text_in_results(project_copy, chromium):
    company = project_copy / "content/companies" / f"{LEONI}.yaml"
    data = yaml.safe_load(company.read_text(encoding="utf-8"))
    data["name"] = data["name"] + HOSTILE
    company.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    site = project_copy / "site"
    build(Project(project_copy), site)
    root = site.as_uri() + "/"
    reader = Reader(chromium, root)
    try:
        reader.page.goto(root + "search.html?q=莱尼")
        reader.results()
        names = reader.page.eval_on_selector_all("#search-results .search-name", "els => els.map(e => e.textContent)")
        assert data["name"] in names
        assert reader.page.evaluate("window.__xss || null") is None
        assert reader.page.locator("#search-results img, #search-results script").count() == 0
    finally:
        reader.close()

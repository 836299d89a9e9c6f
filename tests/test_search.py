"""Site search: the compact offline index, the Pagefind index and its shards, and in real
headless Chromium the search box and results page over http under a sub-path and from
file://, with the index in one shard (the real site) and in several."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from atlas import Project, build, search
from browser_kit import needs_chromium, serving_under_subpath
from atlas.search import (Entry, entries, han_suffixes, record_html, search_script,
                          shard_count, shard_number, write_search)
from atlas.urls import record_path

ROOT = Path(__file__).resolve().parent.parent

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


def shard_names(site: Path) -> list[str]:
    return json.loads((site / "pagefind/shards.json").read_text(encoding="utf-8"))


def page_counts(shard: Path) -> dict[str, int]:
    entry = json.loads((shard / "pagefind-entry.json").read_text(encoding="utf-8"))
    return {lang: v["page_count"] for lang, v in entry["languages"].items()}


def test_pagefind_index_has_every_entry_once_for_both_languages_in_one_shard(built_site):
    assert shard_names(built_site) == ["0"]
    count = len(compact(built_site)["records"])
    assert page_counts(built_site / "pagefind/0") == {"zh": count}
    assert (built_site / "pagefind/0/pagefind.js").is_file()
    assert sorted(p.name for p in (built_site / "pagefind").iterdir()) == ["0", "shards.json"]


def test_shard_count_grows_with_the_records_in_powers_of_two():
    assert [shard_count(n, 1500) for n in (0, 1, 380, 1500, 1501, 3000, 3001, 21804)] == \
        [1, 1, 1, 1, 2, 2, 4, 16]


def test_a_records_shard_depends_on_the_record_alone(real_atlas):
    found = entries(real_atlas)
    alone = {e.ident: shard_number(e, 8) for e in found}
    assert {e.ident: shard_number(e, 8) for e in reversed(found)} == alone
    changed = Entry("company", LEONI, "改名", "Renamed", (), ())
    assert shard_number(changed, 8) == alone[LEONI]
    assert len(set(alone.values())) == 8


def test_small_shards_split_the_index_and_hold_every_page_once(real_atlas, built_site, tmp_path):
    paths = [p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html")]
    write_search(tmp_path, real_atlas, paths, per_shard=30)
    names = shard_names(tmp_path)
    count = len(compact(tmp_path)["records"])
    assert names == [str(n) for n in range(shard_count(count, 30))] and len(names) > 4
    totals = [page_counts(tmp_path / "pagefind" / name) for name in names]
    assert sum(t["zh"] for t in totals) == count
    for name in names:
        digest = (tmp_path / "pagefind" / name / search.SHARD_DIGEST).read_text(encoding="utf-8")
        assert re.fullmatch(r"[0-9a-f]{64}\n", digest)


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


def test_a_failing_pagefind_fails_the_build_with_its_message(real_atlas, built_site, tmp_path,
                                                             monkeypatch):
    monkeypatch.setattr(search, "pagefind_binary", lambda: "/bin/false")
    paths = [p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html")]
    with pytest.raises(RuntimeError, match=r"Pagefind failed to index the site \(pagefind/0\)"):
        write_search(tmp_path, real_atlas, paths)


@pytest.fixture
def sharded(monkeypatch):
    """Builds use shards of 30 records (the real site: 8 shards)."""
    monkeypatch.setattr(search, "RECORDS_PER_SHARD", 30)


def shard_files(site: Path) -> dict[str, dict[str, int]]:
    """Shard folder -> file in it -> inode."""
    return {name: {p.relative_to(site / "pagefind" / name).as_posix(): p.stat().st_ino
                   for p in (site / "pagefind" / name).rglob("*") if p.is_file()}
            for name in shard_names(site)}


def test_a_rebuild_indexes_again_only_the_shard_of_the_changed_record(
        project_copy, tmp_path, monkeypatch, sharded):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    out = tmp_path / "site"
    build(Project(project_copy), out)
    before = shard_files(out)
    leoni = project_copy / "content/companies" / f"{LEONI}.yaml"
    text = leoni.read_text(encoding="utf-8")
    leoni.write_text(text.replace("summary: |\n", "summary: |\n  改过的摘要。\n", 1), encoding="utf-8")
    build(Project(project_copy), out)
    after = shard_files(out)
    assert set(after) == set(before) and len(after) > 4
    rewritten = {name for name in after
                 if any(before[name].get(rel) != inode for rel, inode in after[name].items())}
    assert rewritten == {str(shard_number(Entry("company", LEONI, "", "", (), ()), len(after)))}
    # Every file of every other shard is the previous build's, linked.
    assert all(after[name] == before[name] for name in set(after) - rewritten)

    clean = tmp_path / "clean"
    build(Project(project_copy), clean, force=True)
    assert {rel: (out / "pagefind" / rel).read_bytes() for rel in _pagefind_files(out)} == \
        {rel: (clean / "pagefind" / rel).read_bytes() for rel in _pagefind_files(clean)}


def _pagefind_files(site: Path) -> list[str]:
    return sorted(p.relative_to(site / "pagefind").as_posix()
                  for p in (site / "pagefind").rglob("*") if p.is_file())


def test_one_record_per_entry_holds_both_languages_and_the_path_to_link(real_atlas):
    leoni = next(e for e in entries(real_atlas) if e.ident == LEONI)
    record = record_html(leoni)
    company = real_atlas.companies[LEONI]
    for text in (company.name, company.name_en, "企业", "Company"):
        assert text in record
    # Both summaries, and the helper words that find 线束 inside a longer word.
    assert "Wiring-harness maker" in record and company.summary.strip()[:12] in record
    assert "线束" in record.split("</p><p>")[-1]
    assert f'data-pagefind-meta="path:{record_path("company", LEONI)}"' in record


def test_hostile_names_stay_inert_in_both_indexes():
    entry = Entry("company", "x", HOSTILE + "\u2028", "en" + HOSTILE, (HOSTILE,), (HOSTILE,))
    script = search_script([entry])
    assert "<" not in script and "\u2028" not in script
    assert json.loads(script[len("window.ATLAS_SEARCH="):-2])["records"][0][2] == HOSTILE + "\u2028"
    record = record_html(entry)
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
@pytest.mark.parametrize("site", ["served", "sharded_server"])
def test_http_search_finds_and_opens_the_leoni_page(site, request, chromium, real_atlas):
    """In one index, and in shards merged by the browser (the real content in shards of 30)."""
    address = request.getfixturevalue(site)
    reader = Reader(chromium, address)
    try:
        hits = [page_of(h, address) for h in reader.search_from_header(address + "parks/index.html", "线束")]
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
@pytest.mark.parametrize("query", ["wire harness", "Leoni", "wired harnesses"])
def test_http_english_search_leads_to_the_english_page(served, chromium, real_atlas, query):
    """One record serves both languages: an English reader gets the English page, name
    and kind, and other forms of a word (wire, wiring, harnesses) find each other."""
    reader = Reader(chromium, served)
    try:
        hits = [page_of(h, served) for h in reader.search_from_header(served + "en/index.html", query)]
        assert "en/" + record_path("company", LEONI) in hits
        kinds = reader.page.eval_on_selector_all("#search-results .search-kind", "els => els.map(e => e.textContent)")
        assert "Company" in kinds
        names = reader.page.eval_on_selector_all("#search-results .search-name", "els => els.map(e => e.textContent)")
        assert real_atlas.companies[LEONI].name_en in names
        assert not reader.errors and not reader.outside
    finally:
        reader.close()


@browser_only
@pytest.mark.parametrize("site", ["built_site", "sharded_site"])
def test_offline_search_uses_the_compact_index_without_network(site, request, chromium, real_atlas):
    """From file://, with one Pagefind index or in shards alike."""
    root = request.getfixturevalue(site).as_uri() + "/"
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


# -- in the browser, with the index in several shards ---------------------------------

@pytest.fixture(scope="module")
def sharded_site(tmp_path_factory) -> Path:
    """The real content built with shards of 30 records."""
    out = tmp_path_factory.mktemp("sharded") / "site"
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "RECORDS_PER_SHARD", 30)
        build(Project(ROOT), out)
    return out


@pytest.fixture(scope="module")
def sharded_server(sharded_site, tmp_path_factory):
    with serving_under_subpath(sharded_site, tmp_path_factory.mktemp("www-sharded")) as address:
        yield address


def shard_of_page(site: Path, path: str, atlas) -> str:
    count = len(shard_names(site))
    entry = next(e for e in entries(atlas) if e.path == path)
    return str(shard_number(entry, count))


@browser_only
@pytest.mark.parametrize("query, lang", [("新能源", "zh"), ("Energy", "en")])
def test_http_search_finds_answers_in_every_shard(sharded_site, sharded_server, chromium,
                                                  real_atlas, query, lang):
    expected = {record_path(r.kind_name, r.id) for r in real_atlas.records()
                if query in (r.name if lang == "zh" else r.name_en)}
    shards = {shard_of_page(sharded_site, path, real_atlas) for path in expected}
    assert len(shards) > 3, "the answers should lie in different shards"
    prefix = "" if lang == "zh" else "en/"
    reader = Reader(chromium, sharded_server)
    loaded = []
    reader.page.on("request", lambda r: loaded.append(r.url) if "/pagefind/" in r.url else None)
    try:
        reader.page.goto(sharded_server + prefix + "search.html?q=" + query)
        hits = {page_of(h, sharded_server) for h in reader.results()}
        assert {prefix + path for path in expected} <= hits
        assert reader.page.evaluate("typeof window.ATLAS_SEARCH") == "undefined"
        assert not reader.errors and not reader.outside
        # Every shard was asked.
        for name in shard_names(sharded_site):
            assert any(f"/pagefind/{name}/pagefind-entry.json" in url for url in loaded), name
    finally:
        reader.close()

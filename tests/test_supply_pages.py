"""The supply page of a large atlas, split: above browse.SUPPLY_PAGE_LINKS links every link
is on exactly one numbered page, the pager between them works in both languages, each
vehicle maker's network is linked where its company page shows it, each page looks up
only the records it shows, and the maker filter still leads somewhere (in Chromium).
The real atlas keeps its one supply page (tests/test_supply.py)."""
from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from atlas import browse
from atlas.cache import saved_pages
from atlas.fingerprints import page_dependencies
from atlas.urls import record_path
from browser_kit import (PageWatch, needs_chromium, serious_axe_problems,
                         serving_under_subpath)
from fixture_atlas import built_with_small_pages

PER_PAGE = 50          # small pages, so that a small synthetic atlas has many of them
COMPANIES = 120        # 3 links each: 360 links, 8 pages


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    """A synthetic project built with pages of PER_PAGE links: (project root, site, atlas)."""
    return built_with_small_pages(tmp_path_factory, "split-supply", "SUPPLY_PAGE_LINKS", PER_PAGE,
                                  COMPANIES)


class SupplyPage(HTMLParser):
    """What a supply page shows of the split: its link rows, its pager, its maker rows."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.link_rows: list[str] = []
        self.pager: list[dict] = []          # the pager's links, with their text
        self.pager_label = None
        self.range_text = ""
        self.networks = 0
        self._in = set()
        self._a: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.ids.add(a.get("id"))
        if tag == "table" and a.get("id") == "all-links-table":
            self._in.add("links")
        elif tag == "tr" and "links" in self._in and a.get("id"):
            self.link_rows.append(a["id"])
        elif tag == "nav" and "pager" in a.get("class", ""):
            self._in.add("pager")
            self.pager_label = a.get("aria-label")
        elif tag == "a" and "pager" in self._in:
            self._a = dict(a, text="")
            self.pager.append(self._a)
        elif tag == "p" and "pager-range" in a.get("class", ""):
            self._in.add("range")
        elif tag == "section" and "network" in a.get("class", "").split():
            self.networks += 1

    def handle_endtag(self, tag):
        if tag == "table":
            self._in.discard("links")
        elif tag == "nav":
            self._in.discard("pager")
        elif tag == "a":
            self._a = None
        elif tag == "p":
            self._in.discard("range")

    def handle_data(self, data):
        if self._a is not None:
            self._a["text"] += data
        if "range" in self._in:
            self.range_text += data


def _read(path: Path) -> SupplyPage:
    page = SupplyPage()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _pages(site: Path, prefix: str) -> dict[str, SupplyPage]:
    """Every page of the split supply links in one language, by site path, in page order."""
    paths = sorted((p.relative_to(site).as_posix() for p in (site / prefix / "supply").glob("links-*.html")),
                   key=lambda path: int(re.findall(r"\d+", path)[-1]))
    return {path: _read(site / path) for path in paths}


def _resolve(page: str, href: str) -> str:
    target = href.split("#")[0].split("?")[0]
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), target)) if target else page


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_every_link_is_on_exactly_one_page_in_its_order(split, prefix):
    _, site, atlas = split
    pages = _pages(site, prefix)
    expected_pages = -(-len(atlas.links) // PER_PAGE)
    assert len(atlas.links) > PER_PAGE and len(pages) == expected_pages
    shown = [row for page in pages.values() for row in page.link_rows]
    # In page order the rows are the links in their own order, each once.
    assert shown == [l.anchor for l in atlas.links]
    assert all(len(page.link_rows) <= PER_PAGE for page in pages.values())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(browse, "SUPPLY_PAGE_LINKS", PER_PAGE)
        for link in atlas.links:
            path, _, anchor = browse.supply_link_path(link, len(atlas.links)).partition("#")
            assert anchor in pages[prefix + path].link_rows
    overview = _read(site / prefix / "supply.html")
    assert not overview.link_rows and overview.networks == 0, "it links them, not repeats them"
    assert [_resolve(f"{prefix}supply.html", a["href"]) for a in overview.pager] == list(pages)
    assert overview.pager[1]["text"].strip() == f"{PER_PAGE + 1}–{2 * PER_PAGE}"


@pytest.mark.parametrize("prefix, previous, following, range_text", [
    ("", "上一页", "下一页", "第 51–100 条供应关系，共 360 条"),
    ("en/", "Previous page", "Next page", "Supply relations 51–100 of 360"),
])
def test_pager_links_resolve_to_existing_pages(split, prefix, previous, following, range_text):
    _, site, atlas = split
    pages = _pages(site, prefix)
    order = [f"{prefix}supply/links-{n}.html" for n in range(1, len(pages) + 1)]
    assert order == list(pages)
    assert pages[order[1]].range_text.strip() == range_text
    for number, path in enumerate(order, 1):
        page = pages[path]
        assert page.pager_label, path
        targets = {a["text"].strip(): _resolve(path, a["href"]) for a in page.pager}
        for a in page.pager:
            assert (site / _resolve(path, a["href"])).is_file(), (path, a["href"])
        current = [a for a in page.pager if a.get("aria-current") == "page"]
        assert [_resolve(path, a["href"]) for a in current] == [path]
        assert targets.get(previous) == (order[number - 2] if number > 1 else None)
        assert targets.get(following) == (order[number] if number < len(order) else None)
        assert targets["1"] == order[0] and targets[str(len(order))] == order[-1]


def test_each_maker_links_to_where_its_network_is_shown(split):
    _, site, atlas = split
    text = (site / "supply.html").read_text(encoding="utf-8")
    found = 0
    for network in browse.networks(atlas):
        maker = network.maker.id
        href = re.search(
            rf'<a href="(companies/{maker}\.html#(?:supply-network|suppliers))">供应网络</a>', text).group(1)
        company_page = (site / record_path("company", maker)).read_text(encoding="utf-8")
        if network.tier(2):
            assert href.endswith("#supply-network") and 'id="supply-network"' in company_page
        else:   # its suppliers table on the company page is the whole network
            assert href.endswith("#suppliers") and 'id="suppliers"' in company_page
        if network.maker.location:
            assert f'href="map.html?maker={maker}"' in text
        found += 1
    assert found > 3
    # Without the script the filter would do nothing: it starts hidden, the table's links stay.
    assert re.search(r'<form class="maker-filter" data-mode="go"[^>]*\shidden>', text)


def test_each_page_looks_up_only_the_records_it_shows(split):
    """So a change to one company or link re-renders only the supply pages that show it."""
    root, site, atlas = split
    lookups = {path: looked_up for path, looked_up in page_dependencies(saved_pages(site)).items()
               if path == "supply.html" or path.startswith("supply/")}   # as the build noted them
    pages = _pages(site, "")
    assert set(lookups) == {"supply.html", *pages}
    makers = {n.maker.id for n in browse.networks(atlas)}
    overview = lookups["supply.html"]
    assert {key for table, key in overview if table == "companies"} == makers
    assert not [key for table, key in overview if table == "links"]
    for path, page in pages.items():
        shown = [atlas.links[int(row.split("-")[1]) - 1] for row in page.link_rows]
        assert {key for table, key in lookups[path] if table == "links"} == {l.index for l in shown}
        assert {key for table, key in lookups[path] if table == "companies"} == \
            {c for l in shown for c in (l.supplier, l.customer)}, path


def test_the_real_atlas_keeps_its_one_supply_page(built_site):
    assert not (built_site / "supply").exists() and not (built_site / "en" / "supply").exists()
    page = _read(built_site / "supply.html")
    assert not page.pager and page.networks > 0 and page.link_rows


# --- In Chromium -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def split_server(split, tmp_path_factory):
    with serving_under_subpath(split[1], tmp_path_factory.mktemp("www")) as address:
        yield address


@needs_chromium
def test_maker_filter_on_a_split_page_leads_to_the_network(split, split_server, browser):
    _, _, atlas = split
    network = next(n for n in browse.networks(atlas) if n.tier(2) and n.maker.location)
    maker = network.maker
    watch = PageWatch(browser, split_server)
    try:
        watch.open("en/supply.html")
        page = watch.page
        assert page.locator("form.maker-filter").is_visible()
        page.select_option("#maker-select", maker.id)
        # Choosing alone does not leave the page; the address remembers the maker.
        assert page.url.endswith(f"en/supply.html?maker={maker.id}")
        status = page.locator(".filter-status").inner_text()
        assert maker.name_en in status and str(len(network.rows)) in status
        assert page.locator(".filter-map").get_attribute("href") == f"map.html?maker={maker.id}"
        assert not watch.errors
        page.click(".filter-network")
        page.wait_for_load_state("load")
        assert page.url == f"{split_server}en/{record_path('company', maker.id)}#supply-network"
        assert page.locator("#supply-network").count() == 1
        watch.errors.clear()   # the company page's own scripts are tested with it
        # The address preselects a maker.
        watch.open(f"en/supply.html?maker={maker.id}")
        assert page.locator("#maker-select").input_value() == maker.id
        assert page.locator(".filter-network").get_attribute("href").endswith(
            f"companies/{maker.id}.html#supply-network")
        # An address naming a link listed on another page (as the open data gives it) goes there.
        wanted = atlas.links[3 * PER_PAGE + 7].anchor
        watch.open(f"supply.html#{wanted}")
        page.wait_for_url(f"**/supply/links-4.html#{wanted}")
        assert page.locator(f"#all-links-table tr#{wanted}").count() == 1
        assert not watch.errors and not watch.outside
    finally:
        watch.close()


@needs_chromium
@pytest.mark.parametrize("path", ["supply.html", "en/supply.html", "supply/links-2.html",
                                  "en/supply/links-8.html"])
def test_split_pages_have_no_serious_axe_violations(split_server, browser, path):
    violations, errors = serious_axe_problems(browser, split_server, path)
    assert not violations and not errors, (violations, errors)

"""Long lists split into pages: above browse.LIST_PAGE_ROWS rows the companies and clusters
lists, each browse group and each supply circle's places are on numbered pages (page 1
where the whole list was), every record on exactly one page in the list's order, in both
languages; the pagers lead to existing pages; counts and charts still speak of the whole
list; each page looks up only the records it shows. The real atlas keeps whole lists."""
from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from pathlib import Path

import pytest

from atlas import browse, charts, maps, tracking
from atlas.cache import saved_pages
from atlas.fingerprints import page_dependencies
from atlas.urls import browse_path, record_path, section_path
from browser_kit import needs_chromium, serious_axe_problems, serving_under_subpath
from fixture_atlas import built_with_small_pages

PER_PAGE = 5           # small pages, so that a small synthetic atlas splits every kind of list
COMPANIES = 120


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    """A synthetic project built with lists of PER_PAGE rows a page: (project root, site, atlas)."""
    return built_with_small_pages(tmp_path_factory, "split-lists", "LIST_PAGE_ROWS", PER_PAGE,
                                  COMPANIES)


class ListPage(HTMLParser):
    """What a page of a list shows: the records its table rows (or circle rings) link to,
    its pager, its range line, its counts."""

    def __init__(self, path: str):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.rows: list[str] = []            # site paths of the records listed, in order
        self.rings: list[list[str]] = []     # a circle's places, ring by ring
        self.computed: list[str] = []        # a circle's "N places" line of each ring
        self.pager: list[dict] = []
        self.pager_labels: list[str] = []
        self.texts: dict[str, str] = {}      # text of elements by class: pager-range, group-counts, count
        self.chart_rows = 0
        self._in: list[str] = []
        self._a: dict | None = None
        self._first_link = False
        self._text_of: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "tbody" and "chart" not in self._in:
            self._in.append("tbody")
        elif tag == "tr" and "tbody" in self._in:
            self._first_link = True
        elif tag == "ul" and "inside" in classes:
            self._in.append("inside")
            self.rings.append([])
        elif tag == "nav" and "pager" in classes:
            self._in.append("pager")
            self.pager_labels.append(a.get("aria-label"))
        elif tag == "figure" and "chart" in classes:
            self._in.append("chart")
        elif tag == "th" and "chart" in self._in and a.get("scope") == "row":
            self.chart_rows += 1
        elif tag == "a":
            href = a.get("href", "")
            if "pager" in self._in:
                self._a = dict(a, text="")
                self.pager.append(self._a)
            elif "inside" in self._in and "approx" not in classes:
                self.rings[-1].append(_resolve(self.path, href))
            elif "tbody" in self._in and self._first_link:
                self.rows.append(_resolve(self.path, href))
                self._first_link = False
        if tag in ("p", "span"):
            for name in ("pager-range", "group-counts", "computed", "count"):
                if name in classes:
                    self._text_of = name
                    self.texts[name] = ""

    def handle_endtag(self, tag):
        ends = {"tbody": "tbody", "ul": "inside", "nav": "pager", "figure": "chart"}
        if tag in ends and self._in and self._in[-1] == ends[tag]:
            self._in.pop()
        if tag == "a":
            self._a = None
        if tag in ("p", "span") and self._text_of:
            if self._text_of == "computed":
                self.computed.append(self.texts["computed"].strip())
            self._text_of = None

    def handle_data(self, data):
        if self._a is not None:
            self._a["text"] += data
        if self._text_of:
            self.texts[self._text_of] += data


def _resolve(page: str, href: str) -> str:
    target = href.split("#")[0].split("?")[0]
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), target)) if target else page


def _read(site: Path, path: str) -> ListPage:
    page = ListPage(path)
    page.feed((site / path).read_text(encoding="utf-8"))
    return page


def _pages_of(site: Path, first: str) -> list[ListPage]:
    """Every page of the list whose page 1 is at `first`, in page order."""
    stem = first.removesuffix(".html")
    count = len(list((site / stem).glob("page-*.html")))
    return [_read(site, first)] + [_read(site, f"{stem}/page-{n}.html") for n in range(2, count + 2)]


def _rec(record) -> str:
    return record_path(record.kind_name, record.id)


def _lists(atlas) -> dict[str, list[str]]:
    """Each list the small pages split: its page-1 path and its records' pages, in order."""
    found = {section_path("company"): [_rec(c) for c in browse.company_order(atlas)],
             section_path("cluster"): [_rec(c) for c in browse.cluster_order(atlas)]}
    for group in browse.group_pages(atlas):
        if len(group.records) > PER_PAGE:
            found[browse_path(group.dimension, group.key)] = [_rec(r) for r in group.records]
    return found


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_every_record_is_on_exactly_one_page_of_its_list_in_order(split, prefix):
    _, site, atlas = split
    lists = _lists(atlas)
    assert len(lists) > 10 and section_path("company") in lists
    for first, expected in lists.items():
        pages = _pages_of(site, prefix + first)
        assert len(pages) == -(-len(expected) // PER_PAGE), first
        shown = [row.removeprefix(prefix) for page in pages for row in page.rows]
        assert shown == expected, first
        assert all(len(page.rows) <= PER_PAGE for page in pages)


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_every_place_inside_a_circle_is_on_exactly_one_page_ring_by_ring(split, prefix):
    _, site, atlas = split
    checked = 0
    for circle in atlas.circles.values():
        rings = [[_rec(place) for place, _ in maps.places_inside(circle, atlas, km)]
                 for km, _, _ in maps.circle_rings(circle)]
        if sum(map(len, rings)) <= PER_PAGE:
            continue
        pages = _pages_of(site, prefix + record_path("circle", circle.id))
        assert len(pages) == -(-sum(map(len, rings)) // PER_PAGE)
        shown = [place.removeprefix(prefix) for page in pages for ring in page.rings for place in ring]
        assert shown == [place for ring in rings for place in ring]
        # Every page says how many places each ring holds in all.
        for page in pages:
            assert [int("".join(filter(str.isdigit, text))) for text in page.computed] == \
                [len(ring) for ring in rings]
        checked += 1
    assert checked


@pytest.mark.parametrize("prefix, previous, following, range_text", [
    ("", "上一页", "下一页", "本页显示第 6–10 项，共 120 项。"),
    ("en/", "Previous page", "Next page", "Showing 6–10 of 120."),
])
def test_pagers_resolve_to_the_pages_of_their_list(split, prefix, previous, following, range_text):
    _, site, atlas = split
    firsts = [*_lists(atlas), *(record_path("circle", c.id) for c in atlas.circles.values())]
    companies = _pages_of(site, prefix + section_path("company"))
    assert companies[1].texts["pager-range"].startswith(range_text)
    for first in firsts:
        pages = _pages_of(site, prefix + first)
        if len(pages) == 1:
            continue
        order = [page.path for page in pages]
        for number, page in enumerate(pages, 1):
            assert page.pager_labels and all(page.pager_labels), page.path
            for a in page.pager:
                assert (site / _resolve(page.path, a["href"])).is_file(), (page.path, a["href"])
            current = [_resolve(page.path, a["href"]) for a in page.pager if a.get("aria-current") == "page"]
            assert current == [page.path]
            rel = {a.get("rel"): _resolve(page.path, a["href"]) for a in page.pager if a.get("rel")}
            assert rel.get("prev") == (order[number - 2] if number > 1 else None)
            assert rel.get("next") == (order[number] if number < len(order) else None)
            texts = {a["text"].strip(): _resolve(page.path, a["href"]) for a in page.pager}
            assert texts["1"] == order[0] and texts[str(len(order))] == order[-1]
            assert (previous in texts) == (number > 1) and (following in texts) == (number < len(order))


def test_counts_and_charts_speak_of_the_whole_list(split):
    _, site, atlas = split
    roles = {g.key: g.count for g in browse.groups(atlas, "role")}
    for page in _pages_of(site, section_path("company")):
        text = (site / page.path).read_text(encoding="utf-8")
        assert f"全部 {len(atlas.companies)} 家企业与机构" in text
        for key, count in roles.items():
            assert f'<li id="role-{key or "unplaced"}">' in text and f"{count} 个" in text
    for group in browse.group_pages(atlas):
        if len(group.records) > PER_PAGE:
            for page in _pages_of(site, browse_path(group.dimension, group.key)):
                assert page.texts["group-counts"].startswith(f"共 {group.count} 个档案"), page.path
    clusters = _pages_of(site, section_path("cluster"))
    bars = sum(len(chart.bars) for chart in charts.cluster_comparisons(atlas))
    assert bars and clusters[0].chart_rows == bars
    assert all(page.chart_rows == 0 for page in clusters[1:]), "the charts stay on page 1"


def test_sorting_says_it_sorts_one_page(split):
    _, site, _ = split
    page = _read(site, "en/" + section_path("company"))
    assert "Sorting a column sorts the rows of this page only." in page.texts["pager-range"]


def test_each_page_looks_up_only_the_records_it_shows(split):
    """So a change to one company re-renders only the page of each list that shows it
    (and page 1 of the clusters, whose charts compare every cluster)."""
    root, site, atlas = split
    lookups = page_dependencies(saved_pages(site))   # as the build noted them
    tables = {"clusters": "cluster", "companies": "company", "parks": "park"}
    firsts = [*_lists(atlas), *(record_path("circle", c.id) for c in atlas.circles.values())]
    checked = 0
    for first in firsts:
        pages = _pages_of(site, first)
        if len(pages) == 1:
            continue
        for number, page in enumerate(pages, 1):
            records = {(tables[table], key) for table, key in lookups[page.path] if table in tables}
            listed = page.rings if first.startswith("circles/") else [page.rows]
            shown = {(tables[folder], ident) for rows in listed for path in rows
                     for folder, ident in [path.removesuffix(".html").split("/")]}
            if first == section_path("cluster") and number == 1:
                assert ("cluster", tracking.ALL) in records   # its charts compare every cluster
                continue
            if first.startswith("circles/") and number == 1:
                centre = atlas.circles[first.split("/")[1].removesuffix(".html")].centre
                records.discard(("park", centre))
                shown.discard(("park", centre))
            assert records == shown, page.path
            checked += 1
    assert checked > 20


def test_the_real_atlas_keeps_whole_lists(built_site):
    for first in (section_path("company"), section_path("cluster"), section_path("park"),
                  "browse/province/tianjin.html", "circles/one-hour-parts-circle.html"):
        page = _read(built_site, first)
        assert page.rows or page.rings
        assert not page.pager and "pager-range" not in page.texts, first
        assert not (built_site / first.removesuffix(".html")).exists()


# --- In Chromium -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def split_server(split, tmp_path_factory):
    with serving_under_subpath(split[1], tmp_path_factory.mktemp("www")) as address:
        yield address


@needs_chromium
@pytest.mark.parametrize("path", ["companies/index/page-2.html", "en/clusters/index.html",
                                  "en/circles/synth-circle-1/page-2.html"])
def test_split_list_pages_have_no_serious_axe_violations(split_server, browser, path):
    violations, errors = serious_axe_problems(browser, split_server, path)
    assert not violations and not errors, (violations, errors)

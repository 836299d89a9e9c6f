"""Browsing and sharing: the browse pages group every record by district, industry,
province-level region and role with counts that match the atlas; no table cell is left
empty; every page carries a description and Open Graph tags; tables sort by keyboard on
the number; printing an entity page leaves out the navigation and the map."""
from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from atlas import Project, build, browse
from atlas.model import PROVINCES
from atlas.urls import browse_path, record_path

ROOT = Path(__file__).resolve().parent.parent
from browser_kit import PageWatch, needs_chromium


# --- Reading the built pages ----------------------------------------------------------

@dataclass
class Cell:
    tag: str
    attrs: dict
    text: str = ""
    hrefs: list[str] = field(default_factory=list)


@dataclass
class Table:
    attrs: dict
    caption: str = ""
    head: list[list[Cell]] = field(default_factory=list)
    body: list[tuple[dict, list[Cell]]] = field(default_factory=list)   # (tr attrs, cells)


class PageReader(HTMLParser):
    """The tables, meta tags and element ids of one page; links in table cells are
    resolved to site paths."""

    def __init__(self, folder: str = ""):
        super().__init__(convert_charrefs=True)
        self.folder = folder
        self.tables: list[Table] = []
        self.meta: dict[str, str] = {}
        self.ids: set[str] = set()
        self.notes: dict[str, str] = {}
        self._table: Table | None = None
        self._section = ""
        self._row: list[Cell] | None = None
        self._cell: Cell | None = None
        self._caption = False
        self._note: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "meta":
            key = a.get("property") or a.get("name")
            if key:
                self.meta[key] = a.get("content", "")
        elif tag == "table":
            self._table = Table(a)
            self.tables.append(self._table)
        elif tag in ("thead", "tbody") and self._table:
            self._section = tag
        elif tag == "caption":
            self._caption = True
        elif tag == "tr" and self._table:
            self._row = []
            if self._section == "thead":
                self._table.head.append(self._row)
            else:
                self._table.body.append((a, self._row))
        elif tag in ("td", "th") and self._row is not None:
            self._cell = Cell(tag, a)
            self._row.append(self._cell)
        elif tag == "a" and self._cell is not None and "href" in a:
            target, hash_, fragment = a["href"].split("?")[0].partition("#")
            path = posixpath.normpath(posixpath.join(self.folder, target)) if target else ""
            self._cell.hrefs.append(path + hash_ + fragment)
        elif tag == "li" and a.get("id", "").startswith("note-"):
            self._note = a["id"]
            self.notes[self._note] = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag in ("td", "th"):
            self._cell = None
        elif tag == "caption":
            self._caption = False
        elif tag == "li":
            self._note = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.text += data
        if self._caption and self._table:
            self._table.caption += data
        if self._note:
            self.notes[self._note] += data


def read_page(path: Path) -> PageReader:
    site = next(p for p in path.parents if (p / "404.html").is_file())
    reader = PageReader(path.parent.relative_to(site).as_posix().replace(".", ""))
    reader.feed(path.read_text(encoding="utf-8"))
    return reader


def table_with_class(page: PageReader, name: str) -> Table:
    found = [t for t in page.tables if name in t.attrs.get("class", "").split()]
    assert len(found) == 1, f"expected one table.{name}, found {len(found)}"
    return found[0]


def linked_ids(cell: Cell, folder: str) -> list[str]:
    """The record ids a cell links to in a folder (e.g. 'companies')."""
    return [m.group(1) for href in cell.hrefs
            for m in [re.fullmatch(rf"(?:en/)?{folder}/([a-z0-9-]+)\.html", href.split("#")[0])] if m]


# --- Grouping (pure) --------------------------------------------------------------------

@pytest.fixture(scope="module")
def atlas():
    from atlas import load_atlas
    return load_atlas(Project(ROOT))


def _expected_key(record, atlas, dimension) -> str:
    """Where a record belongs, read straight from its own fields."""
    if dimension == "district":
        return record.district
    if dimension == "industry":
        return record.industry
    if dimension == "role":
        return record.role
    if record.kind_name == "cluster":
        return record.region
    return atlas.districts[record.district].province if record.district else ""


FOLDERS = {"cluster": "clusters", "company": "companies", "park": "parks"}
# Which records each dimension sorts: parks have no industry, only companies a role.
KINDS = {"district": ("cluster", "company", "park"), "province": ("cluster", "company", "park"),
         "industry": ("cluster", "company"), "role": ("company",)}


@pytest.mark.parametrize("dimension", browse.DIMENSIONS)
def test_every_record_is_in_exactly_the_group_its_fields_name(atlas, dimension):
    groups = browse.groups(atlas, dimension)
    placed = [(g.key, r.kind_name, r.id) for g in groups for r in g.records]
    assert len(placed) == len(set(placed)), "a record listed twice"
    expected = {(_expected_key(r, atlas, dimension), r.kind_name, r.id)
                for r in atlas.records() if r.kind_name in KINDS[dimension]}
    assert set(placed) == expected
    assert sum(g.count for g in groups) == len(expected)
    assert all(g.count > 0 for g in groups), "an empty group would be an empty page"


def test_sort_keys_compare_quantities_across_magnitude_units():
    from atlas.model import Fact, Where

    def fact(value, unit):
        return Fact(metric="output", value=value, unit=unit, kind="actual", source_id="s",
                    quote="q", where=Where("x", 1))
    big, small = browse.sort_value([fact(1.2, "亿元")]), browse.sort_value([fact(5000, "万元")])
    assert float(big) > float(small)          # 1.2 亿 = 120,000,000 > 50,000,000
    assert float(browse.sort_value([fact(9, "家")])) < float(browse.sort_value([fact(10, "家")]))
    assert browse.sort_value([]) == ""        # "not reported" sorts last


# --- Browse pages (built site) ---------------------------------------------------------

@pytest.mark.parametrize("dimension", browse.DIMENSIONS)
def test_browse_pages_count_and_list_every_record(built_site, atlas, dimension):
    index = read_page(built_site / browse_path(dimension))
    table = table_with_class(index, "browse-groups")
    listed_total = 0
    for _, cells in table.body:
        key = Path(cells[0].hrefs[0]).stem
        count = int(cells[1].text)
        group_page = read_page(built_site / browse_path(dimension, key))
        rows = table_with_class(group_page, "browse-records").body
        assert len(rows) == count, (dimension, key)
        linked = {(kind, ident) for _, row in rows for kind, folder in FOLDERS.items()
                  for ident in linked_ids(row[0], folder)}
        expected = {(r.kind_name, r.id) for r in atlas.records()
                    if r.kind_name in KINDS[dimension] and _expected_key(r, atlas, dimension) == key}
        assert linked == expected, (dimension, key)
        listed_total += count
    unplaced = [t for t in index.tables if "browse-records" in t.attrs.get("class", "")]
    listed_total += sum(len(t.body) for t in unplaced)
    assert listed_total == len(browse.covered(atlas, dimension))


def test_browse_index_links_every_group_with_its_count(built_site, atlas):
    text = (built_site / browse_path("")).read_text(encoding="utf-8")
    for dimension in browse.DIMENSIONS:
        for g in browse.groups(atlas, dimension):
            if g.key:
                link = f'href="{g.dimension}/{g.key}.html">{html.escape(g.name)}</a> <span class="count">{g.count} 个</span>'
                assert link in text, link


def test_province_pages_are_beijing_tianjin_hebei_and_the_whole_region(built_site):
    made = sorted(p.stem for p in (built_site / "browse" / "province").glob("*.html"))
    assert set(made) - {"index"} <= set(PROVINCES)
    assert {"beijing", "tianjin", "hebei"} <= set(made)


def test_list_pages_and_nav_link_to_the_browse_pages(built_site):
    for page in ("clusters/index.html", "companies/index.html", "parks/index.html", "index.html"):
        text = (built_site / page).read_text(encoding="utf-8")
        assert re.search(r'href="(\.\./)?browse/index\.html"', text), page
    companies = (built_site / "companies/index.html").read_text(encoding="utf-8")
    assert 'href="../browse/role/vehicle-maker.html"' in companies
    assert 'href="../browse/district/index.html"' in companies


def test_no_table_cell_is_left_empty(built_site):
    """Where an article gives no figure the cell says so; a blank cell reads as a bug."""
    checked = 0
    for path in sorted(built_site.rglob("*.html")):
        for table in read_page(path).tables:
            for _, cells in table.body:
                for cell in cells:
                    checked += 1
                    assert cell.text.strip(), (path.relative_to(built_site).as_posix(),
                                                table.attrs, [c.text for c in cells])
    assert checked > 1000


def test_figure_columns_carry_the_number_they_sort_by(built_site, atlas):
    """The cluster table's output column sorts on the figure (scaled), not its text."""
    table = table_with_class(read_page(built_site / "clusters/index.html"), "sortable")
    heads = [c.text.strip() for c in table.head[0]]
    assert all(c.attrs.get("data-type") == "number" for c in table.head[0][2:])
    for _, cells in table.body:
        ident = linked_ids(cells[0], "clusters")[0]
        output = [f for f in atlas.clusters[ident].facts if f.metric == "output" and f.kind == "actual"]
        key = cells[heads.index("产值")].attrs["data-sort"]
        if output:
            assert float(key) == pytest.approx(output[0].value * 1e8 if output[0].unit == "亿元"
                                               else output[0].value)
        else:
            assert key == "" and "未报道" in cells[heads.index("产值")].text


# --- Description and Open Graph --------------------------------------------------------

def test_every_page_has_a_description_and_open_graph_tags(built_site):
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) > 300
    for path in pages:
        rel = path.relative_to(built_site).as_posix()
        meta = read_page(path).meta
        for key in ("description", "og:title", "og:description", "og:type", "og:locale",
                    "og:site_name"):
            assert meta.get(key, "").strip(), (rel, key)
        assert meta["og:locale"] == ("en_GB" if rel.startswith("en/") else "zh_CN"), rel
        assert "og:url" not in meta, f"{rel}: og:url without a configured site URL"


def test_a_record_is_shared_with_the_first_sentence_of_its_summary(built_site, atlas):
    company = atlas.companies["aorui-auto-parts-tianjin"]
    meta = read_page(built_site / record_path("company", company.id)).meta
    first = company.summary.strip().split("。")[0] + "。"
    assert meta["og:description"] == first
    assert meta["og:title"] == company.name
    assert meta["og:type"] == "article"
    english = read_page(built_site / "en" / record_path("company", company.id)).meta
    assert english["og:description"] == company.summary_en.strip().split(". ")[0] + "."
    assert read_page(built_site / "supply.html").meta["og:type"] == "website"


def test_shared_text_is_escaped_and_og_url_follows_the_site_url(project_copy, tmp_path):
    """A summary with quotes and markup stays text in the head; with a site URL every
    page but the 404 says where it lives."""
    target = project_copy / "content/companies/aorui-auto-parts-tianjin.yaml"
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    data["summary"] = '引号"><script>alert(1)</script> & **粗体**收尾。第二句不进描述。\n'
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "site"
    build(Project(project_copy), out, base_url="https://example.org/atlas/")
    page = out / record_path("company", "aorui-auto-parts-tianjin")
    head = page.read_text(encoding="utf-8").split("</head>")[0]
    assert "<script>alert" not in head
    meta = read_page(page).meta
    # Markup cleaned away, the rest kept as text (escaped in the attribute), first sentence only.
    assert meta["og:description"].startswith('引号">')
    assert meta["og:description"].endswith("& 粗体收尾。")
    assert "<script" not in meta["og:description"] and "第二句" not in meta["og:description"]
    assert meta["og:url"] == "https://example.org/atlas/companies/aorui-auto-parts-tianjin.html"
    assert "og:url" not in read_page(out / "404.html").meta


# --- In Chromium: sorting by keyboard, printing ---------------------------------------

def _column_keys(page, table_selector: str, column: int) -> list[str]:
    return page.eval_on_selector_all(
        f"{table_selector} tbody tr",
        f"rows => rows.map(r => r.cells[{column}].getAttribute('data-sort'))")


@needs_chromium
def test_sorting_a_figure_column_by_keyboard_orders_rows_by_number(server, browser):
    watch = PageWatch(browser, server)
    try:
        watch.open("clusters/index.html")
        page = watch.page
        table = "main table.sortable"
        before = _column_keys(page, table, 2)
        numbers = [float(k) for k in before if k]
        # The test means something only if text order and number order differ here.
        assert sorted(numbers) != sorted(numbers, key=lambda n: f"{n:g}")
        button = page.locator(f"{table} thead th").nth(2).locator("button")
        button.focus()
        page.keyboard.press("Enter")
        after = _column_keys(page, table, 2)
        filled = [float(k) for k in after if k]
        assert filled == sorted(filled)
        assert after[len(filled):] == [""] * (len(after) - len(filled)), "not reported goes last"
        header = page.locator(f"{table} thead th").nth(2)
        assert header.get_attribute("aria-sort") == "ascending"
        page.keyboard.press("Space")
        again = [float(k) for k in _column_keys(page, table, 2) if k]
        assert again == sorted(filled, reverse=True)
        assert header.get_attribute("aria-sort") == "descending"
        assert sorted(before, key=str) == sorted(_column_keys(page, table, 2), key=str), "rows lost"
        assert not watch.errors
    finally:
        watch.close()


@needs_chromium
def test_name_column_sorts_chinese_names_by_pinyin(server, browser):
    watch = PageWatch(browser, server)
    try:
        watch.open("browse/role/vehicle-maker.html")
        page = watch.page
        page.locator("table.browse-records thead th button").first.press("Enter")
        names = page.eval_on_selector_all(
            "table.browse-records tbody tr td:first-child a", "as => as.map(a => a.textContent)")
        expected = page.evaluate("names => names.slice().sort(new Intl.Collator('zh-CN').compare)",
                                 names)
        assert names == expected
        # Pinyin, not code points: 北 (bei, U+5317) before 一 (yi, U+4E00).
        bei = [i for i, n in enumerate(names) if n.startswith("北")]
        yi = [i for i, n in enumerate(names) if n.startswith("一")]
        assert bei and yi and max(bei) < min(yi), names
    finally:
        watch.close()


@needs_chromium
def test_printing_an_entity_page_leaves_out_navigation_and_map(server, browser):
    watch = PageWatch(browser, server)
    try:
        watch.open("companies/langfang-leoni-wiring.html")
        page = watch.page

        def shown(selector):
            return page.eval_on_selector(selector, "e => getComputedStyle(e).display !== 'none'")
        assert shown(".site-header nav") and shown(".map-frame") and shown("thead .sort-button")
        page.emulate_media(media="print")
        assert not shown(".site-header nav")
        assert not shown(".map-frame")
        assert not shown(".lang-switch")
        assert shown("h1") and shown("table.facts") and shown(".notes")
        assert page.eval_on_selector(
            "thead .sort-button", "b => getComputedStyle(b, '::after').content") in ("none", "normal")
    finally:
        watch.close()

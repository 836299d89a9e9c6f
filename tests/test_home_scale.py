"""The home and about pages of a large atlas stay small: above plan.HOME_CLUSTERS clusters
(plan.HOME_SOURCES sources) the home page shows the largest clusters (the newest sources),
says how many there are in all and links to the whole lists; above
plan.ABOUT_DISAGREEMENTS disagreements the about page counts them and links to their own
numbered list pages. Neither is made again for a change it does not show. The real atlas
keeps its whole home and about pages."""
from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from atlas import Project, browse, build, load_atlas, plan
from atlas.urls import record_path
from fixture_atlas import bench_synth

COMPANIES = 120        # 6 clusters, 10 sources, 13 disagreements
HOME_CLUSTERS, HOME_SOURCES, ABOUT_DISAGREEMENTS, PER_PAGE = 3, 4, 5, 5
LIMITS = {(plan, "HOME_CLUSTERS"): HOME_CLUSTERS, (plan, "HOME_SOURCES"): HOME_SOURCES,
          (plan, "ABOUT_DISAGREEMENTS"): ABOUT_DISAGREEMENTS, (browse, "LIST_PAGE_ROWS"): PER_PAGE}


def _build(root: Path, site: Path, patch: pytest.MonkeyPatch):
    for (module, name), value in LIMITS.items():
        patch.setattr(module, name, value)
    return build(Project(root), site)


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """A synthetic project above every limit (made small): (site, atlas)."""
    root = tmp_path_factory.mktemp("home-scale")
    bench_synth().generate(root, COMPANIES, sources=10)
    site = root.parent / (root.name + "-site")
    with pytest.MonkeyPatch.context() as patch:
        _build(root, site, patch)
    return site, load_atlas(Project(root))


class Shown(HTMLParser):
    """What a reader sees on a page: the records its table rows and source list link to,
    the paragraphs of its main part (with their links), the disagreements listed, the
    notes and the pager."""

    def __init__(self, path: str):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.rows: list[str] = []          # the first link of each table row
        self.sources: list[str] = []
        self.paragraphs: list[dict] = []   # classes, text, links
        self.items: list[dict] = []        # each disagreement: owner link, note numbers
        self.notes: dict[int, str] = {}    # number: quote
        self.marks: list[int] = []         # the note numbers figures point at
        self.pager: list[str] = []
        self._in: set[str] = set()
        self._p: dict | None = None
        self._row_link = False
        self._note: int | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "main":
            self._in.add("main")
        elif tag == "p" and "main" in self._in:
            self._p = dict(classes=classes, text="", links=[])
        elif tag == "table" and "list" in classes:
            self._in.add("tbody")
        elif tag == "tr" and "tbody" in self._in:
            self._row_link = True
        elif tag == "ul" and ("sources" in classes or "quotes" in classes):
            self._in.add("sources" if "sources" in classes else "quotes")
        elif tag == "li" and "quotes" in self._in:
            self.items.append(dict(owner=None, notes=[]))
        elif tag == "nav" and "pager" in classes:
            self._in.add("pager")
        elif tag == "li" and a.get("id", "").startswith("note-"):
            self._note = int(a["id"].removeprefix("note-"))
            self.notes[self._note] = ""
        elif tag == "q" and self._note is not None:
            self._in.add("q")
        elif tag == "a":
            self._link(a.get("href", ""))

    def _link(self, href: str) -> None:
        if href.startswith("#note-"):
            number = int(href.removeprefix("#note-"))
            self.marks.append(number)
            if "quotes" in self._in:
                self.items[-1]["notes"].append(number)
            return
        target = _resolve(self.path, href)
        if self._p is not None:
            self._p["links"].append(target)
        if "pager" in self._in:
            self.pager.append(target)
        elif "sources" in self._in:
            self.sources.append(target)
        elif "quotes" in self._in and self.items and self.items[-1]["owner"] is None:
            self.items[-1]["owner"] = target
        elif self._row_link:
            self.rows.append(target)
            self._row_link = False

    def handle_endtag(self, tag):
        if tag == "p" and self._p is not None:
            self.paragraphs.append(self._p)
            self._p = None
        ends = {"main": "main", "table": "tbody", "nav": "pager", "q": "q"}
        if tag in ends:
            self._in.discard(ends[tag])
        elif tag == "ul":
            self._in -= {"sources", "quotes"}
        elif tag == "li" and self._note is not None and "q" not in self._in:
            self._note = None

    def handle_data(self, data):
        if self._p is not None:
            self._p["text"] += data
        if "q" in self._in:
            self.notes[self._note] += data


def _resolve(page: str, href: str) -> str:
    target = href.split("#")[0]
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), target)) if target else page


def _read(site: Path, path: str) -> Shown:
    page = Shown(path)
    page.feed((site / path).read_text(encoding="utf-8"))
    return page


def _line_to(page: Shown, target: str) -> dict:
    """The one paragraph that links to `target`."""
    found = [p for p in page.paragraphs if target in p["links"]]
    assert len(found) == 1, (page.path, target, page.paragraphs)
    return found[0]


def _companies_stated(cluster) -> float:
    """The largest number of companies an article states for the cluster (-1: none)."""
    return max((f.value * browse.unit_scale(f.unit) for f in plan.facts_of(cluster, "companies")),
               default=-1)


@pytest.mark.parametrize("prefix, total_words", [("", "共 {n} 个"), ("en/", "of {n} clusters")])
def test_home_shows_the_largest_clusters_says_how_many_and_links_to_all(large, prefix, total_words):
    site, atlas = large
    home = _read(site, prefix + "index.html")
    shown = [path.removeprefix(prefix) for path in home.rows]
    assert len(shown) == HOME_CLUSTERS < len(atlas.clusters)
    by_path = {record_path("cluster", c.id): c for c in atlas.clusters.values()}
    assert set(shown) <= set(by_path)
    # The most companies first, then by id; no cluster left out comes before one shown.
    order = {path: (-_companies_stated(c), c.id) for path, c in by_path.items()}
    assert [order[p] for p in shown] == sorted(order[p] for p in shown)
    assert max(order[p] for p in shown) < min(order[p] for p in by_path if p not in shown)
    assert _companies_stated(by_path[shown[0]]) > 0, "a cluster that states its companies comes first"
    line = _line_to(home, prefix + "clusters/index.html")
    assert total_words.format(n=len(atlas.clusters)) in line["text"] and (site / prefix / "clusters/index.html").is_file()


@pytest.mark.parametrize("prefix, total_words", [("", "共 {n} 篇"), ("en/", "of {n} articles")])
def test_home_shows_the_newest_sources_says_how_many_and_links_to_all(large, prefix, total_words):
    site, atlas = large
    home = _read(site, prefix + "index.html")
    shown = [atlas.sources[Path(path).stem] for path in home.sources]
    assert len(shown) == HOME_SOURCES < len(atlas.sources)
    assert [s.date for s in shown] == sorted((s.date for s in shown), reverse=True)
    newest_left_out = max(s.date for s in atlas.sources.values() if s not in shown)
    assert newest_left_out <= shown[-1].date
    line = _line_to(home, prefix + "sources/index.html")
    assert total_words.format(n=len(atlas.sources)) in line["text"] and (site / prefix / "sources/index.html").is_file()


def test_home_notes_cite_only_the_figures_it_shows(large):
    site, atlas = large
    home = _read(site, "index.html")
    clusters = [atlas.clusters[Path(path).stem] for path in home.rows]
    figures = {f.quote for c in clusters for metric in ("companies", "output", "invention_patents",
                                                       "patents") for f in plan.facts_of(c, metric)}
    assert figures and set(home.notes.values()) == figures
    assert set(home.marks) == set(home.notes)


def _listed(atlas) -> list[tuple[str, list[str]]]:
    """Each disagreement as the list shows it, in order: the page of the record it is
    about, and the quotes of its figures (a circle's: of its radii)."""
    circles = [(record_path("circle", c.id), sorted({r.quote for r in c.radii}))
               for c in plan.circles_in_disagreement(atlas)]
    return circles + [(record_path(facts[0].owner_kind, facts[0].owner_id),
                       sorted({f.quote for f in facts})) for facts in plan.disagreements(atlas)]


def _list_pages(site: Path, prefix: str) -> list[Shown]:
    first = prefix + plan.disagreements_path("about")
    more = sorted((site / first.removesuffix(".html")).glob("page-*.html"),
                  key=lambda p: int(re.sub(r"\D", "", p.name)))
    return [_read(site, first)] + [_read(site, p.relative_to(site).as_posix()) for p in more]


@pytest.mark.parametrize("prefix, count_words", [("", "{n} 件事"), ("en/", "found {n} things")])
def test_about_page_counts_the_disagreements_and_links_to_their_list(large, prefix, count_words):
    site, atlas = large
    about = _read(site, prefix + "about.html")
    count = len(_listed(atlas))
    assert count > ABOUT_DISAGREEMENTS
    line = _line_to(about, prefix + plan.disagreements_path("about"))
    assert count_words.format(n=count) in line["text"]
    assert (site / prefix / plan.disagreements_path("about")).is_file()
    assert not about.items and not about.notes, "the disagreements themselves are not repeated"
    assert 'id="disagreements"' in (site / prefix / "about.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_every_disagreement_is_on_exactly_one_list_page_in_order(large, prefix):
    site, atlas = large
    expected = [(prefix + path, quotes) for path, quotes in _listed(atlas)]
    pages = _list_pages(site, prefix)
    shown = [(item["owner"], sorted({page.notes[n] for n in item["notes"]}))
             for page in pages for item in page.items]
    assert shown == expected
    assert len(pages) == -(-len(expected) // PER_PAGE) > 1
    assert all(len(page.items) == PER_PAGE for page in pages[:-1])
    for page in pages:
        assert set(page.pager) == {p.path for p in pages}, page.path
        assert prefix + "about.html" in page.paragraphs[0]["links"], "its crumbs lead back"


def test_the_real_atlas_keeps_its_whole_home_and_about_pages(built_site, real_atlas):
    home = _read(built_site, "index.html")
    assert len(home.rows) == len(real_atlas.clusters) and len(home.sources) == len(real_atlas.sources)
    assert not any("shown-of" in p["classes"] for p in home.paragraphs)
    about = _read(built_site, "about.html")
    assert about.items and about.notes
    assert not (built_site / plan.disagreements_path("about")).exists()


# --- Rebuilds ------------------------------------------------------------------------

def _noting(made: Path, name: str, make):
    """`make`, noting in the file `made` each page it makes the context of (render
    workers are forked: a file is what they share)."""
    def noted(*args):
        pager = next((a for a in args if isinstance(a, browse.Pager)), None)
        with open(made, "a", encoding="utf-8") as log:
            log.write(f"{name}{pager.number if pager else ''}\n")
        return make(*args)
    return noted


def _rename(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith("name: ")
    path.write_text(text.replace(first, first + "（改名）", 1), encoding="utf-8")


def test_a_change_to_one_company_makes_them_again_only_where_it_shows(tmp_path, monkeypatch):
    root, site, made = tmp_path / "project", tmp_path / "site", tmp_path / "made.txt"
    bench_synth().generate(root, COMPANIES, sources=10)
    for name in ("_home_shown_context", "_about_split_context", "_disagreements_page_context"):
        monkeypatch.setattr(plan, name, _noting(made, name.split("_")[1], getattr(plan, name)))
    _build(root, site, monkeypatch)
    owners = [path for path, _ in _listed(load_atlas(Project(root)))]
    lists = [f"disagreements{n}" for n in range(1, -(-len(owners) // PER_PAGE) + 1)]
    assert sorted(made.read_text().split()) == sorted(["home", "about", *lists])
    page_2 = owners[PER_PAGE:2 * PER_PAGE]
    only_on_page_2 = [Path(path).stem for path in page_2 if path.startswith("companies/")
                      and path not in owners[:PER_PAGE] + owners[2 * PER_PAGE:]]
    unshown = next(path.stem for path in sorted((root / "content/companies").glob("*.yaml"))
                   if record_path("company", path.stem) not in owners)

    made.unlink()
    _rename(root / f"content/companies/{unshown}.yaml")
    report = _build(root, site, monkeypatch)
    assert report.kept < report.pages and not made.exists()

    _rename(root / f"content/companies/{only_on_page_2[0]}.yaml")
    _build(root, site, monkeypatch)
    assert made.read_text().split() == ["disagreements2"]
    assert "（改名）" in (site / "about/disagreements/page-2.html").read_text(encoding="utf-8")
